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
    assert data.startswith(b"%PDF") and 4 <= pages(data) <= 7
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
    from sim.report.sources import sources

    scenario = sim.load_scenario(SCENARIOS / "jevons_2035.toml")
    ds = sim.run(scenario, draws=20, calibrate=False)
    figures = _pages_assumptions(ds, scenario)
    texts = [t.get_text() for fig in figures for t in fig.texts]
    for key in scenario.parameters:           # every number, by its key, with a source printed
        assert key in texts or any(t.startswith(key[:30]) for t in texts), key
    assert all(sources(scenario).values())
    assert "References" in texts
    for i, reference in enumerate(scenario.references, 1):
        assert any(t.startswith(f"{i}. {reference[:40]}") for t in texts), reference
    # no page of the table is less than half full (the lines are spread evenly)
    rows = [sum(1 for t in fig.texts if t.get_fontsize() < 6) for fig in figures]
    assert min(rows) >= 0.5 * max(rows)
    plt.close("all")
