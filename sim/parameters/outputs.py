"""The result variables: one :class:`Output` per variable a result holds (:data:`OUTPUTS`), with
dimensions, units, long name, CF cell methods and the measure it counts."""

from __future__ import annotations

from dataclasses import dataclass

from .inputs import spec

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
    undefined_ok: bool = False   # NaN means "undefined" (no energy, no efficiency; no price before demand)
    whole_run: bool = False      # only a whole run gives it (a counterfactual, a second accounting)
    by_generation: str = ""      # the output that counts it by generation (an observation of some generations)
    per_server: tuple[str, ...] = ()   # generation keys whose product it counts per server there (power_kw, ...)
    divided_by: str = ""         # a parameter the count is in units of (compute_installed: one H100)
    observed_only: bool = False  # not a result variable: only observations count it (by generation)


O = Output
_Y, _YG = ("year",), ("year", "generation")
OUTPUTS: dict[str, Output] = {o.name: o for o in (
    O("shipments", _Y, "year-1", "AI servers shipped per year", "time: mean", measure="servers/yr",
      by_generation="shipments_by_generation"),
    O("deployed", _Y, "year-1", "AI servers starting service per year", "time: mean", measure="servers/yr"),
    O("retired", _Y, "year-1", "AI servers retired per year", "time: mean", measure="servers/yr"),
    O("installed", _Y, "1", "AI servers installed at the end of the year", "time: point", measure="servers",
      by_generation="installed_by_generation"),
    O("it_power", _Y, "GW", "IT power of AI servers, annual mean", "time: mean", measure="power"),
    O("facility_power", _Y, "GW", "Facility power of AI servers (IT power x PUE), annual mean",
      "time: mean", measure="power"),
    O("energy", _Y, "TW h", "Facility electricity of AI servers in the year", "time: sum", measure="energy",
      by_generation="energy_by_generation"),
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
      "Fleet efficiency: reference-server-hours of work served per kWh of facility electricity", measure="work/energy",
      undefined_ok=True),
    O("backlog", _Y, "1", "AI servers ordered but not yet shipped, end of year", "time: point", measure="servers"),
    O("power_queue", _Y, "1", "AI servers waiting for facility power, end of year", "time: point", measure="servers"),
    O("queue_wait", _Y, "730 h",
      "Mean wait for facility power of the servers deployed in the year, months", "time: mean", measure="months",
      undefined_ok=True),
    O("energy_by_workload", ("year", "workload"), "TW h",
      "Facility electricity of AI servers in the year, by workload", "time: sum", measure="energy"),
    O("emissions", _Y, "Tg", "CO2 emitted by the electricity used in the year (Mt = Tg)",
      "time: sum", measure="emissions"),
    O("energy_no_rebound", _Y, "TW h",
      "Facility electricity in the year without the Jevons response (elasticity 0)", "time: sum", measure="energy",
      whole_run=True),
    O("rebound", _Y, "TW h",
      "Electricity in the year due to the Jevons response (energy - energy_no_rebound)",
      "time: sum", measure="energy", whole_run=True),
    O("energy_trend", _Y, "TW h",
      "Facility electricity in the year if the work demanded had kept the growth of demand's first year, "
      "with no response to cost after it", "time: sum", measure="energy", whole_run=True),
    O("rebound_beyond_trend", _Y, "TW h",
      "Electricity in the year due to the demand response beyond the growth of demand's first year "
      "(energy - energy_trend)", "time: sum", measure="energy", whole_run=True),
    O("installed_if_accumulated", _Y, "1",
      "AI servers installed at the end of the year if the same shipments accumulate as an "
      "installed base", "time: point", measure="servers", whole_run=True),
    O("gpus_shipped", _Y, "year-1", "Accelerators (GPU packages) shipped per year, in AI servers",
      "time: mean", measure="GPUs/yr", by_generation="shipments_by_generation", per_server=("gpus_per_server",)),
    O("gpus_installed", _Y, "1", "Accelerators (GPU packages) installed at the end of the year",
      "time: point", measure="GPUs", by_generation="installed_by_generation", per_server=("gpus_per_server",)),
    O("compute_installed", _Y, "1",
      "Installed compute at the end of the year, in H100-equivalents (dense 16-bit throughput)",
      "time: point", measure="H100e", by_generation="installed_by_generation", per_server=("performance",),
      divided_by="fleet.h100_gpu_performance"),
    O("nameplate_power", _Y, "GW",
      "Maximum IT power of the servers installed at the end of the year", "time: point", measure="power",
      by_generation="installed_by_generation", per_server=("power_kw",)),
    O("price", _Y, "1", "Price of a unit of compute relative to its cost when demand started, annual mean "
      "(the hardware's cost times the scarcity markup)", "time: mean", measure="index", undefined_ok=True),
    O("scarcity_rent", _Y, "1", "Markup of the clearing price over the hardware's cost when capacity is "
      "short (0: none), annual mean", "time: mean", measure="index", undefined_ok=True),
    O("spending", _Y, "1", "Spending on compute (price x work served) relative to the spending when "
      "demand started, annual mean", "time: mean", measure="index", undefined_ok=True),
    O("spending_ceiling", _Y, "1", "The most spending the budget allows, relative to the spending when "
      "demand started, annual mean", "time: mean", measure="index", undefined_ok=True),
    O("budget_bound", _Y, "1", "Share of the year's months in which the spending ceiling capped the work "
      "demanded (from demand's start; 0 before it)", "time: mean", measure="share"),
    O("electricity_share", _Y, "1",
      "Share of the total electricity of the scenario's scope (world, a country or a region) used by its AI servers",
      measure="share"),
    O("revenue", _Y, "year-1", "Revenue from the accelerators shipped in the year at their generations' prices "
      "(generation.<name>.price_kusd), thousand US dollars per year; counted by observations only", measure="USD/yr",
      by_generation="shipments_by_generation", per_server=("price_kusd", "gpus_per_server"),
      observed_only=True),
    O("energy_by_region", ("year", "region"), "TW h",
      "Facility electricity of AI servers in the year, by region (the world is their sum)", "time: sum",
      measure="energy"),
    O("it_energy_by_region", ("year", "region"), "TW h",
      "IT electricity of AI servers in the year (servers alone, before PUE), by region", "time: sum",
      measure="energy"),
    O("installed_by_region", ("year", "region"), "1", "AI servers installed at the end of the year, by region",
      "time: point", measure="servers"),
    O("shipments_by_region", ("year", "region"), "year-1", "AI servers shipped per year, by region",
      "time: mean", measure="servers/yr"),
    O("energy_by_family", ("year", "family"), "TW h",
      "Facility electricity of AI servers in the year, by accelerator family", "time: sum", measure="energy"),
    O("installed_by_family", ("year", "family"), "1",
      "AI servers installed at the end of the year, by accelerator family", "time: point", measure="servers"),
    O("datacenter_energy", _Y, "TW h",
      "Electricity of all data centers in the scope: its AI servers' and the other data centers' "
      "(context.other_datacenters)", "time: sum", measure="energy"),
    O("datacenter_energy_by_region", ("year", "region"), "TW h",
      "Electricity of all data centers in the year, by region", "time: sum", measure="energy"),
    O("ai_datacenter_share", _Y, "1",
      "Share of all data centers' electricity used by AI servers", measure="share"),
    O("datacenter_electricity_share", _Y, "1",
      "Share of the total electricity of the scope used by all its data centers", measure="share"),
    O("energy_if_accumulated", _Y, "TW h",
      "Facility electricity in the year if the same shipments accumulate as an installed base",
      "time: sum", measure="energy", whole_run=True),
)}
del O, _Y, _YG

# the units a count by generation multiplies and converts: (dimension, size in one base unit)
UNIT_DIMENSIONS = {"1": ((), 1.0), "year-1": (("1/yr",), 1.0), "kW": (("power",), 1e3), "GW": (("power",), 1e9),
                   "TW h": (("energy",), 1.0)}


def count_factor(name: str) -> float:
    """The factor that turns the count of an output by generation into the output's units:
    ``output = Σ_g by_generation_g × Π per_server keys_g / divided_by × factor``, from the
    registry's units of each (the keys' in :mod:`.inputs`, the outputs' here): 1e-6 for
    ``nameplate_power`` (servers × kW per server → GW). Raises ``ValueError`` when the units do
    not multiply to the output's dimension (a registry error: tested over every output)."""
    output = OUTPUTS[name]
    factors = [OUTPUTS[output.by_generation].units] + [spec(f"generation.<name>.{k}").units
                                                       for k in output.per_server]
    dims, size = [], 1.0
    for units in factors:
        d, s = UNIT_DIMENSIONS[units]
        dims += d
        size *= s
    if output.divided_by:
        d, s = UNIT_DIMENSIONS[spec(output.divided_by).units]
        if d:
            raise ValueError(f"{name}: divided_by {output.divided_by} must be a dimensionless unit of count")
        size /= s
    target, target_size = UNIT_DIMENSIONS[output.units]
    if sorted(dims) != sorted(target):
        raise ValueError(f"{name}: {' x '.join(factors)} is not in {output.units}'s dimension")
    return size / target_size
