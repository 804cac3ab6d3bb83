"""Writes the notebooks in this folder (without outputs): python notebooks/make_notebooks.py"""
from pathlib import Path

import nbformat as nbf
from nbformat.v4 import new_code_cell as code, new_markdown_cell as md, new_notebook

NOTEBOOKS = {}   # name -> notebook; tests/test_notebooks.py holds the committed files to these


def write(name, cells):
    for i, cell in enumerate(cells):   # ids that do not change when the notebooks are written again
        cell.id = f"{name.split('_')[0]}-{i:02d}"
    NOTEBOOKS[name] = new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                                         "language": "python"}})

write("01_quickstart.ipynb", [
    md("# Quickstart: run a scenario and look at the result\n\nLoad a scenario file, run its Monte Carlo ensemble, inspect the `xarray` dataset, and draw the fan chart. Only the public API: `sim.load_scenario`, `sim.run`, `sim.plot`."),
    code("import sim\n\nscenario = sim.load_scenario('../scenarios/nvidia_2027.toml')\nprint(scenario.title)\nprint(len(scenario.parameters), 'parameters, of which uncertain:', scenario.uncertain)"),
    md("Every numeric assumption is a distribution (or a constant) with units; `describe()` shows it."),
    code("for key in scenario.uncertain:\n    print(f\"{key:32} {scenario.parameters[key].describe()}\")"),
    md("Run 500 draws. The same scenario and seed always give the same numbers, however the draws are batched."),
    code("ds = sim.run(scenario, draws=500, seed=1)\nds"),
    md("Electricity (TWh/yr) at the 5th, 50th and 95th percentiles for the key years:"),
    code("ds.energy.sel(year=list(scenario.key_years)).quantile([0.05, 0.5, 0.95], dim='draw').round(1).to_pandas()"),
    md("Change an assumption without editing the file, as `--set` does on the command line:"),
    code("hot = sim.run(scenario, draws=500, seed=1, overrides=['fleet.pue=1.5'])\nprint('median 2030 TWh, PUE as in the file:', float(ds.energy.sel(year=2030).median()).__round__(1))\nprint('median 2030 TWh, PUE = 1.5         :', float(hot.energy.sel(year=2030).median()).__round__(1))"),
    md("The fan chart, with de Vries's published estimates drawn as ranges:"),
    code("fig = sim.plot(ds, 'fan')\nfig"),
    code("fig = sim.plot(ds, 'generations')\nfig"),
])

write("02_jevons.ipynb", [
    md("# Jevons: does efficiency lower AI electricity?\n\n`scenarios/jevons_2035.toml` lets demand for AI tasks respond to their cost with a price elasticity ε. With ε = 0 efficiency saves electricity one for one; with 0 < ε < 1 part of the saving is taken back; with ε > 1 efficiency *raises* electricity (backfire). No published elasticity for AI compute exists, so we vary it."),
    code("import numpy as np\nimport sim\n\npath = '../scenarios/jevons_2035.toml'\nscenario = sim.load_scenario(path)\nprint(scenario.parameters['demand.elasticity'].describe())"),
    md("Fix the elasticity at several values and compare 2035 electricity, with faster and slower algorithmic efficiency (months for the work per task to halve). These what-ifs lift the limits and fix what the 2022-2026 observations constrain, so they run on the prior (`calibrate=False`): they show the mechanism, not a forecast."),
    code("rows = []\nfor eps in (0.0, 0.5, 1.0, 1.5):\n    for halving in (12, 30):\n        ds = sim.run(path, draws=200, seed=1, overrides=[f'demand.elasticity={eps}', f'demand.algorithmic_halving_months={halving}', 'demand.supply_capacity=1e9', 'power.capacity_gw=1e4'], calibrate=False)\n        at_ceiling = float(ds.budget_bound.sel(year=2035).mean())\n        rows.append((eps, halving, float(ds.energy.sel(year=2035).median()), at_ceiling))\nfor eps, halving, twh, at_ceiling in rows:\n    print(f'elasticity {eps:3.1f}  halving every {halving:2d} months: {twh:9.1f} TWh in 2035; demand capped by the spending ceiling in {at_ceiling:.0%} of its months')"),
    md("With the supply cap and power queue lifted (above), faster efficiency (12-month halving) lowers 2035 electricity when ε < 1: with ε = 0 by the whole of the algorithmic saving, with ε = 0.5 by part of it. At ε = 1 and ε = 1.5 the two paces give the same electricity, and the same at both elasticities: the scenario's spending ceiling caps demand in every month of 2035, in every draw (the last column), so 2035 electricity is what the budget for AI compute buys, whatever the pace of efficiency. Backfire (ε > 1 raising electricity as efficiency improves) needs spending to follow demand; in this scenario it cannot (even a ceiling of all of world IT spending binds by 2035), so the budget, not the elasticity, sets the large-ε numbers. With every limit lifted these are not forecasts; they show the mechanism. The scenario's own supply cap and power queue bound them further, as the grid further down shows."),
    code("by = {(e, h): t for e, h, t, _ in rows}\nfor eps in (0.0, 0.5, 1.0, 1.5):\n    change = by[(eps, 12)] / by[(eps, 30)] - 1\n    print(f'elasticity {eps}: faster efficiency changes 2035 electricity by {change:+.0%}')"),
    md("The scenario's own run, calibrated to the 2022-2026 observations, with its limits, splits each draw's electricity two ways. Against the same draws with no demand response (ε = 0), almost all of it is the rebound; against the same draws with the growth of demand's first year (2025) held and no further response to cost, the response adds almost nothing. Both are true, and the second says why: the spending ceiling caps demand in most months from 2026 (the last line), and where it binds the electricity is what the budget buys at the cost of compute, whatever the elasticity. The headline's driver is the budget for AI compute, not ε; the ε = 0 case is a collapse of demand growth that the observed growth does not support."),
    code("ds = sim.run(path, draws=300, seed=1, rebound=True)\nenergy = ds.energy.sel(year=2035)\nprint('rebound share of 2035 electricity against elasticity 0: median', round(float((ds.rebound.sel(year=2035) / energy).median()), 2))\nprint('... against the growth of its first year held: median', round(float((ds.rebound_beyond_trend.sel(year=2035) / energy).median()), 2))\nprint('months with demand at the spending ceiling, 2026 and 2035:', round(float(ds.budget_bound.sel(year=2026).mean()), 2), round(float(ds.budget_bound.sel(year=2035).mean()), 2))\nfig = sim.plot(ds, 'rebound')\nfig"),
    md("A grid over elasticity and algorithmic efficiency, the rest of the uncertainty kept as draws at each point:"),
    code("grid = sim.sweep(path, 'grid', 'energy:2035', params=['demand.elasticity=0.3:1.6:4', 'demand.algorithmic_halving_months=12:30:3'], draws=50)\nfig = sim.plot(grid, 'heatmap')\nfig"),
])

write("03_sensitivity.ipynb", [
    md("# Sensitivity: which assumption matters most?\n\nOne at a time (a tornado), global Sobol indices, Morris screening, and indices over time. `sim.sweep` returns an `xarray.Dataset` that also stores the sample design."),
    code("import sim\n\npath = '../scenarios/nvidia_2027.toml'\noat = sim.sweep(path, 'oat', 'energy:2035')\noat[['metric_low', 'metric_high', 'swing']].to_pandas().round(1)"),
    code("fig = sim.plot(oat, 'tornado')\nfig"),
    md("Sobol indices: the share of the variance of 2035 electricity each assumption explains alone (first order) and with its interactions (total), with bootstrap intervals."),
    code("sobol = sim.sweep(path, 'sobol', 'energy:2035', samples=512)\nsobol[['first_order', 'total_order', 'total_order_low', 'total_order_high']].to_pandas().round(3).sort_values('total_order', ascending=False)"),
    code("fig = sim.plot(sobol, 'sobol')\nfig"),
    md("Morris elementary effects screen many parameters cheaply: μ* ranks importance, σ flags non-linearity or interactions."),
    code("morris = sim.sweep(path, 'morris', 'energy:2035', samples=30)\nmorris[['mu_star', 'sigma']].to_pandas().round(1).sort_values('mu_star', ascending=False)"),
    md("Indices over time: early on the installed base depends on lifetime and lead time; later on growth, power and utilisation."),
    code("over_time = sim.sweep(path, 'sobol', 'energy', samples=256, years=[2025, 2028, 2031, 2035])\nover_time.total_order.to_pandas().round(2).T"),
    md("Draws you already have can be analysed without new model runs: PAWN indices (SALib) rank the inputs of a plain run, and scenario discovery (PRIM) finds which ranges of which inputs lead to an outcome, here the top fifth of 2030 electricity. These use the prior (`calibrate=False`)."),
    code("ds = sim.run(path, draws=1000, seed=1, calibrate=False)\npawn = sim.sweep(ds, 'pawn', 'energy:2030')\npawn.pawn_median.to_pandas().sort_values(ascending=False).round(3).head(8)"),
    code("box = sim.discover(ds, 'energy:2030 > p80')\nprint(box.attrs['description'])\nfig = sim.plot(box, 'discovery')\nfig"),
])
print("ok")


if __name__ == "__main__":
    for name, nb in NOTEBOOKS.items():
        nbf.write(nb, Path(__file__).with_name(name))
