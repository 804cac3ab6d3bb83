"""Where chunks run (sim.execution.backends): one process, local workers and a Dask cluster give
the same bits; a worker that dies has its chunk run again; killing a run kills its workers."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, SCENARIOS, same

import sim
from sim.cli import main
from sim.results import open_result
from sim.runner import simulate_draws

NVIDIA = SCENARIOS / "nvidia_2027.toml"
JEVONS = SCENARIOS / "jevons_2035.toml"


@pytest.mark.parametrize("workers", [1, 2])
def test_local_workers_are_bit_identical(tmp_path, reference, capsys, workers):
    out = tmp_path / "r.nc"
    assert main(["run", str(NVIDIA), "--no-calibrate", "--draws", "3000", "--seed", "5", "--workers", str(workers),
                 "--chunk-draws", "700", "--out", str(out), "--quiet"]) == 0
    same(open_result(out), reference["nvidia"])
    assert not Path(f"{out}.chunks").exists()  # the chunk store is gone once the result is written


@pytest.mark.slow
def test_demand_mode_with_rebound_on_two_workers(tmp_path, reference):
    # chunks of candidates: about 130,000 are tried for 500 draws (0.4 % match), in seven chunks
    sim.run(JEVONS, 500, 5, rebound=True, workers=2, chunk_draws=20_000, out=tmp_path / "j.nc")
    same(open_result(tmp_path / "j.nc"), reference["jevons"])


def test_dask_cluster_is_bit_identical(tmp_path, reference, cluster, capsys):
    out = tmp_path / "d.nc"
    assert main(["run", str(NVIDIA), "--no-calibrate", "--draws", "3000", "--seed", "5", "--scheduler", cluster.scheduler_address,
                 "--chunk-draws", "700", "--out", str(out), "--quiet"]) == 0
    same(open_result(out), reference["nvidia"])


def crash_worker_once(work, marker=None):
    """Kill the worker process the first time it runs chunk 1 (a marker file remembers)."""
    marker = Path(marker or os.environ["SIM_TEST_MARKER"])
    if work.index == 1 and not marker.exists():
        marker.write_text("crashed")
        os._exit(1)
    return simulate_draws(work)


@pytest.mark.parametrize("compress", [False, True])   # written straight into the result / via chunk files
def test_dead_local_worker_chunk_is_rerun(tmp_path, reference, monkeypatch, compress):
    monkeypatch.setenv("SIM_TEST_MARKER", str(tmp_path / "marker"))
    path = tmp_path / "r.nc"
    sim.run(NVIDIA, 3000, 5, calibrate=False, workers=2, chunk_draws=700, out=path, compress=compress, compute=crash_worker_once)
    assert (tmp_path / "marker").exists()             # a worker did die
    result = open_result(path)
    assert np.array_equal(result.draw.values, np.arange(3000))  # nothing lost or counted twice
    same(result, reference["nvidia"])


def test_dead_dask_worker_chunk_is_rerun(tmp_path, reference, cluster):
    from functools import partial

    import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    try:
        path = tmp_path / "r.nc"
        sim.run(NVIDIA, 3000, 5, calibrate=False, scheduler=cluster.scheduler_address, chunk_draws=700, out=path,
                compute=partial(crash_worker_once, marker=str(tmp_path / "marker")))
    finally:
        cloudpickle.unregister_pickle_by_value(sys.modules[__name__])
    assert (tmp_path / "marker").exists()
    same(open_result(path), reference["nvidia"])


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


@pytest.mark.skipif(not Path("/proc").exists(), reason="needs /proc to find the workers")
def test_killing_a_run_kills_its_workers(tmp_path):
    out = tmp_path / "r.nc"
    run = subprocess.Popen([sys.executable, "-m", "sim", "run", str(NVIDIA), "--no-calibrate", "--draws", "20000",
                            "--chunk-draws", "100", "--workers", "2", "--out", str(out), "--quiet"], cwd=ROOT)
    deadline = time.monotonic() + 120
    while len(list(Path(f"{out}.chunks").glob("chunk-*"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    workers = children(run.pid)
    assert workers
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    deadline = time.monotonic() + 30
    while any(Path(f"/proc/{w}").exists() and "Z" not in Path(f"/proc/{w}/stat").read_text().split()[2:3]
              for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    alive = [w for w in workers if Path(f"/proc/{w}").exists()
             and Path(f"/proc/{w}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"]
    assert not alive
