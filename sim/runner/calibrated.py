"""A calibrated run's rounds (history matching, :mod:`sim.analysis.calibration`): candidate
draws in chunks until enough match every observation; the accepted draws then run in full,
together, and the prior's electricity is run beside them for comparison."""

from __future__ import annotations

import numpy as np

from .. import execution
from ..analysis import calibration
from ..options import RunOptions
from ..results import identity
from ..scenario.load import Scenario
from .. import runner as units   # the package: its simulate_values is looked up when called
from . import KEPT, DesignRows, DrawRange, ensemble_result

# candidate draws per chunk of a calibration: rounds stop within about one chunk per worker of
# the accepted draws wanted (candidates run only to the last observed year; the accepted ones
# then run in full, all together); a small run starts with smaller chunks (ten candidates per
# draw wanted, at least 1,000), so that it does not try thousands more than it needs
CALIBRATION_CHUNK_DRAWS = 5_000
# a calibrated result is gathered in memory (about 5 kB a draw for nvidia_2027): a bound well within 24 GiB
MAX_CALIBRATED_DRAWS = 200_000
PRIOR_SUMMARY_DRAWS, PRIOR_COMPARED_DRAWS = 10_000, 5_000   # prior draws a calibrated result is compared with: most, least


def calibrated(scenario: Scenario, opts: RunOptions, observations: tuple, where):
    """History matching: candidates in rounds of chunks until ``draws`` of them match, the
    first ``draws`` accepted in candidate order kept (see :mod:`sim.analysis.calibration`)."""
    draws, seed, rebound, attrs, compute = opts.draws, opts.seed, opts.rebound, opts.attrs, opts.compute
    chunk_draws = opts.chunk_draws or min(CALIBRATION_CHUNK_DRAWS, max(1_000, 10 * draws))
    max_candidates = scenario.max_candidates if opts.max_candidates is None else opts.max_candidates
    space = calibration.candidate_space(draws, max_candidates)
    works = [DrawRange(i, scenario, space, seed, a, b, rebound, observations)
             for i, (a, b) in enumerate(execution.ranges(space, chunk_draws))]
    store = None
    if opts.out is not None:
        manifest = identity(scenario, seed, draws=draws, rebound=rebound, chunk_draws=chunk_draws, writer="kept",
                            candidates=space)
        store = execution.ChunkStore(f"{opts.out}.chunks", manifest, opts.resume, execution.WRITER_SUFFIX["kept"])
    writer = execution.Kept(store)
    chunks, accepted, evaluated = [], 0, 0     # the contiguous prefix of chunks done, in order
    while True:
        while len(chunks) < len(works) and writer.has(len(chunks)) and accepted < draws:
            chunk = writer.get(len(chunks))
            chunks.append(chunk)
            accepted += len(chunk["calib:candidate"])
            evaluated += len(chunk["calib:passes"])
        done = len(chunks)
        if accepted >= draws or done == len(works):
            break
        rate = accepted / evaluated if evaluated else 1.0
        wanted = (draws - accepted) / max(rate, 1.0 / space) * 1.1
        count = max(int(np.ceil(wanted / chunk_draws)), getattr(where, "workers", 1))
        execution.execute(works[done:done + count], compute, writer, where, opts.quiet, progress=None)
    passes = np.concatenate([c["calib:passes"] for c in chunks])
    observed = np.concatenate([c["calib:observed"] for c in chunks])
    values = np.concatenate([c["calib:values"] for c in chunks])
    if accepted < draws:  # nothing to resume: every candidate was tried
        if store is not None:
            store.remove()
        raise calibration.too_few(scenario, observations, accepted, draws, observed, passes, values,
                                  scenario.uncertain)
    candidates = np.concatenate([c["calib:candidate"] for c in chunks])[:draws]
    considered = int(candidates[-1]) + 1          # candidates up to the last one kept
    kept = [c for c in chunks if len(c["calib:candidate"])]   # a chunk that kept none adds nothing
    arrays = {name: np.concatenate([c[name] for c in kept])[:draws]
              for name in kept[0] if not name.startswith("calib:")}
    to_run = {name[len(KEPT):]: arrays.pop(name) for name in list(arrays) if name.startswith(KEPT)}
    if to_run:   # the accepted draws' values: they run in full, together, a chunk per worker at most
        size = min(chunk_draws, -(-draws // getattr(where, "workers", 1)))
        arrays = execution.execute([DesignRows(i, scenario, {k: v[a:b] for k, v in to_run.items()}, None, a, b,
                                               rebound) for i, (a, b) in enumerate(execution.ranges(draws, size))],
                                   units.simulate_values, execution.Memory(draws), where)
    if opts.progress is not None:
        opts.progress(draws)
    result = ensemble_result(scenario, draws, seed, attrs, arrays)
    if store is not None:
        store.remove()
    calibration.annotate(result, scenario, observations, candidates, observed[:considered],
                         passes[:considered], values[:considered], space)
    # the prior's electricity beside it: its first candidates (at least PRIOR_COMPARED_DRAWS: enough
    # that those matching all observations but one say what that one narrows) run, keeping only it
    n = min(max(draws, PRIOR_COMPARED_DRAWS), considered, PRIOR_SUMMARY_DRAWS)
    prior = [DrawRange(i, scenario, space, seed, a, b, False, (), frozenset({"energy"}))
             for i, (a, b) in enumerate(execution.ranges(n, chunk_draws))]
    calibration.compare_energy(result, execution.execute(prior, compute, execution.Memory(n), where)["energy"], passes[:n])
    return result
