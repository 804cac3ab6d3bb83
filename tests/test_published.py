"""Published figures in scenario files ([[validation]]): the schema, read with the scenario."""


import pytest
from conftest import base_dict, merge

import sim
from sim.scenario.load import from_dict


@pytest.mark.parametrize("changes, key, fragment", [
    ({"quantity": "energi"}, "validation[0].quantity", "did you mean 'energy'"),
    ({"source": ""}, "validation[0].source", "required"),
    ({"units": "TWh"}, "validation[0].units", "unknown units"),
    ({"units": "GW"}, "validation[0].units", "does not convert"),
    ({"check": "mean"}, "validation[0].check", "must be one of"),
    ({"low": 1.0, "high": 2.0}, "validation[0].value", "not both"),
    ({"value": None}, "validation[0]", "needs value, or low and high"),
    ({"variant": "nope"}, "validation[0].variant", "no variant 'nope'"),
    ({"sauce": "x"}, "validation[0].sauce", "did you mean 'source'"),
])
def test_bad_validation_tables(changes, key, fragment):
    table = {k: v for k, v in {**GOOD, **changes}.items() if v is not None}
    with pytest.raises(sim.ScenarioError) as err:
        from_dict(merge(base_dict(), {"validation": [table]}), file="v.toml")
    assert err.value.key == key and fragment in err.value.message


GOOD = {"kind": "independent", "quantity": "energy", "year": 2025, "value": 1.0, "units": "TWh/yr", "source": "A report, 2024, p. 3"}
