"""Where results go (sim.execution.writers): never over what sim did not write, never two runs in one
output, and a full disk said in one line before anything is written."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, SCENARIOS, same

from sim.cli import main
from sim.results import open_result

NVIDIA = SCENARIOS / "nvidia_2027.toml"


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
