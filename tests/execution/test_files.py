"""Result files as the chunks write them (sim.execution.files): netCDF preallocated in large HDF5
chunks on page boundaries, Zarr chunk by chunk; any order of rows gives the same file."""


import h5py
import numpy as np
import pytest
import xarray as xr
from conftest import SCENARIOS, same
from hypothesis import given, settings
from hypothesis import strategies as st

import sim
from sim.cli import main
from sim.execution.files import PAGE
from sim.execution.writers import HDF5_CHUNK_BYTES
from sim.results import open_result

NVIDIA = SCENARIOS / "nvidia_2027.toml"


@pytest.mark.parametrize("workers", ["1", "2"])
def test_zarr_is_written_chunk_by_chunk_and_identical(tmp_path, reference, capsys, workers):
    out = tmp_path / "r.zarr"
    assert main(["run", str(NVIDIA), "--no-calibrate", "--draws", "3000", "--seed", "5", "--format", "zarr", "--workers", workers,
                 "--chunk-draws", "700", "--out", str(out)]) == 0
    assert "p50" in capsys.readouterr().out          # the summary reads the store lazily
    result = open_result(out)
    same(result, reference["nvidia"])
    assert result.energy.encoding["chunks"] == (700, 16)  # one Zarr chunk per run chunk: no shared writes


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


def test_a_zarr_result_opens_without_warnings(tmp_path):
    import warnings

    out = tmp_path / "r.zarr"
    assert main(["run", str(NVIDIA), "--no-calibrate", "--draws", "300", "--format", "zarr", "--out", str(out),
                 "--quiet"]) == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with xr.open_zarr(out) as ds:
            assert ds.sizes["draw"] == 300
