"""Sites: EV plants, cell-plant campuses, material plants, ports, coal sites, parks.

Coal sites keep the ids and selection rules of the v1 package (74 research sites +
EIA-860M extras), so that ``data/sources_2030/coal_status.csv`` and
``energy_communities.csv`` (keyed by those ids) apply; their coal status, corrected
retirement dates and energy-community proxy come from those two tables.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from us_battery_build.common import (
    NON_CONUS_STATES,
    SIMPLEMAPS_ATTRIBUTION,
    SRC_EIA,
    haversine_km,
    in_us,
    num,
    read_csv,
)
from us_battery_build.params import p

# Twin plants on one campus share the first plant's site.
CELL_CAMPUS = {"CELL002": "CELL001", "CELL014": "CELL013", "CELL019": "CELL018"}
CELL_SITE_NAMES = {
    "CELL001": "Gigafactory Nevada (Panasonic cells, Tesla 4680 and Semi lines)",
    "CELL013": "BlueOval SK Kentucky 1 and 2 (Glendale)",
    "CELL018": "StarPlus Energy Kokomo 1 and 2",
}
# Material rows of facilities_2030.csv kept as sites, and why the others are not.
MATERIAL_LEFT_OUT = {
    "MAT003": "mothballed mine, no capacity (flag uncertain)",
    "MAT005": "nickel in concentrate (not sulfate), 2014 figure, mine life ~2027-29",
    "MAT006": "construction suspended Mar-2023 (flag remove)",
    "MAT011": "announced, status uncertain; no manganese-refining step in the model",
    "MAT012": "announced, status uncertain; no manganese-refining step in the model",
    "MAT020": "separator (not in the recipes)",
    "MAT021": "pack assembly, not cells",
    "NEW001": "cancelled (CAM line of Apex 1, DOE grant returned 2025-02-27)",
    "NEW002": "cancelled/stalled (Li-Cycle Rochester Hub, assets sold to Glencore 2025)",
    "NEW003": "status uncertain (Glencore-owned Li-Cycle spoke)",
    "NEW004": "cancelled (KORE Power Buckeye)",
}
MINES = {"MAT001", "MAT002"}  # remote mine sites: supply only, no generic tiers
PORT_STATES = dict(
    zip(
        [f"PORT{i:02d}" for i in range(1, 23)],
        "CA CA GA SC TX MD AL LA VA NY NJ WA WA CA FL GA TX NC PA MI OH MN".split(),
        strict=True,
    )
)


def add_site(st, **kw) -> None:
    """Append one site to ``st.sites`` (refuses points outside the contiguous US).

    Parameters
    ----------
    st : BuildState
        Build state.
    **kw
        Column values; missing columns take blank defaults.
    """
    base = {
        "site_id": "",
        "name": "",
        "lat": np.nan,
        "lon": np.nan,
        "state": "",
        "energy_community": False,
        "kind": "",
        "county": "",
        "energy_community_basis": "not assessed (official tract/MSA list not available)",
        "coal_status": "",
        "retirement_year": np.nan,
        "still_burns_coal": "",
        "egrid_subregion": "",
        "status_note": "",
        "coal_mw": np.nan,
        "retirement_date": "",
        "source": "",
    }
    base.update(kw)
    if not in_us(base["lat"], base["lon"]):
        raise ValueError(f"site {base['site_id']} is outside the contiguous US")
    st.sites.append(base)


def ev_sites(st) -> None:
    """EV assembly plants that carry 2030 demand (demand_2030.csv, segment ev_cells)."""
    ev = read_csv(st.research / "ev_assembly_plants.csv").set_index("site_id")
    dem = read_csv(st.sources / "demand_2030.csv")
    for sid in sorted(set(dem.loc[dem["segment"] == "ev_cells", "site_id"])):
        if not sid.startswith("EV"):
            continue
        row = ev.loc[sid]
        add_site(
            st,
            site_id=sid,
            name=row["name"],
            lat=float(row["lat"]),
            lon=float(row["lon"]),
            state=row["state"],
            kind="ev_plant",
            county=row["city_county"],
            status_note=row["status_as_of_early_2026"],
            source=f"{row['sources']} | coordinates: {row['coord_basis']}",
        )


def facility_sites(st) -> None:
    """Cell campuses and material plants of facilities_2030.csv (cancelled left out)."""
    fac = read_csv(st.sources / "facilities_2030.csv")
    st.facilities = fac
    for _, row in fac.sort_values("facility_id").iterrows():
        fid = row["facility_id"]
        if row["type"] == "cell":
            if fid in CELL_CAMPUS:
                continue
            if row["status_2026_12"] == "cancelled":
                st.notes.append(f"facilities_2030.csv {fid} {row['name']}: cancelled, removed")
                continue
            kind = "cell_plant;ev_plant" if fid == "CELL001" else "cell_plant"
        else:
            if fid in MATERIAL_LEFT_OUT:
                st.notes.append(
                    f"facilities_2030.csv {fid} {row['name']}: {MATERIAL_LEFT_OUT[fid]}"
                )
                continue
            kind = "mine" if fid in MINES else "material"
        add_site(
            st,
            site_id=fid,
            name=CELL_SITE_NAMES.get(fid, row["name"]),
            lat=float(row["lat"]),
            lon=float(row["lon"]),
            state=row["state"],
            kind=kind,
            county=row["city"],
            status_note=f"{row['status_2026_12']}: {row['status_detail']}",
            source=f"{row['source']} | coordinates: {row['coord_basis']}",
        )


def ports(st) -> None:
    """Port sites and the import gateways among them (rule of v1)."""
    pt = read_csv(st.research / "ports.csv")
    for _, row in pt.sort_values("port_id").iterrows():
        add_site(
            st,
            site_id=row["port_id"],
            name=f"Port of {row['port_name']}",
            lat=float(row["lat"]),
            lon=float(row["lon"]),
            state=PORT_STATES[row["port_id"]],
            kind="port",
            status_note=f"UN/LOCODE {row['unlocode']}; WPI {row['wpi_number']}; "
            f"harbor size {row['wpi_harbor_size']}",
            source=row["source"],
        )
    rank = {"Large": 0, "Medium": 1, "Small": 2}
    order = pt.assign(r=pt["wpi_harbor_size"].map(rank)).sort_values(["r", "port_id"])
    gateways: list[pd.Series] = []
    for _, row in order.iterrows():
        near = [
            g
            for g in gateways
            if haversine_km(float(row["lat"]), float(row["lon"]), float(g["lat"]), float(g["lon"]))
            <= p("port_gateway_km")
        ]
        if near:
            st.notes.append(
                f"ports.csv {row['port_id']} {row['port_name']}: kept as a site, no import "
                f"rows (same gateway as {near[0]['port_id']} {near[0]['port_name']})"
            )
            continue
        gateways.append(row)
    st.port_ids = sorted(g["port_id"] for g in gateways)


def coal_curated(st) -> None:
    """Add the 74 coal-closure sites of the research tables (ids kept)."""
    frames = [
        read_csv(st.research / f)
        for f in ("coal_closure_sites.csv", "coal_closure_sites_extra.csv")
    ]
    coal = pd.concat(frames, ignore_index=True)
    st.curated_coal = coal
    for _, row in coal.sort_values("site_id").iterrows():
        note = f"EIA-860M status {row['status_eia860m_dec2025']} {row['retirement_date']}"
        if row["notes"].strip():
            note += f"; {row['notes']}"
        add_site(
            st,
            site_id=row["site_id"],
            name=f"{row['plant_name']} coal plant site (near {row['nearest_town']})",
            lat=float(row["lat"]),
            lon=float(row["lon"]),
            state=row["state"],
            kind="coal_closure",
            county=row["county"],
            status_note=note,
            coal_mw=num(row["coal_mw_in_record"]),
            retirement_date=row["retirement_date"],
            source=row["source"],
        )


def _clusters(lat: np.ndarray, lon: np.ndarray, tol: float) -> list[int]:
    """Single-linkage clusters of points closer than ``tol`` degrees."""
    cluster = [-1] * len(lat)
    nxt = 0
    for i in range(len(lat)):
        if cluster[i] >= 0:
            continue
        cluster[i] = nxt
        stack = [i]
        while stack:
            j = stack.pop()
            for k in np.where(np.hypot(lat - lat[j], lon - lon[j]) <= tol)[0]:
                if cluster[k] < 0:
                    cluster[k] = nxt
                    stack.append(k)
        nxt += 1
    return cluster


def coal_eia(st) -> None:
    """Extra retired/retiring coal plants (>= 400 MW) from EIA-860M (rule of v1)."""
    g = json.loads((st.research / "raw" / "eia860m_power_plants_dec2025.geojson").read_text())
    d = pd.DataFrame([f["properties"] for f in g["features"]])
    coal = d[d["fuel_type"].str.contains("Coal", case=False, na=False)].copy()
    st.stats["eia_coal_records"] = len(coal)
    coal = coal[coal["status"] != "operating"].copy()
    coal["planned_retirement_date"] = coal["planned_retirement_date"].fillna("")
    tol = p("site_match_deg")
    cur = st.curated_coal
    clat, clon = cur["lat"].astype(float).to_numpy(), cur["lon"].astype(float).to_numpy()
    coal = coal.sort_values(["state", "plant_name", "latitude", "longitude"]).reset_index(drop=True)
    coal["cluster"] = _clusters(
        coal["latitude"].to_numpy(float), coal["longitude"].to_numpy(float), tol
    )
    lo, hi = p("eia_coal_min_retirement"), p("energy_community_cutoff")
    eg = pd.read_csv(st.research / "raw" / "egrid_coal_plants_2009_2021.csv")
    cty = pd.read_csv(
        st.research / "raw" / "census_national_county.txt",
        header=None,
        dtype=str,
        names=["st", "stfips", "ctyfips", "name", "cls"],
    )
    cty_name = {
        (int(a), int(b)): n
        for a, b, n in zip(cty["stfips"], cty["ctyfips"], cty["name"], strict=True)
    }
    rows = []
    for _, grp in coal.groupby("cluster", sort=True):
        glat = grp["latitude"].astype(float).mean()
        glon = grp["longitude"].astype(float).mean()
        if np.min(np.hypot(clat - glat, clon - glon)) <= tol:
            continue
        dates = grp["planned_retirement_date"]
        past = dates[(dates >= lo) & (dates <= hi)]
        future = dates[dates > hi]
        if past.empty and future.empty:
            continue
        state = grp["state"].iloc[0]
        if state in NON_CONUS_STATES or not in_us(glat, glon):
            continue
        big = grp.sort_values(["total_capacity_mw", "plant_name"], ascending=[False, True]).iloc[0]
        near = eg[np.hypot(eg["LAT"] - glat, eg["LON"] - glon) <= tol]
        county = ""
        if not near.empty:
            f = near.iloc[0]
            county = cty_name.get((int(f["FIPSST"]), int(f["FIPSCNTY"])), "")
        rows.append(
            {
                "name": big["plant_name"],
                "lat": glat,
                "lon": glon,
                "state": state,
                "mw": grp["total_capacity_mw"].astype(float).sum(),
                "county": county,
                "statuses": ";".join(sorted(set(grp["status"]))),
                "date": past.max() if not past.empty else future.min(),
            }
        )
    extra = pd.DataFrame(rows)
    extra = extra[extra["mw"] >= p("eia_coal_min_mw")]
    extra = extra.sort_values(["state", "name", "lat"]).reset_index(drop=True)
    for i, row in extra.iterrows():
        add_site(
            st,
            site_id=f"COALE{i + 1:03d}",
            name=f"{row['name']} coal plant site",
            lat=round(float(row["lat"]), 6),
            lon=round(float(row["lon"]), 6),
            state=row["state"],
            kind="coal_closure",
            county=row["county"],
            status_note=f"EIA-860M status {row['statuses']}",
            coal_mw=float(row["mw"]),
            retirement_date=row["date"],
            source=SRC_EIA,
        )
    st.stats["eia_extra_coal_sites"] = len(extra)


def coal_status(st) -> None:
    """Coal status, corrected dates and the energy-community proxy of every coal site."""
    cs = read_csv(st.sources / "coal_status.csv").set_index("site_id")
    ec = read_csv(st.sources / "energy_communities.csv").set_index("site_id")
    for s in st.sites:
        if s["kind"] != "coal_closure":
            continue
        c, e = cs.loc[s["site_id"]], ec.loc[s["site_id"]]
        raw = c["coal_status"]
        if raw.startswith("operating"):
            status, year = "operating", c["latest_planned_retirement_of_operating_coal"]
        elif raw.startswith("retiring"):
            status, year = "retiring", c["latest_planned_retirement_of_operating_coal"]
        else:
            status, year = "retired", s["retirement_date"]
        if c["corrected_retirement_date"]:
            s["retirement_date"] = c["corrected_retirement_date"]
            year = c["corrected_retirement_date"]
            s["status_note"] += f"; date corrected: {c['correction_source']}"
        s["coal_status"] = status
        s["retirement_year"] = float(year[:4]) if year else np.nan
        s["still_burns_coal"] = c["still_burns_coal"]
        if c["operating_coal_mw"] not in ("", "0.0"):
            basis = "corrected" if c["corrected_retirement_date"] else "EIA-860M"
            s["status_note"] += f"; operating coal {c['operating_coal_mw']} MW ({basis})"
        s["energy_community"] = e["coal_closure_rule_met_proxy"] == "true"
        s["energy_community_basis"] = (
            f"proxy ({e['tag']}): coal EGU retired since 2009 near the site "
            f"({e['coal_retirement_dates_used'] or 'none'}); official DOE/NETL tract list "
            "not shipped"
        )


# ESS load centres: the v1 metro ids that demand_2030.csv refers to (simplemaps city).
METROS = {
    "IND001": ("New York", "NY"),
    "IND004": ("Houston", "TX"),
    "IND005": ("Dallas", "TX"),
    "IND007": ("Boston", "MA"),
    "IND008": ("Phoenix", "AZ"),
    "IND012": ("Minneapolis", "MN"),
    "IND014": ("Riverside", "CA"),
    "IND015": ("Las Vegas", "NV"),
    "IND017": ("St. Louis", "MO"),
    "IND018": ("Portland", "OR"),
    "IND021": ("Orlando", "FL"),
    "IND028": ("Columbus", "OH"),
    "IND029": ("Charlotte", "NC"),
    "IND037": ("Richmond", "VA"),
    "IND039": ("Oklahoma City", "OK"),
}


def metros(st) -> None:
    """Metro load centres for ESS demand (simplemaps city centroids, v1 ids)."""
    c = pd.read_csv(
        st.research / "raw" / "simplemaps_uscities_basic.csv", dtype={"county_fips": str}
    )
    for sid, (city, state) in sorted(METROS.items()):
        m = c[(c["city"] == city) & (c["state_id"] == state)]
        if len(m) != 1:
            raise ValueError(f"simplemaps: {city}, {state} not unique")
        row = m.iloc[0]
        add_site(
            st,
            site_id=sid,
            name=f"{city}, {state} metro (ESS load centre)",
            lat=float(row["lat"]),
            lon=float(row["lng"]),
            state=state,
            kind="load_centre",
            county=f"{row['county_name']} (FIPS {row['county_fips']})",
            status_note=f"city centroid; population {int(row['population'])}",
            source=SIMPLEMAPS_ATTRIBUTION,
        )


def parks(st) -> None:
    """Industrial parks and megasites (industrial_sites.csv) as candidate sites."""
    ip = read_csv(st.sources / "industrial_sites.csv")
    n = 0
    for _, row in ip.iterrows():
        lat, lon = float(row["lat"]), float(row["lon"])
        near = [
            s
            for s in st.sites
            if s["kind"] in ("cell_plant", "cell_plant;ev_plant", "material", "park")
            and haversine_km(lat, lon, s["lat"], s["lon"]) <= p("park_merge_km")
        ]
        if near:
            near[0]["name"] += f" [{row['name']}]"
            near[0]["source"] += f" | park: {row['source']} ({row['tag']})"
            continue
        n += 1
        add_site(
            st,
            site_id=f"PARK{n:02d}",
            name=row["name"],
            lat=lat,
            lon=lon,
            state=row["state"],
            kind="park",
            county=row["county"],
            status_note=f"anchor tenants: {row['anchor_tenants']}; "
            f"coordinates: {row['coord_basis']}",
            source=f"{row['source']} ({row['tag']})",
        )


def build_sites(st) -> None:
    """Run every site step in a fixed order.

    Parameters
    ----------
    st : BuildState
        Build state; fills ``st.sites``.
    """
    ev_sites(st)
    facility_sites(st)
    ports(st)
    coal_curated(st)
    coal_eia(st)
    coal_status(st)
    metros(st)
    parks(st)
