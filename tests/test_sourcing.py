"""Textbook single sourcing at co-located sites (issue 11 item 7), hand-solvable.

Sites A (demands 6, candidate plant cap 4, fixed 1), F (candidate plant cap 10, fixed
10) and B (demands 3); production costs 1/unit; lanes F→A 1, A→B 1, F→B 4.

* Split reading (A served by its own plant *and* a lane, as multi-sourcing allows): open
  A and F, A makes 4, F ships 5 to A, A ships 3 to B: 11 + 9 + 5 + 3 = 28.
* Textbook reading (one source per demand row): A's plant cannot cover 6, so A is served
  by F→A alone (6 units); A's plant makes 3 for B: 11 + 9 + 6 + 3 = 29.
  (F alone costs 10 + 9 + 6 + 12 = 37.)
* With A's plant at cap 10 it serves A itself and B: 1 + 9 + 3 = 13.
"""

from __future__ import annotations

import pandas as pd
import pytest

import hubopt
from hubopt.model import sourcing
from hubopt.testing import check_plan_feasible


def colocated_tables(cap_a: float = 4.0) -> dict[str, pd.DataFrame]:
    return {
        "sites": pd.DataFrame(
            {
                "site_id": ["A", "F", "B"],
                "name": ["A", "F", "B"],
                "lat": [40.0, 41.0, 40.5],
                "lon": [-90.0, -91.0, -90.5],
                "energy_community": [False] * 3,
            }
        ),
        "products": pd.DataFrame({"product": ["good"], "unit": ["t"], "tonnes_per_unit": [1.0]}),
        "supply": pd.DataFrame(columns=["site_id", "product", "capacity", "unit_cost"]),
        "demand": pd.DataFrame(
            {"site_id": ["A", "B"], "product": ["good"] * 2, "quantity": [6.0, 3.0]}
        ),
        "technologies": pd.DataFrame(
            {"technology": ["plant"], "output": ["good"], "unit_cost": [1.0]}
        ),
        "recipes": pd.DataFrame(columns=["technology", "input", "quantity"]),
        "candidates": pd.DataFrame(
            {
                "site_id": ["A", "F"],
                "technology": ["plant", "plant"],
                "size": ["one", "one"],
                "capacity": [cap_a, 10.0],
                "fixed_cost": [1.0, 10.0],
            }
        ),
        "modes": pd.DataFrame(
            {"mode": ["road"], "cost_per_tonne_km": [0.0], "kg_co2_per_tonne_km": [0.0]}
        ),
        "lanes": pd.DataFrame(
            {
                "origin": ["F", "A", "F"],
                "destination": ["A", "B", "B"],
                "mode": ["road"] * 3,
                "product": ["good"] * 3,
                "cost_per_unit": [1.0, 1.0, 4.0],
                "kg_co2_per_unit": [0.0] * 3,
            }
        ),
    }


def test_textbook_differs_from_split(solve):
    split = solve(colocated_tables())
    assert split.result.objective == pytest.approx(28.0)
    single = solve(colocated_tables(), single_sourcing=True)
    assert single.result.objective == pytest.approx(29.0)
    f = single.plan.flows.set_index(["origin", "destination"])["quantity"]
    assert f[("F", "A")] == pytest.approx(6.0) and f[("A", "B")] == pytest.approx(3.0)
    # the independent checker rejects the split plan under single sourcing
    bad = check_plan_feasible(split.data, split.plan, single.scenario)
    assert any("more than one source" in m for m in bad), bad


def test_local_plant_serves_its_own_site(solve):
    out = solve(colocated_tables(cap_a=10.0), single_sourcing=True)
    assert out.result.objective == pytest.approx(13.0)
    assert set(out.plan.hubs["site_id"]) == {"A"}
    assert set(out.plan.flows["destination"]) == {"B"}


def test_colocated_rows_are_built():
    data = hubopt.HubData.from_tables(**colocated_tables())
    scenario = hubopt.Scenario(name="t", data=data, single_sourcing=True)
    hub = hubopt.build_model(data, hubopt.build_lanes(data), scenario)
    rows = hub.stats["rows"]
    assert rows["single_sourcing"] > 0
    assert "assign_local" in hub.variables
    # every lane gets a strong link row: F→A (A's inbound ≤ its demand) and A→B (A
    # is must-serve, so closed it ships nothing on); without textbook rows only F→B
    assert rows["link"] == 3
    sourcing.settings.link_colocated = False
    try:
        plain = hubopt.build_model(data, hubopt.build_lanes(data), scenario)
    finally:
        sourcing.settings.link_colocated = True
    assert plain.stats["rows"]["link"] == 1


@pytest.mark.parametrize("equal", [True, False])
def test_switches_keep_the_optimum(solve, equal):
    old = sourcing.settings.equal_linking, sourcing.settings.link_colocated
    sourcing.settings.equal_linking = sourcing.settings.link_colocated = equal
    try:
        out = solve(colocated_tables(), single_sourcing=True)
    finally:
        sourcing.settings.equal_linking, sourcing.settings.link_colocated = old
    assert out.result.objective == pytest.approx(29.0)


def test_warm_start_from_a_previous_plan(solve):
    """``solve_model(start=plan)`` hands the plan to HiGHS; the optimum is unchanged."""
    tables = colocated_tables()
    data = hubopt.HubData.from_tables(**tables)
    scenario = hubopt.Scenario(name="t", data=data, single_sourcing=True)
    lanes = hubopt.build_lanes(data)
    opts = hubopt.SolveOptions(mip_rel_gap=0.0, time_limit_s=60.0)
    first = hubopt.build_model(data, lanes, scenario)
    hubopt.solve_model(first, opts)
    plan = hubopt.extract_plan(first)
    for mode in ("integers", "all"):
        hub = hubopt.build_model(data, lanes, scenario)
        res = hubopt.solve_model(hub, opts, start=plan, start_mode=mode)
        assert res.objective == pytest.approx(29.0)
        assert res.stats["start"]["status"] == "kOk" and res.stats["start"]["columns"] > 0
    # a start from another scenario (no single sourcing: the split plan, 28) is mapped by
    # label and completed or ignored by HiGHS; the answer is still the optimum, 29
    split = solve(tables)
    hub = hubopt.build_model(data, lanes, scenario)
    assert hubopt.solve_model(hub, opts, start=split.plan).objective == pytest.approx(29.0)
    with pytest.raises(TypeError, match="Plan"):
        hubopt.solve_model(hubopt.build_model(data, lanes, scenario), opts, start={"open": 1})
