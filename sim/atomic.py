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
    os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600: a result is as readable as any file the user makes
    os.close(fd)
    return Path(name)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def commit(tmp, path) -> Path:
    """Put a finished temporary file or folder in place of ``path``, at once.

    A folder is replaced only if it is a Zarr store (sim's results are; the caller has
    checked it is a sim result): sim never deletes a folder it did not write.
    """
    path = Path(path)
    if Path(tmp).is_dir() and (path.exists() or path.is_symlink()):
        if path.is_dir() and not path.is_symlink():
            if not (path / "zarr.json").exists():
                raise OSError(f"{path} is a folder that is not a Zarr result; sim does not delete it")
            shutil.rmtree(path)
        else:
            path.unlink()
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


class Busy(Exception):
    """Another process holds the lock: ``pid`` is the process that wrote it (0 if unknown)."""

    def __init__(self, pid: int):
        super().__init__(pid)
        self.pid = pid


@contextmanager
def owning(path):
    """Own ``path`` for a whole run: an exclusive ``flock`` on ``.<name>.lock`` beside it,
    held from the first check to the final rename, so no two runs ever write one result.

    Raises :class:`Busy` at once (naming the owner's process id) when another run holds it.
    The lock is the operating system's, so a run that dies releases it; the lock file is
    removed on release. The folders it goes in are made here, and removed again on release
    if nothing was written into them.
    """
    import fcntl

    path = Path(path)
    lock = path.parent / f".{path.name}.lock"
    made = [p for p in (path.parent, *path.parent.parents) if not p.exists()]  # the folders made here
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            try:
                pid = int(os.read(fd, 32) or b"0")
            except ValueError:
                pid = 0
            os.close(fd)
            raise Busy(pid) from None
        try:  # the file we locked must still be the one at the lock's path (not one just unlinked)
            if os.fstat(fd).st_ino == os.stat(lock).st_ino:
                break
        except FileNotFoundError:
            pass
        os.close(fd)
    os.ftruncate(fd, 0)
    os.write(fd, str(os.getpid()).encode())
    try:
        yield lock
    finally:
        try:
            os.unlink(lock)
        except FileNotFoundError:
            pass
        os.close(fd)
        for folder in made:  # innermost first: a run that wrote nothing leaves no folder behind
            try:
                folder.rmdir()
            except OSError:
                break
