"""Command line: ``python -m sim COMMAND``. Exit codes, each command's work through the Python
API, and printing; no modelling. The grammar is :mod:`.arguments`; the run's summary is
:mod:`sim.report.summary`.

Exit status: 0 on success, 2 for bad input (one line on stderr, no traceback, no result
file), 1 for a failed validation (later commands).
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from .. import parameters as registry
from ..errors import InputError
from ..report.summary import noise_words, ranking, summary
from .arguments import build_parser
from .validate import cmd_validate

LARGE_RUN = 20_000   # draws from which `sim run` first says how large the result will be


def main(argv=None) -> int:
    """Entry point of ``python -m sim`` and the ``sim`` console script."""
    args = build_parser().parse_args(argv)
    try:
        for option in ("out", "csv", "scheduler"):
            value = getattr(args, option, None)
            if value is not None and not str(value).strip():
                raise InputError(f"--{option}", None, "is empty: give a path" if option != "scheduler" else
                                 "is empty: give the address of a running Dask scheduler, e.g. tcp://127.0.0.1:8786")
        if args.command == "run":
            return cmd_run(args, argv)
        if args.command == "check":
            return cmd_check(args)
        if args.command == "list":
            return cmd_list()
        if args.command == "validate":
            return cmd_validate(args)
        if args.command == "sweep":
            return cmd_sweep(args)
        if args.command == "export":
            return cmd_export(args)
        if args.command == "discover":
            return cmd_discover(args, argv)
        if args.command == "plot":
            return cmd_plot(args)
        if args.command == "explore":
            return cmd_explore(args)
        if args.command == "brief":
            return cmd_brief(args)
    except InputError as err:
        print(f"sim: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("sim: interrupted; no result written", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (`sim run ... | head`): nothing more to say
        sys.stderr.close()
        return 0
    raise AssertionError(args.command)


def cmd_list() -> int:
    # deferred: each command loads only the stack it uses (scipy.stats, xarray, matplotlib)
    from ..scenario import library

    for path in library.scenarios():
        name, title, description, variants = library.describe(path)
        print(f"{name}: {title}")
        if description:
            print(f"    {description}")
        for variant, words in variants.items():
            print(f"    --variant {variant}" + (f": {words}" if words else ""))
    print(f"({library.FOLDER}; run one by name: sim run NAME, a variant: sim run NAME --variant VARIANT)")
    return 0


def cmd_check(args) -> int:
    # deferred: each command loads only the stack it uses (scipy.stats, xarray, matplotlib)
    from ..scenario.load import load_scenario
    from ..scenario.sources import DEFAULT, sources

    scenario = load_scenario(args.scenario, args.overrides, args.variant)
    for name in scenario.variants:  # every variant must load, not only the one asked for
        load_scenario(args.scenario, args.overrides, name)
    print(f"{scenario.path}: ok: scenario '{scenario.name}', {scenario.start_year} to "
          f"{scenario.end_year}, {len(scenario.generations)} generations, "
          f"{len(scenario.uncertain)} uncertain of {len(scenario.parameters)} parameters")
    width = max(len(k) for k in scenario.parameters)
    for key, dist in scenario.parameters.items():
        print(f"  {key:<{width}}  {dist.describe():<44} {registry.human_units(registry.spec(key).units)}".rstrip())
    if scenario.correlations:
        print("rank correlations: " + "; ".join(f"{x} ~ {y}: {r:g}" for x, y, r in scenario.correlations))
    # where each value comes from, as the brief and the result's attributes say it
    found = sources(scenario)
    keyed = sum("source" in d.annotations for d in scenario.parameters.values())
    defaults = [k for k, text in found.items() if text == DEFAULT]
    unsourced = [k for k, text in found.items() if not text]
    if args.sources:
        for key, text in found.items():
            print(f"  {key}: {text or 'NO SOURCE'}")
    print(f"sources: {keyed} by a source key, {len(found) - keyed - len(defaults) - len(unsourced)} by the comment "
          f"the file gives the value, {len(defaults)} sim's defaults (docs/parameters.md)"
          + (f"; {len(unsourced)} written with no source key and no comment: " + ", ".join(unsourced)
             if unsourced else "; none without") + ("" if args.sources else " (each: --sources)"))
    if scenario.variants:
        print("variants: " + ", ".join(scenario.variants))
    if scenario.validations:
        n = len(scenario.validations)
        print(f"{n} published figure{'s' if n != 1 else ''} to validate against (sim validate)")
    used = [sum(o.use == use for o in scenario.observations) for use in ("calibrate", "check")]
    if any(used):
        print(f"observed figures: {used[0]} to calibrate against, {used[1]} held out to check the run against")
    return 0


def cmd_sweep(args) -> int:
    # deferred: each command loads only the stack it uses (scipy.stats, xarray, matplotlib)
    from ..atomic import check_kind, claimed
    from ..options import RunOptions
    from ..results import default_path, identity, write_netcdf
    from ..scenario.load import resolve
    from ..analysis.sensitivity import GIVEN_DATA, sweep

    if args.out:
        check_kind(args.out, (".nc",), "sim sweep writes a netCDF result")
    if args.method in GIVEN_DATA or _is_result(args.scenario):
        return _sweep_result(args)
    groups = _groups(args.groups)
    scenario = resolve(args.scenario, args.overrides, args.variant)
    seed = scenario.seed if args.seed is None else args.seed
    out = args.out or default_path(scenario, seed, kind=args.method)
    samples = args.samples if args.samples is not None else (1024 if args.method == "sobol" else 50)
    chunked = args.workers != 1 or args.scheduler is not None or args.resume or args.chunk_draws is not None
    began = time.perf_counter()
    if args.draws is not None and args.draws < 1:
        raise InputError("--draws", None, f"must be at least 1, got {args.draws}")
    # what the sweep holds: the options its method reads (another method's options change nothing)
    used = {"oat": {"quantiles": args.quantiles}, "grid": {"draws": args.draws or ""},
            "sobol": {"samples": samples, "groups": args.groups},
            "morris": {"samples": samples, "groups": args.groups, "levels": args.levels,
                       "optimal": args.optimal or ""}}[args.method]
    what = identity(scenario, seed, method=args.method, metric=args.metric or "", params=args.params,
                    years=args.years or "", **used)
    with claimed(out, what, args.force):  # no two sweeps share a result or its chunk store
        ds = sweep(scenario, args.method, args.metric, params=args.params or None, samples=samples,
                   draws=args.draws, seed=seed, quantiles=tuple(args.quantiles), levels=args.levels,
                   years=args.years, groups=groups, optimal=args.optimal,
                   store=f"{out}.chunks" if chunked else None,
                   options=RunOptions(chunk_draws=args.chunk_draws, workers=args.workers, scheduler=args.scheduler,
                                      resume=args.resume, quiet=args.quiet))
        seconds = time.perf_counter() - began
        stamp(ds.attrs, None)
        path = write_netcdf(ds, out)
    a = ds.attrs
    print(f"{a['scenario']}: {args.method} sensitivity of {a['metric']} ({registry.human_units(a['metric_units'])}), "
          f"{a['evaluations']:,} model runs in {seconds:.1f} s")
    if args.method == "grid":
        print(ds.metric_median.to_dataframe().to_string() if ds.metric_median.ndim <= 2 else
              f"median {a['metric']} over the grid: {float(ds.metric_median.min()):.4g} to "
              f"{float(ds.metric_median.max()):.4g}")
    else:
        print_ranking(ranking(ds), f" (ranked for {int(ds.year[-1])})" if "year" in ds.dims else "")
    _print_warnings(a)
    print(f"result: {path}")
    return 0


def _print_warnings(attrs) -> None:
    """A sweep's warnings (its result's ``warnings``), one line each."""
    for line in filter(None, attrs.get("warnings", "").split("\n")):
        print(f"warning: {line}")


def print_ranking(rows, note: str = "") -> None:
    """A sweep's parameters, most influential first, one numbered line each."""
    width = max(len(p) for p, _ in rows)
    print(f"ranking{note}:")
    for i, (p, text) in enumerate(rows, 1):
        print(f"{i:>3}. {p:<{width}}  {text}")


def _is_result(text) -> bool:
    return str(text).endswith((".nc", ".zarr")) and Path(text).exists()


def _groups(specs) -> dict | None:
    groups = {}
    for spec in specs:
        name, eq, patterns = spec.partition("=")
        if not eq or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name) or not patterns.strip():
            raise InputError("--group", None, f"cannot read {spec!r}: write NAME=PATTERN[,PATTERN], "
                             "e.g. power_additions=power.additions.*")
        groups[name] = [p.strip() for p in patterns.split(",") if p.strip()]
    return groups or None


def _sweep_result(args) -> int:
    """``sim sweep RESULT.nc --method pawn|delta|rbd_fast``: indices from a result's draws."""
    # deferred: each command loads only the stack it uses (scipy.stats, xarray, matplotlib)
    from ..atomic import claimed
    from ..results import open_result, write_netcdf
    from ..analysis.given_data import GIVEN_DATA, from_result

    if not _is_result(args.scenario):
        raise InputError(str(args.scenario), None, f"--method {args.method} ranks the inputs of an existing result: "
                         "give the .nc (or .zarr) file of a sim run")
    if args.method not in GIVEN_DATA:
        raise InputError("--method", None, f"a result file is analysed by {', '.join(GIVEN_DATA)}; "
                         f"{args.method} runs the model: give it a scenario")
    for option in ("groups", "overrides", "params"):
        if getattr(args, option, None):
            raise InputError(f"--{option.rstrip('s').replace('override', 'set')}", None,
                             "applies when sweeping a scenario, not a result's draws")
    ds = open_result(args.scenario)
    seed = args.seed
    began = time.perf_counter()
    result = from_result(ds, args.method, args.metric, seed=seed, file=args.scenario)
    source = Path(args.scenario)
    result.attrs.update({"source_result": str(source), "source_result_sha256":
                         hashlib.sha256(source.read_bytes()).hexdigest() if source.is_file() else ""})
    stamp(result.attrs, None)
    out = Path(args.out) if args.out else source.with_name(f"{source.stem}-{args.method}.nc")
    what = {"source_result": str(source), "method": args.method, "metric": result.attrs["metric"], "seed": seed}
    with claimed(out, what, args.force):
        write_netcdf(result, out)
    print(f"{result.attrs['scenario']}: {args.method} sensitivity of {result.attrs['metric']} from "
          f"{result.attrs['draws_analysed']:,} draws of {source} (no model runs) in {time.perf_counter() - began:.1f} s")
    print_ranking(ranking(result))
    if said := noise_words(result):
        print(said)
    _print_warnings(result.attrs)
    print(f"result: {out}")
    return 0


def cmd_run(args, argv) -> int:
    # deferred: each command loads only the stack it uses (scipy.stats, xarray, matplotlib)
    from ..options import RunOptions
    from ..results import default_out, open_lazily
    from ..runner import DrawRange, run, simulate_draws
    from ..report.checks import summary_lines
    from ..scenario.load import resolve

    scenario = resolve(args.scenario, args.overrides, args.variant)
    seed = scenario.seed if args.seed is None else args.seed
    out = args.out or default_out(scenario, seed, args.format or "netcdf", args.calibrate)
    opts = RunOptions(draws=args.draws, seed=args.seed, rebound=args.rebound, calibrate=args.calibrate,
                      max_candidates=args.max_candidates, chunk_draws=args.chunk_draws, workers=args.workers,
                      scheduler=args.scheduler, out=out, fmt=args.format, compress=args.compress,
                      resume=args.resume, force=args.force, quiet=args.quiet, attrs=stamp({}, argv),
                      reopen=False).resolved(scenario)
    if not args.quiet and opts.draws >= LARGE_RUN:  # say how large before the disk fills
        # one draw's arrays (the model run once) times the draws
        one = simulate_draws(DrawRange(0, scenario, opts.draws, opts.seed, 0, 1, opts.rebound))
        size = opts.draws * sum(np.asarray(a).nbytes for a in one.values())
        print(f"{scenario.name}: {opts.draws:,} draws make a result of about {size / 1e6:,.0f} MB"
              + (" before compression" if opts.fmt == "zarr" or opts.compress else "") + f" ({out})",
              flush=True)
    began = time.perf_counter()
    try:
        path = run(scenario, options=opts)
        if opts.fmt == "zarr":
            ds = open_lazily(path, "zarr")
        else:   # read with h5py: the command line never loads xarray to run
            from ..results import Stored

            ds = Stored(path)
    except KeyboardInterrupt:
        store = Path(f"{out}.chunks")
        if not any(store.glob("chunk-*")):
            raise
        print(f"sim: interrupted; no result written. The finished chunks are kept in {store}: "
              "run the same command with --resume to go on from them", file=sys.stderr)
        return 130
    seconds = time.perf_counter() - began
    with ds:  # the summary reads only what it prints
        if not args.quiet:
            print(summary(ds, seconds))
            checks = summary_lines(ds, scenario)
            if checks:
                print("\n" + "\n".join(checks))
    print(out if args.quiet else f"result: {out}")
    return 0


def entry() -> int:
    """The ``sim`` console script and ``python -m sim``: :func:`main`, with an interrupted run
    ending in status 130. (CPython kills itself with SIGINT at exit, status -2, if the
    interrupt first surfaced inside code that an extension ran through ``PyRun_*``, even when
    sim caught it; so after an interrupt sim flushes its output and leaves at once: every
    cleanup has run by then.)"""
    code = main()
    if code == 130:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(130)
    return code


def stamp(attrs, argv) -> dict:
    """Record the command line and the time (``command``, ``created``, CF ``history``)."""
    command = "python -m sim " + " ".join(shlex.quote(a) for a in (sys.argv[1:] if argv is None else argv))
    created = datetime.now(timezone.utc).isoformat(timespec="seconds")
    attrs.update({"command": command, "created": created, "history": f"{created}: {command}"})
    return attrs


def use_files_backend() -> None:
    """Figures from the command line go to files: Agg, chosen here and nowhere on import."""
    import matplotlib  # deferred: only the commands that draw load matplotlib

    matplotlib.use("Agg")


def cmd_plot(args) -> int:
    # deferred: each command loads only the stack it uses (scipy.stats, xarray, matplotlib)
    use_files_backend()
    from ..report.plots import plot_file  # after Agg is chosen: pyplot takes its backend on import

    for path in plot_file(args.result, args.kinds or None, args.out, args.format, force=args.force,
                          references=args.references):
        print(path)
    return 0


def cmd_brief(args) -> int:
    # deferred: each command loads only the stack it uses (scipy.stats, xarray, matplotlib)
    use_files_backend()
    from ..report.brief import make_brief  # after Agg is chosen: pyplot takes its backend on import

    path = make_brief(args.scenario, draws=args.draws, seed=args.seed, out=args.out,
                      overrides=args.overrides, variant=args.variant, quiet=args.quiet, force=args.force)
    print(path)
    return 0


def cmd_discover(args, argv) -> int:
    # deferred: xarray, scipy.stats and matplotlib load only for this command
    from ..analysis import discovery
    from ..atomic import check_kind, check_writable, claimed, writing
    from ..report.plots import figure as plot_figure
    from ..results import open_result, write_netcdf

    if args.out:
        check_kind(args.out, (".nc",), "sim discover writes a netCDF result (and its figure beside it)")
    ds = open_result(args.result)
    if "draw" not in ds.dims or "method" in ds.attrs:
        raise InputError(args.result, None, "is not a result of sim run; discover reads the draws of a run")
    tag = hashlib.sha256(args.where.encode()).hexdigest()[:8]
    out = Path(args.out) if args.out else Path(args.result).with_name(f"{Path(args.result).stem}-discover-{tag}.nc")
    check_writable(out)
    picture = out.with_suffix(".png")
    began = time.perf_counter()
    result = discovery.discover_result(ds, args.where, coverage=args.coverage, alpha=args.alpha,
                                       resamples=args.resamples, seed=args.seed, file=args.result)
    result.attrs.update({"source_result": str(args.result), "source_result_sha256":
                         hashlib.sha256(Path(args.result).read_bytes()).hexdigest() if Path(args.result).is_file() else ""})
    stamp(result.attrs, argv)
    what = {"source_result": str(args.result), "where": result.attrs["where"], "coverage": args.coverage, "alpha": args.alpha,
            "resamples": args.resamples, "seed": args.seed}
    with claimed(out, what, args.force):
        use_files_backend()
        with writing(picture, what, args.force, suffix=".png") as tmp:
            plot_figure(result, "discovery").savefig(tmp, dpi=150, format="png")
        write_netcdf(result, out)
    print(result.attrs["description"])
    print(f"{result.sizes['step']} boxes on the peeling trajectory; chosen: step {result.attrs['chosen_step']} "
          f"(--coverage {args.coverage:g}); {args.resamples} resamples; {time.perf_counter() - began:.1f} s")
    print(f"result: {out}\nfigure: {picture}")
    return 0


def cmd_explore(args) -> int:
    # deferred: plotly and SALib load only for this command
    from ..report.explore import write

    path, size = write(args.results, args.out, force=args.force, year=args.year, draws=args.draws)
    print(f"{path}: {size / 1e6:.1f} MB, opens in a browser offline")
    return 0


def cmd_export(args) -> int:
    # deferred: each command loads only the stack it uses (scipy.stats, xarray, matplotlib)
    from ..report.export import write_csv
    from ..results import open_result

    ds = open_result(args.result)
    path, rows = write_csv(ds, args.csv, every_draw=args.draws, file=args.result, force=args.force)
    print(f"{path}: {rows:,} rows")
    return 0
