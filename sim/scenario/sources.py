"""Where each value of a scenario comes from: its ``source`` key, or the comment the file
gives it (on its line, or the comment block directly above a block of key lines), so that
the brief can print a source for every number (:func:`sources`)."""

from __future__ import annotations

from html import escape

from ..parameters import human_units, label, spec


def value_lines(text: str) -> dict[str, int]:
    """Line index of each key written in a scenario's TOML text: ``section.key``, and for
    ``[[generation]]`` tables ``generation.<name>.key``; a year table
    (``anchors = { 2023 = ... }``) gives its line to ``section.table`` (its years share it)."""
    lines, where, section, block = text.splitlines(), {}, None, None
    for i, line in enumerate(lines):
        stripped = line.split("#", 1)[0].strip()
        if stripped.startswith("[["):
            section, block = stripped.strip("[]"), {}
        elif stripped.startswith("["):
            section, block = stripped.strip("[]"), None
        elif "=" in stripped and section is not None:
            key = stripped.split("=", 1)[0].strip().strip('"')
            if block is not None:
                if key == "name":
                    block["name"] = stripped.split("=", 1)[1].strip().strip('"')
                    for k, v in block.pop("pending", {}).items():
                        where[f"{section}.{block['name']}.{k}"] = v
                elif "name" in block:
                    where[f"{section}.{block['name']}.{key}"] = i
                else:
                    block.setdefault("pending", {})[key] = i
            else:
                where[f"{section}.{key}"] = i
    return where


def comment(lines: list[str], index: int) -> str:
    """The comment of the key on line ``index``: the text after ``#`` on its line, else the
    comment block directly above the block of key lines it belongs to ("" if none)."""
    line = lines[index]
    if "#" in line and line.split("#", 1)[1].strip():
        return line.split("#", 1)[1].strip()
    j = index - 1
    while j >= 0 and lines[j].strip() and not lines[j].lstrip().startswith("#"):
        if lines[j].lstrip().startswith("["):
            return ""
        j -= 1
    block = []
    while j >= 0 and lines[j].lstrip().startswith("#"):
        block.insert(0, lines[j].lstrip()[1:].strip())
        j -= 1
    return " ".join(block)


def sources(scenario) -> dict[str, str]:
    """Every parameter of a scenario → where its value comes from: its ``source`` key, else the
    comment the scenario file (or an included file) gives it; a key the files do not write
    holds sim's default (docs/parameters.md), and says so."""
    texts = [scenario.text] + [text for _, text in scenario.included]
    found = {}
    for text in texts:
        lines, where = text.splitlines(), value_lines(text)
        for key in scenario.parameters:
            table_key = key.rsplit(".", 1)[0] if key.rsplit(".", 1)[-1].isdigit() else key
            if key not in found and table_key in where:
                found[key] = comment(lines, where[table_key])
    return {key: dist.annotations.get("source") or found.get(key, DEFAULT) for key, dist in scenario.parameters.items()}


DEFAULT = "not in the scenario file: sim's default (docs/parameters.md)"


def html(scenario) -> str:
    """A scenario in a notebook: the title, and every assumption with its distribution, units
    and source (:func:`sources`)."""
    found = sources(scenario)   # its source key, or the comment the file gives it
    rows = []
    for key, dist in scenario.parameters.items():
        rows.append(f"<tr><td>{escape(label(key))}</td><td><code>{escape(key)}</code></td>"
                    f"<td>{escape(dist.describe())}</td><td>{escape(human_units(spec(key).units))}</td>"
                    f"<td>{escape(str(found[key]))}</td></tr>")
    head = (f"<b>{escape(scenario.name)}</b>: {escape(scenario.title)}<br><small>{escape(repr(scenario))}</small>"
            "<table><tr><th>assumption</th><th>key</th><th>distribution</th><th>units</th><th>source</th></tr>")
    return head + "".join(rows) + "</table>"
