r"""Elastic families (on request): slacks that let hard limits bend, at a price.

Used by :func:`hubopt.diagnose.diagnose` through ``build_model(..., extra=...)``. Each
family adds non-negative slack columns and terms to existing rows (or new rows), and
puts the slacks' weights into the ``elastic`` objective, which it selects: the model
then minimises the total *relative* violation

.. math::

    \sum_s \frac{s}{\max(|limit_s|, 1)}

(for short demand the divisor is the demand quantity). Registered in
:data:`hubopt.model.families.FAMILIES` like every other family, after the base ones.
"""

from __future__ import annotations

import numpy as np

import hubopt.model.families_network  # noqa: F401 - registered before the elastic families
from hubopt.inputs.fields import relaxable_fields
from hubopt.model.families import Context, family

__all__ = ["TOL", "elastic_scenario_rows"]

TOL = 1e-6
"""Smallest divisor of a relative violation."""


def elastic_scenario_rows() -> list[tuple[str, int]]:
    """Scenario rows that :func:`add_elastic_scenario` relaxes, with the slack's sign.

    Read from the scenario-field table (:func:`hubopt.inputs.fields.relaxable_fields`): a
    field with a ``relax`` entry names the constraint family it creates.
    """
    return [(f.relax.constraint, f.relax.sign) for f in relaxable_fields()]


@family(applies=None)
def add_elastic_scenario(ctx: Context) -> None:
    r"""``elastic_scenario``: every row of each scenario family gets a slack.

    For a limit row :math:`a^\top x \le N` the slack enters as :math:`a^\top x - s \le N`;
    for a minimum :math:`a^\top x + s \ge N` (e.g. ``max_emissions``, ``max_hubs``,
    ``min_energy_community_hubs``; which families, and the sign, come from the scenario-field
    table). Weight :math:`1/\max(|bound|, 1)`. Labels: ``ctx.labels["elastic_scenario"]``
    maps each relaxed family to ``(rows, bounds)``; row *i* of the slack column family
    ``elastic_<name>`` relaxes row ``rows[i]``.
    """
    b = ctx.b
    out = {}
    for name, sign in elastic_scenario_rows():
        if name not in b.blocks:
            continue
        rows = np.flatnonzero(b.row_has_terms(name))
        if len(rows) == 0:
            continue
        blk = b.blocks[name]
        bounds = np.asarray(blk.upper if sign < 0 else blk.lower, dtype=float)[rows]
        slack = f"elastic_{name}"
        idx = np.arange(len(rows))
        b.add_columns(slack, len(rows))
        b.add_terms(name, rows, b.col(slack, idx), float(sign))
        weight = 1.0 / np.maximum(np.abs(bounds), 1.0)
        b.add_cost(slack, slack, idx, weight, objective="elastic")
        out[name] = (rows, bounds)
    ctx.labels["elastic_scenario"] = out
    b.select_objective("elastic")


@family(applies=None)
def add_elastic_demand(ctx: Context) -> None:
    r"""``elastic_demand``: firm demand may go short, ``balance_sp + short_sp = demand_sp``.

    One slack ``elastic_short[i]`` per balance row holding firm demand (no
    ``unmet_penalty``), weight :math:`1/\max(D, 10^{-6})`. Labels:
    ``ctx.labels["elastic_short"]`` (balance row, site, product, quantity).
    """
    b = ctx.b
    bal = ctx.labels["balance"].reset_index(names="row")
    dem = ctx.t.demand
    firm = dem[dem["unmet_penalty"].isna()][["site_id", "product", "quantity"]]
    rows = bal.merge(firm, on=["site_id", "product"])
    rows = rows[b.row_has_terms("balance")[rows["row"].to_numpy()]].reset_index(drop=True)
    n = len(rows)
    b.add_columns("elastic_short", n)
    b.add_terms("balance", rows["row"].to_numpy(), b.col("elastic_short", np.arange(n)), 1.0)
    q = rows["quantity"].to_numpy(float)
    b.add_cost(
        "elastic_short", "elastic_short", np.arange(n), 1.0 / np.maximum(q, TOL),
        objective="elastic",
    )  # fmt: skip
    ctx.labels["elastic_short"] = rows
    b.select_objective("elastic")


def _elastic_bound(
    b, var: str, which: str, pos: np.ndarray, bound: np.ndarray, row: str, slack: str,
    rhs_source: str,
) -> None:  # fmt: skip
    r"""Turn the ``which`` bound of ``var[pos]`` into rows a slack may violate.

    A lower bound :math:`x \ge \ell` becomes the row :math:`x + s \ge \ell`, an upper bound
    :math:`x \le u` the row :math:`x - s \le u`; slack family ``slack``, weight
    :math:`1/\max(bound, 1)` in the ``elastic`` objective. The variable family's bound of
    that side is dropped (the rows carry it).
    """
    n, idx = len(pos), np.arange(len(pos))
    setattr(b.columns[var], which, None)
    b.add_columns(slack, n)
    lower = which == "lower"
    b.add_rows(
        row, np.r_[idx, idx], np.r_[b.col(var, pos), b.col(slack, idx)],
        np.r_[np.ones(n), np.full(n, 1.0 if lower else -1.0)],
        bound if lower else np.full(n, -np.inf), np.full(n, np.inf) if lower else bound,
        rhs_source=rhs_source,
    )  # fmt: skip
    b.add_cost(slack, slack, idx, 1.0 / np.maximum(bound, 1.0), objective="elastic")


@family(applies=None)
def add_elastic_supply(ctx: Context) -> None:
    r"""``elastic_supply``: supply may exceed capacity, ``buy_r - extra_r \le cap_r``.

    The bound of ``buy`` becomes the row ``elastic_supply_cap[r]``; slack
    ``elastic_supply[r]``, weight :math:`1/\max(cap_r, 1)`.
    """
    b, sup = ctx.b, ctx.t.supply
    cap = sup["capacity"].to_numpy(float)
    pos = np.arange(len(sup))
    _elastic_bound(
        b, "buy", "upper", pos, cap, "elastic_supply_cap", "elastic_supply", "supply.capacity"
    )
    b.select_objective("elastic")


@family(applies=None)
def add_elastic_capacity(ctx: Context) -> None:
    r"""``elastic_capacity``: production may exceed the open size.

    ``make_j - \sum cap\,open - over_j \le 0`` and no upper bound on ``make``; slack
    ``elastic_capacity[j]``, weight :math:`1/\max(\max_k cap_k, 1)`.
    """
    b, prod = ctx.b, ctx.t.production
    n = len(prod)
    cap = prod["max_capacity"].to_numpy(float)
    b.columns["make"].upper = None
    b.add_columns("elastic_capacity", n)
    idx = np.arange(n)
    has = b.row_has_terms("production_capacity")
    rows = idx[: len(has)][has[:n]] if len(has) else idx[:0]
    if len(rows):
        b.add_terms("production_capacity", rows, b.col("elastic_capacity", rows), -1.0)
    b.add_cost(
        "elastic_capacity", "elastic_capacity", idx, 1.0 / np.maximum(cap, 1.0),
        objective="elastic",
    )  # fmt: skip
    b.select_objective("elastic")


# --------------------------------------------------------------------------- issue #11


@family(applies=None)
def add_elastic_must_take(ctx: Context) -> None:
    r"""``elastic_must_take``: less than the must-take quantity may be bought.

    The bound :math:`buy_r \ge m_r` (``supply.min_quantity``) becomes the row
    ``must_take[i]``: :math:`buy_r + short_i \ge m_r`; slack ``elastic_must_take[i]``,
    weight :math:`1/\max(m_r, 1)`. Labels ``ctx.labels["elastic_must_take"]`` (the
    supply rows with a must-take quantity; column ``r``).
    """
    b, sup = ctx.b, ctx.t.supply
    m = sup["min_quantity"].fillna(0.0).to_numpy(float) if "min_quantity" in sup else np.zeros(0)
    r = np.flatnonzero(m > 0)
    ctx.labels["elastic_must_take"] = sup.iloc[r].reset_index(drop=True).assign(r=r)
    b.select_objective("elastic")
    if len(r) == 0:
        return
    _elastic_bound(
        b, "buy", "lower", r, m[r], "must_take", "elastic_must_take", "supply.min_quantity"
    )


@family(applies=None)
def add_elastic_min_utilisation(ctx: Context) -> None:
    r"""``elastic_min_utilisation``: an open size may produce below its minimum share.

    :math:`make_j - \sum u_k cap_k open_k + under_i \ge 0` on every
    ``min_utilisation`` row; slack ``elastic_min_utilisation[i]``, weight
    :math:`1/\max(\max_k cap_k, 1)`.
    """
    b = ctx.b
    rows = ctx.labels.get("min_utilisation")
    b.select_objective("elastic")
    if rows is None or rows.empty:
        return
    n, idx = len(rows), np.arange(len(rows))
    b.add_columns("elastic_min_utilisation", n)
    b.add_terms("min_utilisation", idx, b.col("elastic_min_utilisation", idx), 1.0)
    cap = rows["max_capacity"].to_numpy(float)
    b.add_cost(
        "elastic_min_utilisation", "elastic_min_utilisation", idx, 1.0 / np.maximum(cap, 1.0),
        objective="elastic",
    )  # fmt: skip


@family(applies=None)
def add_elastic_lane_capacity(ctx: Context) -> None:
    r"""``elastic_lane_capacity``: a lane may carry more than its capacity.

    The bound :math:`ship_l \le \bar q_l` (``lanes.capacity``) becomes the row
    ``lane_capacity[i]``: :math:`ship_l - over_i \le \bar q_l`; slack
    ``elastic_lane_capacity[i]``, weight :math:`1/\max(\bar q_l, 1)`. Labels
    ``ctx.labels["elastic_lane_capacity"]`` (the capped lanes; column ``lane``).
    """
    b, lanes = ctx.b, ctx.t.lanes
    cap = lanes["capacity"].to_numpy(float) if "capacity" in lanes else np.zeros(0)
    lane = np.flatnonzero(~np.isnan(cap))
    ctx.labels["elastic_lane_capacity"] = lanes.iloc[lane].reset_index(drop=True).assign(lane=lane)
    b.select_objective("elastic")
    if len(lane) == 0:
        return
    _elastic_bound(
        b, "ship", "upper", lane, cap[lane], "lane_capacity", "elastic_lane_capacity",
        "lanes.capacity",
    )  # fmt: skip
