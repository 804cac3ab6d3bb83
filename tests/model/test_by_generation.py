"""The fleet's results by generation (sim.model.by_generation): they follow the fleet's flows row by
row, so they add up to its measures, a binding power queue included."""

import numpy as np
import xarray as xr
from test_demand import queued_scenario, run


def test_the_results_by_generation_add_up_to_the_fleet_under_a_binding_queue():
    # the fleet counts in measures (servers, maximum power, performance); the results by
    # generation follow the same flows generation by generation, the queue's head included
    ds = run(queued_scenario())
    assert float(ds.power_queue.max()) > 0 and float(ds.queue_wait.max()) > 1
    kw = xr.DataArray([6.5, 10.2, 14.0, 18.0], coords={"generation": ["A", "B", "C", "D"]})
    by_generation = {"installed": ds.installed_by_generation.sum("generation"),
                     "energy": ds.energy_by_generation.sum("generation"),
                     "shipments": ds.shipments_by_generation.sum("generation"),
                     "nameplate_power": (ds.installed_by_generation * kw).sum("generation") / 1e6}
    for name, total in by_generation.items():
        np.testing.assert_allclose(total, ds[name], rtol=1e-11, atol=1e-9, err_msg=name)
    # a wait in months is no longer than the run so far
    months_so_far = 12 * (ds.year - 2020 + 1)
    assert bool((ds.queue_wait.fillna(0) <= months_so_far).all())


def test_leaving_out_displaced_generations_changes_no_bit(monkeypatch):
    # a generation no draw ships any more, whose servers have all been admitted, gets exact
    # zeros: leaving it out of the work must give the same numbers as computing them
    from sim.model import fleet, simulate
    from sim.sampling import sample

    s = queued_scenario()
    values = sample(s, 0, 40, draws=40, seed=8)
    closing = []
    year_end = fleet.ByGeneration.year_end

    def watched(self, t, displaced):
        year_end(self, t, displaced)
        closing.append(self.closed)

    monkeypatch.setattr(fleet.ByGeneration, "year_end", watched)
    left_out = simulate(s, values, rebound=True)
    assert max(closing) >= 1 and max(closing) < 4      # some closed, not all
    monkeypatch.setattr(fleet.ByGeneration, "year_end", lambda self, t, displaced: year_end(self, t, 0))
    kept = simulate(s, values, rebound=True)
    for name, array in kept.items():
        np.testing.assert_array_equal(left_out[name], array, err_msg=name)


def test_a_run_of_only_the_regions_electricity_changes_no_bit(monkeypatch):
    # a sweep of one region's electricity (--metric energy:2030@US) keeps only energy_by_region:
    # no results by generation, and the regions' electricity a full run's, bit for bit
    import sim
    from sim.model import fleet, simulate
    from sim.sampling import sample

    made = []
    by_generation = fleet.ByGeneration
    monkeypatch.setattr(fleet, "ByGeneration", lambda *a, **k: made.append(1) or by_generation(*a, **k))
    s = sim.load_scenario("iea_2030")
    values = sample(s, 0, 60, draws=60, seed=3)
    full = simulate(s, values)
    made.clear()
    lean = simulate(s, values, only={"energy_by_region"})
    assert not made and set(lean) == {"energy_by_region", "it_power"}
    np.testing.assert_array_equal(lean["energy_by_region"], full["energy_by_region"])


def test_a_run_of_only_the_electricity_leaves_them_out_and_changes_no_bit(monkeypatch):
    # a sweep's runs keep only what its metric reads (simulate(only=...)): no results by
    # generation are kept, and the electricity, facility power and rebound are a full run's, bit
    # for bit: the world fleet (families and regions), demand with its counterfactuals, a queue
    import sim
    from sim.model import fleet, simulate
    from sim.sampling import sample

    made = []
    by_generation = fleet.ByGeneration

    def counted(*args, **kwargs):
        made.append(1)
        return by_generation(*args, **kwargs)

    monkeypatch.setattr(fleet, "ByGeneration", counted)
    cases = [(sim.load_scenario("iea_2030"), False), (sim.load_scenario("jevons_2035"), True),
             (queued_scenario(), True)]
    for s, rebound in cases:
        values = sample(s, 0, 60, draws=60, seed=3)
        full = simulate(s, values, rebound=rebound)
        assert made, s.name
        made.clear()
        only = {"energy", "facility_power"}
        lean = simulate(s, values, rebound=rebound, only=only)
        assert not made, f"{s.name}: results by generation kept in a run of only {sorted(only)}"
        assert set(lean) == only | {"it_power"} | ({"energy_no_rebound", "energy_trend"} if rebound else set())
        for name, array in lean.items():
            np.testing.assert_array_equal(array, full[name], err_msg=f"{s.name}: {name}")
        # asking for a result by generation keeps them
        assert "installed_by_generation" in simulate(s, values, only={"installed_by_generation"})
        assert made
        made.clear()


def test_a_run_of_only_results_by_generation_keeps_no_measures_and_changes_no_bit(monkeypatch):
    # a calibration's candidates whose observations all count generations keep only those
    # results (simulate(only=...)); nothing reads the fleet's measures back unless a demand side
    # or a power queue does, so a run without them gives a full run's results by generation, bit
    # for bit: one region and the world fleet (families and regions), its world and a region's
    # view, to a horizon and to the end. With regions the electricity by generation takes the
    # regions' PUE, so it keeps the measures (and was the IT electricity without them)
    import sim
    from sim.model import Inputs, fleet, measures_needed, simulate
    from sim.sampling import sample

    deployed = []
    deploy = fleet.Fleet.deploy
    monkeypatch.setattr(fleet.Fleet, "deploy", lambda self, t: deployed.append(t) or deploy(self, t))
    by_generation = {"shipments_by_generation", "installed_by_generation"}
    for name in ("nvidia_2027", "iea_2030", "china_2030"):
        s = sim.load_scenario(name)
        values = sample(s, 0, 50, draws=50, seed=6)
        for until in (60, None):
            full = simulate(s, values, until=until)
            for only in (by_generation, by_generation | {"energy_by_generation"}):
                deployed.clear()
                lean = simulate(s, values, until=until, only=only)
                regions = s.regions and "energy_by_generation" in only
                assert bool(deployed) == bool(regions), f"{name}: measures kept for {sorted(only)}"
                assert only <= set(lean)
                for key in only:
                    np.testing.assert_array_equal(lean[key], full[key], err_msg=f"{name} {until}: {key}")
    # a power queue or a demand side reads the measures back: they stay
    for s in (queued_scenario(), sim.load_scenario("jevons_2035")):
        inputs = Inputs.from_values(s, sample(s, 0, 5, draws=5, seed=1))
        assert measures_needed(inputs, by_generation)
