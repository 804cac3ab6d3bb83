"""The PDF brief: pages that fill, vector charts with text a reader can search, every
assumption with its source, the references, and words instead of raw keys."""

import re

import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.text import Text
from conftest import SCENARIOS, text_boxes

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
    # the rebound's share comes with the case it is measured against, and that case's number
    base = float(ds.energy_no_rebound.sel(year=2035).median())
    assert "no demand response (price elasticity 0)" in text and f"{base:,.1f} TWh" in text
    assert "price elasticity of demand" in text and "demand.elasticity" not in text
    # against the first year's growth held, and where the budget binds
    assert "growth of its first year" in text


def test_a_calibrated_brief_names_the_drivers_among_the_kept_draws():
    from sim.parameters import label
    from sim.report.brief import summary_text
    ds = sim.run(SCENARIOS / "jevons_2035.toml", draws=100, seed=2, rebound=True)
    assert int(ds.attrs["calibrated"]) == 1
    oat = sim.sweep(SCENARIOS / "jevons_2035.toml", "oat", "energy:2035")
    given = sim.sweep(ds, "pawn", "energy:2035")
    text = summary_text(ds, oat, given)
    ranked = given.pawn_median.to_series().sort_values(ascending=False)
    top = [p for p in ranked.index[:3] if ranked[p] > float(given.pawn_noise)]
    assert "with the others at the prior's medians" in text and f"Among the {ds.sizes['draw']} draws kept" in text
    assert top and all(f"the {label(str(p))}" in text for p in top)
    # only those above what an assumption that does nothing reaches: none, when it is above all
    named = [p for p in ranked.index[:3] if f"the {label(str(p))}" in text.split("Among the")[1]]
    assert named == top
    quiet = given.assign(pawn_noise=given.pawn_median.max())
    assert "no assumption shapes it more than an assumption that does nothing" in summary_text(ds, oat, quiet)
    assert "with the others at the prior's medians" not in summary_text(ds, oat)
    # the years observed are those the scenario calibrates to, as its result stores them
    observed = [o for o in sim.load_scenario(SCENARIOS / "jevons_2035.toml").observations if o.use == "calibrate"]
    assert [str(n) for n in ds.observation.values] == [o.name for o in observed]
    assert [int(y) for y in ds.observation_year.values] == [o.year for o in observed]
    years = sorted({o.year for o in observed})
    assert f"reproduce the observed {years[0]}-{years[-1]} figures" in text and years[-1] == 2026


def test_the_checks_page_shows_every_figure_held_out_and_calibrated_to_with_its_verdict():
    import matplotlib.pyplot as plt

    from sim.analysis.validation import result_checks
    from sim.report.brief import _pages_checks, check_rows, summary_text

    scenario = sim.load_scenario(SCENARIOS / "nvidia_2027.toml")
    ds = sim.run(scenario, draws=60, seed=4)
    rows = check_rows(ds, scenario)
    # the figures it was calibrated to first, then those held out, as the page's introduction says
    outcomes = sorted(result_checks(ds, scenario, held_out=True), key=lambda o: not o.left_out)
    held = [o for o in scenario.observations if o.use == "check"] + [v for v in scenario.validations if v.variant is None]
    calibrated = [o for o in scenario.observations if o.use == "calibrate"]
    assert len(rows) == len(outcomes) == len(held) + len(calibrated)
    for row, o in zip(rows, outcomes):     # one row a check, in the checks' order
        verdict, left = " ".join(row.cells[3]), row.calibrated
        assert left == o.left_out
        if hasattr(o.validation, "kind"):   # a published figure in words, not a raw key
            assert "_" not in " ".join(row.cells[0]) and str(o.validation.year) in " ".join(row.cells[0])
        else:                               # an observation by its name
            assert " ".join(row.cells[0]).startswith(o.validation.label())
        if o.left_out:   # every kept draw inside its range, as the calibration promises
            assert verdict.startswith("every draw kept lies in its range")
        elif o.gap:      # a known gap: outside, with the scenario's reason whole
            assert verdict == " ".join(f"outside, as the scenario says: {o.validation.known_gap}".split())
        elif o.validation.known_gap:   # a known gap these draws meet (sim validate would fail on it)
            assert verdict == "within, though the scenario calls it a known gap"
        else:
            assert verdict == "within" if o.passed else verdict.startswith("outside")
    assert any(o.gap for o in outcomes) and any(not o.left_out and o.passed for o in outcomes)
    # the check of the kept draws can fail: a draw moved outside an observed range is reported
    tampered = ds.copy(deep=True)
    tampered["observed"][0, 0] = float(ds["observation_high"][0]) * 2
    first = [row.cells for row in check_rows(tampered, scenario) if row.calibrated][0]
    assert " ".join(first[3]).startswith("some draws kept lie outside its range")
    # the summary counts the held-out figures met and missed
    text = summary_text(ds, sim.sweep(scenario, "oat", "energy:2035"), None, rows)
    met = sum(1 for o in outcomes if not o.left_out and not o.gap and (o.passed or o.validation.known_gap))
    assert f"Of {len(held)} published figures held out of it, the model meets {met}" in text
    gaps = [row.figure for row, o in zip(rows, outcomes) if o.gap]
    assert f"it misses {len(gaps)} for reasons the scenario states ({'; '.join(gaps)})" in text
    texts = [t.get_text() for fig in _pages_checks(rows) for t in fig.texts]
    assert "Checked against what was observed" in texts
    plt.close("all")


def test_a_regional_brief_checks_the_world_figures_on_the_world_of_the_same_draws():
    import matplotlib.pyplot as plt

    from sim.analysis.validation import world_figures
    from sim.report.brief import _pages_checks, check_rows

    scenario = sim.load_scenario(SCENARIOS / "lbnl_us_2028.toml")
    ds = sim.run(scenario, draws=30, seed=5)
    world = sim.run(scenario.replace(scope="world"), draws=30, seed=5)
    figures = world_figures(scenario)
    assert figures
    alone, with_world = check_rows(ds, scenario), check_rows(ds, scenario, world)
    assert len(with_world) == len(alone) + len(figures)
    assert {o.name for o in figures} <= {row.figure for row in with_world}
    # without the world, the page says how many are left to sim validate
    texts = " ".join(t.get_text() for fig in _pages_checks(alone, len(figures)) for t in fig.texts)
    assert f"{len(figures)} figures of the world's fleet held out of it need a run of the world" in texts
    plt.close("all")


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


@pytest.mark.parametrize("scenario", ["nvidia_2027", "jevons_2035", "lbnl_us_2028"])
def test_every_rendered_page_keeps_its_text_on_the_page_and_apart(scenario):
    """Each page drawn as it is printed (Agg, A4, 200 dpi), for a scenario of each kind (a long
    world scenario's sources fill six pages of assumptions): every piece of text lies inside the page, and
    the page's own text (headings, the summary, the key-number table, every line of every
    cell of the assumptions table, the references, the footer) overlaps no other text; the
    assumptions table's columns keep to their own column."""
    import matplotlib.pyplot as plt

    from sim.report import brief
    from sim.report.plots import style

    scenario = sim.load_scenario(SCENARIOS / f"{scenario}.toml")
    rebound = scenario.mode == "demand"
    ds = sim.run(scenario, draws=60, seed=3, rebound=rebound, calibrate=False)
    oat = sim.sweep(scenario, "oat", f"energy:{scenario.key_years[-1]}")
    # a calibrated brief's summary also names the drivers among the kept draws: the longest text
    given = sim.sweep(ds, "pawn", f"energy:{scenario.key_years[-1]}") if rebound else None
    with plt.rc_context(style.RC):
        figures = brief.brief_pages(ds, oat, scenario, rebound, given)
        for n, fig in enumerate(figures, 1):
            fig.set_dpi(200)     # as printed: at a screen's 100 dpi, hinting widens small text by a tenth
            fig.canvas.draw()
            width, height = fig.bbox.width, fig.bbox.height
            boxes = text_boxes(fig)
            outside = [a.get_text()[:40] for a, b in boxes
                       if b.x0 < -0.5 or b.y0 < -0.5 or b.x1 > width + 0.5 or b.y1 > height + 0.5]
            assert not outside, (n, outside)
            own = [(a, b) for a, b in boxes if a in fig.texts]
            clashes = [(a.get_text()[:30], c.get_text()[:30]) for i, (a, b) in enumerate(own)
                       for c, d in own[i + 1:] if b.overlaps(d) and b.intersection(b, d).width > 0.5
                       and b.intersection(b, d).height > 0.5]
            assert not clashes, (n, clashes[:5])
            # a cell's lines stay left of where the next column starts, in either table
            for table, columns in (("row", brief.COLUMNS), ("check", brief.CHECK_COLUMNS)):
                left = fig.bbox.width * (brief.MARGIN + (1 - 2 * brief.MARGIN) * np.array(columns + (1.0,)))
                for a, b in own:
                    gid = a.get_gid() or ""
                    if gid.startswith(f"{table}-"):
                        j = int(gid.split("-")[2])
                        assert b.x1 <= left[j + 1] + 0.5, (n, a.get_text())
    plt.close("all")


@pytest.mark.parametrize("scenario, regions", [("iea_2030", True), ("nvidia_2027", False)])
def test_the_third_page_shows_a_fleet_of_regions_by_region(scenario, regions):
    import matplotlib.pyplot as plt

    from sim.report import brief
    from sim.report.plots import style

    scenario = sim.load_scenario(SCENARIOS / f"{scenario}.toml")
    ds = sim.run(scenario, draws=40, seed=3, calibrate=False)
    oat = sim.sweep(scenario, "oat", f"energy:{scenario.key_years[-1]}")
    with plt.rc_context(style.RC):
        third = brief.brief_pages(ds, oat, scenario, False)[2]
    titles = [ax.get_title(loc="left") for ax in third.findobj(lambda a: isinstance(a, Axes))]
    texts = [t.get_text() for t in third.findobj(lambda a: isinstance(a, Text))]
    assert ("Electricity of AI servers by region (median of each)" in titles) == regions
    assert ("In context, and by region" in texts) == regions
    plt.close("all")
