"""The registry: one row per scenario quantity and one per result variable.

Every key a scenario file may hold is declared here once (:data:`REGISTRY`), with its units,
its allowed range and a one-line meaning; so is every variable a result holds
(:data:`OUTPUTS`: dimensions, units, long name, cell methods). The scenario checks
(:mod:`sim.scenario`), the attributes of a result's variables (:mod:`sim.results`), the
quantities a published figure may name (:mod:`sim.published`) and the tables in
``docs/parameters.md`` (:func:`docs_text`) are all generated from these tables, so they
cannot drift apart.

Keys are dotted paths as written in TOML and in ``--set``: ``fleet.pue``,
``shipments.anchors.2027``, ``generation.H100.power_kw``. In a pattern, ``<year>`` and
``<name>`` stand for a calendar year and a generation's name. In a result file a key's
variable is named for CF (letters, digits and underscores: :func:`var_name`, ``fleet_pue``)
and keeps the dotted key in its ``key`` attribute.

Only *mechanisms* live in code; the values are assumptions and live in scenario files.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

REQUIRED = object()  # sentinel: the key must be given


def var_name(key: str) -> str:
    """A scenario key's variable in a result: CF names hold letters, digits and underscores
    and begin with a letter (``fleet.pue`` → ``fleet_pue``, ``generation.GB200.power_kw`` →
    ``generation_GB200_power_kw``); the variable's ``key`` attribute keeps the dotted key."""
    name = re.sub(r"[^A-Za-z0-9_]", "_", key)
    return name if name[:1].isalpha() else "p_" + name


@dataclass(frozen=True)
class Parameter:
    """One scenario quantity.

    Attributes
    ----------
    key : str
        Dotted key (pattern).
    kind : str
        ``number`` (a constant or a distribution, sampled per draw), ``integer``,
        ``choice``, ``bool``, ``text``, ``month`` ("YYYY-MM"), ``years`` (list of years),
        ``texts`` (list of strings) or ``table`` (a table of ``<year> = number``).
    units : str
        UDUNITS string for the value (``"1"`` for a count or a fraction).
    meaning : str
        One line saying what the quantity is.
    low, high : float
        Inclusive bounds on the value (numbers and integers).
    low_open : bool
        True when ``low`` itself is excluded (strictly positive quantities).
    default : object
        The value used when the key is absent; :data:`REQUIRED` when it must be given,
        ``None`` when absence has its own meaning (documented in ``meaning``).
    choices : tuple of str
        The valid words for a ``choice``.
    """

    key: str
    kind: str
    units: str
    meaning: str
    low: float = -math.inf
    high: float = math.inf
    low_open: bool = False
    default: object = REQUIRED
    choices: tuple[str, ...] = ()

    @property
    def section(self) -> str:
        return self.key.split(".", 1)[0]

    @property
    def name(self) -> str:
        return self.key.rsplit(".", 1)[1]

    def range_text(self) -> str:
        """The allowed range in words, for error messages and docs."""
        if self.kind == "choice":
            return "one of " + ", ".join(f'"{c}"' for c in self.choices)
        lo = "" if self.low == -math.inf else (f"> {_num(self.low)}" if self.low_open else f">= {_num(self.low)}")
        hi = "" if self.high == math.inf else f"<= {_num(self.high)}"
        return " and ".join(p for p in (lo, hi) if p) or "any finite number"

    def contains(self, value: float) -> bool:
        if self.low_open:
            ok_low = value > self.low
        else:
            ok_low = value >= self.low
        return ok_low and value <= self.high


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e16 else f"{x:g}"


P = Parameter
REGISTRY: tuple[Parameter, ...] = (
    # [scenario]: what the scenario is and which years it reports.
    P("scenario.name", "text", "", "Short name; names the output folder and file."),
    P("scenario.title", "text", "", "One-line title for summaries and figures.", default=""),
    P("scenario.description", "text", "", "What the scenario answers and how.", default=""),
    P("scenario.start_year", "integer", "year", "First simulated calendar year (from January).",
      low=1990, high=2100, default=2020),
    P("scenario.end_year", "integer", "year", "Last simulated calendar year (to December).",
      low=1990, high=2100, default=2035),
    P("scenario.key_years", "years", "year", "Years shown in the printed summary; absent: the end year.",
      default=None),
    P("scenario.references", "texts", "", "Publications the scenario draws on.", default=()),
    P("scenario.include", "texts", "", "Files of shared [[generation]] and [[observation]] tables, "
      "relative to the scenario file; the scenario's own tables of the same name replace them.", default=()),
    P("scenario.scope", "choice", "", "What the scenario counts: AI servers of the world, or of the "
      "United States; observed figures must have the same scope.", default="world", choices=("world", "US")),
    # [sampling]: how the Monte Carlo ensemble is drawn.
    P("sampling.draws", "integer", "1", "Number of Monte Carlo draws.", low=1, high=100_000_000,
      default=1000),
    P("sampling.seed", "integer", "1", "Seed of the random streams (numpy SeedSequence).",
      low=0, high=2**32 - 1, default=0),
    P("sampling.method", "choice", "", "Latin hypercube or plain random sampling.",
      default="lhs", choices=("lhs", "random")),
    # [calibration]: history matching against the [[observation]] tables (sim/calibration.py).
    P("calibration.default", "bool", "",
      "Calibrate by default: keep only the draws consistent with every observation "
      "(--no-calibrate shows the prior).", default=False),
    P("calibration.max_candidates", "integer", "1",
      "Most candidate draws tried to find the accepted ones; absent: 100 per accepted draw, at "
      "least 20,000.", low=1, high=100_000_000, default=None),
    # [shipments]: how many servers are shipped, and of which generation.
    P("shipments.mode", "choice", "",
      "trajectory: shipments follow the anchors; demand: the anchors are history until "
      "demand.start_year, then shipments follow compute demand.",
      default="trajectory", choices=("trajectory", "demand")),
    P("shipments.anchors", "table", "year-1", "Servers shipped per year at anchor years; "
      "geometric interpolation between anchors."),
    P("shipments.anchors.<year>", "number", "year-1", "Servers shipped in that calendar year.",
      low=0, low_open=True),
    P("shipments.growth_before", "number", "year-1",
      "Annual growth rate used to extrapolate shipments back before the first anchor year; "
      "absent: nothing shipped before it.", low=-0.99, high=10, default=None),
    P("shipments.growth_after", "number", "year-1",
      "Annual growth rate of shipments after the last anchor year (0.1 = +10 %/yr).",
      low=-0.99, high=10, default=0.0),
    P("shipments.adoption_ramp_months", "number", "730 h",
      "Months over which a newly launched generation ramps from 0 to all of shipments.",
      low=1, high=120, default=12.0),
    # [fleet]: how shipped servers become an installed fleet that draws power.
    P("fleet.accounting", "choice", "",
      "installed_base: deployed servers stay until they retire; annual_shipments: each "
      "year's shipments alone are the fleet for that year (de Vries 2023).",
      default="installed_base", choices=("installed_base", "annual_shipments")),
    P("fleet.lead_time_months", "number", "730 h",
      "Months from shipment until a server starts drawing power.", low=0, high=36, default=0.0),
    P("fleet.lifetime_years", "number", "year", "Mean service life of a deployed server.",
      low=0.25, high=30, default=5.0),
    P("fleet.lifetime_stages", "integer", "1",
      "Shape of the lifetime distribution: stages of the Erlang aging chain (CV = 1/sqrt(n)); "
      "equal to the lifetime in months, every server lives exactly that long.",
      low=1, high=360, default=4),
    P("fleet.utilisation", "number", "1",
      "Compute utilisation of an installed server: the fraction of its throughput used; it "
      "draws idle_fraction + (1 - idle_fraction) x utilisation of its maximum power (in demand "
      "mode with a workload mix, the mix sets it instead).", low=0, high=1, low_open=True, default=None),
    P("fleet.idle_fraction", "number", "1",
      "Power an idle server draws, as a fraction of its maximum power (LBNL 2025: about 0.2). "
      "0: power is proportional to utilisation, as in de Vries (2023).", low=0, high=1, default=0.0),
    P("fleet.pue", "number", "1", "Power usage effectiveness: facility power / IT power.",
      low=1, high=5),
    P("fleet.h100_gpu_performance", "number", "1",
      "Performance of one H100 GPU in the catalogue's units (DGX A100 = 1: 989/312/8 = 0.396 "
      "for dense BF16); compute_installed counts H100-equivalents with it. Absent: not reported.",
      low=0, low_open=True, default=None),
    # [trend]: generations beyond the catalogue.
    P("trend.cadence_months", "number", "730 h",
      "Months between successive generations after the catalogue's last (per draw); absent: no "
      "generations beyond the catalogue, whose last then stays on sale to the end.",
      low=6, high=120, default=None),
    P("trend.performance_gain", "number", "1",
      "Performance per server of each generation beyond the catalogue, relative to the one before.",
      low=1, high=10, default=1.0),
    P("trend.power_gain", "number", "1",
      "Maximum power per server of each generation beyond the catalogue, relative to the one before.",
      low=0.5, high=5, default=1.0),
    # [demand]: compute demand, efficiency and the Jevons response (shipments.mode = "demand").
    P("demand.start_year", "integer", "year",
      "First year whose shipments follow demand; earlier years follow shipments.anchors. "
      "Demand starts at the work the fleet serves just before.", low=1990, high=2100),
    P("demand.growth", "number", "year-1",
      "Exogenous growth of demand for useful AI tasks at constant cost (0.3 = +30 %/yr).",
      low=-0.99, high=10, default=0.0),
    P("demand.elasticity", "number", "1",
      "Price elasticity of demand for AI tasks, eps: demand ~ (cost/cost0)^-eps. 0: no rebound; "
      "0-1: partial rebound; >1: backfire.", low=0, high=10, default=0.0),
    P("demand.algorithmic_halving_months", "number", "730 h",
      "Months for algorithmic and software efficiency to halve the work per useful task; "
      "absent: no algorithmic gains.", low=1, high=1200, low_open=False, default=None),
    P("demand.energy_cost_share", "number", "1",
      "Share of the cost of a unit of work that is electricity (the rest is capital).",
      low=0, high=1, default=1.0),
    P("demand.capital_cost_decline", "number", "year-1",
      "Annual decline of the capital cost of a unit of work.", low=0, high=0.99, default=0.0),
    P("demand.inference_share", "number", "1",
      "Share of demand (work) that is inference; the rest is training. Absent: one workload at "
      "fleet.utilisation.", low=0, high=1, default=None),
    P("demand.training_utilisation", "number", "1",
      "Compute utilisation of training servers (fraction of throughput used).", low=0, high=1,
      low_open=True, default=None),
    P("demand.inference_utilisation", "number", "1",
      "Compute utilisation of inference servers (fraction of throughput used).", low=0, high=1,
      low_open=True, default=None),
    P("demand.supply_capacity", "number", "year-1",
      "Servers that can be manufactured per year in demand.start_year (e.g. advanced "
      "packaging); absent: no supply cap.", low=0, low_open=True, default=None),
    P("demand.supply_growth", "number", "year-1", "Annual growth of the supply capacity.",
      low=-0.99, high=10, default=0.0),
    P("demand.spending_share_start", "number", "1",
      "Share of world IT spending that goes to AI compute when demand starts; with the three keys "
      "below it bounds spending (absent: no budget).", low=0, high=1, low_open=True, default=None),
    P("demand.spending_share_max", "number", "1",
      "The most of world IT spending AI compute can take: its share rises along a logistic to it.",
      low=0, high=1, low_open=True, default=None),
    P("demand.spending_share_rate", "number", "year-1",
      "Rate of the logistic rise of AI compute's share of IT spending.", low=0, high=10, default=None),
    P("demand.it_spending_growth", "number", "year-1", "Annual growth of world IT spending.",
      low=-0.5, high=1, default=None),
    P("demand.decompose_rebound", "bool", "",
      "Also run every draw with elasticity 0 and report energy_no_rebound and rebound.",
      default=False),
    # [power]: an optional power-capacity queue in front of deployment.
    P("power.capacity_gw", "number", "GW",
      "Facility power available to AI servers at the start; absent: no power queue.",
      low=0, default=None),
    P("power.additions", "table", "GW", "Facility power added in January of the given years."),
    P("power.additions.<year>", "number", "GW", "Facility power added that year.", low=0),
    # [carbon]: optional carbon intensity of the electricity used.
    P("carbon.intensity", "table", "g kW-1 h-1",
      "Carbon intensity at given years, gCO2/kWh; linear between years, flat outside them."),
    P("carbon.intensity.<year>", "number", "g kW-1 h-1",
      "Carbon intensity of the electricity that year, gCO2/kWh.", low=0),
    # [context]: the total electricity a scenario's AI servers are a share of.
    P("context.total_electricity", "table", "TW h",
      "Total electricity used in the scenario's scope (world or US) at given years, TWh; linear "
      "between years, flat outside them; gives electricity_share."),
    P("context.total_electricity.<year>", "number", "TW h",
      "Total electricity used that year in the scenario's scope, TWh.", low=0, low_open=True),
    # [variants.<name>]: named sets of changes, chosen with --variant.
    P("variants.<name>", "table", "",
      "A named set of changes: dotted keys with values, as --set takes them, and an optional "
      "description; `sim run --variant <name>` applies them."),
    # [[validation]]: published figures the model is checked against (sim/validation.py).
    P("validation.<n>.kind", "choice", "",
      "reproduction: a published arithmetic re-done; independent: a figure that is neither an input "
      "nor a calibration target of the scenario.", choices=("reproduction", "independent")),
    P("validation.<n>.quantity", "text", "", "Result variable the figure is about, e.g. energy."),
    P("validation.<n>.year", "integer", "year", "Year of the published figure."),
    P("validation.<n>.value", "float", "", "The published figure (or give low and high).", default=None),
    P("validation.<n>.low", "float", "", "Low end of a published range.", default=None),
    P("validation.<n>.high", "float", "", "High end of a published range.", default=None),
    P("validation.<n>.units", "text", "",
      "Units of the published figure: TWh/yr, GWh/yr, MWh/day, GW, MW, servers, servers/yr, "
      "MtCO2/yr, ratio.", default=None),
    P("validation.<n>.check", "choice", "",
      "median: the model's median is in the figure; within: its 90 % range is inside it; "
      "covers: its 90 % range overlaps it.", default="median", choices=("median", "within", "covers")),
    P("validation.<n>.tolerance", "float", "1", "Relative widening of the published figure.",
      default=0.0),
    P("validation.<n>.relative_to", "integer", "year",
      "Compare the ratio of the quantity to its value in this year.", default=None),
    P("validation.<n>.variant", "text", "", "The variant whose run this figure checks.", default=None),
    P("validation.<n>.source", "text", "", "Publication, year and page or table of the figure."),
    P("validation.<n>.note", "text", "", "How the published method maps onto the model.", default=""),
    # [[observation]]: what was observed, for calibration (sim/published.py, sim/calibration.py).
    P("observation.<n>.quantity", "text", "", "Result variable observed, e.g. gpus_shipped, compute_installed."),
    P("observation.<n>.year", "integer", "year", "Year of the observation (within the scenario's years)."),
    P("observation.<n>.value", "float", "", "The observed figure (or give low and high).", default=None),
    P("observation.<n>.low", "float", "", "Low end of the observed range.", default=None),
    P("observation.<n>.high", "float", "", "High end of the observed range.", default=None),
    P("observation.<n>.tolerance", "float", "1", "Relative widening of the observed figure.", default=0.0),
    P("observation.<n>.units", "text", "", "Units of the figure: servers, servers/yr, GPUs, million GPUs, "
      "GPUs/yr, million GPUs/yr, H100e, million H100e, GW, MW, TWh/yr, GWh/yr, MWh/day, MtCO2/yr."),
    P("observation.<n>.generations", "texts", "", "Only these generations are counted.", default=()),
    P("observation.<n>.scope", "choice", "", "world or US: must be the scenario's scope.",
      choices=("world", "US")),
    P("observation.<n>.counting", "text", "", "The counting convention (8-GPU servers, all data-center "
      "GPUs, packages or dies) and any conversion made."),
    P("observation.<n>.source", "text", "", "Publication, year and page or table of the figure."),
    P("observation.<n>.use", "choice", "", "calibrate: every calibrated draw reproduces it; check: "
      "held out, an independent check in sim validate.", default="calibrate", choices=("calibrate", "check")),
    P("observation.<n>.name", "text", "", "A label for messages and tables.", default=""),
    P("observation.<n>.note", "text", "", "How the observed figure maps onto the model.", default=""),
    # [[correlation]]: rank correlations between uncertain parameters (Iman-Conover).
    P("correlation.<n>.a", "text", "", "Dotted key of an uncertain parameter."),
    P("correlation.<n>.b", "text", "", "Dotted key of another uncertain parameter."),
    P("correlation.<n>.rank", "float", "1", "Spearman rank correlation between them, in (-1, 1)."),
    P("correlation.<n>.source", "text", "", "Where the correlation comes from.", default=""),
    # [[generation]]: the hardware catalogue, one table per generation, in launch order.
    P("generation.<name>.name", "text", "", "Generation name (unique)."),
    P("generation.<name>.launch", "month", "", "First month on sale, \"YYYY-MM\"."),
    P("generation.<name>.power_kw", "number", "kW",
      "Maximum system power per 8-GPU-equivalent server.", low=0, high=1000, low_open=True),
    P("generation.<name>.performance", "number", "1",
      "Performance per server relative to the scenario's reference server (DGX A100 = 1).",
      low=0, low_open=True, default=1.0),
    P("generation.<name>.gpus_per_server", "number", "1",
      "Accelerators (GPU packages) per server of this generation; gpus_installed and "
      "gpus_shipped count them.", low=1, high=1000, default=8.0),
    P("generation.<name>.max_share", "number", "1",
      "The most a generation takes of the shipments of the generations before it once ramped up "
      "(1: it displaces them in full; below 1 they keep selling beside it, as the HGX B200 beside "
      "the GB200 rack, until a later generation takes their part). Not for the first generation.",
      low=0, high=1, low_open=True, default=1.0),
    P("generation.<name>.description", "text", "", "What the generation stands for.", default=""),
)
del P

BY_KEY: dict[str, Parameter] = {p.key: p for p in REGISTRY}
SECTIONS: tuple[str, ...] = tuple(dict.fromkeys(p.section for p in REGISTRY))
ARRAY_SECTIONS = ("generation", "validation", "correlation", "observation")  # TOML arrays of tables
FREE_SECTIONS = ("variants",)  # tables whose keys are the user's names


def section_keys(section: str) -> dict[str, Parameter]:
    """The keys a (non-array) section may hold, by short name."""
    prefix = section + "."
    return {p.key[len(prefix):]: p for p in REGISTRY
            if p.key.startswith(prefix) and p.key.count(".") == 1}


def generation_keys() -> dict[str, Parameter]:
    """The keys one ``[[generation]]`` table may hold, by short name."""
    return {p.name: p for p in REGISTRY if p.key.startswith("generation.<name>.")}


def numeric_keys(section: str) -> list[str]:
    """The dotted keys of a section that take a number or a distribution, in registry order."""
    return [p.key for p in section_keys(section).values() if p.kind == "number"]


def spec(key: str) -> Parameter:
    """The registry row for a concrete key (``generation.H100.power_kw`` → its pattern)."""
    parts = key.split(".")
    if parts[0] == "generation" and len(parts) == 3:
        return BY_KEY[f"generation.<name>.{parts[2]}"]
    if len(parts) == 3 and f"{parts[0]}.{parts[1]}.<year>" in BY_KEY:
        return BY_KEY[f"{parts[0]}.{parts[1]}.<year>"]
    return BY_KEY[key]


@dataclass(frozen=True)
class Output:
    """One result variable: its dimensions after ``draw``, units (UDUNITS), long name, CF
    ``cell_methods`` (``None`` for a ratio that is neither a sum, a mean nor a point), and the
    measure it counts (published figures convert only between units of the same measure)."""

    name: str
    dims: tuple[str, ...]
    units: str
    long_name: str
    cell_methods: str | None = None
    measure: str = ""  # what it counts, for observed figures' units: servers, GPUs, power, energy, ...


O = Output
_Y, _YG = ("year",), ("year", "generation")
OUTPUTS: dict[str, Output] = {o.name: o for o in (
    O("shipments", _Y, "year-1", "AI servers shipped per year", "time: mean", measure="servers/yr"),
    O("deployed", _Y, "year-1", "AI servers starting service per year", "time: mean", measure="servers/yr"),
    O("retired", _Y, "year-1", "AI servers retired per year", "time: mean", measure="servers/yr"),
    O("installed", _Y, "1", "AI servers installed at the end of the year", "time: point", measure="servers"),
    O("it_power", _Y, "GW", "IT power of AI servers, annual mean", "time: mean", measure="power"),
    O("facility_power", _Y, "GW", "Facility power of AI servers (IT power x PUE), annual mean",
      "time: mean", measure="power"),
    O("energy", _Y, "TW h", "Facility electricity of AI servers in the year", "time: sum", measure="energy"),
    O("it_energy", _Y, "TW h", "IT electricity of AI servers in the year (servers alone, before PUE)",
      "time: sum", measure="energy"),
    O("shipments_by_generation", _YG, "year-1", "AI servers shipped per year, by generation",
      "time: mean", measure="servers/yr"),
    O("installed_by_generation", _YG, "1",
      "AI servers installed at the end of the year, by generation", "time: point", measure="servers"),
    O("energy_by_generation", _YG, "TW h", "Facility electricity of AI servers in the year, by generation",
      "time: sum", measure="energy"),
    O("facility_power_monthly", ("month",), "GW", "Facility power of AI servers, monthly mean",
      "month: mean", measure="power"),
    O("compute_demand", _Y, "h year-1", "Compute demand, reference-server-hours of work per year",
      "time: mean", measure="work/yr"),
    O("compute_served", _Y, "h year-1", "Compute served, reference-server-hours of work per year",
      "time: mean", measure="work/yr"),
    O("unserved_demand", _Y, "h year-1",
      "Compute demand not served, reference-server-hours per year", "time: mean", measure="work/yr"),
    O("fleet_efficiency", _Y, "kW-1",
      "Fleet efficiency: reference-server-hours of work served per kWh of facility electricity", measure="work/energy"),
    O("backlog", _Y, "1", "AI servers ordered but not yet shipped, end of year", "time: point", measure="servers"),
    O("power_queue", _Y, "1", "AI servers waiting for facility power, end of year", "time: point", measure="servers"),
    O("queue_wait", _Y, "730 h",
      "Mean wait for facility power of the servers deployed in the year, months", "time: mean", measure="months"),
    O("energy_by_workload", ("year", "workload"), "TW h",
      "Facility electricity of AI servers in the year, by workload", "time: sum", measure="energy"),
    O("emissions", _Y, "Tg", "CO2 emitted by the electricity used in the year (Mt = Tg)",
      "time: sum", measure="emissions"),
    O("energy_no_rebound", _Y, "TW h",
      "Facility electricity in the year without the Jevons response (elasticity 0)", "time: sum", measure="energy"),
    O("rebound", _Y, "TW h",
      "Electricity in the year due to the Jevons response (energy - energy_no_rebound)",
      "time: sum", measure="energy"),
    O("installed_if_accumulated", _Y, "1",
      "AI servers installed at the end of the year if the same shipments accumulate as an "
      "installed base", "time: point", measure="servers"),
    O("gpus_shipped", _Y, "year-1", "Accelerators (GPU packages) shipped per year, in AI servers",
      "time: mean", measure="GPUs/yr"),
    O("gpus_installed", _Y, "1", "Accelerators (GPU packages) installed at the end of the year",
      "time: point", measure="GPUs"),
    O("compute_installed", _Y, "1",
      "Installed compute at the end of the year, in H100-equivalents (dense 16-bit throughput)",
      "time: point", measure="H100e"),
    O("nameplate_power", _Y, "GW",
      "Maximum IT power of the servers installed at the end of the year", "time: point", measure="power"),
    O("price", _Y, "1", "Price of a unit of compute relative to its cost when demand started, annual mean "
      "(the hardware's cost times the scarcity markup)", "time: mean", measure="index"),
    O("scarcity_rent", _Y, "1", "Markup of the clearing price over the hardware's cost when capacity is "
      "short (0: none), annual mean", "time: mean", measure="index"),
    O("spending", _Y, "1", "Spending on compute (price x work served) relative to the spending when "
      "demand started, annual mean", "time: mean", measure="index"),
    O("spending_ceiling", _Y, "1", "The most spending the budget allows, relative to the spending when "
      "demand started, annual mean", "time: mean", measure="index"),
    O("electricity_share", _Y, "1",
      "Share of the total electricity of the scenario's scope (world or US) used by its AI servers",
      measure="share"),
    O("energy_if_accumulated", _Y, "TW h",
      "Facility electricity in the year if the same shipments accumulate as an installed base",
      "time: sum", measure="energy"),
)}
del O, _Y, _YG


# What a reader sees for each quantity (figures, the brief): short, plain words; ``{year}``
# and ``{name}`` take the key's year or generation.
LABELS = {
    "shipments.anchors.<year>": "servers shipped in {year}",
    "shipments.growth_before": "shipment growth before the first anchor",
    "shipments.growth_after": "shipment growth after the last anchor",
    "shipments.adoption_ramp_months": "months for a new generation to take over",
    "fleet.lead_time_months": "months from shipment to power-on",
    "fleet.lifetime_years": "service life of a server",
    "fleet.lifetime_stages": "stages of the service-life model",
    "fleet.utilisation": "compute utilisation",
    "fleet.idle_fraction": "idle power (share of maximum)",
    "fleet.pue": "PUE (facility / IT power)",
    "fleet.h100_gpu_performance": "one H100 in catalogue units",
    "trend.cadence_months": "months between future generations",
    "trend.performance_gain": "performance gain per future generation",
    "trend.power_gain": "power gain per future generation",
    "demand.growth": "growth of demand at constant cost",
    "demand.elasticity": "price elasticity of demand (Jevons)",
    "demand.algorithmic_halving_months": "months for algorithms to halve the work",
    "demand.energy_cost_share": "electricity's share of the cost of work",
    "demand.capital_cost_decline": "yearly fall in the capital cost of work",
    "demand.inference_share": "inference share of work",
    "demand.training_utilisation": "utilisation of training servers",
    "demand.inference_utilisation": "utilisation of inference servers",
    "demand.supply_capacity": "servers that can be made per year",
    "demand.supply_growth": "growth of manufacturing capacity",
    "demand.spending_share_start": "AI share of IT spending at the start",
    "demand.spending_share_max": "most of IT spending AI can take",
    "demand.spending_share_rate": "pace of AI's rising spending share",
    "demand.it_spending_growth": "growth of world IT spending",
    "power.capacity_gw": "grid power for AI servers at the start",
    "power.additions.<year>": "grid power added in {year}",
    "carbon.intensity.<year>": "carbon intensity in {year}",
    "context.total_electricity.<year>": "total electricity in {year}",
    "generation.<name>.power_kw": "{name} power per server",
    "generation.<name>.performance": "{name} performance per server",
    "generation.<name>.gpus_per_server": "{name} GPUs per server",
    "generation.<name>.max_share": "{name} most share of shipments",
}


def label(key: str) -> str:
    """The words a reader sees for a scenario key (``demand.elasticity`` → "price elasticity of
    demand (Jevons)"); a name that is no key (a group of factors) comes back as it is."""
    try:
        pattern = spec(key).key
    except KeyError:
        return key if "." in key else key.replace("_", " ")
    parts = key.split(".")
    year = parts[-1] if parts[-1].isdigit() else ""
    name = parts[1] if parts[0] == "generation" and len(parts) == 3 else ""
    template = LABELS.get(pattern, parts[-1].replace("_", " "))
    return template.format(year=year, name=name)


def outputs_table() -> str:
    """The result variables as a Markdown table (for ``docs/parameters.md``)."""
    lines = ["| variable | dimensions | units | meaning | cell methods |", "|---|---|---|---|---|"]
    for o in OUTPUTS.values():
        lines.append(f"| `{o.name}` | {', '.join(('draw',) + o.dims)} | {o.units} | {o.long_name} | "
                     f"{o.cell_methods or ''} |")
    return "\n".join(lines) + "\n"


def markdown_table() -> str:
    """The registry as a Markdown table (``docs/parameters.md`` is generated from it)."""
    lines = ["| key | kind | units | allowed | default | meaning |",
             "|---|---|---|---|---|---|"]
    for p in REGISTRY:
        if p.kind in ("number", "integer", "choice"):
            allowed = p.range_text()
        else:
            allowed = ""
        if p.default is REQUIRED:
            default = "required"
        elif p.default is None:
            default = "absent"
        else:
            default = f"`{p.default!r}`" if not isinstance(p.default, tuple) else "`[]`"
        lines.append(f"| `{p.key}` | {p.kind} | {p.units or ''} | {allowed} | {default} | {p.meaning} |")
    return "\n".join(lines) + "\n"


DOC_HEADER = """# Scenario parameters

Every key a scenario file may hold, generated from the registry in `sim/parameters.py`
(`python -c "import sim.parameters as p; print(p.docs_text(), end='')" > docs/parameters.md`). `number` keys take a constant or a
distribution table (`{ dist = "triangular", low = 1.1, mode = 1.2, high = 1.5 }`; families in
`sim/distributions.py`: constant, uniform, triangular, pert, normal, lognormal); the whole
support of a distribution must lie in the allowed range. Units are UDUNITS strings; `1` means
a count or a fraction. Sampled parameters appear in a result under the same dotted name.

"""

OUTPUTS_HEADER = """
## Result variables

Every variable a result of `sim run` may hold besides the sampled parameters, generated from
`sim.parameters.OUTPUTS`. Which of them a result holds depends on the scenario (demand mode,
a power queue, a workload mix, carbon intensity, the rebound decomposition).

"""


def docs_text() -> str:
    """The whole of ``docs/parameters.md``."""
    return DOC_HEADER + markdown_table() + OUTPUTS_HEADER + outputs_table()
