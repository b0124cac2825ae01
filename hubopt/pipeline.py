"""One call that runs the whole pipeline: load → lanes → model → solve → plan."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import pandas as pd

from hubopt.diagnose import Diagnosis, diagnose
from hubopt.inputs.load import HubData, load_data
from hubopt.inputs.scenario import Scenario, SolveOptions
from hubopt.lanes import build_lanes
from hubopt.model.build import HubModel, build_model
from hubopt.plan import Plan, extract_plan
from hubopt.pricing import solve_with_pricing
from hubopt.solve import SolveResult, Termination, solve_model

__all__ = ["RunOutcome", "run"]


@dataclass(frozen=True)
class RunOutcome:
    """Everything one run produced.

    Attributes
    ----------
    scenario : Scenario
        The scenario as run (solver options included).
    data : HubData
        The loaded package.
    lanes : DataFrame
        The lane table.
    model : HubModel
        The built (and solved) model.
    result : SolveResult
        Why the solver stopped and what it found.
    plan : Plan or None
        The plan, when a solution exists.
    timings : dict
        Wall seconds per stage (``load``, ``lanes``, ``build``, ``compile``, ``solve``,
        ``extract``, ``diagnose``).
    diagnosis : Diagnosis or None
        Why an infeasible scenario is infeasible (see :func:`hubopt.diagnose.diagnose`).
    """

    scenario: Scenario
    data: HubData
    lanes: pd.DataFrame
    model: HubModel
    result: SolveResult
    plan: Plan | None
    timings: dict
    diagnosis: Diagnosis | None = None


def run(
    scenario: Scenario,
    options: SolveOptions | None = None,
    *,
    data: HubData | None = None,
    stage: Callable[[str], None] | None = None,
    progress: Callable[[dict], None] | None = None,
    warn: Callable[[str], None] | None = None,
    explain_infeasible: bool = True,
) -> RunOutcome:
    """Run one scenario end to end.

    Parameters
    ----------
    scenario : Scenario
        What to solve (:func:`hubopt.inputs.scenario.load_scenario` reads one from TOML).
    options : SolveOptions, optional
        Overrides ``scenario.solver``.
    data : HubData, optional
        An already loaded package (e.g. :meth:`HubData.from_tables`); default
        ``scenario.data``, else read from ``scenario.data_dir``.
    stage : callable, optional
        Called with a short description as each stage starts (for progress display).
    progress : callable, optional
        Passed to :func:`hubopt.solve.solve_model`.
    warn : callable, optional
        Called, before the solve, with each plain-words warning about the built model
        (badly scaled inputs, see ``HubModel.warnings``).
    explain_infeasible : bool, default True
        When the scenario is infeasible, run the elastic diagnosis
        (:func:`hubopt.diagnose.diagnose`) and attach it to the outcome.

    Returns
    -------
    RunOutcome

    Raises
    ------
    HubDataError
        If the data package is invalid.
    """
    say = stage or (lambda _s: None)
    if options is not None:
        scenario = replace(scenario, solver=options)
    timings: dict[str, float] = {}
    t = time.perf_counter()
    data = data if data is not None else scenario.data  # an in-memory package, if any
    say("checking the in-memory package" if data is not None else f"loading {scenario.data_dir}")
    if data is None:
        data = load_data(scenario.data_dir)
    timings["load"] = time.perf_counter() - t
    t = time.perf_counter()
    say("building lanes")
    lanes = build_lanes(data)
    timings["lanes"] = time.perf_counter() - t
    priced = None
    if scenario.solver.lane_pricing and not scenario.single_sourcing and len(lanes):
        t = time.perf_counter()
        say(f"pricing lanes ({len(lanes):,} generated)")
        priced = solve_with_pricing(data, lanes, scenario, progress=progress, say=say)
        timings["pricing"] = time.perf_counter() - t
    if priced is not None:
        hub, result, _stats = priced
    else:
        say(f"building the model ({len(lanes):,} lanes)")
        hub = build_model(data, lanes, scenario)
    timings["build"] = hub.stats["build_seconds"]
    for w in hub.warnings if warn is not None else ():
        warn(w)
    if priced is None:
        say("solving with HiGHS")
        result = solve_model(hub, scenario.solver, progress=progress)
    timings["compile"] = result.compile_seconds
    timings["solve"] = result.solve_seconds
    plan = None
    if result.has_solution:
        t = time.perf_counter()
        say("extracting the plan")
        plan = extract_plan(hub)
        timings["extract"] = time.perf_counter() - t
    diagnosis = None
    if explain_infeasible and result.termination is Termination.INFEASIBLE:
        t = time.perf_counter()
        say("infeasible: finding which limits cannot hold")
        diagnosis = diagnose(hub, scenario.solver)
        timings["diagnose"] = time.perf_counter() - t
    return RunOutcome(scenario, data, lanes, hub, result, plan, timings, diagnosis)
