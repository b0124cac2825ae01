"""Writer of a ranking (``hubopt rank``): one folder, written atomically.

:func:`write_ranking` writes

* ``ranking.csv`` — :attr:`hubopt.studies.rank.RankResult.table`, sorted by premium;
* ``ranking_fields.csv`` — the field dictionary: each column's unit and meaning (money in
  the package's money unit, k$ for the default data);
* ``ranking.gpkg`` — layer ``ranking``: one point per site with premium, technology and
  status, styled (graduated by premium) in its ``layer_styles`` table; ``ranking.qml`` the
  same style beside it;
* ``report.html`` — the section "How competitive is each community" (self-contained);
* ``rank.json`` — the baseline, the technologies, counts and timings;
* ``plans/`` — with ``keep_plans``: ``baseline/`` and one result folder per solved site, for
  ``hubopt compare``.

Only the command line (or a user's script) calls it; the study writes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from hubopt.outputs.folder import atomic_folder
from hubopt.outputs.jsonio import write_json
from hubopt.outputs.tables import safe_for_spreadsheet, write_outputs

if TYPE_CHECKING:
    from hubopt.studies.rank import RankResult

__all__ = ["FIELDS", "field_dictionary", "ranking_layer", "write_ranking"]

FIELDS = {
    "rank": "1 = cheapest site for a new hub; blank when the site has no plan",
    "site_id": "site id of sites.csv",
    "name": "site name",
    "state": "state",
    "energy_community": "the site is in an energy community",
    "lat": "latitude",
    "lon": "longitude",
    "status": "in_baseline (the unrestricted plan opens a new hub here: premium 0, no solve), "
    "solved (HiGHS proved optimality within the gap; the premium is an interval unless "
    "both solves closed the gap exactly), bounded (stopped at the time limit: see the "
    "interval), "
    "infeasible (no plan has a new hub here: see message), error",
    "premium": "cost of the cheapest plan with a new hub here minus the unrestricted optimum; "
    "blank unless exact (premium_exact)",
    "premium_low": "proven lower end of the premium",
    "premium_high": "proven upper end of the premium",
    "premium_exact": "both solves proven optimal: premium_low = premium_high = premium",
    "technology": "technology of the new option(s) opened here",
    "size": "size of the new option(s) opened here",
    "capacity": "capacity opened here",
    "jobs": "jobs of the new hub here",
    "capex": "capital expenditure of the new hub here",
    "hubs_closed": "options of the unrestricted plan that this plan does not open",
    "closed_elsewhere": "those options (site technology size)",
    "co2_change_t": "CO2 of this plan minus the unrestricted plan's",
    "total_cost": "total cost of this site's plan",
    "mip_gap": "relative MIP gap of this site's solve",
    "seconds": "wall time of this site's solve",
    "message": "solver message, or why no plan exists (diagnosis)",
}
"""Meaning of each column of ``ranking.csv``."""


def field_dictionary(money_unit: str = "k$") -> pd.DataFrame:
    """Return ``column, unit, meaning`` of ``ranking.csv`` (``money`` = ``money_unit``)."""
    from hubopt.studies.rank import RANK_UNITS

    units = {k: v.replace("money", money_unit) for k, v in RANK_UNITS.items()}
    return pd.DataFrame(
        [{"column": c, "unit": units.get(c, ""), "meaning": m} for c, m in FIELDS.items()]
    )


def ranking_layer(table: pd.DataFrame):
    """Return the ``ranking`` layer: one point per site with a location (EPSG:4326)."""
    import geopandas as gpd

    t = table[table["lat"].notna() & table["lon"].notna()].reset_index(drop=True)
    t = t.assign(
        energy_community=t["energy_community"].fillna(False).astype(bool),
        premium_exact=t["premium_exact"].fillna(False).astype(bool),
    )
    for c in ("rank", "premium", "premium_low", "premium_high", "hubs_closed"):
        t[c] = pd.to_numeric(t[c], errors="coerce").astype(float)
    geom = gpd.points_from_xy(t["lon"].astype(float), t["lat"].astype(float))
    return gpd.GeoDataFrame(t, geometry=geom, crs="EPSG:4326")


def write_ranking(
    result: RankResult,
    out_dir: str | Path,
    *,
    force: bool = False,
    money_unit: str | None = None,
) -> Path:
    """Write a ranking into ``out_dir`` atomically (see the module docstring).

    Parameters
    ----------
    result : RankResult
        From :func:`hubopt.studies.rank.rank`.
    out_dir : str or Path
        Target folder; without ``force`` an existing one is kept and the next free
        numbered one is used.
    force : bool, default False
        Replace an existing ``out_dir`` that hubopt wrote.
    money_unit : str, optional
        Money unit for labels; default the package's.

    Returns
    -------
    Path
        The folder written.
    """
    from hubopt.outputs.gis import _metadata, _style, _write_gpkg
    from hubopt.report.rank import write_rank_report

    unit = money_unit or result.money_unit
    sc = result.scenario
    protect = (sc.data_dir, sc.source)

    def writer(folder: Path) -> None:
        safe_for_spreadsheet(result.table).to_csv(
            folder / "ranking.csv", index=False, float_format="%.10g"
        )
        field_dictionary(unit).to_csv(folder / "ranking_fields.csv", index=False)
        layer = ranking_layer(result.table)
        if len(layer):
            meta = _metadata({"scenario": sc.name, "money_unit": unit})
            _write_gpkg(folder / "ranking.gpkg", {"ranking": layer}, meta)
        (folder / "ranking.qml").write_text(_style("ranking"), encoding="utf-8")
        base = {k: v for k, v in result.baseline.items() if k not in ("plan", "hubs", "open_keys")}
        write_json(
            folder / "rank.json",
            {"scenario": sc.name, "money_unit": unit, "technologies": result.technologies,
             "baseline": base, "info": result.info},
        )  # fmt: skip
        if result.outcomes:
            (folder / "plans").mkdir()
        for name, outcome in result.outcomes.items():
            write_outputs(folder / "plans" / name, outcome, force=True, formats={"csv"})
        write_rank_report(folder / "report.html", result, money_unit=unit)

    return atomic_folder(out_dir, writer, force=force, kind="rank", protect=protect)
