"""Command line: ``python -m sim run|check``. Parsing, exit codes and printing; no modelling.

Exit status: 0 on success, 2 for bad input (one line on stderr, no traceback, no result
file), 1 for a failed validation (later commands).
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from . import __version__
from . import parameters as registry
from .errors import InputError, suggest

QUANTILES = (0.05, 0.5, 0.95)
LARGE_RUN = 20_000   # draws from which `sim run` first says how large the result will be


class OneLineParser(argparse.ArgumentParser):
    """argparse, with a usage error as one line (and a suggestion for a near-miss choice)."""

    def error(self, message):
        match = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
        if match:
            choices = [c.strip().strip("'") for c in match.group(2).split(",")]
            message = message[:match.start()] + f"invalid choice '{match.group(1)}'" + suggest(match.group(1), choices)
        print(f"{self.prog}: error: {message} (see {self.prog} --help)", file=sys.stderr)
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="sim", description="Monte Carlo simulation of the "
                           "electricity used by AI servers.")
    parser.add_argument("--version", action="version", version=f"sim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def scenario_args(p):
        p.add_argument("scenario", metavar="SCENARIO", help="scenario file, or the name of one in the library "
                       "(sim list)")
        p.add_argument("--variant", metavar="NAME", help="apply one of the scenario's [variants.NAME]")
        p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                       help="override a scenario value, e.g. --set fleet.pue=1.3 or "
                            "--set 'fleet.pue={dist=\"uniform\", low=1.1, high=1.4}' (repeatable)")

    run = sub.add_parser("run", help="run a scenario's Monte Carlo ensemble and write the result")
    scenario_args(run)
    run.add_argument("--draws", type=int, metavar="N", help="number of draws (default: the scenario's)")
    run.add_argument("--seed", type=int, metavar="S", help="random seed (default: the scenario's)")
    run.add_argument("--out", metavar="PATH", help="result file (default: outputs/<scenario>/<scenario>-<seed>.nc)")
    run.add_argument("--rebound", action="store_true", default=None,
                     help="demand mode: also run every draw without the Jevons response and "
                          "report the rebound (default: the scenario's demand.decompose_rebound)")
    run.add_argument("--calibrate", action=argparse.BooleanOptionalAction, default=None,
                     help="keep only the draws consistent with every [[observation]] of the scenario "
                          "(history matching; --draws counts accepted draws); --no-calibrate shows the prior "
                          "(default: the scenario's calibration.default)")
    run.add_argument("--max-candidates", type=int, default=None, metavar="N",
                     help="calibration: the most candidate draws to try (default: the scenario's, "
                          "or 100 per accepted draw)")
    run.add_argument("--quiet", action="store_true", help="print only the result path")
    run.add_argument("--force", action="store_true",
                     help="replace an existing result file even if it holds a different result")
    scale = run.add_argument_group("scale-out (results are bit-identical however the work is run)")
    scale.add_argument("--workers", type=int, default=1, metavar="N", help="local worker processes (default 1)")
    scale.add_argument("--scheduler", metavar="ADDRESS",
                       help="a running Dask scheduler, e.g. tcp://127.0.0.1:8786 (pip install -e \".[distributed]\")")
    scale.add_argument("--resume", action="store_true",
                       help="go on from the chunks an interrupted run of the same command left behind")
    scale.add_argument("--format", choices=("netcdf", "zarr"), default=None,
                       help="netcdf (default; uncompressed unless --compress) or zarr (compressed; "
                            "for the largest results; the default for an --out ending in .zarr)")
    scale.add_argument("--chunk-draws", "--batch-draws", type=int, default=None, metavar="N",
                       help="draws per chunk (default 5,000; 20,000 with --format zarr): speed, memory and "
                            "resume only (--batch-draws is its old name)")
    run.add_argument("--compress", action="store_true",
                     help="zlib-compress the netCDF file: about a third smaller, several times slower to write")

    sub.add_parser("list", help="the scenario library: name, title and question of each scenario")

    check = sub.add_parser("check", help="check a scenario file without running it")
    scenario_args(check)

    sweep = sub.add_parser("sweep", help="sensitivity analysis: oat, grid, sobol or morris on a scenario; "
                           "pawn, delta or rbd_fast on the draws of a result")
    scenario_args(sweep)
    sweep.add_argument("--method", required=True, choices=("oat", "grid", "sobol", "morris", "pawn", "delta", "rbd_fast"),
                       help="oat, grid, sobol, morris: run the model on a design (give a SCENARIO); pawn, delta, "
                            "rbd_fast: indices from an existing result's draws, no model runs (give RESULT.nc)")
    sweep.add_argument("--group", dest="groups", action="append", default=[], metavar="NAME=PATTERN[,PATTERN]",
                       help="sobol, morris: treat the keys matching the patterns as one factor, e.g. "
                            "--group 'power_additions=power.additions.*' (repeatable)")
    sweep.add_argument("--optimal", type=int, default=None, metavar="K",
                       help="morris: keep the K most spread of the --samples trajectories (SALib's optimised trajectories)")
    sweep.add_argument("--metric", default=None,
                       help="energy[:YEAR] (default: last key year), cumulative:Y1-Y2, peak_power, "
                            "rebound_share[:YEAR]")
    sweep.add_argument("--param", dest="params", action="append", default=[], metavar="KEY[=LOW:HIGH:N]",
                       help="grid: section.key=LOW:HIGH:N (one to three); others: a parameter to "
                            "analyse (default: all uncertain ones)")
    sweep.add_argument("--samples", type=int, default=None, metavar="N",
                       help="sobol: base sample, a power of 2 (default 1024); morris: trajectories (default 50)")
    sweep.add_argument("--draws", type=int, default=None, metavar="N", help="grid: Monte Carlo draws per point")
    sweep.add_argument("--seed", type=int, default=None, metavar="S")
    sweep.add_argument("--quantiles", type=float, nargs=2, default=(0.05, 0.95), metavar=("LOW", "HIGH"),
                       help="oat: the quantiles each parameter moves between (default 0.05 0.95)")
    sweep.add_argument("--levels", type=int, default=4, help="morris: grid levels (default 4)")
    sweep.add_argument("--years", nargs="+", default=None, metavar="YEAR",
                       help="evaluate an annual metric per year: 'all' or a list")
    sweep.add_argument("--out", metavar="PATH",
                       help="result file (default: outputs/<scenario>/<scenario>-<method>-<seed>.nc)")
    sweep.add_argument("--force", action="store_true", help="replace an existing file that holds a different sweep")
    sweep.add_argument("--workers", type=int, default=1, metavar="N", help="local worker processes (default 1)")
    sweep.add_argument("--scheduler", metavar="ADDRESS", help="a running Dask scheduler")
    sweep.add_argument("--resume", action="store_true",
                       help="keep the chunks an interrupted run of the same sweep left behind")
    sweep.add_argument("--quiet", action="store_true", help="no progress bar")
    sweep.add_argument("--chunk-draws", type=int, default=None, metavar="N",
                       help="model runs per chunk (default 5,000): granularity of work and resume only")

    discover = sub.add_parser("discover", help="scenario discovery (PRIM): which input ranges lead to an outcome")
    discover.add_argument("result", metavar="RESULT.nc", help="a result of sim run (its sampled inputs and outcomes)")
    discover.add_argument("--where", required=True, metavar="CONDITION",
                          help="the outcome of interest, VARIABLE[:YEAR] OP THRESHOLD, e.g. \"energy:2030 > p80\" "
                               "(a percentile) or \"energy:2030 >= 900\" (in the variable's units)")
    discover.add_argument("--coverage", type=float, default=0.5,
                          help="choose the densest box that still holds this share of the cases (default 0.5)")
    discover.add_argument("--alpha", type=float, default=0.05, help="share of the box peeled a step (default 0.05)")
    discover.add_argument("--resamples", type=int, default=30,
                          help="bootstrap resamples that test each restriction's stability (default 30; 0: none)")
    discover.add_argument("--seed", type=int, default=0, help="seed of the resamples (default 0)")
    discover.add_argument("--out", metavar="PATH",
                          help="result file (default: beside RESULT, <result>-discover-<hash>.nc; the figure beside it as .png)")
    discover.add_argument("--force", action="store_true", help="replace an existing discovery file")

    export = sub.add_parser("export", help="write a result's quantiles (or every draw) as CSV")
    export.add_argument("result", metavar="RESULT.nc")
    export.add_argument("--csv", required=True, metavar="PATH", help="CSV file to write")
    export.add_argument("--draws", action="store_true", help="every draw instead of quantiles")
    export.add_argument("--force", action="store_true", help="replace a CSV sim wrote from another result")

    plot = sub.add_parser("plot", help="draw a result's figures (fan, generations, context, tornado, ...)")
    plot.add_argument("result", metavar="RESULT.nc")
    plot.add_argument("--kind", dest="kinds", action="append", default=[], metavar="KIND",
                      help="fan, generations, workload, rebound, context, tornado, sobol, heatmap "
                           "(repeatable; default: all the file can give)")
    plot.add_argument("--out", metavar="DIR", help="folder for the figures (default: the result's)")
    plot.add_argument("--format", default="png", help="png, svg or pdf (default png)")
    plot.add_argument("--force", action="store_true", help="replace figures sim drew from another result")

    brief = sub.add_parser("brief", help="run a scenario and an OAT sweep, and write a PDF brief")
    scenario_args(brief)
    brief.add_argument("--draws", type=int, metavar="N", default=None)
    brief.add_argument("--seed", type=int, metavar="S", default=None)
    brief.add_argument("--out", metavar="PATH", help="PDF file (default: outputs/<scenario>/<scenario>-brief.pdf)")
    brief.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    brief.add_argument("--force", action="store_true", help="replace a brief sim wrote with other settings")

    validate = sub.add_parser("validate", help="run scenarios with [[validation]] tables and check "
                              "the model against the published figures (exit 1 on a failure)")
    validate.add_argument("scenarios", nargs="*", metavar="SCENARIO.toml",
                          help="scenario files or names (default: every scenario of the library with checks)")
    validate.add_argument("--draws", type=int, metavar="N", default=None,
                          help="draws per scenario (default: each scenario's)")
    validate.add_argument("--seed", type=int, metavar="S", default=None)
    return parser


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
    from . import library

    for path in library.scenarios():
        name, title, description = library.describe(path)
        print(f"{name}: {title}")
        if description:
            print(f"    {description}")
    print(f"({library.FOLDER}; run one by name: sim run NAME)")
    return 0


def cmd_check(args) -> int:
    # deferred: each command loads only the stack it uses (scipy.stats, xarray, matplotlib)
    from .scenario import load_scenario

    scenario = load_scenario(args.scenario, args.overrides, args.variant)
    for name in scenario.variants:  # every variant must load, not only the one asked for
        load_scenario(args.scenario, args.overrides, name)
    print(f"{scenario.path}: ok: scenario '{scenario.name}', {scenario.start_year} to "
          f"{scenario.end_year}, {len(scenario.generations)} generations, "
          f"{len(scenario.uncertain)} uncertain of {len(scenario.parameters)} parameters")
    width = max(len(k) for k in scenario.parameters)
    for key, dist in scenario.parameters.items():
        print(f"  {key:<{width}}  {dist.describe():<44} {registry.spec(key).units}")
    if scenario.correlations:
        print("rank correlations: " + "; ".join(f"{x} ~ {y}: {r:g}" for x, y, r in scenario.correlations))
    unsourced = [k for k, d in scenario.parameters.items() if "source" not in d.annotations]
    if unsourced:
        print(f"{len(unsourced)} parameters carry no source key (a comment is not read): "
              + ", ".join(unsourced))
    if scenario.variants:
        print("variants: " + ", ".join(scenario.variants))
    if scenario.validations:
        print(f"{len(scenario.validations)} published figures to validate against")
    return 0


def cmd_sweep(args) -> int:
    # deferred: each command loads only the stack it uses (scipy.stats, xarray, matplotlib)
    from .atomic import claimed
    from .options import RunOptions
    from .results import default_path, identity, write_netcdf
    from .scenario import resolve
    from .sensitivity import ranking, sweep

    from .sensitivity import GIVEN_DATA

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
    print(f"{a['scenario']}: {args.method} sensitivity of {a['metric']} ({a['metric_units']}), "
          f"{a['evaluations']:,} model runs in {seconds:.1f} s")
    if args.method == "grid":
        print(ds.metric_median.to_dataframe().to_string() if ds.metric_median.ndim <= 2 else
              f"median {a['metric']} over the grid: {float(ds.metric_median.min()):.4g} to "
              f"{float(ds.metric_median.max()):.4g}")
    else:
        print_ranking(ranking(ds), f" (ranked for {int(ds.year[-1])})" if "year" in ds.dims else "")
    if a.get("warnings"):
        for line in a["warnings"].split("\n"):
            print(f"warning: {line}")
    print(f"result: {path}")
    return 0


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
    import hashlib

    from .atomic import claimed
    from .results import open_result, write_netcdf
    from .sensitivity import GIVEN_DATA, from_result, ranking

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
    print(f"result: {out}")
    return 0


def cmd_validate(args) -> int:
    # deferred: each command loads only the stack it uses (scipy.stats, xarray, matplotlib)
    from .scenario import load_scenario
    from .validation import table, validate_scenario

    from . import library

    paths = args.scenarios or [str(p) for p in library.scenarios()]
    if not paths:
        raise InputError("scenarios/", None, "no scenario files found; give them as arguments")
    outcomes = []
    for path in paths:
        if not load_scenario(path).validations:
            if args.scenarios:
                print(f"{path}: no [[validation]] tables", file=sys.stderr)
            continue
        outcomes += validate_scenario(path, draws=args.draws, seed=args.seed)
    if not outcomes:
        raise InputError(None, None, "no [[validation]] tables in the scenarios given")
    print(table(outcomes))
    failed = sum(not o.passed for o in outcomes)
    gaps = sum(o.gap for o in outcomes)
    print(f"\n{len(outcomes) - failed - gaps} passed, {failed} failed"
          + (f", {gaps} known gap{'s' * (gaps > 1)} (the scenario says why)" if gaps else ""))
    return 1 if failed else 0


def cmd_run(args, argv) -> int:
    # deferred: each command loads only the stack it uses (scipy.stats, xarray, matplotlib)
    from .options import RunOptions
    from .runner import default_out, result_bytes, run
    from .scenario import resolve

    scenario = resolve(args.scenario, args.overrides, args.variant)
    seed = scenario.seed if args.seed is None else args.seed
    out = args.out or default_out(scenario, seed, args.format or "netcdf", args.calibrate)
    opts = RunOptions(draws=args.draws, seed=args.seed, rebound=args.rebound, calibrate=args.calibrate,
                      max_candidates=args.max_candidates, chunk_draws=args.chunk_draws, workers=args.workers,
                      scheduler=args.scheduler, out=out, fmt=args.format, compress=args.compress,
                      resume=args.resume, force=args.force, quiet=args.quiet, attrs=stamp({}, argv),
                      reopen=False).resolved(scenario)
    if not args.quiet and opts.draws >= LARGE_RUN:  # say how large before the disk fills
        size = result_bytes(scenario, opts.draws, opts.seed, opts.rebound)
        print(f"{scenario.name}: {opts.draws:,} draws make a result of about {size / 1e6:,.0f} MB"
              + (" before compression" if opts.fmt == "zarr" or opts.compress else "") + f" ({out})",
              flush=True)
    began = time.perf_counter()
    try:
        path = run(scenario, options=opts)
        if opts.fmt == "zarr":
            from .runner import open_lazily

            ds = open_lazily(path, "zarr")
        else:   # read with h5py: the command line never loads xarray to run
            from .results import Stored

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
    import matplotlib

    matplotlib.use("Agg")


def cmd_plot(args) -> int:
    # deferred: each command loads only the stack it uses (scipy.stats, xarray, matplotlib)
    use_files_backend()
    from .plots import plot_file

    for path in plot_file(args.result, args.kinds or None, args.out, args.format, force=args.force):
        print(path)
    return 0


def cmd_brief(args) -> int:
    # deferred: each command loads only the stack it uses (scipy.stats, xarray, matplotlib)
    use_files_backend()
    from .brief import make_brief

    path = make_brief(args.scenario, draws=args.draws, seed=args.seed, out=args.out,
                      overrides=args.overrides, variant=args.variant, quiet=args.quiet, force=args.force)
    print(path)
    return 0


def cmd_discover(args, argv) -> int:
    # deferred: xarray, scipy.stats and matplotlib load only for this command
    import hashlib

    from . import discovery
    from .atomic import check_writable, claimed, writing
    from .results import open_result, write_netcdf

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
            discovery.figure(result).savefig(tmp, dpi=150, format="png")
        write_netcdf(result, out)
    print(result.attrs["description"])
    print(f"{result.sizes['step']} boxes on the peeling trajectory; chosen: step {result.attrs['chosen_step']} "
          f"(--coverage {args.coverage:g}); {args.resamples} resamples; {time.perf_counter() - began:.1f} s")
    print(f"result: {out}\nfigure: {picture}")
    return 0


def cmd_export(args) -> int:
    # deferred: each command loads only the stack it uses (scipy.stats, xarray, matplotlib)
    from .export import write_csv
    from .results import open_result

    ds = open_result(args.result)
    path, rows = write_csv(ds, args.csv, every_draw=args.draws, file=args.result, force=args.force)
    print(f"{path}: {rows:,} rows")
    return 0


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
            rows.append(f"  {key}: {prior[0, j]:.4g} to {prior[2, j]:.4g} -> {post[0, j]:.4g} to {post[2, j]:.4g}")
    return (["what the observations taught (5-95 %, prior -> calibrated):"] + rows) if rows else []


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
        lines.append(f"{year:>6}  {e[0, j]:7.1f} {e[1, j]:7.1f} {e[2, j]:7.1f}  {gw[j]:11.2f}  {servers[j]:19,.0f}")
    if "electricity_share" in ds:
        where = "US" if a.get("scope") == "US" else "world"
        share = quantiles(annual("electricity_share"))
        lines.append(f"share of {where} electricity (p50, 5-95 %): " + "; ".join(
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
