"""A sweep's design: which parameters it moves (:func:`analysed`, groups of them as one factor:
:func:`resolve_groups`), its rows as every parameter's values (:func:`design_values`, through each
distribution's ppf: :func:`through_ppf`), and the coordinates its results carry."""

from __future__ import annotations

from fnmatch import fnmatchcase

import numpy as np

from .. import parameters as registry
from ..errors import InputError, ScenarioError, suggest
from .metrics import Metric


def design_values(scenario, names, rows: np.ndarray) -> dict:
    """All parameters for a design: ``names`` from ``rows`` (n, k), the rest at their medians."""
    n = rows.shape[0]
    values = {key: np.full(n, dist.quantile(0.5)) for key, dist in scenario.parameters.items()}
    for j, key in enumerate(names):
        values[key] = rows[:, j]
    return values


def through_ppf(scenario, names, unit: np.ndarray) -> np.ndarray:
    """Map a unit design (n, k) through each parameter's ppf."""
    return np.column_stack([scenario.parameters[k].ppf(unit[:, j]) for j, k in enumerate(names)]) \
        if names else np.empty((unit.shape[0], 0))


def analysed(scenario, params) -> list[str]:
    uncertain = scenario.uncertain
    if not params:
        if not uncertain:
            raise ScenarioError(scenario.path, None, "no uncertain parameters to analyse: give some "
                                "as distributions, or use --method grid with --param")
        return uncertain
    names = []
    for key in params:
        if key not in scenario.parameters:
            raise InputError("--param", key, "not a parameter of this scenario"
                                + suggest(key, list(scenario.parameters)))
        if key not in uncertain:
            raise InputError("--param", key, "is a constant in this scenario; give it as a "
                                "distribution (--set) to analyse it")
        names.append(key)
    return names


def resolve_groups(names, groups) -> list[tuple[str, list[int]]]:
    """Factors: (label, indices into ``names``). A group takes the keys its patterns match (glob:
    ``power.additions.*``); a key in no group is a factor of its own; one line for a group that
    names no analysed parameter or a key in two groups."""
    if not groups:
        return [(name, [i]) for i, name in enumerate(names)]
    taken, factors = {}, []
    for label, patterns in groups.items():
        patterns = [patterns] if isinstance(patterns, str) else list(patterns)
        members = [i for i, name in enumerate(names) if any(fnmatchcase(name, p) for p in patterns)]
        if not members:
            raise InputError("--group", label, f"names no analysed parameter ({', '.join(patterns)})"
                             + suggest(patterns[0], names))
        twice = [names[i] for i in members if i in taken]
        if twice:
            raise InputError("--group", label, f"{twice[0]} is already in group {taken[members[0]]!r}")
        taken.update({i: label for i in members})
        factors.append((label, members))
    return factors + [(name, [i]) for i, name in enumerate(names) if i not in taken]


def factor_coords(scenario, names, factors) -> dict:
    """The ``parameter`` coordinate of indices by factor: a parameter's own coordinates, or a
    group's label with its members."""
    if all(len(m) == 1 and label == names[m[0]] for label, m in factors):
        return parameter_coords(scenario, [label for label, _ in factors])
    return {
        "parameter": ("parameter", np.array([label for label, _ in factors], dtype=object),
                      {"long_name": "uncertain parameter, or group of parameters (one factor)"}),
        "members": ("parameter", np.array([" ".join(names[i] for i in m) for _, m in factors], dtype=object),
                    {"long_name": "the parameters the factor moves together"}),
    }


def evaluation_coord(n: int) -> dict:
    return {"evaluation": ("evaluation", np.arange(n), {"long_name": "row of the design", "units": "1"})}


def parameter_coords(scenario, names) -> dict:
    dists = [scenario.parameters[k] for k in names]
    return {
        "parameter": ("parameter", np.array(names, dtype=object), {"long_name": "uncertain parameter"}),
        "distribution": ("parameter", np.array([d.describe() for d in dists], dtype=object),
                         {"long_name": "the parameter's distribution in the scenario"}),
        "units": ("parameter", np.array([registry.spec(k).units for k in names], dtype=object),
                  {"long_name": "the parameter's units"}),
    }


def output_dims(metric: Metric):
    """Leading dims of an (s, ...) result: ('year',) for per-year metrics, else ()."""
    return ("year",) if metric.per_year else ()


def squeeze(metric: Metric, array: np.ndarray) -> np.ndarray:
    return array if metric.per_year else array[0]


def salib_problem(scenario, space: str = "native") -> dict:
    """A scenario's uncertain parameters as a SALib ``problem`` dict, to sample and analyse with
    SALib itself (then run the rows with :func:`sim.evaluate`).

    ``space="native"``: each parameter with its own distribution in SALib's terms (``unif``
    [low, high]; ``triang`` [low, high, peak as a fraction]; ``norm`` [mean, sd]; ``truncnorm``
    [low, high, mean, sd]; ``lognorm`` [ln median, sigma]). A distribution SALib does not have
    (PERT, a truncated lognormal) is one line naming it: use ``space="unit"``.

    ``space="unit"``: every parameter uniform on [0, 1], its quantile; :func:`from_unit` maps SALib's
    rows to the values (through each distribution's own ppf, as sim's sweeps do).
    """
    names = list(scenario.uncertain)
    if space == "unit":
        return {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    if space != "native":
        raise InputError(None, "space", f"must be 'native' or 'unit', got {space!r}")
    bounds, dists = [], []
    for key in names:
        d = scenario.parameters[key]
        a, f = d.args, d.family
        if f == "uniform":
            dists.append("unif"), bounds.append([a["low"], a["high"]])
        elif f == "triangular":
            dists.append("triang")
            bounds.append([a["low"], a["high"], (a["mode"] - a["low"]) / (a["high"] - a["low"])])
        elif f == "normal" and "low" not in a and "high" not in a:
            dists.append("norm"), bounds.append([a["mean"], a["sd"]])
        elif f == "normal":
            dists.append("truncnorm")
            bounds.append([a.get("low", -np.inf), a.get("high", np.inf), a["mean"], a["sd"]])
        elif f == "lognormal" and (a.get("low", 0.0) <= 0.0 and a.get("high", np.inf) == np.inf
                                   or "truncated_probability" in d.annotations):
            # (truncated only where sim cut a tail below 1e-6 at the registry's bounds: the same to 1e-6)
            dists.append("lognorm"), bounds.append([float(np.log(a["median"])), a["sigma"]])
        else:
            raise InputError(scenario.path, key, f"{d.describe()} has no SALib distribution; use space=\"unit\" "
                             "and sim.analysis.designs.from_unit to map SALib's rows")
    return {"num_vars": len(names), "names": names, "bounds": bounds, "dists": dists}


def from_unit(scenario, unit: np.ndarray) -> dict:
    """SALib's rows (n, k) of a ``space="unit"`` problem as parameter values for
    :func:`sim.evaluate` (key → (n,)): each column through its distribution's ppf."""
    names = list(scenario.uncertain)
    unit = np.asarray(unit, dtype=float)
    return dict(zip(names, through_ppf(scenario, names, unit).T))
