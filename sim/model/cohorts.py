"""Cohorts in first-come order: rings of cumulative amounts by cohort, and the queue's head.

A power queue admits servers in order of arrival, so admission is a matter of cumulative
sums over cohorts (:class:`CohortRing` keeps the cohorts a queue may still need) and of where
a target amount falls among them (:func:`fifo_position`). Pure numpy, as in :mod:`.kernels`.
"""

from __future__ import annotations

import numpy as np


QUEUE_MONTHS = 120   # first size of a power queue's rings: waits of up to ten years


class CohortRing:
    """Cumulative amounts by cohort for a first-come queue, kept only for the cohorts it may
    still need.

    Row ``c`` holds the totals of cohorts ``0 .. c-1`` (``R`` amounts per draw: shape (R, B));
    it lives at ``c mod size``. A queue whose oldest head stands in cohort ``oldest`` needs rows
    ``oldest .. now + 1``: when they no longer fit, the ring doubles. So its memory follows the
    longest queue, not the run's length. Memory is touched only where rows are written, so a
    generous first size costs little and spares the copies of growing.

    Parameters
    ----------
    rows : int
        ``R``, the amounts kept per cohort.
    batch : int
    size : int
        Initial number of rows.
    """

    def __init__(self, rows: int, batch: int, size: int = 16):
        self.array = np.zeros((size, rows, batch))
        self.size = size

    def __getitem__(self, c: int) -> np.ndarray:
        """Row ``c``, shape (R, B)."""
        return self.array[c % self.size]

    def push(self, now: int, arriving: np.ndarray, oldest: int, first: int = 0) -> np.ndarray:
        """Add cohort ``now``: row ``now + 1`` = row ``now`` + ``arriving``, for the amounts
        ``first .. first + len(arriving)`` (the others are left as they were: their owner no
        longer reads them, or has none yet), keeping rows ``oldest .. now``. Returns row
        ``now + 1``."""
        stop = first + len(arriving)
        if now + 2 - oldest > self.size:
            self._grow(now + 2 - oldest, oldest, now, first, stop)
        new = self[now + 1]
        np.add(self[now][first:stop], arriving, out=new[first:stop])
        return new

    def _grow(self, needed: int, oldest: int, now: int, first: int, stop: int) -> None:
        size = self.size
        while size < needed:
            size *= 2
        array = np.zeros((size,) + self.array.shape[1:])
        for c in range(oldest, now + 1):   # the rows kept, amounts in use only
            array[c % size, first:stop] = self.array[c % self.size, first:stop]
        self.array, self.size = array, size

    def gather(self, cohort: np.ndarray, draws: np.ndarray, rows: int | None = None, first: int = 0) -> np.ndarray:
        """Row ``cohort[j]`` of draw ``draws[j]`` for each ``j``: shape (R, m), or only the
        amounts ``first .. rows``, shape (rows - first, m). With ``cohort`` of shape (k, m),
        the k rows of each draw: shape (k, R, m) (one gather)."""
        return gather_cohort(self.array, cohort % self.size, draws, rows, first)


def fifo_position(cumulative, target: np.ndarray, first: np.ndarray, now: int, draws: np.ndarray,
                  row: int | None = None):
    """Where a first-come queue's head stands once ``target`` has been admitted, for some draws.

    Parameters
    ----------
    cumulative : ndarray, shape (T + 2, B), or a :class:`CohortRing` with ``row``
        ``cumulative[c]`` (a ring's ``cumulative[c][row]``): the amount that cohorts before
        ``c`` bring (non-decreasing in ``c``). An array must be C-contiguous.
    target : ndarray, shape (B,)
        Amount admitted so far, at most ``cumulative[now + 1]``; never less than before.
    first : ndarray of int, shape (B,)
        The cohort each draw's head was in (``cumulative[first] <= target``).
    now : int
        The newest cohort.
    draws : ndarray of int, shape (m,)
        The draws to place.
    row : int, optional
        With a ring, the amount that counts.

    Returns
    -------
    cohort : ndarray of int, shape (m,)
        The cohort the head is in: the last ``c <= now`` with ``cumulative[c] <= target``.
    fraction : ndarray, shape (m,)
        The part of that cohort already admitted (0 when it brings nothing).

    Heads only move forward, so each draw's head steps on from ``first`` while the next
    cohort is admitted in full: the cumulative amounts are read :data:`STEPS` cohorts ahead at
    once, again for the heads that passed them all, instead of a search over every cohort
    since the oldest head.
    """
    if isinstance(cumulative, CohortRing):
        array, size = cumulative.array, cumulative.size
        offset = draws + row * array.shape[-1]
    else:
        array, size = cumulative, None
        offset = draws
    stride = array[0].size                      # elements per cohort
    flat = array.reshape(-1)

    def at(c, j=slice(None)):
        return flat.take((c if size is None else c % size) * stride + offset[j])

    cohort = first[draws].copy()
    aim = target[draws]
    # heads move a few cohorts a month: look STEPS cohorts ahead at once, and again for the
    # heads that passed them all
    moving = np.flatnonzero(cohort < now)
    ahead = np.arange(1, STEPS + 1)[:, None]
    while moving.size:
        c = cohort[moving]
        # the cohorts up to ``now`` that are admitted in full (cumulative: monotone in the cohort)
        within = ahead <= now - c
        passed = ((at(np.minimum(c + ahead, now), moving) <= aim[moving]) & within).sum(axis=0)
        c += passed
        cohort[moving] = c
        moving = moving[(passed == STEPS) & (c < now)]
    start = at(cohort)
    size_ = at(cohort + 1) - start
    fraction = np.clip(np.divide(aim - start, size_, out=np.zeros_like(size_), where=size_ > 0), 0.0, 1.0)
    return cohort, fraction


STEPS = 4   # cohorts :func:`fifo_position` looks ahead at once


def gather_cohort(array: np.ndarray, cohort: np.ndarray, draws: np.ndarray, rows: int | None = None,
                  first: int = 0) -> np.ndarray:
    """``array[cohort[j], ..., draws[j]]`` for each ``j``: shape ``array.shape[1:-1] + (m,)``,
    or for a (T, G, B) array only its generations ``first .. rows``, shape (rows - first, m).
    With ``cohort`` of shape (k, m), the k cohorts of each draw, shape (k, ..., m), in one gather.

    ``array`` must be C-contiguous with the draw axis last.
    """
    n_draws = array.shape[-1]
    base = cohort * array[0].size + draws                     # (m,) or (k, m)
    if rows is not None:
        inner = np.arange(first, rows) * n_draws
    elif array.ndim > 2:
        inner = np.arange(int(np.prod(array.shape[1:-1]))) * n_draws
    else:
        return array.reshape(-1).take(base)
    index = base[..., None, :] + inner[:, None]
    if rows is None:
        index = index.reshape(base.shape[:-1] + array.shape[1:-1] + base.shape[-1:])
    return array.reshape(-1).take(index)
