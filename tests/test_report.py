"""report.html: self-contained, plain language, units and data date, opens in Chromium."""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import GAP0
from helpers import chromium
from PIL import Image

import hubopt
from hubopt.report.figures import frontier_png, state_outlines
from hubopt.report.html import data_date, render_report
from hubopt.report.maps import plan_map_png
from hubopt.report.text import co2_text, money_text, plan_story
from hubopt.studies.compare import compare, compare_plans
from hubopt.studies.pareto import pareto


def _nonblank(png: bytes | Path) -> bool:
    img = Image.open(io.BytesIO(png) if isinstance(png, bytes) else png).convert("RGB")
    a = np.asarray(img, dtype=float)
    return len(np.unique(a.reshape(-1, 3), axis=0)) > 10 and a.std() > 5


def test_report_is_self_contained(comp):
    html = render_report(comp, money_unit="k$")
    assert html.startswith("<!DOCTYPE html>")
    # one inline script (hover tooltips), nothing loaded from anywhere
    assert html.lower().count("<script") == 1 and "<script>" in html
    assert "src=" not in html.split("<script>")[1].split("</script>")[0]
    refs = re.findall(r"""(?:src|href)\s*=\s*["']([^"']*)""", html, flags=re.I)
    assert refs and all(r.startswith("data:image/png;base64,") for r in refs), refs[:3]
    assert "http://" not in html and "https://" not in html
    assert "@import" not in html and "url(" not in html
    # one map per plan that has a plan (base, ec, both), none for the infeasible one
    assert len(refs) == 3
    for unit in ("k$/yr", "t CO2/yr", "t·km/yr", "(km)", "Data as of"):
        assert unit in html, unit


def test_cards_say_what_each_plan_means(comp):
    html = render_report(comp)
    assert "This plan builds 1 hub (1 plant)." in html
    assert "Its hub is in an energy community" in html  # ec
    assert "1 of its 2 hubs is in an energy community" in html  # both
    assert "about 20 jobs" in html
    assert "No plan: no plan can meet every rule of this scenario at once." in html
    assert "The solver proved that no cheaper plan meets the same rules." in html


def test_plan_story_compares_with_the_baseline(comp):
    s, tables = comp.plans["ec"]
    story = plan_story("ec", s, tables, baseline=("base", comp.plans["base"][0]))
    assert "costs $8.00k more a year" in story
    assert "Compared with base" in story
    same = plan_story("base", *comp.plans["base"], baseline=("base", comp.plans["base"][0]))
    assert "Compared with" not in same


def test_story_warns_when_a_difference_is_within_the_gap(comp):
    s, tables = comp.plans["ec"]
    loose = {**s, "mip_gap": 0.5, "status": "time_limit"}
    story = plan_story("ec", loose, tables, baseline=("base", comp.plans["base"][0]))
    assert "within the solver's uncertainty" in story
    assert "a plan up to 50.0% cheaper may exist" in story
    exact = plan_story("ec", s, tables, baseline=("base", comp.plans["base"][0]))
    assert "uncertainty" not in exact


def test_money_and_co2_in_words():
    assert money_text(1.5e6, "k$") == "$1.50 bn"
    assert money_text(2500.0, "k$") == "$2.50 million"
    assert money_text(42.0, "k$") == "$42.0k"
    assert money_text(7.0, "€") == "7.00 €"
    assert money_text(None) == "—"
    assert co2_text(340_000) == "340 kt CO2"
    assert co2_text(2.5e6) == "2.50 Mt CO2"
    assert co2_text(12.0) == "12 t CO2"


def test_data_date_is_read_from_manifest_or_package(results, tmp_path):
    plans_dir = tmp_path / "r"
    shutil.copytree(results / "base", plans_dir / "base")
    assert data_date(compare([plans_dir / "base"]).meta) == "unknown"
    pkg_dir = Path(
        json.loads((plans_dir / "base" / "manifest.json").read_text())["scenario"]["data_dir"]
    )
    readme = pkg_dir / "README.md"
    readme.write_text("# pkg\n\nData as of: 2025-12-31\n", encoding="utf-8")
    try:
        assert data_date(compare([plans_dir / "base"]).meta) == "2025-12-31"
    finally:
        readme.unlink()
    mf = plans_dir / "base" / "manifest.json"
    man = json.loads(mf.read_text())
    man["data_date"] = "2026-01"
    mf.write_text(json.dumps(man))
    comp1 = compare([plans_dir / "base"])
    assert data_date(comp1.meta) == "2026-01"
    assert "Data as of: <b>2026-01</b>" in render_report(comp1)


def test_state_outlines_come_from_plotly_geo():
    states = state_outlines()
    assert states is not None
    assert len(states) == 49  # 48 contiguous states + DC
    assert "AK" not in set(states["STUSPS"]) and "TX" in set(states["STUSPS"])


def test_map_without_the_data_package_still_draws_hubs(comp):
    png = plan_map_png(comp.plans["both"][1], None, title="both", data_date="unknown")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and _nonblank(png)


def test_frontier_plot_marks_unproven_and_missing_points():
    table = pd.DataFrame(
        {
            "point": ["point_01", "point_02", "point_03"],
            "cap_t": [1.0, 2.0, np.nan],
            "total_cost": [np.nan, 20.0, 10.0],
            "emissions_t": [np.nan, 2.0, 3.0],
            "proven": [False, False, True],
        }
    )
    png = frontier_png(table, money_unit="k$", data_date="2025-01-01")
    assert _nonblank(png)


@pytest.fixture(scope="module")
def frontier_report(pkg, tmp_path_factory) -> Path:
    """A report with every section: a frontier, cards, table, robustness, maps."""
    fr = pareto(hubopt.Scenario(name="two", data_dir=pkg), points=3, options=GAP0)
    comp2 = compare_plans(fr.plans, baseline=fr.table["point"].iloc[-1])
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(render_report(comp2, frontier=fr), encoding="utf-8")
    return path


def test_frontier_section(frontier_report):
    html = frontier_report.read_text(encoding="utf-8")
    assert "Cost against CO2" in html and "lowest CO2" in html and "cheapest" in html
    assert "Every point is proven optimal within the gap." in html


def test_report_opens_in_headless_chromium(frontier_report, tmp_path):
    shot = tmp_path / "shot.png"
    r = chromium(
        tmp_path, f"--screenshot={shot}", "--window-size=1280,2000", "--enable-logging=stderr",
        "--v=0", frontier_report.as_uri(),
    )  # fmt: skip
    console = [line for line in r.stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]
    assert not console, console
    assert shot.is_file(), r.stderr[-2000:]
    assert _nonblank(shot)
