"""`sim explore` (sim.report.explore): the page, tested in a real browser (Chromium, through
Playwright): it loads, a slider conditions the ensemble to exactly the draws inside its range,
another result can be picked, and the figure and the CSV download."""

import json
import os
import re
import shutil

import numpy as np
import pytest
import xarray as xr

import sim
from conftest import SCENARIOS
from sim.cli import main
from sim.parameters import var_name

pytest.importorskip("plotly")
sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    if os.environ.get("CI"):
        pytest.fail("CI runs the explorer's browser test: install Chromium (README)", pytrace=False)
    pytest.skip("no Chromium to run the page in (README: apt-get install chromium)", allow_module_level=True)


@pytest.fixture(scope="module")
def explored(tmp_path_factory):
    folder = tmp_path_factory.mktemp("explore")
    first, second = folder / "a.nc", folder / "b.nc"
    sim.run(SCENARIOS / "nvidia_2027.toml", draws=300, seed=3, calibrate=False, out=str(first), reopen=False)
    sim.run(SCENARIOS / "nvidia_2027.toml", draws=120, seed=4, calibrate=False, variant="devries_premise",
            out=str(second), reopen=False)
    page = folder / "page.html"
    assert main(["explore", str(first), str(second), "--out", str(page)]) == 0
    return first, second, page


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield chromium
        chromium.close()


def opened(browser, page_file):
    """The page, loaded and drawn, in a new browser tab."""
    page = browser.new_page()
    page.goto(page_file.as_uri())
    page.wait_for_selector("#chart .main-svg")
    return page


def move(page, slider: str, value: float) -> None:
    """Move a slider as a reader does: its value, then its input event."""
    page.evaluate("([id, v]) => { const s = document.getElementById(id); s.value = v; "
                  "s.dispatchEvent(new Event('input')); }", [slider, value])


def embedded(page_file) -> list:
    text = page_file.read_text()
    return json.loads(re.search(r"const VIEWS = (\[.*?\]);\n", text, re.S).group(1).replace("<\\/", "</"))


def test_the_page_is_self_contained_and_holds_the_results_draws(explored):
    first, _, page = explored
    from html.parser import HTMLParser

    class Sources(HTMLParser):   # script contents are data here, not tags
        found = []

        def handle_starttag(self, tag, attrs):
            self.found += [value for name, value in attrs if name in ("src", "href") and tag != "a"]

    parser = Sources()
    parser.feed(page.read_text())
    assert parser.found == []      # nothing fetched: the page opens offline
    views = embedded(page)
    assert [v["name"] for v in views] == ["nvidia_2027", "nvidia_2027 [devries_premise]"]
    ds = xr.open_dataset(first)
    np.testing.assert_allclose(views[0]["energy"], ds.energy.values, rtol=1e-5)
    # the sliders are the assumptions with the largest PAWN index for 2030
    pawn = [d["pawn"] for d in views[0]["drivers"]]
    assert pawn == sorted(pawn, reverse=True) and [i["key"] for i in views[0]["inputs"]] == \
        [d["key"] for d in views[0]["drivers"][:len(views[0]["inputs"])]]


def test_a_slider_keeps_exactly_the_draws_inside_its_range(explored, browser):
    first, _, page_file = explored
    ds = xr.open_dataset(first)
    inp = embedded(page_file)[0]["inputs"][0]
    page = opened(browser, page_file)
    assert page.text_content("#kept") == "300 of 300 draws kept"
    before = page.evaluate("document.getElementById('chart').data[4].y")
    cut = inp["low"] + 0.5 * (inp["high"] - inp["low"])
    move(page, "slider-0-low", cut)
    set_to = float(page.evaluate("document.getElementById('slider-0-low').value"))
    values = ds[var_name(inp["key"])].values
    keep = values >= set_to
    assert page.text_content("#kept") == f"{keep.sum()} of 300 draws kept" and 0 < keep.sum() < 300
    after = page.evaluate("document.getElementById('chart').data[4].y")
    # the page's median is numpy's over the kept draws (the values it holds, to 6 digits)
    np.testing.assert_allclose(after, np.median(ds.energy.values[keep], axis=0), rtol=1e-5)
    assert not np.allclose(after, before)
    page.close()


def test_the_page_says_when_too_few_draws_are_kept_to_bound_the_band(explored, browser):
    """Fewer kept draws than bound a 5th and a 95th percentile (summary.TAIL_DRAWS) are said."""
    from sim.report.summary import TAIL_DRAWS

    first, _, page_file = explored
    inp = embedded(page_file)[0]["inputs"][0]
    values = np.sort(xr.open_dataset(first)[var_name(inp["key"])].values)
    page = opened(browser, page_file)
    move(page, "slider-0-low", values[-(TAIL_DRAWS + 20)])
    assert "too few" not in page.text_content("#kept")
    move(page, "slider-0-low", values[-(TAIL_DRAWS - 20)])
    kept = page.text_content("#kept")
    assert int(kept.split()[0]) < TAIL_DRAWS and kept.endswith("too few to bound the 90 % band, whose edges here are rough")
    page.close()


def test_the_csv_and_the_figure_download(explored, browser, tmp_path):
    _, _, page_file = explored
    page = opened(browser, page_file)
    with page.expect_download() as got:
        page.click("#download-csv")
    csv = tmp_path / "page.csv"
    got.value.save_as(csv)
    lines = csv.read_text().splitlines()
    assert lines[2] == "year,p5_TWh,p25_TWh,p50_TWh,p75_TWh,p95_TWh" and lines[3].startswith("2020,")
    shown = page.evaluate("document.getElementById('chart').data[4].y")
    np.testing.assert_allclose([float(line.split(",")[3]) for line in lines[3:]], shown, rtol=1e-5)
    with page.expect_download() as got:
        page.click("#download-png")
    png = tmp_path / "page.png"
    got.value.save_as(png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page.close()


def test_another_result_can_be_picked(explored, browser):
    _, _, page_file = explored
    page = opened(browser, page_file)
    page.select_option("#result", "1")
    assert page.text_content("#kept") == "120 of 120 draws kept"
    assert "devries" in page.text_content("#about") or "120 of 120" in page.text_content("#about")
    page.close()


def test_another_result_can_be_drawn_beside_for_comparison(explored, browser):
    """"Compare with" draws another result's median (dashed) and the edges of its 90 % band over
    all its draws, numpy's quantiles of its energy, in a colour no published source has; the
    sliders keep this result's draws only; comparing a result with itself draws nothing more."""
    from sim.report.plots import style

    first, second, page_file = explored
    other = xr.open_dataset(second).energy.values
    page = opened(browser, page_file)
    plain = page.evaluate("document.getElementById('chart').data.length")
    page.select_option("#compare", "1")
    traces = page.evaluate("document.getElementById('chart').data.slice(5, 8)")
    assert page.evaluate("document.getElementById('chart').data.length") == plain + 3
    assert [t["line"]["dash"] for t in traces] == ["dash", "dot", "dot"]
    assert {t["line"]["color"] for t in traces} == {style.COMPARE} and style.COMPARE not in style.PUBLISHED_COLOURS
    for trace, q in zip(traces, (0.5, 0.05, 0.95)):
        np.testing.assert_allclose(trace["y"], np.quantile(other, q, axis=0), rtol=1e-5)
    assert traces[0]["name"] == "nvidia_2027 [devries_premise]: median, all its draws"
    assert page.evaluate("document.getElementById('chart').layout.title.text").endswith(
        "; dashed: nvidia_2027 [devries_premise]")     # the downloaded figure says what the dashes are
    # this result's sliders keep its own draws; the other's lines stay
    inp = embedded(page_file)[0]["inputs"][0]
    move(page, "slider-0-low", inp["low"] + 0.5 * (inp["high"] - inp["low"]))
    np.testing.assert_allclose(page.evaluate("document.getElementById('chart').data[5].y"),
                               np.median(other, axis=0), rtol=1e-5)
    page.select_option("#compare", "0")      # itself
    assert page.evaluate("document.getElementById('chart').data.length") == plain
    page.close()


def test_comparing_with_a_result_that_has_no_such_part_says_so(explored, browser, tmp_path):
    """A world result's China compared with a fleet without regions: nothing drawn, and one
    short line says why."""
    first, _, _ = explored
    world = tmp_path / "world.nc"
    sim.run(SCENARIOS / "iea_2030.toml", draws=120, seed=2, calibrate=False, out=str(world), reopen=False)
    page_file = tmp_path / "two.html"
    assert main(["explore", str(world), str(first), "--out", str(page_file)]) == 0
    page = opened(browser, page_file)
    page.select_option("#compare", "1")
    assert page.text_content("#compare-note") == ""

    def compared():
        return [t for t in page.evaluate("document.getElementById('chart').data") if t.get("legendgroup") == "compare"]

    assert len(compared()) == 3          # the world beside nvidia_2027's world
    page.select_option("#where", label="China")
    assert page.text_content("#compare-note") == "(nvidia_2027 has no China to compare)"
    assert compared() == []
    page.select_option("#where", "0")
    assert page.text_content("#compare-note") == "" and len(compared()) == 3
    page.close()


def test_the_page_shows_how_each_result_meets_what_was_observed(explored, browser):
    from sim.report.checks import check_words

    first, second, page_file = explored
    views = embedded(page_file)
    # the brief's checks, from the scenario rebuilt from the text the result stores
    for view, path in zip(views, (first, second)):
        ds = xr.open_dataset(path)
        scenario = sim.load_scenario(SCENARIOS / "nvidia_2027.toml", variant=ds.attrs.get("variant") or None)
        words = check_words(ds, scenario)
        assert [c["cells"] for c in view["checks"]] == [list(w["cells"]) for w in words]
        assert [c["status"] for c in view["checks"]] == [w["status"] for w in words]
    assert any(c["status"] == "gap" for c in views[0]["checks"])
    page = opened(browser, page_file)
    rows = page.query_selector_all("#checks tbody tr")
    assert len(rows) == len(views[0]["checks"])
    gap = next(i for i, c in enumerate(views[0]["checks"]) if c["status"] == "gap")
    assert rows[gap].get_attribute("class") == "check-gap"
    assert page.text_content(f"#checks tbody tr:nth-child({gap + 1}) td:nth-child(4)") == views[0]["checks"][gap]["cells"][3]
    page.close()


def test_explore_refuses_what_is_not_a_result_in_one_line(tmp_path, capsys):
    bogus = tmp_path / "x.nc"
    bogus.write_text("not a result")
    assert main(["explore", str(bogus), "--out", str(tmp_path / "p.html")]) == 2
    assert capsys.readouterr().err.count("\n") == 1 and not (tmp_path / "p.html").exists()
    # a sweep's result is a result, but of no draws to explore: one line, before any scenario runs
    sweep = tmp_path / "oat.nc"
    assert main(["sweep", "devries_2023", "--method", "oat", "--out", str(sweep), "--quiet"]) == 0
    capsys.readouterr()
    assert main(["explore", "no_run_first_please", str(sweep), "--out", str(tmp_path / "p.html")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "a result of sim sweep --method oat" in err, err
    assert not (tmp_path / "p.html").exists()


def test_a_scenario_named_instead_of_a_result_is_run_first(tmp_path, monkeypatch, capsys):
    # sim explore NAME: the scenario runs as sim run runs it, in memory, and the page is written
    # where sim writes its outputs (outputs/<name>/<name>-explore.html) unless told
    pytest.importorskip("plotly")
    monkeypatch.chdir(tmp_path)
    assert main(["explore", "devries_2023", "--draws", "40"]) == 0
    page = tmp_path / "outputs" / "devries_2023" / "devries_2023-explore.html"
    assert str(page.relative_to(tmp_path)) in capsys.readouterr().out
    text = page.read_text()
    assert '"name":"devries_2023"' in text and "40 of 40 draws" in text
    assert main(["explore", "no_such_scenario", "--out", str(tmp_path / "p.html")]) == 2
    assert capsys.readouterr().err.count("\n") == 1 and not (tmp_path / "p.html").exists()


def test_the_sliders_write_figures_as_the_charts_do(explored, browser):
    from sim.report.plots.style import short_number

    _, _, page_file = explored
    page = opened(browser, page_file)
    values = [1534037, 2.5e9, 999_960_000, 15321, 1534, 999.6, 123.4, 100, 16.48, 1.2, 0.4851, -0.0328, 1.53e-5, 0, -1534]
    assert page.evaluate("(vs) => vs.map(figure)", values) == [short_number(v) for v in values]
    labels = page.evaluate("[...document.querySelectorAll('#controls label')].map(l => l.textContent)")
    assert labels and not [t for t in labels if re.search(r"\de[+-]\d", t)]
    page.close()


def test_a_world_result_can_be_read_region_by_region_and_family_by_family(tmp_path, browser):
    """One world run, many views: the page offers the world's regions and accelerator families,
    each drawn from the same draws, its median numpy's of that part's electricity, with the
    drivers of that part's own electricity (PAWN of ``energy:2030@PART``) as its sliders and
    table; a range moved in one part keeps its draws, and its slider, in every other."""
    from sim.analysis.given_data import from_result

    result = tmp_path / "world.nc"
    sim.run(SCENARIOS / "iea_2030.toml", draws=150, seed=2, calibrate=False, out=str(result), reopen=False)
    page_file = tmp_path / "world.html"
    assert main(["explore", str(result), "--out", str(page_file)]) == 0
    ds = xr.open_dataset(result)
    page = opened(browser, page_file)
    options = page.evaluate("[...document.querySelectorAll('#where option')].map(o => o.textContent)")
    assert options == ["world (all)", "US", "China", "Europe", "rest of world"] + [str(f) for f in ds.family.values]
    groups = page.evaluate("[...document.querySelectorAll('#where optgroup')].map(g => g.label)")
    assert groups == ["by region", "by accelerator family"]
    assert page.evaluate("getComputedStyle(document.getElementById('compare-label')).display") == "none"   # one result
    whole = page.evaluate("document.getElementById('chart').data[4].y")
    np.testing.assert_allclose(whole, np.median(ds.energy.values, axis=0), rtol=1e-5)
    # a slider of the world's keeps draws
    view = embedded(page_file)[0]
    inp = view["inputs"][0]
    cut = inp["low"] + 0.5 * (inp["high"] - inp["low"])
    move(page, "slider-0-low", cut)
    keep = ds[var_name(inp["key"])].values >= float(page.evaluate("document.getElementById('slider-0-low').value"))
    page.select_option("#where", label="China")
    china = page.evaluate("document.getElementById('chart').data[4].y")
    by_region = ds.energy_by_region.sel(region="China").transpose("draw", "year").values
    np.testing.assert_allclose(china, np.median(by_region[keep], axis=0), rtol=1e-5)
    assert "China" in page.evaluate("document.getElementById('chart').layout.title.text")
    # China's drivers are those of China's electricity, in the table and as the sliders
    part = next(p for p in view["parts"] if p["key"] == "China")
    pawn = from_result(ds, "pawn", "energy:2030@China")
    assert [d["key"] for d in part["drivers"]] == \
        [str(pawn.parameter.values[i]) for i in np.argsort(-pawn.pawn_median.values, kind="stable")[:12]]
    assert page.text_content("#drivers-title") == "What drives China electricity in 2030"
    assert page.evaluate("[...document.querySelectorAll('#drivers code')].map(c => c.textContent)") == \
        [d["key"] for d in part["drivers"]]
    labels = page.evaluate("[...document.querySelectorAll('#controls label')].map(l => l.textContent)")
    assert part["inputs"] and all(t.startswith(i["label"]) for t, i in zip(labels, part["inputs"]))
    # the world's narrowed range is still in sight (one of China's own, or after them)
    assert any(t.startswith(inp["label"]) for t in labels)
    # and a family, of the same kept draws, with its own drivers
    family = str(ds.family.values[-1])
    page.select_option("#where", label=family)
    by_family = ds.energy_by_family.sel(family=family).transpose("draw", "year").values
    np.testing.assert_allclose(page.evaluate("document.getElementById('chart').data[4].y"),
                               np.median(by_family[keep], axis=0), rtol=1e-5)
    assert page.text_content("#drivers-title") == f"What drives electricity of {family} accelerators in 2030"
    page.click("#reset")
    assert page.text_content("#kept") == "150 of 150 draws kept"
    page.close()


def test_the_drivers_say_which_stand_above_noise_and_only_those_get_sliders(explored, browser):
    """With few draws an assumption that does nothing scores a PAWN index by chance: the page
    gives that noise level (sim.analysis.given_data.pawn_noise), marks the drivers at or below it,
    and gives sliders only to those above."""
    first, _, page_file = explored
    view = embedded(page_file)[0]
    noise = view["noise"]
    assert 0 < noise < 1
    assert all(d["above"] == (d["pawn"] > noise) or abs(d["pawn"] - noise) < 1e-3 for d in view["drivers"])
    assert [i["key"] for i in view["inputs"]] == [d["key"] for d in view["drivers"] if d["above"]][:6]
    page = opened(browser, page_file)
    rows = page.evaluate("[...document.querySelectorAll('#drivers tr')].slice(1).map(r => [r.className, r.textContent])")
    assert [c for c, _ in rows] == ["above" if d["above"] else "noise" for d in view["drivers"]]
    assert all(("within noise" in t) == (c == "noise") for c, t in rows)
    assert f"{noise:.3f}" in page.text_content("#noise")
    page.close()


def test_a_result_without_regions_offers_no_choice_of_place(explored, browser):
    _, _, page_file = explored
    page = opened(browser, page_file)
    assert page.evaluate("getComputedStyle(document.getElementById('where-label')).display") == "none"
    assert page.evaluate("getComputedStyle(document.getElementById('compare-label')).display") != "none"
    page.close()


def test_the_chart_names_its_axes_with_units(explored, browser):
    # plotly.js 3 reads an axis title only as {text: ...}: a bare string drew no title at all
    _, _, page_file = explored
    page = opened(browser, page_file)
    titles = page.evaluate("[...document.querySelectorAll('#chart .g-ytitle, #chart .g-xtitle')].map(t => t.textContent)")
    assert sorted(titles) == ["electricity (TWh per year)", "year"]
    page.close()


def test_each_published_source_has_one_colour_and_marker_the_fan_charts_and_its_range_on_hover(explored, browser):
    """de Vries's 2023 and 2027 figures: the second once took plotly's next colour, which no legend
    entry showed; and hovering gave the range's midpoint, not the published range."""
    import matplotlib.colors

    from sim.report.explore import SYMBOLS
    from sim.report.plots.style import PUBLISHED_MARKERS
    from sim.results import open_result

    first, _, page_file = explored
    page = opened(browser, page_file)
    traces = page.evaluate("document.getElementById('chart').data.filter(t => t.legendgroup).map(t => "
                           "({name: t.name, colour: t.marker.color, symbol: t.marker.symbol, bar: t.error_y.color, "
                           "hover: t.hovertemplate, year: t.x[0]}))")
    page.close()
    ax = sim.plot(open_result(first), "fan").axes[0]
    handles, labels = ax.get_legend_handles_labels()
    drawn = {label: (matplotlib.colors.to_hex(h[0].get_color()), SYMBOLS[PUBLISHED_MARKERS.index(h[0].get_marker())])
             for h, label in zip(handles, labels) if hasattr(h, "lines")}    # the published figures' errorbars
    assert [t["name"] for t in traces if t["name"] == "de Vries 2023: annual shipments at full power"] == [
        "de Vries 2023: annual shipments at full power"] * 2
    assert {t["name"] for t in traces} == set(drawn)
    for t in traces:
        assert (t["colour"].lower(), t["symbol"]) == drawn[t["name"]] and t["bar"] == t["colour"]
    assert len({drawn[name] for name in drawn}) == len(drawn)       # sources told apart
    # the bands in the figures' colour (style.BAND, #0072B2), at their alphas
    page = opened(browser, page_file)
    bands = page.evaluate("document.getElementById('chart').data.filter(t => !t.legendgroup && t.showlegend !== false)"
                          ".map(t => [t.name, t.fillcolor || t.line.color])")
    page.close()
    assert bands == [["90 % of draws", "rgba(0,114,178,0.18)"], ["50 % of draws", "rgba(0,114,178,0.35)"],
                     ["median", "rgb(0,114,178)"]]
    devries = next(t for t in traces if t["year"] == 2027 and t["name"].startswith("de Vries"))
    assert "2027: 85.4\u2013134 TWh per year" in devries["hover"]
