"""Check in-memory tables (DataFrames, a GeoDataFrame for sites) like package files.

Every cell is turned into the text a CSV file would hold and typed by the same per-file
checks (:func:`hubopt.inputs.parse.typed_table`), so in-memory and file packages get the
same named checks and the same messages. Messages name the table (``sites``) and the row
by the DataFrame's index label (``sites, row 3``).
"""

from __future__ import annotations

import math
import re
import sys
from dataclasses import replace
from typing import Any

import pandas as pd

from hubopt.errors import Issue
from hubopt.inputs.parse import typed_table
from hubopt.inputs.schema import FILES

__all__ = ["frame_issues", "relabel", "tables_from_frames"]

_FIRST_SEEN = re.compile(r"first seen on line (\d+)")


def _cell(v: Any) -> str:
    if v is None or v is pd.NA or v is pd.NaT:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return "" if math.isnan(v) else repr(v)
    if hasattr(v, "item") and not isinstance(v, str):  # numpy scalars
        return _cell(v.item())
    return str(v)


def _sites_from_geo(sites: Any, issues: list[Issue]) -> pd.DataFrame:
    """Take lat/lon from a GeoDataFrame's point geometry (reprojected to WGS84)."""
    gdf = sites
    if gdf.crs is not None and gdf.crs.to_epsg() != 4326:
        gdf = gdf.to_crs(4326)
    geom = gdf.geometry
    df = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    bad = ~(geom.geom_type == "Point") | geom.is_empty
    for label in df.index[bad.to_numpy()]:
        msg = "the geometry is not a point; give each site a point (or lat and lon columns)"
        issues.append(Issue("check_geometry", msg, "sites", label, "geometry", row_word="row"))
    ok = ~bad.to_numpy()
    df["lat"] = pd.Series(float("nan"), index=df.index)
    df["lon"] = pd.Series(float("nan"), index=df.index)
    df.loc[ok, "lat"] = geom[ok].y.to_numpy()
    df.loc[ok, "lon"] = geom[ok].x.to_numpy()
    return df


def tables_from_frames(
    frames: dict[str, Any],
) -> tuple[dict[str, pd.DataFrame | None], list[Issue], dict[str, pd.Index]]:
    """Type and check in-memory tables as if they were package files.

    Parameters
    ----------
    frames : dict of str to DataFrame or None
        One entry per table of :data:`hubopt.inputs.schema.FILES`; ``sites`` may be a
        GeoDataFrame with point geometry (geopandas is used only if it is one).

    Returns
    -------
    tables : dict of str to DataFrame or None
        Typed tables indexed by row position (so the cross-file checks can run on them).
    issues : list of Issue
        Per-table problems, rows named by index label (``sites, row 3``).
    labels : dict of str to Index
        The index labels of each table, by file name (``sites.csv``), for
        :func:`frame_issues` and :func:`relabel`.
    """
    issues: list[Issue] = []
    tables: dict[str, pd.DataFrame | None] = {}
    all_labels: dict[str, pd.Index] = {}
    gpd = sys.modules.get("geopandas")  # a GeoDataFrame implies geopandas is imported
    for name, spec in FILES.items():
        df = frames.get(name)
        if df is None:
            if spec.optional:
                tables[name] = None
                continue
            df = pd.DataFrame(columns=[c.name for c in spec.columns if c.required])
        if name == "sites" and gpd is not None and isinstance(df, gpd.GeoDataFrame):
            df = _sites_from_geo(df, issues)
        if not isinstance(df, pd.DataFrame):
            msg = f"expected a pandas DataFrame, got {type(df).__name__}"
            issues.append(Issue("check_table_type", msg, name))
            tables[name] = None
            continue
        labels = df.index
        all_labels[spec.filename] = labels
        header = [str(c).strip() for c in df.columns]
        rows = [[_cell(v) for v in row] for row in df.itertuples(index=False, name=None)]
        keep = [(i, r) for i, r in enumerate(rows) if any(c.strip() for c in r)]
        found: list[Issue] = []
        out = typed_table(spec, header, keep, found)
        issues += frame_issues(found, {spec.filename: labels})
        tables[name] = out
    return tables, issues, all_labels


def relabel(tables: dict[str, pd.DataFrame | None], labels: dict[str, pd.Index]) -> None:
    """Give each typed table (indexed by position) its DataFrame's index labels, in place."""
    for name, t in tables.items():
        if t is not None:
            lab = labels[FILES[name].filename]
            t.index = pd.Index(lab[t.index.to_numpy(int)], name=lab.name)


def frame_issues(issues: list[Issue], labels: dict[str, pd.Index]) -> list[Issue]:
    """Rename ``sites.csv, line 3`` to ``sites, row <label>`` for in-memory tables.

    Parameters
    ----------
    issues : list of Issue
        Issues whose ``row`` is a position in the table named by ``file``.
    labels : dict of str to list
        Index labels per file name (``sites.csv``); issues on other files are kept.

    Returns
    -------
    list of Issue
    """
    out = []
    for i in issues:
        if i.file not in labels:
            out.append(i)
            continue
        lab = labels[i.file]
        row = None if i.row is None else (lab[i.row] if i.file and i.row < len(lab) else i.row)
        if i.check in ("check_duplicate_column", "check_missing_column", "check_unknown_column",
                       "check_computed_column"):  # fmt: skip
            row = None  # the "header line" of a DataFrame is its columns
        msg = _FIRST_SEEN.sub(
            lambda m, lab=lab: f"first seen on row {lab[int(m.group(1))]}", i.message
        )
        out.append(replace(i, file=i.file.removesuffix(".csv"), row=row, message=msg,
                           row_word="row"))  # fmt: skip
    return out
