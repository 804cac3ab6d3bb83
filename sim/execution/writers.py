"""Where results go: in memory, a preallocated netCDF or Zarr result, or compressed netCDF.

Every writer has the same face to :func:`sim.execution.execute`:

- ``keeper(work, arrays) -> value``: picklable; runs where a chunk was computed (this
  process or a local worker, which share the client's disk) or, for chunks that come back
  from a Dask cluster, in the client. It keeps the chunk (writes it) and returns what the
  client needs to know;
- ``landed(work, value)``: in the client, as each chunk lands;
- ``finished()``: the indices already kept (``--resume``); ``recover(work)``: the value of a
  chunk kept by a worker that then died, or ``None``;
- ``prepare(work, compute)`` or ``None``: work for the client while the first chunks run;
- ``close()`` when every chunk has landed (returns the result), ``abandon()`` on failure.

A writer describes results with ``describe(arrays, first_row)`` (a :class:`sim.results.Result`), a picklable callable
the runner gives it; it never runs the model.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from ..atomic import check_size_limit, commit, discard, open_lock, replacing
from ..errors import InputError
from ..results import ENCODING, as_dataset, encoded
from .chunks import CHUNK_SUFFIX, DONE_SUFFIX, ChunkStore, save_chunk
from .files import (ZARR_FORMAT, preallocate, preallocate_zarr, read_layout, write_rows, write_zarr_rows, open_zarr_result,
                    variable)

RESULT = "result.nc"        # a preallocated netCDF result, inside the store until it is complete
ZARR_RESULT = "result.zarr"
HDF5_CHUNK_BYTES = 1 << 20  # target size of one HDF5 chunk in a compressed netCDF result: 1 MiB


def keep_here(work, arrays: dict) -> dict:
    """A chunk's arrays go back to the client as they are."""
    return arrays


@dataclass(frozen=True)
class KeepInFile:
    """Save a chunk as a chunk file in the store; the value is its path."""

    store: ChunkStore

    def __call__(self, work, arrays: dict) -> str:
        path = self.store.path(work.index)
        save_chunk(path, arrays)
        return str(path)


class InStore:
    """A writer whose chunks are kept in a :class:`ChunkStore`: what is done is what the store
    holds, and a chunk kept by a worker that then died is recovered from it."""

    store: ChunkStore

    def finished(self) -> set:
        return self.store.done()

    def recover(self, work):
        path = self.store.path(work.index)
        return str(path) if path.exists() else None


class Memory:
    """Chunks gathered into full arrays in memory (``sim.run`` without ``out``, and sweeps):
    :meth:`close` returns them, ``draw`` (row) first."""

    keeper = staticmethod(keep_here)
    prepare = None

    def __init__(self, rows: int):
        self.rows, self.arrays = rows, {}

    def finished(self) -> set:
        return set()

    def recover(self, work):
        return None

    def landed(self, work, arrays: dict) -> None:
        for name, array in arrays.items():
            if name not in self.arrays:
                self.arrays[name] = np.empty((self.rows,) + array.shape[1:], dtype=array.dtype)
            self.arrays[name][work.start:work.stop] = array

    def close(self) -> dict:
        return self.arrays

    def abandon(self) -> None:
        self.arrays = {}


class Collected(InStore, Memory):
    """Chunks kept as chunk files in a store (resumable), gathered in memory at the end (sweeps)."""

    def __init__(self, rows: int, store: ChunkStore, works):
        super().__init__(rows)
        self.store, self.works, self.keeper = store, list(works), KeepInFile(store)

    def landed(self, work, value) -> None:
        pass

    def close(self) -> dict:
        for work in self.works:
            Memory.landed(self, work, self.store.load(work.index))
        return self.arrays


class Kept:
    """Each chunk's arrays kept whole, by chunk index, in memory or (with a store, resumably) as
    chunk files: for work whose chunks are not rows of one result (a calibration's candidates,
    of which each chunk keeps a different number)."""

    prepare = None

    def __init__(self, store: ChunkStore | None = None):
        self.store, self.chunks = store, {}
        self.keeper = keep_here if store is None else KeepInFile(store)

    def finished(self) -> set:
        return set() if self.store is None else InStore.finished(self)

    def recover(self, work):
        return None if self.store is None else InStore.recover(self, work)

    def landed(self, work, value) -> None:
        if self.store is None:
            self.chunks[work.index] = value

    def has(self, index: int) -> bool:
        """Whether chunk ``index`` is kept (in memory, or in the store)."""
        return index in self.chunks if self.store is None else self.store.path(index).exists()

    def get(self, index: int) -> dict:
        return self.chunks[index] if self.store is None else self.store.load(index)

    def close(self) -> "Kept":
        return self

    def abandon(self) -> None:
        pass


@dataclass(frozen=True)
class Target:
    """A preallocated result to write chunks into: its path, format, its full number of rows,
    how to describe it (``describe(arrays, first_row)`` → Dataset) and, for Zarr, the rows
    per chunk (one Zarr chunk per run chunk, so no two writers ever share one)."""

    path: str
    describe: object
    rows: int
    fmt: str = "netcdf"
    chunk_rows: int = 5_000
    out: str = ""        # where the result goes when complete (named by errors)
    token: str = field(default_factory=lambda: uuid.uuid4().hex)  # this run's, to cache its layout


_WRITERS: dict = {}  # this process's row writer for the result it is writing, by run token


@dataclass(frozen=True)
class KeepInResult:
    """Write a chunk's rows straight into the preallocated result (creating it if this is the
    first chunk to get there), then mark it done; the value is the mark's path."""

    target: Target
    store: ChunkStore

    def __call__(self, work, arrays: dict) -> str:
        target = self.target
        ensure_result(target, work, arrays)
        if target.token not in _WRITERS:  # within a run the result is created once, never replaced
            _WRITERS.clear()
            layout = read_layout(target.path) if target.fmt == "netcdf" else open_zarr_result(target.path)
            _WRITERS[target.token] = (layout, write_rows if target.fmt == "netcdf" else write_zarr_rows)
        layout, write = _WRITERS[target.token]
        write(layout, work.start, work.stop, arrays)
        marker = self.store.path(work.index)
        marker.touch()
        return str(marker)


def ensure_result(target: Target, work, arrays: dict) -> None:
    """Create the target result from a chunk's arrays unless it exists.

    Creating takes an exclusive lock on ``<result>.lock``: one process creates the result,
    others wait for it. The lock is the operating system's (``flock``), so a process that
    dies holding it releases it; the result appears at once, by rename.
    """
    path = Path(target.path)
    if not path.exists():
        lock = open_lock(path.with_suffix(".lock"))
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not path.exists():
                rows = work.stop - work.start
                needed = sum(np.asarray(a).nbytes for a in arrays.values()) // rows * target.rows
                check_space(path.parent, needed)
                if target.fmt == "netcdf":
                    check_size_limit(target.out, needed)
                ds = target.describe(arrays, work.start)
                with replacing(path, suffix=".nc" if target.fmt == "netcdf" else ".tmp", directory=target.fmt == "zarr") as tmp:
                    if target.fmt == "netcdf":
                        preallocate(encoded(ds), ds.sizes, target.rows, tmp)
                    else:
                        preallocate_zarr(as_dataset(ds), target.rows, tmp, target.chunk_rows)
        finally:
            os.close(lock)


class Preallocated(InStore):
    """The writer of uncompressed netCDF and of Zarr: a result preallocated in the chunk store
    that chunks are written straight into, renamed into place when complete.

    The client creates the result while the first chunks are computed (:meth:`prepare`), or
    the first chunk to be computed does. On ``--resume`` the partial result is checked and
    reopened as it is, its attributes brought up to date.
    """

    def __init__(self, store: ChunkStore, out, describe, rows: int, attrs: dict, fmt: str = "netcdf",
                 chunk_rows: int = 5_000):
        # imported here, before local workers are forked, not in every worker (0.1-0.4 s each)
        import h5netcdf
        import h5py  # noqa: F401 - deferred (heavy), and loaded before workers fork
        if fmt == "zarr":
            import zarr  # noqa: F401

        self.store, self.out = store, out
        self.path = store.directory / (RESULT if fmt == "netcdf" else ZARR_RESULT)
        self.keeper = KeepInResult(Target(str(self.path), describe, rows, fmt, chunk_rows, str(out)), store)
        if not self.path.exists():
            for marker in store.directory.glob(f"chunk-*{DONE_SUFFIX}"):
                marker.unlink()  # marks of chunks written into a result that is gone
            return
        try:
            if fmt == "zarr":
                open_zarr_result(self.path).attrs.update(attrs)
            else:
                read_layout(self.path)
                if attrs:
                    with h5netcdf.File(self.path, "a") as f:
                        f.attrs.update(attrs)
        except OSError as exc:  # only damaged from outside sim
            raise InputError(str(self.path), None, f"{exc}; delete the folder {store.directory} and "
                             "run again (its chunks are computed again)") from None

    def prepare(self, work, compute) -> None:
        """Create the result, if no chunk has, from a one-row dry run: the client does this
        while the workers compute their first chunks, so that none of them has to stop to."""
        if not self.path.exists():
            dry = replace(work, start=0, stop=1)
            ensure_result(self.keeper.target, dry, compute(dry))

    def landed(self, work, value) -> None:
        pass

    def close(self) -> Path:
        if self.path.suffix == ".zarr":  # every array is written: one metadata document, so readers open it at once
            import zarr  # deferred: Zarr is an optional extra

            zarr.consolidate_metadata(str(self.path), zarr_format=ZARR_FORMAT)
        return commit(self.path, self.out)

    def abandon(self) -> None:
        """Nothing to do: the partial result stays in the store for --resume."""


def check_space(folder, needed: int) -> None:
    """One line if the disk holding ``folder`` has less free space than a result needs."""
    free = shutil.disk_usage(folder).free
    if needed > free:
        raise InputError(str(folder), None, f"the result needs about {needed / 1e9:,.2f} GB and the disk has "
                         f"{free / 1e9:,.2f} GB free: free some space, or choose another --out")


class Appended(InStore):
    """The writer of compressed netCDF (``--compress``), whose variables must be stored in
    HDF5 chunks and so cannot be written by many processes: each chunk is saved as a chunk
    file; as chunks land, each one next in row order is appended to a temporary file that
    :meth:`close` renames into place; one chunk in memory at a time.

    xarray creates the file from the first chunk's dataset cut to zero rows, with ``draw``
    unlimited, so every attribute, coordinate and encoding is xarray's own; every chunk's
    arrays are then appended with h5py, which costs a fraction of an xarray append. The
    variables are stored in HDF5 chunks of about :data:`HDF5_CHUNK_BYTES`.
    """

    prepare = None

    def __init__(self, store: ChunkStore, out, describe, works, compress: bool = True):
        self.store, self.out, self.describe, self.compress = store, out, describe, compress
        self.works = list(works)
        self.keeper = KeepInFile(store)
        # inside the store, which goes when the run completes: a killed run leaves nothing beside the output
        self.tmp = store.directory / "result-appending.nc"
        self.tmp.unlink(missing_ok=True)  # a killed run's half-appended file: the chunk files rebuild it
        self.written, self.next, self.landed_indices = 0, 0, set()
        self.handle = None  # the h5py File, open for appends once created
        for index in sorted(store.done()):
            self.landed(self.works[index], None)

    def landed(self, work, value) -> None:
        """Append every chunk that is next in row order, so writing overlaps the workers."""
        self.landed_indices.add(work.index)
        while self.next < len(self.works) and self.next in self.landed_indices:
            self.append(self.works[self.next], self.store.load(self.next))
            self.next += 1

    def append(self, work, data: dict) -> None:
        """Append one chunk's arrays (``param:<key>`` is the variable ``<key>``)."""
        if self.handle is None:
            self._create(self.describe(data, work.start), work.stop - work.start)
        end = self.written + work.stop - work.start
        for name, array in dict(data, draw=np.arange(work.start, work.stop)).items():
            dataset = self.handle[variable(name)]
            dataset.resize((end,) + dataset.shape[1:])
            dataset[self.written:end] = array
        self.written = end

    def _create(self, ds, chunk_rows: int) -> None:
        """The file with every variable and attribute and no rows yet."""
        import h5py  # deferred: h5py loads only where results are written

        ds = as_dataset(ds)   # xarray creates this file
        encoding = {}
        for name, var in ds.variables.items():
            if "draw" not in var.dims:
                continue
            row_bytes = var.dtype.itemsize * (var.size // var.sizes["draw"])
            rows = max(1, min(chunk_rows, HDF5_CHUNK_BYTES // max(row_bytes, 1)))
            encoding[name] = {"chunksizes": tuple(rows if d == "draw" else n for d, n in var.sizes.items())}
            if self.compress and name in ds.data_vars:
                encoding[name].update(ENCODING)
        ds.isel(draw=slice(0, 0)).to_netcdf(self.tmp, engine="h5netcdf", unlimited_dims=["draw"], encoding=encoding)
        self.handle = h5py.File(self.tmp, "r+")

    def close(self) -> Path:
        """Rename the finished result into place."""
        self._release()
        return commit(self.tmp, self.out)

    def abandon(self) -> None:
        """Remove the unfinished result (the chunk store stays for --resume)."""
        self._release()
        discard(self.tmp)

    def _release(self) -> None:
        if self.handle is not None:
            self.handle.close()
        self.handle = None


WRITER_SUFFIX = {"preallocated": DONE_SUFFIX, "appended": CHUNK_SUFFIX, "collected": CHUNK_SUFFIX,
                 "kept": CHUNK_SUFFIX}
