"""Checks of a scenario against its data package: labels the scenario names must exist.

A table-valued scenario key (``max_new_hubs = {cam_production = 4}``,
``max_import_share = {cells = 0.3}``) names technologies or products of the data package.
A label the package does not know would make a limit on nothing: the constraint would
silently not apply (a typo such as ``Cellmaking`` for ``cellmaking``). These checks run
where a scenario meets its data (:func:`hubopt.model.build.build_model`, and ``hubopt
validate`` on a scenario file), so every command refuses such a scenario before solving.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from hubopt.errors import Issue
from hubopt.inputs.consistency import invisible_note
from hubopt.inputs.fields import SCENARIO_FIELDS, ScenarioField
from hubopt.inputs.schema import FALSE_WORDS, TRUE_WORDS

__all__ = [
    "SCENARIO_CHECKS",
    "check_exclude_column",
    "check_scenario_labels",
    "check_share_caps_can_hold",
    "scenario_issues",
    "flag_column",
]

Tables = dict[str, pd.DataFrame | None]

_LABELS = {
    "min_new_hubs": ("technology", "technologies", "technology"),
    "max_new_hubs": ("technology", "technologies", "technology"),
    "max_import_share": ("product", "products", "product"),
    "max_feoc_share": ("product", "products", "product"),
}
"""Table-valued key -> (what its labels are, file that defines them, id column)."""


def _value(scenario: Any, f: ScenarioField) -> Any:
    owner = scenario.solver if f.section == "solver" else scenario
    return getattr(owner, f.attribute, None)


def _fname(scenario: Any) -> str:
    source = getattr(scenario, "source", None)
    return source.name if source is not None else "scenario"


def check_scenario_labels(scenario: Any, tables: Tables) -> list[Issue]:
    """Every technology or product named in a table-valued scenario key is in the package.

    Parameters
    ----------
    scenario : Scenario
        The scenario (its ``min_new_hubs``, ``max_new_hubs``, ``max_import_share`` and
        ``max_feoc_share`` tables are checked; plain numbers need no label).
    tables : dict of str to DataFrame or None
        The package's typed tables (a :class:`~hubopt.inputs.load.HubData`'s tables).

    Returns
    -------
    list of Issue
        One error per unknown label, naming the scenario file, the key, the label and the
        labels the package knows.
    """
    out: list[Issue] = []
    for f in SCENARIO_FIELDS:
        if f.name not in _LABELS:
            continue
        value = _value(scenario, f)
        what, file, col = _LABELS[f.name]
        t = tables.get(file)
        if not isinstance(value, dict) or t is None:
            continue
        known = sorted(set(t[col].dropna().astype(str)))
        shown = ", ".join(known[:20]) + (" ..." if len(known) > 20 else "")
        for label in value:
            if str(label) in known:
                continue
            msg = (
                f"{what} '{label}' in {f.name} is not in {file}.csv{invisible_note(str(label))}"
                f" (known: {shown or 'none'}), so the limit would apply to nothing; correct "
                "the spelling or remove the entry"
            )
            out.append(Issue("check_scenario_labels", msg, _fname(scenario), None, f.key))
    return out


def flag_column(table: pd.DataFrame, column: str) -> tuple[pd.Series, pd.Series]:
    """Read a true/false column of a table: return ``(flag, bad cells)``.

    ``flag`` is indexed like ``table`` (CSV line numbers); blank cells are false.
    ``bad`` holds the cells that are not true/false (yes/no, 1/0 also work).

    Examples
    --------
    >>> sites = pd.DataFrame({"burns": ["true", "", "No", "maybe"]}, index=[2, 3, 4, 5])
    >>> flag, bad = flag_column(sites, "burns")
    >>> flag.tolist(), bad.to_dict()
    ([True, False, False, False], {5: 'maybe'})
    """
    raw = table[column]
    if raw.dtype == bool:  # a column the schema already parsed (energy_community)
        return raw.copy(), raw.iloc[0:0].astype(str)
    text = raw.astype(str).str.strip().str.lower().where(raw.notna(), "")
    bad = raw[~text.isin(TRUE_WORDS | FALSE_WORDS)]
    return text.isin(TRUE_WORDS), bad.astype(str)


def check_exclude_column(scenario: Any, tables: Tables) -> list[Issue]:
    """``exclude_new_where`` names a true/false column of ``sites.csv``.

    Returns
    -------
    list of Issue
        An error naming the scenario key when the column is absent, and one per cell of
        the column that is not true/false (file ``sites.csv``, its line and column).
    """
    column = getattr(scenario, "exclude_new_where", None)
    sites = tables.get("sites")
    if not column or sites is None:
        return []
    if column not in sites.columns:
        extra = [c for c in sites.columns if c not in ("site_id", "name", "lat", "lon")]
        msg = (
            f"exclude_new_where names the column '{column}', which sites.csv does not have "
            f"(its columns: {', '.join(map(str, extra)) or 'none'}); add a true/false column "
            "of that name or correct the spelling"
        )
        key = next(f.key for f in SCENARIO_FIELDS if f.name == "exclude_new_where")
        return [Issue("check_exclude_column", msg, _fname(scenario), None, key)]
    _flag, bad = flag_column(sites, column)
    return [
        Issue(
            "check_exclude_column",
            f"'{text}' is not true/false, and exclude_new_where reads this column; write "
            "true or false (yes/no and 1/0 also work; blank means false)",
            "sites.csv",
            int(line),
            column,
        )  # fmt: skip
        for line, text in bad.items()
    ]


def check_share_caps_can_hold(scenario: Any, tables: Tables) -> list[Issue]:
    """Warn of a share cap below 1 on a product with no other source in the package.

    ``max_import_share`` (``max_feoc_share``) bounds imported (FEOC) supply by a share of
    supply plus US production. A product that no technology makes and no by-product
    gives, and whose every supply row is imported (FEOC), can then only be bought if the
    cap is 1: the scenario is infeasible unless the product is not needed at all. A
    warning (the solve still runs, and diagnose explains an infeasible result), naming
    the key, the product and what would make the cap meaningful.
    """
    supply, techs = tables.get("supply"), tables.get("technologies")
    if supply is None or techs is None or supply.empty:
        return []
    byp = tables.get("byproducts")
    made = set(techs["output"].astype(str))
    if byp is not None and len(byp):
        made |= set(byp["product"].astype(str))
    out: list[Issue] = []
    for key, flag in (("max_import_share", "imported"), ("max_feoc_share", "feoc")):
        value = getattr(scenario, key, None)
        if value is None or flag not in supply:
            continue
        products = sorted(set(supply["product"].astype(str)))
        caps = value if isinstance(value, dict) else dict.fromkeys(products, value)
        flagged, _bad = flag_column(supply, flag)  # a true/false column, like a site flag
        for product, share in caps.items():
            rows = supply["product"].astype(str) == str(product)
            if float(share) >= 1 or str(product) in made or not rows.any():
                continue
            if flagged[rows].all():
                what = "imported" if flag == "imported" else "FEOC"
                msg = (
                    f"{key} caps '{product}' at {float(share):g}, but every supply row of it "
                    f"is {what} and no technology makes it: the cap can hold only if "
                    f"'{product}' is not needed; give it a share of 1 (a table such as "
                    f"{key} = {{other_product = {float(share):g}}}), or add a non-{what} "
                    "supply row"
                )
                field_key = next(f.key for f in SCENARIO_FIELDS if f.name == key)
                out.append(Issue("check_share_caps_can_hold", msg, _fname(scenario), None,
                                 field_key, severity="warning"))  # fmt: skip
    return out


SCENARIO_CHECKS = [check_scenario_labels, check_exclude_column, check_share_caps_can_hold]
"""Checks of a scenario against its package, in order."""


def scenario_issues(scenario: Any, tables: Tables) -> list[Issue]:
    """Run every scenario-against-package check (:data:`SCENARIO_CHECKS`)."""
    issues: list[Issue] = []
    for check in SCENARIO_CHECKS:
        issues += check(scenario, tables)
    return issues
