"""``sim explore``: one self-contained web page to read and move a result's assumptions.

The page holds one or more ``sim run`` results (a reader picks one; a scenario named instead of
a result is run first, as ``sim run`` runs it, in memory): the fan chart of their
electricity with the published figures of the same scope (a world result's also region by
region, and any fleet's family by family, from the same draws), a pair of sliders for each of the
assumptions that drive the chosen year most, the drivers' PAWN indices (SALib, from the draws,
no model runs; a region's or a family's own when a reader looks at it alone), how the result
meets what was observed (the brief's checks: the figures it
was calibrated to and those held out of it, with the verdicts) and buttons that download the
figure (PNG) and the plotted quantiles (CSV).

Moving a slider *conditions* the ensemble: the chart is drawn from the draws whose value of
that assumption lies inside the slider's range, so what a reader sees is what the model gives
for those assumptions, with the other assumptions' uncertainty still in the bands (no model
runs in the browser, and no interpolation). It is built on Plotly (plotly.js inlined, so the
file opens offline and can be mailed); the arithmetic in the page is quantiles of the kept draws.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from matplotlib.colors import to_rgb

from ..analysis.given_data import DUMMIES, NOISE_LEVEL, from_result
from ..atomic import check_kind, check_writable, writing
from ..errors import InputError
from ..parameters import human_units, label, var_name
from ..results import open_result, stored_attrs
from ..runner import run
from ..analysis.validation import world_figures
from ..scenario.load import resolve
from ..scenario.stored import scenario_of_result
from .checks import check_words
from .summary import TAIL_DRAWS, above_noise
from .plots import style
from .plots.runs import in_drawing_order, published_points

MAX_DRAWS = 2_000        # draws a page holds per result (the first ones: an ensemble's order is random)
PAWN_DRAWS = 20_000      # draws the drivers are ranked from (the first ones), for each part of the result
SLIDERS = 6              # assumptions with sliders: those with the largest PAWN index above its noise


def view(ds, year: int | None = None) -> dict:
    """What the page needs of one result: its draws' electricity, the assumptions that drive the
    chosen ``year`` (default: 2030 if simulated, else the last key year) most, by their PAWN
    indices, with their values as sliders, and the published figures of its scope; and the same
    for each part of it a reader may look at alone (:func:`parts`), whose drivers are its own."""
    years = [int(y) for y in ds.year.values]
    if year is None:
        keys = [int(y) for y in np.atleast_1d(ds.attrs.get("key_years", years[-1]))]
        year = 2030 if 2030 in years else keys[-1]
    n = min(ds.sizes["draw"], MAX_DRAWS)
    head = ds.isel(draw=slice(0, n))
    values: dict[str, list] = {}     # each slider's values by draw, once for the page however many parts show it
    pieces = parts(ds, head, year, values)
    published = published_points(ds)
    # how the run meets what was observed, as the brief's checks page says it (the scenario
    # rebuilt from the text the result stores; a regional scenario's world figures need a
    # world run: the page says how many sim validate checks)
    scenario = scenario_of_result(dict(ds.attrs))
    checks, left = [], 0
    if scenario is not None:
        checks = [{"cells": list(w["cells"]), "status": w["status"]} for w in check_words(ds, scenario)]
        left = len(world_figures(scenario))
    name = ds.attrs.get("scenario", "result") + (f" [{ds.attrs['variant']}]" if ds.attrs.get("variant") else "")
    return {"name": name, "title": ds.attrs.get("title", name), "year": year, "years": years,
            "energy": [_rounded(row) for row in np.asarray(head.energy.values, dtype=float)],
            **_drivers(ds, head, f"energy:{year}", values), "values": values, "checks": checks, "checks_left": left,
            "published": _points(published), "scope": ds.attrs.get("scope", "world"), "parts": pieces,
            "about": f"{n:,} of {ds.sizes['draw']:,} draws; seed {ds.attrs.get('seed')}; "
                     f"{ds.attrs.get('source', 'sim')}"}


def _drivers(ds, head, metric: str, values: dict) -> dict:
    """The ``drivers`` of ``metric`` (PAWN of the result's draws, up to :data:`PAWN_DRAWS`, largest
    first: the table's twelve, each saying whether it stands above what an input that does
    nothing reaches with these draws), the sliders (``inputs``) of the first :data:`SLIDERS` of
    those that do (their values by draw go into ``values``), that ``noise`` level, and the
    metric in the figures' ``words`` ("China electricity in 2030")."""
    pawn = from_result(ds.isel(draw=slice(0, PAWN_DRAWS)), "pawn", metric)
    order, standing = np.argsort(-pawn.pawn_median.values, kind="stable"), above_noise(pawn).values
    drivers = [{"key": str(pawn.parameter.values[i]), "label": label(str(pawn.parameter.values[i])),
                "pawn": round(float(pawn.pawn_median.values[i]), 3), "above": bool(standing[i])} for i in order]
    inputs = []
    for d in [d for d in drivers if d["above"]][:SLIDERS]:
        if d["key"] not in values:
            values[d["key"]] = _rounded(head[var_name(d["key"])].values)   # the page's values: its sliders' ends are theirs
        shown = values[d["key"]]
        inputs.append({"key": d["key"], "label": d["label"], "units": human_units(str(head[var_name(d["key"])].attrs
                                                                                       .get("units", ""))),
                       "low": min(shown), "high": max(shown)})
    return {"drivers": drivers[:12], "inputs": inputs, "noise": round(float(pawn.pawn_noise), 3),
            "words": pawn.attrs["metric_words"]}


def parts(ds, head, year: int, values: dict) -> list[dict]:
    """The parts of a result a reader may look at alone, each a view of the same draws with the
    assumptions that drive its own electricity (``energy:YEAR@PART``): a world result's regions
    (with the published figures of each region's scope; a regional scenario's page shows its
    own region only), and the accelerator families of any fleet that has them (no published
    figure counts a family alone)."""
    found = []
    if "energy_by_region" in head and head.attrs.get("scope", "world") == "world":
        found += [{"group": "by region", "name": region.replace("_", " "), "key": region, "energy": energy,
                   "published": _points(published_points(head, scope=region))}
                  for region, energy in _each(head, "region")]
    if "energy_by_family" in head:
        found += [{"group": "by accelerator family", "name": family, "key": family, "energy": energy,
                   "published": []}
                  for family, energy in _each(head, "family")]
    for part in found:
        part.update(_drivers(ds, head, f"energy:{year}@{part['key']}", values))
    return found


def _each(head, dim: str) -> list[tuple[str, list]]:
    """(name, its electricity by draw and year, rounded as the page holds it) for each member of
    ``dim`` (``region``, ``family``) of ``energy_by_<dim>``."""
    array = np.asarray(head[f"energy_by_{dim}"].transpose("draw", "year", dim).values, dtype=float)
    return [(str(name), [_rounded(row) for row in array[:, :, j]]) for j, name in enumerate(head[dim].values)]


def _points(published) -> list[dict]:
    """In the fan chart's order, so that each source has the figure's colour and marker."""
    return [{"label": p["label"], "year": p["year"], "low": p["low"], "high": p["high"]}
            for p in in_drawing_order(published)]


# matplotlib's markers of the published figures (style.PUBLISHED_MARKERS) as plotly names them
SYMBOLS = [{"D": "diamond", "s": "square", "^": "triangle-up", "v": "triangle-down", "o": "circle", "P": "cross",
            "X": "x", "*": "star"}[m] for m in style.PUBLISHED_MARKERS]


def is_result(item) -> bool:
    """A result file (netCDF or Zarr) rather than a scenario (a library name or a TOML file)."""
    path = Path(str(item))
    return path.suffix in (".nc", ".zarr") or (path.exists() and path.suffix != ".toml")


def dataset(item, draws: int | None = None):
    """A result file's Dataset, or a scenario run in memory as ``sim run`` runs it (calibrated if
    it calibrates by default, with its rebound in demand mode; ``draws``: default its own)."""
    if is_result(item):
        return _run_result(item)
    scenario = resolve(str(item))
    return run(scenario, draws=draws, rebound=scenario.mode == "demand")


def _run_result(item):
    """A result file of ``sim run`` (its draws' electricity by year), or one line saying what it is."""
    ds = open_result(item)
    if "method" in ds.attrs or "energy" not in ds or ds["energy"].dims != ("draw", "year"):
        method = ds.attrs.get("method")
        if method is None:
            what = "not a result of sim run"
        else:
            what = "a result of sim discover" if method == "prim" else f"a result of sim sweep --method {method}"
        raise InputError(str(item), None, f"{what}: the explorer shows a run's draws; give a result of sim run, or a "
                         "scenario to run (sim explore nvidia_2027)")
    return ds


def _name(item) -> str:
    """The scenario a result or a scenario is of (a damaged file: its name; opening it says why)."""
    if not is_result(item):
        return resolve(str(item)).name
    try:
        return str(stored_attrs(item).get("scenario", Path(str(item)).stem))
    except (OSError, ValueError):
        return Path(str(item)).stem


def write(results: list[str], out=None, force: bool = False, year: int | None = None,
          draws: int | None = None) -> tuple[str, int]:
    """Write the page of ``results`` (result files, or scenarios to run: :func:`dataset`) to
    ``out`` (default: ``outputs/<first>/<first>-explore.html``) by sim's one rule for outputs
    (:func:`sim.atomic.writing`); return its path and size in bytes."""
    if out is None:     # named before any run, so that a page that cannot be written costs none
        name = _name(results[0])
        out = Path("outputs") / name / f"{name}-explore.html"
    check_kind(out, (".html", ".htm"), "sim explore writes a web page")
    out = check_writable(out)
    files = {i: _run_result(r) for i, r in enumerate(results) if is_result(r)}   # each checked before any run
    counts = [int(files[i].attrs.get("draws", files[i].sizes["draw"])) if i in files
              else resolve(str(r)).draws if draws is None else draws for i, r in enumerate(results)]
    identity = {"kind": "explorer", "results": [str(r) for r in results], "year": year, "draws": counts}
    # owned before the scenarios named are run, as sim brief owns its PDF: a place where nothing
    # can be made is one line at once, not after the runs, and no second page is written there meanwhile
    with writing(out, identity, force=force) as tmp:
        datasets = [files[i] if i in files else dataset(r, draws) for i, r in enumerate(results)]
        text = page([view(ds, year) for ds in datasets])
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(text)
    return str(out), len(text.encode("utf-8"))


def _rounded(values) -> list:
    """Six significant digits: a figure's precision, a third of the page's size."""
    return [float(f"{v:.6g}") for v in np.asarray(values, dtype=float)]


def page(views: list[dict]) -> str:
    """The HTML of the page: the views as JSON, plotly.js inlined, and the script that draws."""
    from plotly.offline import get_plotlyjs  # plotly is an optional extra (sim[explore])

    data = json.dumps(views, separators=(",", ":")).replace("</", "<\\/")
    return (_HTML.replace("__PLOTLY__", get_plotlyjs()).replace("__DATA__", data)
            .replace("__COLOURS__", json.dumps(style.PUBLISHED_COLOURS)).replace("__SYMBOLS__", json.dumps(SYMBOLS))
            .replace("__BAND__", json.dumps(",".join(str(round(255 * c)) for c in to_rgb(style.BAND))))
            .replace("__COMPARE__", json.dumps(style.COMPARE))
            .replace("__TAIL_DRAWS__", str(TAIL_DRAWS)).replace("__SLIDERS__", str(SLIDERS))
            .replace("__NOISE_ABOUT__", f"the {NOISE_LEVEL}th percentile of {DUMMIES} such inputs")
            .replace("__TITLE__", "sim explorer: " + ", ".join(v["name"] for v in views)))


_HTML = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>__TITLE__</title>
<style>
body{font-family:system-ui,sans-serif;margin:1.2em;color:#222;max-width:1100px}
#controls{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:.6em 1.4em}
.slider label{display:block;font-size:.9em}.slider input{width:48%}
table{border-collapse:collapse;font-size:.85em}td,th{padding:.15em .6em;text-align:left}
button{margin-right:.6em}#kept{font-weight:bold}small{color:#666}
#checks td{vertical-align:top;max-width:30em}#drivers tr.noise td{color:#888}.check-gap td:last-child,.check-outside td:last-child{color:#a33}
</style>
<script>__PLOTLY__</script></head><body>
<h1 style="font-size:1.3em">sim explorer</h1>
<p><label>Result <select id="result"></select></label> <label id="where-label">Show <select id="where"></select></label>
<label id="compare-label">Compare with <select id="compare"></select></label> <small id="compare-note"></small>
<span id="kept"></span></p>
<p id="title"></p>
<div id="chart" style="height:460px"></div>
<p><button id="download-png">Download figure (PNG)</button><button id="download-csv">Download CSV</button>
<button id="reset">Reset the assumptions</button></p>
<h2 style="font-size:1.1em">Move the main assumptions</h2>
<p id="controls-note"><small>The chart keeps only the draws whose values lie in every range: the model's electricity
for those assumptions, the others still uncertain. No model runs: quantiles of the kept draws.
A range moved stays in force, its slider in sight, when another part is shown.</small></p>
<div id="controls"></div>
<h2 style="font-size:1.1em" id="drivers-title">What drives it</h2>
<p><small id="noise"></small></p>
<table id="drivers"><thead><tr><th>assumption</th><th>key</th><th>PAWN (median KS)</th></tr></thead><tbody></tbody></table>
<h2 style="font-size:1.1em">Checked against what was observed</h2>
<p><small id="checks-note"></small></p>
<table id="checks"><thead><tr><th>figure</th><th>published (its source)</th><th>model: median (5-95 %)</th>
<th>verdict</th></tr></thead><tbody></tbody></table>
<p><small id="about"></small></p>
<script>
const VIEWS = __DATA__;
const COLOURS = __COLOURS__, SYMBOLS = __SYMBOLS__, BAND = __BAND__, TAIL_DRAWS = __TAIL_DRAWS__, SLIDERS = __SLIDERS__,
  COMPARE = __COMPARE__;
let view = null, current = 0, against = -1, ranges = {}, where = 0, META = {};
// the part of the fleet the chart shows: all of the result's scope, or one of its parts (a region, a
// family), each with the assumptions that drive its own electricity
function part(){ return where ? view.parts[where-1] : {name:view.scope, energy:view.energy, published:view.published,
  inputs:view.inputs, drivers:view.drivers, noise:view.noise, words:view.words}; }
// a range moved away from an assumption's ends keeps the draws it keeps in every part, and its
// slider stays in sight wherever the reader looks: the part's own sliders, then any such range
function narrowed(k){ const r=ranges[k]; return r && (r[0]>META[k].low || r[1]<META[k].high); }
function shown(){ const own=part().inputs; return own.concat(Object.keys(ranges).filter(k=>narrowed(k) &&
  !own.some(inp=>inp.key===k)).map(k=>META[k])); }
function quantile(sorted, q){ if(!sorted.length) return NaN; const h=(sorted.length-1)*q, lo=Math.floor(h);
  return lo+1<sorted.length ? sorted[lo]+(h-lo)*(sorted[lo+1]-sorted[lo]) : sorted[lo]; }
// a figure as a reader writes it, to three significant figures: 1.53 million, 15,300, 0.485 (never 1.53e+6;
// style.short_number's rule)
function figure(v){ const r=Number(v.toPrecision(3));
  for(const [size, word] of [[1e12,' trillion'],[1e9,' billion'],[1e6,' million']])
    if(Math.abs(r)>=size) return Number((r/size).toPrecision(3))+word;
  return r.toLocaleString('en-US',{maximumFractionDigits:20}); }
function kept(){ const out=[], keys=Object.keys(ranges); for(let d=0; d<view.energy.length; d++){ let ok=true;
  keys.forEach(k=>{ const v=view.values[k][d]; if(v<ranges[k][0]||v>ranges[k][1]) ok=false; });
  if(ok) out.push(d);} return out; }
function bands(){ const keep=kept(); const qs=[0.05,0.25,0.5,0.75,0.95]; const energy=part().energy;
  const rows=view.years.map((y,j)=>{ const col=keep.map(d=>energy[d][j]).sort((a,b)=>a-b);
    return qs.map(q=>quantile(col,q)); }); return {keep, rows}; }
function draw(){ const {keep, rows}=bands(); const y=view.years;
  const q=i=>rows.map(r=>r[i]);
  const traces=[
    {x:y,y:q(4),mode:'lines',line:{width:0},showlegend:false,hoverinfo:'skip'},
    {x:y,y:q(0),mode:'lines',fill:'tonexty',fillcolor:'rgba('+BAND+',0.18)',line:{width:0},name:'90 % of draws'},
    {x:y,y:q(3),mode:'lines',line:{width:0},showlegend:false,hoverinfo:'skip'},
    {x:y,y:q(1),mode:'lines',fill:'tonexty',fillcolor:'rgba('+BAND+',0.35)',line:{width:0},name:'50 % of draws'},
    {x:y,y:q(2),mode:'lines',line:{color:'rgb('+BAND+')',width:2.5},name:'median'}];   // the figures' bands (style.BAND)
  traces.push(...compared());
  const other=VIEWS[against], missing=other && against!==current && where && !other.parts.some(p=>p.key===part().key);
  document.getElementById('compare-note').textContent = missing ? '('+other.name+' has no '+part().name+' to compare)' : '';
  // one colour and marker a published source, as the figures give it (a source's second year
  // once took plotly's next colour, which its legend entry did not show); its range on hover
  const seen={};
  part().published.forEach(p=>{ const mid=(p.low+p.high)/2; const first=!(p.label in seen);
    if(first) seen[p.label]=Object.keys(seen).length; const k=seen[p.label], colour=COLOURS[k%COLOURS.length];
    const value=p.low===p.high ? String(p.low) : p.low+'–'+p.high;
    traces.push({x:[p.year],y:[mid],mode:'markers',name:p.label,legendgroup:p.label,showlegend:first,
      marker:{color:colour,symbol:SYMBOLS[k%SYMBOLS.length],size:8},
      error_y:{type:'data',symmetric:false,array:[p.high-mid],arrayminus:[mid-p.low],color:colour},
      hovertemplate:p.label.replace(/%/g,'%%')+'<br>'+p.year+': '+value+' TWh per year<extra></extra>'}); });
  Plotly.react('chart', traces, {margin:{t:30,r:10},
    yaxis:{title:{text:'electricity (TWh per year)'},rangemode:'tozero'},   // plotly.js 3 reads titles as {text}
    xaxis:{title:{text:'year'}},legend:{orientation:'h',y:-0.2},
    title:{text:heading()+(traces.some(t=>t.legendgroup==='compare') ? '; dashed: '+VIEWS[against].name : ''),font:{size:13}}},
    {displaylogo:false,toImageButtonOptions:{filename:filename()}});
  // fewer draws than TAIL_DRAWS cannot bound the bands' 5th and 95th percentiles (the terminal's precision line)
  document.getElementById('kept').textContent = keep.length+' of '+view.energy.length+' draws kept'+
    (keep.length<TAIL_DRAWS ? ': too few to bound the 90 % band, whose edges here are rough' : '');
  return rows; }
// another result beside this one, the same part of it if it has that part: its median and the edges
// of its 90 % band over all its draws (its assumptions are its own: the sliders keep this result's)
function compared(){ if(against<0 || against===current) return [];
  const other=VIEWS[against], same=where ? other.parts.find(p=>p.key===part().key) : other;
  if(!same) return [];
  const rows=other.years.map((y,j)=>{ const col=same.energy.map(e=>e[j]).sort((a,b)=>a-b);
    return [0.05,0.5,0.95].map(q=>quantile(col,q)); });
  const line=(i,dash,width,label,show)=>({x:other.years,y:rows.map(r=>r[i]),mode:'lines',name:label,
    line:{color:COMPARE,dash:dash,width:width},legendgroup:'compare',showlegend:show});
  return [line(1,'dash',2,other.name+': median, all its draws',true), line(0,'dot',1,other.name+': 90 % of draws',true),
          line(2,'dot',1,other.name+': 90 % of draws',false)]; }
function heading(){ return where ? view.title+': '+part().name : view.title; }
function filename(){ return (view.name+(where ? '-'+part().key : '')).replace(/[^A-Za-z0-9_-]+/g,'_'); }
function places(){ const box=document.getElementById('where'); box.innerHTML=''; let group=null;
  const add=(parent,k,name)=>{ const o=document.createElement('option'); o.value=k; o.textContent=name; parent.appendChild(o); };
  add(box, 0, view.scope+' (all)');
  view.parts.forEach((p,k)=>{ if(!group || group.label!==p.group){ group=document.createElement('optgroup');
    group.label=p.group; box.appendChild(group); } add(group, k+1, p.name); });
  document.getElementById('where-label').style.display = view.parts.length ? '' : 'none'; }
function controls(){ const box=document.getElementById('controls'); box.innerHTML='';
  shown().forEach((inp,i)=>{ const div=document.createElement('div'); div.className='slider';
    const step=(inp.high-inp.low)/200 || 1; const text=document.createElement('label');
    const range=ranges[inp.key] || (ranges[inp.key]=[inp.low,inp.high]);
    const show=()=>{ text.textContent=inp.label+(inp.units?' ('+inp.units+')':'')+': '+
      figure(range[0])+' to '+figure(range[1]); };
    ['low','high'].forEach((end,k)=>{ const s=document.createElement('input'); s.type='range';
      s.min=inp.low; s.max=inp.high; s.step=step; s.value=range[k]; s.id='slider-'+i+'-'+end;
      s.setAttribute('aria-label', inp.label+' '+end);
      s.addEventListener('input',()=>{ range[k]=parseFloat(s.value); if(range[0]>range[1]){
        range[k]=range[1-k]; s.value=range[k]; } show(); draw(); });
      div.appendChild(s); });
    show(); div.insertBefore(text, div.firstChild); box.appendChild(div); }); }
// what drives the part shown, in the chosen year
function drivers(){ const p=part();
  document.getElementById('drivers-title').textContent='What drives '+p.words;
  document.querySelector('#drivers tbody').innerHTML=p.drivers.map(d=>'<tr class="'+(d.above?'above':'noise')+'"><td>'+
    d.label+'</td><td><code>'+d.key+'</code></td><td>'+d.pawn.toFixed(3)+(d.above?'':' (within noise)')+'</td></tr>').join('');
  const above=p.drivers.filter(d=>d.above).length;
  document.getElementById('noise').textContent='An assumption that does nothing reaches a PAWN index of up to '+
    p.noise.toFixed(3)+' with these draws (__NOISE_ABOUT__): '+(above ?
    'the sliders are the assumptions above it, at most '+SLIDERS+'.' : 'no assumption stands above it, so there are no sliders; more draws would tell the drivers apart.');
  document.getElementById('controls-note').style.display = above || shown().length ? '' : 'none'; }
function look(){ controls(); drivers(); draw(); }
function select(k){ view=VIEWS[k]; current=k; where=0; ranges={}; META={};
  [view].concat(view.parts).forEach(p=>p.inputs.forEach(inp=>{ META[inp.key]=inp; }));
  places(); look();
  document.getElementById('title').textContent=view.title;
  const body=document.querySelector('#checks tbody'); body.innerHTML='';
  view.checks.forEach(c=>{ const tr=document.createElement('tr'); tr.className='check-'+c.status;
    c.cells.forEach(text=>{ const td=document.createElement('td'); td.textContent=text; tr.appendChild(td); });
    body.appendChild(tr); });
  document.getElementById('checks-note').textContent = (view.checks.length ?
    'The figures the run was calibrated to, then those held out of it (neither an input nor a calibration target), against all its draws.' :
    'The result does not say what it was checked against (it was run with --set overrides, or stores no scenario).') +
    (view.checks_left ? ' '+view.checks_left+' figures of the world fleet held out of it need a run of the world: sim validate checks them.' : '');
  document.getElementById('about').textContent=view.about; }
const pick=document.getElementById('result');
VIEWS.forEach((v,k)=>{ const o=document.createElement('option'); o.value=k; o.textContent=v.name; pick.appendChild(o); });
pick.addEventListener('change',()=>select(parseInt(pick.value)));
const compareBox=document.getElementById('compare');
[['nothing',-1]].concat(VIEWS.map((v,k)=>[v.name,k])).forEach(([name,k])=>{ const o=document.createElement('option');
  o.value=k; o.textContent=name; compareBox.appendChild(o); });
compareBox.addEventListener('change',()=>{ against=parseInt(compareBox.value); draw(); });
document.getElementById('compare-label').style.display = VIEWS.length>1 ? '' : 'none';
document.getElementById('where').addEventListener('change',e=>{ where=parseInt(e.target.value); look(); });
document.getElementById('reset').addEventListener('click',()=>{ ranges={}; controls(); draw(); });
document.getElementById('download-png').addEventListener('click',()=>
  Plotly.downloadImage('chart',{format:'png',filename:filename()}));
document.getElementById('download-csv').addEventListener('click',()=>{ const {keep, rows}=bands();
  const lines=['# '+heading(), '# '+keep.length+' of '+view.energy.length+' draws kept; '+shown().map(inp=>
    inp.key+' in ['+ranges[inp.key][0]+', '+ranges[inp.key][1]+']').join('; '), 'year,p5_TWh,p25_TWh,p50_TWh,p75_TWh,p95_TWh'];
  view.years.forEach((y,j)=>lines.push([y].concat(rows[j].map(v=>v.toPrecision(6))).join(',')));
  const a=document.createElement('a'); a.href=URL.createObjectURL(new Blob([lines.join('\\n')+'\\n'],{type:'text/csv'}));
  a.download=filename()+'-explorer.csv'; document.body.appendChild(a); a.click(); a.remove(); });
select(0);
</script></body></html>
"""
