"""Plans side by side: key figures, deltas against a baseline, and site robustness.

A *plan set* is a mapping ``name -> (summary, tables)`` exactly as
:func:`hubopt.outputs.tables.read_result` returns them for one result folder. Every table is
stacked under a ``plan`` index level (:func:`stack`), and the figures of one plan or of
many are computed by the same grouped code (:func:`summarise`).

Definitions (also in ``docs/compare.md``):

* **delivered quantity** of a demand row (site *s*, product *p*) is its ``served``
  quantity. It arrives on the inbound flows into (*s*, *p*); when more arrives than is
  served (the site also uses or forwards *p*), each inbound flow counts in proportion
  ``served / inbound``; what is served beyond the inbound flows is made or bought at *s*
  and counts at 0 km.
* **share within N km** = delivered quantity arriving over a lane of at most N km (local
  supply included) ÷ all delivered quantity.
* **average inbound distance** = delivered-quantity-weighted mean lane distance (km).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from hubopt.errors import HubDataError, Issue, raise_if_errors
from hubopt.outputs.gis_fields import add_built
from hubopt.outputs.result_files import read_json_file
from hubopt.outputs.tables import read_result
from hubopt.report.units import (
    DEFAULT_WITHIN_KM,
    METRICS,
    check_within_km,
    metric_label,
    numeric_metrics,
)

__all__ = [
    "METRICS",
    "Comparison",
    "PlanSet",
    "compare",
    "deltas",
    "delivered",
    "load_plans",
    "robustness",
    "stack",
    "check_same_package",
    "metric_label",
    "numeric_metrics",
    "summarise",
    "wide_table",
]

PlanSet = Mapping[str, tuple[dict, dict[str, pd.DataFrame]]]
"""``plan name -> (summary dict, tables)`` as returned by :func:`read_result`."""

_DERIVED = ("tonne_km_total", "demand_served_share", "share_within_km", "avg_inbound_km")
_SUMMARY_KEYS = [k for k in METRICS if k not in _DERIVED]
_HEAD = ["status", "solution_status", "mip_gap"]
_FORCED = ("existing", "required")


def stack(plans: PlanSet, table: str) -> pd.DataFrame:
    """Stack one table of every plan into a tidy frame with a ``plan`` index level.

    Parameters
    ----------
    plans : mapping
        ``name -> (summary, tables)``.
    table : str
        ``"hubs"``, ``"flows"``, ``"candidates"``, ``"purchases"``, ``"production"`` or
        ``"demand"``.

    Returns
    -------
    DataFrame
        Index levels ``plan`` and ``row``; plans without the table (no plan found) are
        absent.
    """
    frames = {name: tables[table] for name, (_s, tables) in plans.items() if table in tables}
    if not frames:
        empty = pd.MultiIndex.from_arrays([[], []], names=["plan", "row"])
        return pd.DataFrame(index=empty)
    return pd.concat(frames, names=["plan", "row"])


def delivered(plans: PlanSet) -> pd.DataFrame:
    """Delivered final-demand quantity by inbound lane distance, for every plan.

    Returns
    -------
    DataFrame
        Columns ``plan``, ``site_id``, ``product``, ``distance_km``, ``weight`` (units/yr
        delivered to the demand row over a lane of that distance; 0 km for quantity made
        or bought at the demand site). Weights of a demand row sum to its ``served``.
    """
    cols = ["plan", "site_id", "product", "distance_km", "weight"]
    dem = stack(plans, "demand")
    if dem.empty:
        return pd.DataFrame(columns=cols)
    key = ["plan", "site_id", "product"]
    d = dem.reset_index("plan")[key + ["served"]]
    d = d.groupby(key, as_index=False)["served"].sum()
    fl = stack(plans, "flows")
    if fl.empty:
        f = pd.DataFrame(columns=key + ["distance_km", "quantity"])
    else:
        f = fl.reset_index("plan").rename(columns={"destination": "site_id"})
        f = f[key + ["distance_km", "quantity"]]
    f = f.merge(d, on=key, how="inner")
    inbound = f.groupby(key, as_index=False)["quantity"].sum().rename(columns={"quantity": "in"})
    f = f.merge(inbound, on=key)
    scale = np.minimum(1.0, f["served"] / f["in"].where(f["in"] > 0))
    f["weight"] = f["quantity"] * scale.fillna(0.0)
    local = d.merge(inbound, on=key, how="left")
    local["weight"] = (local["served"] - local["in"].fillna(0.0)).clip(lower=0.0)
    local["distance_km"] = 0.0
    out = pd.concat([f[cols], local.loc[local["weight"] > 0, cols]], ignore_index=True)
    return out.astype({"distance_km": float, "weight": float})


def summarise(plans: PlanSet, within_km: float = DEFAULT_WITHIN_KM) -> pd.DataFrame:
    """One row of key figures per plan (one plan or many: the same code).

    Parameters
    ----------
    plans : mapping
        ``name -> (summary, tables)``.
    within_km : float, default 500
        Distance for ``share_within_km`` (see the module docstring).

    Returns
    -------
    DataFrame
        Indexed by ``plan``: ``status``, ``solution_status``, ``mip_gap``, every cost
        term (money/yr), ``emissions_t``, ``tonne_km_<mode>`` and ``tonne_km_total``
        (t·km/yr), hubs / capex / jobs (in energy communities), ``demand_served_share``,
        ``within_km``, ``share_within_km``, ``avg_inbound_km``. A folder without a plan
        keeps its status and has blanks elsewhere.
    """
    index = pd.Index(list(plans), name="plan", dtype=object)
    rows = [{k: s.get(k) for k in _HEAD + _SUMMARY_KEYS} for s, _t in plans.values()]
    out = pd.DataFrame(rows, index=index, columns=_HEAD + _SUMMARY_KEYS)
    numeric = [c for c in out.columns if c not in ("status", "solution_status")]
    out[numeric] = out[numeric].apply(pd.to_numeric, errors="coerce").astype(float)
    total = pd.Series({n: s.get("demand_total") for n, (s, _t) in plans.items()}, dtype=float)
    served = pd.Series({n: s.get("demand_served") for n, (s, _t) in plans.items()}, dtype=float)
    out["demand_served_share"] = (served / total.where(total > 0)).reindex(index)

    flows = stack(plans, "flows")
    has_plan = [n for n, (_s, t) in plans.items() if "flows" in t]
    if not flows.empty:
        tkm = flows.groupby([pd.Grouper(level="plan"), "mode"])["tonne_km"].sum().unstack("mode")
    else:
        tkm = pd.DataFrame(index=pd.Index([], name="plan"))
    tkm = tkm.reindex(has_plan).fillna(0.0).reindex(index)
    tkm.columns = [f"tonne_km_{m}" for m in tkm.columns]
    at = out.columns.get_loc("emissions_t") + 1
    for i, col in enumerate(tkm.columns):
        out.insert(at + i, col, tkm[col].astype(float))
    out.insert(at + len(tkm.columns), "tonne_km_total", tkm.sum(axis=1, min_count=0).astype(float))
    out.loc[~out.index.isin(has_plan), "tonne_km_total"] = np.nan

    dl = delivered(plans)
    dl["within"] = dl["weight"].where(dl["distance_km"] <= within_km + 1e-9, 0.0)
    dl["wd"] = dl["weight"] * dl["distance_km"]
    g = dl.groupby("plan")[["weight", "within", "wd"]].sum()
    w = g["weight"].where(g["weight"] > 0)
    out["within_km"] = float(within_km)
    out["share_within_km"] = (g["within"] / w).reindex(index)
    out["avg_inbound_km"] = (g["wd"] / w).reindex(index)
    for key in ("import_share", "feoc_share"):  # issue 15: one column per product
        shares = {n: s.get(key) or {} for n, (s, _t) in plans.items()}
        for p in sorted({p for v in shares.values() for p in v}):
            out[f"{key}_{p}"] = pd.Series({n: v.get(p) for n, v in shares.items()}, dtype=float)
    return out


def deltas(table: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """Every figure of every plan against the baseline plan, in tidy (long) form.

    Parameters
    ----------
    table : DataFrame
        From :func:`summarise`.
    baseline : str
        Name of the baseline plan (a row of ``table``).

    Returns
    -------
    DataFrame
        Columns ``plan``, ``metric``, ``value``, ``baseline_value``, ``delta``
        (value − baseline) and ``delta_pct`` (100 × delta / |baseline|; blank when the
        baseline is 0 and the value is not).
    """
    cols = numeric_metrics(table)
    long = table[cols].reset_index().melt(id_vars="plan", var_name="metric", value_name="value")
    base = table.loc[baseline, cols].astype(float)
    long["baseline_value"] = long["metric"].map(base).astype(float)
    long["delta"] = long["value"] - long["baseline_value"]
    b = long["baseline_value"].abs()
    pct = 100.0 * long["delta"] / b.where(b > 0)
    long["delta_pct"] = pct.mask((b == 0) & (long["delta"] == 0), 0.0)
    return long


def robustness(plans: PlanSet) -> pd.DataFrame:
    """In how many plans each (site, technology) is chosen.

    Options forced open by the data (``existing`` plants and ``required`` options) are
    open in every plan by rule, not by choice: they are listed last (``built`` says
    which), so the top of the table are the options the model chose most often.

    Returns
    -------
    DataFrame
        One row per (site, technology) opened in at least one plan: ``site_id``,
        ``name``, ``state``, ``energy_community``, ``technology``, ``built``
        (``new``/``existing``/``required``), ``sizes`` (chosen sizes),
        ``n_plans_selected``, ``n_plans`` (plans that have a plan), ``share``, ``plans``
        (``;``-separated names); chosen options first, most robust first.
    """
    cols = ["site_id", "name", "state", "energy_community", "technology", "built", "sizes"]
    cols += ["n_plans_selected", "n_plans", "share", "plans"]
    cand = stack(plans, "candidates")
    n_plans = sum("candidates" in t for _s, t in plans.values())
    if cand.empty or "selected" not in cand:
        return pd.DataFrame(columns=cols)
    sel = cand[cand["selected"].astype(str).str.lower().isin(["true", "1"])].reset_index("plan")
    for c in ("name", "state", "energy_community"):
        if c not in sel:
            sel[c] = pd.NA
    sel = add_built(sel)
    join = lambda s: "; ".join(dict.fromkeys(s.astype(str)))  # noqa: E731 - keeps order
    out = (
        sel.groupby(["site_id", "technology"], sort=False)
        .agg(
            name=("name", "first"),
            state=("state", "first"),
            energy_community=("energy_community", "first"),
            built=("built", "first"),
            sizes=("size", join),
            n_plans_selected=("plan", "nunique"),
            plans=("plan", join),
        )
        .reset_index()
    )
    out["n_plans"] = n_plans
    out["share"] = out["n_plans_selected"] / max(n_plans, 1)
    out["_forced"] = out["built"].isin(_FORCED)
    out = out.sort_values(
        ["_forced", "n_plans_selected", "site_id", "technology"], ascending=[True, False, 1, 1]
    )
    return out[cols].reset_index(drop=True)


def check_same_package(meta: Mapping[str, dict], allow_mixed: bool = False) -> list[str]:
    """Refuse plans made from different data packages (unless ``allow_mixed``).

    Two plans share a package when their manifests name the same ``data_dir`` or the
    same input file hashes. Plans without a manifest are not checked.

    Returns
    -------
    list of str
        The package folders found (one when they agree).

    Raises
    ------
    HubDataError
        ``check_same_package``: naming each package and its plans.
    """
    groups: dict[str, list[str]] = {}
    for name, m in meta.items():
        man = m.get("manifest") or {}
        if not man:
            continue
        hashes = tuple(sorted((man.get("input_sha256") or {}).items()))
        where = str(man.get("scenario", {}).get("data_dir"))
        key = hashlib.sha256(repr(hashes).encode()).hexdigest()[:8] if hashes else where
        groups.setdefault(key, []).append(name)
    packages = {}
    for k, v in groups.items():
        where = str((meta[v[0]].get("manifest") or {}).get("scenario", {}).get("data_dir"))
        packages[k] = where if k == where else f"{where} [inputs {k}]"
    if len(groups) > 1 and not allow_mixed:
        parts = "; ".join(f"{packages[k]}: {', '.join(v)}" for k, v in groups.items())
        msg = (
            f"the plans come from {len(groups)} different data packages: {parts}; "
            "compare plans of one package, or pass --allow-mixed"
        )
        raise_if_errors([Issue("check_same_package", msg, column="--allow-mixed")])
    return list(dict.fromkeys(packages.values()))


# --------------------------------------------------------------------------- loading


def _is_result(folder: Path) -> bool:
    return (folder / "summary.json").is_file()


def expand_folders(folders: Iterable[str | Path]) -> list[Path]:
    """Return the result folders to compare: each folder, or its result sub-folders.

    A folder without ``summary.json`` whose direct sub-folders are result folders (a
    ``results/`` folder, a ``…-pareto`` folder) stands for those sub-folders, in name
    order; hidden folders are skipped.
    """
    out: list[Path] = []
    for f in map(Path, folders):
        subs = []
        if f.is_dir() and not _is_result(f):
            subs = [p for p in sorted(f.iterdir()) if not p.name.startswith(".") and _is_result(p)]
        out += subs or [f]
    return out


def _names(folders: list[Path]) -> list[str]:
    base = [f.resolve().name for f in folders]
    names = [
        f"{f.resolve().parent.name}/{n}" if base.count(n) > 1 else n
        for f, n in zip(folders, base, strict=True)
    ]
    seen: dict[str, int] = {}
    for i, n in enumerate(names):
        seen[n] = seen.get(n, 0) + 1
        if seen[n] > 1:
            names[i] = f"{n}#{seen[n]}"
    return names


def load_plans(folders: Iterable[str | Path]) -> tuple[dict, dict[str, dict]]:
    """Read result folders into a plan set.

    Parameters
    ----------
    folders : iterable of path
        Result folders written by ``hubopt solve`` / ``hubopt pareto`` (see
        :func:`expand_folders`).

    Returns
    -------
    plans : dict
        ``name -> (summary, tables)``, named after the folders.
    meta : dict
        ``name -> {"folder": str, "manifest": dict}`` (manifest empty if absent).

    Raises
    ------
    HubDataError
        If a folder is not a result folder (every such folder is listed).
    """
    paths = expand_folders(folders)
    bad = [p for p in paths if not _is_result(p)]
    raise_if_errors(
        [
            Issue(
                "check_result_folder",
                f"'{p}' is not a hubopt result folder (no summary.json)",
                str(p),
            )
            for p in bad
        ]
    )
    if not paths:
        raise_if_errors([Issue("check_result_folder", "no result folders given")])
    plans, meta, damaged = {}, {}, []
    for name, p in zip(_names(paths), paths, strict=True):
        try:  # every damaged folder is listed, not just the first
            plans[name] = read_result(p)
            mf = p / "manifest.json"
            manifest = read_json_file(mf) if mf.is_file() else {}
        except HubDataError as exc:
            damaged += exc.issues
            continue
        meta[name] = {"folder": str(p), "manifest": manifest}
    raise_if_errors(damaged)
    return plans, meta


# --------------------------------------------------------------------------- comparison


@dataclass(frozen=True)
class Comparison:
    """Plans compared side by side.

    Attributes
    ----------
    plans : dict
        ``name -> (summary, tables)``.
    table : DataFrame
        :func:`summarise` of the plans.
    deltas : DataFrame
        :func:`deltas` against ``baseline``.
    robustness : DataFrame
        :func:`robustness`.
    baseline : str
        Baseline plan name.
    within_km : float
        Distance used for ``share_within_km``.
    meta : dict
        ``name -> {"folder", "manifest"}``.
    """

    plans: dict
    table: pd.DataFrame
    deltas: pd.DataFrame
    robustness: pd.DataFrame
    baseline: str
    within_km: float = DEFAULT_WITHIN_KM
    meta: dict = field(default_factory=dict)


def compare_plans(
    plans: PlanSet,
    baseline: str | None = None,
    within_km: float = DEFAULT_WITHIN_KM,
    meta: dict | None = None,
    *,
    allow_mixed: bool = False,
) -> Comparison:
    """Compare plans already in memory (see :func:`compare` for folders).

    ``meta`` (``name -> {"folder", "manifest"}``) is checked with
    :func:`check_same_package` unless ``allow_mixed``.
    """
    check_same_package(meta or {}, allow_mixed)
    raise_if_errors(check_within_km(within_km))
    names = list(plans)
    base = names[0] if baseline is None else baseline
    if base not in plans:
        raise_if_errors(
            [
                Issue(
                    "check_baseline",
                    f"baseline '{base}' is not one of the plans: {', '.join(names)}",
                    column="--baseline",
                )
            ]
        )
    table = summarise(plans, within_km)
    return Comparison(
        dict(plans),
        table,
        deltas(table, base),
        robustness(plans),
        base,
        float(within_km),
        dict(meta or {}),
    )


def compare(
    folders: Iterable[str | Path],
    baseline: str | None = None,
    within_km: float = DEFAULT_WITHIN_KM,
    *,
    allow_mixed: bool = False,
) -> Comparison:
    """Read result folders and compare them.

    Parameters
    ----------
    folders : iterable of path
        Result folders (see :func:`expand_folders`).
    baseline : str, optional
        Plan name (folder name) to compare against; default the first.
    within_km : float, default 500
        Distance for the "served within N km" share.
    allow_mixed : bool, default False
        Compare plans of different data packages (refused otherwise, see
        :func:`check_same_package`).

    Returns
    -------
    Comparison
    """
    plans, meta = load_plans(folders)
    return compare_plans(plans, baseline, within_km, meta, allow_mixed=allow_mixed)


def wide_table(comp: Comparison) -> pd.DataFrame:
    """Return the comparison as one wide table: figures, ``delta_*``, ``delta_pct_*``."""
    d = comp.deltas.pivot(index="plan", columns="metric")
    cols = numeric_metrics(comp.table)
    parts = [comp.table]
    for kind in ("delta", "delta_pct"):
        part = d[kind].reindex(index=comp.table.index, columns=cols)
        part.columns = [f"{kind}_{c}" for c in cols]
        parts.append(part)
    out = pd.concat(parts, axis=1)
    out.insert(0, "is_baseline", out.index == comp.baseline)
    return out
