"""Scenario discovery: which ranges of which assumptions lead to an outcome (PRIM).

``python -m sim discover RESULT.nc --where "energy:2030 > p80"`` marks the draws of a plain
``sim run`` result whose outcome meets the condition (the *cases of interest*) and looks for
a box of input ranges that holds many of them (coverage) and few others (density), with the
Patient Rule Induction Method (Friedman and Fisher 1999), as the EMA Workbench does it:

1. **Peeling**: from the box of all draws, repeatedly cut off the ``alpha`` share of the
   draws in the box at the low or high end of one input, choosing the cut that leaves the
   highest density, until the box holds less than ``min_mass`` of the draws. Each step is a
   box on the *peeling trajectory*, from high coverage and low density to the reverse.
2. **Choosing**: the densest box on the trajectory that still covers ``min_coverage`` of the
   cases (default a half): the coverage/density trade-off, drawn in the figure.
3. **Pasting**: the chosen box grows back along any restricted input where that raises its
   density.
4. **Significance**: for each restriction, the chance that a box as dense would arise by
   chance when the restriction is dropped (a one-sided hypergeometric test: the draws of the
   box among those of the box without that restriction), times the number of inputs peeling
   chose among (Bonferroni).
5. **Resampling**: PRIM is run again on bootstrap resamples of the draws; a restriction
   chosen in fewer than ``min_stability`` of them (default 70 %), or with p above ``max_p``
   (0.05), is dropped. Both guard against PRIM's overfitting (the box is chosen on the same
   draws it is tested on, so neither is an exact test); a restriction they keep still wants
   a mechanism that explains it.

The inputs are the result's sampled parameters (any variable with a ``key`` attribute along
``draw``); boxes are in each input's own units. Nothing here runs the model.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np
import xarray as xr

from ..errors import InputError, suggest
from ..parameters import human_units
from ..results import carried
from ..scenario.published import number

OPERATORS = {">": np.greater, ">=": np.greater_equal, "<": np.less, "<=": np.less_equal}
_WHERE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)(?::(\d{4}))?(?:@([A-Za-z0-9_.+-]+))?\s*(>=|<=|>|<)\s*"
                    r"(p\d{1,2}(?:\.\d+)?|[-+0-9.eE]+)\s*$")


# --------------------------------------------------------------------------------- PRIM

@dataclass
class Box:
    """Limits (d, 2) of a box in the inputs' units; ``±inf`` where an input is not restricted."""

    limits: np.ndarray

    def inside(self, x: np.ndarray) -> np.ndarray:
        return np.all((x >= self.limits[:, 0]) & (x <= self.limits[:, 1]), axis=1)

    def restricted(self) -> list[int]:
        return [j for j in range(len(self.limits)) if np.isfinite(self.limits[j]).any()]


@dataclass
class Step:
    box: Box
    coverage: float
    density: float
    mass: float


def _stats(box: Box, x: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    inside = box.inside(x)
    n_in, hits = int(inside.sum()), int(y[inside].sum())
    return hits / max(int(y.sum()), 1), hits / n_in if n_in else 0.0, n_in / len(y)


def peel(x: np.ndarray, y: np.ndarray, alpha: float = 0.05, min_mass: float = 0.05) -> list[Step]:
    """The peeling trajectory of boxes from the box of all draws (PRIM, step 1)."""
    n, d = x.shape
    box = Box(np.column_stack([np.full(d, -np.inf), np.full(d, np.inf)]))
    inside = np.ones(n, dtype=bool)
    steps = [Step(Box(box.limits.copy()), *_stats(box, x, y))]
    while inside.sum() > max(min_mass * n, 1):
        best = None
        xs, ys = x[inside], y[inside]
        for j in range(d):
            column = xs[:, j]
            for side, q in ((0, alpha), (1, 1 - alpha)):
                cut = np.quantile(column, q, method="lower" if side == 0 else "higher")
                keep = column > cut if side == 0 else column < cut
                if not keep.any() or keep.all():
                    continue
                density = ys[keep].mean()
                if best is None or density > best[0] + 1e-12:
                    best = (density, j, side, cut, keep)
        if best is None:
            break
        _, j, side, cut, keep = best
        # the new limit is the nearest kept value, so the box holds exactly the kept draws
        box.limits[j, side] = xs[keep, j].min() if side == 0 else xs[keep, j].max()
        inside[np.flatnonzero(inside)[~keep]] = False
        if inside.sum() < max(min_mass * n, 1):
            break
        steps.append(Step(Box(box.limits.copy()), *_stats(box, x, y)))
    return steps


def choose(steps: list[Step], min_coverage: float) -> int:
    """The densest box that still covers ``min_coverage`` of the cases (ties: more coverage)."""
    ok = [i for i, s in enumerate(steps) if s.coverage >= min_coverage] or [0]
    return max(ok, key=lambda i: (round(steps[i].density, 12), steps[i].coverage))


def paste(box: Box, x: np.ndarray, y: np.ndarray, alpha: float = 0.05) -> Box:
    """Grow the box back along restricted inputs while that raises its density (PRIM, step 3)."""
    box = Box(box.limits.copy())
    while True:
        _, density, _ = _stats(box, x, y)
        best = None
        for j in box.restricted():
            for side in (0, 1):
                if not np.isfinite(box.limits[j, side]):
                    continue
                others = Box(box.limits.copy())
                others.limits[j] = (-np.inf, np.inf)
                outside = others.inside(x) & ~box.inside(x)
                values = x[outside, j]
                values = values[values < box.limits[j, 0]] if side == 0 else values[values > box.limits[j, 1]]
                if not len(values):
                    continue
                k = min(len(values), max(1, int(alpha * box.inside(x).sum())))
                edge = np.sort(values)[-k] if side == 0 else np.sort(values)[k - 1]
                trial = Box(box.limits.copy())
                trial.limits[j, side] = edge
                _, d_trial, _ = _stats(trial, x, y)
                if d_trial > density + 1e-12 and (best is None or d_trial > best[0]):
                    best = (d_trial, trial)
        if best is None:
            return box
        box = best[1]


def significance(box: Box, x: np.ndarray, y: np.ndarray) -> dict[int, float]:
    """For each restriction, p of a box this dense arising by chance when it is dropped,
    multiplied by the number of inputs (Bonferroni: peeling chose the restriction among them,
    which a plain test would ignore), at most 1."""
    from scipy.stats import hypergeom  # deferred: scipy.stats loads only when discovering

    inside = box.inside(x)
    p = {}
    for j in box.restricted():
        relaxed = Box(box.limits.copy())
        relaxed.limits[j] = (-np.inf, np.inf)
        pool = relaxed.inside(x)
        population, cases, drawn, hits = int(pool.sum()), int(y[pool].sum()), int(inside.sum()), int(y[inside].sum())
        p[j] = min(1.0, float(hypergeom.sf(hits - 1, population, cases, drawn)) * x.shape[1])
    return p


def _prim_box(x, y, alpha, min_mass, min_coverage) -> tuple[list[Step], int, Box]:
    steps = peel(x, y, alpha, min_mass)
    chosen = choose(steps, min_coverage)
    return steps, chosen, paste(steps[chosen].box, x, y, alpha)


def _drop(box: Box, keep: list[int]) -> Box:
    out = Box(box.limits.copy())
    for j in range(len(out.limits)):
        if j not in keep:
            out.limits[j] = (-np.inf, np.inf)
    return out


@dataclass
class Discovery:
    """What :func:`discover` found: the trajectory, the chosen box before and after pruning,
    each restriction's p-value and stability, and the final box's coverage and density."""

    names: list[str]
    steps: list[Step]
    chosen: int
    box: Box                      # after pasting and pruning
    pasted: Box                   # before pruning
    p_values: dict                # input index -> p (of the pasted box's restrictions)
    stability: np.ndarray         # (d,) share of resamples whose box restricts each input
    coverage: float
    density: float
    mass: float
    cases: int
    draws: int
    settings: dict = field(default_factory=dict)


def discover(x: np.ndarray, y: np.ndarray, names: list[str], *, alpha: float = 0.05, min_mass: float = 0.05,
             min_coverage: float = 0.5, resamples: int = 30, min_stability: float = 0.7, max_p: float = 0.05,
             seed: int = 0) -> Discovery:
    """PRIM with pasting, significance and resampling (see the module docstring).

    Parameters
    ----------
    x : ndarray, shape (n, d)
        The inputs of each draw.
    y : ndarray of bool, shape (n,)
        Whether each draw is a case of interest.
    names : list of str
        The inputs' names (d).
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=bool)
    steps, chosen, pasted = _prim_box(x, y, alpha, min_mass, min_coverage)
    p_values = significance(pasted, x, y)
    rng = np.random.default_rng(seed)
    counts = np.zeros(x.shape[1])
    for _ in range(resamples):
        pick = rng.integers(0, len(y), len(y))
        if not y[pick].any():
            continue
        _, _, box = _prim_box(x[pick], y[pick], alpha, min_mass, min_coverage)
        counts[box.restricted()] += 1
    stability = counts / max(resamples, 1)
    keep = [j for j in pasted.restricted() if p_values[j] <= max_p and (resamples == 0 or stability[j] >= min_stability)]
    box = _drop(pasted, keep)
    coverage, density, mass = _stats(box, x, y)
    return Discovery(list(names), steps, chosen, box, pasted, p_values, stability, coverage, density, mass,
                     int(y.sum()), len(y), dict(alpha=alpha, min_mass=min_mass, min_coverage=min_coverage,
                                                resamples=resamples, min_stability=min_stability, max_p=max_p,
                                                seed=seed))


# ------------------------------------------------------------------------ from a result

def parse_where(where: str, ds) -> tuple[np.ndarray, str]:
    """The cases of interest of a result, from ``"energy:2030 > p80"`` (a result variable, an
    optional year, an operator and a threshold in the variable's units or a percentile);
    ``"energy:2030@US > p80"``: one region's (or family's) part, as a sweep's metric reads it."""
    m = _WHERE.match(where or "")
    if not m:
        raise InputError("--where", None, f"cannot read {where!r}: write VARIABLE[:YEAR][@PART] OP THRESHOLD, "
                         "e.g. \"energy:2030 > p80\", \"energy:2030@US >= 300\" (OP: >, >=, <, <=)")
    name, year, part, op, threshold = m.groups()
    if part is not None:
        name, dim = _part_of(ds, name, part)
    if name not in ds.data_vars or "draw" not in ds[name].dims or "key" in ds[name].attrs:
        outcomes = [n for n, v in ds.data_vars.items() if "draw" in v.dims and "key" not in v.attrs]
        raise InputError("--where", name, "is not an outcome of this result" + suggest(name, outcomes))
    var = ds[name]
    if "year" in var.dims:
        if year is None:
            raise InputError("--where", name, f"needs a year, e.g. {name}:{int(ds.year[-1])}")
        if int(year) not in ds.year.values:
            raise InputError("--where", f"{name}:{year}", f"the result has years {int(ds.year[0])} to {int(ds.year[-1])}")
        var = var.sel(year=int(year))
    if part is not None:
        var = var.sel({dim: part})
    extra = [d for d in var.dims if d != "draw"]
    if extra:
        raise InputError("--where", name, f"has the dimension {extra[0]}; choose an outcome by draw and year")
    values = np.asarray(var.values, dtype=float)
    label = f"{name}{':' + year if year else ''}{'@' + part if part else ''}"
    if threshold.startswith("p"):
        level = float(threshold[1:])
        value = float(np.percentile(values, level))
        text = f"{label} {op} {value:.4g} {_units(var)} (its {level:g}th percentile)"
    else:
        value = float(threshold)
        lo, hi = float(values.min()), float(values.max())
        if not lo <= value <= hi:
            raise InputError("--where", threshold, f"is outside the result's range of {name} "
                             f"({lo:.4g} to {hi:.4g} {var.attrs.get('units', '')})")
        text = f"{label} {op} {value:.4g} {_units(var)}"
    cases = OPERATORS[op](values, value)
    if cases.all() or not cases.any():
        raise InputError("--where", where, f"{'every' if cases.all() else 'no'} draw meets it; "
                         "choose a threshold inside the result's range")
    return cases, text.replace("  ", " ").strip()


def _part_of(ds, name: str, part: str) -> tuple[str, str]:
    """The variable and dimension of ``NAME@PART``: ``energy_by_region`` and ``region`` for
    ``energy@US`` (or ``energy_by_region@US``); a family's, a generation's or a workload's alike."""
    for dim in ("region", "family", "generation", "workload"):
        for candidate in (name, f"{name}_by_{dim}"):
            if candidate in ds.data_vars and dim in ds[candidate].dims and part in [str(v) for v in ds[dim].values]:
                return candidate, dim
    parts = [str(v) for dim in ("region", "family") if dim in ds.dims for v in ds[dim].values]
    raise InputError("--where", f"{name}@{part}", "no such part of this result"
                     + (suggest(part, parts) if parts else ": it has no regions or families"))


def _units(var) -> str:
    return human_units(var.attrs.get("units", ""))   # "TW h" -> "TWh"


def inputs(ds, file=None) -> tuple[np.ndarray, list[str], list[str]]:
    """The sampled inputs of a result: (draws × inputs, dotted keys, units)."""
    chosen = [(n, v) for n, v in ds.data_vars.items() if v.dims == ("draw",) and "key" in v.attrs
              and np.ptp(v.values) > 0]
    if not chosen:
        raise InputError(file, None, "has no sampled inputs (variables along draw with a 'key'): "
                         "discover needs a result of sim run with uncertain parameters")
    x = np.column_stack([np.asarray(v.values, dtype=float) for _, v in chosen])
    return x, [v.attrs["key"] for _, v in chosen], [v.attrs.get("units", "") for _, v in chosen]


def describe(found: Discovery, units: list[str], where: str) -> str:
    """The chosen box in plain words."""
    lines = [f"{found.cases:,} of {found.draws:,} draws have {where}.",
             f"The box below holds {found.coverage:.0%} of them (coverage) and {found.density:.0%} of "
             f"the draws in it have it (density; {found.cases / found.draws:.0%} overall); it holds "
             f"{found.mass:.0%} of all draws."]
    kept = found.box.restricted()
    if not kept:
        lines.append("No restriction is both significant and stable: no box of input ranges explains it "
                     "better than chance.")
    for j in kept:
        lo, hi = found.box.limits[j]
        u = f" {human_units(units[j])}" if human_units(units[j]) else ""
        if np.isfinite(lo) and np.isfinite(hi):
            rule = f"between {number(lo)} and {number(hi)}{u}"
        elif np.isfinite(lo):
            rule = f"at least {number(lo)}{u}"
        else:
            rule = f"at most {number(hi)}{u}"
        lines.append(f"  {found.names[j]} {rule}  (p = {found.p_values[j]:.2g}, "
                     f"in {found.stability[j]:.0%} of resampled boxes)")
    dropped = [j for j in found.pasted.restricted() if j not in kept]
    if dropped:
        lines.append("Dropped as not significant or not stable: " + ", ".join(
            f"{found.names[j]} (p = {found.p_values[j]:.2g}, {found.stability[j]:.0%})" for j in dropped))
    return "\n".join(lines)


def dataset(found: Discovery, units: list[str], where: str, attrs: dict, ranges: np.ndarray | None = None):
    """The discovery as a CF netCDF-ready Dataset: trajectory, box, p-values and stability."""
    d = len(found.names)
    limits = np.stack([s.box.limits for s in found.steps])       # (steps, d, 2)
    finite = lambda a: np.where(np.isfinite(a), a, np.nan)       # noqa: E731 - unrestricted: NaN
    p = np.array([found.p_values.get(j, np.nan) for j in range(d)])
    ds = xr.Dataset(
        {
            "coverage": ("step", [s.coverage for s in found.steps], {"units": "1", "long_name": "share of the cases of interest inside the box"}),
            "density": ("step", [s.density for s in found.steps], {"units": "1", "long_name": "share of the draws inside the box that are cases of interest"}),
            "mass": ("step", [s.mass for s in found.steps], {"units": "1", "long_name": "share of all draws inside the box"}),
            "restrictions": ("step", [len(s.box.restricted()) for s in found.steps], {"units": "1", "long_name": "inputs the box restricts"}),
            "trajectory_low": (("step", "parameter"), finite(limits[:, :, 0]), {"long_name": "box lower limit along the peeling trajectory (NaN: none)"}),
            "trajectory_high": (("step", "parameter"), finite(limits[:, :, 1]), {"long_name": "box upper limit along the peeling trajectory (NaN: none)"}),
            "box_low": ("parameter", finite(found.box.limits[:, 0]), {"long_name": "chosen box, lower limit (NaN: none)"}),
            "box_high": ("parameter", finite(found.box.limits[:, 1]), {"long_name": "chosen box, upper limit (NaN: none)"}),
            "p_value": ("parameter", p, {"units": "1", "long_name": "one-sided hypergeometric p of each restriction of the pasted box (NaN: not restricted)"}),
            "stability": ("parameter", found.stability, {"units": "1", "long_name": "share of bootstrap resamples whose box restricts the input"}),
            "input_low": ("parameter", ranges[:, 0] if ranges is not None else np.full(d, np.nan),
                          {"long_name": "smallest value of the input among the draws"}),
            "input_high": ("parameter", ranges[:, 1] if ranges is not None else np.full(d, np.nan),
                           {"long_name": "largest value of the input among the draws"}),
        },
        coords={"step": ("step", np.arange(len(found.steps)), {"long_name": "peeling step", "units": "1"}),
                "parameter": ("parameter", np.array(found.names, dtype=object), {"long_name": "sampled input (scenario key)"}),
                "units": ("parameter", np.array(units, dtype=object), {"long_name": "the input's units"})},
    )
    for name in ("trajectory_low", "trajectory_high", "box_low", "box_high", "input_low", "input_high"):
        ds[name].attrs["comment"] = "each input in its own units (the units coordinate)"
    ds.attrs.update(attrs)
    ds.attrs.update({"method": "prim", "where": where, "chosen_step": int(found.chosen),
                     "description": describe(found, units, where),
                     "box_coverage": float(found.coverage), "box_density": float(found.density),
                     "box_mass": float(found.mass), "cases": int(found.cases), "draws_analysed": int(found.draws),
                     **{f"prim_{k}": v for k, v in found.settings.items()}})
    return ds


def discover_result(result, where: str, *, coverage: float = 0.5, alpha: float = 0.05, resamples: int = 30,
                    seed: int = 0, file=None):
    """Scenario discovery on a result of ``sim.run`` (a Dataset): the Dataset that ``sim discover``
    writes, its plain-words box in ``attrs["description"]`` (``sim.plot(box, "discovery")``
    draws it)."""
    check_settings(alpha, coverage, resamples)
    if "draw" not in result.dims or "method" in result.attrs:
        raise InputError(None, None, "discover needs a result of sim run (its draws), not a sweep")
    x, names, units = inputs(result, file)
    cases, text = parse_where(where, result)
    found = discover(x, cases, names, alpha=alpha, min_coverage=coverage, resamples=resamples, seed=seed)
    attrs = carried(result.attrs)
    attrs["title"] = f"Scenario discovery (PRIM): {text}"
    return dataset(found, units, text, attrs, np.column_stack([x.min(axis=0), x.max(axis=0)]))


def check_settings(alpha, min_coverage, resamples) -> None:
    if not 0 < alpha < 0.5:
        raise InputError("--alpha", None, f"must be between 0 and 0.5 (the share peeled a step), got {alpha}")
    if not 0 < min_coverage <= 1:
        raise InputError("--coverage", None, f"must be in (0, 1], got {min_coverage}")
    if resamples < 0 or not math.isfinite(resamples):
        raise InputError("--resamples", None, f"must be 0 or more, got {resamples}")
