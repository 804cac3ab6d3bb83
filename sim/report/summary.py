"""The terminal summary of a result: energy percentiles for the key years, the fleet behind them,
what the observations taught, the rebound, the queue (what ``sim run`` prints); and a
sweep's ranking of its parameters (what ``sim sweep`` prints)."""

from __future__ import annotations

import numpy as np

from ..parameters import percent, var_name
from ..scenario.published import number

QUANTILES = (0.05, 0.5, 0.95)
TAIL_DRAWS = 100     # fewer draws cannot bound the 5th and 95th percentiles at 95 % (precision_words)


def energy_units(largest_twh: float) -> tuple[str, float]:
    """Units a reader would quote for figures up to ``largest_twh`` TWh a year, and the factor
    from TWh/yr: TWh/yr, GWh/yr, or MWh/day for the smallest (a fleet's daily use)."""
    if largest_twh >= 10:
        return "TWh/yr", 1.0
    if largest_twh >= 0.5:
        return "GWh/yr", 1e3
    return "MWh/day", 1e6 / 365.0


def taught(ds, narrowed: float = 0.8) -> list[str]:
    """What the observations taught: the parameters whose 90 % range the calibration narrowed
    to less than ``narrowed`` of the prior's, prior against posterior."""
    prior, post = np.asarray(ds["prior_quantiles"]), np.asarray(ds["posterior_quantiles"])
    rows = []
    for j, key in enumerate(np.asarray(ds["parameter"])):
        width, after = prior[2, j] - prior[0, j], post[2, j] - post[0, j]
        if width > 0 and after < narrowed * width:
            rows.append(f"  {key}: {number(prior[0, j])} to {number(prior[2, j])} -> "
                        f"{number(post[0, j])} to {number(post[2, j])}")
    return (["what the observations taught (5-95 %, prior -> calibrated):"] + rows) if rows else []


def _wider(ratio: float) -> str:
    """A range's width against another's in words: "40% narrower", "2% wider", "as wide" (it
    read "-40% wide" and "+2% wide")."""
    words = percent(abs(ratio - 1))
    return "as wide" if words == "0%" else f"{words} {'narrower' if ratio < 1 else 'wider'}"


def forecast_moved(ds, years) -> list[str]:
    """How the observations moved the forecast: electricity's 5-95 % range, prior -> calibrated,
    in the key years (and how much narrower)."""
    if "energy_quantiles_prior" not in ds:
        return []
    prior, post = np.asarray(ds["energy_quantiles_prior"]), np.asarray(ds["energy_quantiles_calibrated"])
    column = {int(y): j for j, y in enumerate(np.asarray(ds["year"]))}
    parts = []
    for year in years:
        j = column[year]
        width, after = prior[2, j] - prior[0, j], post[2, j] - post[0, j]
        change = f", {_wider(after / width)}" if width > 0 else ""
        parts.append(f"{year} {prior[0, j]:,.0f}-{prior[2, j]:,.0f} -> {post[0, j]:,.0f}-{post[2, j]:,.0f}{change}")
    lines = ["electricity, TWh (5-95 %, prior -> calibrated): " + "; ".join(parts)]
    if "energy_width_without" in ds:
        # what each observation narrows beyond the others, in 2030 (the year forecasts are read
        # at) or the last key year
        year = 2030 if 2030 in years else years[-1]
        j = column[year]
        every = float(np.asarray(ds["energy_width_all"])[j])
        without = np.asarray(ds["energy_width_without"])[:, j]
        names = [n.decode() if isinstance(n, bytes) else str(n) for n in np.asarray(ds["observation"])]
        rows = [f"  {name}: {_wider(w / every)}" if np.isfinite(w) and every > 0 else f"  {name}: too few draws to say"
                for name, w in zip(names, without)]
        lines += [f"what each observation alone narrows in {year}: the 5-95 % range of the draws matching all "
                  f"the others, against all ({int(ds.attrs.get('prior_draws_compared', 0)):,} prior draws; "
                  "a few per cent either way is sampling noise):"] + rows
    return lines


def left_out(ds) -> list[str]:
    """Leave-one-out: each observation predicted from the others (covered or not), and how much of
    it the others already imply."""
    if "loo_consistent" not in ds:
        return []
    names = np.asarray(ds["observation"])
    covered, consistent = np.asarray(ds["loo_covered"]), np.asarray(ds["loo_consistent"])
    rows = [f"  {name}: {'covered' if c else 'NOT covered'} by the others' prediction; "
            f"{share:.0%} of the draws they allow match it too" for name, c, share in zip(names, covered, consistent)]
    return ["leave-one-out (each observation predicted from the others):"] + rows


DEMAND_PRIORS = ("demand.growth", "demand.elasticity", "demand.algorithmic_halving_months")


def rebound_by_prior_half(ds, share: np.ndarray, year: int) -> list[str]:
    """How much the rebound's share rests on the demand priors: its median over the draws whose
    value of each prior lies in the prior's lower or upper half (the prior's median: over the
    calibration's candidates, or the draws of an uncalibrated run). A headline that swings from
    one half to the other is the prior speaking, not the observations."""
    rows = []
    for key in DEMAND_PRIORS:
        name = var_name(key)
        if name not in ds:
            continue
        values = np.asarray(ds[name])
        if np.ptp(values) == 0:
            continue
        if "prior_quantiles" in ds:
            params = [p.decode() if isinstance(p, bytes) else str(p) for p in np.asarray(ds["parameter"])]
            middle = float(np.asarray(ds["prior_quantiles"])[1, params.index(key)])
        else:
            middle = float(np.median(values))
        low, high = share[values <= middle], share[values > middle]
        fmt = lambda x: f"{np.nanmedian(x):.0%} ({len(x):,} draws)" if len(x) else "no draws"   # noqa: E731
        rows.append(f"  {key} (prior median {number(middle)}): lower half {fmt(low)}, upper half {fmt(high)}")
    if not rows:
        return []
    return [f"the rebound's share of {year}'s electricity where each demand prior lies in its lower or upper half "
            "(medians; the observations narrow what the halves differ in):"] + rows


def quantile_interval(values: np.ndarray, q: float, level: float = 0.95) -> tuple[float, float]:
    """The distribution-free interval of the ``q`` quantile of what ``values`` (n independent draws)
    are drawn from: the order statistics whose ranks the binomial(n, q) count of draws below the
    quantile reaches with probability ``(1 - level) / 2`` and ``(1 + level) / 2`` (it covers the
    quantile with at least about ``level``; e.g. David and Nagaraja, *Order Statistics*, 2003, 7.1)."""
    # scipy.stats loads here, after a run: the command line's --help stays fast
    from scipy.stats import binom

    v = np.sort(values[np.isfinite(values)])
    n = len(v)
    low = int(binom.ppf((1 - level) / 2, n, q))              # ranks, 1-based
    high = int(binom.ppf((1 + level) / 2, n, q)) + 1
    return float(v[max(low, 1) - 1]), float(v[min(high, n) - 1])


def precision_words(energy: np.ndarray) -> str | None:
    """How well the draws pin the table's quantiles of ``energy`` (draws, key years): the largest
    half-width, relative to the quantile, of each p50's and each p5's and p95's 95 % interval
    (:func:`quantile_interval`); ``None`` for fewer than 100 draws (below 72, all of them fall
    above the 5th percentile more often than once in 40, and its interval has no lower end)."""
    worst = {"p50": 0.0, "p5 and p95": 0.0}
    n = int(np.isfinite(energy).sum(axis=0).min()) if energy.size else 0
    if n < TAIL_DRAWS:
        return None
    for column in energy.T:
        for q in QUANTILES:
            point = float(np.nanquantile(column, q))
            if point > 0:
                low, high = quantile_interval(column, q)
                key = "p50" if q == 0.5 else "p5 and p95"
                worst[key] = max(worst[key], (high - low) / 2 / point)

    def said(x):
        return f"±{x:.1%}" if x < 0.095 else f"±{x:.0%}"

    return (f"Monte Carlo precision of these {n:,} draws: each p50 above to {said(worst['p50'])}, each p5 and p95 to "
            f"{said(worst['p5 and p95'])} (95 % intervals from the draws' order statistics); four times the draws "
            "halve it")


def summary(ds, seconds: float | None = None) -> str:
    """The terminal summary: energy percentiles for the key years, and the fleet behind them.

    ``ds`` is a result: an :class:`xarray.Dataset`, or a file read with h5py
    (:class:`sim.results.Stored`); the figures are numpy's over the draws (NaN skipped)."""
    a = ds.attrs
    lines = [f"{a['scenario']}: {a['title']}"]
    timing = f" in {seconds:.1f} s" if seconds is not None else ""
    lines.append(f"{a['draws']:,} draws ({a['sampler']}, seed {a['seed']}){timing}; "
                 f"fleet accounting: {a['accounting'].replace('_', ' ')}; "
                 f"{a.get('rejected_draws', 0):,} draws rejected")
    if a.get("calibrated"):
        lines.append(f"calibrated: {a['draws']:,} of {a['candidates']:,} candidate draws are consistent with "
                     f"{len(np.asarray(ds['observation']))} observations ({a['observations']})")
        lines += taught(ds)
        lines += forecast_moved(ds, [int(y) for y in np.atleast_1d(a["key_years"])])
        lines += left_out(ds)
    if a.get("correlations"):
        lines.append(f"rank correlations: {a['correlations']}")
    lines.append("")
    years = [int(y) for y in np.atleast_1d(a["key_years"])]
    column = {int(y): j for j, y in enumerate(np.asarray(ds["year"]))}
    cols = [column[y] for y in years]

    def annual(name):   # (draws, key years)
        return np.asarray(ds[name])[:, cols]

    def median(x):
        return np.nanmedian(x, axis=0)

    def quantiles(x):   # (3, key years)
        return np.nanquantile(x, QUANTILES, axis=0)

    energy = annual("energy")
    label, factor = energy_units(float(np.nanmax(energy)))
    header = (f"{'year':>6}  {'energy ' + label:>23}  {'facility GW':>11}  {'servers at year end':>19}")
    lines.append(header)
    lines.append(f"{'':>6}  {'p5':>7} {'p50':>7} {'p95':>7}  {'p50':>11}  {'p50':>19}")
    e, gw, servers = quantiles(energy) * factor, median(annual("facility_power")), median(annual("installed"))
    for j, year in enumerate(years):
        lines.append(f"{year:>6}  {e[0, j]:7,.1f} {e[1, j]:7,.1f} {e[2, j]:7,.1f}  {gw[j]:11,.2f}  {servers[j]:19,.0f}")
    if said := precision_words(energy):
        lines.append(said)
    for by, what in (("region", "by region"), ("family", "by accelerator family")):
        if f"energy_by_{by}" not in ds:
            continue
        # named as the figures name them: "rest of world"
        names = [(n.decode() if isinstance(n, bytes) else str(n)).replace("_", " ") for n in np.asarray(ds[by])]
        split = np.asarray(ds[f"energy_by_{by}"])[:, cols, :]                # (draws, key years, parts)
        parts, whole = median(split), median(split.sum(axis=2))
        scope = a.get("scope", "world")
        note = (f" (this scenario reports {scope}, one slice of the world fleet)" if by == "region" and scope != "world"
                else "")
        lines.append("")
        lines.append(f"electricity {what}, {label} p50{note}:")
        total = " world" if by == "region" else " total"
        lines.append(f"{'year':>6}  " + "  ".join(f"{n:>14}" for n in names) + f"  {total:>14}")
        for j, year in enumerate(years):
            lines.append(f"{year:>6}  " + "  ".join(f"{parts[j, k] * factor:14,.1f}" for k in range(len(names)))
                         + f"  {whole[j] * factor:14,.1f}")
    if "datacenter_energy" in ds:
        dc, ai = quantiles(annual("datacenter_energy")), quantiles(annual("ai_datacenter_share"))
        lines.append("")
        lines.append("all data centers (AI servers and the others), TWh p50 (5-95 %), and the AI servers' share: " + "; ".join(
            f"{y} {dc[1, j]:,.0f} ({dc[0, j]:,.0f}-{dc[2, j]:,.0f}), AI {ai[1, j]:.0%}" for j, y in enumerate(years)))
        if "datacenter_electricity_share" in ds:
            share = quantiles(annual("datacenter_electricity_share"))
            lines.append(f"data centers' share of {a.get('scope', 'world')} electricity (p50, 5-95 %): " + "; ".join(
                f"{y} {share[1, j]:.1%} ({share[0, j]:.1%}-{share[2, j]:.1%})" for j, y in enumerate(years)))
    if "electricity_share" in ds:
        where = a.get("scope", "world")
        share = quantiles(annual("electricity_share"))
        lines.append(f"AI servers' share of {where} electricity (p50, 5-95 %): " + "; ".join(
            f"{y} {share[1, j]:.2%} ({share[0, j]:.2%}-{share[2, j]:.2%})" for j, y in enumerate(years)))
    if "rebound" in ds:
        lines.append("")
        lines.append("Jevons rebound: energy due to the demand response (same draws with elasticity 0):")
        lines.append(f"{'year':>6}  {'rebound TWh/yr p50':>18}  {'share of energy p5 p50 p95':>28}")
        rebound = annual("rebound")
        with np.errstate(divide="ignore", invalid="ignore"):
            share = quantiles(np.where(energy > 0, rebound / energy, np.nan))
        middle = median(rebound)
        for j, year in enumerate(years):
            lines.append(f"{year:>6}  {middle[j]:18.1f}  {share[0, j]:9.0%} {share[1, j]:8.0%} {share[2, j]:8.0%}")
        if "rebound_beyond_trend" in ds:
            # the same draws with the growth of demand's first year held, with no response to cost
            with np.errstate(divide="ignore", invalid="ignore"):
                beyond = quantiles(np.where(energy > 0, annual("rebound_beyond_trend") / energy, np.nan))
            lines.append("against demand's first-year growth held instead (same draws, no response to cost after "
                         "it), the response adds (share of energy p5 p50 p95): " + "; ".join(
                             f"{y} " + " ".join(percent(x) for x in beyond[:, j])
                             for j, y in enumerate(years)))
        lines += rebound_by_prior_half(ds, rebound[:, -1] / energy[:, -1], years[-1])
    if "budget_bound" in ds:
        bound = annual("budget_bound").mean(axis=0)
        lines.append("months in which the spending ceiling capped demand (mean over draws): " + "; ".join(
            f"{y} {bound[j]:.0%}" for j, y in enumerate(years))
            + ": there the electricity is what the budget buys at the cost of compute, whatever the elasticity")
    if "unserved_demand" in ds:
        last = years[-1]
        with np.errstate(divide="ignore", invalid="ignore"):
            unserved = median(annual("unserved_demand") / annual("compute_demand"))[-1]
        backlog = median(annual("backlog"))[-1]
        lines.append("")
        lines.append(f"In {last}: {unserved:.0%} of compute demand unserved (median), "
                     f"{backlog:,.0f} servers on backlog"
                     + (f", {median(annual('power_queue'))[-1]:,.0f} waiting for power"
                        if "power_queue" in ds else ""))
    elif "power_queue" in ds:   # a power queue in trajectory mode (in demand mode: the line above)
        where = " (the regions' queues together)" if "energy_by_region" in ds else ""
        lines += ["", f"In {years[-1]}: {median(annual('power_queue'))[-1]:,.0f} servers waiting for grid power "
                      f"(median){where}"]
    if "energy_if_accumulated" in ds:
        lines.append("")
        lines.append("The same shipments accumulated as an installed base (servers stay in service "
                     "until they retire):")
        e = quantiles(annual("energy_if_accumulated"))
        accumulated = annual("installed_if_accumulated")
        servers = median(accumulated)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = median(accumulated / annual("installed"))
        for j, year in enumerate(years):
            lines.append(f"{year:>6}  {e[0, j]:7.1f} {e[1, j]:7.1f} {e[2, j]:7.1f} TWh  "
                         f"{servers[j]:,.0f} servers at year end  ({ratio[j]:.2f}x the year's shipments)")
    return "\n".join(lines)


def above_noise(ds):
    """Which inputs of a PAWN ranking stand above its noise level (``pawn_noise``: what an input
    that does nothing reaches with these draws), by parameter; all of them in a ranking
    written before it said its noise level."""
    return ds.pawn_median > ds.pawn_noise if "pawn_noise" in ds else ds.pawn_median == ds.pawn_median


def noise_words(ds) -> str | None:
    """What an input that does nothing reaches in a PAWN ranking of a result's draws, and how many
    inputs stand above it (``None`` for other sweeps)."""
    if "pawn_noise" not in ds:
        return None
    level, above = float(ds.pawn_noise), int(above_noise(ds).sum())
    return (f"noise: an input that does nothing reaches a PAWN median of {level:.3f} with these "
            f"{ds.attrs.get('draws_analysed', 0):,} draws; {above} of {ds.sizes['parameter']} inputs "
            + ("stands" if above == 1 else "stand") + " above it"
            + ("" if above == ds.sizes["parameter"] else " (more draws lower it)"))


def ranking(ds, year: int | None = None) -> list[tuple[str, str]]:
    """Parameters ranked by the method's main measure, with a formatted value, for printing."""
    method = ds.attrs["method"]
    pick = (lambda v: v.sel(year=year) if year is not None and "year" in v.dims else
            (v.isel(year=-1) if "year" in v.dims else v))
    if method == "oat":
        key = pick(ds.swing)
        fmt = lambda p: (f"{number(float(pick(ds.metric_low).sel(parameter=p)))} to "  # noqa: E731
                         f"{number(float(pick(ds.metric_high).sel(parameter=p)))}")
    elif method == "sobol":
        key = pick(ds.total_order)
        fmt = lambda p: (f"S1 {float(pick(ds.first_order).sel(parameter=p)):.3f}  ST {float(pick(ds.total_order).sel(parameter=p)):.3f}"  # noqa: E731
                         f" [{float(pick(ds.total_order_low).sel(parameter=p)):.3f}, {float(pick(ds.total_order_high).sel(parameter=p)):.3f}]")
    elif method == "morris":
        key = pick(ds.mu_star)
        fmt = lambda p: (f"mu* {number(float(pick(ds.mu_star).sel(parameter=p)))} "  # noqa: E731
                         f"[{number(float(pick(ds.mu_star_low).sel(parameter=p)))}, "
                         f"{number(float(pick(ds.mu_star_high).sel(parameter=p)))}]  "
                         f"sigma {number(float(pick(ds.sigma).sel(parameter=p)))}")
    elif method == "pawn":
        key = ds.pawn_median
        standing = above_noise(ds)
        fmt = lambda p: (f"PAWN median {float(ds.pawn_median.sel(parameter=p)):.3f}  max {float(ds.pawn_max.sel(parameter=p)):.3f}"  # noqa: E731
                         + ("" if bool(standing.sel(parameter=p)) else "  (within noise)"))
    elif method == "delta":
        key = ds.delta
        fmt = lambda p: (f"delta {float(ds.delta.sel(parameter=p)):.3f} ±{float(ds.delta_conf.sel(parameter=p)):.3f}"  # noqa: E731
                         f"  S1 {float(ds.first_order.sel(parameter=p)):.3f}")
    elif method == "rbd_fast":
        key = ds.first_order
        fmt = lambda p: f"S1 {float(ds.first_order.sel(parameter=p)):.3f} ±{float(ds.first_order_conf.sel(parameter=p)):.3f}"  # noqa: E731
    else:
        return []
    order = np.argsort(-np.nan_to_num(key.values), kind="stable")
    names = [str(ds.parameter.values[i]) for i in order]
    return [(p, fmt(p)) for p in names]
