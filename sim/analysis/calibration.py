"""History matching: keep the draws whose simulated past reproduces every observation.

A calibrated run draws *candidates* from the scenario's priors, runs each through the model,
and keeps those whose simulated quantities fall inside every ``[[observation]]`` range with
``use = "calibrate"`` (:mod:`sim.scenario.published`); the rest are rejected. ``draws = N`` means N
accepted draws: the runner evaluates further candidates until it has them
(:func:`sim.runner.run`). Candidates are draws of an ensemble whose stream blocks are all
full, so candidate ``i``'s values depend only on the seed and ``i``: the accepted set is the
same for any chunking, any number of workers, a Dask cluster or a resumed run.

This is rejection sampling from the prior restricted to the observed ranges (history
matching with an implausibility cut-off of "outside the range"): what the observations teach
shows in the accepted draws' parameters (:func:`parameter_quantiles`, prior against posterior).
"""

from __future__ import annotations

import numpy as np

from .. import parameters as registry
from .. import sampling
from ..errors import TooFewMatches
from ..model.kernels import sum_rows
from ..scenario.published import Observation, figure_text

QUANTILES = (0.05, 0.5, 0.95)
MIN_DRAWS_FOR_WIDTH = 30
# the candidates a calibration may try per accepted draw: the world fleet, with NVIDIA's revenue
# among its observations, accepts about one candidate in 120 to 1,000
CANDIDATES_PER_DRAW = 1_000   # fewer matching draws give no width (their 5-95 % would be noise)


def per_server(get, generation: str, what: str, trends=None):
    """A generation's per-server figure (``power_kw``, ``performance``, ``gpus_per_server``,
    ``price_kusd``) for every draw: its parameter, or for a trend's row its base's (the trend's
    generations keep its GPUs per server and price; a figure counted at their power or
    performance is observed only before they launch, when the row is zero:
    :func:`sim.scenario.published.parse_observations`)."""
    if trends and generation in trends:
        generation = trends[generation][0]
    return get(f"generation.{generation}.{what}")


def observe(observation: Observation, get, generations, years, scope: str | None = None,
            regions=(), trends=None) -> np.ndarray:
    """The simulated value of an observed quantity for every draw, in the figure's units.

    Parameters
    ----------
    get : callable
        ``get(name)`` → a draw-first array of a model output (``energy``,
        ``installed_by_generation``, ...) or of a parameter's values (``fleet.pue``).
    generations : list of str
        The catalogue's names, in the order of the ``generation`` axis.
    years : list of int
    scope : str, optional
        The scope of the run ``get`` reads (``None``: the figure's own); a figure of another scope
        is read from the results by region, ``regions`` naming their order (the world: their sum).
    """
    o, index = observation, list(years).index(observation.year)
    if scope is not None and o.scope != scope:
        by_region = np.asarray(get(f"{o.quantity}_by_region"))[:, index]       # (n, R)
        value = (sum_rows(by_region.T) if o.scope == "world" else by_region[:, list(regions).index(o.scope)])
    elif not o.generations:
        value = get(o.quantity)[:, index]
    else:
        # the registry says which output counts it by generation, what it counts per server there,
        # in what unit, and the units it converts between (registry.count_factor)
        columns = [list(generations).index(g) for g in o.generations]
        output = registry.OUTPUTS[o.quantity]
        by_generation = get(output.by_generation)[:, index, columns]   # (n, k)
        n = len(by_generation)
        weight = np.full_like(by_generation, registry.count_factor(o.quantity))
        for what in output.per_server:
            weight *= np.column_stack([np.broadcast_to(per_server(get, g, what, trends), (n,)) for g in o.generations])
        if output.divided_by:
            weight /= np.broadcast_to(get(output.divided_by), (n,))[:, None]
        value = (by_generation * weight).sum(axis=1)
    return np.asarray(value, dtype=float) * o.factor


def horizon_months(observations, scenario) -> int | None:
    """The months a candidate must run for every observation to be simulated: to the end of the
    last observed year (annual outputs are complete at its December), or ``None`` when an
    observation needs the whole run (an output the registry marks ``whole_run``)."""
    if not observations or any(registry.OUTPUTS[o.quantity].whole_run for o in observations):
        return None
    last = max(o.year for o in observations)
    return min(12 * (last - scenario.start_year + 1), scenario.n_months)


def candidate_outputs(observations, scope) -> frozenset | None:
    """The results a candidate's observations read (:func:`observe`) when they are all results by
    generation, which a run makes without the fleet's measures (the candidates then run only
    those: :func:`sim.model.measures_needed`); ``None`` (every result) when some observation
    reads another (a total, a region's)."""
    reads = set()
    for o in observations:
        if scope is not None and o.scope != scope or not o.generations:
            return None
        reads.add(registry.OUTPUTS[o.quantity].by_generation)
    return frozenset(reads) or None


def candidate_scenario(scenario, observations):
    """The scenario the candidates of a calibration run: itself, or for a regional scenario
    calibrated to world figures of some generations, its world (the same draws, results of the
    world; the accepted draws then run as the scenario, reporting its region)."""
    if scenario.view is not None and any(o.scope == "world" and o.generations for o in observations):
        return scenario.replace(scope="world")
    return scenario


def match(observations, get, generations, years, scope=None, regions=(), trends=None) -> tuple[np.ndarray, np.ndarray]:
    """Simulated values (n, k) of the observations and whether each draw lies in each range (n, k)."""
    observed = np.column_stack([observe(o, get, generations, years, scope, regions, trends) for o in observations])
    low = np.array([o.low for o in observations])
    high = np.array([o.high for o in observations])
    return observed, (observed >= low) & (observed <= high)


def parameter_quantiles(values: np.ndarray) -> np.ndarray:
    """The 5th, 50th and 95th percentiles of each column of ``values`` (n, p): shape (3, p)."""
    if len(values) == 0:
        return np.full((len(QUANTILES), values.shape[1]), np.nan)
    return np.quantile(values, QUANTILES, axis=0)


def too_few(scenario, observations, accepted: int, wanted: int, observed: np.ndarray, passes: np.ndarray,
            values: np.ndarray, names) -> TooFewMatches:
    """The one-line error when too few candidates match: the observation that rejects most,
    and the uncertain parameters that move its simulated value most (Spearman's rank
    correlation over the candidates)."""
    rejected = (~passes).sum(axis=0)
    worst = int(np.argmax(rejected))
    o = observations[worst]
    movers = []
    if values.shape[1] and np.ptp(observed[:, worst]) > 0:
        from scipy import stats  # deferred: only a failed calibration needs it (0.5 s)

        rho = np.array([0.0 if np.ptp(values[:, j]) == 0 else stats.spearmanr(values[:, j], observed[:, worst])[0]
                        for j in range(values.shape[1])])
        movers = [names[j] for j in np.argsort(-np.abs(rho))[:2] if abs(rho[j]) > 0.05]
    hint = f"widen {' or '.join(movers)}, or the observed range" if movers else "widen the priors or the observed range"
    p5, p95 = np.quantile(observed[:, worst], [0.05, 0.95])
    return TooFewMatches(
        scenario.path, f"observation {o.name!r}",
        f"{accepted:,} of {len(observed):,} candidate draws match every observation, {wanted:,} wanted; "
        f"{o.name} ({figure_text(o.low, o.high, o.units)}) rejects {rejected[worst]:,}, the model gives "
        f"{figure_text(p5, p95, o.units)} (5-95 %): {hint}; or raise calibration.max_candidates")


def annotate(result, scenario, observations, candidates: np.ndarray, observed: np.ndarray, passes: np.ndarray,
             values: np.ndarray, space: int):
    """Record a calibration in its result (a :class:`sim.results.Result`, returned): each
    draw's candidate number and simulated observations, the observations and how many
    candidates each rejected, and the prior and posterior 5/50/95 % of every uncertain
    parameter (what the data taught).

    ``observed``, ``passes`` and ``values`` cover every candidate considered: those up to the
    last one kept, accepted or not.
    """
    names = scenario.uncertain
    considered, draws = len(passes), len(candidates)
    add = result.add
    add("candidate", ("draw",), candidates.astype(np.int64),
        {"long_name": "the draw's number among the calibration's candidates"}, coord=True)
    add("observation", ("observation",), np.array([o.name for o in observations], dtype=object),
        {"long_name": "observed figure the draws are calibrated to"}, coord=True)
    add("observation_units", ("observation",), np.array([o.units for o in observations], dtype=object),
        {"long_name": "units of the observed figure"}, coord=True)
    add("observation_year", ("observation",), np.array([o.year for o in observations], dtype=np.int64),
        {"long_name": "calendar year of the observed figure", "units": "1"}, coord=True)
    add("quantile", ("quantile",), np.array(QUANTILES), {"long_name": "quantile over the draws", "units": "1"},
        coord=True)
    add("parameter", ("parameter",), np.array(names, dtype=object), {"long_name": "uncertain parameter"}, coord=True)
    add("observed", ("draw", "observation"), observed[candidates],
        {"long_name": "the draw's simulated value of each observed figure, in its units (observation_units)",
         "units": "1"})
    add("observation_low", ("observation",), np.array([o.low for o in observations]),
        {"long_name": "low end of the observed range (tolerance included)", "units": "1"})
    add("observation_high", ("observation",), np.array([o.high for o in observations]),
        {"long_name": "high end of the observed range (tolerance included)", "units": "1"})
    add("rejected_by_observation", ("observation",), (~passes).sum(axis=0).astype(np.int64),
        {"long_name": "candidate draws outside the observed range", "units": "1"})
    add("prior_quantiles", ("quantile", "parameter"), parameter_quantiles(values),
        {"long_name": "quantiles of each uncertain parameter over every candidate considered", "units": "1"})
    add("posterior_quantiles", ("quantile", "parameter"), parameter_quantiles(values[candidates]),
        {"long_name": "quantiles of each uncertain parameter over the accepted draws", "units": "1"})
    prediction, consistent = leave_one_out(observed, passes)
    add("loo_prediction", ("quantile", "observation"), prediction,
        {"long_name": "leave-one-out: quantiles of each observed figure's simulated value over the candidates "
                      "that match every other observation (in its units)", "units": "1"})
    add("loo_consistent", ("observation",), consistent,
        {"long_name": "leave-one-out: share of the candidates matching every other observation that match this "
                      "one too (1: the others already imply it; near 0: it is what narrows the draws)", "units": "1"})
    covered = (prediction[0] <= np.array([o.high for o in observations])) & \
        (prediction[-1] >= np.array([o.low for o in observations]))
    add("loo_covered", ("observation",), covered.astype(np.int8),
        {"long_name": "leave-one-out: 1 where the 5-95 % prediction from the other observations overlaps the "
                      "observed range", "units": "1"})
    result.attrs.update({"calibrated": 1, "candidates": int(considered), "rejected_draws": int(considered - draws),
                         "candidate_space": int(space), "observations": "; ".join(o.name for o in observations)})
    return result


def leave_one_out(observed: np.ndarray, passes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each observation predicted from the others, from the candidates already run: over the
    candidates that match every *other* observation, the 5/50/95 % of this one's simulated
    value (3, k) and the share of them that match it too (k,). No new model runs."""
    k = passes.shape[1]
    prediction = np.full((len(QUANTILES), k), np.nan)
    consistent = np.full(k, np.nan)
    for j in range(k):
        others = np.delete(passes, j, axis=1).all(axis=1)
        if others.any():
            prediction[:, j] = np.quantile(observed[others, j], QUANTILES)
            consistent[j] = passes[others, j].mean()
    return prediction, consistent


def compare_energy(result, prior_energy: np.ndarray, passes: np.ndarray | None = None):
    """Record the prior's and the calibrated draws' electricity, 5/50/95 % by year
    (``energy_quantiles_prior``, ``energy_quantiles_calibrated``): what the observations did to
    the forecast. ``prior_energy`` (n, years) is a plain run of the prior's first draws.

    With ``passes`` (n, k: whether each of those draws matches each observation), also what
    each observation does to it beyond the others (``energy_width_without``): the 5-95 % width
    of the electricity over those prior draws that match every observation but that one, and
    (``energy_width_all``) over those that match them all. Read against each other: the
    forecast an observation narrows is what it alone teaches."""
    result.add("energy_quantiles_prior", ("quantile", "year"), np.nanquantile(prior_energy, QUANTILES, axis=0),
               {"long_name": "electricity of the prior's draws (uncalibrated), by quantile", "units": "TW h"})
    if passes is not None and len(passes):
        def width(rows):
            if rows.sum() < MIN_DRAWS_FOR_WIDTH:
                return np.full(prior_energy.shape[1], np.nan)
            q = np.nanquantile(prior_energy[rows], (QUANTILES[0], QUANTILES[-1]), axis=0)
            return q[1] - q[0]

        result.add("energy_width_all", ("year",), width(passes.all(axis=1)),
                   {"long_name": "5-95 % width of the electricity over the prior's compared draws that match every "
                                 "observation", "units": "TW h"})
        result.add("energy_width_without", ("observation", "year"),
                   np.stack([width(np.delete(passes, j, axis=1).all(axis=1)) for j in range(passes.shape[1])]),
                   {"long_name": "5-95 % width of the electricity over the prior's compared draws that match every "
                                 "observation but this one (what it narrows beyond the others)", "units": "TW h"})
    result.add("energy_quantiles_calibrated", ("quantile", "year"),
               np.nanquantile(result["energy"], QUANTILES, axis=0),
               {"long_name": "electricity of the calibrated draws, by quantile", "units": "TW h"})
    result.attrs["prior_draws_compared"] = int(len(prior_energy))
    return result


def candidate_space(draws: int, max_candidates: int | None) -> int:
    """The size of a calibration's candidate ensemble: the cap rounded up to whole stream
    blocks, so that every block is full and candidate ``i`` depends only on the seed and ``i``."""
    cap = max_candidates if max_candidates is not None else max(CANDIDATES_PER_DRAW * draws, 20_000)
    block = sampling.STREAM_BLOCK_DRAWS
    return -(-max(cap, draws) // block) * block
