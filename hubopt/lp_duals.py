"""What :func:`hubopt.solve.solve_lp_fixed` returns: an LP's objective and row duals."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["LpSolution", "duals_by_family"]


@dataclass(frozen=True)
class LpSolution:
    """An LP of a built model, integrality dropped (:func:`hubopt.solve.solve_lp_fixed`).

    Attributes
    ----------
    optimal : bool
        Whether HiGHS proved the LP optimal (the other fields are meaningful only then).
    objective : float
        LP objective (money per year).
    duals : dict
        ``family -> ndarray``: the dual of row ``i`` of that constraint family at ``[i]``
        (money per unit of the row; 0 for rows absent from the arrays). HiGHS's sign
        convention: a column's reduced cost is :math:`c_j - a_j^T y`.
    seconds : float
        Wall time of the LP solve.
    """

    optimal: bool
    objective: float
    duals: dict
    seconds: float


def duals_by_family(rows: list, y: np.ndarray) -> dict[str, np.ndarray]:
    """Group the row duals ``y`` of array rows ``rows`` (``ConstraintData``) by family.

    A ranged row is two array rows (``<= upper`` then ``>= lower``); at most one side is
    active, so their duals are summed.
    """
    names = [r.parent_component().local_name for r in rows]
    index = np.array([r.index() for r in rows], dtype=np.int64)
    out: dict[str, np.ndarray] = {}
    for name in dict.fromkeys(names):
        sel = np.array([nm == name for nm in names], dtype=bool)
        out[name] = np.zeros(int(index[sel].max()) + 1)
        np.add.at(out[name], index[sel], y[sel])
    return out
