"""Fixtures: small scenarios built in code, so each test says what it depends on."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import xarray as xr

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"


def base_dict() -> dict:
    """A small installed-base scenario: two generations, constants everywhere."""
    return {
        "scenario": {"name": "small", "start_year": 2020, "end_year": 2027, "key_years": [2023, 2027]},
        "sampling": {"draws": 50, "seed": 7},
        "shipments": {"anchors": {"2021": 10_000, "2025": 80_000}, "growth_after": 0.1,
                      "growth_before": 0.5, "adoption_ramp_months": 6},
        "fleet": {"lead_time_months": 2, "lifetime_years": 4, "lifetime_stages": 4,
                  "utilisation": 0.7, "pue": 1.2},
        "generation": [
            {"name": "A", "launch": "2020-01", "power_kw": 6.5, "performance": 1.0},
            {"name": "B", "launch": "2022-07", "power_kw": 10.2, "performance": 3.0},
        ],
    }


def merge(data: dict, changes: dict) -> dict:
    """Deep-merge ``changes`` into a copy of ``data`` (a ``None`` value deletes the key)."""
    out = copy.deepcopy(data)
    for key, value in changes.items():
        leaf = "dist" in value or key == "anchors" if isinstance(value, dict) else True
        if not leaf and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        elif value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def toml_text(data: dict) -> str:
    """Serialise a scenario dict to TOML (enough of TOML for these fixtures)."""
    def value(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{k_(k)} = {value(x)}" for k, x in v.items()) + " }"
        if isinstance(v, (list, tuple)):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return repr(v)

    def k_(k):
        k = str(k)
        return k if k.replace("_", "").replace("-", "").isalnum() and not k.isdigit() else f'"{k}"'

    lines = []
    for section, body in data.items():
        if isinstance(body, list):
            for table in body:
                lines.append(f"[[{section}]]")
                lines += [f"{k_(k)} = {value(v)}" for k, v in table.items()]
        else:
            lines.append(f"[{section}]")
            lines += [f"{k_(k)} = {value(v)}" for k, v in body.items()]
    return "\n".join(lines) + "\n"


@pytest.fixture
def make_scenario(tmp_path):
    """Build a Scenario from the base dict plus changes, through a real TOML file."""
    import sim

    def make(changes: dict | None = None, overrides=None, name: str = "small.toml"):
        path = tmp_path / name
        path.write_text(toml_text(merge(base_dict(), changes or {})))
        return sim.load_scenario(path, overrides)

    return make


@pytest.fixture
def write_scenario(tmp_path):
    """Write base dict plus changes to a TOML file and return its path."""
    def write(changes: dict | None = None, name: str = "small.toml", text: str | None = None):
        path = tmp_path / name
        path.write_text(text if text is not None else toml_text(merge(base_dict(), changes or {})))
        return path

    return write


def correlated_scenario(correlations):
    uncertain = {"fleet": {"pue": {"dist": "uniform", "low": 1.1, "high": 1.5},
                           "utilisation": {"dist": "triangular", "low": 0.4, "mode": 0.7, "high": 0.9},
                           "lifetime_years": {"dist": "lognormal", "p5": 4, "p95": 7}},
                 "shipments": {"growth_after": {"dist": "uniform", "low": 0.0, "high": 0.3}}}
    return merge(merge(base_dict(), uncertain), {"correlation": correlations})


STAMP = ("command", "created", "history")


def same(a, b):
    a, b = a.copy(), b.copy()
    for d in (a, b):
        for k in STAMP:
            d.attrs.pop(k, None)
    xr.testing.assert_identical(a, b)


@pytest.fixture(scope="session")
def reference():
    """The in-memory run that every other way of running must reproduce."""
    import sim

    return {"nvidia": sim.run(SCENARIOS / "nvidia_2027.toml", draws=3000, seed=5, calibrate=False), "jevons": sim.run(SCENARIOS / "jevons_2035.toml", draws=500, seed=5, rebound=True)}


# uncertain fleet and shipment inputs over the base scenario (base_dict), for tests of draws
UNCERTAIN = {
    "fleet": {"pue": {"dist": "triangular", "low": 1.1, "mode": 1.2, "high": 1.5},
              "utilisation": {"dist": "uniform", "low": 0.4, "high": 0.9},
              "lifetime_years": {"dist": "uniform", "low": 3, "high": 6},
              "lead_time_months": {"dist": "uniform", "low": 0, "high": 7.5}},
    "shipments": {"adoption_ramp_months": {"dist": "uniform", "low": 1, "high": 24},
                  "growth_after": {"dist": "uniform", "low": -0.2, "high": 0.4}},
}


# a small world fleet (two families, two regions) over base_dict(): tests of the world and its charts
WORLD = {
    "scenario": {"scope": "world"},
    "generation": [
        {"name": "A", "launch": "2020-01", "power_kw": 6.5, "performance": 1.0},
        {"name": "B", "launch": "2022-07", "power_kw": 10.2, "performance": 3.0},
        {"name": "X1", "launch": "2020-01", "power_kw": 2.0, "performance": 0.5, "family": "other"},
        {"name": "X2", "launch": "2023-01", "power_kw": 3.0, "performance": 1.5, "family": "other"},
    ],
    "families": {"other": {"share": {"2021": 0.2, "2025": 0.4}}},
    "regions": {
        "north": {"share": {"2021": 0.7, "2025": 0.5}, "pue": 1.1, "total_electricity": {"2021": 4000},
                  "other_datacenters": {"2021": 100, "2027": 160}, "carbon_intensity": {"2021": 400}},
        "south": {"pue": 1.5, "total_electricity": {"2021": 6000}, "other_datacenters": {"2021": 50},
                  "carbon_intensity": {"2021": 600}},
    },
}


def world(changes=None, uncertain=False):
    """The small world fleet (:data:`WORLD`) as a scenario; ``uncertain``: with uncertain PUE,
    lifetime and growth."""
    import sim.scenario.load

    data = merge(base_dict(), WORLD)
    if uncertain:
        data = merge(data, {"fleet": {"pue": {"dist": "uniform", "low": 1.1, "high": 1.4},
                                      "lifetime_years": {"dist": "uniform", "low": 3, "high": 6}},
                            "shipments": {"growth_after": {"dist": "uniform", "low": -0.1, "high": 0.3}}})
    return sim.scenario.load.from_dict(merge(data, changes or {}), text=toml_text(merge(data, changes or {})))


@pytest.fixture(scope="module")
def cluster():
    """A local Dask cluster of two worker processes, for the tests of one module."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as c:
        yield c


def text_boxes(fig):
    """Each piece of text on a rendered page, with its box in page pixels: the page's own texts
    and those of its subfigures and charts (titles, labels, ticks, legends, annotations)."""
    # deferred: matplotlib only for the tests of figures
    from matplotlib.axes import Axes
    from matplotlib.text import Text

    renderer = fig.canvas.get_renderer()
    undrawn = set()     # tick labels of ticks outside their axis's view: matplotlib does not draw them
    for ax in fig.findobj(lambda a: isinstance(a, Axes)):
        for axis in (ax.xaxis, ax.yaxis):
            low, high = sorted(axis.get_view_interval())
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                if not low - 1e-9 * (high - low) <= tick.get_loc() <= high + 1e-9 * (high - low):
                    undrawn.update((id(tick.label1), id(tick.label2)))
    found = []
    for artist in fig.findobj(lambda a: isinstance(a, Text)):
        if not artist.get_visible() or not artist.get_text().strip() or id(artist) in undrawn:
            continue
        found.append((artist, artist.get_window_extent(renderer)))
    return found
