"""--set overrides and [variants.<name>]: parsed TOML values, changes that obey the file's rules."""

from hypothesis import given
from hypothesis import strategies as st

from sim.scenario.overrides import parse_override


@given(value=st.floats(-1e12, 1e12) | st.integers(-10**9, 10**9))
def test_override_numbers_round_trip(value):
    path, parsed = parse_override(f"fleet.pue={value!r}")
    assert path == ["fleet", "pue"] and parsed == value


def test_override_forms():
    assert parse_override("fleet.accounting=annual_shipments")[1] == "annual_shipments"
    assert parse_override('fleet.accounting="annual_shipments"')[1] == "annual_shipments"
    assert parse_override('fleet.pue={dist="uniform", low=1.1, high=1.4}')[1] == \
        {"dist": "uniform", "low": 1.1, "high": 1.4}
    assert parse_override("shipments.anchors.2030=2e6")[0] == ["shipments", "anchors", "2030"]


def test_override_adds_an_anchor(make_scenario):
    scenario = make_scenario(overrides=["shipments.anchors.2027=200000"])
    assert scenario.anchor_years == (2021, 2025, 2027)
