"""The runner: results that do not depend on chunks, workers or where they run; overrides."""

import re

import numpy as np
import pytest
import xarray as xr
from conftest import SCENARIOS, UNCERTAIN, same

import sim
from sim.parameters import var_name
from sim import sampling

NVIDIA = SCENARIOS / "nvidia_2027.toml"


@pytest.mark.parametrize("chunk_draws", [1, 7, 33, 100])
def test_result_does_not_depend_on_batch_size(make_scenario, chunk_draws):
    scenario = make_scenario(UNCERTAIN)
    reference = sim.run(scenario, draws=100, seed=11, chunk_draws=100)
    xr.testing.assert_identical(sim.run(scenario, draws=100, seed=11, chunk_draws=chunk_draws), reference)


def test_batches_across_stream_blocks(make_scenario, monkeypatch):
    monkeypatch.setattr(sampling, "STREAM_BLOCK_DRAWS", 16)
    scenario = make_scenario(UNCERTAIN)
    whole = sim.run(scenario, draws=70, seed=5, chunk_draws=70)
    for chunk_draws in (5, 16, 23):
        xr.testing.assert_identical(sim.run(scenario, draws=70, seed=5, chunk_draws=chunk_draws), whole)
    # each block is its own Latin hypercube: one draw per stratum within the block
    u = sampling.uniform_design(3, 70, 5, "lhs")
    for start, stop in sampling.block_ranges(70):
        strata = np.floor(u[start:stop] * (stop - start)).astype(int)
        for column in strata.T:
            assert sorted(column) == list(range(stop - start))


def test_overrides_change_the_result_and_are_recorded(make_scenario):
    scenario = make_scenario()
    base = sim.run(scenario, draws=2)
    changed = sim.run(scenario, draws=2, overrides=["fleet.pue=1.44"])
    np.testing.assert_allclose(changed.energy, base.energy * 1.44 / 1.2, rtol=1e-12)
    assert changed.attrs["overrides"] == "fleet.pue=1.44"
    assert changed.attrs["scenario_sha256"] == base.attrs["scenario_sha256"]


def test_shipped_scenarios_run(tmp_path):
    for path in sorted(SCENARIOS.glob("*.toml")):
        ds = sim.run(path, draws=20)
        assert np.isfinite(ds.energy.values).all() and (ds.energy.values >= 0).all(), path


@pytest.mark.parametrize("workers", [1, 2])
def test_the_api_scales_out_to_the_same_result(reference, workers):
    same(sim.run(NVIDIA, 3000, 5, workers=workers, chunk_draws=700, calibrate=False), reference["nvidia"])


@pytest.mark.parametrize("workers", [1, 2])
def test_a_non_finite_output_is_one_line_and_no_file(make_scenario, tmp_path, workers):
    s = make_scenario({"shipments": {"anchors": {"2021": 1e308}, "growth_before": 0.5, "growth_after": 0.1}})
    out = tmp_path / "r.nc"
    with pytest.raises(sim.ScenarioError) as err:
        sim.run(s, draws=20, workers=workers, chunk_draws=10, out=out)
    message = str(err.value)
    # 1e308 servers overflow the fleet's sums within the first years (the shipments so far, the
    # power drawn): which output the check meets first is the model's business, that it is named is ours
    assert re.search(r"the model gives NaN or infinity for \w+ in 202\d in \d+ draws", message), message
    assert "\n" not in message and not out.exists()


def test_zero_utilisation_is_refused_where_it_would_divide_by_zero(make_scenario):
    with pytest.raises(sim.ScenarioError) as err:
        make_scenario(overrides=["fleet.utilisation=0"])
    assert err.value.key == "fleet.utilisation" and "> 0" in err.value.message


def test_evaluate_at_given_values_equals_the_run_that_drew_them(make_scenario):
    scenario = make_scenario(UNCERTAIN)
    ds = sim.run(scenario, draws=60, seed=9)
    values = {k: ds[var_name(k)].values for k in scenario.uncertain}
    evaluated = sim.evaluate(scenario, values, chunk_draws=17)
    for name in ("energy", "installed", "facility_power_monthly", "shipments_by_generation"):
        np.testing.assert_array_equal(evaluated[name].values, ds[name].values)
    assert evaluated.attrs["evaluated"] == 1
    with pytest.raises(sim.InputError, match="not a parameter"):
        sim.evaluate(scenario, {"fleet.pu": values["fleet.pue"]})


def test_the_sensitivity_module_is_reachable_beside_the_sweep_function():
    import sim.analysis.sensitivity

    assert callable(sim.sweep) and sim.analysis.sensitivity.sweep is sim.sweep


def test_evaluate_says_whether_it_used_the_prior_or_the_posterior():
    calibrated = sim.run(NVIDIA, draws=20, seed=3)
    prior = sim.run(NVIDIA, draws=20, seed=3, calibrate=False)
    posterior_run = sim.evaluate(NVIDIA, calibrated)
    assert posterior_run.attrs["evaluated_inputs"] == "the draws of a calibrated result (the posterior)"
    np.testing.assert_array_equal(posterior_run.energy.values, calibrated.energy.values)   # the same draws, run again
    assert sim.evaluate(NVIDIA, prior).attrs["evaluated_inputs"] == "the draws of an uncalibrated result (the prior)"
    one = sim.evaluate(NVIDIA, {"fleet.pue": np.array([1.2, 1.4])}).attrs["evaluated_inputs"]
    uncertain = len(sim.load_scenario(SCENARIOS / "nvidia_2027.toml").uncertain) - 1
    assert one.startswith(f"given values; {uncertain} uncertain parameters not given held at their prior medians (")
