"""Build the lane table: which (origin, destination, mode, product) may carry flow.

All work is vectorised over pandas/numpy; there is no Python loop over lanes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hubopt.geodesy import geodesic_km
from hubopt.inputs.load import HubData

__all__ = ["build_lanes", "great_circle_km", "holders_and_users"]

LANE_COLUMNS = [
    "origin",
    "destination",
    "mode",
    "product",
    "distance_km",
    "tonnes_per_unit",
    "cost_per_unit",
    "kg_co2_per_unit",
]

great_circle_km = geodesic_km
"""Distance in km between WGS84 points: :func:`hubopt.geodesy.geodesic_km` (kept name)."""


def holders_and_users(data: HubData) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (site_id, product) pairs that can hold and that can use each product.

    A site *holds* a product if it has a supply row for it or a non-forbidden candidate
    there makes it; it *uses* a product if it demands it or a non-forbidden candidate
    there consumes it in its recipe.
    """
    cand = data.candidates[data.candidates["status"] != "forbidden"]
    made = cand.merge(data.technologies[["technology", "output"]], on="technology")
    holders = pd.concat(
        [
            data.supply[["site_id", "product"]],
            made[["site_id", "output"]].rename(columns={"output": "product"}),
        ]
    )
    if data.byproducts is not None and len(data.byproducts):  # issue #11: co-products
        co = cand.merge(data.byproducts[["technology", "product"]], on="technology")
        holders = pd.concat([holders, co[["site_id", "product"]]])
    holders = holders.drop_duplicates(ignore_index=True)
    consumed = cand.merge(data.recipes[["technology", "input"]], on="technology")
    users = pd.concat(
        [
            data.demand[["site_id", "product"]],
            consumed[["site_id", "input"]].rename(columns={"input": "product"}),
        ]
    ).drop_duplicates(ignore_index=True)
    return holders, users


def _generated_lanes(data: HubData) -> pd.DataFrame:
    holders, users = holders_and_users(data)
    pairs = holders.rename(columns={"site_id": "origin"}).merge(
        users.rename(columns={"site_id": "destination"}), on="product"
    )
    pairs = pairs[pairs["origin"] != pairs["destination"]]
    lanes = pairs.merge(data.modes[["mode"]], how="cross")
    for col in ("distance_km", "cost_per_unit", "kg_co2_per_unit"):
        lanes[col] = np.nan
    return lanes


def _explicit_lanes(data: HubData) -> pd.DataFrame:
    lanes = data.lanes.copy()  # type: ignore[union-attr]
    blank = lanes["product"].astype(str) == ""
    if blank.any():
        every = lanes[blank].drop(columns="product").merge(data.products[["product"]], how="cross")
        lanes = pd.concat([lanes[~blank], every], ignore_index=True)
        lanes = lanes.drop_duplicates(["origin", "destination", "mode", "product"], keep="first")
    return lanes


def _mode_column(modes: pd.DataFrame, col: str, mode: pd.Series) -> np.ndarray:
    """Per-lane value of an optional ``modes.csv`` column (0 where absent)."""
    if col not in modes:
        return np.zeros(len(mode))
    return modes[col].reindex(mode).fillna(0.0).to_numpy(float)


def build_lanes(data: HubData) -> pd.DataFrame:
    """Build every lane with its distance, cost and CO2 per unit.

    Parameters
    ----------
    data : HubData
        A validated data package.

    Returns
    -------
    DataFrame
        One row per lane, index ``lane_id`` (0..n-1), columns ``origin``,
        ``destination``, ``mode``, ``product``, ``distance_km`` (km),
        ``tonnes_per_unit`` (t/unit), ``cost_per_unit`` (money/unit) and
        ``kg_co2_per_unit`` (kg/unit); extra columns of ``lanes.csv`` are kept.

    Notes
    -----
    Without ``lanes.csv`` every holder→user pair of a product, in every mode, is a lane
    (see :func:`holders_and_users`). Distance is ``distance_km`` if given, else the WGS84
    geodesic × the mode's circuity; cost and CO2 per unit are given values if present,
    else ``tonnes_per_unit × distance × per-tonne-km factor``. Where they are computed,
    the mode's handling per tonne (``handling_cost_per_tonne``,
    ``handling_kg_co2_per_tonne``) × ``tonnes_per_unit`` is added once, whatever the
    distance, and kept as ``handling_cost_per_unit`` / ``handling_kg_co2_per_unit``; a
    lane with a given ``cost_per_unit`` (``kg_co2_per_unit``) keeps that value and gets
    no handling cost (CO2).
    """
    lanes = _generated_lanes(data) if data.lanes is None else _explicit_lanes(data)
    sites = data.sites.set_index("site_id")
    modes = data.modes.set_index("mode")
    tpu = data.products.set_index("product")["tonnes_per_unit"]
    lat_o = sites["lat"].reindex(lanes["origin"]).to_numpy(float)
    lon_o = sites["lon"].reindex(lanes["origin"]).to_numpy(float)
    lat_d = sites["lat"].reindex(lanes["destination"]).to_numpy(float)
    lon_d = sites["lon"].reindex(lanes["destination"]).to_numpy(float)
    circuity = modes["circuity"].reindex(lanes["mode"]).to_numpy(float)
    gc = geodesic_km(lat_o, lon_o, lat_d, lon_d) * circuity
    given = lanes["distance_km"].to_numpy(float)
    dist = np.where(np.isnan(given), gc, given)
    t = tpu.reindex(lanes["product"]).to_numpy(float)
    cost_tkm = modes["cost_per_tonne_km"].reindex(lanes["mode"]).to_numpy(float)
    co2_tkm = modes["kg_co2_per_tonne_km"].reindex(lanes["mode"]).to_numpy(float)
    cost = lanes["cost_per_unit"].to_numpy(float)
    co2 = lanes["kg_co2_per_unit"].to_numpy(float)
    # handling per tonne (issue 15): only where cost/CO2 are computed, not given
    h_cost = _mode_column(modes, "handling_cost_per_tonne", lanes["mode"])
    h_co2 = _mode_column(modes, "handling_kg_co2_per_tonne", lanes["mode"])
    h_cost = np.where(np.isnan(cost), t * h_cost, 0.0)
    h_co2 = np.where(np.isnan(co2), t * h_co2, 0.0)
    lanes = lanes.assign(
        distance_km=dist,
        tonnes_per_unit=t,
        cost_per_unit=np.where(np.isnan(cost), t * dist * cost_tkm, cost) + h_cost,
        kg_co2_per_unit=np.where(np.isnan(co2), t * dist * co2_tkm, co2) + h_co2,
        handling_cost_per_unit=h_cost,
        handling_kg_co2_per_unit=h_co2,
    )
    extra = [c for c in lanes.columns if c not in LANE_COLUMNS]
    lanes = lanes[LANE_COLUMNS + extra].sort_values(
        ["product", "origin", "destination", "mode"], kind="stable"
    )
    lanes = lanes.reset_index(drop=True)
    lanes.index.name = "lane_id"
    return lanes
