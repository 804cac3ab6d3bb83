"""Indices from an existing result's draws, no model runs (sim.analysis.given_data): SALib's PAWN,
delta and RBD-FAST rank the drivers; bad input is one line."""

import numpy as np
import pytest

import sim
from sim.cli import main
from sim.results import open_result


@pytest.fixture(scope="module")
def run_result(tmp_path_factory):
    out = tmp_path_factory.mktemp("given") / "nv.nc"
    assert main(["run", "nvidia_2027", "--no-calibrate", "--draws", "1000", "--out", str(out), "--quiet"]) == 0
    return out


@pytest.mark.parametrize("method, measure", [("pawn", "pawn_median"),
                                             pytest.param("delta", "delta", marks=pytest.mark.slow),
                                             ("rbd_fast", "first_order")])
def test_indices_from_an_existing_result_rank_its_drivers_without_model_runs(run_result, capsys, recwarn, method,
                                                                            measure):
    out = run_result.with_name(f"{method}.nc")
    assert main(["sweep", str(run_result), "--method", method, "--metric", "energy:2030", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "no model runs" in printed
    ds = open_result(out)
    # what SALib warns of (delta: a bias in these draws) is said in the result and printed, one
    # line each, not left to Python's warnings
    said = [line for line in ds.attrs["warnings"].split("\n") if line]
    assert [line[len("warning: "):] for line in printed.splitlines() if line.startswith("warning: ")] == said
    assert not [w for w in recwarn if "SALib" in w.filename]
    assert bool(said) == (method == "delta") and all(line.startswith("SALib's delta: ") for line in said)
    assert ds.attrs["evaluations"] == 0 and ds.attrs["draws_analysed"] == 1000
    assert ds.attrs["scenario"] == "nvidia_2027" and len(ds.attrs["source_result_sha256"]) == 64
    ranked = [str(p) for p in ds.parameter.values[np.argsort(-ds[measure].values)]]
    # 2027's shipments drive 2030's electricity; H200's performance cannot change it: its index
    # is the estimator's noise floor, well below the driver's
    assert "shipments.anchors.2027" in ranked[:3]
    index = ds[measure].sel(parameter=["shipments.anchors.2027", "generation.H200.performance"]).values
    assert index[1] < 0.5 * index[0]
    if method == "pawn":    # what an input that does nothing reaches: H200's performance is within it
        noise = float(ds.pawn_noise)
        assert float(ds.pawn_median.sel(parameter="generation.H200.performance")) <= noise < index[0]
        line = next(t for t in printed.splitlines() if t.startswith("noise: "))
        above = int((ds.pawn_median > noise).sum())
        assert f"{noise:.3f} with these 1,000 draws; {above} of {ds.sizes['parameter']} inputs" in line
        within = [t for t in printed.splitlines() if t.endswith("(within noise)")]
        assert len(within) == ds.sizes["parameter"] - above
    if method != "delta":   # seeded: reproducible (delta's resamples take minutes; it shares the seeding)
        again = sim.analysis.sensitivity.from_result(open_result(run_result), method, "energy:2030")
        np.testing.assert_array_equal(again[measure].values, ds[measure].values)


@pytest.mark.parametrize("args, fragment", [
    (["nvidia_2027", "--method", "pawn"], "ranks the inputs of an existing result"),
    (["RESULT", "--method", "sobol"], "runs the model: give it a scenario"),
    (["RESULT", "--method", "pawn", "--metric", "energy:2050"], "must be a year of the result"),
])
def test_given_data_bad_input_is_one_line(run_result, capsys, args, fragment):
    args = [str(run_result) if a == "RESULT" else a for a in args]
    assert main(["sweep", *args]) == 2
    err = capsys.readouterr().err
    assert fragment in err and err.count("\n") == 1


def test_a_regions_or_a_familys_electricity_is_read_from_the_results_draws(tmp_path):
    """``--metric energy:2030@China`` on a world result: China's electricity, draw by draw; and
    ``energy:2030@AMD`` the AMD family's, bit for bit the result's ``energy_by_family``, from
    the result in memory and as written to a file."""
    from sim.analysis.given_data import _metric_from_result
    from sim.results import open_result

    ds = sim.run("iea_2030", draws=50, seed=2, calibrate=False)
    values, metric = _metric_from_result(ds, "energy:2030@China", "r.nc")
    np.testing.assert_array_equal(values, ds.energy_by_region.sel(region="China", year=2030).values)
    assert metric.name == "energy:2030@China" and metric.units == ds.energy.attrs["units"]
    ranked = sim.sweep(ds, "pawn", "energy:2030@China")
    assert ranked.attrs["metric"] == "energy:2030@China" and ranked.attrs["metric_words"] == "China electricity in 2030"
    ds.to_netcdf(tmp_path / "r.nc")
    for source in (ds, open_result(tmp_path / "r.nc")):
        values, metric = _metric_from_result(source, "cumulative:2024-2030@AMD", "r.nc")
        np.testing.assert_array_equal(values, ds.energy_by_family.sel(family="AMD", year=slice(2024, 2030))
                                      .sum("year").values)
        assert metric.words() == "electricity of AMD accelerators summed over 2024–2030"


@pytest.mark.parametrize("n, ties", [(300, False), (1_000, True), (57, False)])
def test_pawn_medians_are_salibs_for_many_inputs_at_once(n, ties):
    """The noise level's PAWN (all dummies at once, by cumulative counts) scores an input as
    SALib's PAWN does, ties in the output and the input included."""
    from SALib.analyze import pawn

    from sim.analysis.given_data import pawn_medians

    rng = np.random.default_rng(n)
    y = rng.lognormal(size=n)
    y = np.round(y, 1) if ties else y
    x = rng.random((6, n))
    x[2] = np.round(x[2], 1)
    x[3] = y + 0.1 * rng.normal(size=n)       # a driver
    salib = pawn.analyze({"num_vars": 6, "names": list("abcdef"), "bounds": [[0, 1]] * 6}, x.T, y, S=10)
    np.testing.assert_allclose(pawn_medians(x, y), salib["median"], rtol=0, atol=1e-12)


def test_the_noise_level_is_what_an_input_that_does_nothing_reaches():
    """About 1 in 100 fresh inputs independent of the output reach above the noise level (its
    99th percentile of 200 dummies), a driver far above it; it falls as the draws grow, as
    1/sqrt(n) (the Kolmogorov-Smirnov statistic's scaling), and is the same for any output with
    no ties (it depends on ranks alone)."""
    from sim.analysis.given_data import pawn_medians, pawn_noise

    rng = np.random.default_rng(11)
    levels = {}
    for n in (400, 1_600, 6_400):
        y = rng.lognormal(size=n)
        levels[n] = pawn_noise(y, seed=4)
        assert pawn_noise(np.exp(y) + 3.0, seed=4) == levels[n]        # ranks alone
        fresh = pawn_medians(rng.random((400, n)), y)
        assert (fresh > levels[n]).mean() < 0.03
        assert pawn_medians((y + 0.5 * rng.normal(size=n))[None, :], y)[0] > 2 * levels[n]
    assert 1.6 < levels[400] / levels[1_600] < 2.4 and 1.6 < levels[1_600] / levels[6_400] < 2.4
