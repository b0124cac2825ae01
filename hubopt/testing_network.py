"""Independent checks of the network-semantics items (issue #11), in plain pandas.

Called by :func:`hubopt.testing.check_plan_feasible` and
:func:`hubopt.testing.recompute_total_cost`; everything is re-derived from the *data*:
by-products and disposal in the balance, must-take supply, minimum utilisation, lane
capacities, new-hub counts, and the disposal cost / sales revenue.
"""

from __future__ import annotations

import pandas as pd

from hubopt.inputs.fields import count_for
from hubopt.inputs.load import HubData
from hubopt.inputs.scenario import Scenario
from hubopt.plan import Plan

__all__ = ["balance_terms", "check_network", "disposal_money"]


def _disposal(plan: Plan) -> pd.DataFrame:
    d = getattr(plan, "disposal", None)
    return pd.DataFrame(columns=["site_id", "product", "quantity"]) if d is None else d


def balance_terms(data: HubData, plan: Plan) -> list[pd.DataFrame]:
    """Extra balance terms ``(s, p, q)``: + by-products made, − quantities disposed."""
    out = []
    if data.byproducts is not None and len(data.byproducts):
        co = plan.production.merge(data.byproducts, on="technology", suffixes=("", "_b"))
        out.append(
            pd.DataFrame(
                {"s": co["site_id"], "p": co["product"], "q": co["quantity"] * co["quantity_b"]}
            )
        )
    d = _disposal(plan)
    out.append(pd.DataFrame({"s": d["site_id"], "p": d["product"], "q": -d["quantity"]}))
    return out


def disposal_money(data: HubData, plan: Plan) -> float:
    """Disposal cost minus sales revenue (money/yr) from the data's ``disposal_cost``."""
    d = _disposal(plan)
    if d.empty or "disposal_cost" not in data.products:
        return 0.0
    delta = data.products.set_index("product")["disposal_cost"].reindex(d["product"])
    return float((d["quantity"].to_numpy(float) * delta.fillna(0.0).to_numpy(float)).sum())


def check_network(data: HubData, plan: Plan, scenario: Scenario, tol: float) -> list[str]:
    """Return every violation of the issue #11 constraints (empty = none)."""
    bad: list[str] = []
    d = _disposal(plan)
    if len(d):
        delta = data.products.set_index("product").get("disposal_cost")
        allowed = (
            delta.reindex(d["product"]).notna().to_numpy()
            if delta is not None
            else [False] * len(d)
        )
        for r, ok in zip(d.itertuples(), allowed, strict=True):
            if r.quantity < -tol or (not ok and r.quantity > tol):
                bad.append(f"disposal {r.quantity:g} of {r.product} at {r.site_id} not allowed")
    # must-take supply
    if "min_quantity" in data.supply:
        m = data.supply.set_index(["site_id", "product"])["min_quantity"].fillna(0.0)
        got = plan.purchases.set_index(["site_id", "product"])["bought"]
        for (s, p), need in m[m > 0].items():
            if float(got.get((s, p), 0.0)) < need * (1 - tol) - tol:
                bad.append(f"purchase of {p} at {s} below min_quantity {need:g}")
    # minimum utilisation of the open size
    if "min_utilisation" in plan.hubs:
        made = plan.production.set_index(["site_id", "technology"])["quantity"]
        for h in plan.hubs.itertuples():
            need = float(h.min_utilisation or 0.0) * float(h.capacity)
            q = float(made.get((h.site_id, h.technology), 0.0))
            if q < need * (1 - tol) - tol:
                bad.append(f"{h.technology} at {h.site_id} makes {q:g} < minimum {need:g}")
    # lane capacities, from lanes.csv (a blank product applies to every product)
    lanes = data.lanes
    if lanes is not None and "capacity" in lanes and lanes["capacity"].notna().any():
        cap = lanes[lanes["capacity"].notna()]
        key = ["origin", "destination", "mode"]
        f = plan.flows[[*key, "product", "quantity"]]
        exact = f.merge(
            cap[cap["product"] != ""][[*key, "product", "capacity"]], on=[*key, "product"]
        )
        blank = f.merge(cap[cap["product"] == ""][[*key, "capacity"]], on=key)
        for r in pd.concat([exact, blank]).itertuples():
            if r.quantity > r.capacity * (1 + tol) + tol:
                bad.append(
                    f"flow {r.quantity:g} of {r.product} {r.origin}→{r.destination} "
                    f"({r.mode}) exceeds lane capacity {r.capacity:g}"
                )
    # new-hub counts: options the model chose (status candidate)
    status = data.candidates.set_index(["site_id", "technology", "size"])["status"]
    st = status.reindex(pd.MultiIndex.from_frame(plan.hubs[["site_id", "technology", "size"]]))
    new = plan.hubs[(st == "candidate").to_numpy()]
    for key, sign in (("min_new_hubs", 1), ("max_new_hubs", -1)):
        for scope, n in count_for(getattr(scenario, key, None)).items():
            k = len(new) if scope is None else int((new["technology"] == scope).sum())
            if (sign > 0 and k < n) or (sign < 0 and k > n):
                what = "" if scope is None else f" of {scope}"
                bad.append(f"{k} new hubs{what} open, {key} = {n}")
    return bad
