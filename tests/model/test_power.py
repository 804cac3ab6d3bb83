"""Power (sim.model.power): a server draws its idle power plus its utilisation's share of the rest."""

import numpy as np
import xarray as xr
import pytest
from conftest import UNCERTAIN

import sim


def test_it_power_is_servers_times_kw_times_utilisation(make_scenario):
    # deterministic 5-year lifetime, constant shipments: installed base known exactly
    scenario = make_scenario({"fleet": {"lead_time_months": 0, "lifetime_years": 5, "lifetime_stages": 60},
                              "shipments": {"anchors": {"2021": 12_000}, "growth_before": 0.0,
                                            "growth_after": 0.0},
                              "generation": [{"name": "A", "launch": "2020-01", "power_kw": 8.0}]})
    ds = sim.run(scenario, draws=2)
    # from 2020 (first month) at 1,000 servers a month: 60,000 after five years
    expected_end = np.minimum(12_000 * (np.arange(2020, 2028) - 2019), 60_000)
    np.testing.assert_allclose(ds.installed.values[0], expected_end, rtol=1e-12)
    assert float(ds.installed.sel(year=2027)[0]) == pytest.approx(60_000, rel=1e-12)  # S x L
    steady_gw = 60_000 * 8.0 * 0.7 / 1e6
    assert float(ds.it_power.sel(year=2027)[0]) == pytest.approx(steady_gw, rel=1e-12)
    assert float(ds.energy.sel(year=2027)[0]) == pytest.approx(steady_gw * 1.2 * 8.76, rel=1e-12)


@pytest.mark.parametrize("idle", [0.0, 0.2, 0.3, 1.0])
def test_a_server_draws_idle_power_plus_its_utilisations_share_of_the_rest(make_scenario, idle):
    base = sim.run(make_scenario(UNCERTAIN), draws=20, seed=4)
    with_idle = sim.run(make_scenario(UNCERTAIN, overrides=[f"fleet.idle_fraction={idle}"]), draws=20, seed=4)
    u = base["fleet_utilisation"]
    np.testing.assert_allclose(with_idle.energy, base.energy * (idle + (1 - idle) * u) / u, rtol=1e-12)
    xr.testing.assert_equal(with_idle.installed, base.installed)  # the fleet is the same; only its draw moves


def test_an_idle_fleet_draws_the_same_power_whatever_its_utilisation(make_scenario):
    low = sim.run(make_scenario(overrides=["fleet.idle_fraction=1", "fleet.utilisation=0.1"]), draws=1)
    high = sim.run(make_scenario(overrides=["fleet.idle_fraction=1", "fleet.utilisation=0.9"]), draws=1)
    np.testing.assert_array_equal(low.energy.values, high.energy.values)


def test_an_idle_floor_leaves_the_work_served_and_raises_energy_per_work():
    from test_demand import run, scenario

    base = run(scenario())
    idle = run(scenario(fleet={**scenario_fleet(), "idle_fraction": 0.2}))
    np.testing.assert_allclose(idle.compute_demand.sel(year=2022), base.compute_demand.sel(year=2022), rtol=1e-12)
    assert bool((idle.energy.sel(year=2023) > base.energy.sel(year=2023)).all())
    assert bool((idle.fleet_efficiency.sel(year=2023) < base.fleet_efficiency.sel(year=2023)).all())


def scenario_fleet():
    from test_demand import DEMAND

    return dict(DEMAND["fleet"])
