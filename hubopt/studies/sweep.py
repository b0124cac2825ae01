"""Scenario sweeps on Dask: a grid of scenarios solved in parallel, one result folder each.

:func:`sweep` takes a scenario and the values to vary, for example
``{"carbon_price": [0, 50, 100], "max_hubs": [3, 5]}``, and solves every combination
(the grid) on a Dask distributed cluster: a local cluster of worker processes on the
loopback interface by default, or an existing scheduler when its address is given.

* Workers receive *inputs*, never Pyomo models: the scenario (a small dataclass) and the
  loaded data package (:class:`hubopt.HubData`, loaded and validated once on the client),
  or the package path when ``data`` itself is varied. Each worker builds and solves its
  own model with :func:`hubopt.run`.
* HiGHS's threads are set once per worker process (HiGHS keeps one thread pool per
  process): every scenario of the sweep runs with ``threads_per_worker`` HiGHS threads,
  whatever its ``[solver] threads``.
* Each worker returns its run (:class:`hubopt.RunOutcome` without the Pyomo model) to the
  client: :func:`sweep` returns every run in memory and writes nothing. The command line
  writes each one as it arrives (``on_result``) with
  :class:`hubopt.outputs.studies.SweepWriter`: ``<out_dir>/<name>__carbon_price=50/``,
  ``sweep.csv``, ``compare/``; the workers need not share the client's file system.
* A scenario that fails (an exception on the worker, or a worker that dies) is reported
  in the table with its message; the others carry on.
* At the end the plans are compared in memory
  (:func:`hubopt.studies.compare.compare_plans`).

Keys that can be varied are the scenario keys of a ``models/*.toml`` file (values are
read and checked exactly as in TOML), plus ``demand_scale``:

``carbon_price``, ``max_emissions_t``, ``max_hubs``, ``min_energy_community_hubs``,
``single_sourcing``, ``time_limit_s``, ``mip_rel_gap``, ``seed``, ``data``
    as in the scenario file; ``none`` removes an optional constraint or limit;
``demand_scale``
    multiplies every ``quantity`` of ``demand.csv`` (unmet penalties, supply and
    capacities unchanged); applied on the worker to the loaded package
    (:func:`scale_demand`).
"""

from __future__ import annotations

import math
import os
import time
import traceback
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from hubopt.errors import Issue, raise_if_errors
from hubopt.inputs.load import HubData, load_data
from hubopt.inputs.scenario import Scenario
from hubopt.pipeline import RunOutcome, run
from hubopt.studies.cluster import dask_session, error_text
from hubopt.studies.compare import Comparison, compare_plans
from hubopt.studies.grid import SWEEP_KEYS, parse_vary, sweep_points, value_text

__all__ = [
    "SWEEP_COLUMNS",
    "SWEEP_KEYS",
    "SweepResult",
    "parse_vary",
    "scale_demand",
    "sweep",
    "sweep_points",
]

SWEEP_COLUMNS = [
    "status",
    "solution_status",
    "objective",
    "mip_gap",
    "total_cost",
    "emissions_t",
    "hubs_open",
    "hubs_new",
    "seconds",
    "error",
]
"""Figures of each scenario in :attr:`SweepResult.table` (after ``scenario`` and the keys)."""


@dataclass(frozen=True)
class SweepResult:
    """What a sweep produced (in memory; :mod:`hubopt.outputs.studies` writes it).

    Attributes
    ----------
    scenario : Scenario
        The base scenario.
    points : list of dict
        The grid (:func:`sweep_points`), in grid order.
    table : DataFrame
        One row per scenario, grid order: ``scenario``, the varied keys, then
        ``SWEEP_COLUMNS``.
    outcomes : dict
        ``scenario name -> RunOutcome`` of every scenario that ran (``model`` and
        ``lanes`` dropped); failed scenarios are absent.
    comparison : Comparison or None
        The plans compared, if there were plans and they could be compared.
    messages : list of str
        Notes (e.g. why the comparison failed).
    threads_per_worker : int
        HiGHS threads of every scenario.
    """

    scenario: Scenario
    points: list[dict]
    table: pd.DataFrame
    outcomes: dict[str, RunOutcome] = field(default_factory=dict)
    comparison: Comparison | None = None
    messages: list[str] = field(default_factory=list)
    threads_per_worker: int = 1

    @property
    def failed(self) -> pd.DataFrame:
        """Scenarios that raised an error (no plan, no result folder)."""
        return self.table[self.table["status"] == "error"]


# --------------------------------------------------------------------------- workers


def scale_demand(data: HubData, factor: float) -> HubData:
    """Return the package with every demand ``quantity`` multiplied by ``factor``.

    Unmet-demand penalties, supply and capacities are unchanged. ``factor`` must be a
    finite number > 0.
    """
    if not (math.isfinite(factor) and factor > 0):
        raise ValueError(f"demand_scale must be a number > 0, not {factor!r}")
    demand = data.demand.assign(quantity=data.demand["quantity"] * float(factor))
    return replace(data, demand=demand)


def solve_point(point: dict, data: HubData | None) -> dict[str, Any]:
    """Solve one grid point on a worker; never raises.

    Parameters
    ----------
    point : dict
        From :func:`sweep_points`.
    data : HubData or None
        The loaded package (``None``: load ``point["scenario"].data_dir`` here).

    Returns
    -------
    dict
        ``status``, ``solution_status``, figures, ``seconds`` and ``outcome`` (the
        :class:`RunOutcome` without its Pyomo model and lanes, and without its data when
        ``data`` was given: the client has it) or, on failure,
        ``status="error"`` and ``error``.
    """
    t0 = time.perf_counter()
    out: dict[str, Any] = {"name": point["name"], "worker_pid": os.getpid()}
    try:
        sc = point["scenario"]
        d = data if data is not None else load_data(sc.data_dir)
        if point.get("demand_scale") is not None:
            d = scale_demand(d, point["demand_scale"])
        outcome = run(sc, data=d)
        r, plan = outcome.result, outcome.plan
        s = plan.summary if plan is not None else {}
        out.update(
            status=r.termination.value,
            solution_status=r.solution_status.value,
            objective=r.objective,
            mip_gap=r.mip_gap,
            message=r.message,
            **{k: s.get(k) for k in ("total_cost", "emissions_t", "hubs_open", "hubs_new")},
        )
        # the client has the shared package already: send it back only if loaded here
        out["outcome"] = replace(
            outcome, model=None, lanes=None, data=None if data is not None else outcome.data
        )
    except Exception as exc:  # noqa: BLE001 - one scenario's failure is reported, not fatal
        out.update(status="error", solution_status="none", error=error_text(exc))
        out["traceback"] = traceback.format_exc()
    out["seconds"] = time.perf_counter() - t0
    return out


# --------------------------------------------------------------------------- the sweep


def _row(point: dict, res: dict) -> dict:
    row = {"scenario": point["name"]}
    row.update({k: value_text(v) if k == "data" else v for k, v in point["values"].items()})
    row.update({c: res.get(c) for c in SWEEP_COLUMNS})
    row["error"] = res.get("error", "")
    return row


def sweep(
    scenario: Scenario,
    vary: Mapping[str, Sequence[Any]],
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    threads_per_worker: int = 1,
    client: Any = None,
    data: HubData | None = None,
    compare_results: bool = True,
    on_result: Callable[[dict, RunOutcome | None], None] | None = None,
    on_progress: Callable[[str], None] | None = None,
) -> SweepResult:
    """Solve every combination of ``vary`` on a Dask cluster; write nothing.

    Parameters
    ----------
    scenario : Scenario
        The base scenario.
    vary : mapping of str to sequence
        Values per key (see the module docstring); typed values, ``None`` = unset.
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://host:8786``); default a local
        cluster on 127.0.0.1 (no dashboard) that is closed at the end.
    workers : int, optional
        Worker processes of the local cluster (default: cores, at most one per
        scenario). Ignored with ``scheduler`` or ``client``.
    threads_per_worker : int, default 1
        HiGHS threads of every scenario, set once per worker process.
    client : distributed.Client, optional
        Use this client (its cluster is left running).
    data : HubData, optional
        The base package, already loaded (ignored when ``data`` is varied).
    compare_results : bool, default True
        Compare the plans at the end (:attr:`SweepResult.comparison`).
    on_result : callable, optional
        ``on_result(row, outcome)`` as each scenario finishes, in completion order:
        its row of :attr:`SweepResult.table` and its run (``None`` if it failed). The
        command line writes and shows each scenario from here.
    on_progress : callable, optional
        Called with a short text as each step starts.

    Returns
    -------
    SweepResult

    Raises
    ------
    HubDataError
        For an unknown key, an invalid value, or an invalid base data package (nothing
        is run then).
    """
    from distributed import as_completed

    say = on_progress or (lambda _t: None)
    points = sweep_points(scenario, vary)
    if threads_per_worker < 1:
        raise_if_errors(
            [Issue("check_sweep_value", "threads per worker must be at least 1", "sweep")]
        )
    points = [
        {**p, "scenario": p["scenario"].with_options(threads=threads_per_worker)} for p in points
    ]
    shared = None
    if "data" not in vary:
        say(f"loading and checking {scenario.data_dir}")
        shared = data if data is not None else load_data(scenario.data_dir)
    say(f"starting the cluster for {len(points)} scenarios")
    rows: dict[str, dict] = {}
    outcomes: dict[str, RunOutcome] = {}
    session = dask_session(client, scheduler, workers, len(points), threads_per_worker)
    with session as (client, futures):
        data_ref = None
        if shared is not None:  # hash=False: a fresh key (see studies/rank.py)
            data_ref = client.scatter(shared, broadcast=True, hash=False)
        token = uuid.uuid4().hex[:8]
        for i, p in enumerate(points):
            futures[client.submit(solve_point, p, data_ref, key=f"hubopt-sweep-{token}-{i}")] = p
        say(f"solving {len(points)} scenarios")
        for fut in as_completed(futures):
            point = futures[fut]
            try:
                res = fut.result()
            except Exception as exc:  # noqa: BLE001 - a dead worker fails one scenario
                res = {"status": "error", "solution_status": "none", "error": error_text(exc)}
            row = _row(point, res)
            rows[point["name"]] = row
            outcome = res.get("outcome")
            if outcome is not None and outcome.data is None:
                scale = point.get("demand_scale")
                outcome = replace(outcome, data=scale_demand(shared, scale) if scale else shared)
            if outcome is not None:
                outcomes[point["name"]] = outcome
            if on_result is not None:
                on_result(row, outcome)
    table = pd.DataFrame([rows[p["name"]] for p in points if p["name"] in rows])
    comparison, messages = None, []
    if compare_results and outcomes:
        comparison, messages = _compare(points, outcomes, mixed="data" in vary)
    return SweepResult(scenario, points, table, outcomes, comparison, messages, threads_per_worker)


def _compare(
    points: list[dict], outcomes: dict[str, RunOutcome], mixed: bool
) -> tuple[Comparison | None, list[str]]:
    """Compare the plans in memory; a problem there is only reported."""
    from hubopt.outputs.tables import manifest, summary

    try:
        names = [p["name"] for p in points if p["name"] in outcomes]
        plans = {n: (summary(outcomes[n]), plan_tables(outcomes[n])) for n in names}
        meta = {n: {"folder": n, "manifest": manifest(outcomes[n])} for n in names}
        return compare_plans(plans, meta=meta, allow_mixed=mixed), []
    except Exception as exc:  # noqa: BLE001 - the plans exist; the comparison is extra
        return None, [f"comparison failed: {type(exc).__name__}: {exc}"]


def plan_tables(outcome: RunOutcome) -> dict[str, pd.DataFrame]:
    """Return a run's plan tables by name (empty when it found no plan)."""
    from hubopt.outputs.tables import PLAN_TABLES

    plan = outcome.plan
    return {} if plan is None else {name: getattr(plan, name) for name in PLAN_TABLES}
