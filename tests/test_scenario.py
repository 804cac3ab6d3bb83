"""The scenario parser: property tests with hypothesis, overrides, hashing, the registry."""

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from conftest import ROOT, SCENARIOS, base_dict, merge, toml_text
from sim import parameters as registry
from sim.errors import ScenarioError
from sim.overrides import parse_override
from sim.scenario import from_dict

NUMERIC = [p for p in registry.REGISTRY if p.kind == "number" and p.section == "fleet"]


def finite_in(spec):
    low = 0.0 if spec.low == -math.inf else spec.low
    high = 1e6 if spec.high == math.inf else spec.high
    return st.floats(low, high, allow_nan=False).filter(lambda x: spec.contains(x))


@given(data=st.data())
@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
def test_valid_constants_are_read_back_exactly(data):
    values = {p.name: data.draw(finite_in(p), label=p.key) for p in NUMERIC}
    # a lifetime in months must cover the chain's stages
    values["lifetime_years"] = max(values["lifetime_years"], 1.0)
    scenario = from_dict(merge(base_dict(), {"fleet": values}))
    for name, value in values.items():
        assert scenario.parameters[f"fleet.{name}"].args["value"] == value


@given(data=st.data())
@settings(max_examples=60)
def test_out_of_range_values_are_rejected_with_the_key(data):
    spec = data.draw(st.sampled_from([p for p in NUMERIC if p.high < math.inf or p.low > -math.inf]))
    below = st.floats(-1e9, spec.low, exclude_max=not spec.low_open) if spec.low > -math.inf else st.nothing()
    above = st.floats(spec.high, 1e9, exclude_min=True) if spec.high < math.inf else st.nothing()
    value = data.draw(below | above)
    with pytest.raises(ScenarioError) as err:
        from_dict(merge(base_dict(), {"fleet": {spec.name: value}}), file="x.toml")
    assert err.value.key == spec.key and err.value.file == "x.toml"


toml_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=6)


@given(section=st.sampled_from(["scenario", "sampling", "shipments", "fleet"]),
       key=st.sampled_from(["name", "start_year", "key_years", "draws", "method", "anchors",
                            "growth_after", "pue", "utilisation", "lifetime_stages", "accounting", "zzz"]),
       value=toml_values)
@settings(max_examples=300)
def test_any_value_either_loads_or_raises_scenario_error(section, key, value):
    data = merge(base_dict(), {section: {key: value}} if value is not None else {})
    if value is not None:
        data[section][key] = value
    try:
        from_dict(data, file="x.toml")
    except ScenarioError as err:
        assert err.file == "x.toml" and "\n" not in str(err)


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


def test_hash_follows_the_file_text(write_scenario):
    a = sim.load_scenario(write_scenario())
    b = sim.load_scenario(write_scenario({"fleet": {"pue": 1.3}}, name="other.toml"))
    assert len(a.sha256) == 64 and a.sha256 != b.sha256
    assert sim.load_scenario(a.path).sha256 == a.sha256


def test_shipped_scenarios_check():
    for path in SCENARIOS.glob("*.toml"):
        scenario = sim.load_scenario(path)
        assert scenario.name == path.stem


def test_fixture_serialiser_round_trips():
    import tomllib
    assert tomllib.loads(toml_text(base_dict())) == base_dict()


def test_parameter_docs_are_generated_from_the_registry():
    text = (ROOT / "docs" / "parameters.md").read_text()
    assert text == registry.docs_text(), "regenerate docs/parameters.md with sim.parameters.docs_text()"
