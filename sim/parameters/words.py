"""The words a reader sees: a scenario key's label (:func:`label`), units as a reader writes
them (:func:`human_units`), from the registry (:mod:`.inputs`), and shares as whole per cents
(:func:`percent`)."""

from __future__ import annotations

import math

from .inputs import NAMED_SECTIONS, spec

# UDUNITS strings in result files → how a reader writes them (axes, CSV, the brief)
HUMAN_UNITS = {"730 h": "months", "year": "years", "1": "", "year-1": "per year", "TW h": "TWh", "kW-1": "per kWh",
               "h year-1": "hours per year", "Tg year-1": "Mt per year", "Tg": "Mt", "g kW-1 h-1": "gCO2/kWh"}


def human_units(units: str) -> str:
    """How a reader writes a UDUNITS string (``"TW h"`` → ``"TWh"``; a pure number: empty)."""
    return HUMAN_UNITS.get(units, units)


def bracketed(units: str) -> str:
    """A value's units after it, as a reader writes them: ``" (TWh)"``; a pure number: ``""``."""
    words = human_units(units)
    return f" ({words})" if words else ""


def label(key: str) -> str:
    """The words a reader sees for a scenario key (``demand.elasticity`` → "price elasticity of
    demand (Jevons)"); a name that is no key (a group of factors) comes back as it is."""
    try:
        row = spec(key)
    except KeyError:
        return key if "." in key else key.replace("_", " ")
    parts = key.split(".")
    year = parts[-1] if parts[-1].isdigit() else ""
    named = (parts[0] == "generation" and len(parts) == 3) or parts[0] in NAMED_SECTIONS
    name = parts[1].replace("_", " ") if named else ""      # rest_of_world → "rest of world", as the figures say
    template = row.label or parts[-1].replace("_", " ")
    return template.format(year=year, name=name)


def percent(x) -> str:
    """A share as whole per cents, with no "-0%" for a value that rounds to zero from below;
    ``None`` or a non-finite value is "n/a"."""
    if x is None or not math.isfinite(x):
        return "n/a"
    return f"{0.0 if abs(x) < 0.005 else x:.0%}"
