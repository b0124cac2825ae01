"""Distances and lines on the Earth: one place, geodesics on the WGS84 ellipsoid.

Every distance hubopt computes (lane lengths, flow lines drawn in the GIS outputs) comes
from :func:`geodesic_km` and :func:`geodesic_path`, which use :class:`pyproj.Geod` with
the WGS84 ellipsoid (Karney's algorithm, accurate to nanometres). pyproj is imported on
first use, so importing hubopt stays light.

Examples
--------
>>> round(float(geodesic_km(0.0, 0.0, 0.0, 1.0)), 3)  # one degree along the equator
111.319
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

import numpy as np

__all__ = ["geodesic_km", "geodesic_path"]


@cache
def _geod() -> Any:
    import pyproj

    return pyproj.Geod(ellps="WGS84")


def geodesic_km(lat1: Any, lon1: Any, lat2: Any, lon2: Any) -> np.ndarray:
    """Geodesic distance in km between WGS84 points (vectorised).

    Parameters
    ----------
    lat1, lon1, lat2, lon2 : array_like
        Latitudes and longitudes in decimal degrees (WGS84), broadcastable; note the
        (lat, lon) order.

    Returns
    -------
    ndarray
        Distance along the WGS84 ellipsoid, km (NaN where a coordinate is NaN).
    """
    la1, lo1, la2, lo2 = np.broadcast_arrays(
        *(np.asarray(x, dtype=float) for x in (lat1, lon1, lat2, lon2))
    )
    shape = la1.shape
    _, _, metres = _geod().inv(lo1.ravel(), la1.ravel(), lo2.ravel(), la2.ravel())
    out = np.asarray(metres, dtype=float).reshape(shape) / 1000.0
    return out


def geodesic_path(
    lon0: float, lat0: float, lon1: float, lat1: float, densify_km: float | None
) -> np.ndarray:
    """Vertices of the geodesic from (lon0, lat0) to (lon1, lat1), at most ``densify_km`` apart.

    Parameters
    ----------
    lon0, lat0, lon1, lat1 : float
        End points, WGS84 degrees (note the (lon, lat) order, as in GIS coordinates).
    densify_km : float or None
        Largest distance between vertices; ``None`` or ``0`` gives the two end points.

    Returns
    -------
    ndarray, shape (n, 2)
        ``(lon, lat)`` vertices, end points exact. Longitudes are unwrapped from the
        origin, so a path crossing the antimeridian continues past ±180°.
    """
    total = float(geodesic_km(lat0, lon0, lat1, lon1))
    n = math.ceil(total / densify_km) if densify_km and total > 0 else 1
    if n <= 1:
        return np.array([[lon0, lat0], [lon1, lat1]], dtype=float)
    mid = _geod().npts(lon0, lat0, lon1, lat1, n - 1)
    lon = np.array([lon0, *(p[0] for p in mid), lon1], dtype=float)
    lat = np.array([lat0, *(p[1] for p in mid), lat1], dtype=float)
    lon = np.degrees(np.unwrap(np.radians(lon)))
    lon += 360.0 * round((lon0 - lon[0]) / 360.0)
    lon[0] = lon0
    lon[-1] = lon1 + 360.0 * round((lon[-1] - lon1) / 360.0)
    return np.column_stack([lon, lat])
