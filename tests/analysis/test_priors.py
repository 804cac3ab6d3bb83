"""Prior-width sensitivity (sim.analysis.priors): priors scaled about their medians, paired draws,
a forecast linear in its one uncertain input whose range scales exactly, and the command line."""

import numpy as np
import pytest
from conftest import SCENARIOS

import sim
from sim.analysis import priors
from sim.cli import main
from sim.scenario.distributions import from_value


GROWTH = "shipments.growth_after"   # a key whose registry bounds these priors stay far inside


def dist(table, key=GROWTH):
    return from_value(table, None, key)


@pytest.mark.parametrize("table", [
    {"dist": "uniform", "low": 0.1, "high": 0.5},
    {"dist": "triangular", "low": 0.1, "mode": 0.2, "high": 0.5},
    {"dist": "pert", "low": 0.1, "mode": 0.2, "high": 0.5},
    {"dist": "normal", "mean": 0.3, "sd": 0.05},
])
@pytest.mark.parametrize("factor", [0.5, 1.7])
def test_a_scaled_prior_is_the_affine_image_about_its_median(table, factor):
    # every quantile moves to m + f (q - m): the same shape, f times as wide
    d = dist(table)
    w = priors.widened(d, factor, GROWTH)
    m = d.quantile(0.5)
    u = np.linspace(0.02, 0.98, 25)
    np.testing.assert_allclose(w.ppf(u), m + factor * (d.ppf(u) - m), rtol=1e-9, atol=1e-12)
    assert w.family == d.family


def test_a_lognormal_is_scaled_in_its_logarithm_and_constants_stay():
    key = "shipments.anchors.2023"
    d = from_value({"dist": "lognormal", "median": 4e5, "sigma": 0.3}, None, key)
    w = priors.widened(d, 2.0, key)
    u = np.linspace(0.05, 0.95, 7)
    np.testing.assert_allclose(np.log(w.ppf(u) / 4e5), 2.0 * np.log(d.ppf(u) / 4e5), rtol=1e-9, atol=1e-12)
    c = from_value(1.2, None, "fleet.pue")
    assert priors.widened(c, 3.0, "fleet.pue") is c


def test_a_widened_prior_stops_at_the_registrys_bounds():
    # a PUE is at least 1 and a utilisation at most 1, however wide the prior is made
    pue = priors.widened(dist({"dist": "uniform", "low": 1.05, "high": 1.6}, "fleet.pue"), 3.0, "fleet.pue")
    assert pue.support()[0] == 1.0 and pue.support()[1] == pytest.approx(2.15)
    use = priors.widened(from_value({"dist": "normal", "mean": 0.8, "sd": 0.1}, None, "fleet.utilisation"), 4.0,
                         "fleet.utilisation")
    assert use.ppf(np.array([0.999]))[0] <= 1.0


def test_the_draws_are_paired_and_a_linear_forecasts_range_scales_exactly(make_scenario):
    # the one uncertain input is the PUE, and the electricity is proportional to it: with the
    # priors twice as wide, every draw's PUE is the affine image of its own, and the 90 % range
    # of every year's electricity is exactly twice as wide around an unchanged median
    scenario = make_scenario({"fleet": {"pue": {"dist": "uniform", "low": 1.3, "high": 1.5}}})
    wide, keys = priors.scaled(scenario, 2.0)
    assert keys == ["fleet.pue"]
    a = sim.run(scenario, draws=40, seed=3, calibrate=False)
    b = sim.run(wide, draws=40, seed=3, calibrate=False)
    np.testing.assert_allclose(b.fleet_pue, 1.4 + 2.0 * (a.fleet_pue - 1.4), rtol=1e-12)
    rows = priors.prior_widths(scenario, (0.5, 2.0), draws=40, seed=3)
    assert [r.factor for r in rows] == [1.0, 0.5, 2.0]
    for y in rows[0].energy:
        p5, p50, p95 = rows[0].energy[y]
        per_pue = float(a.energy.sel(year=y)[0] / a.fleet_pue[0])      # TWh per unit of PUE, every draw
        for r in rows[1:]:
            q5, q50, q95 = r.energy[y]
            assert q95 - q5 == pytest.approx(r.factor * (p95 - p5), rel=1e-9)
            # the median is the image of the median: about the prior's median PUE, 1.4
            assert q50 - 1.4 * per_pue == pytest.approx(r.factor * (p50 - 1.4 * per_pue), rel=1e-6, abs=1e-9)
    text = priors.table(rows, "small")
    assert "range x2.00" in text and "range x0.50" in text
    assert "follows the priors' widths" in text and "elasticity of the range to the width 1.00" in text


def test_validate_prints_the_widths_and_refuses_what_it_cannot_do(capsys):
    assert main(["validate", str(SCENARIOS / "nvidia_2027.toml"), "--draws", "30", "--prior-widths", "0.5",
                 "--widen", "fleet.*"]) in (0, 1)
    out = capsys.readouterr().out
    assert "priors matching fleet.*" in out and "0.5x" in out and "range x" in out
    for args, words in ((["--prior-widths", "0"], "factors must be positive"),
                        (["--prior-widths", "2", "--widen", "nothing.*"], "matches none"),
                        (["--widen", "fleet.*"], "give the factors too")):
        assert main(["validate", str(SCENARIOS / "nvidia_2027.toml"), "--draws", "30", *args]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and words in err


def test_a_width_whose_calibration_finds_too_few_draws_is_reported_not_fatal(make_scenario):
    # the observation pins the PUE to 1.38-1.42 (the electricity is proportional to it): a fifth
    # of the prior 1.3-1.5 matches, 1.7 % of a prior 20 times as wide (cut at a PUE of 1); with
    # one stream block of candidates (10,000), the wide run cannot keep 200 draws, and the table
    # says so beside the others
    plain = sim.run(make_scenario({"fleet": {"pue": 1.4}}), draws=1, calibrate=False)
    energy = float(plain.energy.sel(year=2023)[0])
    observed = {"quantity": "energy", "year": 2023, "low": energy * 1.38 / 1.4, "high": energy * 1.42 / 1.4,
                "units": "TWh/yr", "scope": "world", "counting": "the model's servers", "source": "a test figure"}
    scenario = make_scenario({"fleet": {"pue": {"dist": "uniform", "low": 1.3, "high": 1.5}},
                              "calibration": {"default": True, "max_candidates": 200}, "observation": [observed]})
    rows = priors.prior_widths(scenario, (0.5, 20.0), draws=200, seed=1)
    assert [bool(r.failed) for r in rows] == [False, False, True]
    assert "candidate draws match" in rows[2].failed
    text = priors.table(rows, "small")
    assert "20x: no forecast, too few candidates match the observations" in text
    assert "0.5x" in text and "elasticity of the range" in text


def test_a_scenario_of_constants_has_no_priors_to_scale(make_scenario):
    with pytest.raises(sim.InputError, match="no uncertain priors to scale"):
        priors.prior_widths(make_scenario(), (2.0,), draws=5)


def test_in_demand_mode_the_widths_carry_both_rebounds_and_the_budgets_hold(make_scenario):
    # a small demand scenario with a spending ceiling: each width's rebound shares (against
    # elasticity 0 and against the first year's growth held) and its months at the ceiling are
    # those of its own run, as sim run gives them
    demand = {"shipments": {"mode": "demand", "anchors": {"2021": 10_000, "2023": 40_000}, "growth_before": 0.5},
              "scenario": {"start_year": 2020, "end_year": 2030, "key_years": [2026, 2030]},
              "demand": {"start_year": 2024, "growth": {"dist": "uniform", "low": 0.3, "high": 1.0},
                         "elasticity": {"dist": "uniform", "low": 0.3, "high": 1.5},
                         "energy_cost_share": 0.3, "capital_cost_decline": 0.2,
                         "spending_share_start": 0.037, "spending_share_max": 0.08, "spending_share_rate": 0.4,
                         "it_spending_growth": 0.079}}
    scenario = make_scenario(demand)
    rows = priors.prior_widths(scenario, (2.0,), draws=40, seed=3)
    for row in rows:
        ds = sim.run(priors.scaled(scenario, row.factor)[0], draws=40, seed=3, rebound=True, calibrate=False)
        for y in (2026, 2030):
            e = ds.energy.sel(year=y)
            assert row.rebound_share[y] == pytest.approx(float((ds.rebound.sel(year=y) / e).median()), rel=1e-12)
            assert row.beyond_trend[y] == pytest.approx(float((ds.rebound_beyond_trend.sel(year=y) / e).median()),
                                                        rel=1e-12, abs=1e-15)
            assert row.budget_bound[y] == pytest.approx(float(ds.budget_bound.sel(year=y).mean()), rel=1e-12)
    assert 0 < rows[0].budget_bound[2030] <= 1
    assert "vs trend" in priors.table(rows, "small") and "at budget" in priors.table(rows, "small")
