"""CSV export of a result, for readers who use spreadsheets.

A run: a tidy table, one row per variable, year (and generation or workload where the
variable has them), with its units as a reader writes them (``TWh``, ``per year``; a count or a
fraction has none), with the 5th, 25th, 50th, 75th and 95th percentiles over the draws and,
last, what the row is in words (the result's long name; a parameter's label, "US PUE");
sampled parameters get one row each with no year. With ``every_draw``, one row per draw
instead. The monthly series is left out (it is in the netCDF file).

A sweep: one row per point of its main dimensions (a parameter, and the year for per-year
metrics; the grid's parameters for a grid), one column per result on those dimensions
(indices and their intervals, swings, effects, the metric's percentiles). The design and
the metric at each design row are left out (they are in the netCDF file).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

from ..atomic import check_kind, check_writable, writing
from ..errors import InputError
from ..parameters import human_units, label

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
EXTRA_DIMS = ("generation", "workload", "region", "family")


def write_csv(ds, path, every_draw: bool = False, file: str | None = None,
              force: bool = False) -> tuple[Path, int]:
    """Write ``ds`` as CSV to ``path`` (atomically, by :func:`sim.atomic.writing`: never over a
    file sim did not write; over a CSV of another result or other options only with ``force``);
    return the path and the number of rows.

    Raises
    ------
    InputError
        When ``ds`` is not a result of ``sim run`` (it has no ``draw`` dimension), or the
        CSV cannot be written.
    """
    what = {"source": str(file or ""), "every_draw": int(every_draw)}
    check_kind(path, (".csv",), "sim export writes a CSV table")
    check_writable(path)
    if "method" in ds.attrs:
        return write_sweep_csv(ds, path, what, force)
    if "draw" not in ds.dims or "energy" not in ds:
        raise InputError(file, None, "not a result of sim run or sim sweep; export takes the .nc file "
                         "that one of them writes")
    extra = [d for d in EXTRA_DIMS if d in ds.dims]
    header = ["variable", "units", "year", *extra]
    # the table a spreadsheet reader opens says what each row is, in its last column (a script
    # reading the draws has the netCDF file's long names)
    header += ["draw", "value"] if every_draw else [f"p{round(q * 100)}" for q in QUANTILES] + ["meaning"]
    rows = []
    for name, var in ds.data_vars.items():
        if "draw" not in var.dims or "month" in var.dims:
            continue
        units = human_units(var.attrs.get("units", ""))   # as a reader writes them: TWh, per year
        key = var.attrs.get("key", name)   # a scenario key as the user writes it (fleet.pue)
        other = [d for d in var.dims if d != "draw"]
        values = var.transpose(*other, "draw").values.reshape(-1, ds.sizes["draw"])
        labels = _labels(ds, other)
        if every_draw:
            for at, row in zip(labels, values):
                cells = _cells(at, extra)
                rows += [[key, units, *cells, d, _fmt(v)] for d, v in enumerate(row)]
        else:
            qs = np.quantile(values, QUANTILES, axis=1).T
            meaning = label(key) if "key" in var.attrs else var.attrs.get("long_name", "")
            for at, q in zip(labels, qs):
                rows.append([key, units, *_cells(at, extra), *(_fmt(x) for x in q), meaning])

    return _write(path, header, rows, what, force)


def write_sweep_csv(ds, path, what: dict | None = None, force: bool = False) -> tuple[Path, int]:
    """A sweep's results as CSV: one row per point of the main variable's dimensions; then each of
    the sweep's single figures (an OAT's metric at the base point, PAWN's noise level) repeated on
    every row, last, so that a spreadsheet holds what the figures draw."""
    main = {"oat": "swing", "sobol": "total_order", "morris": "mu_star", "grid": "metric_median", "pawn": "pawn_median",
            "delta": "delta", "rbd_fast": "first_order", "prim": "p_value"}.get(ds.attrs["method"])
    if main is None or main not in ds:
        raise InputError(None, None, f"cannot export a {ds.attrs['method']!r} file; sim export takes results of "
                         "sim run, sim sweep and sim discover")
    dims = list(ds[main].dims)
    columns = [name for name, var in ds.data_vars.items() if list(var.dims) == dims]
    single = [name for name, var in ds.data_vars.items() if var.ndim == 0 and var.dtype.kind == "f"]
    labels = _labels(ds, dims)
    units = "units" in ds.coords and dims == ["parameter"]   # each parameter's own units
    header = ([ds[d].attrs.get("key", d) for d in dims] + (["units"] if units else [])
              + [f"{name} ({human_units(ds[name].attrs['units'])})" if human_units(ds[name].attrs.get("units", ""))
                 else name for name in columns + single])
    ones = [_fmt(float(ds[name])) for name in single]
    rows = []
    for i, (at, values) in enumerate(zip(labels, zip(*(ds[name].values.reshape(-1) for name in columns)))):
        rows.append([at[d] if isinstance(at[d], str) else (int(at[d]) if d == "year" else _fmt(at[d]))
                     for d in dims] + ([human_units(str(ds.units.values[i]))] if units else []) + [_fmt(v) for v in values]
                    + ones)
    return _write(path, header, rows, what or {"source": ""}, force)


def _write(path, header: list, rows: list, what: dict, force: bool) -> tuple[Path, int]:
    """Write a header and rows as CSV, atomically; the path and the number of rows."""
    with writing(path, what, force, suffix=".csv") as tmp, open(tmp, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path, len(rows)


def _labels(ds, dims):
    """One dict per row of a variable's non-draw dims (C order)."""
    if not dims:
        return [{}]
    grids = np.meshgrid(*[ds[d].values for d in dims], indexing="ij")
    return [dict(zip(dims, values)) for values in zip(*(g.reshape(-1) for g in grids))]


def _cells(label: dict, extra) -> list:
    return [int(label["year"]) if "year" in label else ""] + [label.get(d, "") for d in extra]


def _fmt(x) -> str:
    return repr(float(x))


def to_ema(ds) -> tuple:
    """A result as the EMA Workbench's ``(experiments, outcomes)``: a pandas DataFrame with one
    row per draw and a column per sampled parameter (its dotted key), plus ``scenario``,
    ``policy`` (the variant, or "none") and ``model`` ("sim"); and a dict of outcomes, each an
    array (draws, years) of a result variable by year (``energy``, ``installed``, ...), as
    ``ema_workbench.analysis`` takes them (PRIM, feature scoring, plotting)."""
    if "draw" not in ds.dims or "energy" not in ds:
        raise InputError(None, None, "not a result of sim run: the EMA Workbench's experiments are its draws")
    columns = {var.attrs["key"]: np.asarray(var.values) for var in ds.data_vars.values()
               if "key" in var.attrs and var.dims == ("draw",)}
    experiments = pd.DataFrame(columns)
    experiments["scenario"] = ds.attrs.get("scenario", "")
    experiments["policy"] = ds.attrs.get("variant") or "none"
    experiments["model"] = "sim"
    outcomes = {name: np.asarray(var.values) for name, var in ds.data_vars.items()
                if var.dims == ("draw", "year")}
    return experiments, outcomes
