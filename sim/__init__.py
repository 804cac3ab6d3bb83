"""sim: Monte Carlo simulation of the electricity used by AI servers.

Public API::

    import sim
    scenario = sim.load_scenario("scenarios/nvidia_2027.toml")
    ds = sim.run(scenario, draws=1000, seed=1)      # an xarray.Dataset
    si = sim.sweep(scenario, "sobol", "energy:2030")  # Sobol indices, an xarray.Dataset
    fig = sim.plot(ds, "fan")                         # a matplotlib Figure
"""

__version__ = "0.1.0"

from .errors import InputError, ScenarioError  # noqa: E402
from .runner import evaluate, run  # noqa: E402
from .scenario import load_scenario  # noqa: E402
from .sensitivity import sweep  # noqa: E402

__all__ = ["InputError", "ScenarioError", "evaluate", "load_scenario", "run", "sweep", "plot", "__version__"]


def __getattr__(name: str):
    # deferred: matplotlib takes a third of a second to import; only figures and the brief load it
    if name == "plot":
        from .plots import figure

        return figure
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
