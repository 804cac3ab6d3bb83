"""The scenario-discovery figure (``sim plot FILE`` of a ``sim discover`` result): the peeling
trajectory's coverage/density trade-off, and the chosen box against each input's range."""

from __future__ import annotations

import matplotlib.pyplot as plt  # the backend is the user's (the command line picks Agg)
import numpy as np

from ... import parameters as registry
from . import style


def figure(ds):
    """The coverage/density trade-off, and the chosen box against each input's range, from a
    discovery's Dataset (:func:`dataset`; ``sim plot FILE``)."""
    kept = [j for j in range(ds.sizes["parameter"])
            if np.isfinite(ds.box_low.values[j]) or np.isfinite(ds.box_high.values[j])]
    coverage, density = ds.attrs["box_coverage"], ds.attrs["box_density"]
    with plt.rc_context(style.RC):
        fig, (left, right) = plt.subplots(1, 2, figsize=(9.0, 3.6), gridspec_kw={"width_ratios": [1, 1.2]})
        style.detached(fig)
        points = left.scatter(ds.coverage.values, ds.density.values, c=ds.restrictions.values, cmap="viridis", s=14)
        left.plot(coverage, density, marker="*", color="crimson", markersize=13, linestyle="none", label="chosen box")
        left.set_xlabel("coverage (share of the cases in the box)")
        left.set_ylabel("density (share of the box that are cases)")
        left.set_xlim(0, 1.02)
        left.set_ylim(0, 1.02)
        fig.colorbar(points, ax=left, label="inputs restricted")
        left.legend(loc="lower left")
        left.set_title("Peeling trajectory")
        if kept:
            names = []
            for i, j in enumerate(kept):
                lo, hi = float(ds.input_low[j]), float(ds.input_high[j])
                blo, bhi = float(ds.box_low[j]), float(ds.box_high[j])
                blo, bhi = (lo if not np.isfinite(blo) else blo), (hi if not np.isfinite(bhi) else bhi)
                span = hi - lo or 1.0
                right.barh(i, 1.0, color="0.88")
                right.barh(i, (bhi - blo) / span, left=(blo - lo) / span, color="crimson", alpha=0.75)
                # the box's range under the input's name, where the layout keeps it on the page
                units = registry.human_units(str(ds.units.values[j]))
                names.append(f"{registry.label(str(ds.parameter.values[j]))}\n"
                             f"{style.short_number(blo)} to {style.short_number(bhi)} {units}".strip())
            right.set_yticks(range(len(kept)), names)
            right.set_xlim(0, 1)
            right.set_xticks([0, 0.5, 1], ["min", "", "max"])
            right.invert_yaxis()
        else:
            right.text(0.5, 0.5, "no significant, stable restriction", ha="center", va="center")
            right.set_axis_off()
        right.set_title(f"Box: coverage {coverage:.0%}, density {density:.0%}")
        fig.suptitle(f"Which inputs lead to {ds.attrs['where']}?", fontsize=10)
        style.finish(fig, ds, "The box's range of each input it restricts (red) against the range drawn (grey).")
    return fig
