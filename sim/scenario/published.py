"""Published and observed figures in scenario files, read with the scenario.

Two kinds of table, one reader of each (:func:`parse`, :func:`parse_observations`):

``[[validation]]``: a published figure the model is checked against by ``sim validate``
(:mod:`sim.analysis.validation`)::

    [[validation]]
    kind = "reproduction"        # reproduction: a published arithmetic re-done (de Vries);
                                 # independent: a figure that is neither an input nor a
                                 # calibration target of this scenario
    quantity = "energy"          # a result variable
    year = 2027
    low = 85.4                   # a range (low, high) or a single value
    high = 134.0
    units = "TWh/yr"             # the published figure's units (converted from the model's)
    check = "within"             # median | within | covers (see below)
    tolerance = 0.01             # relative widening of the published figure
    source = "de Vries, Joule 7(10), 2023, p. 2192"
    variant = "lift_off"         # optional: the check applies to that variant's run
    known_gap = "why"            # optional: a figure the model is known to miss, and why (below)

Checks, with the published figure widened by ``tolerance``: ``median`` (the model's median
lies in the figure), ``within`` (its 5th and 95th percentiles both do), ``covers`` (its 90 %
range overlaps the figure). ``relative_to = <year>`` compares the ratio of the quantity to
its value in that year (growth multiples such as "triples between 2025 and 2030").
``known_gap`` marks a published figure the model misses for a reason the scenario states: it
is still evaluated and printed ("gap", with the model's figures), it does not fail
``sim validate``, and if the model ever meets it the check fails until the mark is removed.

``[[observation]]``: what was observed in a past year, which every calibrated draw must
reproduce (``use = "calibrate"``, the default; :mod:`sim.analysis.calibration`) or which is held out
as an independent check (``use = "check"``)::

    [[observation]]
    quantity = "gpus_shipped"    # a result variable that counts servers, GPUs, compute, power or energy
    year = 2025
    low = 3.0                    # a range, or value with a relative tolerance
    high = 6.0
    units = "million GPUs/yr"
    generations = ["B200", "GB200"]   # optional: only these generations
    family = "NVIDIA"            # optional: only this accelerator family's generations
    scope = "world"              # world or US (without [regions]: the scenario's scope), or a region
    counting = "GPU packages (a Blackwell package holds two dies)"   # the counting convention
    source = "NVIDIA, October 2025: about 6 million Blackwell GPUs in four quarters"

Units convert only within one measure (servers, GPUs, H100-equivalents, power, energy, ...):
a figure in GPUs never compares with servers.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass

from ..errors import ScenarioError, suggest
from ..parameters import OUTPUTS

CHECKS = ("median", "within", "covers")
KINDS = ("reproduction", "independent")
USES = ("calibrate", "check")
SCOPES = ("world", "US")
KEYS = ("kind", "quantity", "year", "value", "low", "high", "units", "check", "tolerance", "source",
        "note", "variant", "relative_to", "known_gap")
OBSERVATION_KEYS = ("name", "quantity", "year", "value", "low", "high", "tolerance", "units", "generations",
                    "family", "scope", "counting", "source", "note", "use", "known_gap", "discrepancy")
# quantities a fleet divided into regions keeps by region (the registry's *_by_region outputs): a figure for another
# scope than the scenario's (the world, or another region) is read from these
BY_REGION = tuple(o.name.removesuffix("_by_region") for o in OUTPUTS.values() if o.name.endswith("_by_region"))
# quantities that can be counted over a subset of the generations: the registry says which output
# counts each by generation
BY_GENERATION = tuple(o.name for o in OUTPUTS.values() if o.by_generation)

# a figure's units → (the measure they count, factor: figure = model value × factor)
UNITS = {
    "TWh/yr": ("energy", 1.0),
    "GWh/yr": ("energy", 1e3),
    "MWh/day": ("energy", 1e6 / 365.0),
    "GW": ("power", 1.0),
    "MW": ("power", 1e3),
    "servers": ("servers", 1.0),
    "servers/yr": ("servers/yr", 1.0),
    "GPUs": ("GPUs", 1.0),
    "million GPUs": ("GPUs", 1e-6),
    "GPUs/yr": ("GPUs/yr", 1.0),
    "million GPUs/yr": ("GPUs/yr", 1e-6),
    "H100e": ("H100e", 1.0),
    "million H100e": ("H100e", 1e-6),
    "MtCO2/yr": ("emissions", 1.0),
    "billion USD/yr": ("USD/yr", 1e-6),     # the model counts thousand US dollars
    "index": ("index", 1.0),    # a level relative to the base the quantity names (price: when demand started)
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
    kind: str = "reproduction"
    known_gap: str = ""

    def published_text(self) -> str:
        return figure_text(self.low, self.high, self.units)

    def label(self) -> str:
        rel = f"/{self.relative_to}" if self.relative_to else ""
        return f"{self.quantity} {self.year}{rel}"


@dataclass(frozen=True)
class Observation:
    """One observed figure (see the module docstring); ``low``/``high`` include the tolerance."""

    name: str
    quantity: str
    year: int
    low: float
    high: float
    units: str
    scope: str
    counting: str
    source: str
    generations: tuple[str, ...] = ()
    use: str = "calibrate"
    note: str = ""
    known_gap: str = ""   # a held-out figure the model misses for the reason given (as a Validation's)
    discrepancy: float = 0.0   # the model's structural error for this quantity, relative (see accepted)

    @property
    def factor(self) -> float:
        """Figure = model value × factor."""
        return UNITS[self.units][1]

    def published_text(self) -> str:
        return figure_text(self.low, self.high, self.units)

    def label(self) -> str:
        return self.name


def number(x: float) -> str:
    """A figure as a reader writes it: 2,946,296; 85.4; 0.3572."""
    if not math.isfinite(x):
        return "n/a"
    return f"{x:,.0f}" if abs(x) >= 1e4 else f"{x:.4g}"


# units said in words where their name is not a unit a reader would write after a number
UNIT_WORDS = {"ratio": "times", "index": "(an index)"}


def figure_text(low: float, high: float, units: str) -> str:
    """A figure as a reader reads it: ``2.3 times``, ``69.1 to 103.7 billion USD/yr``."""
    units = UNIT_WORDS.get(units, units)
    if low == high:
        return f"{number(low)} {units}"
    return f"{number(low)} to {number(high)} {units}"


class _Table:
    """One table of a ``[[validation]]`` or ``[[observation]]`` array, read key by key with
    one-line errors naming ``<array>[i].<key>``."""

    def __init__(self, table: dict, file, key: str, allowed):
        self.table, self.file, self.key = table, file, key
        for k in table:
            if k not in allowed:
                self.fail(k, "unknown key" + suggest(k, allowed))

    def fail(self, k, msg):
        raise ScenarioError(self.file, f"{self.key}.{k}" if k else self.key, msg)

    def text(self, k, required: str | None = None, default: str = "") -> str:
        value = self.table.get(k)
        if value is None and required is None:
            return default
        if not isinstance(value, str) or not value.strip():
            self.fail(k, f"required: {required}" if required else "expected a string")
        return value.strip()

    def choice(self, k, choices, default=None) -> str:
        value = self.table.get(k, default)
        if value not in choices:
            self.fail(k, f"must be one of {', '.join(choices)}" + suggest(str(value), choices))
        return value

    def quantity(self) -> str:
        quantity = self.table.get("quantity")
        if quantity not in OUTPUTS:
            self.fail("quantity", f"{quantity!r} is not a result variable" + suggest(str(quantity), OUTPUTS))
        return quantity

    def year(self, k="year", first=None, last=None) -> int:
        year = self.table.get(k)
        if not isinstance(year, int) or isinstance(year, bool):
            self.fail(k, "required: the calendar year of the figure" if k == "year" else "expected a year")
        if first is not None and not first <= year <= last:
            self.fail(k, f"{year} is outside the scenario's years, {first} to {last}")
        return year

    def range(self) -> tuple[float, float, float]:
        """low, high and tolerance (value = low = high)."""
        numbers = {}
        for k in ("value", "low", "high", "tolerance"):
            if k in self.table:
                v = self.table[k]
                if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v):
                    self.fail(k, f"expected a number, got {v!r}")
                numbers[k] = float(v)
        if "value" in numbers and ("low" in numbers or "high" in numbers):
            self.fail("value", "give either value or low and high, not both")
        if "value" in numbers:
            low = high = numbers["value"]
        elif "low" in numbers and "high" in numbers:
            low, high = numbers["low"], numbers["high"]
            if low > high:
                self.fail("low", f"low ({low:g}) is above high ({high:g})")
        else:
            self.fail(None, "needs value, or low and high")
        tolerance = numbers.get("tolerance", 0.0)
        if tolerance < 0:
            self.fail("tolerance", "must be >= 0")
        return low, high, tolerance

    def units(self, quantity: str, default=None) -> str:
        units = self.table.get("units", default)
        if units is None:
            self.fail("units", f"required: the figure's units, one of {', '.join(UNITS)}")
        if units not in UNITS:
            self.fail("units", f"unknown units {units!r}" + suggest(str(units), UNITS))
        measure = OUTPUTS[quantity].measure
        if units != "ratio" and UNITS[units][0] != measure:
            self.fail("units", f"{quantity} counts {measure} (units {OUTPUTS[quantity].units!r}); "
                               f"{units!r} does not convert from it")
        return units


def _tables(tables, file, name: str) -> list:
    if tables is None:
        return []
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise ScenarioError(file, name, f"expected [[{name}]] tables")
    return tables


def parse(tables, file: str | None, variant_names) -> tuple[Validation, ...]:
    """Check ``[[validation]]`` tables and build :class:`Validation` records."""
    out = []
    for i, table in enumerate(_tables(tables, file, "validation")):
        t = _Table(table, file, f"validation[{i}]", KEYS)
        kind = t.choice("kind", KINDS, table.get("kind", "missing"))
        quantity = t.quantity()
        source = t.text("source", "where the published figure comes from (publication, year, page)")
        year = t.year()
        low, high, tolerance = t.range()
        check = t.choice("check", CHECKS, "median")
        relative_to = t.year("relative_to") if "relative_to" in table else None
        units = t.units(quantity, "ratio" if relative_to else None)
        if relative_to is not None and units != "ratio":
            t.fail("units", "a comparison relative_to a year is a ratio: units = \"ratio\"")
        if relative_to is None and units == "ratio":
            t.fail("units", "a ratio needs relative_to = <year>")
        variant = table.get("variant")
        if variant is not None and variant not in variant_names:
            t.fail("variant", f"no variant {variant!r}" + suggest(str(variant), list(variant_names) or ["(none)"]))
        out.append(Validation(quantity, year, low, high, units, check, tolerance, source,
                              t.text("note"), variant, relative_to, kind, t.text("known_gap")))
    return tuple(out)


def parse_observations(tables, file: str | None, first: int, last: int, scope: str,
                       generation_names, generation_families=(), regions=(), trends=None) -> tuple[Observation, ...]:
    """Check ``[[observation]]`` tables against the scenario (its years, scope, generations and
    their families, and regions).

    Without regions a figure's scope is the scenario's. With regions it may be the world or any
    region: one of another scope than the scenario's is read from the results by region (a
    quantity of :data:`BY_REGION`), or, for a world figure of some generations that calibrates, from
    the candidates' run of the world (:func:`sim.analysis.calibration.candidate_scenario`).

    A trend's row (``trends``: its name → its base and first possible year) sums generations whose
    power and performance per server differ by draw: a quantity counted at those is refused from
    the trend's first year on (before it the row holds exact zeros)."""
    out, names = [], set()
    scopes = ("world",) + tuple(regions) if regions else SCOPES
    for i, table in enumerate(_tables(tables, file, "observation")):
        t = _Table(table, file, f"observation[{i}]", OBSERVATION_KEYS)
        quantity = t.quantity()
        year = t.year(first=first, last=last)
        low, high, tolerance = t.range()
        units = t.units(quantity)
        if units == "ratio":
            t.fail("units", "an observation is a level, not a ratio")
        observed_scope = t.choice("scope", scopes, table.get("scope", "missing"))
        if observed_scope != scope and not regions:
            t.fail("scope", f"the figure is for {observed_scope}; the scenario models {scope} "
                            "(scenario.scope): convert it openly, or leave it out")
        counting = t.text("counting", "what is counted (e.g. 8-GPU servers, all data-center GPUs, packages)")
        source = t.text("source", "where the observed figure comes from (publication, year, page)")
        generations = table.get("generations", [])
        if not isinstance(generations, list) or not all(isinstance(g, str) for g in generations):
            t.fail("generations", "expected a list of generation names")
        for g in generations:
            if g not in generation_names:
                t.fail("generations", f"no generation {g!r}" + suggest(g, generation_names))
        family = table.get("family")
        if family is not None:
            families = list(dict.fromkeys(generation_families))
            if generations:
                t.fail("family", "give generations or a family, not both")
            if family not in families:
                t.fail("family", f"no family {family!r}" + suggest(str(family), families or ["(none)"]))
            generations = [g for g, f in zip(generation_names, generation_families) if f == family]
            if len(generations) == len(generation_names) and not OUTPUTS[quantity].observed_only:
                generations = []    # every generation: the quantity itself
        weighted = {"power_kw", "performance"} & set(OUTPUTS[quantity].per_server)
        late = [g for g in generations if weighted and g in (trends or {}) and year >= trends[g][1]]
        if late:
            t.fail("family" if family is not None else "generations",
                   f"{quantity} counts {late[0]} at its {'/'.join(sorted(weighted))} per server, which its "
                   f"generations, launched at each draw's own cadence from {trends[late[0]][1]}, do not share: "
                   f"observe a year before {trends[late[0]][1]}, or a count (shipments, installed, GPUs)")
        if OUTPUTS[quantity].observed_only and not generations:
            t.fail("family", f"{quantity} is counted by generation: name the family or the generations it covers")
        if generations and quantity not in BY_GENERATION:
            t.fail("generations", f"{quantity} cannot be counted by generation; "
                                  f"these can: {', '.join(BY_GENERATION)}")
        use = t.choice("use", USES, "calibrate")
        if observed_scope != scope:
            if generations and observed_scope != "world":
                t.fail("scope", f"a {observed_scope} figure of some generations needs results by generation of "
                                f"{observed_scope}; the scenario's are of {scope} (a world figure is read from the "
                                "world run of the same draws)")
            if not generations and quantity not in BY_REGION:
                t.fail("scope", f"a figure for {observed_scope} in a scenario of {scope} is read from the "
                                f"results by region, which keep {', '.join(BY_REGION)}; not {quantity}")
        label = family if family is not None else "+".join(generations)
        name = t.text("name", default=f"{quantity} {year}" + (f" ({label})" if generations else ""))
        if name in names:
            t.fail("name", f"{name!r} is given twice; name the observations apart")
        names.add(name)
        discrepancy = table.get("discrepancy", 0.0)
        if not isinstance(discrepancy, (int, float)) or isinstance(discrepancy, bool) or not 0 <= discrepancy < 10:
            t.fail("discrepancy", f"expected a relative error from 0 (the model is exact) to below 10, got {discrepancy!r}")
        low, high = accepted(low * (1 - tolerance), high * (1 + tolerance), float(discrepancy))
        tolerance = 0.0
        known_gap = t.text("known_gap")
        if known_gap and use != "check":
            t.fail("known_gap", "only a held-out figure (use = \"check\") can be a known gap: one the "
                                "calibration keeps every draw inside cannot be missed")
        out.append(Observation(name, quantity, year, low, high, units, observed_scope, counting, source,
                               tuple(generations), use, t.text("note"), known_gap, float(discrepancy)))
    return tuple(out)


def accepted(low: float, high: float, discrepancy: float) -> tuple[float, float]:
    """The range a simulated value must fall in: the observed range (its middle ``c``, its
    half-width ``h``, the observation's error at the cut-off) widened by the model's structural
    error at the same cut-off, ``discrepancy × |c|``, the two added in quadrature. This is
    history matching's implausibility cut, ``|f − c| / sqrt(h² + (δ c)²) <= 1``; with no
    discrepancy it is the observed range itself."""
    if not discrepancy:
        return low, high
    middle, half = (low + high) / 2, (high - low) / 2
    wide = math.hypot(half, discrepancy * abs(middle))
    return middle - wide, middle + wide


def check_prices(observations, scenario, file) -> None:
    """A revenue observation counts accelerators at their generation's price: every generation
    it counts (a trend generation: its family's last catalogued one) must have one."""
    bases = scenario.trend_bases
    for i, o in enumerate(observations):
        for g in (o.generations if "price_kusd" in OUTPUTS[o.quantity].per_server else ()):
            base = bases.get(g, (g,))[0]
            if f"generation.{base}.price_kusd" not in scenario.parameters:
                raise ScenarioError(file, f"observation[{i}].quantity", f"{o.quantity} counts generation {g}, "
                                    f"which has no price: give generation.{base}.price_kusd")


def from_text(text: str, variant: str | None = None) -> tuple[Validation, ...]:
    """The published figures of a scenario's text (as a result stores it) that apply to a run
    of ``variant``; none if the text is not a readable scenario."""
    try:
        data = tomllib.loads(text)
        figures = parse(data.get("validation"), None, data.get("variants") or {})
    except (tomllib.TOMLDecodeError, ScenarioError):
        return ()
    return tuple(v for v in figures if v.variant in (None, variant or None))
