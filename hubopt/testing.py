"""Independent checks of a returned plan, in plain pandas.

:func:`check_plan_feasible` re-derives every constraint from the *data* (not from the
model's own tables) and reports any violation, so a modelling bug cannot hide behind
itself. Use :func:`assert_plan_feasible` in tests.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hubopt.inputs.load import HubData
from hubopt.inputs.scenario import Scenario
from hubopt.plan import Plan
from hubopt.testing_econ import econ_violations, granted_incentives, production_terms
from hubopt.testing_network import balance_terms, check_network, disposal_money

__all__ = [
    "assert_plan_feasible",
    "check_new_hub_at",
    "check_plan_feasible",
    "recompute_total_cost",
]


def _close(a: float, b: float, tol: float) -> bool:
    return abs(a - b) <= tol * max(1.0, abs(a), abs(b))


def recompute_total_cost(data: HubData, plan: Plan, scenario: Scenario) -> float:
    """Recompute the objective from the plan's quantities and the data's prices."""
    cand = data.candidates.set_index(["site_id", "technology", "size"])
    hubs = plan.hubs.set_index(["site_id", "technology", "size"])
    fixed = float(cand["fixed_cost"].reindex(hubs.index).sum())
    # site-dependent production cost/CO2 and credits, re-derived row by row (issue 15)
    make_cost, make_co2, credits = production_terms(data, plan)
    incentives = granted_incentives(data, plan, scenario, [])
    sup = data.supply.set_index(["site_id", "product"])
    pur = plan.purchases.set_index(["site_id", "product"])
    buy_cost = float((pur["bought"] * sup["unit_cost"].reindex(pur.index)).sum())
    buy_co2 = float((pur["bought"] * sup["kg_co2_per_unit"].reindex(pur.index)).sum())
    f = plan.flows
    ship_cost = float((f["quantity"] * f["cost_per_unit"]).sum())
    ship_co2 = float((f["quantity"] * f["kg_co2_per_unit"]).sum())
    dem = plan.demand
    penalty = float((dem["unmet"] * dem["unmet_penalty"].fillna(0.0)).sum())
    co2_t = (make_co2 + buy_co2 + ship_co2) / 1000.0
    total = fixed + make_cost + buy_cost + ship_cost + penalty + scenario.carbon_price * co2_t
    # issue #15: incentives and credits reduce it; issue #11: disposal cost − sales revenue
    return total - incentives - credits + disposal_money(data, plan)


def check_plan_feasible(
    data: HubData, plan: Plan, scenario: Scenario, tol: float = 1e-6
) -> list[str]:
    """Return every constraint the plan violates (empty list = feasible).

    Parameters
    ----------
    data : HubData
        The data package the plan was computed from.
    plan : Plan
        The plan to check.
    scenario : Scenario
        Scenario constraints to check against.
    tol : float
        Relative tolerance (scaled by ``max(1, |value|)``).

    Returns
    -------
    list of str
        One message per violation.
    """
    bad: list[str] = []
    tech = data.technologies.set_index("technology")
    # --- sizes and statuses
    cand = data.candidates
    hubs = plan.hubs
    if hubs.duplicated(["site_id", "technology"]).any():
        bad.append("more than one size open at a (site, technology)")
    status = cand.set_index(["site_id", "technology", "size"])["status"]
    opened = status.reindex(pd.MultiIndex.from_frame(hubs[["site_id", "technology", "size"]]))
    if opened.isna().any():
        bad.append("a hub is not a candidate row of the data")
    if (opened == "forbidden").any():
        bad.append("a forbidden option is open")
    forced = cand[cand["status"].isin(["required", "existing"])][["site_id", "technology"]]
    open_pairs = set(zip(hubs["site_id"], hubs["technology"], strict=True))
    for s, t in forced.drop_duplicates().itertuples(index=False):
        if (s, t) not in open_pairs:
            bad.append(f"required/existing ({s}, {t}) is not open")
    # --- production within the open size's capacity
    cap = hubs.groupby(["site_id", "technology"])["capacity"].sum()
    for r in plan.production.itertuples():
        c = float(cap.get((r.site_id, r.technology), 0.0))
        if r.quantity > c + tol * max(1.0, c):
            bad.append(
                f"production {r.quantity:g} of {r.technology} at {r.site_id} "
                f"exceeds open capacity {c:g}"
            )
    # --- supply capacities
    sup = data.supply.set_index(["site_id", "product"])["capacity"]
    for r in plan.purchases.itertuples():
        c = float(sup.get((r.site_id, r.product), 0.0))
        if r.bought < -tol or r.bought > c + tol * max(1.0, c):
            bad.append(f"purchase {r.bought:g} of {r.product} at {r.site_id} outside [0, {c:g}]")
    # --- demand and unmet
    for r in plan.demand.itertuples():
        if r.unmet > tol and pd.isna(r.unmet_penalty):
            bad.append(f"firm demand at {r.site_id} for {r.product} left unmet ({r.unmet:g})")
        if r.unmet < -tol or r.unmet > r.quantity * (1 + tol) + tol:
            bad.append(f"unmet at {r.site_id} for {r.product} outside [0, demand]")
    # --- flows are lanes between known sites with non-negative quantities
    f = plan.flows
    if (f["quantity"] < -tol).any():
        bad.append("negative flow")
    if (f["origin"] == f["destination"]).any():
        bad.append("a flow from a site to itself")
    # --- balance at every (site, product), built from the data's recipes
    terms = [
        plan.purchases[["site_id", "product", "bought"]].set_axis(["s", "p", "q"], axis=1),
        plan.production.assign(p=tech["output"].reindex(plan.production["technology"]).to_numpy())[
            ["site_id", "p", "quantity"]
        ].set_axis(["s", "p", "q"], axis=1),
        f[["destination", "product", "quantity"]].set_axis(["s", "p", "q"], axis=1),
        f[["origin", "product", "quantity"]]
        .set_axis(["s", "p", "q"], axis=1)
        .assign(q=lambda d: -d["q"]),
        plan.demand.assign(q=-plan.demand["served"])[["site_id", "product", "q"]].set_axis(
            ["s", "p", "q"], axis=1
        ),
    ]
    use = plan.production.merge(data.recipes, on="technology")
    terms.append(
        pd.DataFrame(
            {"s": use["site_id"], "p": use["input"], "q": -use["quantity_x"] * use["quantity_y"]}
        )
    )
    terms += balance_terms(data, plan)  # issue #11: + by-products, − disposal
    net = pd.concat(terms, ignore_index=True).groupby(["s", "p"])["q"]
    scale = net.apply(lambda q: max(1.0, float(np.abs(q).max())))
    resid = net.sum()
    for (s, p), v in resid[np.abs(resid) > tol * scale].items():
        bad.append(f"balance of {p} at {s} is off by {v:g}")
    # --- scenario constraints
    summ = plan.summary
    if (
        scenario.max_emissions_t is not None
        and summ["emissions_t"] > scenario.max_emissions_t * (1 + tol) + tol
    ):
        bad.append(
            f"emissions {summ['emissions_t']:g} t exceed the cap {scenario.max_emissions_t:g}"
        )
    if scenario.max_hubs is not None and len(hubs) > scenario.max_hubs:
        bad.append(f"{len(hubs)} hubs open, more than max_hubs = {scenario.max_hubs}")
    ec = data.sites.set_index("site_id")["energy_community"]
    n_ec = int(ec.reindex(hubs["site_id"]).fillna(False).astype(bool).sum())
    if scenario.min_energy_community_hubs is not None and n_ec < scenario.min_energy_community_hubs:
        bad.append(f"only {n_ec} hubs in energy communities")
    if scenario.single_sourcing:
        inbound = f[f["quantity"] > tol].groupby(["destination", "product"]).size()
        for r in data.demand.itertuples():
            if inbound.get((r.site_id, r.product), 0) > 1:
                bad.append(f"demand at {r.site_id} for {r.product} served by more than one lane")
        bad += _textbook_single_source(data, plan, tol)
    bad += econ_violations(data, plan, scenario, tol)  # issue 15: factors, shares, grants
    bad += check_network(data, plan, scenario, tol)  # issue #11
    # --- objective recomputed from the data's prices
    total = recompute_total_cost(data, plan, scenario)
    if not _close(total, summ["total_cost"], 1e-6):
        bad.append(
            f"recomputed total cost {total:.6f} differs from the plan's {summ['total_cost']:.6f}"
        )
    return bad


def _textbook_single_source(data: HubData, plan: Plan, tol: float) -> list[str]:
    """Textbook single sourcing at co-located sites (issue 11 item 7), from the data.

    A demand row whose site has a local source of the product (supply, or a
    non-forbidden candidate making it), does not consume it, and is the only demand row
    of its (site, product) is served by the local source *or* one inbound lane, and
    inbound flow serves only it (nothing is forwarded through the site).
    """
    bad: list[str] = []
    cand = data.candidates[data.candidates["status"] != "forbidden"]
    made = cand.merge(data.technologies[["technology", "output"]], on="technology")
    local = set(zip(made["site_id"], made["output"], strict=True))
    local |= set(zip(data.supply["site_id"], data.supply["product"], strict=True))
    use = cand.merge(data.recipes, on="technology")
    consumed = set(zip(use["site_id"], use["input"], strict=True))
    dem = plan.demand
    once = ~dem.duplicated(["site_id", "product"], keep=False)
    f = plan.flows[plan.flows["quantity"] > tol]
    inbound = f.groupby(["destination", "product"])["quantity"].agg(["size", "sum"])
    for r in dem[once].itertuples():
        key = (r.site_id, r.product)
        if key not in local or key in consumed:
            continue
        n_in, q_in = inbound.loc[key] if key in inbound.index else (0, 0.0)
        local_use = r.served - q_in
        if n_in + (local_use > tol * max(1.0, r.quantity)) > 1:
            bad.append(f"demand at {r.site_id} for {r.product} served by more than one source")
        if local_use < -tol * max(1.0, r.quantity):
            bad.append(f"inbound {r.product} at single-sourced {r.site_id} exceeds its demand")
    return bad


def assert_plan_feasible(data: HubData, plan: Plan, scenario: Scenario, tol: float = 1e-6) -> None:
    """Raise ``AssertionError`` listing every violated constraint of ``plan``."""
    bad = check_plan_feasible(data, plan, scenario, tol)
    assert not bad, "plan is not feasible:\n  " + "\n  ".join(bad)


def check_new_hub_at(
    data: HubData, plan: Plan, site_id: str, technologies: list[str] | None = None
) -> list[str]:
    """Re-check rank's ``require_new_at_site`` from the data: a new option open at the site.

    A new option is a ``candidates.csv`` row at ``site_id`` whose ``status`` is
    ``candidate`` (default), of one of ``technologies`` when given. Returns the violations
    (empty when the plan opens at least one).
    """
    cand = data.candidates
    status = cand["status"] if "status" in cand else pd.Series("candidate", index=cand.index)
    new = cand[(cand["site_id"] == site_id) & (status == "candidate")]
    if technologies:
        new = new[new["technology"].isin(technologies)]
    key = ["site_id", "technology", "size"]
    opened = new.merge(plan.hubs[key], on=key)
    return [] if len(opened) else [f"no new option open at {site_id}"]
