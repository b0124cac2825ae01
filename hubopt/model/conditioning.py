"""Model conditioning: coefficient ranges of the built model and plain-words warnings.

HiGHS (1.15, ``Highs::run``) warns about "excessively small" costs and bounds below
``1e-4`` and "excessively large" ones above ``1e6`` (measured: ``9.9e5`` and ``1.01e-4``
pass, ``1.01e6`` and ``9.9e-5`` are reported), and treats magnitudes of ``1e20`` and more
as infinite. Its comfortable band therefore spans a factor of ``1e10``: when the largest
non-zero of the matrix, the costs, the bounds or the right-hand sides is more than
:data:`RATIO_LIMIT` times the smallest, no choice of one unit brings them all into that
band, and the solver's tolerances (``1e-7`` feasibility, ``1e-6`` MIP) start to decide
the answer. Each warning names the input columns behind the smallest and the largest
value and suggests a unit change. See ``docs/model.md``.
"""

from __future__ import annotations

import numpy as np

from hubopt.model.families import COST_SOURCES
from hubopt.model.rows import Assembled

__all__ = ["HIGHS_INFINITY", "RATIO_LIMIT", "coef_range", "conditioning", "ranges"]

RATIO_LIMIT = 1e10
"""Largest ratio max/min of non-zero magnitudes accepted without a warning."""

HIGHS_INFINITY = 1e20
"""HiGHS treats magnitudes at or above this as infinite."""

_ADVICE = {
    "objective": "express money in thousands (k$) or millions, so that the largest cost "
    "is below ~1e6 and the smallest above ~1e-4",
    "bounds": "express quantities in thousands of units (and unit costs per thousand)",
    "rhs": "express quantities in thousands of units (and unit costs per thousand)",
    "matrix": "choose units so that recipe quantities, capacities and demands are of "
    "similar size (e.g. thousands of units for all of them)",
}
_WORDS = {
    "matrix": "constraint coefficients",
    "objective": "objective coefficients (costs)",
    "bounds": "variable bounds",
    "rhs": "right-hand sides",
}


def coef_range(values: np.ndarray) -> list[float] | None:
    """Return ``[min, max]`` of the non-zero magnitudes, or ``None`` if there are none."""
    a = np.abs(np.asarray(values, dtype=float))
    a = a[a != 0]
    if len(a) and not np.isfinite(a.max()):
        a = a[np.isfinite(a)]
    return [float(a.min()), float(a.max())] if len(a) else None


def ranges(arr) -> dict:
    """Coefficient ranges of arrays as handed to HiGHS (``summary.json → model``).

    Parameters
    ----------
    arr : ModelArrays
        Arrays with ``a``, ``cost``, ``col_lower``, ``col_upper``, ``row_lower``,
        ``row_upper``.

    Returns
    -------
    dict
        ``matrix_range``, ``objective_range``, ``bounds_range``, ``rhs_range``.
    """
    bounds = np.concatenate([arr.col_lower, arr.col_upper])
    rhs = np.concatenate([arr.row_lower, arr.row_upper])
    return {
        "matrix_range": coef_range(arr.a.data),
        "objective_range": coef_range(arr.cost),
        "bounds_range": coef_range(bounds[np.isfinite(bounds)]),
        "rhs_range": coef_range(rhs[np.isfinite(rhs)]),
    }


def _where(items: list[tuple[str, np.ndarray]]) -> tuple[str, str]:
    """Return the sources holding the smallest and the largest non-zero magnitude."""
    lo = hi = ""
    vlo, vhi = np.inf, -np.inf
    for source, vals in items:
        r = coef_range(vals)
        if r is None:
            continue
        if r[0] < vlo:
            vlo, lo = r[0], source
        if r[1] > vhi:
            vhi, hi = r[1], source
    return lo, hi


def _sources(asm: Assembled, kind: str) -> list[tuple[str, np.ndarray]]:
    """(input columns, values) for one kind of range, per family or term."""
    if kind == "objective":
        return [(COST_SOURCES.get(k, k), v) for k, (_c, v) in asm.cost_terms.items()]
    if kind == "bounds":
        out = []
        for f in asm.columns:
            for side in ("lower", "upper"):
                v = getattr(f, side)
                if v is not None:
                    out.append((f.source.get(side, f"{f.name} {side} bound"), v))
            if f.binary and f.size:
                out.append(("binary variables (0/1)", np.ones(1)))
        return out
    out = []
    for b in asm.blocks:
        if kind == "matrix":
            out.append((f"{b.name} rows ({b.source or 'structural ±1'})", b.a.data))
        else:
            vals = np.concatenate([b.lower, b.upper])
            out.append((f"{b.name} rows ({b.rhs_source or 'structural'})", vals))
    return out


def conditioning(asm: Assembled, arr) -> tuple[dict, list[str]]:
    """Return the ranges of the built model and the warnings about them.

    Parameters
    ----------
    asm : Assembled
        The assembled model (for the sources of each value).
    arr : ModelArrays
        The arrays handed to HiGHS.

    Returns
    -------
    dict, list of str
        :func:`ranges` of ``arr`` and plain-language warnings (empty when the ranges
        are within :data:`RATIO_LIMIT` and below :data:`HIGHS_INFINITY`).
    """
    found = ranges(arr)
    warnings = []
    for kind in ("matrix", "objective", "bounds", "rhs"):
        r = found[f"{kind}_range"]
        if r is None:
            continue
        if r[1] < HIGHS_INFINITY and r[1] / r[0] <= RATIO_LIMIT:
            continue
        lo, hi = _where(_sources(asm, kind))
        if r[1] >= HIGHS_INFINITY:
            warnings.append(
                f"The {_WORDS[kind]} reach {r[1]:.3g} (from {hi}): HiGHS treats values "
                f"of {HIGHS_INFINITY:.0e} or more as infinite, so the model is not what the "
                f"data say. Check that value; if it is meant, {_ADVICE[kind]}."
            )
        else:
            warnings.append(
                f"The {_WORDS[kind]} span {r[0]:.3g} to {r[1]:.3g}, a ratio of "
                f"{r[1] / r[0]:.1e} (more than {RATIO_LIMIT:.0e}, beyond what HiGHS solves "
                f"reliably): the smallest comes from {lo}, the largest from {hi}. "
                f"Consider a unit change: {_ADVICE[kind]}."
            )
    return found, warnings
