"""Writing files so that an interrupted write never leaves a half-written result."""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def replacing(path, suffix: str = ".tmp", directory: bool = False):
    """Yield a temporary path beside ``path``; rename it onto ``path`` when the block succeeds.

    On any exception (an interrupt included) the temporary file or folder is removed and
    ``path`` is left as it was. ``directory=True`` is for stores that are folders (Zarr).
    """
    path = Path(path)
    if directory:
        tmp = path.with_name(f".{path.name}.tmp")
        shutil.rmtree(tmp, ignore_errors=True)
    else:
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
        os.close(fd)
        tmp = Path(name)
    try:
        yield tmp
        if directory and path.exists():
            shutil.rmtree(path) if path.is_dir() else path.unlink()
        os.replace(tmp, path)
    except BaseException:
        if tmp.is_dir():
            shutil.rmtree(tmp, ignore_errors=True)
        elif tmp.exists():
            tmp.unlink()
        raise
