"""``hubopt rank``: how competitive is each community (registered on :data:`hubopt.cli.app`).

Kept out of :mod:`hubopt.cli` for size; :func:`rank` is registered there with
``app.command(name="rank")(rank)``. Exit codes as for every command: 0 every premium
exact (or a site proven infeasible), 2 bad input (an unknown site id in ``--sites FILE``
is named), 3 some premium only bounded (gap or time limit), 4 no unrestricted plan, 1
internal error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hubopt.cli_options import check_time_limit, parse_gap
from hubopt.errors import HubDataError, Issue

__all__ = ["rank", "read_site_file"]

EXIT_OK, EXIT_FEASIBLE, EXIT_NO_SOLUTION = 0, 3, 4
"""The exit codes of :mod:`hubopt.cli` that ``rank`` uses."""


def read_site_file(path: Path) -> list[str]:
    """Read site ids from a file: one per line, or a CSV with a ``site_id`` column.

    Blank lines and lines starting with ``#`` are skipped.

    Raises
    ------
    HubDataError
        When the file cannot be read or holds no site id.
    """
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise HubDataError([Issue("check_rank_sites", f"cannot read: {exc}", str(path))]) from None
    lines = [s.strip() for s in text.splitlines() if s.strip() and not s.startswith("#")]
    if lines and "site_id" in [c.strip() for c in lines[0].split(",")]:
        col = [c.strip() for c in lines[0].split(",")].index("site_id")
        lines = [s.split(",")[col].strip() for s in lines[1:]]
    if not lines:
        raise HubDataError([Issue("check_rank_sites", "no site id in the file", str(path))])
    return lines


def rank(
    model: Annotated[Path, typer.Argument(help="Scenario TOML file.")],
    sites: Annotated[
        str,
        typer.Option(
            "--sites",
            help="energy-communities (default), all, or a FILE of site ids (one per line, "
            "or a CSV with a site_id column).",
        ),
    ] = "energy-communities",
    technology: Annotated[
        list[str] | None,
        typer.Option("--technology", help="Only new options of this technology count (repeat)."),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Address of a running Dask scheduler (tcp://host:8786)."),
    ] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", min=1, help="Local worker processes.")
    ] = None,
    time_limit: Annotated[
        float | None,
        typer.Option(
            "--time-limit", callback=check_time_limit, help="Solver time limit per solve, s."
        ),
    ] = None,
    gap: Annotated[
        float | None,
        typer.Option(
            "--gap",
            parser=parse_gap,
            metavar="GAP",
            help="Relative MIP gap: 0.5% or 0.005 (a bare number ≥ 0.1 is refused).",
        ),
    ] = None,  # fmt: skip
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Output folder (default results/<name>-rank/).")
    ] = None,
    plans: Annotated[
        bool, typer.Option("--plans", help="Also write every plan (plans/) for hubopt compare.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Replace an existing folder that hubopt wrote.")
    ] = False,
) -> None:
    """Rank sites by the premium of a new hub there (money unit per year), on Dask."""
    from rich.console import Console
    from rich.markup import escape

    from hubopt.inputs.load import load_data
    from hubopt.inputs.scenario import load_scenario
    from hubopt.outputs.folder import check_target
    from hubopt.outputs.rank import write_ranking
    from hubopt.report.console import Progress
    from hubopt.studies.rank import SITE_SETS, rank_sites
    from hubopt.studies.rank import rank as run_rank

    given = {"time_limit_s": time_limit, "mip_rel_gap": gap}
    changes = {k: v for k, v in given.items() if v is not None}
    scenario = load_scenario(model).with_options(**changes)
    chosen = sites if sites in SITE_SETS else read_site_file(Path(sites))
    data = load_data(scenario.data_dir)
    rank_sites(data, chosen, technology)  # unknown ids / technologies: exit 2 before solving
    target = out_dir or Path("results") / f"{scenario.name}-rank"
    out, err = Console(), Console(stderr=True)
    check_target(target, force=force, protect=(scenario.data_dir, scenario.source))
    with Progress(err, f"{scenario.name} rank") as show:
        res = run_rank(
            scenario, sites=chosen, technologies=technology, scheduler=scheduler,
            workers=workers, data=data, keep_plans=plans, on_progress=show.stage,
        )  # fmt: skip
        show.stage("writing outputs")
        folder = write_ranking(res, target, force=force)
    unit = res.money_unit
    for r in res.table.head(10).to_dict("records"):
        from hubopt.report.rank import premium_text

        prem = premium_text(r, unit) if r["status"] not in ("infeasible", "error") else "—"
        out.print(f"{r['site_id']:>12}  {escape(str(r['status'])):<11} {escape(prem)}")
    if len(res.table) > 10:
        out.print(f"… {len(res.table) - 10} more in ranking.csv")
    for r in res.failed.to_dict("records"):
        err.print(f"[red]{r['status']}[/red] {escape(r['site_id'])}: {escape(r['message'])}")
    out.print(
        f"{res.info['sites']} sites, {res.info['solves']} solves in "
        f"{res.info['wall_seconds']:.1f} s; premium in {unit}/yr"
    )
    where = f"[bold]{escape(str(folder))}[/bold]"
    if Path(folder).resolve() != target.resolve():
        where += f"\n{escape(str(target))} exists; wrote {escape(str(folder))}"
    out.print(f"ranking written to {where}")
    if res.baseline.get("solution_status") == "none":
        raise typer.Exit(EXIT_NO_SOLUTION)
    raise typer.Exit(EXIT_OK if res.complete else EXIT_FEASIBLE)
