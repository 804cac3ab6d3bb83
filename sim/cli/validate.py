"""``sim validate``: run the scenarios that have ``[[validation]]`` tables and check the model
against the published figures (exit status 1 on a failure); with ``--prior-widths``, each
scenario's forecast with its priors scaled in width (:mod:`sim.analysis.priors`)."""

from __future__ import annotations

import sys
import time

from ..errors import InputError


def cmd_validate(args) -> int:
    # deferred: each command loads only the stack it uses (scipy.stats, xarray, matplotlib)
    from ..scenario.load import load_scenario
    from ..analysis.validation import table, validate_scenario
    from ..analysis.priors import check as check_widths
    from ..scenario import library

    paths = args.scenarios or [str(p) for p in library.scenarios()]
    if not paths:
        raise InputError("scenarios/", None, "no scenario files found; give them as arguments")
    if args.widen and not args.prior_widths:
        raise InputError("--widen", None, "scales priors for --prior-widths: give the factors too (--prior-widths 0.5 2)")
    scenarios = {path: load_scenario(path) for path in paths}   # each read once
    if args.prior_widths:   # its bad input is one line before minutes of validation runs
        for scenario in scenarios.values():
            check_widths(scenario, args.prior_widths, args.widen)
    outcomes, began = [], time.perf_counter()
    checked = [path for path in paths if scenarios[path].validations]
    for path in paths:
        if path not in checked and args.scenarios and not args.prior_widths:
            print(f"{path}: no [[validation]] tables", file=sys.stderr)
    for i, path in enumerate(checked, 1):
        def progress(what, i=i):   # minutes of runs: which one, and the time so far
            if not args.quiet:
                print(f"[{i}/{len(checked)}] {what} ({time.perf_counter() - began:.1f} s)", file=sys.stderr, flush=True)
        outcomes += validate_scenario(scenarios[path], draws=args.draws, seed=args.seed, progress=progress)
    if not outcomes and not args.prior_widths:
        raise InputError(None, None, "no [[validation]] tables in the scenarios given")
    failed = sum(not o.passed for o in outcomes)
    if outcomes:
        print(table(outcomes))
        gaps = sum(o.gap for o in outcomes)
        print(f"\n{len(outcomes) - failed - gaps} passed, {failed} failed"
              + (f", {gaps} known gap{'s' * (gaps > 1)} (the scenario says why)" if gaps else ""))
    if args.prior_widths:
        _prior_widths(args, scenarios.values())
    return 1 if failed else 0


def _prior_widths(args, scenarios) -> None:
    """``sim validate --prior-widths F ...``: each scenario's forecast with its priors scaled in
    width (:mod:`sim.analysis.priors`), after the checks."""
    # deferred: each command loads only the stack it uses (scipy.stats, xarray, matplotlib)
    from ..analysis.priors import prior_widths, table as widths_table

    for scenario in scenarios:
        print()
        rows = prior_widths(scenario, args.prior_widths, draws=args.draws, seed=args.seed, patterns=args.widen)
        print(widths_table(rows, scenario.name, args.widen) + "\n")
