"""hubopt pareto: the cost–CO2 frontier on instances with a hand-derived frontier.

Two-mode network (``conftest.base_tables``, F1 fixed 12): 2 t per unit; lanes 100 km
(F1→C1, F2→C2) and 300 km (crossed); road costs 0.005 and emits 0.1 kg per t-km, rail
0.002 and 1.0. Moving a unit from rail to road saves 0.18 t per 100 km for 0.6 more
(10/3 per tonne) on every lane, so:

* cheapest: F1 alone, all rail: cost 30, CO2 4 t;
* with F1 alone, a cap C in [0.4, 4] costs 30 + (4 − C)·10/3 (all road at 0.4 t);
* below 0.4 t both hubs are needed: 46 + (2 − C)·10/3 for C in [0.2, 2];
* lowest CO2: both hubs, road to the nearest customer: 0.2 t, cost 52.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import GAP0, write_package
from helpers import hubopt_cli, random_cflp, scenario_file
from PIL import Image

import hubopt
from hubopt import SolutionStatus, Termination
from hubopt.outputs.studies import write_frontier
from hubopt.outputs.tables import read_result
from hubopt.studies.pareto import (
    CAP_REL_TOL,
    _best_known,
    caps,
    co2_expression,
    pareto,
    scenario_toml,
)


def hand_cost(cap: float) -> float:
    """The frontier derived by hand (module docstring)."""
    if cap >= 0.4:
        return 30.0 + (4.0 - min(cap, 4.0)) * 10.0 / 3.0
    return 46.0 + (2.0 - cap) * 10.0 / 3.0


@pytest.fixture(scope="module")
def frontier(pkg):
    return pareto(hubopt.Scenario(name="two", data_dir=pkg), points=6, options=GAP0)


def test_frontier_matches_the_hand_derived_curve(frontier):
    t = frontier.table
    assert list(t["kind"]) == ["min_co2", "cap", "cap", "cap", "cap", "min_cost"]
    assert t["cap_t"].iloc[:-1].tolist() == pytest.approx(list(np.linspace(0.2, 4.0, 6)[:-1]))
    for _i, r in t.iloc[:-1].iterrows():
        assert r["total_cost"] == pytest.approx(hand_cost(r["cap_t"]), rel=1e-5), r["point"]
    assert t["proven"].all() and not t["dominated"].any()
    assert frontier.complete and frontier.info["notes"] == []


def test_frontier_is_monotone_and_respects_caps(frontier):
    t = frontier.table
    cost = t["total_cost"].to_numpy()
    assert np.all(np.diff(cost) <= 1e-9 * np.abs(cost[:-1]))  # looser cap: never dearer
    assert np.all(np.diff(t["emissions_t"].to_numpy()) >= -1e-9)
    capped = t[t["cap_t"].notna()]
    assert (capped["emissions_t"] <= capped["cap_t"] * (1 + CAP_REL_TOL) + 1e-6).all()


def test_end_points_equal_single_objective_optima(frontier, pkg):
    t = frontier.table.set_index("kind")
    # cheapest end = an ordinary solve of the scenario
    plain = hubopt.run(hubopt.Scenario(name="plain", data_dir=pkg), GAP0)
    assert t.loc["min_cost", "total_cost"] == pytest.approx(plain.result.objective)
    assert t.loc["min_cost", "emissions_t"] == pytest.approx(plain.plan.summary["emissions_t"])
    assert t.loc["min_cost", "total_cost"] == pytest.approx(30.0)
    assert t.loc["min_cost", "emissions_t"] == pytest.approx(4.0)
    # lowest-CO2 end, solved independently: a carbon price so high that CO2 comes first
    clean = hubopt.run(hubopt.Scenario(name="clean", data_dir=pkg, carbon_price=1e6), GAP0)
    s = clean.plan.summary
    assert t.loc["min_co2", "emissions_t"] == pytest.approx(s["emissions_t"], rel=1e-5)
    assert t.loc["min_co2", "emissions_t"] == pytest.approx(0.2, rel=1e-5)
    assert t.loc["min_co2", "total_cost"] == pytest.approx(
        s["total_cost"] - s["carbon_cost"], rel=1e-5
    )
    assert t.loc["min_co2", "total_cost"] == pytest.approx(52.0, rel=1e-5)
    assert frontier.info["min_co2"]["e_min_t"] == pytest.approx(0.2)


def test_co2_expression_is_the_plan_emissions(pkg):
    out = hubopt.run(hubopt.Scenario(name="e", data_dir=pkg), GAP0)
    from pyomo.environ import value

    assert value(co2_expression(out.model)) == pytest.approx(out.plan.summary["emissions_t"])


def test_caps_are_evenly_spaced_between_the_extremes():
    assert caps(1.0, 5.0, 5) == pytest.approx([2.0, 3.0, 4.0])
    assert caps(1.0, 5.0, 2) == []
    assert caps(3.0, 3.0, 10) == []


def test_every_point_is_a_full_plan_on_disk(pkg, tmp_path):
    sc = hubopt.Scenario(name="two", data_dir=pkg)
    fr = pareto(sc, points=3, options=GAP0)
    folder = write_frontier(fr, tmp_path / "two-pareto")
    assert folder == tmp_path / "two-pareto"
    for f in ("frontier.csv", "frontier.json", "frontier.png", "report.html"):
        assert (folder / f).is_file(), f
    table = pd.read_csv(folder / "frontier.csv")
    assert list(table["point"]) == ["point_01", "point_02", "point_03"]
    for _i, r in table.iterrows():
        s, tables = read_result(folder / r["folder"])
        assert s["status"] == "optimal" and "hubs" in tables
        assert s["total_cost"] == pytest.approx(r["total_cost"])
    # each point's scenario.toml reproduces its cap
    again = hubopt.load_scenario(folder / "point_02" / "scenario.toml")
    assert again.max_emissions_t == pytest.approx(2.1, rel=1e-5)
    assert json.loads((folder / "frontier.json").read_text())["min_co2"]["status"] == "optimal"
    png = np.asarray(Image.open(folder / "frontier.png").convert("L"))
    assert png.std() > 5  # not blank
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_time_limited_points_are_kept_and_marked(tmp_path):
    # a capacitated facility-location instance that takes seconds to prove optimal
    t = random_cflp(30, 120, seed=7)
    t["lanes"]["kg_co2_per_unit"] = t["lanes"]["cost_per_unit"] * 10
    pkg = write_package(tmp_path / "pkg", t)
    opts = hubopt.SolveOptions(mip_rel_gap=0.0, time_limit_s=0.3)
    fr = pareto(hubopt.Scenario(name="cflp", data_dir=pkg), points=3, options=opts)
    folder = write_frontier(fr, tmp_path / "out")
    table = fr.table
    assert table.iloc[-1]["kind"] == "min_cost"
    assert (table["proven"] == (table["solution_status"] == "optimal")).all()
    assert not table["proven"].all() and not fr.complete
    assert fr.info["notes"]
    # a plan found for a tighter cap meets every looser cap, so under time limits too the
    # cost never rises as the cap loosens (when the lowest-CO2 solve found a plan)
    if fr.info.get("min_co2", {}).get("solution_status") != "none":
        cost = table["total_cost"].to_numpy(float)
        assert np.isfinite(cost).all()
        assert np.all(np.diff(cost) <= 1e-9 * np.abs(cost[:-1]))
    written = pd.read_csv(folder / "frontier.csv")
    assert list(written["point"]) == list(table["point"])  # kept, not hidden
    assert (written["proven"] == table["proven"]).all()
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert "time limit" in html


def test_a_cheaper_known_plan_replaces_a_missing_or_dearer_one(pkg):
    sc = hubopt.Scenario(name="k", data_dir=pkg)
    cheap = hubopt.run(sc, GAP0)  # F1 all rail: cost 30, 4 t
    clean = hubopt.run(replace(sc, max_emissions_t=0.2), GAP0)  # both hubs, road: 52, 0.2 t
    r = cheap.result
    lost = replace(
        cheap,
        plan=None,
        result=replace(
            r,
            termination=Termination.TIME_LIMIT,
            solution_status=SolutionStatus.NONE,
            objective=None,
            mip_gap=None,
            best_bound=20.0,
        ),
    )
    known = [("clean", clean.plan), ("cheap", cheap.plan)]
    got = _best_known(lost, 1.0, known)  # only the clean plan fits under 1 t
    assert got.plan.summary["total_cost"] == pytest.approx(52.0)
    assert got.result.solution_status is SolutionStatus.FEASIBLE
    assert got.result.objective == pytest.approx(52.0)
    assert got.result.mip_gap == pytest.approx((52 - 20) / 52)
    assert "clean" in got.result.message
    assert _best_known(lost, None, known).plan.summary["total_cost"] == pytest.approx(30.0)
    assert _best_known(cheap, None, known) is cheap  # nothing cheaper: unchanged
    assert _best_known(lost, 0.1, known) is lost  # nothing fits


def test_infeasible_scenario_gives_a_one_point_frontier(pkg, tmp_path):
    sc = hubopt.Scenario(name="none", data_dir=pkg, max_hubs=0)
    fr = pareto(sc, points=4, options=GAP0)
    assert len(fr.table) == 1
    assert fr.table.iloc[0]["solution_status"] == "none"
    assert "no plan" in fr.info["notes"][0].lower()
    assert (write_frontier(fr, tmp_path / "none") / "report.html").is_file()


def test_scenario_toml_round_trips(pkg):
    sc = hubopt.Scenario(
        name="rt",
        data_dir=pkg,
        description='say "hi"',
        carbon_price=12.5,
        max_emissions_t=3.25,
        max_hubs=4,
        min_energy_community_hubs=1,
        single_sourcing=True,
        solver=hubopt.SolveOptions(time_limit_s=30.0, mip_rel_gap=0.01, threads=2, seed=3),
    )
    path = pkg.parent / "rt.toml"
    path.write_text(scenario_toml(sc), encoding="utf-8")
    again = hubopt.load_scenario(path)
    assert again.with_options(source=None) == sc.with_options(data_dir=Path(pkg).resolve())


def test_cli_pareto(pkg, tmp_path):
    model = scenario_file(tmp_path, pkg, name="two")
    out = tmp_path / "front"
    r = hubopt_cli("pareto", str(model), "--points", "3", "--gap", "0", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "point_01" in r.stdout and "proven optimal" in r.stdout
    assert (out / "frontier.csv").is_file() and (out / "point_03" / "summary.json").is_file()


def test_pareto_returns_every_point_in_memory_and_writes_nothing(pkg, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rows, steps = [], []
    sc = hubopt.Scenario(name="mem", data_dir=pkg)
    fr = pareto(sc, points=3, options=GAP0, on_result=rows.append, on_progress=steps.append)
    assert list(tmp_path.iterdir()) == []  # nothing written, not even results/
    assert list(fr.outcomes) == list(fr.table["point"]) == [r["point"] for r in rows]
    assert fr.folder is None and steps and any("CO2 ≤" in s and "t CO2/yr" in s for s in steps)
    for point, (summary, tables) in fr.plans.items():
        assert summary["total_cost"] == pytest.approx(fr.outcomes[point].plan.summary["total_cost"])
        assert "hubs" in tables
