"""The PDF brief: pages that fill, vector charts with text a reader can search, every
assumption with its source, the references, and words instead of raw keys."""

import re

import pytest
from conftest import SCENARIOS

import sim
from sim.cli import main


def pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


@pytest.mark.parametrize("scenario", ["nvidia_2027", "jevons_2035"])
def test_brief_is_a_vector_pdf_with_searchable_text(tmp_path, capsys, scenario):
    out = tmp_path / "brief.pdf"
    assert main(["brief", str(SCENARIOS / f"{scenario}.toml"), "--draws", "100", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "[1/4]" in captured.err and "[4/4]" in captured.err     # progress on stderr
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and 4 <= pages(data) <= 9
    assert b"/Subtype /Image" not in data           # charts are drawn, not pasted as pictures
    assert b"/FontFile2" in data and b"/Type3" not in data   # TrueType text, searchable and copyable
    assert len(data) < 400_000
    # nothing half-written left: the brief and its record (what sim wrote, so it may replace it)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".brief.pdf.sim.json", "brief.pdf"]


def test_brief_summary_speaks_in_words_with_numbers_and_drivers():
    from sim.report.brief import summary_text
    ds = sim.run(SCENARIOS / "jevons_2035.toml", draws=100, rebound=True)
    oat = sim.sweep(SCENARIOS / "jevons_2035.toml", "oat", "energy:2035")
    text = summary_text(ds, oat)
    assert "TWh" in text and "90 % range" in text and "rebound" in text
    assert "price elasticity of demand" in text and "demand.elasticity" not in text


def test_every_assumption_has_a_source_and_the_references_close_the_brief():
    import matplotlib.pyplot as plt

    from sim.report.brief import _pages_assumptions
    from sim.scenario.sources import sources

    scenario = sim.load_scenario(SCENARIOS / "jevons_2035.toml")
    ds = sim.run(scenario, draws=20, calibrate=False)
    figures = _pages_assumptions(ds, scenario)
    texts = [t.get_text() for fig in figures for t in fig.texts]
    found = sources(scenario)
    assert all(found.values())
    # each row's cells, line by line, by the row and column each line carries; and the page it is on
    cells, page_of = {}, {}
    for n, fig in enumerate(figures):
        for t in fig.texts:
            gid = t.get_gid() or ""
            if gid.startswith("row-"):
                _, i, j = gid.split("-")
                cells.setdefault((int(i), int(j)), []).append(t.get_text())
                page_of.setdefault(int(i), set()).add(n)
    keys = list(scenario.parameters)
    for i, key in enumerate(keys):
        assert "".join(cells[i, 1]) == key                          # the key whole, over its lines
        assert " ".join(cells[i, 3]) == " ".join(found[key].split()), key   # the source whole, not cut
        assert len(page_of[i]) == 1, key                            # a row never splits across pages
        assert sim.parameters.label(key) == " ".join(cells[i, 0])
    assert not [t for t in texts if "…" in t]                      # nothing shortened
    assert "References" in texts
    for i, reference in enumerate(scenario.references, 1):
        assert any(t.startswith(f"{i}. {reference[:40]}") for t in texts), reference
    # no page of the table is less than half full (its lines, row by row, are spread evenly)
    height = {i: max(len(cells[i, j]) for j in range(4)) for i in range(len(keys))}
    lines = [sum(height[i] for i, pages in page_of.items() if n in pages) for n in range(len(figures))]
    lines = [n for n in lines if n]
    assert min(lines) >= 0.5 * max(lines)
    plt.close("all")
