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
launch, a power-capacity addition) wait for the start of their month (one process a family
goes through them in order), so they happen first, and year-end stocks are kept when the
calendar's ``year_end`` event fires, after every phase of a December.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, fields

import numpy as np
import simpy

from ..parameters.outputs import OUTPUTS
from . import kernels
from .calendar import PHASES, Calendar, Step, steps  # noqa: F401 - PHASES and Step: the model's vocabulary
from .demand import Demand, DemandInputs, PowerQueue, RegionalQueues
from .fleet import Fleet
from .power import Power
from .record import Record

# the results with a generation axis: what the fleet's results by generation (.by_generation) record
BY_GENERATION = frozenset(name for name, output in OUTPUTS.items() if "generation" in output.dims)


def _key(key: str, *default):
    """An :class:`Inputs` field that is the sampled values of one registry key, as they are
    (:meth:`Inputs.from_values` reads it by that key; absent and optional: ``None``)."""
    return field(default=default[0], metadata={"key": key}) if default else field(metadata={"key": key})


@dataclass
class Inputs:
    """Per-draw parameter arrays for one batch, shaped for the processes (draw axis last). A
    field declared with :func:`_key` is one registry key's sampled values, read by that key;
    the others are derived from several."""

    accounting: str
    lifetime_stages: int
    n_months: int
    launch_month: np.ndarray          # (G, B) months from the first month, launch order
    annual_shipments: np.ndarray      # (Y, B) servers per year
    adoption_ramp_months: np.ndarray = _key("shipments.adoption_ramp_months")  # (B,)
    lead_time_months: np.ndarray = _key("fleet.lead_time_months")          # (B,)
    lifetime_years: np.ndarray = _key("fleet.lifetime_years")              # (B,)
    utilisation: np.ndarray           # (B,) compute utilisation: throughput used / throughput; (Y, B) by year
    draw_fraction: np.ndarray         # (B,) mean power / maximum power: idle + (1 - idle) x utilisation; (Y, B)
    pue: np.ndarray = _key("fleet.pue")                                    # (B,)
    power_kw: np.ndarray              # (G, B)
    performance: np.ndarray           # (G, B)
    gpus_per_server: np.ndarray       # (G, B)
    max_share: np.ndarray             # (G, B) the most of its predecessors' shipments a generation takes
    idle_fraction: np.ndarray = _key("fleet.idle_fraction")                # (B,)
    h100_gpu_performance: np.ndarray | None = _key("fleet.h100_gpu_performance")  # (B,) one H100 GPU, or None
    demand: DemandInputs | None = None
    power_capacity_gw: np.ndarray | None = _key("power.capacity_gw", None)   # (B,)
    power_additions: tuple = ()                        # ((month, (B,) GW), ...)
    carbon_intensity: np.ndarray | None = None         # (Y, B) gCO2/kWh
    total_electricity: np.ndarray | None = None        # (Y, B) TWh in the scenario's scope

    family: np.ndarray | None = None                   # (G,) each generation's family (index)
    family_share: np.ndarray | None = None             # (Y, F, B) families' shares of shipments
    region_share: np.ndarray | None = None             # (Y, R, B) regions' shares of shipments
    region_pue: np.ndarray | None = None               # (R, B)
    view: int | None = None                            # the region the results report (None: the world)
    other_datacenters: np.ndarray | None = None        # (Y, B) or (Y, R, B) TWh of non-AI data centers
    inference_energy_share: np.ndarray | None = None   # (B,) or (Y, B): inference's share of the electricity
    region_queues: tuple | None = None                 # per region: (capacity GW (B,) or None, additions)
    # the results' generation axis (Scenario.result_rows): the catalogue's rows, then one per trend
    catalogue_rows: np.ndarray | None = None           # (C,) the model's rows of the catalogue's generations
    trend_groups: tuple = ()                           # per family with a trend: its generations' rows

    def draw_fraction_at(self, t: int) -> np.ndarray:
        """The fleet's mean power over its maximum in month ``t`` (B,): fixed, or with two workload
        streams (``demand.training_growth``) the year's, from its mix of work."""
        return self.draw_fraction if self.draw_fraction.ndim == 1 else self.draw_fraction[t // 12]

    @property
    def result_index(self) -> np.ndarray:
        """Each result row's model row whose GPUs per server and family it has (a trend's: its
        first generation's, which are those of all of them)."""
        return np.concatenate([self.catalogue_rows, [members[0] for members in self.trend_groups]]).astype(int)

    @property
    def regions(self) -> int:
        """Regions the fleet's measures are kept for (1: the scope as a whole)."""
        return 1 if self.region_share is None else self.region_share.shape[1]

    @classmethod
    def from_values(cls, scenario, values: dict, accounting: str | None = None,
                    elasticity=None) -> "Inputs":
        batch = len(values["fleet.pue"])
        launch, power_kw, performance, gpus, max_share, family = _generations(scenario, values, batch)
        anchors = np.stack([values[f"shipments.anchors.{y}"] for y in scenario.anchor_years])
        demand = work_share0 = energy_share = None
        if "demand.inference_share" in values:
            # inference's share of the electricity (as published), as a share of the work; the
            # servers per unit of work add up by workload: the fleet's mean draw is the
            # work-weighted harmonic mean of the workloads' utilisations
            inference, training = values["demand.inference_utilisation"], values["demand.training_utilisation"]
            idle = values["fleet.idle_fraction"]
            share = work_share0 = kernels.work_share(values["demand.inference_share"], idle, inference, training)
            energy_share = values["demand.inference_share"]
            if "demand.training_growth" in values:
                # two streams (inference at demand.growth, training at demand.training_growth): the
                # mix of the work, so the fleet's utilisation and draw, set each January from the
                # years since demand started (the mix of its start before then)
                years = np.maximum(np.asarray(scenario.years) - scenario.demand_start_year, 0)[:, None]
                share = kernels.workload_mix(work_share0, values["demand.growth"], values["demand.training_growth"],
                                             years)
                energy_share = kernels.energy_share(share, idle, inference, training)
            utilisation = 1.0 / (share / inference + (1.0 - share) / training)
        else:
            utilisation = values["fleet.utilisation"]
        if scenario.mode == "demand":
            demand = DemandInputs.from_values(scenario, values, elasticity, work_share0)

        def years_of(key, point_years):
            points = np.stack([values[f"{key}.{y}"] for y in point_years])
            return kernels.interpolate_years(scenario.years, point_years, points)

        def additions(key, years):   # ((month of its January, (B,) GW), ...)
            return tuple((12 * (y - scenario.start_year), values[f"{key}.{y}"]) for y in years)

        def by_region(table, attr):
            return np.stack([years_of(f"regions.{r.name}.{table}", getattr(r, attr)) for r in scenario.regions], axis=1)

        carbon = total = other = region_share = region_pue = family_share = None
        if scenario.carbon_years:
            carbon = years_of("carbon.intensity", scenario.carbon_years)
        if scenario.total_electricity_years:
            total = years_of("context.total_electricity", scenario.total_electricity_years)
        if scenario.other_datacenter_years:
            other = years_of("context.other_datacenters", scenario.other_datacenter_years)
        if len(scenario.families) > 1:
            family_share = kernels.divided(np.stack(
                [years_of(f"families.{f.name}.share", f.share_years) for f in scenario.families[1:]], axis=1), 0)
        regions = scenario.regions
        if regions:
            rest = next(i for i, r in enumerate(regions) if not r.share_years)
            region_share = kernels.divided(np.stack(
                [years_of(f"regions.{r.name}.share", r.share_years) for r in regions if r.share_years], axis=1), rest)
            region_pue = np.stack([values[f"regions.{r.name}.pue"] if r.own_pue else values["fleet.pue"]
                                   for r in regions])
            if regions[0].carbon_years:
                carbon = by_region("carbon_intensity", "carbon_years")
            if regions[0].total_years:
                total = by_region("total_electricity", "total_years")
            if regions[0].other_years:
                other = by_region("other_datacenters", "other_years")
        return cls(
            **{f.name: values.get(f.metadata["key"]) for f in fields(cls) if "key" in f.metadata},
            accounting=accounting or scenario.accounting,
            lifetime_stages=scenario.lifetime_stages,
            n_months=scenario.n_months,
            launch_month=launch,
            annual_shipments=kernels.annual_trajectory(
                scenario.years, scenario.anchor_years, anchors,
                values.get("shipments.growth_before"), values["shipments.growth_after"],
                values.get("shipments.growth_next_year")),
            utilisation=utilisation,
            draw_fraction=kernels.draw_fraction(values["fleet.idle_fraction"], utilisation),
            power_kw=power_kw,
            performance=performance,
            gpus_per_server=gpus,
            max_share=max_share,
            demand=demand,
            power_additions=additions("power.additions", scenario.power_addition_years),
            carbon_intensity=carbon,
            total_electricity=total,
            family=family if family_share is not None else None,
            family_share=family_share,
            region_share=region_share,
            region_pue=region_pue,
            view=scenario.view,
            other_datacenters=other,
            inference_energy_share=energy_share,
            region_queues=tuple(
                (values.get(f"regions.{r.name}.power_capacity_gw"), additions(f"regions.{r.name}.power_additions",
                                                                               r.addition_years))
                for r in regions) if any(r.queue for r in regions) else None,
            catalogue_rows=np.array([m[0] for _, _, m, trend in scenario.result_rows if not trend], dtype=int),
            trend_groups=tuple(np.array(m, dtype=int) for _, _, m, trend in scenario.result_rows if trend),
        )


def _generations(scenario, values, batch):
    """Per-generation arrays (G, B) in the order of ``scenario.generation_rows``: the catalogue's
    generations and each family's trend beyond its last catalogued one; and each one's family."""
    gens = scenario.generations
    cadence, power_gain, performance_gain = (values.get(f"trend.{k}") for k in
                                             ("cadence_months", "power_gain", "performance_gain"))
    trends = {}
    for f, fam in enumerate(scenario.families):
        if fam.trend:
            last = gens[fam.generations[-1]]
            trends[f] = kernels.trend_generations(scenario.launch_month_index(last),
                                                  values[f"generation.{last.name}.power_kw"],
                                                  values[f"generation.{last.name}.performance"], cadence, power_gain,
                                                  performance_gain, fam.trend)
    launch, power_kw, performance, gpus, max_share, family = [], [], [], [], [], []
    for name, f, i, j in scenario.generation_rows:
        if j == 0:
            g = gens[i].name
            launch.append(np.full(batch, float(scenario.launch_month_index(gens[i]))))
            power_kw.append(values[f"generation.{g}.power_kw"])
            performance.append(values[f"generation.{g}.performance"])
            gpus.append(values[f"generation.{g}.gpus_per_server"])
            max_share.append(values[f"generation.{g}.max_share"])
        else:
            # the j-th of the family's trend (a generation beyond the catalogue displaces
            # everything of its family before it)
            last = gens[scenario.families[f].generations[-1]]
            launch.append(trends[f][0][j - 1])
            power_kw.append(trends[f][1][j - 1])
            performance.append(trends[f][2][j - 1])
            gpus.append(values[f"generation.{last.name}.gpus_per_server"])
            max_share.append(np.ones(batch))
        family.append(f)
    return (np.stack(launch), np.stack(power_kw), np.stack(performance), np.stack(gpus), np.stack(max_share),
            np.array(family, dtype=int))


def build(scenario, values: dict, accounting: str | None = None, elasticity=None, only=None):
    """The batch's inputs, record and process families (fleet, queue, demand, power); with
    ``only`` (:func:`simulate`), a record of those results and, unless they include some,
    no results by generation; and when they are all results by generation, nothing but these
    (:func:`measures_needed`)."""
    inputs = Inputs.from_values(scenario, values, accounting, elasticity)
    record = Record(inputs.pue.shape[0], len(scenario.years), scenario.n_months, only)
    measures = measures_needed(inputs, only)
    fleet = Fleet(inputs, record, by_generation=only is None or not BY_GENERATION.isdisjoint(only),
                  measures=measures)
    kind = power_queue(inputs)
    queue = None if kind is None else kind(inputs, record)
    demand = Demand(inputs, fleet, record, queue) if inputs.demand is not None else None
    fleet.connect(orders=demand, gate=queue)
    power = Power(inputs, fleet, record) if measures else None
    families = [f for f in (fleet, queue, demand, power) if f is not None]
    return inputs, record, families


def power_queue(inputs):
    """The kind of power queue a run's fleet waits in (:class:`PowerQueue` for the scope's grid,
    :class:`RegionalQueues` region by region), or ``None``: none, or the annual accounting."""
    if inputs.accounting != "installed_base":
        return None
    if inputs.power_capacity_gw is not None:
        return PowerQueue
    return RegionalQueues if inputs.region_queues is not None else None


def measures_needed(inputs, only) -> bool:
    """Whether a run must keep the fleet's measures (servers, power and performance summed over
    generations, :mod:`.fleet`): unless every result asked for (``only``) is one by generation
    that the results by generation make alone, and nothing reads the measures back (no demand
    side, no power queue; the installed base accounted as installed). With regions, the
    electricity by generation takes its PUE from the regions' electricity, so it needs them."""
    if only is None or inputs.demand is not None or inputs.accounting != "installed_base":
        return True
    if power_queue(inputs) is not None:
        return True
    alone = BY_GENERATION - ({"energy_by_generation"} if inputs.region_share is not None else set())
    return not frozenset(only) <= alone


def _environment(families, start: int = 0) -> simpy.Environment:
    """A SimPy environment at month ``start`` with the families' processes: their one-off
    happenings still to come (those of month ``start`` itself happen at once, before its
    phases, when a run goes on from a fork), their monthly steps and their year-end records
    (:class:`Calendar`)."""
    env = simpy.Environment(initial_time=start)
    calendar = Calendar(env)
    for family in families:
        later = []
        for month, action in sorted(family.one_off_events(), key=lambda event: event[0]):   # stable
            if month == start and start > 0:
                action()
            elif month >= start:
                later.append((month, action))
        if later:
            env.process(calendar.happenings(later))
        if hasattr(family, "year_end"):
            env.process(calendar.at_year_ends(family.year_end))
    for phase, step in steps(families):
        env.process(calendar.monthly(phase, step))
    return env


def simulate(scenario, values: dict, accounting: str | None = None, elasticity=None,
             rebound: bool = False, until: int | None = None, only=None) -> dict[str, np.ndarray]:
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
        as ``energy_no_rebound``; and the same draws with the growth of demand's first year
        held from then on, with no response to cost (:meth:`.demand.Demand.hold_growth`), as
        ``energy_trend``. The runs are the same until demand starts (elasticity acts on demand
        only), or until its first year ends, so each counterfactual goes on from a copy of the
        batch's state at that month instead of running the history again: the first's numbers
        are those of a separate run with ``elasticity = 0``, bit for bit (tested).
    until : int, optional
        Run only the first ``until`` months (a calibration's candidates: the observations look
        no further); the results of later months are zeros. Not with ``rebound``.
    only : set of str, optional
        The results wanted, when not all are (a sweep's metric reads the electricity or the
        facility power): the record keeps these (:class:`Record`) and IT power, and the
        results by generation are not kept unless one of them is asked for (they feed nothing
        back); when only results by generation are asked for, the fleet's measures are not kept
        either, where nothing reads them back (:func:`measures_needed`). The results returned
        are those of a full run, bit for bit (tested), for less than half the work.

    Returns
    -------
    dict
        Variable name → array with ``draw`` as first axis (see :class:`Record`).
    """
    # the draws are independent: the model runs them sorted by whole months of lead time, so
    # that the lead time reads slices (kernels.lagged), and returns them in their order
    batch = len(values["fleet.pue"])
    order = np.argsort(np.floor(values["fleet.lead_time_months"]), kind="stable")
    if np.array_equal(order, np.arange(batch)):
        order = None
    else:
        values = {k: np.asarray(v)[order] for k, v in values.items()}
        elasticity = None if elasticity is None else np.asarray(elasticity)[order]
    if until is not None and rebound:
        raise ValueError("simulate: the rebound needs the whole run (until=None)")
    out = _simulate(scenario, values, accounting, elasticity, rebound, until, only)
    if order is not None:
        inverse = np.empty_like(order)
        inverse[order] = np.arange(batch)
        # along the draw axis where it lies in memory (last): a gather of contiguous rows
        out = {k: np.moveaxis(np.take(np.moveaxis(v, 0, -1), inverse, axis=-1), -1, 0) for k, v in out.items()}
    return out


def _simulate(scenario, values, accounting, elasticity, rebound, until=None, only=None) -> dict[str, np.ndarray]:
    """:func:`simulate` on a batch already in the model's order (sorted by lead time)."""
    inputs, record, families = build(scenario, values, accounting, elasticity, only)
    env = _environment(families)
    forks = []
    if rebound and inputs.demand is not None:
        # the counterfactuals go on from copies of the run's state: with no demand response from
        # the month demand starts, and with demand's first-year growth held from a year later
        n = scenario.n_months
        start = min(inputs.demand.start_month, n)
        env.run(until=start)
        forks.append(("energy_no_rebound", start, _fork(inputs, record, families)))
        if start + 12 < n:
            env.run(until=start + 12)
            forks.append(("energy_trend", start + 12, _fork(inputs, record, families)))
    env.run(until=scenario.n_months if until is None else min(until, scenario.n_months))
    out = record.finish(inputs)
    _release(families)
    for name, month, (inputs, record, families) in forks:
        demand = next(family for family in families if isinstance(family, Demand))
        if name == "energy_no_rebound":
            inputs.demand.elasticity = np.zeros_like(inputs.demand.elasticity)
        else:
            demand.hold_growth(month)
        _environment(families, month).run(until=scenario.n_months)
        out[name] = record.finish(inputs)["energy"]
        _release(families)
    return out


def _fork(inputs, record, families):
    """A copy of a run's state for a counterfactual, which needs only the electricity: it leaves
    out the results by generation and keeps only the record of IT power; it reads the offers
    the run makes from the fork on (the split of shipments does not depend on demand)."""
    fleet = next(family for family in families if isinstance(family, Fleet))
    if fleet.offers is None:
        fleet.offers = {}
    memo = {id(fleet.by_generation): None, id(fleet.parts): [], id(record): record.lean_copy({"it_power", "energy"}),
            id(fleet.offers): fleet.offers}
    return copy.deepcopy((inputs, record, families), memo)


def _release(families) -> None:
    """Drop the state of a finished run's process families. They refer to one another and to
    the SimPy environment, a cycle that Python's garbage collector frees only when it next
    runs; until then their arrays (hundreds of MB for a large batch) would stay allocated, and
    the next batch would take fresh memory instead of reusing theirs."""
    for family in families:
        vars(family).clear()