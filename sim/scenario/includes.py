"""Shared tables a scenario includes: one hardware catalogue, one set of observations, one
world fleet.

``[scenario] include = ["shared/catalogue.toml"]`` (paths relative to the scenario file, else
to the library's folder, ``sim/scenarios``)
brings in the tables of other files, before the scenario's own:

* ``[[generation]]`` and ``[[observation]]`` tables: a table of the scenario with the same
  ``name`` as an included one replaces it where it stands, so a scenario can override a
  catalogue entry or hold out an observation (``use = "check"``); its other observations come
  after the included ones, and its other generations take their place in launch order (a
  scenario may add an older generation);
* any other section (``[shipments]``, ``[fleet]``, ``[families.<name>]``, ``[regions.<name>]``,
  ...): key by key, a later file's key replacing an earlier one's and the scenario's own keys
  replacing both (a distribution or a table of years is one key, replaced whole). So the world
  fleet is written once (``shared/world_fleet.toml``) and a scenario that reports one of its
  regions changes only what it must. ``[scenario]`` is the scenario's own.

The included texts travel with the scenario (its SHA-256 covers them, and a result stores
them), so a result reproduces without the files.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from pathlib import Path

from ..errors import ScenarioError
from . import library
from .library import FOLDER

SHARED_SECTIONS = ("generation", "observation")
NAMED = ("families", "regions", "variants")   # tables of named tables: merged one level deeper
MAX_BYTES = 1_000_000  # a scenario is stored whole in every result: a megabyte of TOML is plenty
RESULT_SIGNATURES = (b"\x89HDF\r\n\x1a\n", b"CDF\x01", b"CDF\x02", b"CDF\x05")   # netCDF-4 (HDF5), netCDF-3


def read(path, what: str = "scenario") -> str:
    """The UTF-8 text of a TOML file (a byte-order mark, as Windows editors write, is dropped),
    or a one-line error. Only a regular file is read, and at most :data:`MAX_BYTES` of it: a
    device (``/dev/zero``), a pipe or a ``/proc`` file is refused before it is read (opened
    without blocking, so a pipe with no writer cannot hang the read)."""
    file = str(path)
    if not file:
        raise ScenarioError("SCENARIO", None, f"is empty: give a {what} file, or a scenario's name (sim list)")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise ScenarioError(file, None, library.not_found(path) if what == "scenario" else "no such file") from None
    except IsADirectoryError:
        raise _directory(file, what) from None
    except OSError as exc:
        raise ScenarioError(file, None, f"cannot read: {exc.strerror}") from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise _directory(file, what)
        if not stat.S_ISREG(mode):
            raise ScenarioError(file, None, f"is not a regular file (a device, pipe or socket); a {what} "
                                "is a .toml file")
        with os.fdopen(os.dup(fd), "rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ScenarioError(file, None, f"cannot read: {exc.strerror}") from None
    finally:
        os.close(fd)
    if raw.startswith(RESULT_SIGNATURES):   # a result given where a scenario is read (it was "more than 1 MB")
        raise _a_result(file, "netCDF", what)
    if len(raw) > MAX_BYTES:
        raise ScenarioError(file, None, f"is more than {MAX_BYTES // 1_000_000} MB; a {what} file is "
                            f"at most {MAX_BYTES // 1_000_000} MB of TOML")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError(file, None, f"not UTF-8 text; a {what} is a TOML file") from None
    return text.removeprefix("\ufeff")


def _directory(file: str, what: str) -> ScenarioError:
    if any((Path(file) / name).exists() for name in (".zgroup", "zarr.json")):
        return _a_result(file, "Zarr", what)
    return ScenarioError(file, None, f"is a directory, expected a .toml {what} file")


def _a_result(file: str, kind: str, what: str) -> ScenarioError:
    return ScenarioError(file, None, f"is a result ({kind}), not a {what} file: give a .toml file or a scenario's "
                         "name (sim list); sim plot, export, explore, discover and sweep --method pawn read results")


def parse(text: str, file) -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(str(file) if file else None, None, f"malformed TOML: {exc}") from None
    except RecursionError:
        raise ScenarioError(str(file) if file else None, None, "malformed TOML: nested too deeply") from None


def texts(data: dict, file) -> tuple[tuple[str, str], ...]:
    """The (path as written, text) of every file the scenario includes, read from disk."""
    table = data.get("scenario")
    names = (table.get("include") if isinstance(table, dict) else None) or []
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ScenarioError(str(file) if file else None, "scenario.include",
                            "expected a list of file names, e.g. [\"shared/catalogue.toml\"]")
    folder = Path(file).parent if file else Path(".")
    return tuple((name, read(find_include(name, folder, file), "shared-table")) for name in names)


def find_include(name: str, folder: Path, file) -> Path:
    """Where an included file is: beside the scenario, else among the library's files (so a
    scenario copied out of the library still finds ``shared/catalogue.toml``); one line naming
    both places when it is in neither."""
    for place in (folder, FOLDER):
        if (place / name).exists():
            return place / name
    raise ScenarioError(str(file) if file else None, "scenario.include",
                        f"{name!r} is not found: includes are looked up beside the scenario ({folder}) and "
                        f"in the library's files ({FOLDER}); copy it beside the scenario, or fix the name")


def _by_launch(included: list, added: list) -> list:
    """The included catalogue with a scenario's further generations, each placed after the last
    one launched no later (a scenario may add an older generation, such as V100, or a newer
    one); a table without a "YYYY-MM" launch goes last, for the catalogue's checks to name."""
    def launch(table):
        value = table.get("launch") if isinstance(table, dict) else None
        return value if isinstance(value, str) else None

    merged = list(included)
    for table in added:
        at = len(merged)
        if launch(table) is not None:
            while at and (launch(merged[at - 1]) is None or launch(merged[at - 1]) > launch(table)):
                at -= 1
        merged.insert(at, table)
    return merged


def merge(data: dict, included, file) -> dict:
    """``data`` with the included files' tables before its own (a same-named table of its own
    replaces an included one in place)."""
    if not included:
        return data
    data = dict(data)
    sections: dict = {}
    for name, text in included:
        shared = parse(text, name)
        if "scenario" in shared:
            raise ScenarioError(name, "scenario", "an included file holds tables a scenario shares "
                                "([[generation]], [fleet], [regions.<name>], ...), not its [scenario] table")
        for section, table in shared.items():
            if section in SHARED_SECTIONS:
                continue
            if not isinstance(table, dict):
                raise ScenarioError(name, section, f"expected a table [{section}]")
            _merge_keys(sections.setdefault(section, {}), table, section in NAMED)
        for section in SHARED_SECTIONS:
            tables = shared.get(section, [])
            if not isinstance(tables, list):
                raise ScenarioError(name, section, f"expected [[{section}]] tables")
            own = data.get(section, [])
            if not isinstance(own, list):
                continue  # the scenario's own error, reported by its checks
            merged = [dict(t) for t in tables]
            index = {t.get("name"): i for i, t in enumerate(merged) if isinstance(t, dict) and t.get("name")}
            added = []
            for table in own:
                key = table.get("name") if isinstance(table, dict) else None
                if key in index:
                    merged[index[key]] = table
                else:
                    added.append(table)
            if section == "generation":
                merged = _by_launch(merged, added)
            else:
                merged += added
            data[section] = merged
    for section, table in sections.items():
        own = data.get(section, {})
        if not isinstance(own, dict):
            continue   # the scenario's own error, reported by its checks
        _merge_keys(table, own, section in NAMED)
        data[section] = table
    return data


def _merge_keys(into: dict, table: dict, named: bool) -> None:
    """``table``'s keys into ``into``, each replacing the same key whole; in a section of named
    tables (``[regions.US]``), key by key within each named table."""
    for key, value in table.items():
        if named and isinstance(value, dict) and isinstance(into.get(key), dict):
            into[key] = {**into[key], **value}
        else:
            into[key] = value


def join_included(included) -> str:
    """A scenario's included files' texts, ``((name, text), ...)``, as a result stores them: each
    after a line ``# --- name ---`` (a TOML comment)."""
    return "".join(f"# --- {name} ---\n{text}" for name, text in included)


def split_included(stored: str) -> tuple[tuple[str, str], ...]:
    """The included files' texts as :func:`join_included` stored them, ``((name, text), ...)``."""
    parts = re.split(r"# --- (.+?) ---\n", stored)
    return tuple(zip(parts[1::2], parts[2::2]))
