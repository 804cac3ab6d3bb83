"""docs/scenarios.md's table of forecasts is what the library's scenarios give today: each row
run again as the table says (1,000 draws, each scenario's own seed and calibration) and its
medians and 90 % ranges compared cell by cell, so a change to a scenario or the model that
moves a published number cannot leave the docs behind."""

import re

import numpy as np
import pytest
from conftest import ROOT

import sim

# the table's rows this test computes: (first cell, scenario, variant, variable, years of its cells)
ROWS = [
    ("`nvidia_2027` (world, NVIDIA, calibrated)", "nvidia_2027", None, "energy", (2025, 2030, 2035)),
    ("`nvidia_2027 --variant devries_premise`", "nvidia_2027", "devries_premise", "energy", (2025, 2030, 2035)),
    ("`iea_2030` (world fleet, all families, calibrated)", "iea_2030", None, "energy", (2025, 2030, 2035)),
    ("`iea_2030`, all data centers (AI and other)", "iea_2030", None, "datacenter_energy", (2025, 2030, 2035)),
    ("`jevons_2035` (world, demand, calibrated)", "jevons_2035", None, "energy", (2025, 2030, 2035)),
    ("`lbnl_us_2028` (US slice, calibrated)", "lbnl_us_2028", None, "energy", (2025, 2028)),
    ("`lbnl_us_2028`, all US data centers", "lbnl_us_2028", None, "datacenter_energy", (2025, 2028)),
    ("`china_2030`, all of China's data centers", "china_2030", None, "datacenter_energy", (2025, 2030)),
]
COLUMNS = (2025, 2030, 2035)   # the table's columns; a year outside them is written in its cell


def cell(values: np.ndarray, year: int) -> str:
    """'842 (541-1,246)': the median and the 5-95 % range over the draws, in whole TWh."""
    p5, p50, p95 = np.percentile(values, [5, 50, 95])
    text = f"{p50:,.0f} ({p5:,.0f}-{p95:,.0f})"
    return text if year in COLUMNS else f"{year}: {text}"


def table_rows() -> dict[str, list[str]]:
    """docs/scenarios.md's forecast table: first cell -> the other cells."""
    text = (ROOT / "docs" / "scenarios.md").read_text()
    section = text[text.index("## The forecasts beside published ones"):]
    rows = {}
    for line in section.splitlines():
        if line.startswith("| `"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            rows[cells[0]] = cells[1:]
    return rows


@pytest.mark.slow
def test_the_forecast_table_in_the_docs_is_what_the_scenarios_give():
    documented = table_rows()
    runs, expected, found = {}, [], []
    for first, name, variant, variable, years in ROWS:
        if (name, variant) not in runs:
            runs[name, variant] = sim.run(name, draws=1000, variant=variant, quiet=True)
        ds = runs[name, variant]
        cells = [cell(ds[variable].sel(year=y).values, y) for y in years]
        cells += ["-"] * (len(COLUMNS) - len(cells))
        expected.append(f"| {first} | " + " | ".join(cells) + " |")
        found.append(f"| {first} | " + " | ".join(documented.get(first, ["(missing)"])) + " |")
    assert found == expected, "docs/scenarios.md's forecast table should read:\n" + "\n".join(expected)


def test_a_cell_is_the_median_and_the_90_percent_range_in_whole_twh():
    values = np.arange(1, 2002, dtype=float)          # percentiles 5, 50, 95: 101, 1,001, 1,901
    assert cell(values, 2030) == "1,001 (101-1,901)"
    assert cell(values, 2028) == "2028: 1,001 (101-1,901)"
    assert re.fullmatch(r"[\d,]+ \([\d,]+-[\d,]+\)", cell(values * 0.37, 2025))
