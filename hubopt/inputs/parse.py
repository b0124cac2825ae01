"""Parse and type one table of a data package, with every per-file check.

The index of a typed table is the row number messages show: the CSV line (header = line
1) for files, the position for in-memory tables (mapped back to the DataFrame's index
labels by :meth:`hubopt.inputs.load.HubData.from_tables`).
"""

from __future__ import annotations

import csv
import difflib
import io

import numpy as np
import pandas as pd

from hubopt.errors import Issue
from hubopt.inputs.schema import (
    COMPUTED_COLUMNS,
    FALSE_WORDS,
    MAGNITUDE,
    TRUE_WORDS,
    Column,
    FileSpec,
)

__all__ = ["decode", "read_table", "typed_table"]


def decode(raw: bytes, fname: str, issues: list[Issue]) -> str | None:
    """Decode CSV bytes as UTF-8 (with or without BOM), else report the encoding."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        issues.append(
            Issue(
                "check_encoding",
                f"the file is not UTF-8 (byte 0x{raw[exc.start]:02x}); save it as "
                "'CSV UTF-8' in your spreadsheet program",
                fname,
                line,
            )
        )
        return None


def _parse_float(spec: FileSpec, col: Column, s: pd.Series, issues: list[Issue]) -> pd.Series:
    blank = s.str.strip() == ""
    num = pd.to_numeric(s.str.strip().where(~blank), errors="coerce")
    bad = ~blank & num.isna()
    for line, text in s[bad].items():
        issues.append(
            Issue(
                "check_number",
                f"'{text}' is not a number; write a plain number such as 12.5 "
                "(no units, thousands separators or text)",
                spec.filename,
                int(line),
                col.name,
            )
        )
    num = num.astype(float)
    for line in num[~bad & ~blank & ~np.isfinite(num.fillna(0.0))].index:
        issues.append(
            Issue(
                "check_finite",
                f"'{s[line]}' is not a finite number; give a real value",
                spec.filename,
                int(line),
                col.name,
            )
        )
    ok = num.notna() & np.isfinite(num.fillna(0.0))
    if col.minimum is not None:
        low = ok & ((num <= col.minimum) if col.strict_minimum else (num < col.minimum))
        rel = "greater than" if col.strict_minimum else "at least"
        for line, v in num[low].items():
            issues.append(
                Issue(
                    "check_range",
                    f"{v:g} is out of range: must be {rel} {col.minimum:g} "
                    f"(allowed: {col.allowed()})",
                    spec.filename,
                    int(line),
                    col.name,
                )
            )
    if col.maximum is not None:
        advice = (
            "; the value itself is the problem: check its unit (money in k$ or M$ keeps "
            "numbers small) or a stray exponent"
            if col.maximum >= MAGNITUDE
            else ""
        )
        for line, v in num[ok & (num > col.maximum)].items():
            issues.append(
                Issue(
                    "check_range",
                    f"{v:g} is out of range: must be at most {col.maximum:g} "
                    f"(allowed: {col.allowed()})" + advice,
                    spec.filename,
                    int(line),
                    col.name,
                )
            )
    return num


def _parse_bool(spec: FileSpec, col: Column, s: pd.Series, issues: list[Issue]) -> pd.Series:
    low = s.str.strip().str.lower()
    bad = ~low.isin(TRUE_WORDS | FALSE_WORDS)
    for line, text in s[bad].items():
        issues.append(
            Issue(
                "check_bool",
                f"'{text}' is not true/false; write true or false (yes/no and 1/0 also work)",
                spec.filename,
                int(line),
                col.name,
            )
        )
    return low.isin(TRUE_WORDS)


def _parse_column(spec: FileSpec, col: Column, s: pd.Series, issues: list[Issue]) -> pd.Series:
    blank = s.str.strip() == ""
    if col.required:
        for line in s[blank].index:
            issues.append(
                Issue(
                    "check_blank",
                    "this required cell is empty; fill it in",
                    spec.filename,
                    int(line),
                    col.name,
                )
            )
    if col.kind == "float":
        out = _parse_float(spec, col, s, issues)
        if col.default is not None:
            out = out.fillna(float(col.default))  # type: ignore[arg-type]
        return out
    if col.kind == "bool":
        return _parse_bool(spec, col, s, issues)
    text = s.str.strip()
    if col.kind == "enum":
        text = text.str.lower().where(~blank, str(col.default or ""))
        for line in text.index[~text.isin(col.choices)]:
            issues.append(
                Issue(
                    "check_choice",
                    f"'{s[line]}' is not allowed; use one of {', '.join(col.choices)}",
                    spec.filename,
                    int(line),
                    col.name,
                )
            )
    return text.astype(object)


def read_table(spec: FileSpec, text: str, issues: list[Issue]) -> pd.DataFrame | None:
    """Parse one CSV file's text against its spec.

    Parameters
    ----------
    spec : FileSpec
        The file's contract.
    text : str
        Decoded file contents.
    issues : list of Issue
        Problems found are appended here.

    Returns
    -------
    DataFrame or None
        Typed table indexed by CSV line number, or ``None`` if it has no usable header.
    """
    fname = spec.filename
    if not text.strip():
        issues.append(
            Issue("check_empty_file", "the file is empty; it needs at least a header row", fname)
        )
        return None
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:  # pragma: no cover - csv module is lenient
        issues.append(Issue("check_csv", f"cannot read as CSV: {exc}", fname))
        return None
    header = [h.strip() for h in rows[0]]
    body = [r for r in rows[1:]]
    lines = list(range(2, len(rows) + 1))
    keep = [(ln, r) for ln, r in zip(lines, body, strict=True) if any(c.strip() for c in r)]
    return typed_table(spec, header, keep, issues)


def typed_table(
    spec: FileSpec, header: list[str], keep: list[tuple[int, list[str]]], issues: list[Issue]
) -> pd.DataFrame | None:
    """Type a table given as text cells, with every per-file check.

    Parameters
    ----------
    spec : FileSpec
        The file's contract.
    header : list of str
        Column names.
    keep : list of (int, list of str)
        Row number and text cells of every non-blank row.
    issues : list of Issue
        Problems found are appended here.

    Returns
    -------
    DataFrame or None
        Typed table indexed by the row numbers, or ``None`` without a usable header.
    """
    fname = spec.filename
    for dup in {h for h in header if header.count(h) > 1 and h}:
        issues.append(
            Issue("check_duplicate_column", "this column appears twice; keep one", fname, 1, dup)
        )
    known = {c.name for c in spec.columns}
    missing = [c.name for c in spec.columns if c.required and c.name not in header]
    for name in missing:
        near = difflib.get_close_matches(name, [h for h in header if h not in known], n=1)
        hint = f" (is '{near[0]}' a typo for it?)" if near else ""
        issues.append(
            Issue(
                "check_missing_column",
                f"required column '{name}' is missing{hint}; the header must contain "
                + ", ".join(c.name for c in spec.columns if c.required),
                fname,
                1,
                name,
            )
        )
    for h in header:
        if h and h not in known and h in COMPUTED_COLUMNS:
            issues.append(
                Issue(
                    "check_computed_column",
                    f"extra column '{h}' has the name of a column hubopt computes for "
                    f"{spec.name}; rename it (for example to '{h}_in')",
                    fname,
                    1,
                    h,
                )
            )
        elif h and h not in known:
            near = difflib.get_close_matches(h, sorted(known), n=1, cutoff=0.8)
            if near and near[0] not in header:
                issues.append(
                    Issue(
                        "check_unknown_column",
                        f"unknown column '{h}' looks like a typo for '{near[0]}'; rename it "
                        "(extra columns are otherwise carried through unchanged)",
                        fname,
                        1,
                        h,
                        severity="error",
                    )
                )
    if missing:
        return None
    width = len(header)
    for ln, r in keep:
        if len(r) != width:
            issues.append(
                Issue(
                    "check_row_width",
                    f"this row has {len(r)} cells but the header has {width}; "
                    "check for a stray comma or a missing quote",
                    fname,
                    ln,
                )
            )
    for i in [i for i, h in enumerate(header) if not h]:  # a column without a name
        filled = [ln for ln, r in keep if i < len(r) and r[i].strip()]
        if filled:
            issues.append(
                Issue(
                    "check_unnamed_column",
                    f"column {i + 1} has no name in the header but holds values (first on "
                    f"line {filled[0]}, {len(filled)} row(s)); name it, or delete the values "
                    "(an unnamed column is otherwise dropped)",
                    fname,
                    filled[0],
                )
            )
    cells = [(r + [""] * width)[:width] for _, r in keep]
    raw = pd.DataFrame(cells, columns=header, index=[ln for ln, _ in keep], dtype=object)
    raw = raw.loc[:, ~raw.columns.duplicated()]
    raw.index.name = "line"
    if raw.empty and not spec.may_be_empty:
        issues.append(
            Issue(
                "check_no_rows",
                "the file has a header but no rows; add at least one row",
                fname,
            )
        )
    out = pd.DataFrame(index=raw.index)
    for col in spec.columns:
        if col.name in raw.columns:
            out[col.name] = _parse_column(spec, col, raw[col.name].astype(str), issues)
        elif col.kind == "float":
            val = np.nan if col.default is None else float(col.default)  # type: ignore[arg-type]
            out[col.name] = pd.Series(val, index=raw.index, dtype=float)
        elif col.kind == "bool":  # an absent flag column is a bool column too
            out[col.name] = pd.Series(bool(col.default), index=raw.index, dtype=bool)
        else:
            out[col.name] = pd.Series(col.default, index=raw.index, dtype=object)
    for extra in raw.columns:  # a computed name is an error above: not carried, so that
        if extra not in known and extra and extra not in COMPUTED_COLUMNS:  # checks run
            out[extra] = raw[extra].astype(object)
    return out
