"""Checks and output: the CSV files, ``package.toml``, ``README.md`` and ``SOURCES.md``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from us_battery_build.common import in_us, read_csv, write_table
from us_battery_build.params import PARAMS, p
from us_battery_build.sources_md import readme, sources_md

DECIMALS = {
    "sites": {"lat": 6, "lon": 6, "coal_mw": 1, "retirement_year": 0},
    "products": {"tonnes_per_unit": 4, "disposal_cost": 4},
    "technologies": {"unit_cost": 4, "kg_co2_per_unit": 3, "production_credit": 4},
    "recipes": {"quantity": 6},
    "byproducts": {"quantity": 6},
    "demand": {"quantity": 3, "unmet_penalty": 3},
    "supply": {"capacity": 1, "unit_cost": 4, "kg_co2_per_unit": 3, "min_quantity": 1},
    "candidates": {"capacity": 3, "fixed_cost": 1, "capex": 1, "jobs": 0, "incentive": 1},
    "modes": {
        "cost_per_tonne_km": 9,
        "kg_co2_per_tonne_km": 6,
        "circuity": 3,
        "handling_cost_per_tonne": 4,
        "handling_kg_co2_per_tonne": 3,
    },
    "site_factors": {"price": 6, "kg_co2_per_unit": 1, "available": 0},
    "technology_factors": {"quantity": 4},
}


def check_params(st) -> None:
    """Recompute the scale exponent from plant_economics.csv and compare with PARAMS.

    Parameters
    ----------
    st : BuildState
        Build state (for the research path).
    """
    econ = read_csv(st.research / "plant_economics.csv").set_index("item")
    rows = econ.loc[["Westwater Kellyton AL Phase I", "Syrah Vidalia AAM", "Anovion Bainbridge GA"]]
    size = rows["capacity"].astype(float).to_numpy()
    capex = rows["capex_musd"].astype(float).to_numpy()
    slope = float(np.polyfit(np.log(size), np.log(capex), 1)[0])
    if round(slope, 2) != p("scale_exponent"):
        raise ValueError(f"scale exponent: data give {slope:.3f}, PARAMS {p('scale_exponent')}")


def modes() -> pd.DataFrame:
    """Truck and rail, with the handling cost charged once per tonne shipped.

    Returns
    -------
    DataFrame
        ``modes.csv``.
    """
    return pd.DataFrame(
        [
            (
                "rail",
                p("rail_cost_usd_per_tkm") / 1000.0,
                p("rail_kg_co2_per_tkm"),
                p("rail_circuity"),
                p("rail_handling_cost"),
                p("rail_handling_kg_co2"),
                "cost: assumption (memory ~4.5 c/ton-mile); CO2 EPA GHG Hub 2021 (verified); "
                "handling = terminal lifts + drayage (assumption)",
            ),
            (
                "truck",
                p("truck_cost_usd_per_tkm") / 1000.0,
                p("truck_kg_co2_per_tkm"),
                p("truck_circuity"),
                p("truck_handling_cost"),
                0.0,
                "cost derived from ATRI 2024 (payload assumption); CO2 EPA GHG Hub 2021 "
                "(verified); handling = loading (assumption)",
            ),
        ],
        columns=[
            "mode",
            "cost_per_tonne_km",
            "kg_co2_per_tonne_km",
            "circuity",
            "handling_cost_per_tonne",
            "handling_kg_co2_per_tonne",
            "source",
        ],
    )


def lane_counts(t: dict[str, pd.DataFrame]) -> dict[str, int]:
    """Lanes the solver will generate (holders x users x modes, origin != destination).

    Parameters
    ----------
    t : dict of str to DataFrame
        The package tables.

    Returns
    -------
    dict of str to int
        Lanes per product.
    """
    cand = t["candidates"]
    out_of = t["technologies"].set_index("technology")["output"]
    holders: dict[str, set] = {}
    users: dict[str, set] = {}
    for s, prod in zip(t["supply"]["site_id"], t["supply"]["product"], strict=True):
        holders.setdefault(prod, set()).add(s)
    pairs = cand[["site_id", "technology"]].drop_duplicates()
    for s, tech in zip(pairs["site_id"], pairs["technology"], strict=True):
        holders.setdefault(out_of[tech], set()).add(s)
    for s, prod in zip(t["demand"]["site_id"], t["demand"]["product"], strict=True):
        users.setdefault(prod, set()).add(s)
    rec = t["recipes"]
    for s, tech in zip(pairs["site_id"], pairs["technology"], strict=True):
        for inp in rec.loc[rec["technology"] == tech, "input"]:
            users.setdefault(inp, set()).add(s)
    n = len(t["modes"])
    return {
        prod: (len(holders.get(prod, set())) * len(users.get(prod, set()))
               - len(holders.get(prod, set()) & users.get(prod, set()))) * n
        for prod in sorted(set(holders) | set(users))
    }  # fmt: skip


def check(t: dict[str, pd.DataFrame]) -> None:
    """Referential integrity, geography and factor coverage; raise on failure.

    Parameters
    ----------
    t : dict of str to DataFrame
        The package tables.
    """
    errs = []
    sites = set(t["sites"]["site_id"])
    prods = set(t["products"]["product"])
    techs = set(t["technologies"]["technology"])
    if len(sites) != len(t["sites"]):
        errs.append("duplicate site_id")
    for name in ("supply", "demand", "candidates"):
        bad = set(t[name]["site_id"]) - sites
        if bad:
            errs.append(f"{name}: unknown sites {sorted(bad)[:5]}")
    for name, col in (("supply", "product"), ("demand", "product"), ("technologies", "output"),
                      ("recipes", "input"), ("byproducts", "product")):  # fmt: skip
        bad = set(t[name][col]) - prods
        if bad:
            errs.append(f"{name}.{col}: unknown products {sorted(bad)}")
    for name in ("recipes", "candidates", "byproducts", "technology_factors"):
        if set(t[name]["technology"]) - techs:
            errs.append(f"{name}: unknown technology")
    for name, key in (("supply", ["site_id", "product"]), ("demand", ["site_id", "product"]),
                      ("candidates", ["site_id", "technology", "size"]),
                      ("recipes", ["technology", "input"]),
                      ("site_factors", ["site_id", "factor"])):  # fmt: skip
        if t[name].duplicated(key).any():
            errs.append(f"{name}: duplicate key {key}")
    own = set(t["site_factors"]["site_id"])
    if not set(t["candidates"]["site_id"]) <= own:
        errs.append("a candidate site has no own site_factors rows")
    for _, s in t["sites"].iterrows():
        if not in_us(s["lat"], s["lon"]):
            errs.append(f"site {s['site_id']} outside the US")
    if errs:
        raise ValueError("data package checks failed:\n  " + "\n  ".join(errs))


def package_toml(st) -> str:
    """Text of ``package.toml`` (money unit, dates, target year).

    Parameters
    ----------
    st : BuildState
        Build state.

    Returns
    -------
    str
        TOML text.
    """
    return (
        'name = "us_battery"\n'
        'description = "US battery supply chain 2030: where to build pCAM, CAM, lithium '
        "refining, anode, cell and recycling plants, incl. coal-closure energy "
        'communities (v2)"\n'
        'money_unit = "k$"\n'
        f'data_date = "{p("data_date")}"\n'
        f"target_year = {p('target_year')}\n"
    )


def write_package(st, out) -> dict[str, object]:
    """Assemble, check and write every file.

    Parameters
    ----------
    st : BuildState
        Finished build state.
    out : Path
        Output folder.

    Returns
    -------
    dict
        Summary figures.
    """
    cands = pd.DataFrame(st.cands).drop(columns=["existing_gwh"])
    cands = cands.sort_values(["site_id", "technology", "capacity", "size"]).reset_index(drop=True)
    t = {
        "sites": pd.DataFrame(st.sites).sort_values("site_id").reset_index(drop=True),
        "products": st.products.sort_values("product").reset_index(drop=True),
        "technologies": st.technologies.sort_values("technology").reset_index(drop=True),
        "recipes": st.recipes.sort_values(["technology", "input"]).reset_index(drop=True),
        "byproducts": st.byproducts.sort_values(["technology", "product"]).reset_index(drop=True),
        "demand": pd.DataFrame(st.demand).sort_values(["site_id", "product"]),
        "supply": pd.DataFrame(st.supply).sort_values(["site_id", "product"]),
        "candidates": cands,
        "modes": modes(),
        "site_factors": st.site_factors,
        "technology_factors": st.technology_factors.sort_values(["technology", "factor"])
        .reset_index(drop=True),
    }  # fmt: skip
    t = {k: v.reset_index(drop=True) for k, v in t.items()}
    check(t)
    lanes = lane_counts(t)
    out.mkdir(parents=True, exist_ok=True)
    for name, df in t.items():
        write_table(df, out / f"{name}.csv", DECIMALS[name])
    summary = {
        "rows": {k: len(v) for k, v in t.items()},
        "lanes": lanes,
        "demand": t["demand"].groupby(["segment", "product"])["quantity"].sum().to_dict(),
        "stats": st.stats,
    }
    (out / "package.toml").write_text(package_toml(st), encoding="utf-8", newline="")
    (out / "README.md").write_text(readme(st, t, summary), encoding="utf-8", newline="")
    (out / "SOURCES.md").write_text(
        sources_md(st, t, summary, PARAMS), encoding="utf-8", newline=""
    )
    return summary
