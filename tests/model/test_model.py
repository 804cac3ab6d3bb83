"""What a physicist would check: conservation, energy = power x hours, closed forms,
monotonicity and metamorphic relations, on the whole model and on its kernels."""

import numpy as np
import xarray as xr
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from conftest import SCENARIOS, UNCERTAIN

import sim


def test_installed_base_is_deployed_minus_retired(make_scenario):
    ds = sim.run(make_scenario(UNCERTAIN), draws=64)
    balance = ds.deployed.cumsum("year") - ds.retired.cumsum("year")
    np.testing.assert_allclose(ds.installed, balance, rtol=1e-9, atol=1e-6)
    # nothing deploys that was not shipped; what is in transit is never negative
    in_transit = ds.shipments.cumsum("year") - ds.deployed.cumsum("year")
    assert float(in_transit.min()) > -1e-6
    # by generation, the parts add up to the whole
    np.testing.assert_allclose(ds.installed_by_generation.sum("generation"), ds.installed, rtol=1e-12)
    np.testing.assert_allclose(ds.energy_by_generation.sum("generation"), ds.energy, rtol=1e-12)


def test_energy_is_power_times_hours(make_scenario):
    ds = sim.run(make_scenario(UNCERTAIN), draws=32)
    # GW x 8,760 h = GWh; /1000 = TWh
    np.testing.assert_allclose(ds.energy, ds.facility_power * 8760 / 1000, rtol=1e-12)
    monthly_twh = (ds.facility_power_monthly * 730 / 1000).groupby("month.year").sum()
    np.testing.assert_allclose(ds.energy, monthly_twh.rename(year="year").values, rtol=1e-12)
    # facility power is IT power times PUE, draw by draw
    np.testing.assert_allclose(ds.facility_power, ds.it_power * ds["fleet_pue"], rtol=1e-12)


@pytest.mark.parametrize("stages", [1, 4, 12])
def test_erlang_steady_state_is_shipments_times_lifetime(make_scenario, stages):
    scenario = make_scenario({
        "scenario": {"start_year": 2000, "end_year": 2060, "key_years": [2060]},
        "fleet": {"lead_time_months": 3, "lifetime_years": 4.5, "lifetime_stages": stages},
        "shipments": {"anchors": {"2030": 24_000}, "growth_before": 0.0, "growth_after": 0.0}})
    ds = sim.run(scenario, draws=1)
    # the start-up transient decays as (1 - p)^months: below 2e-6 after 60 years
    assert float(ds.installed.sel(year=2060)[0]) == pytest.approx(24_000 * 4.5, rel=1e-5)
    # in steady state, deployments and retirements balance
    assert float(ds.retired.sel(year=2060)[0]) == pytest.approx(24_000, rel=1e-5)


@pytest.mark.parametrize("key", ["fleet.pue", "fleet.utilisation"])
def test_more_pue_or_utilisation_never_lowers_energy(make_scenario, key):
    low = sim.run(make_scenario(UNCERTAIN, overrides=[f"{key}=1.0" if key == "fleet.pue" else f"{key}=0.5"]),
                  draws=40)
    high = sim.run(make_scenario(UNCERTAIN, overrides=[f"{key}=1.5" if key == "fleet.pue" else f"{key}=0.9"]),
                   draws=40)
    assert bool((high.energy >= low.energy).all())
    assert bool((high.energy.sel(year=2027) > low.energy.sel(year=2027)).all())


@given(k=st.floats(0.01, 100.0))
@settings(max_examples=15, deadline=None)
def test_scaling_shipments_scales_energy(k):
    from conftest import base_dict, merge

    from sim.scenario.load import from_dict

    base = from_dict(merge(base_dict(), UNCERTAIN))
    scaled_anchors = {y: v * k for y, v in base_dict()["shipments"]["anchors"].items()}
    scaled = from_dict(merge(base_dict(), {**UNCERTAIN, "shipments": {**UNCERTAIN["shipments"],
                                                                       "anchors": scaled_anchors}}))
    a, b = sim.run(base, draws=8), sim.run(scaled, draws=8)
    np.testing.assert_allclose(b.energy, k * a.energy, rtol=1e-9)
    np.testing.assert_allclose(b.installed, k * a.installed, rtol=1e-9)


def test_longer_lead_time_never_raises_energy_of_a_growing_fleet(make_scenario):
    energies = [sim.run(make_scenario(overrides=[f"fleet.lead_time_months={lead}"]), draws=1).energy.values[0]
                for lead in (0, 1.5, 3, 6, 12)]
    for shorter, longer in zip(energies, energies[1:]):
        assert np.all(longer <= shorter + 1e-9)


def test_longer_lifetime_never_lowers_installed_base(make_scenario):
    short = sim.run(make_scenario(overrides=["fleet.lifetime_years=3"]), draws=1)
    long = sim.run(make_scenario(overrides=["fleet.lifetime_years=6"]), draws=1)
    assert bool((long.installed >= short.installed - 1e-9).all())


# ---- counted as observers count ---------------------------------------------------------

def test_gpus_compute_and_nameplate_power_obey_their_definitions(make_scenario):
    s = make_scenario({**UNCERTAIN, "fleet": {**UNCERTAIN["fleet"], "h100_gpu_performance": 0.396},
                       "generation": [{"name": "A", "launch": "2020-01", "power_kw": 6.5, "performance": 1.0},
                                      {"name": "B", "launch": "2022-07", "power_kw": 10.2, "performance": 3.17,
                                       "gpus_per_server": {"dist": "uniform", "low": 4, "high": 8}}]})
    ds = sim.run(s, draws=30)
    gpus = xr.concat([ds["generation_A_gpus_per_server"] * xr.ones_like(ds["generation_B_gpus_per_server"]),
                      ds["generation_B_gpus_per_server"]], dim="generation").assign_coords(generation=["A", "B"])
    np.testing.assert_array_equal(ds.gpus_installed, (ds.installed_by_generation * gpus).sum("generation"))
    np.testing.assert_array_equal(ds.gpus_shipped, (ds.shipments_by_generation * gpus).sum("generation"))
    performance = xr.DataArray([1.0, 3.17], coords={"generation": ["A", "B"]})
    np.testing.assert_allclose(ds.compute_installed, (ds.installed_by_generation * performance).sum("generation") / 0.396,
                               rtol=1e-12)
    kw = xr.DataArray([6.5, 10.2], coords={"generation": ["A", "B"]})
    np.testing.assert_allclose(ds.nameplate_power, (ds.installed_by_generation * kw).sum("generation") / 1e6, rtol=1e-12)
    # IT electricity is the annual mean IT power for 8,760 h; facility electricity is it x PUE
    np.testing.assert_allclose(ds.it_energy, ds.it_power * 8.76, rtol=1e-12)
    np.testing.assert_allclose(ds.energy, ds.it_energy * ds["fleet_pue"], rtol=1e-12)
    # at full utilisation with no idle floor, a December's IT power is the year-end nameplate
    full = sim.run(make_scenario(overrides=["fleet.utilisation=1"]), draws=1)
    december_it = full.facility_power_monthly.isel(draw=0).sel(month="2027-12").squeeze() / 1.2
    assert float(december_it) == pytest.approx(float(full.nameplate_power.isel(draw=0).sel(year=2027)), rel=1e-12)


def test_compute_installed_needs_the_h100_reference(make_scenario):
    assert "compute_installed" not in sim.run(make_scenario(), draws=2)


def test_an_input_read_by_a_key_is_that_keys_sampled_values_as_they_are():
    from dataclasses import fields

    from sim.model import Inputs
    from sim.parameters import BY_KEY
    from sim.sampling import sample

    keyed = {f.name: f.metadata["key"] for f in fields(Inputs) if "key" in f.metadata}
    assert len(keyed) == 7 and all(key in BY_KEY for key in keyed.values()), keyed
    s = sim.load_scenario(SCENARIOS / "jevons_2035.toml")
    values = sample(s, 0, 16, draws=16, seed=4)
    inputs = Inputs.from_values(s, values)
    for name, key in keyed.items():
        if key in values:
            assert getattr(inputs, name) is values[key], name
        else:   # an optional key the scenario leaves out
            assert getattr(inputs, name) is None, name
