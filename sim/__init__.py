"""sim: Monte Carlo simulation of the electricity used by AI servers.

Public API::

    import sim
    scenario = sim.load_scenario("scenarios/nvidia_2027.toml")
    ds = sim.run(scenario, draws=1000, seed=1)      # an xarray.Dataset
    si = sim.sweep(scenario, "sobol", "energy:2030")  # Sobol indices, an xarray.Dataset
    pawn = sim.sweep(ds, "pawn", "energy:2030")       # indices from the draws of a result
    box = sim.discover(ds, "energy:2030 > p80")       # scenario discovery (PRIM)
    fig = sim.plot(ds, "fan")                         # a matplotlib Figure
"""

__version__ = "0.1.0"

import importlib
from .errors import InputError, ScenarioError  # noqa: E402

__all__ = ["InputError", "RunOptions", "ScenarioError", "evaluate", "load_scenario", "run", "sweep", "discover",
           "plot", "__version__"]

# deferred: the modelling stack (scipy.stats, xarray, SimPy) loads on first use, and matplotlib
# only for figures, so `sim --help` and `import sim` answer at once
_LAZY = {"run": ("runner", "run"), "evaluate": ("runner", "evaluate"),
         "load_scenario": ("scenario.load", "load_scenario"), "sweep": ("analysis.sensitivity", "sweep"),
         "discover": ("analysis.discovery", "discover_result"), "plot": ("report.plots", "figure"),
         "RunOptions": ("options", "RunOptions")}


def __getattr__(name: str):
    if name in _LAZY:
        module, attribute = _LAZY[name]
        value = getattr(importlib.import_module(f".{module}", __name__), attribute)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
