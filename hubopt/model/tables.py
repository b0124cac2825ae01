"""Label tables: what each variable index and each balance row of the model means.

Every variable family is indexed by the row number of one table here (``open`` by
:attr:`Tables.options`, ``make`` by :attr:`Tables.production`, ...), and every table
holds the labels (site, technology, size, product, lane) of its rows. Sites and
products are coded as integers once (:class:`Keys`) so that (site, product) pairs become
``int64`` keys for sparse assembly; a label the codes do not know raises ``KeyError``
instead of silently becoming code ``-1``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hubopt.inputs.economics import pair_economics
from hubopt.inputs.load import HubData
from hubopt.inputs.scenario import Scenario

__all__ = ["Keys", "Tables", "byproduct_rows", "make_tables"]

_ASSIGN_COLUMNS = ["d", "lane", "site_id", "product", "big_m"]


class Keys:
    """Integer codes for sites and products, so (site, product) pairs are int64 keys.

    ``key(site, product) = site_code * n_products + product_code``; the lane table's
    origin, destination and product are coded once (``o``, ``d``, ``p``).

    Parameters
    ----------
    data : HubData
        The package (its sites and products are coded first, in table order).
    lanes : DataFrame
        The lane table; labels it holds that the package does not list are coded too.
    """

    def __init__(self, data: HubData, lanes: pd.DataFrame):
        self.sites = pd.Index(pd.unique(data.sites["site_id"]))
        self.products = pd.Index(pd.unique(data.products["product"]))
        o, d, p = (self._lookup(x, lanes[c]) for x, c in (
            (self.sites, "origin"), (self.sites, "destination"), (self.products, "product")
        ))  # fmt: skip
        if (o < 0).any() or (d < 0).any() or (p < 0).any():
            # labels the package does not list (lanes given by hand): code them too
            ids = [data.sites["site_id"], lanes["origin"], lanes["destination"]]
            self.sites = _index(ids)
            self.products = _index([data.products["product"], lanes["product"]])
            o, d, p = (self._lookup(x, lanes[c]) for x, c in (
                (self.sites, "origin"), (self.sites, "destination"), (self.products, "product")
            ))  # fmt: skip
        self.n_products = len(self.products)
        self.o, self.d, self.p = o, d, p

    @staticmethod
    def _lookup(index: pd.Index, labels) -> np.ndarray:
        return index.get_indexer(pd.Index(labels)).astype(np.int64)

    @staticmethod
    def _codes(index: pd.Index, labels, what: str) -> np.ndarray:
        codes = Keys._lookup(index, labels)
        if (codes < 0).any():
            bad = pd.unique(pd.Index(labels)[codes < 0])[:5]
            raise KeyError(f"unknown {what} label(s) {list(bad)}: not in the data package")
        return codes

    def site(self, labels) -> np.ndarray:
        """Codes of site labels (``KeyError`` for a label not in the package)."""
        return self._codes(self.sites, labels, "site")

    def product(self, labels) -> np.ndarray:
        """Codes of product labels (``KeyError`` for a label not in the package)."""
        return self._codes(self.products, labels, "product")

    def key(self, site, product) -> np.ndarray:
        """Key of (site label, product label) pairs."""
        return self.site(site) * self.n_products + self.product(product)

    def labels(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return the (site, product) labels of keys."""
        return (
            self.sites.take(keys // self.n_products).to_numpy(),
            self.products.take(keys % self.n_products).to_numpy(),
        )


def _index(columns: list) -> pd.Index:
    """Return an index of every label of the first column, then any others that appear."""
    idx = pd.Index(pd.unique(columns[0]))
    for c in columns[1:]:
        if len(c):
            new = pd.Index(pd.unique(c))
            missing = idx.get_indexer(new) < 0
            if missing.any():
                idx = idx.append(new[missing])
    return idx


@dataclass(frozen=True)
class Tables:
    """The label tables of one model (frozen: families read them, never change them).

    Attributes
    ----------
    data : HubData
        The package.
    lanes : DataFrame
        Lane table; row *l* is ``ship[l]``.
    options : DataFrame
        Non-forbidden candidate rows (site, technology, size); row *k* is ``open[k]``.
        ``line`` is the row of ``candidates.csv``, ``group`` the production pair.
    production : DataFrame
        (site, technology) pairs with at least one option; row *j* is ``make[j]``.
        ``unit_cost`` = ``base_unit_cost`` + ``factor_unit_cost`` (money/unit),
        ``kg_co2_per_unit`` likewise, ``production_credit`` (money/unit), see
        :mod:`hubopt.inputs.economics`.
    supply : DataFrame
        Supply rows; row *r* is ``buy[r]``.
    demand : DataFrame
        Demand rows (all of them), with ``exact`` once single sourcing is set up.
    unmet : DataFrame
        Demand rows with an ``unmet_penalty``; row *d* is ``unmet[d]``.
    assign : DataFrame
        (demand row, inbound lane) pairs with their big-M; row *a* is ``assign[a]``
        (empty without single sourcing).
    availability : Series
        Upper bound on the units of each product that can exist per year.
    keys : Keys
        Integer codes of sites and products.
    """

    data: HubData
    lanes: pd.DataFrame
    options: pd.DataFrame
    production: pd.DataFrame
    supply: pd.DataFrame
    demand: pd.DataFrame
    unmet: pd.DataFrame
    assign: pd.DataFrame
    availability: pd.Series
    keys: Keys


def make_tables(data: HubData, lanes: pd.DataFrame, scenario: Scenario) -> Tables:
    """Build the label tables that index every variable family.

    Parameters
    ----------
    data : HubData
        A validated package.
    lanes : DataFrame
        Lane table from :func:`hubopt.lanes.build_lanes`.
    scenario : Scenario
        Decides whether the single-sourcing table is built.

    Returns
    -------
    Tables
    """
    sites = data.sites.set_index("site_id")
    opts = data.candidates[data.candidates["status"] != "forbidden"].reset_index(names="line")
    opts = opts.merge(data.technologies[["technology", "output"]], on="technology", how="left")
    opts["energy_community"] = (
        sites["energy_community"].reindex(opts["site_id"]).fillna(False).to_numpy(bool)
    )
    grp = opts.assign(_forced=opts["status"].isin(["required", "existing"])).groupby(
        ["site_id", "technology"], sort=False
    )
    prod = grp.agg(
        output=("output", "first"),
        n_sizes=("size", "size"),
        max_capacity=("capacity", "max"),
        forced=("_forced", "any"),
    ).reset_index()
    prod = prod.merge(
        data.technologies[["technology", "unit_cost", "kg_co2_per_unit"]], on="technology"
    )
    # site economics (issue 15): base + factor terms, candidate overrides, credits
    econ = pair_economics(
        prod, data.technologies, data.candidates, data.site_factors, data.technology_factors
    ).drop(columns="missing_price")
    prod = prod.drop(columns=["unit_cost", "kg_co2_per_unit"]).join(econ)
    prod["unit_cost"] = prod["base_unit_cost"] + prod["factor_unit_cost"]
    prod["kg_co2_per_unit"] = prod["base_kg_co2_per_unit"] + prod["factor_kg_co2_per_unit"]
    opts["group"] = grp.ngroup().to_numpy()
    # grp.ngroup numbers groups in order of first appearance, as does the agg above.
    dem = data.demand.reset_index(names="line")
    unmet = dem[dem["unmet_penalty"].notna()].reset_index(drop=True)
    sup = data.supply.reset_index(names="line")
    keys = Keys(data, lanes)
    avail = _availability(data, prod)
    if scenario.single_sourcing:
        assign = _assign_table(data, lanes, opts, dem, avail)
    else:
        assign = pd.DataFrame(columns=_ASSIGN_COLUMNS)
    return Tables(data, lanes, opts, prod, sup, dem, unmet, assign, avail, keys)


def _availability(data: HubData, prod: pd.DataFrame) -> pd.Series:
    """Upper bound on the units of each product that can exist per year (big-M source)."""
    a = data.supply.groupby("product")["capacity"].sum()
    a = a.add(prod.groupby("output")["max_capacity"].sum(), fill_value=0.0)
    co = byproduct_rows(data, prod)  # issue #11: co-products count too (a valid big-M)
    if len(co):
        made = co["quantity"].to_numpy(float) * prod["max_capacity"].to_numpy(float)[co["idx"]]
        a = a.add(pd.Series(made).groupby(co["product"].to_numpy()).sum(), fill_value=0.0)
    return a


def _assign_table(
    data: HubData, lanes: pd.DataFrame, opts: pd.DataFrame, dem: pd.DataFrame, avail: pd.Series
) -> pd.DataFrame:
    """One row per (demand row, inbound lane) with its derived big-M.

    Also sets ``dem["exact"]``: whether the demand row must be served by exactly one
    source (no unmet penalty, and no local supply or production of the product unless
    the row is ``textbook``); ``dem["textbook"]``: the row is served by exactly one
    source, the local plant/supply or one inbound lane, whose flow serves only this row
    (big-M = demand); ``dem["local"]``: a textbook row with a local source, which gets
    an ``assign_local`` column (see :func:`hubopt.model.families.add_single_sourcing`).
    """
    a = dem.reset_index(names="d")[["d", "site_id", "product", "quantity"]].merge(
        lanes.reset_index(names="lane")[["lane", "destination", "product"]],
        left_on=["site_id", "product"],
        right_on=["destination", "product"],
    )
    local = pd.MultiIndex.from_frame(
        pd.concat(
            [
                data.supply[["site_id", "product"]],
                opts[["site_id", "output"]].set_axis(["site_id", "product"], axis=1),
            ]
        )
    )
    consumes = opts.merge(data.recipes, on="technology")[["site_id", "input"]]
    forwards = lanes[["origin", "product"]].set_axis(["site_id", "input"], axis=1)
    nonsink = pd.MultiIndex.from_frame(pd.concat([consumes, forwards]))
    key = pd.MultiIndex.from_frame(a[["site_id", "product"]])
    sink = ~key.isin(nonsink)
    dkey = pd.MultiIndex.from_frame(dem[["site_id", "product"]])
    # Textbook single sourcing (issue 11 item 7): a demand row whose site does not consume
    # the product, is the only demand row of its (site, product) and does not merely
    # forward it (outbound lanes without any local source) is served by exactly one
    # source, the local plant/supply or one inbound lane; inbound flow serves only it.
    consumed = pd.MultiIndex.from_frame(consumes.set_axis(["site_id", "product"], axis=1))
    fwd = pd.MultiIndex.from_frame(forwards.set_axis(["site_id", "product"], axis=1))
    is_local = dkey.isin(local)
    textbook = ~dkey.isin(consumed) & ~dkey.duplicated(keep=False) & (~dkey.isin(fwd) | is_local)
    dem["textbook"] = textbook
    dem["local"] = textbook & is_local
    tb_key = key.isin(dkey[textbook])
    a["big_m"] = np.where(
        sink | tb_key, a["quantity"], avail.reindex(a["product"]).fillna(0.0).to_numpy()
    )
    dem["exact"] = (dem["unmet_penalty"].isna() & (~is_local | textbook)).to_numpy()
    return a[_ASSIGN_COLUMNS]


def byproduct_rows(data: HubData, table: pd.DataFrame) -> pd.DataFrame:
    """Co-products (issue #11) of each row of ``table`` (``site_id``, ``technology``).

    Returns ``idx`` (row of ``table``), ``site_id``, ``product`` and ``quantity`` (units
    of the by-product per unit of the technology's main output); empty without
    ``byproducts.csv``.
    """
    cols = ["idx", "site_id", "product", "quantity"]
    byp = data.byproducts
    if byp is None or byp.empty or table.empty:
        return pd.DataFrame({c: pd.Series(dtype=float if c == "quantity" else object)
                             for c in cols}).astype({"idx": np.int64})  # fmt: skip
    rows = table[["site_id", "technology"]].reset_index(drop=True).reset_index(names="idx")
    return rows.merge(byp, on="technology")[cols]
