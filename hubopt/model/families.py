r"""The constraint families of the hub-siting MILP, one function each, and their registry.

A family is a function ``f(ctx)`` that adds rows (and, if it needs them, columns and
objective terms) to ``ctx.b``, a :class:`hubopt.model.rows.RowBuilder`, reading the label
tables ``ctx.t`` and the scenario ``ctx.scenario``. It is registered with
:func:`family`, which says when it applies:

* ``applies=ALWAYS`` (the default): in every model;
* ``applies=lambda sc: ...``: when the scenario asks for it (e.g. a cap is set);
* ``applies=None``: only on request, ``build_model(..., extra={"name": params})``
  (pareto's CO2 objective and cap, diagnose's elastic slacks in
  :mod:`hubopt.model.elastic`).

:data:`FAMILIES` lists them in build order, which is the row order of the model. See
``docs/adding_a_family.md`` for a worked example. Units: quantities per year in the
data's units, money in the data's currency unit, CO2 in tonnes (inputs in kg/unit).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from hubopt.inputs.scenario import Scenario
from hubopt.model.rows import RowBuilder
from hubopt.model.sourcing import add_local_source, colocated_link_ok
from hubopt.model.sourcing import settings as sourcing
from hubopt.model.tables import Tables, byproduct_rows

__all__ = [
    "ALWAYS",
    "FAMILIES",
    "Context",
    "Family",
    "co2_terms",
    "family",
    "family_named",
]


@dataclass
class Context:
    """What a family function gets: the builder, the tables, the scenario.

    Attributes
    ----------
    b : RowBuilder
        Add rows, columns and objective terms here.
    t : Tables
        Label tables (read only).
    scenario : Scenario
        The scenario being built.
    params : dict
        This family's parameters (from ``build_model(extra=...)``; empty otherwise).
    reasons : list of str
        Append a plain-language reason when a row holds no variable and cannot hold.
    labels : dict
        Label tables of rows or columns a family adds (``balance``, elastic slacks),
        kept on the built model as ``HubModel.labels``.
    """

    b: RowBuilder
    t: Tables
    scenario: Scenario
    params: dict = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    labels: dict = field(default_factory=dict)


def ALWAYS(_scenario: Scenario) -> bool:  # noqa: N802 - a constant-like predicate
    """Apply in every model."""
    return True


@dataclass(frozen=True)
class Family:
    """One registered constraint family.

    Attributes
    ----------
    name : str
        Registry name (also the key of ``extra=`` for on-request families).
    add : callable
        ``add(ctx) -> None``.
    applies : callable or None
        ``applies(scenario) -> bool``; ``None`` means only on request.
    stat : str
        Key under which its row count is reported in ``stats["rows"]``.
    """

    name: str
    add: Callable[[Context], None]
    applies: Callable[[Scenario], bool] | None
    stat: str


FAMILIES: list[Family] = []
"""Every constraint family, in build (row) order. Add one with :func:`family`."""


def family(
    name: str | None = None,
    *,
    applies: Callable[[Scenario], bool] | None = ALWAYS,
    stat: str | None = None,
) -> Callable:
    """Register a family function (decorator); the registry line of a new family.

    Parameters
    ----------
    name : str, optional
        Registry name; the function's name without ``add_`` by default.
    applies : callable or None
        When the family is part of the model (see the module docstring).
    stat : str, optional
        ``stats["rows"]`` key (default: ``name``).
    """

    def register(fn: Callable[[Context], None]) -> Callable[[Context], None]:
        key = name or fn.__name__.removeprefix("add_")
        if any(f.name == key for f in FAMILIES):
            raise ValueError(f"constraint family {key!r} is registered twice")
        FAMILIES.append(Family(key, fn, applies, stat or key))
        return fn

    return register


def family_named(name: str) -> Family:
    """Return the registered family ``name`` (``KeyError`` listing the known ones)."""
    for f in FAMILIES:
        if f.name == name:
            return f
    raise KeyError(f"no constraint family {name!r}; known: {[f.name for f in FAMILIES]}")


# --------------------------------------------------------------------------- columns, cost


def add_core_columns(b: RowBuilder, t: Tables) -> None:
    """Add the variable families ``open, make, buy, ship, unmet, assign`` (in that order).

    ``open[k]`` binary (lower bound 1 for a forced single option); ``make[j]`` up to the
    pair's largest size (units/yr); ``buy[r]`` up to the supply capacity; ``ship[l]``
    unbounded; ``unmet[d]`` up to the demand quantity; ``assign[a]`` binary.
    """
    prod, opts = t.production, t.options
    forced_single = prod["forced"].to_numpy(bool) & (prod["n_sizes"].to_numpy() == 1)
    open_lb = forced_single[opts["group"].to_numpy()].astype(float)
    b.add_columns(
        "open", len(opts), binary=True, lower=open_lb, source={"lower": "candidates.status"}
    )
    b.add_columns(
        "make", len(prod), upper=prod["max_capacity"].to_numpy(float),
        source={"upper": "candidates.capacity"},
    )  # fmt: skip
    b.add_columns(
        "buy", len(t.supply), upper=t.supply["capacity"].to_numpy(float),
        source={"upper": "supply.capacity"},
    )  # fmt: skip
    b.add_columns("ship", len(t.lanes))
    b.add_columns(
        "unmet", len(t.unmet), upper=t.unmet["quantity"].to_numpy(float),
        source={"upper": "demand.quantity"},
    )  # fmt: skip
    b.add_columns("assign", len(t.assign), binary=True)


COST_SOURCES = {
    "fixed_cost": "candidates.fixed_cost",
    "production_cost": "technologies.unit_cost",
    "supply_cost": "supply.unit_cost",
    "transport_cost": "lanes cost (lanes.cost_per_unit, or modes.cost_per_tonne_km × "
    "products.tonnes_per_unit × distance)",
    "unmet_penalty": "demand.unmet_penalty",
    "carbon_cost": "carbon_price × kg_co2_per_unit (technologies, supply, modes)",
}
"""Input columns behind each named term of the cost objective (for messages)."""


def co2_terms(t: Tables) -> list[tuple[str, np.ndarray]]:
    """Return ``(family, kg CO2 per unit)`` for ``make``, ``buy`` and ``ship``."""
    return [
        ("make", t.production["kg_co2_per_unit"].to_numpy(float)),
        ("buy", t.supply["kg_co2_per_unit"].to_numpy(float)),
        ("ship", t.lanes["kg_co2_per_unit"].to_numpy(float)),
    ]


def add_cost_objective(b: RowBuilder, t: Tables, scenario: Scenario) -> None:
    r"""Add the cost objective (money/yr), as named terms.

    .. math::

        \sum_k f_k open_k + \sum_j c_j make_j + \sum_r c_r buy_r + \sum_l c_l ship_l
        + \sum_{d\in D^u} \pi_d unmet_d + \lambda E
    """
    nk, nj, nr = len(t.options), len(t.production), len(t.supply)
    b.add_cost("fixed_cost", "open", np.arange(nk), t.options["fixed_cost"].to_numpy(float))
    b.add_cost("production_cost", "make", np.arange(nj), t.production["unit_cost"].to_numpy(float))
    b.add_cost("supply_cost", "buy", np.arange(nr), t.supply["unit_cost"].to_numpy(float))
    nl = len(t.lanes)
    b.add_cost("transport_cost", "ship", np.arange(nl), t.lanes["cost_per_unit"].to_numpy(float))
    b.add_cost(
        "unmet_penalty", "unmet", np.arange(len(t.unmet)), t.unmet["unmet_penalty"].to_numpy(float)
    )
    if scenario.carbon_price:
        cols = np.concatenate([b.col(f, np.arange(len(e))) for f, e in co2_terms(t)])
        e = np.concatenate([e for _f, e in co2_terms(t)])
        b.objectives["cost"]["carbon_cost"] = (cols, scenario.carbon_price * e / 1000.0)


def co2_row(b: RowBuilder, t: Tables) -> tuple[np.ndarray, np.ndarray]:
    """Columns and coefficients of :math:`E` (t CO2/yr) = kg CO2 per unit / 1000."""
    cols = np.concatenate([b.col(f, np.arange(len(e))) for f, e in co2_terms(t)])
    vals = np.concatenate([e for _f, e in co2_terms(t)]) / 1000.0
    return cols, vals


# --------------------------------------------------------------------------- families


@family()
def add_production_capacity(ctx: Context) -> None:
    r"""``production_capacity[j]``: :math:`make_j - \sum_{k\in K_j} cap_k\,open_k \le 0`.

    Units: units of output per year. A (site, technology) makes nothing unless one of
    its sizes is open, and at most that size's capacity.
    """
    b, opts = ctx.b, ctx.t.options
    nj = len(ctx.t.production)
    row = np.concatenate([np.arange(nj), opts["group"].to_numpy()])
    col = np.concatenate([b.col("make", np.arange(nj)), b.col("open", np.arange(len(opts)))])
    coef = np.concatenate([np.ones(nj), -opts["capacity"].to_numpy(float)])
    b.add_rows(
        "production_capacity", row, col, coef, np.full(nj, -np.inf), np.zeros(nj),
        source="candidates.capacity",
    )  # fmt: skip


@family()
def add_size_choice(ctx: Context) -> None:
    r"""``size_choice[j]``: :math:`\sum_{k\in K_j} open_k \le 1`, or :math:`= 1` if forced.

    At most one size per (site, technology); exactly one where any row of the pair is
    ``required`` or ``existing``. Pairs with a single option need no row: a forced
    single option has its lower bound set to 1 instead (:func:`add_core_columns`).
    """
    prod, opts = ctx.t.production, ctx.t.options
    multi = prod.index[prod["n_sizes"] > 1].to_numpy()
    if len(multi) == 0:
        return
    rowmap = np.full(len(prod), -1)
    rowmap[multi] = np.arange(len(multi))
    sel = rowmap[opts["group"].to_numpy()] >= 0
    row = rowmap[opts["group"].to_numpy()[sel]]
    col = ctx.b.col("open", np.flatnonzero(sel))
    lower = np.where(prod["forced"].to_numpy(bool)[multi], 1.0, -np.inf)
    ctx.b.add_rows(
        "size_choice", row, col, np.ones(len(row)), lower, np.ones(len(multi)),
        source="candidates.size", rhs_source="candidates.status",
    )  # fmt: skip


@family()
def add_balance(ctx: Context) -> None:
    r"""``balance[b]``: flow balance of every (site s, product p) touched by any flow.

    Equality, for each row:

    .. math::

        buy_{sp} + \sum_{j=(s,t): out(t)=p} make_j + \sum_{l\in in(s,p)} ship_l
        - \sum_{l\in out(s,p)} ship_l - \sum_{j=(s,t)} q_{tp}\,make_j + unmet_{sp}
        + \sum_{j=(s,t)} b_{tp}\,make_j - dispose_{sp} = demand_{sp}

    with :math:`b_{tp}` the by-products of ``byproducts.csv`` and :math:`dispose_{sp}`
    only where ``products.disposal_cost`` is given (:mod:`hubopt.model.families_network`).

    Units: units of *p* per year. There is no free disposal: whatever is bought or made
    is shipped or used. A row that holds no variable but needs a positive right-hand
    side (demand nobody can reach) is reported as a reason for infeasibility. The
    rows' labels are ``ctx.labels["balance"]`` (``HubModel.balance``).
    """
    b, t = ctx.b, ctx.t
    prod, sup, un, dem, keys = t.production, t.supply, t.unmet, t.demand, t.keys
    rec = prod.reset_index(names="idx").merge(t.data.recipes, on="technology")
    nl = len(t.lanes)
    lane_in = keys.d * keys.n_products + keys.p
    lane_out = keys.o * keys.n_products + keys.p
    # (key, column, coefficient) per term: supply, output made, inputs used, lanes in,
    # lanes out, unmet demand.
    parts = [
        (keys.key(sup["site_id"], sup["product"]), b.col("buy", np.arange(len(sup))), 1.0),
        (keys.key(prod["site_id"], prod["output"]), b.col("make", np.arange(len(prod))), 1.0),
        (
            keys.key(rec["site_id"], rec["input"]),
            b.col("make", rec["idx"].to_numpy()),
            -rec["quantity"].to_numpy(float),
        ),
        (lane_in, b.col("ship", np.arange(nl)), 1.0),
        (lane_out, b.col("ship", np.arange(nl)), -1.0),
        (keys.key(un["site_id"], un["product"]), b.col("unmet", np.arange(len(un))), 1.0),
    ]
    co = byproduct_rows(t.data, prod)  # issue #11: co-products, + b·make at the making site
    parts.append((keys.key(co.site_id, co["product"]), b.col("make", co.idx), co.quantity))
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
    b.add_rows(
        "balance", row, col, coef, rhs, rhs,
        source="recipes.quantity", rhs_source="demand.quantity",
    )  # fmt: skip
    ctx.labels["balance"] = bal
    has_var = np.bincount(row, minlength=len(bal)) > 0
    ctx.reasons += [
        f"demand of {r.demand:g} for '{r.product}' at site '{r.site_id}' cannot be met: "
        "no supply, production or lane reaches it"
        for r in bal[~has_var & (bal["demand"] > 0)].itertuples()
    ]


@family()
def add_link(ctx: Context) -> None:
    r"""``link[o,d,p]``: :math:`\sum_{modes} ship_{o,d,p} \le D_{dp}\sum_{k\in K_{op}} open_k`.

    Valid where the origin *o* can hold *p* only by making it (no supply row, no inbound
    lane of *p*) and the destination *d* is a pure sink for *p* (it demands
    :math:`D_{dp}` and neither consumes nor forwards *p*): flow can be at most the
    demand, and only if a hub making *p* is open at *o*. This is the strong
    (disaggregated) facility-location linking; it tightens the LP relaxation and adds no
    new solutions. Units: units of *p*/yr.
    """
    b, t = ctx.b, ctx.t
    opts, keys, data, lanes = t.options, t.keys, t.data, t.lanes
    if lanes.empty or opts.empty:
        return
    npr, nsites = keys.n_products, len(keys.sites)
    supplied = keys.key(data.supply["site_id"], data.supply["product"])
    co = byproduct_rows(data, opts)  # issue #11: a co-product is held without being made
    supplied = np.concatenate([supplied, keys.key(co["site_id"], co["product"])])
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
    if "textbook" in t.demand and sourcing.link_colocated:  # textbook single sourcing
        ok |= colocated_link_ok(t, lane_in, lane_out, supplied, dem_key)
    lane_idx = np.flatnonzero(ok)
    if len(lane_idx) == 0:
        return
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
    col = np.concatenate([b.col("ship", lane_idx), b.col("open", k_open)])
    coef = np.concatenate([np.ones(len(lane_idx)), -big[row_open]])
    n = len(pairs)
    b.add_rows("link", row, col, coef, np.full(n, -np.inf), np.zeros(n), source="demand.quantity")


@family(applies=lambda sc: sc.single_sourcing)
def add_single_sourcing(ctx: Context) -> None:
    r"""Single sourcing: each demand row is served through one inbound lane.

    ``assign_once[d]``: :math:`\sum_{l\in in(d)} assign_{dl} = 1` (:math:`\le 1` where the
    demand may go unmet or the site has its own supply/production of the product).
    ``assign_link[d,l]``: :math:`ship_l \le M_{dl}\,assign_{dl}` with
    :math:`M_{dl} = D_d` (the strong form) when the site is a pure sink for the product,
    else the product's total availability (supply + largest sizes), which bounds any
    lane's flow in an optimal solution. Units: units per year.
    At a must-serve ``textbook`` row (:func:`hubopt.model.tables.make_tables`) the link
    is the equality :math:`ship_l = D_d\,assign_{dl}` (valid: its one source carries all
    of it); the local source is :func:`hubopt.model.sourcing.add_local_source`.
    """
    b, t = ctx.b, ctx.t
    assign = t.assign
    if assign.empty:
        return add_local_source(ctx)
    nd = len(t.demand)
    row = assign["d"].to_numpy()
    col = b.col("assign", assign.index.to_numpy())
    lower = np.where(t.demand["exact"].to_numpy(bool), 1.0, -np.inf)
    b.add_rows("assign_once", row, col, np.ones(len(assign)), lower, np.ones(nd))
    na = len(assign)
    row = np.concatenate([np.arange(na), np.arange(na)])
    col = np.concatenate([b.col("ship", assign["lane"].to_numpy()), col])
    coef = np.concatenate([np.ones(na), -assign["big_m"].to_numpy(float)])
    dem = t.demand
    eq = (dem["exact"] & dem.get("textbook", False)).to_numpy(bool)[assign["d"].to_numpy()]
    lower = np.where(eq & sourcing.equal_linking, 0.0, -np.inf)
    b.add_rows(
        "assign_link", row, col, coef, lower, np.zeros(na),
        source="demand.quantity / supply.capacity + candidates.capacity (big-M)",
    )  # fmt: skip
    add_local_source(ctx)


@family(applies=lambda sc: sc.max_emissions_t is not None, stat="scenario")
def add_max_emissions(ctx: Context) -> None:
    r"""``max_emissions``: :math:`E \le \bar E` (t CO2/yr), :math:`E` as in the objective.

    Scenario key ``[constraints] max_emissions_t``.
    """
    cols, vals = co2_row(ctx.b, ctx.t)
    ctx.b.add_rows(
        "max_emissions", np.zeros(len(cols), dtype=int), cols, vals,
        [-np.inf], [ctx.scenario.max_emissions_t],
        source="kg_co2_per_unit (technologies, supply, modes)", rhs_source="max_emissions_t",
    )  # fmt: skip


@family(applies=lambda sc: sc.max_hubs is not None, stat="scenario")
def add_max_hubs(ctx: Context) -> None:
    r"""``max_hubs``: :math:`\sum_k open_k \le N` (existing and required options count).

    Scenario key ``[constraints] max_hubs``.
    """
    nk = len(ctx.t.options)
    ctx.b.add_rows(
        "max_hubs", np.zeros(nk, dtype=int), ctx.b.col("open", np.arange(nk)), np.ones(nk),
        [-np.inf], [float(ctx.scenario.max_hubs)], rhs_source="max_hubs",
    )  # fmt: skip


@family(applies=lambda sc: sc.min_energy_community_hubs is not None, stat="scenario")
def add_min_energy_community_hubs(ctx: Context) -> None:
    r"""``min_energy_community_hubs``: :math:`\sum_{k: ec(site_k)} open_k \ge N_{ec}`.

    Scenario key ``[constraints] min_energy_community_hubs``. When the data offer fewer
    such options than asked for, that is reported before solving.
    """
    opts, need = ctx.t.options, ctx.scenario.min_energy_community_hubs
    ec = np.flatnonzero(opts["energy_community"].to_numpy(bool))
    ctx.b.add_rows(
        "min_energy_community_hubs", np.zeros(len(ec), dtype=int), ctx.b.col("open", ec),
        np.ones(len(ec)), [float(need)], [np.inf], rhs_source="min_energy_community_hubs",
    )  # fmt: skip
    n_ec = int(opts["energy_community"].sum())
    if need > n_ec:
        ctx.reasons.append(
            f"min_energy_community_hubs = {need} but the data offer only {n_ec} "
            "non-forbidden options at energy-community sites"
        )
