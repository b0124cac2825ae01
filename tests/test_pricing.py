"""Lane pricing (hubopt.pricing) on tiny instances whose optimum is derived by hand.

Network of ``conftest.base_tables`` with F1's fixed cost 12 (see test_model_tiny): the
optimum opens F1 alone, 12 + 10 + (5·1 + 5·3) = 42. With ``k = 1`` the start set keeps
the cheapest origin per customer only, F1→C1 and F2→C2, on which the best plan opens
both hubs (52): the lane F1→C2 must come back.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

import hubopt
from hubopt.lanes import build_lanes
from hubopt.model.build import build_model
from hubopt.pricing import initial_lanes, nondominated, reduced_costs, solve_with_pricing
from hubopt.solve import solve_lp_fixed
from hubopt.testing import assert_plan_feasible

OPTS = hubopt.SolveOptions(mip_rel_gap=0.0, time_limit_s=60.0)


def _scenario(tables, **kw) -> hubopt.Scenario:
    data = hubopt.HubData.from_tables(**tables)
    return hubopt.Scenario(name="p", data=data, solver=OPTS, **kw)


@pytest.fixture
def net(tables):
    tables["candidates"].loc[0, "fixed_cost"] = 12.0
    return tables


def _pairs(lanes: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(lanes["origin"], lanes["destination"], strict=True))


def test_start_set_keeps_the_cheapest_origin_per_customer(net):
    sc = _scenario(net)
    full = build_lanes(sc.data)
    start = full.iloc[initial_lanes(full, sc, k=1)]
    assert _pairs(start) == {("F1", "C1"), ("F2", "C2")}


def test_fixed_hub_reduced_costs_by_hand(net):
    # both hubs open, start set {F1→C1, F2→C2}: y(F·) = 1 (production cost), y(C·) = 2
    # (production + lane 1), so F1→C2 and F2→C1 (cost 3) price at 3 - 2 + 1 = 2 ≥ 0
    sc = _scenario(net)
    full = build_lanes(sc.data)
    pos = initial_lanes(full, sc, k=1)
    hub = build_model(sc.data, full.iloc[pos], sc)
    lp = solve_lp_fixed(hub, np.ones(2), relax=("link",))
    assert lp.optimal and lp.objective == pytest.approx(52.0)
    out = full.drop(index=full.index[pos])
    rc = reduced_costs(hub, lp.duals, out, sc)
    assert _pairs(out) == {("F1", "C2"), ("F2", "C1")}
    assert rc == pytest.approx([2.0, 2.0])


def test_omitted_lane_comes_back_and_the_optimum_is_the_full_one(net):
    sc = _scenario(net)
    full = build_lanes(sc.data)
    hub, result, st = solve_with_pricing(sc.data, full, sc, k=1)
    assert st.lanes_start == 2 and st.lanes_full == 4
    assert ("F1", "C2") in _pairs(hub.lanes)
    assert st.root_added + st.fixed_added >= 1 and st.proven
    assert result.objective == pytest.approx(42.0)
    assert result.stats["lane_pricing"]["lanes_final"] == len(hub.lanes)


def _two_suppliers() -> dict[str, pd.DataFrame]:
    """Customer C (demand 5) and suppliers A (unit cost 5, lane 1) and B (unit cost 1, lane 2).

    k = 1 keeps the cheaper lane A→C (cost 5·6 = 30); the optimum buys from B: 5·3 = 15.
    On the start set, y(C) = 6 and y(B) ≤ 1 in every dual solution, so B→C prices at
    2 - 6 + y(B) ≤ -3: the fixed-hub pricing must add it.
    """
    sites = pd.DataFrame(
        {"site_id": ["A", "B", "C"], "name": ["A", "B", "C"], "lat": [40.0, 41.0, 40.5],
         "lon": [-90.0, -91.0, -90.5]}
    )  # fmt: skip
    return {
        "sites": sites,
        "products": pd.DataFrame({"product": ["good"], "unit": ["t"], "tonnes_per_unit": [1.0]}),
        "supply": pd.DataFrame(
            {
                "site_id": ["A", "B"],
                "product": ["good"] * 2,
                "capacity": [10.0, 10.0],
                "unit_cost": [5.0, 1.0],
            }
        ),  # fmt: skip
        "demand": pd.DataFrame({"site_id": ["C"], "product": ["good"], "quantity": [5.0]}),
        "technologies": pd.DataFrame(columns=["technology", "output", "unit_cost"]),
        "recipes": pd.DataFrame(columns=["technology", "input", "quantity"]),
        "candidates": pd.DataFrame(
            columns=["site_id", "technology", "size", "capacity", "fixed_cost", "capex", "jobs"]
        ),
        "modes": pd.DataFrame(
            {"mode": ["road"], "cost_per_tonne_km": [0.0], "kg_co2_per_tonne_km": [0.0]}
        ),
        "lanes": pd.DataFrame(
            {
                "origin": ["A", "B"],
                "destination": ["C", "C"],
                "mode": ["road"] * 2,
                "product": ["good"] * 2,
                "cost_per_unit": [1.0, 2.0],
                "kg_co2_per_unit": [0.0] * 2,
            }
        ),  # fmt: skip
    }


def test_fixed_hub_pricing_alone_adds_the_lane():
    sc = _scenario(_two_suppliers())
    full = build_lanes(sc.data)
    hub, result, st = solve_with_pricing(sc.data, full, sc, k=1, root_rounds=0)
    assert st.lanes_start == 1 and st.root_added == 0
    assert st.fixed_added == 1 and st.milp_rounds == 2 and st.proven
    assert result.objective == pytest.approx(15.0)


def test_run_with_and_without_pricing_agree(net):
    on = hubopt.run(_scenario(net), replace(OPTS, lane_pricing=True))
    off = hubopt.run(_scenario(net))  # the default: every lane
    assert on.result.objective == pytest.approx(42.0) == off.result.objective
    assert "lane_pricing" in on.result.stats and "lane_pricing" not in off.result.stats
    assert_plan_feasible(on.data, on.plan, on.scenario)


def test_mode_dominance_keeps_one_of_equal_lanes(net):
    sc = _scenario(net)
    lanes = pd.DataFrame(
        {"origin": ["F1"] * 3, "destination": ["C1"] * 3, "product": ["good"] * 3,
         "cost_per_unit": [1.0, 2.0, 1.0], "kg_co2_per_unit": [5.0, 1.0, 5.0]}
    )  # fmt: skip
    # lane 1 is dearer but cleaner: kept; lanes 0 and 2 are equal: the first is kept
    assert nondominated(lanes, sc).tolist() == [True, True, False]


def test_emission_cap_dual_enters_the_price():
    # B→C emits 1 t/unit; cap 2.5 t: 2.5 units from B (3 each) and 2.5 from A (6 each) = 22.5.
    # Start set {A→C}: 30, no emissions (cap dual 0), B→C prices at ≤ -3 and comes back;
    # on {A→C, B→C} the cap binds with dual -3 and B→C prices at 2 - 6 + 1 + 3 = 0.
    tables = _two_suppliers()
    tables["lanes"].loc[1, "kg_co2_per_unit"] = 1000.0
    sc = _scenario(tables, max_emissions_t=2.5)
    full = build_lanes(sc.data)
    hub, result, st = solve_with_pricing(sc.data, full, sc, k=1, root_rounds=0)
    assert st.fixed_added == 1 and st.proven
    assert result.objective == pytest.approx(22.5)
    lp = solve_lp_fixed(hub, np.zeros(0), relax=("link",))
    assert lp.duals["max_emissions"][0] == pytest.approx(-3.0)
