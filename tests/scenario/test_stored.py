"""A scenario rebuilt from a result (sim.scenario.stored): the texts the result stores give back the
scenario it was run from."""

import pytest

import sim


@pytest.mark.parametrize("name, variant", [("lbnl_us_2028", None), ("iea_2030", "headwinds")])
def test_a_result_gives_back_the_scenario_it_was_run_from(name, variant):
    from sim.scenario.stored import scenario_of_result

    scenario = sim.load_scenario(name, variant=variant)
    ds = sim.run(scenario, draws=5, calibrate=False)
    again = scenario_of_result(dict(ds.attrs))
    # the same texts (its own and its includes'), so the same hash, tables and variant
    assert again.sha256 == scenario.sha256 and again.variant == variant
    assert again.observations == scenario.observations and again.validations == scenario.validations
    assert again.parameters.keys() == scenario.parameters.keys()
    # a run with --set overrides stores them joined: not rebuilt, rather than rebuilt wrong
    changed = sim.run(sim.load_scenario(name, overrides=["fleet.pue=1.2"]), draws=5, calibrate=False)
    assert scenario_of_result(dict(changed.attrs)) is None
