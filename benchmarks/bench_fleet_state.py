"""What one fleet state by generation would cost (a script that prints figures, not a test).

The fleet keeps its state as three measures (servers, maximum power, performance) per region,
and the results by generation beside them (:mod:`sim.model.fleet`). The alternative, one
state by generation (and region) with the measures as its weighted sums, is timed here on the
fleet's own kernels, with each scenario's real shape (generations, regions, stages, months):

* measures: the lead time (``CohortRing.push``, ``kernels.lagged``) and the aging chain (``lifetime.age_chain``) on
  3 x regions rows, and the installed base (``kernels.sum_rows``), every month;
* by generation: what the results by generation do every month (``CohortRing.push``,
  ``kernels.lagged``, ``YearlyChain.enter``) on the generations launched so far;
* one state: the lead time and the aging chain on the generations launched so far x regions
  rows (a generation's row holds servers until its last one retires), the installed base, and
  the three measures as weighted sums of it, every month;
* one state, compact: the same on the results' rows instead of the generations: each
  catalogued generation, and each trend's generations summed in one row of servers with a
  row of their maximum power and one of their performance beside it (the flows are linear),
  x regions. This is the least that one state could carry.

The generations launched by each month are the scenario's, in its median draw (the trend's
launches are sampled).

The added cost of one state is ``one state - (measures + by generation)``, printed beside a
plain run of the scenario with the same draws (``sim.run``, no calibration), for the
generations and for the compact rows.

    python benchmarks/bench_fleet_state.py [--draws 10000] [--scenario nvidia_2027 iea_2030]
"""

from __future__ import annotations

import argparse

import numpy as np

import sim
import sim.model
import sim.sampling
from bench_run import best_time  # this folder's: the best of a few timings
from sim.model import cohorts, kernels, lifetime

BATCH = 5_000   # draws per batch, as the runner splits them


def months_of_work(rows: int, stages: int, months: int, batch: int, lead: np.ndarray, p: np.ndarray,
                   measures_of: np.ndarray | None = None, in_use=None) -> None:
    """The monthly lead time and aging of ``rows`` rows (or of the first ``in_use[t]`` in month
    ``t``); with ``measures_of`` (3, rows, B), the three measures as weighted sums of the
    installed base."""
    floor, frac = kernels.whole_months(lead)
    runs = kernels.lead_runs(floor)
    ring = cohorts.CohortRing(rows, batch, size=max(16, int(floor.max()) + 2))
    chain = np.zeros((stages, rows, batch))
    installed = np.zeros((rows, batch))
    arrived = np.zeros((rows, batch))
    flow = np.random.default_rng(0).random((rows, batch))
    for t in range(months):
        n = rows if in_use is None else in_use[t]
        ring.push(t, flow[:n], t - int(floor.max()))
        now = kernels.lagged(ring, t + 1, floor, frac, runs, 0, n)
        ready = now - arrived[:n]
        arrived[:n] = now
        lifetime.age_chain(chain[:, :n], p, ready)
        kernels.sum_rows(chain[:, :n], out=installed[:n])
        if measures_of is not None:
            for m in range(3):
                kernels.weighted_sum(installed[:n], measures_of[m][:n, None, :])


def by_generation_work(rows: int, stages: int, months: int, batch: int, lead: np.ndarray, p: np.ndarray,
                       in_use) -> None:
    floor, frac = kernels.whole_months(lead)
    runs = kernels.lead_runs(floor)
    ring = cohorts.CohortRing(rows, batch, size=max(16, int(floor.max()) + 2))
    chain = lifetime.YearlyChain(stages, p, rows)
    flow = np.random.default_rng(0).random((rows, batch))
    before = np.zeros((rows, batch))
    for t in range(months):
        n = in_use[t]
        ring.push(t, flow[:n], t - int(floor.max()))
        admitted = kernels.lagged(ring, t + 1, floor, frac, runs, 0, n)
        chain.enter(t, np.maximum(admitted - before[:n], 0.0))
        before[:n] = admitted
        if t % 12 == 11:
            chain.year()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=10_000)
    parser.add_argument("--scenario", nargs="+", default=["nvidia_2027", "iea_2030"])
    args = parser.parse_args()
    batches = max(1, args.draws // BATCH)
    rng = np.random.default_rng(1)
    print(f"{args.draws:,} draws in batches of {BATCH:,}; seconds for the whole run's months")
    print(f"{'scenario':<14}{'rows G x R':>11}{'measures':>10}{'by gen':>8}{'one state':>10}{'added':>8}"
          f"{'plain run':>10}{'added %':>9}{'compact rows':>14}{'one state':>10}{'added %':>9}")
    for name in args.scenario:
        scenario = sim.load_scenario(name)
        generations, regions = len(scenario.generation_rows), max(1, len(scenario.regions))
        stages, months = scenario.lifetime_stages, scenario.n_months
        lead = np.sort(rng.uniform(2.0, 6.0, BATCH))
        p = np.minimum(stages / (12.0 * rng.uniform(4.0, 6.0, BATCH)), 1.0)
        values = sim.sampling.sample(scenario, 0, 1001, draws=1001, seed=1)
        launch = np.median(sim.model.Inputs.from_values(scenario, values).launch_month, axis=1)
        in_use = [max(1, int((launch <= t).sum())) for t in range(months)]
        in_use_regions = [n * regions for n in in_use]
        # the compact rows in use by each month: catalogued generations launched, and three rows
        # for each trend once its first generation has launched
        compact = [max(1, sum(1 if not trend else 3 for _, _, members, trend in scenario.result_rows
                              if launch[members[0]] <= t)) * regions for t in range(months)]
        compact_rows = max(compact)
        per_server = rng.random((3, max(generations * regions, compact_rows), BATCH))
        measures = best_time(lambda: months_of_work(3 * regions, stages, months, BATCH, lead, p), 3) * batches
        by_gen = best_time(lambda: by_generation_work(generations, stages, months, BATCH, lead, p, in_use), 3) * batches
        one = best_time(lambda: months_of_work(generations * regions, stages, months, BATCH, lead, p, per_server,
                                               in_use_regions), 3) * batches
        small = best_time(lambda: months_of_work(compact_rows, stages, months, BATCH, lead, p,
                                                 per_server[:, :compact_rows], compact), 3) * batches
        sim.run(scenario, draws=200, seed=1, calibrate=False)
        run = best_time(lambda: sim.run(scenario, draws=args.draws, seed=1, calibrate=False), 2)
        added = one - measures - by_gen
        print(f"{name:<14}{generations:>6} x {regions:<2}{measures:>10.3f}{by_gen:>8.3f}{one:>10.3f}{added:>8.3f}"
              f"{run:>10.3f}{100 * added / run:>8.0f}%{compact_rows:>14}{small:>10.3f}"
              f"{100 * (small - measures - by_gen) / run:>8.0f}%", flush=True)


if __name__ == "__main__":
    main()
