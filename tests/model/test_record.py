"""What a run derives when it finishes (sim.model.record): the world is the sum of its regions,
exactly; each region's electricity, emissions and context are its own; the share of all
electricity is the electricity over the interpolated total."""


import numpy as np
import xarray as xr
from conftest import UNCERTAIN, world

import sim


def test_the_world_is_the_sum_of_its_regions_exactly():
    ds = sim.run(world(uncertain=True), draws=40, seed=3)
    for name in ("energy", "it_energy", "installed", "shipments", "datacenter_energy"):
        by_region = ds[f"{name}_by_region"]
        # added region by region in order: the same numbers to the last bit
        total = by_region.isel(region=0) + by_region.isel(region=1)
        np.testing.assert_array_equal(ds[name].values, total.values)
    assert list(ds.region.values) == ["north", "south"]


def test_each_region_has_its_own_pue_carbon_and_context():
    ds = sim.run(world(), draws=3)
    it, energy = ds.it_energy_by_region, ds.energy_by_region
    np.testing.assert_allclose(energy.sel(region="north"), 1.1 * it.sel(region="north"), rtol=1e-12)
    np.testing.assert_allclose(energy.sel(region="south"), 1.5 * it.sel(region="south"), rtol=1e-12)
    # emissions: each region's electricity at its own intensity (TWh x g/kWh = 1e-3 Mt)
    expected = 1e-3 * (400 * energy.sel(region="north") + 600 * energy.sel(region="south"))
    np.testing.assert_allclose(ds.emissions, expected, rtol=1e-12)
    # all data centers: the AI servers and the others; shares of them and of all electricity
    other = ds.datacenter_energy_by_region - energy
    np.testing.assert_allclose(other.sel(region="south"), 50.0, rtol=1e-12)
    np.testing.assert_allclose(other.sel(region="north", year=2024), 100 + 60 * 3 / 6, rtol=1e-12)
    np.testing.assert_allclose(ds.ai_datacenter_share, ds.energy / ds.datacenter_energy, rtol=1e-12)
    np.testing.assert_allclose(ds.datacenter_electricity_share, ds.datacenter_energy / 10_000, rtol=1e-12)


def test_the_share_of_total_electricity_is_energy_over_the_interpolated_total(make_scenario):
    ds = sim.run(make_scenario({**UNCERTAIN, "context": {"total_electricity": {"2021": 1_000, "2025": 1_400}}}),
                 draws=10)
    total = xr.DataArray([1_000, 1_000, 1_100, 1_200, 1_300, 1_400, 1_400, 1_400], coords={"year": ds.year})
    np.testing.assert_allclose(ds.electricity_share, ds.energy / total, rtol=1e-12)
