"""The ensemble runner and its Dataset: determinism, batch independence, units, provenance."""

import numpy as np
import pytest
import xarray as xr

import sim
from sim import sampling
from sim.parameters import OUTPUTS
from sim.results import open_result, write_netcdf
from test_model import UNCERTAIN

# units strings UDUNITS parses (and that the style guide allows)
UDUNITS_OK = {"1", "GW", "kW", "TW h", "year-1", "year", "730 h", "h year-1", "kW-1", "Tg year-1", "g kW-1 h-1"}


def test_same_seed_gives_identical_dataset(make_scenario):
    scenario = make_scenario(UNCERTAIN)
    xr.testing.assert_identical(sim.run(scenario, draws=40, seed=3), sim.run(scenario, draws=40, seed=3))


def test_different_seed_gives_different_draws(make_scenario):
    scenario = make_scenario(UNCERTAIN)
    a, b = sim.run(scenario, draws=40, seed=3), sim.run(scenario, draws=40, seed=4)
    assert not np.array_equal(a.energy.values, b.energy.values)


@pytest.mark.parametrize("chunk_draws", [1, 7, 33, 100])
def test_result_does_not_depend_on_batch_size(make_scenario, chunk_draws):
    scenario = make_scenario(UNCERTAIN)
    reference = sim.run(scenario, draws=100, seed=11, chunk_draws=100)
    xr.testing.assert_identical(sim.run(scenario, draws=100, seed=11, chunk_draws=chunk_draws), reference)


def test_batches_across_stream_blocks(make_scenario, monkeypatch):
    monkeypatch.setattr(sampling, "STREAM_BLOCK_DRAWS", 16)
    scenario = make_scenario(UNCERTAIN)
    whole = sim.run(scenario, draws=70, seed=5, chunk_draws=70)
    for chunk_draws in (5, 16, 23):
        xr.testing.assert_identical(sim.run(scenario, draws=70, seed=5, chunk_draws=chunk_draws), whole)
    # each block is its own Latin hypercube: one draw per stratum within the block
    u = sampling.uniform_design(3, 70, 5, "lhs")
    for start, stop in sampling.block_ranges(70):
        strata = np.floor(u[start:stop] * (stop - start)).astype(int)
        for column in strata.T:
            assert sorted(column) == list(range(stop - start))


def test_dataset_has_units_long_names_and_provenance(make_scenario):
    scenario = make_scenario(UNCERTAIN)
    ds = sim.run(scenario, draws=10, seed=2)
    assert set(ds.dims) == {"draw", "year", "generation", "month"}
    for name in ("shipments", "installed", "it_power", "facility_power", "energy"):
        assert ds[name].dims == ("draw", "year")
    assert ds.energy.attrs["units"] == "TW h" and ds.energy.attrs["cell_methods"] == "year: sum"
    assert ds.it_power.attrs["units"] == "GW"
    for name, var in ds.variables.items():
        assert var.attrs.get("long_name"), name
        if name not in ("generation", "month"):
            assert var.attrs.get("units") in UDUNITS_OK, (name, var.attrs.get("units"))
    assert ds.draw.attrs["standard_name"] == "realization"
    for key in ("scenario", "scenario_sha256", "seed", "draws", "sampler", "sim_version", "title", "source"):
        assert key in ds.attrs, key
    assert ds.attrs["draws"] == 10 and ds.attrs["seed"] == 2 and len(ds.attrs["scenario_sha256"]) == 64
    # sampled parameters: uncertain ones on draw, constants as scalars, all with units
    assert ds["fleet.pue"].dims == ("draw",) and ds["fleet.pue"].attrs["units"] == "1"
    assert ds["generation.A.power_kw"].dims == () and ds["generation.A.power_kw"].attrs["units"] == "kW"
    assert set(OUTPUTS) >= {n for n in ds.data_vars if "." not in n}


def test_sampled_parameters_follow_their_distributions(make_scenario):
    ds = sim.run(make_scenario(UNCERTAIN), draws=200, seed=1)
    pue = ds["fleet.pue"].values
    assert 1.1 <= pue.min() and pue.max() <= 1.5
    assert pue.mean() == pytest.approx((1.1 + 1.2 + 1.5) / 3, abs=0.005)


def test_netcdf_round_trip_is_identical(make_scenario, tmp_path):
    ds = sim.run(make_scenario(UNCERTAIN), draws=12, seed=9)
    path = write_netcdf(ds, tmp_path / "out" / "r.nc")
    xr.testing.assert_identical(open_result(path), ds)
    assert [p.name for p in path.parent.iterdir()] == ["r.nc"]  # no temporary left behind


def test_interrupted_write_leaves_no_file(make_scenario, tmp_path, monkeypatch):
    ds = sim.run(make_scenario(), draws=3)

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(xr.Dataset, "to_netcdf", boom)
    with pytest.raises(KeyboardInterrupt):
        write_netcdf(ds, tmp_path / "out" / "r.nc")
    assert list((tmp_path / "out").iterdir()) == []


def test_overrides_change_the_result_and_are_recorded(make_scenario):
    scenario = make_scenario()
    base = sim.run(scenario, draws=2)
    changed = sim.run(scenario, draws=2, overrides=["fleet.pue=1.44"])
    np.testing.assert_allclose(changed.energy, base.energy * 1.44 / 1.2, rtol=1e-12)
    assert changed.attrs["overrides"] == "fleet.pue=1.44"
    assert changed.attrs["scenario_sha256"] == base.attrs["scenario_sha256"]


def test_random_sampler(make_scenario):
    ds = sim.run(make_scenario(UNCERTAIN, overrides=["sampling.method=random"]), draws=30)
    assert ds.attrs["sampler"] == "random"
    lhs = sim.run(make_scenario(UNCERTAIN), draws=30)
    assert not np.array_equal(ds["fleet.pue"].values, lhs["fleet.pue"].values)


def test_shipped_scenarios_run(tmp_path):
    from conftest import SCENARIOS
    for path in sorted(SCENARIOS.glob("*.toml")):
        ds = sim.run(path, draws=20)
        assert np.isfinite(ds.energy.values).all() and (ds.energy.values >= 0).all(), path
