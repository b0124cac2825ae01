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
* Each scenario lands in its own result folder,
  ``<out_dir>/<name>__carbon_price=50__max_hubs=3/``, written by
  :func:`hubopt.write_outputs` on the worker and copied to the client as bytes, so the
  workers need not share the client's file system.
* A scenario that fails (an exception on the worker, or a worker that dies) is reported
  in ``sweep.csv`` with its message; the others carry on.
* At the end the plans are compared (:func:`hubopt.studies.compare.compare`): the comparison
  table and site robustness are written to ``<out_dir>/compare/``.

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

import contextlib
import itertools
import math
import os
import tempfile
import time
import traceback
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
from distributed.diagnostics.plugin import WorkerPlugin

from hubopt.errors import HubDataError, Issue, raise_if_errors
from hubopt.inputs.fields import (
    ScenarioField,
    field_named,
    parse_text,
    scenario_mapping,
    vary_fields,
)
from hubopt.inputs.load import HubData, load_data
from hubopt.inputs.scenario import Scenario, scenario_from_dict
from hubopt.outputs.jsonio import write_json

__all__ = [
    "SWEEP_KEYS",
    "HighsThreads",
    "SweepResult",
    "parse_vary",
    "scale_demand",
    "sweep",
    "sweep_points",
]

SWEEP_KEYS: dict[str, str] = {
    **{f.name: f.section for f in vary_fields()},
    "demand_scale": "sweep",
}
"""Keys that can be varied, and their section of the scenario file (``sweep``: sweep only).

Built from :data:`hubopt.inputs.fields.SCENARIO_FIELDS` (rows with ``vary=True``)."""

_OPTIONAL = {f.name for f in vary_fields() if f.optional}


@dataclass(frozen=True)
class SweepResult:
    """What a sweep produced.

    Attributes
    ----------
    folder : Path
        The sweep folder (``sweep.csv``, one result folder per scenario, ``compare/``).
    table : DataFrame
        One row per scenario: ``scenario``, ``folder``, the varied keys, ``status``,
        ``solution_status``, ``objective``, ``mip_gap``, ``total_cost``,
        ``emissions_t``, ``hubs_open``, ``seconds``, ``error`` (also ``sweep.csv``).
    comparison : object or None
        The :class:`hubopt.studies.compare.Comparison` of the plans, if it could be made.
    compare_folder : Path or None
        Where the comparison was written.
    """

    folder: Path
    table: pd.DataFrame
    comparison: Any = None
    compare_folder: Path | None = None
    messages: list[str] = field(default_factory=list)

    @property
    def failed(self) -> pd.DataFrame:
        """Scenarios that raised an error (no result folder)."""
        return self.table[self.table["status"] == "error"]


# --------------------------------------------------------------------------- the grid


def _raw(sc: Scenario) -> dict:
    """Return the scenario as a parsed-TOML mapping (for :func:`scenario_from_dict`)."""
    return scenario_mapping(sc)


def _apply(raw: dict, key: str, value: Any) -> dict:
    """Return a copy of ``raw`` with ``key`` set (``None`` removes it)."""
    out = {k: dict(v) if isinstance(v, dict) else v for k, v in raw.items()}
    section = SWEEP_KEYS[key]
    target = out if section == "" else out.setdefault(section, {})
    if value is None:
        target.pop(key, None)
    else:
        target[key] = value
    return out


def _parse_value(key: str, text: str) -> Any:
    """Read one value as TOML does (``50`` int, ``0.5`` float, ``true`` bool, text)."""
    if key in SWEEP_KEYS and key != "demand_scale":
        return parse_text(field_named(key), text)
    return parse_text(_NUMBER, text)


_NUMBER = ScenarioField("demand_scale", "sweep", float, 1.0, "", "")


def _fmt(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value)) if "e" not in repr(value) else repr(value)
    if isinstance(value, str):
        return Path(value).name or value
    return str(value)


def _check(base: Scenario, key: str, values: Sequence[Any], where: str) -> list[Issue]:
    """Check every value of ``key`` with the scenario-file rules."""
    issues: list[Issue] = []
    if key not in SWEEP_KEYS:
        hint = "; threads are set once per worker: use --threads" if key == "threads" else ""
        return [
            Issue(
                "check_sweep_key",
                f"'{key}' cannot be varied{hint}; allowed: {', '.join(SWEEP_KEYS)}",
                where,
                None,
                key,
            )
        ]
    if not values:
        return [Issue("check_sweep_value", f"no values given for '{key}'", where, None, key)]
    base_raw = _raw(base)
    for v in values:
        if v is None and key not in _OPTIONAL | {"data"}:
            msg = f"{key}=none is not allowed: '{key}' always has a value"
            issues.append(Issue("check_sweep_value", msg, where, None, key))
        elif key == "demand_scale":
            ok = isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
            if not (ok and v > 0):
                msg = f"demand_scale {v!r} is not valid: expected a number > 0"
                issues.append(Issue("check_sweep_value", msg, where, None, key))
        elif key == "data":
            if v is None or not Path(str(v)).expanduser().is_dir():
                msg = f"data package '{v}' is not a folder"
                issues.append(Issue("check_sweep_value", msg, where, None, key))
        else:
            try:
                scenario_from_dict(_apply(base_raw, key, v), Path.cwd(), where)
            except HubDataError as exc:
                for i in exc.issues:
                    issues.append(
                        Issue("check_sweep_value", f"{key}={v!r}: {i.message}", where, None, key)
                    )
    return issues


def parse_vary(items: Sequence[str], base: Scenario) -> dict[str, list]:
    """Parse ``--vary KEY=V1,V2,...`` options into ``{key: [values]}``.

    Parameters
    ----------
    items : sequence of str
        Each ``KEY=V1,V2,...``. A key may appear once.
    base : Scenario
        The scenario being varied (values are checked against it).

    Returns
    -------
    dict
        Keys in the order given, values typed as in a TOML file (``none`` = unset).

    Raises
    ------
    HubDataError
        Listing every malformed option, unknown key and invalid value.
    """
    issues: list[Issue] = []
    out: dict[str, list] = {}
    for item in items:
        key, sep, rest = item.partition("=")
        key = key.strip()
        if not sep or not key:
            msg = f"'{item}' is not KEY=V1,V2,... (for example carbon_price=0,50,100)"
            issues.append(Issue("check_sweep_syntax", msg, "--vary"))
            continue
        if key in out:
            msg = f"'{key}' is given twice: list all its values in one --vary"
            issues.append(Issue("check_sweep_syntax", msg, "--vary", None, key))
            continue
        values = [_parse_value(key, v) for v in rest.split(",")] if rest.strip() else []
        found = _check(base, key, values, "--vary")
        issues += found
        if not found:
            out[key] = values
    if not items:
        issues.append(
            Issue("check_sweep_syntax", "give at least one --vary KEY=V1,V2,...", "--vary")
        )
    raise_if_errors(issues)
    return out


def sweep_points(base: Scenario, vary: Mapping[str, Sequence[Any]]) -> list[dict]:
    """Return the grid: one dict per scenario (``name``, ``values``, ``scenario``, ...).

    The grid is the Cartesian product of the values, the first key varying slowest. Each
    scenario is named ``<base name>__key=value__...`` (also its folder name).

    Raises
    ------
    HubDataError
        For an unknown key or an invalid value.
    """
    issues: list[Issue] = []
    for key, values in vary.items():
        issues += _check(base, key, list(values), "sweep")
    raise_if_errors(issues)
    base_raw = _raw(base)
    points = []
    seen: dict[str, int] = {}
    keys = list(vary)
    for combo in itertools.product(*(list(vary[k]) for k in keys)):
        values = dict(zip(keys, combo, strict=True))
        raw = base_raw
        for k, v in values.items():
            if k != "demand_scale":
                raw = _apply(raw, k, v)
        sc = scenario_from_dict(raw, Path.cwd(), "sweep")
        name = "__".join([base.name, *(f"{k}={_fmt(v)}" for k, v in values.items())])
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1:  # e.g. two data packages in folders of the same name
            name = f"{name}-{seen[name]}"
        tag = ", ".join(f"{k}={_fmt(v)}" for k, v in values.items())
        desc = f"{base.description} [sweep: {tag}]".strip()
        sc = replace(sc, name=name, description=desc, source=None)
        points.append(
            {
                "name": name,
                "values": values,
                "scenario": sc,
                "demand_scale": values.get("demand_scale"),
            }
        )
    return points


def scale_demand(data: HubData, factor: float) -> HubData:
    """Return the package with every demand ``quantity`` multiplied by ``factor``.

    Unmet-demand penalties, supply and capacities are unchanged. ``factor`` must be a
    finite number > 0.
    """
    if not (math.isfinite(factor) and factor > 0):
        raise ValueError(f"demand_scale must be a number > 0, not {factor!r}")
    demand = data.demand.assign(quantity=data.demand["quantity"] * float(factor))
    return replace(data, demand=demand)


# --------------------------------------------------------------------------- workers


def init_highs_threads(threads: int) -> int:
    """Start HiGHS's thread pool in this process with ``threads`` threads.

    HiGHS creates one pool per process, at its first solve, and keeps it: later solves
    asking for another count would not get it. A tiny LP solved here fixes the count
    before any scenario runs. Returns ``threads``.
    """
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", int(threads))
    h.addVar(0.0, 1.0)
    h.run()
    return int(threads)


class HighsThreads(WorkerPlugin):
    """Dask worker plugin: set HiGHS's threads once, when the worker starts.

    Parameters
    ----------
    threads : int
        HiGHS threads of every scenario solved by the worker.
    """

    name = "hubopt-highs-threads"
    idempotent = True

    def __init__(self, threads: int):
        self.threads = int(threads)

    def setup(self, worker) -> None:
        """Start HiGHS's thread pool in the worker process."""
        init_highs_threads(self.threads)


def solve_point(
    point: dict, data: HubData | None, formats: Sequence[str], crs: str
) -> dict[str, Any]:
    """Solve one grid point on a worker; never raises.

    Parameters
    ----------
    point : dict
        From :func:`sweep_points`.
    data : HubData or None
        The loaded package (``None``: load ``point["scenario"].data_dir`` here).
    formats, crs
        Passed to :func:`hubopt.write_outputs`.

    Returns
    -------
    dict
        ``status``, ``solution_status``, figures, ``seconds``, ``files`` (relative path
        → bytes of the result folder) or, on failure, ``status="error"`` and ``error``.
    """
    from hubopt.outputs.tables import write_outputs
    from hubopt.pipeline import run

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
            total_cost=s.get("total_cost"),
            emissions_t=s.get("emissions_t"),
            hubs_open=s.get("hubs_open"),
            message=r.message,
        )
        with tempfile.TemporaryDirectory(prefix="hubopt-sweep-") as tmp:
            folder = write_outputs(Path(tmp) / point["name"], outcome, formats=formats, crs=crs)
            out["files"] = {
                p.relative_to(folder).as_posix(): p.read_bytes()
                for p in sorted(folder.rglob("*"))
                if p.is_file()
            }
    except Exception as exc:  # noqa: BLE001 - one scenario's failure is reported, not fatal
        out.update(status="error", solution_status="none", error=_error_text(exc))
        out["traceback"] = traceback.format_exc()
    out["seconds"] = time.perf_counter() - t0
    return out


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, HubDataError):
        lines = [
            f"{i.file}{f':{i.row}' if i.row else ''}{f' [{i.column}]' if i.column else ''}: "
            f"{i.message}"
            for i in exc.issues[:5]
        ]
        more = f" (+{len(exc.issues) - 5} more)" if len(exc.issues) > 5 else ""
        return "invalid data: " + "; ".join(lines) + more
    return f"{type(exc).__name__}: {exc}"


# --------------------------------------------------------------------------- the sweep


def _write_files(target: Path, files: dict[str, bytes], extra: dict) -> None:
    from hubopt.outputs.folder import atomic_folder

    def writer(folder: Path) -> None:
        for rel, content in files.items():
            p = folder / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(content)
        write_json(folder / "sweep.json", extra, indent=1)

    atomic_folder(target, writer, force=True, kind="solve")


def _write_table(folder: Path, points: list[dict], rows: dict[str, dict]) -> pd.DataFrame:
    """Write ``sweep.csv`` (grid order, scenarios done so far) and return the table."""
    from hubopt.outputs.tables import safe_for_spreadsheet

    table = pd.DataFrame([rows[p["name"]] for p in points if p["name"] in rows])
    tmp = folder / ".sweep.csv.tmp"
    safe_for_spreadsheet(table).to_csv(tmp, index=False, float_format="%.10g")
    os.replace(tmp, folder / "sweep.csv")
    return table


_COLUMNS = [
    "status",
    "solution_status",
    "objective",
    "mip_gap",
    "total_cost",
    "emissions_t",
    "hubs_open",
    "seconds",
    "error",
]


def _row(point: dict, res: dict, folder: Path | None) -> dict:
    row = {"scenario": point["name"], "folder": folder.name if folder else ""}
    row.update({k: _fmt(v) if k == "data" else v for k, v in point["values"].items()})
    row.update({c: res.get(c) for c in _COLUMNS})
    row["error"] = res.get("error", "")
    return row


def sweep(
    scenario: Scenario,
    vary: Mapping[str, Sequence[Any]],
    out_dir: str | Path | None = None,
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    threads_per_worker: int = 1,
    formats: str | Sequence[str] = ("csv",),
    crs: str = "EPSG:4326",
    force: bool = False,
    client: Any = None,
    show_progress: bool = True,
    compare_results: bool = True,
    money_unit: str = "k$",
    on_result: Callable[[dict], None] | None = None,
) -> SweepResult:
    """Solve every combination of ``vary`` on a Dask cluster.

    Parameters
    ----------
    scenario : Scenario
        The base scenario.
    vary : mapping of str to sequence
        Values per key (see the module docstring); typed values, ``None`` = unset.
    out_dir : str or Path, optional
        Sweep folder; default ``results/<name>-sweep``. An existing folder is kept and
        the next free ``-2``, ``-3`` ... is used, unless ``force``.
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://host:8786``); default a local
        cluster on 127.0.0.1 (no dashboard) that is closed at the end.
    workers : int, optional
        Worker processes of the local cluster (default: cores, at most one per
        scenario). Ignored with ``scheduler`` or ``client``.
    threads_per_worker : int, default 1
        HiGHS threads of every scenario, set once per worker process.
    formats : str or sequence of str, default ("csv",)
        Outputs of each scenario (see :func:`hubopt.write_outputs`).
    crs : str
        CRS of GIS layers.
    force : bool
        Replace an existing sweep folder.
    client : distributed.Client, optional
        Use this client (its cluster is left running).
    show_progress : bool, default True
        Show a progress bar (scenarios done / total, failures) on stderr.
    compare_results : bool, default True
        Compare the plans at the end (``compare/`` and :attr:`SweepResult.comparison`).
    money_unit : str, default "k$"
        Currency unit of the data, for the comparison report.
    on_result : callable, optional
        Called with each scenario's row of the table as it finishes.

    Returns
    -------
    SweepResult

    Raises
    ------
    HubDataError
        For an unknown key, an invalid value, or an invalid base data package (nothing
        is run then).
    """
    from distributed import Client, LocalCluster, as_completed

    from hubopt.outputs.folder import check_target, claim_folder
    from hubopt.outputs.gis import parse_formats

    chosen = sorted(parse_formats(formats))
    points = sweep_points(scenario, vary)
    if threads_per_worker < 1:
        raise_if_errors(
            [Issue("check_sweep_value", "threads per worker must be at least 1", "sweep")]
        )
    points = [
        {**p, "scenario": p["scenario"].with_options(threads=threads_per_worker)} for p in points
    ]
    shared = None if "data" in vary else load_data(scenario.data_dir)
    folder = Path(out_dir) if out_dir is not None else Path("results") / f"{scenario.name}-sweep"
    check_target(folder, force=force, protect=(scenario.data_dir, scenario.source))
    folder = claim_folder(folder, force=force, kind="sweep")

    own_cluster = None
    if client is None:
        if scheduler:
            client = Client(scheduler)
        else:
            import logging

            n = workers or min(len(points), os.cpu_count() or 1)
            own_cluster = LocalCluster(
                n_workers=max(1, n),
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
            client = Client(own_cluster)
    rows: dict[str, dict] = {}
    futures: dict = {}
    try:
        client.register_plugin(HighsThreads(threads_per_worker))
        data_ref = client.scatter(shared, broadcast=True) if shared is not None else None
        token = uuid.uuid4().hex[:8]
        futures = {
            client.submit(solve_point, p, data_ref, chosen, crs, key=f"hubopt-sweep-{token}-{i}"): p
            for i, p in enumerate(points)
        }
        with _progress(len(points), show_progress) as advance:
            for fut in as_completed(futures):
                point = futures[fut]
                try:
                    res = fut.result()
                except Exception as exc:  # noqa: BLE001 - a dead worker fails one scenario
                    res = {"status": "error", "solution_status": "none", "error": _error_text(exc)}
                target = None
                if res.get("files"):
                    target = folder / point["name"]
                    extra = {
                        "base_scenario": str(scenario.source) if scenario.source else None,
                        "base_name": scenario.name,
                        "vary": {
                            k: _fmt(v) if k == "data" else v for k, v in point["values"].items()
                        },
                        "data_dir": str(point["scenario"].data_dir),
                        "demand_scale": point.get("demand_scale"),
                        "threads_per_worker": threads_per_worker,
                    }
                    _write_files(target, res["files"], extra)
                row = _row(point, res, target)
                rows[point["name"]] = row
                _write_table(folder, points, rows)  # kept current: an interrupted sweep has it
                advance(row)
                if on_result is not None:
                    on_result(row)
    except BaseException:
        with contextlib.suppress(Exception):
            client.cancel(list(futures))
        raise
    finally:
        if own_cluster is not None:
            client.close()
            own_cluster.close()
        elif scheduler and client is not None:
            client.close()
    table = _write_table(folder, points, rows)
    comparison, compare_folder, messages = None, None, []
    done = [folder / r["folder"] for r in table.to_dict("records") if r["folder"]]
    if compare_results and done:
        comparison, compare_folder, messages = _compare(done, folder, money_unit)
    return SweepResult(folder, table, comparison, compare_folder, messages)


def _compare(folders: list[Path], sweep_folder: Path, money_unit: str):
    """Compare the plans with :mod:`hubopt.studies.compare`; a problem there is only reported."""
    try:
        from hubopt.studies.compare import compare, write_comparison

        comp = compare(folders)
        title = f"hubopt sweep: {sweep_folder.name}"
        where = write_comparison(
            comp, sweep_folder / "compare", force=True, money_unit=money_unit, title=title
        )
        return comp, where, []
    except Exception as exc:  # noqa: BLE001 - the plans are written; the comparison is extra
        return None, None, [f"comparison failed: {type(exc).__name__}: {exc}"]


class _progress:
    """A rich progress bar of scenarios done (and failed), on stderr."""

    def __init__(self, total: int, show: bool):
        self.total, self.show = total, show
        self.failed = 0

    def __enter__(self) -> Callable[[dict], None]:
        if not self.show:
            return lambda _row: None
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self.bar = Progress(
            TextColumn("[bold]sweep[/bold]"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("scenarios · {task.fields[failed]} failed"),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self.bar.__enter__()
        self.task = self.bar.add_task("sweep", total=self.total, failed=0)

        def advance(row: dict) -> None:
            if row["status"] == "error":
                self.failed += 1
            self.bar.update(self.task, advance=1, failed=self.failed)

        return advance

    def __exit__(self, *exc) -> None:
        if self.show:
            self.bar.__exit__(*exc)
