"""GIS outputs: the plan as GeoDataFrames, and GeoPackage / Shapefile / GeoJSON files.

:func:`plan_to_geodataframes` turns a :class:`~hubopt.plan.Plan` into five layers
(``candidates``, ``hubs``, ``demand``, ``supply`` as points, ``flows`` as great-circle
lines) without writing anything; :func:`write_gis` writes them, with QGIS styles, into a
folder. :func:`hubopt.outputs.tables.write_outputs` calls both inside its temporary folder, so
GIS files are as atomic as the tables. Layouts, CRS rules and field names are described
in ``docs/gis.md``.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import shapely

from hubopt.errors import HubDataError, Issue
from hubopt.geodesy import geodesic_path
from hubopt.outputs.gis_fields import LAYER_FIELDS, add_built, field_dictionary, shapefile_names
from hubopt.outputs.qgis_project import (
    PROJECT_NAME,
    STATES,
    extent,
    hubs_style,
    states_layer,
    write_project,
)

if TYPE_CHECKING:
    from hubopt.inputs.load import HubData
    from hubopt.plan import Plan

__all__ = [
    "DEFAULT_CRS",
    "FORMATS",
    "GIS_FORMATS",
    "LAYERS",
    "check_crs",
    "great_circle_line",
    "parse_formats",
    "plan_to_geodataframes",
    "write_gis",
]

LAYERS = ("candidates", "hubs", "demand", "supply", "flows")
"""GIS layers, in the order they are written."""
GEOMETRY = {**dict.fromkeys(LAYERS[:4], "Point"), "flows": "LineString", STATES: "MultiPolygon"}
"""The one geometry type of each layer."""
FORMATS = ("csv", "gpkg", "shp", "geojson")
"""Output formats ``--formats`` accepts (``csv`` = the plan tables)."""
GIS_FORMATS = frozenset(FORMATS[1:])
DEFAULT_CRS = "EPSG:4326"
DBF_TEXT_BYTES = 254
"""A dBASE text field holds at most 254 bytes."""
GPKG_NAME = "plan.gpkg"
GPKG_VERSION = "1.2"
"""GeoPackage 1.2: read without warnings by GDAL < 3.10, QGIS 3.22+ and ArcGIS Pro."""
DESCRIPTIONS = {
    "candidates": "Every candidate option (site x technology x size), with selected",
    "hubs": "Options opened by the plan",
    "demand": "Demand points: quantity, served, unmet",
    "supply": "Supply points: capacity and quantity bought",
    "flows": "Non-zero flows, one great-circle line per lane x product x mode",
    STATES: "Background: US state outlines (US Census cartographic boundaries, 2016)",
}
GEOMETRY["ranking"] = "Point"  # hubopt rank's layer (hubopt.outputs.rank)
DESCRIPTIONS["ranking"] = "Premium of a new hub at each site (hubopt rank)"
_SITE_COLUMNS = ["name", "state", "energy_community", "lat", "lon"]


def parse_formats(formats: str | Iterable[str] | None) -> frozenset[str]:
    """Read a format list such as ``"csv,gpkg"``; ``None`` means every format.

    Raises
    ------
    HubDataError
        For an unknown or empty format list.
    """
    if formats is None:
        return frozenset(FORMATS)
    items = formats.split(",") if isinstance(formats, str) else list(formats)
    chosen = {f.strip().lower() for f in items if f.strip()}
    unknown = sorted(chosen - set(FORMATS))
    if unknown or not chosen:
        what = f"unknown format(s) {', '.join(unknown)}" if unknown else "no format given"
        msg = f"{what}; choose from {', '.join(FORMATS)} (comma-separated)"
        raise HubDataError([Issue("check_formats", msg, column="--formats")])
    return frozenset(chosen)


def check_crs(crs: str | pyproj.CRS) -> pyproj.CRS:
    """Return the CRS ``crs`` names (``"EPSG:5070"``, a PROJ string, WKT, ...).

    Raises
    ------
    HubDataError
        If pyproj does not know it, or it is not a 2-D geographic or projected CRS.
    """
    try:
        out = pyproj.CRS.from_user_input(crs)
    except pyproj.exceptions.CRSError as exc:
        msg = f"unknown CRS '{crs}' ({exc}); give e.g. EPSG:4326 or EPSG:5070"
        raise HubDataError([Issue("check_crs", msg, column="--crs")]) from None
    if not (out.is_geographic or out.is_projected) or len(out.axis_info) != 2:
        msg = f"CRS '{crs}' ({out.name}) is not a 2-D geographic or projected CRS"
        raise HubDataError([Issue("check_crs", msg, column="--crs")])
    return out


def great_circle_line(
    lon0: float, lat0: float, lon1: float, lat1: float, densify_km: float | None = 50.0
) -> shapely.LineString:
    """Return the geodesic from (lon0, lat0) to (lon1, lat1) as a WGS84 LineString.

    Vertices lie on the WGS84 geodesic (:func:`hubopt.geodesy.geodesic_path`) at most
    ``densify_km`` apart; ``None`` or ``0`` gives the straight two-point line. Longitudes
    are unwrapped from the origin, so a line crossing the antimeridian continues past ±180°
    instead of being split.
    """
    return shapely.LineString(geodesic_path(lon0, lat0, lon1, lat1, densify_km))


def _ordered(layer: str, df: pd.DataFrame) -> pd.DataFrame:
    std = [f.full for f in LAYER_FIELDS[layer] if f.full in df.columns]
    return _typed_extras(df[std + [c for c in df.columns if c not in std]], set(std))


def _typed_extras(df: pd.DataFrame, standard: set[str]) -> pd.DataFrame:
    """Write extra columns that hold only numbers as numbers (codes like ``01001`` stay text).

    >>> t = _typed_extras(pd.DataFrame({"v": ["1000", "2.5"], "fips": ["01001", "2"]}), set())
    >>> t["v"].tolist(), t["fips"].tolist()
    ([1000.0, 2.5], ['01001', '2'])
    """
    out = df
    for col in df.columns:
        s = df[col]
        if col in standard or not (s.dtype == object or pd.api.types.is_string_dtype(s)):
            continue
        text = s.dropna().astype(str).str.strip()
        if text.empty or text.str.match(r"^[+-]?0\d").any():
            continue
        num = pd.to_numeric(text, errors="coerce")
        if num.notna().all() and np.isfinite(num.to_numpy(float)).all():
            out = out.copy() if out is df else out
            out[col] = pd.to_numeric(s, errors="coerce")
    return out


def _points(layer: str, df: pd.DataFrame) -> gpd.GeoDataFrame:
    df = _ordered(layer, df.reset_index(drop=True))
    geom = gpd.points_from_xy(df["lon"].astype(float), df["lat"].astype(float))
    return gpd.GeoDataFrame(df, geometry=geom, crs=DEFAULT_CRS)


def _with_sites(df: pd.DataFrame, sites: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for c in _SITE_COLUMNS:
        out[c] = sites[c].reindex(out["site_id"]).to_numpy()
    out["energy_community"] = out["energy_community"].fillna(False).astype(bool)
    return out


def plan_to_geodataframes(
    plan: Plan,
    data: HubData,
    crs: str | pyproj.CRS = DEFAULT_CRS,
    densify_km: float | None = 50.0,
) -> dict[str, gpd.GeoDataFrame]:
    """Turn a plan into GIS layers, without writing files.

    Parameters
    ----------
    plan : Plan
        From :func:`hubopt.plan.extract_plan` (``RunOutcome.plan``).
    data : HubData
        The data package of the run (``RunOutcome.data``), for site names and locations.
    crs : str or pyproj.CRS, default "EPSG:4326"
        Output CRS, e.g. ``"EPSG:5070"`` (CONUS Albers).
    densify_km : float or None, default 50
        Flow lines are great circles with a vertex at most this far apart (before
        projection), so they look right on a projected map; ``None`` for straight lines.

    Returns
    -------
    dict of str to GeoDataFrame
        ``candidates``, ``hubs``, ``demand``, ``supply`` (Points) and ``flows``
        (LineStrings, one per non-zero lane × product × mode), with full column names.

    Raises
    ------
    HubDataError
        If ``crs`` is unknown, or some sites cannot be expressed in it.
    """
    target = check_crs(crs)
    sites = data.sites.drop_duplicates("site_id").set_index("site_id")
    layers = {
        "candidates": _points("candidates", add_built(plan.candidates)),
        "hubs": _points("hubs", add_built(plan.hubs)),
        "demand": _points("demand", _with_sites(plan.demand, sites)),
        "supply": _points("supply", _with_sites(plan.purchases, sites)),
    }
    flows = plan.flows.copy()
    flows["origin_name"] = sites["name"].reindex(flows["origin"]).to_numpy()
    flows["destination_name"] = sites["name"].reindex(flows["destination"]).to_numpy()
    lon, lat = sites["lon"].astype(float), sites["lat"].astype(float)
    ends = zip(
        lon.reindex(flows["origin"]),
        lat.reindex(flows["origin"]),
        lon.reindex(flows["destination"]),
        lat.reindex(flows["destination"]),
        strict=True,
    )
    lines = [great_circle_line(*e, densify_km=densify_km) for e in ends]
    geom = gpd.GeoSeries(lines, crs=DEFAULT_CRS) if lines else gpd.GeoSeries([], crs=DEFAULT_CRS)
    layers["flows"] = gpd.GeoDataFrame(_ordered("flows", flows), geometry=geom.values)
    out = {name: layers[name].to_crs(target) for name in LAYERS}
    bad = [n for n, g in out.items() if not np.isfinite(shapely.get_coordinates(g.geometry)).all()]
    if bad:
        msg = (
            f"CRS '{crs}' ({target.name}) cannot place every feature of {', '.join(bad)} "
            "(coordinates fall outside its area of use); choose a CRS that covers the data"
        )
        raise HubDataError([Issue("check_crs", msg, column="--crs")])
    return out


def _shapefile_frame(layer: str, gdf: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, dict]:
    """Make a layer Shapefile-safe: 0/1 booleans, 32-bit integers, ≤254-byte text."""
    df = gdf.copy()
    geom = df.geometry.name
    for col in df.columns.drop(geom):
        s = df[col]
        if pd.api.types.is_bool_dtype(s):
            df[col] = s.astype("Int32") if s.hasnans else s.astype("int32")
        elif pd.api.types.is_integer_dtype(s):
            if s.dropna().abs().max() < 2**31 or s.dropna().empty:
                df[col] = s.astype("Int32" if s.hasnans else "int32")
        elif not pd.api.types.is_float_dtype(s):
            df[col] = s.map(_dbf_text, na_action="ignore").astype(object)
    names = shapefile_names(layer, [c for c in df.columns if c != geom])
    return df.rename(columns=names), names


def _dbf_text(v: object) -> str:
    raw = str(v).encode("utf-8")
    return raw[:DBF_TEXT_BYTES].decode("utf-8", "ignore") if len(raw) > DBF_TEXT_BYTES else str(v)


def _style(
    layer: str, names: dict[str, str] | None = None, gdf: gpd.GeoDataFrame | None = None
) -> str:
    """Return the QGIS style of a layer, with Shapefile field names if ``names`` given.

    For ``hubs``, one colour per technology of ``gdf`` (:func:`hubs_style`).
    """
    qml = files("hubopt.outputs").joinpath("styles", f"{layer}.qml").read_text(encoding="utf-8")
    if layer == "hubs" and gdf is not None and "technology" in gdf:
        qml = hubs_style(qml, gdf["technology"].dropna().astype(str))
    if not names:
        return qml

    def rename(m: re.Match) -> str:
        return m[1] + names.get(m[2], m[2]) + m[3]

    # one pass over each kind of field reference, so a renamed field is never renamed twice
    qml = re.sub(r"(&quot;)(.*?)(&quot;)", rename, qml)  # "field" inside expressions
    return re.sub(r'(\battr=")([^"]*)(")', rename, qml)  # categorised/graduated renderers


_LAYER_STYLES_SQL = """
CREATE TABLE IF NOT EXISTS layer_styles (
  id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, f_table_catalog TEXT(256),
  f_table_schema TEXT(256), f_table_name TEXT(256), f_geometry_column TEXT(256),
  styleName TEXT(30), styleQML TEXT, styleSLD TEXT, useAsDefault BOOLEAN, description TEXT,
  owner TEXT(30), ui TEXT(30), update_time DATETIME DEFAULT
  (strftime('%Y-%m-%dT%H:%M:%fZ','now')))
"""


def _gpkg_styles(path: Path, layers: dict[str, gpd.GeoDataFrame]) -> None:
    """Store each layer's QGIS style as its default in the GeoPackage ``layer_styles``."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    with sqlite3.connect(path) as con:
        con.execute(_LAYER_STYLES_SQL)
        con.execute(
            "INSERT OR REPLACE INTO gpkg_contents (table_name, data_type, identifier, "
            "description, last_change) VALUES ('layer_styles', 'attributes', "
            "'layer_styles', 'QGIS layer styles', ?)",
            (now,),
        )
        con.executemany(
            "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
            "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, "
            "owner, ui, update_time) VALUES ('', '', ?, 'geom', ?, ?, '', 1, ?, '', '', ?)",
            [
                (n, n, _style(n, gdf=g), f"hubopt default style for {n}", now)
                for n, g in layers.items()
            ],
        )
    con.close()


@contextmanager
def _no_fsync() -> Iterator[None]:
    """Skip SQLite's fsync per GeoPackage layer (0.15 s each); the folder is renamed later."""
    key = "OGR_SQLITE_SYNCHRONOUS"
    before = pyogrio.get_gdal_config_option(key)
    pyogrio.set_gdal_config_options({key: "OFF"})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({key: before})


def _metadata(extra: dict | None) -> dict[str, str]:
    try:
        v = version("hubopt")
    except PackageNotFoundError:  # pragma: no cover
        v = "unknown"
    meta = {"hubopt_version": v, "created_utc": datetime.now(UTC).isoformat(timespec="seconds")}
    return {k: str(x) for k, x in {**meta, **(extra or {})}.items()}


def write_gis(
    folder: str | Path,
    layers: dict[str, gpd.GeoDataFrame],
    formats: Iterable[str] = GIS_FORMATS,
    *,
    metadata: dict | None = None,
    money_unit: str = "k$",
    product_units: dict[str, str] | None = None,
    background: bool = True,
) -> list[Path]:
    """Write GIS layers with their QGIS styles, a ``states`` background and ``plan.qgs``.

    Parameters
    ----------
    folder : str or Path
        Existing folder to write into (a run's result folder).
    layers : dict of str to GeoDataFrame
        From :func:`plan_to_geodataframes`.
    formats : iterable of {"gpkg", "shp", "geojson"}
        ``gpkg``: ``plan.gpkg``, one layer per table, full column names, styles in its
        ``layer_styles`` table and ``metadata`` as dataset and layer metadata. ``shp``:
        ``shapefiles/<layer>.shp`` (+ ``.shx .dbf .prj .cpg``, ``.qml``) with ≤ 10-byte
        field names and ``shapefiles/field_dictionary.csv``. ``geojson``:
        ``geojson/<layer>.geojson`` (+ ``.qml``), always EPSG:4326 (RFC 7946).
        Other names (``csv``) are ignored.
    metadata : dict, optional
        Extra key/values for the GeoPackage (scenario, status, ...); hubopt's version
        and the time are always recorded.
    money_unit : str, default "k$"
        Money unit of the data package, for the field dictionary.
    product_units : dict, optional
        Product → unit (``products.csv``), for the field dictionary's units.
    background : bool, default True
        Add the ``states`` layer (US state outlines, drawn beneath the others) to
        ``plan.gpkg`` and the Shapefiles. With ``gpkg`` or ``shp``, ``plan.qgs`` is
        written too: a QGIS project opening every layer styled, in drawing order
        (states at the bottom, hubs on top), at the plan's extent
        (:mod:`hubopt.outputs.qgis_project`).

    Returns
    -------
    list of Path
        Files written.

    Notes
    -----
    Not atomic on its own: :func:`hubopt.outputs.tables.write_outputs` calls it on a temporary
    folder that is renamed into place only when everything succeeded.
    """
    if not layers:
        return []
    root = Path(folder)
    formats = set(formats)
    _check_no_datetime(layers)
    written: list[Path] = []
    crs = next(iter(layers.values())).crs
    states = states_layer(crs) if background else None
    with_states = layers if states is None else {STATES: states, **layers}
    if "gpkg" in formats:
        written += _write_gpkg(root / GPKG_NAME, with_states, _metadata(metadata))
    if "shp" in formats:
        written += _write_shapefiles(root / "shapefiles", with_states, money_unit, product_units)
    if "geojson" in formats:
        written += _write_geojson(root / "geojson", layers)
    if formats & {"gpkg", "shp"}:
        written.append(_write_project(root, with_states, "gpkg" in formats))
    return written


def _write_project(root: Path, layers: dict[str, gpd.GeoDataFrame], gpkg: bool) -> Path:
    kinds = {"Point": "Point", "LineString": "Line", "MultiPolygon": "Polygon"}
    specs = {}
    for name, gdf in layers.items():
        if gpkg:
            specs[name] = (f"./{GPKG_NAME}|layername={name}", _style(name, gdf=gdf))
        else:
            _sdf, names = _shapefile_frame(name, gdf)
            specs[name] = (f"./shapefiles/{name}.shp", _style(name, names, gdf))
    crs = next(iter(layers.values())).crs
    spec3 = {n: (src, kinds[GEOMETRY[n]], qml) for n, (src, qml) in specs.items()}
    return write_project(root / PROJECT_NAME, spec3, crs, extent(layers))


def _check_no_datetime(layers: dict[str, gpd.GeoDataFrame]) -> None:
    """Refuse date/time columns: Shapefiles would keep only the date, GeoJSON only text."""
    for name, gdf in layers.items():
        for col in gdf.columns.drop(gdf.geometry.name):
            s = gdf[col]
            if pd.api.types.is_datetime64_any_dtype(s) or pd.api.types.is_timedelta64_dtype(s):
                raise TypeError(f"{name}.{col}: date/time columns are not supported in GIS output")


def _write_gpkg(path: Path, layers: dict[str, gpd.GeoDataFrame], meta: dict) -> list[Path]:
    crs = next(iter(layers.values())).crs
    with _no_fsync():
        for i, (name, gdf) in enumerate(layers.items()):
            pyogrio.write_dataframe(
                gdf,
                path,
                layer=name,
                driver="GPKG",
                geometry_type=GEOMETRY[name],
                promote_to_multi=name == STATES,
                dataset_options={"VERSION": GPKG_VERSION} if i == 0 else None,
                layer_options={"GEOMETRY_NAME": "geom", "DESCRIPTION": DESCRIPTIONS[name]},
                layer_metadata={**meta, "layer": name},
                dataset_metadata={**meta, "crs": crs.to_string()} if i == 0 else None,
            )
    _gpkg_styles(path, layers)
    return [path]


def _write_shapefiles(
    sub: Path, layers: dict[str, gpd.GeoDataFrame], money: str, units: dict | None = None
) -> list[Path]:
    sub.mkdir(exist_ok=True)
    tables, written = {}, []
    for name, gdf in layers.items():
        sdf, names = _shapefile_frame(name, gdf)
        pyogrio.write_dataframe(
            sdf,
            sub / f"{name}.shp",
            driver="ESRI Shapefile",
            geometry_type=GEOMETRY[name],
            promote_to_multi=name == STATES,
            encoding="UTF-8",
        )
        (sub / f"{name}.qml").write_text(_style(name, names, gdf), encoding="utf-8")
        tables[name] = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
        written += sorted(sub.glob(f"{name}.*"))
    field_dictionary(tables, money, units).to_csv(sub / "field_dictionary.csv", index=False)
    return [*written, sub / "field_dictionary.csv"]


def _write_geojson(sub: Path, layers: dict[str, gpd.GeoDataFrame]) -> list[Path]:
    sub.mkdir(exist_ok=True)
    written = []
    for name, gdf in layers.items():
        path = sub / f"{name}.geojson"
        pyogrio.write_dataframe(
            gdf.to_crs(DEFAULT_CRS),
            path,
            driver="GeoJSON",
            geometry_type=GEOMETRY[name],
            layer_options={"RFC7946": "YES"},
        )
        (sub / f"{name}.qml").write_text(_style(name, gdf=gdf), encoding="utf-8")
        written += [path, sub / f"{name}.qml"]
    return written
