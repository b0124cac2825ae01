"""The model as the sparse arrays HiGHS takes: the build's own, or Pyomo's compiled form.

:func:`standard_form` picks the path (``arrays`` while the Pyomo model is unchanged,
``compiler`` after any change; see :mod:`hubopt.solve`); :func:`load_values` writes a
solver's column values back into the Pyomo variables. No solver here.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import scipy.sparse as sp
from pyomo.environ import Var
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

from hubopt.model.build import HubModel
from hubopt.model.pyomo_bridge import ModelArrays, pristine_arrays

__all__ = ["load_values", "standard_form"]


def standard_form(
    hub: HubModel, *, path: Literal["auto", "arrays", "compiler"] = "auto"
) -> tuple[ModelArrays, str]:
    """Return the model as the sparse arrays handed to HiGHS, and the path that made them.

    Parameters
    ----------
    hub : HubModel
        From :func:`hubopt.model.build.build_model`, possibly changed since.
    path : {"auto", "arrays", "compiler"}
        ``auto`` uses the arrays assembled by the build while the Pyomo model is
        unchanged (:func:`hubopt.model.pyomo_bridge.pristine_arrays`), else compiles the
        Pyomo model.
        ``compiler`` always compiles; ``arrays`` raises ``ValueError`` if the model was
        changed.

    Returns
    -------
    ModelArrays, str
        The arrays (one row per constraint row, a ranged row as two; one column per
        variable that appears in a row or the objective, in the order of
        :attr:`hubopt.model.build.HubModel.variables` then any other variables) and ``"arrays"`` or
        ``"compiler"``.

    Raises
    ------
    InfeasibleConstraintException
        From the compiler, for a constraint without variables that cannot hold.
    """
    if path != "compiler":
        arr = pristine_arrays(hub)
        if arr is not None:
            return arr, "arrays"
        if path == "arrays":
            raise ValueError("the Pyomo model was changed after build_model: compile it")
    return _compile(hub), "compiler"


def _compile(hub: HubModel) -> ModelArrays:
    """Compile the Pyomo model with ``LinearStandardFormCompiler`` (mixed form)."""
    m = hub.model
    order = [c for c in (m.component(f) for f in hub.variables) if isinstance(c, Var)]
    form = LinearStandardFormCompiler().write(m, mixed_form=True, column_order=order)
    columns = list(form.columns)
    lower = np.array([-np.inf if v.lb is None else v.lb for v in columns], dtype=float)
    upper = np.array([np.inf if v.ub is None else v.ub for v in columns], dtype=float)
    integrality = np.array([1 if v.is_integer() else 0 for v in columns], dtype=np.int8)
    rhs = np.asarray(form.rhs, dtype=float)
    sense = np.array([r.bound_type for r in form.rows], dtype=np.int8)
    row_lo = np.where(sense >= 0, np.where(sense == 0, rhs, -np.inf), rhs)
    row_hi = np.where(sense <= 0, np.where(sense == 0, rhs, np.inf), rhs)
    cost = np.asarray(form.c.todense()).ravel() if columns else np.zeros(0)
    offset = float(form.c_offset[0]) if len(form.c_offset) else 0.0
    return ModelArrays(
        a=sp.csr_array(form.A),
        row_lower=row_lo,
        row_upper=row_hi,
        col_lower=lower,
        col_upper=upper,
        integrality=integrality,
        cost=cost,
        columns=columns,
        rows=[r.constraint for r in form.rows],
        offset=offset,
    )


def load_values(hub: HubModel, arr: ModelArrays, path: str, x: np.ndarray) -> None:
    """Write solver values back into the Pyomo variables (absent columns become 0/lb)."""
    for v, val in zip(arr.columns, x.tolist(), strict=True):
        v.set_value(val, skip_validation=True)
    if path == "arrays":
        rest = arr.snapshot["dropped"]
    else:
        seen = set(map(id, arr.columns))
        rest = [
            v for v in hub.model.component_data_objects(Var, descend_into=True) if id(v) not in seen
        ]
    for v in rest:
        v.set_value(v.value if v.fixed else (v.lb or 0.0), skip_validation=True)
