"""The policy brief: ``python -m sim brief SCENARIO.toml`` → a four-page PDF, matplotlib only.

Page 1: title, a one-paragraph summary with the key numbers, and the fan chart. Page 2: the
split by hardware generation and the tornado of a one-at-a-time sweep. Page 3: the scenario
in context (and the rebound in demand mode). Page 4: every assumption with its distribution,
units and source, taken from the scenario file.
"""

from __future__ import annotations

import io
import sys
import textwrap
import time
from pathlib import Path

import matplotlib.image as mpimg  # noqa: E402 - the backend is the user's (the command line picks Agg)
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.backends.backend_pdf import PdfPages  # noqa: E402

from . import parameters as registry  # noqa: E402
from .atomic import replacing  # noqa: E402
from .plots import figure as plot_figure  # noqa: E402
from .plots import style  # noqa: E402
from .results import check_writable, default_path  # noqa: E402
from .runner import run  # noqa: E402
from .scenario import check_options, resolve  # noqa: E402
from .sensitivity import sweep  # noqa: E402

A4 = (8.27, 11.69)  # inches, portrait
MARGIN = 0.07


class Progress:
    """Progress lines on stderr: step, what, seconds so far (silent when quiet)."""

    def __init__(self, steps: int, quiet: bool):
        self.steps, self.quiet, self.done, self.began = steps, quiet, 0, time.perf_counter()

    def __call__(self, what: str) -> None:
        self.done += 1
        if not self.quiet:
            print(f"[{self.done}/{self.steps}] {what} ({time.perf_counter() - self.began:.1f} s)",
                  file=sys.stderr, flush=True)


def make_brief(scenario, draws=None, seed=None, out=None, overrides=None, variant=None,
               quiet: bool = False) -> Path:
    """Run a scenario and an OAT sweep and write the brief; return the PDF's path."""
    scenario = resolve(scenario, overrides, variant)
    rebound = scenario.mode == "demand"
    draws, seed, rebound = check_options(scenario, draws, seed, rebound)
    out = check_writable(out or default_path(scenario, kind="brief", suffix=".pdf"))
    progress = Progress(5, quiet)
    progress(f"running {scenario.name}")
    ds = run(scenario, draws=draws, seed=seed, rebound=rebound)
    last = scenario.key_years[-1]
    progress(f"one-at-a-time sweep of energy in {last}")
    oat = sweep(scenario, "oat", f"energy:{last}", seed=seed)
    progress("drawing figures")
    charts = {kind: _png(plot_figure(ds, kind)) for kind in ("fan", "generations", "context")}
    charts["tornado"] = _png(plot_figure(oat, "tornado"))
    if rebound:
        charts["rebound"] = _png(plot_figure(ds, "rebound"))
    progress("writing the PDF")
    metadata = {"Title": f"sim brief: {scenario.name}", "Creator": f"sim {ds.attrs['sim_version']}"}
    try:
        with replacing(out, suffix=".pdf") as tmp, plt.rc_context(style.RC), PdfPages(tmp, metadata=metadata) as pdf:
            pdf.savefig(_page_summary(ds, oat, charts["fan"]))
            pdf.savefig(_page_two(ds, charts["generations"], charts["tornado"]))
            pdf.savefig(_page_three(ds, charts["context"], charts.get("rebound")))
            pdf.savefig(_page_assumptions(ds, scenario))
    finally:
        plt.close("all")
    progress(f"wrote {out}")
    return out


def _png(fig) -> np.ndarray:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=220)
    plt.close(fig)
    buffer.seek(0)
    return mpimg.imread(buffer)


def _page(ds):
    fig = plt.figure(figsize=A4)
    fig.text(MARGIN, 0.02, style.source_line(ds), fontsize=6.5, color="#444444")
    fig.text(1 - MARGIN, 0.02, f"page {plt.get_fignums().index(fig.number) + 1}", fontsize=6.5,
             color="#444444", ha="right")
    return fig


def _image(fig, image, bottom: float, height: float):
    ax = fig.add_axes((MARGIN, bottom, 1 - 2 * MARGIN, height))
    ax.imshow(image)
    ax.set_axis_off()


def summary_text(ds, oat) -> str:
    """The brief's one-paragraph summary, with the key numbers."""
    a = ds.attrs
    years = [int(y) for y in np.atleast_1d(a["key_years"])]
    first, last = years[0], years[-1]

    def band(year):
        e = ds.energy.sel(year=year)
        return f"{float(e.median()):,.1f} TWh (90 % range {float(e.quantile(0.05)):,.1f} to {float(e.quantile(0.95)):,.1f})"

    text = (f"Across {int(a['draws']):,} Monte Carlo draws of the scenario's assumptions, the AI servers it "
            f"describes use a median of {band(first)} of electricity in {first}")
    if last != first:
        text += f", and {band(last)} in {last}"
    text += "."
    if "rebound" in ds:
        share = (ds.rebound / ds.energy).where(ds.energy > 0).sel(year=last)
        s5, s50, s95 = share.quantile([0.05, 0.5, 0.95]).values
        twh = ds.rebound.sel(year=last).quantile([0.05, 0.5, 0.95]).values
        text += (f" The Jevons rebound, the electricity due to demand responding to cheaper compute, is "
                 f"{s50:.0%} of the {last} total (90 % range {s5:.0%} to {s95:.0%}), "
                 f"{twh[1]:,.0f} TWh ({twh[0]:,.0f} to {twh[2]:,.0f}).")
    if "energy_if_accumulated" in ds:
        text += (f" Counted as an installed base instead of one year's shipments, the same servers would use "
                 f"{float(ds.energy_if_accumulated.sel(year=last).median()):,.1f} TWh in {last}.")
    drivers = [str(p) for p in oat.parameter.values[:3]]
    swings = [float(oat.swing.sel(parameter=p)) for p in drivers]
    if swings and swings[0] > 0:
        text += (f" The assumptions that move the {last} figure most, each from its 5th to its 95th "
                 f"percentile, are " + ", ".join(f"{p} ({s:,.0f} TWh)" for p, s in zip(drivers, swings) if s > 0)
                 + ".")
    return text


def _page_summary(ds, oat, fan):
    fig = _page(ds)
    a = ds.attrs
    fig.text(MARGIN, 0.94, textwrap.fill(a.get("title", a["scenario"]), 62), fontsize=15, weight="bold", va="top")
    fig.text(MARGIN, 0.875, textwrap.fill(a.get("comment", ""), 100), fontsize=8.5, color="#333333", va="top")
    fig.text(MARGIN, 0.82, textwrap.fill(summary_text(ds, oat), 92), fontsize=10, va="top", linespacing=1.4)
    years = [int(y) for y in np.atleast_1d(a["key_years"])]
    rows = [("year", "median TWh", "90 % range TWh", "facility GW (median)")]
    for y in years:
        e = ds.energy.sel(year=y)
        rows.append((str(y), f"{float(e.median()):,.1f}", f"{float(e.quantile(0.05)):,.1f} – {float(e.quantile(0.95)):,.1f}",
                     f"{float(ds.facility_power.sel(year=y).median()):,.1f}"))
    top = 0.60
    for i, row in enumerate(rows):
        for j, cell in enumerate(row):
            fig.text(MARGIN + [0, 0.12, 0.32, 0.56][j], top - 0.022 * i, cell, fontsize=9,
                     weight="bold" if i == 0 else "normal")
    _image(fig, fan, 0.06, top - 0.022 * len(rows) - 0.08)
    return fig


def _page_two(ds, generations, tornado):
    fig = _page(ds)
    fig.text(MARGIN, 0.955, "Where the electricity goes, and what moves it", fontsize=13, weight="bold")
    _image(fig, generations, 0.53, 0.40)
    _image(fig, tornado, 0.05, 0.46)
    return fig


def _page_three(ds, context, rebound):
    fig = _page(ds)
    fig.text(MARGIN, 0.955, "In context" + (", and the Jevons rebound" if rebound is not None else ""),
             fontsize=13, weight="bold")
    if rebound is not None:
        _image(fig, context, 0.53, 0.40)
        _image(fig, rebound, 0.07, 0.42)
    else:
        _image(fig, context, 0.45, 0.48)
        notes = ("The fan chart's bands are percentiles across Monte Carlo draws, not confidence intervals "
                 "of a statistical fit: they show how far the answer moves when the assumptions on page 4 "
                 "move within their stated ranges. Published estimates are drawn where the scenario's years "
                 "include them; de Vries (2023) counts one year's shipments at full power, which is why a "
                 "fleet model that keeps servers in service for years gives more.")
        fig.text(MARGIN, 0.38, textwrap.fill(notes, 95), fontsize=9.5, va="top", linespacing=1.4)
    return fig


def _page_assumptions(ds, scenario):
    fig = _page(ds)
    fig.text(MARGIN, 0.955, "Assumptions", fontsize=13, weight="bold")
    fig.text(MARGIN, 0.935, f"From {scenario.path}: every number the model uses, its distribution across "
             "draws, its units and its source.", fontsize=8, color="#333333")
    rows = []
    for key, dist in scenario.parameters.items():
        units = style.human_units(registry.spec(key).units)
        source = dist.annotations.get("source", "see the comment in the scenario file")
        rows.append((key, dist.describe(), units, source))
    size = 7 if len(rows) <= 36 else 6
    step = min(0.024, 0.86 / (len(rows) + 1))
    columns = (0, 0.30, 0.60, 0.70)
    y = 0.905
    for j, head in enumerate(("parameter", "distribution", "units", "source")):
        fig.text(MARGIN + columns[j], y, head, fontsize=size + 0.5, weight="bold")
    for row in rows:
        y -= step
        cells = (row[0], row[1], row[2], textwrap.shorten(row[3], 60, placeholder="…"))
        for j, cell in enumerate(cells):
            width = [44, 44, 12, 60][j]
            fig.text(MARGIN + columns[j], y, textwrap.shorten(cell, width, placeholder="…"), fontsize=size)
    return fig
