"""One world fleet (sim.scenario.world): accelerator families and regions; the world is the sum of
its regions (tests/model/test_record.py), and a regional scenario is a slice of it."""

import re

import numpy as np
import pytest

import sim
from conftest import SCENARIOS, WORLD, base_dict, merge, toml_text, world
from sim.analysis.calibration import candidate_scenario
from sim.cli import main
from sim.errors import ScenarioError


def test_constant_regional_shares_split_every_stock_in_proportion():
    scenario = world({"regions": {"north": {"share": {"2021": 0.3, "2025": 0.3}}}})
    ds = sim.run(scenario, draws=2)
    for name in ("shipments", "installed", "it_energy"):
        np.testing.assert_allclose(ds[f"{name}_by_region"].sel(region="north"), 0.3 * ds[name], rtol=1e-12)


def test_a_region_whose_share_ends_keeps_only_what_it_installed_before():
    scenario = world({"regions": {"north": {"share": {"2021": 0.6, "2022": 0.0, "2025": 0.0}}}})
    ds = sim.run(scenario, draws=2)
    north = ds.installed_by_region.sel(region="north").isel(draw=0)
    assert float(ds.shipments_by_region.sel(region="north", year=2023).max()) == 0.0
    # nothing ships there after 2022: its installed base only retires
    assert (np.diff(north.sel(year=slice(2023, 2027)).values) <= 0).all() and float(north.sel(year=2023)) > 0


def test_families_divide_the_shipments_by_their_shares_and_add_up_to_the_fleet():
    ds = sim.run(world(uncertain=True), draws=20, seed=5)
    assert list(ds.family.values) == ["NVIDIA", "other"]
    # in order of launch: the model leaves out what no draw has launched yet
    assert list(ds.generation.values) == ["A", "X1", "B", "X2"]
    assert list(ds.generation_family.values) == ["NVIDIA", "other", "NVIDIA", "other"]
    np.testing.assert_allclose(ds.energy_by_family.sum("family"), ds.energy, rtol=1e-12)
    np.testing.assert_allclose(ds.energy_by_generation.sum("generation"), ds.energy, rtol=1e-12)
    by_family = ds.shipments_by_generation.groupby("generation_family").sum()
    # the other family's share: 0.2 in 2021, linear to 0.4 in 2025
    for year, share in ((2021, 0.2), (2023, 0.3), (2025, 0.4), (2027, 0.4)):
        np.testing.assert_allclose(by_family.sel(generation_family="other", year=year),
                                   share * ds.shipments.sel(year=year), rtol=1e-12)
    # within a family, a newer generation displaces its own family's older one only
    later = ds.shipments_by_generation.sel(year=2027)
    assert float(later.sel(generation="X1").max()) < 1e-9 * float(later.sel(generation="X2").min())
    assert float(later.sel(generation="B").min()) > 0


def test_a_regional_scenario_is_a_slice_of_the_world_run_of_the_same_draws():
    seen = world(uncertain=True)
    north = seen.replace(scope="north")
    ds_world, ds_north = sim.run(seen, draws=30, seed=4), sim.run(north, draws=30, seed=4)
    np.testing.assert_array_equal(ds_north.energy, ds_world.energy_by_region.sel(region="north"))
    np.testing.assert_array_equal(ds_north.energy_by_region, ds_world.energy_by_region)
    # by construction, never more than the world in any draw or year
    assert (ds_north.energy <= ds_world.energy).all() and (ds_north.installed <= ds_world.installed).all()
    # its results by generation are its own slice's, adding up to its electricity
    np.testing.assert_allclose(ds_north.energy_by_generation.sum("generation"), ds_north.energy, rtol=1e-12)


def test_a_regional_scenario_calibrated_to_world_counts_keeps_the_world_runs_draws():
    lbnl = sim.load_scenario(SCENARIOS / "lbnl_us_2028.toml")
    assert candidate_scenario(lbnl, lbnl.observations).scope == "world"
    us, everyone = sim.run(lbnl, draws=20), sim.run(lbnl.replace(scope="world"), draws=20)
    np.testing.assert_array_equal(us.candidate, everyone.candidate)
    np.testing.assert_array_equal(us.energy, everyone.energy_by_region.sel(region="US"))
    assert (us.energy <= everyone.energy).all()


def test_the_library_world_scenarios_read_one_world_fleet():
    iea, lbnl, china = (sim.load_scenario(SCENARIOS / f"{n}.toml") for n in ("iea_2030", "lbnl_us_2028", "china_2030"))
    assert (iea.scope, lbnl.scope, china.scope) == ("world", "US", "China")
    for s in (iea, lbnl, china):
        assert s.region_names == ["US", "China", "Europe", "rest_of_world"]
        assert [f.name for f in s.families] == ["NVIDIA", "NVIDIA-PCIe", "custom", "AMD"]
    assert iea.parameters["regions.US.share.2025"] == lbnl.parameters["regions.US.share.2025"]


BAD = [
    ({"regions": {"south": {"share": {"2021": 0.1}}, "east": {}}}, "regions.south.share", "at the same years"),
    ({"regions": {"south": {"share": {"2021": 0.2, "2025": 0.2}}}}, "regions.south.share",
     "exactly one region has no share"),
    ({"regions": {"east": {"share": {"2021": 0.4, "2025": 0.4}}}}, "regions.east.share.2021", "add up to 1.1"),
    ({"regions": {"north": {"colour": 1}}}, "regions.north.colour", "unknown key"),
    ({"regions": {"north": {"pue": 0.8}}}, "regions.north.pue", "must be >= 1"),
    ({"families": {"others": {"share": {"2021": 0.2}}}}, "families.others", "no [[generation]] has this family"),
    ({"families": {"other": None}}, "families.other.share", "needs its share"),
    ({"families": {"NVIDIA": {"share": {"2021": 0.1}}}}, "families.NVIDIA.share", "lead family"),
    ({"scenario": {"scope": "west"}}, "scenario.scope", "a region of [regions]"),
    ({"carbon": {"intensity": {"2021": 400}}}, "carbon.intensity", "regions.<region>.carbon_intensity"),
    ({"power": {"capacity_gw": 10}}, "power.capacity_gw", "regions.<region>.power_capacity_gw"),
    ({"regions": {"north": {"power_additions": {"2024": 1}}}}, "regions.north.power_additions",
     "needs regions.north.power_capacity_gw"),
    ({"observation": [{"quantity": "gpus_shipped", "year": 2023, "value": 1, "units": "million GPUs/yr",
                       "scope": "north", "family": "other", "counting": "c", "source": "s"}]},
     "observation[0].scope", "needs results by generation of north"),
    ({"observation": [{"quantity": "gpus_shipped", "year": 2023, "value": 1, "units": "million GPUs/yr",
                       "scope": "world", "family": "others", "counting": "c", "source": "s"}]},
     "observation[0].family", "no family 'others'"),
    ({"observation": [{"quantity": "compute_installed", "year": 2023, "value": 1, "units": "million H100e",
                       "scope": "north", "counting": "c", "source": "s"}]},
     "observation[0].scope", "results by region"),
]


@pytest.mark.parametrize("changes, key, words", BAD)
def test_a_bad_world_is_one_line_naming_the_key(changes, key, words, tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text(toml_text(merge(merge(base_dict(), WORLD), changes)))
    with pytest.raises(ScenarioError) as err:
        sim.load_scenario(path)
    assert err.value.key == key and words in err.value.message, str(err.value)
    assert main(["run", str(path), "--draws", "2"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_the_summary_prints_each_region_the_families_and_all_data_centers(capsys, tmp_path):
    path = tmp_path / "w.toml"
    path.write_text(toml_text(merge(merge(base_dict(), WORLD), {"scenario": {"scope": "north"}})))
    assert main(["run", str(path), "--draws", "4", "--out", str(tmp_path / "w.nc")]) == 0
    out = capsys.readouterr().out
    assert "electricity by region" in out and "this scenario reports north" in out
    assert "north" in out and "south" in out and "world" in out
    assert "by accelerator family" in out and "all data centers" in out
    # with a region's power queue, the servers left waiting (through the command line's summary)
    path.write_text(toml_text(merge(merge(merge(base_dict(), WORLD), {"scenario": {"scope": "north"}}),
                                    {"regions": {"north": {"power_capacity_gw": 0.02}}})))
    assert main(["run", str(path), "--draws", "4", "--out", str(tmp_path / "q.nc")]) == 0
    assert re.search(r"In 2027: [\d,]+ servers waiting for grid power \(median\) \(the regions' queues together\)",
                     capsys.readouterr().out)


DEMAND = {"shipments": {"mode": "demand"},
          "demand": {"start_year": 2024, "growth": {"dist": "uniform", "low": 0.1, "high": 0.6},
                     "elasticity": {"dist": "uniform", "low": 0.2, "high": 1.4},
                     "algorithmic_halving_months": 20, "energy_cost_share": 0.3, "capital_cost_decline": 0.2}}


def test_demand_orders_for_the_world_and_the_regions_divide_it():
    # demand sees the whole fleet: with every region at the fleet's PUE (no PUE of their own)
    # the regions are a partition, and the world's numbers are those of the same draws with no
    # regions; the
    # regions add up to the world, the demand-side results are the world's, and a region's
    # slice never exceeds it
    same_pue = {"regions": {"north": {"pue": None}, "south": {"pue": None}}}
    regional = world(merge(DEMAND, same_pue), uncertain=True)
    data = merge(merge(base_dict(), WORLD), merge(DEMAND, {"fleet": {"pue": {"dist": "uniform", "low": 1.1, "high": 1.4},
                                                                     "lifetime_years": {"dist": "uniform", "low": 3, "high": 6}},
                                                           "shipments": {"growth_after": {"dist": "uniform", "low": -0.1,
                                                                                          "high": 0.3}}}))
    del data["regions"]
    whole = sim.scenario.load.from_dict(data, text=toml_text(data))
    a = sim.run(regional, draws=30, seed=5, rebound=True)
    b = sim.run(whole, draws=30, seed=5, rebound=True)
    for name in ("energy", "compute_served", "compute_demand", "rebound", "installed"):
        np.testing.assert_allclose(a[name], b[name], rtol=1e-9, err_msg=name)
    np.testing.assert_array_equal(a.energy.values, a.energy_by_region.sum("region").values)
    north = sim.run(world(merge(DEMAND, merge(same_pue, {"scenario": {"scope": "north"}})), uncertain=True),
                    draws=30, seed=5)
    assert (north.energy.values <= a.energy.values).all()
    np.testing.assert_array_equal(north.energy.values, a.energy_by_region.sel(region="north").values)


QUEUED = {"regions": {"north": {"power_capacity_gw": 0.02, "power_additions": {"2024": 0.01}}}}


def test_a_regions_power_queue_holds_that_region_alone():
    # north waits for grid power, south does not: south's numbers are those of the run with no
    # queue, bit for bit; north's mean facility power stays under its capacity (0.02 GW, 0.03 GW
    # from 2024) in every draw and year; the servers left waiting are counted; and the results by
    # generation, one part per region following its own queue, still add up to the fleet
    free = sim.run(world(uncertain=True), draws=20, seed=3)
    held = sim.run(world(QUEUED, uncertain=True), draws=20, seed=3)
    for name in ("energy_by_region", "installed_by_region"):
        np.testing.assert_array_equal(held[name].sel(region="south").values, free[name].sel(region="south").values)
    capacity = np.where(held.year.values >= 2024, 0.03, 0.02)
    mean_gw = held.energy_by_region.sel(region="north") / 8.76          # TWh a year / 8,760 h
    assert (mean_gw.values <= capacity * (1 + 1e-9)).all()
    assert (held.energy_by_region.sel(region="north") < free.energy_by_region.sel(region="north") + 1e-12).all()
    assert float(held.power_queue.sel(year=2027).min()) > 0
    for name in ("installed", "energy", "shipments"):
        np.testing.assert_allclose(held[f"{name}_by_generation"].sum("generation"), held[name], rtol=1e-12)


def test_a_queued_regions_view_is_the_world_runs_slice_and_follows_its_queue():
    ours = sim.run(world(merge(QUEUED, {"scenario": {"scope": "north"}}), uncertain=True), draws=20, seed=3)
    everyone = sim.run(world(QUEUED, uncertain=True), draws=20, seed=3)
    np.testing.assert_array_equal(ours.energy.values, everyone.energy_by_region.sel(region="north").values)
    np.testing.assert_allclose(ours.installed_by_generation.sum("generation"), ours.installed, rtol=1e-12)


def test_a_queue_with_room_for_everything_changes_nothing_and_demand_counts_what_waits():
    roomy = sim.run(world({"regions": {"north": {"power_capacity_gw": 1e6}}}, uncertain=True), draws=20, seed=3)
    free = sim.run(world(uncertain=True), draws=20, seed=3)
    np.testing.assert_allclose(roomy.energy, free.energy, rtol=1e-12)
    # in demand mode the servers waiting in a region's queue are capacity on its way
    ds = sim.run(world(merge(DEMAND, QUEUED), uncertain=True), draws=20, seed=3)
    assert np.isfinite(ds.energy).all() and float(ds.power_queue.sel(year=2027).min()) > 0
    capacity = np.where(ds.year.values >= 2024, 0.03, 0.02)
    assert (ds.energy_by_region.sel(region="north").values / 8.76 <= capacity * (1 + 1e-9)).all()
