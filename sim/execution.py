"""Chunked, resumable execution: one process, local worker processes, or a Dask cluster.

A run is cut into *chunks* of draws. A chunk's result depends only on the scenario, the
seed, the ensemble's size and its draw range (:func:`sim.runner.simulate_range`: randomness
comes from the fixed SeedSequence stream blocks of :mod:`sim.sampling`), so results are bit
for bit the same in one process, in ``--workers N`` local processes, or on a Dask cluster.

Finished chunks are kept in a chunk store beside the output (``<out>.chunks/``), which is
also the run's ledger; ``--resume`` keeps what is there (the store's manifest must match the
run) and computes only the rest. There are two ways of writing the result:

- **netCDF (the default) and Zarr**: :class:`Preallocated`. The result is created whole in
  the store (``result.nc``: every draw-dimensioned variable contiguous at its full size,
  allocated, never filled; ``result.zarr``: every array at its full size, one Zarr chunk per
  run chunk) by the client while the first chunks are computed, or by the first process to
  hold a chunk. Whoever computes a chunk (this process or a local worker) writes its rows
  straight into the result (netCDF through a memory map), then marks the chunk done
  (``chunk-NNNNN.done``). Chunks from a Dask cluster, whose workers need not share a disk,
  come back to the client, which writes them the same way. Nothing is copied twice and the
  client writes nothing while local workers run.
- **Compressed netCDF** (``--compress``, whose HDF5 chunks only one process can write):
  :class:`Appender`. Each chunk is saved to the store as a chunk file
  (``chunk-NNNNN.npys``); as chunks land, each one next in draw order is appended to the
  result, so the client holds one chunk at a time and writing overlaps the workers'
  computing.

The store is removed once the result is in place.

A local worker process that dies takes its pool down: the pool is rebuilt and the chunks
that had not come back are run again (finished chunks are on disk already). On Dask the
scheduler re-runs a lost task on another worker.
"""

from __future__ import annotations

import json
import mmap
import shutil
import sys
import tempfile
import time
import uuid
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from functools import partial
from multiprocessing import get_context
from pathlib import Path

import numpy as np

from .atomic import commit, discard, replacing, temporary
from .errors import ScenarioError
from .runner import DEFAULT_BATCH_DRAWS

PARAM = "param:"            # prefix of sampled values in a chunk file
MANIFEST = "manifest.json"
CHUNK_SUFFIX = ".npys"      # a chunk file: a sequence of .npy records (see save_chunk)
DONE_SUFFIX = ".done"       # marks a chunk written straight into a preallocated result
RESULT = "result.nc"        # a preallocated netCDF result, inside the store until it is complete
ZARR_RESULT = "result.zarr"
PAGE = 4096                 # a preallocated result's variables start on page boundaries
HDF5_CHUNK_BYTES = 1 << 20  # target size of one HDF5 chunk in a netCDF result: 1 MiB
# Zarr runs (the largest) default to larger chunks: a quarter as many files as 5,000-draw
# chunks would make for a million draws, and as fast to write (each worker compresses its own)
ZARR_CHUNK_DRAWS = 20_000
FORMATS = ("netcdf", "zarr")


@dataclass(frozen=True)
class Chunk:
    """Draws ``[start, stop)`` of an ensemble: the unit of work and of the ledger."""

    index: int
    scenario: object
    draws: int
    seed: int
    start: int
    stop: int
    rebound: bool


@dataclass(frozen=True)
class DesignChunk:
    """Rows ``[start, stop)`` of a sweep's design: parameter values and the metric to compute."""

    index: int
    scenario: object
    values: dict
    metric: object
    start: int
    stop: int


def compute_design(chunk: DesignChunk) -> dict[str, np.ndarray]:
    """The metric (s, n) for one chunk of a sweep's design."""
    from .sweep import evaluate

    return {"metric": evaluate(chunk.scenario, chunk.values, chunk.metric)}


def compute_design_to_file(chunk: DesignChunk, path: str) -> str:
    save_chunk(path, compute_design(chunk))
    return path


def evaluate_design(scenario, values: dict, metric, *, rows_per_chunk: int, workers: int = 1,
                    scheduler: str | None = None, store_path=None, manifest: dict | None = None,
                    resume: bool = False, quiet: bool = True) -> np.ndarray:
    """A sweep's design evaluated in chunks on the chosen backend; the metric (s, n).

    The same layer as :func:`execute`: chunks of rows as local processes or Dask tasks, each
    landing in a chunk store that ``resume`` picks up from.
    """
    n = len(next(iter(values.values())))
    chunks = [DesignChunk(i, scenario, {k: v[a:min(a + rows_per_chunk, n)] for k, v in values.items()}, metric,
                          a, min(a + rows_per_chunk, n)) for i, a in enumerate(range(0, n, rows_per_chunk))]
    client = connect(scheduler) if scheduler else None
    own_store = store_path is None
    directory = store_path or tempfile.mkdtemp(prefix="sim-sweep-")
    store = ChunkStore(directory, manifest or {}, resume and not own_store)
    _run_pending(chunks, store, client, workers, quiet, compute_design, compute_design_to_file)
    result = np.concatenate([store.load(c.index)["metric"] for c in chunks], axis=1)
    store.remove()
    return result


def _run_pending(chunks, store, client, workers: int, quiet: bool, compute_fn, compute_to,
                 appender=None, keep=None, prepare=None) -> None:
    """Run the chunks not yet in the store: on Dask, on local workers, or here; then let go
    of the client. With an ``appender``, chunks are written out in draw order as they land;
    ``keep`` is how the client keeps a chunk that comes back from Dask (see :func:`run_dask`);
    ``prepare()`` is work for the client while the first chunks run elsewhere."""
    done = store.done()
    todo = [c for c in chunks if c.index not in done]
    progress = Progress(chunks, len(chunks) - len(todo), quiet)
    if appender is not None:
        progress = Sink(chunks, store, progress, appender)
        for index in sorted(done):
            progress.update(index, count=False)
    try:
        if client is not None:
            run_dask(todo, store, progress, client, compute_fn, keep, prepare)
        elif workers > 1:
            run_local(todo, store, progress, workers, compute_to, prepare)
        else:
            run_serial(todo, store, progress, compute_to)
    finally:
        (progress.progress if appender is not None else progress).close()
        if client is not None:
            client.close()


def plan(scenario, draws: int, seed: int, rebound: bool, chunk_draws: int = DEFAULT_BATCH_DRAWS) -> list[Chunk]:
    """The chunks of an ensemble, in draw order."""
    return [Chunk(i, scenario, draws, seed, start, min(start + chunk_draws, draws), rebound)
            for i, start in enumerate(range(0, draws, chunk_draws))]


def chunk_arrays(chunk: Chunk) -> dict[str, np.ndarray]:
    """Run one chunk: its outputs and sampled values (``param:<key>``), ``draw`` first, as
    the model leaves them (views with ``draw`` last in memory)."""
    from .runner import simulate_range

    batch, values = simulate_range(chunk.scenario, chunk.draws, chunk.seed, chunk.start, chunk.stop,
                                   chunk.rebound)
    batch.update({PARAM + key: values[key] for key in chunk.scenario.uncertain})
    return batch


def compute(chunk: Chunk) -> dict[str, np.ndarray]:
    """Run one chunk; its arrays C-ordered, ``draw`` first (the transpose is done here, in
    parallel, not by the client that writes the result)."""
    return {name: np.require(array, requirements="C") for name, array in chunk_arrays(chunk).items()}


def compute_into(chunk: Chunk, marker: str, target: Target) -> str:
    """Run one chunk, write its rows straight into the preallocated result (creating it if
    this is the first chunk to get there), then mark it done (for this process and local
    workers, which share the client's disk)."""
    write_into(target, chunk, chunk_arrays(chunk), marker)
    return marker


def compute_to_file(chunk: Chunk, path: str) -> str:
    """Run one chunk and save it (for local workers, which share the client's disk)."""
    save_chunk(path, compute(chunk))
    return path


def save_chunk(path, arrays: dict) -> None:
    """Write a chunk's arrays atomically: a ``.npy`` record of their names, then one ``.npy``
    record per array, in C order.

    Unlike ``np.savez`` this is one copy from memory to the file, with no zip container to
    checksum, and :func:`load_chunk` can map each record without reading it.
    """
    with replacing(path) as tmp, open(tmp, "wb") as handle:
        np.save(handle, np.array(list(arrays), dtype=str), allow_pickle=False)
        for array in arrays.values():
            np.save(handle, np.require(array, requirements="C"), allow_pickle=False)


def load_chunk(path) -> dict[str, np.ndarray]:
    """The arrays of a chunk file written by :func:`save_chunk`, as read-only views of the
    file mapped into memory: whoever uses them (the result writer) makes the only copy."""
    fmt = np.lib.format
    with open(path, "rb") as handle:
        names = np.load(handle, allow_pickle=False)
        mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        arrays = {}
        try:
            for name in names:
                version = fmt.read_magic(handle)
                shape, fortran_order, dtype = (fmt.read_array_header_1_0(handle) if version == (1, 0)
                                               else fmt.read_array_header_2_0(handle))
                offset = handle.tell()
                array = np.ndarray(shape, dtype, buffer=mapped, offset=offset,
                                   order="F" if fortran_order else "C")
                handle.seek(offset + array.nbytes)
                arrays[str(name)] = array
        except (ValueError, TypeError) as exc:  # a short header or a buffer too small
            raise OSError(f"{path}: not a complete chunk file ({exc})") from None
    return arrays


@dataclass(frozen=True)
class Layout:
    """Where the draw-dimensioned variables of a preallocated result lie in its file:
    variable name → (byte offset, shape, dtype)."""

    path: str
    variables: dict


@dataclass(frozen=True)
class Target:
    """A preallocated result to write chunks into: its path, format (``netcdf`` or ``zarr``),
    the attributes it is created with and, for Zarr, the draws per chunk (one Zarr chunk per
    run chunk, so that no two writers ever share one). Whoever first has a chunk's arrays
    creates it (:func:`ensure_result`)."""

    path: str
    attrs: dict
    fmt: str = "netcdf"
    chunk_draws: int = DEFAULT_BATCH_DRAWS
    token: str = field(default_factory=lambda: uuid.uuid4().hex)  # this run's, to cache its layout


_WRITERS: dict = {}  # this process's row writer for the result it is writing, by run token


def variable(name: str) -> str:
    """The result variable of a chunk's array (``param:<key>`` is the variable ``<key>``)."""
    return name[len(PARAM):] if name.startswith(PARAM) else name


def write_into(target: Target, chunk: Chunk, data: dict, marker) -> None:
    """Write a chunk's rows into the target result (creating it if need be), then mark the
    chunk done."""
    ensure_result(target, chunk, data)
    key = target.token  # within a run the result is created once and never replaced
    if key not in _WRITERS:
        _WRITERS.clear()
        _WRITERS[key] = (partial(write_rows, read_layout(target.path)) if target.fmt == "netcdf"
                         else partial(write_zarr_rows, open_zarr_result(target.path)))
    _WRITERS[key](chunk, data)
    Path(marker).touch()


def ensure_result(target: Target, chunk: Chunk, data: dict) -> None:
    """Create the target result from a chunk's arrays (:func:`preallocate`,
    :func:`preallocate_zarr`) unless it exists.

    Creating takes an exclusive lock on ``<result>.lock``: one process creates the result,
    others wait for it. The lock is the operating system's (``flock``), so a process that
    dies holding it releases it; the result appears at once, by rename.
    """
    import fcntl

    path = Path(target.path)
    if not path.exists():
        with open(path.with_suffix(".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not path.exists():
                ds = _dataset(chunk.scenario, chunk.draws, chunk.seed, data, chunk.start, target.attrs)
                with replacing(path, suffix=".nc", directory=target.fmt == "zarr") as tmp:
                    if target.fmt == "netcdf":
                        preallocate(ds, chunk.draws, tmp)
                    else:
                        preallocate_zarr(ds, chunk.draws, tmp, target.chunk_draws)


def preallocate_zarr(ds, draws: int, path, chunk_draws: int) -> None:
    """Create a Zarr result for ``draws`` draws shaped like ``ds``, with no draws written yet.

    xarray writes the store from ``ds`` cut to zero draws (every attribute and encoding is
    xarray's), with chunks of ``chunk_draws`` draws; zarr then resizes every ``draw`` array
    to its full length (metadata only) and writes the ``draw`` coordinate.
    """
    import zarr

    encoding = {name: {"chunks": tuple(chunk_draws if d == "draw" else n for d, n in v.sizes.items())}
                for name, v in ds.variables.items() if "draw" in v.dims}
    ds.isel(draw=slice(0, 0)).to_zarr(path, mode="w", zarr_format=3, consolidated=False, encoding=encoding)
    group = zarr.open_group(path, mode="r+")
    for name in encoding:
        group[name].resize((draws,) + group[name].shape[1:])
    group["draw"][:] = np.arange(draws)


def write_zarr_rows(group, chunk: Chunk, data: dict) -> None:
    """Write a chunk's rows into a preallocated Zarr result: exactly one Zarr chunk of each
    array, which this writer compresses."""
    for name, array in data.items():
        group[variable(name)][chunk.start:chunk.stop] = array


def open_zarr_result(path):
    """The Zarr group of a result made by :func:`preallocate_zarr`; OSError if it is not one."""
    import zarr

    try:
        missing = [p.name for p in Path(path).iterdir() if p.is_dir() and not (p / "zarr.json").exists()]
        if missing:
            raise ValueError(f"no metadata for {', '.join(sorted(missing))}")
        group = zarr.open_group(path, mode="r+")
        draws = group["draw"].shape[0]
        if not draws or any(a.shape[:1] != (draws,) for a in group.array_values()
                            if (a.metadata.dimension_names or ())[:1] == ("draw",)):
            raise ValueError("its arrays do not all have the full number of draws")
    except Exception as exc:  # noqa: BLE001 - zarr raises many kinds; all mean a damaged store
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise OSError(f"not a preallocated Zarr result ({reason})") from None
    return group


def preallocate(ds, draws: int, path) -> None:
    """Create a netCDF result for ``draws`` draws shaped like ``ds`` (any number of draws),
    with no draws written yet (:func:`read_layout` says where they go).

    Every variable, attribute and dimension is encoded by xarray's CF encoders, as
    ``to_netcdf`` would, and written with h5netcdf, the library ``to_netcdf`` writes with
    (``to_netcdf`` itself is not used: with Dask installed it imports Dask distributed,
    about 0.2 s more in whichever process creates the result). Variables with a ``draw``
    dimension are laid out contiguously at their full size, allocated at once and never
    filled, each starting on a page boundary.
    """
    import h5netcdf
    import h5py
    from h5py import h5d, h5p
    from xarray.conventions import encode_cf_variable, encode_dataset_coordinates

    variables, global_attrs = encode_dataset_coordinates(ds)
    with h5netcdf.File(path, "w", alignment_threshold=PAGE, alignment_interval=PAGE) as f:
        f.attrs.update(global_attrs)
        f.dimensions = {name: draws if name == "draw" else size for name, size in ds.sizes.items()}
        for name, var in variables.items():
            var = encode_cf_variable(var, name=name)
            attrs = dict(var.attrs)
            fill = attrs.pop("_FillValue", None)
            dtype, data = var.dtype, var.values
            if dtype.kind in "OU":  # text: netCDF-4 variable-length strings, as xarray writes them
                dtype, data = h5py.string_dtype(), data.astype(object)
            elif dtype.kind not in "biuf":
                raise TypeError(f"{name}: cannot write a variable of type {dtype}")
            if name == "draw":
                created = f.create_variable(name, ("draw",), dtype, data=np.arange(draws, dtype=dtype))
            elif "draw" in var.dims:
                if var.dims[0] != "draw":
                    raise ValueError(f"{name}: draw must be the first dimension, not {var.dims}")
                dcpl = h5p.create(h5p.DATASET_CREATE)
                dcpl.set_alloc_time(h5d.ALLOC_TIME_EARLY)
                dcpl.set_fill_time(h5d.FILL_TIME_NEVER)
                created = f.create_variable(name, var.dims, dtype, fillvalue=fill, dcpl=dcpl)
            else:
                created = f.create_variable(name, var.dims, dtype, data=data, fillvalue=fill)
            created.attrs.update(attrs)


def read_layout(path) -> Layout:
    """The :class:`Layout` of a file made by :func:`preallocate`; OSError if it is not one.

    Its variables are the datasets whose first netCDF dimension is ``draw`` (the dimension
    scale ``/draw``), each of which must lie whole within the file.
    """
    import h5py

    variables = {}
    try:
        size = Path(path).stat().st_size
        with h5py.File(path, "r") as f:
            draw = f["draw"]
            for name, dataset in f.items():
                if name == "draw" or not dataset.ndim or draw not in dataset.dims[0].values():
                    continue
                offset = dataset.id.get_offset()
                if offset is None or dataset.chunks is not None or offset + dataset.nbytes > size:
                    raise OSError(f"{name} does not lie whole within the file")
                variables[name] = (offset, dataset.shape, dataset.dtype.str)
    except (OSError, KeyError, ValueError) as exc:  # a file that is not what it should be
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise OSError(f"not a preallocated result ({reason})") from None
    return Layout(str(path), variables)


def write_rows(layout: Layout, chunk: Chunk, data: dict) -> None:
    """Write a chunk's rows into a preallocated result through a shared memory map (each
    array goes from the model's memory order straight to the file's: one copy)."""
    with open(layout.path, "r+b") as handle, mmap.mmap(handle.fileno(), 0) as mapped:
        for name, array in data.items():
            offset, shape, dtype = layout.variables[variable(name)]
            target = np.ndarray(shape, dtype, buffer=mapped, offset=offset)
            target[chunk.start:chunk.stop] = array
            del target  # the map cannot close while a view of it is alive


class ChunkStore:
    """Finished chunks on disk (``<out>.chunks/chunk-00000.npys``, or ``.done`` markers beside
    a preallocated ``result.nc`` or ``result.zarr``) and a manifest of the run."""

    def __init__(self, directory, manifest: dict, resume: bool, suffix: str = CHUNK_SUFFIX):
        self.directory, self.suffix = Path(directory), suffix
        if self.directory.exists():
            old = self._manifest()
            if resume and old is not None and old != manifest:
                differing = sorted(k for k in manifest if old.get(k) != manifest[k])
                raise ScenarioError(str(self.directory), None, "the chunks here were written for a "
                                    f"different run ({', '.join(differing)} differ); remove the folder "
                                    "or run without --resume")
            if not resume:
                shutil.rmtree(self.directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        (self.directory / MANIFEST).write_text(json.dumps(manifest, sort_keys=True, indent=1))

    def _manifest(self):
        try:
            return json.loads((self.directory / MANIFEST).read_text())
        except (OSError, ValueError):
            return None

    def path(self, index: int) -> Path:
        return self.directory / f"chunk-{index:05d}{self.suffix}"

    def done(self) -> set[int]:
        return {int(p.stem.split("-")[1]) for p in self.directory.glob(f"chunk-*{self.suffix}")}

    def load(self, index: int) -> dict:
        try:
            return load_chunk(self.path(index))
        except OSError as exc:  # written atomically, so only damaged from outside
            raise ScenarioError(str(self.path(index)), None, f"{exc}; delete this file and run again "
                                "with --resume (the chunk is computed again)") from None

    def remove(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)


class Progress:
    """Chunks done, draws per second and time left, on stderr (tqdm): silent when quiet or
    when stderr is not a terminal."""

    def __init__(self, chunks, done: int, quiet: bool):
        from tqdm import tqdm

        self.draws = {c.index: c.stop - c.start for c in chunks}
        self.bar = tqdm(total=len(chunks), initial=done, unit="chunk", file=sys.stderr,
                        disable=quiet or not sys.stderr.isatty(), dynamic_ncols=True)
        self.began, self.count = time.perf_counter(), 0

    def update(self, index: int) -> None:
        self.count += self.draws[index]
        rate = self.count / max(time.perf_counter() - self.began, 1e-9)
        self.bar.set_postfix_str(f"{rate:,.0f} draws/s")
        self.bar.update(1)

    def close(self) -> None:
        self.bar.close()


# ------------------------------------------------------------------------------ backends

def run_serial(chunks, store, progress, compute_to=compute_to_file):
    for chunk in chunks:
        compute_to(chunk, str(store.path(chunk.index)))
        progress.update(chunk.index)


def run_local(chunks, store, progress, workers: int, compute_to=compute_to_file, prepare=None):
    """Chunks on ``workers`` local processes; a dead worker's pool is rebuilt and the chunks
    that had not come back are run again. ``prepare()`` runs here once the first are submitted."""
    pending = {c.index: c for c in chunks}
    attempts = 0
    while pending:
        attempts += 1
        if attempts > 3 * len(chunks) + 3:
            raise RuntimeError("worker processes keep dying; giving up")
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("fork")) as pool:
            futures = {pool.submit(compute_to, c, str(store.path(c.index))): c.index for c in pending.values()}
            if prepare is not None and chunks:
                prepare()
                prepare = None
            try:
                while futures:
                    finished, _ = wait(futures, return_when=FIRST_COMPLETED)
                    for future in finished:
                        index = futures.pop(future)
                        future.result()
                        pending.pop(index, None)
                        progress.update(index)
            except BrokenProcessPool:
                # a worker died: what finished is on disk; the rest runs again in a new pool
                for index in list(pending):
                    if store.path(index).exists():
                        pending.pop(index)
                        progress.update(index)
                continue


def connect(address: str, timeout: float = 5.0):
    """A Dask client for a running scheduler, or a one-line error within ``timeout`` seconds."""
    try:
        from distributed import Client
    except ImportError:
        raise ScenarioError("--scheduler", None, "needs Dask distributed: "
                            "pip install -e \".[distributed]\"") from None
    try:
        return Client(address, timeout=f"{timeout}s", set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        reason = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
        raise ScenarioError("--scheduler", address, f"no Dask scheduler answered within "
                            f"{timeout:g} s ({reason})") from None


def run_dask(chunks, store, progress, client, compute_fn=compute, keep=None, prepare=None):
    """Chunks as Dask tasks; results stream back and are kept as they arrive (``keep(chunk,
    arrays, path)``; by default saved as chunk files). A task whose worker dies is re-run by the
    scheduler on another worker. ``prepare()`` runs here once the tasks are submitted."""
    from distributed import as_completed

    keep = keep or (lambda chunk, arrays, path: save_chunk(path, arrays))
    futures = {client.submit(compute_fn, c, key=f"sim-chunk-{c.index}-{c.start}-{c.stop}-{id(c)}", pure=False): c
               for c in chunks}
    if prepare is not None and chunks:
        prepare()
    for future in as_completed(futures, loop=client.loop):
        chunk = futures[future]
        keep(chunk, future.result(), store.path(chunk.index))
        future.release()
        progress.update(chunk.index)


# ------------------------------------------------------------------------------ assembly

class Appender:
    """The writer of compressed netCDF (``--compress``), whose variables must be stored in
    HDF5 chunks and so cannot be written by many processes: the result is written chunk by
    chunk, in draw order, to a temporary file that :meth:`close` renames into place; one
    chunk in memory at a time.

    xarray creates the file from the first chunk's dataset cut to zero draws, with ``draw``
    unlimited, so every attribute, coordinate and encoding is xarray's own; every chunk's
    arrays are then appended with h5py, which costs a fraction of an xarray append. The
    variables are stored in HDF5 chunks of about :data:`HDF5_CHUNK_BYTES`.
    """

    def __init__(self, scenario, draws, seed, out, attrs: dict, compress: bool):
        self.scenario, self.draws, self.seed = scenario, draws, seed
        self.attrs, self.compress, self.out = attrs, compress, out
        self.tmp = temporary(out, suffix=".nc")
        self.written = 0
        self.handle = None  # the h5py File, open for appends once created

    def append(self, chunk, data: dict) -> None:
        """Append one chunk's arrays (``param:<key>`` is the variable ``<key>``)."""
        if self.handle is None:
            ds = _dataset(self.scenario, self.draws, self.seed, data, chunk.start, self.attrs)
            self._create(ds, chunk.stop - chunk.start)
        end = self.written + chunk.stop - chunk.start
        for name, array in dict(data, draw=np.arange(chunk.start, chunk.stop)).items():
            dataset = self.handle[variable(name)]
            dataset.resize((end,) + dataset.shape[1:])
            dataset[self.written:end] = array
        self.written = end

    def _create(self, ds, chunk_draws: int) -> None:
        """The file with every variable and attribute and no draws yet."""
        import h5py

        from .results import ENCODING

        encoding = {}
        for name, variable in ds.variables.items():
            if "draw" not in variable.dims:
                continue
            row_bytes = variable.dtype.itemsize * (variable.size // variable.sizes["draw"])
            rows = max(1, min(chunk_draws, HDF5_CHUNK_BYTES // max(row_bytes, 1)))
            encoding[name] = {"chunksizes": tuple(rows if d == "draw" else n for d, n in variable.sizes.items())}
            if self.compress and name in ds.data_vars:
                encoding[name].update(ENCODING)
        ds.isel(draw=slice(0, 0)).to_netcdf(self.tmp, engine="h5netcdf", unlimited_dims=["draw"], encoding=encoding)
        self.handle = h5py.File(self.tmp, "r+")

    def close(self) -> None:
        """Rename the finished result into place."""
        self._release()
        commit(self.tmp, self.out)

    def abandon(self) -> None:
        """Remove the unfinished result (the chunk store stays for --resume)."""
        self._release()
        discard(self.tmp)

    def _release(self) -> None:
        if self.handle is not None:
            self.handle.close()
        self.handle = None


class Preallocated:
    """The writer of uncompressed netCDF and of Zarr: a result preallocated in the chunk store
    (:func:`preallocate`, :func:`preallocate_zarr`) that chunks are written straight into
    (:func:`compute_into`, or :meth:`keep` for chunks that come back from Dask), renamed
    into place when complete.

    The client creates the result while the first chunks are computed (:meth:`prepare`), or
    the first chunk to be computed does. On ``--resume`` the partial result is checked and
    reopened as it is, its attributes brought up to date.
    """

    def __init__(self, store, out, attrs: dict, fmt: str = "netcdf", chunk_draws: int = DEFAULT_BATCH_DRAWS):
        # imported here, before local workers are forked, not in every worker (0.1-0.4 s each)
        import h5netcdf
        import h5py  # noqa: F401
        import xarray.backends.h5netcdf_  # noqa: F401
        if fmt == "zarr":
            import zarr  # noqa: F401

        self.out, self.path = out, store.directory / (RESULT if fmt == "netcdf" else ZARR_RESULT)
        self.target = Target(str(self.path), dict(attrs), fmt, chunk_draws)
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
            raise ScenarioError(str(self.path), None, f"{exc}; delete the folder {store.directory} and "
                                "run again (its chunks are computed again)") from None

    def prepare(self, chunk) -> None:
        """Create the result, if no chunk has, from a one-draw dry run: the client does this
        while the workers compute their first chunks, so that none of them has to stop to."""
        if not self.path.exists():
            dry = replace(chunk, start=0, stop=1)
            ensure_result(self.target, dry, compute(dry))

    def keep(self, chunk, arrays: dict, marker) -> None:
        write_into(self.target, chunk, arrays, marker)

    def close(self) -> None:
        commit(self.path, self.out)

    def abandon(self) -> None:
        """Nothing to do: the partial result stays in the store for --resume."""


def _dataset(scenario, draws: int, seed: int, data: dict, first_draw: int, attrs: dict):
    """The result Dataset of one chunk's arrays (``param:<key>`` is the variable ``<key>``),
    with ``attrs`` (command line, time) added to its own."""
    from .results import build_dataset

    samples = {k: data.get(PARAM + k) for k in scenario.parameters}
    arrays = {k: v for k, v in data.items() if not k.startswith(PARAM)}
    ds = build_dataset(scenario, draws, seed, arrays, samples, first_draw=first_draw)
    ds.attrs.update(attrs)
    return ds


class Sink:
    """Advances the progress bar as chunks land, and appends every chunk that is next in draw
    order, so writing overlaps with the workers' computing."""

    def __init__(self, chunks, store, progress, appender):
        self.chunks, self.store, self.progress, self.appender = chunks, store, progress, appender
        self.landed, self.next = set(), 0

    def update(self, index: int, count: bool = True) -> None:
        if count:
            self.progress.update(index)
        self.landed.add(index)
        while self.next < len(self.chunks) and self.next in self.landed:
            self.appender.append(self.chunks[self.next], self.store.load(self.next))
            self.next += 1


def execute(scenario, out, draws: int, seed: int, rebound: bool, *, workers: int = 1,
            scheduler: str | None = None, resume: bool = False, fmt: str = "netcdf",
            quiet: bool = False, chunk_draws: int | None = None, attrs: dict | None = None,
            compress: bool = False, compute_to=None, compute_fn=compute) -> Path:
    """Run a scenario in chunks on the chosen backend and write the result to ``out``.

    Parameters
    ----------
    workers : int
        Local worker processes (1: this process).
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://host:port``); overrides ``workers``.
    resume : bool
        Keep the chunks a previous, interrupted run of the same scenario left in ``<out>.chunks``.
    fmt : {"netcdf", "zarr"}
    chunk_draws : int, optional
        Draws per chunk (default :data:`~sim.runner.DEFAULT_BATCH_DRAWS`, or
        :data:`ZARR_CHUNK_DRAWS` for Zarr): speed and memory only, never the result.
    attrs : dict, optional
        Extra attributes for the result (command line, time).
    compress : bool
        netCDF: zlib-compress the variables (smaller, several times slower to write).
    """
    from . import __version__

    if fmt not in FORMATS:
        raise ScenarioError("--format", None, f"must be netcdf or zarr, got {fmt!r}")
    if fmt == "zarr":
        import importlib.util
        if importlib.util.find_spec("zarr") is None:
            raise ScenarioError("--format", None, "zarr needs the zarr package: "
                                "pip install -e \".[distributed]\"")
    if workers < 1:
        raise ScenarioError("--workers", None, f"must be at least 1, got {workers}")
    if chunk_draws is None:
        chunk_draws = ZARR_CHUNK_DRAWS if fmt == "zarr" else DEFAULT_BATCH_DRAWS
    if chunk_draws < 1:
        raise ScenarioError("--chunk-draws", None, f"must be at least 1, got {chunk_draws}")
    client = connect(scheduler) if scheduler else None
    chunks = plan(scenario, draws, seed, rebound, chunk_draws)
    preallocated = fmt == "zarr" or not compress  # compressed HDF5 chunks take one writer
    manifest = {"scenario_sha256": scenario.sha256, "overrides": list(scenario.overrides),
                "variant": scenario.variant or "", "draws": draws, "seed": seed, "rebound": rebound,
                "chunk_draws": chunk_draws, "sim_version": __version__,
                "writer": "preallocated" if preallocated else "appended"}
    writer = None
    try:
        store = ChunkStore(f"{out}.chunks", manifest, resume, DONE_SUFFIX if preallocated else CHUNK_SUFFIX)
        if preallocated:
            writer = Preallocated(store, out, attrs or {}, fmt, chunk_draws)
            _run_pending(chunks, store, client, workers, quiet, compute_fn,
                         partial(compute_to or compute_into, target=writer.target), keep=writer.keep,
                         prepare=partial(writer.prepare, chunks[0]))
        else:
            writer = Appender(scenario, draws, seed, out, attrs or {}, compress)
            _run_pending(chunks, store, client, workers, quiet, compute_fn, compute_to or compute_to_file,
                         appender=writer)
    except BaseException:
        if writer is not None:
            writer.abandon()
        if client is not None:
            client.close()  # if the run never started (closing twice is harmless)
        raise
    writer.close()
    store.remove()
    return Path(out)
