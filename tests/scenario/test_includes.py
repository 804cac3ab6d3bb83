"""Shared tables a scenario includes (sim.scenario.includes): one catalogue, one observation set."""

import pytest

import sim
from conftest import SCENARIOS
from sim.cli import main

SHARED = """
[[generation]]
name = "A100"
launch = "2020-05"
power_kw = 6.5

[[generation]]
name = "H100"
launch = "2022-10"
power_kw = 10.2
"""


def with_catalogue(write_scenario, generations, shared=SHARED):
    (write_scenario().parent / "catalogue.toml").write_text(shared)
    return write_scenario({"scenario": {"include": ["catalogue.toml"]}, "generation": generations})


def test_a_scenario_overrides_an_entry_in_place_and_adds_older_and_newer_ones(write_scenario):
    path = with_catalogue(write_scenario, [
        {"name": "B200", "launch": "2025-01", "power_kw": 14.3},
        {"name": "H100", "launch": "2022-10", "power_kw": 11.0},     # override, in place
        {"name": "V100", "launch": "2017-05", "power_kw": 3.5}])     # older: goes first
    s = sim.load_scenario(path)
    assert [g.name for g in s.generations] == ["V100", "A100", "H100", "B200"]
    assert s.parameters["generation.H100.power_kw"].args["value"] == 11.0
    # the first generation stands for everything on sale before the others: V100 ships first
    ds = sim.run(s, draws=2)
    assert float(ds.shipments_by_generation.sel(generation="V100", year=2020).min()) > 0


def test_an_added_generation_between_two_included_ones_takes_its_launch_place(write_scenario):
    path = with_catalogue(write_scenario, [{"name": "A800", "launch": "2021-06", "power_kw": 6.5}])
    assert [g.name for g in sim.load_scenario(path).generations] == ["A100", "A800", "H100"]


def test_an_included_section_is_a_default_the_scenario_overrides_key_by_key(write_scenario):
    shared = SHARED + '\n[fleet]\npue = 1.4\nidle_fraction = 0.15\n\n[regions.A]\nshare = { 2023 = 0.4 }\npue = 1.5\n\n[regions.B]\n'
    path = with_catalogue(write_scenario, [], shared=shared)
    s = sim.load_scenario(path)
    # the scenario's own fleet.pue (1.2) wins; the included idle fraction, which it does not
    # give, stays; a named table merges key by key
    assert s.parameters["fleet.pue"].args["value"] == 1.2
    assert s.parameters["fleet.idle_fraction"].args["value"] == 0.15
    assert s.region_names == ["A", "B"] and s.parameters["regions.A.pue"].args["value"] == 1.5
    (path.parent / "override.toml").write_text(path.read_text() + '\n[regions.A]\npue = 1.25\n')
    s = sim.load_scenario(path.parent / "override.toml")
    assert s.parameters["regions.A.pue"].args["value"] == 1.25
    assert s.parameters["regions.A.share.2023"].args["value"] == 0.4


def test_an_included_scenario_table_is_one_line(write_scenario, capsys):
    path = with_catalogue(write_scenario, [], shared=SHARED + '\n[scenario]\nname = "x"\n')
    assert main(["run", str(path), "--draws", "2"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not its [scenario] table" in err


@pytest.mark.parametrize("launch", ["2021-13", 2021])
def test_an_added_generation_with_a_bad_launch_is_named(write_scenario, capsys, launch):
    path = with_catalogue(write_scenario, [{"name": "X", "launch": launch, "power_kw": 1.0}])
    assert main(["run", str(path), "--draws", "2"]) == 2
    assert "generation.X.launch" in capsys.readouterr().err


def test_a_scenario_copied_out_of_the_library_finds_its_shared_files(tmp_path):
    import shutil

    from sim.scenario import load_scenario

    copy = tmp_path / "mine.toml"
    shutil.copy(SCENARIOS / "nvidia_2027.toml", copy)     # without shared/ beside it
    here = load_scenario(copy)
    assert here.sha256 == load_scenario(SCENARIOS / "nvidia_2027.toml").sha256 and here.observations


def test_an_include_found_nowhere_names_the_key_and_where_it_was_looked_for(tmp_path):
    import sim
    from sim.scenario import load_scenario

    text = (SCENARIOS / "nvidia_2027.toml").read_text().replace("shared/catalogue.toml", "shared/catalog.toml")
    (tmp_path / "s.toml").write_text(text)
    with pytest.raises(sim.ScenarioError) as err:
        load_scenario(tmp_path / "s.toml")
    message = str(err.value)
    assert err.value.key == "scenario.include" and "'shared/catalog.toml' is not found" in message
    assert str(tmp_path) in message and "sim/scenarios" in message and "\n" not in message


def test_the_included_texts_a_result_stores_split_back_as_they_were():
    from sim.scenario.includes import join_included, split_included

    included = (("shared/catalogue.toml", "[[generation]]\nname = \"A\"\n"), ("shared/world.toml", "# a comment\n"))
    assert split_included(join_included(included)) == included
    assert split_included("") == ()
