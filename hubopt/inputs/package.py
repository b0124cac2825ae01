"""The package folder itself: which paths are usable files, and ``package.toml``.

Only regular files (or links to one) are ever opened: a FIFO, a device, a folder named
``*.csv``, a dangling link or a link loop is reported as an input error instead of
hanging or failing deep inside a reader.

``package.toml`` is optional::

    name = "us_battery"
    description = "US battery supply chain, 2025"
    money_unit = "k$"          # the unit of every money column; default k$
    data_date = "2025-06-30"   # when the data were compiled (text or a TOML date)
    target_year = 2030         # the year the data describe (a whole number)
"""

from __future__ import annotations

import datetime
import errno
import os
import stat
import tomllib
from pathlib import Path
from typing import Any

from hubopt.errors import Issue
from hubopt.inputs.schema import FILES

__all__ = [
    "DEFAULT_MONEY_UNIT",
    "META_FILE",
    "META_KEYS",
    "contract_files",
    "file_problem",
    "is_regular_file",
    "read_meta",
]

META_FILE = "package.toml"
DEFAULT_MONEY_UNIT = "k$"
META_KEYS = ("name", "description", "money_unit", "data_date", "target_year")
"""Keys ``package.toml`` may hold (all optional; text, ``data_date`` may be a date,
``target_year`` a whole number)."""


def contract_files() -> list[str]:
    """File names the package contract knows (the manifest hashes only these)."""
    return sorted([spec.filename for spec in FILES.values()] + [META_FILE])


def file_problem(path: Path) -> str | None:
    """Say why ``path`` cannot be read as a file, or ``None`` if it is a regular file.

    Parameters
    ----------
    path : Path
        A path that exists as a directory entry (``os.path.lexists``).

    Returns
    -------
    str or None
        ``None`` for a regular file (or a link to one), else a plain-language reason.
    """
    try:
        st = os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "is a symbolic link loop"
        if path.is_symlink():
            return f"is a symbolic link to '{os.readlink(path)}', which does not exist"
        return f"cannot be read ({exc.strerror})"
    if stat.S_ISREG(st.st_mode):
        return None
    if stat.S_ISDIR(st.st_mode):
        return "is a folder, not a file"
    if stat.S_ISFIFO(st.st_mode):
        return "is a FIFO (named pipe), not a file"
    if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
        return "is a device, not a file"
    return "is not a regular file"


def is_regular_file(path: Path) -> bool:
    """Whether ``path`` is a regular file or a link to one (never blocks)."""
    return os.path.lexists(path) and file_problem(path) is None


def folder_problem(root: Path) -> str | None:
    """Say why ``root`` cannot be a package folder, or ``None`` if it is a folder."""
    if not os.path.lexists(root):
        return "does not exist"
    try:
        st = os.stat(root)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "is a symbolic link loop"
        return "is a symbolic link to nothing" if root.is_symlink() else exc.strerror
    return None if stat.S_ISDIR(st.st_mode) else "is not a folder"


def read_meta(root: Path, issues: list[Issue]) -> dict[str, Any]:
    """Read ``package.toml`` if present; the money unit defaults to k$.

    Parameters
    ----------
    root : Path
        Package folder.
    issues : list of Issue
        Problems found are appended here.

    Returns
    -------
    dict
        ``name``, ``description``, ``money_unit``, ``data_date`` (those given) plus
        ``money_unit_source`` (``"package.toml"`` or a note that the default applies).
    """
    path = root / META_FILE
    default = {
        "money_unit": DEFAULT_MONEY_UNIT,
        "money_unit_source": f"default ({META_FILE} absent or silent): money is in k$",
    }
    if not os.path.lexists(path):
        return default
    why = file_problem(path)
    if why:
        issues.append(Issue("check_file_type", f"{META_FILE} {why}", META_FILE))
        return default
    try:
        raw = tomllib.loads(path.read_bytes().decode("utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        issues.append(Issue("check_package_toml", f"not valid TOML: {exc}", META_FILE))
        return default
    return meta_from_dict(raw, issues, META_FILE)


def meta_from_dict(raw: dict[str, Any], issues: list[Issue], fname: str = "") -> dict[str, Any]:
    """Check a ``package.toml`` mapping (unknown keys and non-text values are errors)."""
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in META_KEYS:
            msg = f"unknown key '{key}'; allowed: {', '.join(META_KEYS)}"
            issues.append(Issue("check_package_toml", msg, fname, None, key))
        elif key == "data_date" and isinstance(value, datetime.date):  # a datetime too
            out[key] = value.isoformat()
        elif key == "data_date" and isinstance(value, datetime.time):
            msg = f"{value!r} is a time of day, not a date: write a date such as 2025-06-30"
            issues.append(Issue("check_package_toml", msg, fname, None, key))
        elif key == "target_year":
            if isinstance(value, bool) or not isinstance(value, int) or not 1900 <= value <= 2200:
                msg = f"{value!r} is not valid: expected a year such as 2030"
                issues.append(Issue("check_package_toml", msg, fname, None, key))
            else:
                out[key] = value
        elif not isinstance(value, str) or (key == "money_unit" and not value.strip()):
            msg = f"{value!r} is not valid: expected text"
            issues.append(Issue("check_package_toml", msg, fname, None, key))
        else:
            out[key] = value
    if "money_unit" in out:
        return {**out, "money_unit_source": fname or META_FILE}
    return {
        **out,
        "money_unit": DEFAULT_MONEY_UNIT,
        "money_unit_source": "default (no money_unit given): money is in k$",
    }
