"""The model's kernels: pure numpy functions, checked against closed forms and conservation."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model import cohorts, kernels


@given(months=st.lists(st.integers(-30, 60), min_size=1, max_size=7),
       ramps=st.lists(st.floats(1, 120), min_size=1, max_size=5))
def test_adoption_shares_sum_to_one(months, ramps):
    months = np.sort(np.array(months, dtype=float))[::-1]  # launch order: oldest first
    shares = kernels.adoption_shares(months, np.array(ramps))
    assert shares.shape == (len(months), len(ramps))
    assert np.all(shares >= 0)
    np.testing.assert_allclose(shares.sum(axis=0), 1.0, rtol=1e-12)


@given(months=st.lists(st.integers(-30, 60), min_size=2, max_size=7),
       ramp=st.floats(1, 30), caps=st.lists(st.floats(0.01, 1.0), min_size=7, max_size=7))
def test_coexisting_generations_shares_sum_to_one_and_max_share_1_is_substitution(months, ramp, caps):
    months = np.sort(np.array(months, dtype=float))[::-1]
    g = len(months)
    cap = np.array(caps[:g])[:, None]
    shares = kernels.adoption_shares(months, np.array([ramp]), cap)
    assert np.all(shares >= 0)
    np.testing.assert_allclose(shares.sum(axis=0), 1.0, rtol=1e-12)
    # max_share = 1 is successive substitution, bit for bit
    np.testing.assert_array_equal(kernels.adoption_shares(months, np.array([ramp]), np.ones((g, 1))),
                                  kernels.adoption_shares(months, np.array([ramp])))


def test_an_older_line_keeps_what_a_capped_generation_leaves_until_the_next_one():
    # B200 on sale 10 months, GB200 (max_share 0.6) 8 months, both ramped (ramp 2)
    shares = kernels.adoption_shares(np.array([40.0, 10.0, 8.0]), np.array([2.0]),
                                     np.array([[1.0], [1.0], [0.6]]))
    np.testing.assert_allclose(shares[:, 0], [0.0, 0.4, 0.6], atol=1e-15)
    # a later generation at max_share 1 takes both parts
    shares = kernels.adoption_shares(np.array([40.0, 10.0, 8.0, 5.0]), np.array([2.0]),
                                     np.array([[1.0], [1.0], [0.6], [1.0]]))
    np.testing.assert_allclose(shares[:, 0], [0.0, 0.0, 0.0, 1.0], atol=1e-15)


@given(lead=st.lists(st.floats(0, 24), min_size=1, max_size=6))
@settings(max_examples=30, deadline=None)
def test_the_lead_time_conserves_and_shifts(lead):
    # what arrives each month: the difference of the arrivals so far, (1 - f) S(t + 1 - L) + f S(t - L),
    # from the cumulative shipments (the fleet's and the results by generation's lead time)
    lead = np.array(lead)
    floor, frac = kernels.whole_months(lead)
    ring = cohorts.CohortRing(2, len(lead), size=max(16, int(floor.max()) + 2))
    flows = np.random.default_rng(0).random((40, 2, len(lead)))
    arrived, out = np.zeros((2, len(lead))), []
    for t in range(80):
        ring.push(t, flows[t] if t < 40 else np.zeros((2, len(lead))), t - int(floor.max()))
        now = kernels.lagged(ring, t + 1, floor, frac, None, 0, 2)
        assert (now >= arrived).all()          # arrivals never go back
        out.append(now - arrived)
        arrived = now
    out = np.array(out)
    np.testing.assert_allclose(out.sum(axis=0), flows.sum(axis=0), rtol=1e-12)
    # mean delay equals the lead time
    t = np.arange(80)[:, None, None]
    mean_out = (out * t).sum(0) / out.sum(0)
    mean_in = (flows * np.arange(40)[:, None, None]).sum(0) / flows.sum(0)
    np.testing.assert_allclose(mean_out - mean_in, np.broadcast_to(lead, (2, len(lead))), atol=1e-9)


def test_annual_trajectory_is_geometric_between_anchors():
    values = np.array([[100_000.0], [1_500_000.0]])
    out = kernels.annual_trajectory(range(2021, 2030), [2023, 2027], values, None, np.array([0.1]))
    assert out[2, 0] == 100_000 and out[6, 0] == 1_500_000          # anchors exact
    assert out[0, 0] == 0 and out[1, 0] == 0                          # nothing before, no growth_before
    np.testing.assert_allclose(out[4, 0], np.sqrt(100_000 * 1_500_000), rtol=1e-12)
    np.testing.assert_allclose(out[8, 0], 1_500_000 * 1.1 ** 2, rtol=1e-12)


@settings(max_examples=40, deadline=None)
@given(st.floats(-0.9, 3.0), st.floats(-0.9, 3.0))
def test_the_year_after_the_last_anchor_grows_by_its_own_rate_then_growth_after(next_year, after):
    values = np.array([[100_000.0], [1_500_000.0]])
    years = range(2021, 2032)
    out = kernels.annual_trajectory(years, [2023, 2027], values, None, np.array([after]), np.array([next_year]))
    plain = kernels.annual_trajectory(years, [2023, 2027], values, None, np.array([after]))
    np.testing.assert_array_equal(out[:7], plain[:7])                 # the anchors and between: untouched
    np.testing.assert_allclose(out[7, 0], 1_500_000 * (1 + next_year), rtol=1e-12)
    np.testing.assert_allclose(out[8:, 0] / out[7:-1, 0], 1 + after, rtol=1e-12)
    # at the same rate it is the one growth, to rounding
    same = kernels.annual_trajectory(years, [2023, 2027], values, None, np.array([after]), np.array([after]))
    np.testing.assert_allclose(same, plain, rtol=1e-12)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(0.0, 7.5), min_size=1, max_size=12), st.integers(0, 2), st.integers(0, 1))
def test_lagged_reads_by_runs_of_equal_leads_are_the_gather(leads, first, rows_missing):
    # sorted whole-month leads are read as slices (the model sorts its draws); the values must
    # be those of the gather that serves any order, month by month, for the rows asked
    leads = np.sort(np.array(leads))
    floor, frac = np.floor(leads).astype(np.int64), leads - np.floor(leads)
    runs = kernels.lead_runs(floor)
    assert runs is not None and kernels.lead_runs(floor[::-1]) is None or len(set(floor)) == 1
    rng = np.random.default_rng(len(leads))
    ring = cohorts.CohortRing(4, len(leads))
    rows = 4 - rows_missing
    for t in range(20):
        ring.push(t, rng.random((4, len(leads))), oldest=t - 8)
        by_runs = kernels.lagged(ring, t + 1, floor, frac, runs, first, rows)
        gathered = kernels.lagged(ring, t + 1, floor, frac, None, first, rows)
        np.testing.assert_array_equal(by_runs, gathered)
        # and both are the definition: (1 - f) x row(t + 1 - L) + f x row(t - L), by draw
        for b, (lf, f) in enumerate(zip(floor, frac)):
            recent, older = ring[t + 1 - lf][first:rows, b], ring[t - lf][first:rows, b]
            np.testing.assert_allclose(by_runs[:, b], (1 - f) * recent + f * older, rtol=1e-12, atol=1e-12)


@settings(max_examples=50, deadline=None)
@given(rows=st.integers(1, 40), width=st.integers(1, 9), seed=st.integers(0, 2**32 - 1))
def test_sum_rows_adds_in_one_order_whatever_the_width(rows, width, seed):
    # numpy's sum over the first axis adds a narrow batch pairwise, a wide one row by row;
    # sum_rows adds row by row always, so a column's sum is the same alone or in any batch
    rng = np.random.default_rng(seed)
    wide = rng.random((rows, 64)) * 10.0 ** rng.uniform(-6, 6, (rows, 64))
    whole = kernels.sum_rows(wide)
    for j in range(0, 64, 64 // width):
        np.testing.assert_array_equal(kernels.sum_rows(wide[:, j:j + 1])[0], whole[j])
    expected = wide[0].copy()
    for row in wide[1:]:
        expected += row
    np.testing.assert_array_equal(whole, expected)
    out = np.empty(64)
    assert kernels.sum_rows(wide, out=out) is out and np.array_equal(out, whole)


@settings(max_examples=200, deadline=None)
@given(elasticity=st.sampled_from([0.3, 0.8, 1.0, 1.2, 1.5, 2.0]),
       unbounded=st.floats(1e-3, 1e6), affordable=st.one_of(st.just(np.inf), st.floats(1e-3, 1e6)),
       capacity=st.floats(1e-3, 1e6))
def test_the_clearing_markup_is_the_lowest_price_at_which_demand_fits(elasticity, unbounded, affordable, capacity):
    m = float(kernels.clearing_markup(np.array([unbounded]), np.array([affordable]), np.array([capacity]),
                                      np.array([elasticity]))[0])

    def demand(markup):   # work demanded at price markup × cost: the curve, bounded by the budget
        return min(unbounded * markup ** -elasticity, affordable / markup)

    assert m >= 1.0
    if min(unbounded, affordable) <= capacity:
        assert m == 1.0                                        # demand at cost fits: no rent
        return
    assert demand(m) <= capacity * (1 + 1e-9)                  # demand at the price fits capacity
    assert demand(m * (1 - 1e-6)) > capacity * (1 - 1e-9) or m == 1.0   # and no lower price clears
    # spending at the price on what is served stays within the budget: m × K ≤ A
    assert m * capacity <= affordable * (1 + 1e-9)


def test_clearing_above_unit_elasticity_reads_the_unbounded_demand():
    # the case the old clearing got wrong: the budget binds at cost and ε > 1
    m = kernels.clearing_markup(np.array([3.0]), np.array([2.0]), np.array([1.0]), np.array([1.5]))
    assert m[0] == pytest.approx(min(3.0 ** (1 / 1.5), 2.0))          # 2.08, not 2 ** (1/1.5) = 1.59
    assert min(3.0 * m[0] ** -1.5, 2.0 / m[0]) == pytest.approx(1.0)  # demand at the price is capacity


@settings(max_examples=60, deadline=None)
@given(st.floats(0.01, 0.99), st.floats(0.0, 0.6), st.floats(0.05, 1.0), st.floats(0.05, 1.0))
def test_energy_share_and_work_share_invert_each_other(share, idle, u, other):
    # a workload's share of the electricity and its share of the work, through e(u) = draw(u) / u
    work = kernels.work_share(share, idle, u, other)
    assert kernels.energy_share(work, idle, u, other) == pytest.approx(share, rel=1e-12)
    # with no idle power a unit of work costs the same electricity at any utilisation
    assert kernels.work_share(share, 0.0, u, other) == pytest.approx(share, rel=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.floats(0.01, 0.99), st.floats(-0.5, 3.0), st.floats(-0.5, 3.0))
def test_the_workload_mix_starts_where_it_is_and_drifts_to_the_faster_stream(s0, growth, other):
    years = np.arange(0, 12)[:, None]
    mix = kernels.workload_mix(np.array([s0]), np.array([growth]), np.array([other]), years)[:, 0]
    assert mix[0] == pytest.approx(s0, rel=1e-15)
    assert ((mix >= 0) & (mix <= 1)).all()
    steps = np.diff(mix)
    if growth > other:
        assert (steps >= -1e-15).all()
    elif growth < other:
        assert (steps <= 1e-15).all()
