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


def annual_trajectory(years, anchor_years, anchor_values, growth_before, growth_after,
                      growth_next=None) -> np.ndarray:
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
        Annual growth rate after the last anchor (after the year after it, with ``growth_next``).
    growth_next : ndarray, shape (B,), or None
        Growth in the year after the last anchor; ``None``: ``growth_after`` from the last
        anchor on (the year after the last anchor is then ``anchor × (1 + growth_after)``).

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
            if growth_next is None:
                out[j] = np.exp(logv[-1] + (year - last) * np.log1p(growth_after))
            else:
                out[j] = np.exp(logv[-1] + np.log1p(growth_next) + (year - last - 1) * np.log1p(growth_after))
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


def lagged(ring, top: int, lead_floor: np.ndarray, lead_frac: np.ndarray, runs,
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


def work_share(energy_share: np.ndarray, idle_fraction: np.ndarray, utilisation: np.ndarray,
               other_utilisation: np.ndarray) -> np.ndarray:
    """The share of the work done by a workload whose share of the *electricity* is given
    (``energy_share``, as published: inference is 80-90 % of the energy of deployed AI), at
    compute utilisation ``utilisation``, the other workload at ``other_utilisation``. Shapes (B,).

    A unit of work at utilisation ``u`` takes ``1/u`` servers, each drawing
    ``idle + (1 - idle) u`` of its maximum (:func:`draw_fraction`): electricity per unit of
    work ``e(u) = draw_fraction(u) / u``. Energy shares ``s_E`` and work shares ``s_W`` are
    then related by ``s_E = s_W e_1 / (s_W e_1 + (1 - s_W) e_2)``, so
    ``s_W = (s_E / e_1) / (s_E / e_1 + (1 - s_E) / e_2)``. With no idle power ``e = 1`` and the
    two shares are equal; idle power makes a low-utilisation workload's energy share exceed
    its work share.
    """
    mine = energy_share * utilisation / draw_fraction(idle_fraction, utilisation)
    other = (1.0 - energy_share) * other_utilisation / draw_fraction(idle_fraction, other_utilisation)
    return mine / (mine + other)


def energy_share(work_share_: np.ndarray, idle_fraction: np.ndarray, utilisation: np.ndarray,
                 other_utilisation: np.ndarray) -> np.ndarray:
    """The share of the electricity of a workload doing ``work_share_`` of the work: the inverse
    of :func:`work_share`, ``s_E = s_W e_1 / (s_W e_1 + (1 - s_W) e_2)`` with ``e(u) =
    draw_fraction(u) / u``. Shapes broadcast."""
    mine = work_share_ * draw_fraction(idle_fraction, utilisation) / utilisation
    other = (1.0 - work_share_) * draw_fraction(idle_fraction, other_utilisation) / other_utilisation
    return mine / (mine + other)


def workload_mix(work_share0: np.ndarray, growth: np.ndarray, other_growth: np.ndarray,
                 years: np.ndarray) -> np.ndarray:
    """A workload's share of the work ``years`` after it was ``work_share0``, when its work grows
    at ``growth`` a year and the other workload's at ``other_growth`` (two streams at constant
    cost; what acts on both, cost and algorithms, cancels):
    ``s0 (1+g)^τ / (s0 (1+g)^τ + (1 - s0) (1+g')^τ)``. ``years`` (Y, 1) and (B,) arrays give (Y, B)."""
    mine = work_share0 * (1.0 + growth) ** years
    return mine / (mine + (1.0 - work_share0) * (1.0 + other_growth) ** years)


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


def clearing_markup(unbounded: np.ndarray, affordable: np.ndarray, capacity: np.ndarray,
                    elasticity: np.ndarray) -> np.ndarray:
    """The lowest markup ``m >= 1`` over cost at which demand falls to capacity, per draw.

    Demand at price ``m × c`` is ``D(m) = min(U m^-ε, A / m)``: the demand curve ``U m^-ε``
    (``unbounded``: the work demanded at cost, ``U``; ``elasticity``, ε) bounded by what the
    spending ceiling affords (``affordable``: the work it pays for at cost, ``A``; ``inf`` with
    no budget). Both terms fall as ``m`` rises, so ``D(m) <= K`` (``capacity``) exactly when
    ``m >= (U/K)^(1/ε)`` or ``m >= A/K``: the clearing markup is the smaller of the two. (The
    demand curve's markup is read from the *unbounded* demand: computed from demand already
    bounded by the budget, it is too low for ε > 1, and demand at that price exceeds capacity.)
    Where demand at cost fits (``min(U, A) <= K``) the markup is 1; where nothing clears
    (ε = 0 and no budget) it stays 1 and the excess goes unserved. Shapes (B,); dimensionless.
    """
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        along_demand = np.where(elasticity > 0, (unbounded / capacity) ** (1.0 / elasticity), np.inf)
        along_budget = affordable / capacity
        markup = np.minimum(along_demand, along_budget)
    scarce = np.minimum(unbounded, affordable) > capacity
    return np.where(scarce & np.isfinite(markup), np.maximum(markup, 1.0), 1.0)


def divided(given: np.ndarray, rest: int) -> np.ndarray:
    """Shares of ``K`` parts, shape (Y, K, B), from the shares of all but one (``given``,
    (Y, K - 1, B)): part ``rest`` takes what the others leave, ``1 - Σ given`` (added in order).
    The scenario's checks keep the given shares' highest values to a sum of at most 1."""
    years, k, batch = given.shape
    out = np.empty((years, k + 1, batch))
    out[:, :rest], out[:, rest + 1:] = given[:, :rest], given[:, rest:]
    out[:, rest] = 1.0 - sum_rows(given.swapaxes(0, 1)) if k else 1.0
    return out
