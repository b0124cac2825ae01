r"""The hub-siting MILP, built with Pyomo from label-indexed tables.

Formulation
-----------
Sets (each is a table; a variable's index is the row id of its table, and the table
holds the labels):

* :math:`K` options (site, technology, size) from ``candidates.csv``, forbidden ones removed;
* :math:`J` production pairs (site, technology) with at least one option; :math:`K_j`
  its options;
* :math:`R` supply rows (site, product); :math:`D` demand rows (site, product),
  :math:`D^u \subseteq D` those with an ``unmet_penalty``;
* :math:`L` lanes (origin, destination, mode, product), see :mod:`hubopt.lanes`;
* :math:`B` balance rows: every (site, product) touched by any of the above.

Variables (units per year):

=================  =======================  =====================================
``open[k]``        binary                   option *k* is built
``make[j]``        ≥ 0, ≤ max size          units of the technology's output made
``buy[r]``         0 ≤ buy ≤ capacity       units bought from supply row *r*
``ship[l]``        ≥ 0                      units carried on lane *l*
``unmet[d]``       0 ≤ unmet ≤ quantity     demand left unserved (d ∈ Dᵘ only)
``assign[a]``      binary                   single sourcing: lane serves demand row
=================  =======================  =====================================

Objective (money per year)

.. math::

    \min \sum_k f_k\,open_k + \sum_j c_j\,make_j + \sum_r c_r\,buy_r
    + \sum_l c_l\,ship_l + \sum_{d\in D^u} \pi_d\,unmet_d
    + \lambda \cdot E, \qquad
    E = \tfrac{1}{1000}\Big(\sum_j e_j make_j + \sum_r e_r buy_r + \sum_l e_l ship_l\Big)

with :math:`E` total CO2 in tonnes (inputs :math:`e` in kg/unit) and :math:`\lambda` the
carbon price (money per tonne). Each constraint family is one ``add_*`` function below,
whose docstring states its algebra. Every big-M is derived from data.

Construction
------------
Each family's rows are assembled as one sparse matrix with numpy (no Python loop over
non-zeros) and become one indexed Pyomo ``Constraint``; the variables are created in
bulk. The build keeps the assembled arrays (:class:`ModelArrays`), and
:func:`hubopt.solve.solve_model` passes them to HiGHS directly while the Pyomo model is
unchanged (:func:`pristine_arrays`); a row's expression, and the objective's, are created
the first time they are read (:data:`DEFER_EXPRESSIONS`). The Pyomo model is complete: it
can be inspected and changed like any other, and after a change the solver compiles it.
See ``docs/performance.md``.
"""

from __future__ import annotations

import gc
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import attrgetter

import numpy as np
import pandas as pd
import pyomo.environ as pyo
import scipy.sparse as sp
from pyomo.core.base.constraint import ConstraintData
from pyomo.core.base.objective import ObjectiveData, ScalarObjective
from pyomo.core.base.var import VarData
from pyomo.core.expr.numeric_expr import LinearExpression
from pyomo.core.expr.relational_expr import tuple_to_relational_expr

from hubopt.inputs.load import HubData
from hubopt.inputs.scenario import Scenario

__all__ = [
    "DEFER_EXPRESSIONS",
    "FAMILIES",
    "HubModel",
    "ModelArrays",
    "build_model",
    "pristine_arrays",
]


@dataclass
class HubModel:
    """A built model and the label tables that give its variables meaning.

    Attributes
    ----------
    model : pyomo.environ.ConcreteModel
        The Pyomo model; it can be changed (e.g. extra constraints) before solving.
    data : HubData
        The data package the model was built from.
    lanes : DataFrame
        Lane table (index ``lane_id`` = index of ``ship``).
    scenario : Scenario
        Scenario constraints and settings.
    options, production, supply, demand, balance, assign : DataFrame
        Label tables: row *i* of each is the meaning of variable index *i* (``open``,
        ``make``, ``buy``, ``unmet`` for demand rows with a penalty, balance rows,
        ``assign``).
    infeasible_reasons : list of str
        Constraints that hold no variable and cannot be met (e.g. demand at a site no
        lane reaches). The model is infeasible if this is non-empty.
    stats : dict
        Sizes, coefficient ranges and build time.
    arrays : ModelArrays or None
        The same model as sparse arrays, assembled by :func:`build_model` alongside the
        Pyomo model. :func:`hubopt.solve.solve_model` hands them to HiGHS directly while
        the Pyomo model is exactly as built (see :func:`pristine_arrays`); after any
        change it compiles the Pyomo model instead.
    """

    model: pyo.ConcreteModel
    data: HubData
    lanes: pd.DataFrame
    scenario: Scenario
    options: pd.DataFrame
    production: pd.DataFrame
    supply: pd.DataFrame
    demand: pd.DataFrame
    balance: pd.DataFrame
    assign: pd.DataFrame
    infeasible_reasons: list[str] = field(default_factory=list)
    stats: dict = field(default_factory=dict)
    arrays: ModelArrays | None = field(default=None, repr=False, compare=False)


FAMILIES = ("open", "make", "buy", "ship", "unmet", "assign")
"""Variable families in column order (``ModelArrays`` and the compiler use it)."""

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


def _add_objective(m: pyo.ConcreteModel, cols: _Columns, cost: np.ndarray) -> None:
    """Add ``m.objective``: minimise ``sum_j cost_j x_j`` over the non-zero costs."""
    idx = np.flatnonzero(cost)
    obj = _DeferredObjective(sense=pyo.minimize)
    m.objective = obj
    obj.set_sense(pyo.minimize)  # registers the scalar objective as holding a value
    obj._hubopt_objective = (idx, cost[idx], cols.vars)
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


class _Columns:
    """Global column numbering over all variable families, for assembling rows."""

    def __init__(self, m: pyo.ConcreteModel, families: list[str]):
        self.offset: dict[str, int] = {}
        self.vars: list = []
        self.families = families
        for name in families:
            comp = getattr(m, name)
            self.offset[name] = len(self.vars)
            # _data holds the VarData in construction order, 0..n-1, as values() does
            self.vars.extend(comp._data.values())
        self.blocks: list[tuple] = []  # (component, csr, lower, upper) per family
        self.bounds: dict[str, tuple] = {}  # family -> (component, domain, lb, ub) as built

    def col(self, family: str, idx: np.ndarray) -> np.ndarray:
        return np.asarray(idx, dtype=np.int64) + self.offset[family]


def _add_rows(
    m: pyo.ConcreteModel,
    name: str,
    cols: _Columns,
    row: np.ndarray,
    col: np.ndarray,
    coef: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
) -> int:
    """Add one indexed constraint ``lower[i] <= sum coef * var <= upper[i]``.

    Rows are assembled as a sparse matrix (duplicates summed, zeros dropped) so no
    Python loop touches individual non-zeros. Row *i* becomes ``m.<name>[i]``, a
    constraint row whose expression is made from the sparse row (see
    :data:`DEFER_EXPRESSIONS`); a row without variables is skipped, as a rule returning
    ``Constraint.Skip`` would be.
    """
    n = len(lower)
    if n == 0:
        return 0
    a = sp.csr_array((coef, (row, col)), shape=(n, len(cols.vars)))
    a.sum_duplicates()
    a.eliminate_zeros()
    lower = np.asarray(lower, dtype=float)
    upper = np.asarray(upper, dtype=float)
    comp = pyo.Constraint(pyo.RangeSet(0, n - 1))
    setattr(m, name, comp)
    comp._hubopt_rows = (a.indptr, a.indices, a.data, lower, upper, cols.vars)
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
    cols.blocks.append((comp, a, lower, upper))
    return n


# --------------------------------------------------------------------------- tables


def _tables(data: HubData, lanes: pd.DataFrame, scenario: Scenario) -> dict[str, pd.DataFrame]:
    """Build the label tables that index every variable family."""
    sites = data.sites.set_index("site_id")
    opts = data.candidates[data.candidates["status"] != "forbidden"].reset_index(names="line")
    opts = opts.merge(data.technologies[["technology", "output"]], on="technology", how="left")
    opts["energy_community"] = (
        sites["energy_community"].reindex(opts["site_id"]).fillna(False).to_numpy(bool)
    )
    grp = opts.assign(_forced=opts["status"].isin(["required", "existing"])).groupby(
        ["site_id", "technology"], sort=False
    )
    prod = grp.agg(
        output=("output", "first"),
        n_sizes=("size", "size"),
        max_capacity=("capacity", "max"),
        forced=("_forced", "any"),
    ).reset_index()
    prod = prod.merge(
        data.technologies[["technology", "unit_cost", "kg_co2_per_unit"]], on="technology"
    )
    opts["group"] = grp.ngroup().to_numpy()
    # grp.ngroup numbers groups in order of first appearance, as does the agg above.
    dem = data.demand.reset_index(names="line")
    unmet = dem[dem["unmet_penalty"].notna()].reset_index(drop=True)
    sup = data.supply.reset_index(names="line")
    keys = _Keys(data, lanes)
    return {
        "options": opts,
        "production": prod,
        "demand": dem,
        "unmet": unmet,
        "supply": sup,
        "keys": keys,
    }


class _Keys:
    """Integer codes for sites and products, so (site, product) pairs are int64 keys.

    ``key(site, product) = site_code * n_products + product_code``; the lane table's
    origin, destination and product are coded once (``o``, ``d``, ``p``).
    """

    def __init__(self, data: HubData, lanes: pd.DataFrame):
        self.sites = pd.Index(pd.unique(data.sites["site_id"]))
        self.products = pd.Index(pd.unique(data.products["product"]))
        self.o = self.site(lanes["origin"])
        self.d = self.site(lanes["destination"])
        self.p = self.product(lanes["product"])
        if (self.o < 0).any() or (self.d < 0).any() or (self.p < 0).any():
            # labels the tables do not list (not in a validated package): code them too
            ids = [data.sites["site_id"], lanes["origin"], lanes["destination"]]
            self.sites = _index(ids)
            self.products = _index([data.products["product"], lanes["product"]])
            self.o = self.site(lanes["origin"])
            self.d = self.site(lanes["destination"])
            self.p = self.product(lanes["product"])
        self.n_products = len(self.products)

    def site(self, labels) -> np.ndarray:
        return self.sites.get_indexer(pd.Index(labels)).astype(np.int64)

    def product(self, labels) -> np.ndarray:
        return self.products.get_indexer(pd.Index(labels)).astype(np.int64)

    def key(self, site, product) -> np.ndarray:
        """Key of (site label, product label) pairs."""
        return self.site(site) * self.n_products + self.product(product)

    def labels(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(site, product) labels of keys."""
        return (
            self.sites.take(keys // self.n_products).to_numpy(),
            self.products.take(keys % self.n_products).to_numpy(),
        )


def _index(columns: list) -> pd.Index:
    """Return an index of every label of the first column, then any others that appear."""
    idx = pd.Index(pd.unique(columns[0]))
    for c in columns[1:]:
        if len(c):
            missing = idx.get_indexer(pd.Index(pd.unique(c))) < 0
            if missing.any():
                idx = idx.append(pd.Index(pd.unique(c))[missing])
    return idx


def _availability(data: HubData, prod: pd.DataFrame) -> pd.Series:
    """Upper bound on the units of each product that can exist per year (big-M source)."""
    a = data.supply.groupby("product")["capacity"].sum()
    return a.add(prod.groupby("output")["max_capacity"].sum(), fill_value=0.0)


# --------------------------------------------------------------------------- families


def add_production_capacity(m, cols, t) -> int:
    r"""``production_capacity[j]``: :math:`make_j - \sum_{k\in K_j} cap_k\,open_k \le 0`.

    Units: units of output per year. A (site, technology) makes nothing unless one of
    its sizes is open, and at most that size's capacity.
    """
    opts = t["options"]
    nj = len(t["production"])
    row = np.concatenate([np.arange(nj), opts["group"].to_numpy()])
    col = np.concatenate([cols.col("make", np.arange(nj)), cols.col("open", np.arange(len(opts)))])
    coef = np.concatenate([np.ones(nj), -opts["capacity"].to_numpy(float)])
    return _add_rows(
        m, "production_capacity", cols, row, col, coef, np.full(nj, -np.inf), np.zeros(nj)
    )


def add_size_choice(m, cols, t) -> int:
    r"""``size_choice[j]``: :math:`\sum_{k\in K_j} open_k \le 1`, or :math:`= 1` if forced.

    At most one size per (site, technology); exactly one where any row of the pair is
    ``required`` or ``existing``. Pairs with a single option need no row: a forced
    single option has its lower bound set to 1 instead (see :func:`build_model`).
    """
    prod, opts = t["production"], t["options"]
    multi = prod.index[prod["n_sizes"] > 1].to_numpy()
    if len(multi) == 0:
        return 0
    rowmap = np.full(len(prod), -1)
    rowmap[multi] = np.arange(len(multi))
    sel = rowmap[opts["group"].to_numpy()] >= 0
    row = rowmap[opts["group"].to_numpy()[sel]]
    col = cols.col("open", np.flatnonzero(sel))
    forced = prod["forced"].to_numpy(bool)[multi]
    lower = np.where(forced, 1.0, -np.inf)
    return _add_rows(
        m, "size_choice", cols, row, col, np.ones(len(row)), lower, np.ones(len(multi))
    )


def add_balance(m, cols, t, data: HubData, lanes: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    r"""``balance[b]``: flow balance of every (site s, product p) touched by any flow.

    Equality, for each row:

    .. math::

        buy_{sp} + \sum_{j=(s,t): out(t)=p} make_j + \sum_{l\in in(s,p)} ship_l
        - \sum_{l\in out(s,p)} ship_l - \sum_{j=(s,t)} q_{tp}\,make_j + unmet_{sp}
        = demand_{sp}

    Units: units of *p* per year. There is no free disposal: whatever is bought or made
    is shipped or used. A row that holds no variable but needs a positive right-hand
    side (demand nobody can reach) is reported as a reason for infeasibility.
    """
    prod, sup, un, dem, keys = (
        t["production"],
        t["supply"],
        t["unmet"],
        t["demand"],
        t["keys"],
    )
    rec = prod.reset_index(names="idx").merge(data.recipes, on="technology")
    nl = len(lanes)
    lane_in = keys.d * keys.n_products + keys.p
    lane_out = keys.o * keys.n_products + keys.p
    # (key, column, coefficient) per term: supply, output made, inputs used, lanes in,
    # lanes out, unmet demand.
    parts = [
        (keys.key(sup["site_id"], sup["product"]), cols.col("buy", np.arange(len(sup))), 1.0),
        (keys.key(prod["site_id"], prod["output"]), cols.col("make", np.arange(len(prod))), 1.0),
        (
            keys.key(rec["site_id"], rec["input"]),
            cols.col("make", rec["idx"].to_numpy()),
            -rec["quantity"].to_numpy(float),
        ),
        (lane_in, cols.col("ship", np.arange(nl)), 1.0),
        (lane_out, cols.col("ship", np.arange(nl)), -1.0),
        (keys.key(un["site_id"], un["product"]), cols.col("unmet", np.arange(len(un))), 1.0),
    ]
    term_key = np.concatenate([k for k, _c, _v in parts])
    col = np.concatenate([c for _k, c, _v in parts])
    coef = np.concatenate([np.broadcast_to(v, len(k)) for k, _c, v in parts]).astype(float)
    dem_key = keys.key(dem["site_id"], dem["product"])
    # Balance rows in order of first appearance: terms first, then demand rows.
    codes, uniq = pd.factorize(np.concatenate([term_key, dem_key]))
    row = codes[: len(term_key)]
    rhs = np.zeros(len(uniq))
    np.add.at(rhs, codes[len(term_key) :], dem["quantity"].to_numpy(float))
    site, product = keys.labels(uniq)
    bal = pd.DataFrame(
        {
            "site_id": np.asarray(site, dtype=object),
            "product": np.asarray(product, dtype=object),
            "demand": rhs,
        }
    )
    _add_rows(m, "balance", cols, row, col, coef, rhs, rhs)
    has_var = np.zeros(len(bal), dtype=bool)
    has_var |= np.bincount(row, minlength=len(bal)) > 0
    reasons = [
        f"demand of {r.demand:g} for '{r.product}' at site '{r.site_id}' cannot be met: "
        "no supply, production or lane reaches it"
        for r in bal[~has_var & (bal["demand"] > 0)].itertuples()
    ]
    return bal, reasons


def add_strong_linking(m, cols, t, data: HubData, lanes: pd.DataFrame) -> int:
    r"""``link[o,d,p]``: :math:`\sum_{modes} ship_{o,d,p} \le D_{dp}\sum_{k\in K_{op}} open_k`.

    Valid where the origin *o* can hold *p* only by making it (no supply row, no inbound
    lane of *p*) and the
    destination *d* is a pure sink for *p* (it demands :math:`D_{dp}` and neither
    consumes nor forwards *p*): flow can be at most the demand, and only if a hub making
    *p* is open at *o*. This is the strong (disaggregated) facility-location linking;
    it tightens the LP relaxation and adds no new solutions. Units: units of *p*/yr.
    """
    opts, keys = t["options"], t["keys"]
    if lanes.empty or opts.empty:
        return 0
    npr, nsites = keys.n_products, len(keys.sites)
    supplied = keys.key(data.supply["site_id"], data.supply["product"])
    consumes = opts.merge(data.recipes, on="technology")
    lane_out = keys.o * npr + keys.p  # (origin, product): the origin forwards p
    lane_in = keys.d * npr + keys.p
    nonsink = np.concatenate([keys.key(consumes["site_id"], consumes["input"]), lane_out])
    dem = data.demand
    dem_key = keys.key(dem["site_id"], dem["product"])
    # the origin must hold p only by making it: no supply row and no inbound lane of p
    # (an explicit lanes.csv may forward p through a site that does not make it)
    made_only = ~np.isin(lane_out, supplied) & ~np.isin(lane_out, lane_in)
    ok = made_only & ~np.isin(lane_in, nonsink) & np.isin(lane_in, dem_key)
    lane_idx = np.flatnonzero(ok)
    if len(lane_idx) == 0:
        return 0
    # One row per (origin, destination, product), in order of first appearance.
    triple = (keys.o[lane_idx] * nsites + keys.d[lane_idx]) * npr + keys.p[lane_idx]
    row_ship, pairs = pd.factorize(triple)
    pair_p = pairs % npr
    pair_d = (pairs // npr) % nsites
    pair_o = pairs // (npr * nsites)
    dem_sum = pd.Series(dem["quantity"].to_numpy(float)).groupby(dem_key).sum()
    big = dem_sum.reindex(pair_d * npr + pair_p).to_numpy(float)
    # Every option at the origin that makes the product: sorted join on the int key.
    opt_key = keys.key(opts["site_id"], opts["output"])
    order = np.argsort(opt_key, kind="stable")
    sorted_key = opt_key[order]
    want = pair_o * npr + pair_p
    first = np.searchsorted(sorted_key, want, side="left")
    count = np.searchsorted(sorted_key, want, side="right") - first
    row_open = np.repeat(np.arange(len(pairs)), count)
    within = np.arange(len(row_open)) - np.repeat(np.cumsum(count) - count, count)
    k_open = order[np.repeat(first, count) + within]
    row = np.concatenate([row_ship, row_open])
    col = np.concatenate([cols.col("ship", lane_idx), cols.col("open", k_open)])
    coef = np.concatenate([np.ones(len(lane_idx)), -big[row_open]])
    n = len(pairs)
    return _add_rows(m, "link", cols, row, col, coef, np.full(n, -np.inf), np.zeros(n))


def add_single_sourcing(
    m, cols, t, data: HubData, lanes: pd.DataFrame, assign: pd.DataFrame
) -> int:
    r"""Single sourcing: each demand row is served through one inbound lane.

    ``assign_once[d]``: :math:`\sum_{l\in in(d)} assign_{dl} = 1` (:math:`\le 1` where the
    demand may go unmet or the site has its own supply/production of the product).
    ``assign_link[d,l]``: :math:`ship_l \le M_{dl}\,assign_{dl}` with
    :math:`M_{dl} = D_d` (the strong form) when the site is a pure sink for the product,
    else the product's total availability (supply + largest sizes), which bounds any
    lane's flow in an optimal solution. Units: units per year.
    """
    if assign.empty:
        return 0
    nd = len(t["demand"])
    row = assign["d"].to_numpy()
    col = cols.col("assign", assign.index.to_numpy())
    lower = np.where(t["demand"]["exact"].to_numpy(bool), 1.0, -np.inf)
    n1 = _add_rows(m, "assign_once", cols, row, col, np.ones(len(assign)), lower, np.ones(nd))
    na = len(assign)
    row = np.concatenate([np.arange(na), np.arange(na)])
    col = np.concatenate([cols.col("ship", assign["lane"].to_numpy()), col])
    coef = np.concatenate([np.ones(na), -assign["big_m"].to_numpy(float)])
    n2 = _add_rows(m, "assign_link", cols, row, col, coef, np.full(na, -np.inf), np.zeros(na))
    return n1 + n2


def _assign_table(data: HubData, lanes: pd.DataFrame, t: dict, avail: pd.Series) -> pd.DataFrame:
    """One row per (demand row, inbound lane) with its derived big-M."""
    dem = t["demand"]
    a = dem.reset_index(names="d")[["d", "site_id", "product", "quantity"]].merge(
        lanes.reset_index(names="lane")[["lane", "destination", "product"]],
        left_on=["site_id", "product"],
        right_on=["destination", "product"],
    )
    opts = t["options"]
    local = pd.MultiIndex.from_frame(
        pd.concat(
            [
                data.supply[["site_id", "product"]],
                opts[["site_id", "output"]].set_axis(["site_id", "product"], axis=1),
            ]
        )
    )
    consumes = opts.merge(data.recipes, on="technology")[["site_id", "input"]]
    forwards = lanes[["origin", "product"]].set_axis(["site_id", "input"], axis=1)
    nonsink = pd.MultiIndex.from_frame(pd.concat([consumes, forwards]))
    key = pd.MultiIndex.from_frame(a[["site_id", "product"]])
    sink = ~key.isin(nonsink)
    a["big_m"] = np.where(sink, a["quantity"], avail.reindex(a["product"]).fillna(0.0).to_numpy())
    dkey = pd.MultiIndex.from_frame(dem[["site_id", "product"]])
    dem["exact"] = (dem["unmet_penalty"].isna() & ~dkey.isin(local)).to_numpy()
    return a[["d", "lane", "site_id", "product", "big_m"]]


def add_scenario_constraints(
    m, cols, t, scenario: Scenario, co2_col: np.ndarray, co2_val: np.ndarray
) -> int:
    r"""Scenario constraints (each only when set in the scenario).

    * ``max_emissions``: :math:`E \le \bar E` (tonnes CO2/yr), with :math:`E` as in the
      objective;
    * ``max_hubs``: :math:`\sum_k open_k \le N` (options; existing and required count);
    * ``min_energy_community_hubs``: :math:`\sum_{k: ec(site_k)} open_k \ge N_{ec}`.
    """
    n = 0
    nk = len(t["options"])
    if scenario.max_emissions_t is not None:
        n += _add_rows(
            m,
            "max_emissions",
            cols,
            np.zeros(len(co2_col), dtype=int),
            co2_col,
            co2_val / 1000.0,
            np.array([-np.inf]),
            np.array([scenario.max_emissions_t]),
        )
    if scenario.max_hubs is not None:
        n += _add_rows(
            m,
            "max_hubs",
            cols,
            np.zeros(nk, dtype=int),
            cols.col("open", np.arange(nk)),
            np.ones(nk),
            np.array([-np.inf]),
            np.array([float(scenario.max_hubs)]),
        )
    if scenario.min_energy_community_hubs is not None:
        ec = np.flatnonzero(t["options"]["energy_community"].to_numpy(bool))
        n += _add_rows(
            m,
            "min_energy_community_hubs",
            cols,
            np.zeros(len(ec), dtype=int),
            cols.col("open", ec),
            np.ones(len(ec)),
            np.array([float(scenario.min_energy_community_hubs)]),
            np.array([np.inf]),
        )
    return n


# --------------------------------------------------------------------------- build


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


def build_model(data: HubData, lanes: pd.DataFrame, scenario: Scenario) -> HubModel:
    """Build the Pyomo model for one scenario.

    Parameters
    ----------
    data : HubData
        A validated data package (:func:`hubopt.inputs.load.load_data`).
    lanes : DataFrame
        Lane table from :func:`hubopt.lanes.build_lanes`.
    scenario : Scenario
        Carbon price and scenario constraints.

    Returns
    -------
    HubModel
        The model with its label tables; solve it with :func:`hubopt.solve.solve_model`.
    """
    t0 = time.perf_counter()
    with paused_gc():
        return _build(data, lanes, scenario, t0)


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


def _build(data: HubData, lanes: pd.DataFrame, scenario: Scenario, t0: float) -> HubModel:
    t = _tables(data, lanes, scenario)
    opts, prod, sup, unmet = t["options"], t["production"], t["supply"], t["unmet"]
    avail = _availability(data, prod)
    assign = (
        _assign_table(data, lanes, t, avail)
        if scenario.single_sourcing
        else pd.DataFrame(columns=["d", "lane", "site_id", "product", "big_m"])
    )
    m = pyo.ConcreteModel(name=f"hubopt:{scenario.name}")
    forced_single = prod["forced"].to_numpy(bool) & (prod["n_sizes"].to_numpy() == 1)
    open_lb = forced_single[opts["group"].to_numpy()].astype(float)
    bounds = {
        "open": _var(m, "open", len(opts), pyo.Binary, lb=open_lb),
        "make": _var(
            m, "make", len(prod), pyo.NonNegativeReals, ub=prod["max_capacity"].to_numpy(float)
        ),
        "buy": _var(m, "buy", len(sup), pyo.NonNegativeReals, ub=sup["capacity"].to_numpy(float)),
        "ship": _var(m, "ship", len(lanes), pyo.NonNegativeReals),
        "unmet": _var(
            m, "unmet", len(unmet), pyo.NonNegativeReals, ub=unmet["quantity"].to_numpy(float)
        ),
        "assign": _var(m, "assign", len(assign), pyo.Binary),
    }
    cols = _Columns(m, list(FAMILIES))
    cols.bounds = bounds

    co2 = {
        "make": prod["kg_co2_per_unit"].to_numpy(float),
        "buy": sup["kg_co2_per_unit"].to_numpy(float),
        "ship": lanes["kg_co2_per_unit"].to_numpy(float),
    }
    cost = {
        "open": opts["fixed_cost"].to_numpy(float),
        "make": prod["unit_cost"].to_numpy(float),
        "buy": sup["unit_cost"].to_numpy(float),
        "ship": lanes["cost_per_unit"].to_numpy(float),
        "unmet": unmet["unmet_penalty"].to_numpy(float),
    }
    for fam, e in co2.items():
        cost[fam] = cost[fam] + scenario.carbon_price * e / 1000.0
    co2_col = np.concatenate([cols.col(f, np.arange(len(e))) for f, e in co2.items()])
    co2_val = np.concatenate(list(co2.values()))

    rows = {"production_capacity": add_production_capacity(m, cols, t)}
    rows["size_choice"] = add_size_choice(m, cols, t)
    bal, reasons = add_balance(m, cols, t, data, lanes)
    rows["balance"] = len(bal)
    rows["link"] = add_strong_linking(m, cols, t, data, lanes)
    rows["single_sourcing"] = add_single_sourcing(m, cols, t, data, lanes, assign)
    rows["scenario"] = add_scenario_constraints(m, cols, t, scenario, co2_col, co2_val)
    reasons += _scenario_reasons(t, scenario)

    obj_col = np.concatenate([cols.col(f, np.arange(len(c))) for f, c in cost.items()])
    obj_val = np.concatenate(list(cost.values()))
    cost_vec = np.zeros(len(cols.vars))
    cost_vec[obj_col] = obj_val
    _add_objective(m, cols, cost_vec)
    arrays = _model_arrays(m, cols, cost_vec)
    stats = {
        "variables": len(cols.vars),
        "binaries": len(opts) + len(assign),
        "lanes": len(lanes),
        "rows": rows,
        "build_seconds": time.perf_counter() - t0,
    }
    return HubModel(
        model=m,
        data=data,
        lanes=lanes,
        scenario=scenario,
        options=opts,
        production=prod,
        supply=sup,
        demand=t["demand"],
        balance=bal,
        assign=assign,
        infeasible_reasons=reasons,
        stats=stats,
        arrays=arrays,
    )


def _model_arrays(m: pyo.ConcreteModel, cols: _Columns, cost: np.ndarray) -> ModelArrays:
    """Stack the families' sparse rows into the arrays HiGHS takes, and record the model.

    The record (``snapshot``) is what :func:`pristine_arrays` compares the model with.
    """
    n = len(cols.vars)
    blocks = cols.blocks
    if blocks:
        a = sp.vstack([b[1] for b in blocks], format="csr")
        lower = np.concatenate([b[2] for b in blocks])
        upper = np.concatenate([b[3] for b in blocks])
    else:
        a = sp.csr_array((0, n))
        lower = upper = np.zeros(0)
    row_objs = [d for b in blocks for d in b[0]._data.values()]  # index order, as built
    keep = np.diff(a.indptr) > 0  # empty rows were skipped
    if not keep.all():
        a, lower, upper = a[keep], lower[keep], upper[keep]
    # A ranged row (finite lower < finite upper) is handed over as two rows, "<= upper"
    # then ">= lower", as Pyomo's standard-form compiler does.
    ranged = np.isfinite(lower) & np.isfinite(upper) & (lower != upper)
    if ranged.any():
        rep = np.repeat(np.arange(len(lower)), np.where(ranged, 2, 1))
        first = np.r_[True, rep[1:] != rep[:-1]]
        a = a[rep]
        lower, upper = lower[rep], upper[rep]
        split = ranged[rep]
        lower = np.where(split & first, -np.inf, lower)
        upper = np.where(split & ~first, np.inf, upper)
        row_objs = [row_objs[i] for i in rep.tolist()]
    col_lower = np.zeros(n)
    col_upper = np.full(n, np.inf)
    integrality = np.zeros(n, dtype=np.int8)
    families = {}
    for name in cols.families:
        comp, domain, lb, ub = cols.bounds[name]
        s, k = cols.offset[name], len(comp)
        xs = cols.vars[s : s + k]
        dlo, dhi = domain.bounds()
        col_lower[s : s + k] = -np.inf if dlo is None else dlo
        col_upper[s : s + k] = np.inf if dhi is None else dhi
        integrality[s : s + k] = int(domain.isdiscrete())
        bounded = False
        for arr, got, pick in ((col_lower, lb, np.maximum), (col_upper, ub, np.minimum)):
            if got is not None and np.isfinite(got).any():
                fin = np.flatnonzero(np.isfinite(got))
                arr[s + fin] = pick(arr[s + fin], got[fin])
                bounded = True
        # What pristine_arrays compares: (lb, ub, domain, fixed) of every variable given
        # a bound here; for the others, that they are still _BuiltVarData.
        state = list(map(_VAR_STATE, xs)) if bounded else _built_var_class(domain)
        families[name] = (comp, k, xs, state)
    # Columns that appear in no row and not in the objective are left out, as Pyomo's
    # compiler leaves them out.
    used = (np.bincount(a.indices, minlength=n) > 0) | (cost != 0)
    if used.all():
        columns, dropped = cols.vars, []
    else:
        a = a[:, np.flatnonzero(used)]
        columns = [cols.vars[j] for j in np.flatnonzero(used).tolist()]
        dropped = [cols.vars[j] for j in np.flatnonzero(~used).tolist()]
    snapshot = {
        "dropped": dropped,
        "model": m,
        "components": _components(m),
        "blocks": [(b[0], len(b[0])) for b in blocks],
        "objective": m.objective,
        "families": families,
    }
    return ModelArrays(
        a=sp.csr_array(a),
        row_lower=lower,
        row_upper=upper,
        col_lower=col_lower[used],
        col_upper=col_upper[used],
        integrality=integrality[used],
        cost=cost[used],
        columns=columns,
        rows=row_objs,
        snapshot=snapshot,
    )


def _components(m: pyo.ConcreteModel) -> list[tuple[int, object]]:
    """Every component of the model (sub-blocks included) with its active flag."""
    return [(id(c), getattr(c, "active", None)) for c in m.component_objects(descend_into=True)]


def _same(current: list, recorded: list) -> bool:
    """Whether two lists hold the same objects (identity first, as list equality does)."""
    try:
        return len(current) == len(recorded) and current == recorded
    except Exception:  # noqa: BLE001 - comparing changed Pyomo objects may raise
        return False


def pristine_arrays(hub: HubModel) -> ModelArrays | None:
    """Return ``hub.arrays`` if the Pyomo model is still exactly as built, else ``None``.

    The model counts as changed when any of these differs from what
    :func:`build_model` recorded: the model object; the list of components (a constraint,
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
        From :func:`build_model`.

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
    """Whether the model still matches the record made by :func:`_model_arrays`."""
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


def _scenario_reasons(t: dict, scenario: Scenario) -> list[str]:
    """Scenario constraints that no choice of hubs can meet (found before solving)."""
    out = []
    n_ec = int(t["options"]["energy_community"].sum())
    need = scenario.min_energy_community_hubs
    if need is not None and need > n_ec:
        out.append(
            f"min_energy_community_hubs = {need} but the data offer only {n_ec} "
            "non-forbidden options at energy-community sites"
        )
    return out
