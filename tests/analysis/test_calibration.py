"""History matching: exactly the draws inside every observed range are kept, the same ones
however the work is cut or resumed; what the data taught is recorded; too few matches and bad
observations are one-line errors."""

import numpy as np
import pytest
import xarray as xr

import sim
from sim.parameters import var_name
from conftest import SCENARIOS, base_dict, merge
from sim.cli import main
from sim.results import open_result
from sim.analysis.calibration import candidate_space
from sim.runner import simulate_draws
from sim.scenario.load import from_dict

UNCERTAIN = {"fleet": {"pue": {"dist": "uniform", "low": 1.1, "high": 1.5},
                       "utilisation": {"dist": "uniform", "low": 0.4, "high": 0.9},
                       "lifetime_years": {"dist": "uniform", "low": 3, "high": 6}},
             "shipments": {"growth_after": {"dist": "uniform", "low": -0.1, "high": 0.4}}}
ENERGY_2023 = {"quantity": "energy", "year": 2023, "low": 2.0, "high": 2.5, "units": "TWh/yr", "scope": "world",
               "counting": "the model's servers", "source": "a test figure, 2024"}
SHIPPED_2027 = {"quantity": "gpus_shipped", "year": 2027, "low": 0.9, "high": 1.0, "units": "million GPUs/yr",
                "scope": "world", "counting": "8 GPUs a server", "source": "a test figure, 2024"}


def calibrated(observations, **changes):
    data = merge(merge(base_dict(), UNCERTAIN), changes)
    data["observation"] = observations
    return from_dict(data, file="calibrated.toml")


def test_exactly_the_draws_inside_every_range_are_kept_in_candidate_order():
    s = calibrated([ENERGY_2023, SHIPPED_2027])
    ds = sim.run(s, draws=150, seed=3, calibrate=True)
    space = candidate_space(150, None)
    prior = sim.run(s, draws=space, seed=3)  # the candidates, as an uncalibrated ensemble of the same blocks
    energy = prior.energy.sel(year=2023).values
    gpus = prior.gpus_shipped.sel(year=2027).values / 1e6
    inside = (energy >= 2.0) & (energy <= 2.5) & (gpus >= 0.9) & (gpus <= 1.0)
    considered = ds.attrs["candidates"]
    np.testing.assert_array_equal(ds.candidate.values, np.flatnonzero(inside[:considered]))
    assert inside[:considered].sum() == 150 and inside[considered - 1]
    # draw by draw, the kept draws are the candidates themselves, bit for bit, in every output
    kept = prior.isel(draw=ds.candidate.values)
    outputs = [name for name, var in prior.data_vars.items() if "draw" in var.dims]
    assert {"energy", "installed", "fleet_pue", "facility_power_monthly"} <= set(outputs)
    for name in outputs:
        np.testing.assert_array_equal(ds[name].values, kept[name].values, err_msg=name)
    np.testing.assert_array_equal(ds.observed.sel(observation="energy 2023").values, energy[ds.candidate.values])
    assert ds.attrs["rejected_draws"] == considered - 150
    np.testing.assert_array_equal(ds.rejected_by_observation.values,
                                  [(~((energy >= 2.0) & (energy <= 2.5)))[:considered].sum(),
                                   (~((gpus >= 0.9) & (gpus <= 1.0)))[:considered].sum()])


def test_candidates_run_to_the_last_observed_year_and_the_kept_ones_in_full(monkeypatch):
    # an observation of 2023 in a run to 2027: candidates stop at December 2023 (the observations
    # look no further); the kept draws' every output, to 2027, is the full run's, bit for bit.
    # The kept draws of all the candidates' chunks run in full together, once the rounds are over
    import sim.runner
    from sim.analysis.calibration import horizon_months

    s = calibrated([ENERGY_2023])
    assert horizon_months(s.observations, s) == 48 < s.n_months
    batches, full_run = [], sim.runner.simulate_values
    monkeypatch.setattr(sim.runner, "simulate_values", lambda work: batches.append(work.stop - work.start)
                        or full_run(work))
    ds = sim.run(s, draws=60, seed=4, calibrate=True, chunk_draws=100)
    assert ds.attrs["candidates"] > 100 and batches == [60]    # candidates in two chunks or more; one full run
    prior = sim.run(s, draws=candidate_space(60, None), seed=4)
    kept = prior.isel(draw=ds.candidate.values)
    for name, var in prior.data_vars.items():
        if "draw" in var.dims:
            np.testing.assert_array_equal(ds[name].values, kept[name].values, err_msg=name)
    assert float(ds.energy.sel(year=2027).min()) > 0
    # an observation of an output only a whole run gives keeps every candidate's run whole
    from dataclasses import replace

    assert horizon_months([*s.observations, replace(s.observations[0], quantity="rebound")], s) is None


def test_candidates_of_observations_by_generation_keep_only_what_they_read(monkeypatch):
    # observations that all count generations: the candidates keep only the results by
    # generation they read, without the fleet's measures (sim.model.measures_needed); the kept
    # draws are still a full run's of every candidate, bit for bit, and so are their observed values
    import sim.runner
    from sim.analysis.calibration import candidate_outputs
    from sim.model import fleet

    installed_2023 = {"quantity": "installed", "year": 2023, "low": 51_300, "high": 54_000, "units": "servers",
                      "scope": "world", "generations": ["A", "B"], "counting": "the model's servers",
                      "source": "a test figure, 2024"}
    s = calibrated([installed_2023])
    assert candidate_outputs(s.observations, s.scope) == {"installed_by_generation"}
    assert candidate_outputs(calibrated([installed_2023, ENERGY_2023]).observations, "world") is None
    deployed, deploy, simulate = [], fleet.Fleet.deploy, sim.runner.simulate
    calls = []   # each run of the model: to a horizon (the candidates) or not, and whether it kept the measures
    monkeypatch.setattr(fleet.Fleet, "deploy", lambda self, t: deployed.append(t) or deploy(self, t))
    monkeypatch.setattr(sim.runner, "simulate", lambda *args, **kwargs: deployed.clear() or (
        simulate(*args, **kwargs), calls.append((kwargs.get("until") is not None, bool(deployed))))[0])
    ds = sim.run(s, draws=60, seed=4, calibrate=True, chunk_draws=100)
    assert ds.attrs["candidates"] > 100 and (True, False) in calls and (True, True) not in calls
    prior = sim.run(s, draws=candidate_space(60, None), seed=4)
    kept = prior.isel(draw=ds.candidate.values)
    for name, var in prior.data_vars.items():
        if "draw" in var.dims:
            np.testing.assert_array_equal(ds[name].values, kept[name].values, err_msg=name)
    observed = prior.installed_by_generation.sel(year=2023).sum("generation").values[ds.candidate.values]
    np.testing.assert_allclose(ds.observed.values[:, 0], observed, rtol=1e-15)


def test_prior_and_posterior_quantiles_are_recorded():
    s = calibrated([ENERGY_2023])
    ds = sim.run(s, draws=200, seed=4, calibrate=True)
    prior = sim.run(s, draws=candidate_space(200, None), seed=4).isel(draw=slice(0, ds.attrs["candidates"]))
    for j, key in enumerate(ds.parameter.values):
        np.testing.assert_allclose(ds.posterior_quantiles.values[:, j], np.quantile(ds[var_name(key)].values, [0.05, 0.5, 0.95]))
        np.testing.assert_allclose(ds.prior_quantiles.values[:, j], np.quantile(prior[var_name(key)].values, [0.05, 0.5, 0.95]))
    # energy in 2023 is utilisation x PUE x a fixed fleet: the observation narrows both
    u = list(ds.parameter.values).index("fleet.utilisation")
    prior_width = ds.prior_quantiles.values[2, u] - ds.prior_quantiles.values[0, u]
    post_width = ds.posterior_quantiles.values[2, u] - ds.posterior_quantiles.values[0, u]
    assert post_width < 0.8 * prior_width


@pytest.mark.parametrize("chunk_draws, workers", [(64, 1), (1000, 1), (333, 2)])
def test_the_accepted_set_does_not_depend_on_chunks_or_workers(chunk_draws, workers):
    s = calibrated([ENERGY_2023])
    reference = sim.run(s, draws=120, seed=5, calibrate=True)
    xr.testing.assert_identical(sim.run(s, draws=120, seed=5, calibrate=True, chunk_draws=chunk_draws,
                                        workers=workers), reference)


def interrupt_after(count):
    done = []

    def compute(work):
        if len(done) == count:
            raise KeyboardInterrupt
        done.append(work.index)
        return simulate_draws(work)
    return compute


def test_a_calibrated_run_resumes_to_the_same_result(tmp_path):
    s = calibrated([ENERGY_2023])
    reference = sim.run(s, draws=150, seed=6, calibrate=True)
    out = tmp_path / "c.nc"
    with pytest.raises(KeyboardInterrupt):
        sim.run(s, draws=150, seed=6, calibrate=True, chunk_draws=50, out=out, compute=interrupt_after(3))
    assert not out.exists() and len(list((tmp_path / "c.nc.chunks").glob("chunk-*"))) == 3
    with sim.run(s, draws=150, seed=6, calibrate=True, chunk_draws=50, out=out, resume=True) as ds:
        xr.testing.assert_identical(ds.load(), reference)
    assert not (tmp_path / "c.nc.chunks").exists()


def test_too_few_matches_name_the_observation_that_rejects_most_and_what_moves_it():
    impossible = {**SHIPPED_2027, "low": 50.0, "high": 60.0}
    s = calibrated([ENERGY_2023, impossible])
    with pytest.raises(sim.ScenarioError) as err:
        sim.run(s, draws=100, seed=1, calibrate=True, max_candidates=5_000)
    message = str(err.value)
    assert "observation 'gpus_shipped 2027'" in message and "0 of 10,000 candidate draws" in message
    assert "shipments.growth_after" in message.split("widen")[1]       # the only parameter that moves it


def test_the_cli_calibrates_and_says_how_many_draws_match(tmp_path, write_scenario, capsys):
    from conftest import toml_text

    path = write_scenario(text=toml_text({**merge(base_dict(), UNCERTAIN), "observation": [ENERGY_2023]}))
    out = tmp_path / "r.nc"
    assert main(["run", str(path), "--draws", "100", "--calibrate", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "calibrated: 100 of" in printed and "consistent with 1 observations (energy 2023)" in printed
    assert "fleet.utilisation:" in printed                        # what the observation taught
    ds = open_result(out)
    assert ds.attrs["calibrated"] == 1 and ds.sizes["draw"] == 100
    # an impossible observation: one line, exit status 2, nothing written
    bad = write_scenario(text=toml_text({**merge(base_dict(), UNCERTAIN),
                                          "observation": [{**ENERGY_2023, "low": 500.0, "high": 600.0}]}), name="bad.toml")
    assert main(["run", str(bad), "--draws", "10", "--calibrate", "--max-candidates", "2000",
                 "--out", str(tmp_path / "b.nc")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "0 of 10,000 candidate draws" in err
    assert not (tmp_path / "b.nc").exists() and not (tmp_path / "b.nc.chunks").exists()


def test_calibrating_a_scenario_without_observations_is_one_line(write_scenario, capsys, tmp_path):
    path = write_scenario()
    assert main(["run", str(path), "--calibrate", "--out", str(tmp_path / "r.nc")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "calibration needs [[observation]] tables" in err


def test_a_scenario_can_calibrate_by_default_and_no_calibrate_shows_the_prior():
    s = calibrated([ENERGY_2023], calibration={"default": True})
    assert sim.run(s, draws=50, seed=1).attrs.get("calibrated") == 1
    assert "calibrated" not in sim.run(s, draws=50, seed=1, calibrate=False).attrs


@pytest.mark.parametrize("change, key, fragment", [
    ({"quantity": "energi"}, "observation[0].quantity", "did you mean 'energy'"),
    ({"units": "servers"}, "observation[0].units", "does not convert"),
    ({"units": "TWh"}, "observation[0].units", "unknown units"),
    ({"year": 2040}, "observation[0].year", "outside the scenario's years"),
    ({"low": 3.0, "high": 2.0}, "observation[0].low", "above high"),
    ({"source": None}, "observation[0].source", "required"),
    ({"counting": None}, "observation[0].counting", "required"),
    ({"scope": "US"}, "observation[0].scope", "the scenario models world"),
    ({"generations": ["Z"]}, "observation[0].generations", "no generation 'Z'"),
    ({"quantity": "it_power", "units": "GW", "generations": ["A"]}, "observation[0].generations", "by generation"),
    ({"use": "fit"}, "observation[0].use", "must be one of calibrate, check"),
])
def test_bad_observations_are_one_line_errors(change, key, fragment):
    table = {k: v for k, v in {**ENERGY_2023, **change}.items() if v is not None}
    with pytest.raises(sim.ScenarioError) as err:
        calibrated([table])
    assert err.value.key == key and fragment in err.value.message, str(err.value)


def test_a_calibrated_rebound_run_gives_the_kept_draws_their_own_counterfactual():
    """The elasticity-0 counterfactual is run for the matching draws only, and equals what the
    same draws give in an uncalibrated run of all candidates, draw by draw."""
    from conftest import SCENARIOS

    ds = sim.run(SCENARIOS / "jevons_2035.toml", draws=20, seed=5, calibrate=True)
    space = candidate_space(20, None)   # the candidates, as an uncalibrated ensemble of the same blocks
    prior = sim.run(SCENARIOS / "jevons_2035.toml", draws=space, seed=5, calibrate=False)
    kept = prior.isel(draw=ds.candidate.values)
    for name in ("energy", "energy_no_rebound", "rebound"):
        np.testing.assert_array_equal(ds[name].values, kept[name].values)


def test_a_calibrated_demand_run_is_bit_identical_for_any_chunk_size():
    import sim

    runs = [sim.run("jevons_2035", draws=60, seed=4, chunk_draws=c, rebound=False) for c in (1_000, 2_500)]
    xr.testing.assert_identical(runs[0], runs[1])
    assert runs[0].attrs["calibrated"] == 1


def test_leave_one_out_predicts_each_observation_from_the_candidates_that_match_the_others():
    from sim.analysis.calibration import leave_one_out

    rng = np.random.default_rng(5)
    observed = rng.random((400, 3))
    passes = observed > np.array([0.2, 0.5, 0.9])
    prediction, consistent = leave_one_out(observed, passes)
    for j in range(3):
        others = np.delete(passes, j, axis=1).all(axis=1)
        np.testing.assert_array_equal(prediction[:, j], np.quantile(observed[others, j], [0.05, 0.5, 0.95]))
        assert consistent[j] == passes[others, j].mean()
    # independent columns: each observation's share is its own pass rate, up to sampling
    np.testing.assert_allclose(consistent, [0.8, 0.5, 0.1], atol=0.12)


def test_a_calibrated_result_compares_its_electricity_with_the_priors_own_draws():
    from sim.analysis.calibration import candidate_space

    from sim.runner import PRIOR_COMPARED_DRAWS

    ds = sim.run(SCENARIOS / "nvidia_2027.toml", draws=30, seed=4)
    # the prior's first candidates, at least PRIOR_COMPARED_DRAWS of them when as many were tried
    n = min(PRIOR_COMPARED_DRAWS, ds.attrs["candidates"])
    assert ds.attrs["prior_draws_compared"] == n
    # candidate i depends only on the seed and i: the first of an uncalibrated run of whole blocks
    prior = sim.run(SCENARIOS / "nvidia_2027.toml", draws=candidate_space(n, n), seed=4, calibrate=False)
    np.testing.assert_allclose(ds.energy_quantiles_prior.values,
                               np.quantile(prior.energy.values[:n], [0.05, 0.5, 0.95], axis=0), rtol=1e-12)
    # what each observation narrows: the 5-95 % widths over the prior draws that match every
    # observation, and every one but each, re-done from the prior run's own results
    from sim.analysis.calibration import match
    from sim.parameters import var_name

    scenario = sim.load_scenario(SCENARIOS / "nvidia_2027.toml")
    observations = [o for o in scenario.observations if o.use == "calibrate"]
    head = prior.isel(draw=slice(0, n))

    def get(name):
        var = head[name if name in head else var_name(name)]
        return np.broadcast_to(var.values, (n,) + var.shape[1:])

    _, passes = match(observations, get, scenario.generation_names, scenario.years, trends=scenario.trend_bases)
    energy = head.energy.values

    def width(rows):
        q = np.quantile(energy[rows], [0.05, 0.95], axis=0)
        return q[1] - q[0]

    np.testing.assert_allclose(ds.energy_width_all.values, width(passes.all(axis=1)), rtol=1e-12)
    for j in range(len(observations)):
        np.testing.assert_allclose(ds.energy_width_without.values[j],
                                   width(np.delete(passes, j, axis=1).all(axis=1)), rtol=1e-12)
    np.testing.assert_allclose(ds.energy_quantiles_calibrated.values,
                               np.quantile(ds.energy.values, [0.05, 0.5, 0.95], axis=0), rtol=1e-12)
    assert set(ds.loo_covered.values) <= {0, 1} and ds.loo_prediction.shape == (3, ds.sizes["observation"])


def test_the_summary_says_how_calibration_moved_the_forecast_and_each_observation_left_out(capsys, tmp_path):
    assert main(["run", "nvidia_2027", "--draws", "40", "--out", str(tmp_path / "r.nc")]) == 0
    out = capsys.readouterr().out
    assert "electricity, TWh (5-95 %, prior -> calibrated): 2023 " in out and "2030 " in out
    calibrating = [o for o in sim.load_scenario("nvidia_2027").observations if o.use == "calibrate"]
    assert out.count("by the others' prediction;") == len(calibrating)
    assert "what each observation alone narrows in 2030" in out


def test_a_trends_row_is_observed_by_count_in_any_year_and_by_power_only_before_it_launches():
    from sim.analysis.calibration import observe
    from sim.parameters import var_name

    trend = {"trend": {"cadence_months": {"dist": "uniform", "low": 18, "high": 30}, "performance_gain": 2.0,
                       "power_gain": 1.2}}
    power = {"quantity": "nameplate_power", "units": "GW", "low": 0.0, "high": 1.0, "scope": "world",
             "counting": "the trend's servers", "source": "a test figure, 2024", "generations": ["trend"]}
    # B launches in 2022-07 and the shortest cadence is 18 months: a trend generation from 2024
    with pytest.raises(sim.ScenarioError) as err:
        calibrated([{**power, "year": 2024}], **trend)
    assert err.value.key == "observation[0].generations" and "from 2024" in err.value.message
    assert calibrated([{**power, "year": 2023}], **trend).observations[0].generations == ("trend",)
    # a count: the row's servers times its base's GPUs per server, in any year
    s = calibrated([{**SHIPPED_2027, "generations": ["trend"], "low": 0.0, "high": 1e9}], **trend)
    ds = sim.run(s, draws=30, seed=2, calibrate=False)

    def get(name):
        var = ds[name if name in ds else var_name(name)]
        return np.broadcast_to(var.values, (30,) + var.shape[1:])

    value = observe(s.observations[0], get, s.generation_names, s.years, trends=s.trend_bases)
    expected = ds.shipments_by_generation.sel(year=2027, generation="trend").values * 8 / 1e6
    assert expected.max() > 0
    np.testing.assert_allclose(value, expected, rtol=1e-12)
