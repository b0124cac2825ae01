"""Small pieces of the report: CO2 figures that tell plans apart, frontier slopes, glossary."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hubopt.report.text import format_value
from hubopt.report.units import co2_scale

__all__ = ["GLOSSARY", "co2_card", "co2_digits", "frontier_range", "frontier_slopes"]


def co2_digits(values: list[float]) -> int:
    """Significant digits (3 to 6) that tell every distinct CO2 figure apart."""
    distinct = {round(v, 6) for v in values if v is not None and np.isfinite(v)}
    for digits in range(3, 7):
        if len({f"{v:.{digits}g}" for v in distinct}) == len(distinct):
            return digits
    return 6


def co2_card(tonnes: float | None, digits: int) -> str:
    """Return CO2 for a card with ``digits`` significant digits, e.g. ``"340.21 kt CO2"``."""
    if tonnes is None or not np.isfinite(tonnes):
        return "—"
    f, label = co2_scale([tonnes])
    v = tonnes * f
    decimals = max(0, digits - 1 - int(np.floor(np.log10(abs(v))))) if v else 0
    return f"{v:,.{decimals}f} {label}"


def frontier_slopes(t: pd.DataFrame) -> pd.Series:
    """Cost per tonne of CO2 avoided (money unit / t) from each point's right neighbour.

    Points sorted by emissions; for a point *i* and the next point *j* with more CO2,
    ``(cost_i - cost_j) / (co2_j - co2_i)``. NaN for the cheapest point and for points
    without a plan or with the same CO2 as their neighbour.
    """
    ok = t["total_cost"].notna() & t["emissions_t"].notna()
    p = t[ok].sort_values("emissions_t")
    de = p["emissions_t"].shift(-1) - p["emissions_t"]
    dc = p["total_cost"] - p["total_cost"].shift(-1)
    slope = (dc / de).where(de.abs() > 1e-9)
    return slope.reindex(t.index)


def frontier_range(t: pd.DataFrame) -> str:
    """Say how wide the frontier's CO2 range is (t/yr, and as a share of its highest)."""
    e = t["emissions_t"].dropna()
    if len(e) < 2:
        return "The frontier has fewer than two plans: no CO2 range to show."
    lo, hi = float(e.min()), float(e.max())
    pct = f", {(hi - lo) / hi:.1%} of the highest" if hi > 0 else ""
    return (
        f"Its CO2 range is {format_value('emissions_t', hi - lo)} t a year wide (from "
        f"{format_value('emissions_t', lo)} to {format_value('emissions_t', hi)} t{pct})."
    )


GLOSSARY = """
<dl>
<dt>Plan</dt><dd>One answer of the model: which hubs to build (or keep), how big, and how
material moves from mines and ports through hubs to the factories that need it, for one year.
Each plan is the cheapest way to meet all demand under its scenario's rules.</dd>
<dt>Hub</dt><dd>A plant that turns inputs into a product (e.g. cells, cathode material). Existing
plants count as hubs.</dd>
<dt>Energy community</dt><dd>A site the data flags as an energy community: in the default US
data, the site of a retired or retiring coal plant.</dd>
<dt>Total cost</dt><dd>Yearly cost of the plan: fixed cost of the hubs (investment spread over
the years, upkeep), production, raw materials, transport, and any carbon price or penalty for
demand left unserved.</dd>
<dt>CO2 emissions</dt><dd>Tonnes of CO2 per year from production, raw materials and transport.</dd>
<dt>Freight (t·km)</dt><dd>Tonnes moved times kilometres travelled, per year, by mode.</dd>
<dt>Demand served from within N km</dt><dd>Share of the delivered product that reaches its
customer over a distance of at most N km (made on site counts as 0 km).</dd>
<dt>Average inbound distance</dt><dd>Average distance, weighted by quantity, over which
delivered products reach their customers.</dd>
<dt>Proven optimal / gap</dt><dd>The solver proves that no plan under the same rules is cheaper
by more than the gap. "Not proven" means it stopped at its time limit: the plan is valid, but a
cheaper one may exist.</dd>
<dt>Robust site</dt><dd>A site chosen in many or all plans (★ = every plan): a safe bet whatever
the scenario.</dd>
</dl>
"""
"""The report's glossary (HTML)."""
