"""Report section "How competitive is each community" (``hubopt rank``).

:func:`ranking_map_png` draws every ranked site on a map of the contiguous US, coloured by
its premium; :func:`rank_section` is the HTML section (the map, then the cheapest and the
dearest sites in plain words, then sites without a plan); :func:`render_rank_report` is a
self-contained page (styles and the map inline: it works offline).
"""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from hubopt.studies.rank import RankResult

__all__ = ["rank_section", "ranking_map_png", "render_rank_report", "write_rank_report"]


def _mid(t: pd.DataFrame) -> pd.Series:
    return (t["premium_low"].astype(float) + t["premium_high"].astype(float)) / 2


def premium_text(row: dict | pd.Series, unit: str) -> str:
    """Return the premium in words: one number when exact, else the proven interval.

    >>> premium_text({"premium_exact": True, "premium": 12.5}, "k$")
    '12.5 k$/yr'
    >>> premium_text({"premium_exact": False, "premium_low": 1, "premium_high": 3}, "k$")
    'between 1 and 3 k$/yr (not proven optimal)'
    """
    if bool(row.get("premium_exact")):
        return f"{float(row['premium']):,.4g} {unit}/yr"
    lo, hi = row.get("premium_low"), row.get("premium_high")
    if lo is None or pd.isna(lo):
        return "no plan"
    return f"between {float(lo):,.4g} and {float(hi):,.4g} {unit}/yr (not proven optimal)"


def ranking_map_png(table: pd.DataFrame, *, money_unit: str = "k$", title: str = "") -> bytes:
    """Draw the ranked sites coloured by premium (grey crosses: no plan); return PNG bytes."""
    from hubopt.report.figures import _in_conus, _png, _project, plt, state_outlines

    fig, ax = plt.subplots(figsize=(10, 6.6))
    fig.subplots_adjust(left=0.01, right=0.9, top=0.93, bottom=0.04)
    states = state_outlines()
    if states is not None:
        states.plot(ax=ax, color="#f1f1ee", edgecolor="#b5b5b5", linewidth=0.5, zorder=0)
    t = table[table["lat"].notna() & table["lon"].notna()]
    t = t[_in_conus(t["lon"].astype(float), t["lat"].astype(float))]
    x, y = _project(t["lon"].astype(float), t["lat"].astype(float))
    mid = _mid(t).to_numpy()
    ok = np.isfinite(mid)
    if (~ok).any():
        ax.scatter(x[~ok], y[~ok], marker="x", s=30, color="#888", zorder=2, label="no plan")
    if ok.any():
        sc = ax.scatter(x[ok], y[ok], c=mid[ok], cmap="viridis", s=42, edgecolor="#222",
                        linewidth=0.4, zorder=3, vmin=0)  # fmt: skip
        cb = fig.colorbar(sc, ax=ax, fraction=0.035, pad=0.01)
        cb.set_label(f"premium of a new hub, {money_unit}/yr (0 = already chosen)")
    if (~ok).any():
        ax.legend(loc="lower left", frameon=False)
    ax.set_title(title or "Premium of a new hub at each site")
    ax.set_axis_off()
    ax.set_aspect("equal")
    return _png(fig)


def _site(row: pd.Series) -> str:
    where = f"{row['name']}" if isinstance(row["name"], str) and row["name"] else row["site_id"]
    if isinstance(row.get("state"), str) and row["state"]:
        where += f", {row['state']}"
    return f"{where} ({row['site_id']})"


def _sentence(row: pd.Series, unit: str) -> str:
    if row["status"] == "in_baseline":
        return (f"{_site(row)}: already chosen by the cheapest plan "
                f"({row['technology']}, {row['jobs']:,.0f} jobs, capex {row['capex']:,.4g} "
                f"{unit}).")  # fmt: skip
    closed = int(row["hubs_closed"]) if pd.notna(row["hubs_closed"]) else 0
    rest = f"; {closed} hub(s) elsewhere close" if closed else ""
    return (f"{_site(row)}: a {row['technology']} ({row['size']}) here costs "
            f"{premium_text(row, unit)} more than the cheapest plan, with "
            f"{row['jobs']:,.0f} jobs and capex {row['capex']:,.4g} {unit}{rest}; CO2 "
            f"changes by {row['co2_change_t']:+,.4g} t/yr.")  # fmt: skip


def rank_section(result: RankResult, *, money_unit: str | None = None, top: int = 5) -> str:
    """Return the HTML section "How competitive is each community"."""
    from hubopt.report.html import _img

    unit = money_unit or result.money_unit
    t = result.table
    ranked = t[t["premium_low"].notna()]
    failed = t[t["premium_low"].isna()]
    b = result.baseline
    parts = [
        "<h2>How competitive is each community</h2>",
        f"<p>For each of {len(t)} site(s), the cheapest plan that opens a new hub there "
        f"(technology: {escape(', '.join(result.technologies) or 'any')}) was compared with "
        f"the cheapest plan overall ({b.get('objective') or 0:,.6g} {escape(unit)}/yr). "
        f"The <b>premium</b> is the difference, in {escape(unit)} per year: 0 means the "
        "site is already in the cheapest plan. A range means a solve stopped before it "
        "proved optimality: the true premium lies in it.</p>",
        _img(ranking_map_png(t, money_unit=unit), "map of sites coloured by premium"),
    ]
    if len(ranked):
        parts.append(f"<h3>The {min(top, len(ranked))} most competitive sites</h3><ol>")
        parts += [f"<li>{escape(_sentence(r, unit))}</li>" for _, r in ranked.head(top).iterrows()]
        parts.append("</ol>")
    if len(ranked) > top:
        tail = ranked.tail(min(top, len(ranked) - top))
        parts.append(f"<h3>The {len(tail)} least competitive sites</h3><ol>")
        parts += [f"<li>{escape(_sentence(r, unit))}</li>" for _, r in tail.iterrows()]
        parts.append("</ol>")
    if len(failed):
        parts.append("<h3>Sites where no plan has a new hub</h3><ul>")
        parts += [
            f"<li>{escape(_site(r))}: {escape(r['status'])} — {escape(str(r['message']))}</li>"
            for _, r in failed.iterrows()
        ]
        parts.append("</ul>")
    return "\n".join(parts)


def render_rank_report(result: RankResult, *, money_unit: str | None = None) -> str:
    """Return a self-contained HTML page holding :func:`rank_section`."""
    from hubopt import __version__
    from hubopt.report.html import _CSS

    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    title = f"hubopt: how competitive is each community ({result.scenario.name})"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body><main>"
        f"<h1>{escape(title)}</h1>"
        + rank_section(result, money_unit=money_unit)
        + f"<footer>Made by hubopt {escape(__version__)} on {now}. Table behind this "
        "report: ranking.csv (units in ranking_fields.csv).</footer>"
        "</main></body></html>\n"
    )


def write_rank_report(path: str | Path, result: RankResult, *, money_unit: str | None = None):
    """Write :func:`render_rank_report` to ``path`` (UTF-8) and return the path."""
    p = Path(path)
    p.write_text(render_rank_report(result, money_unit=money_unit), encoding="utf-8")
    return p
