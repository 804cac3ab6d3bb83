"""Scale-out: bit-identical results in one process, local workers and a Dask cluster;
resume after a kill or a lost chunk; a dying worker; an unreachable scheduler."""

import os
import shutil
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
from sim.execution.writers import RESULT, ZARR_RESULT
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


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as c:
        yield c


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


def kill_after_chunks(args, out, count: int) -> list[Path]:
    """Start a command, SIGKILL it (and its workers) once ``count`` chunks are on disk; the chunks."""
    proc = subprocess.Popen(args, cwd=ROOT, start_new_session=True)
    chunks = Path(f"{out}.chunks")
    deadline = time.monotonic() + 120
    while len(list(chunks.glob("chunk-*"))) < count and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    return sorted(chunks.glob("chunk-*"))  # chunk files, or the marks of chunks written into the result


@pytest.mark.parametrize("workers, fmt", [("1", "netcdf"), ("2", "netcdf"), ("2", "zarr")])
def test_resume_after_kill_and_a_deleted_chunk(tmp_path, reference, workers, fmt):
    out = tmp_path / ("r.nc" if fmt == "netcdf" else "r.zarr")
    args = [sys.executable, "-m", "sim", "run", str(NVIDIA), "--no-calibrate", "--draws", "3000", "--seed", "5", "--format", fmt,
            "--chunk-draws", "100", "--workers", workers, "--out", str(out), "--quiet"]
    written = kill_after_chunks(args, out, 4)
    assert 4 <= len(written) < 30 and not out.exists()   # killed mid-run, nothing half-written
    partial = Path(f"{out}.chunks") / (RESULT if fmt == "netcdf" else ZARR_RESULT)
    assert partial.exists()                               # the partial result, kept for --resume
    written[1].unlink()                                   # and one finished chunk lost
    resumed = subprocess.run(args + ["--resume"], cwd=ROOT, capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    result = open_result(out)
    same(result, reference["nvidia"])
    assert result.attrs["command"].endswith("--resume")  # the attributes say how it was finished


def test_ctrl_c_says_how_to_resume(tmp_path, reference):
    out = tmp_path / "r.nc"
    args = [sys.executable, "-m", "sim", "run", str(NVIDIA), "--no-calibrate", "--draws", "3000", "--seed", "5",
            "--chunk-draws", "25", "--out", str(out)]  # 120 small chunks: still running when interrupted
    proc = subprocess.Popen(args, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while len(list(Path(f"{out}.chunks").glob("chunk-*"))) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    err = proc.communicate(timeout=60)[1]
    assert proc.returncode == 130 and not out.exists(), err
    assert err.strip().splitlines()[-1].startswith("sim: interrupted; no result written. The finished chunks")
    assert "--resume" in err and "Traceback" not in err
    resumed = subprocess.run(args + ["--resume", "--quiet"], cwd=ROOT, capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    same(open_result(out), reference["nvidia"])


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["netcdf", "zarr"])
def test_resume_over_a_damaged_partial_result_is_one_line_and_status_2(tmp_path, capsys, reference, fmt):
    out = tmp_path / ("r.nc" if fmt == "netcdf" else "r.zarr")
    args = ["run", str(NVIDIA), "--no-calibrate", "--draws", "3000", "--seed", "5", "--chunk-draws", "100", "--out", str(out), "--quiet",
            "--format", fmt]
    kill_after_chunks([sys.executable, "-m", "sim", *args], out, 3)
    if fmt == "netcdf":
        partial = Path(f"{out}.chunks") / RESULT
        partial.write_bytes(partial.read_bytes()[:1000])     # e.g. a full disk, outside sim
    else:
        (Path(f"{out}.chunks") / ZARR_RESULT / "energy" / ".zarray").unlink()
    assert main(args + ["--resume"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a preallocated" in err and "delete the folder" in err
    assert not out.exists()
    shutil.rmtree(f"{out}.chunks")                         # as the message says
    assert main(args + ["--resume"]) == 0
    same(open_result(out), reference["nvidia"])


SWEEP = ["sweep", str(NVIDIA), "--method", "sobol", "--samples", "256", "--metric", "energy:2030", "--quiet"]


@pytest.fixture(scope="module")
def sweep_reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep") / "ref.nc"
    assert main(SWEEP + ["--out", str(out)]) == 0
    return open_result(out)


@pytest.mark.parametrize("backend", ["workers", "dask"])
def test_sweeps_run_on_the_same_layer_bit_identically(tmp_path, sweep_reference, cluster, capsys, backend):
    out = tmp_path / "s.nc"
    extra = ["--workers", "2"] if backend == "workers" else ["--scheduler", cluster.scheduler_address]
    assert main(SWEEP + ["--out", str(out), "--chunk-draws", "500", *extra]) == 0
    same(open_result(out), sweep_reference)


@pytest.mark.slow
def test_sweep_resumes_after_a_kill(tmp_path, sweep_reference):
    out = tmp_path / "s.nc"
    args = [sys.executable, "-m", "sim", *SWEEP, "--out", str(out), "--chunk-draws", "60"]
    assert len(kill_after_chunks(args, out, 5)) >= 5 and not out.exists()
    resumed = subprocess.run(args + ["--resume"], cwd=ROOT, capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    same(open_result(out), sweep_reference)


# ---- nothing lost, nothing mixed ------------------------------------------------------------


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


@pytest.mark.slow
def test_a_killed_compressed_run_leaves_nothing_beside_its_output_once_resumed(tmp_path, reference):
    out = tmp_path / "r.nc"
    args = [sys.executable, "-m", "sim", "run", str(NVIDIA), "--no-calibrate", "--draws", "3000", "--seed", "5",
            "--chunk-draws", "100", "--compress", "--out", str(out), "--quiet"]
    kill_after_chunks(args, out, 5)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".r.nc.") and p.suffix == ".nc"]
    assert subprocess.run(args + ["--resume"], cwd=ROOT, capture_output=True).returncode == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [".r.nc.sim.json", "r.nc"]
    same(open_result(out), reference["nvidia"])


@pytest.mark.parametrize("tty, notebook, quiet, shown", [
    (False, False, None, False), (True, False, None, True), (False, True, None, True),
    (True, True, True, False), (False, False, False, False)])
def test_progress_shows_where_a_person_watches(monkeypatch, tty, notebook, quiet, shown):
    from sim import execution

    monkeypatch.setattr(sys.stderr, "isatty", lambda: tty, raising=False)
    if notebook:
        monkeypatch.setitem(sys.modules, "ipykernel", object())
    else:
        monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    bar = execution.Progress([object()], 0, quiet)
    assert bar.bar.disable is not shown
    bar.close()
