r"""The cost–CO2 frontier by the ε-constraint method.

1. **Cheapest plan**: the scenario as written; its emissions are :math:`E_{max}`.
2. **Lowest-CO2 plan**: the same model with the cost objective deactivated and
   :math:`E` (t CO2/yr) minimised instead; its emissions are :math:`E_{min}`.
3. **Cheapest plan at the lowest CO2** (lexicographic): minimise cost with
   :math:`E \le E_{min}`, so the end point is the cheapest of the lowest-CO2 plans.
4. :math:`N-2` caps evenly spaced strictly between :math:`E_{min}` and :math:`E_{max}`:
   minimise cost with :math:`E \le` cap.

Each point is the scenario's model plus the on-request families ``co2_cap`` and/or
``co2_objective``, built through the same row builder as every model, so each solve
hands HiGHS the assembled arrays (no compile). Every cap is
applied with a relative tolerance ``CAP_REL_TOL`` so that a plan exactly at a cap is
never cut off by rounding. Every point is a full plan, kept in memory
(:attr:`Frontier.outcomes`; :func:`hubopt.outputs.studies.write_frontier` writes them as
``point_XX/`` folders); a point stopped by the time limit is kept and marked
``proven = False``.

Cost is the scenario's objective, ``total_cost`` (money/yr; it includes
``carbon_cost`` if the scenario sets a carbon price).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
from pyomo.core.expr.numeric_expr import LinearExpression

from hubopt.inputs.fields import scenario_toml as _toml_from_fields
from hubopt.inputs.load import HubData, load_data
from hubopt.inputs.scenario import Scenario, SolveOptions
from hubopt.lanes import build_lanes
from hubopt.model.build import HubModel, build_model
from hubopt.outputs.jsonio import clean_json
from hubopt.outputs.tables import PLAN_TABLES, summary
from hubopt.pipeline import RunOutcome
from hubopt.plan import Plan, extract_plan
from hubopt.solve import SolutionStatus, SolveResult, Termination, solve_model

__all__ = [
    "CAP_REL_TOL",
    "Frontier",
    "co2_expression",
    "frontier_info",
    "pareto",
    "scenario_toml",
]

CAP_REL_TOL = 1e-6
"""Relative tolerance added to every CO2 cap (plus ``CAP_ABS_TOL`` tonnes)."""
CAP_ABS_TOL = 1e-6

_REUSED = "the plan is the one found for "

_PLAN_FIGURES = (
    "hubs_open",
    "hubs_new",
    "hubs_in_energy_communities",
    "hubs_new_in_energy_communities",
    "capex_new",
    "jobs_new",
    "jobs_in_energy_communities",
    "jobs_new_in_energy_communities",
)

FRONTIER_COLUMNS = [
    "point",
    "kind",
    "cap_t",
    "total_cost",
    "emissions_t",
    "status",
    "solution_status",
    "mip_gap",
    "proven",
    "dominated",
    *_PLAN_FIGURES,
    "solve_seconds",
    "plan_from",
    "folder",
]


@dataclass(frozen=True)
class Frontier:
    """A computed cost–CO2 frontier.

    Attributes
    ----------
    scenario : Scenario
        The scenario the frontier was computed for.
    table : DataFrame
        One row per point, loosest cap last (columns ``FRONTIER_COLUMNS``): ``kind`` is
        ``min_co2``, ``cap`` or ``min_cost``; ``cap_t`` the nominal cap (t CO2/yr, blank
        for the cheapest plan); ``proven`` whether the solver closed the gap;
        ``dominated`` whether another point is at least as cheap and as clean.
    plans : dict
        ``point name -> (summary, tables)``, as :func:`hubopt.outputs.tables.read_result`
        returns them.
    info : dict
        The lowest-CO2 solve (``e_min_t``, its ``bound``, status), ``e_max_t``,
        tolerances, timings.
    folder : Path or None
        Where it was written (set by :func:`hubopt.outputs.studies.write_frontier`).
    outcomes : dict
        ``point name -> RunOutcome``: every point's full run, for the writers.
    """

    scenario: Scenario
    table: pd.DataFrame
    plans: dict
    info: dict = field(default_factory=dict)
    folder: Path | None = None
    outcomes: dict[str, RunOutcome] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        """Whether every point has a plan proven optimal within the gap."""
        return bool(len(self.table)) and bool(self.table["proven"].all())


def co2_expression(hub: HubModel) -> LinearExpression:
    """Total CO2 of a model's plan, t/yr, as a Pyomo expression.

    ``(Σ_j e_j make_j + Σ_r e_r buy_r + Σ_l e_l ship_l) / 1000`` with kg CO2 per unit
    from the production, supply and lane tables (the formula of ``emissions_t``).
    """
    m = hub.model
    coefs: list[float] = []
    variables: list = []
    for comp, table in ((m.make, hub.production), (m.buy, hub.supply), (m.ship, hub.lanes)):
        e = table["kg_co2_per_unit"].to_numpy(float) / 1000.0
        nz = np.flatnonzero(e)
        coefs += e[nz].tolist()
        variables += [comp[int(i)] for i in nz]
    return LinearExpression(constant=0, linear_coefs=coefs, linear_vars=variables)


def scenario_toml(sc: Scenario) -> str:
    """Return a scenario TOML file that reproduces ``sc`` (data path absolute)."""
    return _toml_from_fields(sc)


class _Solver:
    """The scenario's model, solved with the cost or the CO2 objective and a CO2 cap.

    Each variant is built through the row builder with the on-request families
    ``co2_cap`` and ``co2_objective`` (:mod:`hubopt.model.families`), so every solve
    takes the array hand-off; the model is rebuilt only when the variant changes.
    """

    def __init__(self, scenario: Scenario, data: HubData, say: Callable[[str], None]):
        t = time.perf_counter()
        self.scenario, self.data = scenario, data
        self.lanes = build_lanes(data)
        self.timings = {"lanes": time.perf_counter() - t}
        say(f"building the model ({len(self.lanes):,} lanes)")
        self.extra: dict = {}
        self.hub = build_model(data, self.lanes, scenario)
        self.timings["build"] = self.hub.stats["build_seconds"]

    def solve(
        self, *, minimise: str, cap: float | None, start: Plan | None = None
    ) -> tuple[Scenario, SolveResult]:
        sc = self.scenario
        extra: dict = {}
        if cap is not None:
            used = cap * (1.0 + CAP_REL_TOL) + CAP_ABS_TOL
            extra["co2_cap"] = {"cap_t": used}
            if sc.max_emissions_t is None or used < sc.max_emissions_t:
                sc = replace(sc, max_emissions_t=used)
        if minimise != "cost":
            extra["co2_objective"] = {}
        if extra != self.extra:
            self.hub = build_model(self.data, self.lanes, self.scenario, extra=extra)
            self.extra = extra
        result = solve_model(self.hub, sc.solver, start=start)
        if result.termination is Termination.INTERRUPTED:
            raise KeyboardInterrupt
        return sc, result

    def outcome(self, sc: Scenario, result: SolveResult) -> RunOutcome:
        hub = replace(self.hub, scenario=sc)
        plan = extract_plan(hub) if result.has_solution else None
        timings = {**self.timings, "compile": result.compile_seconds, "solve": result.solve_seconds}
        return RunOutcome(sc, self.data, self.lanes, hub, result, plan, timings)


def _row(point: str, kind: str, cap: float | None, out: RunOutcome) -> dict:
    s = out.plan.summary if out.plan else {}
    r = out.result
    return {
        "point": point,
        "kind": kind,
        "cap_t": cap,
        "total_cost": s.get("total_cost"),
        "emissions_t": s.get("emissions_t"),
        "status": r.termination.value,
        "solution_status": r.solution_status.value,
        "mip_gap": r.mip_gap,
        "proven": r.solution_status is SolutionStatus.OPTIMAL,
        **{k: s.get(k) for k in _PLAN_FIGURES},
        "solve_seconds": r.solve_seconds,
        "plan_from": r.message.split(_REUSED, 1)[1].split(",")[0] if _REUSED in r.message else "",
    }


def _dominated(table: pd.DataFrame, rel: float = 1e-7) -> pd.Series:
    c = table["total_cost"].to_numpy(float)
    e = table["emissions_t"].to_numpy(float)
    out = np.zeros(len(table), dtype=bool)
    for i in range(len(table)):
        if not (np.isfinite(c[i]) and np.isfinite(e[i])):
            continue
        tc, te = rel * max(1.0, abs(c[i])), rel * max(1.0, abs(e[i]))
        le = (c <= c[i] + tc) & (e <= e[i] + te)
        strict = (c < c[i] - tc) | (e < e[i] - te)
        out[i] = bool(np.any(le & strict))
    return pd.Series(out, index=table.index)


def caps(e_min: float, e_max: float, points: int) -> list[float]:
    """Return the ``points - 2`` caps evenly spaced strictly between the two extremes."""
    if points <= 2 or e_max - e_min <= CAP_REL_TOL * max(1.0, abs(e_max)):
        return []
    return [float(x) for x in np.linspace(e_min, e_max, points)[1:-1]]


def _solve_points(
    solver: _Solver, points: int, say: Callable[[str], None]
) -> tuple[list[tuple[str, float | None, RunOutcome]], dict]:
    """Solve the end points, then the caps; return ``(kind, cap, outcome)`` by cap."""
    runs: list[tuple[str, float | None, RunOutcome]] = []
    info: dict = {"points_requested": points, "cap_rel_tol": CAP_REL_TOL}
    say(f"solve 1/{points + 1}: the cheapest plan")
    cheapest = solver.outcome(*solver.solve(minimise="cost", cap=None))
    if cheapest.plan is not None:
        e_max = float(cheapest.plan.summary["emissions_t"])
        info["e_max_t"] = e_max
        say(f"solve 2/{points + 1}: the lowest CO2 possible")
        _sc, low = solver.solve(minimise="co2", cap=None)
        info["min_co2"] = {
            "status": low.termination.value,
            "solution_status": low.solution_status.value,
            "e_min_t": low.objective,
            "bound_t": low.best_bound,
            "mip_gap": low.mip_gap,
            "solve_seconds": low.solve_seconds,
        }
        if low.has_solution:
            e_min = min(float(low.objective), e_max)
            known = [
                ("the lowest-CO2 solve", extract_plan(solver.hub)),
                ("the cheapest plan", cheapest.plan),
            ]
            todo = [("min_co2", e_min)] + [("cap", c) for c in caps(e_min, e_max, points)]
            if e_max - e_min <= CAP_REL_TOL * max(1.0, abs(e_max)):
                todo = []  # the cheapest plan is also the cleanest
            for i, (kind, cap) in enumerate(todo):
                say(f"solve {i + 3}/{len(todo) + 2}: cheapest plan with CO2 ≤ {cap:,.0f} t CO2/yr")
                start = _warm_start(cap, known)
                out = solver.outcome(*solver.solve(minimise="cost", cap=cap, start=start))
                out = _best_known(out, cap, known)
                if out.plan is not None:
                    known.append((f"the CO2 cap {cap:,.0f} t CO2/yr", out.plan))
                runs.append((kind, cap, out))
            cheapest = _best_known(cheapest, None, known)
    runs.append(("min_cost", None, cheapest))
    return runs, info


def _warm_start(cap: float, known: list[tuple[str, Plan]]) -> Plan | None:
    """Return the cheapest plan found so far within ``cap`` (a start for HiGHS), if any."""
    ok = [p for _w, p in known if p.summary["emissions_t"] <= cap * (1.0 + CAP_REL_TOL)]
    return min(ok, key=lambda p: p.summary["total_cost"]) if ok else None


def _best_known(out: RunOutcome, cap: float | None, known: list[tuple[str, Plan]]) -> RunOutcome:
    """Use the cheapest plan already found within ``cap`` if the solve did no better.

    Any plan found for a tighter cap (or by the lowest-CO2 solve) also meets a looser cap.
    When a solve stops at the time limit with no plan, or with a dearer one, that plan is
    used instead: marked not proven, its origin stated in the result message (and in
    ``plan_from``). If the solver had proven optimality within the gap, the known plan is
    within the same gap of the proven bound and stays proven.
    """
    limit = math.inf if cap is None else cap * (1.0 + CAP_REL_TOL) + CAP_ABS_TOL
    fits = [(s, p) for s, p in known if p.summary["emissions_t"] <= limit]
    if not fits:
        return out
    source, plan = min(fits, key=lambda sp: sp[1].summary["total_cost"])
    cost = plan.summary["total_cost"]
    if out.plan is not None and cost >= out.plan.summary["total_cost"] - 1e-9 * max(1.0, abs(cost)):
        return out
    r = out.result
    gap = None if r.best_bound is None else abs(cost - r.best_bound) / max(abs(cost), 1e-12)
    result = replace(
        r,
        solution_status=(
            SolutionStatus.OPTIMAL
            if r.termination is Termination.OPTIMAL
            else SolutionStatus.FEASIBLE
        ),
        objective=cost,
        mip_gap=gap,
        message=f"{r.message}; {_REUSED}{source}, the cheapest known within this cap",
    )
    plan = replace(
        plan, scenario=out.scenario.name, summary={**plan.summary, "scenario": out.scenario.name}
    )
    return replace(out, result=result, plan=plan)


def _notes(table: pd.DataFrame, info: dict) -> list[str]:
    """Plain-language warnings about a frontier."""
    notes = []
    cheapest = table.iloc[-1]
    low = info.get("min_co2", {})
    if cheapest["solution_status"] == "none":
        notes.append(f"The scenario itself has no plan ({cheapest['status']}): no frontier.")
    elif low.get("solution_status") == "none":
        notes.append(
            "The lowest-CO2 solve found no plan within the time limit, so only the cheapest "
            "plan is shown; raise the time limit."
        )
    elif len(table) == 1:
        notes.append("The cheapest plan is also the lowest-CO2 plan: the frontier is one point.")
    if low.get("solution_status") == "feasible":
        notes.append(
            "The lowest-CO2 solve stopped at the time limit: the left end may not be the "
            f"lowest CO2 possible (which is at least {low.get('bound_t') or 0:,.0f} t CO2/yr)."
        )
    unproven = table.loc[~table["proven"] & (table["solution_status"] != "none"), "point"]
    if len(unproven):
        notes.append(
            f"Not proven optimal (time limit): {', '.join(unproven)}; cheaper plans may exist."
        )
    missing = table.loc[table["solution_status"] == "none", "point"]
    if len(missing) and cheapest["solution_status"] != "none":
        notes.append(f"No plan found within the time limit: {', '.join(missing)}.")
    reused = table.loc[table["plan_from"] != "", ["point", "plan_from"]]
    if len(reused):
        notes.append(
            "The solver stopped at the time limit without a better plan, so the cheapest plan "
            "already found within the cap is shown: "
            + "; ".join(f"{p} uses {s}'s" for p, s in reused.itertuples(index=False))
            + "."
        )
    dominated = table.loc[table["dominated"], "point"]
    if len(dominated):
        notes.append(
            f"Dominated (another point is as cheap and as clean): {', '.join(dominated)}; "
            "the gap or the time limit left them above the frontier."
        )
    return notes


def pareto(
    scenario: Scenario,
    points: int = 5,
    options: SolveOptions | None = None,
    *,
    data: HubData | None = None,
    on_progress: Callable[[str], None] | None = None,
    on_result: Callable[[dict], None] | None = None,
) -> Frontier:
    """Compute the cost–CO2 frontier of a scenario; write nothing.

    Parameters
    ----------
    scenario : Scenario
        The scenario; its cheapest plan is one end of the frontier.
    points : int, default 5
        Number of points, end points included (at least 2).
    options : SolveOptions, optional
        Solver settings for every point (time limit per point, gap); default
        ``scenario.solver``.
    data : HubData, optional
        An already loaded package.
    on_progress : callable, optional
        Called with a short text as each step starts (the command line shows it).
    on_result : callable, optional
        Called with each point's row of :attr:`Frontier.table` once all are solved.

    Returns
    -------
    Frontier
        With every point's run in :attr:`Frontier.outcomes`;
        :func:`hubopt.outputs.studies.write_frontier` writes it.

    Raises
    ------
    KeyboardInterrupt
        If the user interrupts a solve.
    """
    if points < 2:
        raise ValueError("a frontier needs at least 2 points")
    say = on_progress or (lambda _s: None)
    if options is not None:
        scenario = replace(scenario, solver=options)
    t0 = time.perf_counter()
    say(f"loading and checking {scenario.data_dir}")
    data = data if data is not None else load_data(scenario.data_dir)
    solver = _Solver(scenario, data, say)
    runs, info = _solve_points(solver, points, say)
    info["seconds"] = time.perf_counter() - t0
    width = max(2, len(str(len(runs))))
    named = []
    for i, (kind, cap, out) in enumerate(runs):
        point = f"point_{i + 1:0{width}d}"
        sc = replace(out.scenario, name=f"{scenario.name}-pareto-{point}")
        named.append((point, kind, cap, replace(out, scenario=sc)))
    table = pd.DataFrame([_row(n, k, c, o) for n, k, c, o in named])
    table["dominated"] = _dominated(table)
    table["folder"] = table["point"]
    table = table[FRONTIER_COLUMNS]
    info["notes"] = _notes(table, info)
    plans = {n: (summary(o), _tables(o)) for n, _k, _c, o in named}
    outcomes = {n: o for n, _k, _c, o in named}
    if on_result is not None:
        for row in table.to_dict("records"):
            on_result(row)
    return Frontier(scenario, table, plans, info, outcomes=outcomes)


def _tables(outcome: RunOutcome) -> dict[str, pd.DataFrame]:
    plan = outcome.plan
    return {} if plan is None else {name: getattr(plan, name) for name in PLAN_TABLES}


def frontier_info(frontier: Frontier) -> dict:
    """Return the content of ``frontier.json`` (JSON-ready: no NaN, no numpy scalars)."""
    info = {
        "scenario": frontier.scenario.name,
        "points": frontier.table.to_dict(orient="records"),
        **frontier.info,
    }
    return clean_json(info)
