r"""On-request family of ``hubopt rank``: a new hub at one chosen site.

Registered in :data:`hubopt.model.families.FAMILIES` like every other family (imported
once by :mod:`hubopt.model.build`); used as
``build_model(data, lanes, scenario, extra={"require_new_at_site": {"site_id": "S",
"technologies": ["cell_plant"]}})`` so that every rank solve takes the array hand-off.
"""

from __future__ import annotations

import numpy as np

from hubopt.model.families import Context, family

__all__ = ["new_options_at"]


def new_options_at(options, site_id: str, technologies=None) -> np.ndarray:
    """Return the ``open`` indices of the *new* options (status ``candidate``) at a site.

    Parameters
    ----------
    options : DataFrame
        The option label table (``HubModel.options`` / ``Tables.options``).
    site_id : str
        The site.
    technologies : sequence of str, optional
        Only options of these technologies count (default: every technology).
    """
    status = options["status"] if "status" in options else "candidate"
    mask = (options["site_id"] == site_id) & (status == "candidate")
    if technologies:
        mask &= options["technology"].isin(list(technologies))
    return np.flatnonzero(mask.to_numpy(bool))


@family(applies=None)
def add_require_new_at_site(ctx: Context) -> None:
    r"""``require_new_at_site`` (on request): :math:`\sum_{k \in N_s} open_k \ge 1`.

    :math:`N_s` is the set of options at site ``params["site_id"]`` whose ``status`` is
    ``candidate`` (new builds; existing and required plants do not count), restricted to
    ``params["technologies"]`` when given. Dimensionless (a count of options opened).
    One row, named ``require_new_at_site``. When :math:`N_s` is empty the row cannot
    hold: a plain-language reason is recorded and the model is reported infeasible
    without calling HiGHS.
    """
    site = str(ctx.params["site_id"])
    techs = ctx.params.get("technologies") or None
    k = new_options_at(ctx.t.options, site, techs)
    ctx.b.add_rows(
        "require_new_at_site", np.zeros(len(k), dtype=int), ctx.b.col("open", k),
        np.ones(len(k)), [1.0], [np.inf], rhs_source="rank site",
    )  # fmt: skip
    if len(k) == 0:
        which = f" of technology {', '.join(techs)}" if techs else ""
        ctx.reasons.append(f"site {site} offers no new option{which} (status candidate)")
