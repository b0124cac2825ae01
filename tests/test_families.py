"""The family registry, on-request families, the row builder and model conditioning.

Real HiGHS, real packages in tmp_path. The ``max_capex`` family here is the worked
example of ``docs/adding_a_family.md``: one function, one registry line, a tiny
instance whose optimum is derived by hand.
"""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
from conftest import TINY, base_tables, write_package

import hubopt
from hubopt.diagnose import diagnose
from hubopt.model.families import FAMILIES, Context, family, family_named
from hubopt.model.pyomo_bridge import pristine_arrays
from hubopt.model.tables import Keys
from hubopt.solve import Termination, standard_form
from hubopt.studies.pareto import pareto
from hubopt.testing import assert_plan_feasible

EXACT = hubopt.SolveOptions(mip_rel_gap=0.0, time_limit_s=60.0)


def build(pkg, extra=None, strict=True, **kw) -> hubopt.HubModel:
    data = hubopt.load_data(pkg, strict=strict)  # strict=False: values validation would refuse
    sc = hubopt.Scenario(name="t", data_dir=pkg, **kw)
    return hubopt.build_model(data, hubopt.build_lanes(data), sc, extra=extra)


def assert_same(a, b) -> None:
    assert a.a.shape == b.a.shape
    for part in ("indptr", "indices", "data"):
        assert np.array_equal(getattr(a.a, part), getattr(b.a, part)), part
    for f in ("row_lower", "row_upper", "col_lower", "col_upper", "integrality", "cost"):
        assert np.array_equal(getattr(a, f), getattr(b, f)), f
    assert all(x is y for x, y in zip(a.columns, b.columns, strict=True))


def test_registry_names_are_unique_and_in_build_order():
    names = [f.name for f in FAMILIES]
    assert len(names) == len(set(names))
    assert names[:4] == ["production_capacity", "size_choice", "balance", "link"]
    assert family_named("co2_cap").applies is None
    with pytest.raises(KeyError, match="no constraint family 'nope'"):
        family_named("nope")
    with pytest.raises(KeyError, match="nope"):
        build(TINY, extra={"nope": {}})


EXTRAS = [
    {"co2_cap": {"cap_t": 20.0}},
    {"co2_objective": {}},
    {"co2_cap": {"cap_t": 20.0}, "co2_objective": {}},
    {"elastic_scenario": {}},
    dict.fromkeys(["elastic_scenario", "elastic_demand", "elastic_supply", "elastic_capacity"], {}),
]


@pytest.mark.parametrize("extra", EXTRAS, ids=lambda e: "+".join(e))
def test_extra_families_take_the_array_path_with_the_compilers_matrix(extra):
    hub = build(TINY, extra=extra, max_hubs=1, max_emissions_t=50.0)
    fast, path = standard_form(hub)
    assert path == "arrays"
    assert_same(fast, standard_form(hub, path="compiler")[0])
    res = hubopt.solve_model(hub, EXACT)
    assert res.handoff == "arrays" == res.stats["handoff"]
    assert res.has_solution


def test_co2_objective_finds_the_least_emissions():
    """Min CO2 equals the emissions of the plan at a huge carbon price."""
    low = hubopt.solve_model(build(TINY, extra={"co2_objective": {}}), EXACT)
    priced = hubopt.run(hubopt.Scenario(name="c", data_dir=TINY, carbon_price=1e6), EXACT)
    assert low.objective == pytest.approx(priced.plan.summary["emissions_t"], rel=1e-6)


def test_pareto_points_take_the_array_path():
    sc = hubopt.Scenario(name="p", data_dir=TINY, max_hubs=2)
    fr = pareto(sc, points=3, options=EXACT)
    assert {s["model"]["handoff"] for s, _t in fr.plans.values()} == {"arrays"}


def test_diagnose_solves_take_the_array_path(tables, solve):
    out = solve(tables, max_hubs=0)
    d = diagnose(out.model)
    assert d.result.handoff == "arrays"
    assert pristine_arrays(out.model) is not None  # the model diagnosed is untouched


def test_unknown_labels_raise_instead_of_coding_minus_one():
    data = hubopt.load_data(TINY)
    keys = Keys(data, hubopt.build_lanes(data))
    assert keys.site(["H1"])[0] >= 0
    with pytest.raises(KeyError, match="unknown site label"):
        keys.site(["H1", "nowhere"])
    with pytest.raises(KeyError, match="unknown product label"):
        keys.key(["H1"], ["gold"])


def test_row_builder_sums_terms_added_by_other_families():
    hub = build(TINY, extra={"elastic_capacity": {}})
    row = hub.model.production_capacity[0]
    names = {v.name for v in row.body.linear_vars}
    assert "elastic_capacity[0]" in names and "make[0]" in names
    assert hub.model.make[0].ub is None  # its bound is now the elastic row's job


def _package(tmp_path, file: str, column: str, value: float):
    pkg = tmp_path / "pkg"
    shutil.copytree(TINY, pkg)
    t = pd.read_csv(pkg / f"{file}.csv")
    t[column] = t[column].astype(float)
    t.loc[0, column] = value
    t.to_csv(pkg / f"{file}.csv", index=False)
    return pkg


def test_well_scaled_data_give_no_warning():
    hub = build(TINY)
    assert hub.warnings == [] and hub.stats["warnings"] == []
    assert hub.stats["matrix_range"][0] > 0 and hub.stats["objective_range"] is not None


def test_badly_scaled_costs_are_named_with_a_unit_change(tmp_path):
    hub = build(_package(tmp_path, "candidates", "fixed_cost", 1e12))
    assert len(hub.warnings) == 1
    w = hub.warnings[0]
    assert "candidates.fixed_cost" in w and "k$" in w and "ratio" in w


def test_values_highs_takes_as_infinite_are_named(tmp_path):
    hub = build(_package(tmp_path, "candidates", "capacity", 1e30), strict=False)
    text = " ".join(hub.warnings)
    assert "candidates.capacity" in text and "infinite" in text


def test_unexpected_highs_status_is_an_error_result_not_an_exception(tmp_path):
    hub = build(_package(tmp_path, "supply", "unit_cost", 1e30), strict=False)
    res = hubopt.solve_model(hub, EXACT)
    assert res.termination is Termination.ERROR and not res.has_solution
    assert "Unknown" in res.message and "objective_range" in res.message
    assert res.log and res.stats["columns"] > 0


def test_matrix_highs_refuses_is_an_error_result(tmp_path):
    hub = build(_package(tmp_path, "recipes", "quantity", 1e30), strict=False)
    res = hubopt.solve_model(hub, EXACT)
    assert res.termination is Termination.ERROR
    assert "passModel" in res.message and "matrix_range" in res.message and res.log


# --------------------------------------------------------------------------- worked example


@pytest.fixture
def max_capex_family():
    """Register the ``max_capex`` family of docs/adding_a_family.md for one test."""

    def add_max_capex(ctx: Context) -> None:
        r"""``max_capex``: :math:`\sum_k capex_k\,open_k \le \bar C` (money)."""
        opts = ctx.t.options
        nk = len(opts)
        ctx.b.add_rows(
            "max_capex",
            np.zeros(nk, dtype=int),
            ctx.b.col("open", np.arange(nk)),
            opts["capex"].to_numpy(float),
            [-np.inf],
            [float(ctx.params["limit"])],
            source="candidates.capex",
            rhs_source="max_capex",
        )

    family(applies=None)(add_max_capex)
    yield
    FAMILIES[:] = [f for f in FAMILIES if f.name != "max_capex"]


def test_max_capex_worked_example(tmp_path, max_capex_family):
    """F1 (capex 300) is cheaper to run, F2 (capex 200) fits a capex cap of 250.

    Without the cap: open F1: 10 fixed + 10 made + 5*1 + 5*3 transport = 40.
    With it only F2 may open: 20 + 10 + 5*3 + 5*1 = 50.
    """
    t = base_tables()
    t["candidates"]["capex"] = [300.0, 200.0]
    pkg = write_package(tmp_path / "pkg", t)
    assert hubopt.solve_model(build(pkg), EXACT).objective == pytest.approx(40.0)
    hub = build(pkg, extra={"max_capex": {"limit": 250.0}})
    res = hubopt.solve_model(hub, EXACT)
    assert res.handoff == "arrays" and res.objective == pytest.approx(50.0)
    plan = hubopt.extract_plan(hub)
    assert list(plan.hubs["site_id"]) == ["F2"]
    assert_plan_feasible(hub.data, plan, hub.scenario)
    assert hub.stats["rows"]["max_capex"] == 1


def test_cli_prints_scaling_warnings_before_solving(tmp_path):
    from helpers import hubopt_cli, scenario_file

    pkg = _package(tmp_path, "candidates", "fixed_cost", 5e11)
    r = hubopt_cli("solve", str(scenario_file(tmp_path, pkg)), "--out", str(tmp_path / "r"))
    assert "warning" in r.stderr and "candidates.fixed_cost" in r.stderr, r.stderr
