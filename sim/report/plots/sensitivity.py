"""Figures from a ``sim sweep`` result: tornado (oat), Sobol bars, heat map (two-parameter grid)."""

from __future__ import annotations

import numpy as np

from ... import parameters as registry
from ...analysis.given_data import DUMMIES, NOISE_LEVEL
from ...analysis.metrics import words
from . import style


def metric_words(ds) -> str:
    """A sweep's metric in words, as the sweep said them (its ``metric_words``; a result written
    before sweeps said them: from the metric's name, :func:`sim.analysis.metrics.words`)."""
    return ds.attrs.get("metric_words") or words(ds.attrs.get("metric"))


def _metric_label(ds) -> str:
    units = {"TW h": "TWh", "GW": "GW", "1": "share"}.get(ds.attrs.get("metric_units"), ds.attrs.get("metric_units"))
    return f"{metric_words(ds)} ({units})"


def _names(ds, index) -> list[str]:
    """Readable names of factors: the registry's words for a key, a group's label as written."""
    return [registry.label(str(ds.parameter.values[i])) for i in index]


def _last_year(v):
    return v.isel(year=-1) if "year" in v.dims else v


def tornado(ds, top: int = 12):
    """One-at-a-time swings, largest on top."""
    low, high = _last_year(ds.metric_low).values[:top], _last_year(ds.metric_high).values[:top]
    base = float(_last_year(ds.metric_base))
    names = _names(ds, range(min(top, ds.sizes["parameter"])))
    fig, ax = style.figure(height=max(2.4, 0.32 * len(names) + 1.4))
    y = np.arange(len(names))[::-1]
    q = ds.attrs.get("quantiles", [0.05, 0.95])
    ax.barh(y, low - base, left=base, color=style.PALETTE[0], label=f"parameter at its {q[0]:g} quantile")
    ax.barh(y, high - base, left=base, color=style.PALETTE[1], label=f"parameter at its {q[1]:g} quantile")
    ax.axvline(base, color="black", lw=0.8)
    ax.set_yticks(y, names)
    ax.set_xlabel(_metric_label(ds))
    style.title(ax, f"What moves {metric_words(ds)} most (one at a time)")
    ax.grid(axis="y", visible=False)
    # under the axis, so that no bar hides behind it
    style.legend_below(ax, ncol=2, frameon=False)
    style.finish(fig, ds, f"Others at their medians; the line is the metric with every parameter at its median ({base:.4g}).")
    return fig


def sobol(ds, top: int = 12):
    """First-order and total Sobol indices with their confidence intervals."""
    total = _last_year(ds.total_order)
    order = np.argsort(-total.values, kind="stable")[:top]
    names = _names(ds, order)
    fig, ax = style.figure(height=max(2.4, 0.32 * len(names) + 1.4))
    y = np.arange(len(names))[::-1]
    for offset, name, colour, label in ((0.18, "first_order", style.PALETTE[0], "first order"),
                                        (-0.18, "total_order", style.PALETTE[1], "total")):
        v = _last_year(ds[name]).values[order]
        lo, hi = _last_year(ds[f"{name}_low"]).values[order], _last_year(ds[f"{name}_high"]).values[order]
        ax.barh(y + offset, v, height=0.36, color=colour, label=label)
        ax.errorbar(v, y + offset, xerr=[np.clip(v - lo, 0, None), np.clip(hi - v, 0, None)], fmt="none",
                    color="black", lw=0.8, capsize=2)
        # a whisker beyond the axis is cut there and marked with an arrowhead
        left = min(0.0, float(np.nanmin(_last_year(ds.first_order_low).values)))
        for edge, beyond, marker in ((1.0, hi > 1.0, ">"), (left, lo < left, "<")):
            ax.plot(np.full(beyond.sum(), edge), (y + offset)[beyond], marker=marker, color="black",
                    linestyle="none", markersize=4, clip_on=False)
    ax.set_yticks(y, names)
    ax.set_xlabel("Sobol index (share of the variance)")
    ax.set_xlim(min(0, float(np.nanmin(_last_year(ds.first_order_low).values))), 1.0)
    style.title(ax, f"Which uncertainty drives {metric_words(ds)}?")
    ax.grid(axis="y", visible=False)
    style.legend_below(ax, ncol=2, frameon=False)
    level = ds.attrs.get("confidence_level", 0.95)
    style.finish(fig, ds, f"Bars: indices; whiskers: {level:.0%} bootstrap intervals (an arrowhead: cut at the axis). "
                          f"Base sample {ds.attrs.get('base_samples')}.")
    return fig


def heatmap(ds):
    """Median metric over a two-parameter grid."""
    med = ds.metric_median
    if "year" in med.dims:
        med = med.isel(year=-1)
    xname, yname = med.dims[1], med.dims[0]
    fig, ax = style.figure(height=3.8)
    mesh = ax.pcolormesh(ds[xname].values, ds[yname].values, med.values, shading="nearest", cmap="viridis")
    for i, yv in enumerate(ds[yname].values):
        for j, xv in enumerate(ds[xname].values):
            v = float(med.values[i, j])
            ax.text(xv, yv, f"{v:.3g}", ha="center", va="center", fontsize=6.5,
                    color="white" if v < float(med.mean()) else "black")
    bar = fig.colorbar(mesh, ax=ax)
    bar.set_label(_metric_label(ds) + ", median")
    ax.set_xlabel(style.label(registry.label(ds[xname].attrs.get("key", xname)), ds[xname].attrs.get("units", "")))
    ax.set_ylabel(style.label(registry.label(ds[yname].attrs.get("key", yname)), ds[yname].attrs.get("units", "")))
    ax.set_xticks(ds[xname].values, [f"{v:.3g}" for v in ds[xname].values])
    ax.set_yticks(ds[yname].values, [f"{v:.3g}" for v in ds[yname].values])
    style.title(ax, f"Median {metric_words(ds)} over the grid")
    ax.grid(False)
    style.finish(fig, ds, f"Each cell: median over {ds.attrs.get('draws_per_point')} draws of the "
                          "other uncertain parameters (the same draws in every cell).")
    return fig


# the main measure of each kind of sweep, with the half-width of its interval where it has one
MEASURES = {"morris": ("mu_star", None, "mu* (mean absolute elementary effect)"),
            "pawn": ("pawn_median", None, "PAWN index (median KS distance over slices)"),
            "delta": ("delta", "delta_conf", "delta (moment-independent index)"),
            "rbd_fast": ("first_order", "first_order_conf", "first-order Sobol index (RBD-FAST)")}


def ranking(ds, top: int = 12):
    """Bars of a Morris or given-data sweep's main measure, largest on top, with its interval."""
    name, conf, words = MEASURES[ds.attrs["method"]]
    value = _last_year(ds[name]).values
    order = np.argsort(-np.nan_to_num(value), kind="stable")[:top]
    names = _names(ds, order)
    fig, ax = style.figure(height=max(2.4, 0.32 * len(names) + 1.2))
    y = np.arange(len(names))[::-1]
    ax.barh(y, value[order], color=style.PALETTE[0])
    if conf is not None:
        ax.errorbar(value[order], y, xerr=_last_year(ds[conf]).values[order], fmt="none", color="black",
                    lw=0.8, capsize=2)
    elif "mu_star_low" in ds:
        v, lo, hi = value[order], _last_year(ds.mu_star_low).values[order], _last_year(ds.mu_star_high).values[order]
        ax.errorbar(v, y, xerr=[np.clip(v - lo, 0, None), np.clip(hi - v, 0, None)], fmt="none", color="black",
                    lw=0.8, capsize=2)
    noise = ""
    if "pawn_noise" in ds:      # what an input that does nothing reaches with these draws
        level = float(ds.pawn_noise)
        ax.axvline(level, color="0.3", ls="--", lw=1)
        ax.axvspan(0, level, color="0.85", zorder=0, lw=0)
        noise = (f"Shaded: up to {level:.3f}, what an input that does nothing reaches with these draws (the "
                 f"{NOISE_LEVEL}th percentile of {DUMMIES} such inputs); a bar inside it is not told apart from noise. ")
    ax.set_yticks(y, names)
    units = ds[name].attrs.get("units", "1")
    ax.set_xlabel(words + ("" if units in ("1", "") else f" ({registry.human_units(units)})"))
    style.title(ax, f"What drives {metric_words(ds)} ({ds.attrs['method']})")
    ax.grid(axis="y", visible=False)
    given = ds.attrs.get("evaluations") == 0
    style.finish(fig, ds, (f"From {ds.attrs.get('draws_analysed', 0):,} draws of an existing result, no model runs. "
                           if given else "") + noise + "Whiskers: 95 % intervals where the method gives them.")
    return fig
