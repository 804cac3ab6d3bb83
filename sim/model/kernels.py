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
                    max_share: np.ndarray | None = None) -> np.ndarray:
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

    Returns
    -------
    ndarray, shape (G, B)
    """
    months = months_on_sale if months_on_sale.ndim == 2 else months_on_sale[:, None]
    weight = np.clip((months + 1.0) / ramp_months[None, :], 0.0, 1.0)
    if max_share is not None:
        weight *= max_share
    weight[0] = 1.0
    # untouched[g] = prod_{h > g} (1 - w_h): the part of shipments no newer generation took,
    # multiplied from the newest down (row by row: numpy's cumprod along the short axis is slow)
    untouched = np.ones_like(weight)
    for g in range(len(weight) - 2, -1, -1):
        np.multiply(untouched[g + 1], 1.0 - weight[g + 1], out=untouched[g])
    return weight * untouched


class Delay:
    """A fixed per-draw delay of a (G, B) monthly flow, through a ring buffer over months.

    ``lead`` months may be fractional: the output is split linearly between the two
    neighbouring months, so the delayed total is conserved.

    Parameters
    ----------
    lead_months : ndarray, shape (B,)
    n_gen : int
    """

    def __init__(self, lead_months: np.ndarray, n_gen: int):
        batch = lead_months.shape[0]
        self.lead_floor = np.floor(lead_months).astype(np.int64)
        self.lead_frac = lead_months - self.lead_floor
        self.size = int(self.lead_floor.max()) + 2
        self.buffer = np.zeros((self.size, n_gen, batch))
        # flat offset of element (g, b) within one month's slice
        self.offset = (np.arange(n_gen)[:, None] * batch + np.arange(batch)[None, :])
        self.slice_size = n_gen * batch
        # draws sorted by whole months of lead (sim.model.simulate sorts them): each run of
        # equal leads reads its two months as slices, with no gather
        steps = np.flatnonzero(np.diff(self.lead_floor)) + 1
        bounds = np.concatenate([[0], steps, [batch]])
        self.runs = ([(int(self.lead_floor[a]), int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:])]
                     if np.all(np.diff(self.lead_floor) >= 0) else None)

    def step(self, t: int, flow: np.ndarray) -> np.ndarray:
        """Store month ``t``'s ``flow`` (the first ``g`` rows of a (G, B) flow, shape (g, B): the
        other rows are zero, now and before); return what leaves the delay in month ``t`` (g, B)."""
        rows = len(flow)
        self.buffer[t % self.size, :rows] = flow
        if self.runs is not None:
            out = np.empty(flow.shape)
            for lead, a, b in self.runs:
                recent = self.buffer[(t - lead) % self.size, :rows, a:b]
                older = self.buffer[(t - lead - 1) % self.size, :rows, a:b]
                out[:, a:b] = recent + self.lead_frac[a:b] * (older - recent)
            return out
        flat = self.buffer.reshape(-1)
        offset = self.offset[:rows]
        recent = flat.take(((t - self.lead_floor) % self.size) * self.slice_size + offset)
        older = flat.take(((t - self.lead_floor - 1) % self.size) * self.slice_size + offset)
        return recent + self.lead_frac * (older - recent)


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
    floor = np.floor(lead_months)
    frac = lead_months - floor
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


def fifo_position(cumulative: np.ndarray, target: np.ndarray, first: np.ndarray, now: int, draws: np.ndarray):
    """Where a first-come queue's head stands once ``target`` has been admitted, for some draws.

    Parameters
    ----------
    cumulative : ndarray, shape (T + 2, B)
        ``cumulative[c]``: the amount that cohorts before ``c`` bring (non-decreasing in ``c``).
    target : ndarray, shape (B,)
        Amount admitted so far, at most ``cumulative[now + 1]``; never less than before.
    first : ndarray of int, shape (B,)
        The cohort each draw's head was in (``cumulative[first] <= target``).
    now : int
        The newest cohort.
    draws : ndarray of int, shape (m,)
        The draws to place.

    Returns
    -------
    cohort : ndarray of int, shape (m,)
        The cohort the head is in: the last ``c <= now`` with ``cumulative[c] <= target``.
    fraction : ndarray, shape (m,)
        The part of that cohort already admitted (0 when it brings nothing).

    Heads only move forward, so each draw's head steps on from ``first`` while the next
    cohort is admitted in full: as many vectorised steps as the farthest head moves this
    month, instead of a search over every cohort since the oldest head.
    """
    n_draws = cumulative.shape[1]
    cohort = first[draws].copy()
    aim = target[draws]
    moving = np.flatnonzero(cohort < now)
    while moving.size:
        ahead = cumulative.reshape(-1).take((cohort[moving] + 1) * n_draws + draws[moving]) <= aim[moving]
        moving = moving[ahead]
        cohort[moving] += 1
        moving = moving[cohort[moving] < now]
    flat = cumulative.reshape(-1)
    start = flat.take(cohort * n_draws + draws)
    size = flat.take((cohort + 1) * n_draws + draws) - start
    fraction = np.clip(np.divide(aim - start, size, out=np.zeros_like(size), where=size > 0), 0.0, 1.0)
    return cohort, fraction


def gather_cohort(array: np.ndarray, cohort: np.ndarray, draws: np.ndarray, rows: int | None = None) -> np.ndarray:
    """``array[cohort[j], ..., draws[j]]`` for each ``j``: shape ``array.shape[1:-1] + (m,)``,
    or for a (T, G, B) array only its first ``rows`` generations, shape (rows, m).

    ``array`` must be C-contiguous with the draw axis last.
    """
    n_draws = array.shape[-1]
    middle = array.shape[1:-1]
    if rows is not None:
        middle = (rows,)
    inner = (np.arange(int(np.prod(middle))) * n_draws).reshape(middle + (1,)) if middle else 0
    return array.reshape(-1).take(cohort * array[0].size + inner + draws)
