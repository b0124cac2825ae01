"""What a solve returns: why the solver stopped, and what solution there is.

Kept apart from :mod:`hubopt.solve` (the only module that talks to HiGHS) so that the result
types can be imported, pickled and checked without the solver.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum

__all__ = ["SolutionStatus", "SolveResult", "Termination"]


class Termination(StrEnum):
    """Why the solver stopped."""

    OPTIMAL = "optimal"
    TIME_LIMIT = "time_limit"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    INTERRUPTED = "interrupted"
    ERROR = "error"


class SolutionStatus(StrEnum):
    """What solution we have, whatever the reason for stopping."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    NONE = "none"


@dataclass(frozen=True)
class SolveResult:
    """Outcome of one solve.

    Attributes
    ----------
    termination : Termination
        Why the solver stopped.
    solution_status : SolutionStatus
        ``optimal`` (proven within the gap), ``feasible`` (an incumbent, not proven) or
        ``none``.
    objective : float or None
        Objective of the solution we have (money per year).
    best_bound : float or None
        Best proven lower bound.
    mip_gap : float or None
        Relative gap ``|objective - bound| / |objective|`` as HiGHS reports it.
    build_seconds, compile_seconds, solve_seconds : float
        Wall time to build the Pyomo model, to compile and pass it to HiGHS, to solve.
    solver, solver_version : str
        ``"HiGHS"`` and its version.
    message : str
        Plain-language explanation (e.g. why a model is infeasible).
    log : str
        HiGHS's log of the run.
    stats : dict
        Model size and coefficient ranges as handed to the solver.
    handoff : str
        How the model reached HiGHS: ``"arrays"`` (the arrays the build assembled) or
        ``"compiler"`` (Pyomo's standard-form compiler, after a change to the model);
        ``""`` when HiGHS was not called. Also ``stats["handoff"]``.
    """

    termination: Termination
    solution_status: SolutionStatus
    objective: float | None
    best_bound: float | None
    mip_gap: float | None
    build_seconds: float
    compile_seconds: float
    solve_seconds: float
    solver: str
    solver_version: str
    message: str = ""
    log: str = ""
    stats: dict | None = None
    handoff: str = ""

    @property
    def has_solution(self) -> bool:
        """Whether a plan (optimal or merely feasible) is available."""
        return self.solution_status is not SolutionStatus.NONE

    def to_dict(self) -> dict:
        """Return a JSON-ready dict (without the log)."""
        d = asdict(self)
        d.pop("log")
        d["termination"] = self.termination.value
        d["solution_status"] = self.solution_status.value
        d["has_solution"] = self.has_solution
        return d
