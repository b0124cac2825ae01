"""Plain-words findings for the issue #11 elastic families (used by :mod:`hubopt.diagnose`).

Must-take supply that cannot all be used, open sizes that cannot reach their minimum
utilisation, and lanes whose capacity binds.
"""

from __future__ import annotations

import numpy as np

from hubopt.model.elastic import TOL

__all__ = ["network_findings"]


def _value(m, name: str, i: int) -> float:
    comp = getattr(m, name, None)
    return 0.0 if comp is None else float(comp[i].value or 0.0)


def _rows(labels: dict, name: str) -> list:
    t = labels.get(name)
    return [] if t is None else list(t.itertuples())


def network_findings(m, labels: dict) -> list[dict]:
    """Return one finding per non-zero must-take, utilisation or lane-capacity slack."""
    rows: list[dict] = []
    for i, r in enumerate(_rows(labels, "elastic_must_take")):
        v = _value(m, "elastic_must_take", i)
        if v > TOL * max(1.0, r.min_quantity):
            rows.append({
                "kind": "must_take", "where": f"{r.site_id} / {r.product}",
                "limit": r.min_quantity, "needed": r.min_quantity - v, "shortfall": v,
                "message": f"must-take supply of '{r.product}' at {r.site_id} cannot all be "
                f"used: only {r.min_quantity - v:,.4g} of the {r.min_quantity:,.4g} per year "
                "that must be bought finds a use (lower min_quantity or allow disposal)",
            })  # fmt: skip
    for i, r in enumerate(_rows(labels, "min_utilisation")):
        v = _value(m, "elastic_min_utilisation", i)
        if v > TOL * max(1.0, r.max_capacity):
            rows.append({
                "kind": "min_utilisation", "where": f"{r.site_id} / {r.technology}",
                "limit": np.nan, "needed": np.nan, "shortfall": v,
                "message": f"minimum utilisation of '{r.technology}' at {r.site_id} cannot "
                f"hold: the plant would have to make {v:,.4g} per year more than can be used",
            })  # fmt: skip
    for i, r in enumerate(_rows(labels, "elastic_lane_capacity")):
        v = _value(m, "elastic_lane_capacity", i)
        if v > TOL * max(1.0, r.capacity):
            rows.append({
                "kind": "lane_capacity",
                "where": f"{r.origin} → {r.destination} ({r.mode}) / {r.product}",
                "limit": r.capacity, "needed": r.capacity + v, "shortfall": v,
                "message": f"lane {r.origin} → {r.destination} ({r.mode}) for '{r.product}' "
                f"binds: it would need to carry {r.capacity + v:,.4g} per year but its "
                f"capacity is {r.capacity:,.4g}",
            })  # fmt: skip
    return rows
