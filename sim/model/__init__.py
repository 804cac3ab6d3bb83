"""The SimPy model: one environment advances a whole batch of draws month by month.

:func:`simulate` is the entry point: it takes a scenario and the sampled parameter values
of a batch (arrays over the ``draw`` axis), starts the processes of :mod:`.fleet` and
:mod:`.power` in one :class:`simpy.Environment`, runs it to the scenario's last month and
returns the batch's results as arrays. The processes draw no random numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import simpy

from . import kernels
from .fleet import Fleet
from .power import Power


@dataclass
class Inputs:
    """Per-draw parameter arrays for one batch, shaped for the processes (draw axis last)."""

    accounting: str
    lifetime_stages: int
    launch_month: np.ndarray          # (G,) months from the first month, launch order
    annual_shipments: np.ndarray      # (Y, B) servers per year
    adoption_ramp_months: np.ndarray  # (B,)
    lead_time_months: np.ndarray      # (B,)
    lifetime_years: np.ndarray        # (B,)
    utilisation: np.ndarray           # (B,)
    pue: np.ndarray                   # (B,)
    power_kw: np.ndarray              # (G, B)
    performance: np.ndarray           # (G, B)

    @classmethod
    def from_values(cls, scenario, values: dict, accounting: str | None = None) -> "Inputs":
        gens = scenario.generations
        anchors = np.stack([values[f"shipments.anchors.{y}"] for y in scenario.anchor_years])
        return cls(
            accounting=accounting or scenario.accounting,
            lifetime_stages=scenario.lifetime_stages,
            launch_month=np.array([scenario.launch_month_index(g) for g in gens]),
            annual_shipments=kernels.annual_trajectory(
                scenario.years, scenario.anchor_years, anchors,
                values.get("shipments.growth_before"), values["shipments.growth_after"]),
            adoption_ramp_months=values["shipments.adoption_ramp_months"],
            lead_time_months=values["fleet.lead_time_months"],
            lifetime_years=values["fleet.lifetime_years"],
            utilisation=values["fleet.utilisation"],
            pue=values["fleet.pue"],
            power_kw=np.stack([values[f"generation.{g.name}.power_kw"] for g in gens]),
            performance=np.stack([values[f"generation.{g.name}.performance"] for g in gens]),
        )


class Record:
    """Results of one batch: annual aggregates, by generation, and the monthly power series.

    Held draw-last while the model runs; :meth:`finish` returns them draw-first.
    Units: servers, servers/yr, GW (means), TWh (sums).
    """

    def __init__(self, batch: int, n_years: int, n_gen: int, n_months: int):
        zeros = np.zeros
        self.annual = {name: zeros((n_years, batch)) for name in
                       ("deployed", "retired", "it_power", "facility_power")}
        self.by_generation = {name: zeros((n_years, n_gen, batch)) for name in
                              ("shipments_by_generation", "installed_by_generation",
                               "energy_by_generation")}
        self.monthly = {"facility_power_monthly": zeros((n_months, batch))}

    def shipped(self, t: int, shipped: np.ndarray) -> None:
        self.by_generation["shipments_by_generation"][t // 12] += shipped

    def fleet(self, t: int, deployed, retired, installed) -> None:
        year = t // 12
        if deployed is not None:
            self.annual["deployed"][year] += deployed.sum(axis=0)
            self.annual["retired"][year] += retired.sum(axis=0)
        if t % 12 == 11:  # end of year
            self.by_generation["installed_by_generation"][year] = installed

    def power(self, t: int, it_kw, facility_kw, facility_kw_by_generation) -> None:
        year = t // 12
        self.annual["it_power"][year] += it_kw * (1 / (12 * kernels.KW_PER_GW))
        self.annual["facility_power"][year] += facility_kw * (1 / (12 * kernels.KW_PER_GW))
        self.by_generation["energy_by_generation"][year] += (
            facility_kw_by_generation * (kernels.HOURS_PER_MONTH / kernels.KWH_PER_TWH))
        self.monthly["facility_power_monthly"][t] = facility_kw * (1 / kernels.KW_PER_GW)

    def finish(self) -> dict[str, np.ndarray]:
        """All arrays by variable name, draw axis first; annual totals from the by-generation ones."""
        out = {**self.annual, **self.by_generation, **self.monthly}
        out["shipments"] = self.by_generation["shipments_by_generation"].sum(axis=1)
        out["installed"] = self.by_generation["installed_by_generation"].sum(axis=1)
        out["energy"] = self.by_generation["energy_by_generation"].sum(axis=1)
        return {name: np.moveaxis(array, -1, 0) for name, array in out.items()}


def simulate(scenario, values: dict, accounting: str | None = None) -> dict[str, np.ndarray]:
    """Run the model for one batch of draws.

    Parameters
    ----------
    scenario : sim.scenario.Scenario
    values : dict
        Dotted key → array of shape (B,), as made by :func:`sim.sampling.sample`.
    accounting : str, optional
        Override of ``fleet.accounting`` (used for the installed-base comparison).

    Returns
    -------
    dict
        Variable name → array with ``draw`` as first axis (see :class:`Record`).
    """
    inputs = Inputs.from_values(scenario, values, accounting)
    n_gen, batch = inputs.power_kw.shape
    record = Record(batch, len(scenario.years), n_gen, scenario.n_months)
    env = simpy.Environment()
    fleet = Fleet(env, inputs, record)
    fleet.start()
    Power(env, inputs, fleet, record).start()
    env.run(until=scenario.n_months)
    out = record.finish()
    if inputs.accounting == "annual_shipments":
        del out["deployed"], out["retired"]
    return out
