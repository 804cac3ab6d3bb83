"""The runner: the one package that runs the model.

Every path that runs :func:`sim.model.simulate` comes through here: :func:`run` (``sim.run``
and ``python -m sim run``), :func:`evaluate_design` (``sim sweep``), ``sim validate`` and
``sim brief``. Work is cut into chunks, of two kinds:

- :class:`DrawRange`: draws ``[start, stop)`` of an ensemble (:func:`simulate_draws`);
- :class:`DesignRows`: rows ``[start, stop)`` of a sweep's design (:func:`simulate_design`).

A chunk's result depends only on the chunk: sampling is organised in fixed stream blocks
(:mod:`sim.sampling`), so results do not depend on the chunk size, the number of local
workers or a Dask cluster. Where chunks run and where results go is :mod:`sim.execution`.

- here: the units of work and the functions that run one (:func:`simulate_draws`,
  :func:`simulate_design`, :func:`simulate_values`), the only calls of the model;
- :mod:`.runs`: :func:`run`, :func:`evaluate` and :func:`evaluate_design`, which cut the work
  into chunks and hand them to :mod:`sim.execution`;
- :mod:`.calibrated`: a calibrated run's rounds of candidates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import parameters as registry
from ..analysis import calibration
from ..execution import DEFAULT_CHUNK_DRAWS
from ..execution.files import PARAM
from ..model import simulate
from ..results import describe_result
from ..sampling import sample
from ..scenario.load import Scenario

KEPT = "kept:"   # a calibrating chunk's accepted draws' values, by key, for their full run


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
    the rounds are over, all together (their values are kept, ``kept:<key>``; :func:`sim.runner.calibrated.calibrated`).
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


def ensemble_result(scenario: Scenario, draws: int, seed: int, attrs: dict, data: dict,
                    first_draw: int = 0):
    """The result (:class:`sim.results.Result`) of arrays from :func:`simulate_draws` (of a
    chunk, or of the whole ensemble), with ``attrs`` (command line, time) added to its own."""
    samples = {k: data.get(PARAM + k) for k in scenario.parameters}
    arrays = {k: v for k, v in data.items() if not k.startswith(PARAM)}
    result = describe_result(scenario, draws, seed, arrays, samples, first_draw=first_draw)
    result.attrs.update(attrs)
    return result


# the runs, which cut their work into the units above (they import them from here)
from .calibrated import (CALIBRATION_CHUNK_DRAWS, MAX_CALIBRATED_DRAWS, PRIOR_COMPARED_DRAWS,  # noqa: E402
                         PRIOR_SUMMARY_DRAWS)
from .runs import evaluate, evaluate_design, run  # noqa: E402

__all__ = ["CALIBRATION_CHUNK_DRAWS", "DEFAULT_CHUNK_DRAWS", "DesignRows", "DrawRange", "MAX_CALIBRATED_DRAWS",
           "NonFinite", "PRIOR_COMPARED_DRAWS", "PRIOR_SUMMARY_DRAWS", "check_finite", "ensemble_result", "evaluate",
           "evaluate_design", "run", "simulate_design", "simulate_draws", "simulate_values"]
