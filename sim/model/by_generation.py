"""The fleet's results by generation (:class:`ByGeneration`), kept beside its measures.

:class:`sim.model.fleet.Fleet` keeps its state as three measures (servers, maximum power,
performance) and owns one of these for the results by generation, which follows the same flows
row by row and feeds back into nothing.
"""

from __future__ import annotations

import numpy as np

from . import cohorts, kernels, lifetime


class ByGeneration:
    """The fleet's results by generation: shipments, installed base and electricity.

    It follows the fleet's flows row by row and writes ``shipments_by_generation``,
    ``installed_by_generation`` and ``energy_by_generation``; the fleet's measures are the sums
    of these over generations (up to rounding; tested), and nothing in the model reads them
    back. Its rows are the results' (:attr:`sim.scenario.load.Scenario.result_rows`): each
    catalogued generation, then each trend's generations as one row of servers, with a row of
    their maximum power (kW) beside it for their electricity (the flows are linear and alike for
    every generation, so a row of a measure follows them as a row of servers does). All of it
    is kept in cumulative form:

    * servers shipped so far, by row, in a :class:`~sim.model.cohorts.CohortRing` by month (a
      year's shipments are the difference of two Decembers);
    * the servers that have arrived by a month are those shipped a lead time earlier,
      ``(1 - f) S(t - L) + f S(t - L - 1)`` with the lead's whole months ``L`` and fraction
      ``f``, as the fleet's measures count them (:meth:`Fleet.deploy`);
    * with a power queue, which admits servers in order of arrival, the servers admitted by
      row are the arrivals where the queue's head stands (its cohort and the part of it
      admitted);
    * each month's admitted servers enter a :class:`~sim.model.lifetime.YearlyChain`, which
      gives the December stock and the year's sum of installed servers.
    """

    def __init__(self, inputs, record, exit_probability, lead, adds: bool = False):
        self.inputs, self.record = inputs, record
        # a region's part of the world's results adds to the parts before it (the first writes)
        self.keep = record.add_to_year if adds else record.end_of_year
        batch = inputs.power_kw.shape[1]
        self.catalogue, self.groups = inputs.catalogue_rows, inputs.trend_groups
        c, k = len(self.catalogue), len(self.groups)
        self.results = c + k                          # result rows; then each trend's kW row
        rows = c + 2 * k
        self.lead_floor, self.lead_frac, self.runs = lead     # the fleet's (Fleet.deploy): one lead time
        self.deepest = int(self.lead_floor.max())
        self.row_shares = np.zeros((rows, batch))     # this month's split by row (a trend's kW: its power)
        self.shipped = np.zeros((rows, batch))        # this month's shipments
        self.cumulative = None                        # shipped so far, by month (made in the first month)
        self.shipped_before = np.zeros((rows, batch))    # shipped before this year
        self.admitted_before = np.zeros((rows, batch))   # admitted before this month
        self.chain = lifetime.YearlyChain(inputs.lifetime_stages, exit_probability, rows)
        self.closed = 0     # leading catalogue rows that will ship and admit no more servers
        self.installed = np.zeros((rows, batch))         # annual accounting: this month's fleet
        self.installed_sum = np.zeros((rows, batch))     # annual accounting: this year's sum
        # TWh per installed server-month, by row: maximum power × draw fraction × PUE × 730 h (a
        # trend's kW row: per kW; its servers' row has none). With regions, the IT electricity:
        # the year's PUE of the fleet's regions is applied when the run finishes
        # (:meth:`sim.model.Record.finish`)
        self.kw = np.concatenate([inputs.power_kw[self.catalogue], np.zeros((k, batch)), np.ones((k, batch))])
        self.pue = inputs.pue if inputs.region_share is None else 1.0
        self.twh_per_server_month = None if inputs.draw_fraction.ndim > 1 else self._twh_per_server_month(0)

    def split(self, shares: np.ndarray, n: int, first: int) -> np.ndarray:
        """The month's split of shipments by row (rows, B), from the generations' ``shares``: a
        catalogued generation's share, a trend's summed, and its maximum power (kW) per server
        shipped beside it; rows before ``first`` are left as they were (closed: zero). Only the
        model's first ``n`` rows can hold servers yet (``shares`` may hold only those). The
        split is the same for every region's part: it is made once a month, by the first."""
        c, k = len(self.catalogue), len(self.groups)
        split = self.row_shares
        hi = int(np.searchsorted(self.catalogue, min(n, len(shares))))   # the catalogue's rows covered
        np.take(shares, self.catalogue[first:hi], axis=0, out=split[first:hi])
        for g, members in enumerate(self.groups):
            members = members[:np.searchsorted(members, n)]
            if len(members):
                split[c + g] = kernels.sum_rows(shares[members])
                split[c + k + g] = kernels.weighted_sum(shares[members], self.inputs.power_kw[members])
        return split

    def ship(self, t: int, total: np.ndarray, split: np.ndarray, queue) -> None:
        """This month's shipments by row (``total × split``, :meth:`split`), added to the
        cumulative ring (keeping the rows this month needs)."""
        lo = self.closed
        if self.cumulative is None:
            # a lead time of rows (and two more); with a power queue, also the months it may hold
            months = self.deepest + 2 + (cohorts.QUEUE_MONTHS if queue is not None else 0)
            self.cumulative = cohorts.CohortRing(*self.shipped.shape, size=max(16, months))
        np.multiply(total, split[lo:], out=self.shipped[lo:])
        self.cumulative.push(t, self.shipped[lo:], self._oldest(t, queue), first=lo)

    def _oldest(self, t: int, queue) -> int:
        """The oldest row of the cumulative ring this month needs: a lead time before now, or
        before the oldest head of the power queue."""
        oldest = t - self.deepest
        if queue is not None and queue.waiting.size:
            oldest = min(oldest, int((queue.head_cohort - self.lead_floor[queue.waiting]).min()) - 1)
        return oldest

    def admit(self, t: int, queue) -> None:
        """The servers by row admitted this month enter the aging chain: all that arrived, or
        with a power queue the arrivals up to where its head now stands."""
        lo, rows = self.closed, len(self.shipped)
        # a queue that clears (or none): all that arrived, (1 - f) S[t + 1 - L] + f S[t - L] with
        # S[r] the ring's row r, the servers shipped before month r
        admitted = kernels.lagged(self.cumulative, t + 1, self.lead_floor, self.lead_frac, self.runs, lo, rows)
        if queue is not None and queue.waiting.size:
            waiting, cohort, fraction = queue.waiting, queue.head_cohort, queue.head_fraction
            frac = self.lead_frac[waiting]
            # the ring's rows c - L - 1, c - L and c + 1 - L of each waiting draw, in one gather
            ring_rows = (cohort - self.lead_floor[waiting]) + np.array([[-1], [0], [1]])
            older, recent, newer = self.cumulative.gather(ring_rows, waiting, rows=rows, first=lo)
            start = recent + frac * (older - recent)            # arrived before the head's cohort
            end = newer + frac * (recent - newer)               # ... and with it
            admitted[:, waiting] = start + fraction * (end - start)
        entering = np.maximum(admitted - self.admitted_before[lo:], 0.0)
        self.admitted_before[lo:] = admitted
        self.chain.enter(t, entering, first=lo)

    def count_annual_shipments(self, t: int) -> None:
        """De Vries's accounting: the fleet is the year's shipment rate (12 × this month's)."""
        np.multiply(self.shipped, 12.0, out=self.installed)
        self.installed_sum += self.installed

    def year_end(self, t: int, displaced: int) -> None:
        """At the end of a December: the year's shipments (the difference of two Decembers of
        the cumulative ring); the December stock and the year's sum of installed servers (from
        the aging chain, or in de Vries's accounting the year's shipment rate), by row.

        Catalogued generations that no draw ships any more (the model's first ``displaced`` rows,
        from the fleet's offer) and whose every server has been admitted are closed: their rows
        get exact zeros from then on, so they are left out of the work (the chain still ages
        them)."""
        lo = self.closed
        shipped = self.cumulative[t + 1]        # shipped before next month
        year = np.zeros_like(self.shipped)
        np.subtract(shipped[lo:], self.shipped_before[lo:], out=year[lo:])
        self.keep("shipments_by_generation", t, year[:self.results])
        self.shipped_before[lo:] = shipped[lo:]
        if self.inputs.accounting == "annual_shipments":
            self._record(t, self.installed, self.installed_sum.copy())
            self.installed_sum[:] = 0.0
            return
        december, year_sum = self.chain.year()
        self._record(t, december, year_sum)
        closable = int(np.searchsorted(self.catalogue, displaced))
        while self.closed < closable and np.array_equal(self.admitted_before[self.closed], shipped[self.closed]):
            self.closed += 1

    def _twh_per_server_month(self, t: int) -> np.ndarray:
        """(rows, B) for the year of ``t``: the draw fraction is the year's (two workload streams
        set the fleet's mix each January), so a year's servers-months times it is exact."""
        return self.kw * (self.inputs.draw_fraction_at(t) * self.pue * (kernels.HOURS_PER_MONTH / kernels.KWH_PER_TWH))

    def _record(self, t: int, december: np.ndarray, year_sum: np.ndarray) -> None:
        c, k = len(self.catalogue), len(self.groups)
        self.keep("installed_by_generation", t, december[:self.results])
        twh = self.twh_per_server_month if self.twh_per_server_month is not None else self._twh_per_server_month(t)
        energy = year_sum * twh
        if k:   # a trend's electricity is that of its kW row
            energy[c:c + k] = energy[c + k:]
        self.keep("energy_by_generation", t, energy[:self.results])
