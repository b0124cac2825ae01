"""Site factors: electricity price and grid CO2, and labour cost, for every site.

* electricity: EIA industrial average price by state (2023), in k$/MWh; grid CO2 of
  the state's dominant eGRID2022 subregion (``state_to_egrid.csv``, an assumption) in
  kg/MWh; ``available`` at coal sites = the retired plant's interconnection, coal MW
  x 8,760 h (MWh/yr, an assumption that the grid connection can be reused).
* labour: BLS production-occupation median wage by state, k$/hour.

The blank-``site_id`` default row (US averages) covers any site without its own row.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from us_battery_build.common import read_csv

NEEDS_FACTORS = {"coal_closure", "park", "cell_plant", "cell_plant;ev_plant", "material"}


def build_factors(st) -> None:
    """Fill ``st.site_factors``.

    Parameters
    ----------
    st : BuildState
        Build state with sites.
    """
    el = read_csv(st.sources / "state_electricity.csv").set_index("state")
    wg = read_csv(st.sources / "state_wages.csv").set_index("state")
    s2e = read_csv(st.sources / "state_to_egrid.csv").set_index("state")
    eg = read_csv(st.sources / "egrid_subregions.csv")
    eg = eg[eg["egrid_year"] == "eGRID2022"].set_index("egrid_subregion")
    rows = []
    us_price = float(np.mean(el["industrial_price_usd_per_mwh"].astype(float))) / 1000.0
    us_wage = float(np.mean(wg["production_wage_usd_per_hour"].astype(float))) / 1000.0
    us_co2 = float(eg.loc["US", "co2_kg_per_mwh"])
    rows.append(
        ("", "electricity", us_price, us_co2, None, "default: unweighted mean of the 51 state "
         "prices (derived); eGRID2022 US average CO2 (verified, secondary)")
    )  # fmt: skip
    rows.append(("", "labour", us_wage, 0.0, None, "default: unweighted mean of state wages"))
    st.stats["factor_sites"] = 0
    for s in sorted(st.sites, key=lambda s: s["site_id"]):
        if s["kind"] not in NEEDS_FACTORS:
            continue
        stt = s["state"]
        sub = s2e.loc[stt, "dominant_egrid_subregion"]
        avail = None
        if s["kind"] == "coal_closure" and not math.isnan(s["coal_mw"]):
            avail = round(s["coal_mw"] * 8760.0, 0)
        e = el.loc[stt]
        rows.append(
            (
                s["site_id"],
                "electricity",
                float(e["industrial_price_usd_per_mwh"]) / 1000.0,
                float(eg.loc[sub, "co2_kg_per_mwh"]),
                avail,
                f"EIA EPA 2023 industrial {stt} ({e['tag']}); eGRID2022 {sub} via state "
                f"(assumption){'; available = coal MW x 8760 h (assumption)' if avail else ''}",
            )
        )
        w = wg.loc[stt]
        rows.append(
            (
                s["site_id"],
                "labour",
                float(w["production_wage_usd_per_hour"]) / 1000.0,
                0.0,
                None,
                f"BLS production wage {stt} ({w['tag'][:40]})",
            )
        )
        s["egrid_subregion"] = sub
        st.stats["factor_sites"] += 1
    st.site_factors = pd.DataFrame(
        rows, columns=["site_id", "factor", "price", "kg_co2_per_unit", "available", "source"]
    )
