"""The default question (models/baseline.toml on data/us_battery), with and without pricing.

Run ``python benchmarks/default_solve.py [--mode full|plain|priced|both|all] [--time-limit S]``.
Each mode runs in a fresh interpreter (so peak memory is that run's own) and prints one
row: lanes in the model, columns, rows, build and hand-off seconds, solve seconds, total
wall, gap, objective, peak resident memory, for ``priced`` the pricing rounds and the
lanes they added, and what the start heuristic did. ``full`` is the scenario as shipped
(every generated lane, ``start_heuristic = true``); ``plain`` the same without the start
heuristic (HiGHS alone, as before it); ``priced`` adds ``lane_pricing = true``; ``both``
runs plain then full (the heuristic's before/after), ``all`` the three. Figures, not a
timed test: the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, resource, sys, time
from dataclasses import replace
import hubopt
from hubopt.testing import check_plan_feasible
sc = hubopt.load_scenario(sys.argv[1])
opts = replace(sc.solver, lane_pricing=sys.argv[2] == "priced",
              start_heuristic=sc.solver.start_heuristic and sys.argv[2] != "plain")
if sys.argv[3] != "none":
    opts = replace(opts, time_limit_s=float(sys.argv[3]))
t = time.perf_counter()
out = hubopt.run(sc, opts)
wall = time.perf_counter() - t
r, s = out.result, out.result.stats or {}
lp = s.get("lane_pricing", {})
bad = check_plan_feasible(out.data, out.plan, out.scenario) if out.plan else ["no plan"]
print(json.dumps({
    "mode": sys.argv[2], "lanes_generated": len(out.lanes),
    "lanes_model": len(out.model.lanes), "columns": s.get("columns"),
    "rows": s.get("rows_total"), "build_s": out.timings.get("build"),
    "handoff_s": r.compile_seconds, "solve_s": r.solve_seconds, "wall_s": wall,
    "status": r.termination.value, "gap": r.mip_gap, "objective": r.objective,
    "peak_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20,
    "checker_problems": len(bad),
    "pricing": {k: lp.get(k) for k in ("root_rounds", "root_added", "milp_rounds",
                                        "fixed_rounds", "fixed_added", "proven")},
    "bound": r.best_bound,
    "heuristic": {k: v for k, v in s.get("start_heuristic", {}).items() if k != "trajectory"},
}))
"""


def run(mode: str, scenario: Path, time_limit: str) -> dict:
    """Run one mode in a fresh interpreter and return its figures."""
    p = subprocess.run(
        [sys.executable, "-c", CHILD, str(scenario), mode, time_limit],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(p.stdout.strip().splitlines()[-1])


def main() -> None:
    """Print one row per mode."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mode", choices=["full", "plain", "priced", "both", "all"], default="both")
    ap.add_argument("--scenario", type=Path, default=ROOT / "models" / "baseline.toml")
    ap.add_argument("--time-limit", default="none", help="seconds (default: the scenario's)")
    args = ap.parse_args()
    modes = {"both": ["plain", "full"], "all": ["plain", "full", "priced"]}.get(
        args.mode, [args.mode]
    )
    head = "mode    lanes(model/gen)   cols    rows  build  hand-off  solve   wall    gap   GiB"
    print(head)
    for mode in modes:
        f = run(mode, args.scenario, args.time_limit)
        f = {k: (0 if v is None and k != "gap" else v) for k, v in f.items()}
        gap = "-" if f["gap"] is None else f"{100 * f['gap']:.2f}%"
        print(
            f"{mode:7s} {f['lanes_model']:>7,}/{f['lanes_generated']:<8,} {f['columns']:>7,} "
            f"{f['rows']:>7,} {f['build_s']:5.1f} {f['handoff_s']:8.2f} {f['solve_s']:6.1f} "
            f"{f['wall_s']:6.1f} {gap:>6} {f['peak_gib']:5.2f}  {f['status']}, "
            f"objective {f['objective']:,.0f}, checker problems {f['checker_problems']}"
        )
        print("        figures:", json.dumps(f))


if __name__ == "__main__":
    main()
