"""One options object for a run: named, defaulted and checked once, shared by the command line,
the Python API and the execution layer."""

from __future__ import annotations

import dataclasses

import pytest
import xarray as xr
from conftest import SCENARIOS

import sim
from sim.errors import InputError
from sim.options import RunOptions, max_workers
from sim.scenario.load import load_scenario

NVIDIA = SCENARIOS / "nvidia_2027.toml"


def test_options_are_frozen_and_an_unknown_setting_names_the_valid_ones():
    opts = RunOptions()
    with pytest.raises(dataclasses.FrozenInstanceError):
        opts.workers = 2
    with pytest.raises(TypeError, match="unknown run setting 'worker'.*workers"):
        RunOptions.of(worker=2)
    assert RunOptions.of(opts, workers=2).workers == 2 and opts.workers == 1


def test_resolved_options_are_filled_from_the_scenario():
    s = load_scenario(NVIDIA)
    opts = RunOptions(out="r.zarr").resolved(s)
    assert (opts.draws, opts.seed, opts.calibrate, opts.fmt) == (s.draws, s.seed, s.calibrate, "zarr")
    assert opts.chunk == 20_000 and RunOptions(chunk_draws=700).resolved(s).chunk == 700
    assert RunOptions(calibrate=False).resolved(s).calibrate is False
    assert RunOptions(rebound=None).resolved(s).rebound is False        # not a demand scenario
    assert RunOptions(out="r", fmt="zarr").resolved(s).fmt == "zarr"    # a name of neither kind: as told


@pytest.mark.parametrize("settings, fragment", [
    ({"workers": 0}, "--workers"), ({"workers": max_workers() + 1}, "--workers"), ({"chunk_draws": 0}, "--chunk-draws"),
    ({"fmt": "csv"}, "--format"), ({"resume": True}, "--resume"), ({"compress": True}, "--format"),
    ({"draws": 10, "max_candidates": 9}, "--max-candidates"), ({"draws": 0}, "--draws"), ({"scheduler": " "}, "--scheduler"),
    ({"fmt": "zarr", "out": "r.nc"}, "--format"), ({"fmt": "netcdf", "out": "r.zarr"}, "--format"),
])
def test_invalid_options_are_one_line_before_any_work(settings, fragment):
    with pytest.raises(InputError) as err:
        RunOptions(**settings).resolved(load_scenario(NVIDIA))
    assert str(err.value).startswith(fragment) and "\n" not in str(err.value)


def test_options_and_keywords_give_the_same_run():
    by_name = sim.run(NVIDIA, draws=60, seed=3, calibrate=False, chunk_draws=25)
    by_object = sim.run(NVIDIA, options=RunOptions(draws=60, seed=3, calibrate=False, chunk_draws=25))
    xr.testing.assert_identical(by_name, by_object)
    # keywords change an options object without touching it
    base = RunOptions(draws=60, seed=3, calibrate=False)
    xr.testing.assert_identical(sim.run(NVIDIA, options=base, chunk_draws=25), by_name)
    assert base.chunk_draws is None
