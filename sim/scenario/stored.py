"""A scenario from what a result stores: its own text, its included files' texts and its
variant (:func:`sim.results.provenance`), so that a result file says what it was checked
against without the scenario files beside it (the explorer's checks)."""

from __future__ import annotations

import tomllib

from ..errors import ScenarioError
from .includes import split_included
from .load import Scenario, from_dict


def scenario_of_result(attrs: dict) -> Scenario | None:
    """The scenario a result was run from, rebuilt from what the result stores: its text, its
    included files' texts (:func:`sim.results.provenance`) and its variant. ``None`` where it
    stores no text, or was run with ``--set`` overrides (stored joined by spaces, so not
    always as they were given)."""
    text = str(attrs.get("scenario_text", ""))
    if not text or str(attrs.get("overrides", "")).strip():
        return None
    included = split_included(str(attrs.get("scenario_included", "")))
    try:
        return from_dict(tomllib.loads(text), file=str(attrs.get("scenario_file") or "") or None, text=text,
                         variant=str(attrs.get("variant") or "") or None, included=included)
    except (tomllib.TOMLDecodeError, ScenarioError):
        return None
