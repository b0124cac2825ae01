"""Co-located versus separate sites: the same p-median instance written two ways.

Every one of ``n`` sites demands ``good`` and is a candidate for a plant (uncapacitated in
effect, fixed cost 0); at most ``p`` plants open (``max_hubs``); single sourcing. Written
*co-located*, a site's plant serves the site's own demand locally; written *separate*,
each plant is a site of its own with a free lane to its demand site. Both have the same
optimum. Before issue 11 item 7 the co-located form got no strong linking rows and was far
slower. Prints build and solve seconds and objectives (1 thread, gap 0).

Examples
--------
::

    python benchmarks/colocated.py --sites 60 --p 6 --time-limit 120
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd


def tables(n: int, seed: int, separate: bool) -> dict[str, pd.DataFrame]:
    """Return the p-median instance as hubopt tables (see the module docstring)."""
    rng = np.random.default_rng(seed)
    x, y = rng.uniform(0, 1, n), rng.uniform(0, 1, n)
    q = rng.integers(5, 35, n).astype(float)
    cus = [f"C{i}" for i in range(n)]
    fac = [f"F{i}" for i in range(n)] if separate else cus
    dist = np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :]).round(4) * 100
    oi, dj = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    keep = (oi != dj).ravel() | separate
    cost = dist.ravel()[keep]
    sites = cus + (fac if separate else [])
    return {
        "sites": pd.DataFrame(
            {
                "site_id": sites,
                "name": sites,
                "lat": np.r_[y, y][: len(sites)] * 10 + 30,
                "lon": np.r_[x, x][: len(sites)] * 10 - 100,
            }
        ),
        "products": pd.DataFrame({"product": ["good"], "unit": ["t"], "tonnes_per_unit": [1.0]}),
        "supply": pd.DataFrame(columns=["site_id", "product", "capacity", "unit_cost"]),
        "demand": pd.DataFrame({"site_id": cus, "product": "good", "quantity": q}),
        "technologies": pd.DataFrame(
            {"technology": ["plant"], "output": ["good"], "unit_cost": [0.0]}
        ),
        "recipes": pd.DataFrame(columns=["technology", "input", "quantity"]),
        "candidates": pd.DataFrame(
            {
                "site_id": fac,
                "technology": "plant",
                "size": "s",
                "capacity": float(q.sum()),
                "fixed_cost": 0.0,
            }
        ),
        "modes": pd.DataFrame(
            {"mode": ["road"], "cost_per_tonne_km": [0.0], "kg_co2_per_tonne_km": [0.0]}
        ),
        "lanes": pd.DataFrame(
            {
                "origin": np.array(fac)[oi.ravel()[keep]],
                "destination": np.array(cus)[dj.ravel()[keep]],
                "mode": "road",
                "product": "good",
                "cost_per_unit": cost,
            }
        ),
    }


def main() -> None:
    """Solve both forms and print a table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sites", type=int, default=60)
    ap.add_argument("--p", type=int, default=6)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--time-limit", type=float, default=120.0)
    args = ap.parse_args()
    import hubopt

    print(f"p-median, {args.sites} sites, p = {args.p}, seed {args.seed}, single sourcing")
    print(f"{'form':<10} {'rows':>8} {'link':>6} {'build s':>8} {'solve s':>8}  status  objective")
    for separate in (False, True):
        data = hubopt.HubData.from_tables(**tables(args.sites, args.seed, separate))
        sc = hubopt.Scenario(name="pm", data=data, single_sourcing=True, max_hubs=args.p)
        t0 = time.perf_counter()
        hub = hubopt.build_model(data, hubopt.build_lanes(data), sc)
        build = time.perf_counter() - t0
        opts = hubopt.SolveOptions(mip_rel_gap=0.0, time_limit_s=args.time_limit, threads=1)
        r = hubopt.solve_model(hub, opts)
        rows = sum(hub.stats["rows"].values())
        print(
            f"{'separate' if separate else 'co-located':<10} {rows:>8,} "
            f"{hub.stats['rows']['link']:>6,} {build:>8.2f} {r.solve_seconds:>8.2f}  "
            f"{r.termination.value:<7} {r.objective:,.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
