"""The SimPy model: one environment advances a whole batch of draws month by month.

:func:`simulate` is the entry point (its one caller is :mod:`sim.runner`): it takes a
scenario and the sampled parameter values of a batch (arrays over the ``draw`` axis), builds
the process families of :mod:`.fleet`, :mod:`.demand` and :mod:`.power` in one
:class:`simpy.Environment`, runs it to the scenario's last month and returns the batch's
results as arrays. The processes draw no random numbers.

The month
---------
Every month runs the phases of :data:`PHASES`, in that order, each implemented by the one
process family that owns the state it writes:

=============  ==========  ===================================================================
phase          owner       what happens
=============  ==========  ===================================================================
``offer``      Fleet       the shares of the generations on sale this month
``plan``       Demand      work demanded, orders and backlog (demand mode, from its start)
``ship``       Fleet       servers shipped: the trajectory, or the orders, × the shares
``deploy``     Fleet       servers whose lead time ends become ready (or, in de Vries's
                           annual accounting, the year's shipment rate is the fleet)
``admit``      Fleet       ready servers start drawing power (all, or what the power queue
                           admits under free capacity)
``retire``     Fleet       the aging chain: servers retire; the installed base is updated
``serve``      Demand      work served and unserved by the installed base
``draw_power`` Power       IT and facility power and electricity of the installed base
=============  ==========  ===================================================================

So a server shipped with zero lead time draws power in the month it ships, and demand plans
with the month's offer known. SimPy carries the month (:mod:`.calendar`): each family's step
is a process waiting on its phase's time in the month, one-off happenings (a generation's
launch, a power-capacity addition) are processes waiting for the start of their month, so
they happen first, and year-end stocks are kept when the calendar's ``year_end`` event
fires, after every phase of a December.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import simpy

from . import kernels
from .calendar import PHASES, Calendar, Step, steps  # noqa: F401 - PHASES and Step: the model's vocabulary
from .demand import Demand, DemandInputs, PowerQueue
from .fleet import Fleet
from .power import Power


@dataclass
class Inputs:
    """Per-draw parameter arrays for one batch, shaped for the processes (draw axis last)."""

    accounting: str
    lifetime_stages: int
    n_months: int
    launch_month: np.ndarray          # (G, B) months from the first month, launch order
    annual_shipments: np.ndarray      # (Y, B) servers per year
    adoption_ramp_months: np.ndarray  # (B,)
    lead_time_months: np.ndarray      # (B,)
    lifetime_years: np.ndarray        # (B,)
    utilisation: np.ndarray           # (B,) compute utilisation: throughput used / throughput
    draw_fraction: np.ndarray         # (B,) mean power / maximum power: idle + (1 - idle) x utilisation
    pue: np.ndarray                   # (B,)
    power_kw: np.ndarray              # (G, B)
    performance: np.ndarray           # (G, B)
    gpus_per_server: np.ndarray       # (G, B)
    max_share: np.ndarray             # (G, B) the most of its predecessors' shipments a generation takes
    idle_fraction: np.ndarray         # (B,)
    h100_gpu_performance: np.ndarray | None  # (B,) one H100 GPU in the catalogue's units
    demand: DemandInputs | None = None
    power_capacity_gw: np.ndarray | None = None        # (B,)
    power_additions: tuple = ()                        # ((month, (B,) GW), ...)
    carbon_intensity: np.ndarray | None = None         # (Y, B) gCO2/kWh
    total_electricity: np.ndarray | None = None        # (Y, B) TWh in the scenario's scope

    @classmethod
    def from_values(cls, scenario, values: dict, accounting: str | None = None,
                    elasticity=None) -> "Inputs":
        gens = scenario.generations
        batch = len(values["fleet.pue"])
        launch = np.repeat(np.array([scenario.launch_month_index(g) for g in gens], dtype=float)[:, None], batch, 1)
        power_kw = np.stack([values[f"generation.{g.name}.power_kw"] for g in gens])
        performance = np.stack([values[f"generation.{g.name}.performance"] for g in gens])
        gpus = np.stack([values[f"generation.{g.name}.gpus_per_server"] for g in gens])
        max_share = np.stack([values[f"generation.{g.name}.max_share"] for g in gens])
        if scenario.trend_generations:
            extra = kernels.trend_generations(scenario.launch_month_index(gens[-1]), power_kw[-1], performance[-1],
                                              values["trend.cadence_months"], values["trend.power_gain"],
                                              values["trend.performance_gain"], scenario.trend_generations)
            launch, power_kw, performance = (np.concatenate([a, b]) for a, b in zip((launch, power_kw, performance), extra))
            gpus = np.concatenate([gpus, np.repeat(gpus[-1:], scenario.trend_generations, axis=0)])
            # a generation beyond the catalogue displaces everything before it
            max_share = np.concatenate([max_share, np.ones((scenario.trend_generations, batch))])
        anchors = np.stack([values[f"shipments.anchors.{y}"] for y in scenario.anchor_years])
        demand = None
        if scenario.mode == "demand":
            demand = DemandInputs.from_values(scenario, values, elasticity)
        if "demand.inference_share" in values:
            share = values["demand.inference_share"]
            # servers per unit of work add up by workload: the fleet's mean draw is the
            # work-weighted harmonic mean of the workloads' utilisations
            utilisation = 1.0 / (share / values["demand.inference_utilisation"]
                                 + (1.0 - share) / values["demand.training_utilisation"])
        else:
            utilisation = values["fleet.utilisation"]
        carbon = None
        if scenario.carbon_years:
            points = np.stack([values[f"carbon.intensity.{y}"] for y in scenario.carbon_years])
            carbon = kernels.interpolate_years(scenario.years, scenario.carbon_years, points)
        total = None
        if scenario.total_electricity_years:
            points = np.stack([values[f"context.total_electricity.{y}"] for y in scenario.total_electricity_years])
            total = kernels.interpolate_years(scenario.years, scenario.total_electricity_years, points)
        return cls(
            accounting=accounting or scenario.accounting,
            lifetime_stages=scenario.lifetime_stages,
            n_months=scenario.n_months,
            launch_month=launch,
            annual_shipments=kernels.annual_trajectory(
                scenario.years, scenario.anchor_years, anchors,
                values.get("shipments.growth_before"), values["shipments.growth_after"]),
            adoption_ramp_months=values["shipments.adoption_ramp_months"],
            lead_time_months=values["fleet.lead_time_months"],
            lifetime_years=values["fleet.lifetime_years"],
            utilisation=utilisation,
            draw_fraction=kernels.draw_fraction(values["fleet.idle_fraction"], utilisation),
            pue=values["fleet.pue"],
            power_kw=power_kw,
            performance=performance,
            gpus_per_server=gpus,
            max_share=max_share,
            idle_fraction=values["fleet.idle_fraction"],
            h100_gpu_performance=values.get("fleet.h100_gpu_performance"),
            demand=demand,
            power_capacity_gw=values.get("power.capacity_gw"),
            power_additions=tuple((12 * (y - scenario.start_year), values[f"power.additions.{y}"])
                                  for y in scenario.power_addition_years),
            carbon_intensity=carbon,
            total_electricity=total,
        )


class Record:
    """Results of one batch, written by the processes month by month.

    Annual sums (:meth:`add`), end-of-year stocks (:meth:`end_of_year`) and monthly series
    (:meth:`monthly`) are held draw-last while the model runs; :meth:`finish` derives the
    totals and returns every array draw-first. With ``only``, a record keeps those results and
    ignores the rest (the rebound's counterfactual keeps only IT power, for ``energy``).
    """

    def __init__(self, batch: int, n_years: int, n_months: int, only=None):
        self.batch, self.n_years, self.n_months = batch, n_years, n_months
        self.only = None if only is None else frozenset(only)
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

    def finish(self, inputs: Inputs) -> dict[str, np.ndarray]:
        """All arrays by variable name, draw axis first."""
        out = dict(self.arrays)
        # the year's mean IT power (GW); facility power is it x PUE; electricity is power x
        # 8,760 h (= 12 x 730 h), GWh / 1,000 = TWh
        out["facility_power"] = out["it_power"] * inputs.pue
        out["energy"] = out["facility_power"] * (12 * kernels.HOURS_PER_MONTH / 1e3)
        if self.only is not None:
            return {name: np.moveaxis(out[name], -1, 0) for name in self.only}
        out["it_energy"] = out["it_power"] * (12 * kernels.HOURS_PER_MONTH / 1e3)
        installed, shipped = out["installed_by_generation"], out["shipments_by_generation"]   # (Y, G, B)
        # term by term over generations: numpy's .sum(axis=1) adds pairwise when a batch is
        # narrow and row by row when it is wide, so a draw's last digit depended on its batch
        gpus = inputs.gpus_per_server
        out["gpus_shipped"] = kernels.weighted_sum(gpus, shipped.transpose(1, 0, 2))
        out["gpus_installed"] = kernels.weighted_sum(gpus, installed.transpose(1, 0, 2))
        if "compute_served" in out:
            kwh = out["energy"] * kernels.KWH_PER_TWH
            out["fleet_efficiency"] = np.divide(out["compute_served"], kwh, out=np.full_like(kwh, np.nan),
                                                where=kwh > 0)
        if "queue_admitted" in out:
            admitted, waited = out.pop("queue_admitted"), out.pop("queue_waited")
            out["queue_wait"] = np.divide(waited, admitted, out=np.full_like(waited, np.nan),
                                          where=admitted > 0)
        if inputs.demand is not None and inputs.demand.inference_share is not None:
            d = inputs.demand
            # each workload's servers (work / utilisation) draw idle + (1 - idle) x utilisation
            draw = [(1.0 - d.inference_share) / d.training_utilisation
                    * kernels.draw_fraction(inputs.idle_fraction, d.training_utilisation),
                    d.inference_share / d.inference_utilisation
                    * kernels.draw_fraction(inputs.idle_fraction, d.inference_utilisation)]
            total = draw[0] + draw[1]
            out["energy_by_workload"] = np.stack([out["energy"] * (draw[0] / total),
                                                  out["energy"] * (draw[1] / total)], axis=1)
        if inputs.demand is not None:  # no price before demand starts
            first = inputs.demand.start_month // 12
            for name in ("price", "scarcity_rent", "spending", "spending_ceiling"):
                if name in out:
                    out[name] = out[name].copy()
                    out[name][:first] = np.nan
        if inputs.total_electricity is not None:
            out["electricity_share"] = out["energy"] / inputs.total_electricity
        if inputs.carbon_intensity is not None:
            # TWh x g/kWh = 1e9 kWh x g/kWh = 1e9 g = 1e-3 Mt
            out["emissions"] = out["energy"] * inputs.carbon_intensity * 1e-3
        return {name: np.moveaxis(array, -1, 0) for name, array in out.items()}


def build(scenario, values: dict, accounting: str | None = None, elasticity=None):
    """The batch's inputs, record and process families (fleet, queue, demand, power)."""
    inputs = Inputs.from_values(scenario, values, accounting, elasticity)
    record = Record(inputs.pue.shape[0], len(scenario.years), scenario.n_months)
    fleet = Fleet(inputs, record)
    queue = None
    if inputs.power_capacity_gw is not None and inputs.accounting == "installed_base":
        queue = PowerQueue(inputs, record)
    demand = Demand(inputs, fleet, record, queue) if inputs.demand is not None else None
    fleet.connect(orders=demand, gate=queue)
    families = [f for f in (fleet, queue, demand, Power(inputs, fleet, record)) if f is not None]
    return inputs, record, families


def _environment(families, start: int = 0) -> simpy.Environment:
    """A SimPy environment at month ``start`` with the families' processes: their one-off
    happenings still to come (those of month ``start`` itself happen at once, before its
    phases, when a run goes on from a fork), their monthly steps and their year-end records
    (:class:`Calendar`)."""
    env = simpy.Environment(initial_time=start)
    calendar = Calendar(env)
    for family in families:
        for month, action in family.one_off_events():
            if month == start and start > 0:
                action()
            elif month >= start:
                env.process(calendar.happening(month, action))
        if hasattr(family, "year_end"):
            env.process(calendar.at_year_ends(family.year_end))
    for phase, step in steps(families):
        env.process(calendar.monthly(phase, step))
    return env


def simulate(scenario, values: dict, accounting: str | None = None, elasticity=None,
             rebound: bool = False, until: int | None = None) -> dict[str, np.ndarray]:
    """Run the model for one batch of draws.

    Parameters
    ----------
    scenario : sim.scenario.load.Scenario
    values : dict
        Dotted key → array of shape (B,), as made by :func:`sim.sampling.sample`.
    accounting : str, optional
        Override of ``fleet.accounting`` (used for the installed-base comparison).
    elasticity : ndarray, optional
        Override of ``demand.elasticity`` (0 for the no-rebound counterfactual).
    rebound : bool
        In demand mode, also run the same draws with elasticity 0 and return its ``energy``
        as ``energy_no_rebound``. The two runs are the same until demand starts (elasticity
        acts on demand only), so the counterfactual goes on from a copy of the batch's state
        at that month instead of running the history again: its numbers are those of a
        separate run with ``elasticity = 0``, bit for bit (tested).
    until : int, optional
        Run only the first ``until`` months (a calibration's candidates: the observations look
        no further); the results of later months are zeros. Not with ``rebound``.

    Returns
    -------
    dict
        Variable name → array with ``draw`` as first axis (see :class:`Record`).
    """
    # the draws are independent: the model runs them sorted by whole months of lead time, so
    # that the deployment delay reads slices (kernels.Delay), and returns them in their order
    batch = len(values["fleet.pue"])
    order = np.argsort(np.floor(values["fleet.lead_time_months"]), kind="stable")
    if np.array_equal(order, np.arange(batch)):
        order = None
    else:
        values = {k: np.asarray(v)[order] for k, v in values.items()}
        elasticity = None if elasticity is None else np.asarray(elasticity)[order]
    if until is not None and rebound:
        raise ValueError("simulate: the rebound needs the whole run (until=None)")
    out = _simulate(scenario, values, accounting, elasticity, rebound, until)
    if order is not None:
        inverse = np.empty_like(order)
        inverse[order] = np.arange(batch)
        # along the draw axis where it lies in memory (last): a gather of contiguous rows
        out = {k: np.moveaxis(np.take(np.moveaxis(v, 0, -1), inverse, axis=-1), -1, 0) for k, v in out.items()}
    return out


def _simulate(scenario, values, accounting, elasticity, rebound, until=None) -> dict[str, np.ndarray]:
    """:func:`simulate` on a batch already in the model's order (sorted by lead time)."""
    inputs, record, families = build(scenario, values, accounting, elasticity)
    env = _environment(families)
    fork = None
    if rebound and inputs.demand is not None:
        start = min(inputs.demand.start_month, scenario.n_months)
        env.run(until=start)
        # the counterfactual needs only the electricity: its copy leaves out the results by
        # generation and keeps only the record of IT power; it reads the offers this run makes
        # (the split of shipments does not depend on demand)
        fleet = next(family for family in families if isinstance(family, Fleet))
        fleet.offers = {}
        memo = {id(fleet.by_generation): None, id(record): record.lean_copy({"it_power", "energy"}),
                id(fleet.offers): fleet.offers}
        fork = copy.deepcopy((inputs, record, families), memo)
    env.run(until=scenario.n_months if until is None else min(until, scenario.n_months))
    out = record.finish(inputs)
    _release(families)
    if fork is not None:
        inputs, record, families = fork
        inputs.demand.elasticity = np.zeros_like(inputs.demand.elasticity)
        _environment(families, start).run(until=scenario.n_months)
        out["energy_no_rebound"] = record.finish(inputs)["energy"]
        _release(families)
    return out


def _release(families) -> None:
    """Drop the state of a finished run's process families. They refer to one another and to
    the SimPy environment, a cycle that Python's garbage collector frees only when it next
    runs; until then their arrays (hundreds of MB for a large batch) would stay allocated, and
    the next batch would take fresh memory instead of reusing theirs."""
    for family in families:
        vars(family).clear()