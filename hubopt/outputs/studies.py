"""Writers of the studies: a comparison, a frontier and a sweep, each into one folder.

The studies (:mod:`hubopt.studies`) compute and return objects; only these functions
write, and only the command line (or a user's script) calls them. Every folder is
written atomically (:func:`hubopt.outputs.folder.atomic_folder`).

* :func:`write_comparison` — ``comparison.csv``, ``comparison_long.csv``,
  ``robustness.csv``, ``report.html``;
* :func:`write_frontier` — ``point_XX/`` result folders, ``frontier.csv``,
  ``frontier.json``, ``frontier.png``, ``report.html``;
* :class:`SweepWriter` — one result folder per scenario as it finishes (pass
  :meth:`SweepWriter.add` as the sweep's ``on_result``), ``sweep.csv`` kept current,
  ``compare/`` at the end; :func:`write_sweep` does it all for a finished sweep.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from hubopt.outputs.folder import atomic_folder, check_target, claim_folder
from hubopt.outputs.jsonio import write_json
from hubopt.outputs.tables import manifest, safe_for_spreadsheet, write_outputs
from hubopt.report.units import money_unit as unit_of

if TYPE_CHECKING:
    from hubopt.inputs.scenario import Scenario
    from hubopt.pipeline import RunOutcome
    from hubopt.studies.compare import Comparison
    from hubopt.studies.pareto import Frontier
    from hubopt.studies.sweep import SweepResult

__all__ = ["SweepWriter", "write_comparison", "write_frontier", "write_sweep"]

_CSV = {"index": False, "float_format": "%.10g"}


def write_comparison_tables(comp: Comparison, folder: Path) -> None:
    """Write ``comparison.csv`` (wide), ``comparison_long.csv`` and ``robustness.csv``."""
    from hubopt.studies.compare import wide_table

    safe_for_spreadsheet(wide_table(comp).reset_index()).to_csv(folder / "comparison.csv", **_CSV)
    safe_for_spreadsheet(comp.deltas).to_csv(folder / "comparison_long.csv", **_CSV)
    safe_for_spreadsheet(comp.robustness).to_csv(folder / "robustness.csv", **_CSV)


def write_comparison(
    comp: Comparison,
    out_dir: str | Path,
    *,
    force: bool = False,
    money_unit: str | None = None,
    title: str = "hubopt: plans compared",
) -> Path:
    """Write the comparison CSVs and ``report.html`` into ``out_dir``, atomically.

    Parameters
    ----------
    comp : Comparison
        From :func:`hubopt.studies.compare.compare`.
    out_dir : str or Path
        Target folder (e.g. ``results/compare``).
    force : bool, default False
        Replace an existing folder that hubopt wrote (else the next free numbered
        folder is used); never one of the compared result folders.
    money_unit : str, optional
        Money unit for labels; default the data package's (``k$`` for the default data).
    title : str
        Report title.

    Returns
    -------
    Path
        The folder written.
    """
    from hubopt.report.html import write_report

    unit = unit_of(None, money_unit, next(iter(comp.plans.values()), ({}, {}))[0])

    def writer(folder: Path) -> None:
        write_comparison_tables(comp, folder)
        write_report(folder / "report.html", comp, money_unit=unit, title=title)

    inputs = [m.get("folder") for m in comp.meta.values()]
    return atomic_folder(out_dir, writer, force=force, kind="compare", protect=inputs)


def write_frontier(
    frontier: Frontier,
    out_dir: str | Path,
    *,
    force: bool = False,
    money_unit: str | None = None,
) -> Path:
    """Write a frontier: every point's result folder, the frontier files and the report.

    Parameters
    ----------
    frontier : Frontier
        From :func:`hubopt.studies.pareto.pareto`.
    out_dir : str or Path
        Target folder; without ``force`` an existing one is kept and the next free
        numbered one is used.
    force : bool, default False
        Replace an existing ``out_dir`` that hubopt wrote.
    money_unit : str, optional
        Money unit for the plot and report; default the data package's.

    Returns
    -------
    Path
        The folder written.
    """
    from hubopt.report.figures import frontier_png
    from hubopt.report.html import data_date, write_report
    from hubopt.studies.compare import compare_plans
    from hubopt.studies.pareto import frontier_info, scenario_toml

    sc = frontier.scenario
    first = next(iter(frontier.outcomes.values()), None)
    unit = unit_of(first.data if first is not None else None, money_unit)
    protect = (sc.data_dir, sc.source)
    check_target(out_dir, force=force, protect=protect)
    meta = {n: {"folder": n, "manifest": manifest(o)} for n, o in frontier.outcomes.items()}

    def writer(folder: Path) -> None:
        for name, outcome in frontier.outcomes.items():
            p = write_outputs(folder / name, outcome, force=True)
            (p / "scenario.toml").write_text(scenario_toml(outcome.scenario), encoding="utf-8")
        frontier.table.to_csv(folder / "frontier.csv", **_CSV)
        write_json(folder / "frontier.json", frontier_info(frontier))
        base = frontier.table.loc[frontier.table["kind"] == "min_cost", "point"].iloc[0]
        comp = compare_plans(frontier.plans, baseline=base, meta=meta)
        png = frontier_png(frontier.table, money_unit=unit, data_date=data_date(comp.meta))
        (folder / "frontier.png").write_bytes(png)
        write_report(
            folder / "report.html",
            comp,
            frontier=frontier,
            money_unit=unit,
            title=f"hubopt: cost–CO2 frontier of {sc.name}",
        )

    return atomic_folder(out_dir, writer, force=force, kind="pareto", protect=protect)


class SweepWriter:
    """Write a sweep as it runs: one result folder per scenario, ``sweep.csv`` kept current.

    Parameters
    ----------
    folder : Path
        The claimed sweep folder (use :meth:`claim`).
    points : list of dict
        The grid (:func:`hubopt.studies.grid.sweep_points`), for the table's order.
    formats : iterable of str
        Outputs of each scenario (see :func:`hubopt.write_outputs`).
    crs : str
        CRS of GIS layers.
    base : Scenario
        The base scenario (recorded in each ``sweep.json``).
    threads : int
        HiGHS threads per worker, recorded in each ``sweep.json``.
    """

    def __init__(
        self,
        folder: str | Path,
        points: list[dict],
        formats: Iterable[str] = ("csv",),
        crs: str = "EPSG:4326",
        base: Scenario | None = None,
        threads: int = 1,
    ):
        self.folder = Path(folder)
        self.points = {p["name"]: p for p in points}
        self.order = [p["name"] for p in points]
        self.formats, self.crs, self.base, self.threads = list(formats), crs, base, threads
        self.rows: dict[str, dict] = {}

    @classmethod
    def claim(
        cls, out_dir: str | Path, *, force: bool, base: Scenario, points: list[dict], **kw: object
    ) -> SweepWriter:
        """Check and claim the sweep folder before anything runs (exit 2 if unusable)."""
        check_target(out_dir, force=force, protect=(base.data_dir, base.source))
        return cls(claim_folder(out_dir, force=force, kind="sweep"), points, base=base, **kw)

    def add(self, row: dict, outcome: RunOutcome | None) -> None:
        """Write one finished scenario (the sweep's ``on_result``) and rewrite ``sweep.csv``."""
        name = row["scenario"]
        row = {"scenario": name, "folder": "", **{k: v for k, v in row.items() if k != "scenario"}}
        if outcome is not None:
            point = self.points.get(name, {})
            extra = {
                "base_scenario": str(self.base.source) if self.base and self.base.source else None,
                "base_name": self.base.name if self.base else None,
                "vary": {k: row.get(k) for k in point.get("values", {})},
                "data_dir": str(outcome.scenario.data_dir),
                "demand_scale": point.get("demand_scale"),
                "threads_per_worker": self.threads,
            }
            target = write_outputs(
                self.folder / name, outcome, force=True, formats=self.formats, crs=self.crs
            )
            write_json(target / "sweep.json", extra)
            row["folder"] = target.name
        self.rows[name] = row
        self.table()

    def table(self) -> pd.DataFrame:
        """Write ``sweep.csv`` (grid order, scenarios done so far) and return it."""
        table = pd.DataFrame([self.rows[n] for n in self.order if n in self.rows])
        tmp = self.folder / ".sweep.csv.tmp"
        safe_for_spreadsheet(table).to_csv(tmp, **_CSV)
        os.replace(tmp, self.folder / "sweep.csv")
        return table

    def finish(self, result: SweepResult, money_unit: str | None = None) -> Path | None:
        """Write ``compare/`` from the sweep's comparison; return its folder (or ``None``)."""
        if result.comparison is None:
            return None
        first = next(iter(result.outcomes.values()), None)
        unit = unit_of(first.data if first is not None else None, money_unit)
        return write_comparison(
            result.comparison,
            self.folder / "compare",
            force=True,
            money_unit=unit,
            title=f"hubopt sweep: {self.folder.name}",
        )


def write_sweep(
    result: SweepResult,
    out_dir: str | Path,
    *,
    force: bool = False,
    formats: Iterable[str] = ("csv",),
    crs: str = "EPSG:4326",
    money_unit: str | None = None,
) -> Path:
    """Write a finished sweep (all at once; the CLI writes as it goes with :class:`SweepWriter`).

    Returns
    -------
    Path
        The sweep folder.
    """
    w = SweepWriter.claim(
        out_dir,
        force=force,
        base=result.scenario,
        points=result.points,
        formats=formats,
        crs=crs,
        threads=result.threads_per_worker,
    )
    for row in result.table.to_dict("records"):
        w.add(row, result.outcomes.get(row["scenario"]))
    w.finish(result, money_unit)
    return w.folder
