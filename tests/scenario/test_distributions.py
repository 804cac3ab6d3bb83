"""Distributions and samplers against known moments, supports and stratification."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from conftest import base_dict, merge, toml_text
from scipy import stats

import sim
from sim.cli import main
from sim.scenario.distributions import from_value
from sim.errors import ScenarioError
from sim.sampling import uniform_design
from sim.scenario.load import from_dict

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


@pytest.mark.parametrize("family, section, key", [("lognormal", "fleet", "lifetime_years"),
                                                  ("normal", "shipments", "adoption_ramp_months")])
def test_interval_shorthand_reproduces_its_percentiles(family, section, key):
    # the issue's own example: lifetime_years = { p5 = 4, p95 = 7, dist = "lognormal" }
    s = from_dict(merge(base_dict(), {section: {key: {"dist": family, "p5": 4, "p95": 7}}}))
    dist = s.parameters[f"{section}.{key}"]
    # exact up to the truncated tail (below 1e-6 of the mass)
    assert dist.quantile(0.05) == pytest.approx(4, rel=1e-5) and dist.quantile(0.95) == pytest.approx(7, rel=1e-5)
    # its tail beyond the allowed range is negligible, truncated there, and recorded
    assert float(dist.annotations["truncated_probability"]) < 1e-6
    x = sim.run(s, draws=10_000)[f"{section}_{key}"].values
    # within sampling error: a Latin hypercube of 10,000 puts each percentile within 0.0001
    assert np.quantile(x, 0.05) == pytest.approx(4, rel=2e-3)
    assert np.quantile(x, 0.95) == pytest.approx(7, rel=2e-3)


@pytest.mark.parametrize("table, fragment", [
    ({"dist": "lognormal", "p5": 7, "p95": 4}, "p5 (7) must be below p95 (4)"),
    ({"dist": "lognormal", "p5": -1, "p95": 4}, "p5 must be positive"),
    ({"dist": "triangular", "p5": 1, "p95": 4}, "works for normal and lognormal"),
    ({"dist": "normal", "p5": 1, "p95": 4, "sd": 1}, "not both"),
    ({"dist": "normal", "p5": 1}, "needs both p5 and p95"),
    ({"dist": "normal", "mean": 1, "sd": 1, "confidence": "certain"}, "must be one of low, medium, high"),
])
def test_bad_shorthand_and_confidence(table, fragment):
    with pytest.raises(sim.ScenarioError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        from_value(table, "f.toml", "fleet.lifetime_years")


def test_confidence_outside_three_words_exits_2(tmp_path, capsys):
    path = tmp_path / "c.toml"
    path.write_text(toml_text(merge(base_dict(), {"fleet": {"pue": {"value": 1.2, "confidence": "sure"}}})))
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert "fleet.pue.confidence" in err and "low, medium, high" in err and err.count("\n") == 1


@pytest.mark.parametrize("family, args", [
    ("uniform", {"low": 1.1, "high": 1.7}), ("uniform", {"low": -3.0, "high": 2e6}),
    ("triangular", {"low": 2, "mode": 6, "high": 15}), ("triangular", {"low": 0.3, "mode": 0.3, "high": 0.9}),
    ("triangular", {"low": 0.3, "mode": 0.9, "high": 0.9}), ("pert", {"low": 0.6, "mode": 0.8, "high": 0.9}),
    ("pert", {"low": 0.15, "mode": 0.3, "high": 0.6, "lambda": 6.0}), ("pert", {"low": 1, "mode": 1, "high": 2}),
    ("lognormal", {"median": 5.0, "sigma": 0.3}),
])
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_ppf_without_scipy_stats_is_scipy_stats_bit_for_bit(family, args):
    # runs sample through scipy.special's closed forms, so that they need not import scipy.stats
    # (half a second): the values must be exactly those scipy.stats gives, ends included
    from sim.scenario.distributions import Distribution

    q = np.concatenate([np.random.default_rng(3).random(20_000), [0.0, 1.0, 1e-300, 1 - 1e-16, 0.5]])
    dist = Distribution(family, args)
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(dist.ppf(q), np.asarray(dist._frozen().ppf(q)))


@given(st.one_of(st.floats(min_value=1e4, max_value=1e15 * (1 - 1e-15)), st.integers(10_000, 10**15 - 1)),
       st.booleans())
def test_a_distribution_is_described_with_numbers_a_scenario_file_could_hold(x, negative):
    """``uniform(low=350_000, high=1_400_000)``, never ``1.4e+06``: each number read back by TOML is
    the number, to the last bit."""
    import tomllib

    from sim.scenario.distributions import plain

    x = -float(x) if negative else float(x)
    text = plain(x)
    assert "e" not in text and tomllib.loads(f"v = {text}")["v"] == x
    assert from_value({"dist": "uniform", "low": x, "high": x + abs(x)}, None, "k").describe() == \
        f"uniform(low={text}, high={plain(x + abs(x))})"
