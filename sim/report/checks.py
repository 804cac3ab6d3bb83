"""How a run meets what was observed, in words: the figures it was calibrated to and those held
out of it, each with the model's median (5-95 %) and a verdict (:func:`check_words`), from
:func:`sim.analysis.validation.result_checks`, the function ``sim validate`` prints. The brief's
checks page, the explorer's table and ``sim run``'s summary (:func:`summary_lines`) say them.

No plotting here: ``sim run`` prints these lines without loading matplotlib, from a result read
with h5py (:class:`sim.results.Stored`) or an xarray Dataset alike.
"""

from __future__ import annotations

import textwrap

import numpy as np

from .. import parameters as registry
from ..analysis.validation import result_checks, world_figures
from ..scenario.published import Validation, number

WIDTH = 100   # the terminal's lines


def check_words(ds, scenario, world=None) -> list[dict]:
    """How the run meets what was observed, one figure a dict (:func:`result_checks`): a figure
    it was calibrated to (every kept draw inside its range, as checked here, and what the
    other observations alone predict), then each published figure held out of it, with the
    model's median (5-95 %) and the verdict; a known gap with the scenario's reason. Each:
    ``cells`` (figure, published and its source, model, verdict), ``published`` (the figure
    alone), ``calibrated`` and ``status`` (``within``, ``gap``: outside for the reason the
    scenario states, ``outside``). The brief's checks page and the explorer show them."""
    out = []
    outcomes = result_checks(ds, scenario, world=world, held_out=True)
    if any(o.left_out for o in outcomes):   # the kept draws' simulated figures, read once
        names = [str(x) for x in np.asarray(ds["observation"])]
        observed = np.asarray(ds["observed"])
        low, high = np.asarray(ds["observation_low"]), np.asarray(ds["observation_high"])
    for o in outcomes:
        v = o.validation
        published = v.published_text() + (f" ±{v.tolerance * 100:g} %" if getattr(v, "tolerance", 0) else "")
        model = f"{number(o.median)} ({number(o.p5)} to {number(o.p95)})"
        if o.left_out:
            j = names.index(v.name)
            kept = bool(np.all((observed[:, j] >= low[j]) & (observed[:, j] <= high[j])))
            what = f"{v.label()} (calibrated to it)"
            model = f"the other observations alone: {model}"
            verdict = (("every draw kept lies in its range" if kept else "some draws kept lie outside its range")
                       + ("; the others alone cover it" if o.passed else "; the others alone predict another range"))
            status = "within" if kept else "outside"
        else:
            what = _in_words(v) if isinstance(v, Validation) else v.label()   # an observation has its name
            if o.gap:
                status, verdict = "gap", f"outside, as the scenario says: {v.known_gap}"
            elif v.known_gap:   # met: the scenario's mark is out of date (sim validate fails on it)
                status, verdict = "within", "within, though the scenario calls it a known gap"
            else:
                status = "within" if o.passed else "outside"
                verdict = status + (f" ({o.problem})" if o.problem and not o.passed else "")
        out.append({"cells": (what, f"{published}. {v.source}", model, verdict), "published": published,
                    "calibrated": o.left_out, "status": status})
    return sorted(out, key=lambda w: not w["calibrated"])   # calibrated to first, in their order


def _in_words(v) -> str:
    """A published figure of a ``[[validation]]`` table in words: the registry's long name of its
    quantity, its year (over another), its source's first clause; a re-done calculation says so."""
    year = f"{v.year}" + (f" over {v.relative_to}" if v.relative_to else "")
    words = f"{registry.OUTPUTS[v.quantity].long_name}, {year} ({v.source.split(':')[0]})"
    return words + (" (a published calculation, re-done)" if v.kind == "reproduction" else "")


def summary_lines(ds, scenario) -> list[str]:
    """What ``sim run`` prints of the checks: each published figure held out of the run, with the
    model's median (5-95 %) and the verdict (a known gap with the scenario's reason), and how
    many it meets. The figures it was calibrated to are left to the leave-one-out lines above
    them; held-out world figures of a regional scenario, which need a world run, are counted and
    left to ``sim validate``."""
    held_out = [w for w in check_words(ds, scenario) if not w["calibrated"]]
    left = len(world_figures(scenario))
    if not held_out and not left:
        return []
    lines = ["checked against published figures held out of the run (neither an input nor a calibration target):"]
    for w in held_out:
        figure, _, model, verdict = w["cells"]
        text = f"{w['status'].upper()}: {figure}: published {w['published']}; model {model}; {verdict}"
        lines += textwrap.wrap(text, WIDTH, initial_indent="  ", subsequent_indent="      ")
    met = sum(w["status"] == "within" for w in held_out)
    gaps = sum(w["status"] == "gap" for w in held_out)
    counts = f"{met} of {len(held_out)} within"
    if gaps:
        counts += f"; {gaps} outside for reasons the scenario states"
    if len(held_out) - met - gaps:
        counts += f"; {len(held_out) - met - gaps} outside"
    if left:
        counts += f"; {left} more need a run of the world fleet: sim validate {scenario.name} checks them"
    return lines + textwrap.wrap(counts, WIDTH, initial_indent="  ", subsequent_indent="    ")
