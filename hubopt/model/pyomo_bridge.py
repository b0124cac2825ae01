"""The only module of hubopt that touches Pyomo's private API.

It materialises a complete Pyomo ``ConcreteModel`` from the assembled arrays
(:class:`hubopt.model.rows.Assembled`, the source of truth) and tells, cheaply, whether
that model is still exactly as made (:func:`pristine_arrays`), so that
:func:`hubopt.solve.solve_model` may hand HiGHS the arrays instead of compiling the model.

Private Pyomo API used here, and only here (``tests/test_pyomo_private_api.py`` checks
every item on each Pyomo release):

* the ``ConstraintData._expr`` slot, overridden by :class:`_RowData` so a row's
  expression is made from its sparse row on first read;
* the ``ObjectiveData._args_`` slot, likewise for :class:`_DeferredObjective`;
* the ``VarData`` slots ``_lb``, ``_ub``, ``_domain``, ``_fixed``, overridden by
  :class:`_BuiltVarData`, and ``_component``, ``_index``, ``_value``, ``_stale``, set
  when variables are made in bulk;
* ``__class__`` assignment between those subclasses and Pyomo's own data classes;
* the ``_data`` dict of indexed components (index order as built), ``_dense`` of
  ``Var`` and ``_active`` of component data;
* ``gc.freeze`` / ``gc.unfreeze`` (standard library, used by :func:`paused_gc`).
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import attrgetter

import numpy as np
import pyomo.environ as pyo
import scipy.sparse as sp
from pyomo.core.base.constraint import ConstraintData
from pyomo.core.base.objective import ObjectiveData, ScalarObjective
from pyomo.core.base.var import VarData
from pyomo.core.expr.numeric_expr import LinearExpression
from pyomo.core.expr.relational_expr import tuple_to_relational_expr

from hubopt.model.rows import Assembled

__all__ = [
    "DEFER_EXPRESSIONS",
    "ModelArrays",
    "materialise",
    "paused_gc",
    "pristine_arrays",
    "values_of",
]

DEFER_EXPRESSIONS = True
"""Create Pyomo expressions on first use rather than during the build.

Every variable, every constraint row (``ConstraintData``) and the objective are created
by :func:`build_model` either way; with deferral, a row's expression object
(``lower <= LinearExpression <= upper``) is made from its sparse row, and the
objective's ``LinearExpression`` from the cost vector, the first time anything reads them
(``expr``, ``body``, ``lower``, ``pprint``, a writer, Pyomo's compiler), exactly as an
eager build would have made them. Set to ``False`` to create every expression during the
build (slower; ``benchmarks/scale.py --eager-expressions`` measures the difference).
"""

_EXPR_SLOT = ConstraintData._expr  # the slot that holds a ConstraintData's expression
_VAR_STATE = attrgetter("_lb", "_ub", "_domain", "_fixed")  # what a user can change
_ACTIVE = attrgetter("_active")


class _RowData(ConstraintData):
    """A constraint row that :func:`build_model` assembled as a row of a sparse matrix.

    It is a ``ConstraintData`` in every respect. Its expression ``lower <= sum_j a_ij
    x_j <= upper`` is created from the family's sparse row (stored on the parent
    component as ``_hubopt_rows``) the first time it is read. Giving the row a new
    expression (``set_value``, or anything else that sets it) turns the object into a
    plain ``ConstraintData``: that is how :func:`pristine_arrays` knows the row was
    changed.
    """

    __slots__ = ()

    @property
    def _expr(self):
        try:
            return _EXPR_SLOT.__get__(self, ConstraintData)
        except AttributeError:
            pass
        ptr, ind, val, lower, upper, x = self._component()._hubopt_rows
        i = self._index
        s, e = ptr[i], ptr[i + 1]
        body = LinearExpression(
            constant=0,
            linear_coefs=val[s:e].tolist(),
            linear_vars=[x[j] for j in ind[s:e].tolist()],
        )
        lo, up = float(lower[i]), float(upper[i])
        lo = lo if np.isfinite(lo) else None
        up = up if np.isfinite(up) else None
        expr = tuple_to_relational_expr((lo, body, up))
        _EXPR_SLOT.__set__(self, expr)
        return expr

    @_expr.setter
    def _expr(self, value) -> None:
        _EXPR_SLOT.__set__(self, value)
        self.__class__ = ConstraintData


_VAR_SLOTS = {name: VarData.__dict__[name] for name in ("_lb", "_ub", "_domain", "_fixed")}


def _var_slot(name: str, built) -> property:
    """Return a property over VarData's slot ``name`` for :class:`_BuiltVarData`.

    While the object is a ``_BuiltVarData`` the slot is never set and reads as ``built``,
    the value the build gave every variable of the family (no bound, the family's domain,
    not fixed). Any write first turns the object into a plain ``VarData`` holding those
    values, then writes.
    """
    slot = _VAR_SLOTS[name]

    def get(self):
        return built

    def set(self, value) -> None:
        values = [(sl, getattr(self, n)) for n, sl in _VAR_SLOTS.items()]
        for sl, v in values:
            sl.__set__(self, v)
        self.__class__ = VarData
        slot.__set__(self, value)

    return property(get, set)


class _BuiltVarData(VarData):
    """A variable exactly as :func:`build_model` made it: a ``VarData`` in every respect.

    Its bounds, domain and fixed flag are those of its family until anything sets one of
    them; from then on it is a plain ``VarData``, which is how :func:`pristine_arrays`
    knows, in one pass over the types, that no variable was changed. One subclass per
    domain (:func:`_built_var_class`).
    """

    __slots__ = ()
    _lb = _var_slot("_lb", None)
    _ub = _var_slot("_ub", None)
    _fixed = _var_slot("_fixed", False)


class _BuiltNonNegativeReals(_BuiltVarData):
    __slots__ = ()
    _domain = _var_slot("_domain", pyo.NonNegativeReals)


class _BuiltBinary(_BuiltVarData):
    __slots__ = ()
    _domain = _var_slot("_domain", pyo.Binary)


def _built_var_class(domain) -> type:
    """Return the :class:`_BuiltVarData` subclass for variables of ``domain``."""
    for cls in (_BuiltNonNegativeReals, _BuiltBinary):
        if cls._domain.fget(None) is domain:
            return cls
    raise ValueError(f"no built-variable class for domain {domain}")  # pragma: no cover


_ARGS_SLOT = ObjectiveData._args_  # the slot that holds an objective's expression
_PENDING = object()  # stands for the objective expression until it is first read


class _DeferredObjective(ScalarObjective):
    """The objective ``sum_j c_j x_j``, a ``ScalarObjective`` in every respect.

    Its ``LinearExpression`` is created from the cost vector (stored as
    ``_hubopt_objective``) the first time anything reads the expression, and is recorded
    as ``_hubopt_expr``; any new expression given to the objective replaces it, which
    :func:`pristine_arrays` notices.
    """

    @property
    def _args_(self):
        args = _ARGS_SLOT.__get__(self, ObjectiveData)
        if args[0] is _PENDING:
            idx, val, x = self._hubopt_objective
            expr = LinearExpression(
                constant=0, linear_coefs=val.tolist(), linear_vars=[x[j] for j in idx.tolist()]
            )
            args = (expr,)
            _ARGS_SLOT.__set__(self, args)
            self._hubopt_expr = expr
        return args

    @_args_.setter
    def _args_(self, value) -> None:
        _ARGS_SLOT.__set__(self, value)


def _add_objective(m: pyo.ConcreteModel, xs: list, cost: np.ndarray) -> None:
    """Add ``m.objective``: minimise ``sum_j cost_j x_j`` over the non-zero costs."""
    idx = np.flatnonzero(cost)
    obj = _DeferredObjective(sense=pyo.minimize)
    m.objective = obj
    obj.set_sense(pyo.minimize)  # registers the scalar objective as holding a value
    obj._hubopt_objective = (idx, cost[idx], xs)
    obj._hubopt_expr = None
    _ARGS_SLOT.__set__(obj, (_PENDING,))
    if not DEFER_EXPRESSIONS:
        obj.expr  # noqa: B018 - reading the expression creates it


@dataclass
class ModelArrays:
    """The model of :func:`build_model` as the sparse arrays HiGHS takes.

    Column *j* is the Pyomo variable ``columns[j]`` (families ``open``, ``make``, ``buy``,
    ``ship``, ``unmet``, ``assign`` in that order, variables that appear nowhere
    dropped); row *i* is the constraint row ``rows[i]`` (families in build order, empty
    rows skipped, a ranged row as two rows ``<= upper`` then ``>= lower``). This is the
    order and content Pyomo's ``LinearStandardFormCompiler`` produces for the unmodified
    model when given the same column order, so both paths hand HiGHS identical
    matrices (``tests/test_fast_path.py`` checks it).

    Attributes
    ----------
    a : scipy.sparse.csr_array
        Constraint matrix, rows × columns.
    row_lower, row_upper : ndarray
        Row bounds (``-inf`` / ``inf`` where absent).
    col_lower, col_upper : ndarray
        Variable bounds, domain included (binaries in [0, 1]).
    integrality : ndarray of int8
        1 for integer columns.
    cost : ndarray
        Objective coefficients (money per unit).
    columns, rows : list
        ``VarData`` per column and ``ConstraintData`` per row.
    offset : float
        Objective constant (0 as built; a changed model may have one).
    snapshot : dict
        What :func:`pristine_arrays` compares the model with (empty for compiled arrays).
    """

    a: sp.csr_array
    row_lower: np.ndarray
    row_upper: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    integrality: np.ndarray
    cost: np.ndarray
    columns: list
    rows: list
    offset: float = 0.0
    snapshot: dict = field(default_factory=dict, repr=False)


def _var(m: pyo.ConcreteModel, name: str, n: int, domain, lb=None, ub=None) -> tuple:
    """Add ``m.<name>[0..n-1]``; finite entries of ``lb`` / ``ub`` become variable bounds.

    The variables are made here as Pyomo's dense construction makes them (no value, no
    bounds, the domain, not fixed), in a plain loop ~3x faster than ``Var.construct``;
    each is a :class:`_BuiltVarData` until something changes it.
    ``tests/test_fast_path.py`` checks they behave as Pyomo's own.
    """
    v = pyo.Var(pyo.RangeSet(0, n - 1), domain=domain, dense=False)
    setattr(m, name, v)  # constructs the component and its index set, no data yet
    cls = _built_var_class(domain)
    ref, new, data = weakref.ref(v), cls.__new__, v._data
    for i in range(n):
        x = new(cls)
        x._component = ref
        x._index = i
        x._value = None
        x._stale = 0
        data[i] = x
    v._dense = True
    out = [v, domain]
    for bounds, setter in ((lb, "setlb"), (ub, "setub")):
        b = None if bounds is None else np.asarray(bounds, dtype=float)
        out.append(b)
        if b is not None:
            xs = list(data.values())
            for i in np.flatnonzero(np.isfinite(b)).tolist():
                getattr(xs[i], setter)(float(b[i]))
    return tuple(out)


def _add_block(m: pyo.ConcreteModel, name: str, a: sp.csr_array, lower, upper, xs: list):
    """Add ``m.<name>[0..n-1]``, one :class:`_RowData` per non-empty row of ``a``.

    A row without variables is skipped, as a rule returning ``Constraint.Skip`` would
    be.
    """
    n = len(lower)
    comp = pyo.Constraint(pyo.RangeSet(0, n - 1))
    setattr(m, name, comp)
    comp._hubopt_rows = (a.indptr, a.indices, a.data, lower, upper, xs)
    ref = weakref.ref(comp)
    data = comp._data
    for i in np.flatnonzero(np.diff(a.indptr)).tolist():
        d = _RowData.__new__(_RowData)
        d._component = ref
        d._index = i
        d._active = True
        data[i] = d
    if not DEFER_EXPRESSIONS:
        for d in data.values():
            d._expr  # noqa: B018 - reading the expression creates it
    return comp


def materialise(asm: Assembled, name: str) -> tuple[pyo.ConcreteModel, ModelArrays]:
    """Make the Pyomo model of the assembled arrays, and the arrays HiGHS takes.

    Every variable family becomes ``m.<family>[0..n-1]``, every block
    ``m.<block>[0..n-1]`` (empty rows skipped), the selected objective ``m.objective``.

    Parameters
    ----------
    asm : Assembled
        From :meth:`hubopt.model.rows.RowBuilder.assemble`.
    name : str
        Name of the Pyomo model.

    Returns
    -------
    ConcreteModel, ModelArrays
    """
    m = pyo.ConcreteModel(name=name)
    xs: list = []
    fams = {}
    for f in asm.columns:
        domain = pyo.Binary if f.binary else pyo.NonNegativeReals
        comp = _var(m, f.name, f.size, domain, f.lower, f.upper)[0]
        fams[f.name] = (comp, domain, f.lower, f.upper)
        xs.extend(comp._data.values())
    comps = [_add_block(m, b.name, b.a, b.lower, b.upper, xs) for b in asm.blocks]
    _add_objective(m, xs, asm.cost)
    sf = asm.standard_form()
    row_objs = [d for c in comps for d in c._data.values()]  # index order, as built
    if sf["rep"] is not None:
        row_objs = [row_objs[i] for i in sf["rep"].tolist()]
    families = {}
    for f in asm.columns:
        comp, domain, lb, ub = fams[f.name]
        s = xs[f.offset : f.offset + f.size]
        bounded = any(b is not None and np.isfinite(b).any() for b in (lb, ub))
        # What pristine_arrays compares: (lb, ub, domain, fixed) of every variable given
        # a bound here; for the others, that they are still _BuiltVarData.
        state = list(map(_VAR_STATE, s)) if bounded else _built_var_class(domain)
        families[f.name] = (comp, f.size, s, state)
    used = sf["used"]
    if used.all():
        columns, dropped = xs, []
    else:
        columns = [xs[j] for j in np.flatnonzero(used).tolist()]
        dropped = [xs[j] for j in np.flatnonzero(~used).tolist()]
    snapshot = {
        "dropped": dropped,
        "model": m,
        "components": _components(m),
        "blocks": [(c, len(c)) for c in comps],
        "objective": m.objective,
        "families": families,
    }
    arrays = ModelArrays(
        a=sf["a"],
        row_lower=sf["row_lower"],
        row_upper=sf["row_upper"],
        col_lower=sf["col_lower"],
        col_upper=sf["col_upper"],
        integrality=sf["integrality"],
        cost=sf["cost"],
        columns=columns,
        rows=row_objs,
        snapshot=snapshot,
    )
    return m, arrays


_VALUE = attrgetter("value")


def values_of(component, n: int) -> np.ndarray:
    """Values of ``component[0..n-1]`` (unset = 0), read in one pass."""
    with paused_gc():
        # _data holds the VarData in index order 0..n-1 as built (values() is ~20x slower)
        data = (
            component._data.values()
            if len(component) == n
            else map(component.__getitem__, range(n))
        )
        out = np.array([np.nan if v is None else v for v in map(_VALUE, data)], dtype=float)
    return np.nan_to_num(out, nan=0.0)


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the block.

    Creating or scanning millions of Pyomo objects triggers collections that walk the
    whole object graph again and again; pausing them saved ~30 % of build time.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            # Move every tracked object to the oldest generation without scanning it
            # (freeze + unfreeze): otherwise the first collection after this block walks
            # all the objects just made. They stay collectable, by full collections.
            gc.freeze()
            gc.unfreeze()
            gc.enable()


def _components(m: pyo.ConcreteModel) -> list[tuple[int, object]]:
    """Every component of the model (sub-blocks included) with its active flag."""
    return [(id(c), getattr(c, "active", None)) for c in m.component_objects(descend_into=True)]


def _same(current: list, recorded: list) -> bool:
    """Whether two lists hold the same objects (identity first, as list equality does)."""
    try:
        return len(current) == len(recorded) and current == recorded
    except Exception:  # noqa: BLE001 - comparing changed Pyomo objects may raise
        return False


def pristine_arrays(hub) -> ModelArrays | None:
    """Return ``hub.arrays`` if the Pyomo model is still exactly as built, else ``None``.

    The model counts as changed when any of these differs from what
    :func:`materialise` recorded: the model object; the list of components (a constraint,
    objective, variable, block, ... added, deleted, or (de)activated); the number of rows
    of a constraint family, or any row given a new expression (``set_value``) or
    deactivated; the objective's expression or sense; any variable added, deleted,
    fixed, or given another domain or bound (compared by value: setting the same bound
    again is no change). This is conservative: when in doubt
    :func:`hubopt.solve.solve_model` compiles the Pyomo model, which honours every
    change. Changing the internals of an expression object in place is not detected;
    use ``set_value``.

    Parameters
    ----------
    hub : HubModel
        From :func:`hubopt.model.build.build_model`.

    Returns
    -------
    ModelArrays or None
    """
    arr = hub.arrays
    if arr is None:
        return None
    with paused_gc():
        return arr if _pristine(hub.model, arr.snapshot) else None


def _pristine(m: pyo.ConcreteModel, snap: dict) -> bool:
    """Whether the model still matches the record made by :func:`materialise`."""
    if m is not snap["model"] or not m.active or _components(m) != snap["components"]:
        return False
    obj = snap["objective"]
    if m.component("objective") is not obj or type(obj) is not _DeferredObjective:
        return False
    held = _ARGS_SLOT.__get__(obj, ObjectiveData)[0]
    if not (held is _PENDING or held is obj._hubopt_expr) or not obj.is_minimizing():
        return False
    for comp, k in snap["blocks"]:
        datas = list(comp._data.values())
        if len(datas) != k or set(map(type, datas)) != {_RowData}:
            return False
        if list(map(_ACTIVE, datas)).count(True) != k:
            return False
    for comp, k, xs, state in snap["families"].values():
        if len(comp) != k or not _same(list(comp._data.values()), xs):
            return False
        if isinstance(state, type):
            if k and set(map(type, xs)) != {state}:
                return False
        elif not _same(list(map(_VAR_STATE, xs)), state):
            return False
    return True
