"""One style for every figure: A4 text width, colour-blind-safe colours, units on the axes,
and a source line under each figure naming the scenario, its hash and the draws."""

from __future__ import annotations

import math
import textwrap
from contextlib import contextmanager
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib import patheffects

import matplotlib.pyplot as plt  # noqa: E402 - the backend is the user's (the command line picks Agg)
from matplotlib.text import Annotation  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402
from matplotlib.transforms import blended_transform_factory  # noqa: E402

from ... import parameters as registry  # noqa: E402
from ...atomic import writing  # noqa: E402

# Okabe and Ito (2008), distinguishable with the common colour-vision deficiencies
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
# the published figures' colours and markers, one each a source in order of first appearance (the
# bands take the palette's first colour): the fan chart's, and the explorer's (sim.report.explore)
PUBLISHED_COLOURS, PUBLISHED_MARKERS = PALETTE[1:], ["D", "s", "^", "v", "o", "P", "X", "*"]
COMPARE = "#555555"     # another result drawn beside the bands (the explorer's comparison): no source's colour


def sequential(x: float):
    """A colour of a sequential palette (viridis, readable in grey and for colour-blind readers),
    ``x`` in [0, 1]: for more layers than :data:`PALETTE` has colours."""
    return matplotlib.colormaps["viridis"](0.1 + 0.8 * x)
BAND = "#0072B2"
FULL_WIDTH_IN = 6.3     # A4 text width with 2.5 cm margins
HEIGHT_IN = 3.6
FORMATS = ("png", "svg", "pdf")
PAGE_MARGIN = 0.07      # a brief's page margins, left and right, as a share of its width
HALO = [patheffects.withStroke(linewidth=2, foreground="white")]   # text legible over a band
TITLE_X = 0.01          # a chart's title starts there, as a share of its figure's width (a brief's: its margin)

RC = {
    "font.size": 9, "axes.titlesize": 10, "axes.labelsize": 9, "legend.fontsize": 8,
    "xtick.labelsize": 8, "ytick.labelsize": 8, "axes.spines.top": False, "axes.spines.right": False,
    "axes.grid": True, "grid.alpha": 0.3, "grid.linewidth": 0.5, "savefig.dpi": 200,
    "axes.prop_cycle": matplotlib.cycler(color=PALETTE), "figure.dpi": 100,
    "pdf.fonttype": 42, "ps.fonttype": 42, "svg.fonttype": "none",   # text stays text in vector files
}


_INTO: list = []   # subfigures of a brief's page that the next figures are drawn into, in order


@contextmanager
def drawn_into(subfigures):
    """Draw the next figures into these subfigures (of a page laid out by constrained layout),
    one each, in order, instead of into figures of their own: the brief's charts stay vector
    graphics with searchable text."""
    _INTO[:] = list(subfigures)
    try:
        yield
    finally:
        _INTO.clear()


def figure(height: float = HEIGHT_IN, width: float = FULL_WIDTH_IN, **kwargs):
    """A figure and axes in the house style (or the next subfigure of :func:`drawn_into`, with a
    strip below the axes for the source line)."""
    with plt.rc_context(RC):
        if _INTO:
            sub = _INTO.pop(0)
            ax, note = sub.subplots(2, 1, height_ratios=[1, 0.09], **kwargs)
            note.set_axis_off()
            sub.sim_note = note
            return sub, ax
        fig, ax = plt.subplots(figsize=(width, height), **kwargs)
    return detached(fig), ax


def detached(fig):
    """``fig``, let go by pyplot (made by it, so the user's backend can display it): a notebook
    shows it once, as the cell's value, not a second time when pyplot shows the figures it
    holds, and pyplot holds no figure sim made. Save it, or show it as a cell's value."""
    plt.close(fig)
    return fig



def legend_below(ax, **kwargs):
    """A legend under the axes, centred on the figure's width (not the axes', which long labels
    on the left push right): it never covers the data and never reaches past the figure's edge."""
    where = blended_transform_factory(ax.get_figure(root=False).transSubfigure, ax.transAxes)
    return ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), bbox_transform=where, **kwargs)


def short_number(x: float) -> str:
    """A figure in a chart's label, to three significant figures as a reader writes it:
    1.53 million, 15,300, 1,530, 0.485, 0.0000153 (never 1.53e+06)."""
    if not np.isfinite(x):
        return "n/a"
    rounded = float(f"{x:.3g}")   # first, so that 999,960,000 is 1 billion, not 1e+03 million
    for size, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if abs(rounded) >= size:
            return f"{rounded / size:.3g} {word}"
    if abs(rounded) >= 1e3 or not rounded:
        return f"{rounded:,.0f}"
    text = f"{rounded:.{max(0, 2 - math.floor(math.log10(abs(rounded))))}f}"   # three figures, no exponent
    return text.rstrip("0").rstrip(".") if "." in text else text


class ApartAnnotation(Annotation):
    """An annotation that, when drawn, moves up out of the way of the annotations of its group
    drawn before it (in the order they were made): labels of published figures in neighbouring
    years never sit on each other, whatever the layout makes of the axes' scale. It moves by
    its offset in points, so its anchor and arrowless placement are as given."""

    def __init__(self, group: list, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.group, self.base, self.placed = group, tuple(self.xyann), None
        group.append(self)

    def draw(self, renderer):
        if not self.get_visible():
            return
        if self is self.group[0]:
            for other in self.group:
                other.xyann, other.placed = other.base, None
        before = [a.placed for a in self.group[:self.group.index(self)] if a.placed is not None]
        box = self._apart(renderer, before, up=True)
        top = self.axes.get_window_extent(renderer).y1 if self.axes is not None else np.inf
        if box.y1 > top:
            # lifted above the axes, which clip it (a published figure near the top went unread):
            # down into them, beside its point, and below the labels in the way
            self._move(box.y1 - top + 1.0, renderer, up=False)
            box = self._apart(renderer, before, up=False)
        self.placed = box
        super().draw(renderer)

    def _apart(self, renderer, before: list, up: bool):
        """Move up (or down) until clear of the boxes ``before``; return the box then."""
        box = self.get_window_extent(renderer)
        for _ in range(len(before) + 1):
            over = [b for b in before if box.overlaps(b)]
            if not over:
                break
            gap = max(b.y1 for b in over) - box.y0 if up else box.y1 - min(b.y0 for b in over)
            box = self._move(gap + 1.0, renderer, up)
        return box

    def _move(self, pixels: float, renderer, up: bool):
        points = pixels * 72.0 / renderer.dpi
        self.xyann = (self.xyann[0], self.xyann[1] + (points if up else -points))
        return self.get_window_extent(renderer)


def label(name: str, units: str) -> str:
    """'demand.algorithmic_halving_months (months)'; no brackets for a pure number."""
    u = registry.human_units(units)
    return f"{name} ({u})" if u else name


def title(ax, text: str, width: int = 68) -> None:
    """A left-aligned title, wrapped to the figure's width."""

    # from the figure's left edge, not the axes' (which long labels push right), so that a title
    # wrapped to the figure's width stays on it
    heading = ax.set_title("\n".join(textwrap.wrap(text, width)), loc="left")
    fig = ax.get_figure(root=False)
    heading.set_transform(blended_transform_factory(fig.transSubfigure, ax.transAxes))
    heading.set_x(PAGE_MARGIN if hasattr(fig, "sim_note") else TITLE_X)   # a brief's page: its margin


def source_line(ds) -> str:
    """'Source: sim 0.1.0 · scenario nvidia_2027 (sha256 3f2a9c1b) · 1,000 draws, seed 2027'."""
    a = ds.attrs
    sha = str(a.get("scenario_sha256", ""))[:8]
    variant = f" [{a['variant']}]" if a.get("variant") else ""
    parts = [f"Source: sim {a.get('sim_version', '')}", f"scenario {a.get('scenario', '?')}{variant}"
             + (f" (sha256 {sha})" if sha else "")]
    if "draws" in a:
        parts.append(f"{int(a['draws']):,} draws, seed {a.get('seed')}")
    elif "evaluations" in a:
        parts.append(f"{a.get('method')} sweep, {int(a['evaluations']):,} model runs, seed {a.get('seed')}")
    if a.get("overrides"):
        parts.append(f"--set {a['overrides']}")
    return " · ".join(parts)


def finish(fig, ds, note: str = "") -> None:
    """Lay out and add the source line (and a note) under the axes; years ticked whole."""
    for ax in fig.axes:
        if ax.get_xlabel() == "year":   # a narrow panel's ticks fell on 2022.5 (shared axes share it)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    text = source_line(ds) + (f"\n{note}" if note else "")
    if hasattr(fig, "sim_note"):  # a subfigure of a page: the page lays it out
        # from the page's margin (not the axes', which long labels push right), under the axes
        where = blended_transform_factory(fig.transSubfigure, fig.sim_note.transAxes)
        fig.sim_note.text(PAGE_MARGIN, 0.0, "\n".join(textwrap.wrap(source_line(ds), 130) + textwrap.wrap(note, 130)),
                          fontsize=6.5, color="#444444", ha="left", va="bottom", transform=where)
        return
    with plt.rc_context(RC):
        fig.tight_layout(rect=(0, 0.07 if not note else 0.1, 1, 1))
        fig.text(0.01, 0.01, text, fontsize=6.5, color="#444444", ha="left", va="bottom", wrap=True)


def save(fig, path, fmt: str, identity: dict | None = None, force: bool = False) -> Path:
    """Write a figure by :func:`sim.atomic.writing` (temporary file, then rename; never over a
    file sim did not write; ``identity`` says what it shows, ``force`` replaces another)."""

    path = Path(path)
    try:
        with writing(path, identity or {}, force, suffix=f".{fmt}") as tmp, plt.rc_context(RC):
            fig.savefig(tmp, format=fmt, metadata=None if fmt == "png" else {"Creator": "sim"})
    finally:
        plt.close(fig)
    return path
