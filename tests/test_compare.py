"""hubopt compare: plans from real solves, side by side, with hand-derived figures.

Network (``conftest.base_tables`` with F1's fixed cost 12 and explicit distances): F1
(fixed 12, cap 10) and F2 (fixed 20, cap 10, energy community, jobs 20, capex 200) make
``good`` at 1/unit; C1 and C2 demand 5 each; lanes F1→C1 100 km (cost 1/unit), F1→C2
300 km (3), F2→C1 300 km (3), F2→C2 100 km (1); CO2 0.01 kg per unit-km.

* ``base``: F1 alone, 12 + 10 + 20 = 42; C1 served from 100 km, C2 from 300 km.
* ``ec`` (min 1 energy-community hub): F2 alone, 20 + 10 + 20 = 50.
* ``both`` (F1 required, min 1 EC hub): 32 + 10 + 10 = 52; both customers from 100 km.
* ``none`` (max 0 hubs): infeasible.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from conftest import network, solve_to
from helpers import hubopt_cli

from hubopt.errors import HubDataError
from hubopt.outputs.studies import write_comparison
from hubopt.studies.compare import (
    compare,
    compare_plans,
    delivered,
    load_plans,
    robustness,
    stack,
    summarise,
)


def test_key_figures_match_hand_derived_values(comp):
    t = comp.table
    assert list(t.index) == ["base", "ec", "both", "none"]
    assert t.loc["base", "total_cost"] == pytest.approx(42.0)
    assert t.loc["ec", "total_cost"] == pytest.approx(50.0)
    assert t.loc["both", "total_cost"] == pytest.approx(52.0)
    assert t.loc["base", "fixed_cost"] == pytest.approx(12.0)
    assert t.loc["base", "transport_cost"] == pytest.approx(20.0)
    # CO2: 5 units x 100 km + 5 x 300 km at 0.01 kg per unit-km = 20 kg
    assert t.loc["base", "emissions_t"] == pytest.approx(0.02)
    assert t.loc["both", "emissions_t"] == pytest.approx(0.01)
    # tonne-km (1 t per unit): 5 * 100 + 5 * 300
    assert t.loc["base", "tonne_km_road"] == pytest.approx(2000.0)
    assert t.loc["base", "tonne_km_total"] == pytest.approx(2000.0)
    assert t.loc["base", "hubs_open"] == 1 and t.loc["both", "hubs_open"] == 2
    assert t.loc["ec", "hubs_in_energy_communities"] == 1
    assert t.loc["ec", "jobs_in_energy_communities"] == pytest.approx(20.0)
    assert t.loc["ec", "capex_in_energy_communities"] == pytest.approx(200.0)
    assert t.loc["base", "jobs_in_energy_communities"] == 0
    assert t.loc["base", "demand_served_share"] == pytest.approx(1.0)


def test_distance_figures(comp):
    t = comp.table
    assert (t["within_km"] == 200.0).all()
    # base: C1 5 units from 100 km, C2 5 units from 300 km
    assert t.loc["base", "share_within_km"] == pytest.approx(0.5)
    assert t.loc["base", "avg_inbound_km"] == pytest.approx(200.0)
    assert t.loc["both", "share_within_km"] == pytest.approx(1.0)
    assert t.loc["both", "avg_inbound_km"] == pytest.approx(100.0)


def test_within_km_boundary_is_inclusive(results):
    one = compare([results / "base"], within_km=100.0)
    assert one.table.loc["base", "share_within_km"] == pytest.approx(0.5)
    assert compare([results / "base"], within_km=99.0).table.loc[
        "base", "share_within_km"
    ] == pytest.approx(0.0)


def test_infeasible_plan_has_status_and_blanks(comp):
    row = comp.table.loc["none"]
    assert row["status"] == "infeasible" and row["solution_status"] == "none"
    for col in ("total_cost", "emissions_t", "hubs_open", "share_within_km", "tonne_km_total"):
        assert pd.isna(row[col]), col


def test_deltas_against_baseline(comp):
    d = comp.deltas.set_index(["plan", "metric"])
    assert d.loc[("ec", "total_cost"), "delta"] == pytest.approx(8.0)
    assert d.loc[("ec", "total_cost"), "delta_pct"] == pytest.approx(100 * 8 / 42)
    assert d.loc[("both", "avg_inbound_km"), "delta"] == pytest.approx(-100.0)
    assert d.loc[("base", "total_cost"), "delta"] == 0
    # baseline 0 and value 1: the change is known, the percentage is not
    assert d.loc[("ec", "hubs_in_energy_communities"), "delta"] == 1
    assert pd.isna(d.loc[("ec", "hubs_in_energy_communities"), "delta_pct"])
    assert pd.isna(d.loc[("none", "total_cost"), "delta"])


def test_robustness_counts_plans_choosing_each_site(comp):
    r = comp.robustness.set_index("site_id")
    assert r.loc["F1", "n_plans_selected"] == 2 and r.loc["F2", "n_plans_selected"] == 2
    assert r.loc["F1", "n_plans"] == 3  # plans that have a plan; 'none' has none
    assert r.loc["F1", "plans"] == "base; both"
    assert r.loc["F2", "plans"] == "ec; both"
    assert r.loc["F2", "share"] == pytest.approx(2 / 3)
    assert bool(r.loc["F2", "energy_community"]) is True
    assert r.loc["F1", "technology"] == "plant" and r.loc["F1", "sizes"] == "one"


def test_one_plan_is_summarised_by_the_same_code_as_many(comp):
    many = summarise(comp.plans, within_km=200.0)
    for name in comp.plans:
        one = summarise({name: comp.plans[name]}, within_km=200.0)
        pd.testing.assert_frame_equal(one, many.loc[[name], one.columns], check_dtype=False)


def test_stack_adds_a_plan_level(comp):
    flows = stack(comp.plans, "flows")
    assert flows.index.names == ["plan", "row"]
    assert set(flows.index.get_level_values("plan")) == {"base", "ec", "both"}
    assert stack({}, "flows").empty


def test_delivered_counts_forwarded_and_local_quantity(tmp_path):
    # F1 makes for itself (demand 4, local: 0 km) and ships 10 to F2 (100 km); F2 keeps 5
    # and forwards 5 to C2 (50 km). F2's own plant (required, unit cost 100) makes nothing.
    t = network()
    t["technologies"] = pd.DataFrame(
        {"technology": ["plant", "plant2"], "output": "good", "unit_cost": [1.0, 100.0]}
    )
    t["candidates"] = t["candidates"].assign(
        capacity=20.0, technology=["plant", "plant2"], status=["candidate", "required"]
    )
    t["demand"] = pd.DataFrame(
        {"site_id": ["F2", "C2", "F1"], "product": "good", "quantity": [5.0, 5.0, 4.0]}
    )
    t["lanes"] = pd.DataFrame(
        {
            "origin": ["F1", "F2"],
            "destination": ["F2", "C2"],
            "mode": "road",
            "product": "good",
            "distance_km": [100.0, 50.0],
            "cost_per_unit": [1.0, 1.0],
        }
    )
    folder = solve_to(tmp_path, t, "fwd")
    plans, _meta = load_plans([folder])
    assert plans["fwd"][0]["status"] == "optimal"
    d = delivered(plans).set_index("site_id")
    assert d.loc["F2", "weight"] == pytest.approx(5.0)  # 10 in, 5 served
    assert d.loc["F2", "distance_km"] == pytest.approx(100.0)
    assert d.loc["C2", "weight"] == pytest.approx(5.0)
    assert d.loc["F1", "weight"] == pytest.approx(4.0) and d.loc["F1", "distance_km"] == 0
    s = summarise(plans, within_km=60.0).iloc[0]
    assert s["share_within_km"] == pytest.approx((4 + 5) / 14)
    assert s["avg_inbound_km"] == pytest.approx((5 * 100 + 5 * 50) / 14)


def test_write_comparison_is_atomic_and_never_overwrites(comp, tmp_path):
    out = tmp_path / "cmp"
    first = write_comparison(comp, out)
    assert first == out
    for f in ("comparison.csv", "comparison_long.csv", "robustness.csv", "report.html"):
        assert (out / f).is_file(), f
    wide = pd.read_csv(out / "comparison.csv", index_col="plan")
    assert wide.loc["ec", "delta_total_cost"] == pytest.approx(8.0)
    assert bool(wide.loc["base", "is_baseline"]) is True
    assert wide.loc["none", "status"] == "infeasible"
    rob = pd.read_csv(out / "robustness.csv", dtype={"site_id": str})
    assert list(rob["site_id"]) == ["F1", "F2"]
    small = compare_plans({"none": comp.plans["none"]})  # cheap to write again
    second = write_comparison(small, out)
    assert second == tmp_path / "cmp-2"
    (out / "marker").write_text("old")
    assert write_comparison(small, out, force=True) == out
    assert not (out / "marker").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_bad_inputs_are_input_errors(results, tmp_path):
    with pytest.raises(HubDataError, match="not a hubopt result folder"):
        compare([results / "base", tmp_path / "nowhere"])
    with pytest.raises(HubDataError, match="baseline 'nope'"):
        compare([results / "base"], baseline="nope")


def test_folder_of_results_expands_and_duplicate_names_are_told_apart(results, tmp_path):
    plans, meta = load_plans([results])
    assert set(plans) == {"base", "ec", "both", "none"}
    assert meta["base"]["manifest"]["scenario"]["name"] == "base"
    other = tmp_path / "other"
    other.mkdir()
    import shutil

    shutil.copytree(results / "base", other / "base")
    plans, _ = load_plans([results / "base", other / "base"])
    assert list(plans) == ["res/base", "other/base"]
    comp2 = compare_plans(plans)
    assert comp2.baseline == "res/base"
    assert robustness(plans)["n_plans_selected"].iloc[0] == 2


def test_cli_compare(results, tmp_path):
    out = tmp_path / "cli"
    r = hubopt_cli(
        "compare",
        str(results / "base"),
        str(results / "ec"),
        str(results / "none"),
        "--baseline",
        "ec",
        "--out",
        str(out),
        "--within-km",
        "150",
    )
    assert r.returncode == 0, r.stderr
    assert "total cost" in r.stdout and "ec ★" in r.stdout
    assert "infeasible" in r.stdout
    wide = pd.read_csv(out / "comparison.csv", index_col="plan")
    assert wide.loc["base", "delta_total_cost"] == pytest.approx(-8.0)
    assert (wide["within_km"] == 150).all()
    assert (out / "report.html").is_file()


def test_cli_compare_bad_input_exits_2(tmp_path):
    bad = hubopt_cli("compare", str(tmp_path / "nowhere"), "--baseline", "zzz")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "nowhere" in bad.stderr


def test_summary_json_is_the_source_of_cost_terms(results, comp):
    s = json.loads((results / "ec" / "summary.json").read_text())
    for k in ("total_cost", "fixed_cost", "transport_cost", "emissions_t"):
        assert comp.table.loc["ec", k] == pytest.approx(s[k])
