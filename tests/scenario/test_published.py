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


def test_model_discrepancy_widens_the_observed_range_in_quadrature():
    from hypothesis import given, strategies as st

    from sim.scenario.published import accepted

    assert accepted(3.0, 6.0, 0.0) == (3.0, 6.0)          # no discrepancy: the observed range
    low, high = accepted(3.0, 6.0, 0.2)                     # middle 4.5, half 1.5, 0.2 x 4.5 = 0.9
    wide = (1.5 ** 2 + 0.9 ** 2) ** 0.5
    assert (low, high) == pytest.approx((4.5 - wide, 4.5 + wide), rel=1e-15)

    @given(st.floats(0.1, 1e6), st.floats(0.0, 1e6), st.floats(0.0, 5.0), st.floats(0.0, 5.0))
    def widens(low, width, small, extra):
        a = accepted(low, low + width, small)
        b = accepted(low, low + width, small + extra)
        slack = 1e-9 * (low + width)
        assert a[0] <= low + slack and a[1] >= low + width - slack     # never narrower
        assert b[0] <= a[0] + slack and b[1] >= a[1] - slack           # more error, wider

    widens()


def test_an_observation_with_discrepancy_calibrates_to_the_widened_range(write_scenario):
    import sim

    observation = {"quantity": "shipments", "year": 2023, "low": 20_000, "high": 30_000, "units": "servers/yr",
                   "scope": "world", "counting": "c", "source": "s", "discrepancy": 0.25}
    path = write_scenario({"shipments": {"anchors": {"2021": 10_000, "2025": {"dist": "uniform", "low": 40_000,
                                                                                "high": 160_000}}},
                           "observation": [observation]})
    s = sim.load_scenario(path)
    (o,) = s.observations
    wide = (5_000 ** 2 + (0.25 * 25_000) ** 2) ** 0.5
    assert (o.low, o.high) == pytest.approx((25_000 - wide, 25_000 + wide)) and o.discrepancy == 0.25
    ds = sim.run(s, draws=30, calibrate=True)
    assert ds.observation_low.values.item() == pytest.approx(o.low)
    assert ds.observation_high.values.item() == pytest.approx(o.high)
    observed = ds.observed.values[:, 0]
    # every accepted draw is inside the widened range, and some lie outside the observed one
    assert ((observed >= o.low) & (observed <= o.high)).all()
    assert ((observed > 30_000) | (observed < 20_000)).any()


def test_a_bad_discrepancy_is_one_line(write_scenario, capsys):
    from sim.cli import main

    observation = {"quantity": "shipments", "year": 2023, "low": 20_000, "high": 30_000, "units": "servers/yr",
                   "scope": "world", "counting": "c", "source": "s", "discrepancy": -0.1}
    path = write_scenario({"observation": [observation]})
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "discrepancy" in err


def test_the_price_of_compute_is_observed_as_an_index_draw_by_draw():
    import numpy as np
    from conftest import SCENARIOS

    ds = sim.run(SCENARIOS / "jevons_2035.toml", draws=40, seed=3)
    names = [str(n) for n in ds.observation.values]
    j = names.index("Price of AI compute 2026 (H100 rental contracts)")
    assert str(ds.observation_units.values[j]) == "index" and int(ds.observation_year.values[j]) == 2026
    # the model's price of compute relative to when demand started, the year's mean, draw by draw
    np.testing.assert_array_equal(ds.observed.values[:, j], ds.price.sel(year=2026).values)
    low, high = float(ds.observation_low[j]), float(ds.observation_high[j])
    assert ((ds.observed.values[:, j] >= low) & (ds.observed.values[:, j] <= high)).all()


@pytest.mark.parametrize("quantity, units, fragment", [
    ("shipments", "index", "does not convert"),      # an index is only an index's units
    ("price", "ratio", "a level, not a ratio"),       # an observation is a level
])
def test_an_observation_in_units_its_quantity_does_not_count_is_one_line(write_scenario, quantity, units, fragment):
    observation = {"quantity": quantity, "year": 2023, "low": 0.5, "high": 1.5, "units": units,
                   "scope": "world", "counting": "c", "source": "s"}
    with pytest.raises(sim.ScenarioError) as err:
        sim.load_scenario(write_scenario({"observation": [observation]}))
    assert err.value.key == "observation[0].units" and fragment in err.value.message


def test_a_figure_reads_as_a_reader_writes_it():
    from sim.scenario.published import figure_text

    assert figure_text(2.3, 2.3, "ratio") == "2.3 times"
    assert figure_text(0.66, 1.35, "index") == "0.66 to 1.35 (an index)"
    assert figure_text(69.1, 103.7, "billion USD/yr") == "69.1 to 103.7 billion USD/yr"
