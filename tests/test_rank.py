"""``hubopt rank``: premiums equal hand-checkable differences of two solves, honest bounds."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from conftest import base_tables
from helpers import chromium, hubopt_cli, random_cflp, scenario_file

import hubopt
from hubopt.errors import HubDataError
from hubopt.studies.rank import rank, rank_sites

EXACT = hubopt.SolveOptions(mip_rel_gap=0.0, time_limit_s=60.0)


@pytest.fixture(scope="module")
def client():
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=1, threads_per_worker=1, host="127.0.0.1", dashboard_address=None
        ) as cluster,
        Client(cluster) as c,
    ):
        yield c


def _scenario(tables: dict, options=EXACT, **kw) -> hubopt.Scenario:
    data = hubopt.HubData.from_tables(**tables)
    return hubopt.Scenario(name="r", data=data, solver=options, **kw)


def _objective(tables: dict, **kw) -> float:
    out = hubopt.run(_scenario(tables, **kw), EXACT)
    return out.result.objective


def _lane_cost(t: dict, origin: str, dest: str, cost: float) -> dict:
    lanes = t["lanes"]
    lanes.loc[(lanes["origin"] == origin) & (lanes["destination"] == dest), "cost_per_unit"] = cost
    return t


def test_premium_is_the_difference_of_two_hand_checkable_solves(client):
    # F1 alone: 10 fixed + 10 made + 5*1 + 5*3 = 40 (the optimum). With a new hub at F2
    # (F2->C1 costs 4): F2 alone 20+10+5*4+5*1 = 55, F1 and F2 30+10+5+5 = 50: premium 10,
    # F1 stays open.
    t = _lane_cost(base_tables(), "F2", "C1", 4.0)
    res = rank(_scenario(t), sites="all", client=client)
    row = res.table.set_index("site_id")
    assert res.baseline["objective"] == pytest.approx(40.0)
    assert row.loc["F2", "premium"] == pytest.approx(10.0)
    assert row.loc["F2", "premium_exact"] and row.loc["F2", "status"] == "solved"
    assert row.loc["F2", "hubs_closed"] == 0 and row.loc["F2", "jobs"] == 20
    assert row.loc["F2", "capex"] == 200 and row.loc["F2", "technology"] == "plant"
    # the same difference from two independent solves: F2 forced as a required option
    forced = base_tables()
    forced = _lane_cost(forced, "F2", "C1", 4.0)
    forced["candidates"]["status"] = ["candidate", "required"]
    assert _objective(forced) - _objective(t) == pytest.approx(row.loc["F2", "premium"])
    assert list(res.table["site_id"]) == ["F1", "F2"]  # sorted by premium
    assert res.complete and res.info["solves"] == 1


def test_a_hub_elsewhere_closes_and_the_money_unit_is_the_packages(client):
    # F2->C1 costs 2: F2 alone 20+10+10+5 = 45 < both (50): premium 5, F1 closes.
    t = _lane_cost(base_tables(), "F2", "C1", 2.0)
    res = rank(_scenario(t), sites=["F2"], client=client)
    r = res.table.iloc[0]
    assert r["premium"] == pytest.approx(5.0)
    assert r["hubs_closed"] == 1 and r["closed_elsewhere"] == "F1 plant one"
    assert r["co2_change_t"] == pytest.approx(0.0)
    assert res.money_unit == "k$"


def test_a_site_in_the_optimal_plan_has_premium_zero_without_a_solve(client):
    res = rank(_scenario(base_tables()), sites=["F1"], client=client)
    r = res.table.iloc[0]
    assert r["status"] == "in_baseline" and r["premium"] == 0.0 and r["premium_exact"]
    assert res.info["solves"] == 0 and res.info["detected"] == 1


def test_an_infeasible_site_is_reported_with_the_diagnosis(client):
    # F1 is an existing plant (always open) and max_hubs = 1: no new hub fits at F2.
    t = base_tables()
    t["candidates"]["status"] = ["existing", "candidate"]
    res = rank(_scenario(t, max_hubs=1), sites=["F1", "F2"], client=client)
    row = res.table.set_index("site_id")
    assert row.loc["F2", "status"] == "infeasible"
    assert "max_hubs" in row.loc["F2", "message"]
    assert row.loc["F1", "status"] == "infeasible"  # an existing plant is not a new hub
    assert "offers no new option" in row.loc["F1", "message"]
    assert math.isnan(row.loc["F2", "premium_low"]) and len(res.failed) == 2
    assert res.complete  # proven infeasible is a complete answer


def test_interval_on_a_time_limited_run(client):
    # as in test_status_paths: a 50 x 200 single-sourced instance is not proven in seconds
    t = random_cflp(50, 200, seed=3)
    opts = hubopt.SolveOptions(time_limit_s=3.0, mip_rel_gap=0.0)
    res = rank(_scenario(t, options=opts, single_sourcing=True), sites=["F7"], client=client)
    r = res.table.iloc[0]
    assert res.baseline["solution_status"] == "feasible"
    assert not r["premium_exact"] and math.isnan(r["premium"])  # never one number
    assert 0.0 <= r["premium_low"] <= r["premium_high"]
    assert r["premium_high"] >= res.baseline["objective"] - res.baseline["best_bound"] - 1e-6
    assert not res.complete


def test_site_sets_and_unknown_ids():
    data = hubopt.HubData.from_tables(**base_tables())
    assert rank_sites(data, "energy-communities") == ["F2"]
    assert rank_sites(data, "all") == ["F1", "F2"]
    with pytest.raises(HubDataError, match="ZZ9"):
        rank_sites(data, ["F1", "ZZ9"])
    with pytest.raises(HubDataError, match="unknown technology 'nope'"):
        rank_sites(data, "all", ["nope"])


def _site_pkg(tmp_path):
    from conftest import write_package

    return write_package(tmp_path / "pkg", _lane_cost(base_tables(), "F2", "C1", 4.0))


def test_cli_end_to_end(tmp_path):
    model = scenario_file(tmp_path, _site_pkg(tmp_path), "[solver]\nmip_rel_gap = 0.0\n")
    out = tmp_path / "rank"
    r = hubopt_cli("rank", str(model), "--sites", "all", "--workers", "1", "--out", str(out),
                   "--plans")  # fmt: skip
    assert r.returncode == 0, r.stdout + r.stderr
    t = pd.read_csv(out / "ranking.csv")
    assert list(t["site_id"]) == ["F1", "F2"] and t["premium"].tolist() == [0.0, 10.0]
    fields = pd.read_csv(out / "ranking_fields.csv").set_index("column")
    assert fields.loc["premium", "unit"] == "k$/yr"
    import pyogrio

    layer = pyogrio.read_dataframe(out / "ranking.gpkg", layer="ranking")
    assert {"premium", "technology", "status"} <= set(layer.columns) and len(layer) == 2
    assert (out / "plans" / "baseline" / "summary.json").is_file()
    assert (out / "plans" / "F2" / "summary.json").is_file()
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "How competitive is each community" in html and "http" not in html.split("<footer")[0]
    assert "10 k$/yr more than the cheapest plan" in html
    ids = tmp_path / "ids.txt"
    ids.write_text("F2\nNOPE1\n", encoding="utf-8")
    bad = hubopt_cli("rank", str(model), "--sites", str(ids), "--out", str(tmp_path / "x"))
    assert bad.returncode == 2 and "NOPE1" in bad.stderr
    assert not (tmp_path / "x").exists()
    shot = tmp_path / "shot.png"
    c = chromium(
        tmp_path, f"--screenshot={shot}", "--window-size=1280,1600", "--enable-logging=stderr",
        "--v=0", (out / "report.html").as_uri(),
    )  # fmt: skip
    assert not [x for x in c.stderr.splitlines() if ":CONSOLE" in x or "Uncaught" in x]
    assert shot.is_file() and shot.stat().st_size > 10_000, c.stderr[-2000:]


def test_every_site_plan_passes_the_independent_checks(client):
    from hubopt.testing import assert_plan_feasible, check_new_hub_at, recompute_total_cost

    t = _lane_cost(base_tables(), "F2", "C1", 2.0)
    sc = _scenario(t)
    res = rank(sc, sites="all", client=client, keep_plans=True)
    assert set(res.outcomes) == {"baseline", "F2"}
    for site, o in res.outcomes.items():
        assert_plan_feasible(o.data, o.plan, o.scenario)
        assert recompute_total_cost(o.data, o.plan, o.scenario) == pytest.approx(o.result.objective)
        if site != "baseline":
            assert check_new_hub_at(o.data, o.plan, site) == []
    assert check_new_hub_at(sc.data, res.outcomes["baseline"].plan, "F2") == [
        "no new option open at F2"
    ]


def test_the_family_takes_the_array_hand_off_and_matches_pyomo():
    from hubopt.solve import standard_form

    data = hubopt.HubData.from_tables(**base_tables())
    extra = {"require_new_at_site": {"site_id": "F2", "technologies": ["plant"]}}
    hub = hubopt.build_model(data, hubopt.build_lanes(data), _scenario(base_tables()), extra=extra)
    assert "require_new_at_site" in hub.stats["families"]
    fast, path = standard_form(hub)
    compiled, cpath = standard_form(hub, path="compiler")
    assert (path, cpath) == ("arrays", "compiler")
    assert (fast.a != compiled.a).nnz == 0
    assert (fast.row_lower == compiled.row_lower).all()
    r = hubopt.solve_model(hub, EXACT)
    assert r.handoff == "arrays" and r.objective == pytest.approx(50.0)


def test_a_failing_site_reports_a_message_and_the_others_carry_on():
    from hubopt.studies.rank import solve_site

    row = solve_site("F2", [], None, None, {"open_keys": []}, _scenario(base_tables()))
    assert row["status"] == "error" and row["message"].strip()


def test_rank_takes_callbacks_not_output_folders():
    import inspect

    params = inspect.signature(rank).parameters
    assert "on_progress" in params and "on_result" in params
    assert not {"out_dir", "force", "money_unit"} & set(params)


def test_back_to_back_studies_with_the_same_inputs_share_one_client(client):
    # Content-hashed scatter keys made a study's tasks "lost dependencies" when the same
    # inputs of the study before were still being released (seen once in CI).
    scenario = _scenario(base_tables())
    for _ in range(6):
        res = rank(scenario, sites=["F2"], client=client)
        assert res.table.iloc[0]["status"] != "error", res.table.iloc[0]["message"]
