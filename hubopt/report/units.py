"""Figures, their units and their formatting: the one place every study and report reads.

This module is a leaf (numpy only): :mod:`hubopt.studies.compare`, :mod:`hubopt.report` and
the command line all use it, so none of them needs another.

The money unit of a plan is the money unit of its data package (:func:`money_unit`,
``k$`` for the default data). Every money figure is shown with it, e.g.

>>> format_quantity(13640430.8, "k$/yr")
'13,640,430.80 k$/yr'
>>> format_quantity(1535520.0, "t CO2/yr", decimals=0)
'1,535,520 t CO2/yr'
>>> metric_label("capex_new", money="k$")
'investment in new hubs (k$)'
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "check_within_km",
    "DEFAULT_MONEY_UNIT",
    "DEFAULT_WITHIN_KM",
    "METRICS",
    "co2_scale",
    "format_quantity",
    "metric_label",
    "money_scale",
    "money_unit",
    "numeric_metrics",
    "summary_units",
]

DEFAULT_MONEY_UNIT = "k$"
"""Money unit of the default data package (thousands of US dollars)."""
DEFAULT_WITHIN_KM = 500.0


def check_within_km(within_km: float) -> list:
    """Check the distance of "demand served within N km": finite kilometres, at least 0."""
    ok = isinstance(within_km, int | float) and math.isfinite(within_km) and within_km >= 0
    if ok:
        return []
    msg = f"{within_km} is not a distance: give kilometres as a finite number ≥ 0 (e.g. 500)"
    from hubopt.errors import Issue

    return [Issue("check_within_km", msg, column="--within-km")]


METRICS: dict[str, tuple[str, str]] = {
    "total_cost": ("total cost", "{money}/yr"),
    "fixed_cost": ("fixed cost of hubs", "{money}/yr"),
    "production_cost": ("production cost", "{money}/yr"),
    "supply_cost": ("raw material cost", "{money}/yr"),
    "transport_cost": ("transport cost", "{money}/yr"),
    "unmet_penalty_cost": ("penalty for unmet demand", "{money}/yr"),
    "carbon_cost": ("carbon price cost", "{money}/yr"),
    "disposal_cost": ("disposal cost", "{money}/yr"),
    "sales_revenue": ("revenue from by-product sales", "{money}/yr"),
    "emissions_t": ("CO2 emissions", "t CO2/yr"),
    "tonne_km_total": ("freight, all modes", "t·km/yr"),
    "hubs_open": ("hubs open (new and existing)", "hubs"),
    "hubs_new": ("new hubs", "hubs"),
    "hubs_in_energy_communities": ("hubs in energy communities", "hubs"),
    "hubs_new_in_energy_communities": ("new hubs in energy communities", "hubs"),
    "capex": ("investment (capex), new and existing", "{money}"),
    "capex_new": ("investment in new hubs", "{money}"),
    "capex_in_energy_communities": ("capex in energy communities", "{money}"),
    "capex_new_in_energy_communities": ("new capex in energy communities", "{money}"),
    "jobs": ("jobs at hubs, new and existing", "jobs"),
    "jobs_new": ("jobs at new hubs", "jobs"),
    "jobs_in_energy_communities": ("jobs in energy communities", "jobs"),
    "jobs_new_in_energy_communities": ("new jobs in energy communities", "jobs"),
    "demand_served_share": ("demand served", "share"),
    "share_within_km": ("demand served from within {km:g} km", "share"),
    "avg_inbound_km": ("average inbound distance", "km"),
    # issue 15, site economics (import_share_<product>, feoc_share_<product> are added)
    "production_cost_base": ("production cost, technology base", "{money}/yr"),
    "production_cost_factors": ("production cost, site factors", "{money}/yr"),
    "handling_cost": ("handling cost (part of transport)", "{money}/yr"),
    "incentives_granted": ("incentives granted", "{money}/yr"),
    "incentives_granted_in_energy_communities": (
        "incentives granted in energy communities",
        "{money}/yr",
    ),
    "production_credits": ("production credits", "{money}/yr"),
}
"""Comparison column -> (label, unit); ``{money}`` stands for the data's money unit."""

_SUMMARY_UNITS = {
    "objective": "{money}/yr",
    "best_bound": "{money}/yr",
    "carbon_price": "{money}/t CO2",
    "emissions_transport_t": "t CO2/yr",
    "emissions_production_t": "t CO2/yr",
    "emissions_supply_t": "t CO2/yr",
    "demand_total": "product units/yr",
    "demand_served": "product units/yr",
    "demand_unmet": "product units/yr",
    "tonne_km_by_mode": "t·km/yr",
    "mip_gap": "fraction",
    "build_seconds": "s",
    "compile_seconds": "s",
    "solve_seconds": "s",
    "import_share": "share of buy + make, per product",
    "feoc_share": "share of buy + make, per product",
}


def money_unit(
    data: object = None, override: str | None = None, summary: dict | None = None
) -> str:
    """Return the money unit of a data package (the one helper every caller uses).

    Parameters
    ----------
    data : HubData, optional
        The package; its ``money_unit`` (from ``package.toml``) when it has one.
    override : str, optional
        A unit given explicitly (e.g. ``--money-unit``); wins when given.
    summary : dict, optional
        A plan's ``summary.json``; its ``units`` block names the unit it was written in.

    Returns
    -------
    str
        ``override``, else ``data.money_unit``, else the summary's unit, else ``"k$"``.

    Examples
    --------
    >>> money_unit()
    'k$'
    >>> money_unit(override="M$")
    'M$'
    >>> money_unit(summary={"units": {"total_cost": "EUR/yr"}})
    'EUR'
    """
    if override:
        return override
    unit = getattr(data, "money_unit", None)
    if not unit and summary:
        unit = str((summary.get("units") or {}).get("total_cost", "")).removesuffix("/yr")
    return unit or DEFAULT_MONEY_UNIT


def summary_units(money: str = DEFAULT_MONEY_UNIT) -> dict[str, str]:
    """Return the ``units`` block of ``summary.json``: key -> unit.

    >>> summary_units("k$")["total_cost"]
    'k$/yr'
    """
    derived = {"tonne_km_total", "demand_served_share", "share_within_km", "avg_inbound_km"}
    keys = {k: unit for k, (_label, unit) in METRICS.items() if k not in derived}
    return {k: u.format(money=money) for k, u in {**keys, **_SUMMARY_UNITS}.items()}


def metric_label(column: str, *, money: str = "money", km: float = DEFAULT_WITHIN_KM) -> str:
    """Return ``"label (unit)"`` for a comparison column (``tonne_km_<mode>`` included).

    >>> metric_label("tonne_km_rail")
    'freight by rail (t·km/yr)'
    """
    if column.startswith("tonne_km_") and column not in METRICS:
        return f"freight by {column.removeprefix('tonne_km_')} (t·km/yr)"
    for key, word in (("import_share_", "import share"), ("feoc_share_", "FEOC share")):
        if column.startswith(key):  # issue 15: per product
            return f"{word} of {column.removeprefix(key)} (share of buy + make)"
    label, unit = METRICS.get(column, (column.replace("_", " "), ""))
    unit = unit.format(money=money)
    label = label.format(km=km)
    return f"{label} ({unit})" if unit else label


def numeric_metrics(columns: object) -> list[str]:
    """Columns of a comparison table that are figures (not status or settings).

    >>> numeric_metrics(["status", "total_cost", "within_km"])
    ['total_cost']
    """
    skip = {"status", "solution_status", "mip_gap", "within_km"}
    cols = getattr(columns, "columns", columns)
    return [c for c in cols if c not in skip]


def format_quantity(value: float | None, unit: str = "", decimals: int = 2) -> str:
    """Format a number with thousands separators and its unit; ``—`` when missing.

    >>> format_quantity(None, "k$")
    '—'
    >>> format_quantity(0.5, "")
    '0.50'
    """
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    txt = f"{float(value):,.{decimals}f}"
    return f"{txt} {unit}" if unit else txt


def money_scale(values: np.ndarray | list[float], unit: str = "k$") -> tuple[float, str]:
    """Choose a readable money scale: returns ``(factor, label)`` with value × factor.

    Units ``k$``, ``$`` and ``M$`` are rescaled to ``$ thousand`` / ``$ million`` /
    ``$ bn``; any other unit is left as it is.

    >>> money_scale([52_500_000.0], "k$")
    (1e-06, '$ bn')
    """
    to_dollars = {"$": 1.0, "k$": 1e3, "M$": 1e6, "bn$": 1e9}.get(unit)
    if to_dollars is None:
        return 1.0, unit
    v = np.asarray(values, dtype=float)
    big = float(np.nanmax(np.abs(v))) * to_dollars if np.isfinite(v).any() else 0.0
    for size, label in ((1e9, "$ bn"), (1e6, "$ million"), (1e3, "$ thousand")):
        if big >= size:
            return to_dollars / size, label
    return to_dollars, "$"


def co2_scale(values: np.ndarray | list[float]) -> tuple[float, str]:
    """Choose t, kt or Mt of CO2: returns ``(factor, label)`` for values in tonnes.

    >>> co2_scale([2.5e6])
    (1e-06, 'Mt CO2')
    """
    v = np.asarray(values, dtype=float)
    big = float(np.nanmax(np.abs(v))) if np.isfinite(v).any() else 0.0
    if big >= 1e6:
        return 1e-6, "Mt CO2"
    if big >= 1e4:
        return 1e-3, "kt CO2"
    return 1.0, "t CO2"
