"""Explain an infeasible scenario: an elastic re-solve with penalised slack.

When no plan meets every constraint, :func:`diagnose` rebuilds the model with the
elastic families of :mod:`hubopt.model.elastic` (so the re-solve takes the array
hand-off like any other) and lets each hard limit bend, at a price: firm demand may go
short, supply and production capacity may be exceeded, must-take supply may be left
unbought, minimum utilisation missed and lane capacities exceeded
(:mod:`hubopt.diagnose_network`), and the scenario constraints (CO2 cap, hub limits,
new-hub counts) may be violated.
Minimising the total *relative* violation finds the smallest set of changes that would
make the scenario feasible, and each non-zero slack becomes one plain-language finding.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from hubopt.diagnose_network import network_findings
from hubopt.inputs.fields import relaxable_fields
from hubopt.inputs.scenario import SolveOptions
from hubopt.model.build import HubModel, build_model
from hubopt.model.elastic import TOL as _TOL
from hubopt.solve import SolveResult, solve_model

__all__ = ["Diagnosis", "diagnose"]


@dataclass(frozen=True)
class Diagnosis:
    """What would have to give for the scenario to become feasible.

    Attributes
    ----------
    findings : DataFrame
        One row per violated limit: ``kind`` (demand, supply, capacity, scenario,
        unreachable), ``where`` (site / product / technology or constraint name),
        ``limit``, ``needed``, ``shortfall`` and ``message`` in plain words.
    result : SolveResult or None
        The elastic solve (``None`` when the reasons were found without solving).
    """

    findings: pd.DataFrame
    result: SolveResult | None

    def messages(self) -> list[str]:
        """Return the findings as sentences."""
        return list(self.findings["message"])


def _frame(rows: list[dict]) -> pd.DataFrame:
    cols = ["kind", "where", "limit", "needed", "shortfall", "message"]
    return pd.DataFrame(rows, columns=cols)


def diagnose(
    hub: HubModel, options: SolveOptions | None = None, *, extra: dict | None = None
) -> Diagnosis:
    """Find the smallest relaxation that makes an infeasible scenario feasible.

    Two phases. First only the scenario constraints (CO2 cap, hub limits) may bend: if
    that suffices, they are the cause and the findings say by how much each must move.
    Otherwise the physical limits may bend too (firm demand short, supply and
    production capacity exceeded), weighted by their relative size.

    Parameters
    ----------
    hub : HubModel
        The infeasible model (it is not modified: fresh copies are built).
    options : SolveOptions, optional
        Solver settings for the elastic solves (default: the scenario's, with a relative
        gap of 1e-4 and at most 120 s each).
    extra : dict, optional
        On-request families the infeasible model was built with (``build_model(...,
        extra=...)``, e.g. rank's ``require_new_at_site``); the elastic copies keep them
        as hard rows.

    Returns
    -------
    Diagnosis
        Plain-language findings, largest relative violation first.
    """
    rows: list[dict] = [
        {"kind": "unreachable", "where": "", "limit": np.nan, "needed": np.nan,
         "shortfall": np.nan, "message": reason}
        for reason in hub.infeasible_reasons
    ]  # fmt: skip
    if rows:
        return Diagnosis(_frame(rows), None)
    base = options or hub.scenario.solver
    limit = 120.0 if base.time_limit_s is None else min(base.time_limit_s, 120.0)
    opts = replace(base, mip_rel_gap=1e-4, time_limit_s=limit, log_to_console=False)
    sc = hub.scenario
    has_scenario = any(_is_set(getattr(sc, f.name, None)) for f in relaxable_fields())
    if has_scenario:
        found, result = _elastic(hub, opts, physical=False, extra=extra)
        if result.has_solution:
            return Diagnosis(found, result)
    found, result = _elastic(hub, opts, physical=True, extra=extra)
    if not result.has_solution:
        msg = (
            "even with every limit relaxed no plan exists: check that each demanded product "
            "can be reached by some lane from a supply or a candidate hub"
        )
        rows.append({"kind": "structure", "where": "", "limit": np.nan, "needed": np.nan,
                     "shortfall": np.nan, "message": msg})  # fmt: skip
        return Diagnosis(_frame(rows), result)
    return Diagnosis(found, result)


def _is_set(value: object) -> bool:
    """Tell whether a scenario limit is set (not ``None``, not an empty table)."""
    return value is not None and value != {} and value is not False


def _elastic(
    hub: HubModel, opts: SolveOptions, physical: bool, extra: dict | None = None
) -> tuple[pd.DataFrame, SolveResult]:
    names = ["elastic_scenario"]
    if physical:
        names += ["elastic_demand", "elastic_supply", "elastic_capacity"]
        names += ["elastic_must_take", "elastic_min_utilisation", "elastic_lane_capacity"]
    fams = {**(extra or {}), **dict.fromkeys(names, {})}
    fresh = build_model(hub.data, hub.lanes, hub.scenario, extra=fams)
    m = fresh.model
    scen = fresh.labels["elastic_scenario"]
    result = solve_model(fresh, opts)
    rows: list[dict] = []
    if not result.has_solution:
        return _frame(rows), result
    if physical:
        rows += _physical_findings(m, fresh.labels["elastic_short"], fresh.supply, fresh.production)
        rows += network_findings(m, fresh.labels)  # issue #11
    words = {f.relax.constraint: f.relax for f in relaxable_fields()}
    for name, (row_ids, bounds) in scen.items():
        relax = words[name]
        names = fresh.labels.get(f"{name}_rows")
        for i, (r, bound) in enumerate(zip(row_ids.tolist(), bounds.tolist(), strict=True)):
            v = getattr(m, f"elastic_{name}")[i].value or 0.0
            if v <= _TOL * max(1.0, abs(bound)):
                continue
            need = bound - relax.sign * v
            label = relax.label if names is None else f"{relax.label} [{names[r]}]"
            where = name if names is None else f"{name}[{names[r]}]"
            rows.append({
                "kind": "scenario", "where": where, "limit": bound, "needed": need,
                "shortfall": v,
                "message": f"{label} = {bound:,.4g} cannot hold: the data need at "
                f"{'least' if relax.sign < 0 else 'most'} {need:,.4g} {relax.unit}",
            })  # fmt: skip
    f = _frame(rows)
    if not f.empty:
        f = f.assign(_rel=f["shortfall"] / f["limit"].abs().clip(lower=1.0))
        f = f.sort_values("_rel", ascending=False, kind="stable").drop(columns="_rel")
    return f.reset_index(drop=True), result


def _physical_findings(m, short_rows, sup, prod) -> list[dict]:
    rows = []
    for i, r in enumerate(short_rows.itertuples()):
        v = m.elastic_short[i].value or 0.0
        if v > _TOL * max(1.0, r.quantity):
            rows.append({
                "kind": "demand", "where": f"{r.site_id} / {r.product}", "limit": r.quantity,
                "needed": r.quantity, "shortfall": v,
                "message": f"demand for '{r.product}' at {r.site_id} cannot be fully served: "
                f"{v:,.4g} of {r.quantity:,.4g} per year is short ({v / r.quantity:.0%})",
            })  # fmt: skip
    for i, r in enumerate(sup.itertuples()):
        v = m.elastic_supply[i].value or 0.0
        if v > _TOL * max(1.0, r.capacity):
            rows.append({
                "kind": "supply", "where": f"{r.site_id} / {r.product}", "limit": r.capacity,
                "needed": r.capacity + v, "shortfall": v,
                "message": f"supply of '{r.product}' at {r.site_id} binds: it would need "
                f"{r.capacity + v:,.4g} per year but its capacity is {r.capacity:,.4g}",
            })  # fmt: skip
    for j, r in enumerate(prod.itertuples()):
        v = m.elastic_capacity[j].value or 0.0
        if v > _TOL * max(1.0, r.max_capacity):
            rows.append({
                "kind": "capacity", "where": f"{r.site_id} / {r.technology}",
                "limit": r.max_capacity, "needed": np.nan, "shortfall": v,
                "message": f"production capacity of '{r.technology}' at {r.site_id} binds: "
                f"{v:,.4g} per year more than an open size allows would be needed",
            })  # fmt: skip
    return rows
