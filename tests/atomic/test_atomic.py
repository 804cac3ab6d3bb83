"""Writing safely, by one rule for every command: nothing sim did not write is replaced or
deleted, links are refused, a different sim result needs --force, a result's record says
what it holds (calibrated or not among it)."""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import xarray as xr
from conftest import ROOT, SCENARIOS

from sim import atomic
from sim.cli import main
from sim.errors import InputError

NVIDIA = SCENARIOS / "nvidia_2027.toml"
RUN = ["run", str(NVIDIA), "--no-calibrate", "--draws", "20"]


def one_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


@pytest.fixture
def result(tmp_path):
    """A small result file sim wrote, with its record."""
    out = tmp_path / "base.nc"
    assert main(RUN + ["--out", str(out), "--quiet"]) == 0
    return out


# ---- the record ------------------------------------------------------------------------------

def test_a_record_lists_every_file_with_its_size_and_sha256(tmp_path):
    folder = tmp_path / "store"
    (folder / "c").mkdir(parents=True)
    (folder / ".zgroup").write_text("{}")
    (folder / "c" / "0").write_bytes(b"abc")
    atomic.write_record(folder, {"seed": 1})
    record = atomic.read_record(folder)
    assert record["identity"] == {"seed": "1"} and record["folder"]
    assert record["files"]["c/0"][0] == 3
    assert record["files"]["c/0"][2] == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert atomic.unchanged(folder, record) == (True, "")


def test_a_file_rewritten_with_the_same_content_is_still_sims(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("a,b\n1,2\n")
    atomic.write_record(path, {})
    os.utime(path, ns=(1, 1))                       # another time: the content check decides
    assert atomic.unchanged(path, atomic.read_record(path))[0]
    path.write_text("a,b\n1,3\n")                   # same size, other content
    os.utime(path, ns=(1, 1))
    same, why = atomic.unchanged(path, atomic.read_record(path))
    assert not same and "changed since sim wrote it" in why


def test_a_record_that_is_a_link_or_foreign_is_no_record(tmp_path):
    path = tmp_path / "r.nc"
    path.write_text("x")
    fake = tmp_path / "fake.json"
    fake.write_text(json.dumps({"record_version": 1, "name": "r.nc", "files": {}, "identity": {}}))
    atomic.record_path(path).symlink_to(fake)
    assert atomic.read_record(path) is None
    atomic.record_path(path).unlink()
    atomic.record_path(path).write_text(json.dumps({"name": "other.nc"}))
    assert atomic.read_record(path) is None


# ---- 1. the lock never writes through a link ---------------------------------------------------

def test_a_lock_that_is_a_link_is_refused_and_its_target_untouched(tmp_path, capsys):
    precious = tmp_path / "p.txt"
    precious.write_text("DATA\n")
    (tmp_path / ".o.nc.lock").symlink_to(precious)
    assert main(RUN + ["--out", str(tmp_path / "o.nc")]) == 2
    assert "symbolic link where sim keeps a lock" in one_line(capsys)
    assert precious.read_text() == "DATA\n" and not (tmp_path / "o.nc").exists()


# ---- 2. export ------------------------------------------------------------------------------------

@pytest.mark.parametrize("command, name, writes", [
    (RUN, "r.csv", "sim run writes a netCDF result or a Zarr store: give a name ending in .nc or .zarr"),
    (["sweep", str(NVIDIA), "--method", "oat"], "s.csv", "sim sweep writes a netCDF result"),
    (["sweep", "RESULT", "--method", "pawn"], "s.png", "sim sweep writes a netCDF result"),
    (["discover", "RESULT", "--where", "energy:2030 > p80"], "d.csv", "sim discover writes a netCDF result"),
    (["export", "RESULT"], "x.nc", "sim export writes a CSV table"),
    (["brief", str(NVIDIA), "--draws", "20"], "b.png", "sim brief writes a PDF"),
    (["explore", "RESULT"], "e.pdf", "sim explore writes a web page"),
])
def test_an_out_that_names_another_kind_of_file_is_one_line_before_any_work(tmp_path, result, capsys, command,
                                                                              name, writes):
    """``sim run --out r.csv`` wrote a netCDF file named r.csv (a spreadsheet could not open it),
    ``sim brief --out b.png`` a PDF named b.png: a name that says another kind of file sim writes
    is one line saying which command writes that kind, and nothing is written."""
    args = [str(result) if a == "RESULT" else a for a in command]
    assert main([*args, "--out", str(tmp_path / name)]) == 2
    err = one_line(capsys)
    assert writes in err and "which sim " in err, err
    assert not (tmp_path / name).exists()


def test_export_never_replaces_a_file_it_did_not_write_nor_follows_a_link(tmp_path, result, capsys):
    thesis = tmp_path / "t.txt"
    thesis.write_text("thesis")
    for extra in ([], ["--force"]):
        assert main(["export", str(result), "--csv", str(thesis), *extra]) == 2
        assert "has no record of writing" in one_line(capsys)
    assert thesis.read_text() == "thesis"
    link = tmp_path / "l.csv"
    link.symlink_to(thesis)
    assert main(["export", str(result), "--csv", str(link)]) == 2
    assert "symbolic link" in one_line(capsys)
    assert link.is_symlink() and thesis.read_text() == "thesis"


def test_export_replaces_its_own_csv_and_another_results_only_with_force(tmp_path, result, capsys):
    csv = tmp_path / "out.csv"
    assert main(["export", str(result), "--csv", str(csv)]) == 0
    assert main(["export", str(result), "--csv", str(csv)]) == 0        # the same export again
    capsys.readouterr()
    assert main(["export", str(result), "--csv", str(csv), "--draws"]) == 2
    assert "every_draw differ" in one_line(capsys) and "p50" in csv.read_text()
    assert main(["export", str(result), "--csv", str(csv), "--draws", "--force"]) == 0
    assert "p50" not in csv.read_text()
    csv.write_text(csv.read_text() + "my note\n")                       # the user's now
    assert main(["export", str(result), "--csv", str(csv), "--draws", "--force"]) == 2
    assert "no longer what sim wrote" in one_line(capsys) and csv.read_text().endswith("my note\n")


# ---- 3. brief, and figures ----------------------------------------------------------------------

def test_brief_never_replaces_a_file_it_did_not_write(tmp_path, capsys):
    mine = tmp_path / "mine.pdf"
    mine.write_bytes(b"%PDF my own")
    for extra in ([], ["--force"]):
        assert main(["brief", str(NVIDIA), "--out", str(mine), "--draws", "20", "--quiet", *extra]) == 2
        assert "has no record of writing" in one_line(capsys)          # before any run
    assert mine.read_bytes() == b"%PDF my own"


def test_plot_never_replaces_a_figure_it_did_not_write(tmp_path, result, capsys):
    figure = tmp_path / "base-fan.png"
    figure.write_bytes(b"my figure")
    assert main(["plot", str(result), "--kind", "fan", "--kind", "generations", "--force"]) == 2
    assert "has no record of writing" in one_line(capsys)
    assert figure.read_bytes() == b"my figure" and not (tmp_path / "base-generations.png").exists()
    figure.unlink()
    assert main(["plot", str(result), "--kind", "fan"]) == 0
    assert main(["plot", str(result), "--kind", "fan"]) == 0             # its own figure again


# ---- 4, 5. results changed or filled by the user -----------------------------------------------

def test_a_zarr_store_holding_a_users_file_is_never_deleted(tmp_path, capsys):
    out = tmp_path / "r.zarr"
    assert main(RUN + ["--format", "zarr", "--out", str(out), "--quiet"]) == 0
    assert main(RUN + ["--format", "zarr", "--out", str(out), "--quiet"]) == 0   # its own store: replaced
    (out / "notes.txt").write_text("mine")
    for extra in ([], ["--force"]):
        assert main(RUN + ["--format", "zarr", "--out", str(out), *extra]) == 2
        assert "files sim did not write (notes.txt)" in one_line(capsys)
    assert (out / "notes.txt").read_text() == "mine" and (out / ".zgroup").exists()


def test_a_result_saved_again_with_xarray_is_the_users(tmp_path, result, capsys):
    with xr.open_dataset(result, engine="h5netcdf") as ds:
        mine = ds.load()
    mine["my_variable"] = mine.energy * 2          # every attribute of sim's, sim_version included
    result.unlink()
    mine.to_netcdf(result, engine="h5netcdf")
    assert mine.attrs["sim_version"]
    for extra in ([], ["--force"]):
        assert main(RUN + ["--out", str(result), *extra]) == 2
        assert "no longer what sim wrote" in one_line(capsys)
    with xr.open_dataset(result, engine="h5netcdf") as ds:
        assert "my_variable" in ds


def test_a_different_result_needs_force_and_the_same_one_does_not(tmp_path, result, capsys):
    assert main(RUN + ["--out", str(result), "--quiet"]) == 0
    capsys.readouterr()
    assert main(RUN[:-1] + ["30", "--out", str(result)]) == 2
    assert "draws differ" in one_line(capsys)
    assert main(RUN[:-1] + ["30", "--out", str(result), "--force", "--quiet"]) == 0


# ---- 6. the calibration switch is part of what a result is ---------------------------------------

def test_prior_and_calibrated_results_never_share_a_path_or_an_identity(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["run", "nvidia_2027", "--draws", "20", "--quiet"]) == 0
    assert main(["run", "nvidia_2027", "--draws", "20", "--no-calibrate", "--quiet"]) == 0
    calibrated, prior = capsys.readouterr().out.split()
    assert Path(prior).name == "nvidia_2027-prior-seed2027.nc" and Path(calibrated).name == "nvidia_2027-seed2027.nc"
    with xr.open_dataset(calibrated) as c, xr.open_dataset(prior) as p:
        assert c.attrs["calibrated"] == 1 and "calibrated" not in p.attrs
        assert "prior, not calibrated" in p.attrs["title"] and "; calibrated to" in c.attrs["title"]
    assert main(["run", "nvidia_2027", "--draws", "20", "--no-calibrate", "--out", calibrated]) == 2
    assert "calibrated differ" in one_line(capsys)


def test_the_candidate_cap_does_not_change_a_calibrated_result():
    import sim

    a = sim.run("nvidia_2027", draws=30, seed=3, calibrate=True, max_candidates=20_000)
    b = sim.run("nvidia_2027", draws=30, seed=3, calibrate=True, max_candidates=60_000)
    assert (a.attrs.pop("candidate_space"), b.attrs.pop("candidate_space")) == (20_000, 60_000)  # recorded
    xr.testing.assert_identical(a, b)       # and nothing else differs: not part of what the result is


# ---- 7. temporaries and chunk stores of the user's ------------------------------------------------

def test_a_users_hidden_tmp_folder_and_foreign_chunk_store_stay(tmp_path, capsys):
    out = tmp_path / "x.zarr"
    hidden = tmp_path / ".x.zarr.tmp"
    hidden.mkdir()
    (hidden / "keep").write_text("mine")
    assert main(RUN + ["--format", "zarr", "--out", str(out), "--quiet"]) == 0
    assert (hidden / "keep").read_text() == "mine"
    store = tmp_path / "y.nc.chunks"
    store.mkdir()
    (store / "manifest.json").write_text(json.dumps({"my": "project"}))
    (store / "data.csv").write_text("1,2")
    for extra in ([], ["--resume"]):
        assert main(RUN + ["--out", str(tmp_path / "y.nc"), *extra]) == 2
        assert "no manifest.json that sim wrote" in one_line(capsys)
    assert sorted(p.name for p in store.iterdir()) == ["data.csv", "manifest.json"]


def test_a_users_file_in_a_chunk_store_outlives_the_run(tmp_path, capsys):
    out = tmp_path / "r.nc"
    proc = subprocess.Popen([sys.executable, "-m", "sim", *RUN[:-1], "4000", "--chunk-draws", "100",
                             "--out", str(out), "--quiet"], cwd=ROOT, stderr=subprocess.PIPE, text=True)
    store = Path(f"{out}.chunks")
    deadline = time.monotonic() + 60
    while not (store / "manifest.json").exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.01)
    if proc.poll() is None:
        (store / "mine.txt").write_text("mine")
    assert proc.wait(timeout=120) == 0
    if (store / "mine.txt").exists():       # put in while the run ran: it stays, and so does its folder
        assert [p.name for p in store.iterdir()] == ["mine.txt"]
        assert "holds files sim did not write" in proc.stderr.read()
    assert out.exists()


def test_the_temporary_of_a_zarr_result_is_fresh_so_a_link_there_is_harmless(tmp_path):
    target = tmp_path / "elsewhere"
    target.mkdir()
    (tmp_path / ".r.zarr.tmp").symlink_to(target)
    assert main(["run", "nvidia_2027", "--draws", "20", "--format", "zarr", "--out", str(tmp_path / "r.zarr"),
                 "--quiet"]) == 0
    assert list(target.iterdir()) == []


# ---- 8, 9. scenario files that are not files ------------------------------------------------------

@pytest.mark.parametrize("special", ["/dev/zero", "/dev/urandom", "fifo"])
def test_a_device_or_pipe_is_refused_at_once(tmp_path, capsys, special):
    if special == "fifo":
        special = str(tmp_path / "p.toml")
        os.mkfifo(special)
    assert main(["check", special]) == 2
    assert "not a regular file" in one_line(capsys)


def test_an_include_that_is_a_device_is_refused(tmp_path, capsys):
    text = NVIDIA.read_text().replace('include = ["shared/catalogue.toml", "shared/observed_world.toml"]',
                                      'include = ["/dev/zero"]')
    (tmp_path / "s.toml").write_text(text)
    assert main(["check", str(tmp_path / "s.toml")]) == 2
    assert "/dev/zero: is not a regular file" in one_line(capsys)


@pytest.mark.parametrize("value", ['"x"', "1", "[1]"])
def test_a_scenario_key_that_is_not_a_table_is_one_line(tmp_path, capsys, value):
    (tmp_path / "s.toml").write_text(f"scenario = {value}\n")
    assert main(["check", str(tmp_path / "s.toml")]) == 2
    assert "scenario: expected a table [scenario]" in one_line(capsys)


# ---- 10. no room: quota, file-size limit ------------------------------------------------------------

def test_a_file_size_limit_is_one_line_and_leaves_nothing(tmp_path):
    out = tmp_path / "r.nc"

    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, 200_000))

    for extra in ([], ["--compress"], ["--draws", "3000", "--chunk-draws", "1000"]):
        proc = subprocess.run([sys.executable, "-m", "sim", *RUN[:-1], "200", "--out", str(out), *extra],
                              cwd=ROOT, capture_output=True, text=True, preexec_fn=limit)
        assert proc.returncode == 2 and proc.stderr.count("\n") == 1, (extra, proc.returncode, proc.stderr)
        assert "ulimit -f" in proc.stderr and not out.exists()


@pytest.mark.parametrize("code", [28, 122, 27])   # ENOSPC, EDQUOT, EFBIG
def test_no_room_of_every_kind_is_one_line(tmp_path, code):
    with pytest.raises(InputError, match="nothing was written there"):
        with atomic.no_room(tmp_path / "x"):
            raise OSError(code, os.strerror(code))


# ---- 11. options out of bounds ----------------------------------------------------------------------

@pytest.mark.parametrize("argv, fragment", [
    (RUN + ["--workers", "100000"], "--workers: must be a whole number from 1 to"),
    (["run", "nvidia_2027", "--draws", "20", "--max-candidates", "0"], "--max-candidates: must be"),
    (["run", "nvidia_2027", "--draws", "20", "--max-candidates", "-1"], "--max-candidates: must be"),
    (["sweep", "nvidia_2027", "--method", "oat", "--draws", "-1"], "--draws: must be at least 1"),
    (["sweep", "nvidia_2027", "--method", "oat", "--metric", ""], "--metric: is empty"),
    (["run", ""], "SCENARIO: is empty"),
    (["check", " "], "SCENARIO: is empty"),
])
def test_options_out_of_bounds_are_one_line(argv, fragment, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    assert fragment in one_line(capsys)
    assert not (tmp_path / "outputs").exists()


# ---- 12. an interrupt to the client alone stops the run now -----------------------------------------

def test_ctrl_c_to_the_client_alone_does_not_wait_for_queued_chunks(tmp_path):
    out = tmp_path / "r.nc"
    chunks = 60
    proc = subprocess.Popen([sys.executable, "-m", "sim", *RUN[:-1], str(chunks * 500), "--chunk-draws", "500",
                             "--workers", "2", "--out", str(out), "--quiet"], cwd=ROOT,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    store = Path(f"{out}.chunks")
    deadline = time.monotonic() + 120
    while len(list(store.glob("chunk-*"))) < 2 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGINT)                  # the client only, not its process group
    assert proc.wait(timeout=120) == 130, proc.stderr.read()
    done = len(list(store.glob("chunk-*")))
    assert 2 <= done < chunks and not out.exists()    # it stopped; the chunks it kept stay for --resume
    assert main(RUN[:-1] + [str(chunks * 500), "--chunk-draws", "500", "--out", str(out), "--resume",
                            "--quiet"]) == 0


# ---- 13. a scheduler elsewhere, unencrypted, is named ----------------------------------------------

@pytest.mark.parametrize("address, named", [
    ("tcp://127.0.0.1:8786", False), ("127.0.0.1:8786", False), ("tcp://localhost:8786", False),
    ("tcp://[::1]:8786", False), ("tls://scheduler.example.org:8786", False),
    ("tcp://scheduler.example.org:8786", True), ("tcp://192.0.2.7:8786", True), ("192.0.2.7:8786", True),
])
def test_a_scheduler_neither_local_nor_tls_is_named(address, named):
    from sim.execution.backends import exposure

    note = exposure(address)
    assert (note is not None) == named
    if named:
        assert "unencrypted" in note and "tls://" in note


def test_the_note_comes_before_connecting(monkeypatch, capsys):
    # no traffic: the client is replaced by one that fails at once
    import distributed

    from sim.execution import backends

    def refuse(*args, **kwargs):
        raise OSError("not connecting in a test")

    monkeypatch.setattr(distributed, "Client", refuse)
    with pytest.raises(InputError, match="no Dask scheduler answered"):
        backends.connect("tcp://192.0.2.7:8786")
    assert "192.0.2.7:8786 is another machine, reached without TLS" in capsys.readouterr().err


# ---- a place no one may write ------------------------------------------------------------------

UNWRITABLE = Path("/proc/sim-no-such-folder")   # /proc takes no new folder or file, not even from root


@pytest.mark.skipif(not Path("/proc/self").exists(), reason="needs Linux's /proc")
@pytest.mark.parametrize("command", [
    RUN + ["--out", str(UNWRITABLE / "deeper" / "r.nc")],
    RUN + ["--out", str(UNWRITABLE / "r.zarr"), "--format", "zarr"],
    ["export", "{result}", "--csv", "/proc/sim-r.csv"],
    ["plot", "{result}", "--kind", "fan", "--out", str(UNWRITABLE)],
    ["discover", "{result}", "--where", "energy:2030 > p80", "--resamples", "2", "--out", str(UNWRITABLE / "b.nc")],
    ["sweep", str(NVIDIA), "--method", "oat", "--out", str(UNWRITABLE / "oat.nc")],
])
def test_an_output_where_nothing_can_be_made_is_one_line_whoever_runs_it(result, capsys, command):
    # the folder's permissions say nothing here (root may write to any folder it can make):
    # making the folder or the lock fails, and that is the line, with exit status 2
    capsys.readouterr()
    assert main([str(result) if c == "{result}" else c for c in command]) == 2
    err = one_line(capsys)
    assert "cannot write here: cannot make " in err
    assert not UNWRITABLE.exists()


def test_the_folders_made_for_an_output_that_cannot_be_written_are_removed(tmp_path, monkeypatch):
    # the folders are made, the lock cannot be: nothing sim made stays behind
    def refuse(lock):
        raise PermissionError(13, "Permission denied", str(lock))

    monkeypatch.setattr(atomic.locks, "open_lock", refuse)
    with pytest.raises(InputError, match=r"cannot make a file in .*new/inner \(Permission denied\)"):
        with atomic.owning(tmp_path / "new" / "inner" / "r.nc"):
            pass
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(not Path("/proc/self").exists(), reason="needs Linux's /proc")
def test_a_brief_that_cannot_be_written_says_so_before_its_runs(capsys, monkeypatch):
    from sim.report import brief

    def no_run(*args, **kwargs):
        raise AssertionError("the brief ran before it owned its output")

    monkeypatch.setattr(brief, "run", no_run)
    assert main(["brief", str(NVIDIA), "--draws", "20", "--out", "/proc/sim-brief.pdf"]) == 2
    assert "cannot write here: cannot make a file in /proc" in one_line(capsys)


@pytest.mark.skipif(not Path("/proc/self").exists(), reason="needs Linux's /proc")
def test_an_explorer_page_that_cannot_be_written_says_so_before_its_runs(capsys, monkeypatch):
    pytest.importorskip("plotly")
    from sim.report import explore

    def no_run(*args, **kwargs):
        raise AssertionError("the explorer ran a scenario before it owned its page")

    monkeypatch.setattr(explore, "run", no_run)
    assert main(["explore", "devries_2023", "--draws", "20", "--out", "/proc/sim-explore.html"]) == 2
    assert "cannot write here: cannot make a file in /proc" in one_line(capsys)
