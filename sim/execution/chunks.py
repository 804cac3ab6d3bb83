"""Chunks on disk: the chunk-file format, and the store that is a run's resume ledger.

A *chunk* is one unit of work of the runner (:class:`sim.runner.DrawRange` or
:class:`sim.runner.DesignRows`): rows ``[start, stop)`` with an ``index``. Finished chunks
are kept in a store beside the output (``<out>.chunks/``) with a manifest of the run, so
``--resume`` keeps what is there and computes only the rest.
"""

from __future__ import annotations

import json
import mmap
import shutil
import sys
from pathlib import Path

import numpy as np

from ..atomic import replacing
from ..errors import InputError

MANIFEST = "manifest.json"
CHUNK_SUFFIX = ".npys"      # a chunk file: a sequence of .npy records (see save_chunk)
DONE_SUFFIX = ".done"       # marks a chunk written straight into a preallocated result


def ranges(total: int, size: int) -> list[tuple[int, int]]:
    """``[start, stop)`` of the chunks of ``total`` rows, ``size`` rows each (the last holds the rest)."""
    return [(start, min(start + size, total)) for start in range(0, total, size)]


def save_chunk(path, arrays: dict) -> None:
    """Write a chunk's arrays atomically: a ``.npy`` record of their names, then one ``.npy``
    record per array, in C order.

    Unlike ``np.savez`` this is one copy from memory to the file, with no zip container to
    checksum, and :func:`load_chunk` can map each record without reading it.
    """
    with replacing(path) as tmp, open(tmp, "wb") as handle:
        for array in [np.array(list(arrays), dtype=str), *arrays.values()]:
            _write_npy(handle, np.require(array, requirements="C"))


def _write_npy(handle, array: np.ndarray) -> None:
    """One ``.npy`` record, as ``np.save`` writes it, but written by Python's file object, so
    that a full disk, a quota or a file-size limit is an OSError with its errno (numpy's
    ``tofile`` reports a short write with none)."""
    fmt = np.lib.format
    header = fmt.header_data_from_array_1_0(array)
    try:
        fmt.write_array_header_1_0(handle, header)
    except ValueError:  # a header too long for format 1.0
        fmt.write_array_header_2_0(handle, header)
    handle.write(array.reshape(-1).view(np.uint8) if array.size else b"")


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


STORE_MARK = "sim_chunk_store"   # the manifest key that says sim made this store
# what a store holds: chunk files and markers, the manifest, a preallocated result, its lock
OWN_FILES = ("chunk-*" + CHUNK_SUFFIX, "chunk-*" + DONE_SUFFIX, MANIFEST, "result.nc", "result.lock",
             "result-appending.nc", ".*.tmp", ".*.nc")


class ChunkStore:
    """Finished chunks on disk (``<out>.chunks/chunk-00000.npys``, or ``.done`` markers beside
    a preallocated ``result.nc`` or ``result.zarr``) and a manifest of the run.

    Without ``resume`` an old store of sim's is emptied; with it, a store whose manifest differs
    from this run's is refused in one line naming what differs. A folder at the store's path
    whose manifest sim did not write (it lacks :data:`STORE_MARK`) is never touched, and sim
    removes from a store only the files it makes there (:data:`OWN_FILES`): a file of the
    user's put in it stays, and so does the folder.
    """

    def __init__(self, directory, manifest: dict, resume: bool, suffix: str = CHUNK_SUFFIX):
        self.directory, self.suffix = Path(directory), suffix
        manifest = {STORE_MARK: 1, **manifest}
        if self.directory.is_symlink() or (self.directory.exists() and not self.directory.is_dir()):
            raise InputError(str(self.directory), None, "is a link or not a folder; sim keeps its chunk store "
                             "in a folder of its own and follows no links: remove it, or choose another --out")
        if self.directory.exists():
            old = self._manifest()
            if old is None or not old.get(STORE_MARK):
                raise InputError(str(self.directory), None, "has no manifest.json that sim wrote, so it is not a "
                                 "chunk store of this run (or it was damaged): sim does not touch it; remove the "
                                 "folder yourself, or choose another --out")
            if resume and old != manifest:
                differing = sorted(k for k in manifest if old.get(k) != manifest[k])
                raise InputError(str(self.directory), None, "the chunks here were written for a "
                                 f"different run ({', '.join(differing)} differ); remove the folder "
                                 "or run without --resume")
            if not resume:
                self.clear()
        self.directory.mkdir(parents=True, exist_ok=True)
        with replacing(self.directory / MANIFEST) as tmp:
            Path(tmp).write_text(json.dumps(manifest, sort_keys=True, indent=1))

    def _manifest(self):
        try:
            manifest = json.loads((self.directory / MANIFEST).read_text())
        except (OSError, ValueError):
            return None
        return manifest if isinstance(manifest, dict) else None

    def path(self, index: int) -> Path:
        return self.directory / f"chunk-{index:05d}{self.suffix}"

    def done(self) -> set[int]:
        return {int(p.stem.split("-")[1]) for p in self.directory.glob(f"chunk-*{self.suffix}")}

    def load(self, index: int) -> dict:
        try:
            return load_chunk(self.path(index))
        except OSError as exc:  # written atomically, so only damaged from outside
            raise InputError(str(self.path(index)), None, f"{exc}; delete this file and run again "
                             "with --resume (the chunk is computed again)") from None

    def clear(self) -> list[str]:
        """Delete what sim makes in the store (:data:`OWN_FILES`, and a preallocated Zarr
        result's folder); the names of anything else, which stays."""
        for pattern in OWN_FILES:
            for path in self.directory.glob(pattern):
                if path.is_file() and not path.is_symlink():
                    path.unlink()
        for folder in self.directory.glob("*.zarr"):  # sim's Zarr results in the making (.result.zarr.*.tmp too)
            if folder.is_dir() and not folder.is_symlink():
                shutil.rmtree(folder)
        for folder in self.directory.glob(".*.tmp"):
            if folder.is_dir() and not folder.is_symlink():
                shutil.rmtree(folder)
        return sorted(p.name for p in self.directory.iterdir())

    def remove(self) -> None:
        """Delete the store once its run is complete: what sim made there, then the folder if
        nothing else is in it (a file of the user's keeps it, and is named on stderr)."""
        if not self.directory.is_dir():
            return
        left = self.clear()
        if left:
            print(f"sim: note: {self.directory} holds files sim did not write ({', '.join(left[:3])}); "
                  "it is left as it is", file=sys.stderr)
            return
        self.directory.rmdir()
