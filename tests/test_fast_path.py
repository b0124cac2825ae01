"""The two hand-off paths: arrays assembled by the build vs Pyomo's standard-form compiler.

``solve_model`` passes the arrays ``build_model`` assembled while the Pyomo model is
unchanged, and compiles the Pyomo model after any change. These tests check that both
paths give identical matrices on unchanged models, that every kind of change is noticed
(and honoured, by solving), and that creating row expressions on first use gives exactly
the expressions an eager build makes.
"""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pyomo.environ as pyo
import pytest
from conftest import REPO, TINY, base_tables, write_package
from helpers import network_tables, random_cflp
from pyomo.core.base.var import VarData

import hubopt
import hubopt.model.pyomo_bridge
from hubopt.model.pyomo_bridge import pristine_arrays
from hubopt.solve import standard_form

FIELDS = ("row_lower", "row_upper", "col_lower", "col_upper", "integrality", "cost")


def build(pkg, **kw) -> hubopt.HubModel:
    data = hubopt.load_data(pkg)
    return hubopt.build_model(
        data, hubopt.build_lanes(data), hubopt.Scenario(name="t", data_dir=pkg, **kw)
    )


def assert_same_arrays(a, b) -> None:
    assert a.a.shape == b.a.shape
    for part in ("indptr", "indices", "data"):
        assert np.array_equal(getattr(a.a, part), getattr(b.a, part)), part
    for f in FIELDS:
        assert np.array_equal(getattr(a, f), getattr(b, f)), f
    assert a.offset == b.offset
    assert len(a.columns) == len(b.columns) and all(
        x is y for x, y in zip(a.columns, b.columns, strict=True)
    )
    assert len(a.rows) == len(b.rows) and all(x is y for x, y in zip(a.rows, b.rows, strict=True))


@pytest.fixture(scope="module")
def packages(tmp_path_factory):
    root = tmp_path_factory.mktemp("fast")
    return {
        "tiny": TINY,
        "base": write_package(root / "base", base_tables()),
        "cflp": write_package(root / "cflp", random_cflp(8, 30, seed=2)),
        "us_battery": REPO / "data" / "us_battery",
        "econ": write_package(root / "econ", econ_tables()),
        "network": write_package(root / "network", network_tables()),
    }


def econ_tables() -> dict:
    """The base network with site factors, incentives, a credit and imported supply."""
    t = base_tables()
    t["site_factors"] = pd.DataFrame({"site_id": ["", "F1"], "factor": ["power"] * 2,
                                      "price": [2.0, 1.0], "available": [None, 8.0]})  # fmt: skip
    t["technology_factors"] = pd.DataFrame({"technology": ["plant"], "factor": ["power"],
                                            "quantity": [1.0]})  # fmt: skip
    t["candidates"]["incentive"] = [3.0, 4.0]
    t["technologies"]["production_credit"] = [0.2]
    t["supply"] = pd.DataFrame({"site_id": ["F1"], "product": ["good"], "capacity": [4.0],
                                "unit_cost": [1.5], "imported": [True]})  # fmt: skip
    return t


CASES = [
    ("tiny", {}),
    ("tiny", {"single_sourcing": True, "max_hubs": 2, "carbon_price": 40.0}),
    ("tiny", {"max_emissions_t": 1e6, "min_energy_community_hubs": 1}),
    ("base", {"single_sourcing": True}),
    ("cflp", {"max_hubs": 4}),
    ("us_battery", {"carbon_price": 50.0, "max_hubs": 40, "min_energy_community_hubs": 2}),
    ("econ", {"incentive_budget": 3.5, "energy_community_bonus": 0.1, "max_import_share": 0.2}),
    ("network", {"min_new_hubs": 1, "max_new_hubs": {"plant": 2}}),  # issue #11
]


@pytest.mark.parametrize(("name", "kw"), CASES)
def test_paths_give_identical_matrices(packages, name, kw):
    hub = build(packages[name], **kw)
    fast, path = standard_form(hub)
    assert path == "arrays"
    compiled, path = standard_form(hub, path="compiler")
    assert path == "compiler"
    assert_same_arrays(fast, compiled)
    assert pristine_arrays(hub) is not None  # compiling reads the model, does not change it


def change_extra_constraint(m):
    m.extra = pyo.Constraint(expr=m.open[2] + m.open[3] >= 1)


CHANGES = {
    "extra constraint": change_extra_constraint,
    "fixed variable": lambda m: m.open[3].fix(1),
    "new bound": lambda m: m.make[0].setub(100.0),
    "domain": lambda m: setattr(m.open[0], "domain", pyo.UnitInterval),
    "row deactivated": lambda m: m.production_capacity[0].deactivate(),
    "row replaced": lambda m: m.balance[0].set_value(
        (m.balance[0].lower, m.balance[0].body, m.balance[0].upper)
    ),
    "family deactivated": lambda m: m.link.deactivate(),
    "row deleted": lambda m: m.size_choice.__delitem__(0),
    "objective changed": lambda m: m.objective.set_value(m.objective.expr + 5 * m.open[0]),
    "objective replaced": lambda m: (
        m.objective.deactivate(),
        setattr(m, "other", pyo.Objective(expr=sum(m.open.values()))),
    ),
    "sense": lambda m: m.objective.set_sense(pyo.maximize),
    "block added": lambda m: setattr(m, "b", pyo.Block()),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_any_change_falls_back_to_the_compiler(change):
    hub = build(TINY)
    CHANGES[change](hub.model)
    assert pristine_arrays(hub) is None
    ref = build(TINY)
    CHANGES[change](ref.model)
    opts = hubopt.SolveOptions(mip_rel_gap=0.0)
    got = hubopt.solve_model(hub, opts)
    assert got.stats["handoff"] == "compiler"
    # The compiled model is exactly what Pyomo's compiler makes of the changed model.
    arr, path = standard_form(ref, path="compiler")
    assert path == "compiler" and got.stats["columns"] == len(arr.columns)
    assert got.stats["rows_total"] == len(arr.rows)


def test_added_constraint_is_honoured(tmp_path):
    """F1 is the cheapest hub; a constraint added after the build forbids it."""
    pkg = write_package(tmp_path / "pkg", base_tables())
    hub = build(pkg)
    opts = hubopt.SolveOptions(mip_rel_gap=0.0)
    plain = hubopt.solve_model(hub, opts)
    assert plain.stats["handoff"] == "arrays"
    assert plain.objective == pytest.approx(40.0)  # F1: 10 + 10 + 5*1 + 5*3
    hub = build(pkg)
    m = hub.model
    f1 = int(hub.options.index[hub.options["site_id"] == "F1"][0])
    m.no_f1 = pyo.Constraint(expr=m.open[f1] == 0)
    res = hubopt.solve_model(hub, opts)
    assert res.stats["handoff"] == "compiler"
    assert res.objective == pytest.approx(50.0)  # F2: 20 + 10 + 5*3 + 5*1
    assert m.open[f1].value == pytest.approx(0.0)
    plan = hubopt.extract_plan(hub)
    assert set(plan.hubs["site_id"]) == {"F2"}


def test_both_paths_solve_the_same(packages):
    for name, kw in CASES[:5]:
        a, b = build(packages[name], **kw), build(packages[name], **kw)
        b.model.touch = pyo.Block()  # any change: this one is compiled
        opts = hubopt.SolveOptions(mip_rel_gap=0.0, time_limit_s=60)
        ra, rb = hubopt.solve_model(a, opts), hubopt.solve_model(b, opts)
        assert (ra.stats["handoff"], rb.stats["handoff"]) == ("arrays", "compiler")
        assert ra.objective == pytest.approx(rb.objective, rel=1e-9, abs=1e-9)
        pa, pb = hubopt.extract_plan(a), hubopt.extract_plan(b)
        assert pa.summary["total_cost"] == pytest.approx(pb.summary["total_cost"], rel=1e-9)


def test_reading_the_model_is_not_a_change():
    hub = build(TINY)
    m = hub.model
    m.make[0].setub(m.make[0].ub)  # the same value again: nothing changes
    text = [str(c.expr) for c in m.component_data_objects(pyo.Constraint)]
    assert text and str(m.objective.expr)
    assert m.balance[0].equality and m.production_capacity[0].upper == 0.0
    assert pristine_arrays(hub) is not None
    assert hubopt.solve_model(hub).stats["handoff"] == "arrays"


def test_deferred_expressions_equal_eager_ones(monkeypatch):
    lazy = build(TINY, single_sourcing=True, max_hubs=2, max_emissions_t=1e6)
    monkeypatch.setattr(hubopt.model.pyomo_bridge, "DEFER_EXPRESSIONS", False)
    eager = build(TINY, single_sourcing=True, max_hubs=2, max_emissions_t=1e6)

    def exprs(hub):
        m = hub.model
        out = {
            c.name: (str(c.expr), c.lower, c.upper)
            for c in m.component_data_objects(pyo.Constraint)
        }
        return out, str(m.objective.expr)

    assert exprs(lazy) == exprs(eager)
    assert_same_arrays(standard_form(lazy)[0], standard_form(lazy, path="compiler")[0])


def test_clone_and_pickle_keep_the_model():
    hub = build(TINY)
    for copy in (hub.model.clone(), pickle.loads(pickle.dumps(hub.model))):
        assert len(copy.balance) == len(hub.model.balance)
        assert str(copy.balance[0].expr) == str(hub.model.balance[0].expr)
        assert str(copy.objective.expr) == str(hub.model.objective.expr)
    assert pristine_arrays(hub) is not None


def test_built_variables_behave_as_pyomo_ones():
    hub = build(TINY)
    m = hub.model
    ref = pyo.ConcreteModel()
    ref.x = pyo.Var(domain=pyo.NonNegativeReals)
    v = m.ship[0]
    assert isinstance(v, VarData)
    assert (v.lb, v.ub, v.domain, v.fixed, v.value, v.is_integer()) == (
        ref.x.lb, ref.x.ub, ref.x.domain, ref.x.fixed, ref.x.value, False
    )  # fmt: skip
    assert m.open[0].is_integer() and (m.open[0].lb, m.open[0].ub) == (0, 1)
    assert pristine_arrays(hub) is not None
    v.setub(7.0)
    assert (v.lb, v.ub, v.domain, v.fixed) == (0, 7.0, pyo.NonNegativeReals, False)
    assert type(v) is VarData
    assert pristine_arrays(hub) is None
    m.ship[1].fix(2.0)
    assert m.ship[1].fixed and m.ship[1].value == 2.0 and m.ship[1].ub is None
