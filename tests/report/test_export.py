"""sim export: CSV of quantiles or of every draw."""

import csv

import numpy as np
import pytest
from conftest import SCENARIOS

import sim
from sim.cli import main
from sim.results import open_result


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
    assert pue[0]["year"] == "" and pue[0]["units"] == ""          # a ratio: no units to write
    assert energy[2030]["units"] == "TWh"                             # as a reader writes them, not "TW h"
    # each row says what it is, last: a result's long name, a parameter's words
    assert list(rows[0])[-1] == "meaning" and all(r["meaning"] for r in rows)
    assert energy[2030]["meaning"] == ds.energy.attrs["long_name"] == "Facility electricity of AI servers in the year"
    assert pue[0]["meaning"] == sim.parameters.label("fleet.pue")
    assert gen[0]["meaning"] == ds.energy_by_generation.attrs["long_name"]
    # every draw, to the file named by --out as every other command names it
    assert main(["export", str(nc), "--out", str(tmp_path / "d.csv"), "--draws"]) == 0
    draws = [r for r in read_csv(tmp_path / "d.csv") if r["variable"] == "energy" and r["year"] == "2030"]
    np.testing.assert_array_equal([float(r["value"]) for r in draws], ds.energy.sel(year=2030).values)


@pytest.mark.parametrize("method, extra, column", [
    ("oat", [], "swing (TWh)"), ("sobol", ["--samples", "16"], "total_order"),
    ("morris", ["--samples", "6"], "mu_star (TWh)"),
    ("grid", ["--param", "fleet.pue=1.1:1.5:3", "--draws", "5"], "metric_median (TWh)")])
def test_a_sweep_exports_one_row_per_parameter_or_grid_point(tmp_path, capsys, method, extra, column):
    out = tmp_path / "s.nc"
    assert main(["sweep", str(SCENARIOS / "nvidia_2027.toml"), "--method", method, "--out", str(out), *extra]) == 0
    assert main(["export", str(out), "--csv", str(tmp_path / "x.csv")]) == 0
    rows = read_csv(tmp_path / "x.csv")
    ds = open_result(out)
    assert column in rows[0]
    if method == "grid":
        assert len(rows) == 3 and {r["fleet.pue"] for r in rows} == {"1.1", "1.3", "1.5"}
    else:
        assert {r["parameter"] for r in rows} == {str(p) for p in ds.parameter.values}
        key = column.split(" ")[0]
        first = rows[0]
        assert float(first[column]) == pytest.approx(float(ds[key].sel(parameter=first["parameter"])))
    if method == "oat":     # the base point the tornado's bars swing about, on every row, last
        assert list(rows[0])[-1] == "metric_base (TWh)" and float(rows[-1]["metric_base (TWh)"]) == float(ds.metric_base)

def test_given_data_sweeps_and_discoveries_export_and_plot_or_say_why(tmp_path, capsys):
    run = tmp_path / "r.nc"
    assert main(["run", "nvidia_2027", "--no-calibrate", "--draws", "400", "--out", str(run), "--quiet"]) == 0
    pawn, box = tmp_path / "pawn.nc", tmp_path / "box.nc"
    assert main(["sweep", str(run), "--method", "pawn", "--metric", "energy:2030", "--out", str(pawn)]) == 0
    assert main(["discover", str(run), "--where", "energy:2030 > p80", "--resamples", "3", "--out", str(box)]) == 0
    capsys.readouterr()
    assert main(["export", str(pawn), "--csv", str(tmp_path / "pawn.csv")]) == 0
    rows = read_csv(tmp_path / "pawn.csv")
    assert {r["parameter"] for r in rows} == {str(p) for p in open_result(pawn).parameter.values}
    # the noise level the ranking figure shades, on every row, last: a spreadsheet can tell them apart
    assert list(rows[0])[-1] == "pawn_noise" and {float(r["pawn_noise"]) for r in rows} == {
        float(open_result(pawn).pawn_noise)}
    assert main(["export", str(box), "--csv", str(tmp_path / "box.csv")]) == 0
    rows = read_csv(tmp_path / "box.csv")
    assert {"units", "box_low", "box_high", "p_value", "stability"} <= set(rows[0])
    assert main(["plot", str(pawn), "--out", str(tmp_path / "figs")]) == 0
    assert (tmp_path / "figs" / "pawn-ranking.png").stat().st_size > 10_000
    assert main(["plot", str(box), "--out", str(tmp_path / "figs")]) == 0
    assert (tmp_path / "figs" / "box-discovery.png").stat().st_size > 10_000


def test_a_result_as_the_ema_workbenchs_experiments_and_outcomes(tmp_path):
    from sim.report.export import to_ema

    ds = sim.run(SCENARIOS / "nvidia_2027.toml", draws=30, calibrate=False)
    experiments, outcomes = to_ema(ds)
    assert len(experiments) == 30 and {"scenario", "policy", "model"} <= set(experiments.columns)
    assert set(sim.load_scenario(SCENARIOS / "nvidia_2027.toml").uncertain) <= set(experiments.columns)
    np.testing.assert_array_equal(experiments["fleet.pue"].values, ds.fleet_pue.values)
    assert outcomes["energy"].shape == (30, ds.sizes["year"])
    np.testing.assert_array_equal(outcomes["energy"], ds.energy.values)
    assert (experiments["policy"] == "none").all() and (experiments["scenario"] == "nvidia_2027").all()
