"""One style for every figure: A4 text width, colour-blind-safe colours, units on the axes,
and a source line under each figure naming the scenario, its hash and the draws."""

from __future__ import annotations

import textwrap
from contextlib import contextmanager
from pathlib import Path

import matplotlib

import matplotlib.pyplot as plt  # noqa: E402 - the backend is the user's (the command line picks Agg)
from matplotlib.transforms import blended_transform_factory  # noqa: E402

from ... import parameters as registry  # noqa: E402
from ...atomic import writing  # noqa: E402

# Okabe and Ito (2008), distinguishable with the common colour-vision deficiencies
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]


def sequential(x: float):
    """A colour of a sequential palette (viridis, readable in grey and for colour-blind readers),
    ``x`` in [0, 1]: for more layers than :data:`PALETTE` has colours."""
    return matplotlib.colormaps["viridis"](0.1 + 0.8 * x)
BAND = "#0072B2"
FULL_WIDTH_IN = 6.3     # A4 text width with 2.5 cm margins
HEIGHT_IN = 3.6
FORMATS = ("png", "svg", "pdf")
PAGE_MARGIN = 0.07      # a brief's page margins, left and right, as a share of its width

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



def label(name: str, units: str) -> str:
    """'demand.algorithmic_halving_months (months)'; no brackets for a pure number."""
    u = registry.human_units(units)
    return f"{name} ({u})" if u else name


def title(ax, text: str, width: int = 68) -> None:
    """A left-aligned title, wrapped to the figure's width."""

    ax.set_title("\n".join(textwrap.wrap(text, width)), loc="left")


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
    """Lay out and add the source line (and a note) under the axes."""
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
