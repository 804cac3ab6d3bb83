"""The hardware catalogue: ``[[generation]]`` tables, checked, in launch order."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .. import parameters as registry
from ..errors import ScenarioError, suggest
from .overrides import NAME_RE
from .values import number

_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Generation:
    """One hardware generation of the catalogue (its numbers are in ``Scenario.parameters``)."""

    name: str
    launch: str  # "YYYY-MM"
    description: str = ""
    family: str = "NVIDIA"   # generation.<name>.family


def check(tables, file, params) -> tuple[Generation, ...]:
    if tables is None:
        raise ScenarioError(file, "generation", "required: at least one [[generation]] table "
                            "with name, launch and power_kw")
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables) or not tables:
        raise ScenarioError(file, "generation", "expected one or more [[generation]] tables")
    allowed = registry.generation_keys()
    generations = []
    seen = set()
    for i, table in enumerate(tables):
        name = table.get("name")
        label = f"generation.{name}" if isinstance(name, str) else f"generation[{i}]"
        for key in table:
            if key not in allowed:
                raise ScenarioError(file, f"{label}.{key}", "unknown key" + suggest(key, allowed))
        if not isinstance(name, str) or not NAME_RE.match(name):
            raise ScenarioError(file, f"{label}.name", "required: a name of letters, digits, "
                                "'_', '+' or '-', e.g. \"H100\"")
        if name in seen:
            raise ScenarioError(file, f"{label}.name", f"generation '{name}' is listed twice")
        seen.add(name)
        launch = table.get("launch")
        m = _MONTH_RE.match(launch) if isinstance(launch, str) else None
        if not m or not 1 <= int(m.group(2)) <= 12:
            raise ScenarioError(file, f"{label}.launch", f"expected \"YYYY-MM\", e.g. \"2023-03\", "
                                f"got {launch!r}")
        family = table.get("family", allowed["family"].default)
        if not isinstance(family, str) or not NAME_RE.match(family):
            raise ScenarioError(file, f"{label}.family", "expected a family name of letters, digits, '_', "
                                f"'+' or '-', e.g. \"AMD\", got {family!r}")
        before = [g for g in generations if g.family == family]
        if before and launch < before[-1].launch:
            raise ScenarioError(file, f"{label}.launch", f"{launch} is before the previous {family} "
                                f"generation's launch ({before[-1].launch}); list a family's generations "
                                "in launch order")
        description = table.get("description", "")
        if not isinstance(description, str):
            raise ScenarioError(file, f"{label}.description", "expected a string")
        if "max_share" in table and not before:
            raise ScenarioError(file, f"{label}.max_share", "a family's first generation stands for "
                                "everything it has on sale before the next launches; max_share applies from "
                                "the family's second generation on")
        for key in ("power_kw", "performance", "gpus_per_server", "max_share", "price_kusd"):
            spec = allowed[key]
            if key not in table and spec.default is None:
                continue
            if key not in table:
                if spec.default is registry.REQUIRED:
                    raise ScenarioError(file, f"{label}.{key}", f"required: {spec.meaning.rstrip('.')}{registry.bracketed(spec.units)}")
                value = spec.default
            else:
                value = table[key]
            full = f"generation.{name}.{key}"
            params[full] = number(file, full, value)
        generations.append(Generation(name, launch, description, family))
    return tuple(generations)
