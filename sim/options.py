"""How a run is carried out, as one frozen object: what is computed, where it runs, where it goes.

:class:`RunOptions` is what the command line builds from its flags, what ``sim.run(...)``
builds from its keywords, and what the runner and the execution layer read: one object, so a
setting is named, defaulted and checked in one place (:meth:`RunOptions.resolved`).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping

import numpy as np

from .atomic import check_kind
from .errors import InputError

FORMATS = ("netcdf", "zarr")


@dataclass(frozen=True)
class RunOptions:
    """The settings of a run (``sim.run`` and ``sim run``), all optional.

    What is computed
        ``draws``, ``seed`` (default: the scenario's ``sampling.*``); ``rebound`` (demand
        mode: also run each draw with elasticity 0; default ``demand.decompose_rebound``);
        ``calibrate`` (keep only the draws consistent with every ``[[observation]]``, ``draws``
        then counts the accepted ones; default ``calibration.default``); ``max_candidates``
        (the most candidates a calibration tries; default the scenario's, else 1,000 per draw).
    Where it runs
        ``chunk_draws`` (draws per chunk: memory, speed and resume only, never the result;
        default 5,000, 20,000 for Zarr; calibrations choose their own); ``workers`` (local
        worker processes); ``scheduler`` (a running Dask scheduler's address, instead).
    Where it goes
        ``out`` (stream the result to this file instead of building it in memory); ``fmt``
        (``netcdf`` or ``zarr``; default ``zarr`` for an ``out`` ending in ``.zarr``);
        ``compress`` (zlib netCDF); ``resume`` (go on from the chunks an interrupted run left);
        ``force`` (replace a sim result that holds something else); ``reopen`` (return the
        written file opened lazily, or only its path).
    What is said
        ``quiet`` (no progress bar; default: a bar where a person may watch, a terminal or a
        notebook); ``progress`` (called with the draws each chunk adds);
        ``attrs`` (extra attributes for the result: the command line records itself).
    For tests
        ``compute``: the unit of work (default :func:`sim.runner.simulate_draws`).
    """

    draws: int | None = None
    seed: int | None = None
    rebound: bool | None = None
    calibrate: bool | None = None
    max_candidates: int | None = None
    chunk_draws: int | None = None
    workers: int = 1
    scheduler: str | None = None
    out: str | Path | None = None
    fmt: str | None = None
    compress: bool = False
    resume: bool = False
    force: bool = False
    reopen: bool = True
    quiet: bool | None = None
    progress: Callable | None = None
    attrs: Mapping = field(default_factory=dict)
    compute: Callable | None = None

    @classmethod
    def of(cls, options: "RunOptions | None" = None, **settings) -> "RunOptions":
        """``options`` (or the defaults) with ``settings`` changed; an unknown setting is a
        TypeError naming the valid ones."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(settings) - names)
        if unknown:
            raise TypeError(f"unknown run setting {unknown[0]!r}; valid: {', '.join(sorted(names))}")
        return dataclasses.replace(options or cls(), **settings)

    def resolved(self, scenario) -> "RunOptions":
        """These options checked at the boundary and filled from the scenario: draws, seed,
        rebound, calibrate and the format are concrete (one line for anything invalid)."""
        from .scenario.load import check_options  # the scenario module loads scipy.stats: only when running

        draws, seed, rebound = check_options(scenario, self.draws, self.seed, self.rebound)
        fmt = self.fmt
        if fmt is None:
            fmt = "zarr" if self.out is not None and str(self.out).endswith(".zarr") else "netcdf"
        if self.out is not None:
            check_kind(self.out, (".nc", ".zarr"), "sim run writes a netCDF result or a Zarr store")
        suffix = {"zarr": ".nc", "netcdf": ".zarr"}.get(fmt)   # the other format's name
        if self.out is not None and suffix and str(self.out).endswith(suffix):
            raise InputError("--format", None, f"{fmt} does not fit --out {self.out}: a netCDF result's name ends in "
                             ".nc, a Zarr store's in .zarr (without --format, the name chooses)")
        chunk_draws(self.workers, self.scheduler, self.chunk_draws, fmt)
        if self.out is None and (self.resume or fmt != "netcdf" or self.compress):
            raise InputError("--resume" if self.resume else "--format", None,
                             "resume, Zarr and compression need a result file (out)")
        calibrate = scenario.calibrate if self.calibrate is None else bool(self.calibrate)
        cap = self.max_candidates
        if cap is not None and (not _whole(cap) or cap < draws):
            raise InputError("--max-candidates", None, f"must be a whole number at least the draws wanted "
                             f"({draws:,}), got {cap!r}")
        return dataclasses.replace(self, draws=draws, seed=seed, rebound=rebound, calibrate=calibrate, fmt=fmt,
                                   out=None if self.out is None else Path(self.out), attrs=dict(self.attrs))

    @property
    def chunk(self) -> int:
        """Draws per chunk: the one given, or the format's default."""
        return chunk_draws(self.workers, self.scheduler, self.chunk_draws, self.fmt or "netcdf")


# draws per chunk: large enough that numpy's per-call cost is small, small enough that a
# chunk's state stays near the CPU caches (5,000 ran 8-11 % faster than 2,500 or 10,000 on both
# the installed-base and the demand scenarios); bounded memory
DEFAULT_CHUNK_DRAWS = 5_000
# Zarr runs (the largest) default to larger chunks: a quarter as many files as 5,000-draw
# chunks would make for a million draws, and as fast to write (each worker compresses its own)
ZARR_CHUNK_DRAWS = 20_000


def max_workers() -> int:
    """The most local worker processes a run may start: four per core (more only contend for
    the cores, and a mistyped count must not fork thousands of processes)."""
    return 4 * (os.cpu_count() or 1)


def chunk_draws(workers=1, scheduler=None, chunk_draws=None, fmt: str = "netcdf") -> int:
    """Check the options of where work runs (once, at the boundary, before anything is made);
    return the draws per chunk (the format's default when ``chunk_draws`` is ``None``)."""
    if fmt not in FORMATS:
        raise InputError("--format", None, f"must be netcdf or zarr, got {fmt!r}")
    if fmt == "zarr" and importlib.util.find_spec("zarr") is None:
        raise InputError("--format", None, "zarr needs the zarr package: pip install -e \".[distributed]\"")
    if not _whole(workers) or not 1 <= workers <= max_workers():
        raise InputError("--workers", None, f"must be a whole number from 1 to {max_workers()} (four per core of "
                         f"this machine; a larger run goes to a Dask cluster: --scheduler), got {workers!r}")
    if scheduler is not None and (not isinstance(scheduler, str) or not scheduler.strip()):
        raise InputError("--scheduler", None, "give the address of a running Dask scheduler, "
                         "e.g. tcp://127.0.0.1:8786")
    if chunk_draws is None:
        return ZARR_CHUNK_DRAWS if fmt == "zarr" else DEFAULT_CHUNK_DRAWS
    if not _whole(chunk_draws) or chunk_draws < 1:
        raise InputError("--chunk-draws", None, f"must be at least 1, got {chunk_draws!r}")
    return int(chunk_draws)


def _whole(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)
