"""QGIS without QGIS: the ``states`` background, hubs coloured by technology, ``plan.qgs``.

Everything here is plain text and GeoPandas: QGIS is not needed at run time.

* :func:`states_layer`: US state outlines (the US Census cartographic boundary file
  ``cb_2016_us_state_500k`` shipped by ``plotly-geo``, the one the report's maps use),
  contiguous states and DC, simplified to about 1 km, in the plan's CRS.
* :func:`hubs_style`: the shipped ``hubs.qml`` (one symbol; size ∝ √capacity relative to
  the largest hub *of the same technology*, circle = new, square = existing, diamond =
  required) turned into a categorised renderer with one colour per technology present.
* :func:`write_project`: ``plan.qgs``, a QGIS project (XML) that opens every layer with its
  style, states at the bottom, in a sensible extent, with paths relative to the project.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from functools import lru_cache
from html import escape
from importlib.resources import files
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyproj

__all__ = ["PROJECT_NAME", "STATES", "extent", "hubs_style", "states_layer", "write_project"]

STATES = "states"
"""Name of the background layer (GeoPackage layer, ``shapefiles/states.shp``)."""
PROJECT_NAME = "plan.qgs"
_NOT_CONUS = {"02", "15", "60", "66", "69", "72", "78"}  # AK, HI, territories
_PALETTE = [
    "#1b9e77",
    "#d95f02",
    "#7570b3",
    "#e7298a",
    "#66a61e",
    "#e6ab02",
    "#a6761d",
    "#1f78b4",
    "#b15928",
    "#6a3d9a",
]
"""Colour of the i-th technology (sorted by name), cycling."""
_QGIS_VERSION = "3.22.16-Białowieża"
# drawn bottom to top: states, candidates, flows, supply, demand, hubs
_DRAW_ORDER = (STATES, "candidates", "flows", "supply", "demand", "hubs")


@lru_cache(maxsize=1)
def _states_nad83() -> gpd.GeoDataFrame | None:
    try:
        shp = files("_plotly_geo") / "package_data" / "cb_2016_us_state_500k.shp"
    except ModuleNotFoundError:  # pragma: no cover - plotly-geo is a dependency
        return None
    if not shp.is_file():  # pragma: no cover
        return None
    g = gpd.read_file(str(shp)).set_crs("EPSG:4269", allow_override=True)
    g = g[~g["STATEFP"].isin(_NOT_CONUS)].sort_values("STUSPS").reset_index(drop=True)
    g["geometry"] = g.geometry.simplify(0.01)  # degrees, about 1 km
    return g.rename(columns={"STUSPS": "state", "NAME": "name"})[["state", "name", "geometry"]]


def states_layer(crs: str | pyproj.CRS) -> gpd.GeoDataFrame | None:
    """Return the contiguous US states and DC (``state``, ``name``, polygons) in ``crs``.

    ``None`` when the Census boundary file is not installed (``plotly-geo``).
    """
    g = _states_nad83()
    return None if g is None else g.to_crs(crs)


def hubs_style(qml: str, technologies: Iterable[str]) -> str:
    """Turn the single-symbol hubs style into one category (colour) per technology.

    Parameters
    ----------
    qml : str
        The shipped ``hubs.qml`` (field names already those of the file it styles).
    technologies : iterable of str
        Technologies present in the layer; one category each, sorted, plus a grey
        catch-all for any other value.
    """
    m = re.search(r"(<symbols>\s*)(<symbol .*?</symbol>)(\s*</symbols>)", qml, flags=re.S)
    if m is None:  # pragma: no cover - the shipped style has one symbol
        return qml
    template = m.group(2)
    colour = re.search(r'name="color" type="QString" value="([^"]*)"', template)
    old = colour.group(1) if colour else "31,120,180,190"
    techs = sorted({str(t) for t in technologies})
    symbols, cats = [], []
    for i, t in enumerate([*techs, None]):
        hexc = "#999999" if t is None else _PALETTE[i % len(_PALETTE)]
        rgb = ",".join(str(int(hexc[k : k + 2], 16)) for k in (1, 3, 5)) + ",220"
        sym = template.replace(f'value="{old}"', f'value="{rgb}"')
        sym = sym.replace(f'v="{old}"', f'v="{rgb}"').replace('name="0"', f'name="{i}"', 1)
        symbols.append(sym)
        value = "" if t is None else escape(t, quote=True)
        label = "other" if t is None else escape(t.replace("_", " "), quote=True)
        cats.append(
            f'<category render="true" value="{value}" label="{label}" symbol="{i}" type="string"/>'
        )
    head = re.search(r"<renderer-v2 [^>]*>", qml)
    assert head is not None
    new_head = re.sub(r'type="singleSymbol"', 'type="categorizedSymbol"', head.group(0))
    new_head = new_head.replace("<renderer-v2 ", '<renderer-v2 attr="technology" ', 1)
    body = (
        f"{new_head}<categories>{''.join(cats)}</categories><symbols>{''.join(symbols)}"
        f"</symbols><source-symbol>{template}</source-symbol>"
    )
    start, end = head.start(), qml.index("</symbols>", m.start()) + len("</symbols>")
    return qml[:start] + body + qml[end:]


def extent(layers: dict[str, gpd.GeoDataFrame]) -> tuple[float, float, float, float]:
    """Return the view of a plan: its features' bounds with a 10 % margin (not candidates).

    The states' bounds when the plan has no feature.
    """
    plan = [g for n, g in layers.items() if n != STATES and len(g) and n != "candidates"]
    plan = plan or [g for n, g in layers.items() if len(g)]
    if not plan:
        return (-180.0, -90.0, 180.0, 90.0)
    b = np.array([g.total_bounds for g in plan])
    xmin, ymin = np.nanmin(b[:, 0]), np.nanmin(b[:, 1])
    xmax, ymax = np.nanmax(b[:, 2]), np.nanmax(b[:, 3])
    geographic = bool(next(iter(layers.values())).crs.is_geographic)
    least = 1.0 if geographic else 100_000.0  # never a zero-size view of one point
    dx, dy = max(xmax - xmin, least), max(ymax - ymin, least)
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    return (cx - 0.6 * dx, cy - 0.6 * dy, cx + 0.6 * dx, cy + 0.6 * dy)


def _srs(crs: pyproj.CRS) -> str:
    auth = crs.to_authority() or ("EPSG", "4326")
    return (
        f"<spatialrefsys><wkt>{escape(crs.to_wkt())}</wkt>"
        f"<srid>{auth[1]}</srid>"
        f"<authid>{auth[0]}:{auth[1]}</authid><description>{escape(crs.name)}</description>"
        f"<geographicflag>{'true' if crs.is_geographic else 'false'}</geographicflag>"
        "</spatialrefsys>"
    )


def _style_body(qml: str) -> str:
    """Return the children of a QML's ``<qgis>`` root: what a ``<maplayer>`` holds."""
    inner = re.search(r"<qgis[^>]*>(.*)</qgis>", qml, flags=re.S)
    return inner.group(1) if inner else ""


def write_project(
    path: str | Path,
    layers: dict[str, tuple[str, str, str]],
    crs: str | pyproj.CRS,
    extent: tuple[float, float, float, float],
    *,
    title: str = "hubopt plan",
) -> Path:
    """Write a QGIS project opening ``layers`` styled, states beneath, at ``extent``.

    Parameters
    ----------
    path : str or Path
        ``plan.qgs`` to write.
    layers : dict of str to (source, geometry, qml)
        Layer name → data source relative to the project (``./plan.gpkg|layername=hubs``),
        geometry (``Point``, ``Line``, ``Polygon``) and its QML style text.
    crs : str or pyproj.CRS
        CRS of the layers, also the project's.
    extent : tuple of float
        ``xmin, ymin, xmax, ymax`` in ``crs``: the view when the project opens.
    title : str
        Project title.
    """
    crs = pyproj.CRS.from_user_input(crs)
    srs = _srs(crs)
    order = [n for n in _DRAW_ORDER if n in layers] + [n for n in layers if n not in _DRAW_ORDER]
    top_first = list(reversed(order))
    ids = {n: f"{n}_{uuid.uuid5(uuid.NAMESPACE_URL, f'hubopt/{n}').hex[:12]}" for n in layers}
    geom_type = {"Point": "Point", "Line": "Line", "Polygon": "Polygon"}
    tree = "".join(
        f'<layer-tree-layer id="{ids[n]}" name="{escape(n)}" '
        f'source="{escape(layers[n][0], quote=True)}" providerKey="ogr" '
        'checked="Qt::Checked" expanded="0"><customproperties/></layer-tree-layer>'
        for n in top_first
    )
    maps = []
    for n in top_first:
        source, geometry, qml = layers[n]
        maps.append(
            f'<maplayer type="vector" geometry="{geom_type.get(geometry, geometry)}" '
            'autoRefreshEnabled="0" refreshOnNotifyEnabled="0" autoRefreshTime="0">'
            f"<id>{ids[n]}</id><datasource>{escape(source)}</datasource>"
            f"<layername>{escape(n)}</layername><srs>{srs}</srs>"
            f'<provider encoding="UTF-8">ogr</provider>{_style_body(qml)}</maplayer>'
        )
    xmin, ymin, xmax, ymax = (f"{v:.6f}" for v in extent)
    box = f"<xmin>{xmin}</xmin><ymin>{ymin}</ymin><xmax>{xmax}</xmax><ymax>{ymax}</ymax>"
    units = "degrees" if crs.is_geographic else "meters"
    text = (
        "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
        f'<qgis projectname="{escape(title, quote=True)}" version="{_QGIS_VERSION}">'
        f'<homePath path=""/><title>{escape(title)}</title>'
        f"<projectCrs>{srs}</projectCrs>"
        f'<layer-tree-group><customproperties/>{tree}<custom-order enabled="0">'
        + "".join(f"<item>{ids[n]}</item>" for n in top_first)
        + "</custom-order></layer-tree-group>"
        f'<mapcanvas name="theMapCanvas" annotationsVisible="1"><units>{units}</units>'
        f"<extent>{box}</extent><rotation>0</rotation>"
        f"<destinationsrs>{srs}</destinationsrs><rendermaptile>0</rendermaptile>"
        "</mapcanvas>"
        f'<ProjectViewSettings UseProjectScales="0"><Scales/><DefaultViewExtent '
        f'xmin="{xmin}" ymin="{ymin}" xmax="{xmax}" ymax="{ymax}">{srs}</DefaultViewExtent>'
        "</ProjectViewSettings>"
        "<layerorder>" + "".join(f'<layer id="{ids[n]}"/>' for n in top_first) + "</layerorder>"
        "<projectlayers>" + "".join(maps) + "</projectlayers>"
        '<properties><Paths><Absolute type="bool">false</Absolute></Paths></properties>'
        "</qgis>\n"
    )
    p = Path(path)
    p.write_text(text, encoding="utf-8")
    return p
