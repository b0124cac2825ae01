"""Cross-file checks on a data package: small named checks with remedial messages.

Each ``check_*`` function takes the typed tables (as read by
:func:`hubopt.inputs.load.read_package`) and returns a list of :class:`~hubopt.errors.Issue`;
none of them raises. :func:`validate_tables` runs them all, so a user sees every problem
at once. Lines are CSV line numbers as a spreadsheet shows them (header = line 1).
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from hubopt.errors import Issue
from hubopt.inputs.consistency import (
    check_forced_sizes,
    check_recipe_loops,
    check_similar_ids,
    invisible_note,
)
from hubopt.inputs.schema import FILES, MAGNITUDE
from hubopt.inputs.validate_econ import ECON_CHECKS
from hubopt.inputs.validate_network import NETWORK_CHECKS

__all__ = ["CHECKS", "validate_tables"]

Tables = dict[str, pd.DataFrame | None]


def _ids(t: pd.DataFrame | None, col: str) -> set[str]:
    return set() if t is None else set(t[col].dropna().astype(str))


def check_duplicate_keys(tables: Tables) -> list[Issue]:
    """Each file's key (e.g. ``site_id`` in sites.csv) must be unique."""
    out = []
    for name, spec in FILES.items():
        t = tables.get(name)
        if t is None or t.empty:
            continue
        dup = t.duplicated(list(spec.key), keep="first")
        for line in t.index[dup]:
            first = t.index[(t[list(spec.key)] == t.loc[line, list(spec.key)]).all(axis=1)][0]
            key = ", ".join(f"{k}={t.at[line, k]!r}" for k in spec.key)
            out.append(
                Issue(
                    "check_duplicate_keys",
                    f"duplicate {key} (first seen on line {first}); keep one row per "
                    + " + ".join(spec.key),
                    spec.filename,
                    int(line),
                    spec.key[0] if len(spec.key) == 1 else None,
                )
            )
    return out


def _unknown(
    tables: Tables, name: str, col: str, known: set[str], what: str, where: str, check: str
) -> list[Issue]:
    t = tables.get(name)
    if t is None or t.empty:
        return []
    vals = t[col].astype(str)
    bad = (vals != "") & ~vals.isin(known)
    return [
        Issue(
            check,
            f"{what} '{v}' is not in {where}{invisible_note(v)}; add it there or correct "
            "the spelling",
            FILES[name].filename,
            int(line),
            col,
        )
        for line, v in vals[bad].items()
    ]


def check_unknown_sites(tables: Tables) -> list[Issue]:
    """Every site referenced in supply, demand, candidates and lanes is in sites.csv."""
    known = _ids(tables.get("sites"), "site_id")
    if tables.get("sites") is None:
        return []
    out = []
    for name, col in [
        ("supply", "site_id"),
        ("demand", "site_id"),
        ("candidates", "site_id"),
        ("lanes", "origin"),
        ("lanes", "destination"),
    ]:
        out += _unknown(tables, name, col, known, "site", "sites.csv", "check_unknown_sites")
    return out


def check_unknown_products(tables: Tables) -> list[Issue]:
    """Every product referenced anywhere is in products.csv."""
    if tables.get("products") is None:
        return []
    known = _ids(tables.get("products"), "product")
    out = []
    for name, col in [
        ("supply", "product"),
        ("demand", "product"),
        ("technologies", "output"),
        ("recipes", "input"),
        ("lanes", "product"),
    ]:
        out += _unknown(
            tables, name, col, known, "product", "products.csv", "check_unknown_products"
        )
    return out


def check_unknown_technologies(tables: Tables) -> list[Issue]:
    """Every technology in recipes and candidates is in technologies.csv."""
    if tables.get("technologies") is None:
        return []
    known = _ids(tables.get("technologies"), "technology")
    out = []
    for name in ("recipes", "candidates"):
        out += _unknown(
            tables,
            name,
            "technology",
            known,
            "technology",
            "technologies.csv",
            "check_unknown_technologies",
        )
    return out


def check_unknown_modes(tables: Tables) -> list[Issue]:
    """Every mode in lanes.csv is in modes.csv."""
    if tables.get("modes") is None:
        return []
    known = _ids(tables.get("modes"), "mode")
    return _unknown(tables, "lanes", "mode", known, "mode", "modes.csv", "check_unknown_modes")


def check_lane_loops(tables: Tables) -> list[Issue]:
    """Check that every lane goes somewhere: origin and destination differ."""
    t = tables.get("lanes")
    if t is None or t.empty:
        return []
    return [
        Issue(
            "check_lane_loops",
            f"lane from '{t.at[line, 'origin']}' to itself; remove it (material used where "
            "it is made needs no lane)",
            "lanes.csv",
            int(line),
            "destination",
        )
        for line in t.index[t["origin"] == t["destination"]]
    ]


def check_recipe_inputs_available(tables: Tables) -> list[Issue]:
    """Every recipe input of a usable technology is supplied or made by someone."""
    rec, sup, tech, cand = (
        tables.get(k) for k in ("recipes", "supply", "technologies", "candidates")
    )
    if rec is None or tech is None or rec.empty:
        return []
    sources = _ids(sup, "product") | _ids(tech, "output")
    sources |= _ids(tables.get("byproducts"), "product")  # issue #11: co-products
    used = set() if cand is None else set(cand.loc[cand["status"] != "forbidden", "technology"])
    bad = ~rec["input"].isin(sources) & rec["technology"].isin(used)
    return [
        Issue(
            "check_recipe_inputs_available",
            f"technology '{rec.at[line, 'technology']}' needs '{rec.at[line, 'input']}', but "
            "no supply.csv row supplies it and no technology makes it; add a supplier or a "
            "technology that outputs it",
            "recipes.csv",
            int(line),
            "input",
        )
        for line in rec.index[bad]
    ]


def check_unused_outputs(tables: Tables) -> list[Issue]:
    """Warn about technologies whose output nobody demands or consumes."""
    tech, dem, rec = (tables.get(k) for k in ("technologies", "demand", "recipes"))
    if tech is None or tech.empty:
        return []
    users = _ids(dem, "product") | _ids(rec, "input")
    return [
        Issue(
            "check_unused_outputs",
            f"technology '{tech.at[line, 'technology']}' makes '{tech.at[line, 'output']}', "
            "which nothing demands or consumes, so it will never be built; add demand for it "
            "or remove the technology",
            "technologies.csv",
            int(line),
            "output",
            severity="warning",
        )
        for line in tech.index[~tech["output"].isin(users)]
    ]


def check_demand_coverable(tables: Tables) -> list[Issue]:
    """Cheap pre-check: total supply + production capacity can cover firm demand.

    For each product, firm demand (rows without ``unmet_penalty``) is compared with the
    sum of supply capacities and of the largest non-forbidden size of every
    (site, technology) that makes it. Recipe consumption is ignored, so passing this
    check does not prove feasibility, but failing it proves infeasibility.
    """
    dem, sup, tech, cand = (
        tables.get(k) for k in ("demand", "supply", "technologies", "candidates")
    )
    if dem is None or dem.empty:
        return []
    firm = dem["unmet_penalty"].isna() & (dem["quantity"] <= MAGNITUDE)  # else check_range
    firm = dem[firm].groupby("product")["quantity"].sum()
    avail = pd.Series(0.0, index=firm.index)
    if sup is not None and not sup.empty:
        avail = avail.add(sup.groupby("product")["capacity"].sum(), fill_value=0.0)
    if cand is not None and tech is not None and not cand.empty:
        c = cand[cand["status"] != "forbidden"].merge(
            tech[["technology", "output"]], on="technology"
        )
        best = c.groupby(["site_id", "technology", "output"])["capacity"].max()
        avail = avail.add(best.groupby("output").sum(), fill_value=0.0)
    out = []
    byp = _ids(tables.get("byproducts"), "product")  # issue #11: made as co-products too
    for product, need in firm.items():
        if product in byp:
            continue
        have = float(avail.get(product, 0.0))
        if need > have * (1 + 1e-9) + 1e-9:
            out.append(
                Issue(
                    "check_demand_coverable",
                    f"firm demand for '{product}' is {need:g} per year but all supply and "
                    f"production capacity together is only {have:g}; add capacity, lower "
                    "demand, or give demand rows an unmet_penalty",
                    "demand.csv",
                    None,
                    "quantity",
                )
            )
    return out


CHECKS: list[Callable[[Tables], list[Issue]]] = [
    check_duplicate_keys,
    check_unknown_sites,
    check_unknown_products,
    check_unknown_technologies,
    check_unknown_modes,
    check_lane_loops,
    check_recipe_inputs_available,
    check_unused_outputs,
    check_demand_coverable,
    check_similar_ids,
    check_recipe_loops,
    check_forced_sizes,
    *ECON_CHECKS,
    *NETWORK_CHECKS,  # issue #11: by-products, must-take supply
]


def validate_tables(tables: Tables) -> list[Issue]:
    """Run every cross-file check and return all issues found.

    Parameters
    ----------
    tables : dict of str to DataFrame or None
        Typed tables as returned by :func:`hubopt.inputs.load.read_package`.

    Returns
    -------
    list of Issue
        Errors and warnings, in check order.
    """
    issues: list[Issue] = []
    for check in CHECKS:
        issues += check(tables)
    return issues
