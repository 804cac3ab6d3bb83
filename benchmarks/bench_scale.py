"""Scale-out benchmark (a script that prints figures, not a test).

1. Speed-up of local workers on a 100,000-draw run of scenarios/nvidia_2027.toml (``--scenario``; the prior,
   ``--no-calibrate``, since the scale-out of streamed results is what is measured), with the
   netCDF result written: ``sim run --workers 1`` against ``--workers 2`` (the same code path:
   the result is preallocated and each chunk written straight into it), alternating
   ``--repeats`` times; medians are compared (this machine's timings vary by ±20 % from run
   to run). ``--cli`` also times the whole command (interpreter start and imports included).
2. Client peak memory of a 1,000,000-draw run with 2 workers, written as netCDF and then as
   Zarr (the client is this process; its workers are separate processes; the peak is the
   process's, so the Zarr figure covers both runs).
3. A Dask cluster (a scheduler and two workers on 127.0.0.1, started here) gives the same
   dataset, bit for bit, as --workers 1.

    python benchmarks/bench_scale.py [--scenario FILE] [--draws 100000] [--repeats 5] [--chunk-draws 5000]
                                     [--cli] [--overwrite] [--million 1000000] [--skip-dask]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sim
from sim.cli import main as sim_main
from sim.results import open_result
from sim.runner import DEFAULT_CHUNK_DRAWS

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "nvidia_2027.toml"


def sim_run(path: Path, draws: int, out: Path, *options: str) -> None:
    """``python -m sim run`` in this process (imports already paid), its output discarded."""
    with contextlib.redirect_stdout(io.StringIO()):
        assert sim_main(["run", str(path), "--no-calibrate", "--draws", str(draws), "--out", str(out), "--force",
                         "--quiet", *options]) == 0


def timed(fn, *args, **kwargs) -> float:
    began = time.perf_counter()
    fn(*args, **kwargs)
    return time.perf_counter() - began


def report(title: str, seconds: dict[str, list[float]], base: str, draws: int) -> None:
    medians = {name: statistics.median(times) for name, times in seconds.items()}
    print(title, flush=True)
    for name, median in medians.items():
        times = seconds[name]
        print(f"  {name:<28} median {median:5.2f} s  (min {min(times):.2f}, max {max(times):.2f}; "
              f"{draws / median:,.0f} draws/s)  speed-up of 2 workers {median / medians[base]:.2f}x",
              flush=True)


def speed_up(path: Path, draws: int, repeats: int, chunk_draws: int, tmp: Path, overwrite: bool) -> None:
    modes = {f"sim run --workers {n}": ("--workers", str(n), "--chunk-draws", str(chunk_draws)) for n in (1, 2)}
    seconds = {name: [] for name in modes}
    out = tmp / "r.nc"
    for _ in range(repeats):
        for name, options in modes.items():
            seconds[name].append(timed(sim_run, path, draws, out, *options))
            if not overwrite:
                out.unlink()  # outside the timing: each run writes a new file
    report(f"{path.stem}, {draws:,} draws, netCDF written {'over the last result' if overwrite else 'to a new file'}, "
           f"median of {repeats} alternating runs:", seconds, "sim run --workers 2", draws)


def speed_up_cli(path: Path, draws: int, repeats: int, tmp: Path) -> None:
    seconds = {"python -m sim run --workers 1": [], "python -m sim run --workers 2": []}
    for _ in range(repeats):
        for workers in (1, 2):
            command = [sys.executable, "-m", "sim", "run", str(path), "--no-calibrate", "--draws", str(draws), "--quiet",
                       "--workers", str(workers), "--out", str(tmp / f"cli{workers}.nc"), "--force"]
            seconds[f"python -m sim run --workers {workers}"].append(
                timed(subprocess.run, command, check=True, capture_output=True))
    report(f"{draws:,} draws, whole command (interpreter start and imports included), median of {repeats}:",
           seconds, "python -m sim run --workers 2", draws)


def million(scenario, draws: int, tmp: Path) -> None:
    for fmt, name in (("netcdf", "million.nc"), ("zarr", "million.zarr")):
        began = time.perf_counter()
        out = tmp / name
        sim.run(scenario, draws, scenario.seed, workers=2, fmt=fmt, out=out, calibrate=False).close()
        seconds = time.perf_counter() - began
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
        size = (sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) if out.is_dir()
                else out.stat().st_size) / 2**30
        print(f"{draws:,} draws to {fmt} with 2 workers: {seconds:.1f} s, {draws / seconds:,.0f} draws/s, "
              f"client peak memory so far {peak:.2f} GiB, result {size:.2f} GiB", flush=True)
        shutil.rmtree(out) if out.is_dir() else out.unlink()


def dask_identity(scenario, tmp: Path, draws: int = 20_000) -> None:
    import xarray as xr
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        a, b = tmp / "dask.nc", tmp / "one.nc"
        sim.run(scenario, draws, scenario.seed, scheduler=cluster.scheduler_address, out=a, calibrate=False).close()
        sim.run(scenario, draws, scenario.seed, workers=1, out=b, calibrate=False).close()
        xr.testing.assert_identical(open_result(a), open_result(b))
    print(f"Dask cluster (scheduler + 2 workers on 127.0.0.1), {draws:,} draws: "
          "identical to --workers 1, bit for bit", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default=str(SCENARIO), help="scenario file (default nvidia_2027)")
    parser.add_argument("--draws", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--chunk-draws", type=int, default=DEFAULT_CHUNK_DRAWS,
                        help="draws per chunk")
    parser.add_argument("--cli", action="store_true", help="also time the whole command")
    parser.add_argument("--overwrite", action="store_true",
                        help="write each run over the last one's result (deleting the old file is then timed)")
    parser.add_argument("--million", type=int, default=1_000_000, help="0 skips the memory figure")
    parser.add_argument("--skip-dask", action="store_true")
    args = parser.parse_args()
    path = Path(args.scenario)
    scenario = sim.load_scenario(path)
    tmp = Path(tempfile.mkdtemp(prefix="sim-bench-"))
    try:
        if args.million:  # first, so that this process's peak memory is the million-draw run's
            million(scenario, args.million, tmp)
        speed_up(path, args.draws, args.repeats, args.chunk_draws, tmp, args.overwrite)
        if args.cli:
            speed_up_cli(path, args.draws, args.repeats, tmp)
        if not args.skip_dask:
            dask_identity(scenario, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
