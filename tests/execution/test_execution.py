"""Scale-out: bit-identical results in one process, local workers and a Dask cluster;
resume after a kill or a lost chunk; a dying worker; an unreachable scheduler."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import pytest
import xarray as xr
from conftest import ROOT, SCENARIOS, same
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import sim
from sim.cli import main
from sim.execution.chunks import CHUNK_SUFFIX, load_chunk, save_chunk
from sim.execution.files import PAGE
from sim.execution.writers import HDF5_CHUNK_BYTES, RESULT, ZARR_RESULT
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


@pytest.mark.parametrize("workers", ["1", "2"])
def test_zarr_is_written_chunk_by_chunk_and_identical(tmp_path, reference, capsys, workers):
    out = tmp_path / "r.zarr"
    assert main(["run", str(NVIDIA), "--no-calibrate", "--draws", "3000", "--seed", "5", "--format", "zarr", "--workers", workers,
                 "--chunk-draws", "700", "--out", str(out)]) == 0
    assert "p50" in capsys.readouterr().out          # the summary reads the store lazily
    result = open_result(out)
    same(result, reference["nvidia"])
    assert result.energy.encoding["chunks"] == (700, 16)  # one Zarr chunk per run chunk: no shared writes


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


def test_resume_refuses_chunks_of_another_writer(tmp_path, capsys):
    out = tmp_path / "r.nc"
    args = ["run", str(NVIDIA), "--no-calibrate", "--draws", "3000", "--seed", "5", "--chunk-draws", "100", "--out", str(out), "--quiet"]
    kill_after_chunks([sys.executable, "-m", "sim", *args], out, 3)
    assert main(args + ["--resume", "--compress"]) == 2
    err = capsys.readouterr().err
    assert "written for a different run (writer differ)" in err and err.count("\n") == 1


def test_resume_refuses_chunks_of_another_run(tmp_path, capsys):
    out = tmp_path / "r.nc"
    chunks = Path(f"{out}.chunks")
    chunks.mkdir()
    (chunks / "manifest.json").write_text('{"seed": 1, "sim_chunk_store": 1}')
    assert main(["run", str(NVIDIA), "--no-calibrate", "--draws", "300", "--resume", "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "written for a different run" in err and err.count("\n") == 1


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


chunk_arrays = st.dictionaries(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz_.:0123456789", min_size=1, max_size=12),
    hnp.arrays(st.sampled_from([np.float64, np.float32, np.int64]),
               hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=5)),
    min_size=1, max_size=5)


@settings(max_examples=60, deadline=None)
@given(arrays=chunk_arrays, transpose=st.booleans())
def test_chunk_files_give_back_exactly_what_was_saved(tmp_path_factory, arrays, transpose):
    if transpose:  # the model hands over views with draw last; they must come back draw first
        arrays = {k: v.T for k, v in arrays.items()}
    path = tmp_path_factory.mktemp("chunk") / ("c" + CHUNK_SUFFIX)
    save_chunk(path, arrays)
    loaded = load_chunk(path)
    assert list(loaded) == list(arrays)
    for name, array in arrays.items():
        assert loaded[name].dtype == array.dtype and loaded[name].shape == array.shape
        np.testing.assert_array_equal(loaded[name], array)
        assert not loaded[name].flags.writeable   # a view of the file, never written through


def test_a_truncated_chunk_file_is_an_error_not_garbage(tmp_path):
    path = tmp_path / ("c" + CHUNK_SUFFIX)
    save_chunk(path, {"energy": np.arange(40.0).reshape(10, 4)})
    path.write_bytes(path.read_bytes()[:-8])
    with pytest.raises(OSError, match="not a complete chunk file"):
        load_chunk(path)


def test_netcdf_is_written_in_large_hdf5_chunks_and_compresses(tmp_path, reference):
    path = tmp_path / "r.nc"
    sim.run(NVIDIA, 3000, 5, calibrate=False, chunk_draws=1000, out=path, compress=True)
    with h5py.File(path) as f:
        monthly, energy = f["facility_power_monthly"], f["energy"]
        row_bytes = 8 * monthly.shape[1]
        # about HDF5_CHUNK_BYTES (and never more than one run chunk) rather than h5py's guess of a few kB
        assert monthly.chunks[0] == min(1000, HDF5_CHUNK_BYTES // row_bytes)
        assert energy.chunks[0] == 1000 and monthly.compression == "gzip"
    same(open_result(path), reference["nvidia"])


@pytest.mark.slow
def test_resume_over_a_damaged_chunk_is_one_line_and_status_2(tmp_path, capsys, reference):
    out = tmp_path / "r.nc"
    args = ["run", str(NVIDIA), "--no-calibrate", "--draws", "3000", "--seed", "5", "--chunk-draws", "100", "--out", str(out), "--quiet",
            "--compress"]  # compressed netCDF is written through chunk files
    written = kill_after_chunks([sys.executable, "-m", "sim", *args], out, 3)
    damaged = written[0]
    damaged.write_bytes(damaged.read_bytes()[:-100])     # e.g. a full disk, outside sim
    assert main(args + ["--resume"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a complete chunk file" in err and "delete this file" in err
    assert not out.exists()
    damaged.unlink()                                      # as the message says
    assert main(args + ["--resume"]) == 0
    same(open_result(out), reference["nvidia"])


def test_preallocated_variables_lie_whole_in_the_file_on_page_boundaries(tmp_path, reference):
    path = tmp_path / "r.nc"
    sim.run(NVIDIA, 3000, 5, calibrate=False, chunk_draws=1000, out=path)
    with h5py.File(path) as f:
        for name in reference["nvidia"].data_vars:
            dataset = f[name]
            if dataset.ndim and "draw" in reference["nvidia"][name].dims:
                assert dataset.chunks is None and dataset.compression is None
                assert dataset.id.get_offset() % PAGE == 0
    result = open_result(path)
    assert list(result.data_vars) == list(reference["nvidia"].data_vars)  # in the same order


@settings(max_examples=25, deadline=None)
@given(draws=st.integers(1, 40), cuts=st.lists(st.integers(1, 39), max_size=6), order=st.randoms())
def test_rows_written_in_any_order_and_any_chunks_give_the_written_dataset(tmp_path_factory, draws, cuts, order):
    from sim.execution.files import preallocate, read_layout, write_rows
    from sim.results import encoded

    rng = np.random.default_rng(draws)
    ds = xr.Dataset({"a": (("draw", "year"), rng.normal(size=(draws, 3)), {"units": "TWh"}),
                     "b": ("draw", rng.integers(0, 9, draws)),
                     "c": ((), 1.5, {"long_name": "a constant"}),
                     "d": (("draw", "year", "kind"), rng.normal(size=(draws, 3, 2)))},
                    coords={"draw": ("draw", np.arange(draws), {"units": "1"}), "year": [2023, 2024, 2025],
                            "kind": np.array(["x", "y"], dtype=object)}, attrs={"title": "t"})
    tmp = tmp_path_factory.mktemp("pre")
    first = ds.isel(draw=slice(0, 1))
    preallocate(encoded(first), first.sizes, draws, tmp / "p.nc")
    layout = read_layout(tmp / "p.nc")
    assert set(layout.variables) == {"a", "b", "d"}
    bounds = sorted({0, draws, *(c for c in cuts if c < draws)})
    pieces = list(zip(bounds[:-1], bounds[1:]))
    order.shuffle(pieces)
    for start, stop in pieces:
        write_rows(layout, start, stop, {k: ds[k].values[start:stop].T.copy().T for k in ("a", "b", "d")})
    ds.to_netcdf(tmp / "x.nc", engine="h5netcdf")
    with xr.open_dataset(tmp / "p.nc", engine="h5netcdf") as got, xr.open_dataset(tmp / "x.nc", engine="h5netcdf") as want:
        xr.testing.assert_identical(got.load(), want.load())


# ---- nothing lost, nothing mixed ------------------------------------------------------------

def test_force_never_deletes_a_folder_sim_did_not_write(tmp_path, capsys):
    folder = tmp_path / "precious"
    folder.mkdir()
    (folder / "thesis.txt").write_text("years of work")
    for extra in ([], ["--force"]):
        assert main(["run", str(NVIDIA), "--no-calibrate", "--draws", "20", "--format", "zarr", "--out", str(folder),
                     *extra]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "sim has no record of writing" in err and "use --force" not in err
    assert (folder / "thesis.txt").read_text() == "years of work" and len(list(folder.iterdir())) == 1


def test_a_file_that_is_not_a_sim_result_is_never_replaced(tmp_path, capsys):
    other = tmp_path / "notes.nc"
    other.write_text("not netCDF")
    assert main(["run", str(NVIDIA), "--no-calibrate", "--draws", "20", "--out", str(other), "--force"]) == 2
    assert "sim has no record of writing" in capsys.readouterr().err and other.read_text() == "not netCDF"


def test_a_pipe_or_a_link_is_never_an_output(tmp_path, capsys):
    fifo = tmp_path / "pipe.nc"
    os.mkfifo(fifo)
    assert main(["run", str(NVIDIA), "--no-calibrate", "--draws", "20", "--out", str(fifo), "--force"]) == 2
    assert "not a regular file" in capsys.readouterr().err
    link = tmp_path / "link.nc"
    link.symlink_to(tmp_path / "elsewhere.nc")
    assert main(["run", str(NVIDIA), "--no-calibrate", "--draws", "20", "--out", str(link)]) == 2
    assert "symbolic link" in capsys.readouterr().err and not (tmp_path / "elsewhere.nc").exists()


@pytest.mark.parametrize("resume", [[], ["--resume"]])
def test_a_chunk_store_that_is_a_link_is_not_followed(tmp_path, capsys, resume):
    target = tmp_path / "target"
    target.mkdir()
    (target / "keep.txt").write_text("x")
    out = tmp_path / "r.nc"
    Path(f"{out}.chunks").symlink_to(target)
    assert main(["run", str(NVIDIA), "--no-calibrate", "--draws", "20", "--out", str(out), *resume]) == 2
    assert "follows no links" in capsys.readouterr().err
    assert [p.name for p in target.iterdir()] == ["keep.txt"]


@pytest.mark.parametrize("resume", [[], ["--resume"]])
def test_a_store_without_a_manifest_is_refused_and_kept(tmp_path, capsys, resume):
    out = tmp_path / "r.nc"
    store = Path(f"{out}.chunks")
    store.mkdir()
    (store / "chunk-00000.done").touch()
    assert main(["run", str(NVIDIA), "--no-calibrate", "--draws", "20", "--out", str(out), *resume]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no manifest.json that sim wrote" in err
    assert (store / "chunk-00000.done").exists() and not out.exists()


def test_two_runs_on_one_output_never_mix(tmp_path, reference):
    out = tmp_path / "r.nc"
    first = subprocess.Popen([sys.executable, "-m", "sim", "run", str(NVIDIA), "--no-calibrate", "--draws", "3000",
                              "--seed", "5", "--chunk-draws", "50", "--out", str(out), "--quiet"], cwd=ROOT,
                             stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not list(Path(f"{out}.chunks").glob("chunk-*")) and time.monotonic() < deadline:
        time.sleep(0.02)
    second = subprocess.run([sys.executable, "-m", "sim", "run", str(NVIDIA), "--no-calibrate", "--draws", "3000",
                             "--seed", "6", "--out", str(out), "--force"], cwd=ROOT, capture_output=True, text=True)
    assert second.returncode == 2 and second.stderr.count("\n") == 1, second.stderr
    assert f"another sim run (process {first.pid})" in second.stderr
    assert first.wait(timeout=120) == 0, first.stderr.read()
    same(open_result(out), reference["nvidia"])           # the first run's result, unmixed
    assert not (tmp_path / ".r.nc.lock").exists()


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


def test_too_little_disk_is_one_line_before_anything_is_written(tmp_path, capsys, monkeypatch):
    import shutil
    from collections import namedtuple

    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(10**9, 10**9 - 10**6, 10**6))
    out = tmp_path / "r.nc"
    assert main(["run", str(NVIDIA), "--no-calibrate", "--draws", "3000", "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "needs about" in err and "0.00 GB free" in err
    assert not out.exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small file system needs root")
def test_a_full_disk_is_one_line_and_keeps_the_chunks(tmp_path):
    disk = tmp_path / "disk"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(disk)], capture_output=True).returncode:
        pytest.skip("this machine does not allow mounting a tmpfs")
    try:
        out = disk / "r.nc"
        proc = subprocess.run([sys.executable, "-m", "sim", "run", str(NVIDIA), "--no-calibrate", "--draws", "3000",
                               "--out", str(out), "--quiet"], cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
        assert proc.stderr.count("\n") == 1 and ("GB free" in proc.stderr or "disk is full" in proc.stderr)
        assert not out.exists()
    finally:
        subprocess.run(["umount", str(disk)], capture_output=True)


def test_a_zarr_result_opens_without_warnings(tmp_path):
    import warnings

    out = tmp_path / "r.zarr"
    assert main(["run", str(NVIDIA), "--no-calibrate", "--draws", "300", "--format", "zarr", "--out", str(out),
                 "--quiet"]) == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with xr.open_zarr(out) as ds:
            assert ds.sizes["draw"] == 300


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
