"""The PDF brief: four pages, progress on stderr, a summary with numbers and drivers."""

import re

import pytest
from conftest import SCENARIOS

import sim
from sim.cli import main


def pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


@pytest.mark.parametrize("scenario", ["nvidia_2027", "jevons_2035"])
def test_brief_is_a_four_page_pdf(tmp_path, capsys, scenario):
    out = tmp_path / "brief.pdf"
    assert main(["brief", str(SCENARIOS / f"{scenario}.toml"), "--draws", "100", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "[1/5]" in captured.err and "[5/5]" in captured.err     # progress on stderr
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and pages(data) == 4
    assert [p.name for p in tmp_path.iterdir()] == ["brief.pdf"]  # nothing half-written left


def test_brief_summary_names_numbers_and_drivers():
    from sim.brief import summary_text
    ds = sim.run(SCENARIOS / "jevons_2035.toml", draws=100, rebound=True)
    oat = sim.sweep(SCENARIOS / "jevons_2035.toml", "oat", "energy:2035")
    text = summary_text(ds, oat)
    assert "TWh" in text and "90 % range" in text and "rebound" in text and "demand.elasticity" in text
