"""The command line as a user meets it: results, summaries, and every bad-input path
(one line on stderr naming file and key, exit status 2, no traceback, no result file)."""

import os
import subprocess
import sys
import time

import pytest
from conftest import ROOT, SCENARIOS

from sim.cli import main
from sim.results import open_result
from sim.scenario.load import load_scenario

NVIDIA = SCENARIOS / "nvidia_2027.toml"


def run_cli(capsys, *args):
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_run_writes_result_and_prints_summary(capsys, write_scenario, tmp_path):
    path = write_scenario()
    out = tmp_path / "res" / "small.nc"
    code, stdout, stderr = run_cli(capsys, "run", str(path), "--draws", "20", "--seed", "4", "--out", str(out))
    assert code == 0, stderr
    assert f"result: {out}" in stdout
    assert "p5" in stdout and "p95" in stdout and "2027" in stdout and "2023" in stdout
    ds = open_result(out)
    assert ds.attrs["draws"] == 20 and ds.attrs["seed"] == 4
    assert "python -m sim run" in ds.attrs["history"]


def test_run_default_output_path(capsys, write_scenario, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = write_scenario()
    code, stdout, _ = run_cli(capsys, "run", str(path), "--draws", "5", "--quiet")
    assert code == 0
    assert stdout.strip() == "outputs/small/small-seed7.nc"
    assert (tmp_path / "outputs" / "small" / "small-seed7.nc").exists()


def test_devries_summary_shows_installed_base_comparison(capsys, tmp_path):
    code, stdout, _ = run_cli(capsys, "run", str(SCENARIOS / "devries_2023.toml"), "--draws", "50",
                              "--out", str(tmp_path / "d.nc"))
    assert code == 0
    assert "accumulated as an installed base" in stdout
    assert "2,946,296 servers" in stdout


def test_check_lists_parameters(capsys):
    code, stdout, _ = run_cli(capsys, "check", str(SCENARIOS / "nvidia_2027.toml"))
    assert code == 0
    assert "ok" in stdout and "fleet.pue" in stdout and "pert(" in stdout
    # units as a reader writes them (the brief's), not UDUNITS strings ("year-1", "730 h")
    rows = {line.split()[0]: line for line in stdout.splitlines() if line.startswith("  ")}
    assert rows["shipments.anchors.2023"].endswith("per year") and rows["fleet.lead_time_months"].endswith("months")
    assert rows["fleet.pue"].endswith(")")     # a pure number: no units


def test_set_with_a_distribution(capsys, write_scenario, tmp_path):
    out = tmp_path / "r.nc"
    code, _, err = run_cli(capsys, "run", str(write_scenario()), "--draws", "30", "--out", str(out),
                           "--set", 'fleet.pue={dist="uniform", low=1.1, high=1.4}',
                           "--set", "generation.B.power_kw=12")
    assert code == 0, err
    ds = open_result(out)
    assert ds["fleet_pue"].dims == ("draw",) and float(ds["fleet_pue"].min()) >= 1.1
    assert float(ds["generation_B_power_kw"]) == 12


BAD = [
    # (changes to the base scenario, or raw text), extra args, fragments the message must hold
    ({"fleet": {"peu": 1.2}}, [], ["fleet.peu", "unknown key", "did you mean 'pue'"]),
    ({"flet": {"pue": 1.2}}, [], ["flet", "unknown section", "did you mean 'fleet'"]),
    ({"fleet": {"pue": "high"}}, [], ["fleet.pue", "expected a number or a distribution"]),
    ({"fleet": {"pue": 0.9}}, [], ["fleet.pue", "must be >= 1", "got 0.9"]),
    ({"fleet": {"utilisation": 1.5}}, [], ["fleet.utilisation", "<= 1"]),
    ({"fleet": {"pue": {"dist": "uniform", "low": 1.5, "high": 1.2}}}, [], ["fleet.pue", "low (1.5) must be below high (1.2)"]),
    ({"fleet": {"pue": {"dist": "normal", "mean": 1.2, "sd": 0.1}}}, [], ["fleet.pue", "puts 2.28% of its draws outside", "truncate it"]),
    ({"scenario": {"end_year": 2019}}, [], ["scenario.end_year", "before the start year"]),
    ({"scenario": {"key_years": [2040]}}, [], ["scenario.key_years", "outside"]),
    ({"scenario": {"start_year": "2020"}}, [], ["scenario.start_year", "whole number"]),
    ({"fleet": {"lifetime_stages": 100}}, [], ["fleet.lifetime_stages", "at most 48 stages"]),
    ({"fleet": {"accounting": "installed"}}, [], ["fleet.accounting", "did you mean 'installed_base'"]),
    ({"shipments": {"anchors": {"20x3": 5}}}, [], ["shipments.anchors.20x3", "calendar years"]),
    ({"shipments": {"anchors": {"2023": -5}}}, [], ["shipments.anchors.2023", "> 0 (per year)"]),   # not "year-1"
    ({"generation": [{"name": "A", "launch": "2020-01", "power_kw": -6.5}]}, [], ["generation.A.power_kw", "> 0"]),
    ({"generation": [{"name": "A", "launch": "2020-13", "power_kw": 6.5}]}, [], ["generation.A.launch", "YYYY-MM"]),
    ({"generation": [{"name": "A", "launch": "2020-01", "power_kw": 6.5, "powr_kw": 1}]}, [], ["generation.A.powr_kw", "did you mean 'power_kw'"]),
    ({"generation": [{"name": "B", "launch": "2022-01", "power_kw": 6.5},
                     {"name": "A", "launch": "2020-01", "power_kw": 6.5}]}, [], ["generation.A.launch", "launch order"]),
    ({"generation": [{"name": "A", "launch": "2020-01", "power_kw": 6.5},
                     {"name": "A", "launch": "2021-01", "power_kw": 6.5}]}, [], ["generation.A.name", "listed twice"]),
    ({"generation": [{"name": "A", "launch": "2020-01"}]}, [], ["generation.A.power_kw", "required", "(kW)"]),
    ({}, ["--set", "fleet.pue=0.5"], ["(--set)", "fleet.pue", ">= 1"]),
    ({}, ["--set", "fleet.peu=1.2"], ["(--set)", "fleet.peu", "did you mean 'pue'"]),
    ({}, ["--set", "generation.Z.power_kw=3"], ["generation.Z.power_kw", "no generation named 'Z'"]),
    ({}, ["--set", "fleet.pue"], ["--set", "fleet.pue", "expected section.key=value"]),
    ({}, ["--set", "fleet.pue={dist=}"], ["--set", "fleet.pue", "cannot read value"]),
    ({}, ["--draws", "0"], ["--draws", "whole number >= 1"]),
    ({}, ["--seed", "-1"], ["--seed", ">= 0"]),
    ("[fleet\npue = 1.2\n", [], ["malformed TOML", "line 1", "column"]),
    ("", [], ["scenario.name", "required"]),
]


@pytest.mark.parametrize("changes, extra, fragments", BAD, ids=[str(i) for i in range(len(BAD))])
def test_bad_input_gives_one_line_and_status_2(capsys, write_scenario, tmp_path, changes, extra, fragments):
    path = write_scenario(text=changes) if isinstance(changes, str) else write_scenario(changes)
    out = tmp_path / "out" / "r.nc"
    code, stdout, stderr = run_cli(capsys, "run", str(path), "--draws", "3", "--out", str(out), *extra)
    assert code == 2
    assert stderr.count("\n") == 1 and stderr.startswith("sim: error: "), stderr
    for fragment in fragments:
        assert fragment in stderr, (fragment, stderr)
    assert "Traceback" not in stderr
    assert not out.exists()


@pytest.mark.parametrize("command", ["run", "check", "validate", "brief"])
def test_a_result_given_where_a_scenario_is_read_is_named_a_result(capsys, write_scenario, tmp_path, command):
    """A run's netCDF (or a Zarr store) passed to sim run: it was "more than 1 MB; a scenario file
    is at most 1 MB of TOML" (or "a directory")."""
    result, store = tmp_path / "r.nc", tmp_path / "r.zarr"
    assert main(["run", str(write_scenario()), "--draws", "3", "--out", str(result), "--quiet"]) == 0
    store.mkdir()
    (store / ".zgroup").write_text('{"zarr_format": 2}')
    capsys.readouterr()
    for given, kind in ((result, "netCDF"), (store, "Zarr")):
        code, _, stderr = run_cli(capsys, command, str(given))
        assert code == 2 and stderr.count("\n") == 1, stderr
        assert f"{given}: is a result ({kind}), not a scenario file" in stderr


def test_missing_file(capsys, tmp_path):
    code, _, stderr = run_cli(capsys, "run", str(tmp_path / "nope.toml"))
    assert code == 2 and "nope.toml: no such file" in stderr


def test_check_reports_the_same_errors(capsys, write_scenario):
    code, _, stderr = run_cli(capsys, "check", str(write_scenario({"fleet": {"pue": 0.5}})))
    assert code == 2 and "fleet.pue" in stderr


@pytest.mark.parametrize("where", ["file", "dir"])
def test_unwritable_output_path(capsys, write_scenario, tmp_path, where):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a folder")
    out = blocker / "r.nc" if where == "file" else tmp_path
    code, _, stderr = run_cli(capsys, "run", str(write_scenario()), "--draws", "3", "--out", str(out))
    assert code == 2 and str(out) in stderr and stderr.count("\n") == 1


def test_module_entry_point_exit_status_without_traceback(write_scenario):
    bad = write_scenario({"fleet": {"pue": 0.5}})
    proc = subprocess.run([sys.executable, "-m", "sim", "run", str(bad)], capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [f"sim: error: {bad}: fleet.pue: must be >= 1 and <= 5, got 0.5"]


def test_sim_run_does_not_import_matplotlib():
    # a third of a second of every command's start-up; only figures and the brief need it
    code = "import sys, sim.cli; assert 'matplotlib' not in sys.modules; sim.plot; assert 'matplotlib' in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_sim_run_writes_and_summarises_without_xarray_pandas_or_scipy_stats(tmp_path):
    # the start-up of a small run: the result is CF-encoded and written with h5netcdf and its
    # summary read back with h5py, so none of the heavy stacks loads (a second of imports)
    out = tmp_path / "r.nc"
    code = ("import sys, sim.cli; code = sim.cli.main(['run', 'nvidia_2027', '--draws', '20', '--out', sys.argv[1]]);"
            "heavy = [m for m in ('xarray', 'pandas', 'scipy.stats') if m in sys.modules];"
            "assert code == 0 and not heavy, heavy")
    done = subprocess.run([sys.executable, "-c", code, str(out)], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "energy TWh/yr" in done.stdout and out.exists()
    # and the file is the one the API writes: the same values, coordinates and attributes
    import xarray as xr

    import sim
    api = sim.run("nvidia_2027", draws=20, out=tmp_path / "api.nc")
    cli = open_result(out)
    command = {"command", "created", "history"}
    assert set(cli.attrs) - command == set(api.attrs) - command
    xr.testing.assert_identical(cli.drop_attrs(), api.load().drop_attrs())


@pytest.mark.parametrize("args, fragment", [(["--workers", "0"], "--workers: must be a whole number from 1 to"),
                                            (["--chunk-draws", "0"], "--chunk-draws: must be at least 1"),
                                            (["--batch-draws", "0"], "--chunk-draws: must be at least 1")])
def test_bad_scale_options(tmp_path, capsys, args, fragment):
    assert main(["run", str(NVIDIA), "--draws", "10", "--out", str(tmp_path / "r.nc"), *args]) == 2
    err = capsys.readouterr().err
    assert fragment in err and err.count("\n") == 1 and not (tmp_path / "r.nc").exists()


def test_unreachable_scheduler_is_one_line_and_status_2(tmp_path):
    began = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "sim", "run", str(NVIDIA), "--draws", "100",
                           "--scheduler", "tcp://127.0.0.1:9", "--out", str(tmp_path / "r.nc")],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert lines[-1].startswith("sim: error: --scheduler: tcp://127.0.0.1:9: no Dask scheduler answered")
    assert "Traceback" not in proc.stderr
    assert time.monotonic() - began < 60                  # bounded by the connect timeout
    assert not (tmp_path / "r.nc").exists()


@pytest.mark.parametrize("args", [["run", str(NVIDIA), "--workers", "0"], ["run", str(NVIDIA), "--chunk-draws", "0"],
                                  ["run", str(NVIDIA), "--draws", "0"], ["run", str(NVIDIA), "--scheduler", ""],
                                  ["sweep", str(NVIDIA), "--method", "oat", "--param", "fleet.nope"],
                                  ["sweep", str(NVIDIA), "--method", "sobol", "--samples", "100"],
                                  ["sweep", str(NVIDIA), "--method", "oat", "--workers", "0"]])
def test_a_bad_option_leaves_no_folder_behind(tmp_path, capsys, args):
    out = tmp_path / "new" / "deeper" / "r.nc"
    assert main([*args, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("sim: error: ")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args, fragment", [
    (["run", "x.toml", "--draws", "abc"], "invalid int value: 'abc'"),
    (["run", "x.toml", "--format", "hdf5"], "invalid choice 'hdf5' (valid: netcdf, zarr)"),
    (["sweep", "x.toml", "--method", "sobel"], "did you mean 'sobol'?"),
    (["rnu", "x.toml"], "did you mean 'run'?"),
])
def test_a_usage_error_is_one_line_with_a_suggestion(capsys, args, fragment):
    with pytest.raises(SystemExit) as exit_:
        main(args)
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and err.count("\n") == 1 and fragment in err


def test_results_are_as_readable_as_the_umask_allows(tmp_path, write_scenario, capsys):
    import os
    old = os.umask(0o022)
    try:
        out = tmp_path / "r.nc"
        assert main(["run", str(write_scenario()), "--draws", "5", "--out", str(out), "--quiet"]) == 0
        assert out.stat().st_mode & 0o777 == 0o644
        swept = tmp_path / "s.nc"
        assert main(["sweep", str(write_scenario()), "--method", "grid", "--param", "fleet.pue=1.1:1.3:2",
                     "--draws", "3", "--out", str(swept), "--quiet"]) == 0
        assert swept.stat().st_mode & 0o777 == 0o644
    finally:
        os.umask(old)


@pytest.mark.slow
def test_a_scheduler_that_is_not_dask_is_one_line(tmp_path):
    import socket
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    port = server.getsockname()[1]

    def answer_nonsense():
        server.settimeout(30)
        for _ in range(4):
            try:
                conn, _ = server.accept()
            except OSError:
                return
            conn.sendall(b"HTTP/1.0 200 OK\r\n\r\nhello\xff" * 50)
            conn.close()

    threading.Thread(target=answer_nonsense, daemon=True).start()
    try:
        proc = subprocess.run([sys.executable, "-m", "sim", "run", str(NVIDIA), "--no-calibrate", "--draws", "10",
                               "--scheduler", f"tcp://127.0.0.1:{port}", "--out", str(tmp_path / "r.nc")],
                              cwd=ROOT, capture_output=True, text=True, timeout=120)
    finally:
        server.close()
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith("sim: error: --scheduler:")
    assert not (tmp_path / "r.nc").exists()


@pytest.mark.parametrize("option", ["--out", "--scheduler"])
def test_an_empty_path_or_address_is_refused_not_ignored(tmp_path, capsys, write_scenario, option, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(write_scenario()), "--draws", "5", option, ""]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{option}: is empty" in err
    assert not (tmp_path / "outputs").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_a_read_only_folder_says_so(tmp_path, capsys, write_scenario):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    assert main(["run", str(write_scenario()), "--draws", "5", "--out", str(locked / "r.nc")]) == 2
    assert "is not writable" in capsys.readouterr().err


def test_sim_list_names_every_scenario_of_the_library(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for name in ("nvidia_2027", "devries_2023", "jevons_2035", "iea_2030", "lbnl_us_2028"):
        assert f"{name}: " in out
    # each scenario's variants under it, with what each changes
    iea = out.split("\niea_2030: ")[1].split("\njevons_2035: ")[0].splitlines()
    variants = load_scenario(SCENARIOS / "iea_2030.toml").variants
    assert [line for line in iea if line.startswith("    --variant ")] == [
        f"    --variant {name}: {table['description']}" for name, table in variants.items()]
    assert "--variant" not in out.split("\ndevries_2023: ")[1].split("\niea_2030: ")[0]


def test_a_scenario_runs_by_name_from_anywhere(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)                      # no scenarios/ folder here
    assert main(["run", "devries_2023", "--draws", "5", "--quiet"]) == 0
    assert (tmp_path / "outputs" / "devries_2023").is_dir()
    assert main(["validate", "--draws", "20", "chatgpt_2023"]) == 0
    assert main(["run", "no_such_scenario"]) == 2
    assert "no_such_scenario: no such file" in capsys.readouterr().err
    # a name misspelt gets the library's closest; the library's file named as the project has it
    # (scenarios/nvidia_2027.toml, run outside the project) gets the name that runs it from anywhere
    assert main(["run", "nvida_2027"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no scenario of that name in the library (did you mean 'nvidia_2027'?)" in err
    assert main(["run", "scenarios/nvidia_2027.toml"]) == 2
    assert "no such file; the library's nvidia_2027 runs from anywhere as: sim run nvidia_2027" in capsys.readouterr().err
    assert main(["run", "mine.toml"]) == 2
    assert capsys.readouterr().err.strip().endswith("mine.toml: no such file")


def test_the_scenario_library_is_package_data(tmp_path):
    import zipfile

    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q",
                    "-w", str(tmp_path)], check=True, capture_output=True)
    names = zipfile.ZipFile(next(tmp_path.glob("sim-*.whl"))).namelist()
    assert "sim/scenarios/nvidia_2027.toml" in names and "sim/scenarios/shared/catalogue.toml" in names


def test_a_large_run_says_how_large_its_result_will_be_before_writing(tmp_path, capsys, monkeypatch):
    import re

    import sim.cli

    monkeypatch.setattr(sim.cli, "LARGE_RUN", 500)  # "large", here: a test-sized ensemble
    out = tmp_path / "r.nc"
    assert main(["run", "nvidia_2027", "--no-calibrate", "--draws", "2000", "--out", str(out)]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    megabytes = float(re.search(r"about ([\d,.]+) MB", first).group(1).replace(",", ""))
    assert megabytes == pytest.approx(out.stat().st_size / 1e6, rel=0.05)
    assert main(["run", "nvidia_2027", "--no-calibrate", "--draws", "400", "--out", str(out), "--force"]) == 0
    assert "MB" not in capsys.readouterr().out.splitlines()[0]


def test_a_sweep_names_its_metrics_units_as_a_reader_writes_them(capsys, tmp_path):
    code, stdout, _ = run_cli(capsys, "sweep", str(SCENARIOS / "nvidia_2027.toml"), "--method", "oat",
                              "--metric", "energy:2030", "--out", str(tmp_path / "oat.nc"))
    assert code == 0
    assert stdout.splitlines()[0].startswith("nvidia_2027: oat sensitivity of energy:2030 (TWh), ")
