"""Figures from a ``sim run`` result: fan chart, generation and workload split, rebound, context."""

from __future__ import annotations

import textwrap
from itertools import cycle

import tomllib
from functools import lru_cache
from pathlib import Path

import numpy as np

from ...errors import InputError
from ...scenario.published import from_text
from ..export import QUANTILES   # the bands' edges and the median, as the CSV gives them
from ..summary import TAIL_DRAWS
from . import style


@lru_cache(maxsize=1)
def references_file() -> dict:
    """Published estimates and reference quantities (``references.toml``, with sources)."""
    return tomllib.loads((Path(__file__).with_name("references.toml")).read_text())


def _published_from_scenario(ds) -> list[dict]:
    """Energy figures from the result's own [[validation]] tables (TWh/yr ranges or values),
    read by the scenario's own reader (:func:`sim.scenario.published.from_text`)."""
    out = []
    for v in from_text(ds.attrs.get("scenario_text", ""), ds.attrs.get("variant") or None):
        if v.quantity != "energy" or v.units != "TWh/yr" or v.relative_to:
            continue
        if v.low == 0 and v.high > 0:
            continue  # a bound such as "below all data centers" is not an estimate to plot
        out.append({"label": v.source.split(":")[0], "year": v.year, "low": v.low, "high": v.high,
                    "scope": ds.attrs.get("scope", "world")})   # the scenario's own figures are of its scope
    return out


# what a fan chart's electricity counts: published figures of these are estimates of it; those of
# all data centers are a ceiling, and the context chart shows them (references.toml, "counts")
SAME_COUNT = ("AI servers", "AI data centers")
REFERENCES = ("same", "all")


def check_references(references: str) -> None:
    """One line for a choice of published figures that is neither ``same`` nor ``all``."""
    if references not in REFERENCES:
        raise InputError("--references", references, "expected same (figures that count AI servers or AI data "
                         "centers) or all (all data centers too)")


def published_points(ds, references: str = "same", scope: str | None = None) -> list[dict]:
    """The published figures a chart of ``ds`` shows: ``references.toml``'s and the result's own
    [[validation]] figures, within its years and of its scope (or of ``scope``: a region of a
    world result); with ``references = "same"`` only those that count what the chart does (AI
    servers or AI data centers, :data:`SAME_COUNT`), with ``"all"`` those of all data centers too."""
    check_references(references)
    years, scope = ds.year.values, scope or ds.attrs.get("scope", "world")
    return [p for p in references_file()["published"] + _published_from_scenario(ds)
            if years[0] <= p["year"] <= years[-1] and p.get("scope", scope) == scope
            and (references == "all" or p.get("counts", "AI servers") in SAME_COUNT)]


def in_drawing_order(published: list[dict]) -> list[dict]:
    """Published figures by year, then value: the order in which a source first appears sets its
    colour and marker (:data:`style.PUBLISHED_COLOURS`), in the fan chart and the explorer."""
    return sorted(published, key=lambda p: (p["year"], p["high"]))


def fan(ds, references: str = "same"):
    """Annual electricity: median, 50 % and 90 % bands, and published estimates (the legend
    below the axes, so it covers nothing): by default those that count what the chart counts;
    ``references = "all"`` adds the figures of all data centers (a ceiling, not an estimate)."""
    fig, ax = style.figure(height=style.HEIGHT_IN * 1.35)
    years = ds.year.values
    _bands(ax, years, ds.energy.quantile(QUANTILES, dim="draw").values)
    published = published_points(ds, references)
    seen = {}
    markers = cycle(style.PUBLISHED_MARKERS)   # past the last, from the first again: as the explorer does
    colours = cycle(style.PUBLISHED_COLOURS)
    stacked = {}   # labels already placed at a year: the next goes above them, not on them
    labels = []    # ... and any that reach over from a neighbouring year (style.ApartAnnotation)
    for p in in_drawing_order(published):
        key = p["label"]
        if key not in seen:
            seen[key] = (next(markers), next(colours))
        marker, colour = seen[key]
        mid = (p["low"] + p["high"]) / 2
        ax.errorbar([p["year"]], [mid], yerr=[[mid - p["low"]], [p["high"] - mid]], fmt=marker, ms=4,
                    color=colour, capsize=3, lw=1, label=key)
        k = stacked.get(p["year"], 0)
        stacked[p["year"]] = k + 1
        last = p["year"] >= years[-1]          # at the right edge: the label goes to the left
        ax.add_artist(style.ApartAnnotation(
            labels, f"{p['low']:g}–{p['high']:g}" if p["low"] != p["high"] else f"{p['low']:g}",
            (p["year"], p["high"]), xytext=(-4 if last else 4, 2 + 8 * k), textcoords="offset points",
            fontsize=7, color=colour, ha="right" if last else "left", path_effects=style.HALO))
    ax.set_xlabel("year")
    ax.set_ylabel("electricity (TWh per year)")
    style.title(ax, ds.attrs.get("title", ""))
    # room beside the last year for a published point drawn there (it was cut in half by the edge)
    edge = 0.5 if len(years) == 1 else (0.4 if any(p["year"] >= years[-1] for p in published) else 0)
    ax.set_xlim(years[0] - (0.5 if len(years) == 1 else 0), years[-1] + edge)
    ax.set_ylim(bottom=0)
    # the legend below the axes: it never covers the bands or the published points
    _dedupe_legend(ax, wrap=46, ncol=2, fontsize=6.5, frameon=False)
    style.finish(fig, ds, "Facility electricity of AI servers (IT power x PUE). Bands across Monte Carlo draws."
                 + _rough(ds))
    return fig


def _rough(ds) -> str:
    """A band's note when its draws are too few to bound the 5th and 95th percentiles
    (:data:`sim.report.summary.TAIL_DRAWS`)."""
    n = ds.sizes["draw"]
    return f" Only {n} draws: too few to bound the 90 % band, whose edges are rough." if n < TAIL_DRAWS else ""


def generations(ds):
    """Stacked area of median electricity by hardware generation: the catalogue's generations one
    by one and the trend's beyond it as one layer; with accelerator families, by family."""
    fig, ax = style.figure()
    years = ds.year.values
    if "energy_by_family" in ds:
        groups = [(str(f), ds.energy_by_family.sel(family=f)) for f in ds.family.values]
        what = "accelerator family"
    else:
        # the trend's generations are one row of a result (sim.scenario.world.result_rows)
        groups = [(g if g != "trend" else "beyond the catalogue (the trend's generations)",
                   ds.energy_by_generation.sel(generation=g)) for g in map(str, ds.generation.values)]
        what = "hardware generation"
    colours = (style.PALETTE[:len(groups)] if len(groups) <= len(style.PALETTE)
               else [style.sequential(k / (len(groups) - 1)) for k in range(len(groups))])
    ax.stackplot(years, [g.median("draw").values for _, g in groups], labels=[name for name, _ in groups],
                 colors=colours, alpha=0.85, lw=0)
    ax.plot(years, ds.energy.median("draw"), color="black", lw=1, ls="--", label="median of the total")
    ax.set_xlabel("year")
    ax.set_ylabel("electricity (TWh per year)")
    style.title(ax, f"Electricity by {what} (median of each)")
    ax.set_xlim(years[0], years[-1])
    ax.legend(loc="upper left", ncol=2, fontsize=7)
    style.finish(fig, ds, "Stacked medians of each layer; they need not add up to the median total (dashed).")
    return fig


def regions(ds):
    """Stacked area of median electricity by region of the world fleet, the scenario's own
    region (its scope) first and named as such."""
    fig, ax = style.figure()
    years = ds.year.values
    order = _in_order(ds)
    layers = [ds.energy_by_region.isel(region=k).median("draw").values for k, _, _ in order]
    labels = [label for _, _, label in order]
    ax.stackplot(years, layers, labels=labels, colors=style.PALETTE[:len(layers)], alpha=0.85, lw=0)
    ax.plot(years, ds.energy_by_region.sum("region").median("draw"), color="black", lw=1, ls="--",
            label="median of the world")
    ax.set_xlabel("year")
    ax.set_ylabel("electricity (TWh per year)")
    style.title(ax, "Electricity of AI servers by region (median of each)")
    ax.set_xlim(years[0], years[-1])
    ax.legend(loc="upper left", ncol=2, fontsize=7)
    style.finish(fig, ds, "Each region's servers at its own PUE; the world is their sum, draw by draw.")
    return fig


def _in_order(ds) -> list[tuple[int, str, str]]:
    """A result's regions, the scenario's own (its scope) first: (index, name, label a reader sees)."""
    names = [str(r) for r in ds.region.values]
    scope = ds.attrs.get("scope", "world")
    order = sorted(range(len(names)), key=lambda k: names[k] != scope)
    return [(k, names[k], names[k].replace("_", " ") + (" (this scenario)" if names[k] == scope else ""))
            for k in order]


def _bands(ax, years, q, median_lw: float = 1.8) -> None:
    """The 90 % and 50 % bands across the draws and their median, from the :data:`QUANTILES` ``q``
    (5, year)."""
    ax.fill_between(years, q[0], q[4], color=style.BAND, alpha=0.18, lw=0, label="90 % of draws")
    ax.fill_between(years, q[1], q[3], color=style.BAND, alpha=0.35, lw=0, label="50 % of draws")
    ax.plot(years, q[2], color=style.BAND, lw=median_lw, label="median")


def region_fans(ds):
    """Each region's electricity alone, with its own bands (50 and 90 % of draws), median and
    published figures (those of the region's scope), one panel each on its own scale: the
    uncertainty of each slice, which the stacked medians of :func:`regions` do not show."""
    n = ds.sizes["region"]
    columns = 2
    rows = -(-n // columns)
    fig, axes = style.figure(height=style.HEIGHT_IN * 0.55 * rows + 1.0, nrows=rows, ncols=columns, sharex=True,
                             squeeze=False)
    years = ds.year.values
    q = ds.energy_by_region.quantile(QUANTILES, dim="draw").transpose("quantile", "region", "year")
    for ax, (k, name, label) in zip(axes.flat, _in_order(ds)):
        _bands(ax, years, q.values[:, k], median_lw=1.5)
        for p in published_points(ds, scope=name):
            mid = (p["low"] + p["high"]) / 2
            ax.errorbar([p["year"]], [mid], yerr=[[mid - p["low"]], [p["high"] - mid]], fmt="D", ms=3,
                        color=style.PALETTE[1], capsize=2, lw=1, label="published estimate")
        ax.set_title(label, loc="left", fontsize=9)
        ax.set_xlim(years[0], years[-1])
        ax.set_ylim(bottom=0)
    for ax in axes[:, 0]:
        ax.set_ylabel("TWh per year")
    for ax in axes[-1]:
        ax.set_xlabel("year")
    for ax in axes.flat[n:]:
        ax.set_axis_off()
    handles, labels = axes.flat[0].get_legend_handles_labels()
    axes.flat[0].legend(handles[:3], labels[:3], loc="upper left", fontsize=7)
    fig.suptitle("Electricity of AI servers in each region (each on its own scale)", x=style.TITLE_X, ha="left",
                 fontsize=10)
    style.finish(fig, ds, "Bands across Monte Carlo draws, region by region: the same draws in every panel. "
                          "Each region's servers at its own PUE." + _rough(ds))
    return fig


def workload(ds):
    """Stacked area of median electricity for training and inference."""
    fig, ax = style.figure()
    years = ds.year.values
    med = ds.energy_by_workload.median("draw")
    ax.stackplot(years, med.transpose("workload", "year").values, labels=[str(w) for w in ds.workload.values],
                 colors=[style.PALETTE[1], style.PALETTE[0]], alpha=0.85, lw=0)
    ax.set_xlabel("year")
    ax.set_ylabel("electricity (TWh per year)")
    style.title(ax, "Electricity for training and inference (medians)")
    ax.set_xlim(years[0], years[-1])
    ax.legend(loc="upper left")
    style.finish(fig, ds)
    return fig


def rebound(ds):
    """Electricity with and without the Jevons response, the gap shaded."""
    fig, ax = style.figure()
    years = ds.year.values
    with_r, without = ds.energy.median("draw"), ds.energy_no_rebound.median("draw")
    for series, colour in ((ds.energy, style.PALETTE[3]), (ds.energy_no_rebound, style.PALETTE[0])):
        low, high = series.quantile([0.05, 0.95], dim="draw").values
        ax.fill_between(years, low, high, color=colour, alpha=0.12, lw=0)
    ax.plot(years, with_r, color=style.PALETTE[3], lw=1.8, label="with the demand response (median, 90 % band)")
    ax.plot(years, without, color=style.PALETTE[0], lw=1.8, label="efficiency alone, elasticity 0 (median, 90 % band)")
    share = (ds.rebound / ds.energy).where(ds.energy > 0)
    last = int(years[-1])
    s5, s50, s95 = share.sel(year=last).quantile([0.05, 0.5, 0.95]).values
    ax.annotate(f"rebound: {s50:.0%} of {last} electricity\n(90 % of draws: {s5:.0%} to {s95:.0%})",
                (last, float(with_r.sel(year=last))), xytext=(-8, 0), textcoords="offset points",
                ha="right", va="top", fontsize=8)
    ax.set_xlabel("year")
    ax.set_ylabel("electricity (TWh per year)")
    style.title(ax, "How much of the electricity is the Jevons rebound?")
    ax.set_xlim(years[0], years[-1])
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper left")
    style.finish(fig, ds, "The same draws run twice: with the scenario's price elasticity, and with none.")
    return fig


def context(ds, year: int | None = None):
    """The median in a key year beside quantities a reader knows."""
    year = int(np.atleast_1d(ds.attrs.get("key_years", [ds.year.values[-1]]))[-1]) if year is None else year
    e = ds.energy.sel(year=year)
    median, p5, p95 = float(e.median()), float(e.quantile(0.05)), float(e.quantile(0.95))
    references = references_file()["context"]
    items = [(c["label"], c["twh"], False) for c in references]

    def number(v):
        return f"{v:,.0f}" if v >= 10 else f"{v:.1f}"

    # this scenario's figures in its label, where the layout keeps them on the page whatever its range
    items.append((f"This scenario, {year}: median {number(median)}\n(90 % range {number(p5)}-{number(p95)})",
                  median, True))
    items.sort(key=lambda item: item[1])
    fig, ax = style.figure(height=3.2)
    labels = [i[0] for i in items]
    values = [i[1] for i in items]
    colours = [style.PALETTE[3] if i[2] else "#999999" for i in items]
    bars = ax.barh(labels, values, color=colours)
    k = [i for i, item in enumerate(items) if item[2]][0]
    ax.errorbar([median], [k], xerr=[[median - p5], [p95 - median]], fmt="none", color="black", capsize=3, lw=1)
    for i, (bar, v) in enumerate(zip(bars, values)):
        if i != k:
            ax.annotate(number(v), (v, bar.get_y() + bar.get_height() / 2),
                        xytext=(4, 0), textcoords="offset points", va="center", fontsize=7)
    # room for a reference's figure beside the longest bar
    ax.set_xlim(0, max(max(v for i, v in enumerate(values) if i != k) * 1.25, p95 * 1.05))
    ax.set_xlabel("electricity (TWh per year)")
    style.title(ax, f"{ds.attrs.get('scenario')}: {year} in context")
    ax.grid(axis="y", visible=False)
    # each quantity's source, as references.toml gives it, in the bars' order from the top
    sources = dict.fromkeys(c["source"] for c in sorted(references, key=lambda c: -c["twh"]))
    style.finish(fig, ds, "Reference quantities: " + "; ".join(sources) + ".")
    return fig


def _dedupe_legend(ax, wrap: int | None = None, **kwargs):
    """One legend entry per label, under the axes (:func:`style.legend_below`); with ``wrap``, long
    labels over lines of that many characters."""
    handles, labels = ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles))
    names = [_balanced(label, wrap) if wrap else label for label in unique]
    style.legend_below(ax, handles=list(unique.values()), labels=names, **kwargs)


def _balanced(text: str, width: int) -> str:
    """``text`` over as few lines of at most ``width`` characters as it needs, of even length:
    no line of one word left over ("...(4.3 GW x 8,760" / "h)")."""
    lines = len(textwrap.wrap(text, width))
    if lines < 2:
        return text
    narrowest = next(w for w in range(-(-len(text) // lines), width + 1) if len(textwrap.wrap(text, w)) == lines)
    return textwrap.fill(text, narrowest)
