"""The demand side's economics, checked for every draw: rebound, backfire, supply and power
limits, and the bookkeeping that must hold whatever the parameters."""

from dataclasses import fields

import numpy as np
import pytest
import xarray as xr
from conftest import base_dict, merge

import sim
from sim.model.demand import DemandInputs
from sim.parameters import BY_KEY, var_name
from sim.scenario.load import from_dict

DEMAND = {
    "scenario": {"start_year": 2020, "end_year": 2032, "key_years": [2030]},
    "shipments": {"mode": "demand", "anchors": {"2021": 10_000, "2023": 40_000}, "growth_before": 0.5,
                  "adoption_ramp_months": {"dist": "uniform", "low": 3, "high": 12}},
    "demand": {"start_year": 2024,
               "growth": {"dist": "uniform", "low": 0.1, "high": 0.6},
               "elasticity": 0.0,
               "algorithmic_halving_months": {"dist": "uniform", "low": 14, "high": 30},
               "energy_cost_share": {"dist": "uniform", "low": 0.3, "high": 1.0},
               "capital_cost_decline": {"dist": "uniform", "low": 0.0, "high": 0.3}},
    "fleet": {"lead_time_months": {"dist": "uniform", "low": 0, "high": 4},
              "lifetime_years": {"dist": "uniform", "low": 3, "high": 6},
              "utilisation": {"dist": "uniform", "low": 0.4, "high": 0.9}},
    "generation": [
        {"name": "A", "launch": "2020-01", "power_kw": 6.5, "performance": 1.0},
        {"name": "B", "launch": "2022-07", "power_kw": 10.2, "performance": 3.0},
        {"name": "C", "launch": "2025-06", "power_kw": 14.0, "performance": 7.0},
        {"name": "D", "launch": "2028-01", "power_kw": 18.0, "performance": 15.0},
    ],
}
DRAWS = 64
AFTER = slice(2025, None)  # years fully after the start of demand


def scenario(**changes):
    data = merge(merge(base_dict(), DEMAND), changes)
    return from_dict(data, file="demand.toml")


def run(s, **kwargs):
    return sim.run(s, draws=DRAWS, seed=3, **kwargs)


def with_elasticity(value, **changes):
    return scenario(demand={**DEMAND["demand"], "elasticity": value, **changes.pop("demand", {})}, **changes)


def faster_hardware(data_changes):
    """The same scenario with generations C and D twice as productive at the same power."""
    gens = [dict(g) for g in DEMAND["generation"]]
    gens[2]["performance"] *= 2
    gens[3]["performance"] *= 2
    return {**data_changes, "generation": gens}


def test_eps_zero_better_efficiency_never_raises_energy():
    base = run(with_elasticity(0.0))
    faster_algorithms = run(with_elasticity(0.0, demand={"algorithmic_halving_months": 10}))
    slower_algorithms = run(with_elasticity(0.0, demand={"algorithmic_halving_months": 40}))
    assert bool((faster_algorithms.energy <= slower_algorithms.energy + 1e-9).all())
    better_chips = run(scenario(**faster_hardware({"demand": {**DEMAND["demand"], "elasticity": 0.0}})))
    assert bool((better_chips.energy <= base.energy + 1e-9).all())
    # where falling demand orders no new chips, better chips change nothing; elsewhere they save
    assert bool((better_chips.energy.sel(year=2032) < base.energy.sel(year=2032)).any())


def test_backfire_eps_above_one_better_efficiency_raises_energy():
    # no supply cap, no power queue: demand is unconstrained
    faster = run(with_elasticity(1.6, demand={"algorithmic_halving_months": 10}))
    slower = run(with_elasticity(1.6, demand={"algorithmic_halving_months": 40}))
    assert bool((faster.energy.sel(year=AFTER) > slower.energy.sel(year=AFTER)).all())
    backfire = {"demand": {**DEMAND["demand"], "elasticity": 1.6, "energy_cost_share": 1.0}}
    base = run(scenario(**backfire))
    better_chips = run(scenario(**faster_hardware(backfire)))
    assert bool((better_chips.energy.sel(year=slice(2028, None)) > base.energy.sel(year=slice(2028, None))).all())


@pytest.mark.parametrize("eps", [0.0, 0.7, 1.5])
def test_tighter_supply_cap_never_raises_energy_or_served_compute(eps):
    results = [run(with_elasticity(eps, demand={"supply_capacity": cap, "supply_growth": 0.1}))
               for cap in (20_000, 60_000, 200_000)]
    for tight, loose in zip(results, results[1:]):
        # to 1e-3, not exactly: a capped fleet that catches up is younger, retires less and
        # mixes generations differently; these vintage effects are real but small (docs/model.md)
        assert bool((tight.energy <= loose.energy * (1 + 1e-3)).all())
        assert bool((tight.compute_served <= loose.compute_served * (1 + 1e-3)).all())
    if eps > 0:  # with a demand response demand outgrows the tightest cap, which then binds hard
        assert float((results[0].compute_served / results[-1].compute_served).min()) < 0.5
    assert float(results[0].backlog.sel(year=2030).max()) > 0  # the tight cap binds


def test_power_queue_keeps_power_under_capacity():
    additions = {"2026": 0.2, "2029": {"dist": "uniform", "low": 0.1, "high": 0.5}}
    s = with_elasticity(1.2, power={"capacity_gw": {"dist": "uniform", "low": 0.2, "high": 0.4},
                                    "additions": additions})
    ds = run(s)
    capacity = ds["power_capacity_gw"] + ds.month.dt.year.pipe(
        lambda year: 0.2 * (year >= 2026) + ds["power_additions_2029"] * (year >= 2029))
    assert bool((ds.facility_power_monthly <= capacity * (1 + 1e-9)).all())
    assert bool((ds.it_power <= ds.facility_power).all())
    assert float(ds.power_queue.sel(year=2030).max()) > 0   # it binds
    waits = ds.queue_wait.sel(year=slice(2027, None))
    assert bool((waits.fillna(0) >= 0).all()) and float(waits.max()) > 1  # servers wait months
    # nothing lost: shipped = installed + retired + in transit + waiting for power
    shipped = ds.shipments.cumsum("year")
    accounted = ds.installed + ds.retired.cumsum("year") + ds.power_queue
    assert bool((accounted <= shipped * (1 + 1e-9) + 1e-6).all())
    # what is not accounted is in transit: lead times are under 5 months, so at most this
    # year's shipments
    in_transit = shipped - accounted
    assert bool((in_transit <= ds.shipments * (1 + 1e-9) + 1e-6).all())


def test_rebound_is_zero_when_eps_is_zero():
    ds = run(with_elasticity(0.0), rebound=True)
    np.testing.assert_array_equal(ds.energy.values, ds.energy_no_rebound.values)
    assert float(abs(ds.rebound).max()) == 0.0


def test_rebound_is_energy_minus_counterfactual_with_same_draws():
    from sim.model import simulate

    s = with_elasticity({"dist": "uniform", "low": 0.2, "high": 1.5})
    ds = run(s, rebound=True)
    # the result file's own sampled parameters reproduce both runs
    values = {key: np.broadcast_to(ds[var_name(key)].values, (DRAWS,)).copy() for key in s.parameters}
    assert not np.all(values["demand.elasticity"] == 0)
    np.testing.assert_array_equal(simulate(s, values)["energy"], ds.energy.values)
    counterfactual = simulate(s, values, elasticity=np.zeros(DRAWS))
    np.testing.assert_array_equal(counterfactual["energy"], ds.energy_no_rebound.values)
    np.testing.assert_allclose(ds.rebound, ds.energy - ds.energy_no_rebound, rtol=1e-12)
    # with partial rebound or backfire, some of the 2032 electricity is the demand response
    assert float(ds.rebound.sel(year=2032).min()) > 0


def test_served_never_exceeds_demand_and_balance():
    ds = run(with_elasticity(1.2, demand={"supply_capacity": 30_000}))
    assert bool((ds.compute_served <= ds.compute_demand * (1 + 1e-12)).all())
    np.testing.assert_allclose(ds.compute_served + ds.unserved_demand.fillna(0), ds.compute_demand, rtol=1e-9)
    np.testing.assert_allclose(ds.installed, ds.deployed.cumsum("year") - ds.retired.cumsum("year"),
                               rtol=1e-9, atol=1e-6)


def test_constant_demand_only_replaces_retirements():
    s = scenario(demand={"start_year": 2024, "growth": 0.0, "elasticity": 0.0,
                         "algorithmic_halving_months": None},
                 fleet={"lead_time_months": 0, "lifetime_years": 4, "utilisation": 0.7},
                 shipments={"mode": "demand", "anchors": {"2021": 12_000}, "growth_before": 0.0,
                            "growth_after": 0.0, "adoption_ramp_months": 1},
                 generation=[{"name": "A", "launch": "2020-01", "power_kw": 6.5}])
    ds = sim.run(s, draws=1)
    served = ds.compute_served.sel(year=slice(2024, None)).values[0]
    np.testing.assert_allclose(served, served[0], rtol=1e-9)   # demand is flat, and met
    # with one generation the fleet stays the size it was when demand started
    installed = ds.installed.sel(year=slice(2024, None)).values[0]
    np.testing.assert_allclose(installed, installed[0], rtol=1e-9)


@pytest.mark.parametrize("idle", [0.0, 0.2])
def test_workload_mix_sets_utilisation_and_splits_energy(idle):
    mix = {**DEMAND["demand"], "inference_share": 0.8, "training_utilisation": 0.8, "inference_utilisation": 0.4}
    fleet = {**DEMAND["fleet"], "utilisation": None, "idle_fraction": idle}
    ds = run(scenario(demand=mix, fleet=fleet))
    np.testing.assert_allclose(ds.energy_by_workload.sum("workload"), ds.energy, rtol=1e-12)
    # inference_share is a share of the electricity, as its source publishes it
    np.testing.assert_allclose(ds.energy_by_workload.sel(workload="inference"), 0.8 * ds.energy, rtol=1e-12)
    assert "fleet.utilisation" not in ds
    # its share of the work: electricity per unit of work is draw / u, (idle + (1 - idle) u) / u
    e_i, e_t = (idle + (1 - idle) * 0.4) / 0.4, (idle + (1 - idle) * 0.8) / 0.8
    work = (0.8 / e_i) / (0.8 / e_i + 0.2 / e_t)
    assert (work == 0.8) == (idle == 0.0) and work < 0.8 + 1e-15
    # the fleet's utilisation is the work-weighted harmonic mean: the same run as one workload at
    # that utilisation (the same draws: both utilisations constant)
    one = run(scenario(fleet={**fleet, "utilisation": 1 / (work / 0.4 + (1 - work) / 0.8)}))
    np.testing.assert_allclose(ds.energy, one.energy, rtol=1e-12)
    np.testing.assert_allclose(ds.compute_served, one.compute_served, rtol=1e-12)


MIX = {**DEMAND["demand"], "inference_share": 0.8, "training_utilisation": 0.8, "inference_utilisation": 0.3}
NO_UTILISATION = {**DEMAND["fleet"], "utilisation": None, "idle_fraction": 0.2}


def test_two_workload_streams_growing_alike_are_one_stream():
    # training growing as inference does keeps the mix of work: the same run to rounding
    one = run(scenario(demand={**MIX, "growth": 0.4}, fleet=NO_UTILISATION))
    two = run(scenario(demand={**MIX, "growth": 0.4, "training_growth": 0.4}, fleet=NO_UTILISATION))
    np.testing.assert_allclose(two.energy, one.energy, rtol=1e-9)
    np.testing.assert_allclose(two.energy_by_workload, one.energy_by_workload, rtol=1e-9)


@pytest.mark.parametrize("training", [0.0, 2.0])
def test_two_workload_streams_move_the_mix_and_the_fleets_draw(training):
    # training's work growing slower (or faster) than inference's shifts the work, year by year,
    # towards inference (training); the split of the electricity follows the year's mix of
    # work (kernels.energy_share), adds up to the electricity, and the electricity still adds
    # up by generation; before demand starts the mix is the one given
    ds = run(scenario(demand={**MIX, "growth": 0.5, "training_growth": training}, fleet=NO_UTILISATION))
    share = (ds.energy_by_workload.sel(workload="inference") / ds.energy).values      # (draw, year)
    np.testing.assert_allclose(ds.energy_by_workload.sum("workload"), ds.energy, rtol=1e-12)
    np.testing.assert_allclose(ds.energy_by_generation.sum("generation"), ds.energy, rtol=1e-9)
    np.testing.assert_allclose(share[:, ds.year.values <= 2024], 0.8, rtol=1e-12)
    steps = np.diff(share[:, ds.year.values >= 2024], axis=1)
    assert (steps < 0).all() if training > 0.5 else (steps > 0).all()
    # the years' shares are those of the closed form: work shares s0 (1+g)^t / (...), in energy
    idle, u_i, u_t = 0.2, 0.3, 0.8
    s0 = sim.model.kernels.work_share(0.8, idle, u_i, u_t)
    years = np.maximum(ds.year.values - 2024, 0)
    work = s0 * 1.5 ** years / (s0 * 1.5 ** years + (1 - s0) * (1 + training) ** years)
    expected = sim.model.kernels.energy_share(work, idle, u_i, u_t)
    np.testing.assert_allclose(share, np.broadcast_to(expected, share.shape), rtol=1e-12)


def test_training_growth_needs_the_workload_mix():
    with pytest.raises(sim.ScenarioError) as err:
        scenario(demand={**DEMAND["demand"], "training_growth": 1.0})
    assert err.value.key == "demand.training_growth" and "workload mix" in err.value.message


def test_emissions_are_energy_times_intensity():
    ds = run(scenario(carbon={"intensity": {"2022": 500, "2032": 300}}))
    intensity = np.interp(ds.year, [2022, 2032], [500, 300])
    np.testing.assert_allclose(ds.emissions, ds.energy * intensity / 1000, rtol=1e-12)
    assert ds.emissions.attrs["units"] == "Tg" and ds.emissions.attrs["cell_methods"] == "time: sum"


def test_demand_outputs_have_units():
    ds = run(with_elasticity(0.5, power={"capacity_gw": 5}), rebound=True)
    for name in ("compute_demand", "compute_served", "fleet_efficiency", "backlog", "unserved_demand",
                 "power_queue", "queue_wait", "energy_no_rebound", "rebound"):
        assert ds[name].attrs["units"] and ds[name].attrs["long_name"], name
    assert ds.attrs["shipments_mode"] == "demand"


@pytest.mark.parametrize("changes, key, fragment", [
    ({"demand": {"start_year": 2024}, "shipments": {"mode": "trajectory"}}, "demand.start_year", 'mode = "demand"'),
    ({"demand": {"start_year": 2020}}, "demand.start_year", "must be after the start year"),
    ({"demand": {"start_year": None}}, "demand.start_year", "required"),
    ({"demand": {"inference_share": 0.8}}, "demand.inference_utilisation", "together"),
    ({"demand": {"elasticity": -1}}, "demand.elasticity", ">= 0"),
    ({"power": {"additions": {"2026": 1}}}, "power.additions", "needs power.capacity_gw"),
    ({"power": {"capacity_gw": -1}}, "power.capacity_gw", ">= 0"),
    ({"carbon": {"intensity": {"20x0": 1}}}, "carbon.intensity.20x0", "calendar years"),
    ({"demand": {"decompose_rebound": "yes"}}, "demand.decompose_rebound", "true or false"),
])
def test_bad_demand_input(changes, key, fragment):
    with pytest.raises(sim.ScenarioError) as err:
        scenario(**changes)
    assert err.value.key == key and fragment in err.value.message


def test_rebound_needs_demand_mode(make_scenario):
    with pytest.raises(sim.ScenarioError, match="needs shipments.mode"):
        sim.run(make_scenario(), draws=2, rebound=True)


@pytest.mark.parametrize("chunk_draws", [1, 5, 23])
def test_power_queue_results_do_not_depend_on_the_batch(chunk_draws):
    # some draws queue for power and some do not: each draw's numbers must not depend on
    # which others share its batch
    s = with_elasticity(1.2, power={"capacity_gw": {"dist": "uniform", "low": 0.05, "high": 3.0}})
    whole = sim.run(s, draws=46, seed=2, chunk_draws=46)
    part = sim.run(s, draws=46, seed=2, chunk_draws=chunk_draws)
    assert float(whole.power_queue.max()) > 0 and float(whole.power_queue.min()) == 0
    xr.testing.assert_identical(part, whole)


def test_holding_the_growth_changes_nothing_when_demand_already_grows_at_one_rate():
    # elasticity 0 and no budget: W0 (1 + g)^t 2^(-12 t / halving) is one exponential, so the
    # growth of demand's first year, held, is the same demand (to rounding: another formula)
    ds = run(with_elasticity(0.0), rebound=True)
    np.testing.assert_allclose(ds.energy_trend, ds.energy, rtol=1e-9)
    np.testing.assert_allclose(ds.rebound_beyond_trend, ds.energy - ds.energy_trend, rtol=1e-12, atol=1e-12)


def test_the_held_growth_run_is_the_run_through_demands_first_year_and_differs_after():
    # demand starts in 2024: the counterfactual goes on from the run's state at the end of 2024
    s = with_elasticity({"dist": "uniform", "low": 0.5, "high": 1.5}, demand={"energy_cost_share": 1.0})
    ds = run(s, rebound=True)
    np.testing.assert_array_equal(ds.energy_trend.sel(year=slice(None, 2024)), ds.energy.sel(year=slice(None, 2024)))
    # generation D (2028) cuts the electricity per unit of work by more than the first year's
    # hardware did: the cost falls faster, and with a demand response, demand outgrows the trend
    later = ds.rebound_beyond_trend.sel(year=slice(2029, None))
    assert float(later.max()) > 0
    assert not np.allclose(ds.energy_trend.sel(year=2032), ds.energy.sel(year=2032), rtol=1e-3)


def test_budget_bound_counts_the_months_the_ceiling_caps_demand():
    tight = run(with_budget(1.2, spending_share_max=0.04, spending_share_rate=0.01, it_spending_growth=0.0,
                            growth={"dist": "uniform", "low": 0.8, "high": 1.5}))
    assert bool((tight.budget_bound.sel(year=slice(None, 2023)) == 0).all())      # before demand starts
    np.testing.assert_array_equal(tight.budget_bound.sel(year=slice(2026, None)), 1.0)   # it binds throughout
    roomy = run(with_budget(0.8, spending_share_max=0.99, spending_share_rate=10.0, it_spending_growth=1.0))
    assert float(roomy.budget_bound.max()) == 0.0
    assert "budget_bound" not in run(with_elasticity(0.8))    # no budget, no ceiling to bind


# ---- bounded spending and prices that clear -------------------------------------------------

BUDGET = {"spending_share_start": 0.037, "spending_share_max": {"dist": "uniform", "low": 0.06, "high": 0.15},
          "spending_share_rate": 0.4, "it_spending_growth": 0.079}


def with_budget(elasticity=0.8, **demand):
    return with_elasticity(elasticity, demand={**BUDGET, "supply_capacity": 40_000, **demand})


@pytest.mark.parametrize("elasticity", [0.3, 0.8, 1.0, 1.2, 1.5, 2.0])
def test_spending_never_exceeds_its_ceiling(elasticity):
    ds = run(with_budget(elasticity, growth={"dist": "uniform", "low": 0.8, "high": 1.5}))
    after = ds.sel(year=AFTER)
    assert bool((after.spending <= after.spending_ceiling * (1 + 1e-9)).all())
    assert bool((ds.spending.sel(year=2022).isnull()).all())          # no price before demand starts
    # and the budget binds: the same draws without it demand more work
    free = run(with_elasticity(1.5, demand={"supply_capacity": 40_000, "growth": {"dist": "uniform", "low": 0.8, "high": 1.5}}))
    assert bool((ds.compute_demand.sel(year=2032) < free.compute_demand.sel(year=2032)).all())


def test_a_ceiling_that_never_binds_changes_nothing():
    roomy = run(with_budget(0.8, spending_share_max=0.99, spending_share_rate=10.0, it_spending_growth=1.0))
    free = run(with_elasticity(0.8, demand={"supply_capacity": 40_000}))
    for name in ("energy", "shipments", "installed", "compute_served", "unserved_demand"):
        np.testing.assert_allclose(roomy[name], free[name], rtol=1e-12)


@pytest.mark.parametrize("budget, elasticity", [(False, 0.8), (True, 0.8), (True, 1.2), (True, 1.5), (True, 2.0)])
def test_with_capacity_short_the_price_clears_the_market(monkeypatch, budget, elasticity):
    from sim.model.demand import Demand

    checked = []
    serve = Demand.serve

    def serve_and_check(self, t):
        serve(self, t)
        if t < self.d.start_month:
            return
        capacity = self.capacity   # work a month the installed base can serve
        scarce = (self.work_demanded > capacity) & (self.d.elasticity > 0)
        demand_at_price = self.work_unbounded * self.markup ** -self.d.elasticity
        if self.ceiling is not None:
            demand_at_price = np.minimum(demand_at_price, self.ceiling * self.work0 / (self.cost_per_work * self.markup))
        np.testing.assert_allclose(demand_at_price[scarce], capacity[scarce], rtol=1e-9)
        assert np.all(self.markup[~scarce] == 1.0) and np.all(self.markup >= 1.0)
        checked.append(int(scarce.sum()))

    monkeypatch.setattr(Demand, "serve", serve_and_check)
    ds = run(with_budget(elasticity) if budget else with_elasticity(elasticity, demand={"supply_capacity": 40_000}))
    assert sum(checked) > 100                                      # the cap bound, often
    assert bool((ds.scarcity_rent.sel(year=AFTER) >= 0).all()) and float(ds.scarcity_rent.max()) > 0


@pytest.mark.parametrize("change, key, fragment", [
    ({"spending_share_max": 0.02}, "demand.spending_share_max", "must be above the share"),
    ({"spending_share_rate": -0.1}, "demand.spending_share_rate", ">= 0"),
    ({"spending_share_start": None}, "demand.spending_share_start", "a spending ceiling needs"),
])
def test_bad_budgets_are_one_line(change, key, fragment):
    budget = {k: v for k, v in {**BUDGET, **change}.items() if v is not None}
    with pytest.raises(sim.ScenarioError) as err:
        scenario(demand={**DEMAND["demand"], **budget})
    assert err.value.key == key and fragment in err.value.message


def test_the_power_queue_admits_on_peak_power():
    s = scenario(power={"capacity_gw": 0.05, "additions": {"2026": 0.1, "2028": 0.2}})
    ds = run(s)
    kw = xr.DataArray([6.5, 10.2, 14.0, 18.0], coords={"generation": ["A", "B", "C", "D"]})
    peak_gw = (ds.installed_by_generation * kw).sum("generation") * ds["fleet_pue"] / 1e6
    capacity = xr.DataArray([0.05] * 6 + [0.15] * 2 + [0.35] * 5, coords={"year": ds.year})
    assert bool((peak_gw <= capacity * (1 + 1e-9)).all())
    assert bool((peak_gw > 0.9 * capacity).sel(year=2027).any())    # and it binds


def test_a_batchs_draws_in_any_order_give_the_same_numbers():
    # the model runs a batch's draws sorted by lead time and forks the counterfactual when demand
    # starts; each draw's numbers, counterfactual included, must not depend on where it stands
    from sim.model import simulate
    from sim.sampling import sample

    s = with_elasticity({"dist": "uniform", "low": 0.2, "high": 1.5},
                        power={"capacity_gw": {"dist": "uniform", "low": 0.05, "high": 3.0}})
    values = sample(s, 0, 40, draws=40, seed=5)
    order = np.random.default_rng(1).permutation(40)
    together = simulate(s, values, rebound=True)
    shuffled = simulate(s, {k: v[order] for k, v in values.items()}, rebound=True)
    assert set(together) == set(shuffled) and "energy_no_rebound" in together
    for name, array in together.items():
        np.testing.assert_array_equal(shuffled[name], array[order], err_msg=name)


def queued_scenario(**fleet):
    return with_elasticity({"dist": "uniform", "low": 0.2, "high": 1.5},
                           power={"capacity_gw": {"dist": "uniform", "low": 0.05, "high": 0.6},
                                  "additions": {"2026": 0.1, "2029": 0.2}},
                           fleet={**DEMAND["fleet"], **fleet})


def test_a_draws_numbers_do_not_depend_on_the_rest_of_its_batch():
    # cut a batch and shuffle it: every draw's numbers, counterfactual included, are its own;
    # with lives so short for some draws (p > 1/2) that their results by generation run the
    # stage chain, and power queues that bind
    from sim.model import simulate
    from sim.sampling import sample

    s = queued_scenario(lifetime_years={"dist": "uniform", "low": 0.5, "high": 4}, lifetime_stages=6)
    values = sample(s, 0, 48, draws=48, seed=6)
    assert (6 / (12 * values["fleet.lifetime_years"]) > 0.5).any()
    together = simulate(s, values, rebound=True)
    part = np.random.default_rng(3).permutation(48)[:17]
    alone = simulate(s, {k: v[part] for k, v in values.items()}, rebound=True)
    assert float(together["power_queue"].max()) > 0
    for name, array in together.items():
        np.testing.assert_array_equal(alone[name], array[part], err_msg=name)


def test_the_rebound_fork_with_accelerator_families_is_a_separate_run_bit_for_bit():
    from sim.model import simulate

    families = {"generation": [
        {"name": "A", "launch": "2020-01", "power_kw": 6.5, "performance": 1.0},
        {"name": "B", "launch": "2022-07", "power_kw": 10.2, "performance": 3.0},
        {"name": "X", "launch": "2020-01", "power_kw": 2.0, "performance": 0.5, "family": "other"},
        {"name": "Y", "launch": "2024-03", "power_kw": 3.0, "performance": 2.0, "family": "other"}],
        "families": {"other": {"share": {"2021": 0.1, "2028": 0.4}}}}
    s = with_elasticity({"dist": "uniform", "low": 0.2, "high": 1.5}, **families)
    ds = run(s, rebound=True)
    values = {key: np.broadcast_to(ds[var_name(key)].values, (DRAWS,)).copy() for key in s.parameters}
    np.testing.assert_array_equal(simulate(s, values)["energy"], ds.energy.values)
    # the counterfactual goes on from the fork, reading the main run's offers: as a run of its own
    counterfactual = simulate(s, values, elasticity=np.zeros(DRAWS))
    np.testing.assert_array_equal(counterfactual["energy"], ds.energy_no_rebound.values)
    np.testing.assert_allclose(ds.energy_by_family.sum("family"), ds.energy, rtol=1e-12)


def test_the_demand_inputs_are_the_registrys_demand_keys_by_name():
    # each field is read by its name from the sampled values: a key is declared once
    names = [f.name for f in fields(DemandInputs) if f.name not in ("start_month", "work_share0", "_rates")]
    assert names and all(f"demand.{name}" in BY_KEY for name in names), \
        [name for name in names if f"demand.{name}" not in BY_KEY]
