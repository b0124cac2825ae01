"""Issue #11, network semantics: one hand-solvable instance per item, on ``base_tables``.

Base optimum (conftest): open F1 only, 10 fixed + 10 made + 5·1 + 5·3 transport = 40;
F2 only costs 20 + 10 + 15 + 5 = 50; both open 30 + 10 + 5 + 5 = 50.
Every solve is checked by the independent plan checker (the ``solve`` fixture).
"""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import base_tables

import hubopt
from hubopt.testing import check_plan_feasible


def _products(disposal: dict[str, float | None]) -> pd.DataFrame:
    names = ["good", *[p for p in disposal if p != "good"]]
    return pd.DataFrame(
        {
            "product": names,
            "unit": ["t"] * len(names),
            "tonnes_per_unit": [1.0] * len(names),
            "disposal_cost": [disposal.get(p) for p in names],
        }
    )


def _salt(t: dict, disposal: float | None) -> dict:
    t["products"] = _products({"salt": disposal})
    t["byproducts"] = pd.DataFrame(
        {"technology": ["plant"], "product": ["salt"], "quantity": [0.5]}
    )
    return t


# --------------------------------------------------------------------------- 1, 2 co-products


def test_byproduct_must_be_disposed_at_a_cost(solve):
    """F1 makes 10 good and 5 salt; disposing of the salt costs 2/unit: 40 + 10 = 50."""
    out = solve(_salt(base_tables(), 2.0))
    assert out.result.objective == pytest.approx(50.0)
    d = out.plan.disposal.set_index(["site_id", "product"])
    assert d.loc[("F1", "salt"), "quantity"] == pytest.approx(5.0)
    assert out.plan.summary["disposal_cost"] == pytest.approx(10.0)
    assert list(out.plan.hubs["site_id"]) == ["F1"]


def test_byproduct_sold_is_revenue(solve):
    """A negative disposal_cost is a sale value: 40 − 5·1 = 35, reported as revenue."""
    out = solve(_salt(base_tables(), -1.0))
    assert out.result.objective == pytest.approx(35.0)
    assert out.plan.summary["sales_revenue"] == pytest.approx(5.0)
    assert out.plan.summary["disposal_cost"] == pytest.approx(0.0)


def test_byproduct_without_disposal_blocks_production(solve):
    """No disposal and nobody takes the salt: nothing can be made, demand is firm."""
    out = solve(_salt(base_tables(), None))
    assert out.plan is None and not out.result.has_solution


def test_byproduct_shipped_to_demand(solve):
    """3 salt demanded at C1 over a free lane: ship 3, dispose 2 at 2/unit: 40 + 4 = 44."""
    t = _salt(base_tables(), 2.0)
    t["demand"] = pd.concat(
        [t["demand"], pd.DataFrame({"site_id": ["C1"], "product": ["salt"], "quantity": [3.0]})]
    )
    salt = pd.DataFrame(
        {"origin": ["F1", "F2"], "destination": ["C1", "C1"], "mode": ["road"] * 2,
         "product": ["salt"] * 2, "cost_per_unit": [0.0, 0.0], "kg_co2_per_unit": [0.0, 0.0]}
    )  # fmt: skip
    t["lanes"] = pd.concat([t["lanes"], salt], ignore_index=True)
    out = solve(t)
    assert out.result.objective == pytest.approx(44.0)
    assert out.plan.disposal["quantity"].sum() == pytest.approx(2.0)  # at F1 or at C1


def test_disposal_written_to_the_result_folder(tmp_path):
    data = hubopt.HubData.from_tables(**_salt(base_tables(), -1.0))
    sc = hubopt.Scenario(name="salt", data=data)
    out = hubopt.run(sc, hubopt.SolveOptions(mip_rel_gap=0.0))
    hubopt.write_outputs(tmp_path / "res", out)
    d = pd.read_csv(tmp_path / "res" / "disposal.csv")
    assert {"site_id", "product", "quantity", "cost", "revenue"} <= set(d.columns)
    assert d["revenue"].sum() == pytest.approx(5.0)


def test_checker_sees_undeclared_disposal(solve):
    """The independent checker recomputes the balance with by-products and disposal."""
    out = solve(_salt(base_tables(), 2.0))
    plan = out.plan
    bad_disp = plan.disposal.assign(quantity=plan.disposal["quantity"] + 1.0)
    from dataclasses import replace

    bad = check_plan_feasible(out.data, replace(plan, disposal=bad_disp), out.scenario)
    assert any("balance of salt at F1" in b for b in bad)
    assert any("recomputed total cost" in b for b in bad)


# --------------------------------------------------------------------------- 3 must-take


def test_must_take_supply(solve):
    """4 units at 5 must be bought at C1: F1 makes 6: 10 + 6 + 1·1 + 5·3 + 4·5 = 52."""
    t = base_tables()
    t["supply"] = pd.DataFrame(
        {"site_id": ["C1"], "product": ["good"], "capacity": [10.0], "unit_cost": [5.0],
         "min_quantity": [4.0]}
    )  # fmt: skip
    out = solve(t)
    assert out.result.objective == pytest.approx(52.0)
    assert out.plan.purchases["bought"].iloc[0] == pytest.approx(4.0)
    t["supply"]["min_quantity"] = [0.0]
    assert solve(t).result.objective == pytest.approx(40.0)


# --------------------------------------------------------------------------- 4 min utilisation


def test_min_utilisation_rules_out_a_big_plant(solve):
    """F1 (capacity 20) must make 15 if open, but only 10 are wanted: open F2, 50."""
    t = base_tables()
    t["candidates"]["capacity"] = [20.0, 10.0]
    t["candidates"]["min_utilisation"] = [0.75, 0.0]
    out = solve(t)
    assert out.result.objective == pytest.approx(50.0)
    assert list(out.plan.hubs["site_id"]) == ["F2"]
    t["candidates"]["min_utilisation"] = [0.5, 0.0]  # 10 ≥ 0.5·20: F1 again, 40
    assert solve(t).result.objective == pytest.approx(40.0)


# --------------------------------------------------------------------------- 5 lane capacity


def test_lane_capacity(solve):
    """F1→C2 carries at most 2: F1 alone cannot serve C2; both open: 30 + 10 + 5 + 5 = 50."""
    t = base_tables()
    t["lanes"]["capacity"] = [None, 2.0, None, None]
    out = solve(t)
    assert out.result.objective == pytest.approx(50.0)
    assert sorted(out.plan.hubs["site_id"]) == ["F1", "F2"]


# --------------------------------------------------------------------------- 6 hub counts


def test_min_new_hubs(solve):
    assert solve(base_tables(), min_new_hubs=2).result.objective == pytest.approx(50.0)
    out = solve(base_tables(), min_new_hubs={"plant": 2})
    assert sorted(out.plan.hubs["site_id"]) == ["F1", "F2"]


def test_max_new_hubs_does_not_count_existing(solve):
    """F2 existing, no new plant allowed: F2 alone, 50; F1 existing: F1 alone, 40."""
    t = base_tables()
    t["candidates"]["status"] = ["candidate", "existing"]
    out = solve(t, max_new_hubs={"plant": 0})
    assert out.result.objective == pytest.approx(50.0)
    assert list(out.plan.hubs["site_id"]) == ["F2"]
    t["candidates"]["status"] = ["existing", "candidate"]
    assert solve(t, max_new_hubs=0).result.objective == pytest.approx(40.0)
    assert solve(t, min_new_hubs=1).result.objective == pytest.approx(50.0)


def test_min_new_hubs_beyond_the_data_is_reported():
    data = hubopt.HubData.from_tables(**base_tables())
    sc = hubopt.Scenario(name="x", data=data, min_new_hubs={"plant": 3})
    hub = hubopt.build_model(data, hubopt.build_lanes(data), sc)
    assert any("min_new_hubs for plant = 3" in r for r in hub.infeasible_reasons)


def test_min_new_hubs_above_max_is_an_error():
    with pytest.raises(hubopt.HubDataError, match="min_new_hubs = 3 exceeds max_new_hubs = 2"):
        hubopt.Scenario(name="x", min_new_hubs=3, max_new_hubs=2)
    with pytest.raises(hubopt.HubDataError, match="for plant"):
        hubopt.Scenario(name="x", min_new_hubs={"plant": 3}, max_new_hubs=2)


# --------------------------------------------------------------------------- 8 diagnose


def test_diagnose_max_new_hubs(solve):
    out = solve(base_tables(), max_new_hubs={"plant": 0})
    f = out.diagnosis.findings
    assert list(f["where"]) == ["max_new_hubs[plant]"]
    assert f.loc[0, "needed"] == pytest.approx(1.0)
    assert "max_new_hubs [plant] = 0 cannot hold" in out.diagnosis.messages()[0]


def test_diagnose_min_new_hubs(solve):
    out = solve(base_tables(), min_new_hubs=2, max_hubs=1)
    assert not out.result.has_solution
    assert {"min_new_hubs[all]", "max_hubs"} & set(out.diagnosis.findings["where"])


def test_diagnose_must_take(solve):
    """15 must be bought at C1 but only 10 are demanded and nothing may be disposed."""
    t = base_tables()
    t["supply"] = pd.DataFrame(
        {"site_id": ["C1"], "product": ["good"], "capacity": [20.0], "unit_cost": [5.0],
         "min_quantity": [15.0]}
    )  # fmt: skip
    out = solve(t)
    f = out.diagnosis.findings
    assert list(f["kind"]) == ["must_take"]
    assert f.loc[0, "shortfall"] == pytest.approx(10.0)  # only 5 find a use (C1's demand)
    assert "must-take supply of 'good' at C1" in f.loc[0, "message"]


def test_diagnose_min_utilisation(solve):
    t = base_tables()
    t["candidates"]["capacity"] = [20.0, 20.0]
    t["candidates"]["min_utilisation"] = [0.75, 0.75]
    out = solve(t)
    f = out.diagnosis.findings
    assert list(f["kind"]) == ["min_utilisation"]
    assert f.loc[0, "shortfall"] == pytest.approx(5.0)


def test_elastic_lane_capacity_names_the_lane():
    """Lanes F1→C1 and F1→C2 carry at most 4; F2 is forbidden: each lane is 1 short."""
    from hubopt.diagnose_network import network_findings

    t = base_tables()
    t["candidates"]["status"] = ["candidate", "forbidden"]
    t["lanes"]["capacity"] = [4.0, 4.0, None, None]
    data = hubopt.HubData.from_tables(**t)
    sc = hubopt.Scenario(name="x", data=data)
    hub = hubopt.build_model(data, hubopt.build_lanes(data), sc,
                             extra={"elastic_lane_capacity": {}})  # fmt: skip
    res = hubopt.solve_model(hub, hubopt.SolveOptions(mip_rel_gap=0.0))
    assert res.objective == pytest.approx(0.5)  # 1/4 + 1/4
    found = network_findings(hub.model, hub.labels)
    assert sorted(r["where"] for r in found) == ["F1 → C1 (road) / good", "F1 → C2 (road) / good"]
    assert "capacity is 4" in found[0]["message"]


def test_hub_count_tables_in_a_scenario_file(tmp_path):
    """`[constraints.max_new_hubs]` sub-tables parse, round-trip, and an empty one is no limit."""
    from conftest import write_package

    from hubopt.inputs.fields import scenario_toml

    pkg = write_package(tmp_path / "pkg", base_tables())
    p = tmp_path / "s.toml"
    p.write_text(
        f'name = "s"\ndata = "{pkg}"\n[constraints]\nmin_new_hubs = 1\n'
        "[constraints.max_new_hubs]\nplant = 1\n",
        encoding="utf-8",
    )
    sc = hubopt.load_scenario(p)
    assert sc.max_new_hubs == {"plant": 1} and sc.min_new_hubs == 1
    p.write_text(scenario_toml(sc), encoding="utf-8")
    assert hubopt.load_scenario(p).max_new_hubs == {"plant": 1}
    out = hubopt.run(sc.with_options(max_new_hubs={}), hubopt.SolveOptions(mip_rel_gap=0.0))
    assert out.result.objective == pytest.approx(40.0)
    bad = tmp_path / "bad.toml"
    bad.write_text(f'name = "s"\ndata = "{pkg}"\n[constraints]\nmax_new_hubs = {{plant = -1}}\n')
    with pytest.raises(hubopt.HubDataError, match="constraints.max_new_hubs"):
        hubopt.load_scenario(bad)


def test_sweep_varies_hub_counts():
    from conftest import TINY

    from hubopt.studies.grid import parse_vary, sweep_points

    base = hubopt.Scenario(name="b", data_dir=TINY)
    pts = sweep_points(base, parse_vary(["max_new_hubs=1,{cellmaking=2}"], base))
    assert [p["name"] for p in pts] == ["b__max_new_hubs=1", "b__max_new_hubs=cellmaking-2"]
    assert pts[1]["scenario"].max_new_hubs == {"cellmaking": 2}


def test_byproduct_demand_with_single_sourcing(solve):
    """Single sourcing serves the salt demand through one lane: still 44 (see above)."""
    t = _salt(base_tables(), 2.0)
    t["demand"] = pd.concat(
        [t["demand"], pd.DataFrame({"site_id": ["C1"], "product": ["salt"], "quantity": [3.0]})]
    )
    salt = pd.DataFrame(
        {"origin": ["F1", "F2"], "destination": ["C1", "C1"], "mode": ["road"] * 2,
         "product": ["salt"] * 2, "cost_per_unit": [0.0, 0.0], "kg_co2_per_unit": [0.0, 0.0]}
    )  # fmt: skip
    t["lanes"] = pd.concat([t["lanes"], salt], ignore_index=True)
    out = solve(t, single_sourcing=True)
    assert out.result.objective == pytest.approx(44.0)
    from hubopt.model.tables import make_tables

    tb = make_tables(out.data, out.lanes if hasattr(out, "lanes") else hubopt.build_lanes(out.data),
                     out.scenario)  # fmt: skip
    assert tb.availability["salt"] == pytest.approx(10.0)  # 0.5 × (10 + 10)
