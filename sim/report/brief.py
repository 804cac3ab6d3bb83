"""The policy brief: ``python -m sim brief SCENARIO.toml`` → a PDF, matplotlib only.

Page 1: title, a one-paragraph summary with the key numbers, and the fan chart. Page 2: the
split by hardware generation and the tornado of a one-at-a-time sweep. Page 3: the scenario
in context (and the rebound, with its band, in demand mode). Then every assumption in words,
with its key, distribution, units and source (its ``source`` key or the scenario file's
comment: :mod:`sim.scenario.sources`), and the scenario's references. Charts are drawn straight onto
the pages (vector graphics, TrueType text a reader can search and copy); labels are the
registry's words (:func:`sim.parameters.label`), not raw keys.
"""

from __future__ import annotations

import functools
import re
import sys
import time
from pathlib import Path

import matplotlib.pyplot as plt  # noqa: E402 - the backend is the user's (the command line picks Agg)
import numpy as np  # noqa: E402
from matplotlib.backends.backend_pdf import PdfPages  # noqa: E402
from matplotlib.font_manager import FontProperties  # noqa: E402
from matplotlib.textpath import TextToPath  # noqa: E402

from .. import parameters as registry  # noqa: E402
from ..atomic import check_replaceable, check_writable, writing  # noqa: E402
from .plots import figure as plot_figure  # noqa: E402
from .plots import style  # noqa: E402
from ..results import default_path, identity  # noqa: E402
from ..runner import run  # noqa: E402
from ..scenario.load import check_options, resolve  # noqa: E402
from ..analysis.sensitivity import sweep  # noqa: E402
from ..scenario.sources import sources  # noqa: E402

A4 = (8.27, 11.69)  # inches, portrait
MARGIN = style.PAGE_MARGIN


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

    The PDF is written by :func:`sim.atomic.writing`: never over a file sim did not write, and
    over a brief of other settings only with ``force`` (checked before the runs)."""
    scenario = resolve(scenario, overrides, variant)
    rebound = scenario.mode == "demand"
    draws, seed, rebound = check_options(scenario, draws, seed, rebound)
    out = check_writable(out or default_path(scenario, kind="brief", suffix=".pdf"))
    what = identity(scenario, seed, draws=draws, calibrated=int(scenario.calibrate))
    check_replaceable(out, what, force)   # before minutes of runs, not after them
    progress = Progress(4, quiet)
    progress(f"running {scenario.name}")
    ds = run(scenario, draws=draws, seed=seed, rebound=rebound)
    last = scenario.key_years[-1]
    calibrated = bool(int(ds.attrs.get("calibrated", 0)))
    progress(f"one-at-a-time sweep of energy in {last}" + (" and its drivers among the kept draws" if calibrated else ""))
    oat = sweep(scenario, "oat", f"energy:{last}", seed=seed)
    # calibrated, the draws kept are the forecast: what shapes it among them (given-data PAWN)
    given = sweep(ds, "pawn", f"energy:{last}", seed=seed) if calibrated else None
    progress("drawing the pages")
    metadata = {"Title": f"sim brief: {scenario.name}", "Creator": f"sim {ds.attrs['sim_version']}"}
    try:
        with (writing(out, what, force, suffix=".pdf") as tmp, plt.rc_context(style.RC),
              PdfPages(tmp, metadata=metadata) as pdf):
            for fig in brief_pages(ds, oat, scenario, rebound, given):
                pdf.savefig(fig)
    finally:
        plt.close("all")
    progress(f"wrote {out}")
    return out


def brief_pages(ds, oat, scenario, rebound: bool, given=None) -> list:
    """The brief's pages as matplotlib figures, footers included (within ``style.RC``)."""
    pages = [_page_summary(ds, oat, given), _page_two(ds, oat), _page_three(ds, rebound)]
    pages += _pages_assumptions(ds, scenario)
    for number, fig in enumerate(pages, 1):
        _footer(fig, ds, number, len(pages))
    return pages


def _page(rows=None, ratios=None):
    """An A4 page laid out by constrained layout, cut into rows of subfigures."""
    fig = plt.figure(figsize=A4, layout="constrained")
    fig.get_layout_engine().set(w_pad=MARGIN * A4[0] / 2, h_pad=0.35, hspace=0.02)
    if rows is None:
        return fig, []
    return fig, list(np.atleast_1d(fig.subfigures(rows, 1, height_ratios=ratios)))


def _footer(fig, ds, number: int, pages: int) -> None:
    fig.text(MARGIN, 0.012, style.source_line(ds), fontsize=6.5, color="#444444")
    fig.text(1 - MARGIN, 0.012, f"page {number} of {pages}", fontsize=6.5, color="#444444", ha="right")


def _heading(sub, text: str, y: float = 0.5) -> None:
    sub.text(MARGIN, y, text, fontsize=13, weight="bold", va="center")


def _chart(sub, ds, kind):
    with style.drawn_into([sub]):
        plot_figure(ds, kind)


def summary_text(ds, oat, given=None) -> str:
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
        top = given.pawn_median.to_series().sort_values(ascending=False).index[:3]
        text += (f" Among the draws kept, those that most shape it (PAWN indices over the draws) are "
                 + ", ".join(f"the {registry.label(str(p))}" for p in top) + ".")
    if int(a.get("rejected_draws", 0)):
        # the years observed, as the result's title gives them (sim.results.title)
        span = re.search(r"calibrated to \d+ observations \((\d{4}(?:-\d{4})?)\)", str(a.get("title", "")))
        text += (f" The draws are those of {int(a.get('candidates', 0)):,} that reproduce the observed "
                 + (f"{span.group(1)} " if span else "") + "figures the scenario names (history matching).")
    return text


def _page_summary(ds, oat, given=None):
    a = ds.attrs
    title = lines(a.get("title", a["scenario"]), 15, bold=True)
    comment = lines(a.get("comment", ""), 7.5)
    summary = lines(summary_text(ds, oat, given), 9)
    years = [int(y) for y in np.atleast_1d(a["key_years"])]
    rows = [("year", "median TWh", "90 % range TWh", "facility GW (median)")]
    for y in years:
        e = ds.energy.sel(year=y)
        rows.append((str(y), f"{float(e.median()):,.1f}", f"{float(e.quantile(0.05)):,.1f} – {float(e.quantile(0.95)):,.1f}",
                     f"{float(ds.facility_power.sel(year=y).median()):,.1f}"))
    # the header's height, in inches, from what it holds: no gap under it
    blocks = [(title, 15 / 72 * 1.25, 0.1), (comment, 7.5 / 72 * 1.3, 0.15), (summary, 9 / 72 * 1.4, 0.2),
              ([""] * len(rows), 9 / 72 * 1.6, 0.1)]
    height = 0.3 + sum(len(lines) * step + gap for lines, step, gap in blocks)
    fig, (head, fan) = _page(2, [height, A4[1] - height - 0.6])
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
    _chart(fan, ds, "fan")
    return fig


def _page_two(ds, oat):
    fig, (head, generations, tornado) = _page(3, [0.04, 0.44, 0.52])
    _heading(head, "Where the electricity goes, and what moves it")
    _chart(generations, ds, "generations")
    _chart(tornado, oat, "tornado")
    return fig


def _page_three(ds, rebound: bool):
    if rebound:
        fig, (head, context, chart) = _page(3, [0.04, 0.44, 0.52])
        _heading(head, "In context, and the Jevons rebound")
        _chart(context, ds, "context")
        _chart(chart, ds, "rebound")
        return fig
    fig, (head, context, notes) = _page(3, [0.04, 0.62, 0.34])
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


ROWS_PER_PAGE = 90   # the most lines of the assumptions table on a page
# the table's columns: where each starts (share of the text width); every cell is wrapped to its
# column's width as the font measures its text (nothing cut, nothing running into the next)
COLUMNS = (0.0, 0.22, 0.41, 0.59)
SIZES = (6.2, 5.4, 6.2, 6.2)            # points; the key (column 1) in monospace
GUTTER = 6.0                            # points between columns
SLACK = 1.03                            # a measured width's margin (hinting at 200 dpi and more)
LINE = 0.0125        # of the page's height, per line, when they are fewer
AIR = 0.35           # lines of air after each row of the table


def column_widths() -> list[float]:
    """Each column's width for text, in points."""
    text = (1 - 2 * MARGIN) * A4[0] * 72
    edges = COLUMNS + (1.0,)
    return [(edges[j + 1] - edges[j]) * text - GUTTER for j in range(len(COLUMNS))]


class Measure:
    """Widths of text as the page's fonts draw it in the PDF, in points: the glyphs' outlines
    (matplotlib's ``TextToPath``), unhinted as vector text is, and :data:`SLACK` wider for
    the hinting of a page rendered at a screen's resolution."""

    def __init__(self):
        self.outlines = TextToPath()
        with plt.rc_context(style.RC):
            self.fonts = {False: FontProperties(), True: FontProperties(family="monospace")}

    def width(self, text: str, size: float, mono: bool = False, bold: bool = False) -> float:
        font = self.fonts[mono].copy()
        font.set_size(size)
        if bold:
            font.set_weight("bold")
        return self.outlines.get_text_width_height_descent(text, font, ismath=False)[0] * SLACK

    def wrap(self, pieces: list[str], joiner: str, limit: float, size: float, mono: bool = False,
             bold: bool = False) -> list[str]:
        """``pieces`` (words, or a key's parts) joined by ``joiner`` over lines no wider than
        ``limit`` points, greedily; a piece wider than a line is broken where it must."""
        def fits(text):
            return self.width(text, size, mono, bold) <= limit

        lines = [""]
        for piece in pieces:
            candidate = lines[-1] + joiner + piece if lines[-1] else piece
            if fits(candidate):
                lines[-1] = candidate
                continue
            if lines[-1]:
                lines.append("")
            while not fits(piece):
                cut = max([1] + [i for i in range(1, len(piece) + 1) if fits(piece[:i])])
                lines[-1], piece = piece[:cut], piece[cut:]
                lines.append("")
            lines[-1] = piece
        return [line for line in lines if line] or [""]


TEXT_WIDTH = (1 - 2 * MARGIN) * A4[0] * 72      # points between the page's margins


def lines(text: str, size: float, width: float = TEXT_WIDTH, bold: bool = False) -> list[str]:
    """Running text over lines that fit ``width`` points at ``size`` as the page's font draws it."""
    return _measure().wrap(text.split(), " ", width, size, bold=bold) if text.strip() else []


@functools.cache
def _measure() -> "Measure":
    return Measure()


def _wrap_key(key: str, limit: float, measure: Measure) -> list[str]:
    """A dotted key over lines no wider than ``limit`` points, broken after its dots (a part
    longer than a line is broken where it must); the lines joined give the key back."""
    parts = [p + "." for p in key.split(".")]
    parts[-1] = parts[-1][:-1]
    return measure.wrap(parts, "", limit, SIZES[1], mono=True)


def _wrap(text: str, limit: float, size: float, measure: Measure) -> list[str]:
    """Words over lines no wider than ``limit`` points, hyphenated words kept whole."""
    return measure.wrap(text.split(), " ", limit, size)


def assumption_rows(scenario) -> list[tuple[list[str], ...]]:
    """One row a number the model uses: its words, key, value and units, and source, each cell
    wrapped to its column's width (:func:`column_widths`) and nothing cut."""
    found = sources(scenario)
    measure, widths = Measure(), column_widths()
    rows = []
    for key, dist in scenario.parameters.items():
        units = registry.human_units(registry.spec(key).units)
        value = _compact(dist) + (f" {units}" if units else "")
        rows.append((_wrap(registry.label(key), widths[0], SIZES[0], measure), _wrap_key(key, widths[1], measure),
                     _wrap(value, widths[2], SIZES[2], measure), _wrap(found[key], widths[3], SIZES[3], measure)))
    return rows


def _paginate(heights: list[float], total_extra: int) -> list[list[int]]:
    """Rows (by their heights in lines) onto as few pages as :data:`ROWS_PER_PAGE` allows, filled
    evenly, a row never split across pages; ``total_extra`` lines (the references) follow."""
    total = sum(heights) + total_extra + 4
    count = max(1, -(-total // ROWS_PER_PAGE))
    target = -(-sum(heights) // count) if heights else 1
    pages, current, filled = [], [], 0
    for i, h in enumerate(heights):
        if current and (filled + h > ROWS_PER_PAGE or (filled >= target and len(pages) < count - 1)):
            pages.append(current)
            current, filled = [], 0
        current.append(i)
        filled += h
    return pages + [current] if current or not pages else pages


def _pages_assumptions(ds, scenario) -> list:
    """Every number the model uses (words, key, distribution, units, source), then the
    scenario's references: as many pages as they need, none half empty, every cell wrapped in
    its column (nothing cut short) and a row never split across pages. Each line's text carries
    its row and column (``gid`` ``"row-<i>-<j>"``)."""
    rows = assumption_rows(scenario)
    heights = [max(len(cell) for cell in row) for row in rows]
    references = [lines(f"{i}. {ref}", 7.5, TEXT_WIDTH - 0.02 * A4[0] * 72) for i, ref in enumerate(scenario.references, 1)]
    extra = sum(len(r) for r in references)
    pages, columns = [], COLUMNS
    head = ("quantity", "key", "value, units", "source (source key or comment)")
    # a row takes its lines and a little air after it: pages are filled and spaced by both
    spans = [h + AIR for h in heights]
    layout = _paginate(spans, extra)
    most = max(sum(spans[i] for i in page) for page in layout) if rows else 1
    step = min(LINE, 0.86 / (most + (extra if len(layout) == 1 else 0) + 6))
    for n, page in enumerate(layout):
        fig, _ = _page()
        fig.text(MARGIN, 0.955, "Assumptions" + (" (continued)" if n else ""), fontsize=13, weight="bold")
        if not n:
            fig.text(MARGIN, 0.935, f"Every number the model uses, from {scenario.name}.toml (sha256 "
                     f"{scenario.sha256[:8]}): its distribution across draws, its units and its source.",
                     fontsize=8, color="#333333")
        y = 0.91
        for j, cell in enumerate(head):
            fig.text(MARGIN + (1 - 2 * MARGIN) * columns[j], y, cell, fontsize=6.8, weight="bold")
        for i in page:
            top = y - step
            for j, cell in enumerate(rows[i]):
                for k, line in enumerate(cell):
                    # parse_math=False: a source's "$5.61 tn" is money, not TeX
                    fig.text(MARGIN + (1 - 2 * MARGIN) * columns[j], top - k * step, line,
                             fontsize=SIZES[j], color="#222222" if j != 1 else "#666666",
                             family="monospace" if j == 1 else None, gid=f"row-{i}-{j}", parse_math=False)
            y = top - (heights[i] - 1) * step - step * AIR     # a little air between rows
        pages.append((fig, y))
    # the references below the last table, or on a page of their own when they do not fit
    fig, y = pages[-1]
    needed = 0.05 + step * sum(len(r) for r in references)
    if y - needed < 0.05:
        fig, _ = _page()
        pages.append((fig, 0.97))
        y = 0.97
    y -= 0.04
    fig.text(MARGIN, y, "References", fontsize=13, weight="bold")
    for ref in references:
        for k, line in enumerate(ref):
            y -= max(step, 0.012)
            fig.text(MARGIN + (0.02 if k else 0), y, line, fontsize=7.5, parse_math=False)
    return [f for f, _ in pages]
