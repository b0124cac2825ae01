"""Load a data package (a folder of CSV files) into label-indexed tables.

Every table keeps its key columns (``site_id``, ``product``, ...) as ordinary columns
and uses the CSV line number (header = line 1) as its index, so any later check can
point a user at the exact line to fix.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from hubopt.errors import Issue, raise_if_errors
from hubopt.inputs.memory import frame_issues, relabel, tables_from_frames
from hubopt.inputs.package import (
    DEFAULT_MONEY_UNIT,
    contract_files,
    file_problem,
    folder_problem,
    is_regular_file,
    meta_from_dict,
    read_meta,
)
from hubopt.inputs.parse import decode, read_table
from hubopt.inputs.schema import FILES
from hubopt.inputs.validate import validate_tables

__all__ = [
    "HubData",
    "contract_files",
    "is_regular_file",
    "load_data",
    "read_package",
    "read_table",
]


@dataclass(frozen=True)
class HubData:
    """A loaded, typed data package.

    Attributes
    ----------
    sites, products, supply, demand, technologies, recipes, candidates, modes : DataFrame
        One table per file of the contract (see ``docs/data_package.md``); key columns
        are ordinary columns, the index is the CSV line number.
    lanes : DataFrame or None
        The explicit lane table, or ``None`` when ``lanes.csv`` is absent (lanes are
        then generated, see :func:`hubopt.lanes.build_lanes`).
    site_factors, technology_factors : DataFrame or None
        The optional site-economics files (``None`` when absent); see
        :mod:`hubopt.inputs.economics`.
    byproducts : DataFrame or None
        Co-products (``byproducts.csv``: technology, product, quantity per unit of the
        technology's output), or ``None`` when absent.
    path : Path or None
        Folder the package was read from (``None`` for :meth:`from_tables`).
    warnings : tuple of Issue
        Warnings found by the checks.
    meta : dict
        ``package.toml`` content (``name``, ``description``, ``money_unit``,
        ``data_date``, those given) plus ``money_unit_source``.
    """

    sites: pd.DataFrame
    products: pd.DataFrame
    supply: pd.DataFrame
    demand: pd.DataFrame
    technologies: pd.DataFrame
    recipes: pd.DataFrame
    candidates: pd.DataFrame
    modes: pd.DataFrame
    lanes: pd.DataFrame | None = None
    site_factors: pd.DataFrame | None = None
    technology_factors: pd.DataFrame | None = None
    byproducts: pd.DataFrame | None = None
    path: Path | None = None
    warnings: tuple[Issue, ...] = field(default=())
    meta: dict = field(default_factory=lambda: {"money_unit": DEFAULT_MONEY_UNIT})

    @property
    def money_unit(self) -> str:
        """The unit of every money column (``package.toml`` ``money_unit``; default k$)."""
        return str(self.meta.get("money_unit", DEFAULT_MONEY_UNIT))

    @classmethod
    def from_tables(
        cls,
        *,
        sites: pd.DataFrame,
        products: pd.DataFrame,
        demand: pd.DataFrame,
        modes: pd.DataFrame,
        supply: pd.DataFrame | None = None,
        technologies: pd.DataFrame | None = None,
        recipes: pd.DataFrame | None = None,
        candidates: pd.DataFrame | None = None,
        lanes: pd.DataFrame | None = None,
        site_factors: pd.DataFrame | None = None,
        technology_factors: pd.DataFrame | None = None,
        byproducts: pd.DataFrame | None = None,
        meta: dict | None = None,
        strict: bool = True,
    ) -> HubData:
        """Build a package from in-memory tables, checked exactly like package files.

        Parameters
        ----------
        sites : DataFrame or GeoDataFrame
            ``site_id``, ``name``, ``lat``, ``lon`` (WGS84 degrees), ...; a GeoDataFrame
            with point geometry gives ``lat``/``lon`` from the points (reprojected to
            WGS84 if it has another CRS).
        products, demand, modes : DataFrame
            As ``products.csv``, ``demand.csv``, ``modes.csv``.
        supply, technologies, recipes, candidates : DataFrame, optional
            As the files of the same name; omitted = no rows.
        lanes : DataFrame, optional
            The explicit lane table; omitted = lanes are generated.
        site_factors, technology_factors : DataFrame, optional
            As ``site_factors.csv`` and ``technology_factors.csv`` (site economics).
        byproducts : DataFrame, optional
            As ``byproducts.csv``; omitted = no co-products.
        meta : dict, optional
            As ``package.toml`` (e.g. ``{"money_unit": "M$"}``); default money unit k$.
        strict : bool, default True
            Raise on any error.

        Returns
        -------
        HubData
            Tables indexed by the given DataFrames' index labels.

        Raises
        ------
        HubDataError
            With the same checks and messages as :func:`load_data`; rows are named by
            index label, e.g. ``sites, row 3``.
        """
        frames = dict(sites=sites, products=products, supply=supply, demand=demand,
                      technologies=technologies, recipes=recipes, candidates=candidates,
                      modes=modes, lanes=lanes, byproducts=byproducts)  # fmt: skip
        frames |= dict(site_factors=site_factors, technology_factors=technology_factors)
        tables, issues, labels = tables_from_frames(frames)
        info = meta_from_dict(dict(meta or {}), issues, "meta")
        if any(t is None for n, t in tables.items() if not FILES[n].optional):
            raise_if_errors(issues)
        issues += frame_issues(validate_tables(tables), labels)  # type: ignore[arg-type]
        if strict:
            raise_if_errors(issues)
        relabel(tables, labels)
        warnings = tuple(i for i in issues if i.severity == "warning")
        return cls(**tables, warnings=warnings, meta=info)  # type: ignore[arg-type]

    def table(self, name: str) -> pd.DataFrame | None:
        """Return the table called ``name`` (a key of :data:`hubopt.inputs.schema.FILES`)."""
        return getattr(self, name)


def read_package(path: str | Path) -> tuple[dict[str, pd.DataFrame | None], list[Issue]]:
    """Read every file of a data package without cross-file checks.

    Parameters
    ----------
    path : str or Path
        Package folder.

    Returns
    -------
    tables : dict of str to DataFrame or None
        One entry per file of the contract; ``None`` where absent or unreadable.
    issues : list of Issue
        Problems found while reading and typing the files.
    """
    root = Path(path)
    issues: list[Issue] = []
    tables: dict[str, pd.DataFrame | None] = {}
    why = folder_problem(root)
    if why:
        what = "does not exist or is not a folder" if why == "does not exist" else why
        issues.append(
            Issue("check_package_folder", f"data package folder '{root}' {what}", str(root))
        )
        return {name: None for name in FILES}, issues
    for name, spec in FILES.items():
        fpath = root / spec.filename
        problem = file_problem(fpath) if os.path.lexists(fpath) else None
        if problem:
            tables[name] = None
            msg = f"{spec.filename} {problem}; replace it by the CSV file itself"
            issues.append(Issue("check_file_type", msg, spec.filename))
            continue
        if not fpath.is_file():
            tables[name] = None
            if not spec.optional:
                issues.append(
                    Issue(
                        "check_missing_file",
                        f"required file {spec.filename} is missing from {root}",
                        spec.filename,
                    )
                )
            continue
        text = decode(fpath.read_bytes(), spec.filename, issues)
        tables[name] = None if text is None else read_table(spec, text, issues)
    read_meta(root, issues)  # package.toml problems are reported with the files'
    issues += check_file_names(root)
    return tables, issues


def check_file_names(root: Path) -> list[Issue]:
    """Report a file named almost like a contract file (``lane.csv``, ``Lanes.csv``).

    Extra files are otherwise allowed and ignored, so a misspelt optional file
    (``byproduct.csv``) would silently not apply, and a misspelt required one would only
    be reported as missing.
    """
    names = {spec.filename for spec in FILES.values()}
    out = []
    try:
        present = sorted(os.listdir(root))
    except OSError:
        return out
    for fname in present:
        if fname in names or not fname.lower().endswith(".csv"):
            continue
        low = fname.lower()
        near = [n for n in names if n == low]
        near = near or difflib.get_close_matches(low, sorted(names), n=1, cutoff=0.85)
        if near and near[0] not in present:
            msg = (
                f"{fname} looks like a misspelling of {near[0]}, which hubopt reads (file "
                "names are case-sensitive); rename it to "
                f"{near[0]}, or give it a name that is clearly different if it is not data"
            )
            out.append(Issue("check_file_names", msg, fname))
    return out


def load_data(path: str | Path, *, strict: bool = True) -> HubData:
    """Load and validate a data package.

    Parameters
    ----------
    path : str or Path
        Folder holding the CSV files described in ``docs/data_package.md``.
    strict : bool, default True
        If true, raise on any error found by the file and cross-file checks.

    Returns
    -------
    HubData
        The typed tables.

    Raises
    ------
    HubDataError
        Listing every problem found, each with file, line and column.
    """
    tables, issues = read_package(path)
    meta = read_meta(Path(path), []) if folder_problem(Path(path)) is None else {}
    if any(t is None for n, t in tables.items() if not FILES[n].optional):
        raise_if_errors(issues)
    issues += validate_tables(tables)  # type: ignore[arg-type]
    if strict:
        raise_if_errors(issues)
    return HubData(
        **{k: v for k, v in tables.items()},  # type: ignore[arg-type]
        path=Path(path),
        warnings=tuple(i for i in issues if i.severity == "warning"),
        meta=meta,
    )
