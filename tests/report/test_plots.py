"""Figures and the brief: every kind renders from a real result file, in every format, with
units on its axes; what a file cannot give is a one-line error."""

import re

import matplotlib.image as mpimg
import matplotlib.pyplot as plt
import pytest
from conftest import SCENARIOS, text_boxes

import sim
from sim.cli import main
from sim.report.plots.style import RC
from sim.results import open_result

RUN_KINDS = ("fan", "generations", "context")
DEMAND_KINDS = ("workload", "rebound")
UNITS = re.compile(r"TWh|GW|Sobol index|months|\(1\)|share|elasticity")


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """Real result files, written by the command line."""
    d = tmp_path_factory.mktemp("results")
    files = {"run": d / "nvidia.nc", "demand": d / "jevons.nc", "oat": d / "oat.nc", "sobol": d / "sobol.nc",
             "grid": d / "grid.nc"}
    assert main(["run", str(SCENARIOS / "nvidia_2027.toml"), "--draws", "100", "--out", str(files["run"]), "--quiet"]) == 0
    assert main(["run", str(SCENARIOS / "jevons_2035.toml"), "--draws", "100", "--out", str(files["demand"]), "--quiet"]) == 0
    assert main(["sweep", str(SCENARIOS / "nvidia_2027.toml"), "--method", "oat", "--out", str(files["oat"])]) == 0
    assert main(["sweep", str(SCENARIOS / "nvidia_2027.toml"), "--method", "sobol", "--samples", "64",
                 "--out", str(files["sobol"])]) == 0
    assert main(["sweep", str(SCENARIOS / "jevons_2035.toml"), "--method", "grid", "--draws", "10",
                 "--param", "demand.elasticity=0.3:1.5:3", "--param", "fleet.pue=1.1:1.5:3", "--out", str(files["grid"])]) == 0
    return files


CASES = [("run", k) for k in RUN_KINDS] + [("demand", k) for k in DEMAND_KINDS] + \
        [("oat", "tornado"), ("sobol", "sobol"), ("grid", "heatmap")]


@pytest.mark.parametrize("source, kind", CASES)
def test_each_kind_renders_a_png_with_content(results, tmp_path, capsys, source, kind):
    assert main(["plot", str(results[source]), "--kind", kind, "--out", str(tmp_path)]) == 0
    path = tmp_path / f"{results[source].stem}-{kind}.png"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    image = mpimg.imread(path)
    assert image.shape[0] > 500 and image.shape[1] > 1000        # A4 width at 200 dpi
    assert image[..., :3].std() > 0.05                           # not a blank canvas


@pytest.mark.parametrize("fmt, magic", [("svg", b"<?xml"), ("pdf", b"%PDF")])
def test_vector_formats(results, tmp_path, capsys, fmt, magic):
    assert main(["plot", str(results["run"]), "--kind", "fan", "--format", fmt, "--out", str(tmp_path)]) == 0
    data = (tmp_path / f"nvidia-fan.{fmt}").read_bytes()
    assert data.startswith(magic) and len(data) > 10_000


@pytest.mark.parametrize("source, kind", CASES)
def test_axes_carry_units_and_a_source_line(results, source, kind):
    fig = sim.plot(open_result(results[source]), kind)
    ax = fig.axes[0]
    labels = ax.get_xlabel() + " " + ax.get_ylabel() + " " + " ".join(a.get_ylabel() for a in fig.axes[1:])
    assert UNITS.search(labels), (kind, labels)
    texts = " ".join(t.get_text() for t in fig.texts)
    assert "Source: sim" in texts and "sha256" in texts


def test_default_plots_everything_a_file_can_give(results, tmp_path, capsys):
    assert main(["plot", str(results["demand"]), "--out", str(tmp_path)]) == 0
    names = sorted(p.stem.split("-")[-1] for p in tmp_path.iterdir() if not p.name.startswith("."))
    assert names == sorted(RUN_KINDS + DEMAND_KINDS)


@pytest.mark.parametrize("source, kind, fragment", [
    ("run", "tornado", "cannot draw a tornado from this file: it is a run result; a tornado needs an OAT sweep"),
    ("run", "rebound", "it has no rebound"),
    ("oat", "fan", "it has no energy"),
    ("sobol", "heatmap", "it is a sobol sweep"),
])
def test_missing_requirement_is_one_line(results, tmp_path, capsys, source, kind, fragment):
    assert main(["plot", str(results[source]), "--kind", kind, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert fragment in err and err.count("\n") == 1
    assert not list(tmp_path.iterdir())


def test_out_may_name_the_file_of_one_figure(results, tmp_path, capsys):
    """``--out tornado.png`` was taken for a folder: a folder ``tornado.png`` was made, the figure
    inside it. A name with a figure's suffix is now the one figure's file, in its format; for
    several figures, or a --format that contradicts it, one line and nothing written."""
    assert main(["plot", str(results["oat"]), "--out", str(tmp_path / "what moves it.png")]) == 0
    assert (tmp_path / "what moves it.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main(["plot", str(results["run"]), "--kind", "fan", "--out", str(tmp_path / "sub" / "fan.svg")]) == 0
    assert (tmp_path / "sub" / "fan.svg").read_bytes().startswith(b"<?xml")
    capsys.readouterr()
    for args, name, fragment in (
            ([str(results["run"])], "one.png", "names one file, and this result gives 3 figures (fan, "),
            ([str(results["run"]), "--kind", "fan", "--format", "pdf"], "one.png", "pdf contradicts --out"),
            ([str(results["run"]), "--kind", "fan"], "one.jpg", "sim draws figures as png, svg, pdf, not jpg"),
            ([str(results["run"]), "--kind", "fan"], "one.csv", "names a CSV table, which sim export"),
            ([str(results["run"]), "--kind", "fan"], "one.nc", "sim plot draws figures, into a folder or one file")):
        assert main(["plot", *args, "--out", str(tmp_path / name)]) == 2
        err = capsys.readouterr().err
        assert fragment in err and err.count("\n") == 1, err
        assert not (tmp_path / name).exists()
    (tmp_path / "figures.png").mkdir()      # a folder that is named so stays a folder
    assert main(["plot", str(results["run"]), "--kind", "fan", "--out", str(tmp_path / "figures.png")]) == 0
    assert (tmp_path / "figures.png" / "nvidia-fan.png").exists()


def test_bad_kind_and_format(results, capsys):
    assert main(["plot", str(results["run"]), "--kind", "fans"]) == 2
    assert "did you mean 'fan'" in capsys.readouterr().err
    assert main(["plot", str(results["run"]), "--format", "jpg"]) == 2
    assert "png, svg, pdf" in capsys.readouterr().err


def test_the_fan_chart_draws_estimates_of_what_it_counts_and_all_data_centers_only_when_asked(results, tmp_path):
    from sim.report.plots.runs import references_file

    ds = open_result(results["demand"])
    legend = lambda fig: [t.get_text().replace("-\n", "-").replace("\n", " ")   # noqa: E731 - as wrapped
                          for t in fig.axes[0].get_legend().get_texts()]
    same, every = legend(sim.plot(ds, "fan")), legend(sim.plot(ds, "fan", references="all"))
    ceilings = {p["label"] for p in references_file()["published"] if p["counts"] == "all data centers"
                and p["scope"] == "world" and 2020 <= p["year"] <= 2035}
    assert ceilings and not ceilings & set(same) and ceilings <= set(every)
    assert set(same) < set(every)
    # by default the axis follows the estimates of AI servers, not the IEA's 945-1,700 TWh of all data centers
    top = max(float(ds.energy.quantile(0.95, dim="draw").max()), 600.0)
    assert sim.plot(ds, "fan").axes[0].get_ylim()[1] < 1.3 * top
    assert main(["plot", str(results["demand"]), "--kind", "fan", "--references", "all", "--out", str(tmp_path)]) == 0
    assert main(["plot", str(results["demand"]), "--kind", "fan", "--references", "every", "--out", str(tmp_path)]) == 2


def test_the_fan_charts_legend_covers_nothing_and_labels_of_a_year_do_not_sit_on_each_other():
    ds = sim.run(SCENARIOS / "nvidia_2027.toml", draws=60)
    fig = sim.plot(ds, "fan")
    ax = fig.axes[0]
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)   # a figure sim hands over is let go by pyplot: draw it on Agg
    canvas.draw()
    renderer = canvas.get_renderer()
    legend, axes = ax.get_legend().get_window_extent(renderer), ax.get_window_extent(renderer)
    assert legend.y1 <= axes.y0                     # below the axes: no band or point under it
    labels = [t for t in ax.texts if t.get_text()]
    placed = {}
    for t in labels:
        spot = (round(t.xy[0]), t.xy[1], t.xyann)
        assert spot not in placed, t.get_text()     # no two labels at one point and offset
        placed[spot] = t
    by_year = {}
    for t in labels:
        by_year.setdefault(round(t.xy[0]), set()).add(t.xyann[1])
    assert all(len(offsets) == sum(1 for t in labels if round(t.xy[0]) == year)
               for year, offsets in by_year.items())   # each label of a year has its own height


@pytest.mark.parametrize("scenario, references", [("nvidia_2027", "same"), ("nvidia_2027", "all"),
                                                   ("jevons_2035", "all")])
def test_no_two_labels_of_published_figures_overlap_in_the_fan_chart(scenario, references):
    """Labels of neighbouring years (85.4-134 in 2027, 118-175 in 2028) once sat on each other:
    drawn as saved, at the size of a standalone figure and of a brief's page, no two touch."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    ds = sim.run(SCENARIOS / f"{scenario}.toml", draws=40, calibrate=False)
    fig = sim.plot(ds, "fan", references=references)
    for dpi in (100, 200):
        fig.set_dpi(dpi)
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        boxes = [t.get_window_extent(canvas.get_renderer()) for t in fig.axes[0].texts if t.get_text()]
        assert len(boxes) >= 5
        assert not [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:] if a.overlaps(b)]


def test_a_label_near_the_top_of_the_fan_chart_is_drawn_inside_its_axes():
    """The axes clip what passes their top: in iea_2030's brief, RAND's 596 TWh (2027) sat near the
    top, its label was lifted above de Vries's of the same year, and it was not drawn at all."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    ds = sim.run(SCENARIOS / "iea_2030.toml", draws=40, calibrate=False)
    fig = sim.plot(ds, "fan")
    ax = fig.axes[0]
    ax.set_ylim(0, 620)            # the calibrated brief's scale: the point at 596 just inside
    for dpi in (100, 200):
        fig.set_dpi(dpi)
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        renderer = canvas.get_renderer()
        inside = ax.get_window_extent(renderer)
        labels = {t.get_text(): t.get_window_extent(renderer) for t in ax.texts if t.get_text()}
        assert "596" in labels and labels["596"].y1 <= inside.y1 + 0.5
        assert all(box.y1 <= inside.y1 + 0.5 for box in labels.values())
        boxes = list(labels.values())
        assert not [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:] if a.overlaps(b)]


def test_the_generations_chart_has_a_colour_and_a_readable_name_for_each_layer(results):
    ds = open_result(results["run"])
    fig = sim.plot(ds, "generations")
    ax = fig.axes[0]
    layers = [c for c in ax.collections]
    names = [t.get_text() for t in ax.get_legend().get_texts()]
    # the catalogue's generations one by one, the trend's beyond it as one layer, named in words
    catalogue = [str(g) for g in ds.generation.values if str(g) != "trend"]
    assert names[:len(catalogue)] == catalogue and names[len(catalogue)].startswith("beyond the catalogue")
    colours = {tuple(layer.get_facecolor()[0][:3]) for layer in layers}
    assert len(colours) == len(layers) == len(catalogue) + 1


def test_a_world_result_stacks_its_families(tmp_path):
    from conftest import WORLD, base_dict, merge, toml_text

    path = tmp_path / "w.toml"
    path.write_text(toml_text(merge(base_dict(), WORLD)))
    out = tmp_path / "w.nc"
    assert main(["run", str(path), "--draws", "4", "--out", str(out), "--quiet"]) == 0
    ax = sim.plot(open_result(out), "generations").axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()][:2] == ["NVIDIA", "other"]
    assert "accelerator family" in ax.get_title(loc="left")
    # and its regions, the scenario's own first
    ax = sim.plot(open_result(out), "regions").axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()][:2] == ["north", "south"]
    assert "electricity" in ax.get_ylabel() and "TWh" in ax.get_ylabel()


def _text_outside(fig):
    """The texts of a figure drawn as saved (Agg, 200 dpi) that reach beyond its edges."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig.set_dpi(200)
    with plt.rc_context(RC):   # as sim saves it
        FigureCanvasAgg(fig).draw()
    return [t.get_text() for t, box in text_boxes(fig)
            if box.x0 < -1 or box.y0 < -1 or box.x1 > fig.bbox.width + 1 or box.y1 > fig.bbox.height + 1]


@pytest.mark.parametrize("source, kind", CASES)
def test_no_text_of_a_figure_reaches_beyond_its_edges(results, source, kind):
    assert _text_outside(sim.plot(open_result(results[source]), kind)) == []
    assert all(re.fullmatch(r"20\d\d", y) for y in _years_ticked(sim.plot(open_result(results[source]), kind)))


def test_the_discovery_figure_keeps_its_text_inside_and_writes_figures_as_a_reader_does(results):
    box = sim.discover(open_result(results["run"]), "energy:2030 > p80", resamples=3)
    fig = sim.plot(box, "discovery")
    assert _text_outside(fig) == []
    texts = " ".join(t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text")))
    assert "e+0" not in texts and "Source: sim" in texts


def _years_ticked(fig) -> list[str]:
    """The tick labels of a figure's year axes, drawn as saved and narrower (where a year's
    ticks would fall on halves): each must be a whole year."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    ticks = []
    for width in (1.0, 0.6):
        fig.set_figwidth(fig.get_figwidth() * width)
        with plt.rc_context(RC):   # as sim saves it: ticks are made when drawn, at its sizes
            FigureCanvasAgg(fig).draw()
        ticks += [t.get_text() for ax in fig.axes if ax.get_xlabel() == "year" for t in ax.get_xticklabels()
                  if t.get_visible() and t.get_text()]
    return ticks


def test_no_text_of_a_world_fleets_figures_or_a_ranking_reaches_beyond_its_edges():
    """The world fleet's figures carry the longest names (families, regions, its title); their
    years are whole (the regions' narrow panels once read "2020.02022.52025.0")."""
    ds = sim.run(SCENARIOS / "iea_2030.toml", draws=40, calibrate=False)
    for kind in ("fan", "generations", "regions", "region_fans", "context"):
        assert _text_outside(sim.plot(ds, kind)) == [], kind
        years = _years_ticked(sim.plot(ds, kind))
        assert all(re.fullmatch(r"20\d\d", y) for y in years), (kind, years)
        assert kind == "context" or len(years) >= 3
    assert _text_outside(sim.plot(sim.sweep(ds, "pawn", "energy:2030"), "ranking")) == []


def test_a_pawn_ranking_shades_what_an_input_that_does_nothing_reaches():
    """A bar inside the shade is not told apart from noise with these draws: the shade ends at
    the sweep's ``pawn_noise``, and the footer says what it is."""
    ranked = sim.sweep(sim.run(SCENARIOS / "nvidia_2027.toml", draws=200, calibrate=False), "pawn", "energy:2027")
    fig = sim.plot(ranked, "ranking")
    noise = float(ranked.pawn_noise)
    assert [line.get_xdata()[0] for line in fig.axes[0].lines if line.get_linestyle() == "--"] == [noise]
    texts = " ".join(t.get_text() for t in fig.texts)
    assert f"up to {noise:.3f}, what an input that does nothing reaches" in texts
    assert _text_outside(fig) == []


def test_figures_in_labels_are_written_as_a_reader_writes_them():
    from sim.report.plots.style import short_number

    cases = {1534037: "1.53 million", 2.5e9: "2.5 billion", 999_960_000: "1 billion", 15321: "15,300", 1534: "1,530", 999.6: "1,000",
             123.4: "123", 100: "100", 16.48: "16.5", 1.2: "1.2", 0.4851: "0.485", -0.0328: "-0.0328",
             1.53e-5: "0.0000153", 0: "0", -1534: "-1,530"}
    assert {x: short_number(x) for x in cases} == cases


def test_long_legend_labels_wrap_in_even_lines():
    import textwrap

    from sim.report.plots.runs import _balanced

    assert _balanced("Schneider 2023: AI workloads (4.3 GW x 8,760 h)", 46) == \
        "Schneider 2023: AI workloads\n(4.3 GW x 8,760 h)"                     # not "... 8,760" / "h)"
    for text in ("RAND 2025: AI data centers if chip supply keeps growing (68 GW x 8,760 h)", "short", ""):
        lines = _balanced(text, 46).split("\n")
        assert len(lines) == max(1, len(textwrap.wrap(text, 46)))
        assert all(len(line) <= 46 for line in lines) and " ".join(lines) == text


@pytest.mark.parametrize("scenario, first", [("iea_2030", "US"), ("china_2030", "China (this scenario)")])
def test_each_regions_fan_is_its_own_draws_bands(scenario, first):
    import numpy as np

    ds = sim.run(SCENARIOS / f"{scenario}.toml", draws=40, calibrate=False)
    fig = sim.plot(ds, "region_fans")
    panels = [ax for ax in fig.axes if ax.get_title(loc="left")]
    assert [ax.get_title(loc="left") for ax in panels][0] == first and len(panels) == ds.sizes["region"]
    for ax in panels:
        region = ax.get_title(loc="left").removesuffix(" (this scenario)").replace(" ", "_")
        median = [line for line in ax.get_lines() if line.get_label() == "median"][0].get_ydata()
        energy = ds.energy_by_region.sel(region=region).transpose("draw", "year").values
        np.testing.assert_allclose(median, np.median(energy, axis=0), rtol=1e-12)
    assert "TWh" in panels[0].get_ylabel()


def test_the_context_chart_names_the_source_of_every_reference_quantity(results):
    """Its footer is built from the quantities it draws (references.toml): a quantity added or
    changed there cannot be drawn without its source."""
    from sim.report.plots.runs import references_file

    fig = sim.plot(open_result(results["run"]), "context")
    footer = " ".join(t.get_text().replace("\n", " ") for t in fig.texts)
    references = references_file()["context"]
    assert references and all(c["source"] in footer for c in references)
    drawn = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert all(c["label"] in drawn for c in references)
    assert _text_outside(fig) == []


def test_a_fan_of_too_few_draws_says_its_band_is_rough(results):
    """Under 100 draws the 90 % band's edges are not bounded (summary.TAIL_DRAWS): the fan's
    footer says so; a fan of enough draws does not."""
    ds = sim.run(SCENARIOS / "nvidia_2027.toml", draws=60, calibrate=False)
    footer = " ".join(t.get_text().replace("\n", " ") for t in sim.plot(ds, "fan").texts)
    assert "Only 60 draws: too few to bound the 90 % band" in footer
    enough = " ".join(t.get_text() for t in sim.plot(open_result(results["run"]), "fan").texts)
    assert "too few" not in enough
