"""QGIS styles, the ``states`` background and ``plan.qgs`` (issue 16, item 5).

A two-technology package solved for real (HiGHS, gap 0): ``cellmaking`` makes cells
(GWh) and ``cam_production`` makes CAM (t), so a style that scaled marker size across
technologies would draw every cell plant at the minimum size. H1's cell plant exists;
the CAM plant and (for the second customer) a cell plant are new. QGIS's own Python
(``/usr/bin/python3`` with ``python3-qgis``, offscreen) opens every layer and the project
and renders a map image; with ``CI`` set these tests fail when QGIS is missing.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import pytest
from conftest import TINY
from PIL import Image

import hubopt
from hubopt.outputs.gis import LAYERS
from hubopt.outputs.qgis_project import hubs_style

_RUNTIME = tempfile.mkdtemp(prefix="hubopt-qgis-")
QGIS_ENV = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_RUNTIME_DIR": _RUNTIME}


def package(folder: Path) -> Path:
    shutil.copytree(TINY, folder)
    (folder / "products.csv").write_text(
        "product,unit,tonnes_per_unit\nore,t,1\ncells,GWh,0.5\ncam,t,1\n", encoding="utf-8"
    )
    (folder / "technologies.csv").write_text(
        "technology,output,unit_cost,kg_co2_per_unit\ncellmaking,cells,1,10\n"
        "cam_production,cam,0.01,0\n",
        encoding="utf-8",
    )
    (folder / "demand.csv").write_text(
        "site_id,product,quantity\nC1,cells,100\nC2,cells,150\nC1,cam,40000\n", encoding="utf-8"
    )
    (folder / "candidates.csv").write_text(
        "site_id,technology,size,capacity,fixed_cost,capex,jobs,status,vehicles_per_year\n"
        "H1,cellmaking,large,300,160,1600,90,existing,1000\n"
        "H2,cellmaking,small,150,110,1100,55,candidate,\n"
        "H2,cam_production,big,50000,50,500,30,candidate,2500\n",
        encoding="utf-8",
    )
    return folder


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("qgis")
    sc = hubopt.Scenario(
        name="two-tech",
        data_dir=package(root / "pkg"),
        solver=hubopt.SolveOptions(mip_rel_gap=0.0, time_limit_s=60),
    )
    outcome = hubopt.run(sc)
    assert outcome.plan is not None
    built = dict(zip(outcome.plan.hubs["technology"], outcome.plan.hubs["status"], strict=False))
    assert set(built) == {"cellmaking", "cam_production"}
    return hubopt.write_outputs(root / "res", outcome)


def test_hubs_style_sizes_within_each_technology_colours_by_it_and_shows_new(out):
    qml = pyogrio.read_dataframe(out / "plan.gpkg", layer="layer_styles", read_geometry=False)
    hubs = qml.loc[qml["f_table_name"] == "hubs", "styleQML"].iloc[0]
    assert 'type="categorizedSymbol"' in hubs and 'attr="technology"' in hubs
    cats = re.findall(r'<category [^>]*value="([^"]*)"', hubs)
    assert cats == ["cam_production", "cellmaking", ""]  # one per technology, + other
    colours = set(re.findall(r'name="color" type="QString" value="([^"]*)"', hubs))
    assert len(colours) >= 3
    size = re.findall(r'value="(coalesce\(scale_exp[^"]*)"', hubs)
    assert size and all("group_by:=&quot;technology&quot;" in s for s in size), size
    assert "&quot;built&quot; = 'existing' THEN 'square'" in hubs  # new vs existing
    shp = (out / "shapefiles" / "hubs.qml").read_text(encoding="utf-8")
    assert 'attr="technology"' in shp and "&quot;built&quot;" in shp  # short names the same


def test_hubs_style_escapes_technology_names():
    qml = (Path(hubopt.__file__).parent / "outputs" / "styles" / "hubs.qml").read_text()
    text = hubs_style(qml, ['a"<b>&c'])
    assert 'value="a&quot;&lt;b&gt;&amp;c"' in text
    ET.fromstring(text.split("\n", 1)[1])  # still well-formed XML


def test_field_dictionary_gives_real_units(out):
    d = pd.read_csv(out / "shapefiles" / "field_dictionary.csv", dtype=str, keep_default_na=False)
    unit = {(r.layer, r.full_name): r.unit for r in d.itertuples()}
    assert unit[("hubs", "capacity")] == "cam: t; cells: GWh/yr"
    assert unit[("hubs", "capex")] == "k$" and unit[("hubs", "fixed_cost")] == "k$/yr"
    assert unit[("supply", "bought")] == "t/yr" and unit[("supply", "unit_cost")] == "k$/t"
    assert unit[("flows", "tonnes")] == "t/yr"
    assert not any("money" in u or re.search(r"\bunits?\b", u) for u in d["unit"]), d
    # a numeric extra column is written as numbers, not text
    extra = d[(d["layer"] == "hubs") & (d["full_name"] == "vehicles_per_year")]
    assert extra["type"].tolist()[0] in ("integer", "real")
    hubs = pyogrio.read_info(out / "plan.gpkg", layer="hubs")
    kinds = dict(zip(hubs["fields"], hubs["dtypes"], strict=True))
    assert kinds["vehicles_per_year"].startswith(("float", "int"))


def test_states_background_is_in_the_geopackage_and_the_shapefiles(out):
    shp = out / "shapefiles" / "states.shp"
    for src, layer, kind in ((out / "plan.gpkg", "states", "MultiPolygon"), (shp, None, "Polygon")):
        info = pyogrio.read_info(src, layer=layer)
        assert info["features"] == 49 and info["geometry_type"] == kind, src
        assert list(info["fields"]) == ["state", "name"]
    style = (out / "shapefiles" / "states.qml").read_text(encoding="utf-8")
    assert 'value="238,238,234,255"' in style  # light grey fill


def test_project_lists_every_layer_styled_states_beneath(out):
    qgs = out / "plan.qgs"
    root = ET.fromstring(qgs.read_text(encoding="utf-8").split("\n", 1)[1])
    tree = [e.get("name") for e in root.iter("layer-tree-layer")]
    assert tree == ["hubs", "demand", "supply", "flows", "candidates", "states"]
    sources = [e.get("source") for e in root.iter("layer-tree-layer")]
    assert all(s.startswith("./plan.gpkg|layername=") for s in sources)  # relative
    maps = {m.findtext("layername"): m for m in root.iter("maplayer")}
    assert set(maps) == {*LAYERS, "states"}
    for m in maps.values():
        assert m.find("renderer-v2") is not None
    assert maps["hubs"].find("renderer-v2").get("type") == "categorizedSymbol"
    ext = root.find("ProjectViewSettings/DefaultViewExtent")
    xmin, ymin, xmax, ymax = (float(ext.get(k)) for k in ("xmin", "ymin", "xmax", "ymax"))
    sites = pd.read_csv(TINY / "sites.csv")
    assert xmin < sites["lon"].min() and xmax > sites["lon"].max()
    assert ymin < sites["lat"].min() and ymax > sites["lat"].max()
    assert xmax - xmin < 40 and ymax - ymin < 25  # the plan, not the world


def test_shapefile_only_project_points_at_the_shapefiles(tmp_path):
    sc = hubopt.Scenario(name="shp", data_dir=package(tmp_path / "pkg"))
    folder = hubopt.write_outputs(tmp_path / "res", hubopt.run(sc), formats="csv,shp")
    text = (folder / "plan.qgs").read_text(encoding="utf-8")
    assert "./shapefiles/hubs.shp" in text and "plan.gpkg" not in text
    assert 'attr="technology"' in text and "&quot;energy_com&quot;" in text  # short names


# ------------------------------------------------------------------ PyQGIS, for real


def system_pyqgis() -> str | None:
    exe = shutil.which("python3", path="/usr/bin")
    if exe is None:
        return None
    r = subprocess.run([exe, "-c", "import qgis.core"], capture_output=True, check=False)
    return exe if r.returncode == 0 else None


def need_pyqgis() -> str:
    exe = system_pyqgis()
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("PyQGIS (python3-qgis) is required in CI (.ci/run installs it)")
        pytest.skip("PyQGIS (python3-qgis) is not installed; CI installs it")
    return exe


PYQGIS = r"""
import json, sys
from qgis.core import (QgsApplication, QgsMapRendererSequentialJob, QgsMapSettings,
                       QgsProject, QgsRenderContext, QgsVectorLayer)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor
app = QgsApplication([], False)
app.initQgis()
folder, image = sys.argv[1], sys.argv[2]
out = {"layers": {}}
names = ["candidates", "hubs", "demand", "supply", "flows", "states"]
for name in names:
    for uri in (f"{folder}/plan.gpkg|layername={name}", f"{folder}/shapefiles/{name}.shp"):
        lyr = QgsVectorLayer(uri, name, "ogr")
        used = set(lyr.renderer().usedAttributes(QgsRenderContext())) if lyr.isValid() else set()
        out["layers"][uri] = {"valid": lyr.isValid(), "n": lyr.featureCount(),
                              "renderer": lyr.renderer().type() if lyr.isValid() else None,
                              "missing": sorted(used - set(lyr.fields().names()))}
project = QgsProject.instance()
out["read"] = project.read(f"{folder}/plan.qgs")
layers = project.layerTreeRoot().layerOrder()
out["order"] = [l.name() for l in layers]
out["valid"] = {l.name(): l.isValid() for l in layers}
out["count"] = {l.name(): l.featureCount() for l in layers}
out["renderer"] = {l.name(): l.renderer().type() for l in layers}
hubs = project.mapLayersByName("hubs")[0]
out["categories"] = [c.value() for c in hubs.renderer().categories()]
from qgis.core import QgsExpressionContext, QgsExpressionContextUtils, QgsSymbolLayer
ctx = QgsExpressionContext(QgsExpressionContextUtils.globalProjectLayerScopes(hubs))
rc = QgsRenderContext()
rc.setExpressionContext(ctx)
hubs.renderer().startRender(rc, hubs.fields())
out["sizes"] = []
for f in hubs.getFeatures():
    ctx.setFeature(f)
    sym = hubs.renderer().symbolForFeature(f, rc)
    prop = sym.symbolLayer(0).dataDefinedProperties().property(QgsSymbolLayer.PropertySize)
    shape = sym.symbolLayer(0).dataDefinedProperties().property(QgsSymbolLayer.PropertyName)
    out["sizes"].append([f["technology"], f["capacity"], f["built"],
                         prop.valueAsDouble(ctx, -1)[0], shape.valueAsString(ctx, "")[0],
                         sym.color().name()])
hubs.renderer().stopRender(rc)
ext = project.viewSettings().defaultViewExtent()
out["extent"] = [ext.xMinimum(), ext.yMinimum(), ext.xMaximum(), ext.yMaximum()]
settings = QgsMapSettings()
settings.setLayers(layers)
settings.setDestinationCrs(project.crs())
settings.setExtent(ext)
settings.setOutputSize(QSize(800, 600))
settings.setBackgroundColor(QColor("white"))
job = QgsMapRendererSequentialJob(settings)
job.start()
job.waitForFinished()
job.renderedImage().save(image, "PNG")
out["errors"] = [e.message for e in job.errors()]
print(json.dumps(out))
"""


def test_pyqgis_opens_every_layer_and_the_project_and_renders_a_map(out, tmp_path):
    exe = need_pyqgis()
    image = tmp_path / "map.png"
    r = subprocess.run(
        [exe, "-c", PYQGIS, str(out), str(image)],
        capture_output=True,
        text=True,
        env=QGIS_ENV,
        timeout=300,
        check=False,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    got = json.loads(r.stdout.strip().splitlines()[-1])
    for uri, layer in got["layers"].items():
        assert layer["valid"] and layer["missing"] == [], (uri, layer)
        assert layer["n"] == (49 if "states" in uri else layer["n"]) and layer["n"] > 0, uri
    assert got["read"] is True
    assert got["order"] == ["hubs", "demand", "supply", "flows", "candidates", "states"]
    assert all(got["valid"].values()) and got["count"]["states"] == 49
    assert got["renderer"]["hubs"] == "categorizedSymbol"
    assert got["renderer"]["candidates"] == "RuleRenderer"
    assert got["categories"] == ["cam_production", "cellmaking", ""]
    # the largest hub of each technology draws at full size, whatever its unit (GWh or t)
    largest = {}
    for tech, cap, built, size, shape, _colour in got["sizes"]:
        largest[tech] = max(largest.get(tech, (0, 0)), (cap, size))
        assert shape == {"existing": "square", "new": "circle"}[built], (tech, built, shape)
    assert {t: round(s, 6) for t, (_c, s) in largest.items()} == {
        "cam_production": 10.0,
        "cellmaking": 10.0,
    }, got["sizes"]
    assert len({c for *_x, c in got["sizes"]}) == 2  # one colour per technology
    xmin, ymin, xmax, ymax = got["extent"]
    assert xmin < -95 < -86 < xmax and ymin < 36 < 41 < ymax
    assert got["errors"] == []
    shutil.copy(image, Path(tempfile.gettempdir()) / "hubopt-qgis-map.png")  # to look at
    a = np.asarray(Image.open(image).convert("RGB"), dtype=int)
    colours = {tuple(c) for c in a.reshape(-1, 3)[:: max(1, a.size // 300_000)]}
    assert len(colours) > 20 and a.std() > 5  # not blank
    grey = (np.abs(a - np.array([238, 238, 234])).sum(axis=2) < 6).mean()
    assert grey > 0.2  # the states background is drawn beneath
