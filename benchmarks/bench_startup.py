"""Start-up of the command line, whole process (a script that prints figures, not a test).

Each command runs ``--repeat`` times in a fresh interpreter, timed by ``/usr/bin/time``
(wall clock) where it exists, else around ``subprocess.run``; the table gives the median,
the baseline it is measured against, and their ratio (targets: ``--help`` within 3x a bare
``import numpy``; the 100-draw run within 1.6x ``import xarray, h5py``).

    python benchmarks/bench_startup.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def wall(args: list[str]) -> float:
    time_cmd = shutil.which("time") or ("/usr/bin/time" if Path("/usr/bin/time").exists() else None)
    if time_cmd:
        done = subprocess.run([time_cmd, "-f", "%e", *args], cwd=ROOT, capture_output=True, text=True)
        return float(done.stderr.strip().splitlines()[-1])
    began = time.perf_counter()
    subprocess.run(args, cwd=ROOT, capture_output=True)
    return time.perf_counter() - began


def median(args: list[str], repeat: int) -> float:
    wall(args)  # warm the file cache
    return statistics.median(wall(args) for _ in range(repeat))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    py = sys.executable
    out = Path(tempfile.mkdtemp()) / "r100.nc"
    rows = [
        ("python -m sim --help", [py, "-m", "sim", "--help"], [py, "-c", "import numpy"], 3.0),
        ("python -m sim check nvidia_2027", [py, "-m", "sim", "check", "nvidia_2027"], [py, "-c", "import numpy"], None),
        ("python -m sim run nvidia_2027 --draws 100", [py, "-m", "sim", "run", "scenarios/nvidia_2027.toml", "--draws",
                                                      "100", "--out", str(out)], [py, "-c", "import xarray, h5py"], 1.6),
        ("  the same, --no-calibrate", [py, "-m", "sim", "run", "scenarios/nvidia_2027.toml", "--draws", "100",
                                        "--no-calibrate", "--out", str(out), "--force"], [py, "-c", "import xarray, h5py"], None),
    ]
    print(f"{'command':<44} {'median s':>9} {'baseline s':>11} {'ratio':>6} {'target':>7}")
    for label, command, baseline, target in rows:
        t, b = median(command, args.repeat), median(baseline, args.repeat)
        print(f"{label:<44} {t:9.2f} {b:11.2f} {t / b:6.2f} {'' if target is None else f'{target:.1f}x':>7}", flush=True)


if __name__ == "__main__":
    main()
