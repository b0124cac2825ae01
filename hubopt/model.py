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
"""

from __future__ import annotations

import gc
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyomo.environ as pyo
import scipy.sparse as sp
from pyomo.core.expr.numeric_expr import LinearExpression

from hubopt.data import HubData
from hubopt.scenario import Scenario

__all__ = ["HubModel", "build_model"]


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


class _Columns:
    """Global column numbering over all variable families, for assembling rows."""

    def __init__(self, m: pyo.ConcreteModel, families: list[str]):
        self.offset: dict[str, int] = {}
        self.vars: list = []
        for name in families:
            comp = getattr(m, name)
            self.offset[name] = len(self.vars)
            self.vars.extend(comp[i] for i in range(len(comp)))

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

    Rows are assembled as a sparse matrix (duplicates summed) so no Python loop touches
    individual non-zeros; one Python-level step per row builds its Pyomo expression.
    """
    n = len(lower)
    if n == 0:
        return 0
    a = sp.csr_array((coef, (row, col)), shape=(n, len(cols.vars)))
    a.sum_duplicates()
    a.eliminate_zeros()
    ptr, ind, val = a.indptr, a.indices, a.data
    v = cols.vars
    lo = [None if not np.isfinite(x) else float(x) for x in lower]
    up = [None if not np.isfinite(x) else float(x) for x in upper]

    def rule(_m: pyo.ConcreteModel, i: int):
        s, e = ptr[i], ptr[i + 1]
        if s == e:
            return pyo.Constraint.Skip
        expr = LinearExpression(
            constant=0, linear_coefs=val[s:e].tolist(), linear_vars=[v[j] for j in ind[s:e]]
        )
        return (lo[i], expr, up[i])

    setattr(m, name, pyo.Constraint(range(n), rule=rule))
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
    grp = opts.groupby(["site_id", "technology"], sort=False)
    prod = grp.agg(
        output=("output", "first"),
        n_sizes=("size", "size"),
        max_capacity=("capacity", "max"),
        forced=("status", lambda s: bool(s.isin(["required", "existing"]).any())),
    ).reset_index()
    prod = prod.merge(
        data.technologies[["technology", "unit_cost", "kg_co2_per_unit"]], on="technology"
    )
    opts["group"] = grp.ngroup().to_numpy()
    # grp.ngroup numbers groups in order of first appearance, as does the agg above.
    dem = data.demand.reset_index(names="line")
    unmet = dem[dem["unmet_penalty"].notna()].reset_index(drop=True)
    sup = data.supply.reset_index(names="line")
    return {"options": opts, "production": prod, "demand": dem, "unmet": unmet, "supply": sup}


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
    prod = t["production"]
    terms = []  # (site, product, family, index, coef)
    sup = t["supply"]
    terms.append(
        pd.DataFrame(
            {
                "site_id": sup["site_id"],
                "product": sup["product"],
                "fam": "buy",
                "idx": sup.index,
                "coef": 1.0,
            }
        )
    )
    terms.append(
        pd.DataFrame(
            {
                "site_id": prod["site_id"],
                "product": prod["output"],
                "fam": "make",
                "idx": prod.index,
                "coef": 1.0,
            }
        )
    )
    rec = prod.reset_index(names="idx").merge(data.recipes, on="technology")
    terms.append(
        pd.DataFrame(
            {
                "site_id": rec["site_id"],
                "product": rec["input"],
                "fam": "make",
                "idx": rec["idx"],
                "coef": -rec["quantity"],
            }
        )
    )
    li = lanes.index.to_numpy()
    terms.append(
        pd.DataFrame(
            {
                "site_id": lanes["destination"].to_numpy(),
                "product": lanes["product"].to_numpy(),
                "fam": "ship",
                "idx": li,
                "coef": 1.0,
            }
        )
    )
    terms.append(
        pd.DataFrame(
            {
                "site_id": lanes["origin"].to_numpy(),
                "product": lanes["product"].to_numpy(),
                "fam": "ship",
                "idx": li,
                "coef": -1.0,
            }
        )
    )
    un = t["unmet"]
    terms.append(
        pd.DataFrame(
            {
                "site_id": un["site_id"],
                "product": un["product"],
                "fam": "unmet",
                "idx": un.index,
                "coef": 1.0,
            }
        )
    )
    allt = pd.concat([x for x in terms if len(x)], ignore_index=True)
    dem = t["demand"][["site_id", "product", "quantity"]]
    keys = pd.concat([allt[["site_id", "product"]], dem[["site_id", "product"]]])
    bal = keys.drop_duplicates(ignore_index=True)
    bal = bal.merge(dem, on=["site_id", "product"], how="left")
    bal["quantity"] = bal["quantity"].fillna(0.0)
    bal = bal.rename(columns={"quantity": "demand"})
    key = pd.MultiIndex.from_frame(bal[["site_id", "product"]])
    row = key.get_indexer(pd.MultiIndex.from_frame(allt[["site_id", "product"]]))
    col = np.empty(len(allt), dtype=np.int64)
    for fam in allt["fam"].unique():
        sel = (allt["fam"] == fam).to_numpy()
        col[sel] = cols.col(fam, allt.loc[sel, "idx"].to_numpy())
    rhs = bal["demand"].to_numpy(float)
    _add_rows(m, "balance", cols, row, col, allt["coef"].to_numpy(float), rhs, rhs)
    has_var = np.zeros(len(bal), dtype=bool)
    has_var[np.unique(row)] = True
    reasons = [
        f"demand of {r.demand:g} for '{r.product}' at site '{r.site_id}' cannot be met: "
        "no supply, production or lane reaches it"
        for r in bal[~has_var & (bal["demand"] > 0)].itertuples()
    ]
    return bal, reasons


def add_strong_linking(m, cols, t, data: HubData, lanes: pd.DataFrame) -> int:
    r"""``link[o,d,p]``: :math:`\sum_{modes} ship_{o,d,p} \le D_{dp}\sum_{k\in K_{op}} open_k`.

    Valid where the origin *o* can hold *p* only by making it (no supply row) and the
    destination *d* is a pure sink for *p* (it demands :math:`D_{dp}` and neither
    consumes nor forwards *p*): flow can be at most the demand, and only if a hub making
    *p* is open at *o*. This is the strong (disaggregated) facility-location linking;
    it tightens the LP relaxation and adds no new solutions. Units: units of *p*/yr.
    """
    opts = t["options"]
    if lanes.empty or opts.empty:
        return 0
    supplied = pd.MultiIndex.from_frame(data.supply[["site_id", "product"]])
    consumes = opts.merge(data.recipes, on="technology")[["site_id", "input"]]
    forwards = lanes[["origin", "product"]].drop_duplicates()
    nonsink = pd.MultiIndex.from_frame(
        pd.concat([consumes.set_axis(["s", "p"], axis=1), forwards.set_axis(["s", "p"], axis=1)])
    )
    dem = data.demand.groupby(["site_id", "product"])["quantity"].sum()
    lo = pd.MultiIndex.from_frame(lanes[["origin", "product"]])
    ld = pd.MultiIndex.from_frame(lanes[["destination", "product"]])
    ok = ~lo.isin(supplied) & ~ld.isin(nonsink) & ld.isin(dem.index)
    ln = lanes[ok]
    if ln.empty:
        return 0
    pairs = ln[["origin", "destination", "product"]].drop_duplicates(ignore_index=True)
    pidx = pd.MultiIndex.from_frame(pairs)
    row_ship = pidx.get_indexer(pd.MultiIndex.from_frame(ln[["origin", "destination", "product"]]))
    big = dem.reindex(pd.MultiIndex.from_frame(pairs[["destination", "product"]])).to_numpy(float)
    ok_opts = opts.reset_index(names="k")[["k", "site_id", "output"]]
    o = pairs.reset_index(names="r").merge(
        ok_opts, left_on=["origin", "product"], right_on=["site_id", "output"]
    )
    row = np.concatenate([row_ship, o["r"].to_numpy()])
    col = np.concatenate(
        [cols.col("ship", ln.index.to_numpy()), cols.col("open", o["k"].to_numpy())]
    )
    coef = np.concatenate([np.ones(len(ln)), -big[o["r"].to_numpy()]])
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


def _var(m: pyo.ConcreteModel, name: str, n: int, domain, lb=None, ub=None) -> None:
    lbs = [None] * n if lb is None else [None if not np.isfinite(x) else float(x) for x in lb]
    ubs = [None] * n if ub is None else [None if not np.isfinite(x) else float(x) for x in ub]
    setattr(m, name, pyo.Var(range(n), domain=domain, bounds=lambda _m, i: (lbs[i], ubs[i])))


def build_model(data: HubData, lanes: pd.DataFrame, scenario: Scenario) -> HubModel:
    """Build the Pyomo model for one scenario.

    Parameters
    ----------
    data : HubData
        A validated data package (:func:`hubopt.data.load_data`).
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
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _build(data, lanes, scenario, t0)
    finally:
        if gc_was_enabled:
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
    _var(m, "open", len(opts), pyo.Binary, lb=open_lb)
    _var(m, "make", len(prod), pyo.NonNegativeReals, ub=prod["max_capacity"].to_numpy(float))
    _var(m, "buy", len(sup), pyo.NonNegativeReals, ub=sup["capacity"].to_numpy(float))
    _var(m, "ship", len(lanes), pyo.NonNegativeReals)
    _var(m, "unmet", len(unmet), pyo.NonNegativeReals, ub=unmet["quantity"].to_numpy(float))
    _var(m, "assign", len(assign), pyo.Binary)
    families = ["open", "make", "buy", "ship", "unmet", "assign"]
    cols = _Columns(m, families)

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
    nz = obj_val != 0
    m.objective = pyo.Objective(
        expr=LinearExpression(
            constant=0,
            linear_coefs=obj_val[nz].tolist(),
            linear_vars=[cols.vars[j] for j in obj_col[nz]],
        ),
        sense=pyo.minimize,
    )
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
    )


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
