"""Scenario files: TOML in, a checked, frozen :class:`Scenario` out.

A scenario is a TOML file whose keys are declared in :mod:`sim.parameters`. Reading one
checks everything at this boundary (unknown keys with a suggestion, types, ranges,
distribution arguments, the order of the hardware catalogue) and raises
:class:`~sim.errors.ScenarioError` naming the file and the key; nothing below re-checks.

``--set section.key=value`` overrides (:func:`apply_overrides`) change the parsed TOML
before it is checked, so they obey exactly the same rules as the file.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import includes, library, world
from .. import parameters as registry
from .distributions import Distribution, suggest
from ..errors import InputError, ScenarioError
from .correlations import check as check_correlations
from .catalogue import Generation
from .catalogue import check as check_generations
from .published import parse as parse_validations
from .published import check_prices, parse_observations
from .values import Getter, year_table
from .overrides import NAME_RE, apply_overrides, apply_variant, check_variants



@dataclass(frozen=True)
class Scenario:
    """A checked scenario.

    Structural choices are attributes; every numeric assumption is a
    :class:`~sim.scenario.distributions.Distribution` in :attr:`parameters`, keyed by its dotted key.
    """

    name: str
    title: str
    description: str
    start_year: int
    end_year: int
    key_years: tuple[int, ...]
    references: tuple[str, ...]
    draws: int
    seed: int
    sampler: str
    mode: str
    accounting: str
    lifetime_stages: int
    generations: tuple[Generation, ...]
    anchor_years: tuple[int, ...]
    parameters: dict[str, Distribution] = field(hash=False)
    demand_start_year: int | None = None
    decompose_rebound: bool = False
    power_addition_years: tuple[int, ...] = ()
    carbon_years: tuple[int, ...] = ()
    validations: tuple = ()
    observations: tuple = ()
    total_electricity_years: tuple[int, ...] = ()
    scope: str = "world"
    calibrate: bool = False          # calibrate by default ([calibration] default)
    max_candidates: int | None = None
    correlations: tuple = ()  # ((key_a, key_b, rank), ...)
    variants: dict = field(default_factory=dict, hash=False)
    variant: str | None = None
    path: str | None = None
    text: str = ""
    sha256: str = ""
    overrides: tuple[str, ...] = ()
    included: tuple = ()             # ((name, text), ...) of the files scenario.include names
    families: tuple = ()             # world.Family, the lead one first (one family: the catalogue's)
    regions: tuple = ()              # world.Region; () without [regions]
    other_datacenter_years: tuple[int, ...] = ()   # context.other_datacenters
    trend_shortest: float = 0.0      # the trend's shortest cadence, months (its earliest launches)

    def __repr__(self) -> str:
        """One line: what the scenario is, not its every field (``str(scenario.parameters)``
        and :meth:`_repr_html_` show more)."""
        parts = [f"{self.start_year}-{self.end_year}", f"{len(self.generation_names)} generations",
                 f"{len(self.parameters)} parameters ({len(self.uncertain)} uncertain)"]
        if self.observations:
            parts.append(f"{len(self.observations)} observations" + (", calibrated" if self.calibrate else ""))
        if self.variant:
            parts.append(f"variant {self.variant!r}")
        if self.overrides:
            parts.append(f"{len(self.overrides)} --set")
        return f"<Scenario {self.name!r}: {', '.join(parts)}" + (f"; {self.path}" if self.path else "") + ">"

    def _repr_html_(self) -> str:
        from .sources import html   # the title, and every assumption with its source

        return html(self)

    @property
    def generation_rows(self) -> list[tuple[str, int, int, int]]:
        """The generations the model follows (:func:`.world.generation_rows`)."""
        return world.generation_rows(self)

    @property
    def result_rows(self) -> list[tuple[str, int, tuple[int, ...], bool]]:
        """The rows of a result's ``generation`` axis (:func:`.world.result_rows`)."""
        return world.result_rows(self)

    @property
    def trend_bases(self) -> dict[str, tuple[str, int]]:
        """Each family's trend row (``trend``, ``AMD-trend``): its catalogued base (the family's last
        generation, whose GPUs per server and price it keeps) and the first year any draw can
        launch one of its generations (before it, the row holds exact zeros)."""
        out = {}
        for name, f, members, trend in self.result_rows:
            if trend:
                first = world.earliest_trend_launch(self, f)
                out[name] = (self.generations[self.families[f].generations[-1]].name, self.start_year + first // 12)
        return out

    def family_index(self, name: str) -> int:
        return next(i for i, f in enumerate(self.families) if f.name == name)

    @property
    def generation_names(self) -> list[str]:
        return [row[0] for row in self.result_rows]

    @property
    def generation_families(self) -> list[str]:
        """Each generation's family, in the order of :attr:`generation_names`."""
        return [self.families[row[1]].name for row in self.result_rows]

    @property
    def region_names(self) -> list[str]:
        return [r.name for r in self.regions]

    @property
    def view(self) -> int | None:
        """The index of the region a regional scenario reports (its scope), else ``None``."""
        return self.region_names.index(self.scope) if self.scope in self.region_names else None

    @property
    def years(self) -> list[int]:
        return list(range(self.start_year, self.end_year + 1))

    @property
    def n_months(self) -> int:
        return 12 * (self.end_year - self.start_year + 1)

    def launch_month_index(self, generation: Generation) -> int:
        """Months from the scenario's first month to a generation's launch (may be negative)."""
        year, month = (int(x) for x in generation.launch.split("-"))
        return 12 * (year - self.start_year) + month - 1

    @property
    def uncertain(self) -> list[str]:
        """Keys of the parameters given as distributions, in scenario order."""
        return [k for k, d in self.parameters.items() if not d.is_constant]

    def rank_correlation_matrix(self):
        """Target Spearman correlations over :attr:`uncertain`, or ``None`` if there are none."""
        if not self.correlations:
            return None
        index = {k: i for i, k in enumerate(self.uncertain)}
        matrix = np.eye(len(index))
        for a, b, rank in self.correlations:
            matrix[index[a], index[b]] = matrix[index[b], index[a]] = rank
        return matrix

    def replace(self, **changes) -> "Scenario":
        return dataclasses.replace(self, **changes)


# ----------------------------------------------------------------------------- loading

def load_scenario(path, overrides=None, variant: str | None = None) -> Scenario:
    """Read and check a scenario file.

    Parameters
    ----------
    path : str or Path
        The TOML file.
    overrides : list of str, optional
        ``"section.key=value"`` strings, as given to ``--set``; the value is TOML
        (a number, a quoted or bare string, or an inline table for a distribution).
    variant : str, optional
        The name of one of the file's ``[variants.<name>]``, applied before the overrides.

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        A missing or malformed file (with line and column), an unknown key, a wrong type or
        a value out of range.

    Examples
    --------
    >>> s = load_scenario("scenarios/nvidia_2027.toml", ["fleet.pue=1.3"])  # doctest: +SKIP
    """
    if not str(path).strip():
        raise ScenarioError("SCENARIO", None, "is empty: give a scenario file, or a scenario's name (sim list)")
    path = library.find(path)   # a bare name, such as nvidia_2027, is a scenario of the library
    file = str(path)
    text = includes.read(path)
    data = includes.parse(text, file)
    return from_dict(data, file=file, text=text, overrides=overrides, variant=variant)


def from_dict(data: dict, file: str | None = None, text: str = "", overrides=None,
              variant: str | None = None, included=None) -> Scenario:
    """Check a parsed scenario (a dict as from ``tomllib``) and build a :class:`Scenario`.

    Tests and notebooks build scenarios in code with this; :func:`load_scenario` uses it too.
    ``included`` holds the (name, text) of the files ``scenario.include`` names; by default
    they are read from disk, relative to ``file`` (:mod:`sim.scenario.includes`).
    """
    overrides = tuple(overrides or ())
    if included is None:
        included = includes.texts(data, file)
    data = includes.merge(data, included, file)
    variants = check_variants(data.get("variants"), file)
    if variant is not None:
        if variant not in variants:
            raise ScenarioError(file, "--variant", f"no variant named '{variant}'"
                                + suggest(variant, list(variants) or ["(the file has none)"]))
        data = apply_variant(data, variants[variant], file, variant)
    data = apply_overrides(data, overrides, file)
    overridden = {o.split("=", 1)[0].strip() for o in overrides}
    changed = {k for k in variants.get(variant, {}) if k != "description"} if variant else set()
    try:
        scenario = _check(data, file)
    except ScenarioError as err:
        if err.key and any(err.key == k or err.key.startswith(k + ".") for k in overridden):
            err = ScenarioError(f"{file} (--set)" if file else "--set", err.key, err.message)
        elif err.key and any(err.key == k or err.key.startswith(k + ".") for k in changed):
            err = ScenarioError(file, f"variants.{variant}.{err.key}", err.message)
        raise err from None
    validations = parse_validations(data.get("validation"), file, variants)
    observations = parse_observations(data.get("observation"), file, scenario.start_year, scenario.end_year,
                                      scenario.scope, scenario.generation_names, scenario.generation_families,
                                      scenario.region_names, scenario.trend_bases)
    check_prices(observations, scenario, file)
    try:
        correlations = check_correlations(data.get("correlation"), file, scenario)
    except ScenarioError as err:
        if err.key and any(k in err.message or err.key.startswith(k) for k in overridden):
            err = ScenarioError(f"{file} (--set)" if file else "--set", err.key, err.message)
        raise err from None
    sha = hashlib.sha256("".join([text] + [t for _, t in included]).encode("utf-8")).hexdigest() if text else ""
    return scenario.replace(path=file, text=text, sha256=sha, overrides=overrides, included=tuple(included),
                            validations=validations, observations=observations, variants=variants, variant=variant,
                            correlations=correlations)


# ------------------------------------------------------------------------------ checks

def _check(data: dict, file: str | None) -> Scenario:
    for section in data:
        if section not in registry.SECTIONS:
            raise ScenarioError(file, section, "unknown section" + suggest(section, registry.SECTIONS))
    for section in registry.SECTIONS:
        if (section in registry.ARRAY_SECTIONS or section in registry.FREE_SECTIONS
                or section in registry.NAMED_SECTIONS):
            continue
        value = data.get(section, {})
        if not isinstance(value, dict):
            raise ScenarioError(file, section, f"expected a table [{section}], got {type(value).__name__}")
        allowed = registry.section_keys(section)
        for key in value:
            if key not in allowed:
                raise ScenarioError(file, f"{section}.{key}", "unknown key" + suggest(key, allowed))

    get = Getter(data, file)
    params: dict[str, Distribution] = {}

    name = get.value("scenario.name")
    if not NAME_RE.match(name):
        raise ScenarioError(file, "scenario.name", f"'{name}' must be letters, digits, '_', '+' "
                            "or '-' (it names the output file)")
    start, end = get.value("scenario.start_year"), get.value("scenario.end_year")
    if end < start:
        raise ScenarioError(file, "scenario.end_year", f"end year {end} is before the start year {start}")
    key_years = get.value("scenario.key_years")
    key_years = (end,) if key_years is None else tuple(key_years)
    for y in key_years:
        if not start <= y <= end:
            raise ScenarioError(file, "scenario.key_years", f"{y} is outside the simulated years "
                                f"{start} to {end}")

    # shipments
    anchor_years = year_table(data, "shipments.anchors", file, params, required=True,
                               example="anchors = { 2023 = 100000, 2027 = 1500000 }")
    get.numbers("shipments", params)
    mode = get.value("shipments.mode")

    # demand
    demand_start, decompose = None, False
    if mode == "demand":
        demand_start = get.value("demand.start_year")
        if not start < demand_start <= end:
            raise ScenarioError(file, "demand.start_year", f"{demand_start} must be after the start "
                                f"year {start} (the years before are the history demand starts from) "
                                f"and no later than the end year {end}")
        trio = ("demand.inference_share", "demand.training_utilisation", "demand.inference_utilisation")
        workload = [k for k in trio if k.split(".")[1] in data.get("demand", {})]
        if workload and len(workload) < 3:
            raise ScenarioError(file, sorted(set(trio) - set(workload))[0], "a workload mix needs inference_share, "
                                "training_utilisation and inference_utilisation together")
        if "training_growth" in data.get("demand", {}) and not workload:
            raise ScenarioError(file, "demand.training_growth", "two workload streams start from the workload mix: "
                                "give inference_share, training_utilisation and inference_utilisation too")
        get.numbers("demand", params)
        budget = ("demand.spending_share_start", "demand.spending_share_max", "demand.spending_share_rate",
                  "demand.it_spending_growth")
        given = [k for k in budget if k in params]
        if given and len(given) < len(budget):
            raise ScenarioError(file, sorted(set(budget) - set(given))[0], "a spending ceiling needs "
                                "spending_share_start, spending_share_max, spending_share_rate and it_spending_growth")
        if given:
            start_high = params["demand.spending_share_start"].support()[1]
            max_low = params["demand.spending_share_max"].support()[0]
            if max_low < start_high:
                raise ScenarioError(file, "demand.spending_share_max", f"the ceiling ({max_low:g} at least) must "
                                    f"be above the share when demand starts ({start_high:g} at most) in every draw")
        decompose = get.value("demand.decompose_rebound")
    elif data.get("demand"):
        key = next(iter(data["demand"]))
        raise ScenarioError(file, f"demand.{key}", "the [demand] section needs "
                            "shipments.mode = \"demand\"")

    if mode == "demand" and get.value("fleet.accounting") != "installed_base":
        raise ScenarioError(file, "fleet.accounting", "shipments.mode = \"demand\" orders servers "
                            "for an installed base: use accounting = \"installed_base\"")

    # fleet
    get.numbers("fleet", params)
    if "fleet.utilisation" not in params and "demand.inference_share" not in params:
        raise ScenarioError(file, "fleet.utilisation", "required: "
                            + registry.BY_KEY["fleet.utilisation"].meaning.split(" (")[0])
    stages = get.value("fleet.lifetime_stages")
    # the shortest lifetime a draw can practically have (a truncated tail below 1e-9 aside,
    # where the chain's exit probability is capped at 1)
    life = params["fleet.lifetime_years"]
    shortest = life.support()[0] * 12 if math.isfinite(life.support()[0]) and life.family != "lognormal" \
        else max(life.support()[0], life.quantile(1e-9)) * 12
    if stages > shortest + 1e-9:
        raise ScenarioError(file, "fleet.lifetime_stages", f"{stages} stages need a lifetime of at "
                            f"least {stages} months, but fleet.lifetime_years goes down to "
                            f"{shortest:g} months; use at most {math.floor(shortest + 1e-9)} stages")

    # power queue and carbon intensity
    get.numbers("power", params)
    capacity = params.get("power.capacity_gw")
    addition_years = year_table(data, "power.additions", file, params, required=False,
                                 example="additions = { 2026 = 5, 2028 = 10 }")
    if addition_years and capacity is None:
        raise ScenarioError(file, "power.additions", "needs power.capacity_gw, the capacity "
                            "the additions add to")
    carbon_years = year_table(data, "carbon.intensity", file, params, required=False,
                               example="intensity = { 2023 = 480, 2035 = 300 }")
    total_years = year_table(data, "context.total_electricity", file, params, required=False,
                              example="total_electricity = { 2024 = 27_700, 2035 = 38_300 }")
    other_years = year_table(data, "context.other_datacenters", file, params, required=False,
                              example="other_datacenters = { 2024 = 300, 2030 = 400 }")

    # the hardware catalogue, and the trend beyond it
    generations = check_generations(data.get("generation"), file, params)
    get.numbers("trend", params)
    cadence = params["trend.cadence_months"].support()[0] if "trend.cadence_months" in params else None
    families = world.families(data, file, generations, [g.family for g in generations], params, start, end,
                              cadence)
    regions = world.regions(data, file, params)
    scope = world.check_scope(get.value("scenario.scope"), regions, file, {
        "power.capacity_gw": capacity is not None,
        "carbon.intensity": bool(carbon_years), "context.total_electricity": bool(total_years),
        "context.other_datacenters": bool(other_years)})

    return Scenario(
        name=name,
        title=get.value("scenario.title"),
        description=get.value("scenario.description"),
        start_year=start,
        end_year=end,
        key_years=key_years,
        references=tuple(get.value("scenario.references")),
        draws=get.value("sampling.draws"),
        seed=get.value("sampling.seed"),
        sampler=get.value("sampling.method"),
        mode=mode,
        accounting=get.value("fleet.accounting"),
        lifetime_stages=stages,
        generations=generations,
        anchor_years=anchor_years,
        parameters=params,
        demand_start_year=demand_start,
        decompose_rebound=decompose,
        power_addition_years=addition_years,
        carbon_years=carbon_years,
        scope=scope,
        families=families,
        regions=regions,
        trend_shortest=cadence or 0.0,
        other_datacenter_years=other_years,
        total_electricity_years=total_years,
        calibrate=get.value("calibration.default"),
        max_candidates=get.value("calibration.max_candidates"),
    )


def resolve(scenario, overrides=None, variant: str | None = None) -> Scenario:
    """A :class:`Scenario` from a path or a Scenario, with a variant and ``--set`` overrides applied."""
    if isinstance(scenario, (str, Path)):
        return load_scenario(scenario, overrides, variant)
    if not isinstance(scenario, Scenario):
        raise TypeError(f"expected a scenario path or a Scenario, got {type(scenario).__name__}")
    if overrides or variant:
        if not scenario.text:
            raise ValueError("overrides need a scenario read from text (load_scenario or from_dict with text)")
        return from_dict(tomllib.loads(scenario.text), file=scenario.path, text=scenario.text,
                         overrides=tuple(scenario.overrides) + tuple(overrides or ()),
                         variant=variant or scenario.variant, included=scenario.included)
    return scenario


def _check_count(value, name: str) -> int:
    spec = registry.BY_KEY[f"sampling.{name}"]
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or not spec.contains(value):
        raise InputError(f"--{name}", None, f"must be a whole number {spec.range_text()}, got {value!r}")
    return int(value)


def check_options(scenario: Scenario, draws, seed, rebound):
    """Draws, seed and the rebound switch checked and filled from the scenario."""
    draws = _check_count(scenario.draws if draws is None else draws, "draws")
    seed = _check_count(scenario.seed if seed is None else seed, "seed")
    if rebound is None:
        rebound = scenario.decompose_rebound
    if rebound and scenario.mode != "demand":
        raise ScenarioError(scenario.path, "demand.decompose_rebound",
                            "the rebound decomposition needs shipments.mode = \"demand\"")
    return draws, seed, bool(rebound)
