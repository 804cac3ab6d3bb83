"""How much a forecast owes to the width of its priors (``sim validate --prior-widths``).

A calibrated forecast is the prior narrowed by the observations. Where the observations
constrain it, making the priors narrower or wider moves the forecast little; where they do
not, the forecast's range follows the priors' widths, and a reader should know it. So the
scenario is run again, calibrated as it is by default, with every uncertain prior (or those
whose keys match ``patterns``) scaled in width about its median by each factor, and the
forecast's median and 90 % range are compared, year by year, with the scenario as written;
in demand mode, the Jevons rebound's share of the electricity too (against elasticity 0 and against
the first year's growth held), and how often the spending ceiling binds.

A prior is scaled by the affine map ``x → m + f (x − m)`` about its median ``m``: a uniform,
triangular, PERT or normal prior stays in its family with the same shape (bounds and mode
move with it); a lognormal is scaled in ``ln x`` (``sigma × f``, its truncation bounds as
``m (b/m)^f``). A widened prior is cut at the registry's bounds for its key (a PUE stays at
least 1, a share at most 1). The draws are paired: every run uses the same uniform draws
(streams follow the parameters' names, :mod:`sim.sampling`), so what differs between them is
the width alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

import numpy as np

from ..errors import InputError, TooFewMatches
from ..parameters import percent, spec
from ..runner import run
from ..scenario.distributions import Distribution
from ..scenario.load import load_scenario

QUANTILES = (0.05, 0.5, 0.95)


def widened(dist: Distribution, factor: float, key: str) -> Distribution:
    """``dist`` scaled in width by ``factor`` about its median, cut at the registry's bounds for
    ``key``; a constant as it is."""
    if dist.is_constant or factor == 1.0:
        return dist
    a, m = dict(dist.args), dist.quantile(0.5)
    if dist.family == "lognormal":
        a["sigma"] = a["sigma"] * factor
        for bound in ("low", "high"):
            if bound in a and a[bound] > 0 and math.isfinite(a[bound]):
                a[bound] = m * (a[bound] / m) ** factor
    else:
        for k in ("low", "mode", "high", "mean"):
            if k in a and math.isfinite(a[k]):
                a[k] = m + factor * (a[k] - m)
        if "sd" in a:
            a["sd"] = a["sd"] * factor
    return _within(Distribution(dist.family, a, dict(dist.annotations)), key)


def _within(dist: Distribution, key: str) -> Distribution:
    """A distribution cut at the registry's bounds for its key (an open bound: just inside)."""
    p = spec(key)
    low, high = p.low, p.high
    if p.low_open and math.isfinite(low):
        low = low + 1e-9 * max(1.0, abs(low))
    a = dict(dist.args)
    if dist.family in ("uniform", "triangular", "pert"):
        for k in ("low", "mode", "high"):
            if k in a:
                a[k] = min(max(a[k], low), high)
        if a["high"] <= a["low"]:
            raise InputError(key, None, "scaled to nothing inside the registry's bounds")
        return Distribution(dist.family, a, dict(dist.annotations))
    lo, hi = dist.support()
    if lo < low or hi > high:
        return dist.truncated(max(lo, low), min(hi, high))
    return dist


def scaled(scenario, factor: float, patterns=None):
    """The scenario with its uncertain priors (those whose keys match ``patterns``, globs; all
    when none) scaled in width by ``factor``; and the keys scaled."""
    if not scenario.uncertain:
        raise InputError("--prior-widths", None, f"{scenario.name} has no uncertain priors to scale (every "
                         "number is a constant)")
    keys = [k for k in scenario.uncertain if not patterns or any(fnmatchcase(k, p) for p in patterns)]
    if not keys:
        raise InputError("--widen", " ".join(patterns or ()), "matches none of the scenario's uncertain "
                         f"parameters ({', '.join(scenario.uncertain[:6])}, ...)")
    parameters = dict(scenario.parameters)
    for k in keys:
        parameters[k] = widened(parameters[k], factor, k)
    return scenario.replace(parameters=parameters), keys


@dataclass(frozen=True)
class Width:
    """One run of the scenario with its priors scaled by ``factor``: how many candidates it took
    and the forecast's quantiles (:data:`QUANTILES`) by year."""

    factor: float
    keys: tuple[str, ...]
    draws: int
    candidates: int
    energy: dict                  # year -> (p5, median, p95) TWh
    rebound_share: dict           # year -> median share of the electricity (demand mode), against ε = 0
    failed: str = ""              # why no forecast: its calibration found too few matching draws
    beyond_trend: dict = field(default_factory=dict)   # year -> the same against the first year's growth held
    budget_bound: dict = field(default_factory=dict)   # year -> mean share of months at the spending ceiling


def check(scenario, factors, patterns=None) -> None:
    """One line, before any run, for factors that are not positive or globs that match none of the
    scenario's uncertain parameters (or a scenario with none)."""
    if any(not (f > 0 and math.isfinite(f)) for f in factors):
        raise InputError("--prior-widths", " ".join(map(str, factors)), "factors must be positive numbers "
                         "(0.5: priors half as wide; 2: twice as wide)")
    scaled(scenario, 1.0, patterns)


def prior_widths(scenario, factors=(0.5, 2.0), draws: int | None = None, seed: int | None = None,
                 patterns=None, years=None) -> list[Width]:
    """The scenario as written (factor 1) and with its priors scaled by each of ``factors``,
    each run as ``sim run`` runs it (calibrated when the scenario calibrates by default)."""
    if not hasattr(scenario, "parameters"):
        scenario = load_scenario(scenario)
    check(scenario, factors, patterns)
    years = list(years or scenario.key_years)
    demand = scenario.mode == "demand"
    rows = []
    for factor in [1.0] + [f for f in factors if f != 1.0]:
        variant, keys = scaled(scenario, factor, patterns)
        try:
            ds = run(variant, draws=draws, seed=seed, rebound=demand, quiet=True)
        except TooFewMatches as exc:
            if factor == 1.0:
                raise
            # priors so wide (or narrow) that the cap's candidates hold too few matches: say so
            rows.append(Width(factor, tuple(keys), 0, 0, {}, {}, exc.message))
            continue
        energy = {y: tuple(float(q) for q in ds.energy.sel(year=y).quantile(QUANTILES).values) for y in years}
        share, beyond, bound = {}, {}, {}
        for y in years:
            positive = ds.energy.sel(year=y) > 0
            if demand and "rebound" in ds:
                share[y] = float((ds.rebound.sel(year=y) / ds.energy.sel(year=y)).where(positive).median())
            if demand and "rebound_beyond_trend" in ds:
                beyond[y] = float((ds.rebound_beyond_trend.sel(year=y) / ds.energy.sel(year=y)).where(positive).median())
            if "budget_bound" in ds:
                bound[y] = float(ds.budget_bound.sel(year=y).mean())
        rows.append(Width(factor, tuple(keys), int(ds.attrs["draws"]),
                          int(ds.attrs.get("candidates", ds.attrs["draws"])), energy, share,
                          beyond_trend=beyond, budget_bound=bound))
    return rows


def table(rows: list[Width], name: str, patterns=None) -> str:
    """The rows as a plain-text table, year by year: for each width, the forecast's median and 90 %
    range, how far each moved from the scenario as written, the rebound's share (demand mode);
    then the candidates each calibration ran, and a sentence on what it means."""
    years = list(rows[0].energy)
    base = rows[0]
    scope = (f"the {len(base.keys)} priors matching {' '.join(patterns)} ({', '.join(base.keys)})" if patterns
             else "every uncertain prior")
    lines = [f"{name}: the forecast with {scope} scaled in width about its median "
             f"({base.draws:,} draws each, the same uniform draws in every run)",
             f"{'year':<6}{'width':>6}{'median TWh':>12}{'90 % range':>16}   {'against the scenario as written':<36}"
             + ("rebound vs ε=0" if base.rebound_share else "") + ("  vs trend" if base.beyond_trend else "")
             + ("  at budget" if base.budget_bound else "")]
    done = [row for row in rows if not row.failed]
    for y in years:
        b5, b50, b95 = base.energy[y]
        for i, row in enumerate(done):
            p5, p50, p95 = row.energy[y]
            moved = "" if row is base else f"median {_change(p50, b50)}, range x{_ratio(p95 - p5, b95 - b5)}"
            lines.append(f"{str(y) if i == 0 else '':<6}{row.factor:>5g}x{p50:>12,.0f}{f'{p5:,.0f}-{p95:,.0f}':>16}   "
                         f"{moved:<36}" + (f"{row.rebound_share[y]:>14.0%}" if base.rebound_share else "")
                         + (f"{percent(row.beyond_trend.get(y)):>10}" if base.beyond_trend else "")
                         + (f"{percent(row.budget_bound.get(y)):>11}" if base.budget_bound else ""))
    if base.candidates != base.draws:
        lines.append("calibration: " + ", ".join(f"{r.draws / r.candidates:.1%} of {r.candidates:,} candidates kept at "
                                                 f"{r.factor:g}x" for r in done))
    lines += [f"{row.factor:g}x: no forecast, too few candidates match the observations ({row.failed})"
              for row in rows if row.failed]
    lines.append(_verdict(done, years[-1]))
    return "\n".join(lines)


def _change(value: float, base: float) -> str:
    return f"{(value / base - 1):+.0%}" if base else "n/a"


def _ratio(width: float, base: float) -> str:
    return f"{width / base:.2f}" if base > 0 else "n/a"


def _verdict(rows: list[Width], year: int) -> str:
    """One sentence: does the range in ``year`` follow the priors' widths (the evidence does not
    constrain it) or stay (it does)?"""
    base = rows[0].energy[year]
    width = base[2] - base[0]
    ratios = [((r.energy[year][2] - r.energy[year][0]) / width, r.factor) for r in rows[1:] if width > 0]
    if not ratios:
        return ""
    # the range's response to the prior's width, in log terms: 1 follows it in full, 0 not at all
    follows = np.mean([math.log(ratio) / math.log(f) for ratio, f in ratios if ratio > 0])
    if follows > 0.6:
        words = "follows the priors' widths: the observations do not constrain it, the priors do"
    elif follows > 0.25:
        words = "follows the priors' widths in part: the observations constrain it, the priors still matter"
    else:
        words = "barely moves with the priors' widths: the observations (or the model's structure) set it"
    return (f"The {year} 90 % range {words} (elasticity of the range to the width "
            f"{follows:.2f}; 1 = in full, 0 = not at all).")
