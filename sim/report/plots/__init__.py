"""Figures for policy briefs: ``python -m sim plot RESULT.nc [--kind ...]``.

Each kind says what it needs from a result file; asking for a kind the file cannot give
is a one-line error naming what is missing and how to make it.
"""

from __future__ import annotations

from pathlib import Path

from ...errors import InputError, suggest
from ...atomic import check_kind, check_replaceable, check_writable
from ...results import open_result
from . import discovery, runs, sensitivity, style


# kind: (function, what the file must be or hold, how to get it)
KINDS = {
    "fan": (runs.fan, ("energy",), None, "a result of sim run"),
    "generations": (runs.generations, ("energy_by_generation",), None, "a result of sim run"),
    "regions": (runs.regions, ("energy_by_region",), None, "a run of a scenario with [regions] (iea_2030, lbnl_us_2028)"),
    "region_fans": (runs.region_fans, ("energy_by_region",), None,
                    "a run of a scenario with [regions] (iea_2030, lbnl_us_2028)"),
    "workload": (runs.workload, ("energy_by_workload",), None,
                 "a demand-mode run with a workload mix (demand.inference_share)"),
    "rebound": (runs.rebound, ("rebound", "energy_no_rebound"), None,
                "a demand-mode run with the rebound decomposition (sim run --rebound)"),
    "context": (runs.context, ("energy",), None, "a result of sim run"),
    "tornado": (sensitivity.tornado, ("swing",), "oat", "an OAT sweep (sim sweep SCENARIO --method oat)"),
    "sobol": (sensitivity.sobol, ("first_order", "total_order"), "sobol",
              "a Sobol sweep (sim sweep SCENARIO --method sobol)"),
    "heatmap": (sensitivity.heatmap, ("metric_median",), "grid",
                "a two-parameter grid sweep (sim sweep SCENARIO --method grid --param A=.. --param B=..)"),
    "discovery": (discovery.figure, ("coverage", "box_low", "input_low"), "prim",
                  "a scenario discovery (sim discover RESULT.nc --where ...)"),
    "ranking": (sensitivity.ranking, (), ("morris",) + tuple(k for k in sensitivity.MEASURES if k != "morris"),
                "a Morris sweep, or indices from a result's draws (sim sweep RESULT.nc --method pawn)"),
}


def available(ds) -> list[str]:
    """The kinds a result can be drawn as."""
    return [k for k in KINDS if _missing(ds, k) is None]


def _missing(ds, kind: str) -> str | None:
    _, needs, method, _ = KINDS[kind]
    methods = (method,) if isinstance(method, str) else method
    if method is not None and ds.attrs.get("method") not in methods:
        return f"it is {'a ' + ds.attrs['method'] + ' sweep' if 'method' in ds.attrs else 'a run result'}"
    absent = [n for n in needs if n not in ds]
    if absent:
        return f"it has no {absent[0]}"
    if kind == "heatmap" and ds.metric_median.ndim - ("year" in ds.metric_median.dims) != 2:
        return "the grid does not have two parameters"
    return None


def figure(ds, kind: str, file: str | None = None, references: str | None = None):
    """The matplotlib Figure of one kind (raises InputError when the file cannot give it). For the
    fan chart, ``references`` chooses its published figures: ``"same"`` (default: those that
    count AI servers or AI data centers) or ``"all"`` (all data centers' too)."""
    if kind not in KINDS:
        raise InputError("--kind", None, f"unknown plot kind '{kind}'" + suggest(kind, KINDS))
    problem = _missing(ds, kind)
    if problem:
        raise InputError(file, None, f"cannot draw a {kind} from this file: {problem}; "
                            f"a {kind} needs {KINDS[kind][3]}")
    import matplotlib.pyplot as plt  # deferred: matplotlib loads only when a figure is drawn

    if references is not None:
        runs.check_references(references)
    with plt.rc_context(style.RC):
        if kind == "fan" and references is not None:
            return runs.fan(ds, references)
        return KINDS[kind][0](ds)


def plot_file(path, kinds=None, out_dir=None, fmt: str | None = None, force: bool = False,
              references: str | None = None) -> list[Path]:
    """Draw a result file's figures; return the files written.

    Parameters
    ----------
    path : str or Path
        A result of ``sim run`` or ``sim sweep``.
    kinds : list of str, optional
        Default: every kind the file can give.
    out_dir : str or Path, optional
        Default: the result's folder. Files are named ``<result>-<kind>.<fmt>``. A name that
        ends in a figure format (``tornado.png``) and is not a folder is the file of the one
        figure drawn (its suffix the format); naming one file for several figures is an error.
    fmt : {"png", "svg", "pdf"}, optional
        Default: the file's suffix, else png.
    force : bool
        Replace figures sim drew from another result (never a file sim did not write).
    references : {"same", "all"}, optional
        The fan chart's published figures (:func:`figure`).
    """
    named = _one_file(out_dir, fmt)
    fmt = named.suffix[1:] if named else fmt or "png"
    if fmt not in style.FORMATS:
        raise InputError("--format", None, f"must be one of {', '.join(style.FORMATS)}, got {fmt!r}")
    ds = open_result(path)
    kinds = kinds or available(ds)
    if not kinds:
        raise InputError(str(path), None, "nothing to plot: not a result of sim run or sim sweep")
    if named and len(kinds) > 1:
        raise InputError("--out", str(out_dir), f"names one file, and this result gives {len(kinds)} figures "
                         f"({', '.join(kinds)}): give a folder, or one --kind")
    figures = [(kind, figure(ds, kind, str(path), references)) for kind in kinds]  # every check before any file
    out_dir = Path(out_dir) if out_dir else Path(path).parent
    targets = [(kind, fig, named or out_dir / f"{Path(path).stem}-{kind}.{fmt}") for kind, fig in figures]
    for kind, _, target in targets:  # every figure's path checked before any is written
        check_writable(target)
        check_replaceable(target, {"source": str(path), "kind": kind}, force)
    return [style.save(fig, target, fmt, {"source": str(path), "kind": kind}, force) for kind, fig, target in targets]


# names of image files sim does not draw: taken for a folder, they would make one
IMAGES = ("jpg", "jpeg", "gif", "tif", "tiff", "bmp", "webp", "eps", "ps", "emf")


def _one_file(out, fmt: str | None) -> Path | None:
    """``--out`` as the file of one figure: a name ending in a figure format (``.png``, ``.svg``,
    ``.pdf``) that is not a folder (it was taken for a folder, and a folder ``tornado.png``
    made); a ``--format`` that contradicts its suffix, or a name of another kind of file sim
    writes (``r.csv``, :func:`sim.atomic.check_kind`), is one line."""
    suffix = Path(out).suffix.lower()[1:] if out is not None else ""
    if out is not None and not Path(out).is_dir():
        check_kind(out, tuple(f".{f}" for f in style.FORMATS), "sim plot draws figures, into a folder or one file")
    if suffix in IMAGES and not Path(out).is_dir():
        raise InputError("--out", str(out), f"sim draws figures as {', '.join(style.FORMATS)}, not {suffix}: "
                         f"give a name ending in .png, .svg or .pdf, or a folder")
    if suffix not in style.FORMATS or Path(out).is_dir():
        return None
    if fmt is not None and fmt != suffix:
        raise InputError("--format", None, f"{fmt} contradicts --out {out}: give one, or a name ending in .{fmt}")
    return Path(out)
