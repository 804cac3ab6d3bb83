"""The fleet (sim.model.fleet): generations on sale, their ramps and caps, the trend beyond the
catalogue, and the fleet as the only writer of its state."""

import numpy as np
import pytest
from conftest import SCENARIOS, base_dict

import sim


TREND = {"scenario": {"start_year": 2020, "end_year": 2030, "key_years": [2030]},
         "shipments": {"anchors": {"2021": 12_000}, "growth_before": 0.0, "growth_after": 0.0,
                       "adoption_ramp_months": 1},
         "trend": {"cadence_months": {"dist": "uniform", "low": 18, "high": 30},
                   "performance_gain": {"dist": "uniform", "low": 1.5, "high": 3.0},
                   "power_gain": {"dist": "uniform", "low": 1.0, "high": 1.4}}}


def test_new_generation_takes_over_after_its_ramp(make_scenario):
    ds = sim.run(make_scenario(), draws=1)
    shipped = ds.shipments_by_generation.isel(draw=0)
    assert float(shipped.sel(year=2021, generation="B")) == 0.0   # B launches 2022-07
    assert float(shipped.sel(year=2023, generation="A")) == 0.0   # 6-month ramp done by 2023
    np.testing.assert_allclose(shipped.sum("generation"), ds.shipments.isel(draw=0), rtol=1e-12)


def test_a_generation_is_on_sale_from_its_launch_month(make_scenario):
    from test_calendar import ONE_GENERATION

    ds = sim.run(make_scenario({**ONE_GENERATION, "shipments": {**ONE_GENERATION["shipments"],
                                                                 "adoption_ramp_months": 1},
                                "generation": [{"name": "A", "launch": "2019-01", "power_kw": 8.0},
                                               {"name": "B", "launch": "2022-07", "power_kw": 8.0}]}), draws=1)
    shipped_b = ds.shipments_by_generation.sel(generation="B", year=2022).isel(draw=0)
    assert float(shipped_b) == pytest.approx(6 * 1_000, rel=1e-12)  # July to December, ramp of one month


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
