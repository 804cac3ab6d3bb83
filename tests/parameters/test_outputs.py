"""The outputs' registry (sim.parameters.outputs): what an observation counts converts by its units."""

import dataclasses

import pytest

from sim import parameters as registry
from sim.parameters import outputs


def test_counts_by_generation_convert_by_the_registrys_units():
    """Every output an observation may count over some generations converts from its
    by-generation output and per-server keys by their registry units alone: kW per server to GW
    is 1e-6, counts and counts per year pass unchanged, and units that do not multiply to the
    output's dimension are refused."""
    counted = [name for name, o in registry.OUTPUTS.items() if o.by_generation and o.by_generation != name]
    factors = {name: registry.count_factor(name) for name in counted}
    assert factors["nameplate_power"] == 1e-6
    assert all(f == 1.0 for name, f in factors.items() if name != "nameplate_power")
    wrong = dataclasses.replace(registry.OUTPUTS["nameplate_power"], units="1")
    try:
        registry.OUTPUTS["nameplate_power"] = wrong
        with pytest.raises(ValueError, match="dimension"):
            outputs.count_factor("nameplate_power")
    finally:
        registry.OUTPUTS["nameplate_power"] = dataclasses.replace(wrong, units="GW")
