"""How hubopt scales: build, hand-off, solve and memory on instances of growing size.

For each size the script generates a national-style data package (see
:func:`make_instance`) and measures, each in a fresh process:

* ``lanes``: :func:`hubopt.build_lanes` (plus lane pruning when asked for);
* ``build``: :func:`hubopt.build_model`, everything from the lane table to the Pyomo
  model (label tables, sparse assembly, Pyomo variables, constraints and objective);
* ``hand-off``: what :func:`hubopt.solve_model` does until HiGHS holds the model (the
  check that the Pyomo model is unchanged, the arrays, ``Highs.passModel``, model
  statistics), as ``solve_model`` itself times it (``compile_seconds``);
* ``solve``: :func:`hubopt.solve_model` with the time limit and gap given;
* ``extract``: :func:`hubopt.extract_plan`;
* peak resident memory of the hubopt process (load to extract).

In another process it builds *the same model directly* with numpy and ``highspy``
(:func:`direct_arrays` → ``Highs.passModel``, no Pyomo) as the baseline, and the hubopt
process checks that the direct arrays equal hubopt's, entry for entry. The table shows
the ratio (hubopt build + hand-off) ÷ (direct build + hand-off) per size, on wall time
and on CPU time (the machine may be shared: CPU time is the steadier of the two), and
how each stage grows with the number of non-zeros (exponent *b* of ``t ~ nnz^b``).

Examples
--------
::

    python benchmarks/scale.py --quick
    python benchmarks/scale.py                                  # default ladder
    python benchmarks/scale.py --sizes 460x3108 --time-limit 300
    python benchmarks/scale.py --sizes 460x3108 --nearest-origins 20   # pruned lanes
    python benchmarks/scale.py --sizes 120x800 --compare-pruning 20    # objective effect
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO / "data" / "us_battery"
DEFAULT_SIZES = "60x300,120x800,230x1600,460x3108"
QUICK_SIZES = "40x150,80x400"
NATIONAL = (460, 3108)
"""Candidate sites × demand counties of the national instance (all CONUS counties)."""

NON_CONUS_FIPS = {"02", "15", "60", "66", "69", "72", "78"}
"""State FIPS codes left out: Alaska, Hawaii and the territories."""

STATE = {
    "01": "AL", "04": "AZ", "05": "AR", "06": "CA", "08": "CO", "09": "CT", "10": "DE",
    "11": "DC", "12": "FL", "13": "GA", "16": "ID", "17": "IL", "18": "IN", "19": "IA",
    "20": "KS", "21": "KY", "22": "LA", "23": "ME", "24": "MD", "25": "MA", "26": "MI",
    "27": "MN", "28": "MS", "29": "MO", "30": "MT", "31": "NE", "32": "NV", "33": "NH",
    "34": "NJ", "35": "NM", "36": "NY", "37": "NC", "38": "ND", "39": "OH", "40": "OK",
    "41": "OR", "42": "PA", "44": "RI", "45": "SC", "46": "SD", "47": "TN", "48": "TX",
    "49": "UT", "50": "VT", "51": "VA", "53": "WA", "54": "WV", "55": "WI", "56": "WY",
}  # fmt: skip

__all__ = [
    "NATIONAL",
    "county_centroids",
    "direct_arrays",
    "main",
    "make_instance",
    "prune_lanes",
]


# --------------------------------------------------------------------------- instances


def county_centroids() -> pd.DataFrame:
    """Return the centroids of the ~3,100 counties of the contiguous US (CONUS).

    Read from the Census cartographic boundary file ``cb_2016_us_county_500k`` that the
    ``plotly-geo`` package ships (``pip install plotly-geo``). Its geometries are NAD83
    (EPSG:4269, the file has no ``.prj``); centroids are taken in the equal-area CONUS
    Albers projection (EPSG:5070) and returned as WGS84 degrees.

    Returns
    -------
    DataFrame
        ``geoid`` (5-digit FIPS), ``name``, ``state`` (USPS code), ``lat``, ``lon``,
        ``aland`` (land area, m²), sorted by ``geoid``.
    """
    import pyogrio

    try:
        import _plotly_geo
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise SystemExit(
            "benchmarks/scale.py needs the county shapes: pip install plotly-geo"
        ) from exc
    shp = Path(_plotly_geo.__file__).parent / "package_data" / "cb_2016_us_county_500k.shp"
    g = pyogrio.read_dataframe(shp, columns=["STATEFP", "GEOID", "NAME", "ALAND"])
    if g.crs is None:
        g = g.set_crs("EPSG:4269")
    g = g[~g["STATEFP"].isin(NON_CONUS_FIPS)].sort_values("GEOID").reset_index(drop=True)
    c = g.to_crs("EPSG:5070").centroid.to_crs("EPSG:4326")
    return pd.DataFrame(
        {
            "geoid": g["GEOID"].to_numpy(),
            "name": g["NAME"].to_numpy(),
            "state": g["STATEFP"].map(STATE).to_numpy(),
            "lat": np.round(c.y.to_numpy(), 5),
            "lon": np.round(c.x.to_numpy(), 5),
            "aland": g["ALAND"].to_numpy(float),
        }
    )


def make_instance(
    n_sites: int, n_demand: int, folder: str | Path, *, seed: int = 0, base: Path = DEFAULT_DATA
) -> Path:
    """Write a national-style data package with ``n_sites`` candidate sites.

    Multi-echelon with the bill of materials of the default data (raw materials → CAM /
    anode material → cells → demand): products, technologies, recipes, modes and supply
    (domestic sources and import ports) are the default package's.

    * **Demand**: ``n_demand`` county centroids (all 3,108 CONUS counties, or a seeded
      sample) each demand an equal share of the default package's total cell demand
      (uniform weights: the county file carries no population). The EV-plant demand rows
      of the default package are replaced by the counties.
    * **Candidates**: the default package's candidate sites (230: coal-closure sites,
      existing cell plants, industrial areas, each with its size tiers). Fewer: every site
      with an ``existing`` option plus a seeded sample of the others. More: extra
      candidate sites at a seeded sample of county centroids, each offering the
      ``industrial`` tiers of the default data (anode, CAM and cell plants, three sizes
      each, not in energy communities).

    Parameters
    ----------
    n_sites : int
        Candidate sites (sites with at least one candidate option).
    n_demand : int
        Demand nodes (counties), at most 3,108.
    folder : str or Path
        Output folder (created).
    seed : int
        Seed of the samples.
    base : Path
        The package to take products, recipes, supply and candidates from.

    Returns
    -------
    Path
        The folder.
    """
    rng = np.random.default_rng(seed)

    def read(name: str) -> pd.DataFrame:
        t = pd.read_csv(base / f"{name}.csv", dtype=str, keep_default_na=False)
        return t.drop(
            columns=["source", "description", "cost_basis", "status_note"], errors="ignore"
        )

    sites, cand, dem, supply = read("sites"), read("candidates"), read("demand"), read("supply")
    counties = county_centroids()
    n_demand = min(n_demand, len(counties))
    pick = np.sort(rng.choice(len(counties), size=n_demand, replace=False))
    demand_counties = counties.iloc[pick]
    total = dem["quantity"].astype(float).sum()
    demand = pd.DataFrame(
        {
            "site_id": "C" + demand_counties["geoid"],
            "product": "cells",
            "quantity": f"{total / n_demand:.6g}",
        }
    )
    cand_sites = list(dict.fromkeys(cand["site_id"]))
    extra_counties = counties.iloc[:0]
    if n_sites <= len(cand_sites):
        existing = list(dict.fromkeys(cand.loc[cand["status"] == "existing", "site_id"]))
        others = [s for s in cand_sites if s not in set(existing)]
        k = max(n_sites - len(existing), 0)
        keep = set(existing) | {others[i] for i in rng.choice(len(others), size=k, replace=False)}
        cand = cand[cand["site_id"].isin(keep)]
    else:
        kind = sites.set_index("site_id")["kind"]
        template_site = next(s for s in cand_sites if kind.get(s) == "industrial")
        template = cand[cand["site_id"] == template_site]
        extra = np.sort(rng.choice(len(counties), size=n_sites - len(cand_sites), replace=False))
        extra_counties = counties.iloc[extra]
        cand = pd.concat(
            [cand] + [template.assign(site_id="C" + g) for g in extra_counties["geoid"]],
            ignore_index=True,
        )
    used = set(cand["site_id"]) | set(supply["site_id"])
    county_rows = pd.concat([demand_counties, extra_counties]).drop_duplicates("geoid")
    out_sites = pd.concat(
        [
            sites.loc[
                sites["site_id"].isin(used),
                ["site_id", "name", "lat", "lon", "state", "energy_community"],
            ],
            pd.DataFrame(
                {
                    "site_id": "C" + county_rows["geoid"],
                    "name": county_rows["name"] + " County centroid",
                    "lat": county_rows["lat"].astype(str),
                    "lon": county_rows["lon"].astype(str),
                    "state": county_rows["state"],
                    "energy_community": "false",
                }
            ),
        ],
        ignore_index=True,
    )
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    out_sites.to_csv(out / "sites.csv", index=False)
    cand.to_csv(out / "candidates.csv", index=False)
    demand.to_csv(out / "demand.csv", index=False)
    supply.to_csv(out / "supply.csv", index=False)
    for name in ("products", "technologies", "recipes", "modes"):
        read(name).to_csv(out / f"{name}.csv", index=False)
    return out


def prune_lanes(lanes: pd.DataFrame, nearest_origins: int) -> pd.DataFrame:
    """Keep, for every (destination, product), the lanes from its k nearest origins.

    Nearness is the shortest lane distance between the two sites over all modes; every
    mode of a kept (origin, destination, product) is kept. This is the benchmark's
    explicit lane-pruning option: it removes feasible flows, so the optimum can only get
    worse (higher). ``--compare-pruning`` reports by how much.
    """
    key = ["destination", "product", "origin"]
    od = lanes.groupby(key, sort=False)["distance_km"].min().reset_index()
    rank = od.groupby(["destination", "product"], sort=False)["distance_km"].rank(method="first")
    keep = pd.MultiIndex.from_frame(od.loc[rank <= nearest_origins, key])
    out = lanes[pd.MultiIndex.from_frame(lanes[key]).isin(keep)].reset_index(drop=True)
    out.index.name = "lane_id"
    return out


# --------------------------------------------------------------------------- baseline


def direct_arrays(data, lanes: pd.DataFrame, scenario) -> dict:
    """Build the hubopt model directly as numpy arrays: the baseline, no Pyomo.

    The same formulation as :mod:`hubopt.model.families` (``docs/model.md``), written against
    the arrays ``Highs.passModel`` takes: columns ``open, make, buy, ship, unmet``, rows
    ``production_capacity, size_choice, balance, link`` and the scenario rows, in the
    order hubopt uses, so the result can be compared entry for entry. Single sourcing is
    not covered (the scale instances do not use it).

    Returns
    -------
    dict
        ``a`` (CSR, rows × columns), ``row_lower``, ``row_upper``, ``col_lower``,
        ``col_upper``, ``integrality``, ``cost``.
    """
    if scenario.single_sourcing:
        raise NotImplementedError("the direct baseline does not build single sourcing")
    site_ix = pd.Index(data.sites["site_id"])
    prod_ix = pd.Index(data.products["product"])
    npr = len(prod_ix)

    def key(site, product) -> np.ndarray:
        return site_ix.get_indexer(pd.Index(site)) * npr + prod_ix.get_indexer(pd.Index(product))

    tech = data.technologies.set_index("technology")
    cand = data.candidates
    opts = cand[(cand["status"] != "forbidden").to_numpy()]
    opt_site = opts["site_id"].to_numpy()
    opt_out = tech["output"].reindex(opts["technology"]).to_numpy()
    group, pairs = pd.factorize(pd.MultiIndex.from_arrays([opts["site_id"], opts["technology"]]))
    nk, nj = len(opts), len(pairs)
    cap = opts["capacity"].to_numpy(float)
    n_sizes = np.bincount(group, minlength=nj)
    max_cap = np.full(nj, -np.inf)
    np.maximum.at(max_cap, group, cap)
    forced = np.zeros(nj, dtype=bool)
    np.logical_or.at(forced, group, opts["status"].isin(["required", "existing"]).to_numpy())
    pair_site = pairs.get_level_values(0).to_numpy()
    pair_tech = pairs.get_level_values(1).to_numpy()
    pair_out = tech["output"].reindex(pair_tech).to_numpy()
    sup, dem = data.supply, data.demand
    has_pen = dem["unmet_penalty"].notna().to_numpy()
    un = dem[has_pen]
    nr, nl, nu = len(sup), len(lanes), len(un)
    off = np.cumsum([0, nk, nj, nr, nl, nu])
    o_open, o_make, o_buy, o_ship, o_unmet, n = off

    lam = scenario.carbon_price / 1000.0
    cost = np.concatenate(
        [
            opts["fixed_cost"].to_numpy(float),
            tech["unit_cost"].reindex(pair_tech).to_numpy(float)
            + lam * tech["kg_co2_per_unit"].reindex(pair_tech).to_numpy(float),
            sup["unit_cost"].to_numpy(float) + lam * sup["kg_co2_per_unit"].to_numpy(float),
            lanes["cost_per_unit"].to_numpy(float) + lam * lanes["kg_co2_per_unit"].to_numpy(float),
            un["unmet_penalty"].to_numpy(float),
        ]
    )
    single_forced = (forced & (n_sizes == 1))[group]
    col_lower = np.concatenate([single_forced.astype(float), np.zeros(n - nk)])
    col_upper = np.concatenate(
        [np.ones(nk), max_cap, sup["capacity"].to_numpy(float), np.full(nl, np.inf),
         un["quantity"].to_numpy(float)]
    )  # fmt: skip
    integrality = np.r_[np.ones(nk, dtype=np.int8), np.zeros(n - nk, dtype=np.int8)]

    blocks = []  # (row, col, val, lower, upper)
    # production capacity: make_j - sum cap_k open_k <= 0
    blocks.append(
        (np.r_[np.arange(nj), group], np.r_[o_make + np.arange(nj), o_open + np.arange(nk)],
         np.r_[np.ones(nj), -cap], np.full(nj, -np.inf), np.zeros(nj))
    )  # fmt: skip
    # size choice: sum open_k <= 1 (= 1 if forced), pairs with several sizes
    multi = np.flatnonzero(n_sizes > 1)
    rowmap = np.full(nj, -1)
    rowmap[multi] = np.arange(len(multi))
    sel = np.flatnonzero(rowmap[group] >= 0)
    blocks.append(
        (rowmap[group[sel]], o_open + sel, np.ones(len(sel)),
         np.where(forced[multi], 1.0, -np.inf), np.ones(len(multi)))
    )  # fmt: skip
    # balance of every (site, product)
    site_l = site_ix.get_indexer(pd.Index(lanes["origin"]))
    site_d = site_ix.get_indexer(pd.Index(lanes["destination"]))
    prod_l = prod_ix.get_indexer(pd.Index(lanes["product"]))
    rec = pd.DataFrame({"j": np.arange(nj), "technology": pair_tech, "site": pair_site}).merge(
        data.recipes, on="technology"
    )
    term_key = np.concatenate(
        [key(sup["site_id"], sup["product"]), key(pair_site, pair_out),
         key(rec["site"], rec["input"]), site_d * npr + prod_l, site_l * npr + prod_l,
         key(un["site_id"], un["product"])]
    )  # fmt: skip
    term_col = np.concatenate(
        [o_buy + np.arange(nr), o_make + np.arange(nj), o_make + rec["j"].to_numpy(),
         o_ship + np.arange(nl), o_ship + np.arange(nl), o_unmet + np.arange(nu)]
    )  # fmt: skip
    term_val = np.concatenate(
        [np.ones(nr), np.ones(nj), -rec["quantity"].to_numpy(float), np.ones(nl),
         -np.ones(nl), np.ones(nu)]
    )  # fmt: skip
    dem_key = key(dem["site_id"], dem["product"])
    codes, uniq = pd.factorize(np.concatenate([term_key, dem_key]))
    rhs = np.zeros(len(uniq))
    np.add.at(rhs, codes[len(term_key) :], dem["quantity"].to_numpy(float))
    blocks.append((codes[: len(term_key)], term_col, term_val, rhs, rhs))
    # strong linking: ship_odp summed over modes <= D_dp * sum of open options at o making p
    supplied = key(sup["site_id"], sup["product"])
    cons = pd.DataFrame({"site": opt_site, "technology": opts["technology"].to_numpy()}).merge(
        data.recipes, on="technology"
    )
    out_key, in_key = site_l * npr + prod_l, site_d * npr + prod_l
    nonsink = np.concatenate([key(cons["site"], cons["input"]), out_key])
    # origin holds p only by making it (no supply, no inbound lane of p); pure-sink destination
    made_only = ~np.isin(out_key, supplied) & ~np.isin(out_key, in_key)
    ok = np.flatnonzero(made_only & ~np.isin(in_key, nonsink) & np.isin(in_key, dem_key))
    ns = len(site_ix)
    triple = (site_l[ok].astype(np.int64) * ns + site_d[ok]) * npr + prod_l[ok]
    r_ship, trip = pd.factorize(triple)
    demand_of = pd.Series(dem["quantity"].to_numpy(float)).groupby(dem_key).sum()
    big = demand_of.reindex((trip // npr) % ns * npr + trip % npr).to_numpy()
    okey = key(opt_site, opt_out)
    order = np.argsort(okey, kind="stable")
    want = trip // (npr * ns) * npr + trip % npr
    lo = np.searchsorted(okey[order], want, "left")
    cnt = np.searchsorted(okey[order], want, "right") - lo
    r_open = np.repeat(np.arange(len(trip)), cnt)
    k_open = order[np.repeat(lo, cnt) + np.arange(cnt.sum()) - np.repeat(np.cumsum(cnt) - cnt, cnt)]
    blocks.append(
        (np.r_[r_ship, r_open], np.r_[o_ship + ok, o_open + k_open],
         np.r_[np.ones(len(ok)), -big[r_open]], np.full(len(trip), -np.inf), np.zeros(len(trip)))
    )  # fmt: skip
    # scenario rows
    if scenario.max_emissions_t is not None:
        e = np.concatenate(
            [tech["kg_co2_per_unit"].reindex(pair_tech).to_numpy(float),
             sup["kg_co2_per_unit"].to_numpy(float), lanes["kg_co2_per_unit"].to_numpy(float)]
        ) / 1000.0  # fmt: skip
        blocks.append(
            (np.zeros(len(e), dtype=int), np.arange(o_make, o_unmet), e, np.array([-np.inf]),
             np.array([scenario.max_emissions_t]))
        )  # fmt: skip
    if scenario.max_hubs is not None:
        blocks.append(
            (np.zeros(nk, dtype=int), o_open + np.arange(nk), np.ones(nk), np.array([-np.inf]),
             np.array([float(scenario.max_hubs)]))
        )  # fmt: skip
    if scenario.min_energy_community_hubs is not None:
        ec_site = data.sites.set_index("site_id")["energy_community"]
        ec = np.flatnonzero(ec_site.reindex(opt_site).fillna(False).to_numpy(bool))
        blocks.append(
            (np.zeros(len(ec), dtype=int), o_open + ec, np.ones(len(ec)),
             np.array([float(scenario.min_energy_community_hubs)]), np.array([np.inf]))
        )  # fmt: skip
    mats, lower, upper = [], [], []
    for row, col, val, lo_b, up_b in blocks:
        if len(lo_b) == 0:
            continue
        a = sp.csr_array((val, (row, col)), shape=(len(lo_b), n))
        a.sum_duplicates()
        a.eliminate_zeros()
        keep = np.diff(a.indptr) > 0
        mats.append(a[keep] if not keep.all() else a)
        lower.append(lo_b[keep])
        upper.append(up_b[keep])
    a = sp.csr_array(sp.vstack(mats, format="csr"))
    used = (np.bincount(a.indices, minlength=n) > 0) | (cost != 0)
    if not used.all():
        a = sp.csr_array(a[:, np.flatnonzero(used)])
    return {
        "a": a,
        "row_lower": np.concatenate(lower),
        "row_upper": np.concatenate(upper),
        "col_lower": col_lower[used],
        "col_upper": col_upper[used],
        "integrality": integrality[used],
        "cost": cost[used],
    }


def pass_to_highs(arr: dict):
    """Hand arrays to a new HiGHS instance (``passModel``, row-wise) and return it."""
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    a = arr["a"]
    h.passModel(
        a.shape[1], a.shape[0], a.nnz, int(highspy.MatrixFormat.kRowwise),
        int(highspy.ObjSense.kMinimize), 0.0, arr["cost"], arr["col_lower"], arr["col_upper"],
        arr["row_lower"], arr["row_upper"], a.indptr.astype(np.int32),
        a.indices.astype(np.int32), a.data.astype(float), arr["integrality"].astype(np.int32),
    )  # fmt: skip
    return h


# --------------------------------------------------------------------------- measuring


class _Peak:
    """Sample this process's resident memory every 10 ms; ``peak`` in bytes."""

    def __init__(self) -> None:
        self.peak = self._rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    @staticmethod
    def _rss() -> int:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    def _run(self) -> None:
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, self._rss())

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return max(
            self.peak, self._rss(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        )


class _Clock:
    """Wall and CPU seconds of named stages."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}

    def __call__(self, name: str, fn, *args, **kw):
        w, c = time.perf_counter(), time.process_time()
        out = fn(*args, **kw)
        self.wall[name] = self.wall.get(name, 0.0) + time.perf_counter() - w
        self.cpu[name] = self.cpu.get(name, 0.0) + time.process_time() - c
        return out


def _lanes(data, spec: dict, clock: _Clock) -> pd.DataFrame:
    import hubopt

    lanes = clock("lanes", hubopt.build_lanes, data)
    if spec.get("nearest_origins"):
        lanes = clock("lanes", prune_lanes, lanes, spec["nearest_origins"])
    return lanes


def _worker_direct(spec: dict) -> dict:
    import hubopt

    data = hubopt.load_data(spec["package"])
    clock = _Clock()
    lanes = _lanes(data, spec, clock)
    scenario = hubopt.Scenario(name="scale", data_dir=Path(spec["package"]))
    best: dict[str, tuple[float, float]] = {}
    for _ in range(spec.get("repeat", 1)):
        c = _Clock()
        arr = c("build", direct_arrays, data, lanes, scenario)
        h = c("handoff", pass_to_highs, arr)
        del h, arr
        for k in ("build", "handoff"):
            if k not in best or c.cpu[k] < best[k][1]:
                best[k] = (c.wall[k], c.cpu[k])
    return {k: {"wall": w, "cpu": cp} for k, (w, cp) in best.items()}


def _worker_hubopt(spec: dict) -> dict:
    import hubopt
    import hubopt.model.pyomo_bridge
    from hubopt.solve import standard_form

    if spec.get("eager"):
        hubopt.model.pyomo_bridge.DEFER_EXPRESSIONS = False
    peak = _Peak()
    clock = _Clock()
    data = clock("load", hubopt.load_data, spec["package"])
    lanes = _lanes(data, spec, clock)
    scenario = hubopt.Scenario(name="scale", data_dir=Path(spec["package"]))
    hub = clock("build", hubopt.build_model, data, lanes, scenario)
    solve = spec.get("solve", True)
    opts = hubopt.SolveOptions(
        time_limit_s=spec["time_limit"] if solve else 0.0,
        mip_rel_gap=spec["gap"],
        threads=spec["threads"],
    )
    r = hubopt.solve_model(hub, opts)
    # hand-off: what solve_model does until HiGHS holds the model (its own timing)
    clock.wall["handoff"] = r.compile_seconds
    clock.cpu["handoff"] = r.stats["compile_cpu_seconds"]
    cand = data.candidates[data.candidates["status"] != "forbidden"]
    out: dict = {
        "candidate_sites": int(cand["site_id"].nunique()),
        "sites_by_technology": cand.groupby("technology")["site_id"].nunique().to_dict(),
        "demand_nodes": len(data.demand),
        "lanes": len(lanes),
        "columns": r.stats["columns"],
        "rows": r.stats["rows_total"],
        "nonzeros": r.stats["nonzeros"],
        "binaries": hub.stats["binaries"],
        "handoff_path": r.stats["handoff"],
    }
    if solve:
        clock.wall["solve"], clock.cpu["solve"] = r.solve_seconds, float("nan")
        out.update(
            status=r.termination.value,
            solution=r.solution_status.value,
            objective=r.objective,
            bound=r.best_bound,
            gap=r.mip_gap,
        )
        if r.has_solution:
            plan = clock("extract", hubopt.extract_plan, hub)
            out["hubs_open"] = plan.summary["hubs_open"]
            out["transport_share"] = plan.summary["transport_cost"] / plan.summary["total_cost"]
    out["peak_rss"] = peak.stop()
    if spec.get("verify", True):
        mine, _path = standard_form(hub)
        ref = direct_arrays(data, lanes, scenario)
        out["same_as_direct"] = bool(
            mine.a.shape == ref["a"].shape
            and np.array_equal(mine.a.indptr, ref["a"].indptr)
            and np.array_equal(mine.a.indices, ref["a"].indices)
            and np.array_equal(mine.a.data, ref["a"].data)
            and all(
                np.array_equal(getattr(mine, k), ref[k])
                for k in ("row_lower", "row_upper", "col_lower", "col_upper", "integrality", "cost")
            )
        )
    out["wall"], out["cpu"] = clock.wall, clock.cpu
    return out


def _run_worker(spec: dict) -> dict:
    """Run one measurement in a fresh Python process (clean memory and timings)."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", json.dumps(spec)]
    p = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if p.returncode != 0:
        raise RuntimeError(f"worker failed ({spec['role']}):\n{p.stderr[-3000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- report


def _growth(sizes: list[float], times: list[float]) -> float | None:
    """Exponent b of t ~ size^b (least squares in log-log), or None."""
    pts = [(s, t) for s, t in zip(sizes, times, strict=True) if s > 0 and t and t > 0]
    if len(pts) < 2:
        return None
    x, y = np.log([p[0] for p in pts]), np.log([p[1] for p in pts])
    return float(np.polyfit(x, y, 1)[0])


def _fmt(x, spec: str = ".2f") -> str:
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return "—"
    return format(x, spec)


def report(rows: list[dict]) -> str:
    """Format the measurements as plain-text tables (sizes, stages, ratio, growth)."""
    out = [
        "Build and hand-off, CPU seconds (wall in the ratio columns' second figure).",
        "ratio = (hubopt build + hand-off) / (direct build + hand-off); 'same' = the direct",
        "arrays equal hubopt's entry for entry.",
    ]
    head = (
        f"{'size':>10} {'lanes':>9} {'cols':>9} {'rows':>8} {'nnz':>10} | {'lanes':>6} "
        f"{'build':>6} {'hand':>6} | {'direct':>6} {'d.hand':>6} | {'ratio cpu':>9} "
        f"{'ratio wall':>10} {'same':>4}"
    )
    out += [head, "-" * len(head)]
    for r in rows:
        h, d = r["hubopt"], r["direct"]
        hw = h["wall"]["build"] + h["wall"]["handoff"]
        hc = h["cpu"]["build"] + h["cpu"]["handoff"]
        dw = d["build"]["wall"] + d["handoff"]["wall"]
        dc = d["build"]["cpu"] + d["handoff"]["cpu"]
        r["ratio_wall"], r["ratio_cpu"] = hw / dw, hc / dc
        out.append(
            f"{r['size']:>10} {h['lanes']:>9,} {h['columns']:>9,} {h['rows']:>8,} "
            f"{h['nonzeros']:>10,} | {h['cpu']['lanes']:>6.2f} {h['cpu']['build']:>6.2f} "
            f"{h['cpu']['handoff']:>6.2f} | {d['build']['cpu']:>6.2f} {d['handoff']['cpu']:>6.2f}"
            f" | {r['ratio_cpu']:>9.2f} {r['ratio_wall']:>10.2f} "
            f"{'yes' if h.get('same_as_direct') else 'NO':>4}"
        )
    out += ["", "Solve (wall seconds), extraction and peak memory of the hubopt process"]
    head = (
        f"{'size':>10} {'solve s':>8} {'status':>11} {'plan':>9} {'gap':>8} "
        f"{'objective':>14} {'bound':>14} {'hubs':>5} {'extract':>7} {'peak GiB':>8}"
    )
    out += [head, "-" * len(head)]
    for r in rows:
        h = r["hubopt"]
        gap = h.get("gap")
        out.append(
            f"{r['size']:>10} {_fmt(h['wall'].get('solve'), '.1f'):>8} "
            f"{h.get('status', '—'):>11} {h.get('solution', '—'):>9} "
            f"{'—' if gap is None else format(gap, '.2%'):>8} "
            f"{_fmt(h.get('objective'), ',.0f'):>14} {_fmt(h.get('bound'), ',.0f'):>14} "
            f"{h.get('hubs_open', '—'):>5} {_fmt(h['cpu'].get('extract')):>7} "
            f"{h['peak_rss'] / 2**30:>8.2f}"
        )
    out += ["", "Instances"]
    for r in rows:
        h = r["hubopt"]
        techs = ", ".join(f"{k} {v}" for k, v in sorted(h["sites_by_technology"].items()))
        out.append(
            f"{r['size']:>10}: {h['candidate_sites']} candidate sites ({techs}), "
            f"{h['demand_nodes']:,} demand nodes, {h['binaries']:,} binaries"
        )
    out.append("")
    nnz = [r["hubopt"]["nonzeros"] for r in rows]
    stages = {
        "lanes": [r["hubopt"]["cpu"]["lanes"] for r in rows],
        "build": [r["hubopt"]["cpu"]["build"] for r in rows],
        "hand-off": [r["hubopt"]["cpu"]["handoff"] for r in rows],
        "direct build": [r["direct"]["build"]["cpu"] for r in rows],
        "direct hand-off": [r["direct"]["handoff"]["cpu"] for r in rows],
        "solve (wall)": [r["hubopt"]["wall"].get("solve") for r in rows],
        "extract": [r["hubopt"]["cpu"].get("extract") for r in rows],
        "peak memory": [r["hubopt"]["peak_rss"] for r in rows],
    }
    out.append("Growth with size: exponent b of  t ~ nnz^b  (1 = linear)")
    out.append("  " + ", ".join(f"{k} {_fmt(_growth(nnz, v))}" for k, v in stages.items()))
    return "\n".join(out)


def _parse_sizes(text: str) -> list[tuple[int, int]]:
    sizes = []
    for part in text.split(","):
        a, _, b = part.strip().lower().partition("x")
        if not (a.isdigit() and b.isdigit()):
            raise argparse.ArgumentTypeError(f"size {part!r}: write SITESxCOUNTIES, e.g. 460x3108")
        sizes.append((int(a), int(b)))
    return sizes


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--sizes",
        type=_parse_sizes,
        default=None,
        help=f"SITESxCOUNTIES,... (default {DEFAULT_SIZES}; national = "
        f"{NATIONAL[0]}x{NATIONAL[1]})",
    )
    p.add_argument("--quick", action="store_true", help=f"small sizes ({QUICK_SIZES}), 30 s limit")
    p.add_argument("--time-limit", type=float, default=300.0, help="solver limit per size, s")
    p.add_argument("--gap", type=float, default=0.005, help="relative MIP gap (default 0.005)")
    p.add_argument("--threads", type=int, default=2, help="HiGHS threads (default 2)")
    p.add_argument("--no-solve", action="store_true", help="measure build and hand-off only")
    p.add_argument("--repeat", type=int, default=1, help="direct baseline repeats (best kept)")
    p.add_argument(
        "--nearest-origins",
        type=int,
        default=0,
        metavar="K",
        help="prune lanes: keep the K nearest origins per destination+product",
    )
    p.add_argument(
        "--compare-pruning",
        type=int,
        default=0,
        metavar="K",
        help="solve every size unpruned and with --nearest-origins K; report the objective effect",
    )
    p.add_argument(
        "--eager-expressions",
        action="store_true",
        help="create every Pyomo constraint expression during the build",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the county samples")
    p.add_argument("--json", type=Path, metavar="OUT", help="also write all measurements here")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark (see the module docstring); return the exit code."""
    args = _parser().parse_args(argv)
    if args.worker:
        spec = json.loads(args.worker)
        fn = _worker_direct if spec["role"] == "direct" else _worker_hubopt
        print(json.dumps(fn(spec), default=float))
        return 0
    sizes = args.sizes or _parse_sizes(QUICK_SIZES if args.quick else DEFAULT_SIZES)
    limit = 30.0 if args.quick and args.time_limit == 300.0 else args.time_limit
    rows, pruning = [], []
    with tempfile.TemporaryDirectory(prefix="hubopt-scale-") as tmp:
        for n_sites, n_dem in sizes:
            name = f"{n_sites}x{n_dem}"
            pkg = make_instance(n_sites, n_dem, Path(tmp) / name, seed=args.seed)
            base = {"package": str(pkg), "time_limit": limit, "gap": args.gap,
                    "threads": args.threads, "nearest_origins": args.nearest_origins}  # fmt: skip
            print(f"{name}: direct baseline …", file=sys.stderr, flush=True)
            direct = _run_worker({**base, "role": "direct", "repeat": args.repeat})
            print(f"{name}: hubopt …", file=sys.stderr, flush=True)
            hub = _run_worker(
                {**base, "role": "hubopt", "solve": not args.no_solve,
                 "eager": args.eager_expressions}
            )  # fmt: skip
            rows.append({"size": name, "hubopt": hub, "direct": direct})
            if args.compare_pruning:
                print(f"{name}: pruned (K={args.compare_pruning}) …", file=sys.stderr, flush=True)
                k = args.compare_pruning
                pr = _run_worker({**base, "role": "hubopt", "nearest_origins": k, "verify": False})
                unpruned = hub if not args.nearest_origins else _run_worker(
                    {**base, "role": "hubopt", "nearest_origins": 0, "verify": False}
                )  # fmt: skip
                pruning.append({"size": name, "k": k, "unpruned": unpruned, "pruned": pr})
    print(report(rows))
    if pruning:
        print("\nLane pruning: effect on the objective (same time limit and gap)")
        print(
            "Both are solved to the gap, so an objective change smaller than the gap is not\n"
            "significant; the pruned bound minus the unpruned objective is a proven lower bound\n"
            "on the damage when it is positive."
        )
        print(
            f"{'size':>10} {'K':>3} {'lanes':>9} {'pruned':>9} {'objective':>14} {'bound':>14} "
            f"{'pruned obj.':>14} {'pruned bd.':>14} {'change':>8} {'status / pruned':>24}"
        )
        for p in pruning:
            u, q = p["unpruned"], p["pruned"]
            both = u.get("objective") and q.get("objective")
            ch = q["objective"] / u["objective"] - 1 if both else None
            print(
                f"{p['size']:>10} {p['k']:>3} {u['lanes']:>9,} {q['lanes']:>9,} "
                f"{_fmt(u.get('objective'), ',.0f'):>14} {_fmt(u.get('bound'), ',.0f'):>14} "
                f"{_fmt(q.get('objective'), ',.0f'):>14} {_fmt(q.get('bound'), ',.0f'):>14} "
                f"{_fmt(ch, '+.2%'):>8} {u.get('status', '—') + ' / ' + q.get('status', '—'):>24}"
            )
    if args.json:
        args.json.write_text(
            json.dumps({"sizes": rows, "pruning": pruning}, indent=1, default=float)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
