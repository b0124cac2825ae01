"""Start-up cost of the command line, as a ratio to ``import pandas`` on the same machine.

Run ``python benchmarks/startup.py``. It measures, in fresh interpreters and in this one run:

* ``python -X importtime -c "import pandas"`` (the reference),
* ``python -X importtime -c "import hubopt.cli"``,
* wall-clock of ``hubopt --help`` and ``hubopt version`` (``python -m hubopt ...``),

and prints each as seconds and as a multiple of the pandas import, plus the heavy modules
(geopandas, matplotlib, dask, pyomo, highspy) that ``import hubopt.cli`` pulled in (none
expected). Each figure is the median of ``--repeat`` runs (default 5).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

HEAVY = ("geopandas", "matplotlib", "dask", "distributed", "pyomo", "highspy")


def importtime(statement: str) -> tuple[float, set[str]]:
    """Return (total import seconds, top-level modules imported) for ``statement``.

    The total is the sum of the ``self`` column of ``-X importtime`` (every module once).
    """
    r = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", statement],
        capture_output=True,
        text=True,
        check=True,
    )
    total_us, modules = 0, set()
    for line in r.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, _cum, name = (p.strip() for p in line.removeprefix("import time:").split("|"))
        total_us += int(self_us)
        modules.add(name.strip().split(".")[0])
    return total_us / 1e6, modules


def wall(args: list[str]) -> float:
    """Return the wall-clock seconds of ``python -m hubopt ARGS``."""
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "hubopt", *args], capture_output=True, check=False)
    return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    n = parser.parse_args().repeat
    pandas = statistics.median(importtime("import pandas")[0] for _ in range(n))
    cli_runs = [importtime("import hubopt.cli") for _ in range(n)]
    cli = statistics.median(t for t, _m in cli_runs)
    heavy = sorted(set(HEAVY) & cli_runs[0][1])
    rows = [
        ("import pandas (reference)", pandas),
        ("import hubopt.cli", cli),
        ("hubopt --help (wall)", statistics.median(wall(["--help"]) for _ in range(n))),
        ("hubopt version (wall)", statistics.median(wall(["version"]) for _ in range(n))),
    ]
    print(f"{'what':32} {'seconds':>8} {'× pandas':>9}")
    for what, sec in rows:
        print(f"{what:32} {sec:8.3f} {sec / pandas:9.2f}")
    print(f"heavy modules imported by hubopt.cli: {', '.join(heavy) or 'none'}")


if __name__ == "__main__":
    main()
