"""The two preallocated result formats, created whole before any row is written.

- netCDF (:func:`preallocate`): every variable with a ``draw`` dimension contiguous at its
  full size, allocated at once and never filled, page-aligned, so that any process can write
  its rows through a shared memory map (:func:`write_rows`);
- Zarr (:func:`preallocate_zarr`): every array at its full size with one Zarr chunk per run
  chunk, so that no two writers ever share a Zarr chunk (:func:`write_zarr_rows`).
"""

from __future__ import annotations

import mmap
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# Zarr results are written in Zarr's format 2, the one netCDF libraries open (netCDF-C 4.9 and
# later, ``file://PATH#mode=zarr,file``; tested with netCDF4-python); format 3 they do not read
ZARR_FORMAT = 2


def zarr_text_encoding(ds) -> dict:
    """Text variables (generation, region, family names) as UTF-8 bytes of fixed width in a Zarr
    store: netCDF-C reads those as strings, where it fails on Zarr's variable-length text
    (xarray reads them back as text)."""
    return {name: {"dtype": "S1"} for name, v in ds.variables.items() if v.dtype.kind in "OU"}


PAGE = 4096                 # a preallocated result's variables start on page boundaries


@dataclass(frozen=True)
class Layout:
    """Where the draw-dimensioned variables of a preallocated result lie in its file:
    variable name → (byte offset, shape, dtype)."""

    path: str
    variables: dict


def preallocate(encoded: tuple[dict, dict], sizes: dict, draws: int, path) -> None:
    """Create a netCDF result for ``draws`` draws from a result's CF encoding (any number of
    draws; :func:`sim.results.encoded`: ``{name: (dims, data, attrs)}`` and the global
    attributes) and its dimension ``sizes``, with no draws written yet (:func:`read_layout`
    says where they go).

    The encoding is what ``to_netcdf`` would store, and h5netcdf writes it, the library
    ``to_netcdf`` writes with (``to_netcdf`` itself is not used: with Dask installed it imports
    Dask distributed, about 0.2 s more in whichever process creates the result). Variables with
    a ``draw`` dimension are laid out contiguously at their full size, allocated at once and
    never filled, each starting on a page boundary.
    """
    # deferred: h5py and the writers load only in the process that creates a result
    import h5netcdf
    import h5py
    from h5py import h5d, h5p

    variables, global_attrs = encoded
    with h5netcdf.File(path, "w", alignment_threshold=PAGE, alignment_interval=PAGE) as f:
        f.attrs.update(global_attrs)
        f.dimensions = {name: draws if name == "draw" else size for name, size in sizes.items()}
        for name, (dims, data, attrs) in variables.items():
            attrs = dict(attrs)
            fill = attrs.pop("_FillValue", None)
            data = np.asarray(data)
            dtype = data.dtype
            if dtype.kind in "OU":  # text: netCDF-4 variable-length strings, as xarray writes them
                dtype, data = h5py.string_dtype(), data.astype(object)
            elif dtype.kind not in "biuf":
                raise TypeError(f"{name}: cannot write a variable of type {dtype}")
            if name == "draw":
                created = f.create_variable(name, ("draw",), dtype, data=np.arange(draws, dtype=dtype))
            elif "draw" in dims:
                if dims[0] != "draw":
                    raise ValueError(f"{name}: draw must be the first dimension, not {dims}")
                dcpl = h5p.create(h5p.DATASET_CREATE)
                dcpl.set_alloc_time(h5d.ALLOC_TIME_EARLY)
                dcpl.set_fill_time(h5d.FILL_TIME_NEVER)
                created = f.create_variable(name, dims, dtype, fillvalue=fill, dcpl=dcpl)
            else:
                created = f.create_variable(name, dims, dtype, data=data, fillvalue=fill)
            created.attrs.update(attrs)
    reserve(path)


def reserve(path) -> None:
    """Give a preallocated file real blocks on the disk (its draws are written later, through a
    memory map, where a full disk would kill the writer with SIGBUS): a full disk fails here,
    with ENOSPC, before any chunk is written."""
    with open(path, "r+b") as handle:
        if hasattr(os, "posix_fallocate"):
            os.posix_fallocate(handle.fileno(), 0, os.fstat(handle.fileno()).st_size)


def read_layout(path) -> Layout:
    """The :class:`Layout` of a file made by :func:`preallocate`; OSError if it is not one.

    Its variables are the datasets whose first netCDF dimension is ``draw`` (the dimension
    scale ``/draw``), each of which must lie whole within the file.
    """
    import h5py  # deferred: h5py loads only where results are written

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


def write_rows(layout: Layout, start: int, stop: int, data: dict) -> None:
    """Write a chunk's rows into a preallocated result through a shared memory map (each
    array goes from the model's memory order straight to the file's: one copy)."""
    with open(layout.path, "r+b") as handle, mmap.mmap(handle.fileno(), 0) as mapped:
        for name, array in data.items():
            offset, shape, dtype = layout.variables[variable(name)]
            target = np.ndarray(shape, dtype, buffer=mapped, offset=offset)
            target[start:stop] = array
            del target  # the map cannot close while a view of it is alive


def preallocate_zarr(ds, draws: int, path, chunk_draws: int) -> None:
    """Create a Zarr result for ``draws`` draws shaped like ``ds``, with no draws written yet.

    xarray writes the store from ``ds`` cut to zero draws (every attribute and encoding is
    xarray's), with chunks of ``chunk_draws`` draws; zarr then resizes every ``draw`` array
    to its full length (metadata only) and writes the ``draw`` coordinate.
    """
    import zarr  # deferred: Zarr is an optional extra

    encoding = {name: {"chunks": tuple(chunk_draws if d == "draw" else n for d, n in v.sizes.items())}
                for name, v in ds.variables.items() if "draw" in v.dims}
    ds.isel(draw=slice(0, 0)).to_zarr(path, mode="w", zarr_format=ZARR_FORMAT, consolidated=False,
                                      encoding={**encoding, **zarr_text_encoding(ds)})
    group = zarr.open_group(path, mode="r+")
    for name in encoding:
        group[name].resize((draws,) + group[name].shape[1:])
    group["draw"][:] = np.arange(draws)


def write_zarr_rows(group, start: int, stop: int, data: dict) -> None:
    """Write a chunk's rows into a preallocated Zarr result: exactly one Zarr chunk of each
    array, which this writer compresses."""
    for name, array in data.items():
        group[variable(name)][start:stop] = array


def open_zarr_result(path):
    """The Zarr group of a result made by :func:`preallocate_zarr`; OSError if it is not one."""
    import zarr  # deferred: Zarr is an optional extra

    try:
        missing = [p.name for p in Path(path).iterdir() if p.is_dir() and not (p / ".zarray").exists()]
        if missing:
            raise ValueError(f"no metadata for {', '.join(sorted(missing))}")
        group = zarr.open_group(path, mode="r+")
        draws = group["draw"].shape[0]
        if not draws or any(a.shape[:1] != (draws,) for a in group.array_values()
                            if tuple(a.attrs.get("_ARRAY_DIMENSIONS", ()))[:1] == ("draw",)):
            raise ValueError("its arrays do not all have the full number of draws")
    except Exception as exc:  # noqa: BLE001 - zarr raises many kinds; all mean a damaged store
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise OSError(f"not a preallocated Zarr result ({reason})") from None
    return group




PARAM = "param:"            # prefix of sampled values among a chunk's arrays


def variable(name: str) -> str:
    """The result variable of a chunk's array (``param:<key>`` is the key's variable,
    :func:`sim.parameters.var_name`)."""
    if not name.startswith(PARAM):
        return name
    from ..parameters import var_name  # the registry is light: no numpy

    return var_name(name[len(PARAM):])
