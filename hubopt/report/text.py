"""Plans in words and numbers for people: formatted figures, terminal tables, stories.

Used by the command line (rich tables) and by the HTML report (plain-language summaries).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from hubopt.report.units import METRICS, co2_scale, metric_label, money_scale, numeric_metrics

if TYPE_CHECKING:
    from hubopt.studies.compare import Comparison

__all__ = [
    "co2_text",
    "format_delta",
    "format_value",
    "money_text",
    "plan_story",
    "plural",
    "rich_robustness",
    "rich_table",
]


def format_value(column: str, value: object, money_unit: str = "k$") -> str:
    """Format one figure for people: thousands separators, shares as %, blanks as —."""
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "—"
    if isinstance(value, str):
        return value
    v = float(value)
    unit = METRICS.get(column, ("", ""))[1]
    if unit == "share":
        return f"{v:.1%}"
    if column == "mip_gap":
        return f"{v:.3%}"
    if unit in ("hubs",) or column == "jobs" or column.startswith("jobs_"):
        return f"{v:,.0f}"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    return f"{v:,.3g}" if v else "0"


def format_delta(row: pd.Series, column: str) -> str:
    """``+1,234 (+5.6%)`` for one row of :attr:`Comparison.deltas`."""
    d, pct = row["delta"], row["delta_pct"]
    if not np.isfinite(d):
        return ""
    if abs(d) < 1e-9 * max(1.0, abs(row["baseline_value"])):
        return "±0"
    unit = METRICS.get(column, ("", ""))[1]
    if unit == "share":
        txt = f"{100 * d:+.1f} pts"
    else:
        txt = f"{d:+,.0f}" if abs(d) >= 100 else f"{d:+,.3g}"
    return f"{txt} ({pct:+.1f}%)" if np.isfinite(pct) and unit != "share" else txt


def rich_table(comp: Comparison, money_unit: str = "k$"):
    """Build a rich table: one row per figure, one column per plan, with deltas."""
    from rich.markup import escape
    from rich.table import Table

    t = Table(title=f"plans compared (baseline: {escape(comp.baseline)})", title_justify="left")
    t.add_column("figure", overflow="fold")
    for name in comp.table.index:
        t.add_column(escape(name) + (" ★" if name == comp.baseline else ""), justify="right")
    t.add_row("status", *[escape(str(s)) for s in comp.table["status"]])
    d = comp.deltas.set_index(["metric", "plan"])
    for col in ["mip_gap", *numeric_metrics(comp.table)]:
        cells = []
        for name in comp.table.index:
            txt = format_value(col, comp.table.loc[name, col], money_unit)
            if name != comp.baseline and (col, name) in d.index:
                delta = format_delta(d.loc[(col, name)], col)
                txt += f"\n[dim]{delta}[/dim]" if delta not in ("", "±0") else ""
            cells.append(txt)
        label = metric_label(col, money=money_unit, km=comp.within_km)
        t.add_row("MIP gap" if col == "mip_gap" else label, *cells)
    return t


def rich_robustness(comp: Comparison, top: int = 15):
    """Build a rich table of the new sites chosen most often (forced plants not ranked)."""
    from rich.markup import escape
    from rich.table import Table

    r = comp.robustness
    if "built" in r:
        r = r[~r["built"].isin(["existing", "required"])]
    t = Table(title=f"new sites chosen most often (top {min(top, len(r))} of {len(r)})")
    for col in ("site", "state", "EC", "technology", "chosen in", "plans"):
        t.add_column(col, overflow="fold")
    for _i, row in r.head(top).iterrows():
        ec = "yes" if str(row["energy_community"]).lower() in ("true", "1") else ""
        cells = [
            f"{row['name']} ({row['site_id']})",
            "" if pd.isna(row["state"]) else str(row["state"]),
            ec,
            str(row["technology"]),
            f"{row['n_plans_selected']}/{row['n_plans']}",
            str(row["plans"]),
        ]
        t.add_row(*map(escape, cells))
    return t


def money_text(value: float | None, unit: str = "k$") -> str:
    """Return money in words, e.g. ``"$1.23 bn"``, ``"$456 million"``, ``"12 k€"``."""
    if value is None or not np.isfinite(value):
        return "—"
    f, label = money_scale([value], unit)
    v = value * f
    txt = f"{v:,.2f}" if abs(v) < 10 else f"{v:,.1f}" if abs(v) < 100 else f"{v:,.0f}"
    if label.startswith("$ "):
        return f"${txt} {label[2:]}".replace(" thousand", "k")
    return f"${txt}" if label == "$" else f"{txt} {label}"


def co2_text(tonnes: float | None) -> str:
    """Return CO2 in words, e.g. ``"340 kt CO2"``."""
    if tonnes is None or not np.isfinite(tonnes):
        return "—"
    f, label = co2_scale([tonnes])
    v = tonnes * f
    return f"{v:,.2f} {label}" if abs(v) < 10 else f"{v:,.0f} {label}"


def _change(dc: float, de: float, s: dict, base: dict, money_unit: str) -> str:
    def same(d: float, ref: float | None) -> bool:
        return abs(d) <= 1e-6 * max(1.0, abs(ref or 0.0))

    cost = (
        "costs the same"
        if same(dc, base.get("total_cost"))
        else f"costs {money_text(abs(dc), money_unit)} {'more' if dc > 0 else 'less'} a year"
    )
    co2 = (
        "emits the same CO2"
        if same(de, base.get("emissions_t"))
        else f"emits {co2_text(abs(de))} {'more' if de > 0 else 'less'}"
    )
    text = f"{cost} and {co2}"
    gaps = [g for g in (s.get("mip_gap"), base.get("mip_gap")) if g is not None]
    ref = max(abs(s.get("total_cost") or 0.0), abs(base.get("total_cost") or 0.0))
    if gaps and 0 < abs(dc) <= max(gaps) * ref:
        text += " (a cost difference within the solver's uncertainty: it may not be real)"
    return text


def plural(n: int, word: str) -> str:
    """Return ``"1 hub"``, ``"2 hubs"``."""
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def plan_story(
    name: str,
    summary: dict,
    tables: dict[str, pd.DataFrame],
    *,
    baseline: tuple[str, dict] | None = None,
    money_unit: str = "k$",
) -> str:
    """Say in plain words what a plan does (one paragraph of text, no markup)."""
    status = summary.get("status", "unknown")
    if "hubs" not in tables:
        why = {
            "infeasible": "no plan can meet every rule of this scenario at once",
            "time_limit": "the solver ran out of time before it found any plan",
        }.get(status, f"the solver stopped ({status})")
        text = f"No plan: {why}."
        diagnosis = summary.get("diagnosis") or []
        if diagnosis:
            text += " What stands in the way: " + "; ".join(map(str, diagnosis[:3])) + "."
        elif status != "infeasible" and summary.get("message"):
            text += f" Solver: {summary['message']}."
        return text
    hubs = tables["hubs"]
    n = int(summary.get("hubs_open", len(hubs)))
    existing = int((hubs.get("status", pd.Series(dtype=str)) == "existing").sum())
    new = hubs[hubs.get("status", pd.Series("", index=hubs.index)) != "existing"]
    techs = new["technology"].astype(str).value_counts()
    tech_txt = ", ".join(f"{c} {str(t).replace('_', ' ')}" for t, c in techs.items())
    parts = []
    if existing:
        parts.append(
            f"This plan keeps {plural(existing, 'existing plant')} running and builds "
            f"{plural(len(new), 'new hub')}" + (f" ({tech_txt})." if tech_txt else ".")
        )
    else:
        parts.append(
            f"This plan builds {plural(n, 'hub')}" + (f" ({tech_txt})." if tech_txt else ".")
        )
    ec = int(summary.get("hubs_in_energy_communities") or 0)
    if ec:
        jobs = summary.get("jobs_in_energy_communities") or 0
        capex = summary.get("capex_in_energy_communities") or 0
        if n == 1:
            who = "Its hub is"
        elif ec == n:
            who = f"All {n} of its hubs are"
        else:
            who = f"{ec} of its {n} hubs {'is' if ec == 1 else 'are'}"
        parts.append(
            f"{who} in {'an energy community' if ec == 1 else 'energy communities'} (places "
            f"where a coal plant has closed or is closing), with about {jobs:,.0f} jobs and "
            f"{money_text(capex, money_unit)} of investment there."
        )
    else:
        parts.append("None of its hubs is in an energy community.")
    parts.append(
        f"It costs {money_text(summary.get('total_cost'), money_unit)} a year and its supply "
        f"chain emits {co2_text(summary.get('emissions_t'))} a year."
    )
    total, served = summary.get("demand_total") or 0, summary.get("demand_served") or 0
    if total and served < total * (1 - 1e-9):
        parts.append(f"It leaves {1 - served / total:.1%} of the demand unserved.")
    if baseline is not None and baseline[0] != name:
        bname, bs = baseline

        def num(d: dict, k: str) -> float:  # 0 is a figure (a zero-CO2 baseline), None is not
            v = d.get(k)
            return np.nan if v is None else float(v)

        dc = num(summary, "total_cost") - num(bs, "total_cost")
        de = num(summary, "emissions_t") - num(bs, "emissions_t")
        if np.isfinite(dc) and np.isfinite(de):
            parts.append(f"Compared with {bname}, it {_change(dc, de, summary, bs, money_unit)}.")
    gap = summary.get("mip_gap")
    if status == "optimal":
        parts.append("The solver proved that no cheaper plan meets the same rules.")
    elif gap is not None:
        parts.append(
            f"The solver stopped at its time limit: a plan up to {gap:.1%} cheaper may exist."
        )
    return " ".join(parts)
