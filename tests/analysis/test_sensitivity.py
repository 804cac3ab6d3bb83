"""Sensitivity analysis against known answers, on the model, and its bad inputs."""

import numpy as np
import pytest
import xarray as xr
from conftest import SCENARIOS, base_dict, merge

import sim
from sim.cli import main
from sim.results import open_result
from sim.scenario.load import from_dict


def uncertain_only(keys):
    """The small scenario with the given fleet keys uncertain, everything else constant."""
    dists = {"pue": {"dist": "uniform", "low": 1.1, "high": 1.5},
             "utilisation": {"dist": "uniform", "low": 0.4, "high": 0.9},
             "lifetime_years": {"dist": "uniform", "low": 3, "high": 6}}
    return from_dict(merge(base_dict(), {"fleet": {k: dists[k] for k in keys},
                                         "generation": [{"name": "A", "launch": "2020-01", "power_kw": 6.5,
                                                         "performance": {"dist": "uniform", "low": 1, "high": 2}}]}),
                     file="s.toml")


def test_oat_with_only_pue_uncertain_gives_all_spread_to_pue():
    s = from_dict(merge(base_dict(), {"fleet": {"pue": {"dist": "uniform", "low": 1.1, "high": 1.5}}}))
    ds = sim.sweep(s, "oat", "energy:2027")
    assert list(ds.parameter.values) == ["fleet.pue"]
    # energy is proportional to PUE: the swing is the whole 5-95 % spread
    pue = ds.sel(parameter="fleet.pue")
    np.testing.assert_allclose(float(pue.metric_high / pue.metric_low), 1.48 / 1.12, rtol=1e-12)
    assert float(pue.swing) > 0


@pytest.mark.parametrize("method", ["sobol", "morris", "oat"])
def test_parameter_outside_the_metric_gets_zero(method):
    # performance does not enter energy in trajectory mode
    s = uncertain_only(["pue", "utilisation"])
    ds = sim.sweep(s, method, "energy:2027", samples=64 if method == "sobol" else 10)
    p = "generation.A.performance"
    if method == "sobol":
        assert float(ds.first_order.sel(parameter=p)) == 0.0 and float(ds.total_order.sel(parameter=p)) == 0.0
        assert float(ds.total_order.sel(parameter="fleet.utilisation")) > 0.3
    elif method == "morris":
        assert float(ds.mu_star.sel(parameter=p)) == 0.0 and float(ds.sigma.sel(parameter=p)) == 0.0
        assert float(ds.mu_star.sel(parameter="fleet.pue")) > 0
    else:
        assert float(ds.swing.sel(parameter=p)) == 0.0


def test_sobol_of_a_product_of_two_inputs():
    # energy ∝ pue × utilisation: the two explain all the variance, almost all of it first-order
    ds = sim.sweep(uncertain_only(["pue", "utilisation"]), "sobol", "energy:2027", samples=1024)
    s1 = ds.first_order.sel(parameter=["fleet.pue", "fleet.utilisation"]).values
    st = ds.total_order.sel(parameter=["fleet.pue", "fleet.utilisation"]).values
    assert s1.sum() == pytest.approx(1.0, abs=0.03) and np.all(st >= s1 - 0.02)
    assert ds.design.shape == (1024 * 5, 3) and ds.attrs["evaluations"] == 1024 * 5


def test_per_year_indices_zero_before_a_parameter_acts():
    # a generation launched in 2031 with uncertain power: no effect before 2031
    data = merge(base_dict(), {"scenario": {"end_year": 2034},
                               "fleet": {"pue": {"dist": "uniform", "low": 1.1, "high": 1.5}},
                               "generation": [{"name": "A", "launch": "2020-01", "power_kw": 6.5},
                                              {"name": "Z", "launch": "2031-01",
                                               "power_kw": {"dist": "uniform", "low": 10, "high": 30}}]})
    ds = sim.sweep(from_dict(data), "sobol", "energy", samples=256, years="all")
    z = ds.total_order.sel(parameter="generation.Z.power_kw")
    assert float(abs(z.sel(year=slice(None, 2030))).max()) == 0.0
    assert float(z.sel(year=2034)) > 0.2
    assert ds.total_order.dims == ("year", "parameter")


def test_grid_dims_and_common_draws():
    s = from_dict(merge(base_dict(), {"fleet": {"utilisation": {"dist": "uniform", "low": 0.4, "high": 0.9}}}))
    ds = sim.sweep(s, "grid", "energy:2027", params=["fleet.pue=1.1:1.5:5"], draws=30)
    assert ds.metric.dims == ("fleet_pue", "draw") and ds.metric.shape == (5, 30)
    # the same draws at every grid point: energy ∝ PUE draw by draw
    ratio = ds.metric / ds.metric.isel({"fleet_pue": 0})
    np.testing.assert_allclose(ratio.values, np.broadcast_to((ds["fleet_pue"] / 1.1).values[:, None], (5, 30)),
                               rtol=1e-12)
    assert bool((ds.metric_median.diff("fleet_pue") > 0).all())


def test_two_parameter_grid_on_the_jevons_scenario():
    ds = sim.sweep(SCENARIOS / "jevons_2035.toml", "grid", "energy:2030",
                   params=["demand.elasticity=0.3:1.5:3", "demand.algorithmic_halving_months=12:30:3"], draws=20)
    assert ds.metric_median.dims == ("demand_elasticity", "demand_algorithmic_halving_months")
    # more elasticity, more electricity
    assert bool((ds.metric_median.isel({"demand_elasticity": -1}) >= ds.metric_median.isel({"demand_elasticity": 0})).all())


def test_sweep_is_deterministic():
    s = uncertain_only(["pue", "utilisation", "lifetime_years"])
    a = sim.sweep(s, "sobol", "cumulative:2022-2027", samples=64, seed=3)
    b = sim.sweep(s, "sobol", "cumulative:2022-2027", samples=64, seed=3)
    xr.testing.assert_identical(a, b)
    c = sim.sweep(s, "morris", "peak_power", samples=8, seed=3)
    xr.testing.assert_identical(c, sim.sweep(s, "morris", "peak_power", samples=8, seed=3))


def test_cli_sweep_writes_and_ranks(capsys, tmp_path):
    out = tmp_path / "sw.nc"
    code = main(["sweep", str(SCENARIOS / "nvidia_2027.toml"), "--method", "sobol", "--samples", "64",
                 "--metric", "energy:2030", "--out", str(out)])
    stdout = capsys.readouterr().out
    assert code == 0 and "ranking" in stdout and "fleet.utilisation" in stdout
    ds = open_result(out)
    assert ds.attrs["method"] == "sobol" and ds.attrs["metric"] == "energy:2030"
    assert "parameter" in ds.dims and ds.first_order.attrs["long_name"]


@pytest.mark.parametrize("args, fragment", [
    (["--method", "grid", "--param", "fleet.pue"], "expected section.key=LOW:HIGH:N"),
    (["--method", "grid", "--param", "fleet.pue=1.1:x:3"], "is not LOW:HIGH:N"),
    (["--method", "grid", "--param", "fleet.peu=1.1:1.4:3"], "did you mean 'fleet.pue'"),
    (["--method", "grid", "--param", "fleet.pue=0.9:1.4:3"], "leaves the allowed range"),
    (["--method", "grid", "--param", "fleet.pue=1.2:1.9:3"], "leaves the support"),
    (["--method", "grid", "--param", "fleet.pue=1.4:1.2:3"], "must be below HIGH"),
    (["--method", "grid"], "one to three"),
    (["--method", "oat", "--param", "generation.A100.power_kw"], "is a constant"),
    (["--method", "oat", "--metric", "energie:2030"], "did you mean 'energy'"),
    (["--method", "oat", "--metric", "energy:2050"], "must be a year from 2020 to 2035"),
    (["--method", "oat", "--metric", "rebound_share"], "needs a scenario with shipments.mode"),
    (["--method", "sobol", "--samples", "100"], "power of 2"),
    (["--method", "oat", "--years", "2019"], "not a year"),
])
def test_bad_sweep_input_gives_one_line_and_status_2(capsys, tmp_path, args, fragment):
    code = main(["sweep", str(SCENARIOS / "nvidia_2027.toml"), "--out", str(tmp_path / "x.nc"), *args])
    err = capsys.readouterr().err
    assert code == 2 and fragment in err and err.count("\n") == 1, err
    assert not (tmp_path / "x.nc").exists()


def test_a_small_sobol_sample_warns_and_names_a_better_one(capsys, tmp_path):
    path = tmp_path / "s.toml"
    from conftest import toml_text
    path.write_text(toml_text(merge(base_dict(), {"fleet": {"pue": {"dist": "uniform", "low": 1.1, "high": 1.5},
                                                            "utilisation": {"dist": "uniform", "low": 0.4, "high": 0.9}}})))
    assert main(["sweep", str(path), "--method", "sobol", "--samples", "8", "--out", str(tmp_path / "o.nc")]) == 0
    out = capsys.readouterr().out
    assert "warning:" in out and "use --samples 32" in out


def test_morris_reports_mu_star_intervals():
    ds = sim.sweep(uncertain_only(["pue", "utilisation"]), "morris", "energy:2027", samples=40)
    assert bool((ds.mu_star_low <= ds.mu_star).all() and (ds.mu_star <= ds.mu_star_high).all())
    assert float(ds.mu_star_high.sel(parameter="fleet.pue")) > float(ds.mu_star_low.sel(parameter="fleet.pue"))


# ---- SALib where it does the job: Morris, groups, indices from given data ---------------------

def test_morris_mu_star_and_sigma_are_salibs_on_the_same_runs():
    from SALib.analyze import morris

    ds = sim.sweep(uncertain_only(["pue", "utilisation", "lifetime_years"]), "morris", "energy:2027", samples=12)
    names = [str(p) for p in ds.parameter.values]
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    r = morris.analyze(problem, ds.design.values, ds.evaluations_metric.values, num_levels=4)
    np.testing.assert_allclose(ds.mu_star.values, r["mu_star"], rtol=0, atol=1e-8)
    np.testing.assert_allclose(ds.sigma.values, r["sigma"], rtol=0, atol=1e-8)
    assert bool((ds.mu_star_low <= ds.mu_star).all() and (ds.mu_star <= ds.mu_star_high).all())


def test_optimised_trajectories_and_groups_in_morris():
    s = SCENARIOS / "jevons_2035.toml"
    ds = sim.sweep(s, "morris", "energy:2030", samples=12, optimal=4,
                   groups={"power_additions": ["power.additions.*"]})
    labels = [str(p) for p in ds.parameter.values]
    assert "power_additions" in labels and not any(p.startswith("power.additions.") for p in labels)
    members = str(ds.members.sel(parameter="power_additions").values).split()
    assert members and all(m.startswith("power.additions.") for m in members)
    assert ds.attrs["trajectories"] == 4 and ds.attrs["evaluations"] == 4 * (len(labels) + 1)
    # a group's columns move together: along each trajectory they change in the same steps
    moves = np.diff(ds.design.sel(input=members).values.reshape(4, -1, len(members)), axis=1) != 0
    assert np.all(moves == moves[..., :1]) and moves.any()


def test_a_group_in_sobol_is_one_factor_with_its_own_indices():
    s = SCENARIOS / "jevons_2035.toml"
    ds = sim.sweep(s, "sobol", "energy:2030", samples=64, groups={"power_additions": ["power.additions.*"],
                                                                  "demand": ["demand.elasticity", "demand.growth"]})
    labels = [str(p) for p in ds.parameter.values]
    assert labels[:2] == ["power_additions", "demand"]
    assert ds.attrs["evaluations"] == 64 * (len(labels) + 2)
    assert set(str(ds.members.sel(parameter="demand").values).split()) == {"demand.elasticity", "demand.growth"}


@pytest.mark.parametrize("spec, fragment", [
    ("nothing=power.additionz.*", "names no analysed parameter"),
    ("=fleet.pue", "cannot read"),
])
def test_a_group_naming_no_parameter_is_one_line(capsys, tmp_path, spec, fragment):
    code = main(["sweep", "jevons_2035", "--method", "sobol", "--samples", "16", "--group", spec,
                 "--out", str(tmp_path / "s.nc")])
    err = capsys.readouterr().err
    assert code == 2 and fragment in err and err.count("\n") == 1
    assert not (tmp_path / "s.nc").exists()


def test_indices_are_also_under_salibs_names():
    from sim.analysis.sensitivity import as_salib

    ds = sim.sweep(SCENARIOS / "nvidia_2027.toml", "sobol", "energy:2030", samples=16)
    si = as_salib(ds)
    assert si["names"] == [str(p) for p in ds.parameter.values]
    np.testing.assert_array_equal(si["S1"], ds.first_order.values)
    np.testing.assert_array_equal(si["ST"], ds.total_order.values)
    np.testing.assert_allclose(si["ST_conf"], (ds.total_order_high - ds.total_order_low).values / 2)
    frame = si.to_df()
    assert list(frame.columns) == ["S1", "S1_conf", "ST", "ST_conf"] and len(frame) == ds.sizes["parameter"]


@pytest.mark.parametrize("scenario, metric, fragment", [
    ("iea_2030", "energy:2030@Chna", "@Chna: no such region or family (did you mean 'China'?)"),
    ("iea_2030", "energy:2030@AMDD", "(did you mean 'AMD'?)"),
    ("nvidia_2027", "energy:2030@US", "@US: this fleet has no regions or accelerator families"),
    ("iea_2030", "peak_power@US", "peak_power is the fleet's"),
])
def test_a_part_the_metric_cannot_read_is_one_line(capsys, tmp_path, scenario, metric, fragment):
    code = main(["sweep", scenario, "--method", "oat", "--metric", metric, "--out", str(tmp_path / "x.nc")])
    err = capsys.readouterr().err
    assert code == 2 and fragment in err and err.count("\n") == 1, err
    assert not (tmp_path / "x.nc").exists()
