"""Fuzzing the boundary: any mutation of a scenario, and odd command-line values, end in a
complete, finite result (exit 0) or in one line and nothing written (exit 2). Never a traceback."""

import contextlib
import io
import math
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from conftest import base_dict, toml_text
from sim.cli import main
from sim.results import open_result

VALUES = st.one_of(
    st.integers(-10**12, 10**12), st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.sampled_from([0, 1, -1, 0.5, 1e-300, 1e300, 2020, 9999, "", "x", "2020-13", "installed_base", True]),
    st.text(max_size=8), st.lists(st.integers(1990, 2100), max_size=3),
    st.fixed_dictionaries({"dist": st.sampled_from(["uniform", "normal", "pert", "nope"]),
                           "low": st.floats(-5, 5), "high": st.floats(-5, 5)}),
)


def leaves(data, prefix=()):
    """Every (path, value) of a nested scenario dict (lists of tables by index)."""
    if isinstance(data, dict):
        for k, v in data.items():
            yield from leaves(v, prefix + (k,))
    elif isinstance(data, list) and data and isinstance(data[0], dict):
        for i, v in enumerate(data):
            yield from leaves(v, prefix + (i,))
    else:
        yield prefix, data


PATHS = [p for p, _ in leaves(base_dict())]


def mutate(data, path, value):
    node = data
    for part in path[:-1]:
        node = node[part]
    if value is None:
        node.pop(path[-1], None) if isinstance(node, dict) else None
    else:
        node[path[-1]] = value


def run(args) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(args)
    return code, err.getvalue()


def check_outcome(code: int, err: str, folder: Path, out: Path) -> None:
    event(f"exit status {code}")
    if code == 0:
        ds = open_result(out)
        for name, var in ds.data_vars.items():
            if var.dtype.kind == "f" and name not in ("fleet_efficiency", "queue_wait"):
                assert np.isfinite(var.values).all(), name
    else:
        assert code == 2, err
        assert err.count("\n") == 1 and err.startswith("sim: error: ") and "Traceback" not in err, err
        assert sorted(p.name for p in folder.iterdir()) == ["s.toml"], list(folder.iterdir())


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(changes=st.lists(st.tuples(st.sampled_from(PATHS), st.one_of(st.none(), VALUES)), min_size=1, max_size=3))
def test_any_scenario_mutation_ends_in_a_result_or_one_line(changes):
    data = base_dict()
    for path, value in changes:
        try:
            mutate(data, path, value)
        except (KeyError, IndexError, TypeError):
            pass
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "s.toml").write_text(toml_text(data))
        out = folder / "deep" / "r.nc"
        code, err = run(["run", str(folder / "s.toml"), "--draws", "4", "--out", str(out), "--quiet"])
        if code == 0:
            assert out.exists()
            check_outcome(code, err, folder, out)
        else:
            check_outcome(code, err, folder, out)


OPTIONS = st.lists(st.sampled_from([
    ["--draws", "0"], ["--draws", "-3"], ["--draws", "3"], ["--seed", "-1"], ["--seed", str(2**40)],
    ["--workers", "0"], ["--chunk-draws", "0"], ["--chunk-draws", "2"], ["--format", "zarr"],
    ["--set", "fleet.pue=0.5"], ["--set", "fleet.pue={dist=\"uniform\", low=1.1, high=1.4}"], ["--set", "nope"],
    ["--set", "fleet.nope=1"], ["--variant", "missing"], ["--rebound"], ["--calibrate"], ["--no-calibrate"],
    ["--scheduler", ""], ["--max-candidates", "0"],
]), min_size=1, max_size=3)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(options=OPTIONS)
def test_any_options_end_in_a_result_or_one_line(options):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "s.toml").write_text(toml_text(base_dict()))
        out = folder / "deep" / ("r.zarr" if ["--format", "zarr"] in options else "r.nc")
        args = ["run", str(folder / "s.toml"), "--out", str(out), "--quiet"] + [a for o in options for a in o]
        if "--draws" not in args:
            args += ["--draws", "4"]
        try:
            code, err = run(args)
        except SystemExit as exit_:  # argparse's own errors
            code, err = exit_.code, "sim: error: usage\n"
        check_outcome(code, err, folder, out)
        assert not math.isnan(code)
