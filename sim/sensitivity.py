"""Sensitivity analysis: one at a time, grids, Sobol indices and Morris screening.

Every method builds a design (rows of parameter values), has the runner evaluate a metric
(:mod:`sim.metrics`) over its rows in chunks, on the same backends as :func:`sim.run`
(:func:`sim.runner.evaluate_design`), and reduces it:

* ``oat``: each uncertain parameter from a low to a high quantile (default 5th and 95th)
  with the others at their medians; the swing of the metric, ready for a tornado chart;
* ``grid``: a full factorial over one to three parameters (``--param key=LOW:HIGH:N``), the
  rest of the scenario's uncertainty kept as Monte Carlo draws at each grid point (the
  same draws at every point: common random numbers);
* ``sobol``: first-order and total Sobol indices from a Saltelli design on a scrambled
  Sobol sequence, estimated by :func:`scipy.stats.sobol_indices` (Saltelli 2010), with
  bootstrap confidence intervals;
* ``morris``: elementary effects (mu*, mu, sigma, with a bootstrap interval on mu*) along
  Morris trajectories on a grid of quantile levels, designed and analysed by SALib
  (optionally the ``optimal`` most spread trajectories of a larger set, Campolongo 2007).

``groups`` (Sobol and Morris) treats a family of parameters as one factor, e.g. every
``power.additions.*``: its columns move together and the indices are the group's.

Given data (:func:`from_result`): ``pawn``, ``delta`` and ``rbd_fast`` rank the sampled
inputs of an existing ``sim run`` result by SALib's estimators, with no new model runs.

Metrics: see :mod:`sim.metrics`.
"""

from __future__ import annotations

import contextlib
import io
import warnings

import numpy as np
import xarray as xr

from . import parameters as registry
from .errors import InputError, ScenarioError, suggest
from .metrics import Metric, parse_metric
from .results import carried, identity, provenance
from .options import RunOptions
from .runner import evaluate_design
from .scenario import resolve
from .sampling import sample
from .sobol import saltelli_design, sobol_from_evaluations

METHODS = ("oat", "grid", "sobol", "morris")
GIVEN_DATA = ("pawn", "delta", "rbd_fast")   # indices from an existing result (from_result)


# -------------------------------------------------------------------------- design

def _design_values(scenario, names, rows: np.ndarray) -> dict:
    """All parameters for a design: ``names`` from ``rows`` (n, k), the rest at their medians."""
    n = rows.shape[0]
    values = {key: np.full(n, dist.quantile(0.5)) for key, dist in scenario.parameters.items()}
    for j, key in enumerate(names):
        values[key] = rows[:, j]
    return values


def _quantiles(scenario, names, unit: np.ndarray) -> np.ndarray:
    """Map a unit design (n, k) through each parameter's ppf."""
    return np.column_stack([scenario.parameters[k].ppf(unit[:, j]) for j, k in enumerate(names)]) \
        if names else np.empty((unit.shape[0], 0))


# ----------------------------------------------------------------------------- methods

def sweep(scenario, method: str, metric: str | None = None, *, params=None, samples: int = 1024,
          draws: int | None = None, seed: int | None = None, overrides=None, variant=None,
          quantiles=(0.05, 0.95), levels: int = 4, years=None, confidence: float = 0.95,
          groups: dict | None = None, optimal: int | None = None, store=None,
          options: RunOptions | None = None, **settings) -> xr.Dataset:
    """Run a sensitivity analysis of a scenario.

    Parameters
    ----------
    scenario : str, Path or Scenario, or a result Dataset
        A result of :func:`sim.run` is analysed from its draws (:func:`from_result`: ``pawn``,
        ``delta``, ``rbd_fast``), with no model runs.
    method : {"oat", "grid", "sobol", "morris", "pawn", "delta", "rbd_fast"}
    metric : str, optional
        See the module docstring; default ``energy`` in the last key year.
    params : list of str, optional
        ``grid``: one to three ``"section.key=LOW:HIGH:N"``. Other methods: the parameters
        to analyse (default: every uncertain parameter).
    samples : int
        ``sobol``: base sample (a power of 2; n·(d+2) model runs). ``morris``: trajectories.
    draws : int, optional
        ``grid``: Monte Carlo draws per grid point (default: the scenario's, at most 1,000).
    seed : int, optional
        Root seed (default: the scenario's).
    quantiles : (float, float)
        ``oat``: the low and high quantiles.
    levels : int
        ``morris``: grid levels.
    years : "all" or list of years, optional
        Evaluate an annual metric per year.
    confidence : float
        ``sobol``: level of the bootstrap confidence intervals.
    groups : dict, optional
        ``sobol`` and ``morris``: group name → list of keys or glob patterns
        (``{"power_additions": ["power.additions.*"]}``); each group is one factor, and the
        parameters in no group are factors of their own.
    optimal : int, optional
        ``morris``: keep the ``optimal`` most spread of the ``samples`` trajectories (SALib's
        optimised trajectories; ``samples`` must be larger).
    store : str or Path, optional
        A chunk store for finished chunks, so that ``resume`` can go on from them.
    options : sim.options.RunOptions, optional
        Where the model runs go: ``chunk_draws`` (model runs per chunk), ``workers``,
        ``scheduler``, ``resume``, ``quiet``, as for :func:`sim.run` (never the result);
        ``**settings`` changes them by name.

    Returns
    -------
    xarray.Dataset
        Indices or effects with dimension ``parameter`` (and ``year`` with ``years``), the
        sample design, and attributes naming the method, metric, parameters and ranges.
    """
    if hasattr(scenario, "data_vars"):   # a result: indices from its draws
        return from_result(scenario, method, metric, seed=seed)
    scenario = resolve(scenario, overrides, variant)
    if method in GIVEN_DATA:
        raise InputError("--method", None, f"{method} ranks the inputs of an existing result: give a result "
                         f"file of sim run (sim sweep RESULT.nc --method {method}), not a scenario")
    if method not in METHODS:
        raise InputError("--method", None, f"unknown method '{method}'" + suggest(method, METHODS + GIVEN_DATA))
    if groups and method not in ("sobol", "morris"):
        raise InputError("--group", None, f"groups apply to sobol and morris, not {method}")
    if optimal is not None and method != "morris":
        raise InputError("--optimal", None, "optimised trajectories apply to morris only")
    metric = parse_metric(metric, scenario, years)
    seed = scenario.seed if seed is None else seed
    manifest = identity(scenario, seed, method=method, metric=metric.name, params=list(params or []),
                        samples=samples, draws=draws, quantiles=list(quantiles), levels=levels,
                        groups=sorted((k, list(v)) for k, v in (groups or {}).items()), optimal=optimal)

    where = RunOptions.of(options, **settings)

    def run(values):
        return evaluate_design(scenario, values, metric, where, store=store, manifest=manifest)

    if method == "grid":
        ds = _grid(scenario, metric, params, draws, seed, run)
    else:
        names = _analysed(scenario, params)
        _check_correlations(scenario, method, names)
        if method == "oat":
            ds = _oat(scenario, metric, names, quantiles, run)
        elif method == "sobol":
            ds = _sobol(scenario, metric, names, samples, seed, confidence, run, resolve_groups(names, groups))
        else:
            ds = _morris(scenario, metric, names, samples, levels, seed, run, resolve_groups(names, groups), optimal)
    ds.attrs.update(provenance(scenario, seed, f"{method} sensitivity of {metric.name}: "
                                              f"{scenario.title or scenario.name}"))
    ds.attrs.update({"method": method, "metric": metric.name, "metric_units": metric.units,
                     "correlation_handling": _correlation_handling(scenario, method),
                     "warnings": "\n".join(_warnings(ds, method))})
    return ds


def _check_correlations(scenario, method: str, names) -> None:
    """Sobol and Morris designs move each input on its own: a scenario whose analysed inputs
    are rank-correlated is refused in one line rather than analysed as if they were not."""
    if method not in ("sobol", "morris"):
        return
    tied = [(a, b, r) for a, b, r in scenario.correlations if a in names or b in names]
    if tied:
        a, b, r = tied[0]
        raise InputError("--method", None, f"{method} assumes independent inputs, and this scenario correlates "
                         f"{a} and {b} (rank {r:g}); use --method oat or grid (whose Monte Carlo draws keep "
                         "the correlations), or a variant of the scenario without the [[correlation]]")


def _correlation_handling(scenario, method: str) -> str:
    if not scenario.correlations:
        return "none in the scenario"
    return {"grid": "honoured: the Monte Carlo draws at each point keep the scenario's rank correlations",
            "oat": "not applicable: each parameter moves alone, the others at their medians"}.get(method, "")


WIDE = 0.2  # a Sobol interval wider than this does not rank parameters apart


def _warnings(ds, method: str) -> list[str]:
    """Lines that teach: Sobol estimates that contradict each other beyond their intervals, or
    intervals too wide to rank, with the base sample that would do."""
    if method != "sobol":
        return []
    out = []
    beyond = ds.first_order_low > ds.total_order_high
    if bool(beyond.any()):
        names = [str(p) for p in ds.parameter.values[np.atleast_2d(beyond.values).any(axis=0)]]
        out.append(f"first-order above total-order beyond their intervals for {', '.join(names[:3])}: "
                   f"the base sample ({ds.attrs['base_samples']}) is too small; use --samples "
                   f"{4 * ds.attrs['base_samples']}")
    width = float((ds.total_order_high - ds.total_order_low).max())
    if width > WIDE:
        out.append(f"intervals up to {width:.2f} wide: the ranking is uncertain; use --samples "
                   f"{4 * ds.attrs['base_samples']}")
    return out


def _analysed(scenario, params) -> list[str]:
    uncertain = scenario.uncertain
    if not params:
        if not uncertain:
            raise ScenarioError(scenario.path, None, "no uncertain parameters to analyse: give some "
                                "as distributions, or use --method grid with --param")
        return uncertain
    names = []
    for key in params:
        if key not in scenario.parameters:
            raise InputError("--param", key, "not a parameter of this scenario"
                                + suggest(key, list(scenario.parameters)))
        if key not in uncertain:
            raise InputError("--param", key, "is a constant in this scenario; give it as a "
                                "distribution (--set) to analyse it")
        names.append(key)
    return names


def resolve_groups(names, groups) -> list[tuple[str, list[int]]]:
    """Factors: (label, indices into ``names``). A group takes the keys its patterns match (glob:
    ``power.additions.*``); a key in no group is a factor of its own; one line for a group that
    names no analysed parameter or a key in two groups."""
    from fnmatch import fnmatchcase

    if not groups:
        return [(name, [i]) for i, name in enumerate(names)]
    taken, factors = {}, []
    for label, patterns in groups.items():
        patterns = [patterns] if isinstance(patterns, str) else list(patterns)
        members = [i for i, name in enumerate(names) if any(fnmatchcase(name, p) for p in patterns)]
        if not members:
            raise InputError("--group", label, f"names no analysed parameter ({', '.join(patterns)})"
                             + suggest(patterns[0], names))
        twice = [names[i] for i in members if i in taken]
        if twice:
            raise InputError("--group", label, f"{twice[0]} is already in group {taken[members[0]]!r}")
        taken.update({i: label for i in members})
        factors.append((label, members))
    return factors + [(name, [i]) for i, name in enumerate(names) if i not in taken]


def _factor_coords(scenario, names, factors) -> dict:
    """The ``parameter`` coordinate of indices by factor: a parameter's own coordinates, or a
    group's label with its members."""
    if all(len(m) == 1 and label == names[m[0]] for label, m in factors):
        return _parameter_coords(scenario, [label for label, _ in factors])
    return {
        "parameter": ("parameter", np.array([label for label, _ in factors], dtype=object),
                      {"long_name": "uncertain parameter, or group of parameters (one factor)"}),
        "members": ("parameter", np.array([" ".join(names[i] for i in m) for _, m in factors], dtype=object),
                    {"long_name": "the parameters the factor moves together"}),
    }


def _evaluation_coord(n: int) -> dict:
    return {"evaluation": ("evaluation", np.arange(n), {"long_name": "row of the design", "units": "1"})}


def _parameter_coords(scenario, names) -> dict:
    dists = [scenario.parameters[k] for k in names]
    return {
        "parameter": ("parameter", np.array(names, dtype=object), {"long_name": "uncertain parameter"}),
        "distribution": ("parameter", np.array([d.describe() for d in dists], dtype=object),
                         {"long_name": "the parameter's distribution in the scenario"}),
        "units": ("parameter", np.array([registry.spec(k).units for k in names], dtype=object),
                  {"long_name": "the parameter's units"}),
    }


def _output_dims(metric: Metric):
    """Leading dims of an (s, ...) result: ('year',) for per-year metrics, else ()."""
    return ("year",) if metric.per_year else ()


def _squeeze(metric: Metric, array: np.ndarray) -> np.ndarray:
    return array if metric.per_year else array[0]


def _oat(scenario, metric, names, quantiles, run) -> xr.Dataset:
    low_q, high_q = quantiles
    if not 0 < low_q < high_q < 1:
        raise InputError("--quantiles", None, f"need 0 < low < high < 1, got {low_q} and {high_q}")
    k = len(names)
    medians = np.array([scenario.parameters[n].quantile(0.5) for n in names])
    rows = np.tile(medians, (2 * k + 1, 1))
    low_values = np.array([scenario.parameters[n].quantile(low_q) for n in names])
    high_values = np.array([scenario.parameters[n].quantile(high_q) for n in names])
    for j in range(k):
        rows[1 + j, j] = low_values[j]
        rows[1 + k + j, j] = high_values[j]
    f = run(_design_values(scenario, names, rows))
    base, low, high = f[:, 0], f[:, 1:k + 1], f[:, k + 1:]
    swing = np.abs(high - low)
    order = np.argsort(-swing.max(axis=0), kind="stable")  # ranking by the largest swing
    dims = _output_dims(metric) + ("parameter",)
    coords = _parameter_coords(scenario, [names[i] for i in order])
    if metric.per_year:
        coords["year"] = ("year", np.array(metric.years))
    u = metric.units
    return xr.Dataset({
        "metric_low": (dims, _squeeze(metric, low[:, order]), {"units": u, "long_name": f"{metric.long_name} with the parameter at its {low_q:g} quantile"}),
        "metric_high": (dims, _squeeze(metric, high[:, order]), {"units": u, "long_name": f"{metric.long_name} with the parameter at its {high_q:g} quantile"}),
        "swing": (dims, _squeeze(metric, swing[:, order]), {"units": u, "long_name": "absolute change of the metric from low to high"}),
        "metric_base": (_output_dims(metric), _squeeze(metric, base), {"units": u, "long_name": f"{metric.long_name} with every parameter at its median"}),
        "value_low": ("parameter", low_values[order], {"long_name": f"parameter value at the {low_q:g} quantile", "comment": "each parameter in its own units (the units coordinate)"}),
        "value_high": ("parameter", high_values[order], {"long_name": f"parameter value at the {high_q:g} quantile", "comment": "each parameter in its own units (the units coordinate)"}),
    }, coords=coords, attrs={"quantiles": np.array(quantiles), "evaluations": int(f.shape[1])})


def parse_grid_param(text: str, scenario) -> tuple[str, np.ndarray]:
    """``"section.key=LOW:HIGH:N"`` → (key, N values from LOW to HIGH)."""
    if "=" not in text:
        raise InputError("--param", text, "expected section.key=LOW:HIGH:N, e.g. demand.elasticity=0:2:9")
    key, _, spec = (s.strip() for s in text.partition("="))
    parts = spec.split(":")
    try:
        if len(parts) != 3:
            raise ValueError
        low, high, count = float(parts[0]), float(parts[1]), int(parts[2])
    except ValueError:
        raise InputError("--param", key, f"'{spec}' is not LOW:HIGH:N (two numbers and a whole "
                            "number of points), e.g. 1.1:1.6:6") from None
    if key not in scenario.parameters:
        raise InputError("--param", key, "not a parameter of this scenario" + suggest(key, list(scenario.parameters)))
    if not low < high:
        raise InputError("--param", key, f"LOW ({low:g}) must be below HIGH ({high:g})")
    if not 2 <= count <= 101:
        raise InputError("--param", key, f"N must be from 2 to 101 points, got {count}")
    spec_row = registry.spec(key)
    if not (spec_row.contains(low) and spec_row.contains(high)):
        raise InputError("--param", key, f"{low:g}:{high:g} leaves the allowed range: "
                            f"{spec_row.range_text()} ({spec_row.units})")
    dist = scenario.parameters[key]
    if not dist.is_constant:
        lo, hi = dist.support()
        if low < lo or high > hi:
            raise InputError("--param", key, f"{low:g}:{high:g} leaves the support of the scenario's "
                                f"{dist.describe()} ({lo:g} to {hi:g})")
    return key, np.linspace(low, high, count)


def _grid(scenario, metric, params, draws, seed, run) -> xr.Dataset:
    if not params or not 1 <= len(params) <= 3:
        raise InputError("--param", None, "a grid needs one to three --param section.key=LOW:HIGH:N")
    axes = [parse_grid_param(p, scenario) for p in params]
    names = [k for k, _ in axes]
    if len(set(names)) != len(names):
        raise InputError("--param", names[0], "each parameter can be gridded once")
    draws = min(scenario.draws, 1000) if draws is None else draws
    if draws < 1:
        raise InputError("--draws", None, f"must be at least 1, got {draws}")
    mc = sample(scenario, 0, draws, draws=draws, seed=seed)   # the same draws at every point
    mesh = np.meshgrid(*[v for _, v in axes], indexing="ij")
    points = mesh[0].size
    values = {k: np.tile(v, points) for k, v in mc.items()}
    for (key, _), grid in zip(axes, mesh):
        values[key] = np.repeat(grid.reshape(-1), draws)
    f = run(values)                                           # (s, points * draws)
    shape = tuple(len(v) for _, v in axes) + (draws,)
    s = f.shape[0]
    f = f.reshape((s,) + shape)
    # one dimension per gridded key, named for CF (letters, digits, '_'), the key in its "key"
    dims = _output_dims(metric) + tuple(registry.var_name(n) for n in names) + ("draw",)
    coords = {registry.var_name(key): (registry.var_name(key), v, {"units": registry.spec(key).units,
                                                                    "long_name": registry.spec(key).meaning, "key": key})
              for key, v in axes}
    coords["draw"] = ("draw", np.arange(draws), {"long_name": "Monte Carlo draw", "units": "1",
                                                 "standard_name": "realization"})
    if metric.per_year:
        coords["year"] = ("year", np.array(metric.years))
    data = f if metric.per_year else f[0]
    u = metric.units
    ds = xr.Dataset({"metric": (dims, data, {"units": u, "long_name": metric.long_name})}, coords=coords)
    q = ds.metric.quantile([0.05, 0.5, 0.95], dim="draw")
    for name, qq in (("p5", 0.05), ("median", 0.5), ("p95", 0.95)):
        ds[f"metric_{name}"] = q.sel(quantile=qq, drop=True).assign_attrs(
            units=u, long_name=f"{metric.long_name}, {name} over the draws")
    ds.attrs.update({"grid_parameters": " ".join(names), "draws_per_point": int(draws),
                     "evaluations": int(points * draws)})
    return ds


def _sobol(scenario, metric, names, samples, seed, confidence, run, factors) -> xr.Dataset:
    if samples < 2 or samples & (samples - 1):
        raise InputError("--samples", None, f"the Sobol base sample must be a power of 2 (e.g. 1024), got {samples}")
    design = saltelli_design(len(names), samples, seed, [m for _, m in factors])
    f = run(_design_values(scenario, names, _quantiles(scenario, names, design)))  # (s, n(g+2))
    if not np.all(np.isfinite(f)):
        raise ScenarioError(scenario.path, None, "the metric is not finite for some samples")
    first, total, ci = sobol_from_evaluations(f, len(factors), samples, seed, confidence)
    dims = _output_dims(metric) + ("parameter",)
    coords = _factor_coords(scenario, names, factors) | _evaluation_coord(f.shape[1])
    coords["input"] = ("input", np.array(names, dtype=object), {"long_name": "sampled input (a design column)"})
    if metric.per_year:
        coords["year"] = ("year", np.array(metric.years))
    attrs1 = {"units": "1"}
    return xr.Dataset({
        "first_order": (dims, _squeeze(metric, first), {**attrs1, "long_name": "first-order Sobol index"}),
        "total_order": (dims, _squeeze(metric, total), {**attrs1, "long_name": "total-order Sobol index"}),
        "first_order_low": (dims, _squeeze(metric, ci[0, 0]), {**attrs1, "long_name": f"first-order index, {confidence:.0%} interval low"}),
        "first_order_high": (dims, _squeeze(metric, ci[0, 1]), {**attrs1, "long_name": f"first-order index, {confidence:.0%} interval high"}),
        "total_order_low": (dims, _squeeze(metric, ci[1, 0]), {**attrs1, "long_name": f"total-order index, {confidence:.0%} interval low"}),
        "total_order_high": (dims, _squeeze(metric, ci[1, 1]), {**attrs1, "long_name": f"total-order index, {confidence:.0%} interval high"}),
        "design": (("evaluation", "input"), design, {"units": "1", "long_name": "unit-hypercube design: rows A, B, then A with a factor's columns from B for each factor (Saltelli)"}),
        "evaluations_metric": (_output_dims(metric) + ("evaluation",), _squeeze(metric, f), {"units": metric.units, "long_name": f"{metric.long_name} at each design row"}),
    }, coords=coords, attrs={"base_samples": int(samples), "evaluations": int(f.shape[1]),
                             "confidence_level": confidence,
                             "estimator": "Saltelli 2010 first order, Jansen total order, outputs centred on the mean of every evaluation (as SALib.analyze.sobol)"})


def _morris(scenario, metric, names, trajectories, levels, seed, run, factors, optimal=None) -> xr.Dataset:
    """Morris screening designed and analysed by SALib (groups, optimised trajectories, a
    bootstrap interval on mu*), on sim's distributions: unit levels 0..1 map to each input's
    quantiles 0.05..0.95, so unbounded distributions stay finite."""
    from SALib.analyze import morris as analyze
    from SALib.sample import morris as sample

    if levels < 2 or levels % 2:
        raise InputError("--levels", None, f"Morris levels must be an even number >= 2, got {levels}")
    if trajectories < 2:
        raise InputError("--samples", None, f"Morris needs at least 2 trajectories, got {trajectories}")
    if optimal is not None and not 2 <= optimal < trajectories:
        raise InputError("--optimal", None, f"keeps the most spread of the --samples {trajectories} trajectories: "
                         f"give 2 to {trajectories - 1}, got {optimal}")
    d, g = len(names), len(factors)
    group_of = {i: label for label, members in factors for i in members}
    problem = {"num_vars": d, "names": list(names), "bounds": [[0.0, 1.0]] * d,
               "groups": [group_of[i] for i in range(d)]}
    rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(2)[1])
    unit = sample.sample(problem, trajectories, num_levels=levels, optimal_trajectories=optimal, seed=rng)
    f = run(_design_values(scenario, names, _quantiles(scenario, names, 0.05 + 0.9 * unit)))   # (s, r(g+1))
    if not np.all(np.isfinite(f)):
        raise ScenarioError(scenario.path, None, "the metric is not finite for some samples")
    out = {k: np.empty((f.shape[0], g)) for k in ("mu_star", "mu", "sigma", "conf")}
    labels = [label for label, _ in factors]
    for row in range(f.shape[0]):
        r = analyze.analyze(problem, unit, f[row], num_resamples=1000, conf_level=0.95, num_levels=levels,
                            seed=np.random.default_rng(np.random.SeedSequence(seed).spawn(4)[3]))
        order = [list(r["names"]).index(label) for label in labels]
        for key, name in (("mu_star", "mu_star"), ("mu", "mu"), ("sigma", "sigma"), ("conf", "mu_star_conf")):
            out[key][row] = np.asarray(r[name], dtype=float)[order]
    dims = _output_dims(metric) + ("parameter",)
    coords = _factor_coords(scenario, names, factors) | _evaluation_coord(unit.shape[0])
    coords["input"] = ("input", np.array(names, dtype=object), {"long_name": "sampled input (a design column)"})
    if metric.per_year:
        coords["year"] = ("year", np.array(metric.years))
    u = metric.units
    used = unit.shape[0] // (g + 1)
    return xr.Dataset({
        "mu_star": (dims, _squeeze(metric, out["mu_star"]), {"units": u, "long_name": "mean absolute elementary effect (per 5-95 % quantile range)"}),
        "mu": (dims, _squeeze(metric, out["mu"]), {"units": u, "long_name": "mean elementary effect (NaN for a group)"}),
        "sigma": (dims, _squeeze(metric, out["sigma"]), {"units": u, "long_name": "standard deviation of the elementary effects (NaN for a group)"}),
        "mu_star_low": (dims, _squeeze(metric, out["mu_star"] - out["conf"]), {"units": u, "long_name": "mu*, 95 % bootstrap interval low"}),
        "mu_star_high": (dims, _squeeze(metric, out["mu_star"] + out["conf"]), {"units": u, "long_name": "mu*, 95 % bootstrap interval high"}),
        "design": (("evaluation", "input"), unit, {"units": "1", "long_name": "Morris trajectories on the unit grid (levels map to quantiles 0.05-0.95)"}),
        "evaluations_metric": (_output_dims(metric) + ("evaluation",), _squeeze(metric, f),
                               {"units": u, "long_name": f"{metric.long_name} at each design row"}),
    }, coords=coords, attrs={"trajectories": int(used), "levels": int(levels), "evaluations": int(unit.shape[0]),
                             "optimised_from": int(trajectories) if optimal else 0,
                             "estimator": "SALib.sample.morris and SALib.analyze.morris (Campolongo et al. 2007)"})


# ------------------------------------------------------------------------ given data

def from_result(ds: xr.Dataset, method: str, metric: str | None = None, *, seed: int | None = None,
                file=None) -> xr.Dataset:
    """Sensitivity indices of an existing ``sim run`` result, from its draws alone (no model
    runs): SALib's PAWN (Pianosi and Wagener 2015; median KS statistic over slices of each
    input), delta (Borgonovo's moment-independent index, with its interval, and the
    first-order index it estimates) or RBD-FAST (first-order index, with its interval).

    The inputs are the result's sampled parameters; the metric is read from its variables
    (``energy:YEAR``, ``cumulative:Y1-Y2``, ``peak_power``, ``rebound_share:YEAR``). ``seed``
    (default: the result's) fixes the estimators' resampling; SALib treats 0 as no seed, so it
    is given ``seed + 1``.
    """
    from SALib.analyze import delta, pawn, rbd_fast

    from .discovery import inputs

    if method not in GIVEN_DATA:
        raise InputError("--method", None, f"a result file is analysed by {', '.join(GIVEN_DATA)}; "
                         f"{method!r} runs the model: give it a scenario" if method in METHODS else
                         f"unknown method '{method}'" + suggest(method, GIVEN_DATA))
    if "draw" not in ds.dims or "method" in ds.attrs or "energy" not in ds:
        raise InputError(file, None, "is not a result of sim run; give a result, or a scenario to sweep")
    x, names, units = inputs(ds, file)
    y, metric_name, metric_units = _metric_from_result(ds, metric, file)
    seed = int(ds.attrs.get("seed", 0)) if seed is None else int(seed)
    salib_seed = seed + 1
    problem = {"num_vars": len(names), "names": names,
               "bounds": np.column_stack([x.min(axis=0), x.max(axis=0)]).tolist()}
    state = np.random.get_state()   # PAWN seeds numpy's global generator: leave the caller's alone
    try:
        if method == "pawn":
            r = pawn.analyze(problem, x, y, S=10, seed=salib_seed)
            data = {"pawn_median": (r["median"], "median over slices of the Kolmogorov-Smirnov statistic (PAWN)"),
                    "pawn_max": (r["maximum"], "largest over slices of the Kolmogorov-Smirnov statistic"),
                    "pawn_cv": (r["CV"], "coefficient of variation of the statistic over slices")}
        elif method == "delta":
            # SALib prints notes on how it merged bins, and resets the warning filters to do so
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), \
                    warnings.catch_warnings():
                r = delta.analyze(problem, x, y, num_resamples=100, conf_level=0.95, seed=salib_seed)
            key = "delta" if "delta" in r else "delta_raw"      # SALib 1.5 / 1.6 names
            data = {"delta": (r[key], "Borgonovo's moment-independent index"),
                    "delta_conf": (r[key + "_conf"], "delta, half-width of its 95 % interval"),
                    "first_order": (r["S1"], "first-order Sobol index (given-data estimate)"),
                    "first_order_conf": (r["S1_conf"], "first-order index, half-width of its 95 % interval")}
        else:
            r = rbd_fast.analyze(problem, x, y, M=10, num_resamples=100, conf_level=0.95, seed=salib_seed)
            data = {"first_order": (r["S1"], "first-order Sobol index (RBD-FAST)"),
                    "first_order_conf": (r["S1_conf"], "first-order index, half-width of its 95 % interval")}
    finally:
        np.random.set_state(state)
    out = xr.Dataset({k: ("parameter", np.asarray(v, dtype=float), {"units": "1", "long_name": text})
                      for k, (v, text) in data.items()},
                     coords={"parameter": ("parameter", np.array(names, dtype=object), {"long_name": "sampled input"}),
                             "units": ("parameter", np.array(units, dtype=object), {"long_name": "the input's units"})})
    out.attrs.update(carried(ds.attrs))
    out.attrs.update({"method": method, "metric": metric_name, "metric_units": metric_units,
                      "evaluations": 0, "draws_analysed": int(ds.sizes["draw"]), "analysis_seed": int(seed),
                      "title": f"{method} sensitivity of {metric_name} from the draws of {ds.attrs.get('scenario', '')}",
                      "estimator": f"SALib.analyze.{method} on the result's draws (no model runs)",
                      "correlation_handling": "given data: the draws as sampled, correlations included",
                      "warnings": ""})
    return out


def _metric_from_result(ds, text, file):
    """A sweep metric (:mod:`sim.metrics`, the same parsing and arithmetic as a sweep's) read
    from a result's variables: its values by draw, its name and its units."""
    from types import SimpleNamespace

    years = [int(y) for y in ds.year.values]
    frame = SimpleNamespace(years=years, start_year=years[0], end_year=years[-1], mode=ds.attrs.get("shipments_mode"),
                            key_years=[int(y) for y in np.atleast_1d(ds.attrs.get("key_years", years[-1]))])
    metric = parse_metric(text, frame, of="of the result, ")
    counterfactual = None
    if metric.needs_counterfactual:
        if "energy_no_rebound" not in ds:
            raise InputError(file, None, "has no rebound: run the scenario with the rebound decomposition")
        counterfactual = {"energy": ds.energy_no_rebound.values}
    out = {"energy": ds.energy.values, "facility_power": ds.facility_power.values}
    return metric.compute(frame, out, counterfactual)[0], metric.name, metric.units


def ranking(ds: xr.Dataset, year: int | None = None) -> list[tuple[str, str]]:
    """Parameters ranked by the method's main measure, with a formatted value, for printing."""
    method = ds.attrs["method"]
    pick = (lambda v: v.sel(year=year) if year is not None and "year" in v.dims else
            (v.isel(year=-1) if "year" in v.dims else v))
    if method == "oat":
        key, fmt = pick(ds.swing), lambda p: f"{float(pick(ds.metric_low).sel(parameter=p)):.4g} to {float(pick(ds.metric_high).sel(parameter=p)):.4g}"
    elif method == "sobol":
        key = pick(ds.total_order)
        fmt = lambda p: (f"S1 {float(pick(ds.first_order).sel(parameter=p)):.3f}  ST {float(pick(ds.total_order).sel(parameter=p)):.3f}"  # noqa: E731
                         f" [{float(pick(ds.total_order_low).sel(parameter=p)):.3f}, {float(pick(ds.total_order_high).sel(parameter=p)):.3f}]")
    elif method == "morris":
        key = pick(ds.mu_star)
        fmt = lambda p: (f"mu* {float(pick(ds.mu_star).sel(parameter=p)):.4g} [{float(pick(ds.mu_star_low).sel(parameter=p)):.4g}, "  # noqa: E731
                         f"{float(pick(ds.mu_star_high).sel(parameter=p)):.4g}]  sigma {float(pick(ds.sigma).sel(parameter=p)):.4g}")
    elif method == "pawn":
        key = ds.pawn_median
        fmt = lambda p: f"PAWN median {float(ds.pawn_median.sel(parameter=p)):.3f}  max {float(ds.pawn_max.sel(parameter=p)):.3f}"  # noqa: E731
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
