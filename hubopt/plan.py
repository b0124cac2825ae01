"""Turn solved variable values into a plan: tidy tables keyed by labels, plus a summary."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from hubopt.model.build import HubModel
from hubopt.model.pyomo_bridge import values_of as _values
from hubopt.plan_econ import ECON_NEGATIVE_TERMS, econ_summary, hub_economics

__all__ = ["FLOW_TOL", "Plan", "extract_plan"]

ECON_PRODUCTION_COLUMNS = (
    "base_unit_cost", "factor_unit_cost", "base_kg_co2_per_unit", "factor_kg_co2_per_unit",
    "production_credit",
)  # fmt: skip
"""Site-economics columns of the production table (issue 15, money or kg per unit)."""

FLOW_TOL = 1e-6
"""Quantities at or below this (units/yr) are solver noise and reported as zero."""


@dataclass(frozen=True)
class Plan:
    """A siting plan.

    Attributes
    ----------
    scenario : str
        Scenario name.
    summary : dict
        Headline figures: each cost term and ``total_cost`` (money/yr), ``emissions_t``
        and its terms (t CO2/yr), ``hubs_open``, energy-community hubs, capex and jobs,
        demand served, tonne-km by mode.
    candidates : DataFrame
        Every candidate row of the data (forbidden ones included) with ``selected``,
        ``production`` and ``utilisation``.
    hubs : DataFrame
        The options opened (a subset of ``candidates``).
    flows : DataFrame
        Lanes with non-zero flow: ``quantity`` (units/yr), ``tonnes``, ``tonne_km``,
        ``cost`` (money/yr), ``co2_t`` (t/yr).
    purchases : DataFrame
        Supply rows with ``bought``, ``cost``, ``co2_t``.
    production : DataFrame
        (site, technology) pairs with ``quantity`` made, ``cost``, ``co2_t``.
    demand : DataFrame
        Demand rows with ``served`` and ``unmet``.
    disposal : DataFrame
        (site, product) rows that may be disposed (``products.disposal_cost``) with
        ``quantity`` disposed (units/yr), ``cost`` (money/yr, ≥ 0) and ``revenue``
        (money/yr, sale value of a negative ``disposal_cost``); issue #11.
    """

    scenario: str
    summary: dict
    candidates: pd.DataFrame
    hubs: pd.DataFrame
    flows: pd.DataFrame
    purchases: pd.DataFrame
    production: pd.DataFrame
    demand: pd.DataFrame
    meta: dict = field(default_factory=dict)
    disposal: pd.DataFrame = field(default_factory=lambda: _disposal_frame(None, None))


def _clean(x: np.ndarray) -> np.ndarray:
    return np.where(np.abs(x) <= FLOW_TOL, 0.0, x)


def extract_plan(hub: HubModel) -> Plan:
    """Read the plan from a solved model.

    Parameters
    ----------
    hub : HubModel
        A model whose variables hold a solution (after :func:`hubopt.solve.solve_model`
        returned ``has_solution``).

    Returns
    -------
    Plan
    """
    m, data, sc = hub.model, hub.data, hub.scenario
    sites = data.sites.set_index("site_id")
    opts, prod, sup = hub.options, hub.production, hub.supply
    is_open = _values(m.open, len(opts)) > 0.5
    make = _clean(_values(m.make, len(prod)))
    buy = _clean(_values(m.buy, len(sup)))
    ship = _clean(_values(m.ship, len(hub.lanes)))
    unmet_rows = hub.demand["unmet_penalty"].notna().to_numpy()
    unmet = np.zeros(len(hub.demand))
    unmet[unmet_rows] = _clean(_values(m.unmet, int(unmet_rows.sum())))

    site_cols = ["name", "state", "lat", "lon", "energy_community"]
    production = prod[["site_id", "technology", "output", "unit_cost", "kg_co2_per_unit"]].copy()
    production = production.join(prod[[c for c in ECON_PRODUCTION_COLUMNS if c in prod]])
    production["quantity"] = make
    production["cost"] = make * production["unit_cost"]
    production["co2_t"] = make * production["kg_co2_per_unit"] / 1000.0

    cand = data.candidates.reset_index(names="candidates_line").merge(
        data.technologies[["technology", "output"]], on="technology", how="left"
    )
    key = ["site_id", "technology", "size"]
    sel = opts.loc[is_open, key].assign(selected=True)
    cand = cand.merge(sel, on=key, how="left")
    cand["selected"] = cand["selected"].astype("boolean").fillna(False).astype(bool)
    made = production.set_index(["site_id", "technology"])["quantity"]
    pair = pd.MultiIndex.from_frame(cand[["site_id", "technology"]])
    cand["production"] = np.where(cand["selected"], made.reindex(pair).fillna(0.0).to_numpy(), 0.0)
    cand["utilisation"] = np.where(cand["selected"], cand["production"] / cand["capacity"], 0.0)
    for c in site_cols:
        cand[c] = sites[c].reindex(cand["site_id"]).to_numpy()
    hubs = cand[cand["selected"]].drop(columns="selected").reset_index(drop=True)
    hubs = hub_economics(hub, hubs, production)  # issue 15: per-hub production cost

    lanes = hub.lanes.reset_index()
    flows = lanes.assign(quantity=ship)[ship > 0].copy()
    flows["tonnes"] = flows["quantity"] * flows["tonnes_per_unit"]
    flows["tonne_km"] = flows["tonnes"] * flows["distance_km"]
    flows["cost"] = flows["quantity"] * flows["cost_per_unit"]
    flows["co2_t"] = flows["quantity"] * flows["kg_co2_per_unit"] / 1000.0
    flows = flows.reset_index(drop=True)

    purchases = sup.drop(columns="line").copy()
    purchases["bought"] = buy
    purchases["cost"] = buy * purchases["unit_cost"]
    purchases["co2_t"] = buy * purchases["kg_co2_per_unit"] / 1000.0

    demand = hub.demand.drop(columns=["line", "exact", "textbook", "local"], errors="ignore")
    demand = demand.copy()
    demand["unmet"] = unmet
    demand["served"] = demand["quantity"] - unmet
    demand["penalty_cost"] = unmet * demand["unmet_penalty"].fillna(0.0)

    rows = hub.labels.get("dispose")
    n = 0 if rows is None else len(rows)
    disposal = _disposal_frame(rows, _clean(_values(m.dispose, n)) if n else None)
    summary = _summary(hub, hubs, flows, purchases, production, demand, disposal)
    return Plan(
        sc.name, summary, cand, hubs, flows, purchases, production, demand, disposal=disposal
    )


def _disposal_frame(rows: pd.DataFrame | None, qty: np.ndarray | None) -> pd.DataFrame:
    """Disposal table: site_id, product, disposal_cost, quantity, cost, revenue."""
    cols = ["site_id", "product", "disposal_cost"]
    if rows is None or qty is None:
        return pd.DataFrame(columns=[*cols, "quantity", "cost", "revenue"])
    d = rows[cols].copy().reset_index(drop=True)
    d["quantity"] = qty
    delta = d["disposal_cost"].to_numpy(float)
    d["cost"] = np.where(delta >= 0, qty * delta, 0.0)
    d["revenue"] = np.where(delta < 0, -qty * delta, 0.0)
    return d


def _summary(hub, hubs, flows, purchases, production, demand, disposal=None) -> dict:
    """Headline figures of a plan (see :attr:`Plan.summary`).

    ``hubs_new``, ``capex_new`` and ``jobs_new`` (and their ``_in_energy_communities``
    variants) count the options that have to be built: every open option whose input
    ``status`` is not ``existing`` (chosen by the model, or ``required`` by the data).
    """
    sc = hub.scenario
    emissions = {
        "transport": float(flows["co2_t"].sum()),
        "production": float(production["co2_t"].sum()),
        "supply": float(purchases["co2_t"].sum()),
    }
    emissions_t = sum(emissions.values())
    costs = {
        "fixed_cost": float(hubs["fixed_cost"].sum()),
        "production_cost": float(production["cost"].sum()),
        "supply_cost": float(purchases["cost"].sum()),
        "transport_cost": float(flows["cost"].sum()),
        "unmet_penalty_cost": float(demand["penalty_cost"].sum()),
        "carbon_cost": float(sc.carbon_price * emissions_t),
    }
    econ = econ_summary(hubs, flows, purchases, production)  # issue 15
    credit = sum(econ[k] for k in ECON_NEGATIVE_TERMS)
    if disposal is not None and len(disposal):  # issue #11: disposal cost, sale revenue
        costs["disposal_cost"] = float(disposal["cost"].sum())
        costs["sales_revenue"] = -float(disposal["revenue"].sum())
    ec = hubs["energy_community"].astype(bool)
    status = hubs["status"] if "status" in hubs else pd.Series("candidate", index=hubs.index)
    new = (status != "existing").to_numpy()  # chosen by the model, or required by the data
    tkm = flows.groupby("mode")["tonne_km"].sum()
    out = {
        "scenario": sc.name,
        "total_cost": float(sum(costs.values()) - credit),
        **costs,
        **econ,
        "emissions_t": emissions_t,
        "emissions_transport_t": emissions["transport"],
        "emissions_production_t": emissions["production"],
        "emissions_supply_t": emissions["supply"],
        "carbon_price": sc.carbon_price,
        "hubs_open": len(hubs),
        "hubs_in_energy_communities": int(ec.sum()),
        "capex": float(hubs["capex"].sum()),
        "capex_in_energy_communities": float(hubs.loc[ec, "capex"].sum()),
        "jobs": float(hubs["jobs"].sum()),
        "jobs_in_energy_communities": float(hubs.loc[ec, "jobs"].sum()),
        "hubs_new": int(new.sum()),
        "hubs_new_in_energy_communities": int((new & ec).sum()),
        "capex_new": float(hubs.loc[new, "capex"].sum()),
        "capex_new_in_energy_communities": float(hubs.loc[new & ec, "capex"].sum()),
        "jobs_new": float(hubs.loc[new, "jobs"].sum()),
        "jobs_new_in_energy_communities": float(hubs.loc[new & ec, "jobs"].sum()),
        "demand_total": float(demand["quantity"].sum()),
        "demand_served": float(demand["served"].sum()),
        "demand_unmet": float(demand["unmet"].sum()),
        "tonne_km_by_mode": {str(k): float(v) for k, v in tkm.items()},
        "lanes_used": len(flows),
    }
    if "sales_revenue" in out:
        out["sales_revenue"] = -out["sales_revenue"]  # reported as revenue (≥ 0)
    return out
