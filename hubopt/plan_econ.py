"""Site-economics figures of a plan (issue 15).

The summary's cost split, incentives, credits and import/FEOC shares, and the per-hub
production cost columns.

Money in the package's money unit per year, shares as fractions 0–1.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hubopt.model.econ_families import incentive_values
from hubopt.model.pyomo_bridge import values_of

__all__ = ["ECON_NEGATIVE_TERMS", "econ_summary", "hub_economics"]

ECON_NEGATIVE_TERMS = ("incentives_granted", "production_credits")
"""Summary figures that are subtracted from the cost terms in ``total_cost``."""


def _granted(hub, hubs: pd.DataFrame) -> np.ndarray:
    """Money granted per open hub (rows of ``hubs``), money/yr."""
    opts = hub.options
    v = incentive_values(opts, float(hub.scenario.energy_community_bonus or 0.0))
    share = pd.Series(v, index=pd.MultiIndex.from_frame(opts[["site_id", "technology", "size"]]))
    if hub.scenario.incentive_budget is not None and "grant" in hub.labels:
        g = hub.labels["grant"]
        got = values_of(hub.model.grant, len(g)) > 0.5
        keep = np.zeros(len(opts), bool)
        keep[g["k"].to_numpy()[got]] = True
        share = share.where(keep, 0.0)
    key = pd.MultiIndex.from_frame(hubs[["site_id", "technology", "size"]])
    return share.reindex(key).fillna(0.0).to_numpy(float)


def hub_economics(hub, hubs: pd.DataFrame, production: pd.DataFrame) -> pd.DataFrame:
    """Return ``hubs`` with the per-hub site-economics columns.

    ``production_cost_per_unit``, ``factor_cost_per_unit``, ``production_credit``
    (money/unit) and ``incentive_granted`` (money/yr).
    """
    prod = production.set_index(["site_id", "technology"])
    pair = pd.MultiIndex.from_frame(hubs[["site_id", "technology"]])
    out = hubs.copy()
    out["production_cost_per_unit"] = prod["unit_cost"].reindex(pair).to_numpy(float)
    out["factor_cost_per_unit"] = prod["factor_unit_cost"].reindex(pair).to_numpy(float)
    out["production_credit"] = prod["production_credit"].reindex(pair).to_numpy(float)
    out["incentive_granted"] = _granted(hub, hubs) if len(hubs) else np.zeros(0)
    return out


def _shares(purchases: pd.DataFrame, production: pd.DataFrame, flag: str) -> dict[str, float]:
    """Share of each product's buy + make that comes from ``flag`` supply rows."""
    if flag not in purchases or not purchases[flag].astype(bool).any():
        return {}
    flagged = purchases[purchases[flag].astype(bool)]
    out = {}
    for p in pd.unique(flagged["product"]):
        total = float(purchases.loc[purchases["product"] == p, "bought"].sum())
        total += float(production.loc[production["output"] == p, "quantity"].sum())
        num = float(flagged.loc[flagged["product"] == p, "bought"].sum())
        out[str(p)] = num / total if total > 0 else 0.0
    return out


def econ_summary(
    hubs: pd.DataFrame, flows: pd.DataFrame, purchases: pd.DataFrame, production: pd.DataFrame
) -> dict:
    """Return the site-economics summary figures (``hubs`` from :func:`hub_economics`).

    ``production_cost_base`` + ``production_cost_factors`` = ``production_cost``;
    ``handling_cost`` is part of ``transport_cost``; ``incentives_granted`` and
    ``production_credits`` are subtracted in ``total_cost``.
    """
    q = production["quantity"].to_numpy(float)
    ec = hubs["energy_community"].astype(bool).to_numpy() if len(hubs) else np.zeros(0, bool)
    inc = hubs["incentive_granted"].to_numpy(float) if len(hubs) else np.zeros(0)
    handling = flows["handling_cost_per_unit"] if "handling_cost_per_unit" in flows else 0.0
    return {
        "production_cost_base": float((q * production["base_unit_cost"]).sum()),
        "production_cost_factors": float((q * production["factor_unit_cost"]).sum()),
        "handling_cost": float((flows["quantity"] * handling).sum()),
        "incentives_granted": float(inc.sum()),
        "incentives_granted_in_energy_communities": float(inc[ec].sum()),
        "production_credits": float((q * production["production_credit"]).sum()),
        "import_share": _shares(purchases, production, "imported"),
        "feoc_share": _shares(purchases, production, "feoc"),
    }
