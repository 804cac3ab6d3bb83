"""The scenario parser (sim.scenario.load): property tests with hypothesis, hashing, the registry's
bounds, bad files in one line."""

import math

import pytest
from conftest import SCENARIOS, base_dict, merge, toml_text
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim import parameters as registry
from sim.errors import ScenarioError
from sim.scenario.load import from_dict

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


def test_constant_with_a_source():
    s = from_dict(merge(base_dict(), {"fleet": {"pue": {"value": 1.3, "source": "measured, 2024"}}}))
    assert s.parameters["fleet.pue"].is_constant and s.parameters["fleet.pue"].annotations["source"] == "measured, 2024"


def test_a_byte_order_mark_is_accepted(write_scenario, tmp_path):
    from conftest import base_dict

    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + toml_text(base_dict()).encode("utf-8"))
    assert sim.load_scenario(path).name == "small"


@pytest.mark.parametrize("where", ["file", "--set"])
def test_deeply_nested_toml_is_one_line(write_scenario, capsys, where):
    from sim.cli import main

    deep = "[" * 3000 + "]" * 3000
    if where == "file":
        path = write_scenario(text=f"[scenario]\nname = \"x\"\nreferences = {deep}\n")
        args = ["check", str(path)]
    else:
        args = ["check", str(write_scenario()), "--set", f"fleet.pue={deep}"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nested too deeply" in err


def test_an_oversized_scenario_is_refused(tmp_path):
    path = tmp_path / "big.toml"
    path.write_text("# " + "x" * 1_100_000 + "\n")
    with pytest.raises(sim.ScenarioError, match="at most 1 MB"):
        sim.load_scenario(path)


def test_check_loads_every_variant_and_names_the_broken_one(write_scenario, capsys):
    from conftest import base_dict, merge
    from sim.cli import main

    path = write_scenario(merge(base_dict(), {"variants": {"hi": {"fleet.pue": 9.0}}}))
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "variants.hi.fleet.pue" in err


def test_a_scenario_prints_in_one_line_and_shows_its_sources_in_a_notebook():
    from sim.scenario import load_scenario

    s = load_scenario(SCENARIOS / "nvidia_2027.toml")
    text = repr(s)
    assert "\n" not in text and len(text) < 300 and "'nvidia_2027'" in text and f"{len(s.uncertain)} uncertain" in text
    html = s._repr_html_()
    assert html.count("<tr>") == len(s.parameters) + 1
    assert "PUE (facility / IT power)" in html and "Uptime Institute" in html
    assert "<td>per year</td>" in html and "year-1" not in html     # units as a reader writes them
