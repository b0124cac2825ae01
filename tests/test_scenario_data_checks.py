"""Scenario keys checked against the data: exclude_new_where, and share caps that cannot hold."""

from __future__ import annotations

import pytest
from conftest import REPO, TINY, base_tables
from helpers import scenario_file

import hubopt
from hubopt.inputs.validate_scenario import scenario_issues


def _flagged(flags: list[str], status: str = "candidate") -> dict:
    t = base_tables()
    t["sites"] = t["sites"].assign(burns=flags)
    t["candidates"] = t["candidates"].assign(status=[status, "candidate"])
    return t


def test_a_flagged_site_gets_no_new_hub(solve):
    # F1 alone is the optimum (fixed 10 + make 10 + ship 5 + 15 = 40); without F1, F2
    # alone serves both (20 + 10 + 15 + 5 = 50).
    t = _flagged(["true", "false", "", ""])
    assert solve(t).result.objective == pytest.approx(40.0)
    out = solve(t, exclude_new_where="burns")
    assert out.result.objective == pytest.approx(50.0)
    assert out.plan.hubs["site_id"].tolist() == ["F2"]
    assert "exclude_new_where" in out.model.stats["families"]
    assert out.model.stats["rows"]["scenario"] == 1  # one excluded option, F1


def test_an_existing_plant_at_a_flagged_site_stays(solve):
    out = solve(_flagged(["yes", "no", "", ""], status="existing"), exclude_new_where="burns")
    assert "F1" in out.plan.hubs["site_id"].tolist()


def test_an_unknown_column_and_a_bad_cell_are_named():
    data = hubopt.HubData.from_tables(**_flagged(["true", "maybe", "", ""]))
    sc = hubopt.Scenario(name="x", data=data, exclude_new_where="burn")
    tables = {"sites": data.sites}
    (issue,) = scenario_issues(sc, tables)
    assert issue.check == "check_exclude_column" and issue.column == "constraints.exclude_new_where"
    assert "'burn'" in issue.message and "burns" in issue.message
    sc = hubopt.Scenario(name="x", data=data, exclude_new_where="burns")
    (issue,) = scenario_issues(sc, tables)
    assert (issue.file, issue.column) == ("sites.csv", "burns") and "'maybe'" in issue.message
    with pytest.raises(hubopt.HubDataError, match="'maybe' is not true/false"):
        hubopt.run(sc)


def test_the_key_parses_and_the_default_data_column_reads():
    sc = hubopt.load_scenario(REPO / "models" / "coal_communities.toml")
    sc = hubopt.Scenario(name="c", data_dir=sc.data_dir, exclude_new_where="still_burns_coal")
    data = hubopt.load_data(sc.data_dir)
    assert scenario_issues(sc, {"sites": data.sites}) == []


def test_the_key_round_trips_through_a_file(tmp_path):
    from hubopt.inputs.fields import scenario_toml

    text = '[constraints]\nexclude_new_where = "energy_community"\n'
    sc = hubopt.load_scenario(scenario_file(tmp_path, TINY, text))
    assert sc.exclude_new_where == "energy_community"
    assert 'exclude_new_where = "energy_community"' in scenario_toml(sc)


def test_an_exclusion_that_leaves_no_plant_is_diagnosed(solve):
    out = solve(_flagged(["true", "true", "", ""]), exclude_new_where="burns")
    assert out.result.termination is hubopt.Termination.INFEASIBLE
    (msg,) = out.diagnosis.messages()
    assert "new options at sites flagged by exclude_new_where = 0 cannot hold" in msg
    assert "at least 1 new options" in msg


def _import_only_ore() -> dict:
    import pandas as pd

    t = base_tables()
    t["products"] = pd.DataFrame(
        {"product": ["good", "ore"], "unit": ["t", "t"], "tonnes_per_unit": [1.0, 1.0]}
    )
    t["recipes"] = pd.DataFrame({"technology": ["plant"], "input": ["ore"], "quantity": [1.0]})
    t["supply"] = pd.DataFrame(
        {"site_id": ["F1", "F2"], "product": "ore", "capacity": 100.0, "unit_cost": 1.0,
         "imported": [True, True], "feoc": [True, False]}
    )  # fmt: skip
    return t


def test_a_share_cap_that_cannot_hold_is_warned_before_the_solve():
    data = hubopt.HubData.from_tables(**_import_only_ore())
    tables = {"supply": data.supply, "technologies": data.technologies}
    sc = hubopt.Scenario(name="x", data=data, max_import_share=0.5, max_feoc_share=0.5)
    (issue,) = scenario_issues(sc, tables)  # FEOC is fine: F2's ore is not FEOC
    assert issue.severity == "warning" and issue.check == "check_share_caps_can_hold"
    assert issue.column == "constraints.max_import_share"
    assert "every supply row of it is imported and no technology makes it" in issue.message
    said: list[str] = []
    out = hubopt.run(sc, warn=said.append)
    assert any("caps 'ore' at 0.5" in w for w in said)
    assert out.result.termination is hubopt.Termination.INFEASIBLE  # it was right
    ok = hubopt.Scenario(name="y", data=data, max_import_share={"good": 0.5})
    assert scenario_issues(ok, tables) == []  # 'good' is made: a cap on it can hold
