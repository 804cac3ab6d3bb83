"""The world fleet's structure: accelerator families (``[families.<family>]``) and regions
(``[regions.<region>]``), checked.

A *family* is a vendor line of accelerators (NVIDIA's 8-GPU servers, AMD's, custom chips such
as Google's TPUs): its generations (``[[generation]]`` with ``family = "..."``) displace one
another as a catalogue does, and the families divide the shipments by their shares; the lead
family (the first generation's) ships what the others leave. A *region* is where servers are
installed: the regions divide each year's shipments by their shares (the one region without a
share takes the rest), and each has its own PUE, carbon intensity and context totals. The
world is the sum of its regions; a scenario whose ``scope`` is a region reports that slice.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .. import parameters as registry
from ..errors import ScenarioError, suggest
from .overrides import NAME_RE
from .values import number, years_of


@dataclass(frozen=True)
class Family:
    """One accelerator family: its catalogued generations (indices into the catalogue), the years
    of its share (none for the lead family, which ships the rest) and the generations its trend
    can launch after its last catalogued one."""

    name: str
    generations: tuple[int, ...]
    share_years: tuple[int, ...] = ()
    trend: int = 0
    description: str = ""

    def trend_name(self, lead: bool) -> str:
        """The result row of all the generations its trend launches: ``trend`` for the lead
        family, ``<family>-trend`` for another; the model's rows are ``trend-1``, ..."""
        return "trend" if lead else f"{self.name}-trend"

    def trend_names(self, lead: bool) -> list[str]:
        return [f"{self.trend_name(lead)}-{j}" for j in range(1, self.trend + 1)]


def generation_rows(scenario) -> list[tuple[str, int, int, int]]:
    """The generations the model follows, in the order of its arrays: (name, family index,
    catalogue index or -1, trend step or 0): the catalogue's and those each family's trend may
    launch beyond its last one (the lead family's ``trend-1``, ...; another's
    ``AMD-trend-1``, ...), by earliest launch (a trend's at its shortest cadence), so that the
    model can leave out the rows no draw has launched yet."""
    rows = [(scenario.launch_month_index(g), 0, i, g.name, scenario.family_index(g.family), i, 0)
            for i, g in enumerate(scenario.generations)]
    for f, family in enumerate(scenario.families):
        if family.trend:
            last = scenario.launch_month_index(scenario.generations[family.generations[-1]])
            for j, name in enumerate(family.trend_names(lead=f == 0), start=1):
                rows.append((last + j * scenario.trend_shortest, 1, f * 1000 + j, name, f, -1, j))
    return [row[3:] for row in sorted(rows, key=lambda r: r[:3])]


def result_rows(scenario) -> list[tuple[str, int, tuple[int, ...], bool]]:
    """The rows of a result's ``generation`` axis: (name, family index, the model's rows it
    sums, whether it is a trend's): each catalogued generation, in the model's order, then for
    each family with a trend one row for all the generations it launches beyond the catalogue
    (``trend``; another family's ``AMD-trend``). A trend's generations launch at each draw's
    own cadence, so its ``trend-3`` is a different generation in every draw; their sum is one
    quantity across draws (and keeps a world result's generation axis short)."""
    rows = generation_rows(scenario)
    out = [(name, f, (k,), False) for k, (name, f, i, j) in enumerate(rows) if j == 0]
    for f, family in enumerate(scenario.families):
        members = tuple(k for k, row in enumerate(rows) if row[3] and row[1] == f)
        if members:
            out.append((family.trend_name(lead=f == 0), f, members, True))
    return out


def earliest_trend_launch(scenario, f: int) -> int:
    """The first month (from the scenario's start) in which family ``f``'s trend can launch a
    generation in some draw: its last catalogued launch plus the shortest cadence."""
    last = scenario.launch_month_index(scenario.generations[scenario.families[f].generations[-1]])
    return int(math.floor(last + scenario.trend_shortest))


@dataclass(frozen=True)
class Region:
    """One region: the years of its share of shipments (none for the region that takes the
    rest) and of its tables; whether it has a PUE of its own."""

    name: str
    share_years: tuple[int, ...] = ()
    own_pue: bool = False
    carbon_years: tuple[int, ...] = ()
    total_years: tuple[int, ...] = ()
    other_years: tuple[int, ...] = ()
    description: str = ""
    queue: bool = False                       # a power queue of its own (power_capacity_gw)
    addition_years: tuple[int, ...] = ()      # years of its power additions


def _table(section: str, name: str, data, file, what: str) -> dict:
    table = data.get(section, {})
    if not isinstance(table, dict):
        raise ScenarioError(file, section, f"expected tables [{section}.<name>], got {type(table).__name__}")
    entry = table[name]
    if not isinstance(entry, dict):
        raise ScenarioError(file, f"{section}.{name}", f"expected a table [{section}.{name}] of {what}")
    allowed = registry.named_keys(section)
    for key in entry:
        if key not in allowed:
            raise ScenarioError(file, f"{section}.{name}.{key}", "unknown key" + suggest(key, allowed))
    if not NAME_RE.match(name):
        raise ScenarioError(file, f"{section}.{name}", "a name is letters, digits, '_', '+' or '-'")
    description = entry.get("description", "")
    if not isinstance(description, str):
        raise ScenarioError(file, f"{section}.{name}.description", "expected a string")
    return entry


def _years(entry: dict, key: str, file, params, example: str) -> tuple[int, ...]:
    """A table of ``<year> = number or distribution`` under a named table, into ``params``."""
    return years_of(entry.get(key.rsplit(".", 1)[1]), key, file, params, example)


def _check_shares(params, section: str, parts, rest: str, file) -> None:
    """The parts' shares are given at the same years, and their highest values add up to at most
    1 at each of them (so in every draw and, interpolated linearly, in every year between)."""
    years = parts[0].share_years
    for part in parts[1:]:
        if part.share_years != years:
            raise ScenarioError(file, f"{section}.{part.name}.share", f"give the shares at the same years as "
                                f"{parts[0].name}'s ({', '.join(map(str, years))}), so that they add up in every "
                                f"year; got {', '.join(map(str, part.share_years))}")
    for year in years:
        most = sum(params[f"{section}.{p.name}.share.{year}"].support()[1] for p in parts)
        if most > 1 + 1e-12:
            raise ScenarioError(file, f"{section}.{parts[-1].name}.share.{year}", f"the shares of {year} can "
                                f"add up to {most:g}, more than all the servers shipped: their highest values "
                                f"must add up to at most 1 ({rest} takes the rest)")


def families(data, file, generations, families_of, params, start: int, end: int,
             shortest_cadence: float | None) -> tuple[Family, ...]:
    """The families of the catalogue, the lead one (the first generation's) first, with their
    shares and trends. ``families_of`` gives each catalogued generation's family."""
    declared = data.get("families", {})
    if not isinstance(declared, dict):
        raise ScenarioError(file, "families", "expected tables [families.<name>]")
    lead = families_of[0]
    names = list(dict.fromkeys(families_of))
    for name in declared:
        if name not in names:
            raise ScenarioError(file, f"families.{name}", "no [[generation]] has this family"
                                + suggest(name, names))
    out = []
    for name in names:
        members = tuple(i for i, f in enumerate(families_of) if f == name)
        entry = _table("families", name, data, file, "share and description") if name in declared else {}
        share_years = _years(entry, f"families.{name}.share", file, params, "share = { 2023 = 0.02, 2025 = 0.05 }")
        if name == lead and share_years:
            raise ScenarioError(file, f"families.{name}.share", f"{name} is the lead family (the first "
                                "generation's): it ships what the other families leave, and has no share")
        if name != lead and not share_years:
            raise ScenarioError(file, f"families.{name}.share", f"required: family {name} (of "
                                f"generation {generations[members[0]].name}) needs its share of the servers "
                                "shipped, e.g. share = { 2023 = 0.02, 2025 = 0.05 }")
        trend = 0
        if shortest_cadence is not None:
            year, month = (int(x) for x in generations[members[-1]].launch.split("-"))
            last = 12 * (year - start) + month - 1
            trend = max(0, int((12 * (end - start + 1) - 1 - last) // shortest_cadence))
        out.append(Family(name, members, share_years, trend, entry.get("description", "")))
    others = [f for f in out if f.share_years]
    if others:
        _check_shares(params, "families", others, f"the lead family {lead}", file)
    return tuple(out)


def regions(data, file, params) -> tuple[Region, ...]:
    """The regions of ``[regions.<region>]``, in the file's order; () without any."""
    declared = data.get("regions")
    if declared is None:
        return ()
    if not isinstance(declared, dict) or len(declared) < 2:
        raise ScenarioError(file, "regions", "expected two or more tables [regions.<name>] (the world "
                            "divided into regions; one of them, without a share, takes the rest)")
    out = []
    for name in declared:
        entry = _table("regions", name, data, file, "share, pue and context tables")
        key = f"regions.{name}"
        share = _years(entry, f"{key}.share", file, params, "share = { 2023 = 0.5, 2030 = 0.45 }")
        for own in ("pue", "power_capacity_gw"):
            if own in entry:
                params[f"{key}.{own}"] = number(file, f"{key}.{own}", entry[own])
        additions = _years(entry, f"{key}.power_additions", file, params, "power_additions = { 2027 = 5 }")
        if additions and "power_capacity_gw" not in entry:
            raise ScenarioError(file, f"{key}.power_additions", f"needs {key}.power_capacity_gw, the capacity "
                                "the additions add to")
        out.append(Region(
            name, share, "pue" in entry,
            _years(entry, f"{key}.carbon_intensity", file, params, "carbon_intensity = { 2024 = 380 }"),
            _years(entry, f"{key}.total_electricity", file, params, "total_electricity = { 2024 = 4_100 }"),
            _years(entry, f"{key}.other_datacenters", file, params, "other_datacenters = { 2024 = 150 }"),
            entry.get("description", ""), "power_capacity_gw" in entry, additions))
    rest = [r for r in out if not r.share_years]
    if len(rest) != 1:
        raise ScenarioError(file, f"regions.{(rest or out)[-1].name}.share",
                            "exactly one region has no share: it takes what the others leave"
                            + (f" (now {', '.join(r.name for r in rest)})" if rest else ""))
    _check_shares(params, "regions", [r for r in out if r.share_years], rest[0].name, file)
    for table in ("carbon_years", "total_years", "other_years"):
        given = [r for r in out if getattr(r, table)]
        if given and len(given) < len(out):
            missing = next(r for r in out if not getattr(r, table))
            field = {"carbon_years": "carbon_intensity", "total_years": "total_electricity",
                     "other_years": "other_datacenters"}[table]
            raise ScenarioError(file, f"regions.{missing.name}.{field}", f"required: every region needs "
                                f"{field} when one has it (the world's is their sum)")
    return tuple(out)


def check_scope(scope, regions, file, given: dict) -> str:
    """The scenario's scope: "world" or one of its regions (without regions, "world" or "US");
    and, with regions, none of what is not yet modelled region by region (``given``: key →
    whether the scenario sets it)."""
    scopes = ["world"] + [r.name for r in regions] if regions else ["world", "US"]
    if scope not in scopes:
        raise ScenarioError(file, "scenario.scope", f"must be {' or '.join(repr(x) for x in scopes)}"
                            + (" (a region of [regions])" if regions else "") + f", got {scope!r}"
                            + suggest(str(scope), scopes))
    if regions:
        for key, set_ in given.items():
            if not set_:
                continue
            section, name = key.split(".")
            if section in ("carbon", "context"):
                per_region = "carbon_intensity" if section == "carbon" else name
                raise ScenarioError(file, key, f"a fleet divided into [regions] gives this per region "
                                    f"(regions.<region>.{per_region}); the world's is their sum")
            raise ScenarioError(file, key, "a fleet divided into [regions] queues for grid power region by "
                                "region: give regions.<region>.power_capacity_gw (and power_additions)")
    return scope
