"""The start heuristic (hubopt.heuristics): LP bound, round-up, local search, hand-off to HiGHS."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from helpers import random_cflp

import hubopt
from hubopt import SolutionStatus, Termination
from hubopt.heuristics import HeuristicStats, OptionTable, local_search, round_up
from hubopt.solve import HEURISTIC_SHARE

EXACT = hubopt.SolveOptions(mip_rel_gap=0.0, time_limit_s=60.0)
HEUR = hubopt.SolveOptions(mip_rel_gap=0.0, time_limit_s=60.0, start_heuristic=True)


def _two_sizes(tables: dict) -> dict:
    """Every site gets a small and a big size; the big one is cheaper per unit."""
    c = tables["candidates"]
    small = c.assign(size="small", capacity=c["capacity"] / 2, fixed_cost=c["fixed_cost"] * 0.7)
    big = c.assign(size="big", capacity=c["capacity"] * 1.5, fixed_cost=c["fixed_cost"] * 1.2)
    return {**tables, "candidates": pd.concat([small, big], ignore_index=True)}


def _hand_tables() -> dict:
    """Two customers of 25 at 0 and 10 km; sites A (0 km) and B (10 km) each offer a
    small size (15/yr for 10 $/yr) and a big one (60/yr for 30 $/yr); shipping costs
    1 $/unit between A and B's customers. One big plant costs 30 + 25 = 55 $/yr; the
    optimum is a big and a small plant, 40 $/yr plus 10 units shipped across: 50 $/yr."""
    sites = pd.DataFrame(
        {
            "site_id": ["A", "B", "CA", "CB"],
            "name": ["A", "B", "CA", "CB"],
            "lat": [40.0, 40.0, 40.0, 40.0],
            "lon": [-100.0, -99.9, -100.0, -99.9],
        }
    )
    lanes = pd.DataFrame(
        {
            "origin": ["A", "A", "B", "B"],
            "destination": ["CA", "CB", "CA", "CB"],
            "mode": "road",
            "product": "good",
            "cost_per_unit": [0.0, 1.0, 1.0, 0.0],
        }
    )
    return {
        "sites": sites,
        "products": pd.DataFrame({"product": ["good"], "unit": ["t"], "tonnes_per_unit": [1.0]}),
        "supply": pd.DataFrame(columns=["site_id", "product", "capacity", "unit_cost"]),
        "demand": pd.DataFrame({"site_id": ["CA", "CB"], "product": "good", "quantity": 25.0}),
        "technologies": pd.DataFrame({"technology": ["plant"], "output": ["good"],
                                      "unit_cost": [0.0]}),
        "recipes": pd.DataFrame(columns=["technology", "input", "quantity"]),
        "candidates": pd.DataFrame({"site_id": ["A", "A", "B", "B"], "technology": "plant",
                                    "size": ["small", "big", "small", "big"],
                                    "capacity": [15.0, 60.0, 15.0, 60.0],
                                    "fixed_cost": [10.0, 30.0, 10.0, 30.0]}),
        "modes": pd.DataFrame({"mode": ["road"], "cost_per_tonne_km": [0.0],
                               "kg_co2_per_tonne_km": [0.0]}),
        "lanes": lanes,
    }  # fmt: skip


def test_round_up_takes_the_cheapest_size_that_holds_the_lp_production():
    t = OptionTable(
        group=np.array([0, 0, 0, 1, 1, 2]),
        technology=np.array(["a"] * 6),
        capacity=np.array([10.0, 20.0, 40.0, 10.0, 20.0, 5.0]),
        fixed_cost=np.array([4.0, 6.0, 9.0, 4.0, 6.0, 1.0]),
        lower=np.array([0, 0, 0, 0, 0, 1.0]),
        forced=np.array([False, True, True]),
    )
    make = np.array([15.0, 15.0, 15.0, 0.0, 0.0, 3.0])
    # pair 0: 20 holds 15; pair 1: forced, no production -> its cheapest size; pair 2: fixed
    assert round_up(t, make).tolist() == [0, 1, 0, 1, 0, 1]
    make[:3] = 55.0  # nothing holds 55: the largest size
    assert round_up(t, make)[:3].tolist() == [0, 0, 1]


def test_local_search_closes_and_merges_to_the_hand_optimum():
    # two pairs of one technology, sizes 15 (10 $) and 60 (30 $); 50 units needed
    t = OptionTable(
        np.array([0, 0, 1, 1]), np.array(["a"] * 4), np.array([15.0, 60.0, 15.0, 60.0]),
        np.array([10.0, 30.0, 10.0, 30.0]), np.zeros(4), np.array([False, False]),
    )  # fmt: skip

    def evaluate(plan):
        return None if plan @ t.capacity < 50 else float(plan @ t.fixed_cost)

    st = HeuristicStats()
    start = np.array([0.0, 1.0, 0.0, 1.0])  # two big plants: 60 $
    plan, obj = local_search(t, start, evaluate, np.ones(4, bool), time.perf_counter() + 10, st)
    assert obj == 30.0 and plan.sum() == 1 and plan @ t.capacity == 60
    assert st.stopped == "local optimum" and st.improvements >= 1
    assert st.rounded_objective == 60.0 and st.trajectory[-1][1] == 30.0


def test_local_search_starts_from_a_feasible_neighbour_and_honours_its_deadline():
    t = OptionTable(
        np.array([0, 1]), np.array(["a", "a"]), np.array([10.0, 10.0]), np.array([1.0, 2.0]),
        np.zeros(2), np.array([False, False]),
    )  # fmt: skip
    calls = []

    def evaluate(plan):  # at most one plant may be open (a count row, say)
        calls.append(plan.copy())
        return None if plan.sum() != 1 else float(plan @ t.fixed_cost)

    st = HeuristicStats()
    plan, obj = local_search(
        t, np.ones(2), evaluate, np.ones(2, bool), time.perf_counter() + 10, st
    )
    assert obj == 1.0 and plan.tolist() == [1.0, 0.0]
    st = HeuristicStats()
    _p, obj = local_search(t, np.array([0.0, 1.0]), evaluate, np.ones(2, bool), 0.0, st)
    assert st.stopped == "time" and obj == 2.0  # the start is kept, nothing else tried


def test_hand_instance_heuristic_alone_finds_the_optimum(solve):
    out = solve(_hand_tables(), options=HEUR)
    st = out.result.stats["start_heuristic"]
    assert st["applied"] and st["objective"] == pytest.approx(50.0)
    assert st["lp_bound"] <= 50.0 + 1e-9
    assert out.result.objective == pytest.approx(50.0)
    assert out.result.termination is Termination.OPTIMAL


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_same_optimum_with_and_without_the_heuristic(solve, seed):
    tables = _two_sizes(random_cflp(15, 60, seed=seed))
    plain, heur = solve(tables, options=EXACT), solve(tables, options=HEUR)
    assert heur.result.termination is Termination.OPTIMAL
    assert heur.result.objective == pytest.approx(plain.result.objective, rel=1e-9)
    st = heur.result.stats["start_heuristic"]
    assert st["applied"] and st["lp_bound"] <= plain.result.objective * (1 + 1e-9)
    assert st["objective"] >= plain.result.objective * (1 - 1e-9)  # a plan, not a bound
    assert heur.result.best_bound >= st["lp_bound"] - 1e-6
    assert "start_heuristic" not in (plain.result.stats or {})


def test_time_limited_run_keeps_the_heuristic_plan_and_the_lp_bound(solve):
    tables = _two_sizes(random_cflp(60, 240, seed=4))
    opts = hubopt.SolveOptions(mip_rel_gap=0.0, time_limit_s=2.0, start_heuristic=True)
    out = solve(tables, options=opts)
    r, st = out.result, out.result.stats["start_heuristic"]
    assert r.solution_status in (SolutionStatus.FEASIBLE, SolutionStatus.OPTIMAL)
    assert r.objective <= st["objective"] + 1e-6  # HiGHS starts from it
    assert st["lp_bound"] - 1e-6 <= r.best_bound <= r.objective + 1e-6
    assert r.mip_gap == pytest.approx((r.objective - r.best_bound) / abs(r.objective), abs=1e-9)
    assert st["seconds"] <= HEURISTIC_SHARE * 2.0 + 5.0  # its share of the limit (+ one LP)


def test_not_applied_when_other_binaries_exist(solve):
    out = solve(random_cflp(8, 30, seed=5), single_sourcing=True, options=HEUR)
    st = out.result.stats["start_heuristic"]
    assert not st["applied"] and "besides open" in st["reason"]
    assert out.result.termination is Termination.OPTIMAL


def test_the_scenario_key_round_trips(tmp_path):
    from conftest import TINY
    from helpers import scenario_file

    from hubopt.inputs.fields import scenario_toml

    sc = hubopt.load_scenario(scenario_file(tmp_path, TINY, "[solver]\nstart_heuristic = true\n"))
    assert sc.solver.start_heuristic is True
    assert "start_heuristic = true" in scenario_toml(sc)
    bad = scenario_file(tmp_path, TINY, '[solver]\nstart_heuristic = "yes"\n', name="bad")
    with pytest.raises(hubopt.HubDataError, match="start_heuristic"):
        hubopt.load_scenario(bad)


def test_a_zero_time_limit_is_kept(solve):
    opts = hubopt.SolveOptions(mip_rel_gap=0.0, time_limit_s=0.0, start_heuristic=True)
    out = solve(_two_sizes(random_cflp(15, 60, seed=1)), options=opts)
    assert out.result.termination is Termination.TIME_LIMIT
    # no budget out of a zero limit: at most the rounded plan is priced, no move
    assert out.result.stats["start_heuristic"]["evaluations"] <= 1


def test_progress_hears_of_the_heuristic_plans_with_the_lp_bound():
    seen: list[dict] = []
    data = hubopt.HubData.from_tables(**_hand_tables())
    out = hubopt.run(hubopt.Scenario(name="h", data=data), HEUR, progress=seen.append)
    st = out.result.stats["start_heuristic"]
    heur = [p for p in seen if p["bound"] == st["lp_bound"]]
    assert heur and heur[-1]["objective"] == pytest.approx(st["objective"])
    assert all(p["objective"] >= p["bound"] - 1e-9 and p["gap"] >= 0 for p in heur)


def test_applies_after_a_solve_with_another_thread_count_in_the_process(tmp_path):
    # HiGHS fixes its thread pool per OS thread at the first run: the heuristic's LPs must
    # not run on a thread that solved with another count (the CI failure of 2026-12-02).
    import subprocess
    import sys

    code = (
        "import hubopt\n"
        "from hubopt.studies.cluster import init_highs_threads\n"
        "from conftest import TINY\n"
        "init_highs_threads(1)\n"
        "sc = hubopt.Scenario(name='t', data_dir=TINY)\n"
        "opts = hubopt.SolveOptions(threads=2, start_heuristic=True, mip_rel_gap=0.0)\n"
        "st = hubopt.run(sc, opts).result.stats['start_heuristic']\n"
        "print(st['applied'], st['reason'])\n"
    )
    from conftest import REPO

    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
        cwd=REPO / "tests", check=True,
    )  # fmt: skip
    assert out.stdout.strip().splitlines()[-1].startswith("True"), out.stdout + out.stderr
