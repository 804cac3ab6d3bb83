"""What a physicist would check: conservation, energy = power x hours, closed forms,
monotonicity and metamorphic relations, on the whole model and on its kernels."""

import numpy as np
import xarray as xr
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from conftest import SCENARIOS, UNCERTAIN, base_dict

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


def test_new_generation_takes_over_after_its_ramp(make_scenario):
    ds = sim.run(make_scenario(), draws=1)
    shipped = ds.shipments_by_generation.isel(draw=0)
    assert float(shipped.sel(year=2021, generation="B")) == 0.0   # B launches 2022-07
    assert float(shipped.sel(year=2023, generation="A")) == 0.0   # 6-month ramp done by 2023
    np.testing.assert_allclose(shipped.sum("generation"), ds.shipments.isel(draw=0), rtol=1e-12)


# ---- the month's order ----------------------------------------------------------------

ONE_GENERATION = {"fleet": {"lead_time_months": 0, "lifetime_years": 20, "lifetime_stages": 240},
                  "shipments": {"anchors": {"2021": 12_000}, "growth_before": 0.0, "growth_after": 0.0},
                  "generation": [{"name": "A", "launch": "2019-01", "power_kw": 8.0}]}


def test_the_months_phases_are_named_once_in_order():
    from test_demand import scenario

    from sim.model import PHASES, build, steps
    from sim.sampling import sample

    assert PHASES == ("offer", "plan", "ship", "deploy", "admit", "retire", "serve", "draw_power")
    s = scenario(power={"capacity_gw": 1.0, "additions": {"2026": 0.5}})
    _, _, families = build(s, sample(s, 0, 4, draws=4, seed=1))
    found = [(phase, step.action.__self__, step.action.__name__) for phase, step in steps(families)]
    assert [name for _, _, name in found] == ["offer", "plan", "ship", "deploy", "admit", "retire", "serve",
                                              "draw_power"]
    assert [phase for phase, _, _ in found] == list(PHASES)
    owners = {name: type(owner).__name__ for _, owner, name in found}
    assert owners == {"offer": "Fleet", "plan": "Demand", "ship": "Fleet", "deploy": "Fleet", "admit": "Fleet",
                      "retire": "Fleet", "serve": "Demand", "draw_power": "Power"}


def test_simpy_carries_the_month_happenings_phases_then_the_year_end():
    # each family's step is a SimPy process waiting on its phase's time in the month; one-off
    # happenings come first, the year's end last; a step that starts later waits for its month
    import simpy

    from sim.model.calendar import PHASE_TIME, PHASES, Calendar, Step, steps

    log = []

    class Family:
        def __init__(self, phases, start=0):
            self.own, self.start = phases, start

        def phases(self):
            return {p: Step(lambda t, p=p: log.append((t, p)), self.start,
                            before=(lambda t, p=p: log.append((t, "before " + p))) if self.start else None)
                    for p in self.own}

    env = simpy.Environment()
    calendar = Calendar(env)
    families = [Family(["draw_power", "offer"]), Family(["plan"], start=13), Family(["ship", "retire"])]
    env.process(calendar.happening(12, lambda: log.append((12, "launch"))))
    env.process(calendar.at_year_ends(lambda t: log.append((t, "year end"))))
    for phase, step in steps(families):
        env.process(calendar.monthly(phase, step))
    env.run(until=14)
    assert log[:5] == [(0, "offer"), (0, "before plan"), (0, "ship"), (0, "retire"), (0, "draw_power")]
    assert log[log.index((11, "draw_power")) + 1] == (11, "year end")
    month_12 = [what for t, what in log if t == 12]
    assert month_12 == ["launch", "offer", "before plan", "ship", "retire", "draw_power"]
    assert [what for t, what in log if t == 13] == ["offer", "plan", "ship", "retire", "draw_power"]
    assert sorted(PHASE_TIME.values()) == [PHASE_TIME[p] for p in PHASES] and max(PHASE_TIME.values()) < 15 / 16


def test_a_phase_outside_the_list_is_refused():
    from sim.model import steps

    class Rogue:
        def phases(self):
            return {"tidy": lambda t: None}

    with pytest.raises(ValueError, match="tidy"):
        steps([Rogue()])


def test_a_server_shipped_with_zero_lead_time_draws_power_in_the_month_it_ships(make_scenario):
    ds = sim.run(make_scenario(ONE_GENERATION), draws=1)
    # 1,000 servers a month from January 2020 (the start): each month's draw includes its own shipments
    monthly_gw = ds.facility_power_monthly.isel(draw=0).values
    expected = 1_000 * np.arange(1, 13) * 8.0 * 0.7 * 1.2 / 1e6
    np.testing.assert_allclose(monthly_gw[:12], expected, rtol=1e-12)


def test_a_generation_is_on_sale_from_its_launch_month(make_scenario):
    ds = sim.run(make_scenario({**ONE_GENERATION, "shipments": {**ONE_GENERATION["shipments"],
                                                                 "adoption_ramp_months": 1},
                                "generation": [{"name": "A", "launch": "2019-01", "power_kw": 8.0},
                                               {"name": "B", "launch": "2022-07", "power_kw": 8.0}]}), draws=1)
    shipped_b = ds.shipments_by_generation.sel(generation="B", year=2022).isel(draw=0)
    assert float(shipped_b) == pytest.approx(6 * 1_000, rel=1e-12)  # July to December, ramp of one month


def test_a_power_addition_counts_from_january_of_its_year(make_scenario):
    ds = sim.run(make_scenario({**ONE_GENERATION, "power": {"capacity_gw": 0.0, "additions": {"2022": 1.0}}}),
                 draws=1)
    monthly_gw = ds.facility_power_monthly.isel(draw=0)
    assert float(monthly_gw.sel(month="2021-12").squeeze()) == 0.0
    # January 2022: the queue (24,000 servers) and the month's shipments draw power at once
    assert float(monthly_gw.sel(month="2022-01").squeeze()) == pytest.approx(25_000 * 8.0 * 0.7 * 1.2 / 1e6,
                                                                             rel=1e-12)


def test_demand_plans_with_the_months_offer_known(monkeypatch):
    from test_demand import DEMAND, scenario

    from sim.model.demand import Demand
    from sim.model.fleet import Fleet

    offered, planned = {}, {}
    offer, plan = Fleet.offer, Demand.plan

    def record_offer(self, t):
        offer(self, t)
        offered[t] = self.shares.copy()

    def record_plan(self, t):
        planned[t] = self.fleet.shares.copy()
        plan(self, t)

    monkeypatch.setattr(Fleet, "offer", record_offer)
    monkeypatch.setattr(Demand, "plan", record_plan)
    # generation C launches in the first month of demand (2024-01) and takes over at once
    gens = [dict(g) for g in DEMAND["generation"]]
    gens[2]["launch"] = "2024-01"
    s = scenario(generation=gens, shipments={**DEMAND["shipments"], "adoption_ramp_months": 1})
    sim.run(s, draws=3)
    start = 12 * (2024 - 2020)
    assert set(planned) == {t for t in offered if t >= start}   # demand plans from its first month on
    for t in planned:
        np.testing.assert_array_equal(planned[t], offered[t])
    np.testing.assert_array_equal(planned[start][2], 1.0)  # demand's first month prices C


def test_only_the_fleet_writes_fleet_state(monkeypatch):
    import sys

    from test_demand import scenario

    from sim.model.fleet import Fleet

    writers = set()
    original = Fleet.__setattr__

    def guarded(self, name, value):
        writers.add(type(sys._getframe(1).f_locals.get("self")).__name__)
        original(self, name, value)

    monkeypatch.setattr(Fleet, "__setattr__", guarded)
    sim.run(scenario(power={"capacity_gw": 0.05, "additions": {"2026": 0.1}}), draws=4)
    assert writers == {"Fleet"}


# ---- power: an idle floor -------------------------------------------------------------

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


# ---- hardware beyond the catalogue ---------------------------------------------------------

TREND = {"scenario": {"start_year": 2020, "end_year": 2030, "key_years": [2030]},
         "shipments": {"anchors": {"2021": 12_000}, "growth_before": 0.0, "growth_after": 0.0,
                       "adoption_ramp_months": 1},
         "trend": {"cadence_months": {"dist": "uniform", "low": 18, "high": 30},
                   "performance_gain": {"dist": "uniform", "low": 1.5, "high": 3.0},
                   "power_gain": {"dist": "uniform", "low": 1.0, "high": 1.4}}}


def test_generations_beyond_the_catalogue_arrive_at_the_trends_cadence_and_gains(make_scenario):
    from sim.model import simulate
    from sim.sampling import sample

    s = make_scenario(TREND)
    # B launches 2022-07 (month 30); the shortest cadence, 18 months, fits 5 more launches by
    # December 2030: the model follows each; a result sums them in one row
    assert [row[0] for row in s.generation_rows] == ["A", "B", "trend-1", "trend-2", "trend-3", "trend-4", "trend-5"]
    assert s.generation_names == ["A", "B", "trend"]
    assert s.trend_bases == {"trend": ("B", 2024)}     # 30 + 18 months: 2024-01 at the earliest
    ds = sim.run(s, draws=40, seed=2)
    for b in range(40):
        shipped = ds.shipments_by_generation.isel(draw=b).sel(generation="trend")
        launch = 30 + int(np.floor(float(ds["trend_cadence_months"][b])))
        year = 2020 + launch // 12
        assert float(shipped.sel(year=slice(2020, year - 1)).sum()) == 0.0
        if launch % 12 < 11:
            assert float(shipped.sel(year=year)) > 0.0
    # the trend's row is the sum of its generations, each at the power gain compounded: its
    # electricity is its installed servers' at their own power
    values = sample(s, 0, 40, draws=40, seed=2)
    gains = values["trend.power_gain"][None, :] ** np.arange(1, 6)[:, None]                  # (5, B)
    kw = np.concatenate([[np.full(40, 6.5), np.full(40, 10.2)], 10.2 * gains])             # (7, B)
    installed = ds.installed_by_generation.sel(year=2030).transpose("generation", "draw").values
    catalogue_kw = (installed[:2] * kw[:2]).sum(axis=0)
    np.testing.assert_allclose(ds.nameplate_power.sel(year=2030).values * 1e6 - catalogue_kw,
                               simulate(s, values)["nameplate_power"][:, -1] * 1e6 - catalogue_kw, rtol=1e-12)
    trend_kw = ds.nameplate_power.sel(year=2030).values * 1e6 - catalogue_kw               # kW of trend servers
    per_server = trend_kw / installed[2]
    # between the first and the last trend generation's power
    assert bool(((per_server >= kw[2] * (1 - 1e-9)) & (per_server <= kw[-1] * (1 + 1e-9))).all())
    # and its electricity, at its generations' own power, adds up with the catalogue's to the fleet's
    np.testing.assert_allclose(ds.energy_by_generation.sum("generation"), ds.energy, rtol=1e-12)
    assert float(ds.energy_by_generation.sel(year=2030, generation="trend").min()) > 0


def test_efficiency_keeps_improving_after_the_catalogue(make_scenario):
    h100 = {"fleet": {**base_dict()["fleet"], "h100_gpu_performance": 0.396}}
    frozen = sim.run(make_scenario({**TREND, **h100, "trend": None}), draws=20, seed=1)
    trending = sim.run(make_scenario({**TREND, **h100}), draws=20, seed=1)
    assert frozen.sizes["generation"] == 2 and trending.sizes["generation"] == 3
    np.testing.assert_allclose(trending.shipments, frozen.shipments, rtol=1e-12)   # the same servers shipped
    # without a trend, new servers stop getting more efficient once the catalogue ends: from 2023
    # every server shipped is a B (performance 3 per 10.2 kW)
    shipped = frozen.shipments_by_generation.sel(year=slice(2023, None))
    np.testing.assert_array_equal(shipped.sel(generation="A"), 0.0)
    # with it, the same shipments make an installed base that does more work per kW by 2030
    def per_kw(ds):
        return ds.compute_installed.sel(year=2030) / ds.nameplate_power.sel(year=2030)
    assert bool((per_kw(trending) > 1.05 * per_kw(frozen)).all())


def test_the_share_of_total_electricity_is_energy_over_the_interpolated_total(make_scenario):
    ds = sim.run(make_scenario({**UNCERTAIN, "context": {"total_electricity": {"2021": 1_000, "2025": 1_400}}}),
                 draws=10)
    total = xr.DataArray([1_000, 1_000, 1_100, 1_200, 1_300, 1_400, 1_400, 1_400], coords={"year": ds.year})
    np.testing.assert_allclose(ds.electricity_share, ds.energy / total, rtol=1e-12)


# ---- product lines that coexist -------------------------------------------------------------

def test_a_capped_generation_sells_beside_its_predecessor_and_servers_are_conserved(make_scenario):
    capped = make_scenario({"generation": [
        {"name": "A", "launch": "2020-01", "power_kw": 6.5, "performance": 1.0},
        {"name": "B", "launch": "2022-07", "power_kw": 10.2, "performance": 3.0,
         "max_share": {"dist": "uniform", "low": 0.3, "high": 0.7}}]})
    ds = sim.run(capped, draws=20)
    late = ds.shipments_by_generation.sel(year=2026)
    share_b = late.sel(generation="B") / late.sum("generation")
    np.testing.assert_allclose(share_b, ds["generation_B_max_share"], rtol=1e-12)
    np.testing.assert_allclose(ds.shipments_by_generation.sum("generation"), ds.shipments, rtol=1e-12)
    full = sim.run(make_scenario(), draws=20)
    np.testing.assert_allclose(ds.shipments, full.shipments, rtol=1e-12)   # the same servers, split


def test_max_share_on_the_first_generation_or_above_one_is_one_line(write_scenario, capsys):
    from sim.cli import main

    for generations, key in (
            ([{"name": "A", "launch": "2020-01", "power_kw": 6.5, "max_share": 0.5}], "generation.A.max_share"),
            ([{"name": "A", "launch": "2020-01", "power_kw": 6.5},
              {"name": "B", "launch": "2022-07", "power_kw": 10.2, "max_share": 1.2}], "generation.B.max_share")):
        assert main(["run", str(write_scenario({"generation": generations})), "--draws", "2"]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and key in err


def test_a_draw_alone_gives_the_numbers_it_gives_in_a_batch_of_fifteen_generations():
    # numpy sums a narrow batch pairwise and a wide one row by row: every sum over generations
    # or stages must be in one order, whatever the batch
    from sim.model import simulate
    from sim.sampling import sample
    from sim.scenario.load import load_scenario

    s = load_scenario(SCENARIOS / "jevons_2035.toml")
    assert len(s.generation_rows) >= 9
    values = sample(s, 0, 64, draws=64, seed=8)
    together = simulate(s, values, rebound=True)
    for draw in (0, 17, 63):
        alone = simulate(s, {k: v[draw:draw + 1] for k, v in values.items()}, rebound=True)
        for name, array in together.items():
            np.testing.assert_array_equal(alone[name][0], array[draw], err_msg=name)


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
