"""The demand side: compute demand, efficiency, the Jevons response, supply and power limits.

Work is counted in *reference-server-hours*: one hour of a server of ``performance = 1``
(the scenario's reference server) at full throughput. With ``shipments.mode = "demand"``
shipments follow ``shipments.anchors`` until ``demand.start_year`` (the history), and from
its first month follow demand:

* demand for useful tasks grows exogenously and responds to their cost with elasticity ε;
  the work a task needs falls with algorithmic efficiency, so the work demanded is
  ``W(t) = W0 · (1+g)^τ · A(t) · C(t)^-ε`` with ``τ`` years since the start of demand,
  ``A(t) = 2^(-months/halving)`` and the cost of a task relative to the start
  ``C(t) = A(t) · [s_e · e(t)/e0 + (1 - s_e) · (1 - d)^τ]``, where ``e`` is the electricity
  per unit of work of the servers on sale this month (kWh per reference-server-hour of the
  shipment mix, from the catalogue's power and performance and the PUE: the price of
  compute is set at the margin, by the hardware that can be bought, so neither a supply
  cap nor a power queue changes it), ``s_e`` the electricity share of cost and ``d`` the
  capital cost decline. ``W0`` is the work that the servers installed or on
  their way (shipped, not yet drawing power) when demand starts can do: the history's
  shipments were made to meet demand;
* orders are what it takes for capacity (installed, less what will retire before an order
  placed now arrives; in transit; waiting for power) to serve ``W(t)`` at the fleet's
  utilisation, with demand expected to go on growing over the lead time at its latest
  monthly rate (adaptive expectations); what the supply cap does not let ship is the
  backlog, revised every month; shipments are orders plus backlog,
  capped by a manufacturing capacity; the rest stays as backlog;
* optionally (``[power]``), servers ready to deploy wait in a first-come queue until
  facility power is free; capacity grows by scheduled additions (SimPy events).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import partial

import numpy as np

from . import cohorts, kernels
from .calendar import Step
from .fleet import PERFORMANCE, POWER_KW, SERVERS

MONTHS = 3   # the power queue's fourth cumulative row: servers × month of arrival

HOURS = kernels.HOURS_PER_MONTH


@dataclass
class DemandInputs:
    """Per-draw demand-side arrays for one batch (all shape (B,) unless noted). Each field but
    the first and the last is the ``[demand]`` key of its name (``growth`` is ``demand.growth``):
    :meth:`from_values` reads them by name, so a key is declared once, in the registry."""

    start_month: int
    growth: np.ndarray
    elasticity: np.ndarray
    algorithmic_halving_months: np.ndarray | None
    energy_cost_share: np.ndarray
    capital_cost_decline: np.ndarray
    inference_share: np.ndarray | None
    training_utilisation: np.ndarray | None
    inference_utilisation: np.ndarray | None
    supply_capacity: np.ndarray | None
    supply_growth: np.ndarray
    spending_share_start: np.ndarray | None = None
    spending_share_max: np.ndarray | None = None
    spending_share_rate: np.ndarray | None = None
    it_spending_growth: np.ndarray | None = None
    training_growth: np.ndarray | None = None     # training's own growth (two streams); growth is then inference's
    work_share0: np.ndarray | None = None         # inference's share of the work when demand starts
    _rates: tuple | None = None   # the clock's rates, made when first asked

    def clock(self, years: float) -> dict:
        """The factors that depend on time alone, ``years`` after demand starts (each (B,)):
        ``growth`` ``(1 + g)^τ``, ``capital`` ``(1 - d)^τ``, ``algorithmic`` ``2^(-12 τ / halving)``
        (or 1), ``supply`` ``(1 + supply_growth)^τ`` and ``ceiling``, the spending ceiling relative
        to the spending when demand starts (1 then; ``None`` without a budget): IT spending
        growing at ``it_spending_growth`` times AI compute's share of it, rising along a
        logistic from ``spending_share_start`` to ``spending_share_max`` at rate
        ``spending_share_rate``. All are ``exp(τ × rate)``, taken together in one call."""
        if self._rates is None:
            rates = {"growth": np.log1p(self.growth), "capital": np.log1p(-self.capital_cost_decline),
                     "supply": np.log1p(self.supply_growth)}
            if self.algorithmic_halving_months is not None:
                rates["algorithmic"] = -12.0 * np.log(2.0) / self.algorithmic_halving_months
            if self.spending_share_max is not None:
                rates["it_spending"] = np.log1p(self.it_spending_growth)
                rates["share"] = -self.spending_share_rate
            if self.training_growth is not None:
                rates["training"] = np.log1p(self.training_growth)
            self._rates = (list(rates), np.stack([np.broadcast_to(r, self.growth.shape) for r in rates.values()]))
        names, rates = self._rates
        out = dict(zip(names, np.exp(years * rates)))
        out.setdefault("algorithmic", 1.0)
        if "training" in out:   # two streams: the work demanded grows as their mix at the start says
            s0 = self.work_share0
            out["growth"] = s0 * out["growth"] + (1.0 - s0) * out.pop("training")
        out["ceiling"] = None
        if self.spending_share_max is not None:
            ratio = self.spending_share_max / self.spending_share_start
            out["ceiling"] = out["it_spending"] * ratio / (1.0 + (ratio - 1.0) * out["share"])
        return out

    @classmethod
    def from_values(cls, scenario, values: dict, elasticity=None, work_share0=None) -> "DemandInputs":
        keys = {f.name: values.get(f"demand.{f.name}") for f in fields(cls)
                if f.name not in ("start_month", "work_share0", "_rates")}     # absent: None
        if elasticity is not None:
            keys["elasticity"] = elasticity
        return cls(start_month=12 * (scenario.demand_start_year - scenario.start_year), work_share0=work_share0,
                   **keys)


class Demand:
    """Compute demand, orders, backlog and served work for one batch of draws.

    Its phases are ``plan`` (after the month's ``offer``, so orders are priced and counted in
    the generations on sale this month) and ``serve`` (after ``retire``, on the month's
    installed base). It owns ``ordered_total``, the month's planned shipments (servers),
    which :meth:`sim.model.fleet.Fleet.ship` follows once demand has started.

    Parameters
    ----------
    inputs : sim.model.Inputs
    fleet : sim.model.fleet.Fleet
    record : sim.model.Record
    queue : PowerQueue or None
    """

    def __init__(self, inputs, fleet, record, queue=None):
        self.inputs = inputs
        self.d = inputs.demand
        self.fleet = fleet
        self.record = record
        self.queue = queue
        batch = inputs.pue.shape[0]
        self.work_demanded = np.zeros(batch)  # reference-server-hours this month
        # work a month per unit of performance (the fleet's measure): utilisation x 730 h
        self.work_per_performance = inputs.utilisation * HOURS   # (B,), or (Y, B) with two workload streams
        self.horizon = inputs.lead_time_months + 1.0             # months an order looks ahead
        self.ordered_total = None             # (B,) servers to ship this month, once demand starts
        self.cost_per_work = np.ones(batch)   # cost of a unit of work at the hardware's cost, relative to the start
        self.ceiling = None                   # (B,) spending ceiling this month, relative to the start
        self.capacity = None                  # (B,) work a month the installed base can serve
        self.work0 = None
        self.energy_per_work0 = None
        self._mix = self._energy_per_work = None   # the last mix asked about, and its value
        self._planned = None                  # this month's plan, once demand has started
        self.held = None                      # (work, monthly factor, month): demand's growth held (hold_growth)

    def one_off_events(self) -> list:
        return []

    @property
    def serving(self) -> bool:
        """Serving only writes results: a run that keeps none of them (the rebound's
        counterfactual keeps only the electricity) plans and does not serve."""
        return self.record.wants("compute_served")

    def phases(self) -> dict:
        """``plan`` from the month demand starts (``demand.start_year``), which first sets
        demand's starting point (:meth:`_begin`); ``serve`` after it, and before it the
        history's served work (:meth:`serve_history`)."""
        start = self.d.start_month
        phases = {"plan": Step(self.plan, start, begin=self._begin)}
        if self.serving:
            phases["serve"] = Step(self.serve, start, before=self.serve_history)
        return phases

    def year_end(self, t: int) -> None:
        """At a December from demand's start: what the supply cap did not let ship, the
        backlog, as servers of the month's mix."""
        if self._planned is None or not self.record.wants("backlog"):
            return
        wanted_work, total, per_new_server = self._planned
        backlog_work = np.maximum(wanted_work - total * per_new_server, 0.0)
        self.record.end_of_year("backlog", t, backlog_work / per_new_server)

    def work_rate(self, t: int) -> np.ndarray:
        """Work a month per unit of the fleet's performance in month ``t`` (B,): its utilisation
        x 730 h (the year's, with two workload streams)."""
        w = self.work_per_performance
        return w if w.ndim == 1 else w[t // 12]

    def energy_per_work(self, mix: np.ndarray) -> np.ndarray:
        """Facility kWh per reference-server-hour of one server of a mix (the fleet's measures
        of it, (3, B)). The fleet's mix changes only while a generation ramps up: the last
        mix's value is kept."""
        if mix is self._mix:
            return self._energy_per_work
        self._mix = mix
        self._energy_per_work = self.inputs.pue * mix[POWER_KW] / mix[PERFORMANCE]
        return self._energy_per_work

    def _begin(self) -> None:
        """Demand starts at the work of the servers installed and on their way (in transit,
        or waiting for power): the history's shipments were made to meet demand. (In the
        month demand starts, after the month's offer.)"""
        fleet = self.fleet
        performance = fleet.world(fleet.installed, PERFORMANCE) + fleet.world(fleet.in_transit, PERFORMANCE)
        if self.queue is not None:
            performance = performance + self.queue.queued[PERFORMANCE]
        self.work0 = performance * self.work_rate(self.d.start_month)
        self.work_demanded = self.work0     # the month before demand starts demanded what was there
        self.energy_per_work0 = self.energy_per_work(fleet.mix)

    def plan(self, t: int) -> None:
        """Monthly, from ``demand.start_year``: work demanded (``demand.*`` keys), orders,
        shipments under the supply cap (``demand.supply_capacity``, ``demand.supply_growth``)
        and backlog (servers)."""
        d, fleet = self.d, self.fleet
        clock = d.clock((t - d.start_month) / 12.0)
        algorithmic = clock["algorithmic"]
        relative_cost = algorithmic * (
            d.energy_cost_share * self.energy_per_work(fleet.mix) / self.energy_per_work0
            + (1.0 - d.energy_cost_share) * clock["capital"])
        previous = self.work_demanded
        if self.held is None:
            self.work_demanded = self.work0 * clock["growth"] * algorithmic * relative_cost ** -d.elasticity
        else:
            work, factor, month = self.held
            self.work_demanded = work * factor ** (t - month)
        # spending on compute is bounded: at the hardware's cost, no more work is bought than the
        # ceiling pays for (the cost of a unit of work is the cost of a task over the work per task)
        self.cost_per_work = relative_cost / algorithmic
        self.ceiling = clock["ceiling"]
        if self.serving:
            self.work_unbounded = self.work_demanded.copy()   # the demand curve at cost, before the budget
        if self.ceiling is not None:
            affordable = self.ceiling * self.work0 / self.cost_per_work
            if self.serving:
                self.record.add("budget_bound", t, (self.work_demanded > affordable) / 12.0)
            np.minimum(self.work_demanded, affordable, out=self.work_demanded)
        # adaptive expectations: demand's latest monthly growth, carried over the lead time
        trend = np.divide(self.work_demanded, previous, out=np.ones_like(previous), where=previous > 0)
        expected = self.work_demanded * trend ** self.horizon
        # capacity in place or on its way, in work per month at the fleet's utilisation,
        # net of the installed servers that will retire before an order placed now arrives
        pending = (fleet.world(fleet.installed, PERFORMANCE) - fleet.retiring_within_lead(PERFORMANCE)
                   + fleet.world(fleet.in_transit, PERFORMANCE))
        if self.queue is not None:
            pending += self.queue.queued[PERFORMANCE]
        work_rate = self.work_rate(t)
        in_place = pending * work_rate
        # what is wanted is the gap, revised every month (orders no longer needed are
        # cancelled); it is capacity (work per month) until it ships, as servers of the
        # generations on sale then
        wanted_work = np.maximum(expected - in_place, 0.0)
        per_new_server = fleet.mix[PERFORMANCE] * work_rate
        total = wanted_work / per_new_server
        if d.supply_capacity is not None:
            np.minimum(total, d.supply_capacity * (clock["supply"] / 12.0), out=total)
        self.ordered_total = total
        self._planned = (wanted_work, total, per_new_server)    # for the backlog at the year's end
        self.record.add("compute_demand", t, self.work_demanded)

    def hold_growth(self, t: int) -> None:
        """From month ``t``, a year after demand started, the work demanded keeps the monthly
        growth of demand's first year (each draw's own: its work demanded in the year's twelfth
        month over that of its first, ``W0``, eleven months of growth), with no response to cost;
        the supply cap, the power queue and the spending ceiling act as before. This is the
        counterfactual in which the growth seen in demand's first year simply goes on
        (``energy_trend``; :func:`sim.model.simulate`)."""
        if t != self.d.start_month + 12:
            raise ValueError("hold_growth: the growth held is that of demand's first year")
        last, first = self.work_demanded, self.work0
        ratio = np.divide(last, first, out=np.ones_like(last), where=first > 0)
        self.held = (last, ratio ** (1.0 / 11.0), t - 1)

    def serve_history(self, t: int) -> None:
        """Monthly, before demand starts: the installed base's work is what was demanded and
        served (the history's shipments were made to meet demand)."""
        capacity = self.capacity = self.fleet.world(self.fleet.installed, PERFORMANCE) * self.work_rate(t)
        self.record.add("compute_demand", t, capacity)
        self.record.add("compute_served", t, capacity)

    def serve(self, t: int) -> None:
        """Monthly, after deployment and retirement: the price that clears the market, work
        served and the work priced out (reference-server-hours). Servers draw power at their
        utilisation whether or not demand calls for all their capacity, as in trajectory mode.

        At the hardware's cost ``c`` demand is ``U`` along the demand curve, bounded by what the
        spending ceiling affords, ``A = B W0 / c``. When the installed capacity ``K`` is short of
        ``min(U, A)``, the price rises to the lowest ``p`` at which demand falls to ``K``
        (:func:`~sim.model.kernels.clearing_markup`: along the demand curve ``p1 = c (U/K)^(1/ε)``,
        or along the budget ``p2 = B W0 / K``, whichever comes first). The difference ``p/c - 1``
        is the scarcity rent; the work no longer demanded at ``p`` is priced out
        (``unserved_demand``). With ε = 0 and no budget nothing clears the market: the excess
        stays unserved at cost.
        """
        d = self.d
        capacity = self.capacity = self.fleet.world(self.fleet.installed, PERFORMANCE) * self.work_rate(t)
        wanted = self.work_demanded
        served = np.minimum(wanted, capacity)
        markup = np.ones_like(wanted)
        if (wanted > capacity).any():
            affordable = (np.full_like(wanted, np.inf) if self.ceiling is None
                          else self.ceiling * self.work0 / self.cost_per_work)
            markup = kernels.clearing_markup(self.work_unbounded, affordable, capacity, d.elasticity)
        self.markup = markup          # the month's markup of the clearing price over cost
        price = self.cost_per_work * markup
        self.record.add("compute_served", t, served)
        self.record.add("unserved_demand", t, wanted - served)
        self.record.add("price", t, price / 12.0)
        self.record.add("scarcity_rent", t, (markup - 1.0) / 12.0)
        self.record.add("spending", t, price * served / self.work0 / 12.0)
        if self.ceiling is not None:
            self.record.add("spending_ceiling", t, self.ceiling / 12.0)


class PowerQueue:
    """A first-come queue of servers ready to deploy, waiting for free facility power.

    Servers that finished their lead time arrive each month as a cohort; the queue admits
    them in order of arrival while their peak facility power (maximum power × PUE: grid
    connections are sized on peak, not on the average draw) fits under the capacity left by
    the installed fleet, admitting the last cohort in part. Capacity starts at
    ``power.capacity_gw`` and grows by the scheduled ``power.additions`` (each a one-off SimPy
    event at the start of January of its year, before that month's phases). The fleet asks it,
    in its ``admit`` phase, which of the month's ready servers start drawing power
    (:meth:`admit`); the queue owns ``queued``, the servers waiting. Like the fleet it counts
    in measures (servers, maximum power, performance; :mod:`.fleet`).

    First-come order makes admission a matter of cumulative sums: with ``N(c)`` the maximum
    power of all cohorts up to ``c`` and ``X`` the power admitted so far, a month admits up
    to ``X' = min(N(now), X + free / PUE)``, and what is admitted is the cumulative arrivals
    interpolated at ``X'`` (:func:`~sim.model.cohorts.fifo_position`). Where the head of the
    queue stands (``waiting``, ``head_cohort``, ``head_fraction``) is what the results by
    generation need to follow it.

    Parameters
    ----------
    inputs : sim.model.Inputs
    record : sim.model.Record
    capacity_gw, additions, pue : optional
        A region's queue (:class:`RegionalQueues`): its capacity, additions and PUE instead of
        the scenario's ``power.capacity_gw``, ``power.additions`` and ``fleet.pue``.
    """

    def __init__(self, inputs, record, capacity_gw=None, additions=None, pue=None):
        self.record = record
        batch = inputs.pue.shape[0]
        capacity_gw = inputs.power_capacity_gw if capacity_gw is None else capacity_gw
        additions = inputs.power_additions if additions is None else additions
        self.capacity_kw = capacity_gw * kernels.KW_PER_GW
        self.additions = [(month, gw) for month, gw in additions if month > 0]
        for month, gw in additions:
            if month <= 0:
                self.capacity_kw = self.capacity_kw + gw * kernels.KW_PER_GW
        self.pue = inputs.pue if pue is None else pue
        self.nameplate_kw = self.capacity_kw / self.pue   # capacity in maximum power (peak / PUE)
        # cumulative over cohorts: the measures, and servers × arrival month (row MONTHS)
        self.cumulative = cohorts.CohortRing(4, batch, size=cohorts.QUEUE_MONTHS)
        self.arriving = np.zeros((4, batch))              # this month's cohort, the same four
        self.admitted = np.zeros((4, batch))              # the same, admitted so far
        self.first = np.zeros(batch, dtype=np.int64)      # cohort the head is in
        self.queued = np.zeros((3, batch))                # measures waiting
        self.waiting = np.zeros(0, dtype=np.int64)        # draws whose queue did not clear this month
        self.head_cohort = self.head_fraction = np.zeros(0)

    def one_off_events(self) -> list:
        """Scheduled power additions (``power.additions``, GW): (month, action)."""
        return [(month, partial(self.add_capacity, gw)) for month, gw in self.additions]

    def phases(self) -> dict:
        return {}  # the fleet's admit phase asks the queue (:meth:`admit`)

    def year_end(self, t: int) -> None:
        """The servers waiting for power at the end of the year."""
        self.record.end_of_year("power_queue", t, self.queued[SERVERS])

    def add_capacity(self, gw: np.ndarray) -> None:
        self.capacity_kw = self.capacity_kw + gw * kernels.KW_PER_GW
        self.nameplate_kw = self.capacity_kw / self.pue

    def admit(self, t: int, arriving: np.ndarray, installed: np.ndarray) -> np.ndarray:
        """Queue the servers that are ready this month; return those admitted under the power
        the ``installed`` fleet leaves free. All three are measures (3, B)."""
        ring, cohort_in = self.cumulative, self.arriving
        cohort_in[:MONTHS] = arriving
        np.multiply(arriving[SERVERS], t, out=cohort_in[MONTHS])
        arrived = ring.push(t, cohort_in, int(self.first.min()))
        need = arrived[POWER_KW]
        # in maximum power: peak facility power is maximum power × PUE
        free = np.maximum(self.nameplate_kw - installed[POWER_KW], 0.0)
        target = np.minimum(need, self.admitted[POWER_KW] + free)
        clears = target == need   # draws whose whole queue is admitted
        # a draw whose queue clears takes the exact totals, so that no draw's numbers depend on
        # the others in its batch; the others' heads are placed, and their cohort interpolated
        admitted = arrived.copy()
        cohort = np.full(target.shape, t)
        waiting = np.flatnonzero(~clears)
        head_cohort = fraction = np.zeros(0)
        if waiting.size:
            head_cohort, fraction = cohorts.fifo_position(ring, target, self.first, t, waiting, row=POWER_KW)
            before, after = ring.gather(head_cohort + np.array([[0], [1]]), waiting)
            head = after - before   # the head's cohort
            admitted[:, waiting] = before + fraction * head
            admitted[MONTHS, waiting] = before[MONTHS] + fraction * head_cohort * head[SERVERS]
            admitted[POWER_KW, waiting] = target[waiting]   # exactly: the power admitted so far
            cohort[waiting] = head_cohort
        self.waiting, self.head_cohort, self.head_fraction = waiting, head_cohort, fraction
        now = np.maximum(admitted - self.admitted, 0.0)
        self.admitted = admitted
        self.first = cohort
        np.maximum(arrived[:MONTHS] - admitted[:MONTHS], 0.0, out=self.queued)
        record = self.record
        if record.wants("queue_admitted"):
            count = now[SERVERS]
            record.add("queue_admitted", t, count)
            record.add("queue_waited", t, np.maximum(count * t - now[MONTHS], 0.0))
        return now[:MONTHS]


class RegionalQueues:
    """Power queues region by region (``regions.<region>.power_capacity_gw``): each region's ready
    servers wait in its own first-come :class:`PowerQueue` for its own capacity, at its own PUE;
    a region without one admits all it gets. Like the fleet, it counts in measures by region
    (rows ``m R + r``); ``queued`` is the world's, what the demand side counts as on its way."""

    def __init__(self, inputs, record):
        self.record = record
        regions = inputs.regions
        self.queues = {r: PowerQueue(inputs, record, capacity, additions, inputs.region_pue[r])
                       for r, (capacity, additions) in enumerate(inputs.region_queues) if capacity is not None}
        self.rows = {r: [r, regions + r, 2 * regions + r] for r in self.queues}

    def one_off_events(self) -> list:
        return [event for queue in self.queues.values() for event in queue.one_off_events()]

    def phases(self) -> dict:
        return {}  # the fleet's admit phase asks the queues (:meth:`admit`)

    @property
    def queued(self) -> np.ndarray:
        """The measures waiting for power (3, B), summed over the regions' queues in order."""
        return kernels.sum_rows(np.stack([queue.queued for queue in self.queues.values()]))

    def year_end(self, t: int) -> None:
        self.record.end_of_year("power_queue", t, self.queued[SERVERS])

    def admit(self, t: int, arriving: np.ndarray, installed: np.ndarray) -> np.ndarray:
        """The ready servers (3R, B) each region admits this month under its own capacity."""
        admitted = arriving.copy()
        for r, queue in self.queues.items():
            rows = self.rows[r]
            admitted[rows] = queue.admit(t, arriving[rows], installed[rows])
        return admitted
