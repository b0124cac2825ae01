"""Check hubopt against facility-location instances with published optima.

Every instance is converted into an ordinary hubopt data package (one product, one
``serve`` technology per facility, explicit facility-to-customer lanes), solved by
:func:`hubopt.run` with a relative MIP gap of 0, and the objective is compared with the
known optimum.

Families
--------
``orlib``
    Beasley's OR-Library capacitated warehouse location problems (``cap41`` ...
    ``cap134``, ``capa``/``capb``/``capc``), multi-source: a customer's demand may be
    split. Also solved with capacities ignored (``uflp`` rows of ``optima.csv``).
``holmberg``
    Holmberg, Ronnqvist & Yuan (1999) single-source instances ``p1`` ... ``p71``:
    every customer is served by exactly one facility (scenario ``single_sourcing``).

The instances are read from ``../shared/benchmarks`` beside the repository (never copied
into it); see ``benchmarks/README.md``.

Examples
--------
::

    python benchmarks/literature.py --set small
    python benchmarks/literature.py --set orlib --only capa capb --csv capabc.csv
    python benchmarks/literature.py --set holmberg --holmberg 30 --time-limit 120
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "DEFAULT_INSTANCES",
    "TOLERANCE",
    "Case",
    "Instance",
    "Outcome",
    "evaluate",
    "list_cases",
    "main",
    "parse_holmberg",
    "parse_orlib",
    "solve_case",
    "solve_package",
    "solve_reference",
    "summarize",
    "write_csv",
    "write_package",
]

DEFAULT_INSTANCES = Path(__file__).resolve().parents[1].parent / "shared" / "benchmarks"
"""Default benchmark folder: ``../shared/benchmarks`` relative to the repository root."""

TOLERANCE = 1e-2
"""Absolute objective tolerance: published optima are rounded to three decimals."""

SMALL_ORLIB = frozenset(
    f"cap{k}.txt"
    for k in (
        *range(41, 45),
        51,
        *range(61, 65),
        *range(71, 75),
        *range(81, 85),
        *range(91, 95),
        *range(101, 105),
        *range(111, 115),
        *range(121, 125),
        *range(131, 135),
    )
)
"""The 37 small (50-customer) OR-Library files."""

SMALL_HOLMBERG = 10
"""Number of Holmberg instances in the ``small`` set (``p1`` ... ``p10``)."""

PRODUCT = "good"
TECHNOLOGY = "serve"
SIZE = "s"
MODE = "direct"


# --------------------------------------------------------------------------- parsing
@dataclass
class Instance:
    """A facility-location instance in the common OR-Library / Holmberg form.

    Attributes
    ----------
    name : str
        Instance name (file stem, e.g. ``cap41`` or ``p1``).
    capacities : list of float
        Capacity of each of the ``m`` facilities (units of demand).
    fixed_costs : list of float
        Fixed cost of opening each facility.
    demands : list of float
        Demand of each of the ``n`` customers.
    costs : list of list of float
        ``costs[i][j]`` is the cost of serving **all** of customer ``j``'s demand from
        facility ``i`` (so serving a fraction ``x`` costs ``x * costs[i][j]``).
    single_source : bool
        Whether each customer must be served by exactly one facility.
    notes : list of str
        Anything unusual met while reading the file (for example trailing tokens).
    """

    name: str
    capacities: list[float]
    fixed_costs: list[float]
    demands: list[float]
    costs: list[list[float]]
    single_source: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def m(self) -> int:
        """Number of facilities."""
        return len(self.capacities)

    @property
    def n(self) -> int:
        """Number of customers."""
        return len(self.demands)

    @property
    def total_demand(self) -> float:
        """Sum of all customers' demand."""
        return math.fsum(self.demands)


class _Tokens:
    """Sequential reader over the whitespace-separated tokens of a file."""

    def __init__(self, path: Path):
        self.path = path
        self.tokens = path.read_text(encoding="ascii", errors="strict").split()
        self.pos = 0

    def take(self, what: str) -> str:
        if self.pos >= len(self.tokens):
            raise ValueError(f"{self.path.name}: file ends early while reading {what}")
        tok = self.tokens[self.pos]
        self.pos += 1
        return tok

    def number(self, what: str) -> float:
        tok = self.take(what)
        try:
            value = float(tok)
        except ValueError:
            raise ValueError(
                f"{self.path.name}: expected a number for {what}, found {tok!r}"
            ) from None
        if not math.isfinite(value):
            raise ValueError(f"{self.path.name}: {what} is not finite ({tok!r})")
        return value

    def integer(self, what: str) -> int:
        value = self.number(what)
        if value != int(value) or value < 1:
            raise ValueError(f"{self.path.name}: {what} must be a positive integer")
        return int(value)

    def trailing_note(self) -> list[str]:
        extra = len(self.tokens) - self.pos
        if not extra:
            return []
        return [
            f"{extra} trailing token(s) after the data were ignored "
            f"(first: {self.tokens[self.pos]!r})"
        ]


def parse_orlib(path: str | Path, capacity_override: float | None = None) -> Instance:
    """Read an OR-Library capacitated warehouse location file.

    Parameters
    ----------
    path : str or Path
        A ``capNN.txt`` or ``capa/capb/capc.txt`` file.
    capacity_override : float, optional
        Capacity given to every facility. Required for ``capa``/``capb``/``capc``,
        whose capacities are the literal word ``capacity``; if given for another file
        it replaces the capacities in the file.

    Returns
    -------
    Instance
        The instance (multi-source).

    Raises
    ------
    ValueError
        If the file is malformed, or a capacity is ``capacity`` and no override is given.

    Notes
    -----
    Format (whitespace-separated): ``m n``; ``m`` pairs ``capacity fixed_cost``; then
    for each customer its demand followed by ``m`` costs, a cost being the cost of
    serving all of that customer's demand from that facility.
    """
    path = Path(path)
    tok = _Tokens(path)
    m = tok.integer("the number of facilities")
    n = tok.integer("the number of customers")
    capacities: list[float] = []
    fixed: list[float] = []
    for i in range(m):
        raw = tok.take(f"the capacity of facility {i + 1}")
        if capacity_override is not None:
            capacities.append(float(capacity_override))
        elif raw.lower() == "capacity":
            raise ValueError(
                f"{path.name}: capacities are the word 'capacity'; pass capacity_override"
            )
        else:
            try:
                capacities.append(float(raw))
            except ValueError:
                raise ValueError(
                    f"{path.name}: capacity of facility {i + 1} is {raw!r}, not a number"
                ) from None
        fixed.append(tok.number(f"the fixed cost of facility {i + 1}"))
    demands: list[float] = []
    by_customer: list[list[float]] = []
    for j in range(n):
        demands.append(tok.number(f"the demand of customer {j + 1}"))
        by_customer.append([tok.number(f"cost ({i + 1}, {j + 1})") for i in range(m)])
    costs = [[by_customer[j][i] for j in range(n)] for i in range(m)]
    return Instance(
        name=path.stem,
        capacities=capacities,
        fixed_costs=fixed,
        demands=demands,
        costs=costs,
        single_source=False,
        notes=tok.trailing_note(),
    )


def parse_holmberg(path: str | Path) -> Instance:
    """Read a Holmberg single-source capacitated facility location file.

    Parameters
    ----------
    path : str or Path
        One of the files ``p1`` ... ``p71``.

    Returns
    -------
    Instance
        The instance, with ``single_source=True``.

    Raises
    ------
    ValueError
        If the file is malformed or too short.

    Notes
    -----
    Format (whitespace-separated): ``m n``; ``m`` pairs ``capacity fixed_cost``; ``n``
    demands; then ``m`` rows of ``n`` costs (facility-major), a cost being the cost of
    assigning the whole customer to that facility. Tokens after the last cost are
    ignored and recorded in :attr:`Instance.notes` (the distributed ``p47`` ends with 17
    stray tokens, the tail of an older copy of the file).
    """
    path = Path(path)
    tok = _Tokens(path)
    m = tok.integer("the number of facilities")
    n = tok.integer("the number of customers")
    capacities: list[float] = []
    fixed: list[float] = []
    for i in range(m):
        capacities.append(tok.number(f"the capacity of facility {i + 1}"))
        fixed.append(tok.number(f"the fixed cost of facility {i + 1}"))
    demands = [tok.number(f"the demand of customer {j + 1}") for j in range(n)]
    costs = [[tok.number(f"cost ({i + 1}, {j + 1})") for j in range(n)] for i in range(m)]
    return Instance(
        name=path.stem,
        capacities=capacities,
        fixed_costs=fixed,
        demands=demands,
        costs=costs,
        single_source=True,
        notes=tok.trailing_note(),
    )


# ------------------------------------------------------------------------ conversion
def _num(value: float) -> str:
    """Format a float losslessly (shortest round-trip representation)."""
    return repr(float(value))


def _write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def write_package(instance: Instance, out_dir: str | Path, uncapacitated: bool = False) -> Path:
    """Write an instance as a hubopt data package (see ``docs/data_package.md``).

    Parameters
    ----------
    instance : Instance
        The instance to convert.
    out_dir : str or Path
        Folder to write the CSV files into (created if needed).
    uncapacitated : bool, default False
        Give every facility a capacity equal to the total demand, i.e. solve the
        uncapacitated problem.

    Returns
    -------
    Path
        The package folder (``out_dir``).

    Notes
    -----
    Facilities become sites ``F1..Fm``, each with one candidate of technology ``serve``
    (outputs ``good`` at unit cost 0, no recipe; size ``s``; the facility's capacity and
    fixed cost). Customers become sites ``C1..Cn`` with a demand row. Lanes are explicit:
    every facility to every customer, mode ``direct``, with ``cost_per_unit`` = cost of
    serving the whole customer / its demand, so a flow of ``x * demand`` costs
    ``x * cost``. ``supply.csv`` has no rows: production at a facility is the only
    source. Coordinates are all ``(0, 0)``: explicit lanes make them irrelevant.

    Customers with zero demand are left out (serving them costs nothing and cannot
    change the optimum); this is recorded in :attr:`Instance.notes`.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    m = instance.m
    if len(instance.costs) != m or any(len(row) != instance.n for row in instance.costs):
        raise ValueError(f"{instance.name}: cost matrix is not {m} x {instance.n}")
    customers = [j for j, d in enumerate(instance.demands) if d > 0]
    if any(d < 0 for d in instance.demands):
        raise ValueError(f"{instance.name}: negative demand")
    skipped = instance.n - len(customers)
    if skipped:
        note = f"{skipped} customer(s) with zero demand left out of the package"
        if note not in instance.notes:
            instance.notes.append(note)
    total = instance.total_demand
    capacities = [total] * m if uncapacitated else list(instance.capacities)

    facility_ids = [f"F{i + 1}" for i in range(m)]
    customer_ids = {j: f"C{j + 1}" for j in customers}
    _write_csv(
        out / "sites.csv",
        ("site_id", "name", "lat", "lon"),
        [(s, f"facility {i + 1}", 0, 0) for i, s in enumerate(facility_ids)]
        + [(customer_ids[j], f"customer {j + 1}", 0, 0) for j in customers],
    )
    _write_csv(out / "products.csv", ("product", "unit", "tonnes_per_unit"), [(PRODUCT, "unit", 1)])
    _write_csv(out / "supply.csv", ("site_id", "product", "capacity", "unit_cost"), [])
    _write_csv(
        out / "demand.csv",
        ("site_id", "product", "quantity"),
        [(customer_ids[j], PRODUCT, _num(instance.demands[j])) for j in customers],
    )
    _write_csv(
        out / "technologies.csv", ("technology", "output", "unit_cost"), [(TECHNOLOGY, PRODUCT, 0)]
    )
    _write_csv(out / "recipes.csv", ("technology", "input", "quantity"), [])
    _write_csv(
        out / "candidates.csv",
        ("site_id", "technology", "size", "capacity", "fixed_cost"),
        [
            (facility_ids[i], TECHNOLOGY, SIZE, _num(capacities[i]), _num(instance.fixed_costs[i]))
            for i in range(m)
        ],
    )
    _write_csv(
        out / "modes.csv", ("mode", "cost_per_tonne_km", "kg_co2_per_tonne_km"), [(MODE, 0, 0)]
    )
    _write_csv(
        out / "lanes.csv",
        ("origin", "destination", "mode", "product", "cost_per_unit", "kg_co2_per_unit"),
        (
            (
                facility_ids[i],
                customer_ids[j],
                MODE,
                PRODUCT,
                _num(instance.costs[i][j] / instance.demands[j]),
                0,
            )
            for i in range(m)
            for j in customers
        ),
    )
    return out


# ----------------------------------------------------------------------------- cases
@dataclass(frozen=True)
class Case:
    """One benchmark run: an instance file, a problem variant and its known optimum.

    Attributes
    ----------
    name : str
        Unique label, e.g. ``cap41``, ``cap71-uflp``, ``capa-8000``, ``p1``.
    family : {"orlib", "holmberg"}
        Instance family.
    problem : {"cflp", "uflp", "sscflp"}
        Capacitated multi-source, uncapacitated, or single-source capacitated.
    path : Path
        Instance file.
    optimum : float
        Published optimal objective.
    capacity_override : float, optional
        Capacity for every facility (``capa``/``capb``/``capc``).
    """

    name: str
    family: str
    problem: str
    path: Path
    optimum: float
    capacity_override: float | None = None

    def load(self) -> Instance:
        """Parse the instance file."""
        if self.family == "holmberg":
            return parse_holmberg(self.path)
        override = self.capacity_override
        if self.problem == "uflp" and override is None:
            override = math.inf  # capacities are ignored (and are words in capa/b/c)
        return parse_orlib(self.path, capacity_override=override)


def _read_optima(folder: Path) -> list[dict[str, str]]:
    with (folder / "optima.csv").open(newline="", encoding="utf-8") as fh:
        return [
            {k.strip(): (v or "").strip() for k, v in row.items()} for row in csv.DictReader(fh)
        ]


def _orlib_cases(folder: Path) -> list[Case]:
    cases = []
    for row in _read_optima(folder):
        stem = Path(row["file"]).stem
        problem = row.get("problem") or "cflp"
        override = float(row["capacity_override"]) if row.get("capacity_override") else None
        name = stem
        if override is not None:
            name += f"-{override:g}"
        if problem != "cflp":
            name += f"-{problem}"
        cases.append(
            Case(name, "orlib", problem, folder / row["file"], float(row["optimum"]), override)
        )
    return cases


def _holmberg_cases(folder: Path) -> list[Case]:
    cases = [
        Case(
            row["file"],
            "holmberg",
            row.get("problem") or "sscflp",
            folder / row["file"],
            float(row["optimum"]),
        )
        for row in _read_optima(folder)
    ]
    return sorted(cases, key=lambda c: (len(c.name), c.name))


def list_cases(
    root: str | Path = DEFAULT_INSTANCES,
    which: str = "small",
    holmberg: int | None = None,
    only: Sequence[str] | None = None,
) -> list[Case]:
    """List the benchmark cases of a set.

    Parameters
    ----------
    root : str or Path
        Folder holding ``orlib/`` and ``holmberg/`` (each with an ``optima.csv``), or
        one such family folder itself.
    which : {"small", "all", "orlib", "holmberg"}
        ``small``: the 37 small OR-Library ``cflp`` cases, the ``uflp`` rows for the
        small files and Holmberg ``p1``-``p10``; ``all``: every case; ``orlib`` /
        ``holmberg``: every case of one family.
    holmberg : int, optional
        Keep only the first ``holmberg`` Holmberg instances (``p1`` ... ``pN``).
    only : sequence of str, optional
        Keep only cases whose name or file stem is listed (e.g. ``cap41``, ``capa``,
        ``capa-8000``, ``cap71-uflp``, ``p7``).

    Returns
    -------
    list of Case
        In a stable order: OR-Library as listed in ``optima.csv``, then Holmberg by number.
    """
    root = Path(root)
    if (root / "optima.csv").is_file():  # a single family folder
        header = _read_optima(root)[:1]
        family = "orlib" if header and "capacity_override" in header[0] else "holmberg"
        folders = {family: root}
    else:
        folders = {
            f: root / f for f in ("orlib", "holmberg") if (root / f / "optima.csv").is_file()
        }
    if not folders:
        raise FileNotFoundError(f"no orlib/optima.csv or holmberg/optima.csv under {root}")
    orlib = _orlib_cases(folders["orlib"]) if "orlib" in folders else []
    holm = _holmberg_cases(folders["holmberg"]) if "holmberg" in folders else []
    if which == "small":
        orlib = [c for c in orlib if c.path.name in SMALL_ORLIB]
        holm = holm[: SMALL_HOLMBERG if holmberg is None else holmberg]
    elif which == "orlib":
        holm = []
    elif which == "holmberg":
        orlib = []
    elif which != "all":
        raise ValueError(f"unknown set {which!r}")
    if holmberg is not None:
        holm = holm[:holmberg]
    cases = orlib + holm
    if only:
        wanted = set(only)
        cases = [c for c in cases if c.name in wanted or c.path.stem in wanted]
    return cases


# --------------------------------------------------------------------------- solving
@dataclass
class Outcome:
    """Result of one benchmark case.

    Attributes
    ----------
    case : Case
        What was solved.
    termination : str
        hubopt termination (``optimal``, ``time_limit``, ...) or ``error``.
    objective : float or None
        Objective of the best solution found.
    best_bound : float or None
        Best lower bound proven by the solver.
    mip_gap : float or None
        Relative gap reported by the solver.
    seconds : float
        Wall time for conversion, load, build and solve.
    build_seconds, solve_seconds : float or None
        Model build and solver time as reported by hubopt.
    status : str
        Verdict, see :func:`evaluate`.
    failed : bool
        Whether this case makes the benchmark fail.
    message : str
        Error text or notes.
    """

    case: Case
    termination: str
    objective: float | None = None
    best_bound: float | None = None
    mip_gap: float | None = None
    seconds: float = 0.0
    build_seconds: float | None = None
    solve_seconds: float | None = None
    status: str = ""
    failed: bool = False
    message: str = ""

    @property
    def difference(self) -> float | None:
        """Absolute difference between our objective and the known optimum."""
        if self.objective is None:
            return None
        return abs(self.objective - self.case.optimum)


def _float_or_none(value: object) -> float | None:
    if value is None:
        return None
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def solve_package(
    package: str | Path,
    name: str,
    *,
    single_sourcing: bool,
    time_limit: float,
    threads: int = 1,
    seed: int = 0,
) -> dict[str, object]:
    """Solve a data package with :func:`hubopt.run` at a relative MIP gap of 0.

    Parameters
    ----------
    package : str or Path
        Data package folder.
    name : str
        Scenario name.
    single_sourcing : bool
        Serve each demand row from a single lane.
    time_limit : float
        Solver time limit in seconds.
    threads : int, default 1
        Solver threads.
    seed : int, default 0
        Solver random seed.

    Returns
    -------
    dict
        ``termination`` (str), ``objective``, ``best_bound``, ``mip_gap``,
        ``build_seconds``, ``solve_seconds`` (float or None).
    """
    import hubopt

    scenario = hubopt.Scenario(name=name, data_dir=Path(package), single_sourcing=single_sourcing)
    options = hubopt.SolveOptions(
        time_limit_s=float(time_limit), mip_rel_gap=0.0, threads=int(threads), seed=int(seed)
    )
    result = hubopt.run(scenario, options=options).result
    term = getattr(result.termination, "value", result.termination)
    return {
        "termination": str(term),
        "objective": _float_or_none(result.objective),
        "best_bound": _float_or_none(getattr(result, "best_bound", None)),
        "mip_gap": _float_or_none(getattr(result, "mip_gap", None)),
        "build_seconds": _float_or_none(getattr(result, "build_seconds", None)),
        "solve_seconds": _float_or_none(getattr(result, "solve_seconds", None)),
    }


def solve_reference(
    instance: Instance,
    uncapacitated: bool = False,
    time_limit: float = 600.0,
    threads: int = 1,
) -> dict[str, object]:
    """Solve an instance with a textbook model straight in HiGHS (no hubopt).

    Used to tell a conversion problem from a hubopt model problem: if this matches the
    known optimum and hubopt does not, the difference is in hubopt.

    Parameters
    ----------
    instance : Instance
        The instance.
    uncapacitated : bool, default False
        Ignore capacities.
    time_limit : float, default 600
        Time limit in seconds.
    threads : int, default 1
        HiGHS threads.

    Returns
    -------
    dict
        Same keys as :func:`solve_package`.

    Notes
    -----
    With ``x[i, j]`` the fraction of customer ``j`` served by facility ``i`` (binary
    when single-sourced) and ``y[i]`` open/closed: minimise
    ``sum f[i] y[i] + sum c[i, j] x[i, j]`` subject to ``sum_i x[i, j] = 1``,
    ``sum_j d[j] x[i, j] <= cap[i] y[i]`` and ``x[i, j] <= y[i]``.
    """
    import highspy
    import numpy as np
    from scipy import sparse

    start = time.perf_counter()
    m = instance.m
    keep = [j for j, d in enumerate(instance.demands) if d > 0]
    n = len(keep)
    d = np.array([instance.demands[j] for j in keep])
    c = np.array(instance.costs)[:, keep]
    cap = np.full(m, d.sum()) if uncapacitated else np.array(instance.capacities)
    nx = m * n
    xi = np.arange(nx).reshape(m, n)
    y = nx + np.arange(m)
    rows, cols, vals = [], [], []
    # assignment rows 0..n-1
    rows.append(np.tile(np.arange(n), m))
    cols.append(xi.ravel())
    vals.append(np.ones(nx))
    # capacity rows n..n+m-1
    rows += [n + np.repeat(np.arange(m), n), n + np.arange(m)]
    cols += [xi.ravel(), y]
    vals += [np.tile(d, m), -cap]
    # linking rows
    link = n + m + np.arange(nx)
    rows += [link, link]
    cols += [xi.ravel(), np.repeat(y, n)]
    vals += [np.ones(nx), -np.ones(nx)]
    nrow = n + m + nx
    a = sparse.coo_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(nrow, nx + m),
    ).tocsc()
    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = nx + m, nrow
    lp.col_cost_ = np.concatenate([c.ravel(), np.array(instance.fixed_costs)])
    lp.col_lower_ = np.zeros(nx + m)
    lp.col_upper_ = np.ones(nx + m)
    lp.row_lower_ = np.concatenate([np.ones(n), np.full(m + nx, -inf)])
    lp.row_upper_ = np.concatenate([np.ones(n), np.zeros(m + nx)])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = nx + m, nrow
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = a.indptr, a.indices, a.data
    integer, continuous = highspy.HighsVarType.kInteger, highspy.HighsVarType.kContinuous
    lp.integrality_ = [integer if instance.single_source else continuous] * nx + [integer] * m
    h = highspy.Highs()
    for key, value in (
        ("output_flag", False),
        ("mip_rel_gap", 0.0),
        ("time_limit", float(time_limit)),
        ("threads", int(threads)),
        ("random_seed", 0),
    ):
        h.setOptionValue(key, value)
    h.passModel(lp)
    built = time.perf_counter() - start
    h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    names = {
        highspy.HighsModelStatus.kOptimal: "optimal",
        highspy.HighsModelStatus.kTimeLimit: "time_limit",
        highspy.HighsModelStatus.kInfeasible: "infeasible",
        highspy.HighsModelStatus.kUnbounded: "unbounded",
    }
    has_solution = info.primal_solution_status == 2
    return {
        "termination": names.get(status, "error"),
        "objective": _float_or_none(info.objective_function_value) if has_solution else None,
        "best_bound": _float_or_none(info.mip_dual_bound),
        "mip_gap": _float_or_none(info.mip_gap),
        "build_seconds": built,
        "solve_seconds": time.perf_counter() - start - built,
    }


def evaluate(outcome: Outcome, strict_holmberg: bool = False, tol: float = TOLERANCE) -> Outcome:
    """Set ``status`` and ``failed`` on an outcome.

    Parameters
    ----------
    outcome : Outcome
        Solved case (``termination``, ``objective``, ``best_bound`` filled in).
    strict_holmberg : bool, default False
        Fail Holmberg cases that did not reach proven optimality.
    tol : float
        Absolute objective tolerance.

    Returns
    -------
    Outcome
        The same object, updated.

    Notes
    -----
    * ``optimal`` and within ``tol`` of the known optimum: ``ok``.
    * ``optimal`` but different: ``MISMATCH`` (fails).
    * not optimal, OR-Library: ``NOT OPTIMAL`` (fails).
    * not optimal, Holmberg: a solution *better* than the known optimum, or a proven
      bound *above* it, proves the model wrong (``WRONG``, fails); otherwise
      ``time limit`` (fails only with ``strict_holmberg``).
    * errors, infeasible or unbounded: fail.
    """
    opt = outcome.case.optimum
    obj, bound, term = outcome.objective, outcome.best_bound, outcome.termination
    if term == "optimal" and obj is not None:
        ok = abs(obj - opt) <= tol
        outcome.status, outcome.failed = ("ok", False) if ok else ("MISMATCH", True)
    elif term == "error":
        outcome.status, outcome.failed = "ERROR", True
    elif term in ("infeasible", "unbounded"):
        outcome.status, outcome.failed = term.upper(), True
    elif obj is not None and obj < opt - tol:
        outcome.status, outcome.failed = "WRONG (below optimum)", True
    elif bound is not None and bound > opt + tol:
        outcome.status, outcome.failed = "WRONG (bound above optimum)", True
    elif outcome.case.family == "holmberg" and not strict_holmberg:
        outcome.status, outcome.failed = term.replace("_", " "), False
    else:
        outcome.status, outcome.failed = f"NOT OPTIMAL ({term})", True
    return outcome


def solve_case(
    case: Case,
    time_limit: float,
    threads: int = 1,
    keep: Path | None = None,
    strict_holmberg: bool = False,
    reference: bool = False,
) -> Outcome:
    """Convert, solve and judge one case.

    Parameters
    ----------
    case : Case
        The case.
    time_limit : float
        Solver time limit in seconds.
    threads : int, default 1
        Solver threads.
    keep : Path, optional
        If given, write the data package to ``keep / case.name`` (and keep it) instead
        of a temporary folder.
    strict_holmberg : bool, default False
        See :func:`evaluate`.
    reference : bool, default False
        Solve with :func:`solve_reference` instead of hubopt (no package is written).

    Returns
    -------
    Outcome
        Judged result; solver errors are caught and reported as ``ERROR``.
    """
    start = time.perf_counter()
    notes: list[str] = []
    try:
        instance = case.load()
        if reference:
            res = solve_reference(
                instance, case.problem == "uflp", time_limit=time_limit, threads=threads
            )
            notes = list(instance.notes)
        else:
            res = _solve_hubopt(case, instance, time_limit, threads, keep)
            notes = list(instance.notes)
        out = Outcome(case, **res)  # type: ignore[arg-type]
    except Exception as exc:  # noqa: BLE001 - report every failure as a row
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        out = Outcome(case, "error", message=f"{type(exc).__name__}: {first}")
    out.seconds = time.perf_counter() - start
    if notes:
        out.message = "; ".join(filter(None, [out.message, *notes]))
    return evaluate(out, strict_holmberg=strict_holmberg)


def _solve_hubopt(
    case: Case, instance: Instance, time_limit: float, threads: int, keep: Path | None
) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix=f"hubopt-{case.name}-") as tmp:
        pkg = write_package(
            instance,
            (keep / case.name) if keep else Path(tmp) / "package",
            uncapacitated=case.problem == "uflp",
        )
        return solve_package(
            pkg,
            case.name,
            single_sourcing=instance.single_source,
            time_limit=time_limit,
            threads=threads,
        )


# ---------------------------------------------------------------------------- report
_COLUMNS = (
    ("instance", 16, "<"),
    ("problem", 7, "<"),
    ("optimum", 15, ">"),
    ("ours", 15, ">"),
    ("|diff|", 9, ">"),
    ("seconds", 8, ">"),
    ("solve s", 8, ">"),
    ("status", 0, "<"),
)


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def _row(o: Outcome) -> str:
    cells = (
        o.case.name,
        o.case.problem,
        _fmt(o.case.optimum, ".3f"),
        _fmt(o.objective, ".3f"),
        _fmt(o.difference, ".2e") if o.difference else ("0" if o.difference == 0 else "-"),
        _fmt(o.seconds, ".2f"),
        _fmt(o.solve_seconds, ".2f"),
        o.status + (f"  [{o.message}]" if o.message else ""),
    )
    return "  ".join(
        format(c, f"{a}{w}") if w else c for c, (_, w, a) in zip(cells, _COLUMNS, strict=True)
    )


def _header() -> str:
    line = "  ".join(format(h, f"{a}{w}") if w else h for h, w, a in _COLUMNS)
    return f"{line}\n{'-' * (len(line) + 20)}"


def _family_label(case: Case) -> str:
    if case.family == "holmberg":
        return "Holmberg sscflp"
    big = case.path.name not in SMALL_ORLIB
    return f"OR-Library {case.problem}{' capa/b/c' if big else ''}"


def summarize(outcomes: Sequence[Outcome]) -> str:
    """Summarize outcomes: matches per family, Holmberg coverage and times.

    Parameters
    ----------
    outcomes : sequence of Outcome
        Judged results.

    Returns
    -------
    str
        Multi-line human-readable summary.
    """
    lines = ["", "Summary"]
    groups: dict[str, list[Outcome]] = {}
    for o in outcomes:
        groups.setdefault(_family_label(o.case), []).append(o)
    for label, group in groups.items():
        matched = sum(o.status == "ok" for o in group)
        total_s = sum(o.seconds for o in group)
        worst = max((o.difference for o in group if o.difference is not None), default=None)
        lines.append(
            f"  {label:<28} matched {matched:>3}/{len(group):<3} "
            f"time {total_s:9.2f} s total, {total_s / len(group):7.2f} s mean, "
            f"max {max(o.seconds for o in group):7.2f} s; "
            f"max |diff| {_fmt(worst, '.2e')}"
        )
    holm = [o for o in outcomes if o.case.family == "holmberg"]
    if holm:
        proven = sum(o.termination == "optimal" for o in holm)
        lines.append(
            f"  Holmberg coverage: {proven}/{len(holm)} solved to proven optimality "
            "within the time limit"
        )
    failed = [o for o in outcomes if o.failed]
    total = sum(o.seconds for o in outcomes)
    lines.append(
        f"  All: {sum(o.status == 'ok' for o in outcomes)}/{len(outcomes)} matched, "
        f"{len(failed)} failing, {total:.2f} s total, "
        f"{total / max(len(outcomes), 1):.2f} s mean"
    )
    if failed:
        lines.append("  FAILED: " + ", ".join(f"{o.case.name} ({o.status})" for o in failed))
    return "\n".join(lines)


def write_csv(outcomes: Sequence[Outcome], path: str | Path) -> None:
    """Write the results table as CSV.

    Parameters
    ----------
    outcomes : sequence of Outcome
        Judged results.
    path : str or Path
        Output file.
    """
    header = (
        "instance",
        "family",
        "problem",
        "file",
        "capacity_override",
        "optimum",
        "objective",
        "abs_diff",
        "best_bound",
        "mip_gap",
        "termination",
        "status",
        "failed",
        "seconds",
        "build_seconds",
        "solve_seconds",
        "message",
    )

    def cell(v: object) -> object:
        return "" if v is None else (repr(v) if isinstance(v, float) else v)

    _write_csv(
        Path(path),
        header,
        (
            [
                cell(v)
                for v in (
                    o.case.name,
                    o.case.family,
                    o.case.problem,
                    o.case.path.name,
                    o.case.capacity_override,
                    o.case.optimum,
                    o.objective,
                    o.difference,
                    o.best_bound,
                    o.mip_gap,
                    o.termination,
                    o.status,
                    o.failed,
                    round(o.seconds, 3),
                    o.build_seconds,
                    o.solve_seconds,
                    o.message,
                )
            ]
            for o in outcomes
        ),
    )


# ------------------------------------------------------------------------------- CLI
def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        description="Solve literature facility-location instances with hubopt and compare "
        "with their published optima.",
    )
    p.add_argument(
        "--set",
        dest="which",
        choices=("small", "all", "orlib", "holmberg"),
        default=None,
        help="which cases to run (default: small, or all when --only is given)",
    )
    p.add_argument(
        "--instances",
        type=Path,
        default=DEFAULT_INSTANCES,
        metavar="DIR",
        help="folder with orlib/ and holmberg/ (or one of them); default: %(default)s",
    )
    p.add_argument(
        "--holmberg", type=int, metavar="N", help="run only the first N Holmberg instances"
    )
    p.add_argument(
        "--time-limit",
        type=float,
        default=600.0,
        metavar="S",
        help="solver time limit per instance, seconds (default: %(default)s)",
    )
    p.add_argument("--threads", type=int, default=1, help="solver threads (default: 1)")
    p.add_argument("--csv", type=Path, metavar="OUT", help="write the results table to OUT")
    p.add_argument("--only", nargs="+", metavar="NAME", help="only these cases (name or file stem)")
    p.add_argument(
        "--strict-holmberg",
        action="store_true",
        help="fail Holmberg cases that hit the time limit",
    )
    p.add_argument(
        "--keep-packages",
        type=Path,
        metavar="DIR",
        help="write the generated data packages under DIR (for inspection) and keep them",
    )
    p.add_argument(
        "--reference",
        action="store_true",
        help="solve with a textbook model directly in HiGHS instead of hubopt "
        "(checks the parsers and the published optima independently of hubopt)",
    )
    p.add_argument("--list", action="store_true", help="list the selected cases and exit")
    p.add_argument(
        "--highs",
        nargs="+",
        default=[],
        metavar="KEY=VALUE",
        help="extra HiGHS options for every solve (hubopt.solve.HIGHS_OPTIONS), to measure",
    )
    p.add_argument(
        "--no-equal-linking",
        action="store_true",
        help="single sourcing: ship <= D*assign instead of = at must-serve rows (to measure)",
    )
    p.add_argument(
        "--no-link-colocated",
        action="store_true",
        help="no strong link rows at co-located single-sourced sites (to measure)",
    )
    return p


def _highs_value(text: str) -> object:
    """Parse a HiGHS option value from the command line: int, float, bool or string."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(text.lower(), text)


def _apply_settings(args: argparse.Namespace) -> None:
    """Set the measuring switches (HiGHS options, formulation) before any solve."""
    if not (args.highs or args.no_equal_linking or args.no_link_colocated):
        return
    from hubopt import solve
    from hubopt.model import sourcing

    for item in args.highs:
        key, _, value = item.partition("=")
        solve.HIGHS_OPTIONS[key] = _highs_value(value)
    sourcing.settings.equal_linking = not args.no_equal_linking
    sourcing.settings.link_colocated = not args.no_link_colocated
    print(
        f"settings: HiGHS {solve.HIGHS_OPTIONS}, equal_linking "
        f"{sourcing.settings.equal_linking}, link_colocated {sourcing.settings.link_colocated}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark from the command line.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 if every case passed, 1 if any failed, 2 if nothing could be run (no case
        selected, instances not found, or hubopt cannot be imported).
    """
    args = _parser().parse_args(argv)
    try:
        which = args.which or ("all" if args.only else "small")
        cases = list_cases(args.instances, which, args.holmberg, args.only)
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    unmatched = sorted(
        set(args.only or ()) - {c.name for c in cases} - {c.path.stem for c in cases}
    )
    if unmatched:
        print(f"warning: --only names not in the selected set: {unmatched}", file=sys.stderr)
    if not cases:
        print("error: no case selected", file=sys.stderr)
        return 2
    if args.list:
        for c in cases:
            print(f"{c.name:<16} {c.family:<9} {c.problem:<7} {c.optimum:>16.3f}  {c.path}")
        return 0
    solver = "reference HiGHS model (not hubopt)" if args.reference else "hubopt"
    print(
        f"{len(cases)} case(s) from {args.instances}, solved with {solver}; "
        f"time limit {args.time_limit:g} s, "
        f"{args.threads} thread(s), mip_rel_gap 0, tolerance {TOLERANCE:g}\n"
    )
    if not args.reference:
        try:  # import once, outside the per-instance timings
            import hubopt  # noqa: F401
        except Exception as exc:  # noqa: BLE001 - any import failure means no run
            print(f"error: cannot import hubopt: {type(exc).__name__}: {exc}", file=sys.stderr)
            return 2
        _apply_settings(args)
    print(_header(), flush=True)
    outcomes = []
    for case in cases:
        o = solve_case(
            case,
            args.time_limit,
            threads=args.threads,
            keep=args.keep_packages,
            strict_holmberg=args.strict_holmberg,
            reference=args.reference,
        )
        outcomes.append(o)
        print(_row(o), flush=True)
    print(summarize(outcomes))
    if args.csv:
        write_csv(outcomes, args.csv)
        print(f"\nresults written to {args.csv}")
    return 1 if any(o.failed for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
