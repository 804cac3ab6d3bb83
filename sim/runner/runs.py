"""Running a scenario: its Monte Carlo ensemble (:func:`run`, ``sim.run`` and ``sim run``), the
model at given values (:func:`evaluate`) and a sweep's design (:func:`evaluate_design`), each
cut into units of work (:mod:`sim.runner`'s) that :mod:`sim.execution` runs where asked and writes
where asked."""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from pathlib import Path

import numpy as np

from .. import execution
from ..atomic import NO_ROOM, claimed
from ..errors import InputError, ScenarioError, suggest
from ..options import RunOptions
from ..results import identity, open_lazily, title, write_result
from ..scenario.load import Scenario, resolve
from .calibrated import MAX_CALIBRATED_DRAWS, calibrated
from . import DesignRows, DrawRange, NonFinite, ensemble_result, simulate_design, simulate_draws, simulate_values


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
            result = calibrated(scenario, opts, observations, where)
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
