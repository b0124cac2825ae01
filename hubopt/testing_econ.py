"""Independent re-checks of the site-economics terms and constraints (issue 15).

Called by :mod:`hubopt.testing`. Everything is re-derived from the data package in plain
Python/pandas, row by row, without :mod:`hubopt.inputs.economics` or the model tables.
"""

from __future__ import annotations

import math

import pandas as pd

from hubopt.inputs.load import HubData
from hubopt.inputs.scenario import Scenario
from hubopt.plan import Plan

__all__ = ["econ_violations", "production_terms"]


def _factor_value(data: HubData, site: str, factor: str, col: str) -> float:
    """Own row's value if given, else the default row's, else NaN."""
    sf = data.site_factors
    if sf is None or col not in sf:
        return math.nan
    for wanted in (site, ""):
        rows = sf[(sf["site_id"].fillna("").astype(str) == wanted) & (sf["factor"] == factor)]
        if len(rows) and not pd.isna(rows[col].iloc[0]):
            return float(rows[col].iloc[0])
    return math.nan


def _pair_cost(data: HubData, site: str, tech: str) -> tuple[float, float]:
    """(money per unit, kg CO2 per unit) of making ``tech`` at ``site``."""
    t = data.technologies.set_index("technology").loc[tech]
    cost, co2 = float(t["unit_cost"]), float(t["kg_co2_per_unit"])
    tf = data.technology_factors
    if tf is not None:
        for r in tf[tf["technology"] == tech].itertuples():
            cost += r.quantity * _factor_value(data, site, r.factor, "price")
            g = _factor_value(data, site, r.factor, "kg_co2_per_unit")
            co2 += r.quantity * (0.0 if math.isnan(g) else g)
    c = data.candidates
    rows = c[(c["site_id"] == site) & (c["technology"] == tech) & (c["status"] != "forbidden")]
    if "unit_cost" in c and rows["unit_cost"].notna().any():
        cost = float(rows["unit_cost"].dropna().iloc[0])
    if "kg_co2_per_unit" in c and rows["kg_co2_per_unit"].notna().any():
        co2 = float(rows["kg_co2_per_unit"].dropna().iloc[0])
    return cost, co2


def production_terms(data: HubData, plan: Plan) -> tuple[float, float, float]:
    """Return (production cost, production kg CO2, production credits) of the plan."""
    cost = co2 = credit = 0.0
    tech = data.technologies.set_index("technology")
    for r in plan.production.itertuples():
        if r.quantity == 0:
            continue
        c, e = _pair_cost(data, r.site_id, r.technology)
        cost += r.quantity * c
        co2 += r.quantity * e
        if "production_credit" in tech:
            credit += r.quantity * float(tech.at[r.technology, "production_credit"])
    return cost, co2, credit


def _option_value(data: HubData, hub, scenario: Scenario) -> float:
    ec = data.sites.set_index("site_id")["energy_community"]
    v = float(getattr(hub, "incentive", 0.0) or 0.0)
    if bool(ec.get(hub.site_id, False)):
        v += float(scenario.energy_community_bonus or 0.0) * float(hub.fixed_cost)
    return v


def granted_incentives(data: HubData, plan: Plan, scenario: Scenario, bad: list[str]) -> float:
    """Total incentives granted (money/yr), checking each hub's grant and the budget."""
    total = 0.0
    for h in plan.hubs.itertuples():
        v = _option_value(data, h, scenario)
        g = float(getattr(h, "incentive_granted", 0.0))
        full = abs(g - v) <= 1e-6 * max(1.0, v)
        if scenario.incentive_budget is None and not full:
            bad.append(f"hub {h.site_id}/{h.technology} got {g:g} instead of its incentive {v:g}")
        if scenario.incentive_budget is not None and not (full or abs(g) <= 1e-9):
            bad.append(f"hub {h.site_id}/{h.technology} got part of its incentive ({g:g})")
        total += g
    b = scenario.incentive_budget
    if b is not None and total > b * (1 + 1e-6) + 1e-6:
        bad.append(f"incentives granted {total:g} exceed incentive_budget = {b:g}")
    return total


def _share_checks(data: HubData, plan: Plan, cap, flag: str, bad: list[str], tol: float) -> None:
    if cap is None:
        return
    pur = plan.purchases
    tech_out = data.technologies.set_index("technology")["output"]
    made = plan.production.assign(p=tech_out.reindex(plan.production["technology"]).to_numpy())
    flagged = (
        data.supply[data.supply[flag].astype(bool)] if flag in data.supply else data.supply[:0]
    )
    products = set(flagged["product"])
    caps = dict(cap) if isinstance(cap, dict) else dict.fromkeys(products, float(cap))
    for p, s in caps.items():
        if p not in products:
            continue
        keys = set(zip(flagged["site_id"], flagged["product"], strict=True))
        rows = pur[pur["product"] == p]
        num = sum(r.bought for r in rows.itertuples() if (r.site_id, p) in keys)
        total = float(rows["bought"].sum()) + float(made.loc[made["p"] == p, "quantity"].sum())
        if num > s * total + tol * max(1.0, total):
            bad.append(f"{flag} share of {p} is {num / total:.4g}, above the cap {s:g}")


def _availability_checks(data: HubData, plan: Plan, bad: list[str], tol: float) -> None:
    tf = data.technology_factors
    if tf is None or data.site_factors is None:
        return
    use: dict[tuple[str, str], float] = {}
    for r in plan.production.itertuples():
        for f in tf[tf["technology"] == r.technology].itertuples():
            key = (r.site_id, f.factor)
            use[key] = use.get(key, 0.0) + f.quantity * r.quantity
    for (s, f), u in use.items():
        a = _factor_value(data, s, f, "available")
        if not math.isnan(a) and u > a + tol * max(1.0, a):
            bad.append(f"factor {f} used at {s}: {u:g}, more than available {a:g}")


def _handling_checks(data: HubData, plan: Plan, bad: list[str], tol: float) -> None:
    f = plan.flows
    if "handling_cost_per_unit" not in f or f.empty:
        return
    modes = data.modes.set_index("mode")
    given = data.lanes is not None
    for r in f.itertuples():
        h = 0.0
        if "handling_cost_per_tonne" in modes:
            h = float(modes.at[r.mode, "handling_cost_per_tonne"]) * r.tonnes_per_unit
        lane_given = given and _given_lane_cost(data.lanes, r)
        want = 0.0 if lane_given else h
        if abs(r.handling_cost_per_unit - want) > tol * max(1.0, want):
            bad.append(f"handling cost of lane {r.origin}->{r.destination} by {r.mode} is off")


def _given_lane_cost(lanes: pd.DataFrame, r) -> bool:
    m = lanes[(lanes["origin"] == r.origin) & (lanes["destination"] == r.destination)]
    m = m[(m["mode"] == r.mode) & m["product"].isin([r.product, ""])]
    return bool(len(m)) and not pd.isna(m["cost_per_unit"].iloc[0])


def econ_violations(data: HubData, plan: Plan, scenario: Scenario, tol: float) -> list[str]:
    """Re-check factor availability, import/FEOC shares, incentives and handling costs."""
    bad: list[str] = []
    _availability_checks(data, plan, bad, tol)
    _share_checks(data, plan, scenario.max_import_share, "imported", bad, tol)
    _share_checks(data, plan, scenario.max_feoc_share, "feoc", bad, tol)
    granted_incentives(data, plan, scenario, bad)
    _handling_checks(data, plan, bad, tol)
    return bad
