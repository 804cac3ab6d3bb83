"""Speed of a sweep's model runs against a plain run's draws (a script that prints figures, not a test).

A sweep's runs keep only what its metric reads (``simulate(only=...)``: no results by
generation), so a run of a design costs less than a draw of ``sim.run``, which keeps every
result. For each scenario this prints, in this one process: the Sobol analysis of all its
uncertain parameters (``sim.sweep``, metric ``energy`` in its last key year) in seconds and
microseconds a model run, and ``sim.run`` (uncalibrated) in microseconds a draw, best of a few.

    python benchmarks/bench_sweep.py [--samples 128] [--draws 10000] [--scenario nvidia_2027 iea_2030 ...]
"""

from __future__ import annotations

import argparse
import warnings

import sim
from bench_run import best_time  # this folder's: the best of a few timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=128, help="Sobol base sample (a power of 2)")
    parser.add_argument("--draws", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scenario", nargs="+", default=["nvidia_2027", "jevons_2035", "iea_2030"])
    args = parser.parse_args()
    print(f"{'scenario':<14}{'runs':>8}{'sweep s':>9}{'us/run':>8}{'run us/draw':>13}{'ratio':>7}")
    for name in args.scenario:
        scenario = sim.load_scenario(name)
        year = scenario.key_years[-1]
        runs = []

        def sweep():
            with warnings.catch_warnings():   # SALib's notes on a small sample
                warnings.simplefilter("ignore")
                runs.append(sim.sweep(scenario, "sobol", f"energy:{year}", samples=args.samples, seed=1).sizes["evaluation"])

        seconds = best_time(sweep, args.repeat)
        per_run = 1e6 * seconds / runs[-1]
        per_draw = 1e6 * best_time(lambda: sim.run(scenario, draws=args.draws, seed=1, calibrate=False),
                                   args.repeat) / args.draws
        print(f"{name:<14}{runs[-1]:>8,}{seconds:>9.2f}{per_run:>8.0f}{per_draw:>13.0f}{per_run / per_draw:>7.2f}",
              flush=True)


if __name__ == "__main__":
    main()
