"""Hover tooltips and print layout of the report, all inline (no file, font or CDN fetched).

A map is the PNG with a transparent SVG laid over it (same pixel ``viewBox``), one shape
per :class:`~hubopt.report.maps.Mark` carrying its text in ``data-tip`` and in a
``<title>`` (the browser's own tooltip when scripts are off). :data:`TIP_SCRIPT` shows the
text of the shape under the pointer in one positioned ``<div id="tip">``.
"""

from __future__ import annotations

import base64
from html import escape

from hubopt.report.maps import PlanMap

__all__ = ["CSS", "TIP_SCRIPT", "map_html"]

CSS = """
.map{position:relative;display:block;max-width:100%;border:1px solid #dde}
.map img{display:block;width:100%;border:0}
.map svg{position:absolute;left:0;top:0;width:100%;height:100%}
.map .mk{fill:transparent;stroke:transparent;cursor:pointer;pointer-events:all}
.map line.mk{stroke:transparent;fill:none;pointer-events:stroke}
.map .mk:hover{stroke:#111;stroke-opacity:.5}
#tip{position:fixed;display:none;z-index:10;pointer-events:none;max-width:360px;
background:#1d2330;color:#fff;font-size:12.5px;line-height:1.35;padding:6px 9px;
border-radius:6px;white-space:pre-line;box-shadow:0 2px 8px rgba(0,0,0,.3)}
.card h3,.card .desc,.card p,.meta,th{overflow-wrap:anywhere;word-break:break-word}
.card{min-width:0}
@media print{
@page{size:A4;margin:12mm}
body{background:#fff;font-size:9.5pt}main{max-width:none;padding:0}
.cards{grid-template-columns:repeat(2,minmax(0,1fr))}.card{break-inside:avoid}
.scroll{overflow:visible}
table{width:100%;table-layout:fixed;font-size:7pt}
th,td{padding:2px 3px;overflow-wrap:anywhere;word-break:break-word}
.map svg,#tip{display:none}figure{margin:0;break-inside:avoid}
details>*{display:block}h2{break-after:avoid}
}
"""
"""Map overlay, tooltip, card wrapping and print rules (appended to the report's CSS)."""

TIP_SCRIPT = """
(function(){var t=document.getElementById('tip');if(!t)return;
function show(e){var m=e.target.closest?e.target.closest('[data-tip]'):null;
if(!m){t.style.display='none';return;}t.textContent=m.getAttribute('data-tip');
t.style.display='block';var x=(e.clientX||0)+14,y=(e.clientY||0)+14;
var w=t.offsetWidth,h=t.offsetHeight;
if(x+w>window.innerWidth)x=Math.max(0,(e.clientX||0)-w-14);
if(y+h>window.innerHeight)y=Math.max(0,(e.clientY||0)-h-14);
t.style.left=x+'px';t.style.top=y+'px';}
document.addEventListener('mouseover',show);document.addEventListener('mousemove',show);
document.addEventListener('mouseout',function(e){if(!e.relatedTarget||
!(e.relatedTarget.closest&&e.relatedTarget.closest('[data-tip]')))t.style.display='none';});
})();
"""
"""Shows the ``data-tip`` text of the mark under the pointer in ``#tip``."""


def _attr(text: str) -> str:
    return escape(text, quote=True).replace("\n", "&#10;")


def map_html(pm: PlanMap, alt: str) -> str:
    """Return the map as ``<div class="map">``: the PNG and its hoverable SVG overlay."""
    png = base64.b64encode(pm.png).decode("ascii")
    shapes = []
    for m in pm.marks:
        tip = _attr(m.tip)
        title = f"<title>{escape(m.tip)}</title>"
        if m.kind == "flow" and m.x2 is not None and m.y2 is not None:
            shapes.append(
                f'<line class="mk flow" x1="{m.x:.1f}" y1="{m.y:.1f}" x2="{m.x2:.1f}" '
                f'y2="{m.y2:.1f}" stroke-width="{m.width:.1f}" data-tip="{tip}">{title}</line>'
            )
        else:
            shapes.append(
                f'<circle class="mk {m.kind}" cx="{m.x:.1f}" cy="{m.y:.1f}" r="{m.r:.1f}" '
                f'data-tip="{tip}">{title}</circle>'
            )
    return (
        f'<div class="map"><img src="data:image/png;base64,{png}" alt="{escape(alt)}" '
        f'width="{pm.width}" height="{pm.height}">'
        f'<svg viewBox="0 0 {pm.width} {pm.height}" preserveAspectRatio="none" '
        f'aria-hidden="true">{"".join(shapes)}</svg></div>'
    )
