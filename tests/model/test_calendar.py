"""The month's order (sim.model.calendar): its phases named once, in order, carried by SimPy;
one-off happenings first, the year's end last."""

import numpy as np
import pytest

import sim


ONE_GENERATION = {"fleet": {"lead_time_months": 0, "lifetime_years": 20, "lifetime_stages": 240},
                  "shipments": {"anchors": {"2021": 12_000}, "growth_before": 0.0, "growth_after": 0.0},
                  "generation": [{"name": "A", "launch": "2019-01", "power_kw": 8.0}]}


def test_the_months_phases_are_named_once_in_order():
    from test_demand import scenario

    from sim.model import PHASES, build, steps
    from sim.sampling import sample

    assert PHASES == ("offer", "plan", "ship", "deploy", "admit", "retire", "serve", "draw_power")
    s = scenario(power={"capacity_gw": 1.0, "additions": {"2026": 0.5}})
    _, _, families = build(s, sample(s, 0, 4, draws=4, seed=1))
    found = [(phase, step.action.__self__, step.action.__name__) for phase, step in steps(families)]
    assert [name for _, _, name in found] == ["offer", "plan", "ship", "deploy", "admit", "retire", "serve",
                                              "draw_power"]
    assert [phase for phase, _, _ in found] == list(PHASES)
    owners = {name: type(owner).__name__ for _, owner, name in found}
    assert owners == {"offer": "Fleet", "plan": "Demand", "ship": "Fleet", "deploy": "Fleet", "admit": "Fleet",
                      "retire": "Fleet", "serve": "Demand", "draw_power": "Power"}


def test_simpy_carries_the_month_happenings_phases_then_the_year_end():
    # each family's step is a SimPy process waiting on its phase's time in the month; one-off
    # happenings come first, the year's end last; a step that starts later waits for its month
    import simpy

    from sim.model.calendar import PHASE_TIME, PHASES, Calendar, Step, steps

    log = []

    class Family:
        def __init__(self, phases, start=0):
            self.own, self.start = phases, start

        def phases(self):
            return {p: Step(lambda t, p=p: log.append((t, p)), self.start,
                            before=(lambda t, p=p: log.append((t, "before " + p))) if self.start else None)
                    for p in self.own}

    env = simpy.Environment()
    calendar = Calendar(env)
    families = [Family(["draw_power", "offer"]), Family(["plan"], start=13), Family(["ship", "retire"])]
    env.process(calendar.happenings([(12, lambda: log.append((12, "launch"))),
                                     (12, lambda: log.append((12, "addition")))]))
    env.process(calendar.at_year_ends(lambda t: log.append((t, "year end"))))
    for phase, step in steps(families):
        env.process(calendar.monthly(phase, step))
    env.run(until=14)
    assert log[:5] == [(0, "offer"), (0, "before plan"), (0, "ship"), (0, "retire"), (0, "draw_power")]
    assert log[log.index((11, "draw_power")) + 1] == (11, "year end")
    month_12 = [what for t, what in log if t == 12]
    assert month_12 == ["launch", "addition", "offer", "before plan", "ship", "retire", "draw_power"]
    assert [what for t, what in log if t == 13] == ["offer", "plan", "ship", "retire", "draw_power"]
    assert sorted(PHASE_TIME.values()) == [PHASE_TIME[p] for p in PHASES] and max(PHASE_TIME.values()) < 15 / 16


def test_a_phase_outside_the_list_is_refused():
    from sim.model import steps

    class Rogue:
        def phases(self):
            return {"tidy": lambda t: None}

    with pytest.raises(ValueError, match="tidy"):
        steps([Rogue()])


def test_a_server_shipped_with_zero_lead_time_draws_power_in_the_month_it_ships(make_scenario):
    ds = sim.run(make_scenario(ONE_GENERATION), draws=1)
    # 1,000 servers a month from January 2020 (the start): each month's draw includes its own shipments
    monthly_gw = ds.facility_power_monthly.isel(draw=0).values
    expected = 1_000 * np.arange(1, 13) * 8.0 * 0.7 * 1.2 / 1e6
    np.testing.assert_allclose(monthly_gw[:12], expected, rtol=1e-12)


def test_a_power_addition_counts_from_january_of_its_year(make_scenario):
    ds = sim.run(make_scenario({**ONE_GENERATION, "power": {"capacity_gw": 0.0, "additions": {"2022": 1.0}}}),
                 draws=1)
    monthly_gw = ds.facility_power_monthly.isel(draw=0)
    assert float(monthly_gw.sel(month="2021-12").squeeze()) == 0.0
    # January 2022: the queue (24,000 servers) and the month's shipments draw power at once
    assert float(monthly_gw.sel(month="2022-01").squeeze()) == pytest.approx(25_000 * 8.0 * 0.7 * 1.2 / 1e6,
                                                                             rel=1e-12)


def test_demand_plans_with_the_months_offer_known(monkeypatch):
    from test_demand import DEMAND, scenario

    from sim.model.demand import Demand
    from sim.model.fleet import Fleet

    offered, planned = {}, {}
    offer, plan = Fleet.offer, Demand.plan

    def record_offer(self, t):
        offer(self, t)
        offered[t] = self.shares.copy()

    def record_plan(self, t):
        planned[t] = self.fleet.shares.copy()
        plan(self, t)

    monkeypatch.setattr(Fleet, "offer", record_offer)
    monkeypatch.setattr(Demand, "plan", record_plan)
    # generation C launches in the first month of demand (2024-01) and takes over at once
    gens = [dict(g) for g in DEMAND["generation"]]
    gens[2]["launch"] = "2024-01"
    s = scenario(generation=gens, shipments={**DEMAND["shipments"], "adoption_ramp_months": 1})
    sim.run(s, draws=3)
    start = 12 * (2024 - 2020)
    assert set(planned) == {t for t in offered if t >= start}   # demand plans from its first month on
    for t in planned:
        np.testing.assert_array_equal(planned[t], offered[t])
    np.testing.assert_array_equal(planned[start][2], 1.0)  # demand's first month prices C
