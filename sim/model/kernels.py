"""Pure vectorised functions the model's processes call: no SimPy, no I/O, no randomness.

Every array's first axis is the ``draw`` axis of a batch (length ``B``); ``G`` is the number
of hardware generations, ``K`` the number of stages of the lifetime aging chain.
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
    anchor_values : ndarray, shape (B, A)
        Servers shipped in each anchor year, per draw.
    growth_before : ndarray, shape (B,), or None
        Annual growth rate used to extrapolate back before the first anchor; ``None``: zero.
    growth_after : ndarray, shape (B,)
        Annual growth rate after the last anchor.

    Returns
    -------
    ndarray, shape (B, len(years))
        Servers per year. Anchor years get their anchor value exactly.
    """
    anchor_years = list(anchor_years)
    values = np.asarray(anchor_values, dtype=float)
    logv = np.log(values)
    out = np.empty((values.shape[0], len(years)))
    first, last = anchor_years[0], anchor_years[-1]
    for j, year in enumerate(years):
        if year in anchor_years:
            out[:, j] = values[:, anchor_years.index(year)]
        elif year < first:
            out[:, j] = 0.0 if growth_before is None else \
                np.exp(logv[:, 0] - (first - year) * np.log1p(growth_before))
        elif year > last:
            out[:, j] = np.exp(logv[:, -1] + (year - last) * np.log1p(growth_after))
        else:
            k = np.searchsorted(anchor_years, year) - 1
            w = (year - anchor_years[k]) / (anchor_years[k + 1] - anchor_years[k])
            out[:, j] = np.exp((1 - w) * logv[:, k] + w * logv[:, k + 1])
    return out


def adoption_shares(months_on_sale: np.ndarray, ramp_months: np.ndarray) -> np.ndarray:
    """Share of shipments by generation under successive substitution.

    A generation on sale for ``m`` months has weight ``w = min((m + 1) / ramp, 1)``
    (``w = 0`` before launch; the first generation is always ``w = 1``: it stands for
    everything on sale before the catalogue's later entries). Each generation takes the
    share ``w_g * prod_{h newer than g} (1 - w_h)``: a new generation ramps up linearly and
    displaces all older ones in proportion, and the shares sum to one.

    Parameters
    ----------
    months_on_sale : ndarray, shape (G,)
        Months since launch (negative: not yet launched), in launch order.
    ramp_months : ndarray, shape (B,)
        Months a new generation takes to reach its full share.

    Returns
    -------
    ndarray, shape (B, G)
    """
    weight = np.clip((months_on_sale[None, :] + 1.0) / ramp_months[:, None], 0.0, 1.0)
    weight[:, 0] = 1.0
    # untouched[:, g] = prod_{h > g} (1 - w_h): the part of shipments no newer generation took
    untouched = np.ones_like(weight)
    untouched[:, :-1] = np.cumprod((1.0 - weight)[:, :0:-1], axis=1)[:, ::-1]
    return weight * untouched


def delayed(pipeline: np.ndarray, t: int, lead_floor: np.ndarray, lead_frac: np.ndarray,
            rows: np.ndarray) -> np.ndarray:
    """Shipments of ``lead`` months ago, from a ring buffer over months.

    ``pipeline[:, :, s % M]`` holds what was shipped in month ``s``; a fractional lead time
    splits linearly between the two neighbouring months, so the deployed total is conserved.

    Returns
    -------
    ndarray, shape (B, G)
    """
    size = pipeline.shape[2]
    recent = pipeline[rows, :, (t - lead_floor) % size]
    older = pipeline[rows, :, (t - lead_floor - 1) % size]
    return (1.0 - lead_frac)[:, None] * recent + lead_frac[:, None] * older


def age_chain(stages: np.ndarray, exit_probability: np.ndarray, entering: np.ndarray) -> np.ndarray:
    """Advance the Erlang aging chain by one month, in place; return the servers retired.

    Each stage passes a fraction ``p = K / lifetime_months`` of its servers to the next
    stage per month; the last stage's outflow retires. The time a server spends installed is
    a sum of ``K`` geometric times with mean ``1/p`` months, so its mean is exactly the
    lifetime and its coefficient of variation about ``1/sqrt(K)``; with ``p = 1`` every
    server lives exactly ``K`` months. Deployed servers enter the first stage after the move.

    Parameters
    ----------
    stages : ndarray, shape (B, G, K)
        Installed servers by stage (modified in place).
    exit_probability : ndarray, shape (B,)
        ``p`` per draw, in (0, 1].
    entering : ndarray, shape (B, G)
        Servers deployed this month.

    Returns
    -------
    ndarray, shape (B, G)
        Servers retired this month.
    """
    moving = stages * exit_probability[:, None, None]
    stages -= moving
    stages[:, :, 1:] += moving[:, :, :-1]
    stages[:, :, 0] += entering
    return moving[:, :, -1]
