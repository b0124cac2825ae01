"""The GIS field dictionary and the fixed Shapefile field-name mapping.

Every standard column of a GIS layer has one full name (used in the GeoPackage and in
GeoJSON) and one short name of at most 10 bytes (used in Shapefiles, whose dBASE tables
cannot hold longer names). The mapping is fixed here, not derived by truncation, so a
name never changes between runs; ``docs/field_dictionary.csv`` is generated from this
module (``python -m hubopt.outputs.gis_fields > docs/field_dictionary.csv``) and a test checks
that the two agree.

Extra columns carried through from the data package (``source``, ``status_note``, ...)
get a deterministic abbreviation (:func:`abbreviate`), recorded in the
``field_dictionary.csv`` written beside the Shapefiles.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from dataclasses import dataclass

import pandas as pd

__all__ = [
    "DICTIONARY_COLUMNS",
    "EXTRA_SOURCE",
    "LAYER_FIELDS",
    "SHORT_NAMES",
    "Field",
    "abbreviate",
    "field_dictionary",
    "shapefile_names",
    "standard_dictionary",
]

MAX_NAME_BYTES = 10
"""dBASE field names hold at most 10 bytes."""

DICTIONARY_COLUMNS = ["layer", "short_name", "full_name", "type", "unit", "meaning"]


@dataclass(frozen=True)
class Field:
    """One standard column of a GIS layer.

    Parameters
    ----------
    full : str
        Full column name (GeoPackage, GeoJSON, CSV tables).
    type : {"string", "integer", "real", "boolean"}
        Value type. Booleans are written as integers 0/1 in Shapefiles.
    unit : str
        Unit of the values, ``""`` when not applicable.
    meaning : str
        What the column holds, in plain words.
    """

    full: str
    type: str
    unit: str
    meaning: str

    @property
    def short(self) -> str:
        """The Shapefile name of the column (from :data:`SHORT_NAMES`)."""
        return SHORT_NAMES[self.full]


SHORT_NAMES: dict[str, str] = {
    "site_id": "site_id",
    "name": "name",
    "state": "state",
    "energy_community": "energy_com",
    "lat": "lat",
    "lon": "lon",
    "candidates_line": "cand_line",
    "technology": "technology",
    "output": "output",
    "size": "size",
    "status": "status",
    "built": "built",
    "selected": "selected",
    "capacity": "capacity",
    "production": "production",
    "utilisation": "util",
    "fixed_cost": "fixed_cost",
    "capex": "capex",
    "jobs": "jobs",
    "product": "product",
    "quantity": "quantity",
    "served": "served",
    "unmet": "unmet",
    "unmet_penalty": "unmet_pen",
    "penalty_cost": "pen_cost",
    "bought": "bought",
    "unit_cost": "unit_cost",
    "kg_co2_per_unit": "kgco2_unit",
    "cost": "cost",
    "co2_t": "co2_t",
    "lane_id": "lane_id",
    "origin": "origin",
    "origin_name": "orig_name",
    "destination": "dest",
    "destination_name": "dest_name",
    "mode": "mode",
    "distance_km": "dist_km",
    "tonnes": "tonnes",
    "tonne_km": "tonne_km",
    "tonnes_per_unit": "t_per_unit",
    "cost_per_unit": "cost_unit",
    # issue 15, site economics
    "production_cost_per_unit": "prod_cunit",
    "factor_cost_per_unit": "fact_cunit",
    "production_credit": "prod_credt",
    "incentive_granted": "inc_grant",
    "incentive": "incentive",
    "imported": "imported",
    "feoc": "feoc",
    "handling_cost_per_unit": "hand_cunit",
    "handling_kg_co2_per_unit": "hand_kgco2",
    "min_utilisation": "min_util",  # issue #11
    "min_quantity": "min_qty",  # issue #11
}
"""Full column name → Shapefile field name (≤ 10 bytes), the same in every layer."""


def _site_fields(what: str) -> tuple[Field, ...]:
    return (
        Field(
            "site_id", "string", "", f"{what} site (sites.csv site_id; text, leading zeros kept)"
        ),
        Field("name", "string", "", "Site name (sites.csv)"),
        Field("state", "string", "", "US state (sites.csv)"),
    )


_LOCATION = (
    Field(
        "energy_community",
        "boolean",
        "",
        "Site is in an energy community (sites.csv); 1/0 in Shapefiles",
    ),
    Field("lat", "real", "degrees", "Site latitude, WGS84, whatever the layer's CRS"),
    Field("lon", "real", "degrees", "Site longitude, WGS84, whatever the layer's CRS"),
)


def _option_fields(opened: bool) -> tuple[Field, ...]:
    sel = (
        ()
        if opened
        else (Field("selected", "boolean", "", "Option opened by the plan; 1/0 in Shapefiles"),)
    )
    zero = "" if opened else " (0 when not selected)"
    return (
        *_site_fields("Candidate"),
        Field("technology", "string", "", "Technology of the option (technologies.csv)"),
        Field("output", "string", "", "Product the technology makes"),
        Field("size", "string", "", "Size tier of the option (candidates.csv)"),
        Field("status", "string", "", "Input status: candidate, required, existing or forbidden"),
        Field(
            "built",
            "string",
            "",
            "Open options: new (built by the plan), existing or required; empty when not open",
        ),
        *sel,
        Field("capacity", "real", "output units/yr", "Maximum output of the option"),
        Field("production", "real", "output units/yr", f"Output made{zero}"),
        Field("utilisation", "real", "fraction", f"production / capacity{zero}"),
        Field("fixed_cost", "real", "money/yr", "Annual fixed cost of the option when open"),
        Field("capex", "real", "money", "One-off capital cost of the option"),
        Field("jobs", "real", "jobs", "Jobs the option creates when open"),
        Field(
            "min_utilisation",
            "real",
            "fraction",
            "Share of capacity that must be produced when open (candidates.csv; 0 = none)",
        ),  # fmt: skip
        *_LOCATION,
        Field("candidates_line", "integer", "", "Line of the row in candidates.csv (header = 1)"),
        *_OPTION_ECON,
    )


_OPTION_ECON = (
    Field("unit_cost", "real", "money/unit", "Override of the production cost (candidates.csv)"),
    Field("kg_co2_per_unit", "real", "kg CO2/unit", "Override of the production CO2"),
    Field("incentive", "real", "money/yr", "Incentive while open and granted (candidates.csv)"),
)
"""Site-economics columns of candidates.csv (issue 15; blank = no override)."""


LAYER_FIELDS: dict[str, tuple[Field, ...]] = {
    "candidates": _option_fields(opened=False),
    "hubs": (
        *_option_fields(opened=True),
        Field(
            "production_cost_per_unit",
            "real",
            "money/unit",
            "Production cost per unit at this site: base + site factor terms, or override",
        ),
        Field(
            "factor_cost_per_unit",
            "real",
            "money/unit",
            "Part of production_cost_per_unit from site factors (site_factors.csv)",
        ),
        Field("production_credit", "real", "money/unit", "Production credit per unit made"),
        Field("incentive_granted", "real", "money/yr", "Incentive + energy-community bonus"),
    ),
    "demand": (
        *_site_fields("Demand"),
        Field("product", "string", "", "Product demanded"),
        Field("quantity", "real", "units/yr", "Demand (demand.csv quantity)"),
        Field("served", "real", "units/yr", "Demand served"),
        Field("unmet", "real", "units/yr", "Demand left unserved"),
        Field(
            "unmet_penalty",
            "real",
            "money/unit",
            "Penalty per unit left unserved; empty = must be served",
        ),
        Field("penalty_cost", "real", "money/yr", "unmet × unmet_penalty"),
        *_LOCATION,
    ),
    "supply": (
        *_site_fields("Supply"),
        Field("product", "string", "", "Product supplied"),
        Field("capacity", "real", "units/yr", "Supply available (supply.csv capacity)"),
        Field("bought", "real", "units/yr", "Quantity bought by the plan"),
        Field("unit_cost", "real", "money/unit", "Purchase cost per unit"),
        Field("kg_co2_per_unit", "real", "kg CO2/unit", "Upstream CO2 per unit bought"),
        Field("cost", "real", "money/yr", "Purchase cost: bought × unit_cost"),
        Field("co2_t", "real", "t CO2/yr", "Upstream CO2 of what is bought"),
        Field("min_quantity", "real", "units/yr", "Must-take quantity (supply.csv min_quantity)"),
        *_LOCATION,
        Field("imported", "boolean", "", "Imported supply (supply.csv); 1/0 in Shapefiles"),
        Field("feoc", "boolean", "", "Supply from a foreign entity of concern; 1/0 in Shapefiles"),
    ),
    "flows": (
        Field("lane_id", "integer", "", "Row of the lane in the run's lane table"),
        Field("origin", "string", "", "Origin site_id"),
        Field("origin_name", "string", "", "Origin site name"),
        Field("destination", "string", "", "Destination site_id"),
        Field("destination_name", "string", "", "Destination site name"),
        Field("product", "string", "", "Product carried"),
        Field("mode", "string", "", "Transport mode (modes.csv)"),
        Field("distance_km", "real", "km", "Lane distance: given, or great circle × circuity"),
        Field("quantity", "real", "units/yr", "Quantity shipped"),
        Field("tonnes", "real", "t/yr", "Mass shipped"),
        Field("tonne_km", "real", "t·km/yr", "tonnes × distance_km"),
        Field("cost", "real", "money/yr", "Transport cost"),
        Field("co2_t", "real", "t CO2/yr", "Transport CO2"),
        Field("tonnes_per_unit", "real", "t/unit", "Mass of one unit of the product"),
        Field("cost_per_unit", "real", "money/unit", "Transport cost per unit on this lane"),
        Field("kg_co2_per_unit", "real", "kg CO2/unit", "Transport CO2 per unit on this lane"),
        Field(
            "handling_cost_per_unit",
            "real",
            "money/unit",
            "Part of cost_per_unit from the mode's handling cost per tonne",
        ),
        Field(
            "handling_kg_co2_per_unit",
            "real",
            "kg CO2/unit",
            "Part of kg_co2_per_unit from the mode's handling CO2 per tonne",
        ),
    ),
    "states": (
        Field("state", "string", "", "US state postal code (Census cartographic boundaries)"),
        Field("name", "string", "", "US state name"),
    ),
}
"""Standard columns of each layer, in the order they are written."""

EXTRA_SOURCE = {
    "candidates": "candidates.csv",
    "hubs": "candidates.csv",
    "demand": "demand.csv",
    "supply": "supply.csv",
    "flows": "lanes.csv",
}
"""The data-package file whose extra columns a layer carries."""


def _ascii_words(name: str) -> list[str]:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return [w for w in re.split(r"[^a-z0-9]+", text.lower()) if w]


def _squeeze(word: str) -> str:
    """Drop the vowels after the first letter: ``vehicles`` → ``vhcls``."""
    return word[0] + re.sub(r"[aeiou]", "", word[1:])


def abbreviate(name: str, taken: set[str]) -> str:
    """Return a unique Shapefile field name (≤ 10 bytes, ASCII) for an extra column.

    Deterministic: lower-case ASCII words joined by ``_``; while too long, the longest
    word loses its inner vowels; then the name is cut to 10 bytes; a clash with a name in
    ``taken`` (compared case-insensitively) gets a ``_2``, ``_3``, ... suffix.

    Parameters
    ----------
    name : str
        Full column name.
    taken : set of str
        Names already used in the layer (lower case); not modified.

    Returns
    -------
    str
    """
    words = _ascii_words(name) or ["field"]
    if words[0][0].isdigit():
        words.insert(0, "f")
    squeezed: set[int] = set()
    while len("_".join(words)) > MAX_NAME_BYTES and len(squeezed) < len(words):
        i = max((j for j in range(len(words)) if j not in squeezed), key=lambda j: len(words[j]))
        words[i] = _squeeze(words[i])
        squeezed.add(i)
    base = "_".join(words)[:MAX_NAME_BYTES].rstrip("_")
    out, n = base, 1
    while out.lower() in taken:
        n += 1
        suffix = f"_{n}"
        out = base[: MAX_NAME_BYTES - len(suffix)].rstrip("_") + suffix
    return out


def shapefile_names(layer: str, columns: list[str]) -> dict[str, str]:
    """Map each column of a layer to its Shapefile field name.

    Standard columns take their fixed short name (:data:`SHORT_NAMES`); other columns
    get :func:`abbreviate` names, unique within the layer.

    Parameters
    ----------
    layer : str
        Layer name (a key of :data:`LAYER_FIELDS`).
    columns : list of str
        Attribute columns of the layer (no geometry), in order.

    Returns
    -------
    dict of str to str
        Full name → short name, in column order.
    """
    standard = {f.full for f in LAYER_FIELDS[layer]}
    names = {c: SHORT_NAMES[c] for c in columns if c in standard}
    taken = {s.lower() for s in names.values()}
    for c in columns:
        if c not in names:
            names[c] = abbreviate(c, taken)
            taken.add(names[c].lower())
    return {c: names[c] for c in columns}


def _type_of(dtype: object) -> str:
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if pd.api.types.is_float_dtype(dtype):
        return "real"
    return "string"


_FORCED = ("existing", "required")


def add_built(df: pd.DataFrame) -> pd.DataFrame:
    """Add ``built`` after ``status``: ``new``, ``existing`` or ``required`` for open options.

    An option is open when the table has no ``selected`` column (the hubs table) or its
    ``selected`` is true; ``built`` is empty (null) for options not open. ``status`` (the input
    status) is kept as it is.

    >>> t = pd.DataFrame({"status": ["candidate", "existing", "candidate"],
    ...                   "selected": [True, True, False]})
    >>> add_built(t)["built"].fillna("").tolist()
    ['new', 'existing', '']
    """
    if "built" in df.columns:
        return df
    status = df["status"] if "status" in df else pd.Series("candidate", index=df.index)
    s = status.astype("string").fillna("candidate").str.lower()
    built = s.where(s.isin(_FORCED), "new").astype(object)
    if "selected" in df:
        opened = df["selected"].astype(str).str.lower().isin(["true", "1"])
        built = built.where(opened)
    at = df.columns.get_loc("status") + 1 if "status" in df else len(df.columns)
    out = df.copy()
    out.insert(at, "built", built.to_numpy())
    return out


def _unit(unit: str, money_unit: str, product_unit: str | None = None) -> str:
    unit = unit.replace("money", money_unit) if unit.startswith("money") else unit
    if product_unit and "unit" in unit:
        unit = re.sub(r"\b(output )?units?\b", product_unit, unit)
    return unit


def _product_unit(layer: str, df: pd.DataFrame, units: dict[str, str] | None) -> str | None:
    """Return the unit of the layer's products: ``GWh``, or ``cells: GWh; cam: t``."""
    col = "output" if layer in ("candidates", "hubs") else "product"
    if not units or col not in df:
        return None
    found = {str(p): str(units.get(str(p), "?")) for p in df[col].dropna().unique()}
    if not found:
        return None
    if len(set(found.values())) == 1:
        return next(iter(found.values()))
    return "; ".join(f"{p}: {u}" for p, u in sorted(found.items()))


def field_dictionary(
    layers: dict[str, pd.DataFrame],
    money_unit: str = "k$",
    product_units: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Return the field dictionary of the layers actually written.

    Parameters
    ----------
    layers : dict of str to DataFrame
        Layer name → attribute table (without its geometry column).
    money_unit : str, default "k$"
        Money unit of the data package, written in place of "money" in units.
    product_units : dict, optional
        Product → unit (``products.csv``): "units" become the unit of the layer's
        products (``GWh/yr``; ``cells: GWh; cam: t`` when a layer mixes them).

    Returns
    -------
    DataFrame
        Columns ``layer, short_name, full_name, type, unit, meaning``; one row per field,
        extra columns described as carried from their data-package file.
    """
    rows = []
    for layer, df in layers.items():
        spec = {f.full: f for f in LAYER_FIELDS[layer]}
        pu = _product_unit(layer, df, product_units)
        for full, short in shapefile_names(layer, list(df.columns)).items():
            f = spec.get(full)
            if f is None:
                f = Field(
                    full, _type_of(df[full].dtype), "", f"Extra column of {EXTRA_SOURCE[layer]}"
                )
            rows.append((layer, short, full, f.type, _unit(f.unit, money_unit, pu), f.meaning))
    return pd.DataFrame(rows, columns=DICTIONARY_COLUMNS)


def standard_dictionary(money_unit: str = "k$") -> pd.DataFrame:
    """Return the dictionary of every standard field of every layer (the shipped CSV).

    The shipped ``docs/field_dictionary.csv`` is for the default data (money in k$).
    """
    rows = [
        (layer, f.short, f.full, f.type, _unit(f.unit, money_unit), f.meaning)
        for layer, fields in LAYER_FIELDS.items()
        for f in fields
    ]
    return pd.DataFrame(rows, columns=DICTIONARY_COLUMNS)


if __name__ == "__main__":  # pragma: no cover - regenerates docs/field_dictionary.csv
    standard_dictionary().to_csv(sys.stdout, index=False, lineterminator="\n")
