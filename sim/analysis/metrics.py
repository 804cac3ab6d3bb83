"""What a sweep analyses: ``--metric`` and ``--years`` read against a scenario.

Metrics: ``energy`` or ``energy:YEAR`` (TWh in a year; default the scenario's last key year),
``cumulative:Y1-Y2`` (TWh summed over the years), ``peak_power`` (the highest annual-mean
facility power, GW), ``rebound_share`` or ``rebound_share:YEAR`` (share of the year's
electricity due to the Jevons response; demand mode). ``years`` (``--years all`` or a list)
evaluates an annual metric per year, so indices gain a ``year`` dimension. With regions, the
electricity of one region: ``energy:2030@US``, ``cumulative:2025-2035@China`` (read from
``energy_by_region``: what drives the US's electricity in the world fleet's run); with
accelerator families, one family's: ``energy:2030@AMD`` (``energy_by_family``, the sum of its
generations' ``energy_by_generation``, added as the results add them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ..errors import InputError, suggest
from ..model.kernels import sum_rows
from ..parameters import OUTPUTS

# each metric and the result variable it is read from: its units are that variable's
# (the registry's), a rebound share a ratio
READS = {"energy": "energy", "cumulative": "energy", "peak_power": "facility_power", "rebound_share": None}
METRICS = tuple(READS)


@dataclass(frozen=True)
class Metric:
    """What a sweep analyses. ``years`` holds one year per output row (annual metrics)."""

    kind: str
    years: tuple[int, ...]
    span: tuple[int, int] | None = None
    part: str | None = None       # one region's or family's electricity (energy, cumulative)
    dim: str | None = None        # the part's: "region" or "family"

    @property
    def name(self) -> str:
        where = f"@{self.part}" if self.part else ""
        if self.kind == "cumulative":
            return f"cumulative:{self.span[0]}-{self.span[1]}{where}"
        if self.kind == "peak_power":
            return "peak_power"
        if len(self.years) == 1:
            return f"{self.kind}:{self.years[0]}{where}"
        return f"{self.kind}:{self.years[0]}-{self.years[-1]}{where}"

    @property
    def units(self) -> str:
        reads = READS[self.kind]
        return OUTPUTS[reads].units if reads else "1"

    @property
    def long_name(self) -> str:
        where = "" if self.dim is None else \
            f" in {_spoken(self.part)}" if self.dim == "region" else f" of {self.part} accelerators"
        if self.kind == "cumulative":
            return f"facility electricity{where} summed over {self.span[0]}-{self.span[1]}, TWh"
        return {"energy": f"facility electricity{where} in the year, TWh",
                "peak_power": "highest annual-mean facility power, GW",
                "rebound_share": "share of the year's electricity due to the Jevons response"}[self.kind]

    def words(self, scope: str = "world") -> str:
        """In a figure's words: "electricity in 2030", "US electricity in 2030", "electricity of
        AMD accelerators in 2030" (:func:`words`); a regional scenario's own electricity (its
        ``scope``) as its region's: "China electricity in 2030"."""
        if self.part is None and scope != "world" and self.kind != "rebound_share":
            return words(f"{self.name}@{scope}")
        return words(self.name, family=self.dim == "family")

    @property
    def reads(self) -> frozenset[str]:
        """The results the metric is computed from (a sweep's runs keep only these, the model's ``only``)."""
        if self.dim == "family":
            return frozenset({"energy_by_generation"})
        return frozenset({"energy_by_region" if self.dim else READS[self.kind] or "energy"})

    @property
    def needs_counterfactual(self) -> bool:
        """The rebound share compares every row with the same row at elasticity 0."""
        return self.kind == "rebound_share"

    @property
    def per_year(self) -> bool:
        return self.kind in ("energy", "rebound_share") and len(self.years) > 1

    def compute(self, scenario, out: dict, counterfactual: dict | None) -> np.ndarray:
        """The metric, shape (s, n), from a batch's model output (draw-first arrays)."""
        if self.kind == "peak_power":
            return out["facility_power"].max(axis=1)[None, :]
        index = {y: i for i, y in enumerate(scenario.years)}
        energy = self._energy(scenario, out)                # (draws, years)
        if self.kind == "energy":
            return energy[:, [index[y] for y in self.years]].T
        if self.kind == "cumulative":
            return energy[:, index[self.span[0]]:index[self.span[1]] + 1].sum(axis=1)[None, :]
        cols = [index[y] for y in self.years]
        e = energy[:, cols]
        rebound = e - counterfactual["energy"][:, cols]
        return np.divide(rebound, e, out=np.zeros_like(e), where=e > 0).T

    def _energy(self, scenario, out: dict) -> np.ndarray:
        """The scope's or the part's electricity, (draws, years). A family's is the sum of its
        generations' rows in order, as the results' ``energy_by_family`` adds them
        (:mod:`sim.model.record`): the same numbers, bit for bit."""
        if self.dim == "region":
            return out["energy_by_region"][:, :, list(scenario.region_names).index(self.part)]
        if self.dim == "family":
            by_generation = out["energy_by_generation"]     # (draws, years, generations)
            rows = [i for i, f in enumerate(scenario.generation_families) if f == self.part]
            return sum_rows([by_generation[:, :, i] for i in rows])
        return out["energy"]


def parse_metric(text: str | None, scenario, years=None, of: str = "") -> Metric:
    """Read ``--metric`` (and ``--years``) against a scenario.

    Raises
    ------
    InputError
        For an unknown metric, a year outside the scenario, or a rebound share outside demand mode.
    """
    if text is not None and not text.strip():
        raise InputError("--metric", None, "is empty: give a metric such as energy:2030, cumulative:2025-2035, "
                         "peak_power or rebound_share:2035")
    text = text or "energy"
    text, at, part = text.partition("@")
    kind, _, arg = text.partition(":")
    if kind not in METRICS:
        raise InputError("--metric", None, f"unknown metric '{kind}'" + suggest(kind, METRICS)
                            + "; e.g. energy:2030, cumulative:2025-2035, peak_power, rebound_share:2035")
    first, last = scenario.start_year, scenario.end_year

    def year(text_year: str) -> int:
        if not re.fullmatch(r"\d{4}", text_year) or not first <= int(text_year) <= last:
            raise InputError("--metric", None, f"year '{text_year}' must be a year {of}from {first} to {last}")
        return int(text_year)

    if kind == "rebound_share" and scenario.mode != "demand":
        raise InputError("--metric", None, "rebound_share needs a scenario with shipments.mode = \"demand\"")
    part, dim = _part(part, kind, scenario) if at else (None, None)
    if kind == "cumulative":
        m = re.fullmatch(r"(\d{4})-(\d{4})", arg)
        if not m:
            raise InputError("--metric", None, "cumulative needs a span, e.g. cumulative:2025-2035")
        a, b = year(m.group(1)), year(m.group(2))
        if b < a:
            raise InputError("--metric", None, f"span {a}-{b} ends before it starts")
        return Metric(kind, (b,), (a, b), part, dim)
    if kind == "peak_power":
        if arg:
            raise InputError("--metric", None, "peak_power takes no year: it is the highest over the run")
        return Metric(kind, (last,))
    if years is not None:
        if arg:
            raise InputError("--metric", None, "give the year in --metric or in --years, not both")
        chosen = parse_years(years, scenario)
    else:
        chosen = (year(arg),) if arg else (scenario.key_years[-1],)
    return Metric(kind, chosen, part=part, dim=dim)


def _part(name: str, kind: str, scenario) -> tuple[str, str]:
    """The part of ``METRIC@PART`` and its dimension: one of the fleet's regions or accelerator
    families (a fleet of one family has no part by family), for the electricity (or one line)."""
    if kind not in ("energy", "cumulative"):
        raise InputError("--metric", None, f"{kind} is the fleet's: a region or family (@{name}) goes with "
                         "energy or cumulative")
    families = list(dict.fromkeys(scenario.generation_families))
    parts = {"region": list(scenario.region_names), "family": families if len(families) > 1 else []}
    for dim, names in parts.items():
        if name in names:
            return name, dim
    known = parts["region"] + parts["family"]
    if not known:
        raise InputError("--metric", None, f"@{name}: this fleet has no regions or accelerator families (the "
                         "scenarios with [regions] and [families]: iea_2030, lbnl_us_2028, china_2030)")
    what = " or ".join(dim for dim, names in parts.items() if names)
    raise InputError("--metric", None, f"@{name}: no such {what}" + suggest(name, known))


def _spoken(name: str) -> str:
    return name.replace("_", " ")


def words(metric: str, family: bool = False) -> str:
    """A metric's name in a figure's words: ``energy:2035`` → "electricity in 2035";
    ``energy:2030@US`` → "US electricity in 2030"; with ``family``, ``energy:2030@AMD`` →
    "electricity of AMD accelerators in 2030"."""
    text, _, part = str(metric).partition("@")
    kind, _, arg = text.partition(":")
    said = {"energy": f"electricity in {arg}", "cumulative": f"electricity summed over {arg.replace('-', '–')}",
            "peak_power": "peak facility power", "rebound_share": f"rebound share of {arg}'s electricity"}.get(kind)
    if said is None:
        return str(metric)
    if part and family:
        return said.replace("electricity", f"electricity of {part} accelerators", 1)
    return f"{_spoken(part)} {said}" if part else said


def parse_years(years, scenario) -> tuple[int, ...]:
    """``all`` or a list of years (strings or ints) → a tuple of the scenario's years."""
    if isinstance(years, str):
        years = [years]
    if list(years) == ["all"]:
        return tuple(scenario.years)
    out = []
    for y in years:
        for part in str(y).split(","):
            if not re.fullmatch(r"\d{4}", part.strip()) or int(part) not in scenario.years:
                raise InputError("--years", None, f"'{part}' is not a year from {scenario.start_year} "
                                    f"to {scenario.end_year} (or give 'all')")
            out.append(int(part))
    return tuple(sorted(set(out)))
