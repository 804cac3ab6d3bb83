"""Monte Carlo draws: uniform designs per stream block, mapped through each parameter's ppf.

Randomness is organised so that results never depend on how draws are batched or on how
many workers run them:

* the ensemble's draws ``0 .. draws-1`` are cut into fixed *stream blocks* of
  :data:`STREAM_BLOCK_DRAWS` draws (the last block holds the remainder);
* within block ``i``, every uncertain parameter has its own stream, keyed by the block and
  the parameter's *name* (:func:`stream`), and its own Latin hypercube column (a stratified
  permutation) or plain random column; a Latin hypercube is exactly independent stratified
  columns, so the design is the usual one;
* any range of draws ``[start, stop)`` is made by regenerating the blocks it touches and
  slicing, so a batch of 700 draws and a batch of 10,000 draws give the same numbers.

Because a parameter's stream follows its name, not its position among the uncertain
parameters, a what-if (``--set``, ``--variant``) that changes one parameter, or makes one
constant, leaves every other parameter's sampled values bit for bit as they were: base and
what-if are paired draw by draw. (Parameters tied to the changed one by a ``[[correlation]]``
are reordered with it, as the correlation demands.)

For ``draws <= STREAM_BLOCK_DRAWS`` the whole ensemble is a single Latin hypercube.
"""

from __future__ import annotations

import hashlib

import numpy as np
from scipy.special import ndtri


STREAM_BLOCK_DRAWS = 10_000  # draws per random stream (and per Latin hypercube)


def block_ranges(draws: int) -> list[tuple[int, int]]:
    """``[start, stop)`` of each stream block of an ensemble of ``draws`` draws."""
    return [(s, min(s + STREAM_BLOCK_DRAWS, draws)) for s in range(0, draws, STREAM_BLOCK_DRAWS)]


def stream(seed: int, block: int, name: str) -> np.random.Generator:
    """The generator of one parameter (``name``) in one stream block of an ensemble seeded ``seed``.

    Its ``SeedSequence`` has spawn key ``(block, h)``, with ``h`` the first 8 bytes of the
    SHA-256 of the name: independent of every other parameter and block, and of the order
    the parameters are listed in.
    """
    h = int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "little")
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(block, h)))


def uniform_design(columns, draws: int, seed: int, method: str,
                   start: int = 0, stop: int | None = None,
                   rank_correlation: np.ndarray | None = None) -> np.ndarray:
    """Uniform (0, 1) design for draws ``[start, stop)`` of an ensemble, shape (stop-start, k).

    Parameters
    ----------
    columns : sequence of str, or int
        The names of the uncertain parameters (each column's stream follows its name), or a
        number of anonymous columns (named by position).
    draws : int
        Size of the whole ensemble (fixes the stream blocks).
    seed : int
        Root seed of the ensemble's ``SeedSequence``.
    method : {"lhs", "random"}
        Latin hypercube (a stratified permutation per column, as
        ``scipy.stats.qmc.LatinHypercube`` makes it) or independent uniforms.
    rank_correlation : ndarray, shape (k, k), optional
        Target Spearman rank correlations, induced within each block by
        :func:`iman_conover` (each column's values are kept, only their order changes).
    """
    names = [str(i) for i in range(columns)] if isinstance(columns, int) else list(columns)
    stop = draws if stop is None else stop
    out = np.empty((stop - start, len(names)))
    for i, (b0, b1) in enumerate(block_ranges(draws)):
        if b1 <= start or b0 >= stop:
            continue
        size = b1 - b0
        block = np.empty((size, len(names)))
        for j, name in enumerate(names):
            rng = stream(seed, i, name)
            if method == "lhs":
                block[:, j] = (rng.permutation(size) + rng.random(size)) / size
            else:
                block[:, j] = rng.random(size)
        if rank_correlation is not None and size >= 3:
            block = iman_conover(block, rank_correlation, stream(seed, i, "[[correlation]]"))
        lo, hi = max(start, b0), min(stop, b1)
        out[lo - start:hi - start] = block[lo - b0:hi - b0]
    return out


def iman_conover(sample: np.ndarray, rank_correlation: np.ndarray, rng) -> np.ndarray:
    """Reorder each column of ``sample`` so its rank correlations approach the target.

    Iman and Conover (1982): van der Waerden scores in random order are given the target
    correlation through Cholesky factors, and each column of ``sample`` takes the ranks of
    its scores. Marginals are unchanged (each column keeps its values), so a Latin hypercube
    stays a Latin hypercube. The Spearman target is converted to the Pearson correlation of
    normal scores, ``2 sin(pi rho / 6)``. Columns with no correlation keep their order.
    """
    n, k = sample.shape
    involved = np.flatnonzero(np.any(rank_correlation - np.eye(k) != 0, axis=1))
    if involved.size == 0:
        return sample
    target = rank_correlation[np.ix_(involved, involved)]
    pearson = 2.0 * np.sin(np.pi * target / 6.0)
    np.fill_diagonal(pearson, 1.0)
    scores = ndtri(np.arange(1, n + 1) / (n + 1.0))   # the normal quantiles (norm.ppf)
    s = np.column_stack([rng.permutation(scores) for _ in involved])
    q = np.linalg.cholesky(np.corrcoef(s, rowvar=False))
    p = np.linalg.cholesky(pearson)
    t = s @ np.linalg.solve(q, p.T)  # = s (Q^T)^-1 P^T
    out = sample.copy()
    for j, column in enumerate(involved):
        ranks = np.argsort(np.argsort(t[:, j], kind="stable"), kind="stable")
        out[:, column] = np.sort(sample[:, column])[ranks]
    return out


def sample(scenario, start: int = 0, stop: int | None = None,
           draws: int | None = None, seed: int | None = None) -> dict[str, np.ndarray]:
    """Values of every numeric parameter for draws ``[start, stop)``.

    Returns
    -------
    dict
        Dotted key → float array of shape ``(stop - start,)``; constants are broadcast.
    """
    draws = scenario.draws if draws is None else draws
    seed = scenario.seed if seed is None else seed
    stop = draws if stop is None else stop
    uncertain = scenario.uncertain
    u = uniform_design(uncertain, draws, seed, scenario.sampler, start, stop,
                       scenario.rank_correlation_matrix())
    column = {key: j for j, key in enumerate(uncertain)}
    values = {}
    for key, dist in scenario.parameters.items():
        if key in column:
            values[key] = dist.ppf(u[:, column[key]])
        else:
            values[key] = np.full(stop - start, dist.args["value"])
    return values
