"""What a sweep measures (sim.analysis.metrics)."""

import xarray as xr
from conftest import SCENARIOS

import sim


def test_rebound_share_metric():
    ds = sim.sweep(SCENARIOS / "jevons_2035.toml", "oat", "rebound_share:2030")
    assert ds.parameter.values[0] == "demand.elasticity"
    assert 0 < float(ds.metric_base) < 1


def test_a_regions_electricity_is_its_part_of_the_world_and_the_regions_add_up_to_it():
    """``energy:2030@US`` reads the world fleet's US electricity (energy_by_region): each region's
    metric is its part, draw by draw, and the regions' metrics add up to the world's."""
    import numpy as np

    from sim.analysis.metrics import parse_metric

    scenario = sim.load_scenario(SCENARIOS / "iea_2030.toml")
    ds = sim.run(scenario, draws=40, seed=5, calibrate=False)
    out = {"energy": ds.energy.values, "energy_by_region": ds.energy_by_region.transpose("draw", "year", "region").values}
    for text, cumulative in (("energy:2030", False), ("cumulative:2025-2030", True)):
        world = parse_metric(text, scenario).compute(scenario, out, None)
        parts = []
        for region in scenario.region_names:
            metric = parse_metric(f"{text}@{region}", scenario)
            assert metric.name == f"{text}@{region}" and metric.reads == {"energy_by_region"} and metric.dim == "region"
            part = metric.compute(scenario, out, None)
            mine = ds.energy_by_region.sel(region=region)
            expected = mine.sel(year=slice(2025, 2030)).sum("year") if cumulative else mine.sel(year=2030)
            np.testing.assert_allclose(part[0], expected.values, rtol=1e-12)
            parts.append(part)
        np.testing.assert_allclose(np.sum(parts, axis=0), world, rtol=1e-12)


def test_a_sweep_of_a_regions_electricity_ranks_that_regions_drivers():
    from sim.analysis.metrics import parse_metric, words
    from sim.report.plots.sensitivity import metric_words

    ds = sim.sweep(SCENARIOS / "iea_2030.toml", "oat", "energy:2030@China")
    assert ds.attrs["metric"] == "energy:2030@China" and "electricity in China" in ds.metric_base.attrs["long_name"]
    ranked = [str(p) for p in ds.parameter.values]
    # China's share of shipments moves China's electricity; the world's only by the regions' PUEs
    # (the servers go to the rest of the world instead): a hundredth as much, relative to each
    world = sim.sweep(SCENARIOS / "iea_2030.toml", "oat", "energy:2030")
    share = "regions.China.share.2025"
    moved = {name: abs(float(d.swing.sel(parameter=share))) / float(d.metric_base) for name, d in
             (("China", ds), ("world", world))}
    assert ranked.index(share) < 3 and moved["China"] > 100 * moved["world"]
    assert metric_words(ds) == "China electricity in 2030"
    assert words("energy:2030@rest_of_world") == "rest of world electricity in 2030"
    # a regional scenario's own electricity is its region's, in the words of its figures
    china = sim.load_scenario(SCENARIOS / "china_2030.toml")
    assert parse_metric("energy:2030", china).words(china.scope) == "China electricity in 2030"
    assert parse_metric("cumulative:2025-2030@AMD", china).words(china.scope) == \
        "electricity of AMD accelerators summed over 2025–2030"
    assert metric_words(xr.Dataset(attrs={"metric": "energy:2035"})) == "electricity in 2035"   # a file from before


def test_a_familys_electricity_is_the_sum_of_its_generations_as_the_results_add_them():
    """``energy:2030@AMD`` in a sweep keeps only ``energy_by_generation`` and sums the family's
    rows: bit for bit the ``energy_by_family`` of a full run of the same draws; the families'
    metrics add up to the world's."""
    import numpy as np

    from sim.analysis.metrics import parse_metric
    from sim.runner import DrawRange, simulate_draws

    scenario = sim.load_scenario(SCENARIOS / "iea_2030.toml")
    ds = sim.run(scenario, draws=30, seed=8, calibrate=False)
    parts = []
    for family in (str(f) for f in ds.family.values):
        metric = parse_metric(f"energy:2030@{family}", scenario)
        assert metric.reads == {"energy_by_generation"} and metric.dim == "family"
        out = simulate_draws(DrawRange(0, scenario, 30, 8, 0, 30, rebound=False, only=metric.reads))
        assert "energy_by_region" not in out and "installed_by_generation" not in out
        part = metric.compute(scenario, out, None)[0]
        np.testing.assert_array_equal(part, ds.energy_by_family.sel(family=family, year=2030).values)
        parts.append(part)
    np.testing.assert_allclose(np.sum(parts, axis=0), ds.energy.sel(year=2030).values, rtol=1e-12)
    assert sim.sweep(scenario, "oat", "energy:2030@custom").attrs["metric_words"] == \
        "electricity of custom accelerators in 2030"
