"""Static figures for reports: the cost–CO2 frontier and the map background.

The map itself is drawn by :mod:`hubopt.report.maps`.

Matplotlib with the Agg backend (no display needed). The map background is the US
Census cartographic boundary file of states (``cb_2016_us_state_500k``) shipped by the
``plotly-geo`` package, drawn in the CONUS Albers projection (EPSG:5070). Every figure
states its units and the data date in a footnote.
"""

from __future__ import annotations

import functools
import io
import textwrap
from collections.abc import Callable
from functools import lru_cache
from importlib.resources import files

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from hubopt.report.units import co2_scale, money_scale  # noqa: E402

__all__ = ["co2_scale", "frontier_png", "money_scale", "state_outlines"]

CONUS = {"lon": (-125.0, -66.5), "lat": (24.0, 49.6)}
"""Longitude / latitude box of the contiguous United States."""
_NOT_CONUS = {"02", "15", "60", "66", "69", "72", "78"}  # AK, HI, territories
_MODE_COLOURS = ["#1b6ca8", "#d1495b", "#66a182", "#edae49", "#8d6a9f", "#00798c"]
_EC_GREEN = "#2e7d32"


def _plain_text(func: Callable[..., bytes]) -> Callable[..., bytes]:
    """Draw with math text off: a name such as ``$x$`` (plan, technology) shows as typed."""

    @functools.wraps(func)
    def wrapper(*args: object, **kwargs: object) -> bytes:
        with matplotlib.rc_context({"text.parse_math": False}):
            return func(*args, **kwargs)

    return wrapper


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return buf.getvalue()


def _footnote(fig, text: str) -> None:
    width = int(fig.get_figwidth() * 17)  # characters per line at 7.5 pt
    fig.text(0.01, 0.01, textwrap.fill(text, width), fontsize=7.5, color="#444", va="bottom")


@_plain_text
def frontier_png(
    table: pd.DataFrame,
    *,
    money_unit: str = "k$",
    data_date: str = "unknown",
    title: str = "Cost against CO2: every point is a full plan",
) -> bytes:
    """Draw the frontier (``frontier.csv`` rows) as a PNG.

    Filled markers: proven optimal within the gap; hollow: stopped at the time limit
    (the plan is kept, its cost may be above the best possible); a cross on the axis:
    no plan found at that cap.
    """
    t = table.copy()
    ok = t["total_cost"].notna() & t["emissions_t"].notna()
    fx, xlab = co2_scale(t.loc[ok, "emissions_t"]) if ok.any() else (1.0, "t CO2")
    fy, ylab = money_scale(t.loc[ok, "total_cost"], money_unit) if ok.any() else (1.0, "")
    fig, ax = plt.subplots(figsize=(8, 5.2))
    fig.subplots_adjust(bottom=0.2, left=0.13, right=0.97, top=0.9)
    p = t[ok].sort_values("emissions_t")
    x, y = p["emissions_t"] * fx, p["total_cost"] * fy
    ax.plot(x, y, "-", color="#888", lw=1.2, zorder=1)
    proven = p["proven"].astype(bool)
    if proven.any():
        ax.scatter(x[proven], y[proven], s=55, color="#1b6ca8", zorder=3, label="proven optimal")
    if (~proven).any():
        ax.scatter(
            x[~proven],
            y[~proven],
            s=55,
            facecolors="white",
            edgecolors="#1b6ca8",
            linewidths=1.6,
            zorder=3,
            label="time limit: not proven optimal",
        )
    same = p.groupby([p["emissions_t"].round(6), p["total_cost"].round(6)], sort=False)
    for (e, c), grp in same:
        ax.annotate(
            ", ".join(grp["point"].str.removeprefix("point_")),
            (e * fx, c * fy),
            textcoords="offset points",
            xytext=(6, 5),
            fontsize=8,
        )
    if "slope" in p:  # cost per tonne avoided, at the middle of each segment
        xs, ys, sl = x.to_numpy(), y.to_numpy(), p["slope"].to_numpy()
        for i in range(len(p) - 1):
            if np.isfinite(sl[i]):
                ax.annotate(
                    f"{sl[i]:,.3g} {money_unit}/t",
                    ((xs[i] + xs[i + 1]) / 2, (ys[i] + ys[i + 1]) / 2),
                    textcoords="offset points",
                    xytext=(4, -10),
                    fontsize=7.5,
                    color="#8a4b00",
                )
    notes = []
    missing = t[~ok & t["cap_t"].notna()]
    if len(missing):
        ax.scatter(
            missing["cap_t"] * fx,
            np.zeros(len(missing)),
            marker="x",
            color="#d1495b",
            transform=ax.get_xaxis_transform(),
            clip_on=False,
            zorder=4,
            label="no plan found at this cap",
        )
        notes.append(f"{len(missing)} cap(s) without a plan (time limit before any plan)")
    ax.set_xlabel(f"CO2 emissions ({xlab} per year)")
    ax.set_ylabel(f"total cost ({ylab} per year)" if ylab else "total cost (per year)")
    ax.set_title(title, fontsize=11)
    ax.grid(alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8, loc="upper right")
    if not ok.any():
        ax.text(0.5, 0.5, "no plan to show", transform=ax.transAxes, ha="center", color="#666")
    foot = (
        f"Units: CO2 in {xlab}/yr, cost in {ylab or money_unit}/yr. Numbers next to points "
        f"are point numbers (point_XX folders); brown figures on segments are the cost per "
        f"tonne of CO2 avoided between two points ({money_unit}/t). CO2 range: "
        f"{(p['emissions_t'].max() - p['emissions_t'].min()) if len(p) else 0:,.0f} t/yr. "
        f"Data as of: {data_date}."
    )
    _footnote(fig, foot + (" " + "; ".join(notes) + "." if notes else ""))
    return _png(fig)


@lru_cache(maxsize=1)
def state_outlines():
    """Return CONUS state outlines (GeoDataFrame in EPSG:5070), or ``None``.

    Read from the Census cartographic boundary file shipped by ``plotly-geo``
    (``_plotly_geo/package_data/cb_2016_us_state_500k.shp``, NAD83 degrees).
    """
    import geopandas as gpd

    try:
        shp = files("_plotly_geo") / "package_data" / "cb_2016_us_state_500k.shp"
    except ModuleNotFoundError:
        return None
    if not shp.is_file():
        return None
    g = gpd.read_file(str(shp)).set_crs("EPSG:4269", allow_override=True)
    g = g[~g["STATEFP"].isin(_NOT_CONUS)].to_crs("EPSG:5070")
    g["geometry"] = g.geometry.simplify(2000.0)
    return g[["STUSPS", "geometry"]]


@lru_cache(maxsize=1)
def _transformer():
    from pyproj import Transformer

    return Transformer.from_crs("EPSG:4326", "EPSG:5070", always_xy=True)


def _project(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y = _transformer().transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return np.asarray(x), np.asarray(y)


def _in_conus(lon: pd.Series, lat: pd.Series) -> pd.Series:
    return lon.between(*CONUS["lon"]) & lat.between(*CONUS["lat"])
