"""The plan map: a static PNG plus the positions of every mark, for hover tooltips.

:func:`plan_map` draws one plan on the contiguous US (Census state outlines, CONUS
Albers, see :func:`hubopt.report.figures.state_outlines`) and returns the PNG with a
:class:`Mark` per hub, site and flow in the PNG's pixel coordinates. The report lays a
transparent inline SVG over the image with one shape per mark, whose ``data-tip`` text a
few lines of inline script show on hover (``<title>`` as the no-script fallback), so the
file stays self-contained and works offline. Options at one site are spread on a small
ring so that none hides another; new hubs are labelled with their site name.
"""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass, field

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

from hubopt.report.figures import (
    _EC_GREEN,
    _MODE_COLOURS,
    _in_conus,
    _plain_text,
    _project,
    state_outlines,
)

__all__ = ["Mark", "PlanMap", "plain_name", "plan_map", "plan_map_png"]

_SPREAD_M = 80_000.0
"""Options closer than this (metres, CONUS Albers) are spread on a ring of this radius."""
_DPI = 110
_ACRONYMS = {"cam": "CAM", "pcam": "pCAM", "ev": "EV", "nmc": "NMC", "lfp": "LFP", "us": "US"}


def plain_name(key: object, labels: dict[str, str] | None = None) -> str:
    """Return a name for people: ``labels[key]``, or the key in words.

    ``cam_production`` → ``Cam production``.
    """
    k = str(key)
    if labels and labels.get(k):
        return str(labels[k])
    words = [_ACRONYMS.get(w.lower(), w) for w in k.replace("_", " ").replace("-", " ").split()]
    if not words:
        return k
    return " ".join([words[0][:1].upper() + words[0][1:], *words[1:]])


@dataclass
class Mark:
    """One hoverable mark: ``kind`` (hub, site, flow), pixel position(s), tooltip text."""

    kind: str
    x: float
    y: float
    tip: str
    r: float = 6.0
    x2: float | None = None
    y2: float | None = None
    width: float = 2.0


@dataclass
class PlanMap:
    """The map PNG (``width`` × ``height`` pixels) and its hoverable marks."""

    png: bytes
    width: int
    height: int
    marks: list[Mark] = field(default_factory=list)
    named: list[str] = field(default_factory=list)
    """Names written next to new hubs."""
    legend: list[str] = field(default_factory=list)
    """Legend entries, in order."""


def _spread(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Move points within :data:`_SPREAD_M` of each other onto a ring around their centre."""
    x, y = x.astype(float).copy(), y.astype(float).copy()
    done = np.zeros(len(x), dtype=bool)
    for i in range(len(x)):
        if done[i]:
            continue
        near = np.flatnonzero(np.hypot(x - x[i], y - y[i]) < _SPREAD_M) if len(x) else []
        near = [j for j in near if not done[j]]
        done[near] = True
        if len(near) > 1:
            cx, cy = x[near].mean(), y[near].mean()
            ring = _SPREAD_M * max(1.0, len(near) / 5)  # neighbours stay a marker apart
            for k, j in enumerate(near):
                a = np.pi / 2 + 2 * np.pi * k / len(near)
                x[j], y[j] = cx + ring * np.cos(a), cy + ring * np.sin(a)
    return x, y


def _free_point(m: Mark, dots: list[Mark]) -> tuple[float, float] | None:
    """Return a point of flow ``m``'s line outside every dot (hub, site), or ``None``."""
    for t in np.linspace(0.5, 0.05, 10).tolist() + np.linspace(0.55, 0.95, 9).tolist():
        px, py = m.x + t * (m.x2 - m.x), m.y + t * (m.y2 - m.y)  # type: ignore[operator]
        if all(np.hypot(d.x - px, d.y - py) > d.r + m.width / 2 for d in dots):
            return px, py
    return None


def _reachable(marks: list[Mark]) -> list[Mark]:
    """Return the marks to hover, each reachable: what a hub's marker covers is told in it.

    Drawn bottom to top: flows, sites, hubs. A site under a hub's marker, or a flow with
    no stretch outside the markers, adds its text to the tooltip of the hub (or site)
    over it and gets no shape of its own.
    """
    order = {"flow": 0, "site": 1, "hub": 2}
    marks = sorted(marks, key=lambda m: order[m.kind])
    hubs = [m for m in marks if m.kind == "hub"]
    kept: list[Mark] = []
    for m in marks:
        if m.kind == "site":
            over = [h for h in hubs if np.hypot(h.x - m.x, h.y - m.y) < h.r]
        elif m.kind == "flow":
            dots = [d for d in marks if d.kind != "flow"]
            over = (
                []
                if _free_point(m, dots)
                else sorted(dots, key=lambda d: np.hypot(d.x - m.x, d.y - m.y))[:1]
            )
        else:
            over = []
        if over:
            over[-1].tip += "\nalso here: " + m.tip.replace("\n", "; ")
        else:
            kept.append(m)
    return kept


def _num(v: object, unit: str = "") -> str:
    try:
        f = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "—"
    if not np.isfinite(f):
        return "—"
    txt = f"{f:,.0f}" if abs(f) >= 100 else f"{f:,.3g}"
    return f"{txt} {unit}".strip()


def _hub_tip(h: pd.Series, tech: str, unit: str, money_unit: str) -> str:
    built = {"existing": "existing plant", "required": "required"}.get(str(h.get("status")), "new")
    return "\n".join(
        [
            f"{h.get('name')} ({h.get('site_id')}), {h.get('state', '')}".rstrip(", "),
            f"technology: {tech} ({built})",
            f"size: {h.get('size')}",
            f"capacity: {_num(h.get('capacity'), f'{unit}/yr' if unit else 'units/yr')}",
            f"jobs: {_num(h.get('jobs'))}",
            f"capex: {_num(h.get('capex'), money_unit)}",
        ]
    )


@_plain_text
def plan_map(
    tables: dict[str, pd.DataFrame],
    sites: pd.DataFrame | None,
    *,
    title: str,
    data_date: str = "unknown",
    top_flows: int = 30,
    labels: dict[str, str] | None = None,
    units: dict[str, str] | None = None,
    money_unit: str = "k$",
) -> PlanMap:
    """Draw one plan on a map of the contiguous US and locate every mark.

    Parameters
    ----------
    tables : dict
        The plan's tables (``hubs``, ``candidates``, ``flows``, ``demand``, ``purchases``).
    sites : DataFrame, optional
        ``site_id``, ``lat``, ``lon`` (and ``name``) of every site; without it, only
        candidate sites are placed.
    title, data_date : str
        Figure title; the date shown in the footnote.
    top_flows : int, default 30
        Flows drawn: the largest by tonnes.
    labels : dict, optional
        Technology, product or mode → plain name for legends and tooltips.
    units : dict, optional
        Product → unit (``products.csv``), for capacities.
    money_unit : str, default "k$"
        Unit of capex in tooltips.
    """
    units = units or {}
    cand = tables.get("candidates", pd.DataFrame())
    hubs = tables.get("hubs", pd.DataFrame())
    flows = tables.get("flows", pd.DataFrame())
    cols = ["site_id", "lat", "lon"]
    coords = cand[[c for c in [*cols, "name"] if c in cand]] if len(cand) else pd.DataFrame()
    if sites is not None and len(sites):
        coords = pd.concat([sites[[c for c in [*cols, "name"] if c in sites]], coords])
    coords = coords.drop_duplicates("site_id").set_index("site_id") if len(coords) else coords

    def site_name(sid: object) -> str:
        if len(coords) and "name" in coords and sid in coords.index:
            n = coords.at[sid, "name"]
            if isinstance(n, str) and n:
                return f"{n} ({sid})"
        return str(sid)

    fig, ax = plt.subplots(figsize=(10, 7.4))
    fig.subplots_adjust(left=0.01, right=0.99, top=0.94, bottom=0.02)
    states = state_outlines()
    if states is not None:
        states.plot(ax=ax, color="#f1f1ee", edgecolor="#b5b5b5", linewidth=0.5, zorder=0)
    off_map = 0
    handles: list = []
    labelled_names: list[str] = []
    pending: list[tuple[str, float, float, str, float, float | None, float | None, float]] = []

    if len(flows) and len(coords):
        f = flows.nlargest(top_flows, "tonnes").reset_index(drop=True)
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
        for i, r in f.iterrows():
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
                prod = str(r.get("product", ""))
                qunit = f"{units.get(prod, 'units')}/yr"
                mode = plain_name(r["mode"], labels)
                tip = "\n".join(
                    [
                        f"flow: {site_name(r['origin'])} → {site_name(r['destination'])}",
                        f"product: {plain_name(prod, labels)}; mode: {mode}",
                        f"quantity: {_num(r.get('quantity'), qunit)}",
                        f"weight: {_num(r['tonnes'], 't/yr')}",
                        f"cost: {_num(r.get('cost'), f'{money_unit}/yr')}",
                    ]
                )
                pending.append(("flow", ox[i], oy[i], tip, 0.0, dx[i], dy[i], max(lw * 1.5, 6)))
        handles += [
            Line2D([], [], color=colour[m], lw=2.5, label=f"{plain_name(m, labels)} flow")
            for m in modes
        ]
        flow_note = (
            f"Lines: the {len(f)} largest flows by weight (widest = {tmax:,.0f} t/yr), "
            "straight from origin to destination."
        )
    else:
        flow_note = "No flows to draw."

    def site_points(ids: object, what: str, marker: str, s: float, colour: str, label: str):
        pts = coords.reindex(pd.unique(pd.Series(ids))).dropna(subset=["lat", "lon"])
        pts = pts[_in_conus(pts["lon"], pts["lat"])]
        x, y = _project(pts["lon"], pts["lat"])
        ax.scatter(x, y, marker=marker, s=s, color=colour, zorder=3)
        for sid, xi, yi in zip(pts.index, x, y, strict=True):
            pending.append(("site", xi, yi, f"{site_name(sid)}\n{what}", 5.0, None, None, 0))
        handles.append(
            Line2D([], [], marker=marker, color=colour, ls="", ms=4 + s / 20, label=label)
        )

    dem = tables.get("demand", pd.DataFrame())
    if len(dem) and len(coords):
        site_points(dem["site_id"], "demand site", "D", 14, "#222", "demand site (customer)")
    bought = tables.get("purchases", pd.DataFrame())
    if len(bought) and len(coords) and "bought" in bought:
        ids = bought.loc[bought["bought"] > 0, "site_id"]
        site_points(ids, "supplier", "v", 22, "#8c5a2b", "supplier (mine, port)")

    if len(cand) and "energy_community" in cand:
        ec = cand[cand["energy_community"].astype(bool)].drop_duplicates("site_id")
        ec = ec[~ec["site_id"].isin(hubs.get("site_id", []))]
        ec = ec[_in_conus(ec["lon"], ec["lat"])]
        x, y = _project(ec["lon"], ec["lat"])
        ax.scatter(x, y, marker="^", s=16, facecolors="none", edgecolors=_EC_GREEN, linewidths=0.8)
        for sid, xi, yi in zip(ec["site_id"], x, y, strict=True):
            tip = f"{site_name(sid)}\nenergy-community candidate site (not chosen)"
            pending.append(("site", xi, yi, tip, 5.0, None, None, 0))
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
        h = h[inside].reset_index(drop=True)
        techs = sorted(hubs["technology"].astype(str).unique())
        cmap = plt.get_cmap("Set2")
        tcol = {t: cmap(i % 8) for i, t in enumerate(techs)}
        x, y = _spread(*_project(h["lon"], h["lat"]))
        is_ec = h["energy_community"].astype(bool).to_numpy()
        existing = h.get("status", pd.Series("", index=h.index)).isin(["existing"]).to_numpy()
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
        labelled: set[str] = set()
        for i, r in h.iterrows():
            tech = plain_name(r["technology"], labels)
            unit = units.get(str(r.get("output")), "")
            pts = np.sqrt(float(r["area"]))  # marker diameter in points
            pending.append(
                ("hub", x[i], y[i], _hub_tip(r, tech, unit, money_unit), pts, None, None, 0)
            )
            if not existing[i] and str(r.get("status")) != "required":
                key = str(r["site_id"])
                if key not in labelled:
                    labelled.add(key)
                    labelled_names.append(str(r.get("name") or key))
                    ax.annotate(
                        str(r.get("name") or key),
                        (x[i], y[i]),
                        textcoords="offset points",
                        xytext=(pts / 2 + 3, pts / 2 + 1),
                        fontsize=7.5,
                        color="#1d2330",
                        zorder=5,
                        bbox={
                            "boxstyle": "round,pad=0.15",
                            "fc": "white",
                            "ec": "none",
                            "alpha": 0.75,
                        },
                    )
        handles += [
            Line2D(
                [],
                [],
                marker="o",
                color=tcol[t],
                mec="#333",
                ls="",
                ms=9,
                label=plain_name(t, labels),
            )
            for t in techs
        ]
        handles += [
            Line2D(
                [], [], marker="o", color="#ddd", mec="#333", ls="", ms=9, label="new hub (named)"
            ),
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
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    bottom = ax.get_window_extent(renderer).y0
    if handles:
        leg = ax.legend(
            handles=handles,
            loc="upper center",
            bbox_to_anchor=(0.5, 0.0),
            fontsize=7.5,
            frameon=False,
            ncol=3,
        )
        fig.canvas.draw()
        bottom = leg.get_window_extent(renderer).y0
    note = f" {off_map} hub(s) or flow end(s) outside the contiguous US are not shown." * (
        off_map > 0
    )
    text = (
        "Marker area ∝ capacity (units of output per year), relative to the largest option of "
        f"the same technology; options at one site are spread around it. {flow_note}{note} "
        "Background: US Census cartographic boundaries (states, 2016), Albers equal-area "
        f"projection. Data as of: {data_date}."
    )
    fig_h = fig.get_figheight() * fig.dpi
    fig.text(
        0.01,
        (bottom - 4) / fig_h,
        textwrap.fill(text, int(fig.get_figwidth() * 17)),
        fontsize=7.5,
        color="#444",
        va="top",
    )
    fig.canvas.draw()
    # crop to what is drawn (no empty band), and map marks to pixels of the cropped PNG
    box = fig.get_tightbbox(renderer).padded(0.08)  # inches
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=_DPI, bbox_inches=box)
    scale = _DPI / fig.dpi
    x0, y1 = box.x0 * _DPI, box.y1 * _DPI
    marks = []
    for kind, xa, ya, tip, size, xb, yb, w in pending:
        px, py = ax.transData.transform((xa, ya)) * scale
        m = Mark(kind, px - x0, y1 - py, tip, r=max(size * _DPI / 72 / 2, 4.0))
        if xb is not None:
            qx, qy = ax.transData.transform((xb, yb)) * scale
            m.x2, m.y2, m.width = qx - x0, y1 - qy, w
        marks.append(m)
    plt.close(fig)
    # flows first (underneath), then sites, then hubs on top; a site under a hub's marker
    # is told in that hub's tooltip, so every site can be reached by pointing
    order = {"flow": 0, "site": 1, "hub": 2}
    marks.sort(key=lambda m: order[m.kind])
    kept = _reachable(marks)
    legend = [str(hd.get_label()) for hd in handles]
    png = buf.getvalue()
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    return PlanMap(png, width, height, kept, sorted(labelled_names), legend)


def plan_map_png(
    tables: dict[str, pd.DataFrame],
    sites: pd.DataFrame | None,
    *,
    title: str,
    data_date: str = "unknown",
    top_flows: int = 30,
    **kwargs: object,
) -> bytes:
    """Draw one plan on a map of the contiguous US (PNG bytes).

    The PNG of :func:`plan_map` (which also locates every mark for
    hover tooltips); ``kwargs`` go to it (``labels``, ``units``, ``money_unit``).
    """
    return plan_map(
        tables, sites, title=title, data_date=data_date, top_flows=top_flows, **kwargs
    ).png
