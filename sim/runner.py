"""Run a scenario: cut the ensemble into batches, simulate each, gather one Dataset.

Memory is bounded by the batch: each batch samples its own slice of the ensemble
(:func:`sim.sampling.sample`), runs one SimPy environment over it (:func:`sim.model.simulate`)
and writes its results into preallocated full-ensemble arrays. Because sampling is organised
in fixed stream blocks, the result does not depend on the batch size.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import parameters as registry
from .errors import ScenarioError
from .model import simulate
from .results import build_dataset
from .sampling import sample
from .scenario import Scenario, from_dict, load_scenario

# draws per SimPy environment and per chunk of a chunked run: large enough that numpy's per-call
# cost is small, small enough that a batch's state stays near the CPU caches (5,000 ran 8-11 %
# faster than 2,500 or 10,000 on both the installed-base and the demand scenarios); bounded memory
DEFAULT_BATCH_DRAWS = 5_000


def resolve(scenario, overrides=None, variant: str | None = None) -> Scenario:
    """A :class:`Scenario` from a path or a Scenario, with a variant and ``--set`` overrides applied."""
    if isinstance(scenario, (str, Path)):
        return load_scenario(scenario, overrides, variant)
    if not isinstance(scenario, Scenario):
        raise TypeError(f"expected a scenario path or a Scenario, got {type(scenario).__name__}")
    if overrides or variant:
        import tomllib
        if not scenario.text:
            raise ValueError("overrides need a scenario read from text (load_scenario or from_dict with text)")
        return from_dict(tomllib.loads(scenario.text), file=scenario.path, text=scenario.text,
                         overrides=tuple(scenario.overrides) + tuple(overrides or ()),
                         variant=variant or scenario.variant)
    return scenario


def _check_count(value, name: str, low: int, high: int) -> int:
    spec = registry.BY_KEY[f"sampling.{name}"]
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or not low <= value <= high:
        raise ScenarioError(f"--{name}", None, f"must be a whole number {spec.range_text()}, got {value!r}")
    return int(value)


def run(scenario, draws: int | None = None, seed: int | None = None, overrides=None,
        batch_draws: int = DEFAULT_BATCH_DRAWS, rebound: bool | None = None,
        variant: str | None = None, progress=None):
    """Run a scenario's Monte Carlo ensemble.

    Parameters
    ----------
    scenario : str, Path or Scenario
        A scenario file or a loaded scenario.
    draws : int, optional
        Number of draws (default: the scenario's ``sampling.draws``).
    seed : int, optional
        Root seed (default: the scenario's ``sampling.seed``).
    overrides : list of str, optional
        ``"section.key=value"`` changes, as ``--set`` takes them.
    variant : str, optional
        One of the scenario file's ``[variants.<name>]``.
    progress : callable, optional
        Called with the number of draws each finished batch adds (e.g. ``tqdm.update``).
    batch_draws : int
        Draws per SimPy environment; changes memory and speed, never the result.
    rebound : bool, optional
        In demand mode, also run each draw with elasticity 0 and report
        ``energy_no_rebound`` and ``rebound`` (default: the scenario's
        ``demand.decompose_rebound``).

    Returns
    -------
    xarray.Dataset
        Annual variables by ``draw`` and ``year`` (``shipments``, ``installed``,
        ``it_power``, ``facility_power``, ``energy``, ...), by ``generation``, the monthly
        ``facility_power_monthly``, and the sampled parameters on ``draw``.

    Examples
    --------
    >>> import sim
    >>> ds = sim.run("scenarios/nvidia_2027.toml", draws=200, seed=1)  # doctest: +SKIP
    >>> ds.energy.sel(year=2027).quantile([0.05, 0.5, 0.95])            # doctest: +SKIP
    """
    scenario = resolve(scenario, overrides, variant)
    draws, seed, rebound = check_options(scenario, draws, seed, rebound)
    if batch_draws < 1:
        raise ValueError("batch_draws must be at least 1")

    arrays: dict[str, np.ndarray] = {}
    samples = {key: np.empty(draws) for key in scenario.uncertain}
    for start in range(0, draws, batch_draws):
        stop = min(start + batch_draws, draws)
        batch, values = simulate_range(scenario, draws, seed, start, stop, rebound)
        for name, array in batch.items():
            if name not in arrays:
                arrays[name] = np.empty((draws,) + array.shape[1:])
            arrays[name][start:stop] = array
        for key in samples:
            samples[key][start:stop] = values[key]
        if progress is not None:
            progress(stop - start)
    all_samples = {key: samples.get(key) for key in scenario.parameters}
    return build_dataset(scenario, draws, seed, arrays, all_samples)


def check_options(scenario: Scenario, draws, seed, rebound):
    """Draws, seed and the rebound switch checked and filled from the scenario."""
    spec_draws, spec_seed = registry.BY_KEY["sampling.draws"], registry.BY_KEY["sampling.seed"]
    draws = _check_count(scenario.draws if draws is None else draws, "draws",
                         int(spec_draws.low), int(spec_draws.high))
    seed = _check_count(scenario.seed if seed is None else seed, "seed",
                        int(spec_seed.low), int(spec_seed.high))
    if rebound is None:
        rebound = scenario.decompose_rebound
    if rebound and scenario.mode != "demand":
        raise ScenarioError(scenario.path, "demand.decompose_rebound",
                            "the rebound decomposition needs shipments.mode = \"demand\"")
    return draws, seed, bool(rebound)


def simulate_range(scenario: Scenario, draws: int, seed: int, start: int, stop: int,
                   rebound: bool = False) -> tuple[dict, dict]:
    """Results and sampled values for draws ``[start, stop)`` of an ensemble of ``draws``.

    The unit of work that batches, local worker processes and Dask tasks all run: its
    output depends only on the scenario, ``draws``, ``seed`` and the range.
    """
    values = sample(scenario, start, stop, draws=draws, seed=seed)
    batch = simulate(scenario, values)
    if scenario.accounting == "annual_shipments":
        accumulated = simulate(scenario, values, accounting="installed_base")
        batch["installed_if_accumulated"] = accumulated["installed"]
        batch["energy_if_accumulated"] = accumulated["energy"]
    if rebound:
        # the same draws without the demand response: what efficiency alone would give
        counterfactual = simulate(scenario, values, elasticity=np.zeros(stop - start))
        batch["energy_no_rebound"] = counterfactual["energy"]
        batch["rebound"] = batch["energy"] - counterfactual["energy"]
    return batch, values
