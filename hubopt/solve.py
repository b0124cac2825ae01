"""Hand a built model to HiGHS and read the answer back.

This is the only module that talks to the solver. The model reaches HiGHS as sparse
arrays through ``Highs.passModel``, by one of two paths (:func:`standard_form`):

* ``arrays``: while the Pyomo model is exactly as :func:`hubopt.model.build.build_model` built
  it (:func:`hubopt.model.pyomo_bridge.pristine_arrays`), the sparse arrays the build
  assembled, from which the Pyomo model was made, are passed as they are;
* ``compiler``: after any change to the Pyomo model (an added constraint, a fixed
  variable, a new bound, a deactivated row, ...), the whole model is compiled with
  Pyomo's ``LinearStandardFormCompiler``, so every change is honoured.

On an unchanged model both paths give identical arrays, row for row and column for
column (``tests/test_fast_path.py``). Compiling was already 3-4x faster than Pyomo's
solver interfaces, which walk every constraint in Python (see
``../shared/PERFORMANCE_NOTES.md``); the ``arrays`` path skips the walk altogether.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from typing import Literal

import highspy
import numpy as np
from pyomo.common.errors import InfeasibleConstraintException

from hubopt import heuristics
from hubopt.inputs.scenario import SolveOptions
from hubopt.lp_duals import LpSolution, duals_by_family
from hubopt.model.build import HubModel
from hubopt.model.conditioning import ranges
from hubopt.model.pyomo_bridge import paused_gc
from hubopt.model.standard_form import load_values, standard_form
from hubopt.plan import Plan
from hubopt.solve_result import SolutionStatus, SolveResult, Termination
from hubopt.warmstart import start_columns, start_values

__all__ = [
    "SolutionStatus",
    "SolveOptions",
    "LpSolution",
    "SolveResult",
    "Termination",
    "solve_lp_fixed",
    "solve_model",
    "standard_form",
]


HEURISTIC_SHARE = 0.5
"""Share of the time limit the start heuristic may use (:mod:`hubopt.heuristics`)."""
HEURISTIC_SECONDS = 60.0
"""Its budget when the solve has no time limit."""

HIGHS_OPTIONS: dict[str, object] = {}
"""Extra HiGHS options set on every solve after hubopt's own (name → value).

Empty by default: no HiGHS option beyond gap, seed, threads, ``parallel`` and time
limit was measured to help (``docs/performance.md``). Benchmarks set it to measure,
e.g. ``benchmarks/literature.py --highs mip_heuristic_effort=0.2``.
"""


def solver_version() -> str:
    """Return the HiGHS version string, e.g. ``"1.15.1"``."""
    h = highspy.Highs()
    return f"{h.versionMajor()}.{h.versionMinor()}.{h.versionPatch()}"


_STATUS = {
    highspy.HighsModelStatus.kOptimal: Termination.OPTIMAL,
    highspy.HighsModelStatus.kTimeLimit: Termination.TIME_LIMIT,
    highspy.HighsModelStatus.kInfeasible: Termination.INFEASIBLE,
    highspy.HighsModelStatus.kUnbounded: Termination.UNBOUNDED,
    highspy.HighsModelStatus.kUnboundedOrInfeasible: Termination.INFEASIBLE,
    highspy.HighsModelStatus.kInterrupt: Termination.INTERRUPTED,
    highspy.HighsModelStatus.kHighsInterrupt: Termination.INTERRUPTED,
    highspy.HighsModelStatus.kModelEmpty: Termination.OPTIMAL,
}


def _finite(x: float) -> float | None:
    return float(x) if np.isfinite(x) and abs(x) < 1e300 else None


def _no_solve(
    hub: HubModel,
    term: Termination,
    msg: str,
    t_compile: float,
    log: str = "",
    stats: dict | None = None,
    handoff: str = "",
) -> SolveResult:
    return SolveResult(
        term,
        SolutionStatus.NONE,
        None,
        None,
        None,
        hub.stats.get("build_seconds", 0.0),
        t_compile,
        0.0,
        "HiGHS",
        solver_version(),
        msg,
        log,
        stats,
        handoff,
    )


def _built_ranges(hub: HubModel) -> dict:
    """Coefficient ranges the build recorded for its arrays (recomputed if absent)."""
    keys = ("matrix_range", "objective_range", "bounds_range", "rhs_range")
    if all(k in hub.stats for k in keys):
        return {k: hub.stats[k] for k in keys}
    return ranges(hub.arrays)


def _status_name(status) -> str:
    """Return HiGHS's name of a ``HighsStatus`` (``kOk``, ``kWarning``, ``kError``)."""
    return str(getattr(status, "name", status))


def _stats_text(stats: dict) -> str:
    """Model statistics in words, for error messages."""
    keys = ("columns", "rows_total", "nonzeros", "matrix_range", "objective_range")
    keys += ("bounds_range", "rhs_range")
    return ", ".join(f"{k} {stats.get(k)}" for k in keys)


def solve_model(
    hub: HubModel,
    options: SolveOptions | None = None,
    progress: Callable[[dict], None] | None = None,
    start: Plan | None = None,
    start_mode: Literal["integers", "all"] = "integers",
) -> SolveResult:
    """Solve a built model with HiGHS and load the solution into its Pyomo variables.

    Parameters
    ----------
    hub : HubModel
        From :func:`hubopt.model.build.build_model`.
    options : SolveOptions, optional
        Time limit, gap, threads, seed; defaults to ``hub.scenario.solver``.
    progress : callable, optional
        Called with ``{"objective", "bound", "gap", "seconds"}`` each time HiGHS finds a
        better solution.
    start : Plan, optional
        A starting plan for HiGHS (``Highs.setSolution``), typically the plan of an
        earlier solve: the previous point of a sweep, pareto or rank run. It is mapped
        onto this model by labels (:func:`hubopt.warmstart.start_values`), so it may come
        from another scenario of the same network; HiGHS ignores a start it cannot
        complete to a feasible plan. ``stats["start"]`` says what was handed over.
    start_mode : {"integers", "all"}
        ``integers`` (default) hands over the binaries only and HiGHS solves the LP of
        the rest; ``all`` also the plan's quantities.

    Returns
    -------
    SolveResult
        A time-limited incumbent is a result (``termination=time_limit``,
        ``solution_status=feasible``), not an exception.

    Notes
    -----
    With ``options.start_heuristic`` (and no ``start``), :mod:`hubopt.heuristics` first
    solves the LP relaxation and improves a rounded plan by local search, within
    :data:`HEURISTIC_SHARE` of the time limit; HiGHS starts from that plan and gets the
    rest of the time. The result's bound is the stronger of HiGHS's and the LP's; a
    time-limited run whose gap against it meets ``mip_rel_gap`` is reported optimal.
    ``stats["start_heuristic"]`` says what it did.
    """
    opts = options or hub.scenario.solver
    if start is not None and not isinstance(start, Plan):
        raise TypeError(f"start must be a hubopt Plan, not {type(start).__name__}")
    if hub.infeasible_reasons:
        return _no_solve(hub, Termination.INFEASIBLE, "; ".join(hub.infeasible_reasons), 0.0)
    t0, c0 = time.perf_counter(), time.process_time()
    try:
        arr, path = standard_form(hub)
    except InfeasibleConstraintException as exc:
        return _no_solve(hub, Termination.INFEASIBLE, str(exc), time.perf_counter() - t0)
    n, m = len(arr.columns), len(arr.rows)
    lower, upper, integrality = arr.col_lower, arr.col_upper, arr.integrality
    a = arr.a

    h = highspy.Highs()
    log_fd, log_path = tempfile.mkstemp(prefix="hubopt-highs-", suffix=".log")
    os.close(log_fd)
    h.setOptionValue("output_flag", True)
    h.setOptionValue("log_to_console", bool(opts.log_to_console))
    h.setOptionValue("log_file", log_path)
    h.setOptionValue("mip_rel_gap", float(opts.mip_rel_gap))
    h.setOptionValue("random_seed", int(opts.seed))
    h.setOptionValue("threads", int(opts.threads))
    if opts.threads > 1:
        h.setOptionValue("parallel", "on")
    if opts.time_limit_s is not None:
        h.setOptionValue("time_limit", float(opts.time_limit_s))
    for key, value in HIGHS_OPTIONS.items():
        h.setOptionValue(key, value)
    stats = {
        **hub.stats,
        "columns": n,
        "rows_total": m,
        "nonzeros": int(a.nnz),
        # the build computed the ranges of these very arrays; a compiled model gets its own
        **(_built_ranges(hub) if path == "arrays" else ranges(arr)),
        "handoff": path,
    }
    try:
        status = _pass_arrays(h, arr, lower, upper, integrality=integrality)
    except Exception as exc:  # noqa: BLE001 - any HiGHS failure is a solver failure
        status, stats["passmodel_exception"] = highspy.HighsStatus.kError, repr(exc)
    if status == highspy.HighsStatus.kError:
        log = _read_log(h, log_path)
        return _no_solve(
            hub, Termination.ERROR,
            f"HiGHS refused the model (passModel returned {_status_name(status)}); "
            f"model statistics: {_stats_text(stats)}",
            time.perf_counter() - t0, log, stats, path,
        )  # fmt: skip
    heur, x_heur, h_cpu = None, None, time.process_time()
    if start is None and opts.start_heuristic and integrality.any():
        heur, x_heur = _start_heuristic(hub, arr, opts, progress)
        if x_heur is not None:
            h.setSolution(n, np.arange(n, dtype=np.int32), x_heur)
        if opts.time_limit_s is not None:  # the MIP gets what the heuristic left
            h.setOptionValue("time_limit", max(0.0, opts.time_limit_s - heur.seconds))
        stats["start_heuristic"] = heur.__dict__
    h_cpu = time.process_time() - h_cpu
    if start is not None:
        ws0 = time.perf_counter()
        cols, vals = start_columns(hub, arr.columns, start_values(hub, start, start_mode))
        ws = h.setSolution(len(cols), cols, vals)
        stats["start"] = {
            "columns": len(cols), "mode": start_mode, "status": _status_name(ws),
            "seconds": time.perf_counter() - ws0,
        }  # fmt: skip
    h_seconds = heur.seconds if heur is not None else 0.0
    lp_bound = heur.lp_bound if heur is not None and heur.lp_bound is not None else -np.inf
    t_compile = time.perf_counter() - t0 - h_seconds
    stats["compile_cpu_seconds"] = time.process_time() - c0 - h_cpu
    if progress is not None:
        start = time.perf_counter() - h_seconds  # seconds since the solve began

        def _on_improve(e) -> None:
            out = e.data_out
            obj, bound = out.objective_function_value, max(out.mip_dual_bound, lp_bound)
            gap = _gap(obj, bound) if np.isfinite(bound) else np.inf
            progress({"objective": obj, "bound": bound, "gap": gap,
                      "seconds": time.perf_counter() - start})  # fmt: skip

        h.cbMipImprovingSolution += _on_improve
    h.HandleKeyboardInterrupt = True
    t1 = time.perf_counter()
    try:
        run_status = h.solve()
    except Exception as exc:  # noqa: BLE001 - any HiGHS failure is a solver failure
        run_status, stats["solve_exception"] = highspy.HighsStatus.kError, repr(exc)
    solve_seconds = time.perf_counter() - t1 + h_seconds
    log = _read_log(h, log_path)
    status = h.getModelStatus()
    term = _STATUS.get(status, Termination.ERROR)
    info = h.getInfo()
    has_primal = info.primal_solution_status == 2
    x = np.asarray(h.getSolution().col_value, dtype=float) if has_primal else None
    obj_value = info.objective_function_value
    if x_heur is not None and term in (Termination.TIME_LIMIT, Termination.INTERRUPTED):
        if not has_primal or heur.objective < obj_value:  # HiGHS stopped before using it
            x, obj_value, has_primal = x_heur, heur.objective, True
    is_mip = bool(integrality.any())
    if term is Termination.OPTIMAL:
        sol_status = SolutionStatus.OPTIMAL
    elif has_primal and term in (Termination.TIME_LIMIT, Termination.INTERRUPTED):
        sol_status = SolutionStatus.FEASIBLE
    else:
        sol_status = SolutionStatus.NONE
    objective = _finite(obj_value) if sol_status.value != "none" else None
    if is_mip:
        bound = _finite(info.mip_dual_bound)
        gap = _finite(info.mip_gap) if objective is not None else None
        if heur is not None and heur.lp_bound is not None and objective is not None:
            bound, gap = _with_lp_bound(objective, bound, heur.lp_bound)
            if term is Termination.TIME_LIMIT and gap <= opts.mip_rel_gap:
                term, sol_status = Termination.OPTIMAL, SolutionStatus.OPTIMAL
    else:
        bound = objective
        gap = 0.0 if objective is not None else None
    if sol_status is not SolutionStatus.NONE:
        with paused_gc():
            load_values(hub, arr, path, x)
    message = {
        Termination.OPTIMAL: f"solved to optimality within a relative gap of {opts.mip_rel_gap:g}",
        Termination.TIME_LIMIT: "stopped at the time limit"
        + (" with a feasible plan" if has_primal else " before finding any plan"),
        Termination.INFEASIBLE: "no plan satisfies every constraint",
        Termination.UNBOUNDED: "the objective is unbounded (check for negative costs)",
        Termination.INTERRUPTED: "interrupted by the user",
        Termination.ERROR: f"HiGHS stopped with status {h.modelStatusToString(status)!r} "
        f"(run status {_status_name(run_status)!r}); model statistics: "
        f"{_stats_text(stats)}",
    }[term]
    return SolveResult(
        term,
        sol_status,
        objective,
        bound,
        gap,
        hub.stats.get("build_seconds", 0.0),
        t_compile,
        solve_seconds,
        "HiGHS",
        solver_version(),
        message,
        log,
        stats,
        path,
    )


def _read_log(h: highspy.Highs, log_path: str) -> str:
    """Close HiGHS's log file, read it and delete it."""
    h.setOptionValue("log_file", "")
    try:
        with open(log_path, encoding="utf-8", errors="replace") as fh:
            return fh.read()
    finally:
        os.unlink(log_path)


def _pass_arrays(h, arr, col_lower, col_upper, row_lower=None, row_upper=None, integrality=None):
    """``Highs.passModel`` of ``arr`` with these bounds; an LP unless ``integrality`` is given."""
    n, m, a = len(arr.columns), len(arr.rows), arr.a
    row_lower = arr.row_lower if row_lower is None else row_lower
    row_upper = arr.row_upper if row_upper is None else row_upper
    kinds = np.zeros(n, dtype=np.int32) if integrality is None else integrality.astype(np.int32)
    return h.passModel(
        n, m, a.nnz, int(highspy.MatrixFormat.kRowwise), int(highspy.ObjSense.kMinimize),
        arr.offset, arr.cost, col_lower, col_upper, row_lower, row_upper,
        a.indptr.astype(np.int32), a.indices.astype(np.int32), a.data.astype(float), kinds,
    )  # fmt: skip


def _gap(objective: float, bound: float) -> float:
    """Relative gap of a plan's objective above a lower bound (as HiGHS reports it)."""
    return max(0.0, objective - bound) / max(abs(objective), 1e-9)


def _with_lp_bound(objective: float, bound: float | None, lp_bound: float):
    """Return ``(bound, gap)`` with the LP relaxation's bound where it is the stronger."""
    best = lp_bound if bound is None else max(bound, lp_bound)
    return best, _gap(objective, best)


class _LpSession:
    """The LP relaxation of ``arr`` in one HiGHS instance, re-solved warm with ``open`` fixed.

    ``open_cols`` are the arrays' ``open`` columns and ``open_opt`` the option index of
    each; :meth:`solve` takes 0/1 per option (``None``: the relaxation itself) and
    returns the LP objective, or ``None`` unless HiGHS proves it optimal.
    """

    def __init__(self, arr, opts: SolveOptions, open_cols: np.ndarray, open_opt: np.ndarray):
        self.h, self.cols, self.opt = highspy.Highs(), open_cols.astype(np.int32), open_opt
        self.h.setOptionValue("output_flag", False)
        self.h.setOptionValue("threads", int(opts.threads))
        self.h.setOptionValue("random_seed", int(opts.seed))
        _pass_arrays(self.h, arr, arr.col_lower, arr.col_upper)

    def solve(self, values: np.ndarray | None, seconds: float) -> float | None:
        """Solve with ``open`` fixed to ``values`` (per option), within ``seconds``."""
        if values is not None:
            v = np.asarray(values, dtype=float)[self.opt]
            self.h.changeColsBounds(len(self.cols), self.cols, v, v)
        # HiGHS's time limit counts every run of an instance (ERGO-Code/HiGHS#1331, #1477)
        limit = self.h.getRunTime() + max(0.01, float(seconds))
        self.h.setOptionValue("time_limit", limit)
        # solve() runs HiGHS in a fresh Python thread, as solve_model does: HiGHS keeps one
        # thread pool per OS thread, fixed at its first run, so a run on this thread after
        # one with another thread count would fail ("Not Set"). It also hears Ctrl-C.
        self.h.HandleKeyboardInterrupt = True
        self.h.solve()
        status = self.h.getModelStatus()
        if status in (
            highspy.HighsModelStatus.kInterrupt,
            highspy.HighsModelStatus.kHighsInterrupt,
        ):
            raise KeyboardInterrupt
        if status != highspy.HighsModelStatus.kOptimal:
            return None
        return float(self.h.getInfo().objective_function_value)

    def x(self) -> np.ndarray:
        """Column values of the last solve."""
        return np.asarray(self.h.getSolution().col_value, dtype=float)


def _start_heuristic(hub: HubModel, arr, opts: SolveOptions, progress=None):
    """Run :mod:`hubopt.heuristics` on the model: return ``(stats, column values or None)``.

    ``progress`` (as for :func:`solve_model`) hears of every better plan, with the LP bound.
    """
    t0 = time.perf_counter()
    limit = opts.time_limit_s
    budget = HEURISTIC_SECONDS if limit is None else HEURISTIC_SHARE * limit
    deadline = t0 + budget
    st = heuristics.HeuristicStats()
    fam = np.array([v.parent_component().local_name for v in arr.columns])
    open_cols = np.flatnonzero(fam == "open")
    if np.any(arr.integrality.astype(bool) & (fam != "open")):
        st.reason = "the model has integer columns besides open (single sourcing, grants)"
        return st, None
    opt = np.array([arr.columns[i].index() for i in open_cols], dtype=int)
    session = _LpSession(arr, opts, open_cols, opt)
    st.lp_bound = session.solve(None, budget)
    st.lp_seconds = time.perf_counter() - t0
    if st.lp_bound is None:
        st.reason, st.seconds = "the LP relaxation was not solved to optimality", st.lp_seconds
        return st, None
    x = session.x()
    prod, o = hub.production, hub.options
    make = np.zeros(len(prod))
    mk = np.flatnonzero(fam == "make")
    make[[arr.columns[i].index() for i in mk]] = x[mk]
    lower = np.zeros(len(o))
    lower[opt] = arr.col_lower[open_cols]
    group = o["group"].to_numpy()
    t = heuristics.OptionTable(
        group, o["technology"].to_numpy(), o["capacity"].to_numpy(float),
        o["fixed_cost"].to_numpy(float), lower, prod["forced"].to_numpy(bool),
    )  # fmt: skip
    plan = heuristics.round_up(t, make[group])
    support = make[group] > 1e-6

    def evaluate(values: np.ndarray) -> float | None:
        return session.solve(values, deadline - time.perf_counter())

    def improved(obj: float) -> None:
        if progress is not None:
            progress({"objective": obj, "bound": st.lp_bound, "gap": _gap(obj, st.lp_bound),
                      "seconds": time.perf_counter() - t0})  # fmt: skip

    plan, obj = heuristics.local_search(t, plan, evaluate, support, deadline, st, improved)
    x_best = None
    if obj is not None:  # the best plan's columns (the last LP solved was another move)
        final = session.solve(plan, max(5.0, deadline - time.perf_counter()))
        if final is not None:
            x_best, st.objective = session.x(), final
    st.applied, st.seconds = x_best is not None, time.perf_counter() - t0
    return st, x_best


def solve_lp_fixed(
    hub: HubModel,
    open_values: np.ndarray | None = None,
    *,
    threads: int = 1,
    load: bool = False,
    relax: tuple[str, ...] = (),
) -> LpSolution:
    """Solve the LP (no integrality) of a built model with ``open`` fixed; read row duals.

    ``open_values``: 0/1 per ``open[k]`` (``None``: the plain LP relaxation); ``load``:
    write the solution into the Pyomo variables; ``relax``: families whose rows are left
    out (bounds ±inf, duals 0), e.g. ``("link",)``. The model must be unchanged.
    """
    arr, path = standard_form(hub)
    lower, upper = arr.col_lower.copy(), arr.col_upper.copy()
    if open_values is not None:
        idx = [i for i, v in enumerate(arr.columns) if v.parent_component().local_name == "open"]
        val = np.round(np.asarray(open_values, float)[[arr.columns[i].index() for i in idx]])
        lower[idx], upper[idx] = val, val
    names = [r.parent_component().local_name for r in arr.rows]
    off = np.isin(names, list(relax))
    row_lower, row_upper = arr.row_lower.copy(), arr.row_upper.copy()
    row_lower[off], row_upper[off] = -np.inf, np.inf
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", int(threads))
    _pass_arrays(h, arr, lower, upper, row_lower, row_upper)
    t = time.perf_counter()
    h.HandleKeyboardInterrupt = True  # a fresh thread: see _LpSession.solve
    h.solve()
    seconds, sol = time.perf_counter() - t, h.getSolution()
    ok, duals = h.getModelStatus() == highspy.HighsModelStatus.kOptimal, {}
    if ok:
        duals = duals_by_family(arr.rows, np.asarray(sol.row_dual, dtype=float))
        if load:
            with paused_gc():
                load_values(hub, arr, path, np.asarray(sol.col_value, dtype=float))
    return LpSolution(ok, float(h.getInfo().objective_function_value), duals, seconds)
