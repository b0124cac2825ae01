"""Status paths: time limit (with and without an incumbent), and exit codes via the CLI."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import hubopt
from hubopt import SolutionStatus, Termination
from hubopt.testing import assert_plan_feasible, check_plan_feasible


def random_cflp(n_fac: int = 30, n_cust: int = 120, seed: int = 7) -> dict[str, pd.DataFrame]:
    """A random capacitated facility-location instance (seeded), hard enough not to solve at once."""
    rng = np.random.default_rng(seed)
    fx, fy = rng.uniform(0, 1, n_fac), rng.uniform(0, 1, n_fac)
    cx, cy = rng.uniform(0, 1, n_cust), rng.uniform(0, 1, n_cust)
    demand = rng.integers(5, 35, n_cust).astype(float)
    cap = rng.integers(100, 400, n_fac).astype(float)
    cost = np.hypot(fx[:, None] - cx[None, :], fy[:, None] - cy[None, :]) * 100
    fac = [f"F{i}" for i in range(n_fac)]
    cus = [f"C{j}" for j in range(n_cust)]
    sites = pd.DataFrame(
        {
            "site_id": fac + cus,
            "name": fac + cus,
            "lat": np.r_[fy, cy] * 10 + 30,
            "lon": np.r_[fx, cx] * 10 - 100,
        }
    )
    oi, dj = np.meshgrid(np.arange(n_fac), np.arange(n_cust), indexing="ij")
    return {
        "sites": sites,
        "products": pd.DataFrame({"product": ["good"], "unit": ["t"], "tonnes_per_unit": [1.0]}),
        "supply": pd.DataFrame(columns=["site_id", "product", "capacity", "unit_cost"]),
        "demand": pd.DataFrame({"site_id": cus, "product": "good", "quantity": demand}),
        "technologies": pd.DataFrame(
            {"technology": ["plant"], "output": ["good"], "unit_cost": [0.0]}
        ),
        "recipes": pd.DataFrame(columns=["technology", "input", "quantity"]),
        "candidates": pd.DataFrame(
            {
                "site_id": fac,
                "technology": "plant",
                "size": "s",
                "capacity": cap,
                "fixed_cost": rng.uniform(500, 1500, n_fac).round(1),
            }
        ),
        "modes": pd.DataFrame(
            {"mode": ["road"], "cost_per_tonne_km": [0.0], "kg_co2_per_tonne_km": [0.0]}
        ),
        "lanes": pd.DataFrame(
            {
                "origin": np.array(fac)[oi.ravel()],
                "destination": np.array(cus)[dj.ravel()],
                "mode": "road",
                "product": "good",
                "cost_per_unit": cost.ravel().round(3),
            }
        ),
    }


def test_time_limit_zero_stops_at_limit(solve):
    out = solve(random_cflp(), options=hubopt.SolveOptions(time_limit_s=0.0, mip_rel_gap=0.0))
    r = out.result
    assert r.termination is Termination.TIME_LIMIT
    assert r.solution_status in (SolutionStatus.FEASIBLE, SolutionStatus.NONE)
    assert (out.plan is None) == (r.solution_status is SolutionStatus.NONE)
    assert "time limit" in r.message


def test_time_limited_incumbent_is_a_result(solve):
    # single-sourced 50 x 200: HiGHS finds plans within a second but is still ~0.2 % from
    # proving optimality after 20 s, so a 6 s limit reliably ends with an incumbent.
    out = solve(
        random_cflp(50, 200, seed=3),
        single_sourcing=True,
        options=hubopt.SolveOptions(time_limit_s=6.0, mip_rel_gap=0.0),
    )
    r = out.result
    assert r.termination is Termination.TIME_LIMIT
    assert r.solution_status is SolutionStatus.FEASIBLE
    assert r.objective is not None and r.best_bound is not None
    assert r.best_bound <= r.objective + 1e-6
    assert r.mip_gap is not None and r.mip_gap > 0
    assert_plan_feasible(out.data, out.plan, out.scenario)


def test_checker_catches_a_tampered_plan(tables, solve):
    out = solve(tables)
    flows = out.plan.flows.copy()
    flows.loc[0, "quantity"] += 1.0
    from dataclasses import replace

    bad = check_plan_feasible(out.data, replace(out.plan, flows=flows), out.scenario)
    assert any("balance" in b for b in bad)
    hubs = pd.concat([out.plan.hubs, out.plan.hubs])
    bad = check_plan_feasible(out.data, replace(out.plan, hubs=hubs), out.scenario)
    assert any("more than one size" in b for b in bad)


def test_result_reports_solver_facts(tables, solve):
    r = solve(tables).result
    assert r.solver == "HiGHS" and r.solver_version.count(".") == 2
    assert r.build_seconds >= 0 and r.solve_seconds >= 0 and r.compile_seconds >= 0
    assert r.mip_gap == pytest.approx(0.0, abs=1e-9)
    assert r.best_bound == pytest.approx(r.objective)
    d = r.to_dict()
    assert d["termination"] == "optimal" and d["has_solution"] is True
    assert "Running HiGHS" in r.log
    assert r.stats["matrix_range"][0] > 0
