"""Writing files safely: never half-written, never over what sim did not write, one writer at a time.

One rule for every command that writes (a run, a sweep, a discovery, a CSV, a figure, a brief),
carried out by :func:`writing`:

1. the path is checked before any work (:func:`check_writable`): not a link, not a device,
   a folder that can be written;
2. the output is owned for the whole of the work (:func:`owning`): an exclusive lock beside
   it, so two runs never write one result (the second stops at once, naming the first);
3. what is there may be replaced only if sim wrote it (:func:`check_replaceable`): a *record*
   beside every output (``.<name>.sim.json``) holds the size, modification time and SHA-256
   of every file sim wrote there, and what the output holds (its identity). A file or folder
   without a record, or whose content is no longer what the record says (a variable added
   with xarray, a file of the user's put in a Zarr store), is never replaced or deleted, not
   even with ``--force``; a sim output that holds a different result needs ``--force``;
4. the new output is written to a fresh temporary beside it and renamed into place at once
   (:func:`replacing`), and its record is written.

Links are refused everywhere: the output, its lock, its record, its temporary.

The rule is here; its lock is :mod:`.locks`, its records and temporaries :mod:`.records`.
"""

from __future__ import annotations

import os
import resource
from contextlib import contextmanager
from pathlib import Path

from ..errors import InputError
from .locks import Busy, open_lock, owned, owning
from .records import (MAX_RECORD_BYTES, NO_ROOM, RECORD_VERSION, check_replaceable, commit, discard, fingerprint,
                      read_record, record_path, replacing, sha256, temporary, unchanged, write_record)

__all__ = ["Busy", "KINDS", "MAX_RECORD_BYTES", "NO_ROOM", "RECORD_VERSION", "check_kind", "check_replaceable",
           "check_size_limit", "check_writable", "claimed", "commit", "discard", "fingerprint", "no_room", "open_lock", "owned", "owning",
           "read_record", "record_path", "replacing", "sha256", "temporary", "unchanged", "write_record", "writing"]


def check_writable(path, directory_ok: bool = False) -> Path:
    """Prove that an output can be written at ``path``, before any work starts and without
    making anything: the folders it needs are made when the output is written.

    Raises
    ------
    InputError
        When ``path`` is empty, a link, a directory (unless ``directory_ok``: a Zarr store is
        one), or its nearest existing folder is not a folder or cannot be written.
    """
    path = Path(path)
    if str(path) in ("", "."):
        raise InputError("--out", None, "give a file name such as result.nc")
    if path.is_symlink():
        raise InputError(str(path), None, "is a symbolic link; sim does not write through links: "
                         "give the real path, or another --out")
    if path.is_dir() and not directory_ok:
        raise InputError(str(path), None, "is a directory; give a file name such as result.nc")
    existing = next(p for p in (path.parent, *path.parent.parents) if p.exists() or p == Path(p.anchor))
    if not existing.is_dir():
        raise InputError(str(path), None, f"cannot write here: {existing} is not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise InputError(str(path), None, f"cannot write here: {existing} is not writable")
    return path


# the kinds of file sim writes, by the ending of their names, and the command that writes each
KINDS = {".nc": ("a netCDF result", "sim run, sim sweep or sim discover writes"),
         ".zarr": ("a Zarr store", "sim run --format zarr writes"),
         ".csv": ("a CSV table", "sim export RESULT.nc --out NAME.csv writes"),
         ".png": ("a figure", "sim plot writes"), ".svg": ("a figure", "sim plot writes"),
         ".pdf": ("a PDF", "sim brief (or sim plot --format pdf) writes"),
         ".html": ("a web page", "sim explore writes"), ".htm": ("a web page", "sim explore writes")}


def check_kind(path, ends: tuple[str, ...], writes: str) -> None:
    """One line, before any work, when ``--out`` names a kind of file the command does not write
    (``sim run --out r.csv`` wrote a netCDF file named ``r.csv``). ``ends``: the endings of what
    it writes; ``writes``: what that is, in words. A name of no kind sim knows is left as given."""
    suffix = Path(path).suffix.lower()
    if suffix in KINDS and suffix not in ends:
        what, by = KINDS[suffix]
        raise InputError("--out", str(path), f"names {what}, which {by}; {writes}: give a name ending in "
                         f"{' or '.join(ends)}")


@contextmanager
def claimed(path, identity: dict, force: bool, directory_ok: bool = False):
    """Own ``path`` for a piece of work that writes it (by whatever means), checked by the one
    rule; the record is written when the block succeeds. For outputs written in steps (a run's
    chunks); :func:`writing` is the usual form."""
    path = check_writable(path, directory_ok)
    with owned(path):
        check_replaceable(path, identity, force)
        yield path
        write_record(path, identity)


@contextmanager
def writing(path, identity: dict, force: bool = False, suffix: str = ".tmp", directory: bool = False):
    """Write an output by the one rule: yield a temporary path to write it to; when the block
    succeeds it is renamed onto ``path`` and recorded.

    ``identity`` says what the output holds (two outputs with the same identity are the same
    and may replace each other); ``force`` allows replacing a sim output that holds something
    else. Nothing sim did not write is ever replaced.
    """
    with claimed(path, identity, force, directory_ok=directory) as path:
        with no_room(path), replacing(path, suffix, directory) as tmp:
            yield tmp


@contextmanager
def no_room(path, kept: str = ""):
    """A full disk, a quota or a file-size limit met while writing ``path`` is one line
    (``kept`` says what stays for a resume)."""
    try:
        yield
    except OSError as err:
        if err.errno not in NO_ROOM:
            raise
        raise InputError(str(path), None, f"{NO_ROOM[err.errno]} ({err.strerror}); nothing was written there"
                         + (f"; {kept}" if kept else "")) from None


def check_size_limit(path, needed: int) -> None:
    """One line, before anything is written, if this process may not write a file of
    ``needed`` bytes (``ulimit -f``): writing past the limit fails deep inside HDF5."""
    soft = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
    if soft != resource.RLIM_INFINITY and needed > soft:
        raise InputError(str(path), None, f"the result needs about {needed / 1e6:,.1f} MB and this process may "
                         f"write files of at most {soft / 1e6:,.1f} MB (ulimit -f): raise the limit, or run fewer "
                         "draws")
