"""The scenario keys: one :class:`Parameter` per key a scenario file may hold (:data:`REGISTRY`),
with units, allowed range, meaning and the words a reader sees (:func:`label`); and how a
reader writes units (:func:`human_units`)."""

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
    label : str
        What a reader sees for it (figures, the brief): short, plain words; ``{year}`` and
        ``{name}`` take the key's year or generation. Empty: the key's last part.
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
    label: str = ""

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
    P("scenario.scope", "text", "", "What the scenario reports: \"world\", or one region of [regions] "
      "(that region's slice of the world fleet, whose other regions are simulated too); without "
      "[regions], \"world\" or \"US\" for the AI servers it counts. Observed figures name their scope.",
      default="world"),
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
      "Most candidate draws tried to find the accepted ones; absent: 1,000 per accepted draw, at "
      "least 20,000.", low=1, high=100_000_000, default=None),
    # [shipments]: how many servers are shipped, and of which generation.
    P("shipments.mode", "choice", "",
      "trajectory: shipments follow the anchors; demand: the anchors are history until "
      "demand.start_year, then shipments follow compute demand.",
      default="trajectory", choices=("trajectory", "demand")),
    P("shipments.anchors", "table", "year-1", "Servers shipped per year at anchor years; "
      "geometric interpolation between anchors."),
    P("shipments.anchors.<year>", "number", "year-1", "Servers shipped in that calendar year.",
      low=0, low_open=True, label='servers shipped in {year}'),
    P("shipments.growth_before", "number", "year-1",
      "Annual growth rate used to extrapolate shipments back before the first anchor year; "
      "absent: nothing shipped before it.", low=-0.99, high=10, default=None,
      label='shipment growth before the first anchor'),
    P("shipments.growth_after", "number", "year-1",
      "Annual growth rate of shipments after the last anchor year (0.1 = +10 %/yr); with "
      "shipments.growth_next_year, from the year after it.",
      low=-0.99, high=10, default=0.0, label='shipment growth after the last anchor'),
    P("shipments.growth_next_year", "number", "year-1",
      "Growth of shipments in the year after the last anchor year, over that year's; "
      "shipments.growth_after follows from then on. Absent: shipments.growth_after from the "
      "last anchor on.", low=-0.99, high=10, default=None,
      label='shipment growth in the year after the last anchor'),
    P("shipments.adoption_ramp_months", "number", "730 h",
      "Months over which a newly launched generation ramps from 0 to all of shipments.",
      low=1, high=120, default=12.0, label='months for a new generation to take over'),
    # [fleet]: how shipped servers become an installed fleet that draws power.
    P("fleet.accounting", "choice", "",
      "installed_base: deployed servers stay until they retire; annual_shipments: each "
      "year's shipments alone are the fleet for that year (de Vries 2023).",
      default="installed_base", choices=("installed_base", "annual_shipments")),
    P("fleet.lead_time_months", "number", "730 h",
      "Months from shipment until a server starts drawing power.", low=0, high=36, default=0.0,
      label='months from shipment to power-on'),
    P("fleet.lifetime_years", "number", "year", "Mean service life of a deployed server.",
      low=0.25, high=30, default=5.0, label='service life of a server'),
    P("fleet.lifetime_stages", "integer", "1",
      "Shape of the lifetime distribution: stages of the Erlang aging chain (CV = 1/sqrt(n)); "
      "equal to the lifetime in months, every server lives exactly that long.",
      low=1, high=360, default=4, label='stages of the service-life model'),
    P("fleet.utilisation", "number", "1",
      "Compute utilisation of an installed server: the fraction of its throughput used; it "
      "draws idle_fraction + (1 - idle_fraction) x utilisation of its maximum power (in demand "
      "mode with a workload mix, the mix sets it instead).", low=0, high=1, low_open=True, default=None,
      label='compute utilisation'),
    P("fleet.idle_fraction", "number", "1",
      "Power an idle server draws, as a fraction of its maximum power (LBNL 2025: about 0.2). "
      "0: power is proportional to utilisation, as in de Vries (2023).", low=0, high=1, default=0.0,
      label='idle power (share of maximum)'),
    P("fleet.pue", "number", "1", "Power usage effectiveness: facility power / IT power.",
      low=1, high=5, label='PUE (facility / IT power)'),
    P("fleet.h100_gpu_performance", "number", "1",
      "Performance of one H100 GPU in the catalogue's units (DGX A100 = 1: 989/312/8 = 0.396 "
      "for dense BF16); compute_installed counts H100-equivalents with it. Absent: not reported.",
      low=0, low_open=True, default=None, label='one H100 in catalogue units'),
    # [trend]: generations beyond the catalogue.
    P("trend.cadence_months", "number", "730 h",
      "Months between successive generations after the catalogue's last (per draw); absent: no "
      "generations beyond the catalogue, whose last then stays on sale to the end.",
      low=6, high=120, default=None, label='months between future generations'),
    P("trend.performance_gain", "number", "1",
      "Performance per server of each generation beyond the catalogue, relative to the one before.",
      low=1, high=10, default=1.0, label='performance gain per future generation'),
    P("trend.power_gain", "number", "1",
      "Maximum power per server of each generation beyond the catalogue, relative to the one before.",
      low=0.5, high=5, default=1.0, label='power gain per future generation'),
    # [demand]: compute demand, efficiency and the Jevons response (shipments.mode = "demand").
    P("demand.start_year", "integer", "year",
      "First year whose shipments follow demand; earlier years follow shipments.anchors. "
      "Demand starts at the work the fleet serves just before.", low=1990, high=2100),
    P("demand.growth", "number", "year-1", "Exogenous growth of demand for useful AI tasks at constant cost (0.3 = "
      "+30 %/yr); inference's, when demand.training_growth gives training its own.",
      low=-0.99, high=10, default=0.0, label='growth of demand at constant cost'),
    P("demand.elasticity", "number", "1",
      "Price elasticity of demand for AI tasks, eps: demand ~ (cost/cost0)^-eps. 0: no rebound; "
      "0-1: partial rebound; >1: backfire.", low=0, high=10, default=0.0,
      label='price elasticity of demand (Jevons)'),
    P("demand.algorithmic_halving_months", "number", "730 h",
      "Months for algorithmic and software efficiency to halve the work per useful task; "
      "absent: no algorithmic gains.", low=1, high=1200, low_open=False, default=None,
      label='months for algorithms to halve the work'),
    P("demand.energy_cost_share", "number", "1", "Share of the cost of a unit of work that is electricity (the rest "
      "is capital).", low=0, high=1, default=1.0, label="electricity's share of the cost of work"),
    P("demand.capital_cost_decline", "number", "year-1",
      "Annual decline of the capital cost of a unit of work.", low=0, high=0.99, default=0.0,
      label='yearly fall in the capital cost of work'),
    P("demand.inference_share", "number", "1",
      "Inference's share of the AI servers' electricity (as published: 80-90 %); the rest is "
      "training. Its share of the work follows from the two utilisations and idle power. Absent: "
      "one workload at fleet.utilisation.", low=0, high=1, default=None, label='inference share of electricity'),
    P("demand.training_utilisation", "number", "1", "Compute utilisation of training servers (fraction of throughput "
      "used).", low=0, high=1, low_open=True, default=None, label='utilisation of training servers'),
    P("demand.inference_utilisation", "number", "1", "Compute utilisation of inference servers (fraction of "
      "throughput used).", low=0, high=1, low_open=True, default=None, label='utilisation of inference servers'),
    P("demand.training_growth", "number", "year-1",
      "Growth of demand for training work at constant cost, for training and inference as two streams: demand.growth "
      "is then inference's, their mix of work when demand starts follows from demand.inference_share, and the "
      "fleet's mix, utilisation and draw are set each January from it. Needs the workload mix. Absent: one stream.",
      low=-0.99, high=10, default=None, label='growth of training demand at constant cost'),
    P("demand.supply_capacity", "number", "year-1", "Servers that can be manufactured per year in demand.start_year "
      "(e.g. advanced packaging); absent: no supply cap.", low=0, low_open=True, default=None,
      label='servers that can be made per year'),
    P("demand.supply_growth", "number", "year-1", "Annual growth of the supply capacity.",
      low=-0.99, high=10, default=0.0, label='growth of manufacturing capacity'),
    P("demand.spending_share_start", "number", "1",
      "Share of world IT spending that goes to AI compute when demand starts; with the three keys "
      "below it bounds spending (absent: no budget).", low=0, high=1, low_open=True, default=None,
      label='AI share of IT spending at the start'),
    P("demand.spending_share_max", "number", "1",
      "The most of world IT spending AI compute can take: its share rises along a logistic to it.",
      low=0, high=1, low_open=True, default=None, label='most of IT spending AI can take'),
    P("demand.spending_share_rate", "number", "year-1",
      "Rate of the logistic rise of AI compute's share of IT spending.", low=0, high=10, default=None,
      label="pace of AI's rising spending share"),
    P("demand.it_spending_growth", "number", "year-1", "Annual growth of world IT spending.",
      low=-0.5, high=1, default=None, label='growth of world IT spending'),
    P("demand.decompose_rebound", "bool", "",
      "Also run every draw with elasticity 0 and report energy_no_rebound and rebound.", default=False),
    # [power]: an optional power-capacity queue in front of deployment.
    P("power.capacity_gw", "number", "GW",
      "Facility power available to AI servers at the start; absent: no power queue.",
      low=0, default=None, label='grid power for AI servers at the start'),
    P("power.additions", "table", "GW", "Facility power added in January of the given years."),
    P("power.additions.<year>", "number", "GW", "Facility power added that year.", low=0,
      label='grid power added in {year}'),
    # [carbon]: optional carbon intensity of the electricity used.
    P("carbon.intensity", "table", "g kW-1 h-1",
      "Carbon intensity at given years, gCO2/kWh; linear between years, flat outside them."),
    P("carbon.intensity.<year>", "number", "g kW-1 h-1",
      "Carbon intensity of the electricity that year, gCO2/kWh.", low=0, label='carbon intensity in {year}'),
    # [context]: the total electricity a scenario's AI servers are a share of.
    P("context.total_electricity", "table", "TW h",
      "Total electricity used in the scenario's scope (world or US) at given years, TWh; linear "
      "between years, flat outside them; gives electricity_share."),
    P("context.total_electricity.<year>", "number", "TW h",
      "Total electricity used that year in the scenario's scope, TWh.", low=0, low_open=True,
      label='total electricity in {year}'),
    P("context.other_datacenters", "table", "TW h",
      "Electricity of the scope's other data centers (conventional servers, storage, network and "
      "their cooling: everything but the AI servers counted here) at given years, TWh; linear "
      "between years, flat outside them; gives datacenter_energy and the AI share of it."),
    P("context.other_datacenters.<year>", "number", "TW h",
      "Electricity of the scope's other (non-AI) data centers that year, TWh.", low=0,
      label='other data centers in {year}'),
    # [families.<family>]: accelerator families beside the lead one (the first generation's).
    P("families.<family>.share", "table", "1",
      "The family's share of the accelerated servers shipped (8-accelerator equivalents) at given "
      "years; linear between years, flat outside them. The lead family (the first generation's) "
      "ships the rest."),
    P("families.<family>.share.<year>", "number", "1",
      "The family's share of the accelerated servers shipped that year.", low=0, high=1,
      label='{name} share of servers shipped in {year}'),
    P("families.<family>.description", "text", "", "What the family stands for.", default=""),
    # [regions.<region>]: where the world fleet's servers are installed.
    P("regions.<region>.share", "table", "1",
      "The region's share of the accelerated servers shipped (installed there) at given years; "
      "linear between years, flat outside them. The one region without a share takes the rest."),
    P("regions.<region>.share.<year>", "number", "1",
      "The region's share of the accelerated servers shipped that year.", low=0, high=1,
      label='{name} share of servers in {year}'),
    P("regions.<region>.pue", "number", "1",
      "Power usage effectiveness of the region's AI data centers; absent: fleet.pue.",
      low=1, high=3, default=None, label='{name} PUE'),
    P("regions.<region>.power_capacity_gw", "number", "GW",
      "Facility power available to the region's AI servers at the start: servers ready to deploy there wait in "
      "the region's own first-come queue until it is free. Absent: no power queue in the region.",
      low=0, default=None, label='{name} grid power for AI servers at the start'),
    P("regions.<region>.power_additions", "table", "GW",
      "Facility power added in the region in January of the given years (needs power_capacity_gw)."),
    P("regions.<region>.power_additions.<year>", "number", "GW", "Facility power added in the region that year.",
      low=0, label='{name} power added in {year}'),
    P("regions.<region>.carbon_intensity", "table", "g kW-1 h-1",
      "Carbon intensity of the region's electricity at given years; linear between, flat outside."),
    P("regions.<region>.carbon_intensity.<year>", "number", "g kW-1 h-1",
      "Carbon intensity of the region's electricity that year, gCO2/kWh.", low=0,
      label='{name} carbon intensity in {year}'),
    P("regions.<region>.total_electricity", "table", "TW h",
      "Total electricity used in the region at given years, TWh; linear between, flat outside."),
    P("regions.<region>.total_electricity.<year>", "number", "TW h",
      "Total electricity used in the region that year, TWh.", low=0, low_open=True,
      label='{name} total electricity in {year}'),
    P("regions.<region>.other_datacenters", "table", "TW h",
      "Electricity of the region's other (non-AI) data centers at given years, TWh; linear "
      "between, flat outside."),
    P("regions.<region>.other_datacenters.<year>", "number", "TW h",
      "Electricity of the region's other (non-AI) data centers that year, TWh.", low=0,
      label='{name} other data centers in {year}'),
    P("regions.<region>.description", "text", "", "What the region covers.", default=""),
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
    P("validation.<n>.known_gap", "text", "", "A published figure the model misses, and why: reported as a "
      "gap, not a failure, until the model meets it (then the mark must go).", default=""),
    # [[observation]]: what was observed, for calibration (sim/published.py, sim/calibration.py).
    P("observation.<n>.quantity", "text", "", "Result variable observed, e.g. gpus_shipped, compute_installed."),
    P("observation.<n>.year", "integer", "year", "Year of the observation (within the scenario's years)."),
    P("observation.<n>.value", "float", "", "The observed figure (or give low and high).", default=None),
    P("observation.<n>.low", "float", "", "Low end of the observed range.", default=None),
    P("observation.<n>.high", "float", "", "High end of the observed range.", default=None),
    P("observation.<n>.tolerance", "float", "1", "Relative widening of the observed figure.", default=0.0),
    P("observation.<n>.units", "text", "", "Units of the figure: servers, servers/yr, GPUs, million GPUs, "
      "GPUs/yr, million GPUs/yr, H100e, million H100e, GW, MW, TWh/yr, GWh/yr, MWh/day, MtCO2/yr, "
      "billion USD/yr, index (a level relative to the base its quantity names: price, to when demand started)."),
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
    P("observation.<n>.family", "text", "", "Only this accelerator family's generations are counted "
      "(in a scenario of one family: all of them).", default=None),
    P("observation.<n>.discrepancy", "float", "1", "The model's structural error for this quantity, "
      "relative to the observed figure: the accepted range is the observed one widened by it in "
      "quadrature (history matching's implausibility cut; docs/model.md).", low=0, default=0.0),
    P("observation.<n>.known_gap", "text", "", "A held-out figure the model misses, and why: reported as "
      "a gap, not a failure, until the model meets it (then the mark must go).", default=""),
    # [[correlation]]: rank correlations between uncertain parameters (Iman-Conover).
    P("correlation.<n>.a", "text", "", "Dotted key of an uncertain parameter."),
    P("correlation.<n>.b", "text", "", "Dotted key of another uncertain parameter."),
    P("correlation.<n>.rank", "float", "1", "Spearman rank correlation between them, in (-1, 1)."),
    P("correlation.<n>.source", "text", "", "Where the correlation comes from.", default=""),
    # [[generation]]: the hardware catalogue, one table per generation, in launch order.
    P("generation.<name>.name", "text", "", "Generation name (unique)."),
    P("generation.<name>.launch", "month", "", "First month on sale, \"YYYY-MM\"."),
    P("generation.<name>.power_kw", "number", "kW",
      "Maximum system power per 8-GPU-equivalent server.", low=0, high=1000, low_open=True,
      label='{name} power per server'),
    P("generation.<name>.performance", "number", "1",
      "Performance per server relative to the scenario's reference server (DGX A100 = 1).",
      low=0, low_open=True, default=1.0, label='{name} performance per server'),
    P("generation.<name>.gpus_per_server", "number", "1",
      "Accelerators (GPU packages) per server of this generation; gpus_installed and "
      "gpus_shipped count them.", low=1, high=1000, default=8.0, label='{name} GPUs per server'),
    P("generation.<name>.max_share", "number", "1",
      "The most a generation takes of the shipments of the generations before it once ramped up "
      "(1: it displaces them in full; below 1 they keep selling beside it, as the HGX B200 beside "
      "the GB200 rack, until a later generation takes their part). Not for the first generation.",
      low=0, high=1, low_open=True, default=1.0, label='{name} most share of shipments'),
    P("generation.<name>.price_kusd", "number", "1",
      "Price of one accelerator of this generation, thousand US dollars (a revenue observation "
      "counts the accelerators shipped at it; a trend generation keeps its family's last "
      "catalogued price). Absent: no revenue can be observed for it.", low=0, low_open=True,
      default=None, label='{name} price per accelerator, thousand USD'),
    P("generation.<name>.description", "text", "", "What the generation stands for.", default=""),
    P("generation.<name>.family", "text", "",
      "The accelerator family (vendor line) of the generation: generations of one family displace "
      "one another; families share the shipments by [families] shares.", default="NVIDIA"),
)
del P

BY_KEY: dict[str, Parameter] = {p.key: p for p in REGISTRY}
SECTIONS: tuple[str, ...] = tuple(dict.fromkeys(p.section for p in REGISTRY))
ARRAY_SECTIONS = ("generation", "validation", "correlation", "observation")  # TOML arrays of tables
FREE_SECTIONS = ("variants",)  # tables whose keys are the user's names
NAMED_SECTIONS = ("families", "regions")  # tables of named tables whose keys the registry declares


def named_keys(section: str) -> dict[str, Parameter]:
    """The keys one ``[families.<family>]`` or ``[regions.<region>]`` table may hold, by short name."""
    prefix = f"{section}.<{'family' if section == 'families' else 'region'}>."
    return {p.key[len(prefix):]: p for p in REGISTRY if p.key.startswith(prefix) and p.key.count(".") == 2}


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
    if parts[0] in NAMED_SECTIONS and len(parts) >= 3:
        name = "<family>" if parts[0] == "families" else "<region>"
        return BY_KEY[".".join([parts[0], name, parts[2]] + (["<year>"] if len(parts) == 4 else []))]
    if len(parts) == 3 and f"{parts[0]}.{parts[1]}.<year>" in BY_KEY:
        return BY_KEY[f"{parts[0]}.{parts[1]}.<year>"]
    return BY_KEY[key]
