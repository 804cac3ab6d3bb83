"""Monte Carlo sampling: Latin hypercubes by stream block, seeds, rank correlations."""

import numpy as np
import pytest
import xarray as xr
from conftest import UNCERTAIN, correlated_scenario
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import spearmanr

import sim
from sim.scenario.distributions import from_value
from sim.parameters import var_name
from sim.sampling import uniform_design
from sim.scenario.load import from_dict


def test_rank_correlations_achieved_and_marginals_unchanged():
    corr = [{"a": "fleet.pue", "b": "fleet.utilisation", "rank": 0.7},
            {"a": "shipments.growth_after", "b": "fleet.lifetime_years", "rank": -0.4}]
    correlated = sim.run(from_dict(correlated_scenario(corr)), draws=10_000)
    independent = sim.run(from_dict(correlated_scenario([])), draws=10_000)
    assert spearmanr(correlated["fleet_pue"], correlated["fleet_utilisation"])[0] == pytest.approx(0.7, abs=0.02)
    assert spearmanr(correlated["shipments_growth_after"], correlated["fleet_lifetime_years"])[0] == \
        pytest.approx(-0.4, abs=0.02)
    assert abs(spearmanr(correlated["fleet_pue"], correlated["fleet_lifetime_years"])[0]) < 0.03
    for key in ("fleet.pue", "fleet.utilisation", "fleet.lifetime_years", "shipments.growth_after"):
        # the same values, reordered: the Latin hypercube's marginals are untouched
        np.testing.assert_array_equal(np.sort(correlated[var_name(key)].values), np.sort(independent[var_name(key)].values))
    assert "fleet.pue ~ fleet.utilisation: 0.7" in correlated.attrs["correlations"]


def test_correlation_is_batch_independent():
    s = from_dict(correlated_scenario([{"a": "fleet.pue", "b": "fleet.utilisation", "rank": 0.5}]))
    a, b = sim.run(s, draws=300, chunk_draws=300), sim.run(s, draws=300, chunk_draws=17)
    np.testing.assert_array_equal(a.energy.values, b.energy.values)


def test_latin_hypercube_is_stratified():
    u = uniform_design(4, 500, 1, "lhs")
    for column in np.floor(u * 500).astype(int).T:
        assert sorted(column) == list(range(500))
    # and its discrepancy beats plain random sampling
    from scipy.stats import qmc
    assert qmc.discrepancy(u) < qmc.discrepancy(uniform_design(4, 500, 1, "random"))


@given(low=st.floats(-1e6, 1e6), width=st.floats(1e-6, 1e6), seed=st.integers(0, 2**32))
def test_uniform_samples_stay_within_bounds(low, width, seed):
    dist = from_value({"dist": "uniform", "low": low, "high": low + width}, None, "k")
    x = dist.ppf(uniform_design(1, 50, seed, "lhs")[:, 0])
    assert np.all(x >= low) and np.all(x <= low + width)


def test_sampled_parameters_follow_their_distributions(make_scenario):
    ds = sim.run(make_scenario(UNCERTAIN), draws=200, seed=1)
    pue = ds["fleet_pue"].values
    assert 1.1 <= pue.min() and pue.max() <= 1.5
    assert pue.mean() == pytest.approx((1.1 + 1.2 + 1.5) / 3, abs=0.005)


def test_random_sampler(make_scenario):
    ds = sim.run(make_scenario(UNCERTAIN, overrides=["sampling.method=random"]), draws=30)
    assert ds.attrs["sampler"] == "random"
    lhs = sim.run(make_scenario(UNCERTAIN), draws=30)
    assert not np.array_equal(ds["fleet_pue"].values, lhs["fleet_pue"].values)


def test_a_seed_fixes_every_draw_and_another_seed_changes_every_sampled_column(make_scenario):
    scenario = make_scenario(UNCERTAIN)
    a, again = sim.run(scenario, draws=40, seed=3), sim.run(scenario, draws=40, seed=3)
    xr.testing.assert_identical(a, again)
    b = sim.run(scenario, draws=40, seed=4)
    assert scenario.uncertain  # the claim is about these columns
    for key in scenario.uncertain:
        assert a[var_name(key)].dims == ("draw",)
        # every draw's value moves: no column is left on the old seed's stream
        assert np.all(a[var_name(key)].values != b[var_name(key)].values), key
        # and the new values are a fresh sample of the same distribution, not a shuffle of the old
        assert not np.array_equal(np.sort(a[var_name(key)].values), np.sort(b[var_name(key)].values)), key


@pytest.mark.parametrize("change", ["fleet.pue=1.3", 'fleet.utilisation={dist="uniform", low=0.5, high=0.6}',
                                    "shipments.adoption_ramp_months=9"])
def test_a_what_if_leaves_every_other_sampled_column_identical(make_scenario, change):
    scenario = make_scenario(UNCERTAIN)
    base = sim.run(scenario, draws=300, seed=2)
    what_if = sim.run(scenario, draws=300, seed=2, overrides=[change])
    changed = change.split("=", 1)[0]
    others = [k for k in scenario.uncertain if k != changed]
    assert len(others) == len(scenario.uncertain) - 1
    for key in others:
        np.testing.assert_array_equal(what_if[var_name(key)].values, base[var_name(key)].values, err_msg=key)
    if "dist" in change:  # the changed parameter keeps its stream: the same quantiles of a new distribution
        u = np.array([scenario.parameters[changed].cdf(x) for x in base[var_name(changed)].values])
        np.testing.assert_allclose((what_if[var_name(changed)].values - 0.5) / 0.1, u, rtol=1e-9)


def test_a_parameters_stream_follows_its_name_not_its_position():
    names = ["a.x", "b.y", "c.z"]
    u = uniform_design(names, 200, 9, "lhs")
    reordered = uniform_design(names[::-1], 200, 9, "lhs")
    np.testing.assert_array_equal(u, reordered[:, ::-1])
    np.testing.assert_array_equal(u[:, :2], uniform_design(names[:2], 200, 9, "lhs"))
