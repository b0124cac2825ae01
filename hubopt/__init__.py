"""hubopt: where should the United States build regional battery hubs.

The pipeline, each stage callable on its own::

    scenario = load_scenario("models/baseline.toml")
    data = load_data(scenario.data_dir)          # load + validate
    lanes = build_lanes(data)                    # network
    hub = build_model(data, lanes, scenario)     # Pyomo model
    result = solve_model(hub)                    # HiGHS
    plan = extract_plan(hub)                     # tables
    write_outputs(out_dir, outcome)              # files

or all at once with :func:`run`.
"""

from importlib.metadata import PackageNotFoundError, version

from hubopt.errors import HubDataError, Issue
from hubopt.inputs.load import HubData, load_data
from hubopt.inputs.scenario import Scenario, SolveOptions, load_scenario
from hubopt.lanes import build_lanes
from hubopt.model.build import HubModel, build_model
from hubopt.outputs.tables import write_outputs
from hubopt.pipeline import RunOutcome, run
from hubopt.plan import Plan, extract_plan
from hubopt.solve import SolutionStatus, SolveResult, Termination, solve_model

try:
    __version__ = version("hubopt")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"

__all__ = [
    "HubData",
    "HubDataError",
    "HubModel",
    "Issue",
    "Plan",
    "RunOutcome",
    "Scenario",
    "SolutionStatus",
    "SolveOptions",
    "SolveResult",
    "Termination",
    "__version__",
    "build_lanes",
    "build_model",
    "extract_plan",
    "load_data",
    "load_scenario",
    "run",
    "solve_model",
    "write_outputs",
]
