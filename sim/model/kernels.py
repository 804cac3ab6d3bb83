"""Pure vectorised functions the model's processes call: no SimPy, no I/O, no randomness.

Inside the model the ``draw`` axis of a batch (length ``B``) is the *last* axis, so that
sums over the few generations (``G``) or lifetime stages (``K``) add contiguous rows
instead of reducing short strided ones; :class:`sim.model.Record` turns results draw-first.
"""

from __future__ import annotations

import numpy as np

HOURS_PER_YEAR = 8760.0  # h; a model year is 365 days, leap days ignored (as de Vries and LBNL)
HOURS_PER_MONTH = HOURS_PER_YEAR / 12  # h; 730 h, every month alike
KW_PER_GW = 1e6
KWH_PER_TWH = 1e9


def annual_trajectory(years, anchor_years, anchor_values, growth_before, growth_after) -> np.ndarray:
    """Servers shipped per year: geometric interpolation between anchors, growth outside them.

    Parameters
    ----------
    years : sequence of int
        Calendar years to evaluate.
    anchor_years : sequence of int
        Sorted anchor years.
    anchor_values : ndarray, shape (A, B)
        Servers shipped in each anchor year, per draw.
    growth_before : ndarray, shape (B,), or None
        Annual growth rate used to extrapolate back before the first anchor; ``None``: zero.
    growth_after : ndarray, shape (B,)
        Annual growth rate after the last anchor.

    Returns
    -------
    ndarray, shape (len(years), B)
        Servers per year. Anchor years get their anchor value exactly.
    """
    anchor_years = list(anchor_years)
    values = np.asarray(anchor_values, dtype=float)
    logv = np.log(values)
    out = np.empty((len(years), values.shape[1]))
    first, last = anchor_years[0], anchor_years[-1]
    for j, year in enumerate(years):
        if year in anchor_years:
            out[j] = values[anchor_years.index(year)]
        elif year < first:
            out[j] = 0.0 if growth_before is None else \
                np.exp(logv[0] - (first - year) * np.log1p(growth_before))
        elif year > last:
            out[j] = np.exp(logv[-1] + (year - last) * np.log1p(growth_after))
        else:
            k = np.searchsorted(anchor_years, year) - 1
            w = (year - anchor_years[k]) / (anchor_years[k + 1] - anchor_years[k])
            out[j] = np.exp((1 - w) * logv[k] + w * logv[k + 1])
    return out


def adoption_shares(months_on_sale: np.ndarray, ramp_months: np.ndarray,
                    max_share: np.ndarray | None = None, displaced: bool = False, first: int = 0):
    """Share of shipments by generation under successive substitution.

    A generation on sale for ``m`` months has weight ``w = min((m + 1) / ramp, 1) × max_share``
    (``w = 0`` before launch; the first generation is always ``w = 1``: it stands for
    everything on sale before the catalogue's later entries). Each generation takes the
    share ``w_g * prod_{h newer than g} (1 - w_h)``: a new generation ramps up linearly and
    takes ``max_share`` of what the older ones sold, in proportion; with ``max_share = 1`` it
    displaces them in full. The shares sum to one for any weights in [0, 1]:
    ``sum_g w_g prod_{h>g} (1 - w_h) = 1 - prod_{h>=0} (1 - w_h) = 1`` since ``w_0 = 1``.

    Parameters
    ----------
    months_on_sale : ndarray, shape (G,) or (G, B)
        Months since launch (negative: not yet launched), in launch order (per draw when 2-D).
    ramp_months : ndarray, shape (B,)
        Months a new generation takes to reach its full share.
    max_share : ndarray, shape (G, B), optional
        The most of the older generations' shipments each generation takes (default 1).
    displaced : bool
        Also return how many leading generations are displaced for good (below).
    first : int
        Generations before ``first`` are known to be displaced for good: their shares are
        zero, and only the others are computed (the same numbers, bit for bit).

    Returns
    -------
    ndarray, shape (G, B)
        The shares; with ``displaced``, also the number of leading generations whose shares
        are zero in every draw for good: a newer generation with ``max_share = 1`` has its
        full weight there (a weight only grows).
    """
    months = months_on_sale if months_on_sale.ndim == 2 else months_on_sale[:, None]
    weight = np.clip((months[first:] + 1.0) / ramp_months[None, :], 0.0, 1.0)
    if max_share is not None:
        weight *= max_share[first:]
    if first == 0:
        weight[0] = 1.0
    # untouched[g] = prod_{h > g} (1 - w_h): the part of shipments no newer generation took,
    # multiplied from the newest down (row by row: numpy's cumprod along the short axis is slow)
    untouched = np.ones_like(weight)
    for g in range(len(weight) - 2, -1, -1):
        np.multiply(untouched[g + 1], 1.0 - weight[g + 1], out=untouched[g])
    shares = np.zeros((len(months),) + weight.shape[1:])
    np.multiply(weight, untouched, out=shares[first:])
    if not displaced:
        return shares
    # untouched is a product of factors in (0, 1] (no underflow over a catalogue's generations):
    # it is 0 only where some newer generation's weight is exactly 1
    gone = 0
    while gone < len(untouched) - 1 and not untouched[gone].any():
        gone += 1
    return shares, first + gone


def changing_months(launch_month: np.ndarray, ramp_months: np.ndarray, n_months: int) -> np.ndarray:
    """Months (bool, shape (n_months,)) in which the shares of :func:`adoption_shares` change in
    some draw: a generation's weight changes from month ``t - 1`` to ``t`` only while
    ``launch <= t < launch + ramp`` (its launch month included).

    Parameters
    ----------
    launch_month : ndarray, shape (G, B)
        Whole months from the first month.
    ramp_months : ndarray, shape (B,)
    """
    start = np.clip(launch_month, 0, n_months).astype(np.int64).ravel()
    stop = np.clip(np.ceil(launch_month + ramp_months), 0, n_months).astype(np.int64).ravel()
    edges = np.bincount(start, minlength=n_months + 1) - np.bincount(stop, minlength=n_months + 1)
    return np.cumsum(edges)[:n_months] > 0


def whole_months(lead_months: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A lead time split into its whole months (int) and the fraction of the next (B,) each: the
    delayed flow leaves ``(1 - f)`` in month ``t + L`` and ``f`` in ``t + L + 1``."""
    floor = np.floor(lead_months).astype(np.int64)
    return floor, lead_months - floor


def lead_runs(lead_floor: np.ndarray) -> list | None:
    """Runs of draws with equal whole months of lead, ``[(lead, first, stop), ...]``, when the
    draws are sorted by it (:func:`sim.model.simulate` sorts them); ``None`` otherwise."""
    if not np.all(np.diff(lead_floor) >= 0):
        return None
    steps = np.flatnonzero(np.diff(lead_floor)) + 1
    bounds = np.concatenate([[0], steps, [len(lead_floor)]])
    return [(int(lead_floor[a]), int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:])]


class Delay:
    """A fixed per-draw delay of an (R, B) monthly flow, through a ring buffer over months.

    ``lead`` months may be fractional: the output is split linearly between the two
    neighbouring months, so the delayed total is conserved. The months a draw reads are the
    same every ``size`` months, so their flat indices are made once.

    Parameters
    ----------
    lead_months : ndarray, shape (B,)
    rows : int
        ``R``.
    """

    def __init__(self, lead_months: np.ndarray, rows: int):
        batch = lead_months.shape[0]
        lead_floor, self.lead_frac = whole_months(lead_months)
        self.size = size = int(lead_floor.max()) + 2
        self.buffer = np.zeros((size, rows, batch))
        offset = np.arange(rows)[:, None] * batch + np.arange(batch)[None, :]   # (R, B) within a month
        phase = np.arange(size)[:, None, None]
        self.recent = ((phase - lead_floor) % size) * (rows * batch) + offset          # (size, R, B)
        self.older = ((phase - lead_floor - 1) % size) * (rows * batch) + offset

    def step(self, t: int, flow: np.ndarray) -> np.ndarray:
        """Store month ``t``'s ``flow`` (R, B); return what leaves the delay in month ``t`` (R, B)."""
        phase = t % self.size
        self.buffer[phase] = flow
        flat = self.buffer.reshape(-1)
        recent = flat.take(self.recent[phase])
        older = flat.take(self.older[phase])
        older -= recent
        older *= self.lead_frac
        older += recent
        return older


def lagged(ring: "CohortRing", top: int, lead_floor: np.ndarray, lead_frac: np.ndarray, runs,
           first: int, rows: int) -> np.ndarray:
    """``(1 - f) × ring[top - L] + f × ring[top - L - 1]`` for each draw (whole months of lead
    ``L``, fraction ``f``), amounts ``first .. rows``: shape (rows - first, B). With ``runs``
    (:func:`lead_runs`; draws sorted by ``L``) each run reads its two rows as slices; else by
    gathers (the same numbers)."""
    out = np.empty((rows - first, lead_floor.shape[0]))
    if runs is not None:
        for lead, a, b in runs:
            recent = ring[top - lead][first:rows, a:b]
            older = ring[top - lead - 1][first:rows, a:b]
            np.subtract(older, recent, out=out[:, a:b])
            out[:, a:b] *= lead_frac[a:b]
            out[:, a:b] += recent
        return out
    draws = np.arange(lead_floor.shape[0])
    recent = ring.gather(top - lead_floor, draws, rows=rows, first=first)
    np.subtract(ring.gather(top - 1 - lead_floor, draws, rows=rows, first=first), recent, out=out)
    out *= lead_frac
    out += recent
    return out


def weighted_sum(weights, rows) -> np.ndarray:
    """``Σ_i weights[i] × rows[i]``, term by term in order (no temporary with the summed axis):
    ``weights`` (n, B) and ``rows`` (n, ..., B), each term broadcast to ``rows[0]``'s shape."""
    out = rows[0] * weights[0]
    for i in range(1, len(weights)):
        out += rows[i] * weights[i]
    return out


def sum_rows(rows, out=None) -> np.ndarray:
    """``Σ_i rows[i]``, row by row in order, whatever the batch's width: numpy's ``sum(axis=0)``
    adds row by row when the rows are wide but pairwise when they are narrow (a batch of one
    or two draws), so a draw's last digit would depend on the size of its batch."""
    if out is None:
        out = rows[0].copy()
    else:
        out[...] = rows[0]
    for i in range(1, len(rows)):
        out += rows[i]
    return out


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


def trend_generations(last_launch: int, last_power_kw: np.ndarray, last_performance: np.ndarray,
                      cadence_months: np.ndarray, power_gain: np.ndarray, performance_gain: np.ndarray,
                      count: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Generations beyond the catalogue: the ``j``-th launches ``j × cadence`` months after the
    last catalogued one (rounded down to a month), with power and performance per server
    ``gain^j`` times the last one's.

    Returns
    -------
    launch_month, power_kw, performance : ndarray, shape (count, B)
    """
    j = np.arange(1, count + 1)[:, None]
    launch = last_launch + np.floor(j * cadence_months[None, :])
    return launch, last_power_kw[None, :] * power_gain[None, :] ** j, last_performance[None, :] * performance_gain[None, :] ** j


def draw_fraction(idle_fraction: np.ndarray, utilisation: np.ndarray) -> np.ndarray:
    """Mean power of a server as a fraction of its maximum, shape (B,): ``idle + (1 - idle) × u``.

    A server at compute utilisation ``u`` (fraction of throughput used) draws its idle power
    plus the dynamic range in proportion to ``u`` (the linear power model of LBNL 2024/2025
    and of server power studies). With ``idle = 0`` the draw is ``u``, as in de Vries 2023.
    A fleet serving several workloads at utilisations ``u_w`` draws, per server, exactly this
    at the work-weighted harmonic mean of the ``u_w`` (the servers each workload needs add up).
    """
    return idle_fraction + (1.0 - idle_fraction) * utilisation


def interpolate_years(years, point_years, points: np.ndarray) -> np.ndarray:
    """Linear interpolation of per-draw values given at ``point_years``; flat outside them.

    Parameters
    ----------
    years : sequence of int
    point_years : sequence of int, sorted
    points : ndarray, shape (P, B)

    Returns
    -------
    ndarray, shape (len(years), B)
    """
    point_years = np.asarray(point_years, dtype=float)
    out = np.empty((len(years), points.shape[1]))
    for j, year in enumerate(years):
        k = int(np.clip(np.searchsorted(point_years, year, side="right") - 1, 0, len(point_years) - 1))
        if year <= point_years[0] or k == len(point_years) - 1:
            out[j] = points[0] if year <= point_years[0] else points[-1]
        else:
            w = (year - point_years[k]) / (point_years[k + 1] - point_years[k])
            out[j] = (1 - w) * points[k] + w * points[k + 1]
    return out


def exit_weights(stages: int, exit_probability: np.ndarray, lead_months: np.ndarray) -> np.ndarray:
    """Fraction of each aging-chain stage that retires within the next ``lead + 1`` months.

    A server can move one stage a month, with probability ``p``, so one in stage ``k`` (of
    ``K``) has retired after ``n`` months when ``Binomial(n, p) >= K - k``. A fractional
    lead time mixes ``n = floor(lead) + 1`` and ``n + 1`` as :class:`Delay` mixes the months.

    Returns
    -------
    ndarray, shape (K, 1, B)
        Weights to multiply the chain's stages (K, G, B) with.
    """
    floor, frac = whole_months(lead_months)
    needed = (stages - np.arange(stages))[:, None]        # transitions left, (K, 1)
    n = floor[None, :] + 1.0
    within = binomial_sf(needed - 1, n, exit_probability[None, :])
    within_next = binomial_sf(needed - 1, n + 1.0, exit_probability[None, :])
    return ((1.0 - frac) * within + frac * within_next)[:, None, :]


def binomial_sf(k, n, p) -> np.ndarray:
    """``P(Binomial(n, p) > k)`` for whole ``k >= 0`` and ``n >= 1``: what ``scipy.stats.binom.sf``
    gives, bit for bit (the same Boost routine, 0 from ``k >= n``), without importing
    scipy.stats (half a second)."""
    from scipy import special

    sf = getattr(special._ufuncs, "_binom_sf", None) or special.bdtrc   # scipy.stats' own, else cephes
    k, n, p = np.broadcast_arrays(np.asarray(k, dtype=float), np.asarray(n, dtype=float), np.asarray(p, dtype=float))
    inside = k < n
    out = np.zeros(k.shape)
    out[inside] = np.clip(sf(np.floor(k[inside]), n[inside], p[inside]), 0.0, 1.0)
    return out


QUEUE_MONTHS = 120   # first size of a power queue's rings: waits of up to ten years


class CohortRing:
    """Cumulative amounts by cohort for a first-come queue, kept only for the cohorts it may
    still need.

    Row ``c`` holds the totals of cohorts ``0 .. c-1`` (``R`` amounts per draw: shape (R, B));
    it lives at ``c mod size``. A queue whose oldest head stands in cohort ``oldest`` needs rows
    ``oldest .. now + 1``: when they no longer fit, the ring doubles. So its memory follows the
    longest queue, not the run's length. Memory is touched only where rows are written, so a
    generous first size costs little and spares the copies of growing.

    Parameters
    ----------
    rows : int
        ``R``, the amounts kept per cohort.
    batch : int
    size : int
        Initial number of rows.
    """

    def __init__(self, rows: int, batch: int, size: int = 16):
        self.array = np.zeros((size, rows, batch))
        self.size = size

    def __getitem__(self, c: int) -> np.ndarray:
        """Row ``c``, shape (R, B)."""
        return self.array[c % self.size]

    def push(self, now: int, arriving: np.ndarray, oldest: int, first: int = 0) -> np.ndarray:
        """Add cohort ``now``: row ``now + 1`` = row ``now`` + ``arriving``, for the amounts
        ``first .. first + len(arriving)`` (the others are left as they were: their owner no
        longer reads them, or has none yet), keeping rows ``oldest .. now``. Returns row
        ``now + 1``."""
        stop = first + len(arriving)
        if now + 2 - oldest > self.size:
            self._grow(now + 2 - oldest, oldest, now, first, stop)
        new = self[now + 1]
        np.add(self[now][first:stop], arriving, out=new[first:stop])
        return new

    def _grow(self, needed: int, oldest: int, now: int, first: int, stop: int) -> None:
        size = self.size
        while size < needed:
            size *= 2
        array = np.zeros((size,) + self.array.shape[1:])
        for c in range(oldest, now + 1):   # the rows kept, amounts in use only
            array[c % size, first:stop] = self.array[c % self.size, first:stop]
        self.array, self.size = array, size

    def gather(self, cohort: np.ndarray, draws: np.ndarray, rows: int | None = None, first: int = 0) -> np.ndarray:
        """Row ``cohort[j]`` of draw ``draws[j]`` for each ``j``: shape (R, m), or only the
        amounts ``first .. rows``, shape (rows - first, m). With ``cohort`` of shape (k, m),
        the k rows of each draw: shape (k, R, m) (one gather)."""
        return gather_cohort(self.array, cohort % self.size, draws, rows, first)


def fifo_position(cumulative, target: np.ndarray, first: np.ndarray, now: int, draws: np.ndarray,
                  row: int | None = None):
    """Where a first-come queue's head stands once ``target`` has been admitted, for some draws.

    Parameters
    ----------
    cumulative : ndarray, shape (T + 2, B), or a :class:`CohortRing` with ``row``
        ``cumulative[c]`` (a ring's ``cumulative[c][row]``): the amount that cohorts before
        ``c`` bring (non-decreasing in ``c``). An array must be C-contiguous.
    target : ndarray, shape (B,)
        Amount admitted so far, at most ``cumulative[now + 1]``; never less than before.
    first : ndarray of int, shape (B,)
        The cohort each draw's head was in (``cumulative[first] <= target``).
    now : int
        The newest cohort.
    draws : ndarray of int, shape (m,)
        The draws to place.
    row : int, optional
        With a ring, the amount that counts.

    Returns
    -------
    cohort : ndarray of int, shape (m,)
        The cohort the head is in: the last ``c <= now`` with ``cumulative[c] <= target``.
    fraction : ndarray, shape (m,)
        The part of that cohort already admitted (0 when it brings nothing).

    Heads only move forward, so each draw's head steps on from ``first`` while the next
    cohort is admitted in full: the cumulative amounts are read :data:`STEPS` cohorts ahead at
    once, again for the heads that passed them all, instead of a search over every cohort
    since the oldest head.
    """
    if isinstance(cumulative, CohortRing):
        array, size = cumulative.array, cumulative.size
        offset = draws + row * array.shape[-1]
    else:
        array, size = cumulative, None
        offset = draws
    stride = array[0].size                      # elements per cohort
    flat = array.reshape(-1)

    def at(c, j=slice(None)):
        return flat.take((c if size is None else c % size) * stride + offset[j])

    cohort = first[draws].copy()
    aim = target[draws]
    # heads move a few cohorts a month: look STEPS cohorts ahead at once, and again for the
    # heads that passed them all
    moving = np.flatnonzero(cohort < now)
    ahead = np.arange(1, STEPS + 1)[:, None]
    while moving.size:
        c = cohort[moving]
        # the cohorts up to ``now`` that are admitted in full (cumulative: monotone in the cohort)
        within = ahead <= now - c
        passed = ((at(np.minimum(c + ahead, now), moving) <= aim[moving]) & within).sum(axis=0)
        c += passed
        cohort[moving] = c
        moving = moving[(passed == STEPS) & (c < now)]
    start = at(cohort)
    size_ = at(cohort + 1) - start
    fraction = np.clip(np.divide(aim - start, size_, out=np.zeros_like(size_), where=size_ > 0), 0.0, 1.0)
    return cohort, fraction


STEPS = 4   # cohorts :func:`fifo_position` looks ahead at once


def gather_cohort(array: np.ndarray, cohort: np.ndarray, draws: np.ndarray, rows: int | None = None,
                  first: int = 0) -> np.ndarray:
    """``array[cohort[j], ..., draws[j]]`` for each ``j``: shape ``array.shape[1:-1] + (m,)``,
    or for a (T, G, B) array only its generations ``first .. rows``, shape (rows - first, m).
    With ``cohort`` of shape (k, m), the k cohorts of each draw, shape (k, ..., m), in one gather.

    ``array`` must be C-contiguous with the draw axis last.
    """
    n_draws = array.shape[-1]
    base = cohort * array[0].size + draws                     # (m,) or (k, m)
    if rows is not None:
        inner = np.arange(first, rows) * n_draws
    elif array.ndim > 2:
        inner = np.arange(int(np.prod(array.shape[1:-1]))) * n_draws
    else:
        return array.reshape(-1).take(base)
    index = base[..., None, :] + inner[:, None]
    if rows is None:
        index = index.reshape(base.shape[:-1] + array.shape[1:-1] + base.shape[-1:])
    return array.reshape(-1).take(index)
