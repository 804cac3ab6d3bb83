"""The server fleet: catalogue launches, shipments, deployment and retirement.

State is numpy arrays over the batch's ``draw`` axis. :class:`Fleet` owns every piece of
fleet state; other process families read it and never write it. Its monthly phases
(``offer``, ``ship``, ``deploy``, ``admit``, ``retire``) run in the order
:data:`sim.model.PHASES` gives; a generation's launch is a one-off SimPy event at the start of
its month.

Measures, not generations
-------------------------
Everything the rest of the model asks of the fleet is a sum over generations of servers times
a per-server quantity: how many servers, their maximum power (the power queue and the
electricity) and their performance (the work they serve). Every flow of the fleet — shipping,
the lead time, the power queue, the aging chain — is linear and treats all generations alike
(one lead time, one lifetime, one queue in order of arrival). So the fleet keeps its state as
these three *measures* (:data:`MEASURES`; rows of (3, B) arrays) instead of one row per
generation: the same numbers, up to rounding, for a fifth of the work when fifteen
generations are on sale. The results by generation are kept beside them by
:class:`~sim.model.by_generation.ByGeneration` (the results' rows: each catalogued generation,
and each trend's generations summed in one), which follows the same flows row by row and feeds
back into nothing; a run that needs only the electricity (a counterfactual, a sweep's run)
leaves it out.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from ..parameters.outputs import count_factor
from . import cohorts, kernels, lifetime
from .by_generation import ByGeneration

# the fleet's measures: rows of its (3, B) state arrays (sums over generations of servers ×)
MEASURES = ("servers", "power_kw", "performance")
SERVERS, POWER_KW, PERFORMANCE = range(3)


class Fleet:
    """Shipments, deployment pipeline and installed base for one batch of draws.

    Parameters
    ----------
    inputs : sim.model.Inputs
        Per-draw parameter arrays and the scenario's structure.
    record : sim.model.Record
        Where annual and monthly results are written.
    by_generation : bool
        Keep the results by generation (:class:`ByGeneration`).
    measures : bool
        Keep the measures: without them (a run that wants only results by generation, which
        nothing reads back: :func:`sim.model.measures_needed`) the fleet offers, ships and
        admits for its results by generation alone.
    """

    def __init__(self, inputs, record, by_generation: bool = True, measures: bool = True):
        self.inputs = inputs
        self.record = record
        self.measures = measures
        n_gen, batch = inputs.power_kw.shape
        # with regions, each measure has a row per region: measure m is rows m R .. m R + R - 1
        regions = self.regions = inputs.regions
        self.row = [m if regions == 1 else slice(m * regions, (m + 1) * regions) for m in range(3)]
        # with families, each family's generations displace one another and the families divide
        # the shipments by their shares of the year
        self.families = self.family_mix = None
        if inputs.family_share is not None:
            self.families = [np.flatnonzero(inputs.family == f) for f in range(inputs.family_share.shape[1])]
        # generations launched before the first month are on sale from the start
        self.launch_month = inputs.launch_month            # (G, B)
        self.on_sale = inputs.launch_month <= 0
        # generations in launch order: only the first ``n`` can hold servers yet (the others are
        # not on sale in any draw), so by-generation work covers the first ``n`` rows
        self.n = 1 + int(np.flatnonzero(self.on_sale.any(axis=1)).max(initial=0))
        if self.families is not None:   # a family's first generation stands for all it sold before
            self.n = max(self.n, 1 + max(int(members[0]) for members in self.families))
            self.position = np.zeros(n_gen, dtype=int)    # each generation's place in its family
            for members in self.families:
                self.position[members] = np.arange(len(members))
        # (3, G, B): each generation's servers, maximum power and performance per server
        self.per_server = np.stack([np.ones_like(inputs.power_kw), inputs.power_kw, inputs.performance])
        self.shares = np.zeros((n_gen, batch))       # split of this month's shipments by generation
        self.shares[0] = 1.0
        self.mix = self.per_server[:, 0].copy()      # (3, B) measures of one server of this month's split
        # the state, in measures (3, B): this month's flows, and the stocks
        rows = 3 * regions
        self.shipped = np.zeros((rows, batch))       # shipped this month
        self.ready = np.zeros((rows, batch))         # lead time ended this month
        self.in_transit = np.zeros((rows, batch))    # shipped, lead time not yet over
        self.deployed = np.zeros((rows, batch))      # starting to draw power this month
        self.retired = np.zeros((rows, batch))       # leaving service this month
        self.installed = np.zeros((rows, batch))     # drawing power this month
        # the lead time, as the results by generation keep it: shipments so far, by month, and what
        # has arrived by now, (1 - f) S(t + 1 - L) + f S(t - L) (kernels.lagged)
        self.lead_floor, self.lead_frac = kernels.whole_months(inputs.lead_time_months)
        self.runs = kernels.lead_runs(self.lead_floor)
        self.lead = (self.lead_floor, self.lead_frac, self.runs)     # shared with the results by generation
        self.shipped_so_far = cohorts.CohortRing(rows, batch, size=max(16, int(self.lead_floor.max()) + 2))
        self.arrived = np.zeros((rows, batch))       # arrived so far
        self.stages = np.zeros((inputs.lifetime_stages, rows, batch))
        self.exit_probability = np.minimum(
            inputs.lifetime_stages / (12.0 * inputs.lifetime_years), 1.0)
        self.exit_weights = None   # made when the demand side first asks
        self.changes = None        # (T,) months in which the split of shipments changes in some draw
        self.offers = None         # month -> its mix (3, B), kept for a run forked from this one
        self.displaced = 0         # leading generations no draw ships any more, for good
        self.orders = None         # the demand side, whose ``ordered_total`` sets shipments once set
        self.gate = None           # the power queue that admits ready servers, if any
        self.by_generation = ByGeneration(inputs, record, self.exit_probability, self.lead) if by_generation else None
        self.parts = []            # (ByGeneration, its region or None, its power queue): :meth:`connect`

    def connect(self, orders=None, gate=None) -> None:
        """Wire the demand side (orders) and the power queue (admission) to the fleet; and the
        results by generation to the queue they follow: the scope's, or with queues region by
        region the view's region's, or for the world one part per region, each following its
        own region's queue, whose results add up (:meth:`ByGeneration.year_end`)."""
        self.orders, self.gate = orders, gate
        if self.by_generation is None:
            return
        view, queues = self.inputs.view, getattr(gate, "queues", None)
        if queues is None:
            self.parts = [(self.by_generation, view, gate)]
        elif view is not None:
            self.parts = [(self.by_generation, view, queues.get(view))]
        else:
            self.parts = [(self.by_generation if r == 0 else
                           ByGeneration(self.inputs, self.record, self.exit_probability, self.lead, adds=True), r,
                           queues.get(r))
                          for r in range(self.regions)]

    def one_off_events(self) -> list:
        """Launches of generations after the first month: (month, action), one event for each
        month in which some generation launches in some draws (a catalogued one: in all)."""
        launching = {}    # month -> the generations launching in it in some draws, in order
        for g, months in enumerate(self.launch_month):
            for month in np.unique(months[(months > 0) & (months < self.inputs.n_months)]):
                launching.setdefault(int(month), []).append(g)
        return [(month, partial(self.launch_in, month, generations))
                for month, generations in sorted(launching.items())]

    def phases(self) -> dict:
        """This family's monthly phases, by name (see :data:`sim.model.PHASES`)."""
        if self.inputs.accounting == "annual_shipments":
            return {"offer": self.offer, "ship": self.ship, "deploy": self.count_annual_shipments}
        if not self.measures:
            return {"offer": self.offer, "ship": self.ship, "admit": self.admit}
        return {"offer": self.offer, "ship": self.ship, "deploy": self.deploy, "admit": self.admit,
                "retire": self.retire}

    def launch_in(self, month: int, generations: list) -> None:
        """Generations go on sale in the draws that launch them in ``month``
        (``generation.*.launch``, ``trend.*``)."""
        for g in generations:
            self.on_sale[g] |= self.launch_month[g] == month
        self.n = max(self.n, generations[-1] + 1)

    def offer(self, t: int) -> None:
        """The month's split of shipments across the generations on sale:
        :func:`~sim.model.kernels.adoption_shares` with ``shipments.adoption_ramp_months`` and
        each generation's ``max_share``; and the measures of one server of that split.

        The split changes only in months when some generation ramps up in some draw
        (``changes``), and it depends on launches and ramps alone, never on demand: a run forked
        from this one (the rebound's counterfactual) reads this run's offers (``offers``, kept
        from the fork on)."""
        offers = self.offers
        if offers is not None and t in offers:
            self.mix = offers[t]
            return
        if self.changes is None:
            self.changes = kernels.changing_months(self.launch_month, self.inputs.adoption_ramp_months,
                                                   self.inputs.n_months)
            if self.families is not None:
                self.changes[::12] = True   # the families' shares change with the year
        if self.families is not None:
            if self.changes[t] or t == 0:
                self._offer_families(t)
        elif self.changes[t] or t == 0:
            n = self.n
            # months since launch; negative before it (a weight of zero, as off sale)
            months_on_sale = t - self.launch_month[:n]
            self.shares, self.displaced = kernels.adoption_shares(
                months_on_sale, self.inputs.adoption_ramp_months, self.inputs.max_share[:n], displaced=True,
                first=self.displaced)
            # displaced generations add exact zeros: leaving them out changes no bit
            lo = self.displaced
            if self.measures:
                self.mix = kernels.weighted_sum(self.shares[lo:], self.per_server[:, lo:n].swapaxes(0, 1))   # (3, B)
        if offers is not None:
            offers[t] = self.mix

    def _offer_families(self, t: int) -> None:
        """The split of shipments with families: within each family as :meth:`offer` splits a
        catalogue (recomputed in the months its own generations ramp up, over its generations
        launched in some draw and not yet left behind in every draw), times the family's share
        of the year; the mix is the families' mixes weighted by their shares."""
        if self.family_mix is None:
            n_months, batch = self.inputs.n_months, self.shares.shape[1]
            self.family_mix = np.zeros((len(self.families), 3, batch))
            self.family_within = [np.zeros((0, batch)) for _ in self.families]
            self.family_changes = [kernels.changing_months(self.launch_month[m], self.inputs.adoption_ramp_months,
                                                           n_months) for m in self.families]
            self.family_displaced = [0] * len(self.families)
            # each family's rows, gathered once into arrays of their own: a month reads slices
            self.family_rows = [(self.launch_month[m], self.inputs.max_share[m], self.per_server[:, m])
                                for m in self.families]
        year_share = self.inputs.family_share[t // 12]          # (F, B)
        for f, members in enumerate(self.families):
            k = int(np.searchsorted(members, self.n))               # the family's rows the fleet covers
            changed = t == 0 or self.family_changes[f][t] or k != len(self.family_within[f])
            if not changed and t % 12:
                continue
            before = self.family_displaced[f]
            if changed:
                launch, max_share, per_server = self.family_rows[f]
                within, self.family_displaced[f] = kernels.adoption_shares(
                    t - launch[:k], self.inputs.adoption_ramp_months, max_share[:k], displaced=True, first=before)
                self.family_within[f] = within
                lo = self.family_displaced[f]
                if self.measures:
                    self.family_mix[f] = kernels.weighted_sum(within[lo:], per_server[:, lo:k].swapaxes(0, 1))
                self.shares[members[before:lo]] = 0.0    # left behind for good
            lo = self.family_displaced[f]
            self.shares[members[lo:k]] = self.family_within[f][lo:] * year_share[f]
        if self.measures:
            self.mix = kernels.weighted_sum(year_share, self.family_mix)   # (3, B)
        # leading generations (of any family) that their families have left behind for good
        behind = self.displaced
        while behind < len(self.shares) and self.position[behind] < self.family_displaced[self.inputs.family[behind]]:
            behind += 1
        self.displaced = behind

    def ship(self, t: int) -> None:
        """Servers shipped this month, split across the generations on sale.

        The annual trajectory (``shipments.anchors``, ``shipments.growth_before``,
        ``shipments.growth_after``) is spread evenly over the year's months, unless the
        demand side has planned this month's total (:mod:`sim.model.demand`).
        """
        planned = None if self.orders is None else self.orders.ordered_total
        total = self.inputs.annual_shipments[t // 12] / 12.0 if planned is None else planned
        if self.measures:
            if self.regions == 1:
                np.multiply(total, self.mix, out=self.shipped)
            else:
                # each region's part of the month's shipments ([regions] shares of the year)
                share = self.inputs.region_share[t // 12]                       # (R, B)
                world = total * self.mix                                          # (3, B)
                np.multiply(world[:, None, :], share[None, :, :], out=self.shipped.reshape(3, self.regions, -1))
            self.record.add("shipments", t, self.shipped[self.row[SERVERS]])
        if self.by_generation is not None:
            split = self.by_generation.split(self.shares, self.n, min(part.closed for part, _, _ in self.parts))
            for part, region, queue in self.parts:   # the view's region's (or a region's) part of the total
                part.ship(t, total if region is None else total * self.inputs.region_share[t // 12, region],
                          split, queue)

    def deploy(self, t: int) -> None:
        """Shipped servers are ready to draw power after ``fleet.lead_time_months``
        (servers/month); until then they are in transit. What is ready is what has arrived
        since last month, counted from the cumulative shipments exactly as the results by
        generation count it (:func:`~sim.model.kernels.lagged`, one lead time for both)."""
        self.shipped_so_far.push(t, self.shipped, t - int(self.lead_floor.max()))
        arrived = kernels.lagged(self.shipped_so_far, t + 1, self.lead_floor, self.lead_frac, self.runs, 0,
                                 len(self.shipped))
        self.ready = arrived - self.arrived
        self.arrived = arrived
        self.in_transit += self.shipped - self.ready

    def admit(self, t: int) -> None:
        """Ready servers start drawing power: all of them, or what the power queue admits."""
        if self.measures:
            self.deployed = self.ready if self.gate is None else self.gate.admit(t, self.ready, self.installed)
        if self.by_generation is not None:
            for part, _, queue in self.parts:
                part.admit(t, queue)

    def world(self, array: np.ndarray, measure: int) -> np.ndarray:
        """One measure of a state array (3R, B) for the whole fleet (B,): the sum of its regions
        in order (the demand side orders for the world, and the fleet ships to the regions)."""
        rows = array[self.row[measure]]
        return rows if self.regions == 1 else kernels.sum_rows(rows)

    def retiring_within_lead(self, measure: int) -> np.ndarray:
        """One measure (B,) of the installed base that will have retired by the time a server
        shipped this month starts drawing power (the chain is deterministic in the mean)."""
        if self.exit_weights is None:
            self.exit_weights = lifetime.exit_weights(self.inputs.lifetime_stages, self.exit_probability,
                                                     self.inputs.lead_time_months)[:, 0]
        retiring = kernels.weighted_sum(self.exit_weights, self.stages[:, self.row[measure]])
        return retiring if self.regions == 1 else kernels.sum_rows(retiring)

    def retire(self, t: int) -> None:
        """Deployed servers retire along an Erlang lifetime (``fleet.lifetime_years``,
        ``fleet.lifetime_stages``); keeps the installed base."""
        self.retired = lifetime.age_chain(self.stages, self.exit_probability, self.deployed)
        kernels.sum_rows(self.stages, out=self.installed)
        record = self.record
        record.add("deployed", t, self.deployed[self.row[SERVERS]])
        record.add("retired", t, self.retired[self.row[SERVERS]])

    def year_end(self, t: int) -> None:
        """At the end of a December: the installed base (servers, nameplate power, compute:
        each a measure converted as the registry counts it, :func:`sim.parameters.count_factor`),
        and the results by generation's year."""
        record, installed, row = self.record, self.installed, self.row
        if self.measures:
            record.end_of_year("installed", t, installed[row[SERVERS]])
            record.end_of_year("nameplate_power", t, installed[row[POWER_KW]] * count_factor("nameplate_power"))
            if self.inputs.h100_gpu_performance is not None:
                record.end_of_year("compute_installed", t,
                                   installed[row[PERFORMANCE]] / self.inputs.h100_gpu_performance)
        if self.by_generation is not None:
            for part, _, _ in self.parts:
                part.year_end(t, self.displaced)

    def count_annual_shipments(self, t: int) -> None:
        """``fleet.accounting = "annual_shipments"``: a year's shipments are that year's fleet.

        This is de Vries's (Joule 2023) accounting: nothing deployed earlier is carried over
        and nothing retires; at each month the fleet is the year's annual shipment rate,
        split by the month's generation shares.
        """
        np.multiply(self.shipped, 12.0, out=self.installed)
        if self.by_generation is not None:
            self.by_generation.count_annual_shipments(t)
