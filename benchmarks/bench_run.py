"""Benchmark of `sim.run` against the reference kernel (a script that prints figures, not a test).

For 1,000, 10,000 and 100,000 draws of scenarios/nvidia_2027.toml it prints, measured in
this one process: seconds and draws per second of `sim.run`, the reference kernel's seconds
for the same draws (../shared/bench/reference_kernel.py, the speed floor), their ratio, and
the peak memory of `sim.run` (tracemalloc, numpy allocations included).

    python benchmarks/bench_run.py [--draws 1000 10000 100000] [--repeat 3] [--scenario PATH]
"""

from __future__ import annotations

import argparse
import importlib.util
import time
import tracemalloc
from pathlib import Path

import sim

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def load_reference():
    for candidate in (ROOT.parent / "shared" / "bench" / "reference_kernel.py",
                      ROOT / "shared" / "bench" / "reference_kernel.py"):
        if candidate.exists():
            spec = importlib.util.spec_from_file_location("reference_kernel", candidate)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            return module.reference
    return None


def best_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def peak_memory(fn) -> float:
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**30


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "nvidia_2027.toml"))
    parser.add_argument("--extra", action="append", default=[], metavar="KEY=VALUE",
                        help="--set overrides for the scenario")
    args = parser.parse_args()
    scenario = sim.load_scenario(args.scenario, args.extra)
    reference = load_reference()
    print(f"scenario: {args.scenario}  overrides: {args.extra or 'none'}")
    print(f"{'draws':>8} {'sim s':>8} {'draws/s':>10} {'ref s':>8} {'ratio':>6} {'peak GiB':>9}")
    for n in args.draws:
        repeat = 1 if n >= 100_000 else args.repeat
        seconds = best_time(lambda: sim.run(scenario, draws=n, seed=1, calibrate=False), repeat)
        ref = best_time(lambda: reference(n), repeat) if reference else float("nan")
        peak = peak_memory(lambda: sim.run(scenario, draws=n, seed=1, calibrate=False))
        print(f"{n:>8,} {seconds:8.3f} {n / seconds:10,.0f} {ref:8.3f} {seconds / ref:6.2f} {peak:9.3f}",
              flush=True)


if __name__ == "__main__":
    main()
