"""The brief's text laid out on A4 pages: running text wrapped as the page's font measures it,
and tables whose every cell wraps in its own column over as many pages as they need (nothing
cut short, a row never split across pages, pages filled evenly).

The brief (:mod:`.brief`) sets what its tables hold; this module only places text.
"""

from __future__ import annotations

import functools

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextToPath

from .plots import style

A4 = (8.27, 11.69)  # inches, portrait
MARGIN = style.PAGE_MARGIN
ROWS_PER_PAGE = 90   # the most lines of a table on a page
GUTTER = 6.0         # points between columns
SLACK = 1.03         # a measured width's margin (hinting at 200 dpi and more)
LINE = 0.0125        # of the page's height, per line, when they are fewer
AIR = 0.35           # lines of air after each row of a table
TEXT_WIDTH = (1 - 2 * MARGIN) * A4[0] * 72      # points between the page's margins


def page(rows=None, ratios=None):
    """An A4 page laid out by constrained layout, cut into rows of subfigures."""
    fig = plt.figure(figsize=A4, layout="constrained")
    fig.get_layout_engine().set(w_pad=MARGIN * A4[0] / 2, h_pad=0.35, hspace=0.02)
    if rows is None:
        return fig, []
    return fig, list(np.atleast_1d(fig.subfigures(rows, 1, height_ratios=ratios)))


def column_widths(columns) -> list[float]:
    """Each column's width for text, in points (``columns``: where each starts, as a share of
    the text width)."""
    edges = tuple(columns) + (1.0,)
    return [(edges[j + 1] - edges[j]) * TEXT_WIDTH - GUTTER for j in range(len(columns))]


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


@functools.cache
def measure() -> Measure:
    return Measure()


def lines(text: str, size: float, width: float = TEXT_WIDTH, bold: bool = False) -> list[str]:
    """Running text over lines that fit ``width`` points at ``size`` as the page's font draws it."""
    return measure().wrap(text.split(), " ", width, size, bold=bold) if text.strip() else []


def wrap(text: str, limit: float, size: float) -> list[str]:
    """Words over lines no wider than ``limit`` points, hyphenated words kept whole."""
    return measure().wrap(text.split(), " ", limit, size)


def wrap_key(key: str, limit: float, size: float) -> list[str]:
    """A dotted key over lines no wider than ``limit`` points (monospace), broken after its dots
    (a part longer than a line is broken where it must); the lines joined give the key back."""
    parts = [p + "." for p in key.split(".")]
    parts[-1] = parts[-1][:-1]
    return measure().wrap(parts, "", limit, size, mono=True)


def paginate(heights: list[float], total_extra: int) -> list[list[int]]:
    """Rows (by their heights in lines) onto as few pages as :data:`ROWS_PER_PAGE` allows, filled
    evenly, a row never split across pages; ``total_extra`` lines (what follows) come after."""
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


def table_pages(title: str, intro: str, head: tuple, rows: list, columns, sizes, gid: str,
                mono: int | None = None, after: list | None = None, after_title: str = "") -> list:
    """A table over as many pages as it needs: ``rows`` of cells, each cell its lines (wrapped to
    its column, :func:`column_widths`), at ``sizes`` points, column ``mono`` in grey monospace;
    every line's text carries its row and column (``gid`` ``"<gid>-<i>-<j>"``). ``after``
    (blocks of lines, under the heading ``after_title``) follows the table, on a page of its own
    when it does not fit. Returns the figures."""
    heights = [max(len(cell) for cell in row) for row in rows]
    extra = sum(len(block) for block in after or [])
    # a row takes its lines and a little air after it: pages are filled and spaced by both
    spans = [h + AIR for h in heights]
    layout = paginate(spans, extra)
    most = max(sum(spans[i] for i in p) for p in layout) if rows else 1
    introduction = lines(intro, 8)     # under the first page's title
    step = min(LINE, (0.86 - 0.013 * len(introduction)) / (most + (extra if len(layout) == 1 else 0) + 6))
    pages = []
    for n, rows_here in enumerate(layout):
        fig, _ = page()
        fig.text(MARGIN, 0.955, title + (" (continued)" if n else ""), fontsize=13, weight="bold")
        # the introduction's lines under the title (the first page's), the table under them
        said = introduction if not n else []
        for k, line in enumerate(said):
            fig.text(MARGIN, 0.935 - k * 0.013, line, fontsize=8, color="#333333")
        y = 0.91 - 0.013 * max(len(said) - 1, 0)
        for j, cell in enumerate(head):
            fig.text(MARGIN + (1 - 2 * MARGIN) * columns[j], y, cell, fontsize=6.8, weight="bold")
        for i in rows_here:
            top = y - step
            for j, cell in enumerate(rows[i]):
                for k, line in enumerate(cell):
                    # parse_math=False: a source's "$5.61 tn" is money, not TeX
                    fig.text(MARGIN + (1 - 2 * MARGIN) * columns[j], top - k * step, line,
                             fontsize=sizes[j], color="#666666" if j == mono else "#222222",
                             family="monospace" if j == mono else None, gid=f"{gid}-{i}-{j}", parse_math=False)
            y = top - (heights[i] - 1) * step - step * AIR     # a little air between rows
        pages.append((fig, y))
    if after:
        fig, y = pages[-1]
        needed = 0.05 + step * extra
        if y - needed < 0.05:
            fig, _ = page()
            pages.append((fig, 0.97))
            y = 0.97
        y -= 0.04
        fig.text(MARGIN, y, after_title, fontsize=13, weight="bold")
        for block in after:
            for k, line in enumerate(block):
                y -= max(step, 0.012)
                fig.text(MARGIN + (0.02 if k else 0), y, line, fontsize=7.5, parse_math=False)
    return [f for f, _ in pages]
