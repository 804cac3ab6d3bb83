"""Changes to a parsed scenario before it is checked: ``--set`` overrides and ``[variants.<name>]``.

Both edit the parsed TOML (a dict), so a changed scenario obeys exactly the same checks as
the file (:func:`sim.scenario.load.from_dict`).
"""

from __future__ import annotations

import copy
import re
import tomllib

from .. import parameters as registry
from ..errors import ScenarioError, suggest

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_+-]*$")


def check_variants(table, file) -> dict[str, dict]:
    """``[variants.<name>]`` tables: name → {dotted key: value}, plus their descriptions."""
    if table is None:
        return {}
    if not isinstance(table, dict) or not all(isinstance(v, dict) for v in table.values()):
        raise ScenarioError(file, "variants", "expected [variants.<name>] tables of dotted keys, "
                            "e.g. \"shipments.growth_after\" = 0.3")
    for name, changes in table.items():
        if not NAME_RE.match(name):
            raise ScenarioError(file, f"variants.{name}", "a variant name is letters, digits, '_', '+' or '-'")
        for key, value in changes.items():
            if key == "description":
                if not isinstance(value, str):
                    raise ScenarioError(file, f"variants.{name}.description", "expected a string")
            elif "." not in key:
                raise ScenarioError(file, f"variants.{name}.{key}", "expected a dotted key such as "
                                    "\"fleet.pue\" (quoted, since it holds dots)")
    return dict(table)


def apply_variant(data: dict, changes: dict, file, name: str) -> dict:
    data = copy.deepcopy(data)
    for key, value in changes.items():
        if key == "description":
            continue
        path = key.split(".")
        try:
            if path[0] in registry.ARRAY_SECTIONS and len(path) == 3:
                tables = data.get(path[0], [])
                names = [t.get("name") for t in tables]
                if path[1] not in names:
                    raise ScenarioError(file, f"variants.{name}.{key}", f"no {path[0]} named '{path[1]}'"
                                        + suggest(path[1], [n for n in names if n]))
                tables[names.index(path[1])][path[2]] = copy.deepcopy(value)
                continue
            node = data
            for part in path[:-1]:
                node = node.setdefault(part, {})
            node[path[-1]] = copy.deepcopy(value)
        except (AttributeError, TypeError):
            raise ScenarioError(file, f"variants.{name}.{key}", "does not name a scenario value") from None
    return data


# --------------------------------------------------------------------------- overrides

def parse_override(item: str, file: str | None = None) -> tuple[list[str], object]:
    """Split ``"section.key=value"`` into a key path and a TOML value.

    A value that is not valid TOML is taken as a bare string, so ``fleet.accounting=
    annual_shipments`` works without quotes.
    """
    if "=" not in item:
        raise ScenarioError("--set", item, "expected section.key=value, e.g. fleet.pue=1.3")
    key, value_text = (s.strip() for s in item.split("=", 1))
    path = key.split(".")
    if len(path) < 2 or not all(path):
        raise ScenarioError("--set", key, "expected a dotted key such as fleet.pue")
    try:
        value = tomllib.loads(f"v = {value_text}")["v"]
    except RecursionError:
        raise ScenarioError("--set", key, "the value is nested too deeply to be a scenario value") from None
    except tomllib.TOMLDecodeError:
        if not value_text or any(c in value_text for c in "{}[]=\"'"):
            raise ScenarioError("--set", key, f"cannot read value {value_text!r} as TOML "
                                "(a number, a string, or an inline table like "
                                "{dist=\"uniform\", low=1, high=2})") from None
        value = value_text
    return path, value


def apply_overrides(data: dict, overrides, file: str | None = None) -> dict:
    """A copy of ``data`` with each ``section.key=value`` override applied."""
    data = copy.deepcopy(data)
    for item in overrides:
        path, value = parse_override(item, file)
        if path[0] in registry.ARRAY_SECTIONS:
            tables = data.get(path[0], [])
            if len(path) != 3:
                raise ScenarioError("--set", ".".join(path),
                                    f"expected {path[0]}.<name>.<key>, e.g. generation.H100.power_kw")
            names = [t.get("name") for t in tables if isinstance(t, dict)]
            if path[1] not in names:
                raise ScenarioError(f"{file} (--set)" if file else "--set", ".".join(path),
                                    f"no {path[0]} named '{path[1]}'" + suggest(path[1], names))
            target = tables[names.index(path[1])]
            target[path[2]] = value
            continue
        node = data
        for part in path[:-1]:
            nxt = node.setdefault(part, {})
            if not isinstance(nxt, dict):
                raise ScenarioError("--set", ".".join(path), f"'{part}' is not a table")
            node = nxt
        node[path[-1]] = value
    return data
