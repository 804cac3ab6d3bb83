"""The scenario library shipped with sim (``sim/scenarios``): find a scenario by name, list them.

``sim run nvidia_2027`` and ``sim.run("nvidia_2027")`` find ``nvidia_2027.toml`` here when no
such file exists where they are run; a pip-installed sim carries the library with it.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from ..errors import suggest

FOLDER = Path(__file__).resolve().parents[1] / "scenarios"   # sim/scenarios: the files, beside this code


def find(path) -> Path:
    """``path`` itself if it exists (or names a folder, or has a suffix); else the library's
    ``<path>.toml`` if there is one; else ``path`` (so the caller's "no such file" names it)."""
    path = Path(path)
    if path.exists() or path.suffix or len(path.parts) > 1:
        return path
    candidate = FOLDER / f"{path.name}.toml"
    return candidate if candidate.exists() else path


def not_found(path) -> str:
    """What to say of a scenario file that does not exist: a library scenario's name misspelt
    (the closest name), or a library scenario's file named from outside the project (its name
    runs it from anywhere)."""
    path = Path(path)
    names = [p.stem for p in scenarios()]
    if path.stem in names:
        return f"no such file; the library's {path.stem} runs from anywhere as: sim run {path.stem}"
    if path.suffix or len(path.parts) > 1:
        return "no such file"
    return "no such file, and no scenario of that name in the library" + suggest(path.name, names)


def scenarios() -> list[Path]:
    """The library's scenario files, by name."""
    return sorted(FOLDER.glob("*.toml"))


def describe(path: Path) -> tuple[str, str, str, dict]:
    """(name, title, description, its variants: name -> description) of a scenario file, read
    without checking it."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, tomllib.TOMLDecodeError):
        data = {}
    table, variants = data.get("scenario", {}), data.get("variants", {})
    return (table.get("name", path.stem), table.get("title", ""), table.get("description", ""),
            {k: v.get("description", "") if isinstance(v, dict) else "" for k, v in variants.items()}
            if isinstance(variants, dict) else {})
