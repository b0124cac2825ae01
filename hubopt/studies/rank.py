r"""How competitive is each community: the cost of a new hub at each site.

For every site of a chosen set, :func:`rank` solves the scenario once more with one extra
family (:func:`hubopt.model.families_rank.add_require_new_at_site`): *at least one new
option (status ``candidate``) at this site is open*, among the chosen technologies. The
site's **premium** is

.. math::

    P_s = z_s - z^*   \qquad \text{(money unit of the package per year)}

with :math:`z^*` the unrestricted optimum and :math:`z_s` the restricted one. A site where
the unrestricted plan already opens a new hub has :math:`P_s = 0`, found without a solve.

Honest bounds: a solve that is not proven exactly optimal gives an incumbent :math:`z`
and a proven lower bound :math:`\underline z`. Then, soundly,

.. math::

    \max(0,\ \underline z_s - z^*_{inc}) \le P_s \le z_{s,inc} - \underline z^*

(:math:`P_s \ge 0` always: the restriction can only cost). The table reports both ends
(``premium_low``, ``premium_high``); ``premium`` holds a single number only when the two
ends meet (``premium_exact``), never a number that could be wrong in sign.

Solves run on Dask exactly as :func:`hubopt.studies.sweep.sweep` does (a local cluster on
127.0.0.1 without dashboard by default, ``scheduler=`` for a running one, HiGHS threads set
once per worker). A site that fails (an exception, a dead worker) or has no plan is
reported in its row with a message; the others carry on. Warm start: every site solve
goes through :func:`solve_site_model`, which hands HiGHS the unrestricted plan plus the
cheapest new option at the site (:func:`warm_start`) as a starting plan.
"""

from __future__ import annotations

import time
import traceback
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from hubopt.errors import Issue, raise_if_errors
from hubopt.inputs.load import HubData, load_data
from hubopt.inputs.scenario import Scenario, SolveOptions

__all__ = ["RANK_COLUMNS", "SITE_SETS", "RankResult", "rank", "rank_sites", "solve_site_model"]

SITE_SETS = ("energy-communities", "all")
"""Named site sets of ``sites=`` (else a sequence of site ids)."""

RANK_COLUMNS = [
    "rank", "site_id", "name", "state", "energy_community", "lat", "lon", "status",
    "premium", "premium_low", "premium_high", "premium_exact", "technology", "size",
    "capacity", "jobs", "capex", "hubs_closed", "closed_elsewhere", "co2_change_t",
    "total_cost", "mip_gap", "seconds", "message",
]  # fmt: skip
"""Columns of :attr:`RankResult.table` (see :data:`RANK_UNITS`)."""

RANK_UNITS = {
    "premium": "money/yr", "premium_low": "money/yr", "premium_high": "money/yr",
    "capacity": "output units/yr", "jobs": "jobs", "capex": "money", "co2_change_t": "t CO2/yr",
    "total_cost": "money/yr", "mip_gap": "fraction", "seconds": "s", "lat": "degrees",
    "lon": "degrees",
}  # fmt: skip
"""Unit of each numeric column; ``money`` is the package's money unit (k$ by default)."""

_TOL = 1e-6


@dataclass(frozen=True)
class RankResult:
    """What a ranking produced (in memory; :mod:`hubopt.outputs.rank` writes it).

    Attributes
    ----------
    scenario : Scenario
        The scenario ranked.
    table : DataFrame
        One row per site, :data:`RANK_COLUMNS`, sorted by premium (cheapest first; sites
        without a plan last).
    baseline : dict
        The unrestricted solve: ``objective``, ``best_bound``, ``termination``,
        ``solution_status``, ``summary`` and ``hubs`` (the plan's open options).
    technologies : list of str
        Options of these technologies count as a new hub (empty: all).
    money_unit : str
        The package's money unit.
    info : dict
        ``solves`` (restricted solves run), ``detected`` (sites found in the baseline
        without a solve), ``wall_seconds``, ``workers``.
    outcomes : dict
        With ``keep_plans``: ``"baseline"`` and site id -> :class:`hubopt.RunOutcome`
        (the plan of each solved site; sites found in the baseline have its plan).
    """

    scenario: Scenario
    table: pd.DataFrame
    baseline: dict
    technologies: list[str] = field(default_factory=list)
    money_unit: str = "k$"
    info: dict = field(default_factory=dict)
    outcomes: dict = field(default_factory=dict)

    @property
    def failed(self) -> pd.DataFrame:
        """Sites without a plan (``infeasible`` or ``error``), with their messages."""
        return self.table[self.table["status"].isin(["infeasible", "error"])]

    @property
    def complete(self) -> bool:
        """Whether every site has an exact premium or a proven infeasibility."""
        ok = self.table["premium_exact"].fillna(False).astype(bool)
        return bool((ok | (self.table["status"] == "infeasible")).all())


# --------------------------------------------------------------------------- sites


def rank_sites(
    data: HubData, sites: str | Sequence[str] = "energy-communities", technologies=None
) -> list[str]:
    """Return the site ids to rank.

    Parameters
    ----------
    data : HubData
        The package.
    sites : {"energy-communities", "all"} or sequence of str
        ``energy-communities``: sites flagged ``energy_community`` with at least one new
        option (of ``technologies``); ``all``: every site with one; or explicit ids
        (kept even without a new option: such a site is then reported infeasible).
    technologies : sequence of str, optional
        Only options of these technologies count.

    Raises
    ------
    HubDataError
        For an unknown site set, site id or technology (each named).
    """
    techs = list(technologies or [])
    known_t = set(data.technologies["technology"])
    issues = [
        Issue("check_rank_technology", f"unknown technology '{t}' (known: "
              f"{', '.join(sorted(known_t))})", "technologies.csv")
        for t in techs if t not in known_t
    ]  # fmt: skip
    raise_if_errors(issues)
    cand = data.candidates
    status = cand["status"] if "status" in cand else pd.Series("candidate", index=cand.index)
    new = cand[(status == "candidate") & (cand["technology"].isin(techs) if techs else True)]
    with_new = set(new["site_id"])
    ids = list(data.sites["site_id"])
    if isinstance(sites, str):
        if sites not in SITE_SETS:
            raise_if_errors([Issue("check_rank_sites", f"unknown site set '{sites}': use "
                                   "energy-communities, all or a file of site ids")])  # fmt: skip
        ec = data.sites.set_index("site_id")["energy_community"].fillna(False).astype(bool)
        return [s for s in ids if s in with_new and (sites == "all" or bool(ec.get(s)))]
    chosen = list(dict.fromkeys(str(s) for s in sites))
    unknown = [s for s in chosen if s not in set(ids)]
    if unknown:
        more = f" (+{len(unknown) - 10} more)" if len(unknown) > 10 else ""
        raise_if_errors([Issue("check_rank_sites", "unknown site id(s) not in sites.csv: "
                               + ", ".join(unknown[:10]) + more, "sites.csv")])  # fmt: skip
    return chosen


# --------------------------------------------------------------------------- workers


def warm_start(base: dict, options: pd.DataFrame, site: str, technologies):
    """Return a starting plan for the restricted solve at ``site``, or ``None``.

    The unrestricted plan with the cheapest (fixed cost) new option at the site opened
    as well: a :class:`hubopt.plan.Plan` whose hubs are those options, handed to
    :func:`hubopt.solve.solve_model` as ``start=`` (binary columns only; HiGHS completes
    the flows, and ignores the start where limits such as ``max_hubs`` forbid it).
    """
    from hubopt.model.families_rank import new_options_at

    plan = base.get("plan")
    k = new_options_at(options, site, technologies)
    if len(k) == 0 or plan is None:
        return None
    extra = options.iloc[[k[np.argmin(options["fixed_cost"].to_numpy(float)[k])]]]
    hubs = pd.concat([plan.hubs, extra[["site_id", "technology", "size"]]], ignore_index=True)
    return replace(plan, hubs=hubs)


def solve_site_model(hub, options: SolveOptions, start=None):
    """Solve one restricted model: the one place where a warm start is handed over.

    ``start`` (a :class:`hubopt.plan.Plan`, see :func:`warm_start`) is matched to the
    model's columns by label (:mod:`hubopt.warmstart`) and given to HiGHS.
    """
    from hubopt.solve import solve_model

    return solve_model(hub, options, start=start)


def _opened_at(plan, site: str, technologies) -> pd.DataFrame:
    h = plan.hubs
    status = h["status"] if "status" in h else pd.Series("candidate", index=h.index)
    mask = (h["site_id"] == site) & (status == "candidate")
    if technologies:
        mask &= h["technology"].isin(list(technologies))
    return h[mask]


def _hub_fields(opened: pd.DataFrame) -> dict[str, Any]:
    return {
        "technology": " + ".join(opened["technology"].astype(str)),
        "size": " + ".join(opened["size"].astype(str)),
        "capacity": float(opened["capacity"].sum()),
        "jobs": float(opened["jobs"].sum()),
        "capex": float(opened["capex"].sum()),
    }


def _bounds(base: dict, z: float, bound: float | None) -> dict[str, Any]:
    """Premium interval from the restricted (z, bound) and the baseline's (z*, bound*)."""
    zb, bb = base["objective"], base["best_bound"]
    lb = z if bound is None else bound
    low = max(0.0, lb - zb)
    high = max(0.0, z - (zb if bb is None else bb))
    exact = high - low <= _TOL * max(1.0, abs(zb))
    return {
        "premium": max(0.0, z - zb) if exact else np.nan,
        "premium_low": low,
        "premium_high": max(high, low),
        "premium_exact": bool(exact),
    }


def solve_site(
    site: str, technologies: list[str], data: HubData, lanes: pd.DataFrame, base: dict,
    scenario: Scenario, keep_plan: bool = False,
) -> dict[str, Any]:  # fmt: skip
    """Solve the restricted scenario of one site (on a worker); never raises.

    With ``keep_plan`` the row carries ``outcome``: the site's plan as a
    :class:`hubopt.RunOutcome` without model, lanes and data (the client has them).
    """
    from hubopt.diagnose import diagnose
    from hubopt.model.build import build_model
    from hubopt.plan import extract_plan

    t0 = time.perf_counter()
    out: dict[str, Any] = {"site_id": site}
    try:
        extra = {"require_new_at_site": {"site_id": site, "technologies": technologies}}
        sc = replace(scenario, name=f"{scenario.name}-at-{site}")
        hub = build_model(data, lanes, sc, extra=extra)
        start = warm_start(base, hub.options, site, technologies)
        r = solve_site_model(hub, scenario.solver, start)
        out["mip_gap"] = r.mip_gap
        if r.has_solution:
            plan = extract_plan(hub)
            opened = _opened_at(plan, site, technologies)
            keys = pd.MultiIndex.from_frame(plan.hubs[["site_id", "technology", "size"]])
            closed = [k for k in base["open_keys"] if k not in set(keys)]
            out.update(_bounds(base, r.objective, r.best_bound), **_hub_fields(opened))
            out.update(
                status="solved" if r.solution_status.value == "optimal" else "bounded",
                hubs_closed=len(closed),
                closed_elsewhere="; ".join(f"{s} {t} {z}" for s, t, z in closed),
                co2_change_t=plan.summary["emissions_t"] - base["summary"]["emissions_t"],
                total_cost=r.objective,
                message=r.message,
            )
            if keep_plan:
                out["outcome"] = _outcome(sc, r, plan, time.perf_counter() - t0)
        elif r.termination.value == "infeasible":
            why = diagnose(hub, scenario.solver, extra=extra).messages()
            out.update(status="infeasible", message="; ".join(why) or r.message)
        else:
            out.update(status="error", message=f"{r.termination.value}: {r.message}")
    except Exception as exc:  # noqa: BLE001 - one site's failure is reported, not fatal
        out.update(status="error", message=f"{type(exc).__name__}: {exc}" or repr(exc))
        out["traceback"] = traceback.format_exc()
    out["seconds"] = time.perf_counter() - t0
    return out


def _outcome(scenario: Scenario, result, plan, seconds: float):
    from hubopt.pipeline import RunOutcome

    return RunOutcome(scenario, None, None, None, result, plan, {"solve": seconds})


def solve_baseline(data: HubData, lanes: pd.DataFrame, scenario: Scenario) -> dict[str, Any]:
    """Solve the unrestricted scenario (on a worker); never raises."""
    from hubopt.model.build import build_model
    from hubopt.plan import extract_plan

    t0 = time.perf_counter()
    try:
        hub = build_model(data, lanes, scenario)
        r = solve_site_model(hub, scenario.solver)
        base = {
            "objective": r.objective, "best_bound": r.best_bound, "mip_gap": r.mip_gap,
            "termination": r.termination.value, "solution_status": r.solution_status.value,
            "message": r.message, "summary": {}, "hubs": pd.DataFrame(), "open_keys": [],
        }  # fmt: skip
        if r.has_solution:
            plan = extract_plan(hub)
            base.update(summary=plan.summary, hubs=plan.hubs, plan=plan)
            base["outcome"] = _outcome(scenario, r, plan, time.perf_counter() - t0)
            base["open_keys"] = list(plan.hubs[["site_id", "technology", "size"]].itertuples(
                index=False, name=None))  # fmt: skip
    except Exception as exc:  # noqa: BLE001 - reported as the baseline's message
        msg = f"{type(exc).__name__}: {exc}"
        base = {"objective": None, "solution_status": "none", "termination": "error",
                "message": msg, "summary": {}, "open_keys": []}  # fmt: skip
    base["seconds"] = time.perf_counter() - t0
    return base


# --------------------------------------------------------------------------- the ranking


def _detected(base: dict, site: str, technologies) -> dict | None:
    """Row of a site where the baseline already opens a new hub (no solve), else None."""
    plan = base.get("plan")
    if plan is None:
        return None
    opened = _opened_at(plan, site, technologies)
    if opened.empty:
        return None
    z = base["objective"]
    return {
        "site_id": site, "status": "in_baseline", **_bounds(base, z, z), **_hub_fields(opened),
        "hubs_closed": 0, "closed_elsewhere": "", "co2_change_t": 0.0, "total_cost": z,
        "mip_gap": base.get("mip_gap"), "seconds": 0.0,
        "message": "the unrestricted plan already opens a new hub here",
    }  # fmt: skip


def _table(rows: list[dict], data: HubData) -> pd.DataFrame:
    t = pd.DataFrame(rows)
    sites = data.sites.set_index("site_id")
    for c in ("name", "state", "energy_community", "lat", "lon"):
        t[c] = sites[c].reindex(t["site_id"]).to_numpy() if c in sites else None
    for c in RANK_COLUMNS:
        if c not in t:
            t[c] = np.nan if c in RANK_UNITS else ""
    t["message"] = t["message"].fillna("").astype(str)
    mid = (t["premium_low"] + t["premium_high"]) / 2
    t = t.assign(_k=mid.fillna(np.inf)).sort_values(["_k", "site_id"], kind="stable")
    t["rank"] = np.where(t["premium_low"].notna(), np.arange(1, len(t) + 1), np.nan)
    return t.drop(columns="_k")[RANK_COLUMNS].reset_index(drop=True)


def rank(
    scenario: Scenario,
    *,
    sites: str | Sequence[str] = "energy-communities",
    technologies: Sequence[str] | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
    threads_per_worker: int = 1,
    client: Any = None,
    data: HubData | None = None,
    keep_plans: bool = False,
    on_result: Callable[[dict], None] | None = None,
    on_progress: Callable[[str], None] | None = None,
) -> RankResult:
    """Rank sites by the premium of a new hub there; solve on Dask, write nothing.

    Parameters
    ----------
    scenario : Scenario
        The scenario (its solver options apply to every solve).
    sites : {"energy-communities", "all"} or sequence of str
        Which sites (:func:`rank_sites`).
    technologies : sequence of str, optional
        Only new options of these technologies count (default: all).
    scheduler, workers, threads_per_worker, client
        As for :func:`hubopt.studies.sweep.sweep`.
    data : HubData, optional
        The package, already loaded (default: ``scenario.data`` or ``scenario.data_dir``).
    keep_plans : bool, default False
        Keep every plan (:attr:`RankResult.outcomes`: ``"baseline"`` and each solved
        site id), e.g. to compare a site's plan with the baseline.
    on_result : callable, optional
        ``on_result(row)`` as each site finishes (completion order).
    on_progress : callable, optional
        Called with a short text as each step starts.

    Returns
    -------
    RankResult

    Raises
    ------
    HubDataError
        For an invalid package, an unknown site id or technology (nothing is solved).
    """
    from distributed import as_completed

    from hubopt.lanes import build_lanes
    from hubopt.studies.cluster import dask_session, error_text

    say = on_progress or (lambda _t: None)
    t_start = time.perf_counter()
    techs = list(technologies or [])
    scenario = scenario.with_options(threads=threads_per_worker)
    if data is None and scenario.data is not None:
        data = scenario.data
    elif data is None:
        say(f"loading and checking {scenario.data_dir}")
        data = load_data(scenario.data_dir)
    ids = rank_sites(data, sites, techs)
    say("building lanes")
    lanes = build_lanes(data)
    say(f"starting the cluster for {len(ids)} sites")
    rows: list[dict] = []
    outcomes: dict = {}
    light = replace(scenario, data=None)
    session = dask_session(client, scheduler, workers, max(1, len(ids)), threads_per_worker)
    with session as (client, futures):
        n_workers = len(client.scheduler_info().get("workers", {}))
        # hash=False: a fresh key per study. Content-hashed keys collide with the same
        # inputs of an earlier study whose release is still in flight on a shared client,
        # and its tasks are then cancelled for "lost dependencies" (dask/distributed#4612).
        d_ref, l_ref = client.scatter([data, lanes], broadcast=True, hash=False)
        token = uuid.uuid4().hex[:8]
        say("solving the unrestricted scenario")
        base = client.submit(solve_baseline, d_ref, l_ref, light, key=f"hubopt-rank-{token}-b")
        base = base.result()
        if keep_plans and base.get("outcome") is not None:
            outcomes["baseline"] = replace(base["outcome"], data=data, lanes=lanes)
        if base.get("solution_status") == "none":
            msg = f"the unrestricted scenario has no plan ({base['message']}): nothing to rank"
            rows = [{"site_id": s, "status": "error", "message": msg} for s in ids]
        else:
            todo = []
            for s in ids:
                row = _detected(base, s, techs)
                if row is None:
                    todo.append(s)
                else:
                    rows.append(row)
                    if on_result is not None:
                        on_result(row)
            say(f"solving {len(todo)} sites ({len(rows)} found in the unrestricted plan)")
            slim = {k: v for k, v in base.items() if k not in ("plan", "hubs", "outcome")}
            b_ref = client.scatter(slim, broadcast=True, hash=False)
            futures.update({
                client.submit(solve_site, s, techs, d_ref, l_ref, b_ref, light, keep_plans,
                              key=f"hubopt-rank-{token}-{i}"): s
                for i, s in enumerate(todo)
            })  # fmt: skip
            for fut in as_completed(futures):
                try:
                    row = fut.result()
                except Exception as exc:  # noqa: BLE001 - a dead worker fails one site
                    text = error_text(exc)
                    row = {"site_id": futures[fut], "status": "error", "message": text}
                if row.get("outcome") is not None:
                    outcomes[row["site_id"]] = replace(row.pop("outcome"), data=data, lanes=lanes)
                rows.append(row)
                if on_result is not None:
                    on_result(row)
    table = _table(rows, data) if rows else pd.DataFrame(columns=RANK_COLUMNS)
    info = {
        "solves": len(futures),
        "detected": int((table["status"] == "in_baseline").sum()) if len(table) else 0,
        "sites": len(ids),
        "wall_seconds": time.perf_counter() - t_start,
        "workers": n_workers,
    }
    unit = getattr(data, "money_unit", None) or "k$"
    base = {k: v for k, v in base.items() if k != "outcome"}
    return RankResult(scenario, table, base, techs, unit, info, outcomes)
