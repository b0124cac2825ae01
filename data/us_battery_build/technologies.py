"""Products, technologies, recipes, by-products and technology factors (BatPaC-based).

Two cell chemistries (NMC811 and LFP) and the steps behind them: pCAM (with its
sodium-sulfate by-product), CAM (NMC811 and LFP), lithium hydroxide and carbonate
refining from spodumene, natural and synthetic graphite anode (feedstock yield < 1)
and hydrometallurgical recycling of black mass (nickel sulfate with cobalt, manganese
and lithium co-products). Quantities are read from ``data/sources_2030/bom_2030.csv``
and ``technology_factors.csv``; the few conversions are stoichiometric.
"""

from __future__ import annotations

import pandas as pd

from us_battery_build.common import ATOMIC, H2O, SO4, read_csv
from us_battery_build.params import p

A = ATOMIC
SALT = {  # t of salt per t of contained metal
    "nickel_sulfate": (A["Ni"] + SO4 + 6 * H2O) / A["Ni"],
    "cobalt_sulfate": (A["Co"] + SO4 + 7 * H2O) / A["Co"],
    "manganese_sulfate": (A["Mn"] + SO4 + H2O) / A["Mn"],
}
LI2O = 2 * A["Li"] + A["O"]
LIOH_H2O = A["Li"] + A["O"] + A["H"] + H2O
LI2CO3 = 2 * A["Li"] + A["C"] + 3 * A["O"]

# technology -> (output product, description)
TECHS = {
    "cell_nmc": ("cells_nmc", "NMC811 cell manufacturing"),
    "cell_lfp": ("cells_lfp", "LFP cell manufacturing"),
    "cam_nmc811": ("cam_nmc811", "NMC811 cathode active material (lithiation + calcination)"),
    "cam_lfp": ("cam_lfp", "LFP cathode active material"),
    "pcam_nmc811": ("pcam_nmc811", "NMC811 precursor (co-precipitation of metal sulfates)"),
    "lioh_refining": ("lithium_hydroxide", "spodumene to battery-grade LiOH.H2O"),
    "li2co3_refining": ("lithium_carbonate", "spodumene to battery-grade Li2CO3"),
    "anode_natural": ("anode_graphite", "flake to coated spherical natural graphite"),
    "anode_synthetic": ("anode_graphite", "needle coke to synthetic graphite (graphitisation)"),
    "recycling": ("nickel_sulfate", "hydromet recycling of black mass (main output NiSO4)"),
}
# technology_factors.csv (technology, product) -> our technology
FACTOR_TECH = {
    ("cell_production", "NMC"): "cell_nmc",
    ("cell_production", "LFP"): "cell_lfp",
    ("cam_production", "NMC811 CAM"): "cam_nmc811",
    ("lfp_cam", "LFP CAM"): "cam_lfp",
    ("pcam_production", "NMC811 pCAM"): "pcam_nmc811",
    ("lioh_refining", "LiOH.H2O from spodumene / Li2CO3"): "lioh_refining",
    ("lioh_refining", "LiOH.H2O"): "lioh_refining",
    ("li2co3_refining", "Li2CO3 (e.g. Thacker Pass claystone)"): "li2co3_refining",
    ("li2co3_refining", "Li2CO3"): "li2co3_refining",
    ("anode_natural", "coated spherical natural graphite"): "anode_natural",
    ("anode_synthetic", "synthetic graphite AAM"): "anode_synthetic",
    ("recycling", "black mass -> metal salts (hydromet)"): "recycling",
}
FACTOR_NAME = {"electricity": "electricity", "electricity_total": "electricity", "labour": "labour"}
# 45X advanced manufacturing production credit in 2030 (75 % phase-down step)
CREDIT_2030 = 0.75


def _bom(st) -> pd.DataFrame:
    bom = read_csv(st.sources / "bom_2030.csv")
    bom["q"] = bom["quantity"].astype(float)
    return bom


def _q(bom: pd.DataFrame, tech: str, item: str) -> tuple[float, str, str]:
    rows = bom[(bom["technology"] == tech) & (bom["item"].str.startswith(item))]
    if len(rows) != 1:
        raise ValueError(f"bom_2030.csv: expected one row {tech} / {item}, got {len(rows)}")
    r = rows.iloc[0]
    return float(r["q"]), r["tag"], f"bom_2030.csv {tech}/{r['item']}: {r['basis']}"


def build_chemistry(st) -> None:
    """Fill products, technologies, recipes, byproducts and technology_factors.

    Parameters
    ----------
    st : BuildState
        Build state.
    """
    bom = _bom(st)
    grade_li = p("spodumene_grade_li2o") * 2 * A["Li"] / LI2O  # t Li per t SC6
    rec = p("lithium_recovery")
    sc_lioh = (A["Li"] / LIOH_H2O) / grade_li / rec
    sc_li2co3 = (2 * A["Li"] / LI2CO3) / grade_li / rec
    ni_bm, _, ni_src = _q(bom, "recycling", "nickel_contained")
    nis_per_bm = ni_bm * SALT["nickel_sulfate"]  # t NiSO4.6H2O per t black mass
    recipes = []

    def add(tech: str, item: str, product: str, scale: float = 1.0, note: str = "") -> None:
        q, tag, src = _q(bom, tech_alias.get(tech, tech), item)
        recipes.append((tech, product, q * scale, f"{tag}{note}: {src}"))

    tech_alias = {
        "cell_nmc": "cell",
        "cell_lfp": "cell",
        "cam_lfp": "lfp_cam",
        "cam_nmc811": "cam_production",
        "pcam_nmc811": "pcam_production",
    }
    rows = bom[bom["technology"] == "cell"]
    for _, r in rows.iterrows():
        tech = "cell_nmc" if r["chemistry"] == "NMC811" else "cell_lfp"
        prod = {"cam_nmc811": "cam_nmc811", "cam_lfp": "cam_lfp"}.get(r["item"], r["item"])
        recipes.append((tech, prod, float(r["q"]), f"{r['tag']}: bom_2030.csv {r['basis']}"))
    add("cam_nmc811", "pcam_nmc811", "pcam_nmc811")
    add("cam_nmc811", "lithium_hydroxide", "lithium_hydroxide")
    add("cam_lfp", "li2co3", "lithium_carbonate")
    add("cam_lfp", "iron_phosphate", "iron_phosphate")
    for salt in ("nickel_sulfate", "cobalt_sulfate", "manganese_sulfate"):
        add("pcam_nmc811", salt, salt)
    q, tag, src = _q(bom, "anode_natural", "graphite_feedstock")
    recipes.append(("anode_natural", "graphite_flake", q, f"{tag}: {src}"))
    q, tag, src = _q(bom, "anode_synthetic", "needle_coke")
    recipes.append(("anode_synthetic", "needle_coke", q, f"{tag}: {src}"))
    li_note = (
        f"derived: Li in product / (SC6 {p('spodumene_grade_li2o'):.0%} Li2O = "
        f"{grade_li:.4f} t Li/t) / recovery {rec:g} (assumption)"
    )
    recipes.append(("lioh_refining", "spodumene", sc_lioh, li_note))
    recipes.append(("li2co3_refining", "spodumene", sc_li2co3, li_note))
    recipes.append(
        (
            "recycling",
            "black_mass",
            1.0 / nis_per_bm,
            f"derived: 1 / ({ni_bm:g} t Ni per t black mass x {SALT['nickel_sulfate']:.3f}); "
            f"{ni_src}",
        )
    )
    st.recipes = pd.DataFrame(recipes, columns=["technology", "input", "quantity", "source"])

    byp = []
    q, tag, src = _q(bom, "pcam_production", "sodium_sulfate")
    byp.append(("pcam_nmc811", "sodium_sulfate", q, f"{tag}: {src}"))
    for item, prod, factor in (
        ("cobalt_contained", "cobalt_sulfate", SALT["cobalt_sulfate"]),
        ("manganese_contained", "manganese_sulfate", SALT["manganese_sulfate"]),
        ("li2co3", "lithium_carbonate", 1.0),
    ):
        q, tag, src = _q(bom, "recycling", item)
        byp.append(
            (
                "recycling",
                prod,
                q * factor / nis_per_bm,
                f"derived from {tag}: per t NiSO4.6H2O = per t black mass x salt factor "
                f"{factor:.3f} / {nis_per_bm:.4f}; {src}",
            )
        )
    st.byproducts = pd.DataFrame(byp, columns=["technology", "product", "quantity", "source"])

    cell_t = {"cells_nmc": 3571.0, "cells_lfp": 6250.0}
    products = [
        ("anode_graphite", "t", 1.0, None, "coated spherical or synthetic graphite AAM"),
        ("black_mass", "t", 1.0, None, "shredded scrap / end-of-life cells (recycling feed)"),
        ("cam_lfp", "t", 1.0, None, "LiFePO4 cathode active material"),
        ("cam_nmc811", "t", 1.0, None, "NMC811 cathode active material"),
        (
            "cells_lfp",
            "GWh",
            cell_t["cells_lfp"],
            None,
            "LFP cells; 6.25 kg/kWh (premise 0.16 kWh/kg, verified; close to BatPaC pack "
            "mass, see FACTS.md section 6)",
        ),
        ("cells_nmc", "GWh", cell_t["cells_nmc"], None, "NMC811 cells; 3.571 kg/kWh (premise)"),
        ("cobalt_sulfate", "t CoSO4.7H2O", 1.0, None, "battery-grade cobalt sulfate"),
        ("graphite_flake", "t", 1.0, None, "natural flake concentrate"),
        ("iron_phosphate", "t FePO4", 1.0, None, "anhydrous iron phosphate (LFP precursor)"),
        ("lithium_carbonate", "t Li2CO3", 1.0, None, "battery-grade lithium carbonate"),
        ("lithium_hydroxide", "t LiOH.H2O", 1.0, None, "battery-grade lithium hydroxide"),
        ("manganese_sulfate", "t MnSO4.H2O", 1.0, None, "high-purity manganese sulfate"),
        ("needle_coke", "t", 1.0, None, "calcined needle coke (synthetic graphite feed)"),
        ("nickel_sulfate", "t NiSO4.6H2O", 1.0, None, "battery-grade nickel sulfate"),
        ("pcam_nmc811", "t", 1.0, None, "NMC811 hydroxide precursor"),
        (
            "sodium_sulfate",
            "t Na2SO4",
            1.0,
            0.05,
            "pCAM by-product; disposal_cost $50/t (assumption: landfill or low-value sale; "
            "Worley 2024: up to 2 t per t cathode)",
        ),
        ("spodumene", "t SC6", 1.0, None, "spodumene concentrate, 6% Li2O"),
    ]
    st.products = pd.DataFrame(
        products, columns=["product", "unit", "tonnes_per_unit", "disposal_cost", "description"]
    )

    credit = {
        "cell_nmc": 35000.0 * CREDIT_2030,
        "cell_lfp": 35000.0 * CREDIT_2030,
        "cam_nmc811": 2.77 * CREDIT_2030,
        "cam_lfp": 0.735 * CREDIT_2030,
        "anode_natural": 0.61 * CREDIT_2030,
        "anode_synthetic": 0.61 * CREDIT_2030,
        "lioh_refining": 1.01 * CREDIT_2030,
        "li2co3_refining": 0.95 * CREDIT_2030,
        "recycling": 0.43 * CREDIT_2030,
        "pcam_nmc811": 0.0,
    }
    uc, co2 = p("unit_cost"), p("process_kg_co2")
    st.technologies = pd.DataFrame(
        [
            (
                t,
                out,
                uc[t],
                co2.get(t, 0.0),
                credit[t],
                desc,
                "unit_cost and CO2: PARAMS unit_cost / process_kg_co2 (assumption); "
                "production_credit: 45X in 2030 = 75% x ($35/kWh cells; 10% of cost for "
                "electrode active materials and critical minerals, cost ~ non-FEOC landed "
                "price of imports_2030.csv) (memory, assumption)",
            )
            for t, (out, desc) in TECHS.items()
        ],
        columns=[
            "technology",
            "output",
            "unit_cost",
            "kg_co2_per_unit",
            "production_credit",
            "description",
            "source",
        ],
    )
    tf = read_csv(st.sources / "technology_factors.csv")
    rows = []
    for _, r in tf.iterrows():
        tech = FACTOR_TECH.get((r["technology"], r["product"]))
        fac = FACTOR_NAME.get(r["factor"])
        if tech is None or fac is None:
            st.notes.append(
                f"technology_factors.csv {r['technology']}/{r['product']}/{r['factor']}: "
                "not used (alternative or partial figure)"
            )
            continue
        q = float(r["quantity"])
        if tech == "recycling":
            q = q / nis_per_bm  # per t black mass -> per t NiSO4.6H2O
        rows.append((tech, fac, q, r["low"], r["high"], r["unit"], r["tag"], r["source"][:300]))
    st.technology_factors = pd.DataFrame(
        rows,
        columns=["technology", "factor", "quantity", "low", "high", "unit_note", "tag", "source"],
    )
    st.nis_per_bm = nis_per_bm
