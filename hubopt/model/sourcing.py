r"""Textbook single sourcing at co-located sites (issue 11 item 7) and its linking rows.

With ``single_sourcing`` every demand row is served from exactly one source. For a
*textbook* row (its site does not consume the product, it is the only demand row of its
(site, product), and the site does not merely forward the product; see
:func:`hubopt.model.tables.make_tables`) the sources are the inbound lanes and, where the
site has supply or a candidate making the product, the *local* source with its own
binary ``assign_local[d]``:

.. math::

    \sum_{l\in in(d)} assign_{dl} + assign^{loc}_d &= 1 \quad(\le 1 \text{ with an
    unmet penalty})\\
    ship_l &\le D_d\, assign_{dl} \quad (= \text{ at must-serve rows})\\
    D_d - unmet_d - \sum_{l\in in(d)} ship_l &\le D_d\, assign^{loc}_d
    \quad\text{(local use)}\\
    assign^{loc}_d &\le \sum_{k\ \text{making}\ p\ \text{at}\ s} open_k
    \quad\text{(no local supply)}

Units: units of the product per year. Local use is the demand served by the site
itself (the balance gives it as demand − unmet − inbound flow); the inbound flow serves
only the row, so nothing is forwarded through a single-sourced demand site.

:data:`settings` switches the speed-ups measured in issue 17 (for benchmarks only).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from hubopt.model.tables import Tables

__all__ = ["Settings", "add_local_source", "colocated_link_ok", "settings"]


@dataclass
class Settings:
    """Formulation switches (defaults measured to help; see ``docs/performance.md``).

    Attributes
    ----------
    link_colocated : bool
        Strong ``link`` rows at co-located single-sourced sites.
    equal_linking : bool
        ``ship = D·assign`` (equality) at must-serve textbook rows.
    """

    link_colocated: bool = True
    equal_linking: bool = True


settings = Settings()
"""The switches in use (module-level; benchmarks flip them to measure)."""


def colocated_link_ok(t: Tables, lane_in, lane_out, supplied, dem_key) -> np.ndarray:
    """Lanes whose ``link`` row is valid by textbook single sourcing.

    The destination's inbound flow is at most its demand (one source, big-M = demand);
    an origin without supply whose only demand row is must-serve and textbook receives
    at most its own demand, so when closed it ships nothing on. Keys are
    ``site * n_products + product`` per lane (``lane_in``: destination, ``lane_out``:
    origin).
    """
    dem, keys = t.demand, t.keys
    tb = dem["textbook"].to_numpy(bool)
    exact_key = dem_key[tb & dem["exact"].to_numpy(bool)]
    dest_ok = np.isin(lane_in, dem_key[tb])
    made = np.isin(lane_out, keys.key(t.options["site_id"], t.options["output"]))
    origin_ok = ~np.isin(lane_out, supplied) & (
        np.isin(lane_out, exact_key) | ~np.isin(lane_out, lane_in)
    )
    return dest_ok & made & origin_ok


def add_local_source(ctx: Any) -> None:
    """Add ``assign_local`` columns and the ``local_use`` / ``local_open`` rows.

    ``ctx`` is the :class:`hubopt.model.families.Context` of
    :func:`hubopt.model.families.add_single_sourcing`, which calls this after
    ``assign_once`` (not imported here: families imports this module); see the module
    docstring for the rows.
    """
    b, t = ctx.b, ctx.t
    dem = t.demand
    if "local" not in dem:
        return
    loc = np.flatnonzero(dem["local"].to_numpy(bool))
    n = len(loc)
    if n == 0:
        return
    b.add_columns("assign_local", n, binary=True)
    cl = b.col("assign_local", np.arange(n))
    if "assign_once" in b.blocks:
        b.add_terms("assign_once", loc, cl, np.ones(n))
    else:
        lower = np.where(dem["exact"].to_numpy(bool), 1.0, -np.inf)
        b.add_rows("assign_once", loc, cl, np.ones(n), lower, np.ones(len(dem)))
    qty = dem["quantity"].to_numpy(float)[loc]
    pos = np.full(len(dem), -1)
    pos[loc] = np.arange(n)
    a = t.assign
    sel = pos[a["d"].to_numpy(int)] >= 0 if len(a) else np.zeros(0, bool)
    un_pos = pos[dem.reset_index().set_index("line").loc[t.unmet["line"], "index"].to_numpy(int)]
    un_sel = np.flatnonzero(un_pos >= 0)
    row = np.concatenate([pos[a["d"].to_numpy(int)[sel]], un_pos[un_sel], np.arange(n)])
    col = np.concatenate([b.col("ship", a["lane"].to_numpy(int)[sel]), b.col("unmet", un_sel), cl])
    coef = np.concatenate([np.ones(int(sel.sum()) + len(un_sel)), qty])
    b.add_rows(
        "local_use", row, col, coef, qty, np.full(n, np.inf),
        source="demand.quantity", rhs_source="demand.quantity",
    )  # fmt: skip
    # local_open: assign_local <= sum of open options making the product at the site
    keys, opts = t.keys, t.options
    dkey = keys.key(dem["site_id"].iloc[loc], dem["product"].iloc[loc])
    no_supply = ~np.isin(dkey, keys.key(t.supply["site_id"], t.supply["product"]))
    lo = np.flatnonzero(no_supply)
    if len(lo) == 0:
        return
    okey = keys.key(opts["site_id"], opts["output"])
    rmap = {k: i for i, k in enumerate(dkey[lo])}
    k_sel = np.flatnonzero(np.isin(okey, dkey[lo]))
    row = np.concatenate([np.arange(len(lo)), [rmap[k] for k in okey[k_sel]]])
    col = np.concatenate([cl[lo], b.col("open", k_sel)])
    coef = np.concatenate([np.ones(len(lo)), -np.ones(len(k_sel))])
    b.add_rows("local_open", row, col, coef, np.full(len(lo), -np.inf), np.zeros(len(lo)))
