"""The runner: the one module that runs the model.

Every path that runs :func:`sim.model.simulate` comes through here: :func:`run` (``sim.run``
and ``python -m sim run``), :func:`evaluate_design` (``sim sweep``), ``sim validate`` and
``sim brief``. Work is cut into chunks, of two kinds:

- :class:`DrawRange`: draws ``[start, stop)`` of an ensemble (:func:`simulate_draws`);
- :class:`DesignRows`: rows ``[start, stop)`` of a sweep's design (:func:`simulate_design`).

A chunk's result depends only on the chunk: sampling is organised in fixed stream blocks
(:mod:`sim.sampling`), so results do not depend on the chunk size, the number of local
workers or a Dask cluster. Where chunks run and where results go is :mod:`sim.execution`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

import numpy as np

from .analysis import calibration
from . import execution
from . import parameters as registry
from .errors import InputError, ScenarioError, suggest
from .execution.files import PARAM
from .model import simulate
from .options import RunOptions
from .atomic import NO_ROOM, claimed
from .results import describe_result, identity, open_lazily, title, write_result
from .sampling import sample
from .scenario.load import Scenario, resolve

DEFAULT_CHUNK_DRAWS = execution.DEFAULT_CHUNK_DRAWS
# candidate draws per chunk of a calibration: rounds stop within about one chunk per worker of
# the accepted draws wanted (candidates run only to the last observed year; the accepted ones
# then run in full, all together); a small run starts with smaller chunks (ten candidates per
# draw wanted, at least 1,000), so that it does not try thousands more than it needs
CALIBRATION_CHUNK_DRAWS = 5_000
KEPT = "kept:"   # a calibrating chunk's accepted draws' values, by key, for their full run
# a calibrated result is gathered in memory (about 5 kB a draw for nvidia_2027): a bound well within 24 GiB
MAX_CALIBRATED_DRAWS = 200_000
PRIOR_SUMMARY_DRAWS, PRIOR_COMPARED_DRAWS = 10_000, 5_000   # prior draws a calibrated result is compared with: most, least


@dataclass(frozen=True)
class DrawRange:
    """Draws ``[start, stop)`` of an ensemble of ``draws`` draws: the unit of work of a run."""

    index: int
    scenario: Scenario
    draws: int
    seed: int
    start: int
    stop: int
    rebound: bool
    observations: tuple = ()   # calibrating: keep only the draws inside every observed range
    only: frozenset | None = None   # only these outputs (sim.model.simulate), not every one


@dataclass(frozen=True)
class DesignRows:
    """Rows ``[start, stop)`` of a design: every parameter's values for those rows, and the metric to
    compute (``needs_counterfactual``, ``reads``, ``compute(scenario, out, counterfactual) -> (s, n)``)."""

    index: int
    scenario: Scenario
    values: dict
    metric: object
    start: int
    stop: int
    rebound: bool = False   # with the counterfactuals (a calibration's accepted draws)


def simulate_draws(work: DrawRange) -> dict[str, np.ndarray]:
    """Run one range of draws: the model's outputs and the sampled values (``param:<key>``),
    ``draw`` first; when calibrating, the accepted draws' (:func:`_calibrating`)."""
    scenario = work.scenario
    values = sample(scenario, work.start, work.stop, draws=work.draws, seed=work.seed)
    if work.observations:
        return _calibrating(work, values)
    batch = _outputs(scenario, values, work.rebound, work.only)
    check_finite(batch, work)
    batch.update({PARAM + key: values[key] for key in scenario.uncertain})
    return batch


def _outputs(scenario: Scenario, values: dict, rebound: bool, only=None) -> dict[str, np.ndarray]:
    """Every output of a batch of draws (or ``only`` those): the model's, the installed-base comparison
    of annual accounting, and with ``rebound`` the two counterfactuals (:func:`sim.model.simulate`)."""
    with np.errstate(over="ignore", invalid="ignore"):  # non-finite outputs are reported by check_finite
        batch = simulate(scenario, values, rebound=rebound, only=only)
        if scenario.accounting == "annual_shipments" and only is None:
            accumulated = simulate(scenario, values, accounting="installed_base", only={"installed", "energy"})
            batch.update({f"{name}_if_accumulated": accumulated[name] for name in ("installed", "energy")})
    if rebound:
        batch["rebound"] = batch["energy"] - batch["energy_no_rebound"]
        if "energy_trend" in batch:   # the first year's growth held
            batch["rebound_beyond_trend"] = batch["energy"] - batch["energy_trend"]
    return batch


def _calibrating(work: DrawRange, values: dict) -> dict:
    """A calibrating chunk (history matching, :mod:`sim.analysis.calibration`).

    The observations look no further than their last year, so every candidate runs to the end
    of it only, keeping the results they read when these are all by generation
    (:func:`calibration.candidate_outputs`); those inside every observed range run in full once
    the rounds are over, all together (their values are kept, ``kept:<key>``; :func:`_calibrated`).
    Each draw's numbers are its own, so the accepted draws' are those of a full run of every
    candidate, bit for bit (tested), for a fraction of the work. An observation of an output
    that needs the whole run (the rebound, the installed-base comparison) runs them in full.
    """
    scenario, n = work.scenario, work.stop - work.start
    horizon = calibration.horizon_months(work.observations, scenario)
    candidates = calibration.candidate_scenario(scenario, work.observations)
    if horizon is None:
        partial = _outputs(candidates, values, work.rebound)
    else:
        with np.errstate(over="ignore", invalid="ignore"):
            partial = simulate(candidates, values, until=horizon,
                               only=calibration.candidate_outputs(work.observations, candidates.scope))
    check_finite(partial, work)
    observed, passes = _match(work, partial, values, candidates.scope)
    keep = passes.all(axis=1)
    if horizon is None and candidates is scenario:
        batch = {name: np.ascontiguousarray(array[keep]) for name, array in partial.items()}
        batch.update({PARAM + key: values[key][keep] for key in scenario.uncertain})
    else:
        batch = {KEPT + key: value[keep] for key, value in values.items()}
    batch["calib:candidate"] = np.arange(work.start, work.stop)[keep]
    batch["calib:observed"], batch["calib:passes"] = observed, passes
    batch["calib:values"] = (np.column_stack([values[k] for k in scenario.uncertain]) if scenario.uncertain
                             else np.empty((n, 0)))
    return batch


class NonFinite(ArithmeticError):
    """A model output holds NaN or infinity: raised where the chunk is computed (a worker, too),
    turned into a one-line :class:`~sim.errors.ScenarioError` by :func:`run`."""


def check_finite(batch: dict, work) -> None:
    """Raise :class:`NonFinite` naming the first output, year and count of draws that is not finite."""
    years = work.scenario.years
    for name, array in batch.items():
        finite = np.isfinite(array)
        if finite.all() or (name in registry.OUTPUTS and registry.OUTPUTS[name].undefined_ok):
            continue
        columns = array.shape[1] if array.ndim > 1 else 1
        bad = (~finite).reshape(len(array), columns, -1).any(axis=2)        # (draws, years or months)
        first = int(np.flatnonzero(bad.any(axis=0))[0])
        when = f" in {years[first]}" if columns == len(years) else ""
        raise NonFinite(f"the model gives NaN or infinity for {name}{when} in {int(bad.any(axis=1).sum()):,} "
                        f"draws (of draws {work.start:,} to {work.stop - 1:,}); check the values that drive it")


def _match(work: DrawRange, batch: dict, values: dict, scope: str):
    """A chunk's simulated observations (draw × observation), each inside its range or not (the batch is of ``scope``)."""
    s = work.scenario
    get = lambda name: batch[name] if name in batch else np.broadcast_to(values[name], (work.stop - work.start,))  # noqa: E731
    return calibration.match(work.observations, get, s.generation_names, s.years, scope, s.region_names, s.trend_bases)


def simulate_design(work: DesignRows) -> dict[str, np.ndarray]:
    """Run one block of a sweep's design, keeping only the results its metric reads: ``{"metric": (n, s)}``."""
    scenario, metric = work.scenario, work.metric
    out = simulate(scenario, work.values, rebound=metric.needs_counterfactual, only=metric.reads)
    counterfactual = None
    if metric.needs_counterfactual:
        counterfactual = {"energy": out.pop("energy_no_rebound", out["energy"])}   # no demand: no response
    return {"metric": metric.compute(scenario, out, counterfactual).T}


def simulate_values(work: DesignRows) -> dict[str, np.ndarray]:
    """The model at given values (rows): every output a run has, and ``param:<key>``, rows first."""
    scenario = work.scenario
    batch = _outputs(scenario, work.values, work.rebound)
    check_finite(batch, work)
    batch.update({PARAM + key: work.values[key] for key in scenario.uncertain})
    return batch


def evaluate(scenario, values: dict, overrides=None, variant: str | None = None, *,
             options: RunOptions | None = None, **settings):
    """The model at given parameter values, through the runner: a Dataset like :func:`run`'s,
    one ``draw`` per row of the values.

    Parameters
    ----------
    scenario : str, Path or Scenario
    values : dict
        Dotted parameter key → array (n,) of values, or a result of :func:`run` (its sampled
        parameters, named by their ``key`` attributes: a calibrated result's draws are the
        posterior, an uncalibrated one's the prior). Uncertain parameters not given are held at
        their prior medians; constants stay as the scenario gives them. The result's
        ``evaluated_inputs`` attribute says which of these it used.
    options : sim.options.RunOptions, optional
        Where the rows run: ``chunk_draws``, ``workers``, ``scheduler`` (``**settings``
        changes them by name), as for :func:`run`; never the result.

    Examples
    --------
    Run SALib's own sample through sim::

        from SALib.sample import sobol
        problem = {"num_vars": 2, "names": ["fleet.pue", "fleet.utilisation"],
                   "bounds": [[1.1, 1.5], [0.4, 0.9]]}
        x = sobol.sample(problem, 256)
        ds = sim.evaluate("nvidia_2027", {k: x[:, j] for j, k in enumerate(problem["names"])})
        y = ds.energy.sel(year=2030).values          # then SALib.analyze.sobol.analyze(problem, y)
    """
    scenario = resolve(scenario, overrides, variant)
    source = "given values"
    if hasattr(values, "data_vars"):  # a result: its variables say which key they hold
        source = ("the draws of a calibrated result (the posterior)" if values.attrs.get("calibrated")
                  else "the draws of an uncalibrated result (the prior)")
        values = {var.attrs.get("key", name): var.values for name, var in values.data_vars.items()
                  if var.dims == ("draw",)}
    given = {k: np.asarray(values[k], dtype=float) for k in values if k in scenario.parameters}
    unknown = [k for k in values if k not in scenario.parameters and "." in str(k)]
    if unknown:
        raise InputError(str(unknown[0]), None, "is not a parameter of this scenario"
                         + suggest(str(unknown[0]), list(scenario.parameters)))
    if not given:
        raise InputError("values", None, "give an array of values for at least one parameter of the scenario")
    n = len(next(iter(given.values())))
    if any(v.shape != (n,) for v in given.values()):
        raise InputError("values", None, f"every parameter needs one value per row ({n})")
    full = {key: given[key] if key in given else np.full(n, dist.quantile(0.5))
            for key, dist in scenario.parameters.items()}
    opts = RunOptions.of(options, **settings)
    works = [DesignRows(i, scenario, {k: v[a:b] for k, v in full.items()}, None, a, b)
             for i, (a, b) in enumerate(execution.ranges(n, opts.chunk))]
    try:
        with execution.closing(execution.backend(opts.workers, opts.scheduler)) as where:
            arrays = execution.execute(works, simulate_values, execution.Memory(n), where)
    except NonFinite as err:
        raise ScenarioError(scenario.path, None, str(err)) from None
    held = [k for k in scenario.uncertain if k not in given]
    inputs = source + (f"; {len(held)} uncertain parameters not given held at their prior medians "
                       f"({', '.join(held[:5])}{', ...' if len(held) > 5 else ''})" if held else "")
    return ensemble_result(scenario, n, scenario.seed, {"evaluated": 1, "evaluated_inputs": inputs},
                           arrays).to_xarray()


def ensemble_result(scenario: Scenario, draws: int, seed: int, attrs: dict, data: dict,
                    first_draw: int = 0):
    """The result (:class:`sim.results.Result`) of arrays from :func:`simulate_draws` (of a
    chunk, or of the whole ensemble), with ``attrs`` (command line, time) added to its own."""
    samples = {k: data.get(PARAM + k) for k in scenario.parameters}
    arrays = {k: v for k, v in data.items() if not k.startswith(PARAM)}
    result = describe_result(scenario, draws, seed, arrays, samples, first_draw=first_draw)
    result.attrs.update(attrs)
    return result


def run(scenario, draws: int | None = None, seed: int | None = None, overrides=None,
        variant: str | None = None, *, options: RunOptions | None = None, **settings):
    """Run a scenario's Monte Carlo ensemble, in memory or streamed to a file.

    Parameters
    ----------
    scenario : str, Path or Scenario
        A scenario file, a library scenario's name, or a loaded scenario.
    draws : int, optional
        Number of draws (default: the scenario's ``sampling.draws``).
    seed : int, optional
        Root seed (default: the scenario's ``sampling.seed``).
    overrides : list of str, optional
        ``"section.key=value"`` changes, as ``--set`` takes them.
    variant : str, optional
        One of the scenario file's ``[variants.<name>]``.
    options : sim.options.RunOptions, optional
        Every other setting, as one object (the command line builds one from its flags).
    **settings
        Or the same settings by name, changing ``options``: ``rebound``, ``calibrate``,
        ``max_candidates``, ``chunk_draws``, ``workers``, ``scheduler``, ``out``, ``fmt``,
        ``compress``, ``resume``, ``force``, ``reopen``, ``quiet``, ``progress``, ``attrs``
        (:class:`sim.options.RunOptions` says what each does).

    Returns
    -------
    xarray.Dataset
        Annual variables by ``draw`` and ``year`` (``shipments``, ``installed``,
        ``it_power``, ``facility_power``, ``energy``, ...), by ``generation``, the monthly
        ``facility_power_monthly``, and the sampled parameters on ``draw``. With ``out``,
        the result file opened lazily (its path if not ``reopen``). The same for any ``chunk_draws``, ``workers`` or
        ``scheduler``, bit for bit.

    Examples
    --------
    >>> import sim
    >>> ds = sim.run("scenarios/nvidia_2027.toml", draws=200, seed=1)  # doctest: +SKIP
    >>> ds.energy.sel(year=2027).quantile([0.05, 0.5, 0.95])            # doctest: +SKIP
    """
    scenario = resolve(scenario, overrides, variant)
    given = {k: v for k, v in (("draws", draws), ("seed", seed)) if v is not None}
    opts = RunOptions.of(options, **given, **settings).resolved(scenario)
    observations = tuple(o for o in scenario.observations if o.use == "calibrate")
    if opts.calibrate and opts.draws > MAX_CALIBRATED_DRAWS:
        raise InputError("--draws", None, f"a calibrated run holds its accepted draws in memory: at most "
                         f"{MAX_CALIBRATED_DRAWS:,}, got {opts.draws:,}; use --no-calibrate for a larger ensemble of the prior")
    if opts.calibrate and not observations:
        raise ScenarioError(scenario.path, "observation", "calibration needs [[observation]] tables "
                            "with use = \"calibrate\"; this scenario has none (run without --calibrate)")
    opts = replace(opts, attrs={"title": title(scenario, opts.calibrate), **opts.attrs},
                   compute=opts.compute or simulate_draws)
    out = opts.out
    try:
        if out is None:
            return _run(scenario, opts, observations)
        # this run owns its result from the first check (before any work) to the final rename
        with claimed(out, identity(scenario, opts.seed, draws=opts.draws, calibrated=int(opts.calibrate)),
                     opts.force, directory_ok=opts.fmt == "zarr"):
            return _run(scenario, opts, observations)
    except NonFinite as err:
        raise ScenarioError(scenario.path, None, str(err)) from None
    except OSError as err:
        if err.errno not in NO_ROOM or out is None:
            raise
        store = Path(f"{out}.chunks")
        raise InputError(str(out), None, f"{NO_ROOM[err.errno]} ({err.strerror}); the finished chunks are kept in "
                         f"{store} for --resume once there is room (or remove it: rm -r {store})") from None


def _run(scenario: Scenario, opts: RunOptions, observations: tuple):
    """The run itself, once its options are resolved and (with ``out``) its result is owned."""
    out, fmt = opts.out, opts.fmt

    def written(path):
        return open_lazily(path, fmt) if opts.reopen else Path(path)

    with execution.closing(execution.backend(opts.workers, opts.scheduler)) as where:
        if opts.calibrate:
            result = _calibrated(scenario, opts, observations, where)
            return result.to_xarray() if out is None else written(write_result(result, out, fmt, opts.compress))
        draws, seed = opts.draws, opts.seed
        works = [DrawRange(i, scenario, draws, seed, a, b, opts.rebound)
                 for i, (a, b) in enumerate(execution.ranges(draws, opts.chunk))]
        describe = partial(ensemble_result, scenario, draws, seed, opts.attrs)
        if out is None:
            arrays = execution.execute(works, opts.compute, execution.Memory(draws), where, opts.quiet, opts.progress)
            return describe(arrays).to_xarray()
        kind = "preallocated" if fmt == "zarr" or not opts.compress else "appended"
        manifest = identity(scenario, seed, draws=draws, rebound=opts.rebound, chunk_draws=opts.chunk, writer=kind)
        store = execution.ChunkStore(f"{out}.chunks", manifest, opts.resume, execution.WRITER_SUFFIX[kind])
        if kind == "preallocated":
            writer = execution.Preallocated(store, out, describe, draws, opts.attrs, fmt, opts.chunk)
        else:
            writer = execution.Appended(store, out, describe, works, opts.compress)
        path = execution.execute(works, opts.compute, writer, where, opts.quiet, opts.progress)
    store.remove()
    return written(path)


def _calibrated(scenario: Scenario, opts: RunOptions, observations: tuple, where):
    """History matching: candidates in rounds of chunks until ``draws`` of them match, the
    first ``draws`` accepted in candidate order kept (see :mod:`sim.analysis.calibration`)."""
    draws, seed, rebound, attrs, compute = opts.draws, opts.seed, opts.rebound, opts.attrs, opts.compute
    chunk_draws = opts.chunk_draws or min(CALIBRATION_CHUNK_DRAWS, max(1_000, 10 * draws))
    max_candidates = scenario.max_candidates if opts.max_candidates is None else opts.max_candidates
    space = calibration.candidate_space(draws, max_candidates)
    works = [DrawRange(i, scenario, space, seed, a, b, rebound, observations)
             for i, (a, b) in enumerate(execution.ranges(space, chunk_draws))]
    store = None
    if opts.out is not None:
        manifest = identity(scenario, seed, draws=draws, rebound=rebound, chunk_draws=chunk_draws, writer="kept",
                            candidates=space)
        store = execution.ChunkStore(f"{opts.out}.chunks", manifest, opts.resume, execution.WRITER_SUFFIX["kept"])
    writer = execution.Kept(store)
    chunks, accepted, evaluated = [], 0, 0     # the contiguous prefix of chunks done, in order
    while True:
        while len(chunks) < len(works) and writer.has(len(chunks)) and accepted < draws:
            chunk = writer.get(len(chunks))
            chunks.append(chunk)
            accepted += len(chunk["calib:candidate"])
            evaluated += len(chunk["calib:passes"])
        done = len(chunks)
        if accepted >= draws or done == len(works):
            break
        rate = accepted / evaluated if evaluated else 1.0
        wanted = (draws - accepted) / max(rate, 1.0 / space) * 1.1
        count = max(int(np.ceil(wanted / chunk_draws)), getattr(where, "workers", 1))
        execution.execute(works[done:done + count], compute, writer, where, opts.quiet, progress=None)
    passes = np.concatenate([c["calib:passes"] for c in chunks])
    observed = np.concatenate([c["calib:observed"] for c in chunks])
    values = np.concatenate([c["calib:values"] for c in chunks])
    if accepted < draws:  # nothing to resume: every candidate was tried
        if store is not None:
            store.remove()
        raise calibration.too_few(scenario, observations, accepted, draws, observed, passes, values,
                                  scenario.uncertain)
    candidates = np.concatenate([c["calib:candidate"] for c in chunks])[:draws]
    considered = int(candidates[-1]) + 1          # candidates up to the last one kept
    kept = [c for c in chunks if len(c["calib:candidate"])]   # a chunk that kept none adds nothing
    arrays = {name: np.concatenate([c[name] for c in kept])[:draws]
              for name in kept[0] if not name.startswith("calib:")}
    to_run = {name[len(KEPT):]: arrays.pop(name) for name in list(arrays) if name.startswith(KEPT)}
    if to_run:   # the accepted draws' values: they run in full, together, a chunk per worker at most
        size = min(chunk_draws, -(-draws // getattr(where, "workers", 1)))
        arrays = execution.execute([DesignRows(i, scenario, {k: v[a:b] for k, v in to_run.items()}, None, a, b,
                                               rebound) for i, (a, b) in enumerate(execution.ranges(draws, size))],
                                   simulate_values, execution.Memory(draws), where)
    if opts.progress is not None:
        opts.progress(draws)
    result = ensemble_result(scenario, draws, seed, attrs, arrays)
    if store is not None:
        store.remove()
    calibration.annotate(result, scenario, observations, candidates, observed[:considered],
                         passes[:considered], values[:considered], space)
    # the prior's electricity beside it: its first candidates (at least PRIOR_COMPARED_DRAWS: enough
    # that those matching all observations but one say what that one narrows) run, keeping only it
    n = min(max(draws, PRIOR_COMPARED_DRAWS), considered, PRIOR_SUMMARY_DRAWS)
    prior = [DrawRange(i, scenario, space, seed, a, b, False, (), frozenset({"energy"}))
             for i, (a, b) in enumerate(execution.ranges(n, chunk_draws))]
    calibration.compare_energy(result, execution.execute(prior, compute, execution.Memory(n), where)["energy"], passes[:n])
    return result


def evaluate_design(scenario: Scenario, values: dict, metric, options: RunOptions | None = None, *,
                    store=None, manifest: dict | None = None) -> np.ndarray:
    """The metric for every row of a sweep's design, shape (s, n), run in chunks of rows on
    the chosen backend (the same layer as :func:`run`).

    Parameters
    ----------
    values : dict
        Every numeric parameter key → array (n,) of the design's values.
    options : sim.options.RunOptions, optional
        ``chunk_draws`` (rows per chunk), ``workers``, ``scheduler``, ``resume``, ``quiet``.
    store : str or Path, optional
        A chunk store to keep finished chunks in (resumable with ``resume``); without one the
        chunks are gathered in memory.
    """
    opts = options or RunOptions()
    chunk_rows = opts.chunk
    n = len(next(iter(values.values())))
    works = [DesignRows(i, scenario, {k: v[a:b] for k, v in values.items()}, metric, a, b)
             for i, (a, b) in enumerate(execution.ranges(n, chunk_rows))]
    if store is None:
        writer = execution.Memory(n)
    else:
        writer = execution.Collected(n, execution.ChunkStore(store, manifest or {}, opts.resume), works)
    with execution.closing(execution.backend(opts.workers, opts.scheduler)) as where:
        arrays = execution.execute(works, simulate_design, writer, where, opts.quiet)
    if store is not None:
        writer.store.remove()
    return arrays["metric"].T
