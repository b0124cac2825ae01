"""Command-line interface: a thin shell over the pipeline functions.

Exit codes: 0 optimal · 2 bad input · 3 feasible plan, optimality not proven (time limit)
· 4 no plan (infeasible, unbounded, or time limit before any plan) · 1 internal error ·
130 interrupted.
"""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from hubopt.errors import HubDataError, Issue
from hubopt.solve import SolutionStatus, Termination

EXIT_OK, EXIT_ERROR, EXIT_BAD_INPUT, EXIT_FEASIBLE, EXIT_NO_SOLUTION = 0, 1, 2, 3, 4
EXIT_INTERRUPTED = 130

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
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
    table = Table(title=title, show_lines=False, title_justify="left")
    for col in ("", "file", "line", "column", "problem"):
        table.add_column(col, overflow="fold")
    for i in issues:
        table.add_row(
            "error" if i.severity == "error" else "warning",
            i.file,
            "" if i.row is None else str(i.row),
            i.column or "",
            i.message,
        )
    err.print(table)


def _fmt(x: float | None, spec: str = ",.2f") -> str:
    return "—" if x is None else format(x, spec)


def _print_summary(outcome, folder: Path) -> None:
    r = outcome.result
    s = outcome.plan.summary if outcome.plan else {}
    t = Table(title=f"hubopt · {outcome.scenario.name}", title_justify="left", show_header=False)
    t.add_column("what")
    t.add_column("value", justify="right")
    t.add_row("status", f"{r.termination.value} ({r.solution_status.value})")
    t.add_row("objective", _fmt(r.objective))
    t.add_row("best bound", _fmt(r.best_bound))
    t.add_row("gap", "—" if r.mip_gap is None else f"{r.mip_gap:.4%}")
    if s:
        for key in (
            "fixed_cost",
            "production_cost",
            "supply_cost",
            "transport_cost",
            "unmet_penalty_cost",
            "carbon_cost",
            "total_cost",
        ):
            t.add_row(key.replace("_", " "), _fmt(s[key]))
        t.add_row("CO2 (t/yr)", _fmt(s["emissions_t"], ",.1f"))
        t.add_row("hubs open", str(s["hubs_open"]))
        t.add_row("… in energy communities", str(s["hubs_in_energy_communities"]))
    t.add_row(
        "build / hand-off / solve (s)",
        f"{r.build_seconds:.2f} / {r.compile_seconds:.2f} / {r.solve_seconds:.2f}",
    )
    out.print(t)
    if r.termination is not Termination.OPTIMAL:
        err.print(f"[yellow]{r.message}[/yellow]")
    if outcome.diagnosis is not None and len(outcome.diagnosis.findings):
        err.print("[bold]Why no plan exists[/bold] (smallest change that would make it feasible):")
        for line in outcome.diagnosis.messages():
            err.print(f"  • {line}")
    out.print(f"results written to [bold]{folder}[/bold]")


class _Progress:
    """Stage and solver progress on stderr: a live spinner on a terminal, lines in a log.

    The spinner does not redirect stdout/stderr, so nothing printed while it runs (or
    when Ctrl-C ends it) can be lost in a buffer.
    """

    def __init__(self, name: str):
        self.name = name
        self.live = err.is_terminal
        self._status = None
        self._last = 0.0

    def __enter__(self) -> _Progress:
        if self.live:
            from rich.live import Live
            from rich.spinner import Spinner

            self._spinner = Spinner("dots", text="starting")
            self._status = Live(
                self._spinner,
                console=err,
                transient=True,
                redirect_stdout=False,
                redirect_stderr=False,
                refresh_per_second=8,
            )
            self._status.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        if self._status is not None:
            self._status.__exit__(*exc)

    def _say(self, text: str) -> None:
        if self.live:
            self._spinner.update(text=f"[bold]{self.name}[/bold]: {text}")
        else:
            err.print(f"{self.name}: {text}", highlight=False)

    def stage(self, text: str) -> None:
        """Report that a pipeline stage starts."""
        self._say(text)

    def progress(self, p: dict) -> None:
        """Report a better plan found by the solver (throttled to one line per 5 s in logs)."""
        now = time.monotonic()
        if not self.live and now - self._last < 5.0:
            return
        self._last = now
        self._say(
            f"solving · best plan {p['objective']:,.2f} · bound {p['bound']:,.2f}"
            f" · gap {p['gap']:.2%} · {p['seconds']:.0f}s"
        )


def _solver_overrides(time_limit: float | None, gap: float | None, threads: int | None) -> dict:
    """Return the solver options given on the command line (``None`` = keep the file's)."""
    given = {"time_limit_s": time_limit, "mip_rel_gap": gap, "threads": threads}
    return {k: v for k, v in given.items() if v is not None}


def _exit_code(result) -> int:
    if result.termination is Termination.INTERRUPTED:
        return EXIT_INTERRUPTED
    if result.solution_status is SolutionStatus.OPTIMAL:
        return EXIT_OK
    if result.solution_status is SolutionStatus.FEASIBLE:
        return EXIT_FEASIBLE
    return EXIT_ERROR if result.termination is Termination.ERROR else EXIT_NO_SOLUTION


@app.command()
def solve(
    model: Annotated[Path, typer.Argument(help="Scenario TOML file.")] = Path(
        "models/baseline.toml"
    ),
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Result folder (default results/<name>/).")
    ] = None,
    time_limit: Annotated[
        float | None, typer.Option("--time-limit", help="Solver time limit, seconds.")
    ] = None,
    gap: Annotated[float | None, typer.Option("--gap", help="Relative MIP gap.")] = None,
    threads: Annotated[int | None, typer.Option("--threads", help="HiGHS threads.")] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Replace an existing result folder that hubopt wrote (never your own files).",
        ),
    ] = False,
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
    from hubopt.outputs.folder import check_target

    check_target(target, force=force, protect=(scenario.data_dir, scenario.source))
    try:
        with _Progress(scenario.name) as show:
            outcome = run(scenario, stage=show.stage, progress=show.progress)
            if outcome.result.termination is Termination.INTERRUPTED:
                raise KeyboardInterrupt
            show.stage("writing outputs")
            folder = write_outputs(target, outcome, force=force, formats=chosen, crs=crs)
    except KeyboardInterrupt:
        err.print("[red]interrupted: no results written[/red]")
        raise typer.Exit(EXIT_INTERRUPTED) from None
    for w in outcome.data.warnings:
        err.print(f"[yellow]warning[/yellow] {w}")
    _print_summary(outcome, folder)
    raise typer.Exit(_exit_code(outcome.result))


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

    issues: list[Issue] = []
    data_dir = path
    if path.suffix.lower() == ".toml":
        try:
            data_dir = load_scenario(path).data_dir
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
    if csv is not None:
        pd.DataFrame(
            [
                {
                    "severity": i.severity,
                    "file": i.file,
                    "line": i.row,
                    "column": i.column,
                    "check": i.check,
                    "message": i.message,
                }
                for i in issues
            ],
            columns=["severity", "file", "line", "column", "check", "message"],
        ).to_csv(csv, index=False)
    errors = [i for i in issues if i.severity == "error"]
    if issues:
        _print_issues(issues, f"{len(errors)} error(s), {len(issues) - len(errors)} warning(s)")
    if errors:
        raise typer.Exit(EXIT_BAD_INPUT)
    out.print(f"[green]{path}: OK[/green]")


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
    money_unit: Annotated[
        str, typer.Option("--money-unit", help="Currency unit of the data (k$, $, M$, …).")
    ] = "k$",
    force: Annotated[
        bool, typer.Option("--force", help="Replace an existing folder that hubopt wrote.")
    ] = False,
) -> None:
    """Compare plans side by side: key figures, deltas, site robustness, HTML report."""
    from hubopt.report.text import rich_robustness, rich_table
    from hubopt.studies.compare import compare as compare_results
    from hubopt.studies.compare import write_comparison

    comp = compare_results(results, baseline=baseline, within_km=within_km)
    with _Progress("compare") as show:
        show.stage("writing the comparison and report.html")
        folder = write_comparison(comp, out_dir, force=force, money_unit=money_unit)
    out.print(rich_table(comp, money_unit))
    out.print(rich_robustness(comp))
    out.print(f"comparison written to [bold]{folder}[/bold] (report.html, comparison.csv, …)")


@app.command()
def pareto(
    model: Annotated[Path, typer.Argument(help="Scenario TOML file.")],
    points: Annotated[
        int, typer.Option("--points", min=2, help="Points on the frontier, end points included.")
    ] = 5,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Output folder (default results/<name>-pareto/).")
    ] = None,
    time_limit: Annotated[
        float | None, typer.Option("--time-limit", help="Solver time limit per point, seconds.")
    ] = None,
    gap: Annotated[float | None, typer.Option("--gap", help="Relative MIP gap.")] = None,
    threads: Annotated[int | None, typer.Option("--threads", help="HiGHS threads.")] = None,
    money_unit: Annotated[
        str, typer.Option("--money-unit", help="Currency unit of the data (k$, $, M$, …).")
    ] = "k$",
    force: Annotated[
        bool, typer.Option("--force", help="Replace an existing folder that hubopt wrote.")
    ] = False,
) -> None:
    """Compute the cost–CO2 frontier (ε-constraint); every point is a full plan."""
    from hubopt.inputs.scenario import load_scenario
    from hubopt.report.text import format_value
    from hubopt.studies.pareto import pareto as run_pareto

    scenario = load_scenario(model)
    changes = _solver_overrides(time_limit, gap, threads)
    scenario = scenario.with_options(**changes)
    target = out_dir or Path("results") / f"{scenario.name}-pareto"
    with _Progress(f"{scenario.name} frontier") as show:
        fr = run_pareto(
            scenario,
            points,
            out_dir=target,
            force=force,
            money_unit=money_unit,
            stage=show.stage,
        )
    t = Table(title=f"cost–CO2 frontier · {scenario.name}", title_justify="left")
    for col in ("point", "CO2 cap (t/yr)", f"total cost ({money_unit}/yr)", "CO2 (t/yr)"):
        t.add_column(col, justify="right")
    t.add_column("status")
    for _i, r in fr.table.iterrows():
        t.add_row(
            r["point"],
            format_value("emissions_t", r["cap_t"]),
            format_value("total_cost", r["total_cost"]),
            format_value("emissions_t", r["emissions_t"]),
            "proven optimal" if r["proven"] else f"{r['status']} ({r['solution_status']})",
        )
    out.print(t)
    for note in fr.info.get("notes", []):
        err.print(f"[yellow]{note}[/yellow]")
    out.print(f"frontier written to [bold]{fr.folder}[/bold] (frontier.csv, frontier.png, …)")
    if not fr.table["solution_status"].ne("none").any():
        raise typer.Exit(EXIT_NO_SOLUTION)
    raise typer.Exit(EXIT_OK if fr.complete else EXIT_FEASIBLE)


@app.command()
def sweep(
    model: Annotated[Path, typer.Argument(help="Scenario TOML file.")],
    vary: Annotated[
        list[str],
        typer.Option("--vary", help="KEY=V1,V2,... (repeat for a grid), e.g. carbon_price=0,50"),
    ],
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Address of a running Dask scheduler (tcp://host:8786)."),
    ] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", min=1, help="Local worker processes.")
    ] = None,
    threads: Annotated[int, typer.Option("--threads", min=1, help="HiGHS threads per worker.")] = 1,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Sweep folder (default results/<name>-sweep/).")
    ] = None,
    formats: Annotated[
        str, typer.Option("--formats", help="Outputs per scenario: csv,gpkg,shp,geojson.")
    ] = "csv",
    money_unit: Annotated[
        str, typer.Option("--money-unit", help="Currency unit of the data (k$, $, M$, …).")
    ] = "k$",
    force: Annotated[
        bool, typer.Option("--force", help="Replace an existing folder that hubopt wrote.")
    ] = False,
) -> None:
    """Solve a grid of scenarios on Dask (local cluster, or --scheduler) and compare them."""
    from hubopt.inputs.scenario import load_scenario
    from hubopt.outputs.gis import parse_formats
    from hubopt.studies.sweep import parse_vary
    from hubopt.studies.sweep import sweep as run_sweep

    chosen = parse_formats(formats)
    scenario = load_scenario(model)
    grid = parse_vary(vary, scenario)  # bad --vary: exit 2 before any cluster starts
    res = run_sweep(
        scenario,
        grid,
        out_dir,
        scheduler=scheduler,
        workers=workers,
        threads_per_worker=threads,
        formats=chosen,
        force=force,
        money_unit=money_unit,
    )
    t = Table(title=f"sweep · {scenario.name}", title_justify="left")
    for col in [*grid, "status", f"total cost ({money_unit}/yr)", "gap", "hubs", "s"]:
        t.add_column(col, justify="left" if col == "status" else "right")
    for _i, r in res.table.iterrows():
        t.add_row(
            *(str(r[k]) for k in grid),
            str(r["status"]),
            _fmt(None if pd.isna(r["total_cost"]) else r["total_cost"]),
            "—" if pd.isna(r["mip_gap"]) else f"{r['mip_gap']:.3%}",
            "—" if pd.isna(r["hubs_open"]) else str(int(r["hubs_open"])),
            f"{r['seconds']:.1f}",
        )
    out.print(t)
    for _i, r in res.failed.iterrows():
        err.print(f"[red]failed[/red] {r['scenario']}: {r['error']}")
    if res.comparison is not None:
        from hubopt.report.text import rich_robustness, rich_table

        out.print(rich_table(res.comparison, money_unit))
        out.print(rich_robustness(res.comparison))
    for m in res.messages:
        err.print(f"[yellow]{m}[/yellow]")
    out.print(f"sweep written to [bold]{res.folder}[/bold] (sweep.csv, one folder per scenario)")
    status = res.table["solution_status"]
    if (status == "none").any():
        raise typer.Exit(EXIT_NO_SOLUTION)
    raise typer.Exit(EXIT_OK if (status == "optimal").all() else EXIT_FEASIBLE)


@app.command(name="version")
def show_version() -> None:
    """Print hubopt, solver and library versions."""
    from hubopt.outputs.tables import _versions
    from hubopt.solve import solver_version

    for k, v in {**_versions(), "highs": solver_version()}.items():
        out.print(f"{k:8} {v}")


def _terminate_like_ctrl_c(signum, frame) -> None:  # noqa: ARG001 - signal handler
    """SIGTERM: stop the way Ctrl-C does (the solver stops, nothing half-written stays)."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.raise_signal(signal.SIGINT)


def main() -> None:
    """Entry point: run the app, turning input errors into exit code 2 and no traceback."""
    signal.signal(signal.SIGTERM, _terminate_like_ctrl_c)
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
        err.print(f"[red]internal error:[/red] {type(exc).__name__}: {exc}")
        err.print("run again with --debug for a traceback, and please report it")
        sys.exit(EXIT_ERROR)
