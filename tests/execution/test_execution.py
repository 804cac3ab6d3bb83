"""The execution layer (sim.execution): a run killed or interrupted goes on where it stopped
(``--resume``), bit for bit, also after a lost chunk; a damaged partial result is one line;
sweeps run on the same layer; progress shows where a person watches."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, SCENARIOS, same

from sim.cli import main
from sim.execution.writers import RESULT, ZARR_RESULT
from sim.results import open_result

NVIDIA = SCENARIOS / "nvidia_2027.toml"


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
