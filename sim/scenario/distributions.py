"""Parameter distributions: each maps a uniform sample on (0, 1) to a value through its ppf.

A scenario gives every numeric parameter either as a number (a constant) or as a table
such as ``{ dist = "triangular", low = 1.1, mode = 1.2, high = 1.5 }``. This module turns
such a table into a :class:`Distribution`, checks its arguments, and evaluates its
inverse CDF on the uniform draws made by :mod:`sim.sampling`.

Supported families and their keys:

==============  ==========================================  ===========================
``dist``        keys                                        support
==============  ==========================================  ===========================
``constant``    ``value``                                   the value
``uniform``     ``low``, ``high``                           [low, high]
``triangular``  ``low``, ``mode``, ``high``                 [low, high]
``pert``        ``low``, ``mode``, ``high``, [``lambda``]   [low, high] (beta-PERT, λ=4)
``normal``      ``mean``, ``sd``, [``low``], [``high``]     truncated to [low, high]
``lognormal``   ``median``, ``sigma``, [``low``], [``high``] ``sigma`` is the sd of ln x
==============  ==========================================  ===========================

Interval shorthand: ``{ dist = "lognormal", p5 = 4, p95 = 7 }`` (normal or lognormal) is
fitted exactly, so that the 5th and 95th percentiles are the numbers given: for a normal,
``mean = (p5 + p95)/2`` and ``sd = (p95 - p5)/(2 z)``; for a lognormal, ``median =
sqrt(p5 p95)`` and ``sigma = ln(p95/p5)/(2 z)``, with ``z`` the normal 95th percentile.

Any table may carry ``source``, ``note`` and ``confidence`` (``low``, ``medium`` or
``high``); a constant with a source is ``{ value = 6.5, source = "..." }``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..errors import ScenarioError, suggest  # noqa: F401 - suggest is used here and re-exported

# For each family: required keys, optional keys.
FAMILIES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "constant": (("value",), ()),
    "uniform": (("low", "high"), ()),
    "triangular": (("low", "mode", "high"), ()),
    "pert": (("low", "mode", "high"), ("lambda",)),
    "normal": (("mean", "sd"), ("low", "high")),
    "lognormal": (("median", "sigma"), ("low", "high")),
}

# Keys a distribution table may carry beside its arguments (documentation, not maths).
ANNOTATION_KEYS = ("source", "note", "confidence")
CONFIDENCE = ("low", "medium", "high")
# Families that can be given by their 90 % interval: { p5 = .., p95 = .., dist = .. }
INTERVAL_FAMILIES = ("normal", "lognormal")
Z95 = 1.6448536269514722  # standard normal 95th percentile


@dataclass(frozen=True)
class Distribution:
    """A univariate distribution given by family name and arguments.

    Parameters
    ----------
    family : str
        One of :data:`FAMILIES`.
    args : dict
        The family's arguments, already checked.
    annotations : dict
        ``source``/``note`` strings carried along for the record.
    """

    family: str
    args: dict = field(hash=False)
    annotations: dict = field(default_factory=dict, hash=False, compare=False)

    @property
    def is_constant(self) -> bool:
        return self.family == "constant"

    def _frozen(self):
        from scipy import stats  # deferred: 0.5 s, and reading or checking a scenario needs none of it

        a = self.args
        f = self.family
        if f == "uniform":
            return stats.uniform(loc=a["low"], scale=a["high"] - a["low"])
        if f == "triangular":
            width = a["high"] - a["low"]
            return stats.triang(c=(a["mode"] - a["low"]) / width, loc=a["low"], scale=width)
        if f == "pert":
            return stats.beta(*_pert_shapes(a), loc=a["low"], scale=a["high"] - a["low"])
        if f == "normal":
            lo, hi = a.get("low", -math.inf), a.get("high", math.inf)
            return stats.truncnorm((lo - a["mean"]) / a["sd"], (hi - a["mean"]) / a["sd"],
                                   loc=a["mean"], scale=a["sd"])
        if f == "lognormal":
            base = stats.lognorm(s=a["sigma"], scale=a["median"])
            lo, hi = a.get("low", 0.0), a.get("high", math.inf)
            if lo <= 0.0 and hi == math.inf:
                return base
            return _Truncated(base, lo, hi)
        raise AssertionError(f)  # families are checked when the table is read

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Inverse CDF evaluated at uniform draws ``u`` in [0, 1].

        Uniform, triangular, PERT and untruncated lognormal families use scipy's own ppf
        formulas through :mod:`scipy.special` (bit for bit what :mod:`scipy.stats` gives, which
        the tests check), so a run need not import :mod:`scipy.stats` (half a second);
        truncated normals and lognormals use :mod:`scipy.stats`.
        """
        u = np.asarray(u, dtype=float)
        if self.is_constant:
            return np.full(u.shape, float(self.args["value"]))
        closed = _closed_form_ppf(self.family, self.args, u)
        if closed is not None:
            return closed
        return np.asarray(self._frozen().ppf(u), dtype=float)

    def cdf(self, x: float) -> float:
        """P(X <= x)."""
        if self.is_constant:
            return float(x >= self.args["value"])
        frozen = self._frozen()
        return float(frozen.cdf(x)) if hasattr(frozen, "cdf") else float(frozen.base.cdf(x))

    def truncated(self, low: float, high: float) -> "Distribution":
        """The same normal or lognormal, truncated to [low, high] (through the CDF, no rejection)."""
        args = dict(self.args)
        if math.isfinite(low) and (self.family == "normal" or low > 0):
            args["low"] = max(low, args.get("low", -math.inf))
        if math.isfinite(high):
            args["high"] = min(high, args.get("high", math.inf))
        return Distribution(self.family, args, dict(self.annotations))

    def support(self) -> tuple[float, float]:
        """Smallest and largest value the distribution can produce."""
        a = self.args
        if self.is_constant:
            return float(a["value"]), float(a["value"])
        if self.family in ("uniform", "triangular", "pert"):
            return float(a["low"]), float(a["high"])
        if self.family == "normal":
            return float(a.get("low", -math.inf)), float(a.get("high", math.inf))
        return float(max(a.get("low", 0.0), 0.0)), float(a.get("high", math.inf))

    def quantile(self, q: float) -> float:
        """One quantile, as a float (median: ``q = 0.5``)."""
        return float(self.ppf(np.array([q]))[0])

    def describe(self) -> str:
        """Short human-readable form, e.g. ``triangular(low=1.1, mode=1.2, high=1.5)``, numbers as
        a scenario file writes them (``uniform(low=350_000, high=1_400_000)``, not ``1.4e+06``)."""
        if self.is_constant:
            return plain(self.args["value"])
        inner = ", ".join(f"{k}={plain(v)}" for k, v in self.args.items())
        return f"{self.family}({inner})"


def plain(x: float) -> str:
    """A number as TOML and a reader write it: ``0.55``, ``1_500_000``, ``23_456.7`` (digits grouped
    from 10,000, where ``:g`` would soon write an exponent or drop digits)."""
    x = float(x)
    if not (math.isfinite(x) and 1e4 <= abs(x) < 1e15):
        return f"{x:g}"
    if x.is_integer():
        return f"{int(x):_}"
    whole, _, fraction = repr(x).partition(".")      # every digit the float holds
    return f"{int(whole):_}.{fraction}"


def _pert_shapes(a: dict) -> tuple[float, float]:
    """The beta shapes of a PERT (``lambda`` default 4): ``1 + lambda (mode - low) / width`` and
    ``1 + lambda (high - mode) / width``."""
    lam, width = a.get("lambda", 4.0), a["high"] - a["low"]
    return 1 + lam * (a["mode"] - a["low"]) / width, 1 + lam * (a["high"] - a["mode"]) / width


def _closed_form_ppf(family: str, a: dict, q: np.ndarray) -> np.ndarray | None:
    """scipy.stats' ``ppf`` of a uniform, triangular, PERT (beta) or untruncated lognormal, as
    scipy computes it: ``_ppf(q) * scale + loc`` inside (0, 1), the support's ends at 0 and 1;
    ``None`` for the other families."""
    if family in ("uniform", "triangular", "pert") and not a["high"] - a["low"] > 0:
        return np.full(q.shape, np.nan)   # a degenerate range: scipy gives NaN, and so does this
    if family == "uniform":
        loc, scale = a["low"], a["high"] - a["low"]
        inner = q
    elif family == "triangular":
        loc, scale = a["low"], a["high"] - a["low"]
        c = (a["mode"] - a["low"]) / scale
        with np.errstate(invalid="ignore"):
            inner = np.where(q < c, np.sqrt(c * q), 1 - np.sqrt((1 - c) * (1 - q)))
    elif family == "pert":
        from scipy import special  # deferred: reading a scenario (sim check, sim list) needs no scipy

        # the routine scipy.stats.beta's ppf calls (Boost's ibeta_inv); public betaincinv otherwise
        beta_ppf = getattr(special._ufuncs, "_beta_ppf", None) or (lambda q, a, b: special.betaincinv(a, b, q))

        loc, scale = a["low"], a["high"] - a["low"]
        inner = beta_ppf(q, *_pert_shapes(a))
    elif family == "lognormal" and a.get("low", 0.0) <= 0.0 and a.get("high", math.inf) == math.inf:
        from scipy.special import ndtri  # deferred, as above

        loc, scale = 0.0, a["median"]
        inner = np.exp(a["sigma"] * ndtri(q))
    else:
        return None
    low, high = (0.0, math.inf) if family == "lognormal" else (0.0, 1.0)
    out = np.where((q > 0) & (q < 1), inner * scale + loc, np.nan)
    out = np.where(q == 0, low * scale + loc, out)
    return np.asarray(np.where(q == 1, high * scale + loc, out), dtype=float)


class _Truncated:
    """A scipy frozen distribution truncated to [lo, hi] through its CDF."""

    def __init__(self, base, lo: float, hi: float):
        self.base = base
        self.cdf_lo = base.cdf(lo)
        self.cdf_hi = base.cdf(hi)

    def ppf(self, u):
        return self.base.ppf(self.cdf_lo + np.asarray(u) * (self.cdf_hi - self.cdf_lo))


def constant(value: float) -> Distribution:
    """A constant as a :class:`Distribution`."""
    return Distribution("constant", {"value": float(value)})


def _is_number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def from_value(value, file: str | None, key: str) -> Distribution:
    """Read a scenario value (a number or a distribution table) into a :class:`Distribution`.

    Raises
    ------
    ScenarioError
        For a wrong type, an unknown family or key, a missing argument, or arguments that
        do not define a distribution (``low`` above ``high``, a non-positive ``sd``, ...).
    """
    if _is_number(value):
        return constant(value)
    if not isinstance(value, dict):
        raise ScenarioError(file, key, f"expected a number or a distribution table such as "
                            f"{{ dist = \"uniform\", low = 1, high = 2 }}, got {_show(value)}")
    table = dict(value)
    if "dist" not in table and "value" in table:
        table["dist"] = "constant"  # { value = 6.5, source = "..." }
    if "dist" not in table:
        raise ScenarioError(file, key, "distribution table needs a 'dist' key "
                            f"(one of: {', '.join(FAMILIES)})")
    family = table.pop("dist")
    if family not in FAMILIES:
        raise ScenarioError(file, f"{key}.dist", f"unknown distribution '{family}'"
                            + suggest(str(family), FAMILIES))
    annotations = {k: table.pop(k) for k in ANNOTATION_KEYS if k in table}
    for k, v in annotations.items():
        if not isinstance(v, str):
            raise ScenarioError(file, f"{key}.{k}", f"expected a string, got {_show(v)}")
    if "confidence" in annotations and annotations["confidence"] not in CONFIDENCE:
        raise ScenarioError(file, f"{key}.confidence", f"must be one of {', '.join(CONFIDENCE)}, got "
                            f"{annotations['confidence']!r}" + suggest(annotations["confidence"], CONFIDENCE))
    if "p5" in table or "p95" in table:
        table = _from_interval(family, table, file, key)
    required, optional = FAMILIES[family]
    for k in table:
        if k not in required + optional:
            raise ScenarioError(file, f"{key}.{k}", f"unknown key for a {family} distribution"
                                + suggest(k, required + optional))
    for k in required:
        if k not in table:
            raise ScenarioError(file, key, f"{family} distribution needs '{k}' "
                                f"(keys: {', '.join(required + optional)})")
    for k, v in table.items():
        if not _is_number(v):
            raise ScenarioError(file, f"{key}.{k}", f"expected a finite number, got {_show(v)}")
    args = {k: float(table[k]) for k in required + optional if k in table}
    _check_args(family, args, file, key)
    return Distribution(family, args, annotations)


def _from_interval(family: str, table: dict, file, key) -> dict:
    """Fit a normal or lognormal exactly to its 5th and 95th percentiles."""
    if family not in INTERVAL_FAMILIES:
        raise ScenarioError(file, key, f"p5/p95 shorthand works for {' and '.join(INTERVAL_FAMILIES)}, "
                            f"not {family}")
    extra = [k for k in table if k not in ("p5", "p95")]
    if extra:
        raise ScenarioError(file, f"{key}.{extra[0]}", "give either p5 and p95 or the distribution's "
                            "own arguments, not both")
    if "p5" not in table or "p95" not in table:
        raise ScenarioError(file, key, "the interval shorthand needs both p5 and p95")
    p5, p95 = table["p5"], table["p95"]
    for k, v in (("p5", p5), ("p95", p95)):
        if not _is_number(v):
            raise ScenarioError(file, f"{key}.{k}", f"expected a finite number, got {_show(v)}")
    if not p5 < p95:
        raise ScenarioError(file, key, f"p5 ({p5:g}) must be below p95 ({p95:g})")
    if family == "normal":
        return {"mean": (p5 + p95) / 2, "sd": (p95 - p5) / (2 * Z95)}
    if p5 <= 0:
        raise ScenarioError(file, f"{key}.p5", f"a lognormal's p5 must be positive, got {p5:g}")
    return {"median": math.sqrt(p5 * p95), "sigma": math.log(p95 / p5) / (2 * Z95)}


def _check_args(family: str, a: dict, file, key) -> None:
    def fail(msg):
        raise ScenarioError(file, key, msg)

    if "low" in a and "high" in a and not a["low"] < a["high"]:
        fail(f"low ({a['low']:g}) must be below high ({a['high']:g})")
    if family in ("triangular", "pert") and not a["low"] <= a["mode"] <= a["high"]:
        fail(f"mode ({a['mode']:g}) must lie between low ({a['low']:g}) and high ({a['high']:g})")
    if family == "pert" and a.get("lambda", 4.0) <= 0:
        fail(f"lambda must be positive, got {a['lambda']:g}")
    if family == "normal":
        if a["sd"] <= 0:
            fail(f"sd must be positive, got {a['sd']:g}")
    if family == "lognormal":
        if a["median"] <= 0:
            fail(f"median must be positive, got {a['median']:g}")
        if a["sigma"] <= 0:
            fail(f"sigma must be positive, got {a['sigma']:g}")
        if a.get("high", math.inf) <= 0:
            fail(f"high must be positive for a lognormal, got {a['high']:g}")


def _show(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
