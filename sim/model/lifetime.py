"""A server's service life, in one place: the Erlang aging chain and what is derived from it.

A deployed server passes through ``fleet.lifetime_stages`` stages, leaving each with
probability ``p = stages / (12 × fleet.lifetime_years)`` a month (an Erlang life with that
mean). The chain is advanced month by month for the fleet's measures (:func:`age_chain`);
for the results by generation, whose stock is wanted only at each year's end,
:class:`YearlyChain` gives the same numbers in closed form (a test holds them equal); the
demand side looks ahead with the probability of retiring within a lead time
(:func:`exit_weights`). The stage chain is the one definition of a server's life: the yearly
chain's coefficients and the look-ahead's probabilities are computed by running it
(:func:`chain_powers`, :func:`exit_weights`), so they cannot describe another life. Pure numpy
functions, as in :mod:`.kernels`.
"""

from __future__ import annotations

import numpy as np

from .kernels import sum_rows, weighted_sum, whole_months


FAST_DECADES = 200   # orders of magnitude the yearly chain's factors may span (a float64 spans 616)


class YearlyChain:
    """The aging chain of :func:`age_chain` for rows whose installed base is wanted only at each
    year's end and summed over its months (the results by generation).

    With ``q = 1 - p`` and ``ρ = p / q``, the chain's stages are ``x_k = q^τ ρ^k z_k`` (``τ``
    months into the year): in ``z`` a month's move is ``z_k += z_{k-1}`` (from the last stage
    down) and ``z_0 += entering × q^-τ``, sums of positive terms, so exact to rounding. The
    December stock (``Σ_k q^12 ρ^k z_k``) and the year's sum of installed servers (the stock at
    the start carried through the year, plus each month's entrants' months installed) come from
    per-draw coefficients of the chain's matrix powers; the state is rebased each December.
    This is a third of the work of the stage chain. A draw whose ``q^-12`` or ``ρ^k`` would not
    fit a float (``p`` near 1: lives of a few months) runs the stage chain instead, whatever
    the other draws of its batch do.

    Parameters
    ----------
    stages : int
        ``K``.
    exit_probability : ndarray, shape (B,)
        ``p`` per draw, in (0, 1].
    rows : int
        Rows (generations); the first ``n`` of them enter each month.
    """

    def __init__(self, stages: int, exit_probability: np.ndarray, rows: int):
        p = exit_probability
        batch = p.shape[0]
        self.rows = 0                              # rows that have had servers so far
        self.acc = np.zeros((rows, batch))         # this year's sum of installed servers so far
        self.z = np.zeros((stages, rows, batch))
        q = 1.0 - p
        with np.errstate(divide="ignore", invalid="ignore"):
            # decades q^-12 and ρ^k span: within FAST_DECADES, z and x stay far from a float's limits
            decades = np.maximum(12 * np.abs(np.log10(q)), (stages - 1) * np.abs(np.log10(p / q)))
        fast = decades < FAST_DECADES
        self.slow = np.flatnonzero(~fast)             # draws that run the stage chain
        if self.slow.size:
            self.p_slow = p[self.slow]
            self.stages = np.zeros((stages, rows, self.slow.size))
            self.acc_slow = np.zeros((rows, self.slow.size))
            p = np.where(fast, p, 0.5)                 # harmless values for their unused z
            q = 1.0 - p
        rho = p / q
        powers = chain_powers(stages, p, 12)                   # (13, K, K, B): A^m
        survival = sum_rows(powers[:, :, 0].swapaxes(0, 1))    # (13, B): 1' A^m e0
        # powers by repeated multiplication: numpy's vectorised ``power`` may round an element
        # differently by where it stands in the array, and no draw may depend on the others
        q_power = np.cumprod(np.broadcast_to(q, (12, batch)), axis=0)               # (12, B): q^τ
        self.inv_q = 1.0 / q_power                                                   # q^-τ
        # an entrant in month j of the year is installed for months j .. 11: Σ_{i <= 11 - j} S(i)
        self.entering_weight = np.cumsum(survival[:12], axis=0)[::-1]               # (12, B)
        rho_k = np.cumprod(np.concatenate([np.ones((1, batch)), np.broadcast_to(rho, (stages - 1, batch))]), axis=0)
        self.december = q_power[11] * rho_k                                          # (K, B)
        self.carried = sum_rows(powers[1:].reshape((-1,) + powers.shape[2:])) * rho_k  # (K, B): Σ_τ 1'A^τ, in z
        self.rebase = q_power[11]

    def enter(self, t: int, entering: np.ndarray, first: int = 0) -> None:
        """Month ``t``: the chain moves, then ``entering`` enters rows ``first .. first + len``
        (the rows before ``first`` get none, nor ever will)."""
        n = first + len(entering)
        self.rows = max(self.rows, n)
        month = t % 12
        z = self.z[:, :self.rows]
        for k in range(len(z) - 1, 0, -1):
            z[k] += z[k - 1]
        z[0, first:n] += entering * self.inv_q[month]
        self.acc[first:n] += entering * self.entering_weight[month]
        if self.slow.size:
            stages = self.stages[:, :n]
            slow = np.zeros((n, self.slow.size))
            slow[first:] = entering[:, self.slow]
            age_chain(stages, self.p_slow, slow)
            self.acc_slow[:n] += sum_rows(stages)

    def year(self) -> tuple[np.ndarray, np.ndarray]:
        """At a December, after :meth:`enter`: the installed stock (rows, B) and the year's sum
        of installed servers over its months (rows, B); the next year starts."""
        n = self.rows
        z = self.z[:, :n]
        december = np.zeros_like(self.acc)
        year_sum = self.acc.copy()
        december[:n] = weighted_sum(self.december, z)
        z *= self.rebase
        self.acc[:n] = weighted_sum(self.carried, z)
        if self.slow.size:
            december[:, self.slow] = sum_rows(self.stages)
            year_sum[:, self.slow] = self.acc_slow
            self.acc_slow[:] = 0.0
        return december, year_sum


def chain_powers(stages: int, exit_probability: np.ndarray, months: int) -> np.ndarray:
    """``A^m`` for ``m = 0 .. months``, shape (months + 1, K, K, B): the aging chain's month
    (:func:`age_chain` with no entrants) as a matrix on the stages, per draw."""
    batch = exit_probability.shape[0]
    out = np.zeros((months + 1, stages, stages, batch))
    state = np.zeros((stages, stages, batch))          # column j: the chain started in stage j
    state[np.arange(stages), np.arange(stages)] = 1.0
    out[0] = state
    for m in range(1, months + 1):
        age_chain(state, exit_probability, np.zeros((stages, batch)))
        out[m] = state
    return out


def age_chain(stages: np.ndarray, exit_probability: np.ndarray, entering: np.ndarray) -> np.ndarray:
    """Advance the Erlang aging chain by one month, in place; return the servers retired.

    Each stage passes a fraction ``p = K / lifetime_months`` of its servers to the next
    stage per month; the last stage's outflow retires. The time a server spends installed is
    a sum of ``K`` geometric times with mean ``1/p`` months, so its mean is exactly the
    lifetime and its coefficient of variation about ``1/sqrt(K)``; with ``p = 1`` every
    server lives exactly ``K`` months. Deployed servers enter the first stage after the move.

    Parameters
    ----------
    stages : ndarray, shape (K, G, B)
        Installed servers by stage (modified in place).
    exit_probability : ndarray, shape (B,)
        ``p`` per draw, in (0, 1].
    entering : ndarray, shape (G, B)
        Servers deployed this month.

    Returns
    -------
    ndarray, shape (G, B)
        Servers retired this month.
    """
    moving = stages * exit_probability
    stages -= moving
    stages[1:] += moving[:-1]
    stages[0] += entering
    return moving[-1]


def exit_weights(stages: int, exit_probability: np.ndarray, lead_months: np.ndarray) -> np.ndarray:
    """Fraction of each aging-chain stage that retires within the next ``lead + 1`` months.

    Computed by running the chain itself (:func:`age_chain`) from one server in each stage and
    adding up what it retires, month by month: the look-ahead is the stage chain's own, by
    construction (in closed form it is ``P(Binomial(n, p) >= K - k)`` for a server in stage
    ``k`` after ``n`` months; a test holds it to scipy.stats). A fractional lead time mixes
    ``n = floor(lead) + 1`` and ``n + 1`` months as :func:`~sim.model.kernels.lagged` mixes
    the months.

    Returns
    -------
    ndarray, shape (K, 1, B)
        Weights to multiply the chain's stages (K, G, B) with.
    """
    floor, frac = whole_months(lead_months)
    months = floor + 1.0                                   # (B,)
    batch = exit_probability.shape[0]
    state = np.zeros((stages, stages, batch))              # column j: one server started in stage j
    state[np.arange(stages), np.arange(stages)] = 1.0
    retired = np.zeros((stages, batch))                    # retired so far, by starting stage
    within = np.zeros((stages, batch))
    within_next = np.zeros((stages, batch))
    no_one = np.zeros((stages, batch))
    for m in range(1, int(months.max()) + 2):
        retired += age_chain(state, exit_probability, no_one)
        np.copyto(within, retired, where=months == m)
        np.copyto(within_next, retired, where=months + 1.0 == m)
    return ((1.0 - frac) * within + frac * within_next)[:, None, :]
