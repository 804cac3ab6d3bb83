"""Owning an output for a whole run: an exclusive lock beside it (step 2 of :mod:`sim.atomic`'s rule)."""

from __future__ import annotations

import errno
import fcntl
import os
import stat
from contextlib import contextmanager
from pathlib import Path

from ..errors import InputError
from .records import NO_ROOM


class Busy(Exception):
    """Another process holds the lock: ``pid`` is the process that wrote it (0 if unknown)."""

    def __init__(self, pid: int):
        super().__init__(pid)
        self.pid = pid


def open_lock(lock) -> int:
    """Open (or create) a lock file, refusing a link or anything but a regular file: a lock
    never writes through a link into a file of the user's."""
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK, 0o666)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise InputError(str(lock), None, "is a symbolic link where sim keeps a lock; sim follows no "
                             "links: remove it") from None
        raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise InputError(str(lock), None, "is not a regular file where sim keeps a lock: remove it")
    return fd


@contextmanager
def owning(path):
    """Own ``path`` for a whole run: an exclusive ``flock`` on ``.<name>.lock`` beside it,
    held from the first check to the final rename, so no two runs ever write one result.

    Raises :class:`Busy` at once (naming the owner's process id) when another run holds it.
    The lock is the operating system's, so a run that dies releases it; the lock file is
    removed on release. The folders it goes in are made here, and removed again on release
    if nothing was written into them.
    """
    path = Path(path)
    lock = path.parent / f".{path.name}.lock"
    made = [p for p in (path.parent, *path.parent.parents) if not p.exists()]  # the folders made here
    # a place no one may write, whatever its folder's permissions say (/proc, even for root): one line
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        _remove_empty(made)
        raise InputError(str(path), None, f"cannot write here: cannot make the folder {exc.filename or path.parent} "
                         f"({NO_ROOM.get(exc.errno, exc.strerror)})") from None
    try:
        fd = open_lock(lock)
    except OSError as exc:
        _remove_empty(made)
        raise InputError(str(path), None, f"cannot write here: cannot make a file in {path.parent} "
                         f"({NO_ROOM.get(exc.errno, exc.strerror)})") from None
    while True:
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
            if os.fstat(fd).st_ino == os.lstat(lock).st_ino:
                break
        except FileNotFoundError:
            pass
        os.close(fd)
        fd = open_lock(lock)
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
        _remove_empty(made)


def _remove_empty(folders) -> None:
    """Remove the folders sim made for an output that wrote nothing into them, innermost first."""
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            break


@contextmanager
def owned(path):
    """:func:`owning`, with another run holding the output as one line naming its process."""
    try:
        with owning(path):
            yield
    except Busy as busy:
        owner = f" (process {busy.pid})" if busy.pid else ""
        raise InputError(str(path), None, f"another sim run{owner} is writing this result now; wait for it "
                         "to finish, or choose another --out") from None
