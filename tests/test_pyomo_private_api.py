"""Guards on the private Pyomo API that ``hubopt/model/pyomo_bridge.py`` relies on.

The bridge is the only module of hubopt that touches Pyomo internals. Each test checks
one assumption directly against Pyomo (not through hubopt), so that a Pyomo release
that changes it fails here, loudly and with a message saying what changed, instead of
as a wrong model or a silent fall-back elsewhere.
"""

from __future__ import annotations

import gc
import weakref

import pyomo
import pyomo.environ as pyo
import pytest
from pyomo.core.base.constraint import ConstraintData
from pyomo.core.base.objective import ObjectiveData, ScalarObjective
from pyomo.core.base.var import VarData
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

from hubopt.model.pyomo_bridge import materialise
from hubopt.model.rows import RowBuilder

HINT = (
    f"Pyomo {pyomo.version.version} changed private API that "
    "hubopt/model/pyomo_bridge.py relies on: adapt the bridge (and this guard)"
)


def _slot(cls: type, name: str):
    descr = cls.__dict__.get(name)
    assert descr is not None and hasattr(descr, "__get__") and hasattr(descr, "__set__"), (
        f"{HINT}: {cls.__name__}.{name} is no longer a slot"
    )
    return descr


def test_constraint_data_keeps_its_expression_in_the_expr_slot():
    descr = _slot(ConstraintData, "_expr")
    m = pyo.ConcreteModel()
    m.x = pyo.Var()
    m.c = pyo.Constraint(expr=m.x <= 1)
    assert descr.__get__(m.c, ConstraintData) is m.c.expr, f"{HINT}: _expr is not .expr"
    m.c.set_value(m.x >= 2)
    assert descr.__get__(m.c, ConstraintData) is m.c.expr, f"{HINT}: set_value bypasses _expr"


def test_objective_data_keeps_its_expression_in_args():
    descr = _slot(ObjectiveData, "_args_")
    m = pyo.ConcreteModel()
    m.x = pyo.Var()
    m.o = pyo.Objective(expr=2 * m.x)
    args = descr.__get__(m.o, ObjectiveData)
    assert isinstance(args, tuple) and args[0] is m.o.expr, f"{HINT}: _args_[0] is not .expr"
    assert isinstance(m.o, ScalarObjective), f"{HINT}: a scalar Objective is no ScalarObjective"


@pytest.mark.parametrize("name", ["_lb", "_ub", "_domain", "_fixed"])
def test_var_data_state_slots(name):
    _slot(VarData, name)


def test_var_data_can_be_made_by_hand():
    m = pyo.ConcreteModel()
    m.v = pyo.Var(pyo.RangeSet(0, 1), domain=pyo.NonNegativeReals, dense=False)
    assert hasattr(m.v, "_data") and isinstance(m.v._data, dict), f"{HINT}: Var._data"
    x = VarData.__new__(VarData)
    for name, value in (("_component", weakref.ref(m.v)), ("_index", 0), ("_value", None)):
        setattr(x, name, value)
    x._stale = 0
    VarData._lb.__set__(x, None)
    VarData._ub.__set__(x, None)
    VarData._domain.__set__(x, pyo.NonNegativeReals)
    VarData._fixed.__set__(x, False)
    m.v._data[0] = x
    assert hasattr(m.v, "_dense"), f"{HINT}: Var._dense"
    assert m.v[0] is x and x.parent_component() is m.v and x.index() == 0, HINT
    assert (x.lb, x.ub, x.fixed, x.is_integer()) == (0, None, False, False), HINT


def test_class_of_data_objects_can_be_swapped():
    class Sub(VarData):
        __slots__ = ()

    class Row(ConstraintData):
        __slots__ = ()

    m = pyo.ConcreteModel()
    m.x = pyo.Var()
    m.c = pyo.Constraint(pyo.RangeSet(0, 0), rule=lambda _m, i: _m.x <= 1)
    v = m.x
    d = m.c[0]
    d.__class__ = Row
    d.__class__ = ConstraintData
    assert type(d) is ConstraintData, f"{HINT}: ConstraintData.__class__ cannot be assigned"
    w = VarData.__new__(Sub)
    w.__class__ = VarData
    assert type(w) is VarData and v is m.x, f"{HINT}: VarData.__class__ cannot be assigned"


def test_component_data_active_flag_and_data_dict():
    m = pyo.ConcreteModel()
    m.x = pyo.Var()
    m.c = pyo.Constraint(pyo.RangeSet(0, 1), rule=lambda _m, i: _m.x <= i)
    assert list(m.c._data) == [0, 1], f"{HINT}: Constraint._data is not index -> data"
    m.c[1].deactivate()
    assert m.c[1]._active is False and m.c[0]._active is True, f"{HINT}: _active"
    assert m.c[0]._component() is m.c and m.c[0]._index == 0, f"{HINT}: _component/_index"


def test_gc_freeze_exists():
    assert callable(gc.freeze) and callable(gc.unfreeze), "gc.freeze/unfreeze missing"


def test_the_bridge_still_builds_a_model_pyomo_can_compile():
    """End to end: the bridge's objects pass through Pyomo's own compiler."""
    b = RowBuilder()
    b.add_columns("x", 2)
    b.add_columns("y", 1, binary=True)
    b.add_rows("r", [0, 0, 0], [0, 1, 2], [1.0, 1.0, -5.0], [-float("inf")], [0.0])
    b.add_cost("c", "x", [0, 1], [1.0, 2.0])
    m, arr = materialise(b.assemble(), "guard")
    form = LinearStandardFormCompiler().write(m, mixed_form=True)
    assert form.A.shape == arr.a.shape, f"{HINT}: compiled shape differs"
    assert str(m.r[0].expr).split() == ["x[0]", "+", "x[1]", "-", "5.0*y[0]", "<=", "0.0"], HINT
    assert str(m.objective.expr).split() == ["x[0]", "+", "2.0*x[1]"], HINT
