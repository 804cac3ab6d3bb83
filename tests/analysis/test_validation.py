"""Published figures in the scenario files, `sim validate`, and scenario variants."""

import re

import numpy as np
import pytest
import xarray as xr
from conftest import ROOT, SCENARIOS

import sim
from sim.cli import main
from sim.analysis.validation import Validation, evaluate, validate_scenario

ALL = sorted(SCENARIOS.glob("*.toml"))


def test_sim_validate_passes_at_reduced_draws(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    code = main(["validate", "--draws", "200"])
    out, err = capsys.readouterr()
    assert code == 0, out
    assert " 0 failed" in out and "FAIL" not in out
    for name in ("devries_2023", "chatgpt_2023", "search_worst_case", "iea_2030", "lbnl_us_2028", "china_2030"):
        assert name in out
    # minutes of runs, each said on stderr as it starts: which scenario of how many, which run, the time
    checked = [p.stem for p in ALL if sim.load_scenario(p).validations]
    said = [re.fullmatch(r"\[(\d+)/(\d+)\] ([a-z0-9_]+)(.*) \(\d+\.\d s\)", line) for line in err.splitlines()]
    assert said and all(said), err
    assert all(int(m[1]) == checked.index(m[3]) + 1 and int(m[2]) == len(checked) for m in said)
    assert list(dict.fromkeys(m[3] for m in said)) == checked
    assert "lbnl_us_2028, variant low, calibrated" in err and "lbnl_us_2028: the world of the same draws" in err


def test_every_scenario_names_its_sources():
    for path in ALL:
        scenario = sim.load_scenario(path)
        assert scenario.references, f"{path.name}: no [scenario] references"
        for v in scenario.validations:
            assert len(v.source) > 20 and any(ch.isdigit() for ch in v.source), (path.name, v.source)


def test_the_library_has_the_scenarios_users_start_from():
    names = {p.stem for p in ALL}
    assert {"devries_2023", "nvidia_2027", "chatgpt_2023", "search_worst_case", "iea_2030",
            "lbnl_us_2028", "jevons_2035"} <= names
    iea = sim.load_scenario(SCENARIOS / "iea_2030.toml")
    assert {"lift_off", "headwinds", "high_efficiency"} <= set(iea.variants)
    assert {"low", "high"} <= set(sim.load_scenario(SCENARIOS / "lbnl_us_2028.toml").variants)


def test_a_model_that_breaks_a_published_figure_fails(monkeypatch, capsys):
    from sim.model import kernels

    # a model that loses 5 % of the hours in a month no longer gives de Vries's figures
    monkeypatch.setattr(kernels, "HOURS_PER_MONTH", 730 * 0.95)
    outcomes = validate_scenario(SCENARIOS / "chatgpt_2023.toml", draws=20)
    assert not any(o.passed for o in outcomes)
    code = main(["validate", str(SCENARIOS / "chatgpt_2023.toml"), "--draws", "20"])
    assert code == 1 and "FAIL" in capsys.readouterr().out


def synthetic(values, year=2030):
    return xr.Dataset({"energy": (("draw", "year"), np.asarray(values, float)[:, None])},
                      coords={"year": [year]})


@pytest.mark.parametrize("check, low, high, expected", [
    ("median", 4.0, 6.0, True), ("median", 5.6, 7.0, False),
    ("within", 0.0, 10.0, True), ("within", 1.0, 9.0, False),
    ("covers", 9.4, 20.0, True), ("covers", 9.6, 20.0, False),
])
def test_check_semantics(check, low, high, expected):
    ds = synthetic(np.linspace(0, 10, 101))  # p5 = 0.5, median = 5, p95 = 9.5
    v = Validation("energy", 2030, low, high, "TWh/yr", check, 0.0, "test source 2024")
    assert evaluate(ds, v).passed is expected


def test_units_convert_and_tolerance_widens():
    ds = synthetic(np.full(10, 0.2059))  # TWh/yr
    v = Validation("energy", 2030, 564.0, 564.0, "MWh/day", "median", 0.0, "test source 2024")
    assert evaluate(ds, v).median == pytest.approx(0.2059e6 / 365)
    assert not evaluate(ds, v).passed
    v = Validation("energy", 2030, 564.0, 564.0, "MWh/day", "median", 0.001, "test source 2024")
    assert evaluate(ds, v).passed


def test_missing_year_fails_with_a_reason():
    v = Validation("energy", 2040, 1, 2, "TWh/yr", "median", 0.0, "test source 2024")
    outcome = evaluate(synthetic([1.0, 2.0]), v)
    assert not outcome.passed and "year 2040" in outcome.problem


def test_variant_applies_and_is_recorded(capsys, tmp_path):
    base = sim.run(SCENARIOS / "chatgpt_2023.toml", draws=50)
    measured = sim.run(SCENARIOS / "chatgpt_2023.toml", draws=50, variant="measured")
    assert measured.attrs["variant"] == "measured" and base.attrs["variant"] == ""
    assert float(measured.energy.max()) < float(base.energy.min()) * 1.3
    assert measured["fleet_pue"].dims == ("draw",)
    code = main(["run", str(SCENARIOS / "chatgpt_2023.toml"), "--variant", "measured", "--draws", "5",
                 "--out", str(tmp_path / "m.nc")])
    assert code == 0


def test_unknown_variant_is_a_one_line_error(capsys):
    code = main(["run", str(SCENARIOS / "iea_2030.toml"), "--variant", "liftoff"])
    err = capsys.readouterr().err
    assert code == 2 and "did you mean 'lift_off'" in err and err.count("\n") == 1


FORECASTS = ("nvidia_2027", "iea_2030", "jevons_2035", "lbnl_us_2028", "china_2030")


@pytest.mark.parametrize("name", FORECASTS)
def test_every_forecast_scenario_has_independent_checks(name):
    scenario = sim.load_scenario(SCENARIOS / f"{name}.toml")
    independent = [v for v in scenario.validations if v.kind == "independent"]
    held_out = [o for o in scenario.observations if o.use == "check"]
    assert len(independent) + len(held_out) >= 2
    # none of them is a calibration target or an input compared with itself
    targets = {(o.quantity, o.year) for o in scenario.observations if o.use == "calibrate"}
    assert not [v for v in independent if (v.quantity, v.year) in targets and v.relative_to is None]
    anchors = {int(k.rsplit(".", 1)[1]) for k, d in scenario.parameters.items()
               if k.startswith("shipments.anchors.") and d.is_constant}
    assert not [v for v in independent if v.quantity == "shipments" and v.year in anchors]


def half_width(low, high, tolerance=0.0):
    """A check's accepted range, as a fraction either side of its middle."""
    low, high = low * (1 - tolerance), high * (1 + tolerance)
    return (high - low) / (high + low)


@pytest.mark.parametrize("name", FORECASTS)
def test_every_forecast_has_two_independent_checks_that_can_fail(name):
    # no wider than about ±30 % around a published figure that neither calibrates nor is an
    # input; "0 to the total of all data centers" does not count
    scenario = sim.load_scenario(SCENARIOS / f"{name}.toml")
    narrow = [v for v in scenario.validations if v.kind == "independent" and v.low > 0
              and half_width(v.low, v.high, v.tolerance) <= 0.34]
    narrow += [o for o in scenario.observations if o.use == "check" and o.low > 0
               and half_width(o.low, o.high) <= 0.34]
    assert len(narrow) >= 2, [getattr(v, "name", v.quantity) for v in narrow]


def test_a_held_out_observation_can_fail():
    from sim.scenario.published import Observation
    from sim.analysis.validation import evaluate_observation

    ds = sim.run(SCENARIOS / "nvidia_2027.toml", draws=100, calibrate=False)
    shipped = float(ds.shipments.sel(year=2024).median())
    inside = Observation("x", "shipments", 2024, 0.5 * shipped, 2 * shipped, "servers/yr", "world", "c", "s")
    above = Observation("x", "shipments", 2024, 2 * shipped, 4 * shipped, "servers/yr", "world", "c", "s")
    assert evaluate_observation(ds, inside).passed and not evaluate_observation(ds, above).passed


def test_a_known_gap_is_reported_without_failing_and_fails_once_the_model_meets_it():
    ds = synthetic(np.linspace(0, 10, 101))  # median 5
    gap = Validation("energy", 2030, 40.0, 176.0, "TWh/yr", "median", 0.0, "test source 2024",
                     kind="independent", known_gap="the model counts fewer servers")
    missed = evaluate(ds, gap)
    assert missed.gap and missed.passed and missed.result == "gap"
    met = evaluate(ds, Validation(**{**gap.__dict__, "low": 4.0}))
    assert not met.gap and not met.passed and "remove known_gap" in met.result


def test_lbnl_us_2028_is_the_us_slice_of_the_world_fleet_and_states_its_gap_with_lbnl():
    scenario = sim.load_scenario(SCENARIOS / "lbnl_us_2028.toml")
    assert scenario.calibrate and scenario.scope == "US" and scenario.view is not None
    # calibrated to the world's observed counts, the same tables as iea_2030's, and to NVIDIA's
    # 2026 revenue, which iea_2030 (the IEA's Base Case, set before 2026) holds out and misses
    world = sim.load_scenario(SCENARIOS / "iea_2030.toml")
    later = "NVIDIA data-center revenue 2026 (fiscal 2027, first half)"
    assert {o.name for o in scenario.observations if o.use == "calibrate"} == \
        {o.name for o in world.observations if o.use == "calibrate"} | {later}
    (held_out,) = [o for o in world.observations if o.name == later]
    assert held_out.use == "check" and held_out.known_gap and held_out.year == 2026
    assert [g.name for g in scenario.generations][0] == "V100"
    (lbnl,) = [v for v in scenario.validations if v.year == 2023]
    assert lbnl.quantity == "it_energy" and lbnl.low == 40 and lbnl.known_gap
    outcome = evaluate(sim.run(scenario, draws=100), lbnl)
    # the US slice's 2023 IT electricity from the observed world counts: well below LBNL's 40
    # TWh, as docs/scenarios.md and the known gap say
    assert outcome.gap and 8 < outcome.median < 28


def test_validate_predicts_each_calibration_observation_from_the_others():
    from sim.analysis.validation import validate_scenario

    outcomes = validate_scenario(SCENARIOS / "nvidia_2027.toml", draws=60, seed=2)
    loo = [o for o in outcomes if o.kind == "leave-one-out"]
    calibrating = [o for o in sim.load_scenario(SCENARIOS / "nvidia_2027.toml").observations if o.use == "calibrate"]
    assert len(loo) == len(calibrating) == 6 and all(o.check == "covers" for o in loo)
    assert {o.validation.name for o in loo} == {o.name for o in sim.load_scenario(SCENARIOS / "nvidia_2027.toml").observations
                                                if o.use == "calibrate"}
    for o in loo:
        assert o.p5 <= o.median <= o.p95 and o.passed == (o.p5 <= o.validation.high and o.validation.low <= o.p95)


def test_sim_validate_says_each_run_as_it_starts_unless_quiet(capsys):
    assert main(["validate", "devries_2023", "--draws", "20"]) == 0
    assert re.fullmatch(r"\[1/1\] devries_2023 \(\d+\.\d s\)\n", capsys.readouterr().err)
    assert main(["validate", "devries_2023", "--draws", "20", "--quiet"]) == 0
    assert capsys.readouterr().err == ""
