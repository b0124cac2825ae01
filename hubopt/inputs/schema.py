"""The data-package contract: which files, which columns, which types.

This module is the single source of truth for the CSV contract documented in
``docs/data_package.md``. Loading (:mod:`hubopt.inputs.load`) and validation
(:mod:`hubopt.inputs.validate`) both read it, so a column added here is parsed, checked and
documented in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["id", "text", "float", "bool", "enum"]

MAGNITUDE = 1e12
"""Default largest value of every number column.

HiGHS treats magnitudes ≥ 1e20 as infinite, and coefficients beyond ~1e9 already make
its tolerances meaningless; 1e12 leaves room for products of two inputs (quantity × unit
cost) while rejecting the sentinel-like values (1e30, 9e99) that ended as solver
failures. Money should be in a unit (k$, M$) that keeps values far below it."""

STATUSES = ("candidate", "required", "existing", "forbidden")


@dataclass(frozen=True)
class Column:
    """One column of a data-package file.

    Parameters
    ----------
    name : str
        Column header as it appears in the CSV.
    kind : {"id", "text", "float", "bool", "enum"}
        ``id`` and ``text`` are kept as strings (leading zeros preserved); ``float`` is
        parsed as a number; ``bool`` accepts true/false, yes/no, 1/0; ``enum`` must be
        one of ``choices``.
    required : bool
        Whether the column must be present (and non-blank in every row).
    default : object
        Value used for blank cells of an optional column (``None`` keeps them missing).
    minimum : float, optional
        Smallest allowed value for ``float`` columns.
    strict_minimum : bool
        If true the value must be strictly greater than ``minimum``.
    maximum : float, optional
        Largest allowed value for ``float`` columns (default :data:`MAGNITUDE`; every
        number column has a finite range, see ``docs/data_package.md``).
    choices : tuple of str
        Allowed values for ``enum`` columns.
    """

    name: str
    kind: Kind
    required: bool = True
    default: object = None
    minimum: float | None = None
    strict_minimum: bool = False
    maximum: float | None = MAGNITUDE
    choices: tuple[str, ...] = ()

    def allowed(self) -> str:
        """Describe the allowed range of a number column, e.g. ``0 ≤ value ≤ 1e+12``."""
        low = (
            ""
            if self.minimum is None
            else f"{self.minimum:g} {'<' if self.strict_minimum else '≤'} "
        )
        high = "" if self.maximum is None else f" ≤ {self.maximum:g}"
        return f"{low}value{high}"


@dataclass(frozen=True)
class FileSpec:
    """One file of a data package: its columns and its key."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    optional: bool = False
    may_be_empty: bool = False

    @property
    def filename(self) -> str:
        """File name inside the package folder."""
        return f"{self.name}.csv"

    def column(self, name: str) -> Column:
        """Return the column called ``name``."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)


def _nonneg(name: str, required: bool = True, default: object = None) -> Column:
    return Column(name, "float", required=required, default=default, minimum=0.0)


def _positive(name: str) -> Column:
    return Column(name, "float", minimum=0.0, strict_minimum=True)


FILES: dict[str, FileSpec] = {
    "sites": FileSpec(
        "sites",
        (
            Column("site_id", "id"),
            Column("name", "text"),
            Column("lat", "float", minimum=-90.0, maximum=90.0),
            Column("lon", "float", minimum=-180.0, maximum=180.0),
            Column("state", "text", required=False, default=""),
            Column("energy_community", "bool", required=False, default=False),
        ),
        key=("site_id",),
    ),
    "products": FileSpec(
        "products",
        (
            Column("product", "id"),
            Column("unit", "text"),
            _positive("tonnes_per_unit"),
            # issue #11: money per unit disposed; blank = may not be disposed; < 0 = sale value
            Column("disposal_cost", "float", required=False, default=None, minimum=-MAGNITUDE),
        ),
        key=("product",),
    ),
    "supply": FileSpec(
        "supply",
        (
            Column("site_id", "id"),
            Column("product", "id"),
            _nonneg("capacity"),
            _nonneg("unit_cost"),
            _nonneg("kg_co2_per_unit", required=False, default=0.0),
            Column("imported", "bool", required=False, default=False),
            Column("feoc", "bool", required=False, default=False),
            _nonneg("min_quantity", required=False, default=0.0),  # issue #11: must-take
        ),
        key=("site_id", "product"),
        may_be_empty=True,
    ),
    "demand": FileSpec(
        "demand",
        (
            Column("site_id", "id"),
            Column("product", "id"),
            _nonneg("quantity"),
            _nonneg("unmet_penalty", required=False, default=None),
        ),
        key=("site_id", "product"),
    ),
    "technologies": FileSpec(
        "technologies",
        (
            Column("technology", "id"),
            Column("output", "id"),
            _nonneg("unit_cost"),
            _nonneg("kg_co2_per_unit", required=False, default=0.0),
            _nonneg("production_credit", required=False, default=0.0),
        ),
        key=("technology",),
        may_be_empty=True,
    ),
    "recipes": FileSpec(
        "recipes",
        (Column("technology", "id"), Column("input", "id"), _positive("quantity")),
        key=("technology", "input"),
        may_be_empty=True,
    ),
    "candidates": FileSpec(
        "candidates",
        (
            Column("site_id", "id"),
            Column("technology", "id"),
            Column("size", "id"),
            _positive("capacity"),
            _nonneg("fixed_cost"),
            _nonneg("capex", required=False, default=0.0),
            _nonneg("jobs", required=False, default=0.0),
            Column("status", "enum", required=False, default="candidate", choices=STATUSES),
            _nonneg("unit_cost", required=False, default=None),
            _nonneg("kg_co2_per_unit", required=False, default=None),
            _nonneg("incentive", required=False, default=0.0),
            # issue #11: share of the open size's capacity that must be produced
            Column(
                "min_utilisation", "float", required=False, default=0.0, minimum=0.0, maximum=1.0
            ),  # fmt: skip
        ),
        key=("site_id", "technology", "size"),
        may_be_empty=True,
    ),
    "modes": FileSpec(
        "modes",
        (
            Column("mode", "id"),
            _nonneg("cost_per_tonne_km"),
            _nonneg("kg_co2_per_tonne_km"),
            Column("circuity", "float", required=False, default=1.2, minimum=1.0, maximum=5.0),
            _nonneg("handling_cost_per_tonne", required=False, default=0.0),
            _nonneg("handling_kg_co2_per_tonne", required=False, default=0.0),
        ),
        key=("mode",),
    ),
    "lanes": FileSpec(
        "lanes",
        (
            Column("origin", "id"),
            Column("destination", "id"),
            Column("mode", "id"),
            Column("product", "id", required=False, default=""),
            _nonneg("distance_km", required=False),
            _nonneg("cost_per_unit", required=False),
            _nonneg("kg_co2_per_unit", required=False),
            _nonneg("capacity", required=False),  # issue #11: units/yr on the lane
        ),
        key=("origin", "destination", "mode", "product"),
        optional=True,
        may_be_empty=True,
    ),
    # issue 15, site economics: optional factor files (docs/data_package.md)
    "site_factors": FileSpec(
        "site_factors",
        (
            Column("site_id", "id", required=False, default=""),
            Column("factor", "id"),
            _nonneg("price", required=False, default=None),
            _nonneg("kg_co2_per_unit", required=False, default=None),
            _nonneg("available", required=False, default=None),
        ),
        key=("site_id", "factor"),
        optional=True,
        may_be_empty=True,
    ),
    "technology_factors": FileSpec(
        "technology_factors",
        (Column("technology", "id"), Column("factor", "id"), _nonneg("quantity")),
        key=("technology", "factor"),
        optional=True,
        may_be_empty=True,
    ),
    # issue #11: co-products, units of `product` per unit of the technology's main output
    "byproducts": FileSpec(
        "byproducts",
        (Column("technology", "id"), Column("product", "id"), _positive("quantity")),
        key=("technology", "product"),
        optional=True,
        may_be_empty=True,
    ),
}

COMPUTED_COLUMNS = frozenset(
    {
        # plan.py, model/build.py, lanes.py and outputs add these to tables made from
        # the input files; an extra input column of the same name would be overwritten
        # or crash the merge, so it is refused (check_computed_column).
        "line", "candidates_line", "lane_id", "selected", "production", "utilisation",
        "output", "quantity", "cost", "co2_t", "tonnes", "tonne_km", "bought", "unmet",
        "served", "penalty_cost", "group", "exact", "big_m", "n_sizes", "max_capacity",
        "forced", "_forced", "name", "state", "lat", "lon", "energy_community",
        "distance_km", "tonnes_per_unit", "cost_per_unit", "kg_co2_per_unit", "unit_cost",
        "geometry", "plan",
        # merged with other tables: candidates.input (recipes), recipes.site_id (options)
        "input", "site_id",
    }
)  # fmt: skip
"""Names hubopt computes: refused as *extra* columns of any input file."""

TRUE_WORDS = frozenset({"true", "yes", "y", "1", "t"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "f", ""})
