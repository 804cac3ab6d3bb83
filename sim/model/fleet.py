"""The server fleet: catalogue launches, shipments, deployment and retirement.

State is numpy arrays over the batch's ``draw`` axis. :class:`Fleet` owns every piece of
fleet state (generation shares, shipped, ready, in transit, deployed, retired, installed);
other process families read it and never write it. Its monthly phases (``offer``, ``ship``,
``deploy``, ``admit``, ``retire``) run in the order :data:`sim.model.PHASES` gives; a
generation's launch is a one-off SimPy event at the start of its month.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from . import kernels


class Fleet:
    """Shipments, deployment pipeline and installed base for one batch of draws.

    Parameters
    ----------
    inputs : sim.model.Inputs
        Per-draw parameter arrays and the scenario's structure.
    record : sim.model.Record
        Where annual and monthly results are written.
    """

    def __init__(self, inputs, record):
        self.inputs = inputs
        self.record = record
        n_gen, batch = inputs.power_kw.shape
        # generations launched before the first month are on sale from the start
        self.launch_month = inputs.launch_month            # (G, B)
        self.on_sale = inputs.launch_month <= 0
        # generations in launch order: only the first ``n`` can hold servers yet (the others are
        # not on sale in any draw), so the phases work on the first ``n`` rows of every
        # by-generation array (the rest stay zero)
        self.n = 1 + int(np.flatnonzero(self.on_sale.any(axis=1)).max(initial=0))
        self.shares = np.zeros((n_gen, batch))       # split of this month's shipments
        self.shares[0] = 1.0
        self.shipped = np.zeros((n_gen, batch))      # servers shipped this month
        self.ready = np.zeros((n_gen, batch))        # servers whose lead time ended this month
        self.in_transit = np.zeros((n_gen, batch))   # shipped, lead time not yet over
        self.deployed = np.zeros((n_gen, batch))     # servers starting to draw power this month
        self.retired = np.zeros((n_gen, batch))      # servers leaving service this month
        self.installed = np.zeros((n_gen, batch))    # servers drawing power this month
        self.lead = kernels.Delay(inputs.lead_time_months, n_gen)
        self.stages = np.zeros((inputs.lifetime_stages, n_gen, batch))
        self.exit_probability = np.minimum(
            inputs.lifetime_stages / (12.0 * inputs.lifetime_years), 1.0)
        self.exit_weights = None   # made when the demand side first asks
        self.settled = None        # which generations were on sale when the shares last stopped changing
        self.longest_ramp = float(inputs.adoption_ramp_months.max())  # months; beyond it no share changes
        self.orders = None         # the demand side, whose ``ordered_total`` sets shipments once set
        self.gate = None           # the power queue that admits ready servers, if any

    def connect(self, orders=None, gate=None) -> None:
        """Wire the demand side (orders) and the power queue (admission) to the fleet."""
        self.orders, self.gate = orders, gate

    def one_off_events(self) -> list:
        """Launches of generations after the first month: (month, action), one event for each
        month in which a generation launches in some draws (a catalogued one: in all)."""
        events = []
        for g, months in enumerate(self.launch_month):
            for month in np.unique(months[(months > 0) & (months < self.inputs.n_months)]):
                events.append((int(month), partial(self.launch, g, months == month)))
        return events

    def phases(self) -> dict:
        """This family's monthly phases, by name (see :data:`sim.model.PHASES`)."""
        if self.inputs.accounting == "annual_shipments":
            return {"offer": self.offer, "ship": self.ship, "deploy": self.count_annual_shipments}
        return {"offer": self.offer, "ship": self.ship, "deploy": self.deploy, "admit": self.admit,
                "retire": self.retire}

    def launch(self, generation: int, draws: np.ndarray) -> None:
        """A generation goes on sale in the given draws (``generation.*.launch``, ``trend.*``)."""
        self.on_sale[generation] |= draws
        self.n = max(self.n, generation + 1)

    def offer(self, t: int) -> None:
        """The month's split of shipments across the generations on sale:
        :func:`~sim.model.kernels.adoption_shares` with ``shipments.adoption_ramp_months`` and
        each generation's ``max_share``."""
        ramp, n = self.inputs.adoption_ramp_months, self.n
        months_on_sale = np.where(self.on_sale[:n], t - self.launch_month[:n], -1.0)
        ramping = (months_on_sale >= 0) & (months_on_sale + 1 < self.longest_ramp)
        ramping[0] = False  # the first generation is always at full weight
        if ramping.any() or self.settled is None or not np.array_equal(self.settled, self.on_sale):
            self.shares = kernels.adoption_shares(months_on_sale, ramp, self.inputs.max_share[:n])   # (n, B)
            self.settled = None if ramping.any() else self.on_sale.copy()

    def ship(self, t: int) -> None:
        """Servers shipped this month (servers), split across the generations on sale.

        The annual trajectory (``shipments.anchors``, ``shipments.growth_before``,
        ``shipments.growth_after``) is spread evenly over the year's months, unless the
        demand side has planned this month's total (:mod:`sim.model.demand`).
        """
        planned = None if self.orders is None else self.orders.ordered_total
        total = self.inputs.annual_shipments[t // 12] / 12.0 if planned is None else planned
        n = self.n
        np.multiply(total, self.shares, out=self.shipped[:n])
        self.record.add("shipments_by_generation", t, self.shipped[:n], generations=len(self.shipped))

    def deploy(self, t: int) -> None:
        """Shipped servers are ready to draw power after ``fleet.lead_time_months``
        (servers/month); until then they are in transit."""
        n = self.n
        self.ready = self.lead.step(t, self.shipped[:n])           # (n, B)
        self.in_transit[:n] += self.shipped[:n] - self.ready

    def admit(self, t: int) -> None:
        """Ready servers start drawing power: all of them, or what the power queue admits."""
        self.deployed = (self.ready if self.gate is None
                         else self.gate.admit(t, self.ready, self.installed[:self.n]))   # (n, B)

    def retiring_within_lead(self) -> np.ndarray:
        """Servers (n, B) of the installed base that will have retired by the time a server
        shipped this month starts drawing power (the chain is deterministic in the mean)."""
        if self.exit_weights is None:
            self.exit_weights = kernels.exit_weights(self.inputs.lifetime_stages, self.exit_probability,
                                                     self.inputs.lead_time_months)
        stages, weights = self.stages[:, :self.n], self.exit_weights
        # stage by stage, as a sum over the stage axis adds them (no (K, n, B) temporary)
        out = stages[0] * weights[0]
        for k in range(1, len(stages)):
            out += stages[k] * weights[k]
        return out   # (n, B)

    def retire(self, t: int) -> None:
        """Deployed servers retire along an Erlang lifetime (``fleet.lifetime_years``,
        ``fleet.lifetime_stages``); keeps the installed base by generation (servers)."""
        n = self.n
        self.retired = kernels.age_chain(self.stages[:, :n], self.exit_probability, self.deployed)
        self.stages[:, :n].sum(axis=0, out=self.installed[:n])
        record = self.record
        record.add("deployed", t, self.deployed.sum(axis=0))
        record.add("retired", t, self.retired.sum(axis=0))
        record.end_of_year("installed_by_generation", t, self.installed)

    def count_annual_shipments(self, t: int) -> None:
        """``fleet.accounting = "annual_shipments"``: a year's shipments are that year's fleet.

        This is de Vries's (Joule 2023) accounting: nothing deployed earlier is carried over
        and nothing retires; at each month the fleet is the year's annual shipment rate,
        split by the month's generation shares.
        """
        np.multiply(self.shipped, 12.0, out=self.installed)
        self.record.end_of_year("installed_by_generation", t, self.installed)
