"""Regenerate the QGIS styles ``hubopt/outputs/styles/<layer>.qml`` with PyQGIS.

Not part of the installed package (it needs QGIS's own Python, not the project venv)::

    cd hubopt/outputs/styles && QT_QPA_PLATFORM=offscreen /usr/bin/python3 make_styles.py .

Styles use the full field names of the GeoPackage; :func:`hubopt.outputs.gis.write_gis` swaps in
the Shapefile short names for the copies written beside the Shapefiles. Only the
Symbology and Labelling categories are saved, so the styles never touch field
configuration.
"""

import sys

from qgis.core import (
    QgsApplication,
    QgsFillSymbol,
    QgsLineSymbol,
    QgsMapLayer,
    QgsMarkerLineSymbolLayer,
    QgsMarkerSymbol,
    QgsPalLayerSettings,
    QgsProperty,
    QgsRuleBasedRenderer,
    QgsSingleSymbolRenderer,
    QgsSymbolLayer,
    QgsTextBufferSettings,
    QgsTextFormat,
    QgsVectorLayer,
    QgsVectorLayerSimpleLabeling,
)
from qgis.PyQt.QtGui import QColor

GOLD, DARK = "#e69f00", "#232323"
EC_STROKE = f"if(\"energy_community\", '{GOLD}', '{DARK}')"
EC_WIDTH = 'if("energy_community", 0.8, 0.2)'
FIELDS = "&".join(
    f"field={f}"
    for f in (
        "selected:boolean",
        "energy_community:boolean",
        "capacity:double",
        "name:string",
        "tonnes:double",
        "mode:string",
        "quantity:double",
        "bought:double",
        "technology:string",
        "built:string",
    )
)
MODE_COLOUR = (
    "CASE WHEN \"mode\" = 'rail' THEN '#33a02c' WHEN \"mode\" = 'truck' THEN '#ff7f00' "
    "WHEN \"mode\" = 'ship' THEN '#1f78b4' ELSE '#6a3d9a' END"
)


def _dd(symbol_layer, prop, expression):
    symbol_layer.setDataDefinedProperty(prop, QgsProperty.fromExpression(expression))


def _marker(shape, fill, size, stroke=DARK, width="0.2", ec=True, size_expr=None, fill_expr=None):
    sym = QgsMarkerSymbol.createSimple(
        {
            "name": shape,
            "color": fill,
            "size": str(size),
            "outline_color": stroke,
            "outline_width": width,
        }
    )
    sl = sym.symbolLayer(0)
    if ec:  # energy-community sites get a thick gold outline
        _dd(sl, QgsSymbolLayer.PropertyStrokeColor, EC_STROKE)
        _dd(sl, QgsSymbolLayer.PropertyStrokeWidth, EC_WIDTH)
    if size_expr:
        _dd(sl, QgsSymbolLayer.PropertySize, size_expr)
    if fill_expr:
        _dd(sl, QgsSymbolLayer.PropertyFillColor, fill_expr)
    return sym


def _area_sized(field, smallest, largest, default):
    """Diameter ∝ √value, so symbol area is proportional to the value."""
    return (
        f'coalesce(scale_exp("{field}", 0, maximum("{field}"), {smallest}, {largest}, 0.5), '
        f"{default})"
    )


def _labels(layer, expression):
    settings = QgsPalLayerSettings()
    settings.fieldName = expression
    settings.isExpression = True
    fmt = QgsTextFormat()
    fmt.setSize(8)
    buffer = QgsTextBufferSettings()
    buffer.setEnabled(True)
    buffer.setSize(0.8)
    buffer.setColor(QColor("white"))
    fmt.setBuffer(buffer)
    settings.setFormat(fmt)
    layer.setLabeling(QgsVectorLayerSimpleLabeling(settings))
    layer.setLabelsEnabled(True)


def _layer(name, geometry="Point"):
    return QgsVectorLayer(f"{geometry}?crs=EPSG:4326&{FIELDS}", name, "memory")


def _save(layer, folder):
    categories = QgsMapLayer.Symbology | QgsMapLayer.Labeling
    msg, ok = layer.saveNamedStyle(f"{folder}/{layer.name()}.qml", categories=categories)
    if not ok:
        raise RuntimeError(msg)


def _candidates():
    root = QgsRuleBasedRenderer.Rule(None)
    for label, expression, symbol in (
        (
            "opened, energy community",
            '"selected" AND "energy_community"',
            _marker("circle", "#1f78b4", 3.2, GOLD, "0.8", ec=False),
        ),
        (
            "opened",
            '"selected" AND NOT "energy_community"',
            _marker("circle", "#1f78b4", 3.2, ec=False),
        ),
        (
            "not opened, energy community",
            'NOT "selected" AND "energy_community"',
            _marker("circle", "#fde9b0", 2.2, GOLD, "0.6", ec=False),
        ),
        (
            "not opened",
            'NOT "selected" AND NOT "energy_community"',
            _marker("circle", "#c8c8c8", 1.6, "#7f7f7f", "0.2", ec=False),
        ),
    ):
        root.appendChild(QgsRuleBasedRenderer.Rule(symbol, 0, 0, expression, label))
    layer = _layer("candidates")
    layer.setRenderer(QgsRuleBasedRenderer(root))
    return layer


# new hubs are circles, existing plants squares, required options diamonds
BUILT_SHAPE = (
    "CASE WHEN \"built\" = 'existing' THEN 'square' "
    "WHEN \"built\" = 'required' THEN 'diamond' ELSE 'circle' END"
)
# area ∝ capacity relative to the largest hub of the same technology (GWh and t never mixed)
TECH_SIZE = (
    'coalesce(scale_exp("capacity", 0, maximum("capacity", group_by:="technology"), '
    "2.5, 10, 0.5), 4)"
)


def _hubs():
    """Single symbol template; write_gis turns it into one category per technology."""
    layer = _layer("hubs")
    symbol = _marker("circle", "31,120,180,190", 4, size_expr=TECH_SIZE)
    _dd(symbol.symbolLayer(0), QgsSymbolLayer.PropertyName, BUILT_SHAPE)
    layer.setRenderer(QgsSingleSymbolRenderer(symbol))
    _labels(layer, "\"name\" || if(\"built\" = 'new', ' (new)', '')")
    return layer


def _states():
    symbol = QgsFillSymbol.createSimple(
        {"color": "#eeeeea", "outline_color": "#b5b5b5", "outline_width": "0.2"}
    )
    layer = QgsVectorLayer("Polygon?crs=EPSG:4326&field=state:string", "states", "memory")
    layer.setRenderer(QgsSingleSymbolRenderer(symbol))
    return layer


def _demand():
    layer = _layer("demand")
    size = _area_sized("quantity", 1.5, 7, 3)
    symbol = _marker("square", "227,26,28,200", 3, size_expr=size)
    layer.setRenderer(QgsSingleSymbolRenderer(symbol))
    return layer


def _supply():
    layer = _layer("supply")
    fill = "if(\"bought\" > 0, '#8c510a', '#dfc27d')"  # pale when nothing is bought
    symbol = _marker(
        "triangle", "#8c510a", 3, size_expr=_area_sized("capacity", 1.5, 7, 3), fill_expr=fill
    )
    layer.setRenderer(QgsSingleSymbolRenderer(symbol))
    return layer


def _flows():
    symbol = QgsLineSymbol.createSimple(
        {"line_color": "#6a3d9a", "line_width": "0.5", "capstyle": "round", "joinstyle": "round"}
    )
    symbol.setOpacity(0.85)
    line = symbol.symbolLayer(0)
    _dd(line, QgsSymbolLayer.PropertyStrokeColor, MODE_COLOUR)
    width = 'coalesce(scale_linear("tonnes", 0, maximum("tonnes"), 0.3, 3), 0.5)'
    _dd(line, QgsSymbolLayer.PropertyStrokeWidth, width)
    arrow = QgsMarkerLineSymbolLayer(True, 10)  # an arrow head mid-line shows direction
    arrow.setPlacement(QgsMarkerLineSymbolLayer.CentralPoint)
    head = QgsMarkerSymbol.createSimple(
        {"name": "filled_arrowhead", "color": "#6a3d9a", "size": "2.6", "outline_style": "no"}
    )
    _dd(head.symbolLayer(0), QgsSymbolLayer.PropertyFillColor, MODE_COLOUR)
    arrow.setSubSymbol(head)
    symbol.appendSymbolLayer(arrow)
    layer = _layer("flows", "LineString")
    layer.setRenderer(QgsSingleSymbolRenderer(symbol))
    return layer


if __name__ == "__main__":
    app = QgsApplication([], False)
    app.initQgis()
    for make in (_candidates, _hubs, _demand, _supply, _flows, _states):
        _save(make(), sys.argv[1])
