"""Every number of the build that is not read from a source table, with its provenance.

``SOURCES.md`` is written from :data:`PARAMS`, so the provenance file cannot drift from
the data. Money is k$ (thousand US dollars); the source tables are in plain $.
"""

from __future__ import annotations

from us_battery_build.common import Param

A, D, V = "assumption", "derived", "verified"

PARAMS: dict[str, Param] = {
    # ---- package ------------------------------------------------------------------------
    "target_year": Param(2030, "year", A, "One target year for demand, statuses and capacity."),
    "data_date": Param(
        "2026-12-01",
        "date",
        D,
        "Date of the research in data/sources_2030 (NOTES.md); statuses are mostly as of "
        "late 2025 (stored corpora cover ~2025 to early 2026).",
    ),
    # ---- economics ----------------------------------------------------------------------
    "discount_rate": Param(0.08, "real, per year", A, "Annualisation of capital."),
    "plant_life_years": Param(20, "years", A, "Annualisation of capital."),
    "fixed_om_share": Param(
        0.03,
        "share of capex per year",
        A,
        "Fixed O&M. Existing plants pay only this (capital sunk); new ones pay capital "
        "recovery + fixed O&M.",
    ),
    "scale_exponent": Param(
        0.88,
        "-",
        D,
        "capex(S) = capex_ref x (S/S_ref)^b; log-log slope over Westwater, Syrah, Anovion "
        "(plant_economics.csv; n=3, weak; recomputed by the build).",
    ),
    # capex per unit of annual capacity, reference size (k$ per unit/yr, unit/yr)
    "capex_cell_nmc": Param(
        (87500.0, 34.0),
        "k$ per GWh/yr, GWh/yr",
        D,
        "Median announced capex 87.5 M$/GWh (n=19) and median size 34 GWh "
        "(plant_economics.csv). AUDIT: North American plants report >100 M$/GWh.",
    ),
    "capex_cell_lfp": Param((87500.0, 34.0), "k$ per GWh/yr, GWh/yr", A, "Same as NMC cells."),
    "capex_cam_nmc811": Param(
        (26.7, 60000.0), "k$ per t/yr, t/yr", D, "LG Chem Clarksville: $1.6B / 60 kt/yr."
    ),
    "capex_cam_lfp": Param(
        (12.0, 50000.0),
        "k$ per t/yr, t/yr",
        A,
        "Not sourced: LFP calcination plants are simpler than NMC (memory ~$8-15k per t/yr).",
    ),
    "capex_pcam_nmc811": Param(
        (15.0, 40000.0),
        "k$ per t/yr, t/yr",
        A,
        "Not sourced (co-precipitation + sulfate handling; memory ~$10-20k per t/yr).",
    ),
    "capex_lioh_refining": Param(
        (13.4, 27900.0),
        "k$ per t/yr, t/yr",
        D,
        "Tesla Robstown $375M for 50 GWh/yr equivalent (materials_and_components.csv) = "
        "50 x 557.6 t LiOH.H2O/GWh = 27.9 kt/yr -> 13.4 k$ per t/yr.",
    ),
    "capex_li2co3_refining": Param(
        (13.4, 27900.0), "k$ per t/yr, t/yr", A, "Same as hydroxide refining (not sourced)."
    ),
    "capex_anode_natural": Param(
        (18.6, 11250.0), "k$ per t/yr, t/yr", D, "Syrah Vidalia $209M / 11.25 kt/yr."
    ),
    "capex_anode_synthetic": Param(
        (20.0, 40000.0), "k$ per t/yr, t/yr", D, "Anovion Bainbridge $800M / 40 kt/yr."
    ),
    "capex_recycling": Param(
        (12.0, 30000.0),
        "k$ per t/yr of NiSO4.6H2O output, t/yr",
        A,
        "Not sourced: hydromet plant ~$10k per t/yr of black mass (memory) / 0.806 t "
        "NiSO4.6H2O per t black mass.",
    ),
    # generic size tiers (units of output per year)
    "tiers": Param(
        {
            "cell_nmc": (10.0, 20.0, 40.0),
            "cell_lfp": (10.0, 20.0, 40.0),
            "cam_nmc811": (20000.0, 40000.0, 60000.0),
            "cam_lfp": (25000.0, 50000.0, 100000.0),
            "pcam_nmc811": (20000.0, 40000.0, 60000.0),
            "lioh_refining": (10000.0, 25000.0, 50000.0),
            "li2co3_refining": (10000.0, 25000.0, 50000.0),
            "anode_natural": (10000.0, 20000.0, 40000.0),
            "anode_synthetic": (10000.0, 20000.0, 40000.0),
            "recycling": (8000.0, 16000.0, 32000.0),
        },
        "GWh/yr or t/yr",
        A,
        "Announced US plants: cells 10-100 GWh, CAM 20-120 kt, anode 7.5-45 kt, LiOH "
        "~28-50 kt; recycling tiers = 10/20/40 kt black mass x 0.806.",
    ),
    "jobs_per_unit": Param(
        {
            "cell_nmc": 58.7,
            "cell_lfp": 58.7,
            "cam_nmc811": 0.01167,
            "cam_lfp": 0.01167,
            "pcam_nmc811": 0.0075,
            "lioh_refining": 0.01,
            "li2co3_refining": 0.01,
            "anode_natural": 0.01333,
            "anode_synthetic": 0.01,
            "recycling": 0.0155,
        },
        "jobs per unit/yr",
        D,
        "labour hours per unit (technology_factors.csv) / 2,000 h per job-year; cells: "
        "median 58.7 jobs/GWh (plant_economics.csv).",
    ),
    # non-factor production cost (excludes electricity and labour, priced per site)
    "unit_cost": Param(
        {
            "cell_nmc": 20000.0,
            "cell_lfp": 18000.0,
            "cam_nmc811": 2.0,
            "cam_lfp": 1.0,
            "pcam_nmc811": 0.933,
            "lioh_refining": 1.5,
            "li2co3_refining": 1.5,
            "anode_natural": 1.5,
            "anode_synthetic": 2.0,
            "recycling": 1.0,
        },
        "k$ per unit of output",
        A,
        "Materials not in the recipes (electrolyte, separator, foils, casing for cells: "
        "$20/kWh NMC, $18/kWh LFP), reagents and other variable cost; electricity and "
        "labour are in site_factors x technology_factors. pCAM includes 0.866 t NaOH x "
        "$500/t + $0.5k/t (NaOH is a commodity bought locally, not shipped in the model).",
    ),
    "process_kg_co2": Param(
        {"anode_synthetic": 2000.0, "anode_natural": 500.0, "cam_nmc811": 500.0},
        "kg CO2 per t (non-electric process emissions)",
        A,
        "Not sourced: fuel for calcination / coke baking. Electricity CO2 comes from the "
        "grid factor of the site. Syrah Vidalia's 7.3 t/t (verified) is a cradle-to-gate "
        "total including feedstock, not used as a process figure.",
    ),
    # ---- bill of materials helpers -----------------------------------------------------
    "spodumene_grade_li2o": Param(0.06, "mass share Li2O in SC6", A, "Standard SC6 grade."),
    "lithium_recovery": Param(
        0.85, "share", A, "Refinery lithium recovery from spodumene (memory 80-90%)."
    ),
    "cell_scrap_share": Param(
        0.05,
        "t scrap per t of cell active material",
        A,
        "Manufacturing scrap rate of mature plants (memory 3-10%; ramp-up higher).",
    ),
    "existing_cell_utilisation": Param(
        0.6,
        "share",
        A,
        "Output of operating cell plants in 2030 used to size their must-take scrap.",
    ),
    "eol_black_mass_t": Param(
        20000.0,
        "t black mass per yr (US end-of-life in 2030)",
        A,
        "Not sourced: small, most EVs sold after 2020 are still in use in 2030; placed "
        "at operating pre-processors (Ascend Base 1, Cirba Lancaster, Li-Cycle spoke, "
        "Green Li-ion) in equal shares.",
    ),
    "price_black_mass": Param(3.0, "k$ per t", A, "Payable NMC black mass (memory)."),
    # ---- raw-material prices where imports_2030.csv has none ----------------------------
    "price": Param(
        {
            "nickel_sulfate": 4.3,
            "cobalt_sulfate": 5.7,
            "manganese_sulfate": 1.0,
            "iron_phosphate": 1.5,
            "graphite_flake": 0.6,
            "needle_coke": 1.2,
            "spodumene": 1.0,
            "lithium_carbonate": 9.5,
        },
        "k$ per t landed",
        A,
        "Memory of 2024-25 markets: Ni $17k/t / 4.478 + $0.5k sulfate premium; Co $25k "
        "/ 4.77 + $0.5k; HPMSM ~$1k; FePO4 ~$1.5k; flake $0.6k; needle coke $1.2k; SC6 "
        "~$1k; Li2CO3 ~$9.5k. Domestic and imported at the same price.",
    ),
    "import_co2": Param(
        {
            "nickel_sulfate": 6000.0,
            "cobalt_sulfate": 8000.0,
            "manganese_sulfate": 1500.0,
            "iron_phosphate": 1500.0,
            "graphite_flake": 500.0,
            "needle_coke": 1500.0,
            "spodumene": 300.0,
            "lithium_carbonate": 8000.0,
        },
        "kg CO2e per t (cradle to gate)",
        A,
        "Not sourced (GREET not reached). Same factor for domestic material of that kind.",
    ),
    "import_port_share": Param(
        1.0,
        "x national requirement per port, product and origin",
        A,
        "Per-gateway import capacity; port capacities are not sourced.",
    ),
    "import_landing_cost": Param(
        0.1,
        "k$ per t (= $100/t)",
        A,
        "Ocean freight to the US for rows whose price is FOB or has no freight "
        "(imports_2030.csv landed costs already add $100/t where stated).",
    ),
    # ---- freight ------------------------------------------------------------------------
    "truck_cost_usd_per_tkm": Param(0.093, "$ per t-km", D, "ATRI 2024, 20 short-ton payload."),
    "rail_cost_usd_per_tkm": Param(0.0308, "$ per t-km", A, "Research memory ~4.5 c/ton-mile."),
    "truck_kg_co2_per_tkm": Param(0.14452, "kg per t-km", V, "EPA GHG Hub 2021 Table 8."),
    "rail_kg_co2_per_tkm": Param(0.01507, "kg per t-km", V, "EPA GHG Hub 2021 Table 8."),
    "truck_circuity": Param(1.2, "-", V, "Newell 1980 / O'Sullivan 1996 (secondary)."),
    "rail_circuity": Param(1.25, "-", A, "Research memory."),
    "rail_handling_cost": Param(
        0.03,
        "k$ per t (= $30/t)",
        A,
        "Two rail terminal lifts + two drayage legs (memory: $10-15/t per lift or dray); "
        "not sourced. Charged once per tonne (handling_cost_per_tonne).",
    ),
    "truck_handling_cost": Param(
        0.005, "k$ per t (= $5/t)", A, "Loading/unloading a truck (memory)."
    ),
    "rail_handling_kg_co2": Param(
        5.0,
        "kg CO2 per t",
        D,
        "2 drayage legs of ~17 km x 0.1445 kg/t-km (EPA truck factor) ~ 5 kg/t.",
    ),
    # ---- sites --------------------------------------------------------------------------
    "eia_coal_min_mw": Param(400.0, "MW", A, "Extra EIA-860M coal sites kept (as v1)."),
    "eia_coal_min_retirement": Param("2009-01", "YYYY-MM", V, "DOE/NETL coal-closure rule."),
    "energy_community_cutoff": Param("2025-12", "YYYY-MM", D, "EIA-860M vintage."),
    "site_match_deg": Param(0.03, "degrees", D, "Same plant tolerance (research eGRID join)."),
    "port_gateway_km": Param(40.0, "km", A, "Ports closer than this share one gateway."),
    "industrial_min_population": Param(
        1000000, "people", A, "Metros used as ESS load centres (ids as v1)."
    ),
    "industrial_dedupe_km": Param(50.0, "km", A, "Metro dedupe (as v1)."),
    "industrial_clearance_km": Param(15.0, "km", A, "Metro clearance from other sites (as v1)."),
    "park_merge_km": Param(
        5.0,
        "km",
        A,
        "An industrial park within this distance of a cell-plant or material site is "
        "that site (its name is added), not a second site.",
    ),
    "reality_radius_km": Param(100.0, "km", A, "Reality check: 'near a real plant'."),
    # ---- scenarios ---------------------------------------------------------------------
    "carbon_price_low_carbon": Param(
        0.19,
        "k$ per t CO2 (= $190/t)",
        A,
        "EPA 'Report on the Social Cost of Greenhouse Gases' (Nov 2023), 2020 emissions, "
        "2% discount rate; memory, not in the research.",
    ),
    "doe_grant_budget": Param(
        (250000.0, 0.101852),
        "k$ one-off, annualisation factor",
        D,
        "Seed DOE programme $250M one-off x capital recovery factor (8%, 20 years) = "
        "25,463 k$/yr incentive budget.",
    ),
}


def p(name: str):
    """Return the value of parameter ``name``.

    Parameters
    ----------
    name : str
        Key of :data:`PARAMS`.

    Returns
    -------
    object
        The value.
    """
    return PARAMS[name].value
