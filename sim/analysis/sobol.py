"""Sobol indices: the Saltelli design and the estimators, with bootstrap intervals.

The design is a scrambled Sobol sequence cut into matrices A and B and the A-with-column-i-
from-B rows (Saltelli 2010), as :func:`scipy.stats.sobol_indices` builds it; with groups of
factors, the columns of a whole group come from B together (one block of rows per group).
The estimators are Saltelli's (2010) first-order and Jansen's total-order ones, on outputs
centred on the mean of every evaluation, exactly as ``SALib.analyze.sobol`` computes them
(``tests/analysis/test_sobol.py`` compares the two on the same runs).
"""

from __future__ import annotations

import numpy as np
from scipy import stats
from scipy.stats import qmc


def saltelli_design(d: int, n: int, seed: int, groups: list[list[int]] | None = None) -> np.ndarray:
    """Unit-hypercube Saltelli design, shape (n(g+2), d): rows A, then B, then for each group
    of parameters (default: each parameter alone, g = d) the rows of A with that group's
    columns from B. A and B are the two halves of a scrambled Sobol sequence of dimension 2d
    (as :func:`scipy.stats.sobol_indices` builds them)."""
    rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0])
    unit = qmc.Sobol(d=2 * d, scramble=True, rng=rng).random(n)
    A, B = unit[:, :d], unit[:, d:]
    groups = [[i] for i in range(d)] if groups is None else groups
    AB = np.repeat(A[None, :, :], len(groups), axis=0)
    for g, members in enumerate(groups):
        AB[g][:, members] = B[:, members]
    return np.concatenate([A, B, AB.reshape(len(groups) * n, d)])


def sobol_from_evaluations(f: np.ndarray, d: int, n: int, seed: int, confidence: float = 0.95):
    """First and total indices (s, d) and intervals (2, 2, s, d) from evaluations (s, n(d+2))
    of a :func:`saltelli_design`. An output with no variance gets indices of zero."""
    f_A, f_B = f[:, :n], f[:, n:2 * n]
    f_AB = f[:, 2 * n:].reshape(f.shape[0], d, n).transpose(1, 0, 2)
    constant = np.ptp(np.concatenate([f_A, f_B], axis=1), axis=1) == 0
    safe = np.where(constant[:, None], np.arange(2 * n) % 2, np.concatenate([f_A, f_B], axis=1))
    f_A, f_B = safe[:, :n], safe[:, n:]
    f_AB = np.where(constant[None, :, None], f_A[None], f_AB)
    first, total, ci = _indices(f_A, f_B, f_AB, n, seed, confidence)
    first[constant], total[constant] = 0.0, 0.0
    ci[:, :, constant] = 0.0
    return first, total, ci


def _saltelli(f_A, f_B, f_AB):
    """Saltelli (2010) first-order and Jansen total-order estimators over the last axis, on
    outputs centred on the mean of every evaluation (A, B and each AB block), as SALib does.

    The centring matters for the intervals, not only the point: without it the first-order
    estimator gains a term ``mean · mean(f_AB − f_A)`` whose noise grows with the output's
    mean/sd ratio, and a bootstrap of that estimator gives intervals several times too wide.
    """
    d = f_AB.shape[0]
    mean = (np.sum(f_A, axis=-1, keepdims=True) + np.sum(f_B, axis=-1, keepdims=True)
            + np.sum(f_AB, axis=(0, -1), keepdims=True)[0]) / (f_A.shape[-1] * (d + 2))
    f_A, f_B, f_AB = f_A - mean, f_B - mean, f_AB - mean
    var = np.var(np.concatenate([f_A, f_B], axis=-1), axis=-1)
    first = np.mean(f_B * (f_AB - f_A), axis=-1) / var
    total = 0.5 * np.mean((f_A - f_AB) ** 2, axis=-1) / var
    return first, total


def _indices(f_A, f_B, f_AB, n, seed, confidence):
    """First and total indices (s, d) and percentile-bootstrap intervals (2, 2, s, d).

    The point estimates are :func:`_saltelli`'s; the intervals resample the base sample with
    :func:`scipy.stats.bootstrap` and an explicit generator, so they reproduce from the seed.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        first, total = _saltelli(f_A, f_B, f_AB)          # (d, s)
    first, total = first.T.copy(), total.T.copy()
    d, s_out = f_AB.shape[0], f_A.shape[0]

    def statistic(index, axis=-1):
        # index: (batch, n) resampled positions; returns (2 * s * d, batch)
        a, b, ab = f_A[:, index], f_B[:, index], f_AB[:, :, index]      # (s, batch, n), (d, s, batch, n)
        s1, st = _saltelli(a, b, ab)                                     # (d, s, batch)
        return np.concatenate([s1.transpose(1, 0, 2).reshape(s_out * d, -1),
                               st.transpose(1, 0, 2).reshape(s_out * d, -1)])

    rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(3)[2])
    with np.errstate(divide="ignore", invalid="ignore"):
        boot = stats.bootstrap((np.arange(n),), statistic, vectorized=True, method="percentile",
                               n_resamples=999, batch=50, confidence_level=confidence, rng=rng)
    low = boot.confidence_interval.low.reshape(2, s_out, d)
    high = boot.confidence_interval.high.reshape(2, s_out, d)
    ci = np.stack([np.stack([low[0], high[0]]), np.stack([low[1], high[1]])])  # (2, 2, s, d)
    return first, total, ci
