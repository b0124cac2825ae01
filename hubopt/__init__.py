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

The public names are imported on first use (module ``__getattr__``), so that
``import hubopt`` and the command line start without loading Pyomo, HiGHS, geopandas,
matplotlib or Dask:

>>> import hubopt
>>> hubopt.Scenario.__name__
'Scenario'
>>> "HubData" in hubopt.__all__
True
"""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

try:
    __version__ = version("hubopt")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"

_LAZY: dict[str, str] = {
    "HubData": "hubopt.inputs.load",
    "HubDataError": "hubopt.errors",
    "HubModel": "hubopt.model.build",
    "Issue": "hubopt.errors",
    "Plan": "hubopt.plan",
    "RunOutcome": "hubopt.pipeline",
    "Scenario": "hubopt.inputs.scenario",
    "SolutionStatus": "hubopt.solve",
    "SolveOptions": "hubopt.inputs.scenario",
    "SolveResult": "hubopt.solve",
    "Termination": "hubopt.solve",
    "build_lanes": "hubopt.lanes",
    "build_model": "hubopt.model.build",
    "extract_plan": "hubopt.plan",
    "load_data": "hubopt.inputs.load",
    "load_scenario": "hubopt.inputs.scenario",
    "run": "hubopt.pipeline",
    "solve_model": "hubopt.solve",
    "write_outputs": "hubopt.outputs.tables",
}
"""Public name -> module that defines it."""

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

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from hubopt.errors import HubDataError, Issue
    from hubopt.inputs.load import HubData, load_data
    from hubopt.inputs.scenario import Scenario, SolveOptions, load_scenario
    from hubopt.lanes import build_lanes
    from hubopt.model.build import HubModel, build_model
    from hubopt.outputs.tables import write_outputs
    from hubopt.pipeline import RunOutcome, run
    from hubopt.plan import Plan, extract_plan
    from hubopt.solve import SolutionStatus, SolveResult, Termination, solve_model


def __getattr__(name: str) -> object:
    """Import a public name from its module on first use (PEP 562)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'hubopt' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
