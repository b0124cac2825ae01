"""Shared fixtures: small data packages, in memory or written to tmp_path, solved for real."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

import hubopt
from hubopt.studies.compare import compare
from hubopt.testing import assert_plan_feasible

REPO = Path(__file__).resolve().parents[1]
TINY = REPO / "tests" / "data" / "tiny"


def write_package(folder: Path, tables: dict[str, pd.DataFrame | str | None]) -> Path:
    """Write CSV tables (DataFrames, or raw CSV text) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        if table is None:
            continue
        path = folder / f"{name}.csv"
        if isinstance(table, str):
            path.write_text(table, encoding="utf-8")
        else:
            table.to_csv(path, index=False)
    return folder


def base_tables() -> dict[str, pd.DataFrame]:
    """A one-product, two-facility, two-customer network with explicit lane costs.

    Facilities F1 (fixed 10, capacity 10) and F2 (fixed 20, capacity 10, energy
    community) make ``good`` at unit cost 1; customers C1 and C2 each demand 5. Lanes
    (mode ``road``) cost per unit: F1→C1 1, F1→C2 3, F2→C1 3, F2→C2 1.
    """
    sites = pd.DataFrame(
        {
            "site_id": ["F1", "F2", "C1", "C2"],
            "name": ["Fac 1", "Fac 2", "Cust 1", "Cust 2"],
            "lat": [40.0, 41.0, 40.5, 41.5],
            "lon": [-90.0, -91.0, -90.5, -91.5],
            "energy_community": [False, True, False, False],
        }
    )
    return {
        "sites": sites,
        "products": pd.DataFrame({"product": ["good"], "unit": ["t"], "tonnes_per_unit": [1.0]}),
        "supply": pd.DataFrame(columns=["site_id", "product", "capacity", "unit_cost"]),
        "demand": pd.DataFrame(
            {"site_id": ["C1", "C2"], "product": ["good", "good"], "quantity": [5.0, 5.0]}
        ),
        "technologies": pd.DataFrame(
            {"technology": ["plant"], "output": ["good"], "unit_cost": [1.0]}
        ),
        "recipes": pd.DataFrame(columns=["technology", "input", "quantity"]),
        "candidates": pd.DataFrame(
            {
                "site_id": ["F1", "F2"],
                "technology": ["plant", "plant"],
                "size": ["one", "one"],
                "capacity": [10.0, 10.0],
                "fixed_cost": [10.0, 20.0],
                "capex": [100.0, 200.0],
                "jobs": [10, 20],
            }
        ),
        "modes": pd.DataFrame(
            {"mode": ["road"], "cost_per_tonne_km": [0.0], "kg_co2_per_tonne_km": [0.0]}
        ),
        "lanes": pd.DataFrame(
            {
                "origin": ["F1", "F1", "F2", "F2"],
                "destination": ["C1", "C2", "C1", "C2"],
                "mode": ["road"] * 4,
                "product": ["good"] * 4,
                "cost_per_unit": [1.0, 3.0, 3.0, 1.0],
                "kg_co2_per_unit": [0.0] * 4,
            }
        ),
    }


@pytest.fixture
def tables() -> dict[str, pd.DataFrame]:
    return base_tables()


@pytest.fixture
def solve(tmp_path: Path) -> Callable[..., hubopt.RunOutcome]:
    """Solve ``tables`` at gap 0 and check the plan independently before returning it.

    DataFrames are passed in memory (:meth:`hubopt.HubData.from_tables`); a table given as
    raw CSV text is written to a package folder, as the file is then the point.
    """
    counter = {"n": 0}

    def _solve(tables: dict, check: bool = True, options: hubopt.SolveOptions | None = None, **kw):
        counter["n"] += 1
        name = f"t{counter['n']}"
        if any(isinstance(t, str) for t in tables.values()):  # raw CSV text: the file matters
            pkg = write_package(tmp_path / f"pkg{counter['n']}", tables)
            scenario = hubopt.Scenario(name=name, data_dir=pkg, **kw)
        else:  # in memory: no CSV files written just to solve
            scenario = hubopt.Scenario(name=name, data=hubopt.HubData.from_tables(**tables), **kw)
        opts = options or hubopt.SolveOptions(mip_rel_gap=0.0, time_limit_s=60.0)
        outcome = hubopt.run(scenario, opts)
        if check and outcome.plan is not None:
            assert_plan_feasible(outcome.data, outcome.plan, outcome.scenario)
            assert outcome.result.objective == pytest.approx(
                outcome.plan.summary["total_cost"], rel=1e-7, abs=1e-7
            )
        return outcome

    return _solve


# --------------------------------------------------------------------------- shared studies
# Module-scoped fixtures used by test_compare, test_pareto and test_report (real solves).

DIST = [100.0, 300.0, 300.0, 100.0]


def network() -> dict[str, pd.DataFrame]:
    t = base_tables()
    t["candidates"].loc[0, "fixed_cost"] = 12.0
    t["lanes"]["distance_km"] = DIST
    t["lanes"]["kg_co2_per_unit"] = [d * 0.01 for d in DIST]
    return t


def solve_to(folder: Path, tables: dict, name: str, **kw) -> Path:
    """Solve ``tables`` for real at gap 0 and write the result folder ``folder/name``."""
    pkg = write_package(folder / f"pkg-{name}", tables)
    sc = hubopt.Scenario(
        name=name, data_dir=pkg, solver=hubopt.SolveOptions(mip_rel_gap=0.0, time_limit_s=60), **kw
    )
    outcome = hubopt.run(sc)
    return hubopt.write_outputs(folder / "res" / name, outcome)


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Path:
    """Four result folders from real solves: base, ec, both, none (infeasible)."""
    root = tmp_path_factory.mktemp("compare")
    solve_to(root, network(), "base")
    solve_to(root, network(), "ec", min_energy_community_hubs=1)
    both = network()
    both["candidates"]["status"] = ["required", "candidate"]
    solve_to(root, both, "both", min_energy_community_hubs=1)
    solve_to(root, network(), "none", max_hubs=0)
    return root / "res"


@pytest.fixture(scope="module")
def comp(results):
    folders = [results / n for n in ("base", "ec", "both", "none")]
    # "both" is solved on a copy of the package with F1 required: a different package
    return compare(folders, baseline="base", within_km=200.0, allow_mixed=True)


GAP0 = hubopt.SolveOptions(mip_rel_gap=0.0, time_limit_s=60.0)


def two_modes() -> dict[str, pd.DataFrame]:
    t = base_tables()
    t["candidates"].loc[0, "fixed_cost"] = 12.0
    t["products"]["tonnes_per_unit"] = 2.0
    t["modes"] = pd.DataFrame(
        {
            "mode": ["road", "rail"],
            "cost_per_tonne_km": [0.005, 0.002],
            "kg_co2_per_tonne_km": [0.1, 1.0],
        }
    )
    base = t["lanes"][["origin", "destination", "product"]]
    dist = [100.0, 300.0, 300.0, 100.0]
    t["lanes"] = pd.concat(
        [base.assign(mode=m, distance_km=dist) for m in ("road", "rail")], ignore_index=True
    )
    return t


@pytest.fixture(scope="module")
def pkg(tmp_path_factory) -> Path:
    return write_package(tmp_path_factory.mktemp("pareto") / "pkg", two_modes())
