"""The record beside every output sim wrote, whether what is there may be replaced, and the
temporaries that replace it (steps 3 and 4 of :mod:`sim.atomic`'s rule)."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import stat
import tempfile
from contextlib import contextmanager
from pathlib import Path

from .. import __version__
from ..errors import InputError

# errors that mean "no room to write": a full disk, a quota, the process's file-size limit
NO_ROOM = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is used up",
           errno.EFBIG: "the file would be larger than this process may write (ulimit -f)"}


def temporary(path, suffix: str = ".tmp", directory: bool = False) -> Path:
    """A fresh temporary file (or folder, for stores that are folders) beside ``path``, of a
    name no other file has; the folder it goes in is made here, when writing starts."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if directory:
        tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix))
        os.chmod(tmp, 0o777 & ~_umask())
        return tmp
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600: a result is as readable as any file the user makes
    os.close(fd)
    return Path(name)


def _umask() -> int:
    mask = os.umask(0)
    return os.umask(mask) or mask


def commit(tmp, path) -> Path:
    """Put a finished temporary file or folder in place of ``path``, at once.

    A folder already at ``path`` (a Zarr result) is first moved aside, and only the files its
    record lists are deleted from it: what else it holds stays, in
    the folder moved aside, and is named in the error. The caller has checked it
    (:func:`check_replaceable`) and holds its lock.
    """
    path = Path(path)
    if Path(tmp).is_dir() and (path.exists() or path.is_symlink()):
        if path.is_symlink() or not path.is_dir():
            raise InputError(str(path), None, "is not a folder sim wrote; sim does not replace it")
        record = read_record(path)
        if record is None:
            raise InputError(str(path), None, "is a folder sim has no record of writing; sim does not delete it")
        aside = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".old"))
        os.replace(path, aside / "old")
        os.replace(tmp, path)
        left = _remove_listed(aside / "old", record["files"])
        if left:
            raise InputError(str(path), None, f"the result is written; its previous version held files sim did "
                             f"not write ({', '.join(left[:3])}), kept in {aside / 'old'}")
        aside.rmdir()
        return path
    os.replace(tmp, path)
    return path


def discard(tmp) -> None:
    """Remove an unfinished temporary file or folder (made by :func:`temporary`: sim's own)."""
    tmp = Path(tmp)
    if tmp.is_dir() and not tmp.is_symlink():
        shutil.rmtree(tmp, ignore_errors=True)
    elif tmp.exists() or tmp.is_symlink():
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


RECORD_VERSION = 1
MAX_RECORD_BYTES = 64 << 20   # a record lists files: a million-draw Zarr store's is a few MB


def record_path(path) -> Path:
    """Where the record of the output at ``path`` is kept: ``.<name>.sim.json`` beside it."""
    path = Path(path)
    return path.parent / f".{path.name}.sim.json"


def _files(path: Path) -> list[tuple[str, Path]]:
    """(name relative to ``path``, path) of every file of an output: the file itself (name
    ``""``), or every file below a folder, in a fixed order. A link anywhere is refused."""
    if not path.is_dir():
        return [("", path)]
    found = []
    for folder, dirs, names in os.walk(path):
        dirs.sort()
        for name in sorted(names) + [d for d in dirs if (Path(folder) / d).is_symlink()]:
            full = Path(folder) / name
            if full.is_symlink() or not full.is_file():
                raise InputError(str(full), None, "is a link or not a regular file inside an output; "
                                 "sim follows no links and does not replace it")
            found.append((full.relative_to(path).as_posix(), full))
    return found


def sha256(path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def fingerprint(path) -> dict:
    """``{name: [size, mtime_ns, sha256]}`` of every file of an output (see :func:`_files`)."""
    out = {}
    for name, full in _files(Path(path)):
        st = full.stat()
        out[name] = [st.st_size, st.st_mtime_ns, sha256(full)]
    return out


def write_record(path, identity: dict) -> None:
    """Record that sim wrote the output at ``path`` (every file's size, time and SHA-256) and
    what it holds (``identity``: the values that say two outputs hold the same thing)."""
    path = Path(path)
    record = {"written_by": f"sim {__version__}", "record_version": RECORD_VERSION, "name": path.name,
              "folder": path.is_dir(), "identity": {k: _text(v) for k, v in identity.items()},
              "files": fingerprint(path)}
    target = record_path(path)
    if target.is_symlink() or (target.exists() and not target.is_file()):
        raise InputError(str(target), None, "is a link or not a regular file where sim keeps the record of "
                         f"{path.name}: remove it")
    with replacing(target, suffix=".tmp") as tmp:
        Path(tmp).write_text(json.dumps(record, indent=1, sort_keys=True))


def read_record(path) -> dict | None:
    """The record of the output at ``path``, or ``None`` if there is none that sim could have
    written (missing, a link, too large, not a record)."""
    target = record_path(path)
    try:
        fd = os.open(target, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(fd, "rb", closefd=False) as handle:
            raw = handle.read(MAX_RECORD_BYTES + 1)
    finally:
        os.close(fd)
    try:
        record = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None
    if (not isinstance(record, dict) or record.get("record_version") != RECORD_VERSION
            or record.get("name") != Path(path).name or not isinstance(record.get("files"), dict)
            or not isinstance(record.get("identity"), dict)):
        return None
    return record


def unchanged(path, record: dict) -> tuple[bool, str]:
    """Whether the output at ``path`` is exactly what its record says sim wrote: the same
    files, each of the recorded size and either of the recorded modification time (the fast
    check) or of the recorded SHA-256 (the content check); and if not, why not."""
    path = Path(path)
    if bool(record.get("folder")) != path.is_dir():
        return False, "it is not of the kind sim wrote there"
    try:
        present = dict(_files(path))
    except InputError as err:
        return False, err.message.split(";")[0]
    recorded = record["files"]
    extra = sorted(set(present) - set(recorded))
    if extra:
        return False, f"it holds files sim did not write ({', '.join(extra[:3])})"
    missing = sorted(set(recorded) - set(present))
    if missing:
        return False, f"files sim wrote are missing from it ({', '.join(missing[:3])})"
    for name, full in present.items():
        size, mtime, digest = recorded[name]
        st = full.stat()
        if st.st_size != size or (st.st_mtime_ns != mtime and sha256(full) != digest):
            return False, f"{'it' if not name else name} was changed since sim wrote it"
    return True, ""


def check_replaceable(path, identity: dict, force: bool) -> None:
    """Refuse to replace what is at ``path`` unless sim wrote it and it is unchanged since;
    and, unless ``force``, unless it holds the same thing (the same ``identity``).

    Raises
    ------
    InputError
        ``path`` is a link, a device, a pipe or a socket; or there is something at ``path``
        that sim did not write, or that was changed since (whatever ``force``); or it holds
        a different output and ``force`` is false.
    """
    path = Path(path)
    if path.is_symlink():
        raise InputError(str(path), None, "is a symbolic link; sim does not write through links: "
                         "give the real path, or another --out")
    if not path.exists():
        return
    if not (path.is_file() or path.is_dir()):
        raise InputError(str(path), None, "is not a regular file (a device, pipe or socket); sim writes "
                         "to regular files and Zarr folders only: choose another path")
    what = "a folder" if path.is_dir() else "a file"
    record = read_record(path)
    if record is None:
        raise InputError(str(path), None, f"exists and is {what} sim has no record of writing; sim never "
                         "replaces what it did not write (not even with --force): move it, or choose another path")
    same, why = unchanged(path, record)
    if not same:
        raise InputError(str(path), None, f"exists and is no longer what sim wrote ({why}); sim never "
                         "replaces it (not even with --force): move it, or choose another path")
    differing = [k for k in sorted(set(identity) | set(record["identity"]))
                 if record["identity"].get(k) != _text(identity.get(k))]
    if differing and not force:
        raise InputError(str(path), None, f"exists and holds a different result ({', '.join(differing)} differ); "
                         "use --force to replace it, or choose another path")


def _remove_listed(folder: Path, names) -> list[str]:
    """Delete the listed files below ``folder``, then every folder left empty; the names of
    what is left (files sim did not list)."""
    for name in names:
        try:
            (folder / name).unlink()
        except FileNotFoundError:
            pass
    for sub, _, _ in sorted(os.walk(folder), key=lambda t: -len(Path(t[0]).parts)):
        try:
            Path(sub).rmdir()
        except OSError:
            pass
    if not folder.exists():
        return []
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if not p.is_dir())


def _text(value) -> str:
    """An identity value as the record keeps it (text: numbers, flags and lists alike)."""
    if isinstance(value, (list, tuple)):
        return " ".join(str(v) for v in value)
    return str(value)
