"""Scenario discovery (sim.analysis.discovery, `sim discover`): PRIM on a result's draws."""

import numpy as np
import pytest
import xarray as xr

import sim
from sim.cli import main
from sim.analysis.discovery import describe, discover, peel


def planted(n=2000, noise=0.03, seed=1):
    """Output high iff x1 > 0.7 and x3 < 0.2 (in five uniform inputs), with a share flipped."""
    rng = np.random.default_rng(seed)
    x = rng.random((n, 5))
    y = (x[:, 0] > 0.7) & (x[:, 2] < 0.2)
    return x, y ^ (rng.random(n) < noise)


def test_prim_recovers_a_planted_box_and_nothing_else():
    x, y = planted()
    found = discover(x, y, [f"x{i}" for i in range(1, 6)], seed=2)
    assert found.box.restricted() == [0, 2]
    (lo1, hi1), (lo3, hi3) = found.box.limits[0], found.box.limits[2]
    assert 0.66 < lo1 < 0.74 and not np.isfinite(hi1)
    assert not np.isfinite(lo3) and 0.16 < hi3 < 0.24
    assert found.density >= 0.9 and found.coverage >= 0.5
    assert found.p_values[0] < 1e-6 and found.p_values[2] < 1e-6
    assert found.stability[0] >= 0.9 and found.stability[2] >= 0.9


def test_peeling_trades_coverage_for_density_and_respects_the_minimum_mass():
    x, y = planted(noise=0.0)
    steps = peel(x, y, alpha=0.05, min_mass=0.05)
    assert steps[0].coverage == 1.0 and steps[0].mass == 1.0
    assert all(b.mass < a.mass for a, b in zip(steps, steps[1:]))
    assert steps[-1].mass >= 0.05 and steps[-1].density > steps[0].density
    # coverage, density and mass agree with the box's own count
    for s in steps[::10]:
        inside = s.box.inside(x)
        assert s.mass == inside.mean() and s.density == y[inside].mean()


def test_an_outcome_independent_of_the_inputs_gives_no_box():
    rng = np.random.default_rng(3)
    x, y = rng.random((1500, 4)), rng.random(1500) < 0.2
    found = discover(x, y, ["a", "b", "c", "d"], seed=4)
    assert found.box.restricted() == [] or found.density < 0.35


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    out = tmp_path_factory.mktemp("discover") / "nv.nc"
    assert main(["run", "nvidia_2027", "--no-calibrate", "--draws", "800", "--out", str(out), "--quiet"]) == 0
    return out


def test_sim_discover_writes_the_box_with_provenance_and_a_figure(result, capsys):
    out = result.with_name("box.nc")
    assert main(["discover", str(result), "--where", "energy:2030 > p80", "--resamples", "5", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "of 800 draws have energy:2030 >" in text and "coverage" in text and "density" in text
    ds = xr.open_dataset(out)
    assert ds.attrs["method"] == "prim" and ds.attrs["scenario"] == "nvidia_2027"
    assert ds.attrs["source_result"] == str(result) and len(ds.attrs["source_result_sha256"]) == 64
    assert "discover" in ds.attrs["command"]
    assert float(ds.coverage[0]) == 1.0 and 0 < ds.attrs["box_density"] <= 1
    assert out.with_suffix(".png").stat().st_size > 10_000
    # the box as written selects, in the result, the density it reports
    run = sim.results.open_result(result)
    cases = run.energy.sel(year=2030).values > np.percentile(run.energy.sel(year=2030).values, 80)
    inside = np.ones(800, dtype=bool)
    for key, lo, hi in zip(ds.parameter.values, ds.box_low.values, ds.box_high.values):
        values = run[sim.parameters.var_name(str(key))].values
        inside &= (values >= (lo if np.isfinite(lo) else -np.inf)) & (values <= (hi if np.isfinite(hi) else np.inf))
    assert cases[inside].mean() == pytest.approx(ds.attrs["box_density"])


@pytest.mark.parametrize("where, fragment", [
    ("energi:2030 > p80", "did you mean 'energy'"),
    ("energy > p80", "needs a year"),
    ("energy:2050 > p80", "the result has years"),
    ("energy:2030 > 1e9", "outside the result's range"),
    ("energy:2030 ~ 5", "cannot read"),
    ("fleet_pue:2030 > p50", "not an outcome"),
    ("energy:2030@US > p80", "energy@US: no such part of this result: it has no regions or families"),
])
def test_bad_conditions_are_one_line(result, capsys, where, fragment):
    assert main(["discover", str(result), "--where", where]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and fragment in err and "Traceback" not in err


def test_a_result_without_sampled_inputs_or_a_sweep_is_one_line(tmp_path, capsys):
    fixed = tmp_path / "fixed.nc"
    assert main(["run", "chatgpt_2023", "--draws", "20", "--out", str(fixed), "--quiet"]) == 0
    capsys.readouterr()
    assert main(["discover", str(fixed), "--where", "energy:2023 > p50"]) == 2
    assert "has no sampled inputs" in capsys.readouterr().err
    sweep = tmp_path / "oat.nc"
    assert main(["sweep", "nvidia_2027", "--method", "oat", "--out", str(sweep), "--quiet"]) == 0
    capsys.readouterr()
    assert main(["discover", str(sweep), "--where", "energy:2030 > p50"]) == 2
    assert "is not a result of sim run" in capsys.readouterr().err
    assert not list(tmp_path.glob("*discover*"))


def test_the_python_api_gives_what_the_command_writes(result):
    run = sim.results.open_result(result)
    box = sim.discover(run, "energy:2030 > p80", resamples=5)
    written = result.with_name("api.nc")
    assert main(["discover", str(result), "--where", "energy:2030 > p80", "--resamples", "5", "--out", str(written)]) == 0
    on_file = xr.open_dataset(written)
    for name in ("coverage", "density", "box_low", "box_high", "p_value", "stability", "input_low", "input_high"):
        np.testing.assert_array_equal(box[name].values, on_file[name].values)
    assert box.attrs["description"] == on_file.attrs["description"]
    assert sim.plot(box, "discovery").axes
    pawn = sim.sweep(run, "pawn", "energy:2030")   # sweep takes a result too: indices from its draws
    assert pawn.attrs["method"] == "pawn" and pawn.attrs["evaluations"] == 0


def test_the_box_is_described_with_figures_as_a_reader_writes_them():
    # inputs in the units of shipments (servers a year): a box's limits above ten thousand are
    # written in full with thousands separators, smaller ones to four figures
    x, y = planted()
    x = x * np.array([2e6, 1.0, 1.0, 1.0, 1.0])
    found = discover(x, y, [f"x{i}" for i in range(1, 6)], seed=2)
    lo = found.box.limits[0, 0]
    text = describe(found, ["year-1", "", "", "", ""], "y")
    assert f"x1 at least {lo:,.0f} per year" in text and "e+06" not in text
    assert f"x3 at most {found.box.limits[2, 1]:.4g}  (p = " in text


def test_a_condition_on_one_regions_or_familys_part_reads_its_draws():
    """``energy:2030@US`` is the US's electricity (energy_by_region), as a sweep's metric reads it;
    ``energy:2030@AMD`` a family's; a misspelt part is suggested."""
    from sim.analysis.discovery import parse_where
    from sim.errors import InputError

    ds = sim.run("iea_2030", draws=100, seed=3, calibrate=False)
    for where, var, dim, part in (("energy:2030@US > p80", "energy_by_region", "region", "US"),
                                  ("energy_by_family:2030@AMD <= p30", "energy_by_family", "family", "AMD")):
        cases, text = parse_where(where, ds)
        values = ds[var].sel(year=2030, **{dim: part}).values
        level = 80 if ">" in where else 30
        expected = values > np.percentile(values, 80) if ">" in where else values <= np.percentile(values, 30)
        np.testing.assert_array_equal(cases, expected)
        assert text.startswith(f"{var}:2030@{part} ") and f"its {level}th percentile" in text
    with pytest.raises(InputError, match="did you mean 'China'"):
        parse_where("energy:2030@Chna > p80", ds)
