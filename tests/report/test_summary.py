"""What `sim run` prints (sim.report.summary): figures read back from the result they describe."""

import re

import numpy as np

import sim
from conftest import SCENARIOS
from sim.report.summary import rebound_by_prior_half, summary


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
