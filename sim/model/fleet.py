"""The server fleet: catalogue launches, shipments, deployment and retirement.

State is numpy arrays over the batch's ``draw`` axis; each process is a SimPy generator that
runs once a month (``yield env.timeout(1)``, one time unit = one month, month 0 = January of
the scenario's start year). Within a month the processes run in the order they were started
(:func:`sim.model.simulate`): demand planning, shipments, deployment, the power queue,
retirement, power, served demand.
"""

from __future__ import annotations

import numpy as np

from . import kernels


class Fleet:
    """Shipments, deployment pipeline and installed base for one batch of draws.

    Parameters
    ----------
    env : simpy.Environment
    inputs : sim.model.Inputs
        Per-draw parameter arrays and the scenario's structure.
    record : sim.model.Record
        Where annual and monthly results are written.
    """

    def __init__(self, env, inputs, record):
        self.env = env
        self.inputs = inputs
        self.record = record
        n_gen, batch = inputs.power_kw.shape
        # generations launched before the first month are on sale from the start
        self.launch_month = inputs.launch_month.astype(float)
        self.on_sale = inputs.launch_month <= 0
        self.shares = np.zeros((n_gen, batch))       # split of this month's shipments
        self.shares[0] = 1.0
        self.ordered_total = None                    # (B,) set by the demand side when it runs
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
        self.exit_weights = None  # made when the demand side first asks

    def start_offering(self) -> None:
        """Register the catalogue: launch events, and :meth:`offer`, first each month."""
        env = self.env
        for g, month in enumerate(self.inputs.launch_month):
            if month > 0:
                env.process(self.launch(g, int(month)))
        env.process(self.offer())

    def start(self) -> None:
        """Register shipment and deployment (after the demand side plans the month)."""
        env = self.env
        env.process(self.ship())
        if self.inputs.accounting == "annual_shipments":
            env.process(self.count_annual_shipments())
        else:
            env.process(self.deploy())

    def start_retiring(self) -> None:
        """Register :meth:`retire`, after deployment (and the power queue, if any)."""
        if self.inputs.accounting != "annual_shipments":
            self.env.process(self.retire())

    def launch(self, generation: int, month: int):
        """A generation goes on sale: a one-off event at its launch month (``generation.*.launch``)."""
        yield self.env.timeout(month)
        self.on_sale[generation] = True

    def offer(self):
        """The month's split of shipments across the generations on sale:
        :func:`~sim.model.kernels.adoption_shares` with ``shipments.adoption_ramp_months``."""
        ramp = self.inputs.adoption_ramp_months
        longest_ramp = float(ramp.max())
        settled = None  # which generations were on sale when the shares last stopped changing
        while True:
            t = int(self.env.now)
            months_on_sale = np.where(self.on_sale, t - self.launch_month, -1.0)
            ramping = (months_on_sale >= 0) & (months_on_sale + 1 < longest_ramp)
            ramping[0] = False  # the first generation is always at full weight
            if ramping.any() or settled is None or not np.array_equal(settled, self.on_sale):
                self.shares = kernels.adoption_shares(months_on_sale, ramp)
                settled = None if ramping.any() else self.on_sale.copy()
            yield self.env.timeout(1)

    def ship(self):
        """Servers shipped per month (servers), split across the generations on sale.

        The annual trajectory (``shipments.anchors``, ``shipments.growth_before``,
        ``shipments.growth_after``) is spread evenly over the year's months, unless the
        demand side has set this month's total (:mod:`sim.model.demand`).
        """
        inputs, record = self.inputs, self.record
        while True:
            t = int(self.env.now)
            total = inputs.annual_shipments[t // 12] / 12.0 if self.ordered_total is None else self.ordered_total
            np.multiply(total, self.shares, out=self.shipped)
            record.add("shipments_by_generation", t, self.shipped)
            yield self.env.timeout(1)

    def deploy(self):
        """Shipped servers are ready to draw power after ``fleet.lead_time_months``
        (servers/month); without a power queue they deploy at once."""
        queued = self.inputs.power_capacity_gw is not None
        while True:
            t = int(self.env.now)
            self.ready = self.lead.step(t, self.shipped)
            self.in_transit += self.shipped - self.ready
            if not queued:
                self.deployed = self.ready
            yield self.env.timeout(1)

    def retiring_within_lead(self) -> np.ndarray:
        """Servers (G, B) of the installed base that will have retired by the time a server
        shipped this month starts drawing power (the chain is deterministic in the mean)."""
        if self.exit_weights is None:
            self.exit_weights = kernels.exit_weights(self.inputs.lifetime_stages, self.exit_probability,
                                                     self.inputs.lead_time_months)
        return (self.stages * self.exit_weights).sum(axis=0)

    def retire(self):
        """Deployed servers retire along an Erlang lifetime (``fleet.lifetime_years``,
        ``fleet.lifetime_stages``); keeps the installed base by generation (servers)."""
        while True:
            t = int(self.env.now)
            self.retired = kernels.age_chain(self.stages, self.exit_probability, self.deployed)
            self.stages.sum(axis=0, out=self.installed)
            record = self.record
            record.add("deployed", t, self.deployed.sum(axis=0))
            record.add("retired", t, self.retired.sum(axis=0))
            record.end_of_year("installed_by_generation", t, self.installed)
            yield self.env.timeout(1)

    def count_annual_shipments(self):
        """``fleet.accounting = "annual_shipments"``: a year's shipments are that year's fleet.

        This is de Vries's (Joule 2023) accounting: nothing deployed earlier is carried over
        and nothing retires; at each month the fleet is the year's annual shipment rate,
        split by the month's generation shares.
        """
        while True:
            t = int(self.env.now)
            np.multiply(self.shipped, 12.0, out=self.installed)
            self.record.end_of_year("installed_by_generation", t, self.installed)
            yield self.env.timeout(1)
