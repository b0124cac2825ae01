"""Starting plans for HiGHS: a previous plan turned into column values by label.

:func:`start_values` maps a :class:`hubopt.plan.Plan` (from any earlier solve: the
previous point of a sweep, pareto or rank run, or the same scenario before a change)
onto the columns of a newly built model, by labels, not by position: hubs by
(site, technology, size), production by (site, technology), purchases by supply row
label (site, product), flows by (origin, destination, mode, product), unmet demand by
demand row (site, product). Single-sourcing binaries are derived from the flows.

``mode="integers"`` (the default of :func:`hubopt.solve.solve_model`) hands HiGHS only the
binary columns; HiGHS fixes them and solves the LP of the rest, so the start is
completed even when the new model differs (another carbon price, demand, cap). With
``mode="all"`` every column the plan names is given (what is not named is 0).
No highspy here: :mod:`hubopt.solve` passes the values with ``Highs.setSolution``.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from hubopt.model.build import HubModel
from hubopt.plan import Plan

__all__ = ["start_columns", "start_values"]


def _by_label(table: pd.DataFrame, key: list[str], values: pd.Series) -> np.ndarray:
    """Values of ``values`` (indexed by ``key`` labels) for each row of ``table``."""
    if values.index.has_duplicates:
        values = values.groupby(level=list(range(values.index.nlevels))).sum()
    idx = pd.MultiIndex.from_frame(table[key]) if len(key) > 1 else pd.Index(table[key[0]])
    return values.reindex(idx).fillna(0.0).to_numpy(float)


def start_values(
    hub: HubModel, start: Plan, mode: Literal["integers", "all"] = "integers"
) -> dict[str, np.ndarray]:
    """Return the values of ``start`` for ``hub``'s variable families, by label.

    Parameters
    ----------
    hub : HubModel
        The model about to be solved.
    start : Plan
        A plan from an earlier solve, possibly of another scenario of the same network.
    mode : {"integers", "all"}
        Binary columns only (HiGHS completes the rest) or every known column.

    Returns
    -------
    dict
        ``{family: values}``, one value per index of the family (``open``, ``assign``,
        ``assign_local``; with ``mode="all"`` also ``make``, ``buy``, ``ship``,
        ``unmet``).
    """
    if not isinstance(start, Plan):
        raise TypeError(f"start must be a hubopt Plan, not {type(start).__name__}")
    hubs = start.hubs.assign(_one=1.0)
    key = ["site_id", "technology", "size"]
    vals: dict[str, np.ndarray] = {
        "open": _by_label(hub.options, key, hubs.set_index(key)["_one"]).clip(0, 1).round()
    }
    f = start.flows
    lane_key = ["origin", "destination", "mode", "product"]
    ship = _by_label(hub.lanes, lane_key, f.set_index(lane_key)["quantity"])
    if len(hub.assign):
        vals["assign"] = (ship[hub.assign["lane"].to_numpy(int)] > 0).astype(float)
    if "local" in hub.demand:
        loc = np.flatnonzero(hub.demand["local"].to_numpy(bool))
        inbound = f.groupby(["destination", "product"])["quantity"].sum()
        dem = hub.demand.iloc[loc].rename(columns={"site_id": "destination"})
        got = _by_label(dem, ["destination", "product"], inbound)
        served = hub.demand["quantity"].to_numpy(float)[loc]
        vals["assign_local"] = (got < served * (1 - 1e-9)).astype(float)
    if mode == "all":
        p = start.production.set_index(["site_id", "technology"])["quantity"]
        vals["make"] = _by_label(hub.production, ["site_id", "technology"], p)
        b = start.purchases.set_index(["site_id", "product"])["bought"]
        vals["buy"] = _by_label(hub.supply, ["site_id", "product"], b)
        vals["ship"] = ship
        d = hub.demand[hub.demand["unmet_penalty"].notna()]
        u = start.demand.set_index(["site_id", "product"])["unmet"]
        vals["unmet"] = _by_label(d, ["site_id", "product"], u)
    return vals


def start_columns(hub: HubModel, columns: list, vals: dict) -> tuple[np.ndarray, np.ndarray]:
    """Turn ``{family: values}`` into (column number, value) of the arrays handed over.

    ``columns`` are the Pyomo variables of the solver columns, in order
    (``ModelArrays.columns``); variables that are no column (appear nowhere) are skipped.
    """
    where = {id(v): j for j, v in enumerate(columns)}
    cols, out = [], []
    for name, v in vals.items():
        var = getattr(hub.model, name, None)
        if var is None or len(var) != len(v):
            continue
        for i, x in enumerate(v.tolist()):
            j = where.get(id(var[i]))
            if j is not None:
                cols.append(j)
                out.append(x)
    return np.asarray(cols, dtype=np.int32), np.asarray(out, dtype=float)
