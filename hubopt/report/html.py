"""A report economic developers can read: one self-contained HTML file.

``report.html`` holds inline CSS and base64 PNG images only: no JavaScript, no web fonts,
nothing fetched from the internet. It has plain-language summary cards, the comparison
table with deltas against the baseline, site robustness, the cost–CO2 frontier when
there is one, and a static map per plan (:mod:`hubopt.report.figures`).
"""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import UTC, datetime
from functools import lru_cache
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from hubopt.report.figures import frontier_png
from hubopt.report.maps import plan_map
from hubopt.report.overlay import CSS as _OVERLAY_CSS
from hubopt.report.overlay import TIP_SCRIPT, map_html
from hubopt.report.pieces import (
    GLOSSARY,
    co2_card,
    co2_digits,
    frontier_range,
    frontier_slopes,
)
from hubopt.report.text import (
    format_delta,
    format_value,
    money_text,
    plan_story,
    plural,
)
from hubopt.report.units import metric_label, numeric_metrics

if TYPE_CHECKING:
    from hubopt.studies.compare import Comparison
    from hubopt.studies.pareto import Frontier

__all__ = ["data_date", "render_report", "write_report"]

_DATE_LINE = re.compile(
    r"data[ _-]?(?:date|as of)\s*[:=]\s*[`*\"']*(\d{4}-\d{2}(?:-\d{2})?)", re.IGNORECASE
)


def _data_dir(entry: dict) -> Path | None:
    d = entry.get("manifest", {}).get("scenario", {}).get("data_dir")
    return Path(d) if d else None


def data_date(meta: dict) -> str:
    """Return the date the plans' data describe, or ``"unknown"``.

    Looked up, per plan, in ``manifest.json`` (``data_date`` at the top or under
    ``scenario``), then in the data package's ``README.md`` / ``SOURCES.md`` (a line
    ``data date: YYYY-MM-DD`` or ``data as of: YYYY-MM``). Several dates are joined.
    """
    found: list[str] = []
    for entry in meta.values():
        man = entry.get("manifest", {})
        date = man.get("data_date") or man.get("scenario", {}).get("data_date")
        d = _data_dir(entry)
        if not date and d is not None:
            for doc in ("README.md", "SOURCES.md"):
                p = d / doc
                if p.is_file() and (m := _DATE_LINE.search(p.read_text(encoding="utf-8"))):
                    date = m.group(1)
                    break
        found.append(str(date) if date else "unknown")
    uniq = list(dict.fromkeys(found)) or ["unknown"]
    return uniq[0] if len(uniq) == 1 else ", ".join(uniq)


@lru_cache(maxsize=16)
def _read_package_csv(path: str, sha: str | None) -> tuple[pd.DataFrame | None, bool]:
    p = Path(path)
    if not p.is_file():
        return None, False
    raw = p.read_bytes()
    same = sha is None or hashlib.sha256(raw).hexdigest() == sha
    df = pd.read_csv(p, dtype={"site_id": str, "product": str, "unit": str})
    return df, same


def _package_csv(entry: dict, name: str) -> tuple[pd.DataFrame | None, bool]:
    d = _data_dir(entry)
    if d is None:
        return None, False
    sha = entry.get("manifest", {}).get("input_sha256", {}).get(f"{name}.csv")
    return _read_package_csv(str(d / f"{name}.csv"), sha)


def _plain_labels(comp: Comparison) -> dict[str, str]:
    """Technology / product / mode → plain name, where the data package has one.

    From a ``label`` or ``name`` column of technologies.csv, products.csv or modes.csv.
    """
    out: dict[str, str] = {}
    for entry in comp.meta.values():
        for table, key in (
            ("technologies", "technology"),
            ("products", "product"),
            ("modes", "mode"),
        ):
            df, _ = _package_csv(entry, table)
            col = next((c for c in ("label", "name") if df is not None and c in df), None)
            if df is not None and col and key in df:
                pairs = zip(df[key], df[col], strict=True)
                out.update({str(k): str(v) for k, v in pairs if isinstance(v, str)})
    return out


def _package_names(comp: Comparison) -> list[str]:
    """Return ``name (inputs <hash>)`` of each data package, never a local path.

    The folder name and the hash of its input file hashes (as
    :func:`hubopt.studies.compare.check_same_package` keys them).
    """
    out = []
    for e in comp.meta.values():
        man = e.get("manifest") or {}
        d = _data_dir(e)
        hashes = tuple(sorted((man.get("input_sha256") or {}).items()))
        key = hashlib.sha256(repr(hashes).encode()).hexdigest()[:8] if hashes else ""
        name = d.name if d is not None else "unknown"
        out.append(f"{name} (inputs {key})" if key else name)
    return list(dict.fromkeys(out))


# --------------------------------------------------------------------------- HTML pieces

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:0;
color:#1d2330;background:#fafaf7;line-height:1.45}
main{max-width:1180px;margin:0 auto;padding:24px}
h1{font-size:1.7em;margin:.2em 0}h2{margin-top:2em;border-bottom:2px solid #dde;padding-bottom:4px}
.meta{color:#555;font-size:.9em}.cards{display:grid;gap:14px;
grid-template-columns:repeat(auto-fill,minmax(340px,1fr))}
.card{background:#fff;border:1px solid #dde;border-radius:10px;padding:14px 16px}
.card h3{margin:0 0 4px 0}.card .desc{color:#555;font-size:.9em;margin:0 0 8px 0}
.figs{display:grid;grid-template-columns:repeat(2,1fr);gap:6px;margin:8px 0}
.fig{background:#f3f5f9;border-radius:6px;padding:6px 8px}.fig b{font-size:1.25em;display:block}
.fig span{font-size:.8em;color:#555}
.badge{display:inline-block;border-radius:10px;padding:1px 8px;font-size:.8em;color:#fff}
.ok{background:#2e7d32}.warn{background:#b26a00}.bad{background:#b3261e}
table{border-collapse:collapse;font-size:.86em;background:#fff}
th,td{border:1px solid #dde;padding:4px 7px;text-align:right;vertical-align:top}
th:first-child,td:first-child{text-align:left}th{background:#eef1f6}
td.base,th.base{background:#fff8e1}.delta{display:block;color:#666;font-size:.85em}
.scroll{overflow-x:auto}img{max-width:100%;height:auto;border:1px solid #dde;background:#fff}
figcaption{font-size:.85em;color:#444;margin:4px 0 18px 0}details{margin:6px 0 22px 0}
dt{font-weight:600}dd{margin:0 0 8px 16px}footer{margin-top:3em;color:#666;font-size:.85em}
"""


def _img(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{escape(alt)}">'


def _badge(status: str, solution_status: str) -> str:
    if solution_status == "optimal":
        return '<span class="badge ok">proven optimal</span>'
    if solution_status == "feasible":
        return '<span class="badge warn">time limit: not proven</span>'
    return f'<span class="badge bad">no plan ({escape(str(status))})</span>'


def _frontier_labels(frontier: Frontier | None) -> dict[str, str]:
    if frontier is None:
        return {}
    out = {}
    for _i, r in frontier.table.iterrows():
        if r["kind"] == "min_cost":
            out[r["point"]] = "The cheapest plan (no CO2 cap)."
        elif r["kind"] == "min_co2":
            out[r["point"]] = "The cheapest of the plans with the lowest CO2 possible."
        else:
            cap = format_value("emissions_t", r["cap_t"])
            out[r["point"]] = f"The cheapest plan emitting at most {cap} t CO2 a year."
    return out


def _cards(comp: Comparison, money_unit: str, labels: dict[str, str] | None = None) -> str:
    out = ['<div class="cards">']
    base = (comp.baseline, comp.plans[comp.baseline][0])
    digits = co2_digits([s.get("emissions_t") for s, _t in comp.plans.values()])
    for name, (s, tables) in comp.plans.items():
        desc = (labels or {}).get(name) or comp.meta.get(name, {}).get("manifest", {}).get(
            "scenario", {}
        ).get("description")
        row = comp.table.loc[name]
        figs = ""
        if "hubs" in tables:
            new = s.get("hubs_new", s.get("hubs_open", 0))
            items = [
                (money_text(s.get("total_cost"), money_unit), "total cost per year"),
                (co2_card(s.get("emissions_t"), digits), "CO2 emissions per year"),
                (
                    f"{new} ({s.get('hubs_new_in_energy_communities', 0)})",
                    f"new hubs (in energy communities); {s.get('hubs_open', 0)} open in all",
                ),
                (money_text(s.get("capex_new"), money_unit), "investment in new hubs"),
                (f"{s.get('jobs_new') or 0:,.0f}", "jobs at new hubs"),
                (
                    f"{s.get('jobs_new_in_energy_communities') or 0:,.0f}",
                    "new jobs in energy communities",
                ),
            ]
            figs = '<div class="figs">' + "".join(
                f'<div class="fig"><b>{escape(v)}</b><span>{escape(k)}</span></div>'
                for v, k in items
            )
            figs += "</div>"
        story = plan_story(name, s, tables, baseline=base, money_unit=money_unit)
        out.append(
            f'<div class="card"><h3>{escape(name)}'
            f"{' (baseline)' if name == comp.baseline else ''}</h3>"
            + (f'<p class="desc">{escape(desc)}</p>' if desc else "")
            + _badge(str(row["status"]), str(row["solution_status"]))
            + figs
            + f"<p>{escape(story)}</p></div>"
        )
    out.append("</div>")
    return "".join(out)


def _comparison_table(comp: Comparison, money_unit: str) -> str:
    names = list(comp.table.index)
    head = "".join(
        f'<th class="{"base" if n == comp.baseline else ""}">{escape(n)}</th>' for n in names
    )
    rows = [f"<tr><th>figure (unit)</th>{head}</tr>"]
    d = comp.deltas.set_index(["metric", "plan"])
    status = "".join(f"<td>{escape(str(s))}</td>" for s in comp.table["status"])
    rows.append(f"<tr><td>solver status</td>{status}</tr>")
    for col in ["mip_gap", *numeric_metrics(comp.table)]:
        cells = []
        for n in names:
            txt = escape(format_value(col, comp.table.loc[n, col], money_unit))
            if n != comp.baseline and (col, n) in d.index:
                delta = format_delta(d.loc[(col, n)], col)
                if delta not in ("", "±0"):
                    txt += f'<span class="delta">{escape(delta)}</span>'
            cells.append(f'<td class="{"base" if n == comp.baseline else ""}">{txt}</td>')
        label = (
            "MIP gap (share)"
            if col == "mip_gap"
            else metric_label(col, money=money_unit, km=comp.within_km)
        )
        rows.append(f"<tr><td>{escape(label)}</td>{''.join(cells)}</tr>")
    return '<div class="scroll"><table>' + "".join(rows) + "</table></div>"


def _robustness_table(comp: Comparison, top: int = 30) -> str:
    r = comp.robustness
    if r.empty:
        return "<p>No plan opened any hub.</p>"
    forced = r[r["built"].isin(["existing", "required"])] if "built" in r else r.iloc[:0]
    r = r.drop(forced.index)
    note = (
        f"<p>{len(forced)} existing or required plant(s) are open in every plan by rule, "
        "not by choice, and are not ranked here (see robustness.csv).</p>"
        if len(forced)
        else ""
    )
    if r.empty:
        return note + "<p>No plan built a new hub.</p>"
    head = ["site", "state", "energy community", "technology", "sizes", "chosen in", "plans"]
    rows = ["<tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr>"]
    for _i, x in r.head(top).iterrows():
        every = " ★" if x["n_plans_selected"] == x["n_plans"] and x["n_plans"] > 1 else ""
        ec = "yes" if str(x["energy_community"]).lower() in ("true", "1") else ""
        cells = [
            f"{x['name']} ({x['site_id']}){every}",
            "" if pd.isna(x["state"]) else x["state"],
            ec,
            x["technology"],
            x["sizes"],
            f"{x['n_plans_selected']} of {x['n_plans']}",
            x["plans"],
        ]
        rows.append("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in cells) + "</tr>")
    more = f"<p>The full list ({len(r)} rows) is in robustness.csv.</p>" if len(r) > top else ""
    return note + '<div class="scroll"><table>' + "".join(rows) + "</table></div>" + more


def _hub_table(hubs: pd.DataFrame, units: dict[str, str]) -> str:
    cols = ["site", "state", "technology", "size", "capacity", "use", "jobs", "EC", "built"]
    rows = ["<tr>" + "".join(f"<th>{c}</th>" for c in cols) + "</tr>"]
    for _i, h in hubs.sort_values(["technology", "capacity"], ascending=[True, False]).iterrows():
        unit = units.get(str(h.get("output")), "")
        cells = [
            f"{h.get('name')} ({h['site_id']})",
            "" if pd.isna(h.get("state")) else h.get("state"),
            h["technology"],
            h["size"],
            f"{h['capacity']:,.0f} {unit}/yr".replace(" /yr", "/yr"),
            f"{h.get('utilisation', np.nan):.0%}",
            f"{h.get('jobs', 0):,.0f}",
            "yes" if bool(h.get("energy_community")) else "",
            {"existing": "existing", "required": "required"}.get(str(h.get("status")), "new"),
        ]
        rows.append("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in cells) + "</tr>")
    return '<div class="scroll"><table>' + "".join(rows) + "</table></div>"


def _maps(
    comp: Comparison, date: str, money_unit: str = "k$", labels: dict[str, str] | None = None
) -> str:
    out = []
    for name, (_s, tables) in comp.plans.items():
        if "hubs" not in tables:
            continue
        entry = comp.meta.get(name, {})
        sites, same = _package_csv(entry, "sites")
        products, _ = _package_csv(entry, "products")
        units = {} if products is None else products.set_index("product")["unit"].to_dict()
        pm = plan_map(
            tables,
            sites,
            title=f"{name}: hubs and main flows",
            data_date=date,
            labels=labels,
            units=units,
            money_unit=money_unit,
        )
        note = ""
        if sites is None:
            note = " Site positions for customers and suppliers were not found (data package "
            note += "moved), so only hub sites and their flows are placed."
        elif not same:
            note = " The data package changed after this run: positions come from its "
            note += "current sites.csv."
        n = len(tables["hubs"])
        out.append(
            f"<figure>{map_html(pm, f'map of plan {name}')}<figcaption>Plan {escape(name)}: "
            f"where the hubs are and how material moves (capacity in each product's unit per "
            f"year, flows in tonnes per year); point at a hub, site or flow for its figures. "
            f"Data as of {escape(date)}.{escape(note)}"
            f"</figcaption></figure><details><summary>The {plural(n, 'hub')} of {escape(name)}"
            f"</summary>{_hub_table(tables['hubs'], units)}</details>"
        )
    return "".join(out) or "<p>No plan to map.</p>"


def _frontier_section(frontier: Frontier, money_unit: str, date: str) -> str:
    t = frontier.table
    slopes = frontier_slopes(t)
    png = frontier_png(t.assign(slope=slopes), money_unit=money_unit, data_date=date)
    kinds = {"min_co2": "lowest CO2", "cap": "CO2 cap", "min_cost": "cheapest"}
    head = [
        "point",
        "what",
        "CO2 cap (t/yr)",
        f"total cost ({money_unit}/yr)",
        "CO2 (t/yr)",
        "proven",
        "gap",
        "hubs",
        "hubs in EC",
        f"cost per t CO2 avoided vs the next point to the right ({money_unit}/t)",
    ]
    rows = ["<tr>" + "".join(f"<th>{escape(h)}</th>" for h in head) + "</tr>"]
    for _i, r in t.iterrows():
        cells = [
            r["point"],
            kinds.get(r["kind"], r["kind"]),
            "none" if pd.isna(r["cap_t"]) else format_value("emissions_t", r["cap_t"]),
            format_value("total_cost", r["total_cost"]),
            format_value("emissions_t", r["emissions_t"]),
            "yes" if r["proven"] else "no",
            "—" if pd.isna(r["mip_gap"]) else f"{r['mip_gap']:.3%}",
            format_value("hubs_open", r["hubs_open"]),
            format_value("hubs_open", r["hubs_in_energy_communities"]),
            "—" if pd.isna(slopes[_i]) else f"{slopes[_i]:,.4g}",
        ]
        rows.append("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in cells) + "</tr>")
    notes = frontier.info.get("notes", [])
    warn = (
        '<ul class="notes">' + "".join(f"<li>{escape(n)}</li>" for n in notes) + "</ul>"
        if notes
        else "<p>Every point is proven optimal within the gap.</p>"
    )
    return (
        "<p>Each point is the cheapest plan whose CO2 emissions stay under a cap. The right "
        "end is the cheapest plan of all; the left end is the cheapest of the plans with the "
        "least CO2 the network can achieve. Moving left, every tonne of CO2 saved costs more: "
        "the slope between two points is the cost of cutting CO2 there (shown next to each "
        f"segment and in the last column, in {escape(money_unit)} per tonne). "
        f"{escape(frontier_range(t))}</p>"
        f"<figure>{_img(png, 'cost against CO2 frontier')}<figcaption>Total cost against CO2 "
        f"emissions; filled markers are proven optimal, hollow ones stopped at the time "
        f"limit. Data as of {escape(date)}.</figcaption></figure>{warn}"
        '<div class="scroll"><table>' + "".join(rows) + "</table></div>"
    )


def render_report(
    comp: Comparison,
    *,
    frontier: Frontier | None = None,
    money_unit: str = "k$",
    title: str = "hubopt: plans compared",
) -> str:
    """Return the report as one self-contained HTML document.

    Parameters
    ----------
    comp : Comparison
        From :func:`hubopt.studies.compare.compare`.
    frontier : Frontier, optional
        Adds the cost–CO2 frontier section.
    money_unit : str, default "k$"
        Currency unit of the data.
    title : str
        Page title.
    """
    from hubopt import __version__

    date = data_date(comp.meta)
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    dirs = _package_names(comp)
    sections = [
        f"<h1>{escape(title)}</h1>",
        f'<p class="meta">Data as of: <b>{escape(date)}</b> · money in {escape(money_unit)} '
        f"(shown as $ where possible) · CO2 in tonnes per year · baseline: "
        f"<b>{escape(comp.baseline)}</b> · {len(comp.plans)} plan(s)</p>",
        "<h2>The plans in brief</h2>",
        _cards(comp, money_unit, _frontier_labels(frontier)),
    ]
    if frontier is not None:
        sections += ["<h2>Cost against CO2</h2>", _frontier_section(frontier, money_unit, date)]
    sections += [
        "<h2>Key figures side by side</h2>",
        "<p>Each column is a plan; the small line under a figure is the change against the "
        f"baseline ({escape(comp.baseline)}). Units are given with each figure.</p>",
        _comparison_table(comp, money_unit),
        "<h2>Which sites win in every scenario</h2>",
        "<p>How many plans choose to build each new site and technology. New sites chosen in "
        "every plan are the safest bets.</p>",
        _robustness_table(comp),
        "<h2>Maps</h2>",
        _maps(comp, date, money_unit, _plain_labels(comp)),
        "<h2>How to read this report</h2>",
        GLOSSARY,
        f"<footer>Made by hubopt {escape(__version__)} on {now}. Data package: "
        f"{escape(', '.join(dirs) or 'unknown')}; data as of {escape(date)}. Tables behind "
        "this report: comparison.csv, robustness.csv and each plan's result folder.</footer>",
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_CSS}{_OVERLAY_CSS}</style></head><body><main>"
        + "\n".join(sections)
        + f'</main><div id="tip" role="tooltip"></div><script>{TIP_SCRIPT}</script>'
        + "</body></html>\n"
    )


def write_report(
    path: str | Path,
    comp: Comparison,
    *,
    frontier: Frontier | None = None,
    money_unit: str = "k$",
    title: str = "hubopt: plans compared",
) -> Path:
    """Write :func:`render_report` to ``path`` (UTF-8) and return the path."""
    p = Path(path)
    html = render_report(comp, frontier=frontier, money_unit=money_unit, title=title)
    p.write_text(html, encoding="utf-8")
    return p
