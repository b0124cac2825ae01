"""Scenario files (``models/*.toml``): what to optimise, under which constraints, how.

A scenario names a data package and adds the scenario constraints and solver settings.
Unknown keys or sections are errors, and every value is type- and range-checked, so that
a typo never passes silently. The keys, their sections, types, defaults, units and ranges
are the rows of :data:`hubopt.inputs.fields.SCENARIO_FIELDS`; :class:`Scenario` and
:class:`SolveOptions` are generated from that table, so a new key is one row there.
"""

from __future__ import annotations

import tomllib
from dataclasses import field, fields, make_dataclass, replace
from pathlib import Path
from typing import Any

from hubopt.errors import Issue, raise_if_errors
from hubopt.inputs.fields import (
    SCENARIO_FIELDS,
    SECTIONS,
    ScenarioField,
    check_count_pairs,
    check_value,
    convert,
)

__all__ = ["Scenario", "SolveOptions", "load_scenario", "scenario_from_dict"]


def _annotation(f: ScenarioField) -> Any:
    return f.type | None if f.optional else f.type


def _doc(title: str, rows: list[tuple[str, str, str]]) -> str:
    lines = [title, "", "Parameters", "----------"]
    for name, typ, text in rows:
        lines += [f"{name} : {typ}", f"    {text}"]
    return "\n".join(lines) + "\n"


def _row_doc(f: ScenarioField) -> tuple[str, str, str]:
    typ = f.type.__name__ + (", optional" if f.optional else "")
    unit = f" Unit: {f.unit}." if f.unit else ""
    return (f.attribute, typ, f"{f.doc}{unit} TOML key ``{f.key}``.")


def _spec(f: ScenarioField) -> tuple[str, Any, Any]:
    if f.required and f.type is str:  # the name: the one positional-only-by-need field
        return (f.attribute, f.type, field())
    if f.required:  # data_dir: may stay unset when ``data`` holds an in-memory package
        return (f.attribute, f.type | None, field(default=None))
    return (f.attribute, _annotation(f), field(default=f.default))


_SOLVER = [f for f in SCENARIO_FIELDS if f.section == "solver"]
_MAIN = [f for f in SCENARIO_FIELDS if f.section != "solver"]


def _numbers_checker(rows: list[ScenarioField]) -> Any:
    """Return a ``__post_init__`` that range-checks the numeric fields of ``rows``.

    Values set in Python or on the command line (``--time-limit -1``, ``--gap 5``,
    ``--threads 0``) get the same range checks, and messages, as a scenario file.
    """
    numeric = [f for f in rows if f.type in (int, float, dict)]

    def __post_init__(self: Any) -> None:
        issues: list[Issue] = []
        for f in numeric:
            v = getattr(self, f.attribute)
            if f.type is dict and v is not None:  # a share or {product = share}
                issues += check_value(f, v, "")
                continue
            if v is None or isinstance(v, bool) or not isinstance(v, int | float):
                continue
            if f.type is int and isinstance(v, float) and v.is_integer():
                v = int(v)
            issues += check_value(f, v, "")
        if any(f.name == "min_new_hubs" for f in rows):  # issue #11: min ≤ max
            names = ("min_new_hubs", "max_new_hubs")
            issues += check_count_pairs({n: getattr(self, n) for n in names}, "")
        raise_if_errors(issues)

    return __post_init__


SolveOptions = make_dataclass(
    "SolveOptions",
    [*(_spec(f) for f in _SOLVER), ("log_to_console", bool, field(default=False))],
    frozen=True,
    namespace={"__post_init__": _numbers_checker(_SOLVER)},
)
SolveOptions.__module__ = __name__
SolveOptions.__doc__ = _doc(
    "Solver settings (the ``[solver]`` section).",
    [*(_row_doc(f) for f in _SOLVER), ("log_to_console", "bool", "Print HiGHS's own log.")],
)


def _with_options(self: Any, **changes: Any) -> Any:
    """Return a copy with some fields changed (``solver`` fields go to ``solver``)."""
    solver_keys = {f.name for f in fields(SolveOptions)}
    solver_changes = {k: v for k, v in changes.items() if k in solver_keys}
    other = {k: v for k, v in changes.items() if k not in solver_keys}
    return replace(self, solver=replace(self.solver, **solver_changes), **other)


Scenario = make_dataclass(
    "Scenario",
    [
        *(_spec(f) for f in _MAIN),
        ("solver", SolveOptions, field(default_factory=SolveOptions)),
        ("source", Path | None, field(default=None)),
        ("data", Any, field(default=None, compare=False, repr=False)),
    ],
    frozen=True,
    namespace={"with_options": _with_options, "__post_init__": _numbers_checker(_MAIN)},
)
Scenario.__module__ = __name__
Scenario.__doc__ = _doc(
    "One optimisation run: a data package plus scenario constraints.",
    [
        *(_row_doc(f) for f in _MAIN),
        ("solver", "SolveOptions", "Solver settings from the ``[solver]`` section."),
        ("source", "Path, optional", "The TOML file this scenario was read from."),
        (
            "data",
            "HubData, optional",
            "An in-memory package (:meth:`hubopt.HubData.from_tables`), used instead of "
            "reading ``data_dir``.",
        ),
    ],
)

_BY_SECTION: dict[str, dict[str, ScenarioField]] = {
    s: {f.name: f for f in SCENARIO_FIELDS if f.section == s} for s in SECTIONS
}


def _unknown(msg: str, fname: str, column: str) -> Issue:
    return Issue("check_toml_unknown", msg, fname, None, column)


def scenario_from_dict(raw: dict[str, Any], base_dir: Path, fname: str = "") -> Any:
    """Build a :class:`Scenario` from a parsed TOML mapping, checking every key.

    Parameters
    ----------
    raw : dict
        Parsed TOML.
    base_dir : Path
        Folder that ``data`` is relative to (the TOML file's folder).
    fname : str
        File name used in messages.

    Returns
    -------
    Scenario

    Raises
    ------
    HubDataError
        Listing every unknown key, wrong type, value out of range and missing key.
    """
    issues: list[Issue] = []
    values: dict[ScenarioField, Any] = {}
    bad: set[str] = set()  # keys whose value failed its check (not compared with others)
    top = _BY_SECTION[""]
    for key, value in raw.items():
        if isinstance(value, dict):
            if key not in _BY_SECTION or key == "":
                allowed = ", ".join(f"[{s}]" for s in SECTIONS if s)
                issues.append(_unknown(f"unknown section [{key}]; allowed: {allowed}", fname, key))
                continue
            for sub, v in value.items():
                f = _BY_SECTION[key].get(sub)
                if f is None:
                    allowed = ", ".join(_BY_SECTION[key])
                    msg = f"unknown key '{sub}' in [{key}]; allowed: {allowed}"
                    issues.append(_unknown(msg, fname, f"{key}.{sub}"))
                    continue
                found = check_value(f, v, fname)
                issues += found
                values[f] = v
                bad |= {f.name} if found else set()
        elif key in top:
            found = check_value(top[key], value, fname)
            issues += found
            values[top[key]] = value
            bad |= {key} if found else set()
        else:
            where = next((s for s in SECTIONS if s and key in _BY_SECTION[s]), None)
            hint = f" (it belongs in the [{where}] section)" if where else ""
            msg = f"unknown key '{key}'{hint}; allowed at top level: {', '.join(top)}"
            issues.append(_unknown(msg, fname, key))
    for f in SCENARIO_FIELDS:
        if f.required and f not in values:
            msg = f"required key '{f.name}' is missing"
            issues.append(Issue("check_toml_missing", msg, fname, None, f.name))
    checked = {f.name: v for f, v in values.items() if f.name not in bad}  # typed values only
    issues += check_count_pairs(checked, fname)  # issue #11
    raise_if_errors(issues)
    kw = {f.attribute: convert(f, v, base_dir) for f, v in values.items()}
    solver_names = {f.attribute for f in _SOLVER}
    solver = SolveOptions(**{k: v for k, v in kw.items() if k in solver_names})
    return Scenario(**{k: v for k, v in kw.items() if k not in solver_names}, solver=solver)


def load_scenario(path: str | Path) -> Any:
    """Read a scenario TOML file.

    Parameters
    ----------
    path : str or Path
        The ``.toml`` file; its ``data`` path is resolved relative to the file's folder.

    Returns
    -------
    Scenario

    Raises
    ------
    HubDataError
        If the file is missing, is not valid TOML, or has unknown keys / wrong types.
    """
    p = Path(path)
    if not p.is_file():
        raise_if_errors(
            [Issue("check_toml_missing_file", f"scenario file '{p}' does not exist", str(p))]
        )
    try:
        raw = tomllib.loads(p.read_bytes().decode("utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise_if_errors([Issue("check_toml_syntax", f"not valid TOML: {exc}", p.name)])
        raise  # pragma: no cover - raise_if_errors always raises here
    return replace(scenario_from_dict(raw, p.parent.resolve(), p.name), source=p.resolve())
