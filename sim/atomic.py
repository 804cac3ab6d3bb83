"""Writing files so that an interrupted write never leaves a half-written result.

:func:`replacing` is the usual form; :func:`temporary`, :func:`commit` and :func:`discard`
are its three steps, for writers that span many calls (a result appended chunk by chunk).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path


def temporary(path, suffix: str = ".tmp", directory: bool = False) -> Path:
    """A fresh temporary file (or folder name, for stores that are folders) beside ``path``;
    the folder it goes in is made here, when writing starts."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if directory:
        tmp = path.with_name(f".{path.name}.tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        return tmp
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    os.close(fd)
    return Path(name)


def commit(tmp, path) -> Path:
    """Put a finished temporary file or folder in place of ``path``, at once."""
    path = Path(path)
    if Path(tmp).is_dir() and path.exists():
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    os.replace(tmp, path)
    return path


def discard(tmp) -> None:
    """Remove an unfinished temporary file or folder."""
    tmp = Path(tmp)
    if tmp.is_dir():
        shutil.rmtree(tmp, ignore_errors=True)
    elif tmp.exists():
        tmp.unlink()


@contextmanager
def replacing(path, suffix: str = ".tmp", directory: bool = False):
    """Yield a temporary path beside ``path``; rename it onto ``path`` when the block succeeds.

    On any exception (an interrupt included) the temporary file or folder is removed and
    ``path`` is left as it was. ``directory=True`` is for stores that are folders (Zarr).
    """
    tmp = temporary(path, suffix, directory)
    try:
        yield tmp
        commit(tmp, path)
    except BaseException:
        discard(tmp)
        raise
