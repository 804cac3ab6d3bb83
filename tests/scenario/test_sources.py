"""Every assumption's source (sim.scenario.sources): a source key or the comment beside it."""

import pytest
from conftest import SCENARIOS

import sim
from sim.scenario.sources import DEFAULT, comment, sources, value_lines


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.toml")), ids=lambda p: p.stem)
def test_every_value_in_a_shipped_scenario_names_its_source(path):
    """Every number a shipped scenario writes has a source key or a comment (sim.scenario.sources), so
    the brief prints a source for each."""
    scenario = sim.load_scenario(path)
    found = sources(scenario)
    written = set()
    for text in [scenario.text] + [t for _, t in scenario.included]:
        written |= set(value_lines(text))
    checked = 0
    for key in scenario.parameters:
        table_key = key.rsplit(".", 1)[0] if key.rsplit(".", 1)[1].isdigit() else key
        if table_key not in written:
            assert found[key] == DEFAULT, key
            continue
        checked += 1
        assert found[key] and found[key] != DEFAULT, f"{path.name}: {key} has no source key and no comment"
    assert checked >= 5, path.name


def test_the_source_reader_finds_comments_and_an_unsourced_value():
    text = "[fleet]\n# a source\npue = 1.2\nidle_fraction = 0.2  # LBNL 2025\n\nutilisation = 0.7\n"
    lines, where = text.splitlines(), value_lines(text)
    assert comment(lines, where["fleet.pue"]) == "a source"
    assert comment(lines, where["fleet.idle_fraction"]) == "LBNL 2025"
    assert comment(lines, where["fleet.utilisation"]) == ""
