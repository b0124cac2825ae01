"""Build the default US battery-hub data package ``data/us_battery/`` (v2, 2030).

Thin entry point; the build lives in ``data/us_battery_build/`` (see its docstring)::

    python data/build_us_battery.py                       # defaults
    python data/build_us_battery.py --research DIR --sources DIR --out DIR

Offline and deterministic: the same source tables give the same bytes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from us_battery_build import build  # noqa: E402
from us_battery_build.common import DEFAULT_OUT, DEFAULT_RESEARCH, DEFAULT_SOURCES  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, build the package and print a summary.

    Parameters
    ----------
    argv : list of str, optional
        Command-line arguments (default ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit code.
    """
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--research", type=Path, default=DEFAULT_RESEARCH, help="shared research")
    ap.add_argument("--sources", type=Path, default=DEFAULT_SOURCES, help="data/sources_2030")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    args = ap.parse_args(argv)
    if not (args.research / "FACTS.md").is_file():
        ap.error(f"research folder not found: {args.research}")
    if not (args.sources / "NOTES.md").is_file():
        ap.error(f"sources_2030 folder not found: {args.sources}")
    s = build(args.research, args.sources, args.out)
    print(f"wrote {args.out}")
    for k, v in s["rows"].items():
        print(f"  {k}.csv: {v} rows")
    print(f"  demand GWh/yr: {s['demand']}")
    print(f"  lanes: {sum(s['lanes'].values()):,} {s['lanes']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
