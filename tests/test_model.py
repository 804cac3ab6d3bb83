"""What a physicist would check: conservation, energy = power x hours, closed forms,
monotonicity and metamorphic relations, on the whole model and on its kernels."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sim
from sim.model import kernels

UNCERTAIN = {
    "fleet": {"pue": {"dist": "triangular", "low": 1.1, "mode": 1.2, "high": 1.5},
              "utilisation": {"dist": "uniform", "low": 0.4, "high": 0.9},
              "lifetime_years": {"dist": "uniform", "low": 3, "high": 6},
              "lead_time_months": {"dist": "uniform", "low": 0, "high": 7.5}},
    "shipments": {"adoption_ramp_months": {"dist": "uniform", "low": 1, "high": 24},
                  "growth_after": {"dist": "uniform", "low": -0.2, "high": 0.4}},
}


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
    np.testing.assert_allclose(ds.facility_power, ds.it_power * ds["fleet.pue"], rtol=1e-12)


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
    from sim.scenario import from_dict

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


def test_new_generation_takes_over_after_its_ramp(make_scenario):
    ds = sim.run(make_scenario(), draws=1)
    shipped = ds.shipments_by_generation.isel(draw=0)
    assert float(shipped.sel(year=2021, generation="B")) == 0.0   # B launches 2022-07
    assert float(shipped.sel(year=2023, generation="A")) == 0.0   # 6-month ramp done by 2023
    np.testing.assert_allclose(shipped.sum("generation"), ds.shipments.isel(draw=0), rtol=1e-12)


# ---- kernels -----------------------------------------------------------------------

@given(months=st.lists(st.integers(-30, 60), min_size=1, max_size=7),
       ramps=st.lists(st.floats(1, 120), min_size=1, max_size=5))
def test_adoption_shares_sum_to_one(months, ramps):
    months = np.sort(np.array(months, dtype=float))[::-1]  # launch order: oldest first
    shares = kernels.adoption_shares(months, np.array(ramps))
    assert shares.shape == (len(months), len(ramps))
    assert np.all(shares >= 0)
    np.testing.assert_allclose(shares.sum(axis=0), 1.0, rtol=1e-12)


def test_age_chain_mean_lifetime_is_exact():
    for stages_n, life_months in [(1, 30.0), (4, 60.0), (8, 48.0), (60, 60.0)]:
        stages = np.zeros((stages_n, 1, 1))
        p = np.array([stages_n / life_months])
        kernels.age_chain(stages, p, np.array([[1000.0]]))
        server_months, retired = 1000.0, 0.0  # the deployment month counts as one month installed
        for _ in range(3000):
            retired += float(kernels.age_chain(stages, p, np.zeros((1, 1)))[0, 0])
            server_months += float(stages.sum())
        assert retired == pytest.approx(1000.0, rel=1e-9)
        assert server_months == pytest.approx(1000.0 * life_months, rel=1e-9)


@given(lead=st.lists(st.floats(0, 24), min_size=1, max_size=6))
@settings(max_examples=30, deadline=None)
def test_delay_conserves_and_shifts(lead):
    lead = np.array(lead)
    delay = kernels.Delay(lead, n_gen=2)
    flows = np.random.default_rng(0).random((40, 2, len(lead)))
    out = np.array([delay.step(t, flows[t]) for t in range(40)] +
                   [delay.step(t, np.zeros((2, len(lead)))) for t in range(40, 80)])
    np.testing.assert_allclose(out.sum(axis=0), flows.sum(axis=0), rtol=1e-12)
    # mean delay equals the lead time
    t = np.arange(80)[:, None, None]
    mean_out = (out * t).sum(0) / out.sum(0)
    mean_in = (flows * np.arange(40)[:, None, None]).sum(0) / flows.sum(0)
    np.testing.assert_allclose(mean_out - mean_in, np.broadcast_to(lead, (2, len(lead))), atol=1e-9)


def test_annual_trajectory_is_geometric_between_anchors():
    values = np.array([[100_000.0], [1_500_000.0]])
    out = kernels.annual_trajectory(range(2021, 2030), [2023, 2027], values, None, np.array([0.1]))
    assert out[2, 0] == 100_000 and out[6, 0] == 1_500_000          # anchors exact
    assert out[0, 0] == 0 and out[1, 0] == 0                          # nothing before, no growth_before
    np.testing.assert_allclose(out[4, 0], np.sqrt(100_000 * 1_500_000), rtol=1e-12)
    np.testing.assert_allclose(out[8, 0], 1_500_000 * 1.1 ** 2, rtol=1e-12)
