"""The registry: one row per scenario quantity and one per result variable.

Every key a scenario file may hold is declared here once (:data:`REGISTRY`), with its units,
its allowed range and a one-line meaning; so is every variable a result holds
(:data:`OUTPUTS`: dimensions, units, long name, cell methods). The scenario checks
(:mod:`sim.scenario.load`), the attributes of a result's variables (:mod:`sim.results`), the
quantities a published figure may name (:mod:`sim.scenario.published`) and the tables in
``docs/parameters.md`` (:func:`docs_text`, :mod:`.docs`) are all generated from these tables, so they
cannot drift apart.

Keys are dotted paths as written in TOML and in ``--set``: ``fleet.pue``,
``shipments.anchors.2027``, ``generation.H100.power_kw``. In a pattern, ``<year>`` and
``<name>`` stand for a calendar year and a generation's name. In a result file a key's
variable is named for CF (letters, digits and underscores: :func:`var_name`, ``fleet_pue``)
and keeps the dotted key in its ``key`` attribute.

Only *mechanisms* live in code; the values are assumptions and live in scenario files.
"""

from .docs import docs_text, markdown_table, outputs_table
from .inputs import (ARRAY_SECTIONS, BY_KEY, FREE_SECTIONS, NAMED_SECTIONS, REGISTRY, REQUIRED, SECTIONS,
                     Parameter, named_keys, generation_keys, numeric_keys, section_keys, spec, var_name)
from .outputs import OUTPUTS, Output, count_factor
from .words import HUMAN_UNITS, bracketed, human_units, label, percent

__all__ = ["ARRAY_SECTIONS", "BY_KEY", "count_factor", "FREE_SECTIONS", "HUMAN_UNITS", "NAMED_SECTIONS", "named_keys", "OUTPUTS", "Output", "Parameter", "REGISTRY",
           "REQUIRED", "SECTIONS", "bracketed", "docs_text", "generation_keys", "human_units", "label", "percent", "markdown_table",
           "numeric_keys", "outputs_table", "section_keys", "spec", "var_name"]
