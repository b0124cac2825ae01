"""GIS outputs, read back with pyogrio, GDAL's ``ogrinfo`` and (when installed) QGIS.

Every solve here is real (HiGHS on the tiny fixture or a variant of it). Files are read
back by independent tools and compared with the plan tables: feature counts, CRS, field
names and types, values, geometry types, styles, and atomicity of the writes.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import pytest
from conftest import REPO, TINY, base_tables, write_package

import hubopt
from hubopt.outputs.gis import (
    LAYERS,
    check_crs,
    great_circle_line,
    parse_formats,
    plan_to_geodataframes,
    write_gis,
)
from hubopt.outputs.gis_fields import (
    LAYER_FIELDS,
    SHORT_NAMES,
    abbreviate,
    shapefile_names,
    standard_dictionary,
)
from hubopt.outputs.tables import write_outputs

GEOM = {"candidates": "Point", "hubs": "Point", "demand": "Point", "supply": "Point"}
GEOM["flows"] = "LineString"
OGR_TYPE = {"string": "String", "real": "Real", "integer": "Integer", "boolean": "Integer"}
LONG_TEXT = "Zoë’s source: " + "é" * 200  # 414 bytes in UTF-8, more than a dBASE field holds


# ---------------------------------------------------------------- helpers and fixtures


def plan_rows(plan) -> dict[str, int]:
    return {
        "candidates": len(plan.candidates),
        "hubs": len(plan.hubs),
        "demand": len(plan.demand),
        "supply": len(plan.purchases),
        "flows": len(plan.flows),
    }


def ogrinfo_exe() -> str:
    """``ogrinfo``, or fail under CI (it must be installed there), else skip."""
    exe = shutil.which("ogrinfo")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("ogrinfo (gdal-bin) is required in CI but not installed")
        pytest.skip("GDAL's ogrinfo is not installed (apt-get install gdal-bin)")
    return exe


def ogrinfo(*args: str) -> str:
    r = subprocess.run(
        [ogrinfo_exe(), "-ro", *args], capture_output=True, text=True, timeout=120, check=False
    )
    assert r.returncode == 0, r.stderr
    assert "ERROR" not in r.stderr and "Warning" not in r.stderr, r.stderr
    return r.stdout


def ogr_summary(text: str) -> dict[str, dict]:
    """Parse ``ogrinfo -so -al``: per layer its geometry, feature count and field types."""
    layers: dict[str, dict] = {}
    cur: dict | None = None
    for line in text.splitlines():
        if m := re.match(r"^Layer name: (.+)$", line):
            cur = layers.setdefault(m[1], {"fields": {}})
        elif cur is None:
            continue
        elif m := re.match(r"^Geometry: (.+)$", line):
            cur["geometry"] = m[1]
        elif m := re.match(r"^Feature Count: (\d+)$", line):
            cur["count"] = int(m[1])
        elif m := re.match(r"^(\S+): (\w+)(?:\((\w+)\))? \(", line):
            if m[1] not in ("Extent", "Data", "FID", "Geometry"):
                cur["fields"][m[1]] = m[3] or m[2]
    return layers


def tree(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def rich_package(folder: Path) -> Path:
    """The tiny package with leading-zero ids, non-ASCII names and awkward extra columns."""
    ids = {"M1": "007", "H1": "0100", "H2": "H2", "C1": "0042", "C2": "C2"}
    t = {f.stem: pd.read_csv(f, dtype=str, keep_default_na=False) for f in TINY.glob("*.csv")}
    for df in t.values():
        if "site_id" in df:
            df["site_id"] = df["site_id"].map(ids)
    t["sites"]["name"] = ["Zoë Mine", "Hub ünö", "Hub two", "Customer ✓", "=cmd()"]
    c = t["candidates"]
    c["source"] = [LONG_TEXT, "", "plain", "=1+1"]
    c["vehicles_per_year"] = ["1000", "", "2000", "3000"]
    c["Capacity Note"] = ["a", "b", "c", "d"]  # sanitised, and clashes with nothing
    c["energy_com"] = ["x", "y", "z", "w"]  # clashes with the short name of a standard one
    t["demand"]["note"] = ["Zoë", "naïve"]
    return write_package(folder, t)


@pytest.fixture(scope="module")
def tiny():
    return hubopt.run(hubopt.load_scenario(REPO / "models" / "tiny.toml"))


@pytest.fixture(scope="module")
def tiny_out(tiny, tmp_path_factory) -> Path:
    return write_outputs(tmp_path_factory.mktemp("gis") / "tiny", tiny)


@pytest.fixture(scope="module")
def albers_out(tiny, tmp_path_factory) -> Path:
    return write_outputs(tmp_path_factory.mktemp("gis") / "albers", tiny, crs="EPSG:5070")


@pytest.fixture(scope="module")
def rich(tmp_path_factory):
    pkg = rich_package(tmp_path_factory.mktemp("rich") / "pkg")
    outcome = hubopt.run(hubopt.Scenario(name="rich", data_dir=pkg))
    assert outcome.plan is not None
    return outcome, write_outputs(pkg.parent / "out", outcome)


@pytest.fixture(scope="module")
def empty(tmp_path_factory):
    """A plan with no supply rows and no flows: demand sits at the only hub site."""
    t = base_tables()
    t["demand"] = pd.DataFrame({"site_id": ["F1"], "product": ["good"], "quantity": [5.0]})
    pkg = write_package(tmp_path_factory.mktemp("empty") / "pkg", t)
    outcome = hubopt.run(hubopt.Scenario(name="empty", data_dir=pkg))
    assert len(outcome.plan.flows) == 0 and len(outcome.plan.purchases) == 0
    return outcome, write_outputs(pkg.parent / "out", outcome)


# ---------------------------------------------------------------- GeoDataFrames, no files


def test_plan_to_geodataframes_matches_plan(tiny):
    layers = plan_to_geodataframes(tiny.plan, tiny.data)
    assert list(layers) == list(LAYERS)
    for name, n in plan_rows(tiny.plan).items():
        gdf = layers[name]
        assert isinstance(gdf, gpd.GeoDataFrame) and len(gdf) == n, name
        assert gdf.crs.to_epsg() == 4326
        assert set(gdf.geom_type) == {GEOM[name]}
        assert [f.full for f in LAYER_FIELDS[name]] == list(gdf.columns.drop("geometry"))
    c = layers["candidates"]
    np.testing.assert_allclose(c.geometry.x, tiny.plan.candidates["lon"])
    np.testing.assert_allclose(c.geometry.y, tiny.plan.candidates["lat"])
    assert c["selected"].sum() == len(tiny.plan.hubs) == len(layers["hubs"])
    f = layers["flows"]
    np.testing.assert_allclose(f["quantity"], tiny.plan.flows["quantity"])
    sites = tiny.data.sites.set_index("site_id")
    for row, line in zip(f.itertuples(), f.geometry, strict=True):
        assert line.coords[0] == (sites.at[row.origin, "lon"], sites.at[row.origin, "lat"])
        assert line.coords[-1] == (
            sites.at[row.destination, "lon"],
            sites.at[row.destination, "lat"],
        )
        assert row.origin_name == sites.at[row.origin, "name"]


def gc_km(a, b) -> float:
    """WGS84 geodesic distance between two (lon, lat) points (pyproj, independently)."""
    _, _, metres = pyproj.Geod(ellps="WGS84").inv(a[0], a[1], b[0], b[1])
    return metres / 1000.0


def test_flows_are_densified_great_circles(tiny):
    lines = plan_to_geodataframes(tiny.plan, tiny.data, densify_km=50).get("flows").geometry
    for line in lines:
        pts = list(line.coords)
        total = gc_km(pts[0], pts[-1])
        assert total > 100 and len(pts) > 2
        steps = [gc_km(a, b) for a, b in zip(pts, pts[1:], strict=False)]
        assert max(steps) <= 50.0 + 1e-6
        assert sum(steps) == pytest.approx(total, rel=1e-9)  # every vertex on the circle
    straight = plan_to_geodataframes(tiny.plan, tiny.data, densify_km=None)["flows"]
    assert set(straight.geometry.map(lambda g: len(g.coords))) == {2}


def test_great_circle_bows_poleward_and_crosses_the_antimeridian_unsplit():
    line = great_circle_line(-120.0, 40.0, -75.0, 40.0, densify_km=100)
    assert max(y for _, y in line.coords) > 40.0 + 1.0  # a great circle bows north
    assert line.coords[0] == (-120.0, 40.0) and line.coords[-1] == (-75.0, 40.0)
    across = great_circle_line(170.0, 52.0, -170.0, 52.0, densify_km=50)
    lons = [x for x, _ in across.coords]
    assert lons[0] == 170.0 and lons[-1] == pytest.approx(190.0)
    assert max(abs(b - a) for a, b in zip(lons, lons[1:], strict=False)) < 2.0
    assert len(great_circle_line(-90.0, 40.0, -90.0, 40.0).coords) == 2  # degenerate
    assert len(great_circle_line(-90.0, 40.0, -89.9, 40.0).coords) == 2  # 8.5 km: no need


def test_reprojection_to_conus_albers(tiny):
    layers = plan_to_geodataframes(tiny.plan, tiny.data, crs="EPSG:5070")
    to_albers = pyproj.Transformer.from_crs(4326, 5070, always_xy=True)
    for name, gdf in layers.items():
        assert gdf.crs.to_epsg() == 5070, name
    h = layers["hubs"]
    x, y = to_albers.transform(tiny.plan.hubs["lon"], tiny.plan.hubs["lat"])
    np.testing.assert_allclose(h.geometry.x, x)
    np.testing.assert_allclose(h.geometry.y, y)
    np.testing.assert_allclose(h["lon"], tiny.plan.hubs["lon"])  # lat/lon stay WGS84


def test_bad_crs_and_formats_are_input_errors(tiny):
    for bad in ("EPSG:99999", "not a crs", "EPSG:4978"):  # unknown, garbage, geocentric 3-D
        with pytest.raises(hubopt.HubDataError, match="--crs|CRS"):
            check_crs(bad)
    far_side = "+proj=ortho +lat_0=-40 +lon_0=80"  # the US is on the hidden hemisphere
    with pytest.raises(hubopt.HubDataError, match="cannot place"):
        plan_to_geodataframes(tiny.plan, tiny.data, crs=far_side)
    assert parse_formats(" GPKG, shp ") == {"gpkg", "shp"}
    assert parse_formats(None) == {"csv", "gpkg", "shp", "geojson"}
    for bad in ("kml", "", "csv,xlsx"):
        with pytest.raises(hubopt.HubDataError, match="format"):
            parse_formats(bad)


def test_datetime_columns_are_refused(tiny, tmp_path):
    layers = plan_to_geodataframes(tiny.plan, tiny.data)
    layers["hubs"]["opened_on"] = pd.Timestamp("2030-01-01")
    with pytest.raises(TypeError, match="date/time"):
        write_gis(tmp_path, layers)
    assert not list(tmp_path.iterdir())


# ---------------------------------------------------------------- files, read back


def test_every_file_is_written(tiny_out):
    assert (tiny_out / "plan.gpkg").is_file()
    for name in LAYERS:
        for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg", ".qml"):
            assert (tiny_out / "shapefiles" / f"{name}{ext}").is_file(), name + ext
        assert (tiny_out / "shapefiles" / f"{name}.cpg").read_text() == "UTF-8"
        assert (tiny_out / "geojson" / f"{name}.geojson").is_file()
        assert (tiny_out / "geojson" / f"{name}.qml").is_file()
    assert (tiny_out / "shapefiles" / "field_dictionary.csv").is_file()
    m = json.loads((tiny_out / "manifest.json").read_text())
    assert m["outputs"] == {"formats": ["csv", "geojson", "gpkg", "shp"], "crs": "EPSG:4326"}


@pytest.mark.parametrize(("out", "epsg"), [("tiny_out", 4326), ("albers_out", 5070)])
def test_geopackage_round_trip(tiny, out, epsg, request):
    folder = request.getfixturevalue(out)
    gpkg = folder / "plan.gpkg"
    listed = dict(pyogrio.list_layers(gpkg).tolist())
    assert listed == {**GEOM, "states": "MultiPolygon", "layer_styles": None}  # + background
    expected = plan_to_geodataframes(tiny.plan, tiny.data, crs=f"EPSG:{epsg}")
    for name, n in plan_rows(tiny.plan).items():
        info = pyogrio.read_info(gpkg, layer=name)
        assert info["features"] == n and info["geometry_type"] == GEOM[name]
        assert pyproj.CRS(info["crs"]).to_epsg() == epsg
        assert info["layer_metadata"]["hubopt_version"] == hubopt.__version__
        back = pyogrio.read_dataframe(gpkg, layer=name)
        want = expected[name]
        assert list(back.columns) == list(want.columns)  # full names, same order
        types = {f.full: f.type for f in LAYER_FIELDS[name]}
        for col in back.columns.drop("geometry"):
            kind = {"b": "boolean", "i": "integer", "f": "real"}.get(back[col].dtype.kind, "string")
            assert kind == types[col], (name, col)
        pd.testing.assert_frame_equal(
            pd.DataFrame(back.drop(columns="geometry")),
            pd.DataFrame(want.drop(columns="geometry")),
            check_dtype=False,
        )
        assert back.geometry.geom_equals_exact(want.geometry, tolerance=1e-6).all()
    meta = pyogrio.read_info(gpkg, layer="hubs")["dataset_metadata"]
    assert meta["scenario"] == "tiny" and meta["crs"] == f"EPSG:{epsg}"


def test_geopackage_carries_default_qgis_styles(tiny_out):
    with sqlite3.connect(tiny_out / "plan.gpkg") as con:
        rows = con.execute(
            "SELECT f_table_name, f_geometry_column, useAsDefault, styleQML FROM layer_styles"
        ).fetchall()
        kind = con.execute(
            "SELECT data_type FROM gpkg_contents WHERE table_name = 'layer_styles'"
        ).fetchone()
        version = con.execute("PRAGMA user_version").fetchone()[0]
    con.close()
    assert kind == ("attributes",)
    assert version == 10200  # GeoPackage 1.2: no version warning in GDAL < 3.10 / QGIS 3.22
    assert {r[0] for r in rows} == {*LAYERS, "states"}
    for _name, geom_col, default, qml in rows:
        assert geom_col == "geom" and default == 1
        assert qml.startswith("<!DOCTYPE qgis") and "renderer-v2" in qml
    styles = {r[0]: r[3] for r in rows}
    assert "&quot;capacity&quot;" in styles["hubs"]  # hubs sized by capacity
    assert "&quot;tonnes&quot;" in styles["flows"]  # flows width by tonnes
    for name in ("candidates", "hubs", "demand", "supply"):
        assert "&quot;energy_community&quot;" in styles[name]  # highlighted


@pytest.mark.parametrize(("out", "epsg"), [("tiny_out", 4326), ("albers_out", 5070)])
def test_shapefile_round_trip(tiny, out, epsg, request):
    folder = request.getfixturevalue(out) / "shapefiles"
    expected = plan_to_geodataframes(tiny.plan, tiny.data, crs=f"EPSG:{epsg}")
    for name, n in plan_rows(tiny.plan).items():
        path = folder / f"{name}.shp"
        info = pyogrio.read_info(path)
        assert info["features"] == n and info["geometry_type"] == GEOM[name]
        assert info["encoding"] == "UTF-8"
        crs = pyproj.CRS((folder / f"{name}.prj").read_text())
        assert crs.to_epsg(min_confidence=70) == epsg
        names = list(info["fields"])
        assert all(len(s.encode()) <= 10 for s in names)
        assert len({s.lower() for s in names}) == len(names)
        want = expected[name]
        mapping = shapefile_names(name, list(want.columns.drop("geometry")))
        assert names == list(mapping.values())
        back = pyogrio.read_dataframe(path).rename(columns={v: k for k, v in mapping.items()})
        for f in LAYER_FIELDS[name]:
            got, exp = back[f.full], want[f.full]
            if f.type == "boolean":
                assert got.dtype.kind == "i" and set(got) <= {0, 1}
                assert (got == exp.astype(int)).all(), f.full
            elif f.type == "real":
                np.testing.assert_allclose(got, exp, rtol=1e-12, atol=1e-9, err_msg=f.full)
            elif f.type == "integer":
                assert got.dtype.kind == "i" and (got == exp).all()
            else:
                assert got.tolist() == exp.tolist(), f.full
        assert back.geometry.geom_equals_exact(want.geometry, tolerance=1e-6).all()


@pytest.mark.parametrize("out", ["tiny_out", "albers_out"])
def test_geojson_is_always_wgs84(tiny, out, request):
    folder = request.getfixturevalue(out) / "geojson"
    expected = plan_to_geodataframes(tiny.plan, tiny.data)
    for name, n in plan_rows(tiny.plan).items():
        path = folder / f"{name}.geojson"
        doc = json.loads(path.read_text(encoding="utf-8"))
        assert "crs" not in doc  # RFC 7946: WGS84 lon/lat, no crs member
        assert len(doc["features"]) == n
        assert {f["geometry"]["type"] for f in doc["features"]} == {GEOM[name]}
        back = pyogrio.read_dataframe(path)
        assert back.crs.to_epsg() == 4326
        assert back.geometry.geom_equals_exact(expected[name].geometry, tolerance=1e-6).all()
        want = pd.DataFrame(expected[name].drop(columns="geometry"))
        # GeoJSON has no schema: a column that is null everywhere reads back as text
        nulls = [c for c in want if want[c].isna().all()]
        assert back[nulls].isna().all().all()
        pd.testing.assert_frame_equal(
            pd.DataFrame(back.drop(columns=["geometry", *nulls])),
            want.drop(columns=nulls),
            check_dtype=False,
        )


def test_ids_non_ascii_names_and_extra_columns_survive(rich):
    outcome, folder = rich
    shp = {n: pyogrio.read_dataframe(folder / "shapefiles" / f"{n}.shp") for n in LAYERS}
    gpkg = {n: pyogrio.read_dataframe(folder / "plan.gpkg", layer=n) for n in LAYERS}
    gj = {n: pyogrio.read_dataframe(folder / "geojson" / f"{n}.geojson") for n in LAYERS}
    for src in (shp, gpkg, gj):
        assert set(src["candidates"]["site_id"]) == {"0100", "H2"}
        assert "Hub ünö" in set(src["candidates"]["name"])
        assert {"007", "0100"} & set(src["flows"]["origin"])
        assert set(src["demand"]["site_id"]) == {"0042", "C2"}
        assert "=cmd()" in set(src["demand"]["name"])  # no spreadsheet apostrophe in GIS
    assert set(shp["flows"]["orig_name"]) >= {"Hub ünö"}
    assert set(shp["demand"]["note"]) == {"Zoë", "naïve"}
    # extra candidate columns: deterministic, unique names ≤ 10 bytes, recorded
    cols = list(shp["candidates"].columns.drop("geometry"))
    assert cols[-4:] == ["source", "vhcls_pr_y", "cpcty_note", "energy_c_2"]
    assert cols.count("energy_com") == 1 and set(shp["candidates"]["energy_c_2"]) == set("xyzw")
    d = pd.read_csv(folder / "shapefiles" / "field_dictionary.csv", dtype=str)
    cand = d[d["layer"] == "candidates"].set_index("short_name")
    assert cand.at["energy_c_2", "full_name"] == "energy_com"
    assert cand.at["energy_c_2", "meaning"] == "Extra column of candidates.csv"
    assert cand.at["energy_com", "full_name"] == "energy_community"
    qml = (folder / "shapefiles" / "candidates.qml").read_text(encoding="utf-8")
    assert "&quot;energy_com&quot;" in qml and "energy_c_2" not in qml  # renamed once
    assert cand.at["vhcls_pr_y", "full_name"] == "vehicles_per_year"
    assert cand.at["cpcty_note", "full_name"] == "Capacity Note"
    # the full text in the GeoPackage and GeoJSON; cut at 254 bytes (whole chars) in the dbf
    for src in (gpkg, gj):
        assert {LONG_TEXT, "=1+1", "plain"} <= set(src["candidates"]["source"])
    cut = [s for s in shp["candidates"]["source"] if isinstance(s, str) and s.startswith("Zoë")]
    assert len(cut) == 1 and LONG_TEXT.startswith(cut[0])
    assert 252 <= len(cut[0].encode()) <= 254
    assert (folder / "shapefiles" / "candidates.cpg").read_text() == "UTF-8"


def test_empty_layers_still_have_their_schema(empty):
    outcome, folder = empty
    for name in ("supply", "flows"):
        for path, kw in (
            (folder / "plan.gpkg", {"layer": name}),
            (folder / "shapefiles" / f"{name}.shp", {}),
        ):
            info = pyogrio.read_info(path, **kw)
            assert info["features"] == 0 and info["geometry_type"] == GEOM[name], path
            assert len(info["fields"]) >= len(LAYER_FIELDS[name])
        doc = json.loads((folder / "geojson" / f"{name}.geojson").read_text())
        assert doc["type"] == "FeatureCollection" and doc["features"] == []


def test_ogrinfo_reads_empty_layers(empty):
    _, folder = empty
    summary = ogr_summary(ogrinfo("-so", "-al", str(folder / "plan.gpkg")))
    assert summary["flows"]["count"] == 0 and summary["flows"]["geometry"] == "Line String"
    assert "quantity" in summary["flows"]["fields"]
    shp = ogr_summary(ogrinfo("-so", "-al", str(folder / "shapefiles" / "supply.shp")))
    assert shp["supply"]["count"] == 0 and shp["supply"]["geometry"] == "Point"


# ---------------------------------------------------------------- GDAL's own ogrinfo


def test_ogrinfo_reads_every_layer(tiny, tiny_out):
    rows = plan_rows(tiny.plan)
    ogr_geom = {"Point": "Point", "LineString": "Line String"}
    gpkg = ogr_summary(ogrinfo("-so", "-al", str(tiny_out / "plan.gpkg")))
    assert set(gpkg) == {*LAYERS, "states", "layer_styles"}
    for name in LAYERS:
        fields = {f.full: f for f in LAYER_FIELDS[name]}
        layer = gpkg[name]
        assert layer["count"] == rows[name] and layer["geometry"] == ogr_geom[GEOM[name]]
        assert list(layer["fields"]) == list(fields)
        for full, t in layer["fields"].items():
            want = {"boolean": "Boolean", "integer": "Integer64"}.get(fields[full].type)
            assert t == (want or OGR_TYPE[fields[full].type]), (name, full, t)
        shp = ogr_summary(ogrinfo("-so", "-al", str(tiny_out / "shapefiles" / f"{name}.shp")))
        layer = shp[name]
        assert layer["count"] == rows[name] and layer["geometry"] == ogr_geom[GEOM[name]]
        assert list(layer["fields"]) == [fields[f].short for f in fields]
        for f in fields.values():
            assert layer["fields"][f.short] == OGR_TYPE[f.type], (name, f.full)
        gj = ogr_summary(ogrinfo("-so", "-al", str(tiny_out / "geojson" / f"{name}.geojson")))
        assert gj[name]["count"] == rows[name]


def test_ogrinfo_sees_the_values(rich):
    outcome, folder = rich
    text = ogrinfo("-al", "-q", str(folder / "shapefiles" / "flows.shp"))
    quantities = sorted(float(q) for q in re.findall(r"quantity \(Real\) = (\S+)", text))
    assert quantities == pytest.approx(sorted(outcome.plan.flows["quantity"]))
    assert "orig_name (String) = Hub ünö" in text
    assert re.search(r"origin \(String\) = 0100\n", text)  # leading zero kept as text
    assert "LINESTRING (" in text
    text = ogrinfo("-q", str(folder / "plan.gpkg"), "candidates")
    assert "name (String) = Hub ünö" in text and "site_id (String) = 0100" in text
    assert "selected (Integer(Boolean)) = 1" in text


# ---------------------------------------------------------------- dictionary and names


def test_shipped_field_dictionary_is_current_and_covers_every_written_field(tiny_out, rich):
    shipped = pd.read_csv(REPO / "docs" / "field_dictionary.csv", dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(shipped, standard_dictionary().fillna(""))
    doc = (REPO / "docs" / "gis.md").read_text(encoding="utf-8")
    assert "field_dictionary.csv" in doc
    known = set(zip(shipped["layer"], shipped["short_name"], strict=True))
    for name in LAYERS:
        fields = pyogrio.read_info(tiny_out / "shapefiles" / f"{name}.shp")["fields"]
        assert {(name, f) for f in fields} <= known, name
    written = pd.read_csv(tiny_out / "shapefiles" / "field_dictionary.csv", dtype=str)
    assert len(written) == len(shipped)
    _, folder = rich
    written = pd.read_csv(folder / "shapefiles" / "field_dictionary.csv", dtype=str)
    for name in LAYERS:
        fields = list(pyogrio.read_info(folder / "shapefiles" / f"{name}.shp")["fields"])
        assert written.loc[written["layer"] == name, "short_name"].tolist() == fields


def test_short_names_are_fixed_short_unique_and_deterministic():
    shorts = list(SHORT_NAMES.values())
    assert all(len(s.encode()) <= 10 for s in shorts)
    assert len({s.lower() for s in shorts}) == len(shorts)
    for fields in LAYER_FIELDS.values():
        assert {f.full for f in fields} <= set(SHORT_NAMES)
    assert SHORT_NAMES["energy_community"] == "energy_com"
    assert abbreviate("vehicles_per_year", set()) == "vhcls_pr_y"
    assert abbreviate("Zoë notes", set()) == "zoe_notes"
    assert abbreviate("2024 value", set()) == "f_2024_vl"
    assert abbreviate("???", set()) == "field"
    assert abbreviate("capacity", {"capacity"}) == "capacity_2"
    assert abbreviate("Capacity", {"capacity", "capacity_2"}) == "capacity_3"
    assert abbreviate("bcdfghjklmnp", {"bcdfghjklm"}) == "bcdfghjk_2"  # cut, then numbered


# ---------------------------------------------------------------- atomicity, formats, CLI


def test_failed_gis_write_leaves_previous_results_untouched(tiny, tmp_path):
    target = write_outputs(tmp_path / "res", tiny)
    before = tree(target)
    for bad in ("EPSG:99999", "+proj=ortho +lat_0=-40 +lon_0=80"):
        with pytest.raises(hubopt.HubDataError):
            write_outputs(target, tiny, force=True, crs=bad)
        assert tree(target) == before
        assert sorted(p.name for p in tmp_path.iterdir()) == ["res"]  # no temp folders left
    with pytest.raises(hubopt.HubDataError):
        write_outputs(target, tiny, force=True, formats="gpkg,kml")
    assert tree(target) == before and sorted(p.name for p in tmp_path.iterdir()) == ["res"]


def test_formats_choose_what_is_written(tiny, tmp_path):
    only_gpkg = write_outputs(tmp_path / "a", tiny, formats="gpkg")
    assert (only_gpkg / "plan.gpkg").is_file() and (only_gpkg / "summary.json").is_file()
    assert not (only_gpkg / "shapefiles").exists() and not (only_gpkg / "geojson").exists()
    assert not (only_gpkg / "hubs.csv").exists()
    only_csv = write_outputs(tmp_path / "b", tiny, formats=["csv"])
    assert (only_csv / "hubs.csv").is_file() and not (only_csv / "plan.gpkg").exists()


def hubopt_cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "hubopt", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=300,
        check=False,
    )


def test_cli_formats_and_crs(tmp_path):
    out = tmp_path / "res"
    r = hubopt_cli(
        "solve",
        "models/tiny.toml",
        "--out",
        str(out),
        "--formats",
        "shp,geojson",
        "--crs",
        "EPSG:5070",
    )
    assert r.returncode == 0, r.stderr
    assert not (out / "plan.gpkg").exists() and not (out / "hubs.csv").exists()
    assert pyproj.CRS((out / "shapefiles" / "hubs.prj").read_text()).to_epsg() == 5070
    assert pyogrio.read_info(out / "geojson" / "hubs.geojson")["crs"] == "EPSG:4326"
    for args, word in ((("--crs", "EPSG:99999"), "--crs"), (("--formats", "csv,kml"), "kml")):
        r = hubopt_cli("solve", "models/tiny.toml", "--out", str(tmp_path / "bad"), *args)
        assert r.returncode == 2, r.stderr
        assert "Traceback" not in r.stderr and word in r.stderr
        assert not (tmp_path / "bad").exists()


# ---------------------------------------------------------------- QGIS, when installed


def qgis_process_exe() -> str | None:
    # Debian 12's /usr/bin/qgis_process wrapper passes --noversioncheck, which QGIS 3.22's
    # qgis_process rejects; the real binary beside it works.
    for name in ("qgis_process.bin", "qgis_process"):
        if exe := shutil.which(name):
            return exe
    return None


# QGIS embeds the system Python: run it with the system PATH only, so that it does not
# pick up this virtual environment's interpreter (whose sys.path lacks the qgis module),
# and with a private runtime directory as Qt requires.
_QGIS_RUNTIME = tempfile.mkdtemp(prefix="hubopt-qgis-runtime-")
QGIS_ENV = {
    "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
    "HOME": os.environ.get("HOME", "/root"),
    "LANG": "C.UTF-8",
    "QT_QPA_PLATFORM": "offscreen",
    "XDG_RUNTIME_DIR": _QGIS_RUNTIME,
}


@pytest.mark.skipif(qgis_process_exe() is None, reason="QGIS (qgis_process) is not installed")
def test_qgis_process_loads_every_layer(tiny_out, albers_out, tmp_path):
    sources = []
    for folder in (tiny_out, albers_out):
        for name in LAYERS:
            sources += [
                f"{folder}/plan.gpkg|layername={name}",
                f"{folder}/shapefiles/{name}.shp",
                f"{folder}/geojson/{name}.geojson",
            ]
    out = tmp_path / "info.csv"
    r = subprocess.run(
        [qgis_process_exe(), "run", "native:exportlayersinformation"]
        + [f"--LAYERS={s}" for s in sources]
        + [f"--OUTPUT={out}"],
        capture_output=True,
        text=True,
        env=QGIS_ENV,
        timeout=300,
        check=False,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    info = pd.read_csv(out, dtype=str)
    assert len(info) == len(sources)
    crs = dict(zip(info["source"], info["crs"], strict=True))
    for s in sources:
        assert crs[s] == ("EPSG:5070" if "albers" in s and "geojson" not in s else "EPSG:4326")


PYQGIS_CHECK = """
import json, sys
from qgis.core import QgsApplication, QgsRenderContext, QgsVectorLayer
app = QgsApplication([], False)
app.initQgis()
out = {}
for uri in sys.argv[1:]:
    lyr = QgsVectorLayer(uri, "x", "ogr")
    used = set(lyr.renderer().usedAttributes(QgsRenderContext()))
    out[uri] = {"valid": lyr.isValid(), "n": lyr.featureCount(),
                "renderer": lyr.renderer().type(), "labels": lyr.labelsEnabled(),
                "missing": sorted(used - set(lyr.fields().names())), "used": sorted(used)}
print(json.dumps(out))
"""


def system_pyqgis() -> str | None:
    exe = shutil.which("python3", path="/usr/bin")
    if exe is None:
        return None
    r = subprocess.run([exe, "-c", "import qgis.core"], capture_output=True, check=False)
    return exe if r.returncode == 0 else None


@pytest.mark.skipif(system_pyqgis() is None, reason="PyQGIS (python3-qgis) is not installed")
def test_qgis_applies_the_styles_on_first_open(tiny, tiny_out):
    uris = []
    for name in LAYERS:
        uris += [
            f"{tiny_out}/plan.gpkg|layername={name}",
            f"{tiny_out}/shapefiles/{name}.shp",
            f"{tiny_out}/geojson/{name}.geojson",
        ]
    r = subprocess.run(
        [system_pyqgis(), "-c", PYQGIS_CHECK, *uris],
        capture_output=True,
        text=True,
        env=QGIS_ENV,
        timeout=300,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout.strip().splitlines()[-1])
    rows = plan_rows(tiny.plan)
    for uri, got in res.items():
        name = next(n for n in LAYERS if f"{n}." in uri or uri.endswith(f"={n}"))
        assert got["valid"] and got["n"] == rows[name], uri
        assert got["missing"] == [], uri  # every field a style uses exists in that file
        kind = {"candidates": "RuleRenderer", "hubs": "categorizedSymbol"}
        assert got["renderer"] == kind.get(name, "singleSymbol")
        assert got["labels"] == (name == "hubs"), uri  # default style loaded, not QGIS's
        ec = "energy_com" if uri.endswith(".shp") else "energy_community"
        assert (ec in got["used"]) == (name != "flows"), uri
    assert "capacity" in res[f"{tiny_out}/plan.gpkg|layername=hubs"]["used"]
    assert "tonnes" in res[f"{tiny_out}/shapefiles/flows.shp"]["used"]
