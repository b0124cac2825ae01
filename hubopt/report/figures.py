"""Static figures for reports: the cost–CO2 frontier and a map per plan (PNG bytes).

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
from matplotlib.lines import Line2D  # noqa: E402

from hubopt.report.units import co2_scale, money_scale  # noqa: E402

__all__ = ["co2_scale", "frontier_png", "money_scale", "plan_map_png", "state_outlines"]

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
        f"are point numbers (point_XX folders). Data as of: {data_date}."
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


@_plain_text
def plan_map_png(
    tables: dict[str, pd.DataFrame],
    sites: pd.DataFrame | None,
    *,
    title: str,
    data_date: str = "unknown",
    top_flows: int = 30,
) -> bytes:
    """Draw one plan on a map of the contiguous US.

    Parameters
    ----------
    tables : dict
        The plan's tables (``hubs``, ``candidates``, ``flows``, ``demand``).
    sites : DataFrame, optional
        ``site_id``, ``lat``, ``lon`` of every site (for flow ends and demand sites);
        without it, only candidate sites are placed.
    title : str
        Figure title.
    data_date : str
        Shown in the footnote.
    top_flows : int, default 30
        Flows drawn: the largest by tonnes.
    """
    cand = tables.get("candidates", pd.DataFrame())
    hubs = tables.get("hubs", pd.DataFrame())
    flows = tables.get("flows", pd.DataFrame())
    coords = cand[["site_id", "lat", "lon"]] if len(cand) else pd.DataFrame()
    if sites is not None and len(sites):
        coords = pd.concat([sites[["site_id", "lat", "lon"]], coords])
    coords = coords.drop_duplicates("site_id").set_index("site_id") if len(coords) else coords

    fig, ax = plt.subplots(figsize=(10, 7.4))
    fig.subplots_adjust(left=0.01, right=0.99, top=0.94, bottom=0.22)
    states = state_outlines()
    if states is not None:
        states.plot(ax=ax, color="#f1f1ee", edgecolor="#b5b5b5", linewidth=0.5, zorder=0)
    off_map = 0
    handles: list = []

    if len(flows) and len(coords):
        f = flows.nlargest(top_flows, "tonnes")
        o = coords.reindex(f["origin"]).reset_index(drop=True)
        d = coords.reindex(f["destination"]).reset_index(drop=True)
        known = (o["lat"].notna() & d["lat"].notna()).to_numpy()
        inside = _in_conus(o["lon"], o["lat"]).to_numpy() & _in_conus(d["lon"], d["lat"]).to_numpy()
        off_map += int((known & ~inside).sum())
        ox, oy = _project(o["lon"], o["lat"])
        dx, dy = _project(d["lon"], d["lat"])
        tmax = float(f["tonnes"].max()) or 1.0
        modes = sorted(flows["mode"].astype(str).unique())
        colour = {m: _MODE_COLOURS[i % len(_MODE_COLOURS)] for i, m in enumerate(modes)}
        for i, (_k, r) in enumerate(f.iterrows()):
            if known[i] and inside[i]:
                lw = 0.6 + 3.4 * float(r["tonnes"]) / tmax
                ax.plot(
                    [ox[i], dx[i]],
                    [oy[i], dy[i]],
                    color=colour[str(r["mode"])],
                    lw=lw,
                    alpha=0.55,
                    zorder=2,
                    solid_capstyle="round",
                )
        handles += [Line2D([], [], color=colour[m], lw=2.5, label=f"{m} flow") for m in modes]
        flow_note = (
            f"Lines: the {len(f)} largest flows by weight (widest = {tmax:,.0f} t/yr), "
            "straight from origin to destination."
        )
    else:
        flow_note = "No flows to draw."

    dem = tables.get("demand", pd.DataFrame())
    if len(dem) and len(coords):
        dc = coords.reindex(dem["site_id"].unique()).dropna()
        dc = dc[_in_conus(dc["lon"], dc["lat"])]
        x, y = _project(dc["lon"], dc["lat"])
        ax.scatter(x, y, marker="D", s=14, color="#222", zorder=3)
        handles.append(
            Line2D([], [], marker="D", color="#222", ls="", ms=4, label="demand site (customer)")
        )

    bought = tables.get("purchases", pd.DataFrame())
    if len(bought) and len(coords) and "bought" in bought:
        sc = coords.reindex(bought.loc[bought["bought"] > 0, "site_id"].unique()).dropna()
        sc = sc[_in_conus(sc["lon"], sc["lat"])]
        x, y = _project(sc["lon"], sc["lat"])
        ax.scatter(x, y, marker="v", s=22, color="#8c5a2b", zorder=3)
        handles.append(
            Line2D([], [], marker="v", color="#8c5a2b", ls="", ms=5, label="supplier (mine, port)")
        )

    if len(cand) and "energy_community" in cand:
        ec = cand[cand["energy_community"].astype(bool)].drop_duplicates("site_id")
        ec = ec[~ec["site_id"].isin(hubs.get("site_id", []))]
        ec = ec[_in_conus(ec["lon"], ec["lat"])]
        x, y = _project(ec["lon"], ec["lat"])
        ax.scatter(
            x,
            y,
            marker="^",
            s=16,
            facecolors="none",
            edgecolors=_EC_GREEN,
            linewidths=0.8,
            alpha=0.8,
            zorder=3,
        )
        handles.append(
            Line2D(
                [],
                [],
                marker="^",
                color=_EC_GREEN,
                mfc="none",
                ls="",
                ms=5,
                label="energy-community candidate site (not chosen)",
            )
        )

    if len(hubs):
        h = hubs.copy()
        maxcap = cand.groupby("technology")["capacity"].max() if len(cand) else None
        rel = h["capacity"] / (
            maxcap.reindex(h["technology"]).to_numpy()
            if maxcap is not None
            else h["capacity"].max()
        )
        h["area"] = 40 + 460 * rel.clip(0, 1).fillna(0.5)
        inside = _in_conus(h["lon"], h["lat"])
        off_map += int((~inside).sum())
        h = h[inside]
        techs = sorted(hubs["technology"].astype(str).unique())
        cmap = plt.get_cmap("Set2")
        tcol = {t: cmap(i % 8) for i, t in enumerate(techs)}
        x, y = _project(h["lon"], h["lat"])
        is_ec = h["energy_community"].astype(bool).to_numpy()
        existing = (h.get("status", pd.Series("", index=h.index)) == "existing").to_numpy()
        colours = [tcol[str(t)] for t in h["technology"]]
        for mask, marker in ((~existing, "o"), (existing, "s")):
            ax.scatter(
                x[mask],
                y[mask],
                s=h["area"].to_numpy()[mask],
                marker=marker,
                c=[c for c, k in zip(colours, mask, strict=True) if k],
                edgecolors=np.where(is_ec[mask], _EC_GREEN, "#333"),
                linewidths=np.where(is_ec[mask], 2.4, 0.7),
                alpha=0.9,
                zorder=4,
            )
        handles += [
            Line2D([], [], marker="o", color=tcol[t], mec="#333", ls="", ms=9, label=t)
            for t in techs
        ]
        handles += [
            Line2D([], [], marker="o", color="#ddd", mec="#333", ls="", ms=9, label="new hub"),
            Line2D(
                [], [], marker="s", color="#ddd", mec="#333", ls="", ms=8, label="existing plant"
            ),
            Line2D(
                [],
                [],
                marker="o",
                color="#ddd",
                mec=_EC_GREEN,
                mew=2.4,
                ls="",
                ms=9,
                label="hub in an energy community",
            ),
        ]

    ax.set_xlim(-2.36e6, 2.26e6)
    ax.set_ylim(2.6e5, 3.19e6)
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.set_title(title, fontsize=12)
    if handles:
        ax.legend(
            handles=handles,
            loc="upper center",
            bbox_to_anchor=(0.5, 0.0),
            fontsize=7.5,
            frameon=False,
            ncol=3,
        )
    note = f" {off_map} hub(s) or flow end(s) outside the contiguous US are not shown." * (
        off_map > 0
    )
    _footnote(
        fig,
        "Marker area ∝ capacity (units of output per year), relative to the largest option of "
        f"the same technology. {flow_note}{note} Background: US Census cartographic "
        f"boundaries (states, 2016), Albers equal-area projection. Data as of: {data_date}.",
    )
    return _png(fig)
