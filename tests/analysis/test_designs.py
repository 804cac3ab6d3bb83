"""A sweep's design (sim.analysis.designs): a scenario as a SALib problem, and what a design does
with the scenario's correlations."""

import numpy as np
import pytest
from conftest import base_dict, merge

import sim
from sim.scenario.load import from_dict


def correlated(rank=-0.8):
    return from_dict(merge(base_dict(), {"fleet": {"pue": {"dist": "uniform", "low": 1.1, "high": 1.5},
                                                   "utilisation": {"dist": "uniform", "low": 0.4, "high": 0.9}},
                                         "correlation": [{"a": "fleet.utilisation", "b": "fleet.pue", "rank": rank}]}),
                     file="c.toml")


@pytest.mark.parametrize("method", ["sobol", "morris"])
def test_designs_that_drop_correlations_are_refused_in_one_line(method):
    with pytest.raises(sim.InputError) as err:
        sim.sweep(correlated(), method, "energy:2027", samples=64)
    assert "assumes independent inputs" in str(err.value) and "fleet.utilisation and fleet.pue" in str(err.value)


def test_a_grid_keeps_the_scenarios_correlations_and_says_so():
    from scipy.stats import spearmanr

    ds = sim.sweep(correlated(), "grid", "energy:2027", params=["fleet.pue=1.1:1.5:2"], draws=1024)
    assert "honoured" in ds.attrs["correlation_handling"]
    draws = sim.run(correlated(), draws=1024, seed=ds.attrs["seed"])
    assert abs(spearmanr(draws["fleet_utilisation"], draws["fleet_pue"])[0] + 0.8) < 0.03


def test_a_scenario_as_a_salib_problem_samples_what_sim_samples():
    from SALib.util import scale_samples

    from sim.analysis.designs import from_unit, salib_problem
    from sim.scenario.load import from_dict

    data = merge(base_dict(), {"fleet": {
        "pue": {"dist": "uniform", "low": 1.1, "high": 1.5},
        "utilisation": {"dist": "triangular", "low": 0.3, "mode": 0.5, "high": 0.9},
        "lifetime_years": {"dist": "lognormal", "median": 5, "sigma": 0.2},
        "lead_time_months": {"dist": "normal", "mean": 3, "sd": 1, "low": 1, "high": 6}},
        "shipments": {"growth_after": {"dist": "normal", "mean": 0.1, "sd": 0.05}}})
    scenario = from_dict(data)
    problem = salib_problem(scenario)
    assert problem["names"] == scenario.uncertain
    expected = {"fleet.pue": "unif", "fleet.utilisation": "triang", "fleet.lifetime_years": "lognorm",
                "fleet.lead_time_months": "truncnorm",
                "shipments.growth_after": "truncnorm"}   # sim truncates a normal at the registry's bounds
    assert dict(zip(problem["names"], problem["dists"])) == expected
    unit = np.linspace(0.02, 0.98, 9)[:, None].repeat(len(problem["names"]), axis=1)
    native = scale_samples(unit.copy(), problem)
    ours = from_unit(scenario, unit)
    for j, key in enumerate(problem["names"]):
        # SALib's scaling of a unit row is sim's own ppf of it, parameter by parameter
        np.testing.assert_allclose(native[:, j], ours[key], rtol=1e-6, err_msg=key)
    unit_problem = salib_problem(scenario, space="unit")
    assert unit_problem["bounds"] == [[0.0, 1.0]] * len(scenario.uncertain) and "dists" not in unit_problem


def test_a_distribution_salib_lacks_is_one_line_naming_the_key():
    from sim.analysis.designs import salib_problem
    from sim.errors import InputError
    from sim.scenario.load import from_dict

    scenario = from_dict(merge(base_dict(), {"fleet": {"pue": {"dist": "pert", "low": 1.1, "mode": 1.2, "high": 1.5}}}))
    with pytest.raises(InputError) as err:
        salib_problem(scenario)
    assert err.value.key == "fleet.pue" and "space=\"unit\"" in str(err.value) and "\n" not in str(err.value)
