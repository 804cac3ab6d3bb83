"""Distributions and samplers against known moments, supports and stratification."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from sim.distributions import from_value
from sim.errors import ScenarioError
from sim.sampling import uniform_design

U = uniform_design(1, 20_000, 42, "lhs")[:, 0]


@pytest.mark.parametrize("table, mean, low, high", [
    ({"dist": "uniform", "low": 2, "high": 6}, 4.0, 2, 6),
    ({"dist": "triangular", "low": 1.1, "mode": 1.2, "high": 1.5}, (1.1 + 1.2 + 1.5) / 3, 1.1, 1.5),
    ({"dist": "pert", "low": 0.4, "mode": 0.7, "high": 0.85}, (0.4 + 4 * 0.7 + 0.85) / 6, 0.4, 0.85),
    ({"dist": "normal", "mean": 5, "sd": 1}, 5.0, -math.inf, math.inf),
    ({"dist": "normal", "mean": 5, "sd": 1, "low": 5}, 5 + math.sqrt(2 / math.pi), 5, math.inf),
    ({"dist": "lognormal", "median": 3, "sigma": 0.5}, 3 * math.exp(0.125), 0, math.inf),
])
def test_sample_means_and_supports(table, mean, low, high):
    dist = from_value(table, "f.toml", "k")
    x = dist.ppf(U)
    assert x.mean() == pytest.approx(mean, rel=2e-3)
    assert low <= x.min() and x.max() <= high
    assert dist.support() == (max(low, 0.0) if table["dist"] == "lognormal" else low, high)


def test_lognormal_median_and_truncation():
    dist = from_value({"dist": "lognormal", "median": 4, "sigma": 0.3, "high": 5}, None, "k")
    x = dist.ppf(U)
    assert x.max() <= 5
    base = stats.lognorm(s=0.3, scale=4)
    assert np.median(x) == pytest.approx(base.ppf(0.5 * base.cdf(5)), rel=1e-3)


def test_constant():
    assert from_value(3.5, None, "k").ppf(np.array([0.1, 0.9])).tolist() == [3.5, 3.5]
    assert from_value({"dist": "constant", "value": 2}, None, "k").is_constant


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


@pytest.mark.parametrize("table, fragment", [
    ({"dist": "triangle", "low": 1, "mode": 2, "high": 3}, "did you mean 'triangular'"),
    ({"dist": "uniform", "low": 3, "high": 1}, "low (3) must be below high (1)"),
    ({"dist": "uniform", "low": 1}, "needs 'high'"),
    ({"dist": "uniform", "low": 1, "hihg": 2}, "did you mean 'high'"),
    ({"dist": "triangular", "low": 1, "mode": 5, "high": 3}, "mode (5) must lie between"),
    ({"dist": "normal", "mean": 1, "sd": 0}, "sd must be positive"),
    ({"dist": "lognormal", "median": -1, "sigma": 1}, "median must be positive"),
    ({"dist": "uniform", "low": "a", "high": 2}, "expected a finite number"),
    ({"low": 1, "high": 2}, "needs a 'dist' key"),
    ("high", "expected a number or a distribution table"),
    (True, "expected a number or a distribution table"),
])
def test_bad_distribution_tables(table, fragment):
    with pytest.raises(ScenarioError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        from_value(table, "f.toml", "fleet.pue")
