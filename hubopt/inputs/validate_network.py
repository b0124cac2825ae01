"""Cross-file checks of the network-semantics inputs (issue #11).

By-products (``byproducts.csv``), must-take supply (``supply.min_quantity``). Each
``check_*`` takes the typed tables and returns :class:`~hubopt.errors.Issue` objects; they
are appended to :data:`hubopt.inputs.validate.CHECKS`. Range checks (negative
``min_quantity``, ``min_utilisation`` outside [0, 1]) come from the column contract in
:mod:`hubopt.inputs.schema`.
"""

from __future__ import annotations

import pandas as pd

from hubopt.errors import Issue

__all__ = ["NETWORK_CHECKS", "check_byproducts", "check_min_quantity"]

Tables = dict[str, pd.DataFrame | None]


def check_byproducts(tables: Tables) -> list[Issue]:
    """Check that by-product rows name known technologies and products, not own outputs."""
    byp = tables.get("byproducts")
    if byp is None or byp.empty:
        return []
    tech, prod = tables.get("technologies"), tables.get("products")
    output = {} if tech is None else dict(zip(tech["technology"], tech["output"], strict=True))
    known = set() if prod is None else set(prod["product"].astype(str))
    out = []
    for line, r in byp.iterrows():
        t, p = str(r["technology"]), str(r["product"])
        if t not in output:
            msg = (
                f"technology '{t}' is not in technologies.csv; add it there or correct the spelling"
            )
            out.append(Issue("check_byproducts", msg, "byproducts.csv", int(line), "technology"))
        elif output[t] == p:
            msg = (
                f"'{p}' is the main output of technology '{t}', so it cannot also be its "
                "by-product; remove the row (the technology already makes one unit of it)"
            )
            out.append(Issue("check_byproducts", msg, "byproducts.csv", int(line), "product"))
        if p not in known:
            msg = f"product '{p}' is not in products.csv; add it there or correct the spelling"
            out.append(Issue("check_byproducts", msg, "byproducts.csv", int(line), "product"))
    return out


def check_min_quantity(tables: Tables) -> list[Issue]:
    """Check that a must-take quantity (``supply.min_quantity``) is at most the capacity."""
    sup = tables.get("supply")
    if sup is None or sup.empty or "min_quantity" not in sup:
        return []
    bad = sup["min_quantity"].fillna(0.0) > sup["capacity"]
    return [
        Issue(
            "check_min_quantity",
            f"min_quantity {sup.at[line, 'min_quantity']:g} exceeds capacity "
            f"{sup.at[line, 'capacity']:g}: at most the capacity can be bought; lower "
            "min_quantity or raise capacity",
            "supply.csv",
            int(line),
            "min_quantity",
        )
        for line in sup.index[bad]
    ]


NETWORK_CHECKS = [check_byproducts, check_min_quantity]
"""The checks of this module, run after the base ones."""
