"""Write a run's outputs: tables, summary, manifest, solver log.

Writes are atomic: everything goes to a hidden temporary folder beside the target, which
is renamed into place only when complete. An existing result folder is never
overwritten unless ``force=True``; otherwise the next free numbered folder is used.
"""

from __future__ import annotations

import hashlib
import platform
import shutil
from collections.abc import Iterable
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from hubopt.inputs.fields import manifest_blocks
from hubopt.inputs.load import contract_files, is_regular_file
from hubopt.outputs.folder import OWNER_KEY, atomic_folder, free_folder
from hubopt.outputs.gis_fields import add_built
from hubopt.outputs.jsonio import write_json
from hubopt.outputs.result_files import read_json_file, read_plan_table
from hubopt.report.units import money_unit, summary_units

if TYPE_CHECKING:
    from hubopt.pipeline import RunOutcome

__all__ = ["atomic_folder", "free_folder", "read_result", "safe_for_spreadsheet", "write_outputs"]

MANIFEST_VERSION = 1
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


ID_COLUMNS = frozenset(
    {
        "site_id", "origin", "destination", "product", "technology", "size", "mode", "output",
        "input", "status", "built", "scenario", "plan", "metric", "folder",
    }
)  # fmt: skip
"""Key columns: written verbatim in every CSV so that they join (never apostrophe-prefixed)."""


def safe_for_spreadsheet(df: pd.DataFrame, keys: frozenset[str] = ID_COLUMNS) -> pd.DataFrame:
    """Neutralise free text a spreadsheet would run as a formula; keep key columns as they are.

    Text starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a leading
    apostrophe (the OWASP CSV-injection advice), in cells of free-text columns (names,
    notes, extra columns) and in column headers. Key columns (``keys``: ids such as
    ``site_id``, ``product``, ``technology``) are never changed, so ``hubs.csv`` still
    joins to ``sites.csv``: open hubopt's CSVs in a spreadsheet through its import dialog
    (columns as text) if the ids themselves start with those characters. Numeric columns
    are untouched.

    >>> t = pd.DataFrame({"site_id": ["-H1"], "name": ["=cmd()"], "=x": [1]})
    >>> safe_for_spreadsheet(t).to_dict("list")
    {'site_id': ['-H1'], 'name': ["'=cmd()"], "'=x": [1]}
    """
    out = df.copy()
    for col in out.columns:
        if col in keys:
            continue
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            s = out[col]
            mask = s.map(lambda v: isinstance(v, str) and v.startswith(_FORMULA_START))
            if mask.any():
                out[col] = s.where(~mask, "'" + s.astype(str))
    return out.rename(
        columns=lambda c: (
            f"'{c}" if c not in keys and isinstance(c, str) and c.startswith(_FORMULA_START) else c
        )
    )


def _dump(path: Path, obj: dict) -> None:
    write_json(path, obj)


def _sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _versions() -> dict:
    out = {"python": platform.python_version()}
    for pkg in ("hubopt", "pyomo", "highspy", "pandas", "numpy"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:  # pragma: no cover
            out[pkg] = "unknown"
    return out


def manifest(outcome: RunOutcome) -> dict:
    """Everything needed to reproduce a run: inputs with hashes, options, versions."""
    sc = outcome.scenario
    inputs = {}
    if sc.data_dir and Path(sc.data_dir).is_dir():
        for name in contract_files():
            f = Path(sc.data_dir) / name
            if is_regular_file(f):  # never a FIFO, device, directory or dangling link
                inputs[f.name] = _sha256(f)
    scen, solver = manifest_blocks(sc)
    r = outcome.result
    return {
        OWNER_KEY: "hubopt",
        "kind": "solve",
        "manifest_version": MANIFEST_VERSION,
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "scenario": {
            "name": sc.name,
            "description": sc.description,
            "file": str(sc.source) if sc.source else None,
            "file_sha256": _sha256(sc.source) if sc.source and sc.source.is_file() else None,
            "data_dir": str(sc.data_dir) if sc.data_dir is not None else None,
            **scen,
            "money_unit": outcome.data.money_unit,
        },
        "solver_options": solver,
        "input_sha256": inputs,
        "versions": {**_versions(), "highs": r.solver_version},
        "status": r.termination.value,
        "solution_status": r.solution_status.value,
        "mip_gap": r.mip_gap,
        "timings_s": outcome.timings,
    }


def summary(outcome: RunOutcome) -> dict:
    """Return the ``summary.json`` content: solver outcome first, then the plan's figures."""
    r = outcome.result
    head = {
        "scenario": outcome.scenario.name,
        "status": r.termination.value,
        "solution_status": r.solution_status.value,
        "message": r.message,
        "objective": r.objective,
        "best_bound": r.best_bound,
        "mip_gap": r.mip_gap,
        "build_seconds": r.build_seconds,
        "compile_seconds": r.compile_seconds,
        "solve_seconds": r.solve_seconds,
        "solver": r.solver,
        "solver_version": r.solver_version,
    }
    plan = outcome.plan.summary if outcome.plan else {}
    if outcome.diagnosis is not None:
        head["diagnosis"] = outcome.diagnosis.messages()
    figures = {k: v for k, v in plan.items() if k != "scenario"}
    units = summary_units(money_unit(outcome.data))
    return {**head, **figures, "model": r.stats, "units": units}


def write_outputs(
    out_dir: str | Path,
    outcome: RunOutcome,
    *,
    force: bool = False,
    formats: str | Iterable[str] | None = None,
    crs: str = "EPSG:4326",
) -> Path:
    """Write every output of a run, atomically.

    Parameters
    ----------
    out_dir : str or Path
        Target folder, e.g. ``results/baseline``.
    outcome : RunOutcome
        From :func:`hubopt.pipeline.run`.
    force : bool, default False
        Replace an existing folder, only if hubopt wrote it (see
        :func:`hubopt.outputs.folder.atomic_folder`). Without it, an existing folder is kept and
        the next free numbered folder (``baseline-2``, ...) is used.
    formats : str or iterable of str, optional
        Any of ``csv`` (plan tables), ``gpkg``, ``shp``, ``geojson`` (GIS layers, see
        :func:`hubopt.outputs.gis.write_gis`); default all. Summary, manifest and solver log are
        always written.
    crs : str, default "EPSG:4326"
        CRS of the GeoPackage and Shapefile layers (GeoJSON is always EPSG:4326).

    Returns
    -------
    Path
        The folder actually written.

    Raises
    ------
    HubDataError
        For an unknown format or CRS, or an output location that cannot be used
        (nothing is written, earlier results are kept).
    """
    from hubopt.outputs.gis import parse_formats

    chosen = parse_formats(formats)
    sc = outcome.scenario
    return atomic_folder(
        out_dir,
        lambda tmp: _write_all(tmp, outcome, chosen, crs),
        force=force,
        kind="solve",
        protect=(sc.data_dir, sc.source),
    )


def _write_all(folder: Path, outcome: RunOutcome, formats: frozenset[str], crs: str) -> None:
    _dump(folder / "summary.json", summary(outcome))
    outputs = {"formats": sorted(formats), "crs": crs}
    _dump(folder / "manifest.json", {**manifest(outcome), "outputs": outputs})
    (folder / "solver.log").write_text(outcome.result.log, encoding="utf-8")
    src = outcome.scenario.source
    if src and Path(src).is_file():
        shutil.copyfile(src, folder / "scenario.toml")
    if outcome.diagnosis is not None:
        safe_for_spreadsheet(outcome.diagnosis.findings).to_csv(
            folder / "diagnosis.csv", index=False
        )
    plan = outcome.plan
    if plan is None:
        return
    tables = {
        "hubs": add_built(plan.hubs),
        "flows": plan.flows,
        "candidates": add_built(plan.candidates),
        "purchases": plan.purchases,
        "production": plan.production,
        "demand": plan.demand,
    }
    if len(plan.disposal):  # issue #11: only where some product may be disposed
        tables["disposal"] = plan.disposal
    for name, df in tables.items() if "csv" in formats else ():
        safe_for_spreadsheet(df).to_csv(folder / f"{name}.csv", index=False, float_format="%.10g")
    if formats - {"csv"}:
        from hubopt.outputs.gis import plan_to_geodataframes, write_gis

        layers = plan_to_geodataframes(plan, outcome.data, crs=crs)
        meta = {"scenario": outcome.scenario.name, "status": outcome.result.termination.value}
        units = outcome.data.products.set_index("product")["unit"].astype(str).to_dict()
        write_gis(
            folder,
            layers,
            formats,
            metadata=meta,
            money_unit=money_unit(outcome.data),
            product_units=units,
        )


PLAN_TABLES = ("hubs", "flows", "candidates", "purchases", "production", "demand")
_ID_COLUMNS = {
    "site_id": str,
    "origin": str,
    "destination": str,
    "mode": str,
    "product": str,
    "technology": str,
    "size": str,
    "output": str,
    "status": str,
    "built": str,
}


def read_result(folder: str | Path) -> tuple[dict, dict[str, pd.DataFrame]]:
    """Read a result folder written by :func:`write_outputs`.

    Parameters
    ----------
    folder : str or Path
        A ``results/<name>/`` folder.

    Returns
    -------
    summary : dict
        The content of ``summary.json``.
    tables : dict of str to DataFrame
        ``hubs``, ``flows``, ``candidates``, ``purchases``, ``production``, ``demand``
        (empty dict when the run found no plan). Identifier columns are read as text.
    """
    root = Path(folder)
    summary_path = root / "summary.json"
    if not summary_path.is_file():
        from hubopt.errors import Issue, raise_if_errors

        raise_if_errors(
            [
                Issue(
                    "check_result_folder",
                    f"'{root}' is not a hubopt result folder (no summary.json)",
                    str(root),
                )
            ]
        )
    summary = read_json_file(summary_path)  # damaged files: exit 2, file and line named
    tables: dict[str, pd.DataFrame] = {}
    for name in PLAN_TABLES:
        p = root / f"{name}.csv"
        if p.is_file():
            tables[name] = read_plan_table(p, name, _ID_COLUMNS)
    return summary, tables
