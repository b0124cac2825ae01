"""Regenerate the corpus of broken inputs in this folder from ``tests/data/tiny``.

Each case is a folder holding a whole data package (and, for scenario cases, a
``scenario.toml``) with one deliberate mistake, plus ``expected.json``: the check that
must catch it, the file, line and column it must point at, and a fragment of the message.
``tests/test_broken_corpus.py`` runs ``hubopt validate`` on every case and checks that the
corpus here matches what this script generates.

Run from the repository root::

    python tests/data/broken/make_corpus.py
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
TINY = HERE.parent / "tiny"


def edit(pkg: Path, name: str, old: str, new: str) -> None:
    """Replace the first ``old`` by ``new`` in ``name``.csv (which must contain it)."""
    p = pkg / f"{name}.csv"
    text = p.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {name}.csv"
    p.write_text(text.replace(old, new, 1), encoding="utf-8")


def write(pkg: Path, name: str, text: str) -> None:
    """Write a whole file."""
    (pkg / name).write_text(text, encoding="utf-8")


def latin1(pkg: Path) -> None:
    """Save sites.csv with a Latin-1 byte, as old spreadsheet exports do."""
    p = pkg / "sites.csv"
    p.write_bytes(p.read_bytes().replace(b"Hub one", "Hüb one".encode("latin-1")))


def scenario(text: str) -> Callable[[Path], None]:
    """Add a scenario.toml pointing at the package in the same folder."""
    return lambda pkg: write(pkg, "scenario.toml", 'name = "case"\ndata = "."\n' + text)


def add_lines(pkg: Path, name: str, text: str) -> None:
    """Append rows to ``name``.csv."""
    p = pkg / f"{name}.csv"
    p.write_text(p.read_text(encoding="utf-8") + text, encoding="utf-8")


def forced_sizes(pkg: Path) -> None:
    """Make both sizes of (H1, cellmaking) required."""
    write(
        pkg,
        "candidates.csv",
        "site_id,technology,size,capacity,fixed_cost,capex,jobs,status\n"
        "H1,cellmaking,small,150,100,1000,50,required\n"
        "H1,cellmaking,large,300,160,1600,90,required\n"
        "H2,cellmaking,small,150,110,1100,55,\n"
        "H2,cellmaking,large,300,170,1700,95,\n",
    )


def factors(pkg: Path, sf: str = ",electricity,50,400,\n", tf: str = "cellmaking,electricity,2\n"):
    """Add site_factors.csv and technology_factors.csv with the given rows."""
    write(pkg, "site_factors.csv", "site_id,factor,price,kg_co2_per_unit,available\n" + sf)
    write(pkg, "technology_factors.csv", "technology,factor,quantity\n" + tf)


def recipe_loop(pkg: Path) -> None:
    """Cells need 2 ore, and a recycler makes ore from 0.1 cells: material from nothing."""
    add_lines(pkg, "technologies", "recycling,ore,1,0\n")
    add_lines(pkg, "recipes", "recycling,cells,0.1\n")
    add_lines(pkg, "candidates", "H1,recycling,small,100,10,100,5\n")


# id: (mutation, check, file, line, column, message fragment[, exit code, default 2])
CASES: dict[str, tuple] = {
    "missing_file": (
        lambda p: (p / "modes.csv").unlink(),
        "check_missing_file",
        "modes.csv",
        None,
        None,
        "required file modes.csv is missing",
    ),
    "missing_column": (
        lambda p: edit(p, "sites", "site_id,name,lat,lon", "site_id,name,latitude,lon"),
        "check_missing_column",
        "sites.csv",
        1,
        "lat",
        "required column 'lat' is missing",
    ),
    "typo_column": (
        lambda p: edit(p, "sites", "energy_community", "energy_comunity"),
        "check_unknown_column",
        "sites.csv",
        1,
        "energy_comunity",
        "typo for 'energy_community'",
    ),
    "not_a_number": (
        lambda p: edit(p, "supply", "M1,ore,1000", "M1,ore,ten"),
        "check_number",
        "supply.csv",
        2,
        "capacity",
        "'ten' is not a number",
    ),
    "nan": (
        lambda p: edit(p, "demand", "C1,cells,100", "C1,cells,NaN"),
        "check_number",
        "demand.csv",
        2,
        "quantity",
        "'NaN' is not a number",
    ),
    "infinite": (
        lambda p: edit(p, "demand", "C2,cells,150", "C2,cells,inf"),
        "check_finite",
        "demand.csv",
        3,
        "quantity",
        "not a finite number",
    ),
    "negative": (
        lambda p: edit(p, "demand", "C2,cells,150", "C2,cells,-150"),
        "check_range",
        "demand.csv",
        3,
        "quantity",
        "must be at least 0",
    ),
    "zero_mass": (
        lambda p: edit(p, "products", "cells,GWh,0.5", "cells,GWh,0"),
        "check_range",
        "products.csv",
        3,
        "tonnes_per_unit",
        "must be greater than 0",
    ),
    "lat_out_of_range": (
        lambda p: edit(p, "sites", "H1,Hub one,40.0", "H1,Hub one,95.0"),
        "check_range",
        "sites.csv",
        3,
        "lat",
        "must be at most 90",
    ),
    "lon_out_of_range": (
        lambda p: edit(p, "sites", "-95.0", "-195.0"),
        "check_range",
        "sites.csv",
        3,
        "lon",
        "must be at least -180",
    ),
    "duplicate_id": (
        lambda p: edit(p, "sites", "H2,Hub two", "H1,Hub two"),
        "check_duplicate_keys",
        "sites.csv",
        4,
        "site_id",
        "first seen on line 3",
    ),
    "unknown_site": (
        lambda p: edit(p, "demand", "C2,cells", "C9,cells"),
        "check_unknown_sites",
        "demand.csv",
        3,
        "site_id",
        "site 'C9' is not in sites.csv",
    ),
    "unknown_product": (
        lambda p: edit(p, "supply", "M1,ore", "M1,oar"),
        "check_unknown_products",
        "supply.csv",
        2,
        "product",
        "product 'oar' is not in products.csv",
    ),
    "unknown_technology": (
        lambda p: edit(p, "candidates", "H2,cellmaking,small", "H2,cellmaker,small"),
        "check_unknown_technologies",
        "candidates.csv",
        4,
        "technology",
        "'cellmaker' is not in technologies.csv",
    ),
    "column_without_cells": (
        lambda p: edit(p, "candidates", "jobs\n", "jobs,status\n"),
        "check_row_width",
        "candidates.csv",
        2,
        None,
        "has 7 cells but the header has 8",
    ),
    "bad_status": (
        lambda p: (
            edit(p, "candidates", "jobs\n", "jobs,status\n"),
            edit(p, "candidates", "1000,50\n", "1000,50,maybe\n"),
            edit(p, "candidates", "1600,90\n", "1600,90,candidate\n"),
            edit(p, "candidates", "1100,55\n", "1100,55,\n"),
            edit(p, "candidates", "1700,95\n", "1700,95,existing\n"),
        ),
        "check_choice",
        "candidates.csv",
        2,
        "status",
        "use one of candidate, required, existing, forbidden",
    ),
    "bad_bool": (
        lambda p: edit(p, "sites", "NE,false", "NE,perhaps"),
        "check_bool",
        "sites.csv",
        2,
        "energy_community",
        "'perhaps' is not true/false",
    ),
    "empty_file": (
        lambda p: write(p, "products.csv", ""),
        "check_empty_file",
        "products.csv",
        None,
        None,
        "the file is empty",
    ),
    "header_only": (
        lambda p: write(p, "demand.csv", "site_id,product,quantity\n"),
        "check_no_rows",
        "demand.csv",
        None,
        None,
        "header but no rows",
    ),
    "bad_encoding": (latin1, "check_encoding", "sites.csv", 3, None, "not UTF-8"),
    "blank_required": (
        lambda p: edit(p, "sites", "Hub two", ""),
        "check_blank",
        "sites.csv",
        4,
        "name",
        "required cell is empty",
    ),
    "recipe_input_missing": (
        lambda p: edit(p, "supply", "M1,ore", "M1,cells"),
        "check_recipe_inputs_available",
        "recipes.csv",
        2,
        "input",
        "needs 'ore', but no supply.csv row supplies it",
    ),
    "demand_too_big": (
        lambda p: edit(p, "demand", "C2,cells,150", "C2,cells,1500"),
        "check_demand_coverable",
        "demand.csv",
        None,
        "quantity",
        "firm demand for 'cells' is 1600",
    ),
    "row_too_wide": (
        lambda p: edit(p, "demand", "C1,cells,100", "C1,cells,100,7"),
        "check_row_width",
        "demand.csv",
        2,
        None,
        "has 4 cells but the header has 3",
    ),
    "duplicate_column": (
        lambda p: edit(
            p, "demand", "site_id,product,quantity", "site_id,product,quantity,quantity"
        ),
        "check_duplicate_column",
        "demand.csv",
        1,
        "quantity",
        "appears twice",
    ),
    "lane_unknown_mode": (
        lambda p: write(p, "lanes.csv", "origin,destination,mode,product\nM1,H1,barge,ore\n"),
        "check_unknown_modes",
        "lanes.csv",
        2,
        "mode",
        "mode 'barge' is not in modes.csv",
    ),
    "lane_loop": (
        lambda p: write(p, "lanes.csv", "origin,destination,mode,product\nM1,M1,truck,ore\n"),
        "check_lane_loops",
        "lanes.csv",
        2,
        "destination",
        "lane from 'M1' to itself",
    ),
    "duplicate_candidate": (
        lambda p: edit(p, "candidates", "H2,cellmaking,large", "H2,cellmaking,small"),
        "check_duplicate_keys",
        "candidates.csv",
        5,
        None,
        "duplicate site_id='H2', technology='cellmaking', size='small'",
    ),
    "toml_unknown_key": (
        scenario("[constraints]\nmax_hub = 3\n"),
        "check_toml_unknown",
        "scenario.toml",
        None,
        "constraints.max_hub",
        "unknown key 'max_hub' in [constraints]",
    ),
    "toml_wrong_section": (
        scenario("carbon_price = 3\n"),
        "check_toml_unknown",
        "scenario.toml",
        None,
        "carbon_price",
        "belongs in the [objective] section",
    ),
    "toml_wrong_type": (
        scenario('[constraints]\nmax_hubs = "three"\n'),
        "check_toml_type",
        "scenario.toml",
        None,
        "constraints.max_hubs",
        "expected a whole number",
    ),
    "toml_negative_price": (
        scenario("[objective]\ncarbon_price = -5\n"),
        "check_toml_type",
        "scenario.toml",
        None,
        "objective.carbon_price",
        "expected a number ≥ 0",
    ),
    "toml_syntax": (
        scenario("[solver\nthreads = 1\n"),
        "check_toml_syntax",
        "scenario.toml",
        None,
        None,
        "not valid TOML",
    ),
    "toml_escaping_name": (
        lambda p: write(p, "scenario.toml", 'name = "../../etc"\ndata = "."\n'),
        "check_toml_name",
        "scenario.toml",
        None,
        "name",
        "must be a plain folder name",
    ),
    "huge_value": (
        lambda p: edit(p, "demand", "C1,cells,100", "C1,cells,1e30"),
        "check_range",
        "demand.csv",
        2,
        "quantity",
        "1e+30 is out of range: must be at most 1e+12",
    ),
    "circuity_too_large": (
        lambda p: edit(p, "modes", "truck,0.002,0.1,1.2", "truck,0.002,0.1,9"),
        "check_range",
        "modes.csv",
        2,
        "circuity",
        "must be at most 5",
    ),
    "computed_column": (
        lambda p: write(
            p, "demand.csv", "site_id,product,quantity,line\nC1,cells,100,1\nC2,cells,150,2\n"
        ),
        "check_computed_column",
        "demand.csv",
        1,
        "line",
        "extra column 'line' has the name of a column hubopt computes",
    ),
    "case_id": (
        lambda p: add_lines(p, "sites", "h1,Hub one again,40.0,-95.0,IA,false\n"),
        "check_similar_ids",
        "sites.csv",
        7,
        "site_id",
        "site 'h1' differs from 'H1' (first seen on line 3) only by case",
        0,
    ),
    "invisible_id": (
        lambda p: add_lines(p, "sites", "H1\u200b,Hub one again,40.0,-95.0,IA,false\n"),
        "check_similar_ids",
        "sites.csv",
        7,
        "site_id",
        "only by invisible characters or character forms (it contains the invisible "
        "character U+200B)",
        0,
    ),
    "recipe_loop": (
        recipe_loop,
        "check_recipe_loops",
        "recipes.csv",
        2,
        "quantity",
        "needs only 0.2 units of itself around the loop, so the loop creates material",
        0,
    ),
    "forced_sizes": (
        forced_sizes,
        "check_forced_sizes",
        "candidates.csv",
        3,
        "status",
        "only one size of a site and technology can be open",
    ),
    "package_toml_unknown": (
        lambda p: write(p, "package.toml", 'money_unit = "k$"\ncurrency = "USD"\n'),
        "check_package_toml",
        "package.toml",
        None,
        "currency",
        "unknown key 'currency'",
    ),
    "toml_huge_price": (
        scenario("[objective]\ncarbon_price = 1e300\n"),
        "check_toml_type",
        "scenario.toml",
        None,
        "objective.carbon_price",
        "1e+300 is not valid: expected a number ≥ 0 and at most 1e+12",
    ),
    "toml_gap_one": (
        scenario("[solver]\nmip_rel_gap = 1.0\n"),
        "check_toml_type",
        "scenario.toml",
        None,
        "solver.mip_rel_gap",
        "expected a number between 0 and 1 (0 included, 1 excluded)",
    ),
    "toml_threads_zero": (
        scenario("[solver]\nthreads = 0\n"),
        "check_toml_type",
        "scenario.toml",
        None,
        "solver.threads",
        "expected a whole number ≥ 1",
    ),
    "toml_negative_time_limit": (
        scenario("[solver]\ntime_limit_s = -1\n"),
        "check_toml_type",
        "scenario.toml",
        None,
        "solver.time_limit_s",
        "expected a number of seconds ≥ 0",
    ),
    "toml_nan_time_limit": (
        scenario("[solver]\ntime_limit_s = nan\n"),
        "check_toml_type",
        "scenario.toml",
        None,
        "solver.time_limit_s",
        "nan is not valid",
    ),
    # issue 15, site economics
    "factor_negative_quantity": (
        lambda p: factors(p, tf="cellmaking,electricity,-2\n"),
        "check_range",
        "technology_factors.csv",
        2,
        "quantity",
        "must be at least 0",
    ),
    "factor_unknown": (
        lambda p: factors(p, tf="cellmaking,electricty,2\n"),
        "check_factor_labels",
        "technology_factors.csv",
        2,
        "factor",
        "factor 'electricty' is not priced",
    ),
    "factor_price_missing": (
        lambda p: factors(p, sf="H1,electricity,50,400,\n"),
        "check_factor_prices",
        "candidates.csv",
        4,
        "site_id",
        "needs factor 'electricity'",
    ),
    "factor_not_a_number": (
        lambda p: factors(p, sf=",electricity,cheap,400,\n"),
        "check_number",
        "site_factors.csv",
        2,
        "price",
        "'cheap' is not a number",
    ),
    "override_sizes_differ": (
        lambda p: edit(
            p,
            "candidates",
            "jobs\nH1,cellmaking,small,150,100,1000,50\nH1,cellmaking,large,300,160,1600,90",
            "jobs,unit_cost\nH1,cellmaking,small,150,100,1000,50,2\n"
            "H1,cellmaking,large,300,160,1600,90,3",
        ),
        "check_override_sizes",
        "candidates.csv",
        3,
        "unit_cost",
        "must be the same for every size",
    ),
    "toml_import_share_above_one": (
        scenario("[constraints]\nmax_import_share = {cells = 1.5}\n"),
        "check_toml_type",
        "scenario.toml",
        None,
        "constraints.max_import_share",
        "expected a share between 0 and 1",
    ),
    "toml_bonus_negative": (
        scenario("[policy]\nenergy_community_bonus = -0.1\n"),
        "check_toml_type",
        "scenario.toml",
        None,
        "policy.energy_community_bonus",
        "expected a number ≥ 0 and at most 1",
    ),
    # issue #11: network semantics
    "byproduct_own_output": (
        lambda p: write(p, "byproducts.csv", "technology,product,quantity\ncellmaking,cells,0.1\n"),
        "check_byproducts",
        "byproducts.csv",
        2,
        "product",
        "is the main output of technology 'cellmaking'",
    ),
    "byproduct_unknown_technology": (
        lambda p: write(p, "byproducts.csv", "technology,product,quantity\ncellmaker,ore,0.1\n"),
        "check_byproducts",
        "byproducts.csv",
        2,
        "technology",
        "technology 'cellmaker' is not in technologies.csv",
    ),
    "byproduct_unknown_product": (
        lambda p: write(p, "byproducts.csv", "technology,product,quantity\ncellmaking,slag,0.1\n"),
        "check_byproducts",
        "byproducts.csv",
        2,
        "product",
        "product 'slag' is not in products.csv",
    ),
    "negative_min_quantity": (
        lambda p: edit(
            p,
            "supply",
            "kg_co2_per_unit\nM1,ore,1000,2,5",
            "kg_co2_per_unit,min_quantity\nM1,ore,1000,2,5,-1",
        ),
        "check_range",
        "supply.csv",
        2,
        "min_quantity",
        "must be at least 0",
    ),
    "min_quantity_above_capacity": (
        lambda p: edit(
            p,
            "supply",
            "kg_co2_per_unit\nM1,ore,1000,2,5",
            "kg_co2_per_unit,min_quantity\nM1,ore,1000,2,5,1500",
        ),
        "check_min_quantity",
        "supply.csv",
        2,
        "min_quantity",
        "min_quantity 1500 exceeds capacity 1000",
    ),
    "share_above_one": (
        lambda p: edit(
            p,
            "candidates",
            "jobs\nH1,cellmaking,small,150,100,1000,50",
            "jobs,min_utilisation\nH1,cellmaking,small,150,100,1000,50,1.5",
        ),
        "check_range",
        "candidates.csv",
        2,
        "min_utilisation",
        "must be at most 1",
    ),
    "toml_min_hubs_above_max": (
        scenario("[constraints]\nmin_new_hubs = 3\nmax_new_hubs = 2\n"),
        "check_toml_hub_counts",
        "scenario.toml",
        None,
        "constraints.min_new_hubs",
        "min_new_hubs = 3 exceeds max_new_hubs = 2",
    ),
    # found by the mutation run: a computed name in candidates.csv crashed the cross checks
    "computed_column_in_candidates": (
        lambda p: write(
            p,
            "candidates.csv",
            "site_id,technology,size,capacity,fixed_cost,output\n"
            "H1,cellmaking,small,150,100,cells\nH2,cellmaking,small,150,110,cells\n",
        ),
        "check_computed_column",
        "candidates.csv",
        1,
        "output",
        "extra column 'output' has the name of a column hubopt computes",
    ),
    "toml_unknown_technology_in_table": (
        scenario("[constraints]\nmax_new_hubs = {Cellmaking = 1}\n"),
        "check_scenario_labels",
        "scenario.toml",
        None,
        "constraints.max_new_hubs",
        "technology 'Cellmaking' in max_new_hubs is not in technologies.csv",
    ),
    "misspelt_file": (
        lambda p: write(p, "byproduct.csv", "technology,product,quantity\ncellmaking,ore,0.1\n"),
        "check_file_names",
        "byproduct.csv",
        None,
        None,
        "byproduct.csv looks like a misspelling of byproducts.csv",
    ),
    "unnamed_column": (
        lambda p: write(
            p, "demand.csv", "site_id,product,quantity,\nC1,cells,100,5\nC2,cells,150,\n"
        ),
        "check_unnamed_column",
        "demand.csv",
        2,
        None,
        "column 4 has no name in the header but holds values",
    ),
    "exclude_unknown_column": (
        scenario('[constraints]\nexclude_new_where = "still_burns_coal"\n'),
        "check_exclude_column",
        "scenario.toml",
        None,
        "constraints.exclude_new_where",
        "exclude_new_where names the column 'still_burns_coal', which sites.csv does not have",
    ),
    "exclude_bad_flag": (
        lambda p: (
            write(
                p,
                "sites.csv",
                "".join(
                    line.rstrip("\n") + (",burns\n" if i == 0 else ",maybe\n" if i == 2 else ",\n")
                    for i, line in enumerate(
                        (p / "sites.csv").read_text(encoding="utf-8").splitlines(keepends=True)
                    )
                ),
            ),
            scenario('[constraints]\nexclude_new_where = "burns"\n')(p),
        ),  # fmt: skip
        "check_exclude_column",
        "sites.csv",
        3,
        "burns",
        "'maybe' is not true/false, and exclude_new_where reads this column",
    ),
}


def build(root: Path = HERE) -> list[str]:
    """Write every case folder under ``root``; return the case ids."""
    for case, (mutate, check, file, line, column, fragment, *code) in CASES.items():
        folder = root / case
        if folder.exists():
            shutil.rmtree(folder)
        shutil.copytree(TINY, folder)
        mutate(folder)
        expected = {"check": check, "file": file, "line": line, "column": column,
                    "message": fragment, "exit_code": code[0] if code else 2}  # fmt: skip
        (folder / "expected.json").write_text(
            json.dumps(expected, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    return list(CASES)


if __name__ == "__main__":
    ids = build(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
    print(f"wrote {len(ids)} broken cases")
