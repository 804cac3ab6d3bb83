"""Power and energy: installed servers × maximum power × draw fraction × PUE × hours."""

from __future__ import annotations

from . import kernels


class Power:
    """IT power, facility power and electricity for one batch of draws.

    Parameters
    ----------
    inputs : sim.model.Inputs
    fleet : sim.model.fleet.Fleet
        Read each month for its installed base by generation.
    record : sim.model.Record
    """

    def __init__(self, inputs, fleet, record):
        self.inputs = inputs
        self.fleet = fleet
        self.record = record
        # kW drawn per installed server, by generation (G, B): maximum power × the fraction of
        # it drawn at the fleet's utilisation (idle + (1 - idle) × utilisation)
        self.kw_per_server = inputs.power_kw * inputs.draw_fraction

    def one_off_events(self) -> list:
        return []

    def phases(self) -> dict:
        return {"draw_power": self.draw_power}

    def draw_power(self, t: int) -> None:
        """Monthly mean power (kW) of the installed fleet, and its electricity (kWh).

        ``it = Σ_g installed_g × generation.<g>.power_kw × (idle + (1 − idle) × utilisation)``
        (``fleet.idle_fraction``; ``fleet.utilisation``, or the workload mix's in demand mode);
        ``facility = it × fleet.pue``; electricity = facility × 730 h per month.
        """
        pue = self.inputs.pue
        n = self.fleet.n   # the generations on sale so far: the others have no servers
        it_kw_by_generation = self.fleet.installed[:n] * self.kw_per_server[:n]
        it_kw = it_kw_by_generation.sum(axis=0)
        record = self.record
        record.add("it_power", t, it_kw * (1 / (12 * kernels.KW_PER_GW)))
        record.add("facility_power", t, it_kw * pue * (1 / (12 * kernels.KW_PER_GW)))
        record.add("energy_by_generation", t,
                   it_kw_by_generation * (pue * (kernels.HOURS_PER_MONTH / kernels.KWH_PER_TWH)),
                   generations=len(self.kw_per_server))
        record.monthly("facility_power_monthly", t, it_kw * pue * (1 / kernels.KW_PER_GW))
