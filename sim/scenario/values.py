"""Reading a scenario's values: numbers and distributions within the registry's bounds,
tables of years, and typed keys with their defaults (one-line errors naming file and key)."""

from __future__ import annotations

import math
import re

from .. import parameters as registry
from .distributions import Distribution, from_value
from ..errors import ScenarioError, suggest


def year_table(data, key: str, file, params, required: bool, example: str) -> tuple[int, ...]:
    """Read a table of ``<year> = number or distribution`` into ``params``; its sorted years."""
    section, name = key.split(".")
    table = data.get(section, {}).get(name)
    if table is None and required:
        raise ScenarioError(file, key, f"required: a table of years, e.g. {example}")
    return years_of(table, key, file, params, example)


def years_of(table, key: str, file, params, example: str) -> tuple[int, ...]:
    """A table of ``<year> = number or distribution`` given at ``key`` (``None``: absent, no
    years) into ``params`` as ``<key>.<year>``; its sorted years."""
    if table is None:
        return ()
    if not isinstance(table, dict) or not table:
        raise ScenarioError(file, key, f"expected a table of <year> = value, e.g. {example}")
    years = []
    for year_text in table:
        if not re.fullmatch(r"\d{4}", str(year_text)) or not 1990 <= int(year_text) <= 2100:
            raise ScenarioError(file, f"{key}.{year_text}", "keys are calendar years from 1990 to 2100")
        years.append(int(year_text))
    for year in sorted(years):
        params[f"{key}.{year}"] = number(file, f"{key}.{year}", table[str(year)])
    return tuple(sorted(years))


TAIL_TOLERANCE = 1e-6  # probability outside the allowed range that is truncated silently


def number(file, key: str, value) -> Distribution:
    spec = registry.spec(key)
    dist = from_value(value, file, key)
    low, high = dist.support()
    if dist.family in ("normal", "lognormal") and not (spec.contains(low) and spec.contains(high)):
        # an unbounded tail beyond the allowed range: truncate it there if it is negligible
        outside = dist.cdf(spec.low) + (1.0 - dist.cdf(spec.high))
        if outside < TAIL_TOLERANCE:
            dist = dist.truncated(spec.low, spec.high)
            dist.annotations["truncated_probability"] = f"{outside:.3g}"
            return dist
        raise ScenarioError(file, key, f"must be {spec.range_text()}, but {dist.describe()} puts "
                            f"{outside:.2%} of its draws outside that; truncate it with low/high")
    if not (spec.contains(low) and spec.contains(high)):
        got = f"{low:g}" if low == high else f"values from {low:g} to {high:g}"
        hint = ""
        if dist.family in ("normal", "lognormal") and (math.isinf(low) or math.isinf(high)):
            hint = "; truncate it with low/high"
        raise ScenarioError(file, key, f"must be {spec.range_text()}{registry.bracketed(spec.units)}, got {got}{hint}")
    return dist


class Getter:
    """Reads a section key with its registry default and type check."""

    def __init__(self, data, file):
        self.data = data
        self.file = file

    def _raw(self, key):
        section, name = key.split(".", 1)
        table = self.data.get(section, {})
        spec = registry.spec(key)
        if name in table:
            return spec, table[name], True
        if spec.default is registry.REQUIRED:
            raise ScenarioError(self.file, key, f"required: {spec.meaning}")
        return spec, spec.default, False

    def number(self, key) -> Distribution | None:
        spec, value, given = self._raw(key)
        if value is None:
            return None
        return number(self.file, key, value)

    def numbers(self, section: str, params: dict) -> None:
        """Every number-or-distribution key of ``section`` the registry declares, into ``params``."""
        for key in registry.numeric_keys(section):
            value = self.number(key)
            if value is not None:
                params[key] = value

    def value(self, key):
        spec, value, given = self._raw(key)
        if not given:
            return value
        file = self.file
        kind = spec.kind
        if kind == "integer":
            if not isinstance(value, int) or isinstance(value, bool):
                raise ScenarioError(file, key, f"expected a whole number, got {value!r}")
            if not spec.contains(value):
                raise ScenarioError(file, key, f"must be {spec.range_text()}, got {value}")
        elif kind == "choice":
            if value not in spec.choices:
                raise ScenarioError(file, key, f"must be {spec.range_text()}, got {value!r}"
                                    + (suggest(str(value), spec.choices) if isinstance(value, str) else ""))
        elif kind == "bool":
            if not isinstance(value, bool):
                raise ScenarioError(file, key, f"expected true or false, got {value!r}")
        elif kind == "text":
            if not isinstance(value, str):
                raise ScenarioError(file, key, f"expected a string, got {value!r}")
        elif kind == "years":
            if (not isinstance(value, list) or not value
                    or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)):
                raise ScenarioError(file, key, f"expected a list of years, e.g. [2023, 2027], got {value!r}")
        elif kind == "texts":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ScenarioError(file, key, "expected a list of strings")
        return value
