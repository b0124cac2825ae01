r"""The hub-siting MILP, built with Pyomo from label-indexed tables.

Formulation
-----------
Sets (each is a table; a variable's index is the row id of its table, and the table
holds the labels):

* :math:`K` options (site, technology, size) from ``candidates.csv``, forbidden ones removed;
* :math:`J` production pairs (site, technology) with at least one option; :math:`K_j`
  its options;
* :math:`R` supply rows (site, product); :math:`D` demand rows (site, product),
  :math:`D^u \subseteq D` those with an ``unmet_penalty``;
* :math:`L` lanes (origin, destination, mode, product), see :mod:`hubopt.lanes`;
* :math:`B` balance rows: every (site, product) touched by any of the above.

Variables (units per year):

=================  =======================  =====================================
``open[k]``        binary                   option *k* is built
``make[j]``        ≥ 0, ≤ max size          units of the technology's output made
``buy[r]``         0 ≤ buy ≤ capacity       units bought from supply row *r*
``ship[l]``        ≥ 0                      units carried on lane *l*
``unmet[d]``       0 ≤ unmet ≤ quantity     demand left unserved (d ∈ Dᵘ only)
``assign[a]``      binary                   single sourcing: lane serves demand row
``dispose[i]``     ≥ 0                      disposed/sold where ``disposal_cost`` set
=================  =======================  =====================================

Objective (money per year)

.. math::

    \min \sum_k f_k\,open_k + \sum_j c_j\,make_j + \sum_r c_r\,buy_r
    + \sum_l c_l\,ship_l + \sum_{d\in D^u} \pi_d\,unmet_d
    + \lambda \cdot E, \qquad
    E = \tfrac{1}{1000}\Big(\sum_j e_j make_j + \sum_r e_r buy_r + \sum_l e_l ship_l\Big)

with :math:`E` total CO2 in tonnes (inputs :math:`e` in kg/unit) and :math:`\lambda` the
carbon price (money per tonne). Each constraint family is one ``add_*`` function in
:mod:`hubopt.model.families` (on-request elastic ones in :mod:`hubopt.model.elastic`),
whose docstring states its algebra and units. Every big-M is derived from data.

Construction
------------
:func:`build_model` runs the pipeline of :mod:`hubopt.model`: label tables
(:mod:`~hubopt.model.tables`) → sparse rows of every registered constraint family
(:mod:`~hubopt.model.families`, via the Pyomo-free :mod:`~hubopt.model.rows`) → arrays
(the source of truth) → the Pyomo model made from them
(:mod:`~hubopt.model.pyomo_bridge`). :func:`hubopt.solve.solve_model` passes the arrays
to HiGHS directly while the Pyomo model is unchanged, and compiles the Pyomo model after
any change. See ``docs/model.md``, ``docs/performance.md`` and
``docs/adding_a_family.md``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd
import pyomo.environ as pyo

import hubopt.model.econ_families  # noqa: F401 - registers the site-economics families
import hubopt.model.elastic  # noqa: F401 - registers the elastic families
import hubopt.model.families_network  # noqa: F401 - issue #11 (imported by elastic first)
import hubopt.model.families_pareto  # noqa: F401 - pareto's CO2 cap and objective
import hubopt.model.families_rank  # noqa: F401 - registers rank's on-request family
from hubopt.errors import raise_if_errors
from hubopt.inputs.load import HubData
from hubopt.inputs.scenario import Scenario
from hubopt.inputs.schema import FILES
from hubopt.inputs.validate_scenario import scenario_issues
from hubopt.model.conditioning import conditioning
from hubopt.model.families import (
    FAMILIES,
    Context,
    add_core_columns,
    add_cost_objective,
    family_named,
)
from hubopt.model.pyomo_bridge import ModelArrays, materialise, paused_gc
from hubopt.model.rows import RowBuilder
from hubopt.model.tables import make_tables

__all__ = ["VARIABLE_FAMILIES", "HubModel", "build_model"]

VARIABLE_FAMILIES = ("open", "make", "buy", "ship", "unmet", "assign")
"""The core variable families, in column order; families may add more after them."""


@dataclass
class HubModel:
    """A built model and the label tables that give its variables meaning.

    Attributes
    ----------
    model : pyomo.environ.ConcreteModel
        The Pyomo model; it can be changed (e.g. extra constraints) before solving.
    data : HubData
        The data package the model was built from.
    lanes : DataFrame
        Lane table (index ``lane_id`` = index of ``ship``).
    scenario : Scenario
        Scenario constraints and settings.
    options, production, supply, demand, balance, assign : DataFrame
        Label tables: row *i* of each is the meaning of variable index *i* (``open``,
        ``make``, ``buy``, ``unmet`` for demand rows with a penalty, balance rows,
        ``assign``).
    infeasible_reasons : list of str
        Constraints that hold no variable and cannot be met (e.g. demand at a site no
        lane reaches). The model is infeasible if this is non-empty.
    stats : dict
        Sizes, families, objective, coefficient ranges and build time.
    arrays : ModelArrays or None
        The model as the sparse arrays HiGHS takes, from which the Pyomo model was
        made. :func:`hubopt.solve.solve_model` hands them to HiGHS directly while the
        Pyomo model is exactly as built
        (:func:`hubopt.model.pyomo_bridge.pristine_arrays`); after any change it
        compiles the Pyomo model instead.
    warnings : list of str
        Plain-language warnings found before solving (badly scaled data, naming the
        input columns responsible); empty when all is well.
    labels : dict
        Label tables of rows and columns added by families (``balance``, elastic
        slacks).
    variables : tuple of str
        Variable families in column order.
    """

    model: pyo.ConcreteModel
    data: HubData
    lanes: pd.DataFrame
    scenario: Scenario
    options: pd.DataFrame
    production: pd.DataFrame
    supply: pd.DataFrame
    demand: pd.DataFrame
    balance: pd.DataFrame
    assign: pd.DataFrame
    infeasible_reasons: list[str] = field(default_factory=list)
    stats: dict = field(default_factory=dict)
    arrays: ModelArrays | None = field(default=None, repr=False, compare=False)
    warnings: list[str] = field(default_factory=list)
    labels: dict = field(default_factory=dict, repr=False, compare=False)
    variables: tuple[str, ...] = VARIABLE_FAMILIES


def build_model(
    data: HubData,
    lanes: pd.DataFrame,
    scenario: Scenario,
    *,
    extra: Mapping[str, Mapping] | None = None,
) -> HubModel:
    """Build the model for one scenario: arrays first, the Pyomo model from them.

    Parameters
    ----------
    data : HubData
        A validated data package (:func:`hubopt.inputs.load.load_data`).
    lanes : DataFrame
        Lane table from :func:`hubopt.lanes.build_lanes`.
    scenario : Scenario
        Carbon price and scenario constraints; they decide which registered families
        apply (:data:`hubopt.model.families.FAMILIES`).
    extra : mapping, optional
        On-request families and their parameters, e.g.
        ``{"co2_cap": {"cap_t": 120.0}, "co2_objective": {}}`` (pareto) or
        ``{"elastic_scenario": {}}`` (diagnose). They are added in registry order.

    Returns
    -------
    HubModel
        The model with its label tables; solve it with :func:`hubopt.solve.solve_model`.

    Raises
    ------
    KeyError
        For an unknown family name in ``extra``.
    HubDataError
        If the scenario names a technology or product the package does not have
        (:func:`hubopt.inputs.validate_scenario.check_scenario_labels`).
    """
    t0 = time.perf_counter()
    found = scenario_issues(scenario, {n: data.table(n) for n in FILES})
    raise_if_errors(found)
    scenario_warnings = [i.message for i in found if i.severity == "warning"]
    extra = dict(extra or {})
    for name in extra:
        family_named(name)  # unknown names fail before any work
    with paused_gc():
        t = make_tables(data, lanes, scenario)
        b = RowBuilder()
        add_core_columns(b, t)
        add_cost_objective(b, t, scenario)
        ctx = Context(b, t, scenario)
        rows = {"production_capacity": 0, "size_choice": 0, "balance": 0, "link": 0}
        rows |= {"single_sourcing": 0, "scenario": 0}
        applied = []
        for fam in FAMILIES:
            wanted = fam.name in extra if fam.applies is None else fam.applies(scenario)
            if not wanted:
                continue
            ctx.params = dict(extra.get(fam.name, {}))
            before = sum(len(x.lower) for x in b.blocks.values())
            fam.add(ctx)
            added = sum(len(x.lower) for x in b.blocks.values()) - before
            rows[fam.stat] = rows.get(fam.stat, 0) + added
            applied.append(fam.name)
        asm = b.assemble()
        m, arrays = materialise(asm, f"hubopt:{scenario.name}")
        ranges, warnings = conditioning(asm, arrays)
        warnings = scenario_warnings + warnings
    stats = {
        "variables": asm.n,
        "binaries": len(t.options) + len(t.assign) + b.size("assign_local"),
        "lanes": len(lanes),
        "rows": rows,
        "families": applied,
        "objective": asm.objective,
        **ranges,
        "warnings": warnings,
        "build_seconds": time.perf_counter() - t0,
    }
    return HubModel(
        model=m,
        data=data,
        lanes=lanes,
        scenario=scenario,
        options=t.options,
        production=t.production,
        supply=t.supply,
        demand=t.demand,
        balance=ctx.labels["balance"],
        assign=t.assign,
        infeasible_reasons=ctx.reasons,
        stats=stats,
        arrays=arrays,
        warnings=warnings,
        labels=ctx.labels,
        variables=tuple(f.name for f in asm.columns),
    )
