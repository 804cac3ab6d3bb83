"""What modellers ask for: interval shorthand, correlated inputs, sources in results,
CSV export, full provenance and safe overwriting."""

import csv
import tomllib

import numpy as np
import pytest
from scipy.stats import spearmanr

import sim
from conftest import SCENARIOS, base_dict, merge, toml_text
from sim.cli import main
from sim.distributions import from_value
from sim.results import open_result
from sim.scenario import from_dict


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
    x = sim.run(s, draws=10_000)[f"{section}.{key}"].values
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


def correlated_scenario(correlations):
    uncertain = {"fleet": {"pue": {"dist": "uniform", "low": 1.1, "high": 1.5},
                           "utilisation": {"dist": "triangular", "low": 0.4, "mode": 0.7, "high": 0.9},
                           "lifetime_years": {"dist": "lognormal", "p5": 4, "p95": 7}},
                 "shipments": {"growth_after": {"dist": "uniform", "low": 0.0, "high": 0.3}}}
    return merge(merge(base_dict(), uncertain), {"correlation": correlations})


def test_rank_correlations_achieved_and_marginals_unchanged():
    corr = [{"a": "fleet.pue", "b": "fleet.utilisation", "rank": 0.7},
            {"a": "shipments.growth_after", "b": "fleet.lifetime_years", "rank": -0.4}]
    correlated = sim.run(from_dict(correlated_scenario(corr)), draws=10_000)
    independent = sim.run(from_dict(correlated_scenario([])), draws=10_000)
    assert spearmanr(correlated["fleet.pue"], correlated["fleet.utilisation"])[0] == pytest.approx(0.7, abs=0.02)
    assert spearmanr(correlated["shipments.growth_after"], correlated["fleet.lifetime_years"])[0] == \
        pytest.approx(-0.4, abs=0.02)
    assert abs(spearmanr(correlated["fleet.pue"], correlated["fleet.lifetime_years"])[0]) < 0.03
    for key in ("fleet.pue", "fleet.utilisation", "fleet.lifetime_years", "shipments.growth_after"):
        # the same values, reordered: the Latin hypercube's marginals are untouched
        np.testing.assert_array_equal(np.sort(correlated[key].values), np.sort(independent[key].values))
    assert "fleet.pue ~ fleet.utilisation: 0.7" in correlated.attrs["correlations"]


def test_correlation_is_batch_independent():
    s = from_dict(correlated_scenario([{"a": "fleet.pue", "b": "fleet.utilisation", "rank": 0.5}]))
    a, b = sim.run(s, draws=300, chunk_draws=300), sim.run(s, draws=300, chunk_draws=17)
    np.testing.assert_array_equal(a.energy.values, b.energy.values)


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


def test_confidence_outside_three_words_exits_2(tmp_path, capsys):
    path = tmp_path / "c.toml"
    path.write_text(toml_text(merge(base_dict(), {"fleet": {"pue": {"value": 1.2, "confidence": "sure"}}})))
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert "fleet.pue.confidence" in err and "low, medium, high" in err and err.count("\n") == 1


def test_sources_travel_into_the_result_and_check_lists_the_rest(capsys):
    ds = sim.run(SCENARIOS / "nvidia_2027.toml", draws=5)
    assert ds["fleet.pue"].attrs["source"].startswith("Uptime Institute")
    assert ds["fleet.pue"].attrs["confidence"] == "high"
    assert main(["check", str(SCENARIOS / "nvidia_2027.toml")]) == 0
    out = capsys.readouterr().out
    assert "carry no source key" in out and "generation.A100.power_kw" in out
    assert "fleet.pue," not in out.split("carry no source key")[1]


def test_constant_with_a_source():
    s = from_dict(merge(base_dict(), {"fleet": {"pue": {"value": 1.3, "source": "measured, 2024"}}}))
    assert s.parameters["fleet.pue"].is_constant and s.parameters["fleet.pue"].annotations["source"] == "measured, 2024"


def read_csv(path):
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def test_csv_round_trips_against_the_quantiles(tmp_path, capsys):
    nc = tmp_path / "r.nc"
    assert main(["run", str(SCENARIOS / "nvidia_2027.toml"), "--draws", "200", "--out", str(nc), "--quiet"]) == 0
    assert main(["export", str(nc), "--csv", str(tmp_path / "q.csv")]) == 0
    ds = open_result(nc)
    rows = read_csv(tmp_path / "q.csv")
    energy = {int(r["year"]): r for r in rows if r["variable"] == "energy"}
    for year in (2023, 2030):
        q = ds.energy.sel(year=year).quantile([0.05, 0.25, 0.5, 0.75, 0.95]).values
        got = [float(energy[year][c]) for c in ("p5", "p25", "p50", "p75", "p95")]
        np.testing.assert_array_equal(got, q)
    gen = [r for r in rows if r["variable"] == "energy_by_generation" and r["generation"] == "H100" and r["year"] == "2025"]
    assert len(gen) == 1 and float(gen[0]["p50"]) == float(ds.energy_by_generation.sel(year=2025, generation="H100").median())
    pue = [r for r in rows if r["variable"] == "fleet.pue"]
    assert pue[0]["year"] == "" and pue[0]["units"] == "1"
    # every draw
    assert main(["export", str(nc), "--csv", str(tmp_path / "d.csv"), "--draws"]) == 0
    draws = [r for r in read_csv(tmp_path / "d.csv") if r["variable"] == "energy" and r["year"] == "2030"]
    np.testing.assert_array_equal([float(r["value"]) for r in draws], ds.energy.sel(year=2030).values)


def test_export_of_a_sweep_is_a_clear_error(tmp_path, capsys):
    out = tmp_path / "s.nc"
    assert main(["sweep", str(SCENARIOS / "nvidia_2027.toml"), "--method", "oat", "--out", str(out)]) == 0
    assert main(["export", str(out), "--csv", str(tmp_path / "x.csv")]) == 2
    assert "not a result of sim run" in capsys.readouterr().err


def test_full_provenance_in_a_written_result(tmp_path):
    nc = tmp_path / "r.nc"
    assert main(["run", str(SCENARIOS / "devries_2023.toml"), "--draws", "5", "--out", str(nc), "--quiet"]) == 0
    a = open_result(nc).attrs
    assert a["scenario_text"] == (SCENARIOS / "devries_2023.toml").read_text()
    assert tomllib.loads(a["scenario_text"])["scenario"]["name"] == "devries_2023"
    for key in ("python_version", "numpy_version", "scipy_version", "simpy_version", "xarray_version",
                "created", "command", "sim_version"):
        assert a[key], key
    assert "run" in a["command"] and a["rejected_draws"] == 0


def test_overwrite_only_the_same_result(tmp_path, capsys):
    nc = tmp_path / "r.nc"
    args = ["run", str(SCENARIOS / "devries_2023.toml"), "--draws", "5", "--out", str(nc), "--quiet"]
    assert main(args) == 0
    assert main(args) == 0                          # the same result: replaced, as the README's command needs
    before = nc.read_bytes()
    assert main(args[:3] + ["10"] + args[4:]) == 2  # 10 draws would replace a 5-draw result
    assert "draws differ" in capsys.readouterr().err and nc.read_bytes() == before
    assert main(args[:3] + ["10"] + args[4:] + ["--force"]) == 0
    assert open_result(nc).attrs["draws"] == 10
    (tmp_path / "other.nc").write_text("not netCDF")
    assert main(args[:5] + [str(tmp_path / "other.nc"), "--quiet"]) == 2
    assert "is not a sim result" in capsys.readouterr().err
