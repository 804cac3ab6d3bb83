"""Power and energy: installed servers × maximum power × draw fraction × PUE × hours."""

from __future__ import annotations

from . import kernels
from .fleet import POWER_KW


class Power:
    """IT power, facility power and electricity for one batch of draws.

    Parameters
    ----------
    inputs : sim.model.Inputs
    fleet : sim.model.fleet.Fleet
        Read each month for the maximum power of its installed base.
    record : sim.model.Record
    """

    def __init__(self, inputs, fleet, record):
        self.inputs = inputs
        self.fleet = fleet
        self.record = record

    def one_off_events(self) -> list:
        return []

    def phases(self) -> dict:
        return {"draw_power": self.draw_power}

    def draw_power(self, t: int) -> None:
        """Monthly mean IT power of the installed fleet, and its facility power.

        ``it = Σ_g installed_g × generation.<g>.power_kw × (idle + (1 − idle) × utilisation)``
        (``fleet.idle_fraction``; ``fleet.utilisation``, or the workload mix's in demand mode):
        the fleet's installed maximum power (a measure, :mod:`.fleet`) × the draw fraction;
        ``facility = it × fleet.pue``. The year's mean IT power is recorded; its facility power
        and electricity (× 8,760 h) follow from it (:meth:`sim.model.Record.finish`).
        """
        fleet = self.fleet
        it_kw = fleet.installed[fleet.row[POWER_KW]] * self.inputs.draw_fraction_at(t)   # (B,) or by region (R, B)
        self.record.add("it_power", t, it_kw * (1 / (12 * kernels.KW_PER_GW)))
        if self.record.wants("facility_power_monthly"):
            pue = self.inputs.pue if self.inputs.region_pue is None else self.inputs.region_pue
            facility = it_kw * (pue / kernels.KW_PER_GW)
            if fleet.regions > 1:
                view = self.inputs.view
                facility = kernels.sum_rows(facility) if view is None else facility[view]
            self.record.monthly("facility_power_monthly", t, facility)
