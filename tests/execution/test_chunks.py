"""Finished chunks on disk (sim.execution.chunks): saved and loaded exactly, a damaged or foreign
chunk store refused in one line, never followed through a link, never deleted unless sim wrote it."""

import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import SCENARIOS, same
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sim.cli import main
from sim.execution.chunks import CHUNK_SUFFIX, load_chunk, save_chunk
from sim.results import open_result
from test_execution import kill_after_chunks

NVIDIA = SCENARIOS / "nvidia_2027.toml"

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
