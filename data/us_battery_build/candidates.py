"""Candidates: real plants by status, and every technology's tiers at every suitable site.

Real plants (facilities_2030.csv): ``operating`` -> ``existing`` (fixed O&M only);
``under_construction`` / ``announced`` -> ``candidate`` at the announced size with the
announced capex (the model decides whether finishing them pays), start year noted;
``cancelled`` -> removed. Generic size tiers of every technology are offered at every
suitable site: every coal site, every industrial park, every cell-plant campus and
every processing-material site (not at mines, ports, EV plants or load centres). Where
a plant of that technology operates or is forced open at the site, no generic tier is
added (one size per site and technology). Under-construction plants with a stated start
year <= 2029 are ``required`` (forced open, start year in ``start_year``); delayed or
paused ones without a date stay candidates.
"""

from __future__ import annotations

import numpy as np

from us_battery_build.common import crf, num, read_csv
from us_battery_build.params import p

# cell facility -> list of (technology, GWh share key or absolute GWh)
CELL_TECH = {
    "CELL008": [("cell_nmc", 36.0), ("cell_lfp", 17.0)],  # 36 GWh 46-series + 17 GWh LFP ESS
    "CELL016": [("cell_lfp", None)],
    "CELL024": [("cell_lfp", None)],
}
# material facility -> (technology, capacity in output units, capacity basis, econ item)
MAT_OPTIONS = {
    "MAT004": (
        "lioh_refining",
        "lioh_gwh",
        "derived: 50 GWh/yr x LiOH.H2O t/GWh",
        "Tesla Robstown TX",
    ),
    "MAT007": ("anode_natural", 11250.0, "verified", "Syrah Vidalia AAM"),
    "MAT008": ("anode_synthetic", 3000.0, "AUDIT lead: 3 kt/yr commissioning (unverified)", None),
    "MAT009": ("anode_synthetic", 40000.0, "verified (announced)", "Anovion Bainbridge GA"),
    "MAT010": ("anode_natural", 7500.0, "verified (phase I)", "Westwater Kellyton AL Phase I"),
    "MAT013": (
        "cam_nmc811",
        60000.0,
        "verified (phase 1)",
        "LG Chem Clarksville TN cathode phase 1",
    ),
    "MAT014": (
        "recycling",
        "redwood_nv",
        "derived: ~60 kt/yr recovered materials / 1.33 t salts per t black mass x NiSO4 share",
        None,
    ),
    "MAT015": (
        "recycling",
        "redwood_sc",
        "derived: 20 kt/yr critical materials / 1.33 x NiSO4 share",
        None,
    ),
    "MAT016": (
        "pcam_nmc811",
        "apex",
        "derived: 250,000 EVs x 80 kWh x 1297 t CAM/GWh x 0.949",
        "Ascend Elements Apex 1",
    ),
    "MAT018": (
        "recycling",
        "cirba",
        "assumption: 10 kt/yr black mass",
        "Cirba Solutions Lancaster OH",
    ),
    "MAT019": ("recycling", "green", "verified: 730 t/yr black mass", None),
}
STATUS = {"operating": "existing", "under_construction": "candidate", "announced": "candidate"}
# Under construction with a start year stated in facilities_2030.csv status_detail (<= 2029):
# forced open (``required``) with that start year; other under-construction plants
# (delayed / paused, no date) stay candidates.
FORCED_START = {
    "CELL006": "2026",  # ~98 % complete in 2025
    "CELL008": "2026",  # 46-series cylindrical start 2026 (NMC part only; LFP ESS part paused)
    "CELL011": "2026",  # target 2025-26
    "CELL015": "2027",  # production planned 2027
    "CELL016": "2026",  # start of production 2026
    "CELL020": "2027",  # production 2027
    "MAT008": "2025",  # commissioning 3 kt/yr Apr 2025 (AUDIT lead)
    "MAT013": "2026",  # commissioning; ops 2026
}
SUITABLE_KINDS = {"coal_closure", "park", "cell_plant", "cell_plant;ev_plant", "material"}


def capex_generic(tech: str, size: float) -> float:
    """Capital cost (k$) of a new plant of ``size`` by the scale rule.

    Parameters
    ----------
    tech : str
        Technology.
    size : float
        Capacity in output units per year.

    Returns
    -------
    float
        k$, one-off.
    """
    unit, ref = p(f"capex_{tech}")
    return unit * ref * (size / ref) ** p("scale_exponent")


def _option(st, site, tech, size, cap, capex, status, note, basis, source, jobs=None, start=""):
    rate = crf(p("discount_rate"), p("plant_life_years"))
    om = p("fixed_om_share")
    fixed = capex * (om if status == "existing" else rate + om)
    if jobs is None:
        jobs = p("jobs_per_unit")[tech] * cap
    return {
        "site_id": site,
        "technology": tech,
        "size": size,
        "capacity": cap,
        "fixed_cost": fixed,
        "capex": capex,
        "jobs": jobs,
        "status": status,
        "start_year": start,
        "incentive": None,
        "min_utilisation": None,
        "status_note": note,
        "cost_basis": basis,
        "source": source,
        "existing_gwh": cap if status == "existing" else 0.0,
    }


def real_plants(st) -> None:
    """Options of the real cell and material plants, by status."""
    fac = st.facilities.set_index("facility_id")
    cp = read_csv(st.research / "battery_cell_plants.csv").set_index("site_id")
    econ = read_csv(st.research / "plant_economics.csv").set_index("item")
    site_ids = {s["site_id"] for s in st.sites}
    campus = {"CELL002": "CELL001", "CELL014": "CELL013", "CELL019": "CELL018"}
    first: dict[tuple[str, str], dict] = {}
    for fid in sorted(i for i in fac.index if i.startswith("CELL")):
        row = fac.loc[fid]
        site = campus.get(fid, fid)
        if row["status_2026_12"] == "cancelled" or site not in site_ids:
            continue
        status = STATUS[row["status_2026_12"]]
        if fid == "CELL024":
            status = "candidate"  # packs only today; cell lines uncertain
        gwh_total = num(row["capacity"])
        r = cp.loc[fid]
        capex_total = num(r["announced_capex_musd"]) * 1000.0 if r["announced_capex_musd"] else None
        jobs_total = num(r["announced_jobs"]) if r["announced_jobs"] else None
        for tech, gwh in CELL_TECH.get(fid, [("cell_nmc", None)]):
            gwh = gwh_total if gwh is None else gwh
            share = gwh / gwh_total
            if capex_total is not None:
                capex, cbasis = capex_total * share, "announced capex"
            else:
                capex, cbasis = capex_generic(tech, gwh), "generic capex (scale rule)"
            jobs = jobs_total * share if jobs_total is not None else None
            note = f"{row['name']}: {row['status_2026_12']} ({row['status_detail']})"
            start = row["start_year"]
            if fid in FORCED_START and not (fid == "CELL008" and tech == "cell_lfp"):
                status, start = "required", FORCED_START[fid]
                note += f"; forced open, start {start}"
            elif fid in FORCED_START:
                status = "candidate"
            opt = _option(
                st, site, tech, fid, gwh, capex, status, note,
                cbasis + ("; fixed O&M only" if status == "existing" else "; CRF + O&M"),
                row["source"], jobs=jobs, start=start,
            )  # fmt: skip
            base = first.get((site, tech))
            if base is not None and base["status"] == "existing":
                # twin on a campus whose first plant exists: an "existing + expansion" size
                opt.update(
                    size=f"{base['size']}+{fid}",
                    capacity=base["capacity"] + gwh,
                    fixed_cost=base["fixed_cost"] + opt["fixed_cost"],
                    jobs=base["jobs"] + opt["jobs"],
                    status_note=f"{base['status_note']} PLUS {note}",
                    existing_gwh=0.0,
                )
            else:
                first[(site, tech)] = opt
            st.cands.append(opt)
    rec = st.recipes.set_index(["technology", "input"])["quantity"]
    cam_t = rec[("cell_nmc", "cam_nmc811")]
    lioh_gwh = rec[("cam_nmc811", "lithium_hydroxide")] * cam_t
    bm_to_nis = st.nis_per_bm
    caps = {
        "lioh_gwh": 50.0 * lioh_gwh,
        "redwood_nv": 60000.0 / 1.33 * bm_to_nis,
        "redwood_sc": 20000.0 / 1.33 * bm_to_nis,
        "apex": 250000 * 80 / 1e6 * cam_t * rec[("cam_nmc811", "pcam_nmc811")],
        "cirba": 10000.0 * bm_to_nis,
        "green": 730.0 * bm_to_nis,
    }
    for fid, (tech, cap, cap_basis, item) in sorted(MAT_OPTIONS.items()):
        if fid not in site_ids:
            continue
        row = fac.loc[fid]
        cap = caps[cap] if isinstance(cap, str) else cap
        status = STATUS[row["status_2026_12"]]
        if fid == "MAT016":
            status = "candidate"  # construction paused, CAM line cancelled
        start = row["start_year"]
        if fid in FORCED_START:
            status, start = "required", FORCED_START[fid]
        if item is not None and econ.loc[item, "capex_musd"]:
            capex, cb = num(econ.loc[item, "capex_musd"]) * 1000.0, "announced capex"
        else:
            capex, cb = capex_generic(tech, cap), "generic capex (scale rule)"
        note = (
            f"{row['name']}: {row['status_2026_12']} ({row['status_detail']}); capacity {cap_basis}"
        )
        if status == "required":
            note += f"; forced open, start {start}"
        opt = _option(st, fid, tech, fid, cap, capex, status, note, cb, row["source"],
                      start=start)  # fmt: skip
        st.cands.append(opt)
        if fid == "MAT008":  # plan to 10 kt/yr: existing 3 kt + expansion
            add = capex_generic(tech, 7000.0)
            exp = _option(st, fid, tech, "MAT008+7kt", 10000.0, add, "candidate",
                          note + " PLUS expansion to 10 kt/yr (plan)", "generic capex for +7 kt",
                          row["source"])  # fmt: skip
            exp["fixed_cost"] += opt["fixed_cost"]
            exp["existing_gwh"] = 0.0
            st.cands.append(exp)
        if fid == "MAT013":  # phase 2 to 120 kt/yr, >$3B in total
            exp = _option(st, fid, tech, "MAT013+phase2", 120000.0, 3000000.0, "candidate",
                          note + " PLUS phase 2 to 120 kt/yr", "announced >$3B in total",
                          row["source"])  # fmt: skip
            st.cands.append(exp)
    if "MAT014" in site_ids:  # Redwood Nevada CAM line (20 GWh/yr initial)
        cap = 20.0 * cam_t
        st.cands.append(
            _option(st, "MAT014", "cam_nmc811", "MAT014cam", cap, capex_generic("cam_nmc811", cap),
                    "candidate", "Redwood Nevada CAM: building topped out 2024, 20 GWh/yr",
                    "generic capex (scale rule)", fac.loc["MAT014", "source"])
        )  # fmt: skip


def generic_tiers(st) -> None:
    """Every technology's size tiers at every suitable candidate site."""
    existing = {
        (c["site_id"], c["technology"]) for c in st.cands if c["status"] in ("existing", "required")
    }
    tiers = p("tiers")
    n_sites = 0
    for s in sorted(st.sites, key=lambda s: s["site_id"]):
        if s["kind"] not in SUITABLE_KINDS:
            continue
        n_sites += 1
        for tech in sorted(tiers):
            if (s["site_id"], tech) in existing:
                continue
            for size in tiers[tech]:
                label = f"{size:g}GWh" if tech.startswith("cell") else f"{size / 1000:g}kt"
                st.cands.append(
                    _option(st, s["site_id"], tech, label, size, capex_generic(tech, size),
                            "candidate", "generic tier", "generic capex (scale rule); CRF + O&M",
                            "PARAMS tiers / capex_* (see SOURCES.md)")
                )  # fmt: skip
    st.stats["candidate_sites"] = n_sites


def incentives(st) -> None:
    """DOE-style grant per new option at an energy-community site (``incentive``, k$/yr).

    The grant is 30 % of capex (48C-style share, assumption) annualised with the
    capital recovery factor; only the scenario's budget limits who receives it.
    """
    ec = {s["site_id"] for s in st.sites if s["energy_community"]}
    rate = crf(p("discount_rate"), p("plant_life_years"))
    for c in st.cands:
        if c["status"] == "candidate" and c["site_id"] in ec:
            c["incentive"] = 0.30 * c["capex"] * rate


def build_candidates(st) -> None:
    """Real plants, then generic tiers, then incentives.

    Parameters
    ----------
    st : BuildState
        Build state.
    """
    real_plants(st)
    generic_tiers(st)
    incentives(st)
    st.stats["scale_check"] = float(np.round(p("scale_exponent"), 2))
