"""``sim validate``: run scenarios and check the model against figures it was not fitted to.

The figures are read with the scenario (:mod:`sim.scenario.published`): its ``[[validation]]`` tables
(published figures, of kind ``reproduction`` or ``independent``) and its ``[[observation]]``
tables held out of the calibration (``use = "check"``, independent by construction); and for a
calibrated run, each observation it was calibrated to predicted from the others (leave-one-out,
from the candidates already run). This
module runs the scenario through :func:`sim.runner.run`, calibrated if the scenario
calibrates by default, and evaluates each check.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .calibration import observe
from ..parameters import var_name
from ..scenario.published import UNITS, Observation, Validation, number
from ..runner import run
from ..scenario.load import load_scenario


@dataclass(frozen=True)
class Outcome:
    """A check's result: the model's quantiles in the figure's units, and pass or fail.
    ``validation`` is the :class:`~sim.scenario.published.Validation` or held-out
    :class:`~sim.scenario.published.Observation` checked."""

    scenario: str
    variant: str | None
    validation: Validation | Observation
    median: float
    p5: float
    p95: float
    passed: bool
    problem: str = ""
    gap: bool = False   # a figure the scenario says the model misses (known_gap), missed as said
    left_out: bool = False   # an observation of the calibration, predicted from the others

    @property
    def result(self) -> str:
        if self.gap:
            return "gap"
        return "pass" if self.passed else "FAIL" + (f": {self.problem}" if self.problem else "")

    @property
    def kind(self) -> str:
        if self.left_out:
            return "leave-one-out"
        return "independent" if isinstance(self.validation, Observation) else self.validation.kind

    @property
    def check(self) -> str:
        if self.left_out:
            return "covers"
        if isinstance(self.validation, Observation):
            return "median"
        v = self.validation
        return v.check + (f" ±{v.tolerance * 100:g}%" if v.tolerance else "")


def judge(values: np.ndarray, low: float, high: float, check: str) -> tuple[float, float, float, bool]:
    """The 5th, 50th and 95th percentiles of ``values`` and whether they pass ``check`` against
    [low, high]: ``median`` (the median inside), ``within`` (5th and 95th inside) or ``covers``
    (the 90 % range overlaps)."""
    p5, median, p95 = (float(x) for x in np.quantile(values, [0.05, 0.5, 0.95]))
    if check == "median":
        passed = low <= median <= high
    elif check == "within":
        passed = low <= p5 and p95 <= high
    else:
        passed = p5 <= high and low <= p95
    return p5, median, p95, bool(passed)


def evaluate(ds, validation: Validation, scenario: str = "", variant: str | None = None) -> Outcome:
    """Check one :class:`Validation` against a result: an xarray Dataset, or a file read with
    h5py (:class:`sim.results.Stored`); its annual variables are (draw, year)."""
    years = [int(y) for y in np.asarray(ds["year"])]
    v = validation
    missing = [y for y in (v.year, v.relative_to) if y is not None and y not in years]
    if v.quantity not in ds or missing:
        what = f"year {missing[0]}" if missing else f"variable {v.quantity}"
        return Outcome(scenario, variant, v, math.nan, math.nan, math.nan, False,
                       f"the result has no {what}")
    annual = np.asarray(ds[v.quantity], dtype=float)
    values = annual[:, years.index(v.year)]
    if v.relative_to is not None:
        values = values / annual[:, years.index(v.relative_to)]
    values = values * UNITS[v.units][1]
    p5, median, p95, met = judge(values, v.low * (1 - v.tolerance), v.high * (1 + v.tolerance), v.check)
    if v.known_gap:  # missed as the scenario says, or met: then the mark is out of date
        return Outcome(scenario, variant, v, median, p5, p95, not met,
                       "the model now meets this figure: remove known_gap" if met else "", gap=not met)
    return Outcome(scenario, variant, v, median, p5, p95, met)


def evaluate_observation(ds, observation: Observation, scenario: str = "", variant: str | None = None,
                         trends=None) -> Outcome:
    """Check a held-out observation against a result (as :func:`evaluate` reads it): its median
    must lie in the observed range."""
    draws = len(np.asarray(ds["draw"]))

    def get(name):  # a result variable, or a scenario key's variable (fleet.h100_gpu_performance)
        var = np.asarray(ds[name if name in ds else var_name(name)])
        return np.broadcast_to(var, (draws,) + var.shape[1:])

    regions = [str(r) for r in np.asarray(ds["region"])] if "region" in ds else []
    scope = ds.attrs.get("scope") if regions else None
    values = observe(observation, get, [str(g) for g in np.asarray(ds["generation"])],
                     [int(y) for y in np.asarray(ds["year"])], scope, regions, trends)
    p5, median, p95, passed = judge(values, observation.low, observation.high, "median")
    if observation.known_gap:   # as a Validation's known gap
        return Outcome(scenario, variant, observation, median, p5, p95, not passed,
                       "the model now meets this figure: remove known_gap" if passed else "", gap=not passed)
    return Outcome(scenario, variant, observation, median, p5, p95, passed)


def validate_scenario(scenario, draws: int | None = None, seed: int | None = None, progress=None) -> list[Outcome]:
    """Run a scenario (a file, or one loaded) and each variant its validations name, and evaluate
    its validations and held-out observations; ``progress(what)`` is told of each run as it starts."""
    if not hasattr(scenario, "parameters"):
        scenario = load_scenario(scenario)
    checks = [o for o in scenario.observations if o.use == "check"]
    outcomes = []
    progress = progress or (lambda what: None)
    for variant in dict.fromkeys([v.variant for v in scenario.validations] + ([None] if checks else [])):
        subject = scenario if variant is None else load_scenario(scenario.path, variant=variant)
        progress(f"{scenario.name}" + (f", variant {variant}" if variant else "")
                 + (", calibrated" if subject.calibrate else ""))
        ds = run(subject, draws=draws, seed=seed)
        # a regional scenario's world figures of some generations: the world run of the same draws
        world, figures = None, world_figures(subject)
        if variant is None and figures:
            progress(f"{scenario.name}: the world of the same draws, for {len(figures)} figures held out")
            world = run(subject.replace(scope="world"), draws=draws, seed=seed)
        outcomes += result_checks(ds, subject, scenario.name, world)
    return outcomes


def needs_world(scenario, observation: Observation) -> bool:
    """A held-out figure of some generations of a wider scope than a regional scenario's: the
    result by generation is the region's, so only a world run of the same draws can check it."""
    return observation.scope != scenario.scope and bool(observation.generations)


def world_figures(scenario) -> list[Observation]:
    """The held-out figures of ``scenario`` that only a world run of its draws can check
    (:func:`needs_world`)."""
    return [o for o in scenario.observations if o.use == "check" and needs_world(scenario, o)]


def result_checks(ds, scenario, name: str = "", world=None, held_out: bool | None = None) -> list[Outcome]:
    """Every check a result of ``scenario`` (its variant, as run) answers: its validations of
    that variant; its held-out observations (by default only with no variant, as ``sim
    validate`` checks them once; those that need a world run only with ``world``) and,
    calibrated, each calibration observation predicted from the others. What ``sim validate``
    prints and the brief's checks page shows (``held_out=True``: whatever the variant)."""
    variant = scenario.variant
    name = name or scenario.name
    outcomes = [evaluate(ds, v, name, variant) for v in scenario.validations if v.variant == variant]
    if held_out is None:
        held_out = variant is None
    if held_out:
        outcomes += [evaluate_observation(world if needs_world(scenario, o) else ds, o, name,
                                          trends=scenario.trend_bases)
                     for o in scenario.observations
                     if o.use == "check" and (world is not None or not needs_world(scenario, o))]
        outcomes += left_out(ds, scenario, name)
    return outcomes


def left_out(ds, scenario, name: str) -> list[Outcome]:
    """Leave-one-out checks of a calibrated result: each observation it was calibrated to,
    predicted from the others (the candidates that match every other observation, 5-95 %), must
    overlap its observed range; a miss means the observations disagree under the model."""
    if "loo_prediction" not in ds:
        return []
    by_name = {o.name: o for o in scenario.observations}
    out = []
    for j, label in enumerate(np.asarray(ds["observation"])):
        p5, median, p95 = (float(x) for x in np.asarray(ds["loo_prediction"])[:, j])
        covered = bool(np.asarray(ds["loo_covered"])[j])
        out.append(Outcome(name, None, by_name[str(label)], median, p5, p95, covered,
                           "" if covered else "the other observations predict another range", left_out=True))
    return out


def table(outcomes: list[Outcome]) -> str:
    """The printed validation table."""
    rows = [("scenario", "kind", "figure", "published", "model p50", "model 5-95 %", "check", "result")]
    for o in outcomes:
        name = o.scenario + (f" [{o.variant}]" if o.variant else "")
        rows.append((name, o.kind, o.validation.label(), o.validation.published_text(), number(o.median),
                     f"{number(o.p5)} to {number(o.p95)}", o.check, o.result))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines += [f"gap: {o.scenario} {o.validation.label()}: {o.validation.known_gap}" for o in outcomes if o.gap]
    return "\n".join(lines)
