"""The service life (sim.model.lifetime): the aging chain, its closed form, retirement within a lead."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binom

from sim.model import lifetime


def test_age_chain_mean_lifetime_is_exact():
    for stages_n, life_months in [(1, 30.0), (4, 60.0), (8, 48.0), (60, 60.0)]:
        stages = np.zeros((stages_n, 1, 1))
        p = np.array([stages_n / life_months])
        lifetime.age_chain(stages, p, np.array([[1000.0]]))
        server_months, retired = 1000.0, 0.0  # the deployment month counts as one month installed
        for _ in range(3000):
            retired += float(lifetime.age_chain(stages, p, np.zeros((1, 1)))[0, 0])
            server_months += float(stages.sum())
        assert retired == pytest.approx(1000.0, rel=1e-9)
        assert server_months == pytest.approx(1000.0 * life_months, rel=1e-9)


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 12), st.lists(st.floats(0.01, 1.0), min_size=1, max_size=5),
       st.lists(st.floats(0.0, 30.0), min_size=5, max_size=5))
def test_exit_weights_are_the_binomial_closed_form(stages, exit_probability, lead):
    # the chain run forward gives what a server in stage k needs: K - k moves in n monthly
    # chances, P(Binomial(n, p) >= K - k), with n = floor(lead) + 1 and n + 1 mixed by the
    # lead's fraction (scipy.stats, an independent source)
    p = np.array(exit_probability)
    lead = np.array(lead[:len(p)])
    w = lifetime.exit_weights(stages, p, lead)[:, 0]
    n, frac = np.floor(lead) + 1, lead - np.floor(lead)
    needed = (stages - np.arange(stages))[:, None]
    expected = (1 - frac) * binom.sf(needed - 1, n, p) + frac * binom.sf(needed - 1, n + 1, p)
    np.testing.assert_allclose(w, expected, rtol=1e-12, atol=1e-14)


def test_exit_weights_are_the_chance_of_retiring_within_the_lead_time():
    # one server per stage, K = 3, p = 1/2, a lead of 1.0 months: n = 2 monthly chances to move;
    # from the last stage it retires unless it fails twice: 1 - 1/4
    w = lifetime.exit_weights(3, np.array([0.5]), np.array([1.0]))[:, 0, 0]
    np.testing.assert_allclose(w, [0.0, 0.25, 0.75], rtol=0, atol=1e-15)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 8), st.lists(st.floats(0.01, 1.0), min_size=1, max_size=6), st.integers(0, 2**32 - 1))
def test_the_yearly_chain_is_the_stage_chain(stages, exit_probability, seed):
    # December stocks and the year's sums of installed servers, month by month through the
    # stage chain, with generations entering late and the first rows closing; draws with p near
    # 1 run the stage chain themselves
    p = np.array(exit_probability)
    p[0] = 1.0 if len(p) > 2 else p[0]
    rng = np.random.default_rng(seed)
    rows, batch = 3, len(p)
    chain = lifetime.YearlyChain(stages, p, rows)
    reference = np.zeros((stages, rows, batch))
    year_sum = np.zeros((rows, batch))
    entered = []
    for t in range(48):
        n = min(rows, 1 + t // 12)
        first = 1 if t >= 30 else 0          # the first generation gets no more servers
        entering = rng.random((n - first, batch)) * 1000
        chain.enter(t, entering, first=first)
        full = np.zeros((n, batch))
        full[first:] = entering
        entered.append(full.sum())
        lifetime.age_chain(reference[:, :n], p, full)
        year_sum += reference.sum(axis=0)
        if t % 12 == 11:
            december, total = chain.year()
            np.testing.assert_allclose(december, reference.sum(axis=0), rtol=1e-12, atol=1e-9)
            np.testing.assert_allclose(total, year_sum, rtol=1e-12, atol=1e-9)
            year_sum[:] = 0.0


def test_a_draws_yearly_chain_does_not_depend_on_its_batch():
    # a draw with a short life (p > 1/2) runs the stage chain; the others' numbers must be what
    # they are in a batch without it, bit for bit
    p = np.array([0.05, 0.9, 0.08, 1.0, 0.3])
    entering = np.random.default_rng(2).random((36, 2, len(p)))
    together, alone = lifetime.YearlyChain(4, p, 2), lifetime.YearlyChain(4, p[[0, 2, 4]], 2)
    for t in range(36):
        together.enter(t, entering[t])
        alone.enter(t, entering[t][:, [0, 2, 4]])
        if t % 12 == 11:
            for a, b in zip(together.year(), alone.year()):
                np.testing.assert_array_equal(a[:, [0, 2, 4]], b)
