"""Tiny instances with hand-derived optima, one per constraint family.

Unless a test says otherwise the network is ``conftest.base_tables`` with F1's fixed
cost raised to 12: F1 (fixed 12, cap 10), F2 (fixed 20, cap 10, energy community),
customers C1 and C2 demanding 5 each, production cost 1/unit, lane costs
F1→C1 1, F1→C2 3, F2→C1 3, F2→C2 1. Its optimum opens F1 alone:
12 + 10 + (5·1 + 5·3) = 42; F2 alone costs 20 + 10 + 20 = 50; both 32 + 10 + 10 = 52.
Every solve is re-checked by ``hubopt.testing.assert_plan_feasible`` (see conftest).
"""

from __future__ import annotations

import pandas as pd
import pytest

import hubopt
from hubopt import SolutionStatus, Termination


@pytest.fixture
def net(tables):
    tables["candidates"].loc[0, "fixed_cost"] = 12.0
    return tables


def hubs_of(outcome) -> set[tuple[str, str]]:
    return set(zip(outcome.plan.hubs["site_id"], outcome.plan.hubs["size"], strict=True))


def test_base_network_opens_cheapest_hub(net, solve):
    out = solve(net)
    assert out.result.termination is Termination.OPTIMAL
    assert out.result.solution_status is SolutionStatus.OPTIMAL
    assert out.result.objective == pytest.approx(42.0)
    assert hubs_of(out) == {("F1", "one")}
    s = out.plan.summary
    assert s["fixed_cost"] == pytest.approx(12)
    assert s["production_cost"] == pytest.approx(10)
    assert s["transport_cost"] == pytest.approx(20)
    assert s["hubs_in_energy_communities"] == 0
    assert s["capex"] == pytest.approx(100) and s["jobs"] == pytest.approx(10)


def test_energy_community_minimum_forces_f2(net, solve):
    out = solve(net, min_energy_community_hubs=1)
    assert out.result.objective == pytest.approx(50.0)
    assert hubs_of(out) == {("F2", "one")}
    assert out.plan.summary["hubs_in_energy_communities"] == 1
    assert out.plan.summary["jobs_in_energy_communities"] == pytest.approx(20)


def test_energy_community_minimum_beyond_data_is_infeasible(net, solve):
    out = solve(net, min_energy_community_hubs=2)
    assert out.result.termination is Termination.INFEASIBLE
    assert "energy-community" in out.result.message
    assert out.plan is None


def test_max_hubs(net, solve):
    lanes = net["lanes"]
    lanes.loc[lanes["origin"] != lanes["destination"].str.replace("C", "F"), "cost_per_unit"] = 10.0
    # F1 alone: 12 + 10 + 5 + 50 = 77; both: 32 + 10 + 10 = 52; F2 alone: 85.
    assert solve(net).result.objective == pytest.approx(52.0)
    out = solve(net, max_hubs=1)
    assert out.result.objective == pytest.approx(77.0)
    assert hubs_of(out) == {("F1", "one")}


@pytest.mark.parametrize(
    ("large_fixed", "expected", "hubs"),
    [
        (12.0, 42.0, {("F1", "large")}),
        (17.0, 46.0, {("F1", "small"), ("F2", "one")}),
    ],
)
def test_size_tiers(net, solve, large_fixed, expected, hubs):
    # F1 small: cap 5 fixed 6; F1 large: cap 10. small + F2: 6 + 20 + 10 + 5 + 5 = 46.
    c = net["candidates"]
    extra = pd.DataFrame(
        {
            "site_id": ["F1"],
            "technology": ["plant"],
            "size": ["large"],
            "capacity": [10.0],
            "fixed_cost": [large_fixed],
            "capex": [0.0],
            "jobs": [0],
        }
    )
    c.loc[0, ["size", "capacity", "fixed_cost"]] = ["small", 5.0, 6.0]
    net["candidates"] = pd.concat([c, extra], ignore_index=True)
    out = solve(net)
    assert out.result.objective == pytest.approx(expected)
    assert hubs_of(out) == hubs


def _two_modes(net, rail_co2: float = 1.0):
    """Road and rail lanes with costs computed from distance_km and per-t-km factors.

    tonnes_per_unit = 2; distances 100 km (F1→C1, F2→C2) and 300 km (crossed). Road
    0.005 $/t-km → 1 and 3 per unit; rail 0.002 → 0.4 and 1.2 per unit. CO2 road
    0.1 kg/t-km → 0.02 t and 0.06 t per unit; rail ``rail_co2`` kg/t-km.
    """
    net["products"]["tonnes_per_unit"] = 2.0
    net["modes"] = pd.DataFrame(
        {
            "mode": ["road", "rail"],
            "cost_per_tonne_km": [0.005, 0.002],
            "kg_co2_per_tonne_km": [0.1, rail_co2],
        }
    )
    base = net["lanes"][["origin", "destination", "product"]]
    dist = [100.0, 300.0, 300.0, 100.0]
    net["lanes"] = pd.concat(
        [base.assign(mode=m, distance_km=dist) for m in ("road", "rail")], ignore_index=True
    )
    return net


def test_modes_cost_from_distance_and_tonnage(net, solve):
    out = solve(_two_modes(net))
    # F1 alone, all rail: 12 + 10 + 5*0.4 + 5*1.2 = 30
    assert out.result.objective == pytest.approx(30.0)
    assert set(out.plan.flows["mode"]) == {"rail"}
    assert out.plan.summary["emissions_t"] == pytest.approx(5 * 0.2 + 5 * 0.6)
    assert out.plan.summary["tonne_km_by_mode"]["rail"] == pytest.approx(10 * 100 + 10 * 300)


def test_carbon_price_switches_mode(net, solve):
    out = solve(_two_modes(net), carbon_price=10.0)
    # road wins above 3.33/t: 12 + 10 + 5 + 15 = 42, CO2 0.4 t -> 4
    assert set(out.plan.flows["mode"]) == {"road"}
    assert out.plan.summary["emissions_t"] == pytest.approx(0.4)
    assert out.plan.summary["carbon_cost"] == pytest.approx(4.0)
    assert out.result.objective == pytest.approx(46.0)


def test_emissions_cap(net, solve):
    out = solve(_two_modes(net), max_emissions_t=2.0)
    # all rail emits 4 t; moving a unit to road saves 0.18 t per 0.6 extra (3.33/t),
    # on both lanes: 30 + 2 / 0.18 * 0.6
    assert out.result.objective == pytest.approx(30.0 + 2.0 / 0.18 * 0.6)
    assert out.plan.summary["emissions_t"] == pytest.approx(2.0)


def test_emissions_cap_too_tight_is_infeasible(net, solve):
    out = solve(_two_modes(net), max_emissions_t=0.1)  # road-only needs 0.4 t at least
    assert out.result.termination is Termination.INFEASIBLE
    assert not out.result.has_solution


@pytest.mark.parametrize("status", ["required", "existing"])
def test_required_and_existing_force_open(net, solve, status):
    net["candidates"]["status"] = ["candidate", status]
    out = solve(net)
    assert ("F2", "one") in hubs_of(out)
    assert out.result.objective == pytest.approx(50.0)  # F2 alone beats both (52)


def test_forbidden_stays_closed(net, solve):
    net["candidates"]["status"] = ["forbidden", "candidate"]
    out = solve(net)
    assert hubs_of(out) == {("F2", "one")}
    assert out.result.objective == pytest.approx(50.0)
    cand = out.plan.candidates.set_index("site_id")
    assert cand.loc["F1", "status"] == "forbidden" and not cand.loc["F1", "selected"]


def test_existing_with_upgrade_size_opens_exactly_one(net, solve):
    c = net["candidates"]
    c.loc[0, ["size", "capacity", "fixed_cost", "status"]] = ["now", 5.0, 1.0, "existing"]
    big = pd.DataFrame(
        {
            "site_id": ["F1"],
            "technology": ["plant"],
            "size": ["expanded"],
            "capacity": [10.0],
            "fixed_cost": [3.0],
            "capex": [0.0],
            "jobs": [0],
            "status": ["candidate"],
        }
    )
    net["candidates"] = pd.concat([c, big], ignore_index=True)
    out = solve(net)
    # expanded F1 alone: 3 + 10 + 20 = 33; "now" + F2: 1 + 20 + 10 + 10 = 41
    assert hubs_of(out) == {("F1", "expanded")}
    assert out.result.objective == pytest.approx(33.0)


def _three_customers(net):
    """F1 cap 8, F2 cap 10; C1 6, C2 6, C3 4; both hubs needed (16 > 10)."""
    net["sites"] = pd.concat(
        [
            net["sites"],
            pd.DataFrame(
                {
                    "site_id": ["C3"],
                    "name": ["Cust 3"],
                    "lat": [40.0],
                    "lon": [-92.0],
                    "energy_community": [False],
                }
            ),
        ],
        ignore_index=True,
    )
    net["demand"] = pd.DataFrame(
        {"site_id": ["C1", "C2", "C3"], "product": ["good"] * 3, "quantity": [6.0, 6.0, 4.0]}
    )
    net["candidates"]["capacity"] = [8.0, 10.0]
    net["lanes"] = pd.DataFrame(
        {
            "origin": ["F1", "F1", "F1", "F2", "F2", "F2"],
            "destination": ["C1", "C2", "C3", "C1", "C2", "C3"],
            "mode": ["road"] * 6,
            "product": ["good"] * 6,
            "cost_per_unit": [1.0, 3.0, 1.0, 3.0, 1.0, 2.0],
        }
    )
    return net


def test_single_sourcing_forbids_split(net, solve):
    net = _three_customers(net)
    split = solve(net)
    # C1 6 and C3 2 from F1, C3 2 and C2 6 from F2: 32 + 16 + (6 + 2 + 4 + 6) = 66
    assert split.result.objective == pytest.approx(66.0)
    c3 = split.plan.flows[split.plan.flows["destination"] == "C3"]
    assert len(c3) == 2
    single = solve(net, single_sourcing=True)
    # C1←F1, C2←F2, C3←F2: 32 + 16 + (6 + 6 + 8) = 68
    assert single.result.objective == pytest.approx(68.0)
    assert single.plan.flows.groupby("destination").size().max() == 1


def test_unmet_penalty(net, solve):
    net["candidates"] = net["candidates"].iloc[[0]].assign(capacity=8.0)
    net["demand"]["unmet_penalty"] = [None, 5.0]
    out = solve(net)
    # C1 firm 5 (1 + 1 each); C2: 3 served at 1 + 3 = 4 < 5, 2 unmet at 5
    assert out.result.objective == pytest.approx(12 + 8 + 5 * 1 + 3 * 3 + 2 * 5)
    d = out.plan.demand.set_index("site_id")
    assert d.loc["C2", "unmet"] == pytest.approx(2.0)
    assert d.loc["C1", "unmet"] == 0
    assert out.plan.summary["unmet_penalty_cost"] == pytest.approx(10.0)


def bom_tables() -> dict[str, pd.DataFrame]:
    """ore → cam (at H1, 2 ore per cam) → cells (at H2, 1.5 cam per cell) → C1 (10 cells)."""
    return {
        "sites": pd.DataFrame(
            {
                "site_id": ["M", "H1", "H2", "C1"],
                "name": list("abcd"),
                "lat": [40.0, 40.0, 40.0, 40.0],
                "lon": [-100.0, -99.0, -98.0, -97.0],
            }
        ),
        "products": pd.DataFrame(
            {
                "product": ["ore", "cam", "cells"],
                "unit": ["t", "t", "GWh"],
                "tonnes_per_unit": [1.0, 1.0, 1.0],
            }
        ),
        "supply": pd.DataFrame(
            {
                "site_id": ["M"],
                "product": ["ore"],
                "capacity": [100.0],
                "unit_cost": [1.0],
                "kg_co2_per_unit": [10.0],
            }
        ),
        "demand": pd.DataFrame({"site_id": ["C1"], "product": ["cells"], "quantity": [10.0]}),
        "technologies": pd.DataFrame(
            {
                "technology": ["camfab", "cellfab"],
                "output": ["cam", "cells"],
                "unit_cost": [1.0, 2.0],
                "kg_co2_per_unit": [100.0, 0.0],
            }
        ),
        "recipes": pd.DataFrame(
            {"technology": ["camfab", "cellfab"], "input": ["ore", "cam"], "quantity": [2.0, 1.5]}
        ),
        "candidates": pd.DataFrame(
            {
                "site_id": ["H1", "H2"],
                "technology": ["camfab", "cellfab"],
                "size": ["s", "s"],
                "capacity": [50.0, 20.0],
                "fixed_cost": [5.0, 7.0],
            }
        ),
        "modes": pd.DataFrame(
            {"mode": ["road"], "cost_per_tonne_km": [0.0], "kg_co2_per_tonne_km": [0.0]}
        ),
        "lanes": pd.DataFrame(
            {
                "origin": ["M", "H1", "H2"],
                "destination": ["H1", "H2", "C1"],
                "mode": ["road"] * 3,
                "product": ["ore", "cam", "cells"],
                "cost_per_unit": [0.1, 0.2, 0.5],
            }
        ),
    }


def test_bom_chain_over_two_tiers(solve):
    out = solve(bom_tables())
    # 10 cells need 15 cam need 30 ore: fixed 12 + make 20 + 15 + ore 30 + ship 3 + 3 + 5
    assert out.result.objective == pytest.approx(88.0)
    prod = out.plan.production.set_index("technology")["quantity"]
    assert prod["cellfab"] == pytest.approx(10) and prod["camfab"] == pytest.approx(15)
    assert out.plan.purchases["bought"].sum() == pytest.approx(30)
    # CO2: ore 30 * 10 kg + cam 15 * 100 kg = 1.8 t
    assert out.plan.summary["emissions_t"] == pytest.approx(1.8)
    assert out.plan.summary["emissions_supply_t"] == pytest.approx(0.3)


def test_bom_chain_with_generated_lanes(solve):
    t = bom_tables()
    t["lanes"] = None
    t["modes"] = pd.DataFrame(
        {
            "mode": ["road"],
            "cost_per_tonne_km": [0.001],
            "kg_co2_per_tonne_km": [0.0],
            "circuity": [1.0],
        }
    )
    out = solve(t)
    lanes = out.lanes
    got = set(zip(lanes["origin"], lanes["destination"], lanes["product"], strict=True))
    assert got == {("M", "H1", "ore"), ("H1", "H2", "cam"), ("H2", "C1", "cells")}
    km = hubopt.lanes.great_circle_km(40.0, -100.0, 40.0, -99.0)
    assert lanes["distance_km"].iloc[0] == pytest.approx(km)
    assert out.plan.summary["transport_cost"] == pytest.approx(
        (30 + 15 + 10) * km * 0.001, rel=1e-6
    )


def test_max_hubs_zero_is_infeasible(net, solve):
    out = solve(net, max_hubs=0)
    assert out.result.termination is Termination.INFEASIBLE
    assert out.result.solution_status is SolutionStatus.NONE
    assert out.plan is None and out.result.objective is None


def test_unreachable_demand_is_reported_infeasible(net, solve):
    net["lanes"] = net["lanes"][net["lanes"]["destination"] != "C2"]
    out = solve(net)
    assert out.result.termination is Termination.INFEASIBLE
    assert "C2" in out.result.message


def test_explicit_lanes_may_forward_through_a_customer(tables, solve):
    """F1 → C1 → C2: C1 takes 10, keeps 5 and forwards 5 (regression: strong linking)."""
    tables["lanes"] = pd.DataFrame(
        {
            "origin": ["F1", "C1"],
            "destination": ["C1", "C2"],
            "mode": ["road", "road"],
            "product": ["good", "good"],
            "cost_per_unit": [1.0, 1.0],
        }
    )
    out = solve(tables)
    assert out.result.termination is Termination.OPTIMAL
    # fixed 10 + production 10 + 10 * 1 (F1→C1) + 5 * 1 (C1→C2)
    assert out.result.objective == pytest.approx(35.0)
    f = out.plan.flows.set_index(["origin", "destination"])["quantity"]
    assert f[("F1", "C1")] == pytest.approx(10) and f[("C1", "C2")] == pytest.approx(5)
