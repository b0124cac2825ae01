"""The grid of a sweep: which scenario keys can vary, how ``--vary`` values are read.

``parse_vary(["carbon_price=0,50"], base)`` reads command-line options; :func:`sweep_points`
turns ``{key: [values]}`` into one scenario per combination, named
``<base>__key=value__...``.

>>> value_text(50.0), value_text(None), value_text(True)
('50', 'none', 'true')
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from hubopt.errors import HubDataError, Issue, raise_if_errors
from hubopt.inputs.fields import (
    ScenarioField,
    field_named,
    parse_text,
    scenario_mapping,
    vary_fields,
)
from hubopt.inputs.scenario import Scenario, scenario_from_dict

__all__ = ["SWEEP_KEYS", "parse_vary", "sweep_points", "value_text"]

SWEEP_KEYS: dict[str, str] = {
    **{f.name: f.section for f in vary_fields()},
    "demand_scale": "sweep",
}
"""Keys that can be varied, and their section of the scenario file (``sweep``: sweep only).

Built from :data:`hubopt.inputs.fields.SCENARIO_FIELDS` (rows with ``vary=True``)."""

_OPTIONAL = {f.name for f in vary_fields() if f.optional}


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


def value_text(value: Any) -> str:
    """Return a grid value as it appears in scenario and folder names."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value)) if "e" not in repr(value) else repr(value)
    if isinstance(value, str):
        return Path(value).name or value
    if isinstance(value, dict):  # a table of hub counts (issue #11): plant-2+cam-1
        return "+".join(f"{k}-{value_text(v)}" for k, v in value.items())
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
        name = "__".join([base.name, *(f"{k}={value_text(v)}" for k, v in values.items())])
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1:  # e.g. two data packages in folders of the same name
            name = f"{name}-{seen[name]}"
        tag = ", ".join(f"{k}={value_text(v)}" for k, v in values.items())
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
