"""Sensitivity analysis: one at a time, grids, Sobol indices and Morris screening.

Every method builds a design (rows of parameter values), has the runner evaluate a metric
(:mod:`sim.analysis.metrics`) over its rows in chunks, on the same backends as :func:`sim.run`
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

Given data (:mod:`sim.analysis.given_data`): ``pawn``, ``delta`` and ``rbd_fast`` rank the
sampled inputs of an existing ``sim run`` result by SALib's estimators, with no new model runs.

Metrics: see :mod:`sim.analysis.metrics`.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from .. import parameters as registry
from ..errors import InputError, ScenarioError, suggest
from .metrics import parse_metric
from ..results import identity, provenance
from ..options import RunOptions
from ..runner import evaluate_design
from ..scenario.load import resolve
from ..sampling import sample
from .designs import (analysed, design_values, evaluation_coord, factor_coords, output_dims,
                      parameter_coords, resolve_groups, squeeze, through_ppf)
from .given_data import DESIGNED, GIVEN_DATA, from_result  # noqa: F401 - GIVEN_DATA: the sweep's other methods
from .sobol import saltelli_design, sobol_from_evaluations

METHODS = DESIGNED   # the methods that run the model on a design


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
        names = analysed(scenario, params)
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
                     "metric_words": metric.words(scenario.scope),
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
    f = run(design_values(scenario, names, rows))
    base, low, high = f[:, 0], f[:, 1:k + 1], f[:, k + 1:]
    swing = np.abs(high - low)
    order = np.argsort(-swing.max(axis=0), kind="stable")  # ranking by the largest swing
    dims = output_dims(metric) + ("parameter",)
    coords = parameter_coords(scenario, [names[i] for i in order])
    if metric.per_year:
        coords["year"] = ("year", np.array(metric.years))
    u = metric.units
    return xr.Dataset({
        "metric_low": (dims, squeeze(metric, low[:, order]), {"units": u, "long_name": f"{metric.long_name} with the parameter at its {low_q:g} quantile"}),
        "metric_high": (dims, squeeze(metric, high[:, order]), {"units": u, "long_name": f"{metric.long_name} with the parameter at its {high_q:g} quantile"}),
        "swing": (dims, squeeze(metric, swing[:, order]), {"units": u, "long_name": "absolute change of the metric from low to high"}),
        "metric_base": (output_dims(metric), squeeze(metric, base), {"units": u, "long_name": f"{metric.long_name} with every parameter at its median"}),
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
                            f"{spec_row.range_text()}{registry.bracketed(spec_row.units)}")
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
    dims = output_dims(metric) + tuple(registry.var_name(n) for n in names) + ("draw",)
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
    f = run(design_values(scenario, names, through_ppf(scenario, names, design)))  # (s, n(g+2))
    if not np.all(np.isfinite(f)):
        raise ScenarioError(scenario.path, None, "the metric is not finite for some samples")
    first, total, ci = sobol_from_evaluations(f, len(factors), samples, seed, confidence)
    dims = output_dims(metric) + ("parameter",)
    coords = factor_coords(scenario, names, factors) | evaluation_coord(f.shape[1])
    coords["input"] = ("input", np.array(names, dtype=object), {"long_name": "sampled input (a design column)"})
    if metric.per_year:
        coords["year"] = ("year", np.array(metric.years))
    attrs1 = {"units": "1"}
    return xr.Dataset({
        "first_order": (dims, squeeze(metric, first), {**attrs1, "long_name": "first-order Sobol index"}),
        "total_order": (dims, squeeze(metric, total), {**attrs1, "long_name": "total-order Sobol index"}),
        "first_order_low": (dims, squeeze(metric, ci[0, 0]), {**attrs1, "long_name": f"first-order index, {confidence:.0%} interval low"}),
        "first_order_high": (dims, squeeze(metric, ci[0, 1]), {**attrs1, "long_name": f"first-order index, {confidence:.0%} interval high"}),
        "total_order_low": (dims, squeeze(metric, ci[1, 0]), {**attrs1, "long_name": f"total-order index, {confidence:.0%} interval low"}),
        "total_order_high": (dims, squeeze(metric, ci[1, 1]), {**attrs1, "long_name": f"total-order index, {confidence:.0%} interval high"}),
        "design": (("evaluation", "input"), design, {"units": "1", "long_name": "unit-hypercube design: rows A, B, then A with a factor's columns from B for each factor (Saltelli)"}),
        "evaluations_metric": (output_dims(metric) + ("evaluation",), squeeze(metric, f), {"units": metric.units, "long_name": f"{metric.long_name} at each design row"}),
    }, coords=coords, attrs={"base_samples": int(samples), "evaluations": int(f.shape[1]),
                             "confidence_level": confidence,
                             "estimator": "Saltelli 2010 first order, Jansen total order, outputs centred on the mean of every evaluation (as SALib.analyze.sobol)"})


def _morris(scenario, metric, names, trajectories, levels, seed, run, factors, optimal=None) -> xr.Dataset:
    """Morris screening designed and analysed by SALib (groups, optimised trajectories, a
    bootstrap interval on mu*), on sim's distributions: unit levels 0..1 map to each input's
    quantiles 0.05..0.95, so unbounded distributions stay finite."""
    # SALib's Morris (with pandas and scipy.stats) loads only when a Morris sweep runs
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
    f = run(design_values(scenario, names, through_ppf(scenario, names, 0.05 + 0.9 * unit)))   # (s, r(g+1))
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
    dims = output_dims(metric) + ("parameter",)
    coords = factor_coords(scenario, names, factors) | evaluation_coord(unit.shape[0])
    coords["input"] = ("input", np.array(names, dtype=object), {"long_name": "sampled input (a design column)"})
    if metric.per_year:
        coords["year"] = ("year", np.array(metric.years))
    u = metric.units
    used = unit.shape[0] // (g + 1)
    return xr.Dataset({
        "mu_star": (dims, squeeze(metric, out["mu_star"]), {"units": u, "long_name": "mean absolute elementary effect (per 5-95 % quantile range)"}),
        "mu": (dims, squeeze(metric, out["mu"]), {"units": u, "long_name": "mean elementary effect (NaN for a group)"}),
        "sigma": (dims, squeeze(metric, out["sigma"]), {"units": u, "long_name": "standard deviation of the elementary effects (NaN for a group)"}),
        "mu_star_low": (dims, squeeze(metric, out["mu_star"] - out["conf"]), {"units": u, "long_name": "mu*, 95 % bootstrap interval low"}),
        "mu_star_high": (dims, squeeze(metric, out["mu_star"] + out["conf"]), {"units": u, "long_name": "mu*, 95 % bootstrap interval high"}),
        "design": (("evaluation", "input"), unit, {"units": "1", "long_name": "Morris trajectories on the unit grid (levels map to quantiles 0.05-0.95)"}),
        "evaluations_metric": (output_dims(metric) + ("evaluation",), squeeze(metric, f),
                               {"units": u, "long_name": f"{metric.long_name} at each design row"}),
    }, coords=coords, attrs={"trajectories": int(used), "levels": int(levels), "evaluations": int(unit.shape[0]),
                             "optimised_from": int(trajectories) if optimal else 0,
                             "estimator": "SALib.sample.morris and SALib.analyze.morris (Campolongo et al. 2007)"})


# SALib's names for sim's indices: name → (sim's variable, sim's interval ends or None)
SALIB_NAMES = {"sobol": {"S1": ("first_order", "first_order_low", "first_order_high"),
                         "ST": ("total_order", "total_order_low", "total_order_high")},
               "morris": {"mu": ("mu", None, None), "mu_star": ("mu_star", "mu_star_low", "mu_star_high"),
                          "sigma": ("sigma", None, None)},
               "delta": {"delta": ("delta", "delta_conf", None), "S1": ("first_order", "first_order_conf", None)},
               "rbd_fast": {"S1": ("first_order", "first_order_conf", None)},
               "pawn": {"median": ("pawn_median", None, None), "maximum": ("pawn_max", None, None),
                        "CV": ("pawn_cv", None, None)}}


def as_salib(ds, year: int | None = None):
    """A sweep's indices under SALib's names, as SALib returns them (a ``ResultDict``: ``names``,
    ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` for Sobol; ``mu``, ``mu_star``, ``mu_star_conf``,
    ``sigma`` for Morris; ...; ``.to_df()`` gives a pandas DataFrame). A ``_conf`` is the
    half-width of sim's interval (``(high - low) / 2``), or the half-width SALib gave; a per-year
    metric takes ``year`` (default: its last)."""
    from SALib.util.results import ResultDict  # SALib loads only when its names are asked for

    names = SALIB_NAMES.get(ds.attrs.get("method"))
    if names is None:
        raise InputError(None, None, f"a {ds.attrs.get('method')!r} result has no SALib form; sobol, morris, delta, "
                         "rbd_fast and pawn results do")

    def values(name):
        var = ds[name]
        if "year" in var.dims:
            var = var.sel(year=int(ds.year[-1]) if year is None else year)
        return np.asarray(var.values, dtype=float)

    out = ResultDict()
    out["names"] = [str(p) for p in ds.parameter.values]
    for salib, (name, low, high) in names.items():
        out[salib] = values(name)
        if low is not None:
            out[f"{salib}_conf"] = values(low) if high is None else (values(high) - values(low)) / 2
    return out
