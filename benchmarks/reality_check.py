"""Reality check: count the plan's CAM, anode and cell hubs near real projects.

Given a result folder of ``hubopt solve`` (its ``hubs.csv``), count how many chosen
CAM, anode and cell hubs lie within a radius (default 100 km) of an operating,
under-construction or announced real plant of that type in
``data/sources_2030/facilities_2030.csv`` (cancelled rows do not count).

Examples
--------
::

    python benchmarks/reality_check.py results/baseline
    python benchmarks/reality_check.py /tmp/x --radius 100 --json
"""

from __future__ import annotations

import argparse
import csv
import json
import math
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FACILITIES = REPO / "data" / "sources_2030" / "facilities_2030.csv"
LIVE = {"operating", "under_construction", "announced"}
# plan technology -> kind; facility rows of each kind
KIND_OF_TECH = {
    "cam_nmc811": "cam",
    "cam_lfp": "cam",
    "anode_natural": "anode",
    "anode_synthetic": "anode",
    "cell_nmc": "cell",
    "cell_lfp": "cell",
}


def facility_kind(row: dict) -> str | None:
    """Return the kind (cam / anode / cell) of a facilities_2030.csv row, if any.

    Parameters
    ----------
    row : dict
        One row.

    Returns
    -------
    str or None
        ``cam`` for CAM plants (also recycling campuses with a CAM line; not pCAM-only
        plants such as Ascend Apex 1, whose CAM line was cancelled), ``anode``,
        ``cell``; ``None`` otherwise.
    """
    t = row["type"]
    if t in ("cell", "anode"):
        return t
    if t == "cam" or (t == "recycling" and "CAM" in row["product_or_chemistry"]):
        return "cam"
    return None


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km.

    Parameters
    ----------
    lat1, lon1, lat2, lon2 : float
        Degrees.

    Returns
    -------
    float
        Distance.
    """
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def reality_check(result: Path, facilities: Path = FACILITIES, radius: float = 100.0) -> dict:
    """Compare the open CAM / anode / cell hubs of a result with real plants.

    Parameters
    ----------
    result : Path
        Result folder holding ``hubs.csv`` (columns site_id, technology, size, status,
        production, name, lat, lon).
    facilities : Path
        ``facilities_2030.csv``.
    radius : float
        Distance in km that counts as "near".

    Returns
    -------
    dict
        Per kind: counts of open hubs (new and existing), new hubs near a real plant,
        and one row per hub with the nearest real plant and its distance.
    """
    real = []
    with facilities.open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            kind = facility_kind(r)
            if kind and r["status_2026_12"] in LIVE:
                real.append((kind, r["facility_id"], r["name"], float(r["lat"]), float(r["lon"])))
    out: dict = {"radius_km": radius, "kinds": {}, "hubs": []}
    with (result / "hubs.csv").open(encoding="utf-8") as fh:
        hubs = [h for h in csv.DictReader(fh) if h["technology"] in KIND_OF_TECH]
    for h in hubs:
        kind = KIND_OF_TECH[h["technology"]]
        lat, lon = float(h["lat"]), float(h["lon"])
        near = min(
            ((km(lat, lon, r[3], r[4]), r[1], r[2]) for r in real if r[0] == kind),
            default=(math.inf, "", ""),
        )
        new = h["status"] != "existing"
        out["hubs"].append(
            {
                "site_id": h["site_id"],
                "name": h["name"],
                "technology": h["technology"],
                "size": h["size"],
                "new": new,
                "production": float(h["production"] or 0.0),
                "nearest_real": near[1],
                "nearest_name": near[2],
                "km": round(near[0], 1),
            }
        )
        k = out["kinds"].setdefault(kind, {"open": 0, "new": 0, "new_near_real": 0})
        k["open"] += 1
        k["new"] += new
        k["new_near_real"] += new and near[0] <= radius
    return out


def main(argv: list[str] | None = None) -> int:
    """Print the reality check of a result folder.

    Parameters
    ----------
    argv : list of str, optional
        Command-line arguments.

    Returns
    -------
    int
        Exit code.
    """
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("result", type=Path, help="result folder with hubs.csv")
    ap.add_argument("--facilities", type=Path, default=FACILITIES)
    ap.add_argument("--radius", type=float, default=100.0, help="km (default 100)")
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = ap.parse_args(argv)
    rc = reality_check(args.result, args.facilities, args.radius)
    if args.json:
        print(json.dumps(rc, indent=2))
        return 0
    print(f"{'site':9} {'technology':15} {'size':14} {'new':4} {'nearest real plant':46} km")
    for h in rc["hubs"]:
        new = "yes" if h["new"] else "no"
        print(
            f"{h['site_id']:9} {h['technology']:15} {h['size'][:14]:14} {new:4}"
            f" {(h['nearest_real'] + ' ' + h['nearest_name'])[:46]:46} {h['km']:.0f}"
        )
    for kind, k in sorted(rc["kinds"].items()):
        print(
            f"{kind}: {k['open']} open ({k['new']} new); {k['new_near_real']} of the new "
            f"within {rc['radius_km']:g} km of a real {kind} plant"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
