"""The runner: the one package that runs the model.

Every path that runs :func:`sim.model.simulate` comes through here: :func:`run` (``sim.run``
and ``python -m sim run``), :func:`evaluate_design` (``sim sweep``), ``sim validate`` and
``sim brief``. Work is cut into chunks, of two kinds:

- :class:`DrawRange`: draws ``[start, stop)`` of an ensemble (:func:`simulate_draws`);
- :class:`DesignRows`: rows ``[start, stop)`` of a sweep's design (:func:`simulate_design`).

A chunk's result depends only on the chunk: sampling is organised in fixed stream blocks
(:mod:`sim.sampling`), so results do not depend on the chunk size, the number of local
workers or a Dask cluster. Where chunks run and where results go is :mod:`sim.execution`.

- :mod:`.runs`: :func:`run`, :func:`evaluate` and :func:`evaluate_design`, which cut the work
  into chunks and hand them to :mod:`sim.execution`;
- :mod:`.work`: the units of work and the functions that run one, the only calls of the model;
- :mod:`.calibrated`: a calibrated run's rounds of candidates.
"""

from __future__ import annotations

from ..execution import DEFAULT_CHUNK_DRAWS
from .calibrated import CALIBRATION_CHUNK_DRAWS, MAX_CALIBRATED_DRAWS, PRIOR_COMPARED_DRAWS, PRIOR_SUMMARY_DRAWS
from .runs import evaluate, evaluate_design, run
from .work import (DesignRows, DrawRange, NonFinite, check_finite, ensemble_result, simulate_design, simulate_draws,
                   simulate_values)

__all__ = ["CALIBRATION_CHUNK_DRAWS", "DEFAULT_CHUNK_DRAWS", "DesignRows", "DrawRange", "MAX_CALIBRATED_DRAWS",
           "NonFinite", "PRIOR_COMPARED_DRAWS", "PRIOR_SUMMARY_DRAWS", "check_finite", "ensemble_result", "evaluate",
           "evaluate_design", "run", "simulate_design", "simulate_draws", "simulate_values"]
