"""What the command line shows: progress on stderr and rich tables with units.

Nothing here imports Pyomo, HiGHS, geopandas, matplotlib or Dask: objects are read by
their attributes, so the command line starts fast.
"""

from __future__ import annotations

import time
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from hubopt.report.units import format_quantity

__all__ = ["Progress", "frontier_table", "issues_table", "summary_table", "sweep_table"]

_COSTS = (
    ("fixed cost", "fixed_cost"),
    ("production cost", "production_cost"),
    ("raw material cost", "supply_cost"),
    ("transport cost", "transport_cost"),
    ("unmet demand penalty", "unmet_penalty_cost"),
    ("carbon price cost", "carbon_cost"),
    ("total cost", "total_cost"),
)
_ECON = (
    ("… production, site factors", "production_cost_factors"),
    ("… transport, handling", "handling_cost"),
    ("incentives granted (subtracted)", "incentives_granted"),
    ("… in energy communities", "incentives_granted_in_energy_communities"),
    ("production credits (subtracted)", "production_credits"),
)


class Progress:
    """Stage and solver progress on stderr: a live spinner on a terminal, lines in a log.

    The spinner does not redirect stdout/stderr, so nothing printed while it runs (or
    when Ctrl-C ends it) can be lost in a buffer. Its methods are the callbacks the
    library takes: :meth:`stage` (``on_progress`` / ``stage``), :meth:`progress`
    (the solver's ``progress``) and :meth:`result` (a sweep's ``on_result``).

    Parameters
    ----------
    console : rich.console.Console
        Where to draw (stderr).
    name : str
        Shown in front of every line.
    money : str
        Money unit for the solver's objective and bound.
    """

    def __init__(self, console: Console, name: str, money: str = "k$"):
        self.console, self.name, self.money = console, name, money
        self.live = console.is_terminal
        self._status: Any = None
        self._last = 0.0
        self.done = self.failed = 0

    def __enter__(self) -> Progress:
        if self.live:
            from rich.live import Live
            from rich.spinner import Spinner

            self._spinner = Spinner("dots", text="starting")
            self._status = Live(
                self._spinner,
                console=self.console,
                transient=True,
                redirect_stdout=False,
                redirect_stderr=False,
                refresh_per_second=8,
            )
            self._status.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._status is not None:
            self._status.__exit__(*exc)

    def _say(self, text: str) -> None:
        if self.live:
            self._spinner.update(text=f"[bold]{escape(self.name)}[/bold]: {escape(text)}")
        else:
            self.console.print(f"{self.name}: {text}", highlight=False, markup=False)

    def stage(self, text: str) -> None:
        """Report that a step starts."""
        self._say(text)

    def progress(self, p: dict) -> None:
        """Report a better plan found by the solver (throttled to one line per 5 s in logs)."""
        now = time.monotonic()
        if not self.live and now - self._last < 5.0:
            return
        self._last = now
        self._say(
            f"solving · best plan {p['objective']:,.2f} {self.money}/yr"
            f" · bound {p['bound']:,.2f} · gap {p['gap']:.2%} · {p['seconds']:.0f}s"
        )

    def result(self, row: dict, total: int) -> None:
        """Report one finished scenario of a sweep."""
        self.done += 1
        self.failed += row.get("status") == "error"
        self._say(f"{self.done}/{total} scenarios done · {self.failed} failed")


def issues_table(issues: list, title: str) -> Table:
    """Return the table of validation problems (severity, file, line, column, problem)."""
    table = Table(title=title, show_lines=False, title_justify="left")
    for col in ("", "file", "line", "column", "problem"):
        table.add_column(col, overflow="fold")
    for i in issues:
        cells = [
            "error" if i.severity == "error" else "warning",
            i.file,
            "" if i.row is None else str(i.row),
            i.column or "",
            i.message,
        ]
        table.add_row(*map(escape, cells))
    return table


def summary_table(outcome: Any, money: str) -> Table:
    """Return the table ``hubopt solve`` prints: status, costs with units, new vs existing."""
    r = outcome.result
    s = outcome.plan.summary if outcome.plan else {}
    title = f"hubopt · {escape(outcome.scenario.name)}"
    t = Table(title=title, title_justify="left", show_header=False)
    t.add_column("what")
    t.add_column("value", justify="right")
    t.add_row("status", f"{r.termination.value} ({r.solution_status.value})")
    t.add_row("objective", format_quantity(r.objective, f"{money}/yr"))
    t.add_row("best bound", format_quantity(r.best_bound, f"{money}/yr"))
    t.add_row("gap", "—" if r.mip_gap is None else f"{r.mip_gap:.4%}")
    if s:
        for label, key in _COSTS:
            t.add_row(label, format_quantity(s[key], f"{money}/yr"))
        for label, key in _ECON:  # issue 15: shown when the plan has them
            if s.get(key):
                t.add_row(label, format_quantity(s[key], f"{money}/yr"))
        for key, word in (("import_share", "import share"), ("feoc_share", "FEOC share")):
            for p, v in (s.get(key) or {}).items():
                t.add_row(f"{word} of {p}", f"{v:.1%}")
        t.add_row("CO2", format_quantity(s["emissions_t"], "t CO2/yr", 1))
        new, ec_new = s.get("hubs_new", 0), s.get("hubs_new_in_energy_communities", 0)
        t.add_row("hubs open", f"{s['hubs_open']} ({new} new, {s['hubs_open'] - new} existing)")
        t.add_row("new hubs in energy communities", str(ec_new))
        t.add_row("capex of new hubs", format_quantity(s.get("capex_new"), money, 0))
        t.add_row(
            "… in energy communities",
            format_quantity(s.get("capex_new_in_energy_communities"), money, 0),
        )
        t.add_row("jobs at new hubs", format_quantity(s.get("jobs_new"), "jobs", 0))
        t.add_row(
            "… in energy communities",
            format_quantity(s.get("jobs_new_in_energy_communities"), "jobs", 0),
        )
        t.add_row(
            "capex / jobs, new and existing",
            f"{format_quantity(s['capex'], money, 0)} / {format_quantity(s['jobs'], 'jobs', 0)}",
        )
    t.add_row(
        "build / hand-off / solve",
        f"{r.build_seconds:.2f} / {r.compile_seconds:.2f} / {r.solve_seconds:.2f} s",
    )
    return t


def frontier_table(fr: Any, money: str) -> Table:
    """Return the frontier table ``hubopt pareto`` prints (caps and CO2 with units)."""
    t = Table(title=f"cost–CO2 frontier · {escape(fr.scenario.name)}", title_justify="left")
    for col in ("point", "CO2 cap", "total cost", "CO2", "new hubs"):
        t.add_column(col, justify="right")
    t.add_column("status")
    for r in fr.table.to_dict("records"):
        cap = r["cap_t"]
        t.add_row(
            r["point"],
            "none" if cap is None or cap != cap else format_quantity(cap, "t CO2/yr", 0),
            format_quantity(r["total_cost"], f"{money}/yr"),
            format_quantity(r["emissions_t"], "t CO2/yr", 0),
            "—" if r.get("hubs_new") is None else f"{r['hubs_new']:.0f}",
            "proven optimal" if r["proven"] else f"{r['status']} ({r['solution_status']})",
        )
    return t


def sweep_table(res: Any, keys: list[str], money: str) -> Table:
    """Return the table ``hubopt sweep`` prints (one row per scenario)."""
    t = Table(title=f"sweep · {escape(res.scenario.name)}", title_justify="left")
    for col in [*keys, "status", f"total cost ({money}/yr)", "gap", "hubs (new)", "s"]:
        t.add_column(col, justify="left" if col == "status" else "right")

    def missing(v: object) -> bool:
        return v is None or v != v

    for r in res.table.to_dict("records"):
        hubs = "—" if missing(r["hubs_open"]) else f"{r['hubs_open']:.0f}"
        if not missing(r.get("hubs_new")):
            hubs += f" ({r['hubs_new']:.0f})"
        t.add_row(
            *(escape(str(r[k])) for k in keys),
            str(r["status"]),
            format_quantity(None if missing(r["total_cost"]) else r["total_cost"]),
            "—" if missing(r["mip_gap"]) else f"{r['mip_gap']:.3%}",
            hubs,
            f"{r['seconds']:.1f}",
        )
    return t
