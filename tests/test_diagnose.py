"""Infeasible scenarios are explained: which limit binds, by how much, in plain words."""

from __future__ import annotations

import shutil

import pytest
from conftest import TINY

import hubopt
from hubopt import Termination
from hubopt.diagnose import diagnose


def test_max_hubs_zero_is_blamed_on_max_hubs(tables, solve):
    out = solve(tables, max_hubs=0)
    assert out.result.termination is Termination.INFEASIBLE
    f = out.diagnosis.findings
    assert list(f["kind"]) == ["scenario"]
    assert f.loc[0, "where"] == "max_hubs" and f.loc[0, "needed"] == pytest.approx(1.0)
    assert "max_hubs = 0 cannot hold" in out.diagnosis.messages()[0]


def test_co2_cap_reports_the_least_achievable_emissions(tmp_path):
    sc = hubopt.Scenario(name="cap", data_dir=TINY, max_emissions_t=1.0)
    out = hubopt.run(sc, hubopt.SolveOptions(mip_rel_gap=0.0))
    f = out.diagnosis.findings
    assert list(f["where"]) == ["max_emissions"]
    need = f.loc[0, "needed"]
    # the least CO2 any plan emits, solved directly with a huge carbon price, must match
    cheap = hubopt.run(hubopt.Scenario(name="c", data_dir=TINY, carbon_price=1e6))
    assert need == pytest.approx(cheap.plan.summary["emissions_t"], rel=1e-4)
    assert hubopt.run(sc.with_options(max_emissions_t=need * 1.0001)).result.has_solution


def test_short_supply_is_blamed_on_the_supplier(tmp_path):
    pkg = tmp_path / "pkg"
    shutil.copytree(TINY, pkg)
    p = pkg / "supply.csv"
    p.write_text(p.read_text().replace("M1,ore,1000", "M1,ore,400"))
    out = hubopt.run(hubopt.Scenario(name="s", data_dir=pkg))
    assert out.result.termination is Termination.INFEASIBLE
    f = out.diagnosis.findings
    assert f.loc[0, "kind"] == "supply" and f.loc[0, "where"] == "M1 / ore"
    assert f.loc[0, "needed"] == pytest.approx(500.0)  # 250 cells x 2 t ore
    # the elastic families are built through the row builder: no compile
    assert out.diagnosis.result.handoff == "arrays"


def test_unreachable_demand_is_explained_without_solving(tables, solve):
    tables["lanes"] = tables["lanes"][tables["lanes"]["destination"] != "C2"]
    out = solve(tables)
    d = out.diagnosis
    assert d.result is None and list(d.findings["kind"]) == ["unreachable"]
    assert "'C2'" in d.messages()[0]


def test_diagnose_leaves_the_model_untouched(tables, solve):
    out = solve(tables, max_hubs=0)
    before = out.model.model.nconstraints()
    diagnose(out.model)
    assert out.model.model.nconstraints() == before
    assert not hasattr(out.model.model, "elastic_objective")
