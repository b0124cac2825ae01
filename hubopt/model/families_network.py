r"""Network-semantics families (issue #11): disposal, must-take, utilisation, lanes, hubs.

Disposal, must-take supply, minimum utilisation, lane capacities and new-hub counts.

Co-products enter the balance itself (:func:`hubopt.model.families.add_balance`, the
``byproducts.csv`` term :math:`+\sum_t q_{tp}\,make_j`). Each family here reads optional
input columns and adds nothing when they are absent, so existing models are unchanged.
Units: quantities per year in the data's units, money in the package's money unit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hubopt.inputs.fields import count_for
from hubopt.inputs.validate_scenario import flag_column
from hubopt.model.families import Context, family

__all__ = ["disposal_table", "new_hub_scopes"]


def disposal_table(ctx: Context) -> pd.DataFrame:
    """Balance rows whose product may be disposed: ``row, site_id, product, disposal_cost``."""
    bal = ctx.labels["balance"].reset_index(names="row")
    products = ctx.t.data.products
    if "disposal_cost" not in products:
        return bal.iloc[:0].assign(disposal_cost=0.0)
    cost = products.set_index("product")["disposal_cost"]
    bal["disposal_cost"] = cost.reindex(bal["product"]).to_numpy(float)
    keep = bal["disposal_cost"].notna() & ctx.b.row_has_terms("balance")[bal["row"].to_numpy()]
    return bal[keep].drop(columns="demand").reset_index(drop=True)


@family()
def add_disposal(ctx: Context) -> None:
    r"""``dispose[i]``: units of a product disposed (or sold) at a balance row.

    Where ``products.disposal_cost`` :math:`\delta_p` is given, the balance row of
    (s, p) gains :math:`-dispose_{sp}` and the objective
    :math:`+\delta_p\,dispose_{sp}` (money/yr; :math:`\delta_p < 0` is a sale value,
    the objective term ``sales_revenue``). Blank = no disposal: the balance stays an
    equality with no way out, as before. Only rows that already hold a term get a
    column. Labels: ``ctx.labels["dispose"]``.
    """
    b = ctx.b
    rows = disposal_table(ctx)
    ctx.labels["dispose"] = rows
    n = len(rows)
    if n == 0:
        return
    b.add_columns("dispose", n)
    idx = np.arange(n)
    b.add_terms("balance", rows["row"].to_numpy(), b.col("dispose", idx), -1.0)
    delta = rows["disposal_cost"].to_numpy(float)
    cost, sale = delta >= 0, delta < 0
    if cost.any():
        b.add_cost("disposal_cost", "dispose", idx[cost], delta[cost])
    if sale.any():
        b.add_cost("sales_revenue", "dispose", idx[sale], delta[sale])


@family()
def add_must_take(ctx: Context) -> None:
    r"""Must-take supply: :math:`buy_r \ge m_r` (``supply.min_quantity``, units/yr).

    A column bound, not a row; :func:`hubopt.model.elastic.add_elastic_must_take` turns it
    into the relaxable row ``must_take[r]`` for diagnose.
    """
    sup = ctx.t.supply
    if "min_quantity" not in sup:
        return
    m = sup["min_quantity"].fillna(0.0).to_numpy(float)
    if (m > 0).any():
        ctx.b.columns["buy"].lower = m
        ctx.b.columns["buy"].source["lower"] = "supply.min_quantity"


def min_utilisation_rows(ctx: Context) -> tuple[np.ndarray, np.ndarray]:
    """Production pairs with a minimum utilisation, and the option rows (k) that set it."""
    opts = ctx.t.options
    if "min_utilisation" not in opts:
        return np.zeros(0, dtype=int), np.zeros(0, dtype=int)
    mu = opts["min_utilisation"].fillna(0.0).to_numpy(float)
    k = np.flatnonzero(mu > 0)
    return np.unique(opts["group"].to_numpy()[k]), k


@family()
def add_min_utilisation(ctx: Context) -> None:
    r"""``min_utilisation[i]``: :math:`make_j - \sum_{k\in K_j} u_k\,cap_k\,open_k \ge 0`.

    :math:`u_k` is ``candidates.min_utilisation`` (share 0–1 of the size's capacity): an
    open size must produce at least that share; a closed one imposes nothing. One row
    per (site, technology) with a positive share. Units: units of output per year.
    """
    b, opts = ctx.b, ctx.t.options
    pairs, k = min_utilisation_rows(ctx)
    if len(pairs) == 0:
        return
    rowmap = np.full(len(ctx.t.production), -1)
    rowmap[pairs] = np.arange(len(pairs))
    grp = opts["group"].to_numpy()
    need = opts["min_utilisation"].to_numpy(float)[k] * opts["capacity"].to_numpy(float)[k]
    row = np.concatenate([np.arange(len(pairs)), rowmap[grp[k]]])
    col = np.concatenate([b.col("make", pairs), b.col("open", k)])
    coef = np.concatenate([np.ones(len(pairs)), -need])
    n = len(pairs)
    b.add_rows(
        "min_utilisation", row, col, coef, np.zeros(n), np.full(n, np.inf),
        source="candidates.min_utilisation × candidates.capacity",
    )  # fmt: skip
    ctx.labels["min_utilisation"] = ctx.t.production.iloc[pairs].reset_index(names="j")


@family()
def add_lane_capacity(ctx: Context) -> None:
    r"""Lane capacities: :math:`ship_l \le \bar q_l` (``lanes.capacity``, units/yr).

    A column bound on ``ship`` (blank = unbounded);
    :func:`hubopt.model.elastic.add_elastic_lane_capacity` turns it into relaxable rows.
    """
    lanes = ctx.t.lanes
    if "capacity" not in lanes or not lanes["capacity"].notna().any():
        return
    cap = pd.to_numeric(lanes["capacity"], errors="coerce").to_numpy(float)
    ctx.b.columns["ship"].upper = np.where(np.isnan(cap), np.inf, cap)
    ctx.b.columns["ship"].source["upper"] = "lanes.capacity"


def new_hub_scopes(ctx: Context, key: str) -> list[tuple[str, np.ndarray, int]]:
    """Rows of a hub-count key: ``(label, option rows counted, count)``.

    Options counted are the *new* ones: status ``candidate`` (existing and required
    options do not count). Label ``all`` for a plain number, else the technology.
    """
    opts = ctx.t.options
    new = (opts["status"] == "candidate").to_numpy()
    tech = opts["technology"].to_numpy()
    out = []
    for scope, n in count_for(getattr(ctx.scenario, key)).items():
        sel = new if scope is None else new & (tech == scope)
        out.append(("all" if scope is None else str(scope), np.flatnonzero(sel), int(n)))
    return out


def _hub_rows(ctx: Context, key: str, sign: int) -> None:
    scopes = new_hub_scopes(ctx, key)
    if not scopes:  # an empty table: no limit
        return
    row = np.concatenate([np.full(len(k), i) for i, (_s, k, _n) in enumerate(scopes)])
    k = np.concatenate([k for _s, k, _n in scopes])
    bound = np.array([float(n) for _s, _k, n in scopes])
    inf = np.full(len(scopes), np.inf)
    lower, upper = (bound, inf) if sign > 0 else (-inf, bound)
    ctx.b.add_rows(
        key, row.astype(int), ctx.b.col("open", k.astype(int)), np.ones(len(k)), lower, upper,
        rhs_source=key,
    )  # fmt: skip
    ctx.labels[f"{key}_rows"] = [s for s, _k, _n in scopes]
    if sign > 0:
        ctx.reasons += [
            f"min_new_hubs{'' if s == 'all' else f' for {s}'} = {n} but the data offer only "
            f"{len(k)} candidate options{'' if s == 'all' else f' of {s}'}"
            for s, k, n in scopes
            if n > len(k)
        ]


@family(applies=lambda sc: sc.min_new_hubs is not None, stat="scenario")
def add_min_new_hubs(ctx: Context) -> None:
    r"""``min_new_hubs[i]``: :math:`\sum_{k\in K^{new}_i} open_k \ge N_i` (options).

    Scenario key ``[constraints] min_new_hubs``: a number (row ``all``) or a table
    ``{technology = n}`` (one row each). :math:`K^{new}` = options of status
    ``candidate``: existing and required options are not *new* hubs and do not count.
    """
    _hub_rows(ctx, "min_new_hubs", 1)


@family(applies=lambda sc: sc.max_new_hubs is not None, stat="scenario")
def add_max_new_hubs(ctx: Context) -> None:
    r"""``max_new_hubs[i]``: :math:`\sum_{k\in K^{new}_i} open_k \le N_i` (options).

    Scenario key ``[constraints] max_new_hubs``, as :func:`add_min_new_hubs`. The older
    ``max_hubs`` (a plain number) still counts every open option.
    """
    _hub_rows(ctx, "max_new_hubs", -1)


@family(applies=lambda sc: bool(sc.exclude_new_where), stat="scenario")
def add_exclude_new_where(ctx: Context) -> None:
    r"""``exclude_new_where[k]``: :math:`open_k \le 0` for every new option at a flagged site.

    A new option is one of status ``candidate``; a site is flagged where the
    ``sites.csv`` column named by the scenario's ``exclude_new_where`` is true (e.g.
    ``still_burns_coal``). Existing and required plants at such sites stay. One row per
    excluded option, dimensionless.
    """
    opts, sites = ctx.t.options, ctx.t.data.sites
    flag, _bad = flag_column(sites, ctx.scenario.exclude_new_where)
    flagged = set(sites.loc[flag.to_numpy(bool), "site_id"])
    new = (opts["status"] == "candidate").to_numpy()  # as new_hub_scopes counts them
    k = np.flatnonzero(opts["site_id"].isin(flagged).to_numpy(bool) & new)
    if len(k) == 0:
        return
    ctx.b.add_rows(
        "exclude_new_where", np.arange(len(k)), ctx.b.col("open", k), np.ones(len(k)),
        np.full(len(k), -np.inf), np.zeros(len(k)), rhs_source="scenario exclude_new_where",
    )  # fmt: skip
