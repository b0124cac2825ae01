"""Reading a result folder back (``hubopt compare``): damaged files are input errors.

A result folder is the input of ``hubopt compare``; a ``summary.json`` that is not JSON,
a plan table that is not a CSV, a table without a column compare needs, or text in a number
column (a folder edited by hand, or a copy cut short) is reported with the file, line and
column (exit 2), instead of failing inside the comparison.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from hubopt.errors import Issue, raise_if_errors

__all__ = ["RESULT_COLUMNS", "read_json_file", "read_plan_table"]

RESULT_COLUMNS: dict[str, dict[str, bool]] = {
    "hubs": {"site_id": False, "technology": False, "lat": True, "lon": True},
    "flows": {"origin": False, "destination": False, "mode": False, "product": False,
              "distance_km": True, "quantity": True, "tonne_km": True},
    "candidates": {"site_id": False, "technology": False, "size": False, "selected": False},
    "purchases": {"site_id": False, "product": False},
    "production": {"site_id": False, "technology": False},
    "demand": {"site_id": False, "product": False, "served": True},
}  # fmt: skip
"""Columns compare reads from each plan table (``True``: must hold numbers)."""

_ADVICE = "the result folder was edited or cut short; solve the scenario again"


def read_json_file(path: Path, check: str = "check_result_file") -> dict[str, Any]:
    """Read a JSON object (``summary.json``, ``manifest.json``) or raise an input error.

    Parameters
    ----------
    path : Path
        The file.
    check : str
        Check name of the issue raised.

    Returns
    -------
    dict
        The parsed object.

    Raises
    ------
    HubDataError
        If the file cannot be read, is not JSON, or is not a JSON object.
    """
    try:
        value = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        raise_if_errors([Issue(check, f"cannot read as JSON ({exc}); {_ADVICE}", str(path), line)])
    if not isinstance(value, dict):
        msg = f"holds a JSON {type(value).__name__}, not an object; {_ADVICE}"
        raise_if_errors([Issue(check, msg, str(path))])
    return value


def read_plan_table(path: Path, name: str, dtype: dict) -> pd.DataFrame:
    """Read one plan table of a result folder, checking the columns compare uses.

    Parameters
    ----------
    path : Path
        The CSV file (``hubs.csv``, ``flows.csv``, ...).
    name : str
        Table name, a key of :data:`RESULT_COLUMNS`.
    dtype : dict
        Column types passed to :func:`pandas.read_csv` (identifiers as text).

    Returns
    -------
    DataFrame

    Raises
    ------
    HubDataError
        If the file is not a CSV, lacks a column of :data:`RESULT_COLUMNS`, or has text
        in one of its number columns (every such cell is listed, up to 20).
    """
    try:
        table = pd.read_csv(path, dtype=dtype, keep_default_na=True)
    except (OSError, UnicodeDecodeError, ValueError, pd.errors.ParserError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise_if_errors([Issue("check_result_file", f"cannot read as CSV ({first}); {_ADVICE}",
                               str(path))])  # fmt: skip
    issues = []
    for col, numeric in RESULT_COLUMNS.get(name, {}).items():
        if col not in table.columns:
            msg = f"column '{col}' is missing; {_ADVICE}"
            issues.append(Issue("check_result_file", msg, str(path), 1, col))
            continue
        if not numeric:
            continue
        num = pd.to_numeric(table[col], errors="coerce")
        for i in table.index[num.isna() & table[col].notna()][:20]:
            msg = f"'{table.at[i, col]}' is not a number; {_ADVICE}"
            issues.append(Issue("check_result_file", msg, str(path), int(i) + 2, col))
        table[col] = num
    raise_if_errors(issues)
    return table
