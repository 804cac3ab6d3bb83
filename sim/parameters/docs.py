"""``docs/parameters.md``, generated from the registry (a test holds the file to it)."""

from __future__ import annotations

from .inputs import REGISTRY, REQUIRED
from .outputs import OUTPUTS

def outputs_table() -> str:
    """The result variables as a Markdown table (for ``docs/parameters.md``)."""
    lines = ["| variable | dimensions | units | meaning | cell methods |", "|---|---|---|---|---|"]
    for o in OUTPUTS.values():
        lines.append(f"| `{o.name}` | {', '.join(('draw',) + o.dims)} | {o.units} | {o.long_name} | "
                     f"{o.cell_methods or ''} |")
    return "\n".join(lines) + "\n"


def markdown_table() -> str:
    """The registry as a Markdown table (``docs/parameters.md`` is generated from it)."""
    lines = ["| key | kind | units | allowed | default | meaning |",
             "|---|---|---|---|---|---|"]
    for p in REGISTRY:
        if p.kind in ("number", "integer", "choice"):
            allowed = p.range_text()
        else:
            allowed = ""
        if p.default is REQUIRED:
            default = "required"
        elif p.default is None:
            default = "absent"
        else:
            default = f"`{p.default!r}`" if not isinstance(p.default, tuple) else "`[]`"
        lines.append(f"| `{p.key}` | {p.kind} | {p.units or ''} | {allowed} | {default} | {p.meaning} |")
    return "\n".join(lines) + "\n"


DOC_HEADER = """# Scenario parameters

Every key a scenario file may hold, generated from the registry in `sim/parameters/`
(`python -c "import sim.parameters as p; print(p.docs_text(), end='')" > docs/parameters.md`). `number` keys take a constant or a
distribution table (`{ dist = "triangular", low = 1.1, mode = 1.2, high = 1.5 }`; families in
`sim/scenario/distributions.py`: constant, uniform, triangular, pert, normal, lognormal); the whole
support of a distribution must lie in the allowed range. Units are UDUNITS strings; `1` means
a count or a fraction. Sampled parameters appear in a result under the same dotted name.

"""

OUTPUTS_HEADER = """
## Result variables

Every variable a result of `sim run` may hold besides the sampled parameters, generated from
`sim.parameters.OUTPUTS`. Which of them a result holds depends on the scenario (demand mode,
a power queue, a workload mix, carbon intensity, the rebound decomposition).

"""


def docs_text() -> str:
    """The whole of ``docs/parameters.md``."""
    return DOC_HEADER + markdown_table() + OUTPUTS_HEADER + outputs_table()
