"""A key, a unit and a share as a reader writes them (sim.parameters.words)."""

import sim
from sim.parameters import label


def test_every_keys_words_name_its_region_as_the_figures_do():
    """``regions.rest_of_world.pue`` was "rest_of_world PUE" in the rankings, the explorer and the
    brief, where the figures say "rest of world": no key of the world fleet has an underscore in
    its words."""
    scenario = sim.load_scenario("iea_2030")
    words = {key: label(key) for key in scenario.uncertain}
    assert words["regions.rest_of_world.pue"] == "rest of world PUE"
    assert words["families.NVIDIA-PCIe.share.2024"] == "NVIDIA-PCIe share of servers shipped in 2024"
    assert not [w for w in words.values() if "_" in w]
    assert label("power_additions") == "power additions"      # a group of factors as its name, spoken


def test_units_are_written_as_a_reader_writes_them():
    """Result files keep UDUNITS strings (CF); what a reader sees is words: a lifetime in
    "years" (it read "year"), a lead time in "months", electricity in "TWh"."""
    from sim.parameters import human_units

    assert [human_units(u) for u in ("year", "730 h", "TW h", "year-1", "1", "GW")] == \
        ["years", "months", "TWh", "per year", "", "GW"]
