"""Scenario files (``models/*.toml``): what to optimise, under which constraints, how.

A scenario names a data package and adds the scenario constraints and solver settings.
Unknown keys or sections are errors, and every value is type-checked, so that a typo
never passes silently.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from hubopt.errors import Issue, raise_if_errors

__all__ = ["Scenario", "SolveOptions", "load_scenario", "scenario_from_dict"]


@dataclass(frozen=True)
class SolveOptions:
    """Solver settings.

    Parameters
    ----------
    time_limit_s : float, optional
        Wall-clock limit for the solve, seconds; ``None`` = no limit.
    mip_rel_gap : float
        Relative MIP gap at which HiGHS stops (HiGHS default 1e-4; 0 = prove optimality).
    threads : int
        HiGHS threads (1 = serial; more turns on parallel tree search).
    seed : int
        HiGHS random seed, for reproducible runs.
    log_to_console : bool
        Print HiGHS's own log while solving.
    """

    time_limit_s: float | None = None
    mip_rel_gap: float = 1e-4
    threads: int = 1
    seed: int = 0
    log_to_console: bool = False


@dataclass(frozen=True)
class Scenario:
    """One optimisation run: a data package plus scenario constraints.

    Parameters
    ----------
    name : str
        Scenario name; the default result folder is ``results/<name>/``.
    data_dir : Path
        Data package folder.
    description : str
        Plain-language description shown in reports.
    carbon_price : float
        Money per tonne of CO2 added to the objective (same currency unit as the data).
    max_emissions_t : float, optional
        Cap on total CO2, tonnes per year.
    max_hubs : int, optional
        At most this many options open (existing and required options count).
    min_energy_community_hubs : int, optional
        At least this many options open at energy-community sites.
    single_sourcing : bool
        Each demand row is served through a single inbound lane.
    solver : SolveOptions
        Solver settings from the ``[solver]`` section.
    source : Path, optional
        The TOML file this scenario was read from.
    """

    name: str
    data_dir: Path
    description: str = ""
    carbon_price: float = 0.0
    max_emissions_t: float | None = None
    max_hubs: int | None = None
    min_energy_community_hubs: int | None = None
    single_sourcing: bool = False
    solver: SolveOptions = field(default_factory=SolveOptions)
    source: Path | None = None

    def with_options(self, **changes: Any) -> Scenario:
        """Return a copy with some fields changed (``solver`` fields go to ``solver``)."""
        solver_keys = {f.name for f in fields(SolveOptions)}
        solver_changes = {k: v for k, v in changes.items() if k in solver_keys}
        other = {k: v for k, v in changes.items() if k not in solver_keys}
        return replace(self, solver=replace(self.solver, **solver_changes), **other)


_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")

# key -> (accepted python types, description used in messages, validator or None)
_NUM = (int, float)
_SCHEMA: dict[str, dict[str, tuple[tuple[type, ...], str]]] = {
    "": {"name": ((str,), "text"), "data": ((str,), "a path"), "description": ((str,), "text")},
    "objective": {"carbon_price": (_NUM, "a number ≥ 0")},
    "constraints": {
        "max_emissions_t": (_NUM, "a number ≥ 0"),
        "max_hubs": ((int,), "a whole number ≥ 0"),
        "min_energy_community_hubs": ((int,), "a whole number ≥ 0"),
        "single_sourcing": ((bool,), "true or false"),
    },
    "solver": {
        "time_limit_s": (_NUM, "a number of seconds ≥ 0"),
        "mip_rel_gap": (_NUM, "a number between 0 and 1"),
        "threads": ((int,), "a whole number ≥ 1"),
        "seed": ((int,), "a whole number ≥ 0"),
    },
}


def _check_value(section: str, key: str, value: Any, fname: str) -> list[Issue]:
    types, desc = _SCHEMA[section][key]
    col = f"{section}.{key}" if section else key
    ok = isinstance(value, types) and not (isinstance(value, bool) and bool not in types)
    if ok and isinstance(value, float) and not math.isfinite(value):
        ok = False
    if ok and isinstance(value, _NUM) and not isinstance(value, bool):
        if value < 0 or (key == "threads" and value < 1) or (key == "mip_rel_gap" and value > 1):
            ok = False
    if ok and key in ("name", "data") and not str(value).strip():
        ok = False
    if ok and key == "name" and not _NAME.fullmatch(value):
        return [
            Issue(
                "check_toml_name",
                f"name {value!r} must be a plain folder name (letters, digits, '.', '_', '-'; "
                "no '/' or '..'), because results are written to results/<name>/",
                fname,
                None,
                col,
            )
        ]
    if ok:
        return []
    return [Issue("check_toml_type", f"{value!r} is not valid: expected {desc}", fname, None, col)]


def scenario_from_dict(raw: dict[str, Any], base_dir: Path, fname: str = "") -> Scenario:
    """Build a :class:`Scenario` from a parsed TOML mapping, checking every key.

    Parameters
    ----------
    raw : dict
        Parsed TOML.
    base_dir : Path
        Folder that ``data`` is relative to (the TOML file's folder).
    fname : str
        File name used in messages.

    Raises
    ------
    HubDataError
        Listing every unknown key, wrong type and missing required key.
    """
    issues: list[Issue] = []
    flat: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(value, dict):
            if key not in _SCHEMA or key == "":
                issues.append(
                    Issue(
                        "check_toml_unknown",
                        f"unknown section [{key}]; allowed: "
                        + ", ".join(f"[{s}]" for s in _SCHEMA if s),
                        fname,
                        None,
                        key,
                    )
                )
                continue
            for sub, v in value.items():
                if sub not in _SCHEMA[key]:
                    issues.append(
                        Issue(
                            "check_toml_unknown",
                            f"unknown key '{sub}' in [{key}]; allowed: " + ", ".join(_SCHEMA[key]),
                            fname,
                            None,
                            f"{key}.{sub}",
                        )
                    )
                    continue
                issues += _check_value(key, sub, v, fname)
                flat[sub] = v
        elif key in _SCHEMA[""]:
            issues += _check_value("", key, value, fname)
            flat[key] = value
        else:
            where = next((s for s, keys in _SCHEMA.items() if key in keys), None)
            hint = f" (it belongs in the [{where}] section)" if where else ""
            issues.append(
                Issue(
                    "check_toml_unknown",
                    f"unknown key '{key}'{hint}; allowed at top level: name, data, description",
                    fname,
                    None,
                    key,
                )
            )
    for req in ("name", "data"):
        if req not in raw:
            issues.append(
                Issue("check_toml_missing", f"required key '{req}' is missing", fname, None, req)
            )
    raise_if_errors(issues)
    solver_keys = {"time_limit_s", "mip_rel_gap", "threads", "seed"}
    solver = SolveOptions(
        **{
            k: (float(v) if k in ("time_limit_s", "mip_rel_gap") else v)
            for k, v in flat.items()
            if k in solver_keys
        }
    )
    data_dir = Path(flat["data"])
    if not data_dir.is_absolute():
        data_dir = (base_dir / data_dir).resolve()
    return Scenario(
        name=flat["name"],
        data_dir=data_dir,
        description=flat.get("description", ""),
        carbon_price=float(flat.get("carbon_price", 0.0)),
        max_emissions_t=(float(flat["max_emissions_t"]) if "max_emissions_t" in flat else None),
        max_hubs=flat.get("max_hubs"),
        min_energy_community_hubs=flat.get("min_energy_community_hubs"),
        single_sourcing=bool(flat.get("single_sourcing", False)),
        solver=solver,
    )


def load_scenario(path: str | Path) -> Scenario:
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
