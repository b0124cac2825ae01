r"""Site-economics and policy families (issue 15).

Incentives, production credits, factor capacity, import and FEOC shares.

Registered with :func:`hubopt.model.families.family` after the base families, so the
rows of existing models keep their order. Production cost and CO2 per (site,
technology) with their factor terms are computed in the label tables
(:mod:`hubopt.inputs.economics`), handling costs per tonne in the lane table
(:func:`hubopt.lanes.build_lanes`); both enter the existing ``production_cost`` /
``transport_cost`` terms and :math:`E`. Units: money in the package's money unit per
year, quantities in units of the product per year.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hubopt.inputs.economics import resolve_site_factors
from hubopt.model.families import Context, family

__all__ = ["incentive_values", "share_caps"]


def incentive_values(opts: pd.DataFrame, bonus_share: float) -> np.ndarray:
    r"""Money per year granted to each option *k* (rows of ``opts``) when open and granted.

    :math:`v_k = incentive_k + \beta\,f_k\,[ec(site_k)]`, with :math:`\beta` the
    scenario's ``energy_community_bonus`` (share of ``fixed_cost`` :math:`f_k`).
    """
    inc = opts["incentive"].to_numpy(float) if "incentive" in opts else np.zeros(len(opts))
    ec = opts["energy_community"].to_numpy(bool)
    return np.nan_to_num(inc) + bonus_share * opts["fixed_cost"].to_numpy(float) * ec


@family()
def add_incentives(ctx: Context) -> None:
    r"""``incentives``: money granted to open options, reducing the objective.

    Without ``[policy] incentive_budget`` every open option receives
    :math:`v_k` (:func:`incentive_values`): objective term :math:`-\sum_k v_k\,open_k`.
    With a budget :math:`B` each option with :math:`v_k>0` gets a binary ``grant[k]``
    (all of :math:`v_k` or none):

    .. math::

        grant_k \le open_k \quad(\texttt{incentive\_grant}),\qquad
        \sum_k v_k\,grant_k \le B \quad(\texttt{incentive\_budget}),

    objective term :math:`-\sum_k v_k\,grant_k` (money/yr). Nothing is added when no
    option has an incentive.
    """
    b, t, sc = ctx.b, ctx.t, ctx.scenario
    v = incentive_values(t.options, float(sc.energy_community_bonus or 0.0))
    k = np.flatnonzero(v > 0)
    if len(k) == 0:
        return
    if sc.incentive_budget is None:
        b.add_cost("incentives", "open", k, -v[k])
        return
    n = len(k)
    b.add_columns("grant", n, binary=True)
    idx = np.arange(n)
    b.add_rows(
        "incentive_grant", np.r_[idx, idx], np.r_[b.col("grant", idx), b.col("open", k)],
        np.r_[np.ones(n), -np.ones(n)], np.full(n, -np.inf), np.zeros(n),
    )  # fmt: skip
    b.add_rows(
        "incentive_budget", np.zeros(n, dtype=int), b.col("grant", idx), v[k],
        [-np.inf], [float(sc.incentive_budget)],
        source="candidates.incentive + energy_community_bonus × fixed_cost",
        rhs_source="incentive_budget",
    )  # fmt: skip
    b.add_cost("incentives", "grant", idx, -v[k])
    ctx.labels["grant"] = t.options.iloc[k][["site_id", "technology", "size"]].reset_index(
        names="k"
    )


@family()
def add_production_credit(ctx: Context) -> None:
    r"""``production_credit``: :math:`-\sum_j credit_{t(j)}\,make_j` (money/yr).

    ``technologies.production_credit`` (money per unit made, like 45X); a separate
    objective term so it is reported apart from the production cost. Nothing is added
    when no technology has a credit.
    """
    credit = ctx.t.production["production_credit"].to_numpy(float)
    j = np.flatnonzero(credit > 0)
    if len(j):
        ctx.b.add_cost("production_credit", "make", j, -credit[j])


@family()
def add_factor_availability(ctx: Context) -> None:
    r"""``factor_availability[s,f]``: :math:`\sum_{j=(s,t)} q_{tf}\,make_j \le A_{sf}`.

    One row per (site, factor) with a finite ``available`` (factor units/yr; the
    site's own row, else the default row, which applies to each site on its own) and
    at least one production pair there that uses the factor. Options with cost
    overrides still use their factors physically, so they count. Labels:
    ``ctx.labels["factor_availability_rows"]`` (``site:factor``).
    """
    data, prod = ctx.t.data, ctx.t.production
    tf, sf = data.technology_factors, data.site_factors
    if (
        tf is None
        or tf.empty
        or sf is None
        or "available" not in sf
        or sf["available"].isna().all()
    ):
        return
    res = resolve_site_factors(sf, pd.unique(prod["site_id"]))
    use = (
        prod[["site_id", "technology"]]
        .reset_index(names="j")
        .merge(tf[["technology", "factor", "quantity"]], on="technology")
    )
    use = use.merge(res[["site_id", "factor", "available"]], on=["site_id", "factor"])
    use = use[use["available"].notna() & (use["quantity"] > 0)]
    if use.empty:
        return
    codes, uniq = pd.factorize(pd.MultiIndex.from_frame(use[["site_id", "factor"]]))
    cap = use.groupby(codes)["available"].first().to_numpy(float)
    ctx.b.add_rows(
        "factor_availability", codes, ctx.b.col("make", use["j"].to_numpy()),
        use["quantity"].to_numpy(float), np.full(len(uniq), -np.inf), cap,
        source="technology_factors.quantity", rhs_source="site_factors.available",
    )  # fmt: skip
    ctx.labels["factor_availability_rows"] = [f"{s}:{f}" for s, f in uniq]


def share_caps(value, products) -> dict[str, float]:
    """Return ``{product: share}`` for a share field (a number or a table)."""
    if value is None:
        return {}
    if isinstance(value, dict):
        return {str(p): float(s) for p, s in value.items()}
    return {str(p): float(value) for p in products}


def _share_rows(ctx: Context, name: str, flag: str, value) -> None:
    r"""Add one share row per capped product that has ``flag`` supply.

    :math:`\sum_{r\in R^{flag}_p} buy_r - s_p(\sum_{r\in R_p} buy_r + \sum_{j:out=p}
    make_j) \le 0`.
    """
    t = ctx.t
    sup, prod = t.supply, t.production
    flagged = sup[flag].to_numpy(bool) if flag in sup else np.zeros(len(sup), bool)
    products = pd.unique(sup.loc[flagged, "product"])
    caps = share_caps(value, products)
    rows, cols, coefs, names = [], [], [], []
    for p, s in caps.items():
        sel = (sup["product"] == p).to_numpy()
        if not (sel & flagged).any():
            continue
        i = len(names)
        r = np.flatnonzero(sel)
        jj = np.flatnonzero((prod["output"] == p).to_numpy())
        rows += [np.full(len(r) + len(jj), i)]
        cols += [ctx.b.col("buy", r), ctx.b.col("make", jj)]
        coefs += [flagged[r].astype(float) - s, np.full(len(jj), -s)]
        names.append(p)
    if not names:
        return
    n = len(names)
    ctx.b.add_rows(
        name, np.concatenate(rows), np.concatenate(cols), np.concatenate(coefs),
        np.full(n, -np.inf), np.zeros(n), source=f"supply.{flag}", rhs_source=name,
    )  # fmt: skip
    ctx.labels[f"{name}_rows"] = [f"{p}, share {caps[p]:g}" for p in names]


@family(applies=lambda sc: sc.max_import_share is not None, stat="scenario")
def add_max_import_share(ctx: Context) -> None:
    r"""``max_import_share[p]``: imported buy ≤ share × (buy + make) of *p*, nationally.

    .. math::

        \sum_{r\in R_p,\ imported} buy_r \le s_p\Big(\sum_{r\in R_p} buy_r
        + \sum_{j: out(j)=p} make_j\Big)

    Units: units of *p* per year. ``[constraints] max_import_share`` is a share for
    every product with imported supply, or a table ``{product = share}``. Labels:
    ``ctx.labels["max_import_share_rows"]`` (the products).
    """
    _share_rows(ctx, "max_import_share", "imported", ctx.scenario.max_import_share)


@family(applies=lambda sc: sc.max_feoc_share is not None, stat="scenario")
def add_max_feoc_share(ctx: Context) -> None:
    r"""``max_feoc_share[p]``: as :func:`add_max_import_share` for ``supply.feoc`` rows."""
    _share_rows(ctx, "max_feoc_share", "feoc", ctx.scenario.max_feoc_share)
