"""Scale-out benchmark (a script that prints figures, not a test).

1. Speed-up of local workers: a 100,000-draw run of scenarios/nvidia_2027.toml computed in
   chunks by 1 and by 2 local worker processes (the chunk phase alone, and end to end with
   the netCDF written).
2. Client peak memory of a 1,000,000-draw run written as Zarr with 2 workers (the client is
   this process; its workers are separate processes).
3. A Dask cluster (a scheduler and two workers on 127.0.0.1, started here) gives the same
   dataset, bit for bit, as --workers 1.

    python benchmarks/bench_scale.py [--draws 100000] [--million 1000000] [--skip-dask]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import sim
from sim.execution import ChunkStore, Progress, execute, plan, run_local, run_serial
from sim.results import open_result

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "nvidia_2027.toml"


def chunk_phase(scenario, draws, workers, tmp):
    chunks = plan(scenario, draws, scenario.seed, False)
    store = ChunkStore(Path(tmp) / f"w{workers}.chunks", {"w": workers}, resume=False)
    progress = Progress(chunks, 0, quiet=True)
    t0 = time.perf_counter()
    (run_local(chunks, store, progress, workers) if workers > 1 else run_serial(chunks, store, progress))
    seconds = time.perf_counter() - t0
    store.remove()
    return seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=100_000)
    parser.add_argument("--million", type=int, default=1_000_000)
    parser.add_argument("--skip-dask", action="store_true")
    args = parser.parse_args()
    scenario = sim.load_scenario(SCENARIO)
    tmp = tempfile.mkdtemp(prefix="sim-bench-")
    try:
        one = min(chunk_phase(scenario, args.draws, 1, tmp) for _ in range(2))
        two = min(chunk_phase(scenario, args.draws, 2, tmp) for _ in range(2))
        print(f"{args.draws:,} draws, chunks computed: 1 worker {one:.2f} s, 2 workers {two:.2f} s, "
              f"speed-up {one / two:.2f}x", flush=True)
        ends = {}
        for workers in (1, 2):
            t0 = time.perf_counter()
            execute(scenario, Path(tmp) / f"e{workers}.nc", args.draws, scenario.seed, False,
                    workers=workers, quiet=True)
            ends[workers] = time.perf_counter() - t0
        print(f"{args.draws:,} draws end to end with netCDF written: 1 worker {ends[1]:.2f} s, "
              f"2 workers {ends[2]:.2f} s, speed-up {ends[1] / ends[2]:.2f}x", flush=True)

        t0 = time.perf_counter()
        out = execute(scenario, Path(tmp) / "million.zarr", args.million, scenario.seed, False,
                      workers=2, fmt="zarr", quiet=True)
        seconds = time.perf_counter() - t0
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / 2**30
        print(f"{args.million:,} draws to Zarr with 2 workers: {seconds:.1f} s, "
              f"{args.million / seconds:,.0f} draws/s, client peak memory {peak:.2f} GiB, store {size:.2f} GiB",
              flush=True)
        shutil.rmtree(out)

        if not args.skip_dask:
            from distributed import LocalCluster
            with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                              dashboard_address=None) as cluster:
                draws = 20_000
                a, b = Path(tmp) / "dask.nc", Path(tmp) / "one.nc"
                execute(scenario, a, draws, scenario.seed, False, scheduler=cluster.scheduler_address, quiet=True)
                execute(scenario, b, draws, scenario.seed, False, workers=1, quiet=True)
                import xarray as xr
                xr.testing.assert_identical(open_result(a), open_result(b))
                print(f"Dask cluster (scheduler + 2 workers on 127.0.0.1), {draws:,} draws: "
                      "identical to --workers 1, bit for bit", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
