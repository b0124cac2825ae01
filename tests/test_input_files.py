"""Input reliability: paths that are not files, in-memory packages, package.toml, JSON, geodesy."""

from __future__ import annotations

import json
import math
import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import TINY, base_tables

import hubopt
from hubopt import HubData, HubDataError
from hubopt.geodesy import geodesic_km, geodesic_path
from hubopt.inputs.package import contract_files, is_regular_file
from hubopt.inputs.schema import FILES, MAGNITUDE
from hubopt.outputs.jsonio import clean_json, dumps_json


def copy_tiny(dst: Path) -> Path:
    shutil.copytree(TINY, dst)
    return dst


def issue_of(exc: pytest.ExceptionInfo, check: str):
    hits = [i for i in exc.value.issues if i.check == check]
    assert hits, [str(i) for i in exc.value.issues]
    return hits[0]


# --------------------------------------------------------------------------- file types


@pytest.mark.parametrize("kind", ["directory", "dangling", "fifo", "loop", "device"])
def test_contract_path_that_is_not_a_file_is_an_input_error(tmp_path, kind):
    pkg = copy_tiny(tmp_path / "pkg")
    target = pkg / "modes.csv"
    target.unlink()
    if kind == "directory":
        target.mkdir()
    elif kind == "dangling":
        target.symlink_to(pkg / "nowhere.csv")
    elif kind == "fifo":
        os.mkfifo(target)
    elif kind == "loop":
        target.symlink_to(target)
    else:
        target.symlink_to("/dev/zero")
    with pytest.raises(HubDataError) as exc:
        hubopt.load_data(pkg)
    issue = issue_of(exc, "check_file_type")
    assert issue.file == "modes.csv"
    words = {"directory": "is a folder", "dangling": "does not exist", "fifo": "FIFO",
             "loop": "symbolic link loop", "device": "is a device"}  # fmt: skip
    assert words[kind] in issue.message


def test_package_folder_that_is_a_link_loop(tmp_path):
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    with pytest.raises(HubDataError) as exc:
        hubopt.load_data(loop)
    assert "symbolic link loop" in issue_of(exc, "check_package_folder").message


def test_extra_fifo_in_the_package_is_never_opened(tmp_path):
    pkg = copy_tiny(tmp_path / "pkg")
    os.mkfifo(pkg / "notes.csv")
    (pkg / "link.csv").symlink_to("/dev/zero")
    assert hubopt.load_data(pkg).sites.shape[0] == 5  # would hang if either were read
    assert not is_regular_file(pkg / "notes.csv") and is_regular_file(pkg / "sites.csv")
    assert "notes.csv" not in contract_files() and "package.toml" in contract_files()


# --------------------------------------------------------------------------- ranges


def test_every_number_column_has_a_documented_finite_range():
    doc = (Path(__file__).parents[1] / "docs" / "data_package.md").read_text(encoding="utf-8")
    for spec in FILES.values():
        for col in spec.columns:
            if col.kind == "float":
                assert col.minimum is not None and math.isfinite(col.minimum), col.name
                assert col.maximum is not None and col.maximum <= MAGNITUDE, col.name
    assert "## Allowed ranges" in doc and "1e12" in doc


@pytest.mark.parametrize(
    ("file", "old", "new", "column"),
    [
        ("candidates", "H1,cellmaking,small,150", "H1,cellmaking,small,1e30", "capacity"),
        ("supply", "M1,ore,1000,2", "M1,ore,1000,1e30", "unit_cost"),
        ("technologies", "cellmaking,cells,1", "cellmaking,cells,1e30", "unit_cost"),
        ("recipes", "cellmaking,ore,2", "cellmaking,ore,1e30", "quantity"),
        ("products", "ore,t,1", "ore,t,1e30", "tonnes_per_unit"),
        ("candidates", "1000,50", "1e30,50", "capex"),
        ("modes", "truck,0.002", "truck,1e30", "cost_per_tonne_km"),
        ("demand", "C1,cells,100", "C1,cells,1e30", "quantity"),
    ],
)
def test_huge_values_are_named_as_the_problem(tmp_path, file, old, new, column):
    pkg = copy_tiny(tmp_path / "pkg")
    p = pkg / f"{file}.csv"
    p.write_text(p.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    with pytest.raises(HubDataError) as exc:
        hubopt.load_data(pkg)
    issue = issue_of(exc, "check_range")
    assert issue.file == f"{file}.csv" and issue.column == column and issue.row == 2
    assert "1e+30 is out of range: must be at most 1e+12" in issue.message
    assert "the value itself is the problem" in issue.message
    assert not [i for i in exc.value.issues if i.check == "check_demand_coverable"]


# --------------------------------------------------------------------------- in memory


def test_from_tables_matches_the_files(tmp_path):
    from conftest import write_package

    tables = base_tables()
    mem = HubData.from_tables(**tables)
    disk = hubopt.load_data(write_package(tmp_path / "pkg", tables))
    for name in FILES:
        a, b = mem.table(name), disk.table(name)
        if a is None and b is None:  # an optional file neither gives
            continue
        pd.testing.assert_frame_equal(
            a.reset_index(drop=True), b.reset_index(drop=True), check_dtype=False
        )
    assert mem.path is None and mem.money_unit == "k$"


def test_from_tables_names_rows_by_index_label():
    tables = base_tables()
    tables["sites"].index = ["a", "b", "c", "d"]
    tables["sites"].loc["c", "lat"] = 95.0
    tables["sites"].loc["d", "site_id"] = "F1"
    with pytest.raises(HubDataError) as exc:
        HubData.from_tables(**tables)
    rng = issue_of(exc, "check_range")
    assert (rng.file, rng.row, rng.column) == ("sites", "c", "lat")
    assert str(rng).startswith("sites, row c, column 'lat': 95 is out of range")
    dup = issue_of(exc, "check_duplicate_keys")
    assert dup.row == "d" and "first seen on row a" in dup.message


def test_from_tables_same_messages_for_missing_columns_and_text():
    tables = base_tables()
    tables["demand"] = tables["demand"].rename(columns={"quantity": "quantty"})
    tables["modes"]["cost_per_tonne_km"] = ["cheap"]
    with pytest.raises(HubDataError) as exc:
        HubData.from_tables(**tables)
    assert "is 'quantty' a typo for it?" in issue_of(exc, "check_missing_column").message
    assert issue_of(exc, "check_number").message.startswith("'cheap' is not a number")


def test_from_tables_geodataframe_sites():
    import geopandas as gpd

    tables = base_tables()
    s = tables["sites"]
    gdf = gpd.GeoDataFrame(
        s.drop(columns=["lat", "lon"]), geometry=gpd.points_from_xy(s["lon"], s["lat"]),
        crs="EPSG:4326",
    ).to_crs("EPSG:5070")  # fmt: skip
    data = HubData.from_tables(**{**tables, "sites": gdf})
    np.testing.assert_allclose(data.sites["lat"], s["lat"], atol=1e-9)
    np.testing.assert_allclose(data.sites["lon"], s["lon"], atol=1e-9)


def test_in_memory_scenario_solves_like_the_files(tmp_path):
    from conftest import write_package

    tables = base_tables()
    gap0 = hubopt.SolveOptions(mip_rel_gap=0.0)
    mem = hubopt.run(hubopt.Scenario(name="m", data=HubData.from_tables(**tables)), gap0)
    disk = hubopt.run(hubopt.Scenario(name="d", data_dir=write_package(tmp_path / "p", tables)),
                      gap0)  # fmt: skip
    assert mem.result.objective == pytest.approx(disk.result.objective, abs=1e-9)
    out = hubopt.write_outputs(tmp_path / "out", mem)
    man = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert man["scenario"]["data_dir"] is None and man["scenario"]["money_unit"] == "k$"


def test_computed_column_name_in_memory_is_refused():
    tables = base_tables()
    tables["candidates"]["selected"] = True
    with pytest.raises(HubDataError) as exc:
        HubData.from_tables(**tables)
    issue = issue_of(exc, "check_computed_column")
    assert (issue.file, issue.column) == ("candidates", "selected")


# --------------------------------------------------------------------------- package.toml


def test_package_toml_money_unit(tmp_path):
    pkg = copy_tiny(tmp_path / "pkg")
    assert hubopt.load_data(pkg).money_unit == "k$"
    assert "default" in hubopt.load_data(pkg).meta["money_unit_source"]
    (pkg / "package.toml").write_text(
        'name = "tiny"\nmoney_unit = "M$"\ndata_date = 2025-06-30\n', encoding="utf-8"
    )
    data = hubopt.load_data(pkg)
    assert data.money_unit == "M$" and data.meta["data_date"] == "2025-06-30"


def test_package_toml_errors(tmp_path):
    pkg = copy_tiny(tmp_path / "pkg")
    (pkg / "package.toml").write_text("money_unit = 3\n", encoding="utf-8")
    with pytest.raises(HubDataError) as exc:
        hubopt.load_data(pkg)
    assert issue_of(exc, "check_package_toml").column == "money_unit"


# --------------------------------------------------------------------------- JSON, geodesy


def test_one_json_cleaner():
    obj = {"a": float("nan"), "b": np.float64(2.5), "c": (np.int64(3), Path("/x")),
           1: float("-inf"), "d": np.array([1.0, np.inf]), "e": pd.NA}  # fmt: skip
    assert clean_json(obj) == {"a": None, "b": 2.5, "c": [3, "/x"], "1": None,
                               "d": [1.0, None], "e": None}  # fmt: skip
    assert "NaN" not in dumps_json(obj) and "Infinity" not in dumps_json(obj)


def test_geodesic_distances_are_wgs84():
    # one degree of latitude at the equator is 110.574 km on WGS84 (not 111.195 on a sphere)
    assert float(geodesic_km(0.0, 0.0, 1.0, 0.0)) == pytest.approx(110.574, abs=1e-3)
    assert hubopt.lanes.great_circle_km is geodesic_km
    d = geodesic_km(np.array([40.0, 41.0]), -100.0, 40.0, np.array([-99.0, -100.0]))
    assert d.shape == (2,) and np.all(d > 80)
    path = geodesic_path(-120.0, 40.0, -75.0, 40.0, 100.0)
    steps = geodesic_km(path[:-1, 1], path[:-1, 0], path[1:, 1], path[1:, 0])
    assert steps.max() <= 100.0 + 1e-9
    assert steps.sum() == pytest.approx(float(geodesic_km(40.0, -120.0, 40.0, -75.0)), rel=1e-9)


def test_no_other_earth_radius_in_the_package():
    root = Path(hubopt.__file__).parent
    for p in root.rglob("*.py"):
        text = p.read_text(encoding="utf-8")
        assert "6371" not in text and "haversine" not in text.lower(), p


def test_scenario_data_path_that_is_a_symlink_loop(tmp_path):
    from helpers import hubopt_cli, scenario_file

    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    toml = tmp_path / "s.toml"
    toml.write_text('name = "s"\ndata = "loop"\n', encoding="utf-8")
    assert hubopt.load_scenario(toml).data_dir.name == "loop"
    out = hubopt_cli("validate", str(scenario_file(tmp_path, tmp_path / "loop", name="t")))
    assert out.returncode == 2 and "symbolic link loop" in out.stdout + out.stderr
    assert "Traceback" not in out.stdout + out.stderr


def test_no_break_space_and_invisible_characters_in_ids(tmp_path):
    pkg = copy_tiny(tmp_path / "pkg")
    with (pkg / "products.csv").open("a", encoding="utf-8") as fh:
        fh.write("Ce lls,GWh,0.5\n")
    p = pkg / "demand.csv"
    p.write_text(p.read_text(encoding="utf-8").replace("C2,cells", "C2\u200b,cells"), "utf-8")
    with pytest.raises(HubDataError) as exc:
        hubopt.load_data(pkg)
    assert "U+200B" in issue_of(exc, "check_unknown_sites").message
    assert not [w for w in exc.value.warnings if w.check == "check_similar_ids"]
    (pkg / "products.csv").write_text(
        "product,unit,tonnes_per_unit\nore,t,1\ncells,GWh,0.5\nOre\u00a0,t,1\nc\u00a0d,t,1\n"
        "c d,t,1\n", encoding="utf-8",
    )  # fmt: skip
    p.write_text(p.read_text(encoding="utf-8").replace("C2\u200b,cells", "C2,cells"), "utf-8")
    found = {w.row: w.message for w in hubopt.load_data(pkg).warnings
             if w.check == "check_similar_ids"}  # fmt: skip
    assert "U+00A0" in found[6] and "character forms" in found[6]  # NBSP vs space
    assert "only by case" in found[4]  # 'Ore' + NBSP is stripped to 'Ore'; vs 'ore': case
