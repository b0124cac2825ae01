"""Command-line interface: a thin shell over the pipeline functions.

Exit codes: 0 optimal · 2 bad input · 3 feasible plan, optimality not proven (time limit)
· 4 no plan (infeasible, unbounded, or time limit before any plan) · 1 internal error ·
130 interrupted.
"""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from hubopt.cli_options import check_threads, check_time_limit, parse_gap
from hubopt.cli_rank import rank as rank_command
from hubopt.errors import HubDataError, Issue
from hubopt.report.console import Progress, issues_table, summary_table
from hubopt.report.units import money_unit as unit_of

EXIT_OK, EXIT_ERROR, EXIT_BAD_INPUT, EXIT_FEASIBLE, EXIT_NO_SOLUTION = 0, 1, 2, 3, 4
EXIT_INTERRUPTED = 130

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain click help: flags show no value (no "--force <bool>")
    help="Site US battery hubs: a facility-location MILP (Pyomo + HiGHS) with GIS output.",
)
out = Console()
err = Console(stderr=True)
_state = {"debug": False}


@app.callback()
def _main(
    debug: Annotated[bool, typer.Option("--debug", help="Show Python tracebacks.")] = False,
) -> None:
    _state["debug"] = debug


def _print_issues(issues: list[Issue], title: str) -> None:
    err.print(issues_table(issues, title))


# One definition per flag, shared by solve / pareto / sweep.
TimeLimit = Annotated[
    float | None,
    typer.Option(
        "--time-limit", callback=check_time_limit, help="Solver time limit, seconds (≥ 0)."
    ),
]
Gap = Annotated[
    float | None,
    typer.Option(
        "--gap",
        parser=parse_gap,
        metavar="GAP",
        help="Relative MIP gap: 0.5% or 0.005 (a bare number ≥ 0.1 is refused).",
    ),
]
Force = Annotated[
    bool,
    typer.Option(
        "--force", help="Replace an existing folder that hubopt wrote (never your own files)."
    ),
]
MoneyUnit = Annotated[
    str | None,
    typer.Option(
        "--money-unit",
        help="Override the money unit shown (default: the data package's, k$ for the "
        "default data).",
    ),
]


def _solver_overrides(time_limit: float | None, gap: float | None, threads: int | None) -> dict:
    """Return the solver options given on the command line (``None`` = keep the file's)."""
    given = {"time_limit_s": time_limit, "mip_rel_gap": gap, "threads": threads}
    return {k: v for k, v in given.items() if v is not None}


def _exit_code(result) -> int:
    term, sol = result.termination.value, result.solution_status.value
    if term == "interrupted":
        return EXIT_INTERRUPTED
    if sol == "optimal":
        return EXIT_OK
    if sol == "feasible":
        return EXIT_FEASIBLE
    return EXIT_ERROR if term == "error" else EXIT_NO_SOLUTION


def _where(target: Path, folder: Path, force: bool) -> str:
    """Say where results went and, on a second line, why not to ``target`` if they did not."""
    folder_txt, target_txt = escape(str(folder)), escape(str(target))
    if Path(folder).resolve() == Path(target).resolve():
        return f"[bold]{folder_txt}[/bold]"
    why = "" if force else " (use --force to replace a folder hubopt wrote)"
    return f"[bold]{folder_txt}[/bold]\n{target_txt} exists; wrote {folder_txt}{why}"


@app.command()
def solve(
    model: Annotated[Path, typer.Argument(help="Scenario TOML file.")] = Path(
        "models/baseline.toml"
    ),
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Result folder (default results/<name>/).")
    ] = None,
    time_limit: TimeLimit = None,
    gap: Gap = None,
    threads: Annotated[
        int | None, typer.Option("--threads", callback=check_threads, help="HiGHS threads (≥ 1).")
    ] = None,
    force: Force = False,
    solver_log: Annotated[
        bool, typer.Option("--solver-log", help="Print HiGHS's own log while solving.")
    ] = False,
    formats: Annotated[
        str,
        typer.Option("--formats", help="Outputs to write, comma-separated: csv,gpkg,shp,geojson."),
    ] = "csv,gpkg,shp,geojson",
    crs: Annotated[
        str,
        typer.Option("--crs", help="CRS of GeoPackage/Shapefile layers, e.g. EPSG:5070."),
    ] = "EPSG:4326",
) -> None:
    """Solve one scenario and write its plan (tables, summary, manifest, GIS layers)."""
    from hubopt.inputs.scenario import load_scenario
    from hubopt.outputs.folder import check_target
    from hubopt.outputs.gis import check_crs, parse_formats
    from hubopt.outputs.tables import write_outputs
    from hubopt.pipeline import run

    chosen = parse_formats(formats)  # bad --formats / --crs: exit 2 before solving
    check_crs(crs)
    scenario = load_scenario(model)
    changes = _solver_overrides(time_limit, gap, threads)
    if solver_log:
        changes["log_to_console"] = True
    scenario = scenario.with_options(**changes)
    target = out_dir or Path("results") / scenario.name
    check_target(target, force=force, protect=(scenario.data_dir, scenario.source))
    try:
        with Progress(err, scenario.name) as show:
            outcome = run(
                scenario,
                stage=show.stage,
                progress=show.progress,
                warn=lambda w: err.print(f"[yellow]warning[/yellow] {escape(w)}"),
            )
            # a Ctrl-C / SIGTERM the solver swallowed (highspy cancels HiGHS, which may
            # still finish) is honoured here: the user asked to stop, nothing is written
            if outcome.result.termination.value == "interrupted" or _STOP.is_set():
                raise KeyboardInterrupt
            show.stage("writing outputs")
            folder = write_outputs(target, outcome, force=force, formats=chosen, crs=crs)
    except KeyboardInterrupt:
        err.print("[red]interrupted: no results written[/red]")
        raise typer.Exit(EXIT_INTERRUPTED) from None
    for w in outcome.data.warnings:
        err.print(f"[yellow]warning[/yellow] {escape(str(w))}")
    out.print(summary_table(outcome, unit_of(outcome.data)))
    r = outcome.result
    if r.termination.value != "optimal":
        err.print(f"[yellow]{escape(r.message)}[/yellow]")
    if outcome.diagnosis is not None and len(outcome.diagnosis.findings):
        err.print("[bold]Why no plan exists[/bold] (smallest change that would make it feasible):")
        for line in outcome.diagnosis.messages():
            err.print(f"  • {escape(line)}")
    out.print(f"results written to {_where(target, folder, force)}")
    raise typer.Exit(_exit_code(r))


@app.command()
def validate(
    path: Annotated[Path, typer.Argument(help="Data package folder, or a scenario TOML.")],
    csv: Annotated[
        Path | None, typer.Option("--csv", help="Also write every problem to this CSV.")
    ] = None,
) -> None:
    """Check a data package (or a scenario and its package) without solving."""
    from hubopt.inputs.load import read_package
    from hubopt.inputs.scenario import load_scenario
    from hubopt.inputs.validate import validate_tables
    from hubopt.inputs.validate_scenario import scenario_issues

    issues: list[Issue] = []
    data_dir = path
    tables: dict = {}
    scenario = None
    if path.suffix.lower() == ".toml":
        try:
            scenario = load_scenario(path)
            data_dir = scenario.data_dir
        except HubDataError as exc:
            issues += exc.issues
            data_dir = None
    if data_dir is not None:
        tables, found = read_package(data_dir)
        issues += found
        if not any(t is None for t in tables.values() if t is not None) and not [
            i for i in found if i.check in ("check_package_folder",)
        ]:
            issues += validate_tables(tables)
            if scenario is not None:
                issues += scenario_issues(scenario, tables)
    if csv is not None:
        _issues_csv(issues, csv)
    errors = [i for i in issues if i.severity == "error"]
    if issues:
        _print_issues(issues, f"{len(errors)} error(s), {len(issues) - len(errors)} warning(s)")
    if errors:
        raise typer.Exit(EXIT_BAD_INPUT)
    out.print(f"[green]{escape(str(path))}: OK[/green] — {escape(_checked(data_dir, tables))}")


def _checked(data_dir: Path | None, tables: dict) -> str:
    """Describe what ``validate`` read: files, rows, sites, options."""
    present = {k: t for k, t in tables.items() if t is not None}
    rows = sum(len(t) for t in present.values())
    sites = len(present["sites"]) if "sites" in present else 0
    opts = len(present["candidates"]) if "candidates" in present else 0
    names = ", ".join(f"{k}.csv ({len(t):,})" for k, t in present.items())
    return (
        f"checked {len(present)} files in {data_dir}, {rows:,} rows, {sites:,} sites, "
        f"{opts:,} options: {names}"
    )


def _issues_csv(issues: list[Issue], path: Path) -> None:
    import csv as _csv

    with path.open("w", newline="", encoding="utf-8") as fh:
        w = _csv.writer(fh)
        w.writerow(["severity", "file", "line", "column", "check", "message"])
        for i in issues:
            row = [i.severity, i.file, "" if i.row is None else i.row, i.column or "", i.check]
            w.writerow([*row, i.message])


@app.command()
def compare(
    results: Annotated[
        list[Path], typer.Argument(help="Result folders (or folders holding result folders).")
    ],
    baseline: Annotated[
        str | None, typer.Option("--baseline", help="Plan (folder name) to compare against.")
    ] = None,
    out_dir: Annotated[
        Path, typer.Option("--out", help="Output folder for CSVs and report.html.")
    ] = Path("results/compare"),
    within_km: Annotated[
        float, typer.Option("--within-km", help="Distance for 'demand served within N km'.")
    ] = 500.0,
    allow_mixed: Annotated[
        bool,
        typer.Option("--allow-mixed", help="Compare plans made from different data packages."),
    ] = False,
    money_unit: MoneyUnit = None,
    force: Force = False,
) -> None:
    """Compare plans side by side: key figures, deltas, site robustness, HTML report."""
    from hubopt.outputs.studies import write_comparison
    from hubopt.report.text import rich_robustness, rich_table
    from hubopt.studies.compare import compare as compare_results

    comp = compare_results(results, baseline=baseline, within_km=within_km, allow_mixed=allow_mixed)
    unit = unit_of(None, money_unit, next(iter(comp.plans.values()))[0])
    with Progress(err, "compare") as show:
        show.stage("writing the comparison and report.html")
        folder = write_comparison(comp, out_dir, force=force, money_unit=unit)
    out.print(rich_table(comp, unit))
    out.print(rich_robustness(comp))
    out.print(f"comparison written to {_where(out_dir, folder, force)}")


@app.command()
def pareto(
    model: Annotated[Path, typer.Argument(help="Scenario TOML file.")],
    points: Annotated[
        int, typer.Option("--points", min=2, help="Points on the frontier, end points included.")
    ] = 5,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Output folder (default results/<name>-pareto/).")
    ] = None,
    time_limit: TimeLimit = None,
    gap: Gap = None,
    threads: Annotated[
        int | None, typer.Option("--threads", callback=check_threads, help="HiGHS threads (≥ 1).")
    ] = None,
    money_unit: MoneyUnit = None,
    force: Force = False,
) -> None:
    """Compute the cost–CO2 frontier (ε-constraint); every point is a full plan."""
    from hubopt.inputs.load import load_data
    from hubopt.inputs.scenario import load_scenario
    from hubopt.outputs.folder import check_target
    from hubopt.outputs.studies import write_frontier
    from hubopt.report.console import frontier_table
    from hubopt.studies.pareto import pareto as run_pareto

    scenario = load_scenario(model).with_options(**_solver_overrides(time_limit, gap, threads))
    target = out_dir or Path("results") / f"{scenario.name}-pareto"
    check_target(target, force=force, protect=(scenario.data_dir, scenario.source))
    with Progress(err, f"{scenario.name} frontier") as show:
        show.stage(f"loading and checking {scenario.data_dir}")
        data = load_data(scenario.data_dir)
        unit = unit_of(data, money_unit)
        fr = run_pareto(scenario, points, data=data, on_progress=show.stage)
        show.stage("writing outputs")
        folder = write_frontier(fr, target, force=force, money_unit=unit)
    out.print(frontier_table(fr, unit))
    for note in fr.info.get("notes", []):
        err.print(f"[yellow]{escape(note)}[/yellow]")
    out.print(f"frontier written to {_where(target, folder, force)}")
    if not fr.table["solution_status"].ne("none").any():
        raise typer.Exit(EXIT_NO_SOLUTION)
    raise typer.Exit(EXIT_OK if fr.complete else EXIT_FEASIBLE)


@app.command()
def sweep(
    model: Annotated[Path, typer.Argument(help="Scenario TOML file.")],
    vary: Annotated[
        list[str],
        typer.Option(
            "--vary",
            help="KEY=V1,V2,... (repeat for a grid), e.g. carbon_price=0,0.05,0.1 — money per "
            "t CO2 in the data package's money unit (k$ for the default data, so 0.05 = "
            "$50/t).",
        ),
    ],
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Address of a running Dask scheduler (tcp://host:8786)."),
    ] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", min=1, help="Local worker processes.")
    ] = None,
    threads: Annotated[int, typer.Option("--threads", min=1, help="HiGHS threads per worker.")] = 1,
    time_limit: TimeLimit = None,
    gap: Gap = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Sweep folder (default results/<name>-sweep/).")
    ] = None,
    formats: Annotated[
        str, typer.Option("--formats", help="Outputs per scenario: csv,gpkg,shp,geojson.")
    ] = "csv",
    money_unit: MoneyUnit = None,
    force: Force = False,
) -> None:
    """Solve a grid of scenarios on Dask (local cluster, or --scheduler) and compare them."""
    from hubopt.errors import raise_if_errors
    from hubopt.inputs.load import load_data
    from hubopt.inputs.scenario import load_scenario
    from hubopt.inputs.schema import FILES
    from hubopt.inputs.validate_scenario import scenario_issues
    from hubopt.outputs.gis import parse_formats
    from hubopt.outputs.studies import SweepWriter
    from hubopt.report.console import sweep_table
    from hubopt.report.text import rich_robustness, rich_table
    from hubopt.studies.sweep import parse_vary, sweep_points
    from hubopt.studies.sweep import sweep as run_sweep

    chosen = parse_formats(formats)
    scenario = load_scenario(model).with_options(**_solver_overrides(time_limit, gap, None))
    grid = parse_vary(vary, scenario)  # bad --vary: exit 2 before any cluster starts
    points = sweep_points(scenario, grid)
    data = None if "data" in grid else load_data(scenario.data_dir)  # exit 2 before claiming
    if data is not None:  # a table naming an unknown technology or product: exit 2 too
        tables = {n: data.table(n) for n in FILES}
        raise_if_errors([i for p in points for i in scenario_issues(p["scenario"], tables)])
    target = out_dir or Path("results") / f"{scenario.name}-sweep"
    writer = SweepWriter.claim(
        target, force=force, base=scenario, points=points, formats=chosen, threads=threads
    )
    unit = unit_of(None, money_unit)
    with Progress(err, "sweep") as show:

        def on_result(row: dict, outcome) -> None:
            writer.add(row, outcome)
            show.result(row, len(points))

        res = run_sweep(
            scenario,
            grid,
            scheduler=scheduler,
            workers=workers,
            threads_per_worker=threads,
            data=data,
            on_result=on_result,
            on_progress=show.stage,
        )
        first = next(iter(res.outcomes.values()), None)
        unit = unit_of(first.data if first is not None else None, money_unit)
        show.stage("writing the comparison")
        writer.finish(res, unit)
    out.print(sweep_table(res, list(grid), unit))
    for r in res.failed.to_dict("records"):
        err.print(f"[red]failed[/red] {escape(r['scenario'])}: {escape(r['error'])}")
    if res.comparison is not None:
        out.print(rich_table(res.comparison, unit))
        out.print(rich_robustness(res.comparison))
    for m in res.messages:
        err.print(f"[yellow]{escape(m)}[/yellow]")
    out.print(f"sweep written to {_where(target, writer.folder, force)}")
    status = res.table["solution_status"]
    if (status == "none").any():
        raise typer.Exit(EXIT_NO_SOLUTION)
    raise typer.Exit(EXIT_OK if (status == "optimal").all() else EXIT_FEASIBLE)


app.command(name="rank")(rank_command)  # in hubopt/cli_rank.py (size)


@app.command(name="version")
def show_version() -> None:
    """Print hubopt, solver and library versions (without importing them)."""
    import platform
    from importlib.metadata import PackageNotFoundError, version

    rows = {"python": platform.python_version()}
    for pkg in ("hubopt", "pyomo", "highspy", "pandas", "numpy"):
        try:
            rows["highs" if pkg == "highspy" else pkg] = version(pkg)
        except PackageNotFoundError:  # pragma: no cover
            rows[pkg] = "unknown"
    for k, v in rows.items():
        out.print(f"{k:8} {v}")


_STOP = threading.Event()
"""Set by the first Ctrl-C or SIGTERM of the process (see :func:`_note_interrupt`)."""


def _note_interrupt(signum, frame) -> None:
    """SIGINT: remember that the user asked to stop, then raise KeyboardInterrupt as usual."""
    _STOP.set()
    signal.default_int_handler(signum, frame)


def _terminate_like_ctrl_c(signum, frame) -> None:  # noqa: ARG001 - signal handler
    """SIGTERM: stop the way Ctrl-C does (the solver stops, nothing half-written stays)."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.raise_signal(signal.SIGINT)


def main() -> None:
    """Entry point: run the app, turning input errors into exit code 2 and no traceback."""
    signal.signal(signal.SIGTERM, _terminate_like_ctrl_c)
    signal.signal(signal.SIGINT, _note_interrupt)
    try:
        app()  # standalone: usage errors exit 2 with click's message
    except HubDataError as exc:
        _print_issues(exc.issues, str(exc).splitlines()[0])
        sys.exit(EXIT_BAD_INPUT)
    except KeyboardInterrupt:
        err.print("[red]interrupted: no results written[/red]")
        sys.exit(EXIT_INTERRUPTED)
    except Exception as exc:  # noqa: BLE001 - last-resort handler for the CLI
        if _state["debug"]:
            raise
        err.print(f"[red]internal error:[/red] {type(exc).__name__}: {escape(str(exc))}")
        err.print("run again with --debug for a traceback, and please report it")
        sys.exit(EXIT_ERROR)
