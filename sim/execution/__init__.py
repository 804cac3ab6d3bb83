"""Execution beneath the runner: where chunks run, and where their results go.

The runner (:mod:`sim.runner`) cuts its work into chunks (ranges of draws, or of a sweep's
design rows) and hands them here with the function that computes one; a chunk's result
depends only on the chunk, so results are bit for bit the same however they are run.

- :mod:`.backends`: this process, local worker processes or a Dask cluster, behind one
  ``run`` method;
- :mod:`.writers`: in memory, a preallocated netCDF or Zarr result that every worker writes
  its rows into, compressed netCDF appended in order, or chunk files gathered at the end;
- :mod:`.chunks`: the chunk-file format and the store beside the output that is a run's
  resume ledger; :mod:`.files`: the preallocated result formats.

A backend never needs to know the writer, nor a writer the backend: :func:`execute` joins them.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from functools import partial

import numpy as np
from tqdm import tqdm

from .backends import backend
from .chunks import ChunkStore, ranges
from .writers import WRITER_SUFFIX, Appended, Collected, Kept, Memory, Preallocated

# where work runs is checked once, with the run's options (:mod:`sim.options`)
from ..options import DEFAULT_CHUNK_DRAWS, FORMATS, ZARR_CHUNK_DRAWS  # noqa: E402
from ..options import chunk_draws as check  # noqa: E402

__all__ = ["FORMATS", "DEFAULT_CHUNK_DRAWS", "ZARR_CHUNK_DRAWS", "Appended", "ChunkStore", "Collected", "Kept",
           "Memory", "Preallocated", "WRITER_SUFFIX", "backend", "check", "closing", "execute", "ranges"]


def compute_and_keep(compute, keep, work):
    """Compute a chunk and keep it where it was computed (a task for this machine's processes)."""
    return keep(work, compute(work))


def c_order(compute, work) -> dict:
    """Compute a chunk with its arrays C-ordered (the transpose is done by the worker, in
    parallel, not by the client that writes the result)."""
    return {name: np.require(array, requirements="C") for name, array in compute(work).items()}


class Progress:
    """Chunks done, rows per second and time left (tqdm), where a person watches: on a terminal's
    stderr, or in a notebook (tqdm's notebook bar where ipywidgets is installed, else text).
    ``quiet=True`` silences it, ``False`` shows it wherever someone may watch, ``None`` (the
    Python API's default) likewise; ``callback(rows)`` is called as each chunk lands."""

    def __init__(self, works, done: int, quiet: bool | None, callback=None):
        self.callback = callback
        bar = _bar()
        self.bar = bar(total=len(works), initial=done, unit="chunk", file=sys.stderr,
                       disable=bool(quiet) or not watched(), dynamic_ncols=True)
        self.began, self.count = time.perf_counter(), 0

    def update(self, work) -> None:
        rows = work.stop - work.start
        self.count += rows
        rate = self.count / max(time.perf_counter() - self.began, 1e-9)
        self.bar.set_postfix_str(f"{rate:,.0f} draws/s")
        self.bar.update(1)
        if self.callback is not None:
            self.callback(rows)

    def close(self) -> None:
        self.bar.close()


def watched() -> bool:
    """Whether a person may be watching: stderr is a terminal, or this is a notebook's kernel."""
    return sys.stderr.isatty() or "ipykernel" in sys.modules


def _bar():
    """tqdm's notebook bar in a notebook with ipywidgets (a widget, not lines of text), else tqdm."""
    if "ipykernel" in sys.modules and importlib.util.find_spec("ipywidgets") is not None:
        from tqdm.notebook import tqdm as notebook_bar  # ipywidgets: only in a notebook

        return notebook_bar
    return tqdm


def execute(works, compute, writer, where, quiet: bool | None = True, progress=None):
    """Run every chunk the writer has not kept yet on the backend ``where``; return
    ``writer.close()``. On any failure (an interrupt included) the writer is abandoned (what
    was kept stays for ``--resume``). The caller lets go of the backend (:func:`closing`).

    Parameters
    ----------
    works : list
        The chunks, in row order, with ``index``, ``start`` and ``stop``.
    compute : callable
        ``compute(work) -> dict`` of arrays, rows first: the runner's unit of work.
    writer : Memory, Collected, Preallocated or Appended
    where : Serial, LocalProcesses or DaskCluster
    progress : callable, optional
        Called with the number of rows of each chunk that lands.
    """
    try:
        done = writer.finished()
        todo = [w for w in works if w.index not in done]
        bar = Progress(works, len(works) - len(todo), quiet, progress)

        def landed(work, value):
            writer.landed(work, value)
            bar.update(work)

        prepare = partial(writer.prepare, todo[0], compute) if todo and writer.prepare else None
        try:
            if where.shares_disk:
                where.run(todo, partial(compute_and_keep, compute, writer.keeper), landed, writer.recover, prepare)
            else:
                keep = writer.keeper
                where.run(todo, partial(c_order, compute), lambda w, arrays: landed(w, keep(w, arrays)),
                          None, prepare)
        finally:
            bar.close()
    except BaseException:
        writer.abandon()
        raise
    return writer.close()


class closing:
    """``with closing(backend(...)) as where:``: the backend is let go however the block ends."""

    def __init__(self, where):
        self.where = where

    def __enter__(self):
        return self.where

    def __exit__(self, *exc) -> None:
        if hasattr(self.where, "close"):
            self.where.close()
