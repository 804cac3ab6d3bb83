"""``sim validate``: run scenarios and check the model against their published figures.

The figures are read with the scenario (:mod:`sim.published`, the ``[[validation]]``
schema); this module runs the scenario through :func:`sim.runner.run` and evaluates each check.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .published import UNITS, Validation, number
from .runner import run
from .scenario import load_scenario


@dataclass(frozen=True)
class Outcome:
    """A validation's result: the model's quantiles in the published units, and pass or fail."""

    scenario: str
    variant: str | None
    validation: Validation
    median: float
    p5: float
    p95: float
    passed: bool
    problem: str = ""


def evaluate(ds, validation: Validation, scenario: str = "", variant: str | None = None) -> Outcome:
    """Check one :class:`Validation` against a result Dataset."""
    years = ds.year.values
    v = validation
    missing = [y for y in (v.year, v.relative_to) if y is not None and y not in years]
    if v.quantity not in ds or missing:
        what = f"year {missing[0]}" if missing else f"variable {v.quantity}"
        return Outcome(scenario, variant, v, math.nan, math.nan, math.nan, False,
                       f"the result has no {what}")
    values = ds[v.quantity].sel(year=v.year)
    if v.relative_to is not None:
        values = values / ds[v.quantity].sel(year=v.relative_to)
    values = np.asarray(values, dtype=float) * UNITS[v.units][1]
    p5, median, p95 = np.quantile(values, [0.05, 0.5, 0.95])
    low, high = v.low * (1 - v.tolerance), v.high * (1 + v.tolerance)
    if v.check == "median":
        passed = low <= median <= high
    elif v.check == "within":
        passed = low <= p5 and p95 <= high
    else:
        passed = p5 <= high and low <= p95
    return Outcome(scenario, variant, v, float(median), float(p5), float(p95), bool(passed))


def validate_scenario(path, draws: int | None = None, seed: int | None = None) -> list[Outcome]:
    """Run a scenario (and each variant its validations name) and evaluate its validations."""
    scenario = load_scenario(path)
    outcomes = []
    for variant in dict.fromkeys(v.variant for v in scenario.validations):
        subject = scenario if variant is None else load_scenario(path, variant=variant)
        ds = run(subject, draws=draws, seed=seed)
        for v in scenario.validations:
            if v.variant == variant:
                outcomes.append(evaluate(ds, v, scenario.name, variant))
    return outcomes


def table(outcomes: list[Outcome]) -> str:
    """The printed validation table."""
    rows = [("scenario", "quantity", "published", "model p50", "model 5-95 %", "check", "result")]
    for o in outcomes:
        name = o.scenario + (f" [{o.variant}]" if o.variant else "")
        check = o.validation.check + (f" ±{o.validation.tolerance * 100:g}%" if o.validation.tolerance else "")
        rows.append((name, o.validation.label(), o.validation.published_text(), number(o.median),
                     f"{number(o.p5)} to {number(o.p95)}", check,
                     "pass" if o.passed else ("FAIL" + (f": {o.problem}" if o.problem else ""))))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
