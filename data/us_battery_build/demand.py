"""Demand for 2030: EV cells ramped to 2030 and stationary storage (ESS) by region.

Read from ``data/sources_2030/demand_2030.csv`` (19 EV nodes, 15 ESS regions), split
into NMC811 and LFP cells as that table gives it. Every row must be served.
"""

from __future__ import annotations

from us_battery_build.common import read_csv


def build_demand(st) -> None:
    """Fill ``st.demand`` with one row per (site, chemistry) of positive demand.

    Parameters
    ----------
    st : BuildState
        Build state.
    """
    dem = read_csv(st.sources / "demand_2030.csv")
    total = {"ev_cells": 0.0, "ess_cells": 0.0}
    for _, r in dem.sort_values("site_id").iterrows():
        gwh = float(r["gwh_2030"])
        split = float(r["gwh_nmc"]) + float(r["gwh_lfp"])
        if abs(split - gwh) > 0.02:
            raise ValueError(f"demand_2030.csv {r['site_id']}: NMC + LFP != total")
        total[r["segment"]] += gwh
        for prod, col in (("cells_nmc", "gwh_nmc"), ("cells_lfp", "gwh_lfp")):
            q = float(r[col])
            if q <= 0:
                continue
            st.demand.append(
                {
                    "site_id": r["site_id"],
                    "product": prod,
                    "quantity": q,
                    "unmet_penalty": None,
                    "segment": "ev" if r["segment"] == "ev_cells" else "ess",
                    "node": r["node_name"],
                    "vehicles_per_year": r["capacity_vehicles_per_year"],
                    "utilisation_2030": r["utilisation_2030"],
                    "bev_share": r["bev_share"],
                    "kwh_per_vehicle": r["kwh_per_vehicle"],
                    "basis": r["basis"],
                    "tag": r["tag"],
                    "source": r["source"],
                }
            )
    st.stats["demand_ev_gwh"] = round(total["ev_cells"], 3)
    st.stats["demand_ess_gwh"] = round(total["ess_cells"], 3)
