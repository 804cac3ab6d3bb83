"""What a sweep measures (sim.analysis.metrics)."""

from conftest import SCENARIOS

import sim


def test_rebound_share_metric():
    ds = sim.sweep(SCENARIOS / "jevons_2035.toml", "oat", "rebound_share:2030")
    assert ds.parameter.values[0] == "demand.elasticity"
    assert 0 < float(ds.metric_base) < 1
