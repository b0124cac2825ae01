"""report.html for people (issue 16, item 4): hover tooltips, print layout, maps, cards.

A small package solved for real (HiGHS, gap 0): site F1 holds two existing plants of two
technologies (co-located options), F2 a new hub in an energy community; site names carry
HTML. Six plans with long names (the same package, different scenarios) make the cards
and the comparison table wide. Headless Chromium opens the report: a script injected into
a copy points at every hub, site and flow (``elementFromPoint`` at its centre, then a
mouse event), and writes what the tooltip shows into the DOM (``--dump-dom``); another
applies the print rules at A4 width and measures every table; ``--print-to-pdf`` prints.
"""

from __future__ import annotations

import html as html_lib
import io
import json
import re
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import base_tables, write_package
from helpers import chromium
from PIL import Image

import hubopt
from hubopt.report.html import render_report
from hubopt.report.maps import plain_name, plan_map
from hubopt.report.pieces import co2_card, co2_digits, frontier_slopes
from hubopt.studies.compare import compare

HOSTILE = 'Fac <b>one</b> & "co"'
LONG = "a_plan_with_a_really_quite_remarkably_long_name_that_goes_on_{}"
A4_PX = 703  # A4 width minus 2 × 12 mm margins, in CSS px (96 per inch)


def tables() -> dict[str, pd.DataFrame]:
    t = base_tables()
    t["sites"].loc[0, "name"] = HOSTILE
    t["lanes"]["kg_co2_per_unit"] = [0.0, 100.0, 100.0, 0.0]  # F1→C2 emits: F2 avoids it
    t["technologies"] = pd.DataFrame(
        {
            "technology": ["plant", "cam_production"],
            "output": ["good", "good"],
            "unit_cost": [1.0, 1.0],
        }
    )
    c = t["candidates"]
    extra = pd.DataFrame(
        {
            "site_id": ["F1"],
            "technology": ["cam_production"],
            "size": ["big"],
            "capacity": [10.0],
            "fixed_cost": [5.0],
            "capex": [50.0],
            "jobs": [5],
        }
    )
    c = pd.concat([c, extra], ignore_index=True)
    c["status"] = ["existing", "candidate", "existing"]
    t["candidates"] = c
    return t


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> tuple[Path, object]:
    root = tmp_path_factory.mktemp("browser")
    pkg = write_package(root / "pkg", tables())
    folders = []
    for i in range(6):
        sc = hubopt.Scenario(
            name=LONG.format(i),
            data_dir=pkg,
            min_energy_community_hubs=1 if i % 2 == 0 else 0,
            solver=hubopt.SolveOptions(mip_rel_gap=0.0, time_limit_s=60),
        )
        folders.append(hubopt.write_outputs(root / "res" / sc.name, hubopt.run(sc)))
    comp = compare(folders, baseline=LONG.format(0))
    path = root / "report.html"
    path.write_text(render_report(comp, money_unit="k$"), encoding="utf-8")
    return path, comp


def with_script(path: Path, out: Path, script: str) -> Path:
    """Copy the report with ``script`` run once the page has loaded."""
    text = path.read_text(encoding="utf-8")
    js = f"<script>window.addEventListener('load',function(){{{script}}});</script>"
    out.write_text(text.replace("</body>", js + "</body>"), encoding="utf-8")
    return out


def dumped(r: subprocess.CompletedProcess, element: str) -> object:
    m = re.search(rf'<pre id="{element}">(.*?)</pre>', r.stdout, flags=re.S)
    assert m, r.stderr[-2000:]
    return json.loads(html_lib.unescape(m.group(1)))


HOVER = """
function pts(m){var M=m.getScreenCTM(),p=m.ownerSVGElement.createSVGPoint(),out=[];
function at(x,y){p.x=x;p.y=y;var q=p.matrixTransform(M);out.push([q.x,q.y]);}
var g=function(k){return +m.getAttribute(k);};
if(m.tagName==='line'){for(var i=1;i<20;i++){var t=i/20;
at(g('x1')+t*(g('x2')-g('x1')),g('y1')+t*(g('y2')-g('y1')));}}else{at(g('cx'),g('cy'));}
return out;}
var out=[];document.querySelectorAll('.map [data-tip]').forEach(function(m){
m.scrollIntoView({block:'center'});var hit=null;
pts(m).forEach(function(q){if(!hit&&document.elementFromPoint(q[0],q[1])===m)hit=q;});
var t=document.getElementById('tip');t.textContent='';t.style.display='none';
if(hit){var ev={bubbles:true,clientX:hit[0],clientY:hit[1],view:window};
m.dispatchEvent(new MouseEvent('mouseover',ev));m.dispatchEvent(new MouseEvent('mousemove',ev));}
out.push({kind:m.getAttribute('class'),own:m.getAttribute('data-tip'),shown:t.textContent,
visible:getComputedStyle(t).display!=='none',top:!!hit});});
var p=document.createElement('pre');p.id='hover';p.textContent=JSON.stringify(out);
document.body.appendChild(p);
"""


def test_hovering_every_hub_site_and_flow_shows_its_figures(report, tmp_path):
    path, _comp = report
    page = with_script(path, tmp_path / "hover.html", HOVER)
    r = chromium(tmp_path, "--window-size=1280,1400", "--dump-dom", page.as_uri())
    marks = dumped(r, "hover")
    kinds = {k: [m for m in marks if k in m["kind"]] for k in ("hub", "site", "flow")}
    assert all(kinds.values()), {k: len(v) for k, v in kinds.items()}
    for m in marks:
        assert m["top"], m  # nothing hides it: co-located options are spread apart
        assert m["visible"] and m["shown"] == m["own"], m
    hubs = [m["shown"] for m in kinds["hub"]]
    # two plants at F1 in every plan (6 plans) and the new hub F2 in three plans
    first = [h.split("\n")[0] for h in hubs]
    assert sum(f.startswith(f"{HOSTILE} (F1)") for f in first) == 12
    assert sum(f.startswith("Fac 2 (F2)") for f in first) == 3
    f1 = next(h for h in hubs if "CAM production" in h)
    assert HOSTILE in f1  # escaped in the file, shown as typed
    for part in ("technology: CAM production (existing plant)", "size: big"):
        assert part in f1
    for part in ("capacity: 10 t/yr", "jobs: 5", "capex: 50 k$"):
        assert part in f1
    f2 = next(h for h in hubs if h.startswith("Fac 2 (F2)"))
    assert "technology: Plant (new)" in f2 and "capex: 200 k$" in f2 and "jobs: 20" in f2
    assert any("demand site" in m["shown"] for m in kinds["site"])
    assert all("flow:" in m["shown"] and "t/yr" in m["shown"] for m in kinds["flow"])


def test_story_compares_with_a_zero_co2_baseline(report):
    text = report[0].read_text(encoding="utf-8")  # the baseline emits 0 t CO2 (F2 open)
    assert f"Compared with {LONG.format(0)}, it costs $10.0k less a year" in text


def test_names_are_escaped_in_the_file(report):
    text = report[0].read_text(encoding="utf-8")
    assert HOSTILE not in text and "<b>one</b>" not in text
    assert "Fac &lt;b&gt;one&lt;/b&gt; &amp; &quot;co&quot;" in text


PRINT = """
var css='';for(var s of document.styleSheets){for(var r of s.cssRules){
if(r.media&&r.media.mediaText==='print'){for(var q of r.cssRules){
if(q.type===1)css+=q.cssText+'\\n';}}}}
var st=document.createElement('style');st.textContent=css;document.head.appendChild(st);
document.querySelectorAll('details').forEach(function(d){d.open=true;});
var w=document.documentElement.clientWidth,out={width:w,css:css.length,tables:[],cards:[]};
document.querySelectorAll('table').forEach(function(t){var r=t.getBoundingClientRect();
out.tables.push({left:r.left,right:r.right,scroll:t.scrollWidth,client:t.clientWidth});});
document.querySelectorAll('.card h3').forEach(function(h){
out.cards.push({scroll:h.scrollWidth,client:h.clientWidth,
right:h.getBoundingClientRect().right,card:h.parentNode.getBoundingClientRect().right,
whole:h.parentNode.scrollWidth,inner:h.parentNode.clientWidth});});
var p=document.createElement('pre');p.id='print';p.textContent=JSON.stringify(out);
document.body.appendChild(p);
"""


def test_print_rules_keep_every_table_inside_an_a4_page(report, tmp_path):
    path, _comp = report
    page = with_script(path, tmp_path / "print.html", PRINT)
    r = chromium(tmp_path, f"--window-size={A4_PX},1200", "--dump-dom", page.as_uri())
    got = dumped(r, "print")
    assert got["css"] > 0  # the report has print rules
    assert len(got["tables"]) >= 4
    for t in got["tables"]:
        assert t["left"] >= 0 and t["right"] <= got["width"] + 1, (t, got["width"])
        assert t["scroll"] <= t["client"] + 1, t
    for c in got["cards"]:  # long plan names wrap inside their card
        assert c["scroll"] <= c["client"] + 1 and c["right"] <= c["card"] + 1, c
        assert c["whole"] <= c["inner"] + 1, c
    pdf = tmp_path / "report.pdf"
    r = chromium(tmp_path, f"--print-to-pdf={pdf}", "--no-pdf-header-footer", path.as_uri())
    assert pdf.is_file() and pdf.read_bytes()[:5] == b"%PDF-", r.stderr[-2000:]
    pages = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)", pdf.read_bytes())
    assert pages and all(abs(float(w) - 595.92) < 2 for w, _h in pages)  # A4, @page


def test_cards_wrap_long_names_at_screen_width(report, tmp_path):
    path, _comp = report
    script = PRINT.replace("document.styleSheets", "[]")  # screen rules only
    page = with_script(path, tmp_path / "screen.html", script)
    r = chromium(tmp_path, "--window-size=420,1200", "--dump-dom", page.as_uri())
    for c in dumped(r, "print")["cards"]:
        assert c["scroll"] <= c["client"] + 1, c
        assert c["whole"] <= c["inner"] + 1, c  # the story names the baseline: wraps too


def test_map_names_new_hubs_and_uses_plain_legend_names(report):
    _path, comp = report
    s, t = comp.plans[LONG.format(0)]
    pm = plan_map(t, None, title="x", labels={"plant": "Assembly plant"}, units={"good": "t"})
    assert pm.named == ["Fac 2"]  # the new hub; existing plants are not named
    assert "CAM production" in pm.legend and "Assembly plant" in pm.legend
    assert not any("_" in entry for entry in pm.legend)
    assert plain_name("cell_manufacturing") == "Cell manufacturing"
    # the two plants at F1 are spread: their marks do not share a centre
    f1 = [(m.x, m.y) for m in pm.marks if m.kind == "hub" and "(F1)" in m.tip]
    assert len(f1) == 2 and np.hypot(f1[0][0] - f1[1][0], f1[0][1] - f1[1][1]) > 2 * 4


def _white_rows(png: bytes) -> int:
    """Longest run of blank rows in the lower half of the image."""
    a = np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=int)
    blank = (a >= 250).all(axis=1)[a.shape[0] // 2 :]
    best = run = 0
    for b in blank:
        run = run + 1 if b else 0
        best = max(best, run)
    return best


def test_no_empty_band_under_the_legend(report):
    _path, comp = report
    pm = plan_map(comp.plans[LONG.format(0)][1], None, title="x")
    assert _white_rows(pm.png) < 25
    img = Image.open(io.BytesIO(pm.png))
    assert img.size == (pm.width, pm.height)


def test_cards_show_co2_with_enough_digits():
    values = [340_210.0, 340_240.0, 1_000.0]
    d = co2_digits(values)
    texts = [co2_card(v, d) for v in values]
    assert len(set(texts)) == 3, texts
    assert texts[:2] == ["340.21 kt CO2", "340.24 kt CO2"]
    assert co2_card(340_000.0, co2_digits([340_000.0])) == "340 kt CO2"


def test_frontier_gives_cost_per_tonne_avoided_and_co2_range():
    t = pd.DataFrame(
        {
            "point": ["point_01", "point_02", "point_03"],
            "kind": ["min_co2", "cap", "min_cost"],
            "cap_t": [np.nan, 150.0, np.nan],
            "total_cost": [400.0, 200.0, 100.0],
            "emissions_t": [100.0, 150.0, 250.0],
        }
    )
    slopes = frontier_slopes(t)
    assert slopes.tolist()[:2] == [4.0, 1.0] and np.isnan(slopes.iloc[2])


def test_frontier_section_in_the_report(tmp_path):
    pkg = write_package(tmp_path / "pkg", tables())
    from hubopt.studies.compare import compare_plans
    from hubopt.studies.pareto import pareto

    sc = hubopt.Scenario(name="f", data_dir=pkg, carbon_price=0.0)
    fr = pareto(sc, points=3, options=hubopt.SolveOptions(mip_rel_gap=0.0, time_limit_s=60))
    comp = compare_plans(fr.plans, baseline=fr.table["point"].iloc[-1])
    text = render_report(comp, frontier=fr)
    # min cost: F1 serves both (lanes 5 + 15), 0.5 t CO2 on F1→C2; least CO2: F2 opens
    # (fixed 20, lanes 5 + 5) and no CO2: 10 k$ more for 0.5 t avoided = 20 k$/t
    assert "cost per t CO2 avoided vs the next point to the right (k$/t)" in text
    assert "<td>20</td>" in text
    assert "Its CO2 range is 0.5 t a year wide (from 0 to 0.5 t, 100.0% of the highest)" in text


def test_footer_names_the_package_and_its_hash_not_a_path(report):
    text = report[0].read_text(encoding="utf-8")
    foot = text.split("<footer>")[1]
    assert str(report[0].parent) not in foot and "/pkg" not in foot
    assert re.search(r"Data package: pkg \(inputs [0-9a-f]{8}\)", foot), foot
