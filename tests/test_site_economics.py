"""Site economics and policy (issue 15): factor prices, handling, incentives, import caps.

Each test is a tiny instance whose optimum is derived by hand in its docstring; the
``solve`` fixture solves at gap 0, re-checks the plan with :mod:`hubopt.testing` and
compares the recomputed total cost with the objective.
"""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import base_tables, write_package
from helpers import hubopt_cli, scenario_file

import hubopt
from hubopt import Termination
from hubopt.errors import HubDataError


def twin_sites() -> dict[str, pd.DataFrame]:
    """Two identical plants F1, F2 (fixed 10, cap 10, unit cost 1), every lane costs 1.

    Customers C1, C2 want 5 each: one plant serves both, 10 + 10·c + 10 where c is the
    plant's production cost per unit. The plant makes 1 unit with 2 MWh of electricity.
    """
    t = base_tables()
    t["candidates"]["fixed_cost"] = [10.0, 10.0]
    t["lanes"]["cost_per_unit"] = [1.0] * 4
    t["technology_factors"] = pd.DataFrame(
        {"technology": ["plant"], "factor": ["electricity"], "quantity": [2.0]}
    )
    return t


def factors(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["site_id", "factor", "price", "kg_co2_per_unit",
                                       "available"])  # fmt: skip


def test_cheaper_electricity_wins(solve):
    """F1 3/MWh → c = 7, total 10 + 70 + 10 = 90; F2 5/MWh → 130."""
    t = twin_sites()
    t["site_factors"] = factors([("F1", "electricity", 3.0, 0.0, None),
                                 ("F2", "electricity", 5.0, 0.0, None)])  # fmt: skip
    out = solve(t)
    assert out.result.objective == pytest.approx(90.0)
    assert list(out.plan.hubs["site_id"]) == ["F1"]
    s = out.plan.summary
    assert s["production_cost_base"] == pytest.approx(10.0)
    assert s["production_cost_factors"] == pytest.approx(60.0)
    assert s["production_cost"] == pytest.approx(70.0)
    assert out.plan.hubs["production_cost_per_unit"].tolist() == [pytest.approx(7.0)]


def test_carbon_price_flips_to_the_low_carbon_grid(solve):
    """F1: 3/MWh, 500 kg/MWh → 90 + λ·10 t; F2: 4/MWh, 100 kg/MWh → 110 + λ·2 t.

    λ = 0: F1 (90); λ = 5: F1 140, F2 120 → F2.
    """
    t = twin_sites()
    t["site_factors"] = factors([("F1", "electricity", 3.0, 500.0, None),
                                 ("F2", "electricity", 4.0, 100.0, None)])  # fmt: skip
    assert list(solve(t).plan.hubs["site_id"]) == ["F1"]
    out = solve(t, carbon_price=5.0)
    assert list(out.plan.hubs["site_id"]) == ["F2"]
    assert out.result.objective == pytest.approx(120.0)
    assert out.plan.summary["emissions_production_t"] == pytest.approx(2.0)


def test_default_row_prices_every_site_and_available_binds_per_site(solve):
    """Default row: 3/MWh, 10 MWh available at *each* site → each plant makes 5.

    c = 7 everywhere; both open: 20 + 70 + 10 = 100 (one plant alone may make only 5).
    """
    t = twin_sites()
    t["site_factors"] = factors([("", "electricity", 3.0, 0.0, 10.0)])
    out = solve(t)
    assert out.result.objective == pytest.approx(100.0)
    assert sorted(out.plan.hubs["site_id"]) == ["F1", "F2"]
    assert out.plan.production["quantity"].tolist() == [pytest.approx(5.0)] * 2


def test_factor_available_binds(solve):
    """F1 (c = 7) may use 10 MWh → makes 5; F2 (c = 11) makes the other 5.

    20 + 35 + 55 + 10 = 120 (F2 alone: 130).
    """
    t = twin_sites()
    t["site_factors"] = factors([("F1", "electricity", 3.0, 0.0, 10.0),
                                 ("", "electricity", 5.0, 0.0, None)])  # fmt: skip
    out = solve(t)
    assert out.result.objective == pytest.approx(120.0)
    made = out.plan.production.set_index("site_id")["quantity"]
    assert made["F1"] == pytest.approx(5.0) and made["F2"] == pytest.approx(5.0)
    assert out.model.stats["rows"]["factor_availability"] == 1


def test_candidate_override_replaces_factor_cost(solve):
    """F2's row says unit_cost 2 (no price needed there): 10 + 20 + 10 = 40 beats F1's 90."""
    t = twin_sites()
    t["site_factors"] = factors([("F1", "electricity", 3.0, 0.0, None)])
    t["candidates"]["unit_cost"] = [None, 2.0]
    out = solve(t)
    assert out.result.objective == pytest.approx(40.0)
    assert list(out.plan.hubs["site_id"]) == ["F2"]
    assert out.plan.summary["production_cost_factors"] == pytest.approx(0.0)


def test_override_must_agree_across_sizes():
    t = twin_sites()
    t["site_factors"] = factors([("", "electricity", 3.0, 0.0, None)])
    c = t["candidates"]
    t["candidates"] = pd.concat([c, c.iloc[[0]].assign(size="two", capacity=20.0)])
    t["candidates"] = t["candidates"].reset_index(drop=True).assign(unit_cost=[2.0, None, 3.0])
    with pytest.raises(HubDataError, match="unit_cost must be the same for every size"):
        hubopt.HubData.from_tables(**t)


def test_production_credit_is_reported_apart(solve):
    """Base instance optimum 40 (F1); credit 0.5/unit × 10 units → 35."""
    t = base_tables()
    t["technologies"]["production_credit"] = [0.5]
    out = solve(t)
    assert out.result.objective == pytest.approx(35.0)
    s = out.plan.summary
    assert s["production_credits"] == pytest.approx(5.0)
    assert s["production_cost"] == pytest.approx(10.0)


def test_energy_community_bonus_moves_the_hub(solve):
    """F2 (EC, fixed 20) costs 50 vs F1's 40; a 60 % bonus refunds 12 → 38."""
    out = solve(base_tables(), energy_community_bonus=0.6)
    assert list(out.plan.hubs["site_id"]) == ["F2"]
    assert out.result.objective == pytest.approx(38.0)
    s = out.plan.summary
    assert s["incentives_granted"] == pytest.approx(12.0)
    assert s["incentives_granted_in_energy_communities"] == pytest.approx(12.0)


def test_budget_grants_exactly_the_better_incentive(solve):
    """Demand 8 + 8 needs both plants: 30 + 16 + 16 = 62. Incentives 8 (F1), 6 (F2).

    No budget: 62 − 14 = 48. Budget 10: only one fits, the better (8) → 54.
    """
    t = base_tables()
    t["demand"]["quantity"] = [8.0, 8.0]
    t["candidates"]["incentive"] = [8.0, 6.0]
    assert solve(t).result.objective == pytest.approx(48.0)
    out = solve(t, incentive_budget=10.0)
    assert out.result.objective == pytest.approx(54.0)
    got = out.plan.hubs.set_index("site_id")["incentive_granted"]
    assert got["F1"] == pytest.approx(8.0) and got["F2"] == pytest.approx(0.0)
    assert out.plan.summary["incentives_granted"] == pytest.approx(8.0)


def import_tables() -> dict[str, pd.DataFrame]:
    """Imported supply at port P (0.5/unit) or plant F1 (fixed 10, unit 1); C1 wants 10.

    Lanes P→C1 and F1→C1 cost 1. Import only: 5 + 10 = 15.
    """
    t = base_tables()
    t["sites"] = t["sites"].iloc[[0, 2]].reset_index(drop=True)
    t["sites"].loc[len(t["sites"])] = ["P", "Port", 40.2, -90.2, False]
    t["candidates"] = t["candidates"].iloc[[0]]
    t["demand"] = pd.DataFrame({"site_id": ["C1"], "product": ["good"], "quantity": [10.0]})
    t["supply"] = pd.DataFrame({"site_id": ["P"], "product": ["good"], "capacity": [20.0],
                                "unit_cost": [0.5], "imported": [True]})  # fmt: skip
    t["lanes"] = pd.DataFrame({"origin": ["P", "F1"], "destination": ["C1", "C1"],
                               "mode": ["road"] * 2, "product": ["good"] * 2,
                               "cost_per_unit": [1.0, 1.0], "kg_co2_per_unit": [0.0, 0.0]})  # fmt: skip
    return t


def test_import_share_cap_opens_a_domestic_plant(solve):
    """Cap 0.5: buy ≤ 0.5 (buy + make) → 5 + 5: 2.5 + 10 + 5 + 10 = 27.5."""
    t = import_tables()
    assert solve(t).result.objective == pytest.approx(15.0)
    for cap in (0.5, {"good": 0.5}):
        out = solve(t, max_import_share=cap)
        assert out.result.objective == pytest.approx(27.5)
        assert list(out.plan.hubs["site_id"]) == ["F1"]
        assert out.plan.summary["import_share"] == {"good": pytest.approx(0.5)}


def test_feoc_share_cap(solve):
    """The same supply flagged FEOC (not imported) is capped by max_feoc_share."""
    t = import_tables()
    t["supply"] = t["supply"].drop(columns="imported").assign(feoc=[True])
    out = solve(t, max_feoc_share=0.5, max_import_share=0.0)  # nothing imported: no row
    assert out.result.objective == pytest.approx(27.5)
    assert out.plan.summary["feoc_share"] == {"good": pytest.approx(0.5)}


def test_infeasible_import_cap_is_diagnosed(solve):
    """No domestic option: a cap of 0.3 cannot hold; diagnose names the product."""
    t = import_tables()
    t["candidates"] = t["candidates"].assign(status="forbidden")
    out = solve(t, max_import_share={"good": 0.3})
    assert out.result.termination is Termination.INFEASIBLE
    f = out.diagnosis.findings
    assert f.loc[0, "where"] == "max_import_share[good, share 0.3]"
    msg = out.diagnosis.messages()[0]
    assert "imports above the share cap max_import_share [good, share 0.3]" in msg
    assert f.loc[0, "needed"] == pytest.approx(7.0)  # 10 imported − 0.3 × 10 allowed


def test_handling_cost_sends_a_short_move_by_truck(solve):
    """3 km, 10 t: truck 0.1/tkm + 0.5/t → 10·(0.3 + 0.5) = 8; rail 0.02/tkm + 5/t → 50.6.

    Without handling rail (0.6) beats truck (3). Explicit lanes with distance only get
    the handling cost; a lane with a given cost_per_unit keeps it.
    """
    t = import_tables()
    t["candidates"] = t["candidates"].assign(status="forbidden")
    t["modes"] = pd.DataFrame({"mode": ["truck", "rail"], "cost_per_tonne_km": [0.1, 0.02],
                               "kg_co2_per_tonne_km": [0.0, 0.0]})  # fmt: skip
    t["supply"]["unit_cost"] = [0.0]
    t["lanes"] = pd.DataFrame({"origin": ["P", "P"], "destination": ["C1", "C1"],
                               "mode": ["truck", "rail"], "product": ["good"] * 2,
                               "distance_km": [3.0, 3.0]})  # fmt: skip
    out = solve(t)
    assert out.plan.flows["mode"].tolist() == ["rail"]
    assert out.result.objective == pytest.approx(0.6)
    t["modes"]["handling_cost_per_tonne"] = [0.5, 5.0]
    out = solve(t)
    assert out.plan.flows["mode"].tolist() == ["truck"]
    assert out.result.objective == pytest.approx(8.0)
    assert out.plan.summary["handling_cost"] == pytest.approx(5.0)
    t["lanes"]["cost_per_unit"] = [1.0, 0.06]  # given: no handling added
    out = solve(t)
    assert out.plan.flows["mode"].tolist() == ["rail"]
    assert out.plan.summary["handling_cost"] == pytest.approx(0.0)


# --------------------------------------------------------------------------- bad input


def _errors(t: dict) -> list:
    with pytest.raises(HubDataError) as e:
        hubopt.HubData.from_tables(**t)
    return e.value.issues


def test_negative_factor_quantity_is_refused():
    t = twin_sites()
    t["site_factors"] = factors([("", "electricity", 3.0, 0.0, None)])
    t["technology_factors"]["quantity"] = [-2.0]
    i = _errors(t)[0]
    assert (i.file, i.column) == ("technology_factors", "quantity")


def test_unknown_factor_is_named():
    t = twin_sites()
    t["site_factors"] = factors([("", "power", 3.0, 0.0, None)])
    i = [x for x in _errors(t) if x.check == "check_factor_labels"][0]
    assert i.column == "factor" and "'electricity' is not priced" in i.message


def test_missing_price_names_the_candidate_row():
    t = twin_sites()
    t["site_factors"] = factors([("F1", "electricity", 3.0, 0.0, None)])
    i = [x for x in _errors(t) if x.check == "check_factor_prices"][0]
    assert i.file == "candidates" and i.column == "site_id" and "'F2'" in i.message


def test_own_row_without_price_is_named():
    t = twin_sites()
    t["site_factors"] = factors([("F1", "electricity", 3.0, 0.0, None),
                                 ("F2", "electricity", None, 0.0, 5.0)])  # fmt: skip
    i = [x for x in _errors(t) if x.check == "check_factor_prices"][0]
    assert i.file == "site_factors" and i.column == "price"


def test_non_numeric_price_exits_2(tmp_path):
    t = twin_sites()
    t["site_factors"] = "site_id,factor,price\n,electricity,cheap\n"
    pkg = write_package(tmp_path / "pkg", t)
    report = tmp_path / "problems.csv"
    r = hubopt_cli("validate", str(pkg), "--csv", str(report))
    assert r.returncode == 2
    df = pd.read_csv(report, keep_default_na=False)
    hit = df[df["message"].str.contains("'cheap' is not a number")].iloc[0]
    assert (hit["file"], int(hit["line"]), hit["column"]) == ("site_factors.csv", 2, "price")


@pytest.mark.parametrize(
    "text",
    ["[constraints]\nmax_import_share = 1.5\n", "[constraints]\nmax_feoc_share = {good = -1}\n",
     "[policy]\nenergy_community_bonus = 2\n", '[constraints]\nmax_import_share = "x"\n'],
)  # fmt: skip
def test_shares_outside_0_1_exit_2(tmp_path, text):
    pkg = write_package(tmp_path / "pkg", base_tables())
    sc = scenario_file(tmp_path, pkg, text)
    r = hubopt_cli("validate", str(sc))
    assert r.returncode == 2, r.stdout + r.stderr
    assert "expected" in r.stdout + r.stderr


def test_share_table_round_trips_through_toml(tmp_path):
    from hubopt.inputs.fields import scenario_toml
    from hubopt.inputs.scenario import load_scenario

    pkg = write_package(tmp_path / "pkg", base_tables())
    sc = load_scenario(scenario_file(tmp_path, pkg, "[constraints]\nmax_import_share = {good = 0.25}\n"
                                     "[policy]\nincentive_budget = 5\n"))  # fmt: skip
    assert sc.max_import_share == {"good": 0.25} and sc.incentive_budget == 5.0
    p = tmp_path / "again.toml"
    p.write_text(scenario_toml(sc))
    assert load_scenario(p).max_import_share == {"good": 0.25}


def test_everything_at_once_passes_the_independent_check(solve):
    """Factors with a binding availability, budget, bonus, credit, import cap, handling."""
    t = twin_sites()
    t["site_factors"] = factors([("", "electricity", 2.0, 300.0, None),
                                 ("F1", "electricity", 1.0, 800.0, 8.0)])  # fmt: skip
    t["candidates"]["incentive"] = [3.0, 4.0]
    t["technologies"]["production_credit"] = [0.2]
    t["supply"] = pd.DataFrame({"site_id": ["F1"], "product": ["good"], "capacity": [4.0],
                                "unit_cost": [1.5], "imported": [True], "feoc": [True]})  # fmt: skip
    out = solve(t, incentive_budget=3.5, energy_community_bonus=0.1, max_import_share=0.2,
                max_feoc_share={"good": 0.3}, carbon_price=2.0)  # fmt: skip
    s = out.plan.summary
    assert s["import_share"]["good"] <= 0.2 + 1e-9
    assert s["incentives_granted"] <= 3.5 + 1e-9


def test_share_set_in_python_is_range_checked():
    with pytest.raises(HubDataError, match="expected a share between 0 and 1"):
        hubopt.Scenario(name="x", max_import_share={"good": 1.5})
    with pytest.raises(HubDataError, match="energy_community_bonus"):
        hubopt.Scenario(name="x", energy_community_bonus=1.5)


def test_results_and_compare_carry_the_new_figures_with_units(tmp_path):
    """summary.json units, hubs.csv per-hub cost, compare columns, console money unit."""
    import json

    from hubopt.studies.compare import compare

    t = import_tables()
    t["candidates"]["incentive"] = [2.0]
    pkg = write_package(tmp_path / "pkg", t)
    (pkg / "package.toml").write_text('money_unit = "M$"\n')
    folders = []
    for name, kw in (("free", {}), ("capped", {"max_import_share": {"good": 0.5}})):
        sc = hubopt.Scenario(name=name, data_dir=pkg, **kw)
        out = hubopt.run(sc, hubopt.SolveOptions(mip_rel_gap=0.0))
        folders.append(hubopt.write_outputs(tmp_path / "res" / name, out))
    summ = json.loads((folders[1] / "summary.json").read_text())
    assert summ["import_share"] == {"good": pytest.approx(0.5)}
    assert summ["incentives_granted"] == pytest.approx(2.0)
    assert summ["units"]["incentives_granted"] == "M$/yr"
    assert summ["units"]["production_cost_factors"] == "M$/yr"
    hubs = pd.read_csv(folders[1] / "hubs.csv")
    assert hubs["production_cost_per_unit"].tolist() == [pytest.approx(1.0)]
    assert hubs["incentive_granted"].tolist() == [pytest.approx(2.0)]
    table = compare(folders).table
    assert table.loc["free", "import_share_good"] == pytest.approx(1.0)
    assert table.loc["capped", "import_share_good"] == pytest.approx(0.5)
    assert table.loc["capped", "incentives_granted"] == pytest.approx(2.0)
    r = hubopt_cli("solve", str(scenario_file(tmp_path, pkg, "[constraints]\nmax_import_share = 0.5\n")),
                   "--out", str(tmp_path / "cli"))  # fmt: skip
    assert r.returncode == 0, r.stderr
    shown = r.stdout + r.stderr
    assert "incentives granted" in shown and "2.00 M$/yr" in shown
    assert "import share of good" in shown


def test_diagnose_can_relax_the_budget_and_each_share_row():
    """The elastic model gives the budget row and each product's share row a slack."""
    from hubopt.model.build import build_model

    t = import_tables()
    t["candidates"]["incentive"] = [2.0]
    data = hubopt.HubData.from_tables(**t)
    sc = hubopt.Scenario(name="e", data=data, incentive_budget=1.0,
                         max_import_share={"good": 0.5})  # fmt: skip
    hub = build_model(data, hubopt.build_lanes(data), sc, extra={"elastic_scenario": {}})
    relaxed = hub.labels["elastic_scenario"]
    assert {"incentive_budget", "max_import_share"} <= set(relaxed)
    assert hub.labels["max_import_share_rows"] == ["good, share 0.5"]
