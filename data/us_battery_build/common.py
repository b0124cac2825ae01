"""Shared helpers of the ``us_battery`` build: provenance records, geometry, CSV output.

Everything here is deterministic: floats are written with a fixed number of decimals,
rows in a fixed order, and nothing depends on the clock or the machine.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[2]
DEFAULT_RESEARCH = REPO.parent / "shared" / "research"
DEFAULT_SOURCES = REPO / "data" / "sources_2030"
DEFAULT_OUT = REPO / "data" / "us_battery"

CONUS = (24.3, 49.5, -125.0, -66.8)  # lat_min, lat_max, lon_min, lon_max
NON_CONUS_STATES = {"AK", "HI", "PR", "GU", "VI", "AS", "MP"}

# IUPAC atomic masses, for stoichiometric conversions.
ATOMIC = {
    "Li": 6.94,
    "Ni": 58.693,
    "Co": 58.933,
    "Mn": 54.938,
    "S": 32.06,
    "O": 15.999,
    "H": 1.008,
    "C": 12.011,
    "Na": 22.990,
    "Fe": 55.845,
    "P": 30.974,
}
H2O = 2 * ATOMIC["H"] + ATOMIC["O"]
SO4 = ATOMIC["S"] + 4 * ATOMIC["O"]

SIMPLEMAPS_ATTRIBUTION = (
    "simplemaps.com US Cities Database (basic), https://simplemaps.com/data/us-cities, "
    "licensed CC BY 4.0"
)
SRC_EIA = (
    "EIA-860M Dec-2025 aggregated per plant (github gnarlysasquatch76/gridsite "
    "public/data/power-plants.geojson @a8f1b35 = research raw/eia860m_power_plants_dec2025"
    ".geojson); county via EPA eGRID 2009-2021 coal plants + Census FIPS"
)


@dataclass(frozen=True)
class Param:
    """One named input of the build, with its provenance.

    Parameters
    ----------
    value : object
        The value used.
    unit : str
        Unit of ``value``.
    tag : str
        ``verified`` (read in a named source), ``derived`` (computed; formula in
        ``source``) or ``assumption`` (not checked; includes research *memory* values).
    source : str
        Where the value comes from, or why it was chosen.
    """

    value: object
    unit: str
    tag: str
    source: str


def haversine_km(lat1, lon1, lat2, lon2):
    """Great-circle distance in km.

    Parameters
    ----------
    lat1, lon1, lat2, lon2 : float or array_like
        Coordinates in degrees; arrays broadcast.

    Returns
    -------
    float or ndarray
        Distance in km.
    """
    r = 6371.0088
    la1, lo1, la2, lo2 = (np.radians(np.asarray(x, dtype=float)) for x in (lat1, lon1, lat2, lon2))
    a = np.sin((la2 - la1) / 2) ** 2 + np.cos(la1) * np.cos(la2) * np.sin((lo2 - lo1) / 2) ** 2
    return 2 * r * np.arcsin(np.sqrt(a))


def crf(rate: float, years: int) -> float:
    """Capital recovery factor r(1+r)^n / ((1+r)^n - 1).

    Parameters
    ----------
    rate : float
        Real discount rate per year.
    years : int
        Economic life.

    Returns
    -------
    float
        Share of capex paid per year.
    """
    return rate * (1 + rate) ** years / ((1 + rate) ** years - 1)


def read_csv(path: Path) -> pd.DataFrame:
    """Read a CSV with every column as text (no type guessing).

    Parameters
    ----------
    path : Path
        File to read.

    Returns
    -------
    DataFrame
        All cells as ``str``; blanks are empty strings.
    """
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def num(s: str) -> float:
    """Parse a number that may contain thousands separators.

    Parameters
    ----------
    s : str
        Text such as ``"20,865"``.

    Returns
    -------
    float
        The value.
    """
    return float(str(s).replace(",", "").strip())


def fmt(x, decimals: int) -> str:
    """Fixed-decimal float text without trailing zeros.

    Parameters
    ----------
    x : float or None
        Value; ``None`` and NaN give an empty string.
    decimals : int
        Decimals kept.

    Returns
    -------
    str
        Deterministic text of ``x``.
    """
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    v = round(float(x), decimals)
    if v == 0:
        v = 0.0
    s = f"{v:.{decimals}f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


def write_table(df: pd.DataFrame, path: Path, decimals: dict[str, int]) -> None:
    """Write ``df`` as UTF-8 CSV with fixed float formats and LF line ends.

    Parameters
    ----------
    df : DataFrame
        Table to write, in its row order.
    path : Path
        Output file.
    decimals : dict of str to int
        Decimals per numeric column; other columns are written as text.
    """
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(list(df.columns))
    for row in df.itertuples(index=False):
        out = []
        for col, v in zip(df.columns, row, strict=True):
            if isinstance(v, bool | np.bool_):
                out.append("true" if v else "false")
            elif col in decimals:
                out.append(fmt(v, decimals[col]))
            elif v is None or (isinstance(v, float) and math.isnan(v)):
                out.append("")
            else:
                out.append(str(v))
        w.writerow(out)
    path.write_text(buf.getvalue(), encoding="utf-8", newline="")


def in_us(lat: float, lon: float) -> bool:
    """Whether a point lies inside the contiguous-US box.

    Parameters
    ----------
    lat, lon : float
        Degrees.

    Returns
    -------
    bool
        True inside :data:`CONUS`.
    """
    return CONUS[0] <= lat <= CONUS[1] and CONUS[2] <= lon <= CONUS[3]
