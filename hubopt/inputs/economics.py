r"""Site economics: factor prices per site and production cost/CO2 per (site, technology).

Pyomo-free and shared by the model (:mod:`hubopt.model.tables`), the validation
(:mod:`hubopt.inputs.validate_econ`) and the reports. See ``docs/model.md``
("Site economics") and ``docs/data_package.md`` (``site_factors.csv``,
``technology_factors.csv``).

For a site *s* and a factor *f*, each column of ``site_factors.csv`` (``price``,
``kg_co2_per_unit``, ``available``) is resolved on its own: the site's own row if it gives
a value, else the default row (blank ``site_id``), else missing (price: an error where it
is needed; CO2: 0; available: unlimited). Production cost and CO2 of technology *t* at
*s* are

.. math::

    c_{st} = c_t + \sum_f q_{tf}\,p_{sf}, \qquad e_{st} = e_t + \sum_f q_{tf}\,g_{sf}

(money/unit and kg CO2/unit; :math:`q` factor units per unit of output, :math:`p` money
per factor unit, :math:`g` kg CO2 per factor unit). A candidate row's ``unit_cost``
(``kg_co2_per_unit``) overrides :math:`c_{st}` (:math:`e_{st}`) whole: the factor terms
are then not applied to its cost (CO2). ``make`` is one variable per (site, technology),
so the overrides must agree across the sizes of a pair (checked on input).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["pair_economics", "resolve_site_factors"]

_COLS = ("price", "kg_co2_per_unit", "available")


def resolve_site_factors(site_factors: pd.DataFrame | None, site_ids) -> pd.DataFrame:
    """Return one row per (site, factor) with the resolved ``price``, CO2 and ``available``.

    Parameters
    ----------
    site_factors : DataFrame or None
        ``site_factors.csv`` (blank ``site_id`` = default row).
    site_ids : sequence of str
        The sites to resolve (every factor named anywhere is resolved for each).

    Returns
    -------
    DataFrame
        ``site_id, factor, price, kg_co2_per_unit, available`` (NaN = not given) and
        ``own_line``/``default_line`` (CSV lines used, NaN if none).
    """
    cols = ["site_id", "factor", *_COLS, "own_line", "default_line"]
    if site_factors is None or site_factors.empty or len(site_ids) == 0:
        return pd.DataFrame(columns=cols)
    sf = site_factors.reset_index(names="line")
    sf["site_id"] = sf["site_id"].fillna("").astype(str)
    default = sf[sf["site_id"] == ""].set_index("factor")
    own = sf[sf["site_id"] != ""].set_index(["site_id", "factor"])
    factors = pd.unique(sf["factor"])
    grid = pd.MultiIndex.from_product([pd.unique(pd.Index(site_ids)), factors])
    out = pd.DataFrame({"site_id": grid.get_level_values(0), "factor": grid.get_level_values(1)})
    o = own.reindex(grid)
    d = default.reindex(out["factor"])
    for c in _COLS:
        ov, dv = o[c].to_numpy(float), d[c].to_numpy(float)
        out[c] = np.where(np.isnan(ov), dv, ov)
    out["own_line"] = o["line"].to_numpy(float)
    out["default_line"] = d["line"].to_numpy(float)
    return out


def pair_economics(
    pairs: pd.DataFrame,
    technologies: pd.DataFrame,
    candidates: pd.DataFrame,
    site_factors: pd.DataFrame | None,
    technology_factors: pd.DataFrame | None,
) -> pd.DataFrame:
    """Production cost and CO2 per (site, technology), split into base and factor terms.

    Parameters
    ----------
    pairs : DataFrame
        ``site_id, technology`` rows (e.g. the model's production table).
    technologies, candidates, site_factors, technology_factors : DataFrame
        The package's tables (the factor files may be ``None``).

    Returns
    -------
    DataFrame
        Aligned with ``pairs``: ``base_unit_cost``, ``factor_unit_cost`` (money/unit),
        ``base_kg_co2_per_unit``, ``factor_kg_co2_per_unit`` (kg/unit),
        ``production_credit`` (money/unit) and ``missing_price`` (True where a factor the
        technology needs has no price at the site and no override replaces it).
    """
    tech = technologies.set_index("technology")
    t = pairs["technology"]
    out = pd.DataFrame(index=pairs.index)
    out["base_unit_cost"] = tech["unit_cost"].reindex(t).to_numpy(float)
    out["base_kg_co2_per_unit"] = tech["kg_co2_per_unit"].reindex(t).to_numpy(float)
    credit = tech["production_credit"] if "production_credit" in tech else None
    out["production_credit"] = 0.0 if credit is None else credit.reindex(t).to_numpy(float)
    out["factor_unit_cost"] = 0.0
    out["factor_kg_co2_per_unit"] = 0.0
    out["missing_price"] = False
    tf = technology_factors
    if tf is not None and not tf.empty:
        sf = resolve_site_factors(site_factors, pairs["site_id"])
        use = (
            pairs[["site_id", "technology"]]
            .reset_index(names="_pair")
            .merge(tf[["technology", "factor", "quantity"]], on="technology")
        )
        use = use.merge(sf, on=["site_id", "factor"], how="left")
        q = use["quantity"].to_numpy(float)
        price = use["price"].to_numpy(float)
        co2 = np.nan_to_num(use["kg_co2_per_unit"].to_numpy(float))
        need = (q > 0) & np.isnan(price)
        by = use["_pair"].to_numpy()
        fc = pd.Series(q * np.nan_to_num(price)).groupby(by).sum()
        fe = pd.Series(q * co2).groupby(by).sum()
        miss = pd.Series(need).groupby(by).any()
        out["factor_unit_cost"] = fc.reindex(out.index).fillna(0.0).to_numpy()
        out["factor_kg_co2_per_unit"] = fe.reindex(out.index).fillna(0.0).to_numpy()
        out["missing_price"] = miss.reindex(out.index).fillna(False).to_numpy(bool)
    for col, base, fac in (
        ("unit_cost", "base_unit_cost", "factor_unit_cost"),
        ("kg_co2_per_unit", "base_kg_co2_per_unit", "factor_kg_co2_per_unit"),
    ):
        if col not in candidates:
            continue
        given = candidates.dropna(subset=[col]).groupby(["site_id", "technology"])[col].first()
        if given.empty:
            continue
        ov = given.reindex(pd.MultiIndex.from_frame(pairs[["site_id", "technology"]]))
        ov = ov.to_numpy(float)
        has = ~np.isnan(ov)
        out[base] = np.where(has, ov, out[base])
        out[fac] = np.where(has, 0.0, out[fac])
        if col == "unit_cost":
            out["missing_price"] = out["missing_price"] & ~has
    return out
