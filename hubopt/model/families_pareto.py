r"""Pareto's on-request families: a CO2 cap row and the CO2 objective.

Used by :mod:`hubopt.studies.pareto` through ``build_model(..., extra={"co2_cap":
{"cap_t": cap}, "co2_objective": {}})``; units t CO2/yr (inputs in kg/unit).
"""

from __future__ import annotations

import numpy as np

from hubopt.model.families import Context, co2_row, co2_terms, family

__all__: list[str] = []


@family(applies=None)
def add_co2_cap(ctx: Context) -> None:
    r"""``co2_cap`` (on request): :math:`E \le` ``params["cap_t"]`` (t CO2/yr).

    Pareto's ε-constraint; a row of its own (named ``pareto_co2_cap``), next to any
    ``max_emissions`` of the scenario.
    """
    cols, vals = co2_row(ctx.b, ctx.t)
    ctx.b.add_rows(
        "pareto_co2_cap", np.zeros(len(cols), dtype=int), cols, vals,
        [-np.inf], [float(ctx.params["cap_t"])],
        source="kg_co2_per_unit (technologies, supply, modes)", rhs_source="pareto cap",
    )  # fmt: skip


@family(applies=None)
def add_co2_objective(ctx: Context) -> None:
    r"""``co2_objective`` (on request): minimise :math:`E` (t CO2/yr) instead of cost."""
    b = ctx.b
    for fam, e in co2_terms(ctx.t):
        b.add_cost(f"co2_{fam}", fam, np.arange(len(e)), e / 1000.0, objective="co2")
    b.select_objective("co2")
