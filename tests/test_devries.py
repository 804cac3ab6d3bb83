"""The published arithmetic of de Vries (Joule 2023), reproduced by the model."""

import numpy as np
import pytest
from conftest import SCENARIOS

import sim

DEVRIES = SCENARIOS / "devries_2023.toml"


@pytest.mark.parametrize("power_kw, twh_2023, twh_2027", [(6.5, 5.69, 85.4), (10.2, 8.94, 134.0)])
def test_devries_published_figures(power_kw, twh_2023, twh_2027):
    ds = sim.run(DEVRIES, draws=3, overrides=[f"generation.DGX.power_kw={power_kw}"])
    energy = ds.energy.sel(year=[2023, 2027])
    # every draw gives the published figure, at the precision it was published
    assert np.all(np.round(energy.sel(year=2023).values, 2) == twh_2023)
    assert np.all(np.round(energy.sel(year=2027).values, 1) == twh_2027)
    # and exactly the arithmetic: servers x kW x 8,760 h
    np.testing.assert_allclose(energy.sel(year=2027).values, 1.5e6 * power_kw * 8760 / 1e9, rtol=1e-12)


def test_devries_ensemble_spans_published_range():
    ds = sim.run(DEVRIES, draws=400)
    e2023, e2027 = ds.energy.sel(year=2023), ds.energy.sel(year=2027)
    assert 5.69 <= float(e2023.min()) < 5.75 and 8.88 < float(e2023.max()) <= 8.94
    assert 85.4 <= float(e2027.min()) < 86.5 and 133 < float(e2027.max()) <= 134.03


def test_devries_fleet_is_annual_shipments():
    ds = sim.run(DEVRIES, draws=2)
    np.testing.assert_allclose(ds.installed.sel(year=[2023, 2027]).values[0], [100_000, 1_500_000])
    np.testing.assert_allclose(ds.shipments.sel(year=[2023, 2027]).values[0], [100_000, 1_500_000])


def test_same_shipments_as_installed_base_roughly_double_2027():
    ds = sim.run(DEVRIES, draws=2, overrides=["generation.DGX.power_kw=6.5"])
    # 2023..2027 shipments, geometric from 100k to 1.5M: about 2.95 million, none retired
    expected_servers = sum(1e5 * 15 ** ((y - 2023) / 4) for y in range(2023, 2028))
    installed = float(ds.installed_if_accumulated.sel(year=2027)[0])
    assert installed == pytest.approx(expected_servers, rel=1e-9)
    assert 2.9e6 < installed < 3.0e6
    # at full power for a year: 168 TWh (6.5 kW) as the references say
    assert installed * 6.5 * 8760 / 1e9 == pytest.approx(167.7, abs=0.1)
    # the modelled 2027 electricity of the growing base is well above de Vries's 85.4 TWh
    assert float(ds.energy_if_accumulated.sel(year=2027)[0]) > 1.4 * 85.4
