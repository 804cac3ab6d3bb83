"""A batch's results as the processes write them (:class:`Record`), and what a run derives from
them when it finishes: facility power and electricity, the results by region (each region's
own PUE, carbon intensity and context totals; the world their sum), by family, and the shares
of all data centers and of all electricity."""

from __future__ import annotations

import numpy as np

from . import kernels
from ..parameters.outputs import OUTPUTS


class Record:
    """Results of one batch, written by the processes month by month.

    Annual sums (:meth:`add`), end-of-year stocks (:meth:`end_of_year`) and monthly series
    (:meth:`monthly`) are held draw-last while the model runs; :meth:`finish` derives the
    totals and returns every array draw-first. With ``only``, a record keeps those results and
    IT power (the electricity and facility power derive from it), ignores the rest, and
    returns those (the rebound's counterfactual keeps only IT power, for ``energy``).
    """

    def __init__(self, batch: int, n_years: int, n_months: int, only=None):
        self.batch, self.n_years, self.n_months = batch, n_years, n_months
        self.only = None if only is None else frozenset(only) | {"it_power"}
        self.arrays: dict[str, np.ndarray] = {}

    def wants(self, name: str) -> bool:
        return self.only is None or name in self.only

    def _array(self, name, length, value, generations=None):
        array = self.arrays.get(name)
        if array is None:
            shape = np.shape(value) if generations is None else (generations,) + np.shape(value)[1:]
            array = self.arrays[name] = np.zeros((length,) + shape)
        return array

    def add(self, name: str, t: int, value: np.ndarray, generations: int | None = None) -> None:
        """Add month ``t``'s ``value`` to its year's sum. A by-generation ``value`` may hold only
        the first rows of ``generations`` (those on sale so far; the others are zero)."""
        if not self.wants(name):
            return
        array = self._array(name, self.n_years, value, generations)
        if generations is None:
            array[t // 12] += value
        else:
            array[t // 12, :len(value)] += value

    def end_of_year(self, name: str, t: int, value: np.ndarray) -> None:
        """Keep ``value`` as the end-of-year stock of the year of ``t`` (at its year's end,
        :attr:`Calendar.year_end`)."""
        if not self.wants(name):
            return
        self._array(name, self.n_years, value)[t // 12] = value

    def add_to_year(self, name: str, t: int, value: np.ndarray) -> None:
        """Add ``value`` to the end-of-year stock already kept for the year of ``t``."""
        if self.wants(name):
            self.arrays[name][t // 12] += value

    def monthly(self, name: str, t: int, value: np.ndarray) -> None:
        if not self.wants(name):
            return
        self._array(name, self.n_months, value)[t] = value

    def lean_copy(self, only) -> "Record":
        """A copy that keeps only the results ``only`` (their arrays copied; ``energy`` derives
        from ``it_power``)."""
        new = Record(self.batch, self.n_years, self.n_months, only)
        new.arrays = {name: self.arrays[name].copy() for name in new.only if name in self.arrays}
        return new

    def finish(self, inputs) -> dict[str, np.ndarray]:
        """All arrays by variable name, draw axis first."""
        out = dict(self.arrays)
        hours = 12 * kernels.HOURS_PER_MONTH / 1e3
        if "it_power" not in out:   # a run of results by generation alone (sim.model.measures_needed)
            return {name: np.moveaxis(array, -1, 0) for name, array in out.items()}
        if inputs.region_share is not None:
            _regions(out, inputs, hours)
        else:
            # the year's mean IT power (GW); facility power is it x PUE; electricity is power x
            # 8,760 h (= 12 x 730 h), GWh / 1,000 = TWh
            out["facility_power"] = out["it_power"] * inputs.pue
            out["energy"] = out["facility_power"] * hours
        if inputs.region_share is not None and "energy_by_generation" in out:
            # the results by generation were kept in IT electricity: the year's PUE of the fleet
            # (its regions' electricity over their IT electricity) makes their sum the energy
            pue = np.divide(out["energy"], out["it_energy"], out=np.zeros_like(out["energy"]),
                            where=out["it_energy"] > 0)
            out["energy_by_generation"] = out["energy_by_generation"] * pue[:, None, :]
        if self.only is not None:
            return {name: np.moveaxis(out[name], -1, 0) for name in self.only}
        if inputs.region_share is None:
            out["it_energy"] = out["it_power"] * hours
        installed, shipped = out["installed_by_generation"], out["shipments_by_generation"]   # (Y, G, B)
        # term by term over generations: numpy's .sum(axis=1) adds pairwise when a batch is
        # narrow and row by row when it is wide, so a draw's last digit depended on its batch
        rows = inputs.result_index                         # each result row's GPUs per server and family
        gpus = inputs.gpus_per_server[rows]
        out["gpus_shipped"] = kernels.weighted_sum(gpus, shipped.transpose(1, 0, 2))
        out["gpus_installed"] = kernels.weighted_sum(gpus, installed.transpose(1, 0, 2))
        if inputs.family is not None:
            for name in ("energy", "installed"):
                by_generation = out[f"{name}_by_generation"]
                out[f"{name}_by_family"] = np.stack(
                    [kernels.sum_rows(by_generation[:, inputs.family[rows] == f].swapaxes(0, 1))
                     for f in range(inputs.family_share.shape[1])], axis=1)
        if "compute_served" in out:
            kwh = out["energy"] * kernels.KWH_PER_TWH
            out["fleet_efficiency"] = np.divide(out["compute_served"], kwh, out=np.full_like(kwh, np.nan),
                                                where=kwh > 0)
        if "queue_admitted" in out:
            admitted, waited = out.pop("queue_admitted"), out.pop("queue_waited")
            out["queue_wait"] = np.divide(waited, admitted, out=np.full_like(waited, np.nan),
                                          where=admitted > 0)
        if inputs.inference_energy_share is not None:
            # demand.inference_share is inference's share of the electricity (its work share
            # follows from it, sim.model.kernels.work_share): the split is that share, exactly;
            # with two workload streams, the year's share of the year's mix of work
            share = inputs.inference_energy_share
            out["energy_by_workload"] = np.stack([out["energy"] * (1.0 - share), out["energy"] * share], axis=1)
        if inputs.demand is not None:  # no price before demand starts
            first = inputs.demand.start_month // 12
            for name in ("price", "scarcity_rent", "spending", "spending_ceiling"):
                if name in out:
                    out[name] = out[name].copy()
                    out[name][:first] = np.nan
        if inputs.region_share is None:
            if inputs.other_datacenters is not None:
                out["datacenter_energy"] = out["energy"] + inputs.other_datacenters
            if inputs.total_electricity is not None:
                out["electricity_share"] = out["energy"] / inputs.total_electricity
            if inputs.carbon_intensity is not None:
                # TWh x g/kWh = 1e9 kWh x g/kWh = 1e9 g = 1e-3 Mt
                out["emissions"] = out["energy"] * inputs.carbon_intensity * 1e-3
        if "datacenter_energy" in out:
            out["ai_datacenter_share"] = out["energy"] / out["datacenter_energy"]
            if "total_electricity" in out or inputs.total_electricity is not None:
                total = out.pop("total_electricity", inputs.total_electricity)
                out["datacenter_electricity_share"] = out["datacenter_energy"] / total
        out.pop("total_electricity", None)
        return {name: np.moveaxis(array, -1, 0) for name, array in out.items()}


# what the fleet and the power family record by region, (Y, R, B), when there are regions
REGIONAL = ("shipments", "deployed", "retired", "installed", "nameplate_power", "compute_installed", "it_power")
# kept as <name>_by_region: the registry declares which (sim.parameters.outputs)
BY_REGION = tuple(name.removesuffix("_by_region") for name in OUTPUTS if name.endswith("_by_region"))


def _regions(out: dict, inputs, hours: float) -> None:
    """A fleet divided into regions: each region's facility power and electricity (its own PUE),
    emissions (its own carbon intensity) and context totals; the ``*_by_region`` results; and the
    scope's results, the world's (the regions' sum, added in order) or the view's region's."""
    view = inputs.view

    def scope(array):   # (Y, R, B) -> (Y, B)
        return kernels.sum_rows(array.swapaxes(0, 1)) if view is None else array[:, view].copy()

    facility = out["it_power"] * inputs.region_pue                       # (Y, R, B)
    regional = {"it_energy": out["it_power"] * hours, "energy": facility * hours, "facility_power": facility}
    if inputs.other_datacenters is not None:
        regional["datacenter_energy"] = regional["energy"] + inputs.other_datacenters
    if inputs.carbon_intensity is not None:
        regional["emissions"] = regional["energy"] * inputs.carbon_intensity * 1e-3
    if inputs.total_electricity is not None:
        out["total_electricity"] = scope(inputs.total_electricity)
    for name in REGIONAL:
        if name in out:
            regional[name] = out[name]
    for name, array in regional.items():
        if name in BY_REGION:
            out[f"{name}_by_region"] = array
        out[name] = scope(array)
    if "total_electricity" in out:
        out["electricity_share"] = out["energy"] / out["total_electricity"]
