"""The result Dataset: units, long names, provenance, sources; atomic writing; safe overwriting."""

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from conftest import SCENARIOS, UNCERTAIN

import sim
from sim.cli import main
from sim.parameters import OUTPUTS
from sim.results import open_result, write_netcdf
from sim.scenario.sources import DEFAULT

# units strings UDUNITS parses (and that the style guide allows)
UDUNITS_OK = {"1", "GW", "kW", "TW h", "year-1", "year", "730 h", "h year-1", "kW-1", "Tg", "g kW-1 h-1"}


def test_dataset_has_units_long_names_and_provenance(make_scenario):
    scenario = make_scenario(UNCERTAIN)
    ds = sim.run(scenario, draws=10, seed=2)
    assert set(ds.dims) == {"draw", "year", "generation", "month", "bounds"}
    for name in ("shipments", "installed", "it_power", "facility_power", "energy"):
        assert ds[name].dims == ("draw", "year")
    assert ds.energy.attrs["units"] == "TW h" and ds.energy.attrs["cell_methods"] == "time: sum"
    assert ds.it_power.attrs["units"] == "GW"
    for name, var in ds.variables.items():
        if name == "time_bounds":   # CF: cell bounds take their attributes from their variable
            assert not var.attrs
            continue
        assert var.attrs.get("long_name"), name
        if name not in ("generation", "month", "time"):
            assert var.attrs.get("units") in UDUNITS_OK, (name, var.attrs.get("units"))
    assert ds.draw.attrs["standard_name"] == "realization"
    for key in ("scenario", "scenario_sha256", "seed", "draws", "sampler", "sim_version", "title", "source"):
        assert key in ds.attrs, key
    assert ds.attrs["draws"] == 10 and ds.attrs["seed"] == 2 and len(ds.attrs["scenario_sha256"]) == 64
    # sampled parameters: uncertain ones on draw, constants as scalars, all with units, each
    # named for CF with its dotted key in an attribute
    assert ds["fleet_pue"].dims == ("draw",) and ds["fleet_pue"].attrs["units"] == "1"
    assert ds.fleet_pue.attrs["key"] == "fleet.pue"
    assert ds["generation_A_power_kw"].dims == () and ds["generation_A_power_kw"].attrs["units"] == "kW"
    assert set(OUTPUTS) >= {n for n, v in ds.data_vars.items() if "key" not in v.attrs} - {"time_bounds"}


def test_netcdf_round_trip_is_identical(make_scenario, tmp_path):
    ds = sim.run(make_scenario(UNCERTAIN), draws=12, seed=9)
    path = write_netcdf(ds, tmp_path / "out" / "r.nc")
    xr.testing.assert_identical(open_result(path), ds)
    assert [p.name for p in path.parent.iterdir()] == ["r.nc"]  # no temporary left behind


def test_interrupted_write_leaves_no_file(make_scenario, tmp_path, monkeypatch):
    ds = sim.run(make_scenario(), draws=3)

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    from sim.execution import files

    # both writers: the preallocated one (uncompressed) and xarray's (compressed)
    monkeypatch.setattr(files, "write_rows", boom)
    monkeypatch.setattr(xr.Dataset, "to_netcdf", boom)
    for compress in (False, True):
        with pytest.raises(KeyboardInterrupt):
            write_netcdf(ds, tmp_path / "out" / "r.nc", compress=compress)
        assert list((tmp_path / "out").iterdir()) == []


def test_sources_travel_into_the_result_and_check_counts_them(capsys, write_scenario):
    ds = sim.run(SCENARIOS / "nvidia_2027.toml", draws=5)
    assert ds["fleet_pue"].attrs["source"].startswith("Uptime Institute")
    assert ds["fleet_pue"].attrs["confidence"] == "high"
    # a value sourced by the comment its file (here the included catalogue) gives it carries that
    # comment, and a default says it is sim's
    assert ds["generation_A100_power_kw"].attrs["source"] == "DGX A100 data sheet, maximum system power"
    assert ds["generation_H100_max_share"].attrs["source"] == DEFAULT
    assert main(["check", str(SCENARIOS / "nvidia_2027.toml")]) == 0
    out = capsys.readouterr().out
    assert re.search(r"sources: \d+ by a source key, \d+ by the comment the file gives the value, \d+ sim's "
                     r"defaults \(docs/parameters.md\); none without", out)
    # a value written with neither is named
    assert main(["check", str(SCENARIOS / "nvidia_2027.toml"), "--sources"]) == 0
    out = capsys.readouterr().out
    assert "  generation.A100.power_kw: DGX A100 data sheet, maximum system power\n" in out
    assert f"  generation.H100.max_share: {DEFAULT}\n" in out and "fleet.pue: Uptime Institute" in out
    bare = write_scenario()
    bare.write_text(bare.read_text().replace("pue = 1.2", "pue = 1.2  # a survey, 2024"))
    assert main(["check", str(bare)]) == 0
    unsourced = capsys.readouterr().out.split("written with no source key and no comment: ")[1].split("\n")[0]
    assert "fleet.utilisation" in unsourced.split(", ") and "fleet.pue" not in unsourced


def test_full_provenance_in_a_written_result(tmp_path):
    nc = tmp_path / "r.nc"
    assert main(["run", str(SCENARIOS / "devries_2023.toml"), "--draws", "5", "--out", str(nc), "--quiet"]) == 0
    a = open_result(nc).attrs
    assert a["scenario_text"] == (SCENARIOS / "devries_2023.toml").read_text()
    assert tomllib.loads(a["scenario_text"])["scenario"]["name"] == "devries_2023"
    for key in ("python_version", "numpy_version", "scipy_version", "simpy_version", "xarray_version",
                "created", "command", "sim_version"):
        assert a[key], key
    assert "run" in a["command"] and a["rejected_draws"] == 0


def test_overwrite_only_the_same_result(tmp_path, capsys):
    nc = tmp_path / "r.nc"
    args = ["run", str(SCENARIOS / "devries_2023.toml"), "--draws", "5", "--out", str(nc), "--quiet"]
    assert main(args) == 0
    assert main(args) == 0                          # the same result: replaced, as the README's command needs
    before = nc.read_bytes()
    assert main(args[:3] + ["10"] + args[4:]) == 2  # 10 draws would replace a 5-draw result
    assert "draws differ" in capsys.readouterr().err and nc.read_bytes() == before
    assert main(args[:3] + ["10"] + args[4:] + ["--force"]) == 0
    assert open_result(nc).attrs["draws"] == 10
    (tmp_path / "other.nc").write_text("not netCDF")
    assert main(args[:5] + [str(tmp_path / "other.nc"), "--quiet"]) == 2
    assert "sim has no record of writing" in capsys.readouterr().err


# ---- results every tool reads (CF 1.11) ----------------------------------------------------

@pytest.mark.slow
def test_run_and_sweep_results_pass_the_cf_checker_without_errors_or_warnings(tmp_path):
    """IOOS compliance-checker, cf:1.11, on each way a result is written: in memory then
    written (a calibrated run), streamed into a preallocated file, and three kinds of sweep."""
    pytest.importorskip("compliance_checker")
    files = {"calibrated": tmp_path / "calibrated.nc", "streamed": tmp_path / "streamed.nc",
             "sobol": tmp_path / "sobol.nc", "oat": tmp_path / "oat.nc", "grid": tmp_path / "grid.nc"}
    assert main(["run", "nvidia_2027", "--draws", "30", "--out", str(files["calibrated"]), "--quiet"]) == 0
    assert main(["run", "nvidia_2027", "--no-calibrate", "--draws", "30", "--chunk-draws", "10",
                 "--out", str(files["streamed"]), "--quiet"]) == 0
    assert main(["sweep", "nvidia_2027", "--method", "sobol", "--samples", "16", "--out", str(files["sobol"]), "--quiet"]) == 0
    assert main(["sweep", "nvidia_2027", "--method", "oat", "--out", str(files["oat"]), "--quiet"]) == 0
    assert main(["sweep", "nvidia_2027", "--method", "grid", "--param", "fleet.pue=1.1:1.5:3", "--draws", "5",
                 "--out", str(files["grid"]), "--quiet"]) == 0
    report = tmp_path / "report.json"
    checker = Path(sys.executable).with_name("compliance-checker")
    subprocess.run([str(checker), "--test", "cf:1.11", "-f", "json_new", "-o", str(report),
                    *map(str, files.values())], capture_output=True, text=True)
    results = json.loads(report.read_text())
    for kind, path in files.items():
        r = results[str(path)]["cf:1.11"]
        problems = [m for p in r["high_priorities"] + r["medium_priorities"] for m in p["msgs"]]
        assert r["high_count"] == 0 and r["medium_count"] == 0, (kind, problems)


def test_zarr_results_open_in_the_netcdf_library(tmp_path):
    """A Zarr result, written in memory (calibrated) or streamed into a preallocated store, is in
    Zarr's format 2, which netCDF-C reads (``#mode=zarr``): the netCDF library gives the same
    electricity, units and global attributes as xarray."""
    netCDF4 = pytest.importorskip("netCDF4")
    pytest.importorskip("zarr")
    stores = {"calibrated": tmp_path / "calibrated.zarr", "streamed": tmp_path / "streamed.zarr"}
    assert main(["run", "nvidia_2027", "--draws", "20", "--format", "zarr", "--out", str(stores["calibrated"]),
                 "--quiet"]) == 0
    assert main(["run", "nvidia_2027", "--no-calibrate", "--draws", "20", "--chunk-draws", "8", "--format", "zarr",
                 "--out", str(stores["streamed"]), "--quiet"]) == 0
    for kind, store in stores.items():
        ds = open_result(store)
        with netCDF4.Dataset(f"file://{store}#mode=zarr,file") as nc:
            assert nc["energy"].units == "TW h", kind
            np.testing.assert_array_equal(np.asarray(nc["energy"][:]), ds.energy.values)
            assert nc.getncattr("seed") == ds.attrs["seed"], kind


def test_every_variable_is_an_attribute_and_cf_tools_find_the_time_axis(tmp_path):
    cf_xarray = pytest.importorskip("cf_xarray")
    assert cf_xarray
    out = tmp_path / "r.nc"
    assert main(["run", "jevons_2035", "--no-calibrate", "--draws", "10", "--out", str(out), "--quiet"]) == 0
    ds = xr.open_dataset(out)
    for name in ds.data_vars:
        assert name.isidentifier() and getattr(ds, name) is not None, name
    assert "time" in ds.cf.axes["T"]                     # the annual axis, found by cf_xarray
    assert ds.energy.attrs["cell_methods"] == "time: sum" and "time" in ds.energy.coords
    bounds = ds.cf.get_bounds("time")
    np.testing.assert_array_equal(bounds.isel(bounds=0).dt.year, ds.year)
    np.testing.assert_array_equal(bounds.isel(bounds=1).dt.year, ds.year + 1)
    assert bool(((bounds.isel(bounds=0) < ds.time) & (ds.time < bounds.isel(bounds=1))).all())
    # the dotted key stays with its variable; --set and scenario files keep using it
    assert ds.demand_elasticity.attrs["key"] == "demand.elasticity"


def test_result_is_encoded_as_xarray_encodes_its_dataset(make_scenario):
    # the command line writes results without xarray (sim.results.Result.encode): the stored
    # variables, values and attributes must be those to_netcdf would store for the same Dataset
    from sim.results import encoded
    from sim.runner import ensemble_result, simulate_draws, DrawRange
    from sim.analysis.calibration import annotate

    scenario = make_scenario(UNCERTAIN)
    arrays = simulate_draws(DrawRange(0, scenario, 6, 1, 0, 6, False))
    result = ensemble_result(scenario, 6, 1, {"command": "x"}, arrays)
    ours, our_attrs = encoded(result)
    theirs, their_attrs = encoded(result.to_xarray())
    assert set(ours) == set(theirs)
    for name, (dims, data, attrs) in theirs.items():
        assert ours[name][0] == dims, name
        np.testing.assert_array_equal(np.asarray(ours[name][1]), np.asarray(data), err_msg=name)
        assert ours[name][1].dtype == np.asarray(data).dtype or data.dtype.kind == "O", name
        assert set(ours[name][2]) == set(attrs), (name, ours[name][2], attrs)
        for key, value in attrs.items():
            np.testing.assert_array_equal(ours[name][2][key], value, err_msg=f"{name}.{key}")
    assert set(our_attrs) == set(their_attrs)


def test_a_result_has_one_time_axis_for_cf_tools():
    # the annual time is the dataset's time axis; the monthly series keeps its own time
    # coordinate (decoded from its units) without claiming to be the time
    import cf_xarray  # noqa: F401 - registers the .cf accessor

    ds = sim.run(SCENARIOS / "nvidia_2027.toml", draws=10, calibrate=False)
    assert ds.cf["time"].name == "time" and ds.cf.axes == {"T": ["time"]}
    assert ds.month.dtype.kind == "M" and "standard_name" not in ds.month.attrs
