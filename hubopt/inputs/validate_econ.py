"""Cross-file checks of the site-economics inputs.

The files ``site_factors.csv`` and ``technology_factors.csv`` and the candidates'
override columns.

Each ``check_*`` takes the typed tables and returns a list of
:class:`~hubopt.errors.Issue`; they are appended to :data:`hubopt.inputs.validate.CHECKS`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hubopt.errors import Issue
from hubopt.inputs.economics import resolve_site_factors

__all__ = ["ECON_CHECKS"]

Tables = dict[str, pd.DataFrame | None]


def _ids(t: pd.DataFrame | None, col: str) -> set[str]:
    return set() if t is None else set(t[col].dropna().astype(str))


def check_factor_labels(tables: Tables) -> list[Issue]:
    """Sites, technologies and factors named in the factor files must be known.

    A ``site_factors.csv`` site must be in sites.csv (blank = default row); a
    ``technology_factors.csv`` technology must be in technologies.csv and its factor must
    be priced by some ``site_factors.csv`` row.
    """
    out: list[Issue] = []
    sf, tf = tables.get("site_factors"), tables.get("technology_factors")
    sites = _ids(tables.get("sites"), "site_id")
    if sf is not None:
        for line, s in sf["site_id"].fillna("").astype(str).items():
            if s and s not in sites:
                msg = f"site '{s}' is not in sites.csv; add it there or leave site_id blank"
                out.append(Issue("check_factor_labels", msg, "site_factors.csv", int(line),
                                 "site_id"))  # fmt: skip
    if tf is None:
        return out
    techs = _ids(tables.get("technologies"), "technology")
    factors = _ids(sf, "factor")
    for line, r in tf.iterrows():
        if str(r["technology"]) not in techs:
            msg = f"technology '{r['technology']}' is not in technologies.csv"
            out.append(Issue("check_factor_labels", msg, "technology_factors.csv", int(line),
                             "technology"))  # fmt: skip
        if str(r["factor"]) not in factors:
            msg = (
                f"factor '{r['factor']}' is not priced by any row of site_factors.csv; add a "
                "row for it (blank site_id = every site) or correct the spelling"
            )
            out.append(Issue("check_factor_labels", msg, "technology_factors.csv", int(line),
                             "factor"))  # fmt: skip
    return out


def _live_candidates(tables: Tables) -> pd.DataFrame | None:
    cand = tables.get("candidates")
    if cand is None or cand.empty:
        return None
    return cand[cand["status"] != "forbidden"].reset_index(names="line")


def check_factor_prices(tables: Tables) -> list[Issue]:
    """Every factor a technology uses has a price at each of its candidate sites.

    The price is the site's own ``site_factors.csv`` row, else the default row (blank
    ``site_id``). Options with a ``unit_cost`` override need no price.
    """
    sf, tf = tables.get("site_factors"), tables.get("technology_factors")
    cand = _live_candidates(tables)
    if tf is None or tf.empty or cand is None:
        return []
    if "unit_cost" in cand:
        cand = cand[cand["unit_cost"].isna()]
    pairs = cand.drop_duplicates(["site_id", "technology"])
    known = _ids(sf, "factor")
    need = pairs.merge(tf.reset_index(names="tf_line"), on="technology")
    need = need[(need["quantity"] > 0) & need["factor"].isin(known)]
    if need.empty:
        return []
    res = resolve_site_factors(sf, pd.unique(need["site_id"]))
    need = need.merge(res, on=["site_id", "factor"], how="left")
    out = []
    for r in need[need["price"].isna()].itertuples():
        msg = (
            f"technology '{r.technology}' needs factor '{r.factor}' (technology_factors.csv "
            f"line {r.tf_line}) at site '{r.site_id}', which has no price for it and "
            "site_factors.csv has no default price (blank site_id); add a price or give the "
            "option a unit_cost"
        )
        if not np.isnan(r.own_line):
            out.append(Issue("check_factor_prices", msg, "site_factors.csv", int(r.own_line),
                             "price"))  # fmt: skip
        else:
            out.append(Issue("check_factor_prices", msg, "candidates.csv", int(r.line),
                             "site_id"))  # fmt: skip
    return out


def check_override_sizes(tables: Tables) -> list[Issue]:
    """``unit_cost`` / ``kg_co2_per_unit`` overrides agree across the sizes of a pair.

    Production is one variable per (site, technology), so its cost per unit cannot
    differ by size: every non-forbidden size of a pair gives the same value, or none does.
    """
    cand = _live_candidates(tables)
    out: list[Issue] = []
    if cand is None:
        return out
    for col in ("unit_cost", "kg_co2_per_unit"):
        if col not in cand or cand[col].isna().all():
            continue
        for (s, t), g in cand.groupby(["site_id", "technology"], sort=False):
            vals = g[col]
            if vals.isna().all() or (vals.notna().all() and vals.nunique() == 1):
                continue
            first = g["line"].iloc[0]
            msg = (
                f"{col} must be the same for every size of ({s}, {t}) or blank for all "
                f"(see line {first}): production is one quantity per site and technology"
            )
            out.append(Issue("check_override_sizes", msg, "candidates.csv",
                             int(g["line"].iloc[-1]), col))  # fmt: skip
    return out


ECON_CHECKS = [check_factor_labels, check_factor_prices, check_override_sizes]
"""The site-economics checks, run after the core ones."""
