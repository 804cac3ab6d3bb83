"""[[correlation]] tables: every bad pair and an invalid matrix are one-line errors."""


import pytest
from conftest import correlated_scenario, toml_text

import sim
from sim.cli import main
from sim.scenario.load import from_dict


@pytest.mark.parametrize("corr, key, fragment", [
    ([{"a": "fleet.pue", "b": "fleet.utilisation", "rank": 0.6},
      {"a": "fleet.pue", "b": "fleet.lifetime_years", "rank": 0.6},
      {"a": "fleet.utilisation", "b": "fleet.lifetime_years", "rank": -0.6}],
     "correlation[2]", "fleet.utilisation and fleet.lifetime_years (-0.6) makes the correlation matrix invalid"),
    ([{"a": "fleet.pue", "b": "fleet.pue", "rank": 0.5}], "correlation[0].b", "itself"),
    ([{"a": "fleet.pue", "b": "fleet.utilisation", "rank": 1.0}], "correlation[0].rank", "between -1 and 1"),
    ([{"a": "fleet.pue", "b": "fleet.lead_time_months", "rank": 0.3}], "correlation[0].b", "is a constant"),
    ([{"a": "fleet.peu", "b": "fleet.utilisation", "rank": 0.3}], "correlation[0].a", "did you mean 'fleet.pue'"),
    ([{"a": "fleet.pue", "b": "fleet.utilisation", "rank": 0.3},
      {"a": "fleet.utilisation", "b": "fleet.pue", "rank": 0.2}], "correlation[1]", "given twice"),
])
def test_bad_correlations(corr, key, fragment):
    with pytest.raises(sim.ScenarioError) as err:
        from_dict(correlated_scenario(corr), file="c.toml")
    assert err.value.key == key and fragment in err.value.message


def test_invalid_correlation_matrix_exits_2_with_one_line(tmp_path, capsys):
    path = tmp_path / "c.toml"
    path.write_text(toml_text(correlated_scenario([
        {"a": "fleet.pue", "b": "fleet.utilisation", "rank": 0.6},
        {"a": "fleet.pue", "b": "fleet.lifetime_years", "rank": 0.6},
        {"a": "fleet.utilisation", "b": "fleet.lifetime_years", "rank": -0.6}])))
    assert main(["run", str(path), "--out", str(tmp_path / "r.nc")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "positive definite" in err and not (tmp_path / "r.nc").exists()
