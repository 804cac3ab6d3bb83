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
        it_kw = self.fleet.installed[POWER_KW] * self.inputs.draw_fraction
        self.record.add("it_power", t, it_kw * (1 / (12 * kernels.KW_PER_GW)))
        if self.record.wants("facility_power_monthly"):
            self.record.monthly("facility_power_monthly", t, it_kw * (self.inputs.pue / kernels.KW_PER_GW))
