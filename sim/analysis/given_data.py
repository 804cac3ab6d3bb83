"""Sensitivity from an existing result's draws, with no new model runs (``sim sweep RESULT.nc
--method pawn|delta|rbd_fast``): SALib's given-data estimators on the result's sampled inputs
and a metric read from its variables (the same parsing and arithmetic as a sweep's metric)."""

from __future__ import annotations

import contextlib
import io
import warnings
from types import SimpleNamespace

import numpy as np
import xarray as xr

from ..errors import InputError, suggest
from ..results import carried
from .discovery import inputs
from .metrics import parse_metric

GIVEN_DATA = ("pawn", "delta", "rbd_fast")   # indices from an existing result (from_result)
DESIGNED = ("oat", "grid", "sobol", "morris")   # the methods that run the model (sim.analysis.sensitivity)
SLICES = 10        # PAWN's conditioning intervals (SALib's default, Pianosi and Wagener 2015)
DUMMIES = 200      # inputs that do nothing, whose PAWN indices give the noise level (pawn_noise)
NOISE_LEVEL = 99   # the noise level is this percentile of theirs (a ranking has dozens of inputs)


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
    # SALib's estimators (with pandas and scipy.stats) load only when they run
    from SALib.analyze import delta, pawn, rbd_fast

    if method not in GIVEN_DATA:
        raise InputError("--method", None, f"a result file is analysed by {', '.join(GIVEN_DATA)}; "
                         f"{method!r} runs the model: give it a scenario" if method in DESIGNED else
                         f"unknown method '{method}'" + suggest(method, GIVEN_DATA))
    if "draw" not in ds.dims or "method" in ds.attrs or "energy" not in ds:
        raise InputError(file, None, "is not a result of sim run; give a result, or a scenario to sweep")
    x, names, units = inputs(ds, file)
    y, metric = _metric_from_result(ds, metric, file)
    seed = int(ds.attrs.get("seed", 0)) if seed is None else int(seed)
    salib_seed = seed + 1
    problem = {"num_vars": len(names), "names": names,
               "bounds": np.column_stack([x.min(axis=0), x.max(axis=0)]).tolist()}
    state = np.random.get_state()   # PAWN seeds numpy's global generator: leave the caller's alone
    notices = []                    # what SALib warns of (delta: a bias in the draws), said in the result
    try:
        if method == "pawn":
            r = pawn.analyze(problem, x, y, S=SLICES, seed=salib_seed)
            data = {"pawn_median": (r["median"], "median over slices of the Kolmogorov-Smirnov statistic (PAWN)"),
                    "pawn_max": (r["maximum"], "largest over slices of the Kolmogorov-Smirnov statistic"),
                    "pawn_cv": (r["CV"], "coefficient of variation of the statistic over slices")}
            noise = pawn_noise(y, seed)
        elif method == "delta":
            # SALib prints notes on how it merged bins, and resets the warning filters to do so
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), \
                    warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                r = delta.analyze(problem, x, y, num_resamples=100, conf_level=0.95, seed=salib_seed)
            # its notes on how it merged bins are how it works; what it says of the draws is kept
            notices = [f"SALib's delta: {w.message}" for w in caught if "Bin Merge Notice" not in str(w.message)]
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
    if method == "pawn":
        out["pawn_noise"] = ((), noise, {"units": "1", "long_name": (
            f"noise level of the PAWN median: the {NOISE_LEVEL}th percentile of the indices of {DUMMIES} inputs "
            f"that do nothing (independent of the metric) with these {len(y):,} draws; an index at or below "
            "it is not told apart from noise")})
    out.attrs.update(carried(ds.attrs))
    out.attrs.update({"method": method, "metric": metric.name, "metric_units": metric.units,
                      "metric_words": metric.words(ds.attrs.get("scope", "world")),
                      "evaluations": 0, "draws_analysed": int(ds.sizes["draw"]), "analysis_seed": int(seed),
                      "title": f"{method} sensitivity of {metric.name} from the draws of {ds.attrs.get('scenario', '')}",
                      "estimator": f"SALib.analyze.{method} on the result's draws (no model runs)",
                      "correlation_handling": "given data: the draws as sampled, correlations included",
                      "warnings": "\n".join(dict.fromkeys(notices))})
    return out


def pawn_noise(y: np.ndarray, seed: int = 0) -> float:
    """The PAWN median an input that does nothing reaches with these draws of the metric ``y``: the
    :data:`NOISE_LEVEL` th percentile over :data:`DUMMIES` inputs drawn independently of ``y``
    (a random order of ranks each, seeded), each scored as SALib's PAWN scores an input
    (:func:`pawn_medians`). With few draws every slice's distribution differs from the whole by
    chance (about 0.18 at 300 draws, 0.07 at 2,000, 0.03 at 10,000): an index at or below this
    is not told apart from noise (the dummy-parameter screening threshold of Khorashadi Zadeh et
    al., Environ. Model. Softw. 91, 2017; Puy, Lo Piano and Saltelli, Environ. Model. Softw. 127,
    2020, show how often PAWN takes an input that does nothing for a driver)."""
    rng = np.random.default_rng([int(seed), 0x9A3])     # its own stream: the metric's draws are not touched
    n = len(y)
    per_block = max(1, 2_000_000 // max(n, 1))          # dummies scored at once: a bounded (k, n) array
    medians = []
    for first in range(0, DUMMIES, per_block):
        k = min(per_block, DUMMIES - first)
        x = rng.permuted(np.tile(np.arange(n, dtype=float), (k, 1)), axis=1)
        medians.append(pawn_medians(x, y))
    return float(np.percentile(np.concatenate(medians), NOISE_LEVEL))


def pawn_medians(x: np.ndarray, y: np.ndarray, slices: int = SLICES) -> np.ndarray:
    """PAWN's median Kolmogorov-Smirnov statistic of each input ``x[j]`` (k, n) for the output ``y``
    (n,), as ``SALib.analyze.pawn`` computes it (slices between the input's quantiles, each
    slice's output against all of it, ``scipy.stats.ks_2samp``'s statistic: the same numbers,
    tested), for many inputs at once: the empirical distributions are compared at each distinct
    value of ``y`` by cumulative counts, where SALib calls ``ks_2samp`` once per slice and input."""
    order = np.argsort(y, kind="stable")
    ordered = y[order]
    ends = np.flatnonzero(np.append(ordered[1:] != ordered[:-1], True))   # last of each run of equal values
    whole = (ends + 1) / len(y)                                              # (values,): the output's CDF
    xs = x[:, order]                                                         # the inputs in the output's order
    step = 1 / slices
    edges = np.nanquantile(x, np.arange(0, 1 + step, step), axis=1)          # (slices + 1, k), SALib's
    stats = np.full((slices, x.shape[0]), np.nan)
    for s in range(slices):
        inside = (xs >= edges[s][:, None]) & (xs < edges[s + 1][:, None])     # (k, n)
        counts = np.cumsum(inside, axis=1)[:, ends]
        size = counts[:, -1]
        part = counts / np.where(size > 0, size, 1)[:, None]
        stats[s] = np.where(size > 0, np.abs(part - whole).max(axis=1), np.nan)
    return np.nanmedian(stats, axis=0)


def _metric_from_result(ds, text, file):
    """A sweep metric (:mod:`sim.analysis.metrics`, the same parsing and arithmetic as a sweep's) read
    from a result's variables: its values by draw, and the metric."""
    years = [int(y) for y in ds.year.values]
    frame = SimpleNamespace(years=years, start_year=years[0], end_year=years[-1], mode=ds.attrs.get("shipments_mode"),
                            key_years=[int(y) for y in np.atleast_1d(ds.attrs.get("key_years", years[-1]))],
                            region_names=[str(r) for r in ds.region.values] if "energy_by_region" in ds else [],
                            generation_families=[str(f) for f in ds.generation_family.values]
                            if "generation_family" in ds.coords else [])
    metric = parse_metric(text, frame, of="of the result, ")
    counterfactual = None
    if metric.needs_counterfactual:
        if "energy_no_rebound" not in ds:
            raise InputError(file, None, "has no rebound: run the scenario with the rebound decomposition")
        counterfactual = {"energy": ds.energy_no_rebound.values}
    out = {"energy": ds.energy.values, "facility_power": ds.facility_power.values}
    for name in metric.reads & {"energy_by_region", "energy_by_generation"}:   # (draw, year, part), as a run's are
        out[name] = ds[name].transpose("draw", "year", name.rpartition("_by_")[2]).values
    return metric.compute(frame, out, counterfactual)[0], metric
