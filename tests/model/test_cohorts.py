"""First-come cohorts (sim.model.cohorts): the rings a queue keeps, and where its head stands."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model import cohorts


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.floats(0.0, 5.0), min_size=3, max_size=3), min_size=2, max_size=9),
       st.lists(st.floats(0.0, 1.0), min_size=3, max_size=3))
def test_fifo_heads_stop_at_the_last_cohort_admitted_in_full(arrivals, share):
    # cumulative arrivals of three draws; the head must stand in the last cohort c <= now with
    # cumulative[c] <= target, wherever it stood before, as a search over every cohort finds
    arrivals = np.array(arrivals)                       # (cohorts, 3)
    now = len(arrivals) - 1
    cumulative = np.zeros((now + 2, 3))
    cumulative[1:] = np.cumsum(arrivals, axis=0)
    target = np.array(share) * cumulative[now + 1]
    first = np.zeros(3, dtype=np.int64)
    draws = np.arange(3)
    cohort, fraction = cohorts.fifo_position(cumulative, target, first, now, draws)
    expected = np.minimum((cumulative[:now + 2] <= target).sum(axis=0) - 1, now)
    np.testing.assert_array_equal(cohort, expected)
    size = cumulative[cohort + 1, draws] - cumulative[cohort, draws]
    inside = cumulative[cohort, draws] + fraction * size
    np.testing.assert_allclose(inside, np.where(size > 0, target, cumulative[cohort, draws]), rtol=1e-12, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 3), min_size=30, max_size=30), st.integers(0, 2**32 - 1))
def test_a_cohort_ring_keeps_every_row_a_queue_still_needs(lags, seed):
    # arrivals pushed month by month into a ring that starts too small; the rows from the
    # oldest head on must be the cumulative sums, exactly, however often the ring has grown
    rng = np.random.default_rng(seed)
    arrivals = rng.random((30, 3, 4))
    cumulative = np.zeros((32, 3, 4))
    cumulative[1:31] = np.cumsum(arrivals, axis=0)
    ring = cohorts.CohortRing(3, 4, size=2)
    oldest = 0
    for now in range(30):
        oldest = max(oldest, now - 5 * lags[now])       # heads only move forward
        ring.push(now, arrivals[now], oldest)
        for c in range(oldest, now + 2):
            np.testing.assert_array_equal(ring[c], cumulative[c])
        cohort = rng.integers(oldest, now + 2, size=4)
        np.testing.assert_array_equal(ring.gather(cohort, np.arange(4)), cumulative[cohort, :, np.arange(4)].T)
        # a target beyond the oldest head, and heads at or behind where it falls
        low, high = cumulative[oldest, 1], cumulative[now + 1, 1]
        target = low + (high - low) * rng.random(4)
        head = np.minimum((cumulative[:now + 2, 1] <= target).sum(axis=0) - 1, now)
        first = np.maximum(head - lags[now], oldest)
        draws = np.arange(4)
        on_ring = cohorts.fifo_position(ring, target, first, now, draws, row=1)
        on_array = cohorts.fifo_position(np.ascontiguousarray(cumulative[:now + 2, 1]), target, first, now, draws)
        for a, b in zip(on_ring, on_array):
            np.testing.assert_array_equal(a, b)
