"""Calibration benchmark (a script that prints figures, not a test).

For a calibrated scenario, the cost of a calibrated run of N accepted draws against its
target: the uncalibrated run of N draws divided by the acceptance rate, plus 20 %. Also the
whole default command (`python -m sim run scenarios/nvidia_2027.toml`), which calibrates.

    python benchmarks/bench_calibration.py [--scenario FILE] [--draws 1000 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import sim
from bench_run import best_time as best  # the same timing: best of repeated runs

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "nvidia_2027.toml"))
    parser.add_argument("--draws", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    scenario = sim.load_scenario(args.scenario)
    print(f"scenario: {args.scenario}")
    print(f"{'draws':>8} {'prior s':>8} {'calibrated s':>13} {'acceptance':>11} {'target s':>9} {'ratio':>6}")
    for n in args.draws:
        prior = best(lambda: sim.run(scenario, draws=n, calibrate=False), args.repeat)
        result = sim.run(scenario, draws=n, calibrate=True)
        calibrated = best(lambda: sim.run(scenario, draws=n, calibrate=True), args.repeat)
        acceptance = n / result.attrs["candidates"]
        target = prior / acceptance * 1.2
        print(f"{n:>8,} {prior:>8.2f} {calibrated:>13.2f} {acceptance:>11.1%} {target:>9.2f} {calibrated / target:>6.2f}")
    command = [sys.executable, "-m", "sim", "run", args.scenario, "--quiet", "--out", "/tmp/bench-calibration.nc", "--force"]
    whole = best(lambda: subprocess.run(command, check=True, capture_output=True), args.repeat)
    print(f"whole command, default draws: {whole:.2f} s")


if __name__ == "__main__":
    main()
