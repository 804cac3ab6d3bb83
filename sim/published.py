"""Published figures in scenario files: the ``[[validation]]`` schema (read with the scenario).

:mod:`sim.validation` runs the model and checks it against them. A scenario may carry ``[[validation]]`` tables, each a published figure::

    [[validation]]
    quantity = "energy"          # a result variable
    year = 2027
    low = 85.4                   # a range (low, high) or a single value
    high = 134.0
    units = "TWh/yr"             # the published figure's units (converted from the model's)
    check = "within"             # median | within | covers (see below)
    tolerance = 0.01             # relative widening of the published figure
    source = "de Vries, Joule 7(10), 2023, p. 2192"
    variant = "lift_off"         # optional: the check applies to that variant's run

Checks, with the published figure widened by ``tolerance``:

* ``median``: the model's median lies in the published value or range;
* ``within``: the model's 5th and 95th percentiles both lie in the published range;
* ``covers``: the model's 90 % range overlaps the published value or range.

``relative_to = <year>`` compares the ratio of the quantity to its value in that year
(growth multiples such as "triples between 2025 and 2030").
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass

from .errors import ScenarioError, suggest
from .parameters import OUTPUTS

CHECKS = ("median", "within", "covers")
KEYS = ("quantity", "year", "value", "low", "high", "units", "check", "tolerance", "source",
        "note", "variant", "relative_to")

# published units → (model units they convert from, factor published = model × factor)
UNITS = {
    "TWh/yr": ("TW h", 1.0),
    "GWh/yr": ("TW h", 1e3),
    "MWh/day": ("TW h", 1e6 / 365.0),
    "GW": ("GW", 1.0),
    "MW": ("GW", 1e3),
    "servers": ("1", 1.0),
    "servers/yr": ("year-1", 1.0),
    "MtCO2/yr": ("Tg year-1", 1.0),
    "ratio": (None, 1.0),
}


@dataclass(frozen=True)
class Validation:
    """One published figure to check (see the module docstring)."""

    quantity: str
    year: int
    low: float
    high: float
    units: str
    check: str
    tolerance: float
    source: str
    note: str = ""
    variant: str | None = None
    relative_to: int | None = None

    def published_text(self) -> str:
        if self.low == self.high:
            return f"{number(self.low)} {self.units}"
        return f"{number(self.low)} to {number(self.high)} {self.units}"

    def label(self) -> str:
        rel = f"/{self.relative_to}" if self.relative_to else ""
        return f"{self.quantity} {self.year}{rel}"


def number(x: float) -> str:
    """A figure as a reader writes it: 2,946,296; 85.4; 0.3572."""
    if not math.isfinite(x):
        return "n/a"
    return f"{x:,.0f}" if abs(x) >= 1e4 else f"{x:.4g}"


def parse(tables, file: str | None, variant_names) -> tuple[Validation, ...]:
    """Check ``[[validation]]`` tables and build :class:`Validation` records."""
    if tables is None:
        return ()
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise ScenarioError(file, "validation", "expected [[validation]] tables")
    out = []
    for i, table in enumerate(tables):
        key = f"validation[{i}]"

        def fail(k, msg):
            raise ScenarioError(file, f"{key}.{k}" if k else key, msg)

        for k in table:
            if k not in KEYS:
                fail(k, "unknown key" + suggest(k, KEYS))
        quantity = table.get("quantity")
        if quantity not in OUTPUTS:
            fail("quantity", f"{quantity!r} is not a result variable" + suggest(str(quantity), OUTPUTS))
        source = table.get("source")
        if not isinstance(source, str) or not source.strip():
            fail("source", "required: where the published figure comes from (publication, year, page)")
        year = table.get("year")
        if not isinstance(year, int) or isinstance(year, bool):
            fail("year", "required: the calendar year of the published figure")
        numbers = {}
        for k in ("value", "low", "high", "tolerance"):
            if k in table:
                v = table[k]
                if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v):
                    fail(k, f"expected a number, got {v!r}")
                numbers[k] = float(v)
        if "value" in numbers and ("low" in numbers or "high" in numbers):
            fail("value", "give either value or low and high, not both")
        if "value" in numbers:
            low = high = numbers["value"]
        elif "low" in numbers and "high" in numbers:
            low, high = numbers["low"], numbers["high"]
            if low > high:
                fail("low", f"low ({low:g}) is above high ({high:g})")
        else:
            fail(None, "needs value, or low and high")
        tolerance = numbers.get("tolerance", 0.0)
        if tolerance < 0:
            fail("tolerance", "must be >= 0")
        check = table.get("check", "median")
        if check not in CHECKS:
            fail("check", f"must be one of {', '.join(CHECKS)}" + suggest(str(check), CHECKS))
        relative_to = table.get("relative_to")
        if relative_to is not None and (not isinstance(relative_to, int) or isinstance(relative_to, bool)):
            fail("relative_to", "expected a year")
        units = table.get("units", "ratio" if relative_to else None)
        if units is None:
            fail("units", f"required: the published figure's units, one of {', '.join(UNITS)}")
        if units not in UNITS:
            fail("units", f"unknown units {units!r}" + suggest(str(units), UNITS))
        model_units = OUTPUTS[quantity].units
        expected = UNITS[units][0]
        if relative_to is None and expected != model_units:
            fail("units", f"{quantity} is in {model_units!r}; {units!r} does not convert from it")
        if relative_to is not None and units != "ratio":
            fail("units", "a comparison relative_to a year is a ratio: units = \"ratio\"")
        variant = table.get("variant")
        if variant is not None and variant not in variant_names:
            fail("variant", f"no variant {variant!r}" + suggest(str(variant), list(variant_names) or ["(none)"]))
        note = table.get("note", "")
        out.append(Validation(quantity, year, low, high, units, check, tolerance, source.strip(),
                              note, variant, relative_to))
    return tuple(out)




def from_text(text: str, variant: str | None = None) -> tuple[Validation, ...]:
    """The published figures of a scenario's text (as a result stores it) that apply to a run
    of ``variant``; none if the text is not a readable scenario."""
    try:
        data = tomllib.loads(text)
        figures = parse(data.get("validation"), None, data.get("variants") or {})
    except (tomllib.TOMLDecodeError, ScenarioError):
        return ()
    return tuple(v for v in figures if v.variant in (None, variant or None))
