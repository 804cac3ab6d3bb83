"""What `sim run` prints (sim.report.summary): figures read back from the result they describe."""

import re

import numpy as np

import sim
from conftest import SCENARIOS
from sim.report.summary import rebound_by_prior_half, summary, taught


def test_the_rebound_by_prior_half_is_the_median_over_the_draws_in_each_half():
    ds = sim.run(SCENARIOS / "jevons_2035.toml", draws=60, seed=5)
    year = int(ds.year[-1])
    share = (ds.rebound / ds.energy).sel(year=year).values
    lines = rebound_by_prior_half(ds, share, year)
    assert lines and lines[0].startswith(f"the rebound's share of {year}'s electricity")
    params = [str(p) for p in ds.parameter.values]
    for line in lines[1:]:
        key = line.split()[0]
        middle = float(ds.prior_quantiles.values[1, params.index(key)])
        values = ds[key.replace(".", "_")].values
        low, high = np.median(share[values <= middle]), np.median(share[values > middle])
        shown = [int(x) / 100 for x in re.findall(r"(\d+)% \(", line)]
        np.testing.assert_allclose(shown, [low, high], atol=0.005 + 1e-12)
    assert "lower or upper half" in summary(ds)


def test_a_run_without_demand_prints_no_rebound_lines():
    ds = sim.run(SCENARIOS / "nvidia_2027.toml", draws=20, calibrate=False)
    assert "rebound" not in summary(ds)


def test_what_the_observations_taught_is_printed_as_a_reader_writes_figures():
    # prior and calibrated 5-95 % ranges of two parameters, one narrowed, one not
    ds = {"parameter": np.array(["shipments.anchors.2023", "fleet.pue"]),
          "prior_quantiles": np.array([[340123.0, 1.1], [600000.0, 1.2], [1060000.0, 1.3]]),
          "posterior_quantiles": np.array([[559712.0, 1.1], [700000.0, 1.2], [858912.4, 1.3]])}
    assert taught(ds) == ["what the observations taught (5-95 %, prior -> calibrated):",
                          "  shipments.anchors.2023: 340,123 to 1,060,000 -> 559,712 to 858,912"]


def test_the_ai_servers_share_of_electricity_is_named_as_theirs():
    ds = sim.run(SCENARIOS / "iea_2030.toml", draws=20, calibrate=False)
    text = summary(ds)
    assert "AI servers' share of world electricity (p50, 5-95 %)" in text
    assert "data centers' share of world electricity" in text


def test_the_table_of_key_years_gives_the_results_quantiles_with_thousands_separated():
    """Each row: the year's electricity at 5, 50 and 95 %, the facility power's and the installed
    servers' medians, read back from the result ('1,243.0', not '1243.0', as the servers are)."""
    ds = sim.run(SCENARIOS / "nvidia_2027.toml", draws=200, seed=2, calibrate=False)
    lines = summary(ds).splitlines()
    years = [int(y) for y in np.atleast_1d(ds.attrs["key_years"])]
    head = next(i for i, line in enumerate(lines) if line.split()[:2] == ["year", "energy"])
    rows = {int(line.split()[0]): line.split()[1:] for line in lines[head + 2:head + 2 + len(years)]}
    assert list(rows) == years
    for year, cells in rows.items():
        at = {"year": year}
        energy = np.quantile(ds.energy.sel(**at).values, [0.05, 0.5, 0.95])
        expected = [f"{x:,.1f}" for x in energy] + [f"{np.median(ds.facility_power.sel(**at).values):,.2f}",
                                                     f"{np.median(ds.installed.sel(**at).values):,.0f}"]
        assert cells == expected
    assert any("," in cell for cells in rows.values() for cell in cells[:3])   # 2035's electricity passes 1,000


def test_the_tables_by_region_and_family_give_each_parts_median_named_as_the_figures_name_it():
    ds = sim.run(SCENARIOS / "iea_2030.toml", draws=60, seed=2, calibrate=False)
    lines = summary(ds).splitlines()
    years = [int(y) for y in np.atleast_1d(ds.attrs["key_years"])]
    for by, what in (("region", "region"), ("family", "accelerator family")):
        head = next(i for i, line in enumerate(lines) if line.startswith(f"electricity by {what}"))
        names = [str(n).replace("_", " ") for n in ds[by].values]
        assert re.split(r"\s{2,}", lines[head + 1].strip()) == ["year", *names, "world" if by == "region" else "total"]
        for j, year in enumerate(years):
            cells = lines[head + 2 + j].split()
            parts = ds[f"energy_by_{by}"].sel(year=year).median("draw").values
            whole = float(ds[f"energy_by_{by}"].sel(year=year).sum(by).median("draw"))
            assert cells == [str(year), *(f"{x:,.1f}" for x in parts), f"{whole:,.1f}"]
    assert "rest_of_world" not in "\n".join(lines)


def test_how_far_the_observations_narrowed_the_forecast_is_said_in_words():
    """"40% narrower", "2% wider", "as wide", where it read "-40% wide", "+2% wide" and "-0%"."""
    import xarray as xr

    from sim.report.summary import forecast_moved

    prior = [[100.0, 100.0, 100.0], [150.0, 150.0, 150.0], [200.0, 200.0, 200.0]]   # 5, 50, 95 %: 100 wide
    post = [[120.0, 99.0, 100.0], [140.0, 150.0, 150.0], [180.0, 201.0, 199.8]]     # 60, 102, 99.8 wide
    ds = xr.Dataset({"energy_quantiles_prior": (("q", "year"), prior), "energy_quantiles_calibrated": (("q", "year"), post),
                     "energy_width_all": ("year", [50.0, 60.0, 70.0]),
                     "energy_width_without": (("observation", "year"), [[50.0, 66.0, 70.0], [50.0, 57.0, np.nan]]),
                     "observation": ("observation", ["A", "B"])},
                    coords={"year": [2023, 2030, 2035]}, attrs={"prior_draws_compared": 5000})
    lines = forecast_moved(ds, [2023, 2030, 2035])
    assert lines[0] == ("electricity, TWh (5-95 %, prior -> calibrated): 2023 100-200 -> 120-180, 40% narrower; "
                        "2030 100-200 -> 99-201, 2% wider; 2035 100-200 -> 100-200, as wide")
    assert lines[2:] == ["  A: 10% wider", "  B: 5% narrower"]


def test_each_quantiles_interval_covers_it_about_as_often_as_it_says():
    """The order statistics' interval of a quantile, from n independent draws, holds the true
    quantile of what they are drawn from (uniform: the quantile is q) in about 95 % of samples,
    and narrows as one over the square root of the draws."""
    from sim.report.summary import quantile_interval

    rng = np.random.default_rng(5)
    for n in (100, 1_000):
        for q in (0.05, 0.5, 0.95):
            covered = np.mean([lo <= q <= hi for lo, hi in (quantile_interval(rng.random(n), q) for _ in range(400))])
            assert 0.92 <= covered <= 0.995, (n, q, covered)
    widths = {n: np.mean([np.subtract(*quantile_interval(rng.random(n), 0.95)[::-1]) for _ in range(200)])
              for n in (1_000, 4_000)}
    assert 1.7 < widths[1_000] / widths[4_000] < 2.3


def test_the_table_says_how_precisely_its_draws_pin_its_quantiles():
    """Under the table of key years: the widest relative half-width of a p50's and of a p5's or
    p95's 95 % interval, recomputed here; no such line for fewer than 100 draws."""
    from sim.report.summary import quantile_interval

    ds = sim.run(SCENARIOS / "nvidia_2027.toml", draws=400, seed=3, calibrate=False)
    text = summary(ds)
    line = next(t for t in text.splitlines() if t.startswith("Monte Carlo precision"))
    energy = ds.energy.sel(year=[int(y) for y in ds.attrs["key_years"]]).values
    worst = {q: max((np.subtract(*quantile_interval(c, q)[::-1]) / 2 / np.quantile(c, q)) for c in energy.T)
             for q in (0.05, 0.5, 0.95)}
    said = re.findall(r"±(\d+(?:\.\d)?)%", line)
    assert "of these 400 draws" in line and len(said) == 2
    for text, value in zip(said, (worst[0.5], max(worst[0.05], worst[0.95]))):
        assert abs(float(text) - 100 * value) <= (0.051 if "." in text else 0.51), (text, value)
    assert "Monte Carlo precision" not in summary(sim.run(SCENARIOS / "nvidia_2027.toml", draws=60, seed=3,
                                                          calibrate=False))
