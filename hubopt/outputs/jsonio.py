"""The one JSON cleaner: every JSON file hubopt writes goes through :func:`clean_json`.

JSON has no NaN or infinity, no numpy scalars and no paths; :func:`clean_json` turns
non-finite floats into ``null``, numpy scalars and arrays into Python numbers and lists,
paths into strings, tuples and sets into lists, and dict keys into strings.

Examples
--------
>>> dumps_json({"gap": float("inf"), "n": 3})
'{"gap": null, "n": 3}'
"""

from __future__ import annotations

import json
import math
from pathlib import Path, PurePath
from typing import Any

__all__ = ["clean_json", "dumps_json", "write_json"]


def clean_json(o: Any) -> Any:
    """Return ``o`` with every value JSON can hold (strict JSON: no NaN/Infinity).

    Parameters
    ----------
    o : object
        Nested dicts, lists, tuples, sets, numbers, strings, paths, numpy values,
        dataclass-free objects (anything else becomes ``str(o)``).

    Returns
    -------
    object
        A structure :func:`json.dumps` writes with ``allow_nan=False``.
    """
    if o is None or isinstance(o, bool | str | int):
        return o
    if isinstance(o, float):
        return o if math.isfinite(o) else None
    if isinstance(o, dict):
        return {str(k): clean_json(v) for k, v in o.items()}
    if isinstance(o, list | tuple | set | frozenset):
        return [clean_json(v) for v in o]
    if isinstance(o, PurePath):
        return str(o)
    if hasattr(o, "tolist"):  # numpy scalars and arrays (no numpy import needed)
        return clean_json(o.tolist())
    if type(o).__name__ in ("NAType", "NaTType"):  # pandas' missing values
        return None
    if hasattr(o, "isoformat"):
        return o.isoformat()
    return str(o)


def dumps_json(o: Any, indent: int | None = None) -> str:
    """Serialise ``o`` after :func:`clean_json` (strict JSON)."""
    return json.dumps(clean_json(o), indent=indent, allow_nan=False)


def write_json(path: str | Path, o: Any, indent: int = 2) -> None:
    """Write ``o`` as JSON to ``path`` (UTF-8, trailing newline)."""
    Path(path).write_text(dumps_json(o, indent=indent) + "\n", encoding="utf-8")
