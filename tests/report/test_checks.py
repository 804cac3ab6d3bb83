"""How a run meets what was observed, in words (sim.report.checks): the same words from a result
in memory and from its file read with h5py, every held-out figure said with its verdict, the
counts those verdicts make, and `sim run` printing them."""

import textwrap

import xarray as xr
from conftest import SCENARIOS

import sim
from sim.analysis.validation import result_checks, world_figures
from sim.cli import main
from sim.report.checks import WIDTH, check_words, summary_lines
from sim.results import Stored


def _written(tmp_path, name, *extra):
    out = tmp_path / f"{name}.nc"
    assert main(["run", str(SCENARIOS / f"{name}.toml"), "--draws", "60", "--seed", "3", "--no-calibrate",
                 "--quiet", "--out", str(out), *extra]) == 0
    return out


def test_the_file_read_with_h5py_says_what_the_dataset_says(tmp_path, capsys):
    out = _written(tmp_path, "iea_2030")
    capsys.readouterr()
    scenario = sim.load_scenario(SCENARIOS / "iea_2030.toml")
    with Stored(out) as stored, xr.open_dataset(out) as ds:
        assert check_words(stored, scenario) == check_words(ds, scenario)
        assert summary_lines(stored, scenario) == summary_lines(ds, scenario)


def test_every_held_out_figure_is_said_with_its_verdict_and_counted(tmp_path, capsys):
    scenario = sim.load_scenario(SCENARIOS / "iea_2030.toml")
    ds = sim.run(scenario, draws=60, seed=3, calibrate=False)
    outcomes = [o for o in result_checks(ds, scenario, held_out=True) if not o.left_out]
    lines = summary_lines(ds, scenario)
    assert all(len(line) <= WIDTH for line in lines)
    # each figure's first line is indented by two spaces, its continuations by six
    heads = [line.strip() for line in lines[1:] if line.startswith("  ") and line[2] != " "]
    text = " ".join(line.strip() for line in lines)
    assert len(outcomes) == 8
    # a gap is a miss the scenario states; a known gap met is within (its mark out of date)
    statuses = ["GAP" if o.gap else "WITHIN" if o.passed or o.validation.known_gap else "OUTSIDE"
                for o in outcomes]
    assert [head.split(":")[0] for head in heads[:-1]] == statuses   # the last: the counts
    for o in outcomes:
        if o.gap:   # the scenario's reason, whole: wrapped, never cut
            assert " ".join(textwrap.wrap(o.validation.known_gap, 10_000)) in text
    within, gaps = statuses.count("WITHIN"), statuses.count("GAP")
    outside = len(outcomes) - within - gaps
    assert f"{within} of {len(outcomes)} within" in text
    assert (f"{gaps} outside for reasons the scenario states" in text) == bool(gaps)
    assert (f"; {outside} outside" in text) == bool(outside)


def test_a_regional_run_counts_the_world_figures_it_leaves_to_sim_validate():
    scenario = sim.load_scenario(SCENARIOS / "lbnl_us_2028.toml")
    ds = sim.run(scenario, draws=40, seed=3, calibrate=False)
    text = " ".join(line.strip() for line in summary_lines(ds, scenario))
    left = len(world_figures(scenario))
    assert left > 0
    assert f"{left} more need a run of the world fleet: sim validate lbnl_us_2028 checks them" in text


def test_sim_run_prints_the_checks_unless_quiet(tmp_path, capsys):
    assert main(["run", str(SCENARIOS / "nvidia_2027.toml"), "--draws", "40", "--no-calibrate",
                 "--out", str(tmp_path / "n.nc")]) == 0
    printed = capsys.readouterr().out
    assert "checked against published figures held out of the run" in printed
    assert printed.index("checked against") < printed.index("result: ")
    _written(tmp_path, "nvidia_2027")
    assert "checked against" not in capsys.readouterr().out


def test_the_figures_a_run_was_calibrated_to_come_before_those_held_out_of_it():
    """As the brief's checks page says ("the figures it was calibrated to, then those held out")."""
    scenario = sim.load_scenario(SCENARIOS / "nvidia_2027.toml")
    ds = sim.run(scenario, draws=40, seed=3)
    order = [w["calibrated"] for w in check_words(ds, scenario)]
    assert order == sorted(order, reverse=True) and order.count(True) == sum(o.use == "calibrate" for o in scenario.observations)
    assert order.count(False) >= 5
