"""The command line's grammar: every command, option and help text (argparse), with a usage
error as one line."""

from __future__ import annotations

import argparse
import re
import sys

from .. import __version__
from ..errors import suggest


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
    run.add_argument("--out", metavar="PATH", help="result file (default: outputs/<scenario>/<scenario>-seed<seed>.nc)")
    run.add_argument("--rebound", action="store_true", default=None,
                     help="demand mode: also run every draw without the Jevons response and "
                          "report the rebound (default: the scenario's demand.decompose_rebound)")
    run.add_argument("--calibrate", action=argparse.BooleanOptionalAction, default=None,
                     help="keep only the draws consistent with every [[observation]] of the scenario "
                          "(history matching; --draws counts accepted draws); --no-calibrate shows the prior "
                          "(default: the scenario's calibration.default)")
    run.add_argument("--max-candidates", type=int, default=None, metavar="N",
                     help="calibration: the most candidate draws to try (default: the scenario's, "
                          "or 1,000 per accepted draw)")
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
                       help="draws per chunk (default 5,000; 20,000 with --format zarr; calibrated: candidate "
                            "draws per chunk, keep it in the thousands): speed, memory and resume only "
                            "(--batch-draws is its old name)")
    run.add_argument("--compress", action="store_true",
                     help="zlib-compress the netCDF file: about a third smaller, several times slower to write")

    sub.add_parser("list", help="the scenario library: name, title and question of each scenario")

    check = sub.add_parser("check", help="check a scenario file without running it")
    scenario_args(check)
    check.add_argument("--sources", action="store_true",
                       help="print where each value comes from: its source key, the comment the file gives it, "
                            "or sim's default")

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
                            "rebound_share[:YEAR]; one region's or accelerator family's electricity: energy:2030@US, "
                            "energy:2030@AMD")
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
                       help="result file (default: outputs/<scenario>/<scenario>-<method>-seed<seed>.nc)")
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
                          help="the outcome of interest, VARIABLE[:YEAR][@PART] OP THRESHOLD, e.g. \"energy:2030 > p80\" "
                               "(a percentile), \"energy:2030 >= 900\" (in the variable's units) or "
                               "\"energy:2030@US > p80\" (a region's or family's part)")
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
    export.add_argument("--csv", "--out", dest="csv", required=True, metavar="PATH",
                        help="CSV file to write (also --out, as the other commands name their output)")
    export.add_argument("--draws", action="store_true", help="every draw instead of quantiles")
    export.add_argument("--force", action="store_true", help="replace a CSV sim wrote from another result")

    explore = sub.add_parser("explore", help="write a web page to read a result and move its assumptions")
    explore.add_argument("results", metavar="RESULT.nc|SCENARIO", nargs="+",
                         help="one or more results of sim run, or scenarios (names or .toml files) to run first")
    explore.add_argument("--out", metavar="PATH",
                         help="HTML file to write, self-contained (default: outputs/<first>/<first>-explore.html)")
    explore.add_argument("--draws", type=int, metavar="N", help="draws of a scenario run first (default: its own)")
    explore.add_argument("--year", type=int, help="the year whose drivers the sliders follow (default 2030)")
    explore.add_argument("--force", action="store_true", help="replace a page sim wrote from other results")

    plot = sub.add_parser("plot", help="draw a result's figures (fan, generations, context, tornado, ...)")
    plot.add_argument("result", metavar="RESULT.nc")
    plot.add_argument("--kind", dest="kinds", action="append", default=[], metavar="KIND",
                      help="fan, generations, regions, workload, rebound, context, tornado, sobol, heatmap "
                           "(repeatable; default: all the file can give)")
    plot.add_argument("--out", metavar="DIR", help="folder for the figures (default: the result's), or the file "
                      "of one figure (fan.png)")
    plot.add_argument("--format", default=None, help="png, svg or pdf (default: --out's suffix, else png)")
    plot.add_argument("--force", action="store_true", help="replace figures sim drew from another result")
    plot.add_argument("--references", default=None, metavar="same|all",
                      help="the fan chart's published figures: same (default: those that count AI servers or "
                           "AI data centers) or all (all data centers' too, a ceiling)")

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
    validate.add_argument("--prior-widths", type=float, nargs="+", metavar="F", default=None,
                          help="also run each scenario with its uncertain priors scaled in width by each "
                          "factor (e.g. 0.5 2) and show how far the forecast moves: does its range follow "
                          "the priors or the observations?")
    validate.add_argument("--widen", nargs="+", metavar="PATTERN", default=None,
                          help="with --prior-widths: scale only the priors whose keys match (globs, e.g. 'demand.*')")
    validate.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    return parser
