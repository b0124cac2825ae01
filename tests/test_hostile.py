"""Hostile text (issue 14 item 4): ids, names and headers survive every output, escaped.

The package is ``conftest.base_tables`` with every site id, name, the technology and two
extra column headers replaced by text that breaks naive writers: commas, quotes, a
newline, leading ``=``/``+``/``-``/``@``, HTML that would run script, ``$…$`` (matplotlib
math text), rich markup, a 300-character name and non-ASCII (Zürich, 北京).

Decision (docs/gis.md, "Text in outputs"): key columns (ids) are written verbatim in every
CSV so that they join; free-text cells and headers that a spreadsheet would run as a
formula get a leading apostrophe; GIS formats keep every value and header as given.
"""

from __future__ import annotations

import json
import re
import subprocess
from html import unescape
from pathlib import Path

import pandas as pd
import pyogrio
import pytest
from conftest import base_tables, write_package
from helpers import chromium_dom, hubopt_cli

import hubopt
from hubopt.outputs.tables import write_outputs

IDS = {
    "F1": '=HYPERLINK("http://x","F1")',
    "F2": "-F2 北京",
    "C1": 'C1,"q"\nline',
    "C2": "@Zürich",
}
LONG = "Zürich " + "ä" * 293  # 300 characters, 593 bytes in UTF-8
NAMES = [
    "<script>document.title='pwned'</script> [/b] [bold]",
    "$x^2$ <img src=x onerror=\"document.title='pwned'\">",
    LONG,
    "+1 name",
]
TECH = "$x^$ cells $\\nosuch$"
EVIL_HEADER = '=HYPERLINK("http://evil")'
COMMA_HEADER = "vehicles, per year"


def hostile_tables() -> dict[str, pd.DataFrame]:
    t = base_tables()
    for name, cols in {
        "sites": ["site_id"],
        "demand": ["site_id"],
        "candidates": ["site_id"],
        "lanes": ["origin", "destination"],
    }.items():
        for c in cols:
            t[name][c] = t[name][c].map(IDS)
    t["sites"]["name"] = NAMES
    t["candidates"]["technology"] = TECH
    t["technologies"]["technology"] = TECH
    t["candidates"][EVIL_HEADER] = ["=1+1", "<b>bold</b>"]
    t["candidates"][COMMA_HEADER] = [1000, 2000]
    return t


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    pkg = write_package(root / "pkg", hostile_tables())
    sc = hubopt.Scenario(name="h", data_dir=pkg, solver=hubopt.SolveOptions(mip_rel_gap=0.0))
    outcome = hubopt.run(sc)
    assert outcome.result.termination.value == "optimal"
    return outcome, write_outputs(root / "res", outcome), root


def read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def test_csv_ids_round_trip_verbatim_and_join(run):
    outcome, folder, _root = run
    hubs = read_csv(folder / "hubs.csv")
    assert set(hubs["site_id"]) == {IDS["F1"]}  # F1 alone is cheapest (see conftest)
    cand = read_csv(folder / "candidates.csv")
    assert list(cand["site_id"]) == [IDS["F1"], IDS["F2"]]
    flows = read_csv(folder / "flows.csv")
    assert set(flows["origin"]) <= set(IDS.values()) and set(flows["destination"]) <= set(
        IDS.values()
    )
    demand = read_csv(folder / "demand.csv")
    assert set(demand["site_id"]) == {IDS["C1"], IDS["C2"]}
    sites = read_csv(outcome.scenario.data_dir / "sites.csv")
    joined = hubs.merge(sites[["site_id"]], on="site_id", how="inner")
    assert len(joined) == len(hubs)  # hubs.csv still joins to sites.csv
    assert set(hubs["technology"]) == {TECH}
    for name in ("candidates", "production", "purchases"):
        read_csv(folder / f"{name}.csv")  # parses: quotes, commas and newlines are quoted


def test_csv_free_text_and_headers_are_neutralised(run):
    _outcome, folder, _root = run
    cand = read_csv(folder / "candidates.csv")
    assert f"'{EVIL_HEADER}" in cand.columns and EVIL_HEADER not in cand.columns
    assert COMMA_HEADER in cand.columns
    assert "'=1+1" in set(cand[f"'{EVIL_HEADER}"]) and "<b>bold</b>" in set(cand[f"'{EVIL_HEADER}"])
    assert set(cand["name"]) == {NAMES[0], NAMES[1]}  # HTML is not a formula: kept
    demand = read_csv(folder / "demand.csv")
    assert "name" not in demand or set(demand["name"]) == {LONG, f"'{NAMES[3]}"}


def test_geopackage_keeps_every_value_and_header(run):
    _outcome, folder, _root = run
    cand = pyogrio.read_dataframe(folder / "plan.gpkg", layer="candidates")
    assert set(cand["site_id"]) == {IDS["F1"], IDS["F2"]}
    assert set(cand["name"]) == {NAMES[0], NAMES[1]}
    assert EVIL_HEADER in cand.columns and COMMA_HEADER in cand.columns
    assert cand[COMMA_HEADER].tolist() == [1000, 2000]  # numbers stay numbers (issue 16)
    demand = pyogrio.read_dataframe(folder / "plan.gpkg", layer="demand")
    assert set(demand["name"]) == {LONG, NAMES[3]} and set(demand["site_id"]) == {
        IDS["C1"],
        IDS["C2"],
    }


def test_geojson_keeps_every_value(run):
    _outcome, folder, _root = run
    raw = json.loads((folder / "geojson" / "demand.geojson").read_text(encoding="utf-8"))
    got = {f["properties"]["site_id"]: f["properties"]["name"] for f in raw["features"]}
    assert got == {IDS["C1"]: LONG, IDS["C2"]: NAMES[3]}
    flows = pyogrio.read_dataframe(folder / "geojson" / "flows.geojson")
    assert set(flows["product"]) == {"good"} and set(flows["origin"]) <= set(IDS.values())


def test_shapefile_dbf_is_utf8_with_cpg_and_readable_by_ogrinfo(run):
    _outcome, folder, _root = run
    shp = folder / "shapefiles"
    assert (shp / "demand.cpg").read_text().strip().upper() in ("UTF-8", "UTF8")
    demand = pyogrio.read_dataframe(shp / "demand.shp")
    assert set(demand["site_id"]) == {IDS["C1"], IDS["C2"]}
    long = [n for n in demand["name"] if n.startswith("Zürich")][0]
    assert len(long.encode("utf-8")) <= 254 and LONG.startswith(long)  # DBF limit, cut whole
    cand = pyogrio.read_dataframe(shp / "candidates.shp")
    assert IDS["F2"] in set(cand["site_id"]) and set(cand["technology"]) == {TECH}
    info = subprocess.run(
        ["ogrinfo", "-ro", "-al", "-q", str(shp / "demand.shp")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "@Zürich" in info and "北京" not in info  # (北京 is a hub, not a demand site)
    hubs = subprocess.run(
        ["ogrinfo", "-ro", "-al", "-q", str(shp / "candidates.shp")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "-F2 北京" in hubs
    assert re.search(r"vhcls_pr_y \((Integer|Real|Integer64)\) = 2000", hubs), hubs


def test_report_escapes_names_and_compare_survives_math_text(run, tmp_path):
    _outcome, folder, root = run
    out = tmp_path / "cmp"
    r = hubopt_cli("compare", str(folder), str(folder), "--out", str(out))
    assert r.returncode == 0, r.stderr  # "$\alpha$ cells" in a legend, "[/b]" in a table
    assert "Traceback" not in r.stderr and "[/b]" in r.stdout
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<script>document.title" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html
    dom = chromium_dom(out / "report.html", tmp_path)
    title = re.search(r"<title>(.*?)</title>", dom, re.S).group(1)
    assert "pwned" not in title
    assert dom.lower().count("<script") == 1  # the report's own tooltip script, no other ...
    assert "<img src=" not in dom.replace('<img src="data:', "")
    assert unescape("&lt;script&gt;document.title") in unescape(dom)  # ... the name is text
