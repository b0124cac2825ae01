"""Derive the coal status of every coal site in data/us_battery/sites.csv.

For each site whose id starts with COAL (COAL..., COALE..., COALX...) this script
looks up every coal record of the EIA-860M (December 2025) plant file
(raw/eia860m_power_plants_dec2025.geojson, as aggregated per plant and fuel by the
public repository gnarlysasquatch76/gridsite) that lies within RADIUS_KM of the site
and in the same state, and reports:

* operating coal MW (records with status "operating" or "retiring": coal units still
  running; "retiring" ones carry a planned retirement date),
* retired coal MW (records with status "retired", or "retooled" = coal units retired
  while other units at the plant still run),
* the latest planned retirement date of the still-running coal,
* coal_status: operating | retiring (YYYY-MM) | retired,
* still_burns_coal: true when any coal record nearby is operating or retiring.

Offline, pandas + json only.  Usage:

    python derive_coal_status.py --raw /path/to/shared/research/raw \
        --sites /path/to/data/us_battery/sites.csv --out coal_status.csv

Caveat (inherited from the gridsite build script): for a multi-unit plant the record's
planned_retirement_date is the date of the first generator row met, not necessarily
the last unit's date.  Statuses are those of EIA-860M Dec 2025 and do not include
later DOE 202(c) orders or announcements.
"""

import argparse
import json
import math
import os

import pandas as pd

RADIUS_KM = 3.0

# Retirement dates the AUDIT says are wrong in sites.csv, with the corrected date; each
# was checked by hand against the named public page (not by this script).
AUDIT_DATE_LEADS = {
    "L V Sutton": (
        "2013-11",
        "verified: duke-energy.com/our-company/about-us/power-plants/sutton-plant "
        "('The coal-fired units were retired in November 2013')",
    ),
    "River Rouge": (
        "2021-05",
        "verified: powermag.com/dte-retires-river-rouge-coal-fired-plant/ "
        "(last unit operated for the final time on May 31, 2021)",
    ),
    "Mohave": (
        "2005-12",
        "verified: powermag.com/nevada-mohave-coal-plant-to-be-decommissioned/ "
        "(operated 1971-2005, shuttered December 2005)",
    ),
}


def haversine_km(lat1, lon1, lat2, lon2):
    r = 6371.0088
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def load_coal_records(raw_dir):
    path = os.path.join(raw_dir, "eia860m_power_plants_dec2025.geojson")
    with open(path, encoding="utf-8") as fh:
        gj = json.load(fh)
    rows = [f["properties"] for f in gj["features"]]
    df = pd.DataFrame(rows)
    df = df[df["fuel_type"].str.contains("Coal", case=False, na=False)].copy()
    df["planned_retirement_date"] = df.get("planned_retirement_date", "").fillna("")
    return df.reset_index(drop=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--raw", required=True, help="folder holding eia860m_power_plants_dec2025.geojson"
    )
    ap.add_argument("--sites", required=True, help="data/us_battery/sites.csv")
    ap.add_argument("--out", default="coal_status.csv")
    ap.add_argument("--radius-km", type=float, default=RADIUS_KM)
    args = ap.parse_args()

    coal = load_coal_records(args.raw)
    sites = pd.read_csv(args.sites, dtype=str, keep_default_na=False)
    sites = sites[sites["site_id"].str.startswith("COAL")].copy()

    out = []
    for _, s in sites.iterrows():
        lat, lon, st = float(s["lat"]), float(s["lon"]), s["state"]
        cand = coal[coal["state"] == st]
        near = []
        for _, c in cand.iterrows():
            d = haversine_km(lat, lon, float(c["latitude"]), float(c["longitude"]))
            if d <= args.radius_km:
                near.append((d, c))
        op = [c for d, c in near if c["status"] in ("operating", "retiring")]
        ret = [c for d, c in near if c["status"] in ("retired", "retooled")]
        op_mw = round(sum(float(c["total_capacity_mw"]) for c in op), 1)
        ret_mw = round(sum(float(c["total_capacity_mw"]) for c in ret), 1)
        planned = sorted(c["planned_retirement_date"] for c in op if c["planned_retirement_date"])
        retired_dates = sorted(
            c["planned_retirement_date"] for c in ret if c["planned_retirement_date"]
        )
        if op:
            if any(c["status"] == "operating" for c in op):
                status = "operating" if not planned else f"operating; part retiring {planned[-1]}"
            else:
                status = f"retiring {planned[-1]}" if planned else "retiring (no date)"
        elif ret:
            status = "retired"
        else:
            status = "no EIA-860M coal record within radius"
        name = s["name"]
        lead = ""
        corrected = ""
        for key, (date, src) in AUDIT_DATE_LEADS.items():
            if key.lower() in name.lower():
                corrected, lead = date, src
        out.append(
            {
                "site_id": s["site_id"],
                "name": name,
                "state": st,
                "energy_community_in_package": s.get("energy_community", ""),
                "retirement_date_in_package": s.get("retirement_date", ""),
                "eia_records_within_radius": len(near),
                "eia_plant_names": "; ".join(sorted({c["plant_name"] for d, c in near})),
                "operating_coal_mw": op_mw,
                "retired_coal_mw": ret_mw,
                "latest_planned_retirement_of_operating_coal": planned[-1] if planned else "",
                "eia_retirement_dates_of_retired_records": "; ".join(retired_dates),
                "coal_status": status,
                "still_burns_coal": "true" if op else "false",
                "corrected_retirement_date": corrected,
                "correction_source": lead,
                "source": "EIA-860M Dec 2025 via github gnarlysasquatch76/gridsite "
                "public/data/power-plants.geojson "
                "(shared/research/raw/eia860m_power_plants_dec2025.geojson); "
                f"match = same state and <= {args.radius_km:g} km",
                "tag": "derived" + ("; corrected_retirement_date verified" if corrected else ""),
            }
        )
    pd.DataFrame(out).to_csv(args.out, index=False)
    df = pd.DataFrame(out)
    burning = df.still_burns_coal == "true"
    flagged = burning & (df.energy_community_in_package == "true")
    print(
        f"{len(df)} coal sites; still burning coal: {burning.sum()}; "
        f"of those flagged energy_community=true: {flagged.sum()}; "
        f"operating MW at EC-flagged sites: {df[flagged].operating_coal_mw.sum():.0f}"
    )


if __name__ == "__main__":
    main()
