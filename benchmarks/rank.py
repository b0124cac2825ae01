"""Wall time and solves per minute of ``hubopt rank`` on the default data.

Run ``python benchmarks/rank.py`` for every energy-community site of ``models/baseline.toml``
on 2 local workers (1 HiGHS thread each), or a subset::

    python benchmarks/rank.py --limit 6 --time-limit 120 --gap 1%

``--limit N`` keeps N sites spread evenly over the energy-community sites (sorted by id),
so the subset is the same on every run. Prints sites, solves (sites found in the
unrestricted plan need none), wall seconds, solves per minute and how many premiums are
exact or only bounded; ``--csv`` also writes the ranking table.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; return 0."""
    from hubopt.cli_options import parse_gap
    from hubopt.inputs.load import load_data
    from hubopt.inputs.scenario import load_scenario
    from hubopt.studies.rank import rank, rank_sites

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=str(REPO / "models" / "baseline.toml"))
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--limit", type=int, default=None, help="sites kept (spread evenly)")
    ap.add_argument("--time-limit", type=float, default=None, help="seconds per solve")
    ap.add_argument("--gap", type=parse_gap, default=None, help="0.5%% or 0.005")
    ap.add_argument("--csv", type=Path, default=None)
    a = ap.parse_args(argv)
    sc = load_scenario(a.model)
    changes = {"time_limit_s": a.time_limit, "mip_rel_gap": a.gap}
    sc = sc.with_options(**{k: v for k, v in changes.items() if v is not None})
    data = load_data(sc.data_dir)
    ids = sorted(rank_sites(data, "energy-communities"))
    n_all = len(ids)
    if a.limit is not None and a.limit < len(ids):
        step = len(ids) / a.limit
        ids = [ids[int(i * step)] for i in range(a.limit)]
    t0 = time.perf_counter()
    res = rank(sc, sites=ids, data=data, workers=a.workers, on_progress=print)
    wall = time.perf_counter() - t0
    t = res.table
    solves = res.info["solves"] + 1  # + the unrestricted solve
    print(f"energy-community sites: {n_all}; ranked: {len(ids)}; workers: {a.workers}")
    print(f"solves: {solves} (incl. the unrestricted one; {res.info['detected']} sites in it)")
    print(f"wall: {wall:.1f} s; solves per minute: {solves / wall * 60:.2f}")
    print(f"solver options: time limit {sc.solver.time_limit_s} s, gap {sc.solver.mip_rel_gap:g}")
    print("status counts:", t["status"].value_counts().to_dict())
    print(f"exact premiums: {int(t['premium_exact'].fillna(False).sum())} of {len(t)}")
    if a.csv is not None:
        t.to_csv(a.csv, index=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
