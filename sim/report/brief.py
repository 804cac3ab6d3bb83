"""The policy brief: ``python -m sim brief SCENARIO.toml`` → a PDF, matplotlib only.

Page 1: title, a one-paragraph summary with the key numbers, and the fan chart. Page 2: the
split by hardware generation and the tornado of a one-at-a-time sweep. Page 3: the scenario
in context (and the rebound, with its band, in demand mode; a fleet of regions, by region).
Then how the run meets what was observed (the figures it was calibrated to and those held out
of it, with the verdicts of ``sim validate``). Then every assumption in words,
with its key, distribution, units and source (its ``source`` key or the scenario file's
comment: :mod:`sim.scenario.sources`), and the scenario's references. Charts are drawn straight onto
the pages (vector graphics, TrueType text a reader can search and copy); labels are the
registry's words (:func:`sim.parameters.label`), not raw keys.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import NamedTuple

import matplotlib.pyplot as plt  # noqa: E402 - the backend is the user's (the command line picks Agg)
import numpy as np  # noqa: E402
from matplotlib.backends.backend_pdf import PdfPages  # noqa: E402

from .. import parameters as registry  # noqa: E402
from ..atomic import check_kind, claimed, no_room, replacing  # noqa: E402
from .plots import figure as plot_figure  # noqa: E402
from .layout import A4, MARGIN, TEXT_WIDTH, column_widths, lines, page, table_pages, wrap, wrap_key  # noqa: E402
from .plots import style  # noqa: E402
from ..results import default_path, identity  # noqa: E402
from .summary import above_noise, precision_words  # noqa: E402
from ..runner import run  # noqa: E402
from ..scenario.load import check_options, resolve  # noqa: E402
from ..analysis.sensitivity import sweep  # noqa: E402
from ..scenario.sources import sources  # noqa: E402
from ..analysis.validation import world_figures  # noqa: E402
from .checks import check_words  # noqa: E402


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
               quiet: bool = False, force: bool = False) -> Path:
    """Run a scenario and an OAT sweep and write the brief; return the PDF's path.

    The PDF is written by sim's one rule for outputs (:mod:`sim.atomic`), claimed before the
    runs: never over a file sim did not write, over a brief of other settings only with
    ``force``, and by one brief at a time."""
    scenario = resolve(scenario, overrides, variant)
    rebound = scenario.mode == "demand"
    draws, seed, rebound = check_options(scenario, draws, seed, rebound)
    out = out or default_path(scenario, kind="brief", suffix=".pdf")
    check_kind(out, (".pdf",), "sim brief writes a PDF")
    what = identity(scenario, seed, draws=draws, calibrated=int(scenario.calibrate))
    # owned from before minutes of runs to the final rename, as sim run owns its result: checked,
    # its folder and lock made (a place where they cannot be is one line now, not after the runs),
    # never over a file sim did not write, and no second brief writing it meanwhile
    figures = world_figures(scenario)    # a regional scenario's world figures by generation
    progress = Progress(5 if figures else 4, quiet)
    with claimed(out, what, force) as out:
        ds, oat, given, world = _runs(scenario, draws, seed, rebound, progress, figures)
        metadata = {"Title": f"sim brief: {scenario.name}", "Creator": f"sim {ds.attrs['sim_version']}"}
        try:
            with (no_room(out), replacing(out, ".pdf") as tmp, plt.rc_context(style.RC),
                  PdfPages(tmp, metadata=metadata) as pdf):
                for fig in brief_pages(ds, oat, scenario, rebound, given, world):
                    pdf.savefig(fig)
        finally:
            plt.close("all")
    progress(f"wrote {out}")
    return out


def _runs(scenario, draws: int, seed: int, rebound: bool, progress, figures):
    """What a brief shows: the run, the one-at-a-time sweep of the last key year, the drivers among
    a calibrated run's kept draws, and with ``figures`` (a regional scenario's held-out world
    figures by generation) the world of the same draws, which they need."""
    progress(f"running {scenario.name}")
    ds = run(scenario, draws=draws, seed=seed, rebound=rebound)
    world = None
    if figures:
        progress(f"running the world of the same draws, for {len(figures)} figures held out")
        world = run(scenario.replace(scope="world"), draws=draws, seed=seed)
    last = scenario.key_years[-1]
    calibrated = bool(int(ds.attrs.get("calibrated", 0)))
    progress(f"one-at-a-time sweep of energy in {last}" + (" and its drivers among the kept draws" if calibrated else ""))
    oat = sweep(scenario, "oat", f"energy:{last}", seed=seed)
    # calibrated, the draws kept are the forecast: what shapes it among them (given-data PAWN)
    given = sweep(ds, "pawn", f"energy:{last}", seed=seed) if calibrated else None
    progress("drawing the pages")
    return ds, oat, given, world


def brief_pages(ds, oat, scenario, rebound: bool, given=None, world=None) -> list:
    """The brief's pages as matplotlib figures, footers included (within ``style.RC``); ``world``:
    a regional scenario's world of the same draws, for its held-out world figures."""
    checks = check_rows(ds, scenario, world)
    pages = [_page_summary(ds, oat, given, checks), _page_two(ds, oat), _page_three(ds, rebound)]
    if checks:
        pages += _pages_checks(checks, 0 if world is not None else len(world_figures(scenario)))
    pages += _pages_assumptions(ds, scenario)
    for number, fig in enumerate(pages, 1):
        _footer(fig, ds, number, len(pages))
    return pages


def _footer(fig, ds, number: int, pages: int) -> None:
    fig.text(MARGIN, 0.012, style.source_line(ds), fontsize=6.5, color="#444444")
    fig.text(1 - MARGIN, 0.012, f"page {number} of {pages}", fontsize=6.5, color="#444444", ha="right")


def _heading(sub, text: str, y: float = 0.5) -> None:
    sub.text(MARGIN, y, text, fontsize=13, weight="bold", va="center")


def _chart(sub, ds, kind):
    with style.drawn_into([sub]):
        plot_figure(ds, kind)


def summary_text(ds, oat, given=None, checks=None) -> str:
    """The brief's one-paragraph summary, with the key numbers (and, given :func:`check_rows`,
    how the run meets the figures held out of it)."""
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
        if "energy_no_rebound" in ds:
            base = ds.energy_no_rebound.sel(year=last).quantile([0.05, 0.5, 0.95]).values
            text += (f" The comparison is the same draws with no demand response (price elasticity 0): "
                     f"efficiency alone would then bring the {last} electricity to {base[1]:,.1f} TWh "
                     f"({base[0]:,.1f} to {base[2]:,.1f}), so the share says as much about that case as "
                     f"about the rebound.")
        if "rebound_beyond_trend" in ds:
            beyond = (ds.rebound_beyond_trend / ds.energy).where(ds.energy > 0).sel(year=last)
            b5, b50, b95 = (registry.percent(x) for x in beyond.quantile([0.05, 0.5, 0.95]).values)
            text += (f" Compared instead with demand going on at the growth of its first year, with no further "
                     f"response to cost, the response adds {b50} of the {last} total ({b5} to {b95}).")
    if "budget_bound" in ds:
        bound = float(ds.budget_bound.sel(year=last).mean())
        if bound >= 0.5:
            text += (f" The spending ceiling caps demand in {bound:.0%} of the months of {last}: there the "
                     f"electricity is what the budget for AI compute buys at its cost, whatever the elasticity.")
    if "energy_if_accumulated" in ds:
        text += (f" Counted as an installed base instead of one year's shipments, the same servers would use "
                 f"{float(ds.energy_if_accumulated.sel(year=last).median()):,.1f} TWh in {last}.")
    drivers = [str(p) for p in oat.parameter.values[:3]]
    swings = [float(oat.swing.sel(parameter=p)) for p in drivers]
    if swings and swings[0] > 0:
        text += (f" The assumptions that move the {last} figure most, each from its 5th to its 95th "
                 f"percentile" + (" with the others at the prior's medians" if given is not None else "") + ", are "
                 + ", ".join(f"the {registry.label(p)} ({s:,.0f} TWh)" for p, s in zip(drivers, swings) if s > 0) + ".")
    if given is not None:
        # only those above what an input that does nothing reaches with these draws (pawn_noise)
        ranked = given.pawn_median.to_series().sort_values(ascending=False)
        standing = above_noise(given).to_series()
        top = [str(p) for p in ranked.index[:3] if standing[p]]
        kept = f"{int(given.attrs.get('draws_analysed', ds.sizes['draw'])):,}"
        text += (f" Among the {kept} draws kept, those that most shape it (PAWN indices over the draws, above what "
                 "an assumption that does nothing reaches) are " + ", ".join(f"the {registry.label(p)}" for p in top) + "."
                 if top else f" Among the {kept} draws kept, no assumption shapes it more than an assumption that does "
                 "nothing would by chance (PAWN): more draws would tell them apart.")
    if int(a.get("rejected_draws", 0)):
        # the years observed, as the result stores them (sim.analysis.calibration)
        years = sorted({int(y) for y in np.asarray(ds["observation_year"])}) if "observation_year" in ds else []
        span = f"{years[0]}-{years[-1]} " if len(years) > 1 else f"{years[0]} " if years else ""
        text += (f" The draws are those of {int(a.get('candidates', 0)):,} that reproduce the observed "
                 f"{span}figures the scenario names (history matching).")
    held = [row for row in checks or [] if not row.calibrated]
    if held:
        within = sum(row.status == "within" for row in held)
        gaps = [row.figure for row in held if row.status == "gap"]
        others = [row.figure for row in held if row.status == "outside"]
        text += (f" Of {len(held)} published figures held out of it, the model meets {within}"
                 + (f"; it misses {len(gaps)} for reasons the scenario states ({'; '.join(gaps)})" if gaps else "")
                 + (f"; it misses {len(others)} unexplained ({'; '.join(others)})" if others else "")
                 + " (page 4).")
    return text


def _page_summary(ds, oat, given=None, checks=None):
    a = ds.attrs
    title = lines(a.get("title", a["scenario"]), 15, bold=True)
    comment = lines(a.get("comment", ""), 7.5)
    summary = lines(summary_text(ds, oat, given, checks), 9)
    years = [int(y) for y in np.atleast_1d(a["key_years"])]
    rows = [("year", "median TWh", "90 % range TWh", "facility GW (median)")]
    for y in years:
        e = ds.energy.sel(year=y)
        rows.append((str(y), f"{float(e.median()):,.1f}", f"{float(e.quantile(0.05)):,.1f} – {float(e.quantile(0.95)):,.1f}",
                     f"{float(ds.facility_power.sel(year=y).median()):,.1f}"))
    # how precisely the draws pin the table's quantiles (the terminal's words, under its table)
    said = precision_words(ds.energy.sel(year=years).transpose("draw", "year").values)
    note = lines(said + ".", 7.5) if said else []
    # the header's height, in inches, from what it holds: no gap under it
    blocks = [(title, 15 / 72 * 1.25, 0.1), (comment, 7.5 / 72 * 1.3, 0.15), (summary, 9 / 72 * 1.4, 0.2),
              ([""] * len(rows), 9 / 72 * 1.6, 0.05), (note, 7.5 / 72 * 1.3, 0.1)]
    height = 0.3 + sum(len(lines) * step + gap for lines, step, gap in blocks)
    fig, (head, fan) = page(2, [height, A4[1] - height - 0.6])
    y = 0.15

    def place(lines, step, gap, **style_):
        nonlocal y
        head.text(MARGIN, 1 - y / height, "\n".join(lines), va="top", linespacing=step * 72 / style_["fontsize"],
                  **style_)
        y += len(lines) * step + gap

    place(title, *blocks[0][1:], fontsize=15, weight="bold")
    place(comment, *blocks[1][1:], fontsize=7.5, color="#333333")
    place(summary, *blocks[2][1:], fontsize=9)
    for i, row in enumerate(rows):
        for j, cell in enumerate(row):
            head.text(MARGIN + [0, 0.14, 0.34, 0.58][j], 1 - (y + i * blocks[3][1]) / height, cell, fontsize=9,
                      va="top", weight="bold" if i == 0 else "normal")
    y += len(rows) * blocks[3][1] + blocks[3][2]
    place(note, *blocks[4][1:], fontsize=7.5, color="#333333")
    _chart(fan, ds, "fan")
    return fig


def _page_two(ds, oat):
    fig, (head, generations, tornado) = page(3, [0.04, 0.44, 0.52])
    _heading(head, "Where the electricity goes, and what moves it")
    _chart(generations, ds, "generations")
    _chart(tornado, oat, "tornado")
    return fig


def _page_three(ds, rebound: bool):
    if rebound:
        fig, (head, context, chart) = page(3, [0.04, 0.44, 0.52])
        _heading(head, "In context, and the Jevons rebound")
        _chart(context, ds, "context")
        _chart(chart, ds, "rebound")
        return fig
    if "energy_by_region" in ds:   # one world run, many views: where the electricity is used
        fig, (head, context, chart) = page(3, [0.04, 0.44, 0.52])
        _heading(head, "In context, and by region")
        _chart(context, ds, "context")
        _chart(chart, ds, "regions")
        return fig
    fig, (head, context, notes) = page(3, [0.04, 0.62, 0.34])
    _heading(head, "In context")
    _chart(context, ds, "context")
    text = ("The fan chart's bands are percentiles across Monte Carlo draws, not confidence intervals "
            "of a statistical fit: they show how far the answer moves when the assumptions that follow "
            "move within their stated ranges. Published estimates of AI servers and AI data centers are "
            "drawn where the scenario's years include them (all data centers' are a ceiling, shown in the "
            "context chart); de Vries (2023) counts one year's shipments at full power, which is why a "
            "fleet model that keeps servers in service for years gives more.")
    notes.text(MARGIN, 0.95, "\n".join(lines(text, 9.5)), fontsize=9.5, va="top", linespacing=1.4)
    return fig


def _number(v: float) -> str:
    if abs(v) >= 1e6:
        return f"{v / 1e6:.3g}M"
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.3g}"


def _compact(dist) -> str:
    """A distribution in few characters: "uniform 50,000–350,000", "triangular 2 / 6 / 15"."""
    a = dist.args
    if dist.is_constant:
        return _number(a["value"])
    if dist.family == "uniform":
        return f"uniform {_number(a['low'])}–{_number(a['high'])}"
    if dist.family in ("triangular", "pert"):
        return f"{dist.family} {_number(a['low'])} / {_number(a['mode'])} / {_number(a['high'])}"
    return dist.describe()


# the assumptions table's columns: where each starts (share of the text width), and its sizes in
# points (the key, column 1, in monospace); every cell wraps in its column (layout.table_pages)
COLUMNS = (0.0, 0.22, 0.41, 0.59)
SIZES = (6.2, 5.4, 6.2, 6.2)


def assumption_rows(scenario) -> list[tuple[list[str], ...]]:
    """One row a number the model uses: its words, key, value and units, and source, each cell
    wrapped to its column's width (:func:`sim.report.layout.column_widths`) and nothing cut."""
    found = sources(scenario)
    widths = column_widths(COLUMNS)
    rows = []
    for key, dist in scenario.parameters.items():
        units = registry.human_units(registry.spec(key).units)
        value = _compact(dist) + (f" {units}" if units else "")
        rows.append((wrap(registry.label(key), widths[0], SIZES[0]), wrap_key(key, widths[1], SIZES[1]),
                     wrap(value, widths[2], SIZES[2]), wrap(found[key], widths[3], SIZES[3])))
    return rows


# the checks table's columns: the figure, what was published and its source, the model, the verdict
CHECK_COLUMNS = (0.0, 0.2, 0.46, 0.61)
CHECK_SIZES = (6.6, 6.2, 6.6, 6.6)


class CheckRow(NamedTuple):
    """One figure of the checks page: its cells wrapped to :data:`CHECK_COLUMNS`, whether the run
    was calibrated to it, ``status`` (``within``, ``gap``: outside for the reason the scenario
    states, ``outside``) and the figure in words (its first cell, unwrapped)."""
    cells: tuple
    calibrated: bool
    status: str
    figure: str


def check_rows(ds, scenario, world=None) -> list[CheckRow]:
    """:func:`check_words`, each cell wrapped to its column of the checks page."""
    widths = column_widths(CHECK_COLUMNS)
    return [CheckRow(tuple(wrap(c, widths[j], CHECK_SIZES[j]) for j, c in enumerate(w["cells"])), w["calibrated"],
                     w["status"], w["cells"][0]) for w in check_words(ds, scenario, world)]


def _pages_checks(checks, left: int = 0) -> list:
    """The checks of :func:`check_rows` as a table, each line's text carrying its row and column
    (``gid`` ``"check-<i>-<j>"``); ``left``: held-out world figures not checked here."""
    intro = ("What was observed, against this run's draws: the figures it was calibrated to, then those held out "
             "of it (neither an input nor a calibration target), with the model's median and 5-95 %."
             + (f" {left} figures of the world's fleet held out of it need a run of the world: sim validate checks them."
                if left else ""))
    head = ("figure", "published (its source)", "model (5-95 %)", "verdict")
    return table_pages("Checked against what was observed", intro, head, [row.cells for row in checks],
                       CHECK_COLUMNS, CHECK_SIZES, "check")


def _pages_assumptions(ds, scenario) -> list:
    """Every number the model uses (words, key, distribution, units, source), then the
    scenario's references: as many pages as they need, none half empty, every cell wrapped in
    its column (nothing cut short) and a row never split across pages. Each line's text carries
    its row and column (``gid`` ``"row-<i>-<j>"``)."""
    references = [lines(f"{i}. {ref}", 7.5, TEXT_WIDTH - 0.02 * A4[0] * 72) for i, ref in enumerate(scenario.references, 1)]
    intro = (f"Every number the model uses, from {scenario.name}.toml (sha256 {scenario.sha256[:8]}): its "
             "distribution across draws, its units and its source.")
    head = ("quantity", "key", "value, units", "source (source key or comment)")
    return table_pages("Assumptions", intro, head, assumption_rows(scenario), COLUMNS, SIZES, "row", mono=1,
                       after=references, after_title="References")
