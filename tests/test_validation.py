"""Every validation error, by check name, file, line, column and message."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import TINY

import hubopt
from hubopt import HubDataError

FILES = ["sites", "products", "supply", "demand", "technologies", "recipes", "candidates", "modes"]


def copy_tiny(dst: Path) -> Path:
    dst.mkdir()
    for f in FILES:
        (dst / f"{f}.csv").write_bytes((TINY / f"{f}.csv").read_bytes())
    return dst


def edit(pkg: Path, name: str, old: str, new: str) -> None:
    p = pkg / f"{name}.csv"
    text = p.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {name}.csv"
    p.write_text(text.replace(old, new, 1), encoding="utf-8")


# (id, mutation, check, file, line, column, message fragment)
CASES = [
    (
        "missing-file",
        lambda p: (p / "modes.csv").unlink(),
        "check_missing_file",
        "modes.csv",
        None,
        None,
        "required file modes.csv is missing",
    ),
    (
        "missing-column",
        lambda p: edit(p, "sites", "site_id,name,lat,lon", "site_id,name,latitude,lon"),
        "check_missing_column",
        "sites.csv",
        1,
        "lat",
        "required column 'lat' is missing",
    ),
    (
        "typo-column",
        lambda p: edit(p, "sites", "energy_community", "energy_comunity"),
        "check_unknown_column",
        "sites.csv",
        1,
        "energy_comunity",
        "typo for 'energy_community'",
    ),
    (
        "not-a-number",
        lambda p: edit(p, "supply", "M1,ore,1000", "M1,ore,ten"),
        "check_number",
        "supply.csv",
        2,
        "capacity",
        "'ten' is not a number",
    ),
    (
        "nan",
        lambda p: edit(p, "demand", "C1,cells,100", "C1,cells,NaN"),
        "check_number",
        "demand.csv",
        2,
        "quantity",
        "'NaN' is not a number",
    ),
    (
        "infinite",
        lambda p: edit(p, "demand", "C2,cells,150", "C2,cells,inf"),
        "check_finite",
        "demand.csv",
        3,
        "quantity",
        "not a finite number",
    ),
    (
        "negative",
        lambda p: edit(p, "demand", "C2,cells,150", "C2,cells,-150"),
        "check_range",
        "demand.csv",
        3,
        "quantity",
        "must be at least 0",
    ),
    (
        "zero-mass",
        lambda p: edit(p, "products", "cells,GWh,0.5", "cells,GWh,0"),
        "check_range",
        "products.csv",
        3,
        "tonnes_per_unit",
        "must be greater than 0",
    ),
    (
        "lat-range",
        lambda p: edit(p, "sites", "H1,Hub one,40.0", "H1,Hub one,95.0"),
        "check_range",
        "sites.csv",
        3,
        "lat",
        "must be at most 90",
    ),
    (
        "lon-range",
        lambda p: edit(p, "sites", "-95.0", "-195.0"),
        "check_range",
        "sites.csv",
        3,
        "lon",
        "must be at least -180",
    ),
    (
        "duplicate-id",
        lambda p: edit(p, "sites", "H2,Hub two", "H1,Hub two"),
        "check_duplicate_keys",
        "sites.csv",
        4,
        "site_id",
        "first seen on line 3",
    ),
    (
        "unknown-site",
        lambda p: edit(p, "demand", "C2,cells", "C9,cells"),
        "check_unknown_sites",
        "demand.csv",
        3,
        "site_id",
        "site 'C9' is not in sites.csv",
    ),
    (
        "unknown-product",
        lambda p: edit(p, "supply", "M1,ore", "M1,oar"),
        "check_unknown_products",
        "supply.csv",
        2,
        "product",
        "product 'oar' is not in products.csv",
    ),
    (
        "unknown-technology",
        lambda p: edit(p, "candidates", "H2,cellmaking,small", "H2,cellmaker,small"),
        "check_unknown_technologies",
        "candidates.csv",
        4,
        "technology",
        "'cellmaker' is not in technologies.csv",
    ),
    (
        "column-added-without-cells",
        lambda p: edit(p, "candidates", "jobs\n", "jobs,status\n"),
        "check_row_width",
        "candidates.csv",
        2,
        None,
        "has 7 cells but the header has 8",
    ),
    (
        "bad-choice",
        lambda p: (
            edit(p, "candidates", "jobs\n", "jobs,status\n"),
            edit(p, "candidates", "1000,50\n", "1000,50,maybe\n"),
        ),
        "check_choice",
        "candidates.csv",
        2,
        "status",
        "use one of candidate, required, existing, forbidden",
    ),
    (
        "bad-bool",
        lambda p: edit(p, "sites", "NE,false", "NE,perhaps"),
        "check_bool",
        "sites.csv",
        2,
        "energy_community",
        "'perhaps' is not true/false",
    ),
    (
        "empty-file",
        lambda p: (p / "products.csv").write_text(""),
        "check_empty_file",
        "products.csv",
        None,
        None,
        "the file is empty",
    ),
    (
        "header-only",
        lambda p: (p / "demand.csv").write_text("site_id,product,quantity\n"),
        "check_no_rows",
        "demand.csv",
        None,
        None,
        "header but no rows",
    ),
    (
        "encoding",
        lambda p: (p / "sites.csv").write_bytes(
            (p / "sites.csv").read_bytes().replace(b"Hub one", "Hüb one".encode("latin-1"))
        ),
        "check_encoding",
        "sites.csv",
        3,
        None,
        "not UTF-8",
    ),
    (
        "blank-required",
        lambda p: edit(p, "sites", "Hub two", ""),
        "check_blank",
        "sites.csv",
        4,
        "name",
        "required cell is empty",
    ),
    (
        "recipe-input-missing",
        lambda p: edit(p, "supply", "M1,ore", "M1,cells"),
        "check_recipe_inputs_available",
        "recipes.csv",
        2,
        "input",
        "needs 'ore', but no supply.csv row supplies it",
    ),
    (
        "demand-too-big",
        lambda p: edit(p, "demand", "C2,cells,150", "C2,cells,1500"),
        "check_demand_coverable",
        "demand.csv",
        None,
        "quantity",
        "firm demand for 'cells' is 1600",
    ),
    (
        "row-width",
        lambda p: edit(p, "demand", "C1,cells,100", "C1,cells,100,7"),
        "check_row_width",
        "demand.csv",
        2,
        None,
        "has 4 cells but the header has 3",
    ),
    (
        "duplicate-column",
        lambda p: edit(
            p, "demand", "site_id,product,quantity", "site_id,product,quantity,quantity"
        ),
        "check_duplicate_column",
        "demand.csv",
        1,
        "quantity",
        "appears twice",
    ),
    (
        "lane-unknown-mode",
        lambda p: (p / "lanes.csv").write_text(
            "origin,destination,mode,product\nM1,H1,barge,ore\n"
        ),
        "check_unknown_modes",
        "lanes.csv",
        2,
        "mode",
        "mode 'barge' is not in modes.csv",
    ),
    (
        "lane-loop",
        lambda p: (p / "lanes.csv").write_text(
            "origin,destination,mode,product\nM1,M1,truck,ore\n"
        ),
        "check_lane_loops",
        "lanes.csv",
        2,
        "destination",
        "lane from 'M1' to itself",
    ),
    (
        "folder-missing",
        lambda p: [f.unlink() for f in p.iterdir()] and p.rmdir(),
        "check_package_folder",
        None,
        None,
        None,
        "does not exist",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "check", "file", "line", "column", "fragment"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_validation_error(tmp_path, mutate, check, file, line, column, fragment):
    pkg = copy_tiny(tmp_path / "pkg")
    mutate(pkg)
    with pytest.raises(HubDataError) as exc:
        hubopt.load_data(pkg)
    hits = [i for i in exc.value.issues if i.check == check]
    assert hits, f"{check} not raised; got {[str(i) for i in exc.value.issues]}"
    issue = next((i for i in hits if fragment in i.message), None)
    assert issue is not None, f"no {check} message with {fragment!r}: {[i.message for i in hits]}"
    if file is not None:
        assert issue.file == file
    assert issue.row == line
    assert issue.column == column
    assert fragment in str(exc.value)


def test_all_problems_reported_at_once(tmp_path):
    pkg = copy_tiny(tmp_path / "pkg")
    edit(pkg, "sites", "H1,Hub one,40.0", "H1,Hub one,95.0")
    edit(pkg, "demand", "C2,cells", "C9,cells")
    edit(pkg, "supply", "M1,ore,1000", "M1,ore,ten")
    with pytest.raises(HubDataError) as exc:
        hubopt.load_data(pkg)
    checks = {i.check for i in exc.value.issues}
    assert {"check_range", "check_unknown_sites", "check_number"} <= checks
    assert str(exc.value).startswith("3 problems in the input:")


def test_ids_keep_leading_zeros(tmp_path):
    pkg = copy_tiny(tmp_path / "pkg")
    for f in ("sites", "demand"):
        edit(pkg, f, "C1,", "01001,")
    data = hubopt.load_data(pkg)
    assert "01001" in set(data.sites["site_id"])
    assert "01001" in set(data.demand["site_id"])


def test_unused_output_is_a_warning_not_an_error(tmp_path):
    pkg = copy_tiny(tmp_path / "pkg")
    edit(pkg, "products", "cells,GWh,0.5", "cells,GWh,0.5\nslag,t,1")
    edit(pkg, "technologies", "cellmaking,cells,1,10", "cellmaking,cells,1,10\nsmelting,slag,1,0")
    data = hubopt.load_data(pkg)
    assert [w.check for w in data.warnings] == ["check_unused_outputs"]


def test_extra_columns_are_carried_through(tmp_path, solve):
    pkg = copy_tiny(tmp_path / "pkg")
    edit(pkg, "candidates", "jobs\n", "jobs,source\n")
    text = (pkg / "candidates.csv").read_text().splitlines()
    text = [text[0]] + [line + ",announcement" for line in text[1:]]
    (pkg / "candidates.csv").write_text("\n".join(text) + "\n")
    tables = {f: pd.read_csv(pkg / f"{f}.csv", dtype=str, keep_default_na=False) for f in FILES}
    out = solve(tables)
    assert (out.plan.hubs["source"] == "announcement").all()
