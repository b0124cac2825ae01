"""Supply: domestic raw materials, must-take black mass, and priced imports.

Imports land at the gateway ports. A port has one ``supply.csv`` row per product, so
each gateway has a twin site ``<port>C`` at the same point that carries the imports
from China (``feoc`` = true); the port itself carries the non-FEOC origin. Landed
costs, duties and CO2 come from ``data/sources_2030/imports_2030.csv`` where it has
the product, else from ``PARAMS`` (assumptions).
"""

from __future__ import annotations

import math

from us_battery_build.common import num, read_csv
from us_battery_build.params import p

# imports_2030.csv (product, origin) -> our product; cells are priced per kWh there.
IMPORT_ROWS = {
    ("anode_graphite", "China"): "anode_graphite",
    ("anode_graphite", "Korea/Japan (non-FEOC)"): "anode_graphite",
    ("cam_nmc811", "Korea"): "cam_nmc811",
    ("cam_nmc811", "China"): "cam_nmc811",
    ("cam_lfp", "China"): "cam_lfp",
    ("lithium_hydroxide", "Chile/Australia/Argentina (FTA or non-FEOC)"): "lithium_hydroxide",
    ("lithium_hydroxide", "China"): "lithium_hydroxide",
    ("cells_lfp", "China"): "cells_lfp",
    ("cells_nmc", "Korea/Japan"): "cells_nmc",
    ("cells_nmc", "China"): "cells_nmc",
}
# AD/CVD on Chinese active anode material were not imposed: the ITC's final vote of
# 12 Mar 2026 was negative (SMM, news.metal.com, 13 Mar 2026; verified, secondary, one
# source). Other tariffs stay: 160 % effective (AAMP) - 93.5 % AD - 6.55 % CVD ~ 60 %.
ANODE_CHINA_NO_ADCVD = (
    3500.0 * (1 + 0.60) + 100.0,
    "derived: FOB $3,500/t (assumption) x (1 + 0.60) + $100/t freight; AD/CVD not imposed "
    "(ITC negative final determination 2026-03-12, SMM news.metal.com 2026-03-13, verified "
    "secondary); remaining ~60 % = ~160 % effective (AAMP) - 93.5 % AD - 6.55 % CVD (derived); "
    "with AD/CVD (imports_2030.csv) it would be $9,200/t",
)
# raw materials priced from PARAMS: product -> (origin, feoc)
RAW_IMPORTS = {
    "spodumene": ("Australia", False),
    "nickel_sulfate": ("Indonesia/Finland (non-FEOC assumed)", False),
    "cobalt_sulfate": ("Finland/other (non-FEOC assumed)", False),
    "manganese_sulfate": ("China (~95% of HPMSM)", True),
    "iron_phosphate": ("China", True),
    "graphite_flake": ("Mozambique (Syrah Balama)", False),
    "needle_coke": ("Japan/UK", False),
}


def requirement(st) -> dict[str, float]:
    """National requirement of every product if all demand were made from raw material.

    Parameters
    ----------
    st : BuildState
        Build state with demand, technologies and recipes.

    Returns
    -------
    dict of str to float
        Units per year; every technology making a product is counted in full (an upper
        bound where two routes make the same product, e.g. anode graphite).
    """
    need: dict[str, float] = {}
    for d in st.demand:
        need[d["product"]] = need.get(d["product"], 0.0) + d["quantity"]
    out_of = dict(zip(st.technologies["technology"], st.technologies["output"], strict=True))
    order = [
        "cell_nmc",
        "cell_lfp",
        "cam_nmc811",
        "cam_lfp",
        "pcam_nmc811",
        "lioh_refining",
        "li2co3_refining",
        "anode_natural",
        "anode_synthetic",
    ]
    for t in order:
        base = need.get(out_of[t], 0.0)
        for r in st.recipes[st.recipes["technology"] == t].itertuples():
            need[r.input] = need.get(r.input, 0.0) + base * r.quantity
    return need


def _row(site, prod, cap, cost, co2, origin, imported, feoc, basis, source, minq=None):
    return {
        "site_id": site,
        "product": prod,
        "capacity": cap,
        "unit_cost": cost,
        "kg_co2_per_unit": co2,
        "min_quantity": minq,
        "imported": imported,
        "feoc": feoc,
        "origin": origin,
        "capacity_basis": basis,
        "source": source,
    }


def domestic(st) -> None:
    """Domestic lithium carbonate and must-take black mass (scrap and end of life)."""
    price, co2 = p("price"), p("import_co2")
    st.supply.append(
        _row(
            "MAT001",
            "lithium_carbonate",
            5000.0,
            price["lithium_carbonate"],
            co2["lithium_carbonate"],
            "domestic",
            False,
            False,
            "assumption: ~5,000 t/yr lithium products (weak source) read as t Li2CO3",
            "facilities_2030.csv MAT001 (Silver Peak, operating)",
        )
    )
    st.supply.append(
        _row(
            "MAT002",
            "lithium_carbonate",
            20000.0,
            price["lithium_carbonate"],
            co2["lithium_carbonate"],
            "domestic",
            False,
            False,
            "assumption: phase 1 40,000 t/yr Li2CO3 under construction (start ~2028, "
            "memory), 50% of nameplate in 2030",
            "facilities_2030.csv MAT002 (Thacker Pass, under construction)",
        )
    )
    # must-take manufacturing scrap at operating NMC cell plants (black mass t/yr)
    rec = st.recipes.set_index(["technology", "input"])["quantity"]
    bm_per_gwh = rec[("cell_nmc", "cam_nmc811")] + rec[("cell_nmc", "anode_graphite")]
    scrap = p("cell_scrap_share") * p("existing_cell_utilisation") * bm_per_gwh
    for c in st.cands:
        if c["technology"] == "cell_nmc" and c["status"] == "existing":
            q = round(c["existing_gwh"] * scrap, 0)
            st.supply.append(
                _row(
                    c["site_id"],
                    "black_mass",
                    q,
                    p("price_black_mass"),
                    0.0,
                    "domestic scrap",
                    False,
                    False,
                    f"derived: {c['existing_gwh']:g} GWh x utilisation "
                    f"{p('existing_cell_utilisation'):g} x scrap {p('cell_scrap_share'):g} x "
                    f"{bm_per_gwh:.0f} t active material/GWh (assumptions)",
                    "PARAMS cell_scrap_share, existing_cell_utilisation",
                    minq=q,
                )
            )
    eol_sites = ["MAT017", "MAT018", "MAT019"]
    q = p("eol_black_mass_t") / len(eol_sites)
    for sid in eol_sites:
        st.supply.append(
            _row(
                sid,
                "black_mass",
                q,
                p("price_black_mass"),
                0.0,
                "domestic end of life",
                False,
                False,
                f"assumption: {p('eol_black_mass_t'):,.0f} t/yr US end-of-life black mass "
                "shared equally by the operating pre-processors",
                "PARAMS eol_black_mass_t",
                minq=q,
            )
        )


def imports(st) -> None:
    """Import rows at every gateway port (non-FEOC) and its China twin site (FEOC)."""
    need = requirement(st)
    st.need = need
    share = p("import_port_share")
    tpu = st.products.set_index("product")["tonnes_per_unit"]
    offers = []  # (product, origin, feoc, k$ per unit, kg CO2 per unit, basis, source)
    imp = read_csv(st.sources / "imports_2030.csv")
    for _, r in imp.iterrows():
        prod = IMPORT_ROWS.get((r["product"], r["origin"]))
        if prod is None:
            continue
        per = 1000.0 if prod.startswith("cells") else 1e-3  # $/kWh -> k$/GWh ; $/t -> k$/t
        co2 = num(r["import_co2"]) * (1e6 if prod.startswith("cells") else 1.0)
        landed = num(r["landed_cost"])
        basis = (
            f"{r['tag']}: landed {r['landed_cost']} {r['landed_cost_unit']}; duties {r['duties']}"
        )
        if (prod, r["origin"]) == ("anode_graphite", "China"):
            landed, basis = ANODE_CHINA_NO_ADCVD
        offers.append(
            (prod, r["origin"], r["feoc"] == "True", landed * per, co2, basis, r["source"][:400])
        )
    price, co2 = p("price"), p("import_co2")
    for prod, (origin, feoc) in RAW_IMPORTS.items():
        offers.append(
            (
                prod,
                origin,
                feoc,
                price[prod] + p("import_landing_cost") * tpu[prod],
                co2[prod],
                "assumption: PARAMS price + import_landing_cost; CO2 PARAMS import_co2",
                "PARAMS (memory of 2024-25 markets)",
            )
        )
    for port in st.port_ids:
        for prod, origin, feoc, cost, kg, basis, source in offers:
            cap = math.ceil(need.get(prod, 0.0) * share / 1000.0) * 1000.0
            if prod.startswith("cells"):
                cap = math.ceil(need.get(prod, 0.0) * share)
            st.supply.append(
                _row(
                    f"{port}C" if feoc else port,
                    prod,
                    cap,
                    cost,
                    kg,
                    origin,
                    True,
                    feoc,
                    f"derived: {share:g} x national requirement {need.get(prod, 0.0):,.1f} "
                    f"(rounded up); {basis}",
                    f"ports.csv gateway; {source}",
                )
            )
    for s in list(st.sites):
        if s["site_id"] in st.port_ids:
            twin = dict(s)
            twin.update(
                site_id=f"{s['site_id']}C",
                name=f"{s['name']} (imports of China origin)",
                kind="port_feoc",
                status_note="twin of the port for FEOC-origin supply rows",
            )
            st.sites.append(twin)


def build_supply(st) -> None:
    """Run the supply steps (needs demand, chemistry and the facility candidates).

    Parameters
    ----------
    st : BuildState
        Build state.
    """
    domestic(st)
    imports(st)
