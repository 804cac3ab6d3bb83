"""The month as SimPy time: the phases of :data:`PHASES` in order, one-off happenings, year-ends.

Month ``t`` of a run is the SimPy time interval ``[t, t + 1)``. At ``t`` the month's one-off
happenings occur (a generation's launch, a power-capacity addition), each a process waiting
on its timeout; then every phase of :data:`PHASES` in order, at ``t + PHASE_TIME[phase]``:
each family's step is a process that waits on a timeout to its phase's time, month after
month, so SimPy's event queue carries the month's order, and a family whose step starts later
(demand, at ``demand.start_year``) simply waits for that month. After the last phase of each
December the calendar's ``year_end`` event fires (its value is the month), and the families
that keep end-of-year results wait on it. The times are exact binary fractions, so no
rounding can reorder them.
"""

from __future__ import annotations

from dataclasses import dataclass

import simpy

# the month's phases, in order (see the module docstring); every family's phases are among them
PHASES = ("offer", "plan", "ship", "deploy", "admit", "retire", "serve", "draw_power")
# SimPy time within a month (exact binary fractions): happenings at its start, phase k of
# PHASES at (k + 1) / 16, the year's end after every phase of a December
PHASE_TIME = {phase: (k + 1) / 16 for k, phase in enumerate(PHASES)}
YEAR_END_TIME = 15 / 16


@dataclass(frozen=True)
class Step:
    """A family's step in one phase of every month from ``start`` on; in the months before,
    ``before`` (or nothing). A family's ``phases()`` maps a phase to a Step or a callable."""

    action: object
    start: int = 0
    before: object = None
    begin: object = None     # called once, in month ``start``, before its action (not again in a fork)


def steps(families) -> list[tuple[str, Step]]:
    """Every family's phases (``family.phases()``), as (phase, :class:`Step`) in :data:`PHASES`
    order; a phase not in PHASES is refused."""
    declared = [family.phases() for family in families]
    unknown = {name for phases in declared for name in phases} - set(PHASES)
    if unknown:
        raise ValueError(f"phases not in PHASES: {sorted(unknown)}")
    out = []
    for phase in PHASES:
        for phases in declared:
            step = phases.get(phase)
            if step is not None:
                out.append((phase, step if isinstance(step, Step) else Step(step)))
    return out


class Calendar:
    """The months of a run as SimPy time: month ``t`` is ``[t, t + 1)``.

    At ``t`` the one-off happenings of the month occur (a generation's launch, a power-capacity
    addition: each a timeout that its process waits on); then each phase of :data:`PHASES`, in
    order, at ``t + PHASE_TIME[phase]``: every family's step is a process that waits on a
    timeout to its phase's time, month after month, so SimPy's event queue carries the
    month's order; a family whose step starts later (demand, at ``demand.start_year``) waits
    for that month first. After the last phase of each December the ``year_end`` event fires,
    with the month as its value, and the families that keep end-of-year results wait on it.
    """

    def __init__(self, env: simpy.Environment):
        self.env = env
        self.year_end = env.event()
        env.process(self._years())

    def _years(self):
        env = self.env
        december = 12 * (int(env.now) // 12) + 11
        yield env.timeout(december + YEAR_END_TIME - env.now)
        while True:
            event, self.year_end = self.year_end, env.event()
            event.succeed(int(env.now))
            yield env.timeout(12)

    def happenings(self, events):
        """One-off happenings, ``(month, action)`` in order of month: each action at the start
        of its month (one process that waits for each month in turn; actions of one month in
        the order given)."""
        for month, action in events:
            if month > self.env.now:
                yield self.env.timeout(month - self.env.now)
            action()

    def monthly(self, phase: str, step: Step):
        """A family's step in ``phase``: ``step.before`` in each month before ``step.start``,
        then ``step.action`` in every month, each at the phase's time in the month."""
        env = self.env
        first = int(env.now)
        yield env.timeout(first + PHASE_TIME[phase] - env.now)
        if first < step.start:
            if step.before is not None:
                for _ in range(first, step.start):
                    step.before(int(env.now))
                    yield env.timeout(1)
            else:
                yield env.timeout(step.start - first)
        if step.begin is not None and int(env.now) == step.start:   # not in a run forked after it began
            step.begin()
        action = step.action
        while True:
            action(int(env.now))
            yield env.timeout(1)

    def at_year_ends(self, handler):
        """``handler(t)`` at the end of every December (waiting on :attr:`year_end`)."""
        while True:
            handler((yield self.year_end))
