"""Build the default US battery-hub data package ``data/us_battery/``.

The package is regenerated, byte for byte, from the research tables in
``<repo>/../shared/research`` (see its ``README.md`` and ``FACTS.md``)::

    python data/build_us_battery.py                      # defaults
    python data/build_us_battery.py --research DIR --out DIR

Every number that is not read from a research table is a named entry of ``PARAMS``
below, with its unit, its provenance tag (``verified`` / ``derived`` / ``assumption``)
and its source. ``SOURCES.md`` is written from the same entries, so the provenance file
can never drift from the data. The output is deterministic: rows are sorted, floats are
written with a fixed number of decimals and nothing depends on time or on the machine.

Only pandas, numpy and the standard library are used.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
DEFAULT_RESEARCH = REPO.parent / "shared" / "research"
DEFAULT_OUT = REPO / "data" / "us_battery"


# =====================================================================================
# ALL ASSUMPTIONS AND PARAMETERS (the one place to change them)
# =====================================================================================


@dataclass(frozen=True)
class Param:
    """One named input of the build, with its provenance.

    Parameters
    ----------
    value : object
        The value used.
    unit : str
        Unit of ``value``.
    tag : str
        ``verified`` (read in a named source), ``derived`` (computed from verified values,
        formula in ``source``) or ``assumption`` (includes every research value tagged
        ``memory``).
    source : str
        Where the value comes from, or why it was chosen.
    """

    value: object
    unit: str
    tag: str
    source: str


PARAMS: dict[str, Param] = {
    # ---- chemistry and bill of materials ---------------------------------------------
    "chemistry": Param(
        "NMC811",
        "-",
        "assumption",
        "Single chemistry for every cell (NMC811). The US fleet also uses NCA, NMC622 and "
        "LFP (Ford Marshall, Gotion); one chemistry keeps recipes consistent.",
    ),
    "bom_source": Param(
        "BatPaC 5.2 (battery_bom.csv)",
        "-",
        "verified",
        "Material intensities kg/kWh for Li, Ni, Co, graphite (verified) and Mn, "
        "LiOH.H2O, cathode mass (derived) of NMC811, all from the BatPaC 5.2 rows of "
        "battery_bom.csv. Cell mass (for freight only) from the premise row of the same file.",
    ),
    "anode_feedstock_t_per_t": Param(
        1.0,
        "t graphite feedstock per t anode active material",
        "assumption",
        "Mass balance only; spheronisation/purification losses are not sourced and are "
        "ignored (real natural-graphite yields are lower).",
    ),
    # ---- demand ----------------------------------------------------------------------
    "kwh_per_light_vehicle": Param(
        80.0,
        "kWh per battery-electric light vehicle",
        "assumption",
        "Not sourced in the research. Upper bound from Hyundai (35 GWh for ~300,000 EVs "
        "=> ~117 kWh/vehicle, FACTS.md section 1).",
    ),
    "kwh_per_semi": Param(
        900.0,
        "kWh per Tesla Semi",
        "assumption",
        "Not sourced in the research (memory of Tesla's ~850-900 kWh pack).",
    ),
    "bev_share_bev_only": Param(
        1.0,
        "share of plant output that is BEV",
        "verified",
        "Plants whose powertrain column says 'BEV only' (ev_assembly_plants.csv).",
    ),
    "bev_share_bev_line": Param(
        1.0,
        "share",
        "verified",
        "The capacity figure itself is for a BEV line (Tesla Texas Model Y line, Tesla "
        "Semi line, VW ID.4 target), per capacity_scope in ev_assembly_plants.csv.",
    ),
    "bev_share_bev_erev": Param(
        0.75,
        "BEV-equivalent share",
        "assumption",
        "Plants building BEV + EREV (Scout): EREV packs counted as smaller batteries.",
    ),
    "bev_share_bev_hev": Param(
        0.5,
        "BEV share",
        "assumption",
        "Plants building BEV + hybrids (Hyundai Metaplant).",
    ),
    "bev_share_erev": Param(
        0.5,
        "BEV-equivalent share",
        "assumption",
        "Ford Rouge EV Center switching from F-150 Lightning BEV to an EREV successor "
        "(EREV pack assumed half a BEV pack).",
    ),
    "bev_share_mixed": Param(
        0.2,
        "BEV share",
        "assumption",
        "Whole-plant capacity of mixed ICE/HEV/BEV plants (Kia Georgia, Mercedes Vance, "
        "Volvo Ridgeville, Toyota Kentucky, ...).",
    ),
    "unverified_plant_vehicles": Param(
        100000,
        "vehicles per year",
        "assumption",
        "Placeholder volume for demand plants with no verified capacity (GM Factory ZERO, "
        "GM Spring Hill, Hyundai Montgomery, Honda Marysville, BMW Spartanburg) so that "
        "their regions are represented; multiplied by the plant's BEV share.",
    ),
    # ---- plant economics ---------------------------------------------------------------
    "discount_rate": Param(
        0.08,
        "real, per year",
        "assumption",
        "Annualisation of capital.",
    ),
    "plant_life_years": Param(20, "years", "assumption", "Annualisation of capital."),
    "fixed_om_share": Param(
        0.03,
        "share of capex per year",
        "assumption",
        "Fixed operation and maintenance. Existing plants pay only this (their capital "
        "is sunk); new plants pay capital recovery + fixed O&M.",
    ),
    "scale_exponent": Param(
        0.88,
        "-",
        "derived",
        "capex(S) = capex_ref x (S/S_ref)^b for generic size tiers. b = slope of a "
        "log-log fit of capex on capacity over the three anode plants of "
        "plant_economics.csv (Westwater 7.5 kt $202M, Syrah 11.25 kt $209M, Anovion 40 kt "
        "$800M): 0.88 (n=3, weak; checked by the build). Used for CAM, anode and the few "
        "cell plants without announced capex. (The cell plants give 0.25, but their "
        "announced capex covers very different scopes.)",
    ),
    "cell_capex_musd_per_gwh": Param(
        87.5,
        "M$ per GWh/yr",
        "derived",
        "Median announced capex of US cell plants (n=19, excl. Toyota NC and Tesla NV), "
        "plant_economics.csv SUMMARY row.",
    ),
    "cell_ref_size_gwh": Param(
        34.0,
        "GWh/yr",
        "derived",
        "Median US cell plant size (n=24), plant_economics.csv SUMMARY row.",
    ),
    "cell_jobs_per_gwh": Param(
        58.7,
        "jobs per GWh/yr",
        "derived",
        "Median announced jobs per GWh (n=18), plant_economics.csv SUMMARY row.",
    ),
    "cam_capex_kusd_per_tpy": Param(
        26.7,
        "k$ per t/yr",
        "derived",
        "LG Chem Clarksville TN phase 1: $1.6B for 60,000 t/yr (plant_economics.csv).",
    ),
    "cam_ref_size_t": Param(
        60000.0, "t/yr", "derived", "LG Chem Clarksville phase 1 size (plant_economics.csv)."
    ),
    "anode_capex_kusd_per_tpy": Param(
        20.0,
        "k$ per t/yr",
        "derived",
        "Median of Syrah Vidalia 18.6, Anovion 20.0, Westwater 26.9 k$ per t/yr "
        "(plant_economics.csv).",
    ),
    "anode_ref_size_t": Param(
        11250.0,
        "t/yr",
        "derived",
        "Median size of the same three plants (7,500 / 11,250 / 40,000 t/yr).",
    ),
    "anode_jobs_per_kt": Param(
        11.67,
        "jobs per kt/yr",
        "derived",
        "Mean of Anovion (400 jobs / 40 kt) and Westwater (100 jobs / 7.5 kt), "
        "plant_economics.csv.",
    ),
    "cam_jobs_per_kt": Param(
        11.67,
        "jobs per kt/yr",
        "assumption",
        "No sourced CAM jobs figure; the anode ratio is reused.",
    ),
    "cell_tiers_at_new_sites": Param(
        False,
        "-",
        "assumption",
        "Whether coal and industrial sites also get generic cell-plant tiers. Off: the "
        "existing cell plants already exceed EV demand, so new generic cell plants are "
        "never chosen, yet they would make every such site a CAM/anode user and "
        "roughly triple the lane count. Announced cell plants remain candidates.",
    ),
    "lg_chem_phase2_option": Param(
        True,
        "-",
        "derived",
        "Offer LG Chem Clarksville phase 2 (to 120,000 t/yr, >$3B in total, "
        "plant_economics.csv notes) as an 'existing + expansion' CAM size.",
    ),
    "cell_tiers_gwh": Param(
        (10.0, 20.0, 40.0),
        "GWh/yr",
        "assumption",
        "Generic new cell-plant sizes (announced US plants are 10-100 GWh, median 34).",
    ),
    "cam_tiers_t": Param(
        (20000.0, 40000.0, 60000.0),
        "t/yr",
        "assumption",
        "Generic new CAM plant sizes (LG Chem phase 1 = 60 kt; US CAM projects 20-60 kt).",
    ),
    "anode_tiers_t": Param(
        (10000.0, 20000.0, 40000.0),
        "t/yr",
        "assumption",
        "Generic new anode plant sizes (announced: 7.5-40 kt).",
    ),
    "cell_conversion_cost": Param(
        15000.0,
        "k$ per GWh (= $15/kWh)",
        "assumption",
        "Variable cell conversion cost excluding materials and capital. Not sourced; "
        "it does not move any siting decision because total output is fixed by demand.",
    ),
    "cam_conversion_cost": Param(
        6.0,
        "k$ per t CAM",
        "assumption",
        "Variable CAM conversion cost excluding metal inputs. Not sourced; does not move "
        "siting (total output fixed by demand).",
    ),
    "anode_opex_all_in": Param(
        3.64,
        "k$ per t AAM",
        "verified",
        "Syrah Vidalia opex $3,640/t AAM (materials_and_components.csv / "
        "plant_economics.csv), applied to every anode plant (assumption).",
    ),
    "anode_kg_co2_per_t": Param(
        7300.0,
        "kg CO2e per t AAM",
        "verified",
        "Syrah Vidalia 7.3 kg CO2e/kg AAM (materials_and_components.csv), applied to "
        "every anode plant (assumption). Cells and CAM have no sourced factor (0).",
    ),
    # ---- material prices (same for domestic and imported material) --------------------
    "price_lithium_hydroxide": Param(
        10.0,
        "k$ per t LiOH.H2O",
        "assumption",
        "Not in the research (memory of 2024-25 market ~$9-12k/t). Same base price for "
        "domestic and imported material (imports add the landing cost below).",
    ),
    "price_nickel": Param(
        17.0,
        "k$ per t Ni contained",
        "assumption",
        "Not in the research (memory of 2024-25 LME ~$16-18k/t).",
    ),
    "price_cobalt": Param(
        25.0,
        "k$ per t Co contained",
        "assumption",
        "Not in the research (memory of 2024-25 ~$24-33k/t).",
    ),
    "price_manganese": Param(
        3.0,
        "k$ per t Mn contained",
        "assumption",
        "Not in the research (memory: high-purity MnSO4 ~$1k/t = ~$3k/t Mn).",
    ),
    "price_graphite_feedstock": Param(
        0.8,
        "k$ per t",
        "assumption",
        "Not in the research (memory of flake/needle-coke prices). Subtracted from the "
        "Syrah all-in opex to give the anode conversion cost.",
    ),
    "import_port_share": Param(
        1.0,
        "x national requirement, per port and material",
        "assumption",
        "Each gateway port can land up to 100% of the national requirement of each "
        "imported material (requirement = full demand through the recipes, rounded "
        "up to 1,000 t). Large but finite, so the model is always feasible.",
    ),
    "import_landing_cost": Param(
        0.1,
        "k$ per shipped tonne (= $100/t)",
        "assumption",
        "Added to the price of every import row (x the product's tonnes_per_unit): ocean "
        "freight and port handling, which domestic material does not pay. Not sourced "
        "(memory of $50-150/t bulk/container rates). With rail at $0.0308/t-km it makes "
        "domestic material preferred up to ~3,000 km of rail.",
    ),
    "component_import_premium": Param(
        0.10,
        "share above the full cost of a reference-size new US plant",
        "assumption",
        "CAM and anode active material can also be imported at every gateway port, "
        "priced at (1 + premium) x the full cost per tonne of a reference-size new US "
        "plant (metals at the prices above + conversion cost + annualised fixed cost of "
        "the 60 kt CAM / 40 kt anode tier). A backstop for residual needs: a large new "
        "plant is cheaper, so imports fill only what no plant is worth building for. It "
        "also keeps the MILP well conditioned (rounding plants down stays feasible). "
        "Value: the IRA section 45X production credit for electrode active materials "
        "(10% of production cost, memory, not in the research), i.e. what a US plant "
        "earns and an importer does not. Imported anode carries Syrah's production CO2.",
    ),
    "upstream_co2_raw_materials": Param(
        0.0,
        "kg CO2 per t",
        "assumption",
        "No sourced cradle-to-gate factor for LiOH, Ni, Co, Mn or graphite feedstock in "
        "the research; set to 0 for domestic and imported material alike.",
    ),
    # ---- freight -----------------------------------------------------------------------
    "truck_cost_usd_per_tkm": Param(
        0.093,
        "$ per tonne-km",
        "derived",
        "ATRI 2024 update: $2.270/truck-mile (2023), 16.3% deadhead, assumed 20 short-ton "
        "payload => $0.136/short ton-mile = $0.093/t-km (freight_parameters.csv; the "
        "payload is an assumption).",
    ),
    "rail_cost_usd_per_tkm": Param(
        0.0308,
        "$ per tonne-km",
        "assumption",
        "Research value tagged memory: Class I rail ~4.5 US cents per ton-mile (~2022) = "
        "3.08 cents/t-km (freight_parameters.csv). Not verified.",
    ),
    "truck_kg_co2_per_tkm": Param(
        0.14452,
        "kg CO2 per tonne-km",
        "verified",
        "EPA GHG Emission Factors Hub (15 Sep 2021) Table 8: 0.211 kg/short ton-mile "
        "(freight_parameters.csv).",
    ),
    "rail_kg_co2_per_tkm": Param(
        0.01507,
        "kg CO2 per tonne-km",
        "verified",
        "EPA GHG Emission Factors Hub (15 Sep 2021) Table 8: 0.022 kg/short ton-mile "
        "(freight_parameters.csv).",
    ),
    "truck_circuity": Param(
        1.2,
        "network km / great-circle km",
        "verified",
        "Newell (1980) ~1.2; O'Sullivan (1996) 1.21-1.23 via Wikibooks 'Circuity' "
        "(verified, secondary; freight_parameters.csv).",
    ),
    "rail_circuity": Param(
        1.25,
        "network km / great-circle km",
        "assumption",
        "Research value tagged memory (rail networks typically 1.2-1.4).",
    ),
    # ---- scenario inputs (used in models/*.toml, not in the CSVs) ---------------------
    "carbon_price_low_carbon": Param(
        0.19,
        "k$ per t CO2 (= $190/t)",
        "assumption",
        "models/low_carbon.toml. EPA 'Report on the Social Cost of Greenhouse Gases' "
        "(Nov 2023): $190/t CO2 for 2020 emissions at a 2% near-term discount rate "
        "(2020 $). Not in the research folder (memory), so flagged as an assumption.",
    ),
    # ---- site selection ----------------------------------------------------------------
    "eia_coal_min_mw": Param(
        400.0,
        "MW coal in the EIA-860M record",
        "assumption",
        "Selection rule for extra coal sites from EIA-860M: keeps large sites (with "
        "rail/grid/water access) and the number of binaries reasonable.",
    ),
    "eia_coal_min_retirement": Param(
        "2009-01",
        "YYYY-MM",
        "verified",
        "DOE/NETL coal-closure energy communities count coal EGU retirements since 2009 "
        "(FACTS.md section 3).",
    ),
    "energy_community_cutoff": Param(
        "2025-12",
        "YYYY-MM",
        "derived",
        "A plant counts as retired-since-2009 if its EIA-860M date is <= Dec 2025 (the "
        "EIA-860M vintage); later dates are planned retirements (pending).",
    ),
    "site_match_deg": Param(
        0.03,
        "degrees",
        "derived",
        "Two power-plant records within 0.03 deg are the same plant (the tolerance the "
        "research used for its eGRID join).",
    ),
    "port_gateway_km": Param(
        40.0,
        "km",
        "assumption",
        "Ports closer than this to a larger (or equal, earlier-listed) port of ports.csv "
        "are one import gateway: the smaller one is kept as a site but gets no import "
        "supply rows (LA/Long Beach, New York/Newark, Seattle/Tacoma). Their lanes would "
        "only duplicate the neighbour's.",
    ),
    "industrial_min_population": Param(
        1000000,
        "people (simplemaps population)",
        "assumption",
        "Non-coal comparison sites: every simplemaps place of at least this population "
        "in the contiguous US, as a proxy for a major metro industrial area.",
    ),
    "industrial_dedupe_km": Param(
        50.0,
        "km",
        "assumption",
        "A metro within this distance of a larger selected metro is dropped "
        "(e.g. Brooklyn/Queens/Bronx/Manhattan fold into New York).",
    ),
    "industrial_clearance_km": Param(
        15.0,
        "km",
        "assumption",
        "A metro within this distance of an EV, cell, coal or material site is dropped "
        "(that site already represents the location; e.g. Austin = Tesla Texas).",
    ),
}


def p(name: str):
    """Return the value of parameter ``name``."""
    return PARAMS[name].value


# Demand rule per EV plant of ev_assembly_plants.csv: (include, share key, note).
# share keys map to PARAMS["bev_share_<key>"]; None = not a demand node.
EV_RULES: dict[str, tuple[str | None, str]] = {
    "EV001": ("bev_only", "BEV-only plant, verified capacity"),
    "EV002": ("bev_line", "Model Y line capacity (Cybertruck line not counted: memory)"),
    "EV003": ("bev_line", "Semi line; kWh per Semi assumption; site = Gigafactory Nevada"),
    "EV004": ("bev_only", "no verified capacity: placeholder volume (assumption)"),
    "EV005": ("mixed", "no verified capacity: placeholder volume (assumption)"),
    "EV006": (None, "left out: Bolt EV run ends ~mid-2027, plant moves to ICE"),
    "EV007": ("erev", "BEV line turning EREV (Dec-2025)"),
    "EV008": (None, "left out: EV programme cancelled, gas trucks from 2029"),
    "EV009": ("bev_only", "BEV-only plant, verified capacity"),
    "EV010": ("bev_only", "BEV-only plant, verified capacity (production 2028)"),
    "EV011": ("bev_only", "BEV-only plant, verified phase-2 capacity"),
    "EV012": ("bev_hev", "initial 300,000/yr capacity (BEV + hybrids)"),
    "EV013": ("mixed", "whole-plant capacity, mostly ICE"),
    "EV014": ("mixed", "no verified capacity: placeholder volume (assumption)"),
    "EV015": ("mixed", "2021 output of all vehicle types (~260,000) used as capacity"),
    "EV016": ("bev_line", "ID.4 target 7,000/month x 12 (derived)"),
    "EV017": ("bev_erev", "full capacity, BEV + EREV (production 2026-27)"),
    "EV018": ("mixed", "whole-plant capacity, mixed"),
    "EV019": ("mixed", "whole-plant capacity, mostly ICE/HEV (BEV ~2028)"),
    "EV020": ("mixed", "no verified capacity: placeholder volume (assumption)"),
    "EV021": ("mixed", "capacity is memory: placeholder volume (assumption)"),
}
EV_VEHICLES_OVERRIDE = {"EV015": 260000}  # al.com: ~260,000 vehicles built in 2021
EV_SITE_MERGE = {"EV003": "CELL001"}  # Tesla Semi is on the Gigafactory Nevada campus

# Cell plants of battery_cell_plants.csv: (status, site it belongs to, rule note).
# Rule: operating / ramping / commissioning / starting 2025 -> existing (announced GWh as
# a single size); under construction, planned, delayed, paused or status unverified ->
# candidate with the announced size only (announced capex as its capital).
CELL_RULES: dict[str, tuple[str, str, str]] = {
    "CELL001": ("existing", "CELL001", "operating"),
    "CELL002": ("candidate", "CELL001", "announced Jan-2023; build-out status unverified"),
    "CELL003": ("existing", "CELL003", "operating (ramping)"),
    "CELL004": ("existing", "CELL004", "operating since Aug-2022"),
    "CELL005": ("existing", "CELL005", "operating since 2024"),
    "CELL006": ("candidate", "CELL006", "construction ~98% complete (2025)"),
    "CELL007": ("existing", "CELL007", "operating"),
    "CELL008": ("candidate", "CELL008", "under construction (start 2026)"),
    "CELL009": ("existing", "CELL009", "commissioning 2025"),
    "CELL010": ("candidate", "CELL010", "under construction, delayed"),
    "CELL011": ("candidate", "CELL011", "under construction (2025-26)"),
    "CELL012": ("existing", "CELL012", "operating"),
    "CELL013": ("existing", "CELL013", "operating since Aug-2025"),
    "CELL014": ("candidate", "CELL013", "delayed/idle (twin of Kentucky 1)"),
    "CELL015": ("candidate", "CELL015", "production planned 2027"),
    "CELL016": ("candidate", "CELL016", "start of production 2026"),
    "CELL017": ("existing", "CELL017", "operating since 2025"),
    "CELL018": ("existing", "CELL018", "starting 2025"),
    "CELL019": ("candidate", "CELL018", "planned 2027, status uncertain (twin of Kokomo 1)"),
    "CELL020": ("candidate", "CELL020", "under construction (2027)"),
    "CELL021": ("existing", "CELL021", "operating"),
    "CELL022": ("existing", "CELL022", "operating/ramping"),
    "CELL023": ("candidate", "CELL023", "construction paused Jun-2025"),
    "CELL024": ("candidate", "CELL024", "cell lines planned (packs only today)"),
}
CELL_SITE_NAMES = {
    "CELL001": "Gigafactory Nevada (Panasonic cells, Tesla 4680 and Semi lines)",
    "CELL013": "BlueOval SK Kentucky 1 and 2 (Glendale)",
    "CELL018": "StarPlus Energy Kokomo 1 and 2",
}

# Material, component and recycling sites of materials_and_components.csv.
# role: supply (domestic raw material), existing / candidate (a component plant at its
# announced size), tiers (generic CAM + anode tiers), or None (left out, with reason).
MAT_RULES: dict[str, tuple[str | None, str]] = {
    "MAT001": ("supply", "operating; ~5,000 t/yr lithium products from a weak source"),
    "MAT002": ("supply", "under construction; phase 1 40,000 t/yr Li2CO3"),
    "MAT003": (None, "left out: mothballed, no capacity"),
    "MAT004": ("supply", "operating since Dec-2024; 50 GWh/yr LiOH equivalent"),
    "MAT005": ("supply", "operating; mine life ~2027-29; Ni in concentrate"),
    "MAT006": (None, "left out: construction suspended Mar-2023"),
    "MAT007": ("existing", "operating since Q1-2024"),
    "MAT008": ("existing", "ramping"),
    "MAT009": ("candidate", "announced 2023, status unverified"),
    "MAT010": ("candidate", "construction delayed"),
    "MAT011": ("supply", "planned; 65,000 t/yr HPMSM (one train)"),
    "MAT012": ("supply", "planned; 60,000 t/yr MnSO4"),
    "MAT013": ("existing", "construction/commissioning, operations 2026"),
    "MAT014": ("candidate", "CAM building topped out 2024; 20 GWh/yr CAM initial"),
    "MAT015": ("tiers", "recycling since Nov-2025; target 100 GWh/yr components"),
    "MAT016": ("candidate", "construction into 2025; pCAM/CAM for 250,000 EVs/yr"),
    "MAT017": (None, "left out: black-mass pre-processing (recycling not modelled)"),
    "MAT018": (None, "left out: recycling salts (recycling not modelled)"),
    "MAT019": (None, "left out: 730 t/yr black mass (recycling not modelled)"),
    "MAT020": (None, "left out: separator (not in the recipes)"),
    "MAT021": (None, "left out: pack assembly, not cells"),
}

# Atomic masses (IUPAC) for stoichiometric conversions.
ATOMIC = {
    "Li": 6.94,
    "Ni": 58.693,
    "Co": 58.933,
    "Mn": 54.938,
    "S": 32.06,
    "O": 15.999,
    "H": 1.008,
    "C": 12.011,
}
H2O = 2 * ATOMIC["H"] + ATOMIC["O"]
SO4 = ATOMIC["S"] + 4 * ATOMIC["O"]

CONUS = (24.3, 49.5, -125.0, -66.8)  # lat_min, lat_max, lon_min, lon_max
NON_CONUS_STATES = {"AK", "HI", "PR", "GU", "VI", "AS", "MP"}

SIMPLEMAPS_ATTRIBUTION = (
    "simplemaps.com US Cities Database (basic), https://simplemaps.com/data/us-cities, "
    "licensed CC BY 4.0"
)
SRC_EIA = (
    "EIA-860M Dec-2025 aggregated per plant (github gnarlysasquatch76/gridsite "
    "public/data/power-plants.geojson @a8f1b35 = research raw/eia860m_power_plants_dec2025"
    ".geojson); county via EPA eGRID 2009-2021 coal plants + Census FIPS"
)


# =====================================================================================
# Helpers
# =====================================================================================


def haversine_km(lat1, lon1, lat2, lon2):
    """Great-circle distance in km (arrays broadcast)."""
    r = 6371.0088
    la1, lo1, la2, lo2 = (np.radians(np.asarray(x, dtype=float)) for x in (lat1, lon1, lat2, lon2))
    a = np.sin((la2 - la1) / 2) ** 2 + np.cos(la1) * np.cos(la2) * np.sin((lo2 - lo1) / 2) ** 2
    return 2 * r * np.arcsin(np.sqrt(a))


def crf(rate: float, years: int) -> float:
    """Capital recovery factor."""
    return rate * (1 + rate) ** years / ((1 + rate) ** years - 1)


def read_csv(path: Path) -> pd.DataFrame:
    """Read a research CSV with every column as text (no type guessing)."""
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def num(s: str) -> float:
    """Parse a number that may contain thousands separators."""
    return float(str(s).replace(",", "").strip())


def fmt(x, decimals: int) -> str:
    """Fixed-decimal float text without trailing zeros (deterministic)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    v = round(float(x), decimals)
    if v == 0:
        v = 0.0
    s = f"{v:.{decimals}f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


def write_table(df: pd.DataFrame, path: Path, decimals: dict[str, int]) -> None:
    """Write ``df`` as UTF-8 CSV with fixed float formats and LF line ends."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(list(df.columns))
    for row in df.itertuples(index=False):
        out = []
        for col, v in zip(df.columns, row, strict=True):
            if isinstance(v, bool | np.bool_):
                out.append("true" if v else "false")
            elif col in decimals:
                out.append(fmt(v, decimals[col]))
            elif v is None or (isinstance(v, float) and math.isnan(v)):
                out.append("")
            else:
                out.append(str(v))
        w.writerow(out)
    path.write_text(buf.getvalue(), encoding="utf-8", newline="")


def in_us(lat: float, lon: float) -> bool:
    """Whether a point is inside the contiguous-US box."""
    return CONUS[0] <= lat <= CONUS[1] and CONUS[2] <= lon <= CONUS[3]


# =====================================================================================
# Build steps
# =====================================================================================


class Builder:
    """Collects the tables of the package while reading the research folder."""

    def __init__(self, research: Path):
        self.r = research
        self.notes: list[str] = []  # rows left out and why (written to SOURCES.md)
        self.sites: list[dict] = []
        self.supply: list[dict] = []
        self.demand: list[dict] = []
        self.cands: list[dict] = []
        self.stats: dict[str, object] = {}

    # ---- chemistry -------------------------------------------------------------------
    def chemistry(self) -> None:
        """Products, technologies and recipes from the BOM of the chosen chemistry."""
        bom = read_csv(self.r / "battery_bom.csv")
        bom = bom[bom["chemistry"] == p("chemistry")]

        def item(prefix: str) -> float:
            rows = bom[bom["item"].str.startswith(prefix)]
            if len(rows) != 1:
                raise ValueError(f"battery_bom.csv: expected one '{prefix}' row")
            return float(rows["value"].iloc[0])

        self.kg = {
            "lioh": item("lithium hydroxide monohydrate"),
            "ni": item("nickel"),
            "co": item("cobalt"),
            "mn": item("manganese"),
            "graphite": item("graphite (anode)"),
            "cathode": item("cathode mass per kWh"),
            "cell": item("cell mass per kWh"),
        }
        kg = self.kg
        # t per GWh = kg per kWh x 1e6 kWh / 1000 kg
        self.cam_t_per_gwh = kg["cathode"] * 1000.0
        self.anode_t_per_gwh = kg["graphite"] * 1000.0
        self.recipes = pd.DataFrame(
            [
                (
                    "cell_manufacturing",
                    "cam",
                    self.cam_t_per_gwh,
                    "derived: cathode mass kg/kWh x 1000 (BatPaC 5.2 pack mass x 0.26)",
                ),
                (
                    "cell_manufacturing",
                    "anode_graphite",
                    self.anode_t_per_gwh,
                    "verified: BatPaC 5.2 graphite kg/kWh x 1000",
                ),
                (
                    "cam_production",
                    "lithium_hydroxide",
                    kg["lioh"] / kg["cathode"],
                    "derived: LiOH.H2O kg/kWh / cathode kg/kWh (BatPaC 5.2)",
                ),
                (
                    "cam_production",
                    "nickel",
                    kg["ni"] / kg["cathode"],
                    "derived: Ni kg/kWh / cathode kg/kWh (BatPaC 5.2)",
                ),
                (
                    "cam_production",
                    "cobalt",
                    kg["co"] / kg["cathode"],
                    "derived: Co kg/kWh / cathode kg/kWh (BatPaC 5.2)",
                ),
                (
                    "cam_production",
                    "manganese",
                    kg["mn"] / kg["cathode"],
                    "derived: Mn kg/kWh / cathode kg/kWh (BatPaC 5.2, Mn by stoichiometry)",
                ),
                (
                    "anode_production",
                    "graphite_feedstock",
                    p("anode_feedstock_t_per_t"),
                    "assumption: mass balance, no yield loss",
                ),
            ],
            columns=["technology", "input", "quantity", "source"],
        )
        ni_salt = (ATOMIC["Ni"] + SO4 + 6 * H2O) / ATOMIC["Ni"]
        co_salt = (ATOMIC["Co"] + SO4 + 7 * H2O) / ATOMIC["Co"]
        mn_salt = (ATOMIC["Mn"] + SO4 + H2O) / ATOMIC["Mn"]
        self.mn_salt = mn_salt
        chem = p("chemistry")
        self.products = pd.DataFrame(
            [
                (
                    "cells",
                    "GWh",
                    kg["cell"] * 1000.0,
                    f"{chem} cells; mass {kg['cell']} kg/kWh (premise, 0.28 kWh/kg cell, verified)",
                ),
                ("cam", "t", 1.0, f"{chem} cathode active material"),
                ("anode_graphite", "t", 1.0, "graphite anode active material"),
                ("lithium_hydroxide", "t LiOH.H2O", 1.0, "battery-grade lithium hydroxide"),
                (
                    "nickel",
                    "t Ni contained",
                    ni_salt,
                    "shipped as NiSO4.6H2O: mass factor derived by stoichiometry",
                ),
                (
                    "cobalt",
                    "t Co contained",
                    co_salt,
                    "shipped as CoSO4.7H2O: mass factor derived by stoichiometry",
                ),
                (
                    "manganese",
                    "t Mn contained",
                    mn_salt,
                    "shipped as MnSO4.H2O: mass factor derived by stoichiometry",
                ),
                ("graphite_feedstock", "t", 1.0, "natural flake or synthetic precursor"),
            ],
            columns=["product", "unit", "tonnes_per_unit", "description"],
        )
        self.technologies = pd.DataFrame(
            [
                (
                    "cell_manufacturing",
                    "cells",
                    p("cell_conversion_cost"),
                    0.0,
                    "assumption (conversion cost); CO2 not sourced",
                ),
                (
                    "cam_production",
                    "cam",
                    p("cam_conversion_cost"),
                    0.0,
                    "assumption (conversion cost); CO2 not sourced",
                ),
                (
                    "anode_production",
                    "anode_graphite",
                    p("anode_opex_all_in")
                    - p("price_graphite_feedstock") * p("anode_feedstock_t_per_t"),
                    p("anode_kg_co2_per_t"),
                    "derived: Syrah Vidalia opex $3,640/t minus assumed feedstock cost; CO2 = "
                    "Syrah 7.3 kg CO2e/kg (verified, applied to all plants)",
                ),
            ],
            columns=["technology", "output", "unit_cost", "kg_co2_per_unit", "source"],
        )

    # ---- sites -----------------------------------------------------------------------
    def add_site(self, **kw) -> None:
        """Append one site (refuses points outside the contiguous US)."""
        base = {
            "site_id": "",
            "name": "",
            "lat": np.nan,
            "lon": np.nan,
            "state": "",
            "energy_community": False,
            "kind": "",
            "county": "",
            "energy_community_basis": "",
            "status_note": "",
            "coal_mw": np.nan,
            "retirement_date": "",
            "source": "",
        }
        base.update(kw)
        if not in_us(base["lat"], base["lon"]):
            raise ValueError(f"site {base['site_id']} is outside the contiguous US")
        self.sites.append(base)

    def ev_demand(self) -> None:
        """Cell demand (GWh/yr) at EV assembly plants, by ``EV_RULES``."""
        ev = read_csv(self.r / "ev_assembly_plants.csv")
        if set(ev["site_id"]) != set(EV_RULES):
            raise ValueError("EV_RULES must list every row of ev_assembly_plants.csv")
        kwh_light = p("kwh_per_light_vehicle")
        for _, row in ev.sort_values("site_id").iterrows():
            share_key, note = EV_RULES[row["site_id"]]
            if share_key is None:
                self.notes.append(f"ev_assembly_plants.csv {row['site_id']} {row['name']}: {note}")
                continue
            if row["site_id"] in EV_VEHICLES_OVERRIDE:
                vehicles, basis = EV_VEHICLES_OVERRIDE[row["site_id"]], "verified output"
            elif row["annual_vehicle_capacity"].strip():
                vehicles, basis = num(row["annual_vehicle_capacity"]), row["verification"]
            else:
                vehicles, basis = p("unverified_plant_vehicles"), "assumption (placeholder)"
            share = p(f"bev_share_{share_key}")
            kwh = p("kwh_per_semi") if row["site_id"] == "EV003" else kwh_light
            gwh = vehicles * share * kwh / 1e6
            site_id = EV_SITE_MERGE.get(row["site_id"], row["site_id"])
            self.demand.append(
                {
                    "site_id": site_id,
                    "product": "cells",
                    "quantity": gwh,
                    "unmet_penalty": None,
                    "plant": row["name"],
                    "vehicles_per_year": vehicles,
                    "vehicles_basis": basis,
                    "bev_share": share,
                    "bev_share_rule": share_key,
                    "kwh_per_vehicle": kwh,
                    "note": note,
                    "source": row["sources"],
                }
            )
            if site_id == row["site_id"]:
                self.add_site(
                    site_id=site_id,
                    name=row["name"],
                    lat=float(row["lat"]),
                    lon=float(row["lon"]),
                    state=row["state"],
                    kind="ev_plant",
                    county=row["city_county"],
                    status_note=row["status_as_of_early_2026"],
                    source=f"{row['sources']} | coordinates: {row['coord_basis']}",
                )

    def cell_plants(self) -> None:
        """Cell-plant sites and their existing / announced options, by ``CELL_RULES``."""
        cp = read_csv(self.r / "battery_cell_plants.csv")
        if set(cp["site_id"]) != set(CELL_RULES):
            raise ValueError("CELL_RULES must list every row of battery_cell_plants.csv")
        rate = crf(p("discount_rate"), p("plant_life_years"))
        om = p("fixed_om_share")
        opts: dict[str, dict] = {}
        for _, row in cp.sort_values("site_id").iterrows():
            status, site_id, note = CELL_RULES[row["site_id"]]
            if site_id == row["site_id"]:
                kinds = "cell_plant"
                if site_id in EV_SITE_MERGE.values():
                    kinds = "cell_plant;ev_plant"
                self.add_site(
                    site_id=site_id,
                    name=CELL_SITE_NAMES.get(site_id, row["name"]),
                    lat=float(row["lat"]),
                    lon=float(row["lon"]),
                    state=row["state"],
                    kind=kinds,
                    county=row["city_county"],
                    status_note=row["status_as_of_late_2025"],
                    source=f"{row['sources']} | coordinates: {row['coord_basis']}",
                )
            gwh = num(row["gwh_per_year"])
            if row["announced_capex_musd"].strip():
                capex_k = num(row["announced_capex_musd"]) * 1000.0
                capex_src = "announced"
            else:
                capex_k = generic_capex_k("cell_manufacturing", gwh)
                capex_src = "generic (median $/GWh, scale rule)"
            if row["announced_jobs"].strip():
                jobs, jobs_src = num(row["announced_jobs"]), "announced"
            else:
                jobs, jobs_src = p("cell_jobs_per_gwh") * gwh, "generic (median jobs/GWh)"
            fixed = capex_k * (om if status == "existing" else rate + om)
            opt = {
                "site_id": site_id,
                "technology": "cell_manufacturing",
                "size": row["site_id"],
                "capacity": gwh,
                "fixed_cost": fixed,
                "capex": capex_k,
                "jobs": jobs,
                "status": status,
                "status_note": f"{row['name']}: {note}",
                "cost_basis": f"capex {capex_src}; jobs {jobs_src}; "
                + (
                    "fixed O&M only (capital sunk)"
                    if status == "existing"
                    else "capital recovery + fixed O&M"
                ),
                "source": row["sources"],
            }
            if site_id != row["site_id"]:
                # Twin plant on a campus whose first plant exists. The solver opens at
                # most one size per (site, technology) and exactly one if any is
                # existing, so the twin becomes an "existing + expansion" size.
                base = opts[site_id]
                opt.update(
                    {
                        "size": f"{base['size']}+{row['site_id']}",
                        "capacity": base["capacity"] + gwh,
                        "fixed_cost": base["fixed_cost"] + fixed,
                        "jobs": base["jobs"] + jobs,
                        "status_note": f"{base['status_note']} PLUS {opt['status_note']}",
                        "cost_basis": f"existing plant O&M + expansion ({opt['cost_basis']}); "
                        "capex = expansion only",
                        "source": f"{base['source']}; {opt['source']}",
                    }
                )
            else:
                opts[site_id] = opt
            self.cands.append(opt)

    def materials(self) -> None:
        """Material and component sites, domestic supply and component plants."""
        mat = read_csv(self.r / "materials_and_components.csv")
        econ = read_csv(self.r / "plant_economics.csv").set_index("item")
        if set(mat["site_id"]) != set(MAT_RULES):
            raise ValueError("MAT_RULES must list every row of materials_and_components.csv")
        rate = crf(p("discount_rate"), p("plant_life_years"))
        om = p("fixed_om_share")
        lioh_per_lce = 6.046 / 5.323  # battery_bom.csv conversion factors (derived)
        lioh_t_per_gwh = self.kg["lioh"] * 1000.0
        self.mat_tier_sites: list[str] = []
        for _, row in mat.sort_values("site_id").iterrows():
            role, note = MAT_RULES[row["site_id"]]
            if role is None:
                self.notes.append(
                    f"materials_and_components.csv {row['site_id']} {row['name']}: {note}"
                )
                continue
            self.add_site(
                site_id=row["site_id"],
                name=row["name"],
                lat=float(row["lat"]),
                lon=float(row["lon"]),
                state=row["state"],
                kind="material",
                county=row["city_county"],
                status_note=row["status"],
                source=f"{row['sources']} | coordinates: {row['coord_basis']}",
            )
            sid = row["site_id"]
            if role == "supply":
                if sid == "MAT001":
                    cap, prod = 5000.0 * lioh_per_lce, "lithium_hydroxide"
                    basis = (
                        "assumption: ~5,000 t/yr (weak source, basis unclear) read as "
                        "t LCE x 6.046/5.323 -> LiOH.H2O"
                    )
                elif sid == "MAT002":
                    cap, prod = num(row["capacity"]) * lioh_per_lce, "lithium_hydroxide"
                    basis = "derived: 40,000 t/yr Li2CO3 x 6.046/5.323 -> LiOH.H2O"
                elif sid == "MAT004":
                    cap, prod = num(row["capacity"]) * lioh_t_per_gwh, "lithium_hydroxide"
                    basis = (
                        "derived: 50 GWh/yr equivalent x NMC811 LiOH.H2O "
                        f"{lioh_t_per_gwh:.1f} t/GWh"
                    )
                elif sid == "MAT005":
                    cap, prod = num(row["capacity"]), "nickel"
                    basis = "verified: 20,865 t/yr Ni in concentrate (2014 estimate)"
                elif sid == "MAT011":
                    cap, prod = num(row["capacity"]) / self.mn_salt, "manganese"
                    basis = "derived: 65,000 t/yr MnSO4.H2O x Mn mass fraction"
                elif sid == "MAT012":
                    cap, prod = num(row["capacity"]) / self.mn_salt, "manganese"
                    basis = (
                        "derived: 60,000 t/yr MnSO4 x Mn mass fraction (monohydrate basis assumed)"
                    )
                else:  # pragma: no cover - guarded by MAT_RULES
                    raise ValueError(sid)
                self.supply.append(
                    {
                        "site_id": sid,
                        "product": prod,
                        "capacity": cap,
                        "unit_cost": p(f"price_{prod}"),
                        "kg_co2_per_unit": p("upstream_co2_raw_materials"),
                        "origin": "domestic",
                        "status_note": note,
                        "capacity_basis": basis,
                        "source": row["sources"],
                    }
                )
                continue
            if role == "tiers":
                self.mat_tier_sites.append(sid)
                continue
            tech = (
                "cam_production" if sid in {"MAT013", "MAT014", "MAT016"} else ("anode_production")
            )
            if sid == "MAT014":
                cap = num(row["capacity"]) * self.cam_t_per_gwh
                cap_basis = "derived: 20 GWh/yr CAM x NMC811 cathode t/GWh"
            elif sid == "MAT016":
                cap = 250000 * p("kwh_per_light_vehicle") / 1e6 * self.cam_t_per_gwh
                cap_basis = "derived: 250,000 EVs x kWh/vehicle (assumption) x cathode t/GWh"
            else:
                cap = num(row["capacity"])
                cap_basis = "verified"
            econ_item = {
                "MAT007": "Syrah Vidalia AAM",
                "MAT009": "Anovion Bainbridge GA",
                "MAT010": "Westwater Kellyton AL Phase I",
                "MAT013": "LG Chem Clarksville TN cathode phase 1",
                "MAT016": "Ascend Elements Apex 1",
            }.get(sid)
            capex_k, jobs = np.nan, np.nan
            if econ_item is not None:
                e = econ.loc[econ_item]
                capex_k = num(e["capex_musd"]) * 1000.0
                jobs = num(e["jobs"]) if e["jobs"].strip() else np.nan
            capex_src = "announced"
            if np.isnan(capex_k):
                capex_k, capex_src = generic_capex_k(tech, cap), "generic (scale rule)"
            jobs_src = "announced"
            if np.isnan(jobs):
                per = p("cam_jobs_per_kt") if tech == "cam_production" else p("anode_jobs_per_kt")
                jobs, jobs_src = per * cap / 1000.0, "generic (jobs per kt)"
            status = "existing" if role == "existing" else "candidate"
            fixed = capex_k * (om if status == "existing" else rate + om)
            if sid == "MAT013" and p("lg_chem_phase2_option"):
                # Phase 2: 120,000 t/yr for >$3B in total (notes of plant_economics.csv)
                # => +60,000 t/yr for ~$3.0B - $1.6B = $1.4B (derived), offered as an
                # "existing + expansion" size (one size per site and technology).
                e = econ.loc[econ_item]
                if "120,000 t for >$3B" not in e["notes"]:
                    raise ValueError("plant_economics.csv: LG Chem phase-2 note changed")
                add_k = 3000.0 * 1000.0 - capex_k
                self.cands.append(
                    {
                        "site_id": sid,
                        "technology": tech,
                        "size": f"{sid}+phase2",
                        "capacity": 2 * cap,
                        "fixed_cost": fixed + add_k * (rate + om),
                        "capex": add_k,
                        "jobs": 2 * jobs,
                        "status": "candidate",
                        "status_note": f"{row['name']}: phase 1 {note} PLUS phase 2 to "
                        "120,000 t/yr (planned)",
                        "cost_basis": "existing phase 1 O&M + phase 2 capex derived as $3.0B "
                        "total (>$3B announced) - $1.6B phase 1; jobs generic x 2",
                        "source": f"{row['sources']}; plant_economics.csv notes (industrytap.com)",
                    }
                )
            self.cands.append(
                {
                    "site_id": sid,
                    "technology": tech,
                    "size": sid,
                    "capacity": cap,
                    "fixed_cost": fixed,
                    "capex": capex_k,
                    "jobs": jobs,
                    "status": status,
                    "status_note": f"{row['name']}: {note}; capacity {cap_basis}",
                    "cost_basis": f"capex {capex_src}; jobs {jobs_src}; "
                    + (
                        "fixed O&M only (capital sunk)"
                        if status == "existing"
                        else "capital recovery + fixed O&M"
                    ),
                    "source": row["sources"],
                }
            )

    def ports(self) -> None:
        """Port sites and the import gateways among them."""
        ports = read_csv(self.r / "ports.csv")
        for _, row in ports.sort_values("port_id").iterrows():
            self.add_site(
                site_id=row["port_id"],
                name=f"Port of {row['port_name']}",
                lat=float(row["lat"]),
                lon=float(row["lon"]),
                state="",
                kind="port",
                status_note=f"UN/LOCODE {row['unlocode']}; WPI {row['wpi_number']}; "
                f"harbor size {row['wpi_harbor_size']}",
                source=row["source"],
            )
        size_rank = {"Large": 0, "Medium": 1, "Small": 2}
        order = ports.assign(r=ports["wpi_harbor_size"].map(size_rank)).sort_values(
            ["r", "port_id"]
        )
        gateways: list[pd.Series] = []
        for _, row in order.iterrows():
            near = [
                g
                for g in gateways
                if haversine_km(
                    float(row["lat"]), float(row["lon"]), float(g["lat"]), float(g["lon"])
                )
                <= p("port_gateway_km")
            ]
            if near:
                self.notes.append(
                    f"ports.csv {row['port_id']} {row['port_name']}: kept as a site, no import "
                    f"rows (same gateway as {near[0]['port_id']} {near[0]['port_name']})"
                )
                continue
            gateways.append(row)
        self.port_ids = sorted(g["port_id"] for g in gateways)
        port_states = {
            "PORT01": "CA",
            "PORT02": "CA",
            "PORT03": "GA",
            "PORT04": "SC",
            "PORT05": "TX",
            "PORT06": "MD",
            "PORT07": "AL",
            "PORT08": "LA",
            "PORT09": "VA",
            "PORT10": "NY",
            "PORT11": "NJ",
            "PORT12": "WA",
            "PORT13": "WA",
            "PORT14": "CA",
            "PORT15": "FL",
            "PORT16": "GA",
            "PORT17": "TX",
            "PORT18": "NC",
            "PORT19": "PA",
            "PORT20": "MI",
            "PORT21": "OH",
            "PORT22": "MN",
        }
        for s in self.sites:
            if s["kind"] == "port":
                s["state"] = port_states[s["site_id"]]

    def coal_curated(self) -> None:
        """Add the 74 coal-closure sites of the research tables."""
        frames = [
            read_csv(self.r / f) for f in ("coal_closure_sites.csv", "coal_closure_sites_extra.csv")
        ]
        coal = pd.concat(frames, ignore_index=True)
        self.curated_coal = coal
        for _, row in coal.sort_values("site_id").iterrows():
            ec_text = row["energy_community_coal_closure"]
            ec = ec_text.lower().startswith("yes")
            note = f"EIA-860M status {row['status_eia860m_dec2025']} {row['retirement_date']}"
            if row["notes"].strip():
                note += f"; {row['notes']}"
            self.add_site(
                site_id=row["site_id"],
                name=f"{row['plant_name']} coal plant site (near {row['nearest_town']})",
                lat=float(row["lat"]),
                lon=float(row["lon"]),
                state=row["state"],
                energy_community=ec,
                kind="coal_closure",
                county=row["county"],
                energy_community_basis=f"research: {ec_text}",
                status_note=note,
                coal_mw=num(row["coal_mw_in_record"]),
                retirement_date=row["retirement_date"],
                source=row["source"],
            )

    def coal_eia(self) -> None:
        """Extra retired/retiring coal plants from EIA-860M, deduplicated."""
        g = json.loads((self.r / "raw" / "eia860m_power_plants_dec2025.geojson").read_text())
        d = pd.DataFrame([f["properties"] for f in g["features"]])
        coal = d[d["fuel_type"].str.contains("Coal", case=False, na=False)].copy()
        self.stats["eia_coal_records"] = len(coal)
        coal = coal[coal["status"] != "operating"].copy()
        coal["planned_retirement_date"] = coal["planned_retirement_date"].fillna("")
        self.stats["eia_coal_nonoperating_records"] = len(coal)
        tol = p("site_match_deg")
        cur = self.curated_coal
        clat, clon = cur["lat"].astype(float).to_numpy(), cur["lon"].astype(float).to_numpy()
        coal = coal.sort_values(["state", "plant_name", "latitude", "longitude"]).reset_index(
            drop=True
        )
        # cluster EIA records of one plant (operating-sheet and retired-sheet rows)
        cluster = [-1] * len(coal)
        lat, lon = coal["latitude"].to_numpy(float), coal["longitude"].to_numpy(float)
        nxt = 0
        for i in range(len(coal)):
            if cluster[i] >= 0:
                continue
            cluster[i] = nxt
            stack = [i]
            while stack:
                j = stack.pop()
                near = np.where(np.hypot(lat - lat[j], lon - lon[j]) <= tol)[0]
                for k in near:
                    if cluster[k] < 0:
                        cluster[k] = nxt
                        stack.append(k)
            nxt += 1
        coal["cluster"] = cluster
        cutoff_lo, cutoff_hi = p("eia_coal_min_retirement"), p("energy_community_cutoff")
        # eGRID + Census for county names
        eg = pd.read_csv(self.r / "raw" / "egrid_coal_plants_2009_2021.csv")
        cty = pd.read_csv(
            self.r / "raw" / "census_national_county.txt",
            header=None,
            dtype=str,
            names=["st", "stfips", "ctyfips", "name", "cls"],
        )
        cty_name = {
            (int(a), int(b)): n
            for a, b, n in zip(cty["stfips"], cty["ctyfips"], cty["name"], strict=True)
        }
        rows = []
        matched_curated = 0
        for _, grp in coal.groupby("cluster", sort=True):
            glat = grp["latitude"].astype(float).mean()
            glon = grp["longitude"].astype(float).mean()
            if np.min(np.hypot(clat - glat, clon - glon)) <= tol:
                matched_curated += 1
                continue
            dates = grp["planned_retirement_date"]
            past = dates[(dates >= cutoff_lo) & (dates <= cutoff_hi)]
            future = dates[dates > cutoff_hi]
            if past.empty and future.empty:
                continue  # all coal retired before 2009
            mw = grp["total_capacity_mw"].astype(float).sum()
            state = grp["state"].iloc[0]
            if state in NON_CONUS_STATES or not in_us(glat, glon):
                self.notes.append(
                    f"EIA-860M coal plant {grp['plant_name'].iloc[0]} ({state}): "
                    "left out, outside the contiguous US"
                )
                continue
            big = grp.sort_values(
                ["total_capacity_mw", "plant_name"], ascending=[False, True]
            ).iloc[0]
            ec = not past.empty
            dd = np.hypot(eg["LAT"] - glat, eg["LON"] - glon)
            near = eg[dd <= tol]
            county, years = "", ""
            if not near.empty:
                f = near.iloc[0]
                county = cty_name.get((int(f["FIPSST"]), int(f["FIPSCNTY"])), "")
                yrs = sorted(set(near["YEAR"].astype(int)))
                years = f"{yrs[0]}-{yrs[-1]}" if yrs else ""
            statuses = ";".join(sorted(set(grp["status"])))
            date = past.max() if ec else future.min()
            rows.append(
                {
                    "name": big["plant_name"],
                    "lat": glat,
                    "lon": glon,
                    "state": state,
                    "mw": mw,
                    "ec": ec,
                    "county": county,
                    "egrid_years": years,
                    "statuses": statuses,
                    "date": date,
                }
            )
        self.stats["eia_clusters_matching_curated"] = matched_curated
        extra = pd.DataFrame(rows)
        self.stats["eia_extra_candidates_before_mw_filter"] = len(extra)
        extra = extra[extra["mw"] >= p("eia_coal_min_mw")]
        extra = extra.sort_values(["state", "name", "lat"]).reset_index(drop=True)
        for i, row in extra.iterrows():
            if row["ec"]:
                basis = (
                    f"derived: EIA-860M coal retirement {row['date']} (>= 2009-01); "
                    "verify in the DOE/NETL tract layer"
                )
            else:
                basis = f"pending: planned coal retirement {row['date']}"
            egrid = f"; eGRID coal years {row['egrid_years']}" if row["egrid_years"] else ""
            self.add_site(
                site_id=f"COALE{i + 1:03d}",
                name=f"{row['name']} coal plant site",
                lat=round(float(row["lat"]), 6),
                lon=round(float(row["lon"]), 6),
                state=row["state"],
                energy_community=bool(row["ec"]),
                kind="coal_closure",
                county=row["county"],
                energy_community_basis=basis,
                status_note=f"EIA-860M status {row['statuses']}{egrid}",
                coal_mw=float(row["mw"]),
                retirement_date=row["date"],
                source=SRC_EIA,
            )
        self.stats["eia_extra_coal_sites"] = len(extra)

    def industrial(self) -> None:
        """Non-coal metro industrial sites from simplemaps (CC BY 4.0)."""
        c = pd.read_csv(
            self.r / "raw" / "simplemaps_uscities_basic.csv", dtype={"county_fips": str}
        )
        c = c[
            (c["population"] >= p("industrial_min_population"))
            & ~c["state_id"].isin(NON_CONUS_STATES)
        ]
        c = c.sort_values(["population", "city"], ascending=[False, True])
        others = pd.DataFrame([s for s in self.sites if s["kind"] != "port"])
        chosen: list[pd.Series] = []
        for _, row in c.iterrows():
            if any(
                haversine_km(row["lat"], row["lng"], q["lat"], q["lng"])
                <= p("industrial_dedupe_km")
                for q in chosen
            ):
                self.notes.append(
                    f"simplemaps {row['city']}, {row['state_id']}: folded into a "
                    "larger metro within the dedupe distance"
                )
                continue
            dmin = haversine_km(row["lat"], row["lng"], others["lat"], others["lon"])
            if dmin.min() <= p("industrial_clearance_km"):
                near = others.iloc[int(np.argmin(dmin))]
                self.notes.append(
                    f"simplemaps {row['city']}, {row['state_id']}: represented by "
                    f"{near['site_id']} ({near['name']}, {dmin.min():.0f} km)"
                )
                chosen.append(row)
                continue
            chosen.append(row)
            self.add_site(
                site_id="",
                name=f"{row['city']}, {row['state_id']} metro industrial area",
                lat=float(row["lat"]),
                lon=float(row["lng"]),
                state=row["state_id"],
                kind="industrial",
                county=f"{row['county_name']} (FIPS {row['county_fips']})",
                status_note=f"city centroid; population {int(row['population'])}",
                source=SIMPLEMAPS_ATTRIBUTION,
            )
        n = 0
        for s in self.sites:
            if s["kind"] == "industrial":
                n += 1
                s["site_id"] = f"IND{n:03d}"

    # ---- candidates and supply ----------------------------------------------------------
    def generic_candidates(self) -> None:
        """Add generic size tiers of CAM and anode (and optionally cell) plants."""
        rate = crf(p("discount_rate"), p("plant_life_years"))
        om = p("fixed_om_share")
        tiers = {
            "cell_manufacturing": (p("cell_tiers_gwh"), "GWh", 1.0),
            "cam_production": (p("cam_tiers_t"), "kt", 1000.0),
            "anode_production": (p("anode_tiers_t"), "kt", 1000.0),
        }
        existing_at = {(c["site_id"], c["technology"]) for c in self.cands}
        curated_coal = set(self.curated_coal["site_id"])
        plan: list[tuple[str, str]] = []
        for s in self.sites:
            sid, kind = s["site_id"], s["kind"]
            techs: list[str] = []
            if kind == "coal_closure":
                techs = ["cam_production", "anode_production"]
                if sid in curated_coal and p("cell_tiers_at_new_sites"):
                    techs.insert(0, "cell_manufacturing")
            elif kind == "industrial":
                techs = ["cam_production", "anode_production"]
                if p("cell_tiers_at_new_sites"):
                    techs.insert(0, "cell_manufacturing")
            elif kind.startswith("cell_plant"):
                techs = ["cam_production", "anode_production"]
            elif sid in self.mat_tier_sites:
                techs = ["cam_production", "anode_production"]
            for t in techs:
                if (sid, t) not in existing_at:
                    plan.append((sid, t))
        for sid, t in sorted(plan):
            sizes, label, div = tiers[t]
            for size in sizes:
                capex_k = generic_capex_k(t, size)
                per = {
                    "cell_manufacturing": p("cell_jobs_per_gwh"),
                    "cam_production": p("cam_jobs_per_kt") / 1000.0,
                    "anode_production": p("anode_jobs_per_kt") / 1000.0,
                }[t]
                self.cands.append(
                    {
                        "site_id": sid,
                        "technology": t,
                        "size": f"{size / div:g}{label}",
                        "capacity": size,
                        "fixed_cost": capex_k * (rate + om),
                        "capex": capex_k,
                        "jobs": per * size,
                        "status": "candidate",
                        "status_note": "generic tier",
                        "cost_basis": "capex generic (reference $/unit x scale rule); jobs "
                        "generic; capital recovery + fixed O&M",
                        "source": "plant_economics.csv (derived) + PARAMS (see SOURCES.md)",
                    }
                )

    def imports(self) -> None:
        """Import supply rows at each gateway port, sized from the requirement."""
        total_gwh = sum(d["quantity"] for d in self.demand)
        rec = self.recipes.set_index(["technology", "input"])["quantity"]
        need = {
            "lithium_hydroxide": total_gwh
            * self.cam_t_per_gwh
            * rec[("cam_production", "lithium_hydroxide")],
            "nickel": total_gwh * self.cam_t_per_gwh * rec[("cam_production", "nickel")],
            "cobalt": total_gwh * self.cam_t_per_gwh * rec[("cam_production", "cobalt")],
            "manganese": total_gwh * self.cam_t_per_gwh * rec[("cam_production", "manganese")],
            "graphite_feedstock": total_gwh
            * self.anode_t_per_gwh
            * rec[("anode_production", "graphite_feedstock")],
        }
        self.need = dict(need)
        tpu = self.products.set_index("product")["tonnes_per_unit"]
        share = p("import_port_share")
        rate = crf(p("discount_rate"), p("plant_life_years"))
        om = p("fixed_om_share")
        premium = p("component_import_premium")
        if premium is not None:
            cam_ref, anode_ref = max(p("cam_tiers_t")), max(p("anode_tiers_t"))
            metals = sum(
                rec[("cam_production", m)] * p(f"price_{m}")
                for m in ("lithium_hydroxide", "nickel", "cobalt", "manganese")
            )
            cam_full = (
                metals
                + p("cam_conversion_cost")
                + generic_capex_k("cam_production", cam_ref) * (rate + om) / cam_ref
            )
            anode_full = (
                p("anode_opex_all_in")
                + generic_capex_k("anode_production", anode_ref) * (rate + om) / anode_ref
            )
            self.component_import = {
                "cam": (
                    cam_full * (1 + premium),
                    total_gwh * self.cam_t_per_gwh,
                    0.0,
                    f"derived: (1 + {premium:g}) x full cost {cam_full:.2f} k$/t of a "
                    f"{cam_ref / 1000:g} kt US plant",
                ),
                "anode_graphite": (
                    anode_full * (1 + premium),
                    total_gwh * self.anode_t_per_gwh,
                    p("anode_kg_co2_per_t"),
                    f"derived: (1 + {premium:g}) x full cost {anode_full:.2f} k$/t of a "
                    f"{anode_ref / 1000:g} kt US plant",
                ),
            }
            for port in self.port_ids:
                for prod, (price, q, co2, basis) in self.component_import.items():
                    self.supply.append(
                        {
                            "site_id": port,
                            "product": prod,
                            "capacity": math.ceil(q * share / 1000.0) * 1000.0,
                            "unit_cost": price + p("import_landing_cost") * tpu[prod],
                            "kg_co2_per_unit": co2,
                            "origin": "import",
                            "status_note": "import gateway (backstop for components)",
                            "capacity_basis": f"derived: {share:g} x national requirement "
                            f"{q:,.0f} t (rounded up to 1,000 t)",
                            "source": f"ports.csv (NGA World Port Index); price {basis}",
                        }
                    )
        for port in self.port_ids:
            for prod, q in need.items():
                cap = math.ceil(q * share / 1000.0) * 1000.0
                self.supply.append(
                    {
                        "site_id": port,
                        "product": prod,
                        "capacity": cap,
                        "unit_cost": p(f"price_{prod}") + p("import_landing_cost") * tpu[prod],
                        "kg_co2_per_unit": p("upstream_co2_raw_materials"),
                        "origin": "import",
                        "status_note": "import gateway",
                        "capacity_basis": f"derived: {share:g} x national requirement "
                        f"{q:,.0f} t (rounded up to 1,000 t)",
                        "source": "ports.csv (NGA World Port Index); capacity and price: PARAMS",
                    }
                )

    def modes(self) -> pd.DataFrame:
        """Truck and rail, checked against freight_parameters.csv."""
        fp = read_csv(self.r / "freight_parameters.csv")

        def val(mode_prefix: str, parameter: str) -> float:
            m = fp[fp["mode"].str.startswith(mode_prefix) & (fp["parameter"] == parameter)]
            if len(m) != 1:
                raise ValueError(f"freight_parameters.csv: {mode_prefix} / {parameter}")
            return float(m["value_si"].iloc[0])

        checks = {
            "truck_kg_co2_per_tkm": val("truck (medium", "CO2 emission factor") / 1000.0,
            "rail_kg_co2_per_tkm": val("rail", "CO2 emission factor") / 1000.0,
            "truck_cost_usd_per_tkm": val("truck", "cost per ton-mile (DERIVED)"),
            "rail_cost_usd_per_tkm": val("rail (Class I)", "typical revenue per ton-mile (MEMORY)")
            / 100.0,
            "truck_circuity": val(
                "road", "circuity factor (network distance / great-circle distance)"
            ),
            "rail_circuity": val("rail", "circuity factor (MEMORY)"),
        }
        for k, v in checks.items():
            if abs(v - p(k)) > 1e-9 * max(1.0, abs(v)):
                raise ValueError(f"PARAMS[{k}] = {p(k)} but freight_parameters.csv gives {v}")
        return pd.DataFrame(
            [
                (
                    "rail",
                    p("rail_cost_usd_per_tkm") / 1000.0,
                    p("rail_kg_co2_per_tkm"),
                    p("rail_circuity"),
                    "cost: assumption (research memory, ~4.5 c/short ton-mile); CO2: EPA GHG "
                    "Hub 2021 (verified); circuity: assumption (memory)",
                ),
                (
                    "truck",
                    p("truck_cost_usd_per_tkm") / 1000.0,
                    p("truck_kg_co2_per_tkm"),
                    p("truck_circuity"),
                    "cost: derived from ATRI 2024 ($2.270/mi, 20 short-ton payload assumed); "
                    "CO2: EPA GHG Hub 2021 (verified); circuity: Newell/O'Sullivan (verified, "
                    "secondary)",
                ),
            ],
            columns=["mode", "cost_per_tonne_km", "kg_co2_per_tonne_km", "circuity", "source"],
        )


def check_params(research: Path) -> None:
    """Recompute the derived parameters that have a formula and compare with PARAMS."""
    econ = read_csv(research / "plant_economics.csv").set_index("item")
    rows = econ.loc[["Westwater Kellyton AL Phase I", "Syrah Vidalia AAM", "Anovion Bainbridge GA"]]
    size = rows["capacity"].astype(float).to_numpy()
    capex = rows["capex_musd"].astype(float).to_numpy()
    slope = float(np.polyfit(np.log(size), np.log(capex), 1)[0])
    if round(slope, 2) != p("scale_exponent"):
        raise ValueError(f"scale exponent: data give {slope:.3f}, PARAMS {p('scale_exponent')}")
    if round(float(np.median(capex / size * 1000.0)), 1) != p("anode_capex_kusd_per_tpy"):
        raise ValueError("anode capex per t/yr does not match plant_economics.csv")
    if float(np.median(size)) != p("anode_ref_size_t"):
        raise ValueError("anode reference size does not match plant_economics.csv")


def generic_capex_k(tech: str, size: float) -> float:
    """Capital cost (k$) of a plant of ``size`` (GWh/yr or t/yr) by the scale rule."""
    b = p("scale_exponent")
    if tech == "cell_manufacturing":
        ref, unit_cost = p("cell_ref_size_gwh"), p("cell_capex_musd_per_gwh") * 1000.0
    elif tech == "cam_production":
        ref, unit_cost = p("cam_ref_size_t"), p("cam_capex_kusd_per_tpy")
    else:
        ref, unit_cost = p("anode_ref_size_t"), p("anode_capex_kusd_per_tpy")
    return unit_cost * ref * (size / ref) ** b


# =====================================================================================
# Checks
# =====================================================================================


def lane_counts(t: dict[str, pd.DataFrame]) -> dict[str, int]:
    """Lanes the solver will generate (holders x users x modes, origin != destination)."""
    cand = t["candidates"][t["candidates"]["status"] != "forbidden"]
    out_of = t["technologies"].set_index("technology")["output"]
    holders: dict[str, set] = {}
    users: dict[str, set] = {}
    for _, r in t["supply"].iterrows():
        holders.setdefault(r["product"], set()).add(r["site_id"])
    for _, r in cand.iterrows():
        holders.setdefault(out_of[r["technology"]], set()).add(r["site_id"])
    for _, r in t["demand"].iterrows():
        users.setdefault(r["product"], set()).add(r["site_id"])
    rec = t["recipes"]
    for _, r in cand.iterrows():
        for inp in rec.loc[rec["technology"] == r["technology"], "input"]:
            users.setdefault(inp, set()).add(r["site_id"])
    n_modes = len(t["modes"])
    counts = {}
    for prod in sorted(set(holders) | set(users)):
        h, u = holders.get(prod, set()), users.get(prod, set())
        counts[prod] = (len(h) * len(u) - len(h & u)) * n_modes
    return counts


def check(t: dict[str, pd.DataFrame], need: dict[str, float]) -> dict[str, object]:
    """Referential integrity, geography and feasibility checks; raise on failure."""
    errs = []
    sites = set(t["sites"]["site_id"])
    if len(sites) != len(t["sites"]):
        errs.append("duplicate site_id")
    prods = set(t["products"]["product"])
    techs = set(t["technologies"]["technology"])
    for name in ("supply", "demand", "candidates"):
        bad = set(t[name]["site_id"]) - sites
        if bad:
            errs.append(f"{name}: unknown sites {sorted(bad)[:5]}")
    for name, col in (
        ("supply", "product"),
        ("demand", "product"),
        ("technologies", "output"),
        ("recipes", "input"),
    ):
        bad = set(t[name][col]) - prods
        if bad:
            errs.append(f"{name}.{col}: unknown products {sorted(bad)}")
    if set(t["recipes"]["technology"]) - techs or set(t["candidates"]["technology"]) - techs:
        errs.append("unknown technology in recipes/candidates")
    for name, key in (
        ("supply", ["site_id", "product"]),
        ("demand", ["site_id", "product"]),
        ("candidates", ["site_id", "technology", "size"]),
        ("recipes", ["technology", "input"]),
    ):
        if t[name].duplicated(key).any():
            errs.append(f"{name}: duplicate key {key}")
    made = set(t["technologies"]["output"]) | set(t["supply"]["product"])
    for inp in set(t["recipes"]["input"]) - made:
        errs.append(f"recipe input {inp} is neither supplied nor made")
    # capacity vs requirement
    cand = t["candidates"][t["candidates"]["status"] != "forbidden"]
    demand_gwh = t["demand"]["quantity"].sum()
    cap = cand.groupby("technology")["capacity"].sum()
    if cap["cell_manufacturing"] < demand_gwh:
        errs.append("cell capacity below demand")
    sup = t["supply"].groupby("product")["capacity"].sum()
    for prod, q in need.items():
        if sup.get(prod, 0.0) < q:
            errs.append(f"supply of {prod} below requirement")
    for _, s in t["sites"].iterrows():
        if not in_us(s["lat"], s["lon"]):
            errs.append(f"site {s['site_id']} outside the US")
    if errs:
        raise ValueError("data package checks failed:\n  " + "\n  ".join(errs))
    existing = cand[cand["status"] == "existing"].groupby("technology")["capacity"].sum()
    return {
        "demand_gwh": demand_gwh,
        "cell_capacity_all_options_gwh": cap["cell_manufacturing"],
        "existing_capacity": existing.to_dict(),
        "requirement_t": need,
        "domestic_supply_t": t["supply"][t["supply"]["origin"] == "domestic"]
        .groupby("product")["capacity"]
        .sum()
        .to_dict(),
    }


# =====================================================================================
# SOURCES.md and README.md
# =====================================================================================


def sources_md(b: Builder, t: dict[str, pd.DataFrame], summary: dict, lanes: dict) -> str:
    """Provenance file, written from PARAMS and the build's own bookkeeping."""
    rate = crf(p("discount_rate"), p("plant_life_years"))
    sites = t["sites"]
    kinds = sites["kind"].value_counts().sort_index()
    n_coal = int((sites["kind"] == "coal_closure").sum())
    n_ec = int(sites["energy_community"].sum())
    lines = [
        "# Sources and provenance: `data/us_battery`",
        "",
        "Generated by `data/build_us_battery.py` from the research tables in "
        "`shared/research` (README.md, FACTS.md). Do not edit by hand: change the script "
        "(all parameters sit in `PARAMS` at its top) and rebuild.",
        "",
        "Tags: **verified** = read in a named public source; **derived** = computed from "
        "verified values (formula given); **assumption** = chosen for this dataset, "
        "including every research value tagged *memory* (not checked). Money is "
        "thousand US dollars (k$) per year; CO2 inputs are kg per unit.",
        "",
        "## Attribution",
        "",
        f"- Non-coal industrial sites (`IND*`): {SIMPLEMAPS_ATTRIBUTION}. The research "
        "copy of the file came from github mcedillo20/US-Cities-Data-for-Map; many EV, cell "
        "and material coordinates are simplemaps city centroids as well (see each row's "
        "`source`). Attribution to simplemaps.com is required wherever this data is used.",
        "- EIA-860M (Energy Information Administration), EPA eGRID and the EPA GHG "
        "Emission Factors Hub, Census county FIPS and the NGA World Port Index are US "
        "government public data.",
        "- Company, trade-press and news pages are cited per row in the `source` columns.",
        "",
        "## Tables",
        "",
        "| file | rows | built from | notes |",
        "|---|---|---|---|",
        f"| sites.csv | {len(sites)} | ev_assembly_plants.csv, battery_cell_plants.csv, "
        "materials_and_components.csv, ports.csv, coal_closure_sites*.csv, "
        "raw/eia860m_power_plants_dec2025.geojson (+ eGRID, Census), "
        "raw/simplemaps_uscities_basic.csv | "
        + ", ".join(f"{k}: {v}" for k, v in kinds.items())
        + f"; {n_coal} coal sites, {n_ec} flagged energy_community |",
        f"| products.csv | {len(t['products'])} | battery_bom.csv | cells in GWh, materials in t |",
        f"| technologies.csv | {len(t['technologies'])} | PARAMS | conversion costs, CO2 |",
        f"| recipes.csv | {len(t['recipes'])} | battery_bom.csv ({p('chemistry')}) | "
        "per unit of output |",
        f"| demand.csv | {len(t['demand'])} | ev_assembly_plants.csv + PARAMS | must be "
        "served (no unmet_penalty) |",
        f"| supply.csv | {len(t['supply'])} | materials_and_components.csv, ports.csv, "
        "PARAMS | `origin` domestic/import |",
        f"| candidates.csv | {len(t['candidates'])} | battery_cell_plants.csv, "
        "materials_and_components.csv, plant_economics.csv, PARAMS | status existing / "
        "candidate |",
        f"| modes.csv | {len(t['modes'])} | freight_parameters.csv | truck, rail |",
        "",
        "`lanes.csv` is not shipped: the solver generates every origin-destination pair "
        "per mode. Expected lanes: "
        + ", ".join(f"{k} {v:,}" for k, v in lanes.items())
        + f"; total {sum(lanes.values()):,}.",
        "",
        "## Parameters",
        "",
        "| name | value | unit | tag | source / reason |",
        "|---|---|---|---|---|",
    ]
    for name, par in PARAMS.items():
        val = par.value
        if isinstance(val, tuple):
            val = " / ".join(f"{v:g}" for v in val)
        lines.append(f"| `{name}` | {val} | {par.unit} | {par.tag} | {par.source} |")
    lines += [
        "",
        f"Capital recovery factor = r(1+r)^n / ((1+r)^n - 1) = {rate:.5f} for r = "
        f"{p('discount_rate')}, n = {p('plant_life_years')}. New plants: fixed_cost = capex "
        f"x ({rate:.5f} + {p('fixed_om_share')}); existing plants: capex x "
        f"{p('fixed_om_share')} (fixed O&M only).",
        "",
        "## How each table is built",
        "",
        "### Demand (`demand.csv`)",
        "",
        "GWh/yr of cells = vehicles/yr x BEV share x kWh per vehicle / 1e6 at each EV "
        "assembly plant (rule per plant in `EV_RULES`, columns `vehicles_basis`, "
        "`bev_share_rule`, `note`). Plants without a verified capacity get the placeholder "
        "volume `unverified_plant_vehicles` (assumption, marked in `vehicles_basis`). "
        "Tesla Semi demand sits at the Gigafactory Nevada site `CELL001` (same campus). "
        f"Total demand {summary['demand_gwh']:.1f} GWh/yr. Every row must be served "
        "(`unmet_penalty` blank).",
        "",
        "### Chemistry and recipes",
        "",
        f"One chemistry, {p('chemistry')}, with BatPaC 5.2 intensities (battery_bom.csv): "
        + ", ".join(f"{k} {v} kg/kWh" for k, v in b.kg.items())
        + ". Cell mass (premise, 0.28 kWh/kg) is used only for freight tonnage. All "
        "lithium (including the electrolyte share in BatPaC) is charged to CAM. The "
        "cathode mass (pack mass x cathode weight fraction 0.26) is *derived* and its "
        "interpretation as cathode active material is not confirmed (FACTS.md section 6). "
        "Copper, electrolyte, separator and other cell materials are not modelled.",
        "",
        "### Cell plants (`CELL*`)",
        "",
        "Rule: operating, ramping, commissioning or starting in 2025 -> `existing` with "
        "the announced GWh as one size (size label = research row id); under "
        "construction, planned, delayed, paused or status unverified -> `candidate` with "
        "only the announced size and announced capex. Twin plants on one campus share "
        "one site: CELL002 (Tesla 4680) and the Tesla Semi line are on site CELL001, "
        "CELL014 on CELL013, CELL019 on CELL018. As the solver opens at most one size "
        "per (site, technology), and exactly one where a size is existing, the twin is "
        "offered as a candidate size 'first+twin' (combined GWh; fixed cost = O&M of "
        "the first plant + annualised capital and O&M of the twin; capex = the twin's). "
        "Each cell-plant site also gets the "
        "generic CAM and anode tiers (co-location). Cell plants are not flagged as "
        "energy communities (not assessed).",
        "",
        "### Component plants and raw materials (`MAT*`)",
        "",
        "Existing: LG Chem Clarksville CAM (commissioning), Syrah Vidalia and Novonix "
        "Chattanooga anode. Candidates at their announced size: Redwood Nevada CAM, Ascend "
        "Apex 1 CAM, Anovion and Westwater anode. Redwood Carolina campus gets the generic "
        "CAM and anode tiers. Domestic raw-material supply: Silver Peak, Thacker Pass and "
        "Tesla Robstown (lithium hydroxide), Eagle Mine (nickel), Element 25 and South32 "
        "Hermosa (manganese), capacities in `supply.csv` `capacity_basis`. No domestic "
        "cobalt or graphite feedstock is available (Jervois suspended). Imports land at "
        "the gateway ports of ports.csv. LG Chem Clarksville also has a candidate size "
        "'MAT013+phase2' (120 kt in total, `lg_chem_phase2_option`).",
        "",
        "### Coal-closure sites (`COAL*`, `COALX*`, `COALE*`)",
        "",
        "The 74 research sites (COAL001-060, COALX01-14) keep their ids and data; "
        "`energy_community` = true where the research column says 'yes' (coal EGU retired "
        "since 2009), false for 'pending' and 'unclear'. Extra sites (`COALE*`) come from "
        f"EIA-860M: {summary['eia']['eia_coal_records']} coal records, "
        f"{summary['eia']['eia_coal_nonoperating_records']} not operating; records within "
        f"{p('site_match_deg')} deg are one plant; clusters matching a research site are "
        f"dropped ({summary['eia']['eia_clusters_matching_curated']}); plants whose coal "
        "all retired before 2009 are dropped; remaining plants with at least "
        f"{p('eia_coal_min_mw'):g} MW of coal in the record are kept "
        f"({summary['eia']['eia_extra_coal_sites']} of "
        f"{summary['eia']['eia_extra_candidates_before_mw_filter']}). energy_community = "
        "true (**derived**) when an EIA-860M coal retirement date lies between 2009-01 "
        "and 2025-12, false when only a planned retirement is known. Caveat: EIA-860M "
        "keeps the first unit's date of a multi-unit plant, and the true test is the "
        "DOE/NETL census-tract layer, which is not shipped. Coal sites get generic CAM "
        "and anode tiers.",
        "",
        "### Non-coal industrial sites (`IND*`)",
        "",
        f"Every simplemaps place with population >= {p('industrial_min_population'):,} in "
        "the contiguous US, deduplicated (see PARAMS), as a proxy for a major metro "
        "industrial area (city centroid). They get the generic CAM and anode tiers, so "
        "the coal-community constraint is a real choice. No generic cell tiers are "
        "offered at coal or industrial sites (`cell_tiers_at_new_sites`): the existing "
        "cell plants already exceed demand, so such tiers are never chosen, while they "
        "would make every site a CAM/anode user and roughly triple the lanes.",
        "",
        "### Imports, prices and CO2",
        "",
        "Raw materials have one price whether domestic or imported (prices are "
        "assumptions); imports also pay `import_landing_cost` per shipped tonne, so "
        "sourcing is decided by freight, landing cost and capacity. Per-port import "
        "capacity: `import_port_share` x national requirement. Only the gateway ports "
        "(see `port_gateway_km`) carry import rows. No upstream CO2 factor is sourced "
        "for raw materials (0). Anode production carries Syrah's 7.3 kg CO2e/kg, imported "
        "anode too. "
        + (
            "Cells must be made in the US (no import rows); CAM and anode may be imported "
            "as a backstop at `component_import_premium` above the full cost of a "
            "reference-size new US plant (price in each row's `source`)."
            if p("component_import_premium") is not None
            else "Cells, CAM and anode must be made in the US (no import rows): a policy "
            "framing of the baseline, not a sourced fact."
        ),
        "",
        "### Modes",
        "",
        "Truck and rail with EPA GHG Hub 2021 CO2 factors (verified), truck cost derived "
        "from ATRI (payload assumption), rail cost and rail circuity from research "
        "*memory* values (assumptions). There is no terminal or drayage cost, so rail is "
        "cheaper on every lane; treat the mode split with caution.",
        "",
        "## Research values tagged memory and how they are used",
        "",
        "- Rail 4.5 c/ton-mile and rail circuity 1.25: used, as assumptions (above).",
        "- Tesla Cybertruck capacity, BMW Spartanburg capacity: not used (placeholder "
        "volume instead for BMW).",
        "- BatPaC-consistent LFP cell mass, barge rate: not used.",
        "- J H Campbell retirement deferral: only in the research note carried to `status_note`.",
        "- Role annotations of ports.csv: not used.",
        "",
        "## Rows left out",
        "",
    ]
    lines += [f"- {n}" for n in b.notes]
    lines.append("")
    return "\n".join(lines)


README = """# us_battery: default data package

The embedded default dataset of hubopt: where should the United States build regional
battery-cell, cathode-active-material (CAM) and anode-graphite hubs, including at
coal-plant-closure energy communities?

Data as of: 2025-12 (the newest primary table is EIA-860M, December 2025; plant and project
statuses are as the research recorded them in early 2026, see SOURCES.md).

* Demand: GWh/yr of cells at US EV assembly plants.
* Existing and announced cell plants, CAM and anode plants; domestic lithium, nickel and
  manganese sources; 22 ports (19 import gateways) for raw materials and, as a backstop
  at a premium, CAM and anode.
* Candidate hub sites: retired/retiring coal plants (research list + EIA-860M), existing
  cell-plant campuses and major non-coal metro industrial areas, each with size tiers.

Rebuild (from the repository root, with the research folder at `../shared/research`):

    python data/build_us_battery.py [--research DIR] [--out DIR]

The build is deterministic: the same research tables give the same bytes.

Units: money in thousand US dollars (k$; fixed costs k$ per year, capex k$ one-off),
cells in GWh, every material in tonnes (nickel, cobalt, manganese as tonnes of contained
metal, shipped as sulfate salts), CO2 inputs in kg per unit, distances in km.

Every table, parameter and assumption is listed with its source and tag in
[SOURCES.md](SOURCES.md). Site coordinates partly come from the simplemaps.com US Cities
Database (CC BY 4.0); attribution to simplemaps.com is required.
"""


# =====================================================================================
# Main
# =====================================================================================


def build(research: Path, out: Path) -> dict[str, object]:
    """Build every file of the package into ``out``; return a summary."""
    check_params(research)
    b = Builder(research)
    b.chemistry()
    b.ev_demand()
    b.cell_plants()
    b.materials()
    b.ports()
    b.coal_curated()
    b.coal_eia()
    b.industrial()
    b.generic_candidates()
    b.imports()
    modes = b.modes()

    sites = pd.DataFrame(b.sites).sort_values("site_id").reset_index(drop=True)
    demand = pd.DataFrame(b.demand).sort_values(["site_id", "product"]).reset_index(drop=True)
    supply = pd.DataFrame(b.supply).sort_values(["site_id", "product"]).reset_index(drop=True)
    cands = pd.DataFrame(b.cands).sort_values(["site_id", "technology", "capacity", "size"])
    cands = cands.reset_index(drop=True)
    tables = {
        "sites": sites,
        "products": b.products.sort_values("product").reset_index(drop=True),
        "technologies": b.technologies.sort_values("technology").reset_index(drop=True),
        "recipes": b.recipes.sort_values(["technology", "input"]).reset_index(drop=True),
        "demand": demand,
        "supply": supply,
        "candidates": cands,
        "modes": modes.sort_values("mode").reset_index(drop=True),
    }
    summary = check(tables, b.need)
    summary["eia"] = b.stats
    lanes = lane_counts(tables)
    summary["lanes"] = lanes

    decimals = {
        "sites": {"lat": 6, "lon": 6, "coal_mw": 1},
        "products": {"tonnes_per_unit": 4},
        "technologies": {"unit_cost": 4, "kg_co2_per_unit": 3},
        "recipes": {"quantity": 6},
        "demand": {
            "quantity": 3,
            "unmet_penalty": 3,
            "vehicles_per_year": 0,
            "bev_share": 3,
            "kwh_per_vehicle": 1,
        },
        "supply": {"capacity": 1, "unit_cost": 4, "kg_co2_per_unit": 3},
        "candidates": {"capacity": 3, "fixed_cost": 1, "capex": 1, "jobs": 0},
        "modes": {"cost_per_tonne_km": 9, "kg_co2_per_tonne_km": 6, "circuity": 3},
    }
    out.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        write_table(df, out / f"{name}.csv", decimals[name])
    (out / "SOURCES.md").write_text(
        sources_md(b, tables, summary, lanes), encoding="utf-8", newline=""
    )
    (out / "README.md").write_text(README, encoding="utf-8", newline="")
    summary["rows"] = {k: len(v) for k, v in tables.items()}
    return summary


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--research",
        type=Path,
        default=DEFAULT_RESEARCH,
        help="research folder (default: <repo>/../shared/research)",
    )
    ap.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="output folder (default: data/us_battery)"
    )
    args = ap.parse_args(argv)
    if not (args.research / "FACTS.md").is_file():
        ap.error(f"research folder not found: {args.research}")
    s = build(args.research, args.out)
    print(f"wrote {args.out}")
    for k, v in s["rows"].items():
        print(f"  {k}.csv: {v} rows")
    print(f"  demand: {s['demand_gwh']:.1f} GWh/yr; existing capacity: {s['existing_capacity']}")
    print(f"  lanes: {sum(s['lanes'].values()):,} {s['lanes']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
