"""The server fleet: catalogue launches, shipments, deployment and retirement.

State is numpy arrays over the batch's ``draw`` axis; each process is a SimPy generator that
runs once a month (``yield env.timeout(1)``, one time unit = one month, month 0 = January of
the scenario's start year). Within a month the processes run in the order they were started:
shipments, then deployment, then retirement, then power (:mod:`sim.model.power`).
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
        self.shipped = np.zeros((n_gen, batch))      # servers shipped this month
        self.deployed = np.zeros((n_gen, batch))     # servers starting to draw power this month
        self.retired = np.zeros((n_gen, batch))      # servers leaving service this month
        self.installed = np.zeros((n_gen, batch))    # servers drawing power this month
        self.lead = kernels.Delay(inputs.lead_time_months, n_gen)
        self.stages = np.zeros((inputs.lifetime_stages, n_gen, batch))
        self.exit_probability = np.minimum(
            inputs.lifetime_stages / (12.0 * inputs.lifetime_years), 1.0)

    def start(self) -> None:
        """Register the fleet's processes with the environment, in their monthly order."""
        env = self.env
        for g, month in enumerate(self.inputs.launch_month):
            if month > 0:
                env.process(self.launch(g, int(month)))
        env.process(self.ship())
        if self.inputs.accounting == "annual_shipments":
            env.process(self.count_annual_shipments())
        else:
            env.process(self.deploy())
            env.process(self.retire())

    def launch(self, generation: int, month: int):
        """A generation goes on sale: a one-off event at its launch month (``generation.*.launch``)."""
        yield self.env.timeout(month)
        self.on_sale[generation] = True

    def ship(self):
        """Servers shipped per month (servers), split across the generations on sale.

        The annual trajectory (``shipments.anchors``, ``shipments.growth_before``,
        ``shipments.growth_after``) is spread evenly over the year's months; the split
        follows :func:`~sim.model.kernels.adoption_shares` with
        ``shipments.adoption_ramp_months``.
        """
        inputs, record = self.inputs, self.record
        while True:
            t = int(self.env.now)
            months_on_sale = np.where(self.on_sale, t - self.launch_month, -1.0)
            shares = kernels.adoption_shares(months_on_sale, inputs.adoption_ramp_months)
            np.multiply(inputs.annual_shipments[t // 12] / 12.0, shares, out=self.shipped)
            record.shipped(t, self.shipped)
            yield self.env.timeout(1)

    def deploy(self):
        """Shipped servers start drawing power after ``fleet.lead_time_months`` (servers/month)."""
        while True:
            t = int(self.env.now)
            self.deployed = self.lead.step(t, self.shipped)
            yield self.env.timeout(1)

    def retire(self):
        """Deployed servers retire along an Erlang lifetime (``fleet.lifetime_years``,
        ``fleet.lifetime_stages``); keeps the installed base by generation (servers)."""
        while True:
            t = int(self.env.now)
            self.retired = kernels.age_chain(self.stages, self.exit_probability, self.deployed)
            self.stages.sum(axis=0, out=self.installed)
            self.record.fleet(t, self.deployed, self.retired, self.installed)
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
            self.record.fleet(t, None, None, self.installed)
            yield self.env.timeout(1)
