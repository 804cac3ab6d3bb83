"""The result: dimensions, coordinates, units, provenance; and atomic writing.

A result is described once (:class:`Result`, by :func:`describe_result`): the API turns it
into an xarray Dataset, and the command line writes it CF-encoded with h5netcdf and reads
its summary back with h5py (:class:`Stored`), so that a small run never loads xarray.

Variables follow the CF conventions (1.11) so any netCDF tool can read a result: names of
letters, digits and underscores (a scenario key's variable keeps the dotted key in its
``key`` attribute: ``fleet_pue``, key ``fleet.pue``), ``units`` that UDUNITS parses
(``"TW h"``, ``"GW"``, ``"1"``, ``"year-1"``), a ``long_name`` on every variable, and
``standard_name = "realization"`` on ``draw``. Annual variables keep the integer ``year``
dimension (``ds.energy.sel(year=2030)``) and lie on a CF time axis: the auxiliary coordinate
``time(year)`` (mid-year, ``standard_name = "time"``) with ``time_bounds`` from the first
instant of the year to the first of the next, and ``cell_methods`` over ``time`` (``sum``
for electricity in the year, ``mean`` for rates and powers, ``point`` for year-end counts).
The dataset's attributes say how to reproduce it: scenario name and file, the SHA-256 of
the scenario text, the ``--set`` overrides, seed, draws, sampler and version.
"""

from __future__ import annotations

import hashlib
import json
import platform
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np

from . import __version__
from . import parameters as registry
from .atomic import check_size_limit, check_writable, replacing
from .errors import InputError
from .sampling import STREAM_BLOCK_DRAWS
from .scenario.includes import join_included
from .scenario.sources import sources

# --compress: monthly and per-generation floats shrink only by about a third, and zlib writes
# about five times slower than no compression, so it is off by default
ENCODING = {"zlib": True, "complevel": 1, "shuffle": True}



class Result:
    """A result described once, before any library holds it: its variables (dimensions, data,
    attributes), which of them are coordinates, and its global attributes.

    Two consumers read it: :meth:`to_xarray` (the Dataset :func:`sim.run` returns) and
    :meth:`encode` (the CF encoding that netCDF writers store, as xarray's ``to_netcdf`` would
    encode that Dataset: times as days since the start, a ``coordinates`` attribute naming a
    variable's auxiliary coordinates, ``_FillValue`` NaN on floating data variables and none on
    coordinates or bounds, text as variable-length strings). So the command line writes a
    result without loading xarray (and pandas), and the API's Dataset holds the same values.
    """

    def __init__(self, time_units: str):
        self.variables: dict[str, tuple] = {}   # name -> (dims, ndarray, attrs)
        self.coords: list[str] = []
        self.attrs: dict = {}
        self.time_units = time_units             # "days since <start>-01-01"

    def add(self, name: str, dims, data, attrs: dict | None = None, coord: bool = False) -> None:
        self.variables[name] = (tuple(dims), np.asarray(data), dict(attrs or {}))
        if coord and name not in self.coords:
            self.coords.append(name)

    def __contains__(self, name) -> bool:
        return name in self.variables

    def __getitem__(self, name) -> np.ndarray:
        return self.variables[name][1]

    @property
    def sizes(self) -> dict:
        sizes = {}
        for dims, data, _ in self.variables.values():
            sizes.update(zip(dims, data.shape))
        return sizes

    def to_xarray(self):
        """The result as an :class:`xarray.Dataset` (times decoded, the encoding kept)."""
        import xarray as xr  # deferred: xarray and pandas load only where a Dataset is made

        coords = {n: self.variables[n] for n in self.coords}
        data_vars = {n: v for n, v in self.variables.items() if n not in coords}
        ds = xr.Dataset(data_vars, coords=coords)
        for name, (_, data, _) in self.variables.items():
            if data.dtype.kind == "M":   # datetime64
                ds[name].encoding.update({"units": self.time_units, "calendar": "proleptic_gregorian",
                                          "dtype": "float64"})
        no_fill_values(ds)
        ds.attrs = dict(self.attrs)
        return ds

    def encode(self) -> tuple[dict, dict]:
        """The variables and global attributes as a netCDF file stores them (CF-encoded):
        ``{name: (dims, ndarray, attrs)}`` (``attrs`` may hold ``_FillValue``), and the attributes."""
        start = np.datetime64(self.time_units.split("since ")[1], "ns")
        bounds = {a["bounds"] for _, _, a in self.variables.values() if "bounds" in a}
        dimension = {n for n in self.coords if self.variables[n][0] == (n,)}
        auxiliary = [n for n in self.coords if n not in dimension]
        attached, out = set(), {}
        for name, (dims, data, attrs) in self.variables.items():
            attrs = dict(attrs)
            if data.dtype.kind == "M":   # datetime64: days since the start
                data = (data.astype("datetime64[ns]") - start) / np.timedelta64(1, "D")
                if name not in bounds:   # CF: bounds take their variable's units
                    attrs.update({"units": self.time_units, "calendar": "proleptic_gregorian"})
            if name not in self.coords:
                near = sorted(c for c in auxiliary if set(self.variables[c][0]) <= set(dims))
                if near:
                    attrs["coordinates"] = " ".join(near)
                    attached.update(near)
                if data.dtype.kind == "f" and name not in bounds:
                    attrs["_FillValue"] = data.dtype.type(np.nan)
            out[name] = (dims, data, attrs)
        attrs = dict(self.attrs)
        unattached = [c for c in auxiliary if c not in attached]
        if unattached:
            attrs["coordinates"] = " ".join(unattached)
        return out, attrs


def describe_result(scenario, draws: int, seed: int, arrays: dict[str, np.ndarray],
                    samples: dict[str, np.ndarray], first_draw: int = 0) -> Result:
    """The result of a run, described once (:class:`Result`), from full-ensemble arrays.

    Parameters
    ----------
    scenario : sim.scenario.load.Scenario
    draws, seed : int
    arrays : dict
        Output name → array with ``draw`` first (see :data:`sim.parameters.OUTPUTS`).
    samples : dict
        Dotted parameter key → sampled values, shape (draws,).
    first_draw : int
        Index of the arrays' first draw, when they hold a slice of the ensemble (a chunk).
    """
    months = np.arange(f"{scenario.start_year}-01", f"{scenario.end_year + 1}-01",
                       dtype="datetime64[M]").astype("datetime64[ns]")
    starts = np.array([f"{y}-01-01" for y in scenario.years + [scenario.end_year + 1]], dtype="datetime64[ns]")
    time_attrs = {"standard_name": "time", "units_metadata": "leap_seconds: none"}
    out = Result(time_units=f"days since {scenario.start_year}-01-01")
    out.add("draw", ("draw",), first_draw + np.arange(len(next(iter(arrays.values())))),
            {"long_name": "Monte Carlo draw", "units": "1", "standard_name": "realization"}, coord=True)
    out.add("year", ("year",), np.array(scenario.years), {"long_name": "calendar year", "units": "1"}, coord=True)
    out.add("time", ("year",), starts[:-1] + (starts[1:] - starts[:-1]) // 2,
            {**time_attrs, "long_name": "middle of the year", "axis": "T", "bounds": "time_bounds"}, coord=True)
    out.add("generation", ("generation",), np.array(scenario.generation_names, dtype=object),
            {"long_name": "AI server generation"}, coord=True)
    # the monthly series' coordinate is a time (its units say so) but not the dataset's time axis:
    # no standard_name, so that CF tools find one time (``ds.cf["time"]`` is the annual one)
    out.add("month", ("month",), months, {"units_metadata": time_attrs["units_metadata"],
                                          "long_name": "first day of the month"}, coord=True)
    if len(scenario.families) > 1:
        out.add("generation_family", ("generation",), np.array(scenario.generation_families, dtype=object),
                {"long_name": "Accelerator family of the AI server generation"}, coord=True)
        out.add("family", ("family",), np.array([f.name for f in scenario.families], dtype=object),
                {"long_name": "Accelerator family (vendor line)"}, coord=True)
    if scenario.regions:
        out.add("region", ("region",), np.array(scenario.region_names, dtype=object),
                {"long_name": "Region where the AI servers are installed"}, coord=True)
    if "energy_by_workload" in arrays:
        out.add("workload", ("workload",), np.array(["training", "inference"], dtype=object),
                {"long_name": "AI workload"}, coord=True)
    # the year's bounds, from its first instant to the next year's
    out.add("time_bounds", ("year", "bounds"), np.stack([starts[:-1], starts[1:]], axis=1))
    for name, array in arrays.items():
        output = registry.OUTPUTS[name]
        attrs = {"units": output.units, "long_name": output.long_name}
        if output.cell_methods:
            attrs["cell_methods"] = output.cell_methods
        out.add(name, ("draw",) + output.dims, array, attrs)
    found = sources(scenario)   # a value's source key, or the comment its file gives it, or sim's default
    for key, values in samples.items():
        spec = registry.spec(key)
        dist = scenario.parameters[key]
        attrs = {"units": spec.units, "long_name": spec.meaning, "key": key, "distribution": dist.describe()}
        attrs.update({k: v for k, v in dist.annotations.items()})
        attrs["source"] = attrs.get("source") or found[key]
        name = registry.var_name(key)
        if name in out:
            raise InputError(scenario.path, key, f"its result variable {name!r} is also another key's; "
                             "rename the generation so that names differ in more than '.', '+' or '-'")
        if dist.is_constant:
            out.add(name, (), np.float64(dist.args["value"]), attrs)
        else:
            out.add(name, ("draw",), values, attrs)
    out.attrs = provenance(scenario, seed)
    out.attrs.update({
        "draws": int(draws),
        "sampler": scenario.sampler,
        "stream_block_draws": STREAM_BLOCK_DRAWS,
        "accounting": scenario.accounting,
        "scope": scenario.scope,
        "shipments_mode": scenario.mode,
        "key_years": np.array(scenario.key_years, dtype=np.int64),
        "correlations": "; ".join(f"{a} ~ {b}: {r:g}" for a, b, r in scenario.correlations),
        # truncated distributions are sampled through their inverse CDF, never by rejection,
        # and no constraint between parameters rejects a draw: the count is recorded all the same
        "rejected_draws": 0,
    })
    return out


def no_fill_values(ds):
    """Write no ``_FillValue`` on coordinates and cell bounds (CF 2.5.1 and 7.1 forbid it;
    xarray would give every float variable one). Changes ``ds``'s encoding in place."""
    bounds = {v.attrs["bounds"] for v in ds.variables.values() if "bounds" in v.attrs}
    for name in set(ds.coords) | (bounds & set(ds.variables)):
        ds[name].encoding["_FillValue"] = None
    return ds


def as_dataset(ds):
    """A :class:`Result` as an :class:`xarray.Dataset`; a Dataset as it is."""
    return ds.to_xarray() if isinstance(ds, Result) else ds


def encoded(ds) -> tuple[dict, dict]:
    """The CF encoding of a :class:`Result` or an :class:`xarray.Dataset`: ``{name: (dims,
    ndarray, attrs)}`` and the global attributes, as ``to_netcdf`` would store them."""
    if isinstance(ds, Result):
        return ds.encode()
    # xarray loads only for a Dataset: the command line writes its results without it
    from xarray.conventions import cf_encoder, encode_dataset_coordinates

    no_fill_values(ds)
    variables, attrs = cf_encoder(*encode_dataset_coordinates(ds))
    return {n: (v.dims, v.values, dict(v.attrs)) for n, v in variables.items()}, attrs


def _version(module: str) -> str:
    """A library's version, without importing it (the command line writes results without xarray)."""
    try:
        return version(module)
    except PackageNotFoundError:
        return ""


def provenance(scenario, seed: int, title: str | None = None) -> dict:
    """The attributes every result file carries (runs and sweeps alike): CF's ``title``,
    ``source`` and ``references``, and how to reproduce it (scenario text and SHA-256, variant,
    ``--set`` overrides, seed, versions of sim and its libraries)."""
    return {
        "Conventions": "CF-1.11",
        "title": title or ((scenario.title or scenario.name) + (f" [{scenario.variant}]" if scenario.variant else "")),
        "source": f"sim {__version__}: SimPy Monte Carlo model of AI-server electricity",
        "references": "; ".join(scenario.references),
        "comment": scenario.description,
        "scenario": scenario.name,
        "scenario_file": scenario.path or "",
        "scenario_sha256": scenario.sha256,
        "variant": scenario.variant or "",
        "overrides": " ".join(scenario.overrides),
        "seed": int(seed),
        "sim_version": __version__,
        "python_version": platform.python_version(),
        "numpy_version": np.__version__,
        "scipy_version": _version("scipy"),
        "simpy_version": _version("simpy"),
        "xarray_version": _version("xarray"),
        "scenario_text": scenario.text,
        "scenario_included": join_included(scenario.included),
    }


PROVENANCE_KEYS = ("Conventions", "title", "source", "references", "comment", "scenario", "scenario_file",
                   "scenario_sha256", "variant", "overrides", "seed", "sim_version", "python_version", "numpy_version",
                   "scipy_version", "simpy_version", "xarray_version", "scenario_text", "scenario_included")


def carried(attrs: dict) -> dict:
    """The provenance of a result, for what is derived from it (a discovery, given-data indices)."""
    return {k: attrs[k] for k in PROVENANCE_KEYS if k in attrs}


def identity(scenario, seed: int, **more) -> dict:
    """What says two results hold the same numbers (an output's record keeps it:
    :func:`sim.atomic.check_replaceable`): the scenario's content, variant, overrides and seed,
    and ``more`` (draws, whether calibrated, a sweep's method, ...)."""
    return {"scenario_sha256": scenario.sha256, "overrides": " ".join(scenario.overrides),
            "variant": scenario.variant or "", "seed": seed, **more}


def stored_attrs(path) -> dict:
    """A result file's global attributes, read without decoding its variables (a netCDF file's
    root attributes through h5py, a Zarr store's from its metadata document): milliseconds,
    where opening it with xarray reads every variable's metadata."""
    path = Path(path)
    if path.is_dir():
        return dict(json.loads((path / ".zattrs").read_text()))
    import h5py  # deferred: h5py loads only where results are read or written

    def plain(v):  # as xarray gives them: text as str, a one-element array as its number
        if isinstance(v, bytes):
            return v.decode()
        if isinstance(v, np.ndarray) and v.size == 1 or isinstance(v, np.generic):
            return v.item() if not isinstance(v.item(), bytes) else v.item().decode()
        return v

    with h5py.File(path, "r") as f:
        return {k: plain(v) for k, v in f.attrs.items()}


class Stored:
    """A netCDF result read with h5py, variable by variable (what the command line prints
    from, without xarray): ``attrs`` as :func:`stored_attrs` gives them, ``name in stored``,
    and ``stored[name]``, the variable's stored values as a numpy array."""

    def __init__(self, path):
        import h5py  # deferred: h5py loads only where results are read or written

        self.path = Path(path)
        self.attrs = stored_attrs(path)
        self.file = h5py.File(path, "r")

    def __contains__(self, name) -> bool:
        return name in self.file

    def __getitem__(self, name) -> np.ndarray:
        data = self.file[name][()]
        return data.astype(str) if data.dtype.kind in "OS" else data

    def close(self) -> None:
        self.file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def default_path(scenario, seed: int | None = None, kind: str | None = None, suffix: str = ".nc",
                 calibrated: bool | None = None) -> Path:
    """Where a result goes unless told:
    ``outputs/<scenario>/<scenario>[-<variant>][-set-<hash>][-prior|-calibrated][-<kind>][-seed<seed>]<suffix>``,
    where ``<hash>`` is 8 hex digits of the ``--set`` overrides' SHA-256, so what-ifs never collide.

    ``calibrated`` says whether the run is calibrated: a run that departs from the scenario's
    own ``calibration.default`` is tagged ``prior`` (``--no-calibrate``) or ``calibrated``, so a
    prior and a calibrated result never share a path. ``kind`` names what the file holds
    besides a run (``sobol``, ``brief``); ``suffix`` is ``.nc``, ``.zarr`` or ``.pdf``.
    """
    changed = f"set-{hashlib.sha256(' '.join(scenario.overrides).encode()).hexdigest()[:8]}" if scenario.overrides else None
    calibration = None
    if calibrated is not None and bool(calibrated) != bool(scenario.calibrate):
        calibration = "calibrated" if calibrated else "prior"
    parts = ([scenario.name] + [p for p in (scenario.variant, changed, calibration, kind) if p]
             + ([f"seed{seed}"] if seed is not None else []))
    return Path("outputs") / scenario.name / ("-".join(parts) + suffix)


def write_netcdf(ds, path, compress: bool = False) -> Path:
    """Write a result (a :class:`Result` or an :class:`xarray.Dataset`) as netCDF4 (h5netcdf)
    to a temporary file beside ``path``, then rename.

    An interrupted write leaves no file at ``path``; a completed one replaces it at once.
    ``compress`` zlib-compresses the variables (:data:`ENCODING`).
    """
    path = check_writable(path)
    if compress:
        ds = as_dataset(ds)
    if isinstance(ds, Result):
        dims = {name: d for name, (d, _, _) in ds.variables.items()}
        check_size_limit(path, sum(data.nbytes for _, data, _ in ds.variables.values()))
    else:
        no_fill_values(ds)
        dims = {name: v.dims for name, v in ds.variables.items()}
        check_size_limit(path, ds.nbytes)
    rows = ds.sizes.get("draw")
    if (not compress and rows is not None and np.array_equal(np.asarray(ds["draw"]), np.arange(rows))
            and all(d[0] == "draw" for d in dims.values() if "draw" in d)):
        # the writer of streamed results: CF-encoded variables written with h5netcdf, without
        # to_netcdf, which imports Dask distributed (0.2 s) wherever Dask is installed
        from .execution.files import preallocate, read_layout, write_rows

        with replacing(path) as tmp:
            preallocate(encoded(ds), ds.sizes, rows, tmp)
            layout = read_layout(tmp)
            write_rows(layout, 0, rows, {name: np.asarray(ds[name]) for name in layout.variables})
        return path
    encoding = {name: dict(ENCODING) for name, var in ds.data_vars.items() if var.ndim > 0} if compress else None
    with replacing(path) as tmp:
        ds.to_netcdf(tmp, engine="h5netcdf", encoding=encoding)
    return path


def open_result(path):
    """Open a result written by :func:`write_netcdf` or as Zarr (loaded into memory)."""
    import xarray as xr  # deferred: xarray and pandas load only where a Dataset is made

    if Path(path).is_dir() and (Path(path) / ".zgroup").exists() or str(path).endswith(".zarr"):
        if not Path(path).exists():
            raise InputError(str(path), None, "no such file")
        try:
            return xr.open_zarr(path).load()
        except Exception as exc:  # noqa: BLE001 - a damaged store is a user-facing problem
            raise InputError(str(path), None, f"not a readable Zarr result: {exc}") from None
    try:
        with xr.open_dataset(path, engine="h5netcdf") as ds:
            return ds.load()
    except FileNotFoundError:
        raise InputError(str(path), None, "no such file") from None
    except OSError as exc:
        raise InputError(str(path), None, f"not a readable netCDF result: {exc}") from None


def write_result(ds, out: Path, fmt: str, compress: bool) -> Path:
    """Write a result built in memory (a :class:`Result` or a Dataset) to ``out`` atomically
    (netCDF or Zarr)."""
    if fmt == "netcdf":
        return write_netcdf(ds, out, compress)
    from .execution.files import ZARR_FORMAT, zarr_text_encoding  # as in write_netcdf: the file side's

    ds = as_dataset(ds)
    no_fill_values(ds)
    with replacing(out, directory=True) as tmp:
        ds.to_zarr(tmp, mode="w", zarr_format=ZARR_FORMAT, consolidated=True, encoding=zarr_text_encoding(ds))
    return out


def title(scenario, calibrate: bool) -> str:
    """A result's title: the scenario's, and, where the scenario has observations to calibrate
    to, whether this result is calibrated to them or is the prior."""
    base = (scenario.title or scenario.name) + (f" [{scenario.variant}]" if scenario.variant else "")
    observed = [o for o in scenario.observations if o.use == "calibrate"]
    if calibrate:
        years = sorted({o.year for o in observed})
        span = f"{years[0]}-{years[-1]}" if len(years) > 1 else f"{years[0]}" if years else ""
        return f"{base}; calibrated to {len(observed)} observations" + (f" ({span})" if span else "")
    return f"{base}; prior, not calibrated" if observed else base


def open_lazily(path, fmt: str = "netcdf"):
    """A result file opened without loading it."""
    import xarray as xr  # deferred: the command line never loads xarray (nor pandas) to run

    if fmt == "zarr":
        return xr.open_zarr(path, chunks=None)
    return xr.open_dataset(path, engine="h5netcdf")


def default_out(scenario, seed: int, fmt: str = "netcdf", calibrate: bool | None = None) -> Path:
    """Where ``sim run`` writes unless told: ``outputs/<scenario>/<scenario>[-<variant>][-prior]-seed<seed>.nc``
    (:func:`sim.results.default_path`)."""
    return default_path(scenario, seed, suffix=".zarr" if fmt == "zarr" else ".nc",
                        calibrated=scenario.calibrate if calibrate is None else calibrate)
