r"""Lane pricing: solve on a reduced lane set, and prove that no omitted lane matters.

The generated lane table holds every holder → user pair of a product in every mode
(:func:`hubopt.lanes.build_lanes`); on the national data that is ~700 k lanes, of which a
plan uses a few hundred. :func:`solve_with_pricing` solves the same question on a reduced
set and adds back, with a proof, every lane that could improve the plan:

1. **Start set** (:func:`initial_lanes`): drop lanes dominated by another mode of the
   same (origin, destination, product) (no more costly *and* no more CO2-emitting), then
   keep the ``K`` cheapest origins per (destination, product).
2. **Root pricing**: solve the LP relaxation on the set, price every omitted lane with its
   row duals and add the ``PER_ROUND`` most negative per (destination, product), until none
   is left or after ``ROOT_ROUNDS`` rounds (only then is the set complete for the LP
   relaxation; this step only speeds the search, the proof is step 4).
3. **MILP** on the set (:func:`hubopt.solve.solve_model`).
4. **Fixed-hub pricing** (the proof): solve the LP with the chosen hubs fixed
   (:func:`hubopt.solve.solve_lp_fixed`, ``link`` rows relaxed: with ``open`` integer
   they are implied by the balance rows), price every omitted lane

   .. math::

       \bar c_l = c_l + \lambda e_l/1000 - y_{d(l),p(l)} + y_{o(l),p(l)}
       - \mu\,e_l/1000 \qquad (\text{money per unit})

   with :math:`y` the balance-row duals and :math:`\mu \le 0` the dual of a
   ``max_emissions`` row, add every lane with :math:`\bar c_l < 0` and solve again,
   until none is left. The omitted lanes' columns then have non-negative reduced cost
   against an optimal dual of the LP on the set, so the plan's flows are optimal for its
   hub set over **all** lanes. If lanes were added here, the MILP is solved again on the
   enlarged set (at most ``MILP_ROUNDS`` times).

The reported MILP bound and gap are those of the MILP on its lane set: not a bound for the
question over all lanes. Off by default (``[solver] lane_pricing``): on the v2 default data
it cuts memory and model size but finds a dearer plan than the full model in the same time
(``docs/performance.md``). Pricing
applies only when ``ship`` columns sit in no rows but ``balance``, ``link`` and
``max_emissions`` (not with single sourcing or on-request families); otherwise the
full lane set is solved as before.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from hubopt.inputs.load import HubData
from hubopt.inputs.scenario import Scenario
from hubopt.model.build import HubModel, build_model
from hubopt.solve import SolveResult, solve_lp_fixed, solve_model

__all__ = [
    "PricingStats",
    "initial_lanes",
    "nondominated",
    "reduced_costs",
    "solve_with_pricing",
]

DEFAULT_K = 5
"""Cheapest origins kept per (destination, product) in the start set."""
ROOT_ROUNDS = 8
"""Rounds of LP-relaxation pricing before the MILP."""
MILP_ROUNDS = 3
"""MILP solves at most (a new one only when fixed-hub pricing added lanes)."""
MILP_TIME_SHARE = 0.5
"""Another MILP round starts only while less than this share of the time limit is spent."""
PER_ROUND = 10
"""Most negative lanes added per (destination, product) in one root round."""
TOL = 1e-6
"""Reduced cost below ``-TOL × (1 + |c_l| + |y_o| + |y_d|)`` counts as negative."""
PRICED_FAMILIES = frozenset({"balance", "link", "max_emissions"})
RELAX = ("link",)
"""Rows left out of the fixed-hub LP: implied by the balance rows once ``open`` is fixed
(the reduced set's own ``link`` rows may be tighter than the full set's, as a site may look
like a pure sink or a made-only origin only because lanes are omitted)."""


@dataclass
class PricingStats:
    """What pricing did (``summary.json`` → ``model.lane_pricing``).

    Attributes
    ----------
    lanes_full, lanes_start, lanes_final : int
        Lanes generated, in the start set, in the final model.
    dominated : int
        Lanes dropped as dominated by another mode of the same (o, d, p).
    root_rounds, root_added : int
        LP-relaxation pricing rounds and lanes they added.
    milp_rounds : int
        MILP solves.
    fixed_rounds, fixed_added : int
        Fixed-hub pricing rounds and the lanes they added.
    proven : bool
        Whether the final fixed-hub LP priced out every omitted lane.
    seconds : dict
        Wall seconds of ``root``, ``milp``, ``fixed``.
    """

    lanes_full: int = 0
    lanes_start: int = 0
    lanes_final: int = 0
    dominated: int = 0
    root_rounds: int = 0
    root_added: int = 0
    milp_rounds: int = 0
    fixed_rounds: int = 0
    fixed_added: int = 0
    proven: bool = False
    seconds: dict = field(default_factory=dict)


def _effective_cost(lanes: pd.DataFrame, scenario: Scenario) -> np.ndarray:
    """Objective coefficient of each lane (money/unit), carbon price included."""
    c = lanes["cost_per_unit"].to_numpy(float)
    if scenario.carbon_price:
        c = c + scenario.carbon_price * lanes["kg_co2_per_unit"].to_numpy(float) / 1000.0
    return c


def nondominated(lanes: pd.DataFrame, scenario: Scenario) -> np.ndarray:
    r"""Mask of lanes not dominated by another mode of the same (o, d, p).

    Lane *l* is dominated by *m* (same origin, destination, product) when
    :math:`c_m \le c_l` and :math:`e_m \le e_l`, ties broken by lane order, so exactly
    one of equal lanes is kept. Moving the flow of *l* to *m* keeps every balance and
    ``link`` row (a sum over modes) and costs and emits no more.
    """
    c = _effective_cost(lanes, scenario)
    e = lanes["kg_co2_per_unit"].to_numpy(float)
    grp = pd.MultiIndex.from_frame(lanes[["origin", "destination", "product"]]).factorize()[0]
    order = np.lexsort((np.arange(len(lanes)), e, c, grp))
    g, es = grp[order], e[order]
    # in (group, cost, CO2) order a lane is dominated iff some earlier lane of its group
    # emits no more: compare with the running minimum of CO2 within the group
    start = np.r_[True, g[1:] != g[:-1]]
    run_min = pd.Series(es).groupby(g).cummin().to_numpy()
    prev = np.r_[np.inf, run_min[:-1]]
    dominated = ~start & (prev <= es)
    keep = np.ones(len(lanes), dtype=bool)
    keep[order[dominated]] = False
    return keep


def initial_lanes(lanes: pd.DataFrame, scenario: Scenario, k: int = DEFAULT_K) -> np.ndarray:
    """Start set: positions of the non-dominated lanes of the ``k`` cheapest origins.

    For each (destination, product), the ``k`` origins with the cheapest non-dominated
    lane (objective coefficient, carbon price included) keep all their non-dominated
    lanes to that destination.
    """
    keep = nondominated(lanes, scenario)
    c = _effective_cost(lanes, scenario)
    nd = lanes[keep].assign(_c=c[keep], _pos=np.flatnonzero(keep))
    best = nd.groupby(["destination", "product", "origin"], sort=False)["_c"].min()
    best = best.reset_index().sort_values("_c", kind="stable")
    best["_rank"] = best.groupby(["destination", "product"], sort=False).cumcount()
    chosen = best[best["_rank"] < k][["destination", "product", "origin"]]
    pos = nd.merge(chosen, on=["destination", "product", "origin"])["_pos"].to_numpy()
    return np.sort(pos)


def _ship_rows_ok(hub: HubModel) -> bool:
    """Whether ``ship`` columns appear only in rows pricing knows how to price."""
    arr = hub.arrays
    if arr is None:
        return False
    cols = [i for i, v in enumerate(arr.columns) if v.parent_component().local_name == "ship"]
    rows = np.unique(arr.a.tocsc()[:, cols].tocoo().row) if cols else []
    names = {arr.rows[i].parent_component().local_name for i in np.asarray(rows).tolist()}
    return names <= PRICED_FAMILIES


def reduced_costs(
    hub: HubModel, duals: dict, lanes: pd.DataFrame, scenario: Scenario
) -> np.ndarray:
    """Reduced cost (money/unit) of each lane in ``lanes`` against ``duals`` of ``hub``.

    ``duals`` are the row duals of an LP of ``hub``
    (:attr:`hubopt.solve.LpSolution.duals`); a lane whose origin or destination has no
    balance row in ``hub`` gets ``-inf`` (always added). A ``link`` row dual is used
    when ``hub`` has a ``link`` row of the lane's (o, d, p).
    """
    bal = hub.balance
    y = np.zeros(len(bal))
    yb = duals.get("balance", np.zeros(0))
    y[: len(yb)] = yb
    idx = pd.MultiIndex.from_frame(bal[["site_id", "product"]])
    io = idx.get_indexer(pd.MultiIndex.from_arrays([lanes["origin"], lanes["product"]]))
    idd = idx.get_indexer(pd.MultiIndex.from_arrays([lanes["destination"], lanes["product"]]))
    rc = _effective_cost(lanes, scenario) - y[idd] + y[io]
    if "max_emissions" in duals:
        rc -= duals["max_emissions"][0] * lanes["kg_co2_per_unit"].to_numpy(float) / 1000.0
    if "link" in duals and len(duals["link"]):
        rc -= _link_duals(hub, duals["link"], lanes)
    rc[(io < 0) | (idd < 0)] = -np.inf
    # the scale the reduced cost is computed at (for the tolerance of _negative)
    lanes.attrs["_rc_scale"] = np.abs(y[idd]) + np.abs(y[io])
    return rc


def _link_duals(hub: HubModel, y_link: np.ndarray, lanes: pd.DataFrame) -> np.ndarray:
    """Dual of the ``link`` row of each lane's (o, d, p) in ``hub`` (0 where none)."""
    arr = hub.arrays
    fam = np.array([r.parent_component().local_name for r in arr.rows])
    link_rows = np.flatnonzero(fam == "link")
    sub = arr.a[link_rows].tocoo()
    col_fam = [arr.columns[j].parent_component().local_name for j in sub.col.tolist()]
    is_ship = np.array([f == "ship" for f in col_fam], dtype=bool)
    lane = np.array([arr.columns[j].index() for j in sub.col[is_ship].tolist()], dtype=int)
    row_idx = np.array([arr.rows[link_rows[i]].index() for i in sub.row[is_ship].tolist()])
    own = hub.lanes.iloc[lane][["origin", "destination", "product"]].assign(
        _y=y_link[row_idx] if len(row_idx) else []
    )
    own = own.drop_duplicates(["origin", "destination", "product"])
    got = lanes[["origin", "destination", "product"]].merge(
        own, on=["origin", "destination", "product"], how="left"
    )
    return got["_y"].fillna(0.0).to_numpy(float)


def _negative(rc: np.ndarray, lanes: pd.DataFrame, scenario: Scenario) -> np.ndarray:
    scale = 1.0 + np.abs(_effective_cost(lanes, scenario)) + lanes.attrs.get("_rc_scale", 0.0)
    return rc < -TOL * scale


def _subset(full: pd.DataFrame, pos: np.ndarray) -> pd.DataFrame:
    lanes = full.iloc[pos]  # keeps the full table's lane_id
    lanes.index.name = "lane_id"
    return lanes


def solve_with_pricing(
    data: HubData,
    full: pd.DataFrame,
    scenario: Scenario,
    *,
    k: int = DEFAULT_K,
    root_rounds: int = ROOT_ROUNDS,
    progress=None,
    say=None,
) -> tuple[HubModel, SolveResult, PricingStats] | None:
    """Solve ``scenario`` on a priced lane set (see the module docstring).

    Parameters
    ----------
    data : HubData
        The package.
    full : DataFrame
        Every lane (:func:`hubopt.lanes.build_lanes`).
    scenario : Scenario
        What to solve; ``scenario.solver`` gives the HiGHS options.
    k : int
        Cheapest origins per (destination, product) in the start set.
    root_rounds : int
        Most LP-relaxation pricing rounds (0: straight to the MILP).
    progress, say : callable, optional
        Passed to :func:`hubopt.solve.solve_model`; called with a short description of
        each step.

    Returns
    -------
    (HubModel, SolveResult, PricingStats) or None
        ``None`` when pricing does not apply (the caller solves the full set).
    """
    say = say or (lambda _s: None)
    t_start = time.perf_counter()
    st = PricingStats(lanes_full=len(full))
    keep = nondominated(full, scenario)
    st.dominated = int((~keep).sum())
    in_set = np.zeros(len(full), dtype=bool)
    in_set[initial_lanes(full, scenario, k)] = True
    st.lanes_start = int(in_set.sum())
    opts = scenario.solver
    threads = int(opts.threads)
    hub = build_model(data, _subset(full, np.flatnonzero(in_set)), scenario)
    if hub.infeasible_reasons or not _ship_rows_ok(hub):
        return None
    # 2. root pricing on the LP relaxation
    t = time.perf_counter()
    for _ in range(root_rounds):
        lp = solve_lp_fixed(hub, None, threads=threads)
        if not lp.optimal:
            break
        st.root_rounds += 1
        out = np.flatnonzero(~in_set & keep)
        sub = full.iloc[out]
        rc = reduced_costs(hub, lp.duals, sub, scenario)
        neg = _negative(rc, sub, scenario)
        if not neg.any():
            break
        cand = full.iloc[out[neg]][["destination", "product"]].assign(_rc=rc[neg], _p=out[neg])
        cand = cand.sort_values("_rc", kind="stable")
        cand = cand[cand.groupby(["destination", "product"], sort=False).cumcount() < PER_ROUND]
        in_set[cand["_p"].to_numpy()] = True
        st.root_added += len(cand)
        say(f"root pricing: +{len(cand):,} lanes")
        hub = build_model(data, _subset(full, np.flatnonzero(in_set)), scenario)
    st.seconds["root"] = time.perf_counter() - t
    st.seconds["milp"] = st.seconds["fixed"] = 0.0
    best = None  # (hub, result, lanes in the set) of the best proven round
    while True:
        st.milp_rounds += 1
        t = time.perf_counter()
        left = opts.time_limit_s
        if left is not None:
            left = max(1.0, left - (time.perf_counter() - t_start))
        say(f"solving with HiGHS ({int(in_set.sum()):,} of {len(full):,} lanes)")
        result = solve_model(hub, replace(opts, time_limit_s=left), progress=progress)
        st.seconds["milp"] += time.perf_counter() - t
        if not result.has_solution:
            break
        t = time.perf_counter()
        open_values = np.array([v.value or 0.0 for v in hub.model.open.values()])
        added_here, proven = 0, False
        while True:
            lp = solve_lp_fixed(hub, open_values, threads=threads, relax=RELAX)
            st.fixed_rounds += 1
            if not lp.optimal:
                break
            out = np.flatnonzero(~in_set)
            sub = full.iloc[out]
            rc = reduced_costs(hub, lp.duals, sub, scenario)
            neg = _negative(rc, sub, scenario)
            if not neg.any():
                # the fixed-hub LP's flows: optimal for these hubs over every lane
                lp = solve_lp_fixed(hub, open_values, threads=threads, load=True, relax=RELAX)
                proven = lp.optimal
                result = _with_objective(result, lp.objective) if proven else result
                break
            in_set[out[neg]] = True
            added_here += int(neg.sum())
            say(f"fixed-hub pricing: +{int(neg.sum()):,} lanes")
            hub = build_model(data, _subset(full, np.flatnonzero(in_set)), scenario)
        st.fixed_added += added_here
        st.seconds["fixed"] += time.perf_counter() - t
        if proven and (best is None or result.objective <= best[1].objective):
            best = (hub, result, int(in_set.sum()), open_values)
        spent = time.perf_counter() - t_start
        time_ok = opts.time_limit_s is None or spent < MILP_TIME_SHARE * opts.time_limit_s
        if added_here == 0 or st.milp_rounds >= MILP_ROUNDS or not proven or not time_ok:
            break
    st.proven = best is not None
    if best is not None:
        hub, result, st.lanes_final, open_values = best
        solve_lp_fixed(hub, open_values, threads=threads, load=True, relax=RELAX)
    else:
        st.lanes_final = int(in_set.sum())
    stats = {**(result.stats or {}), "lane_pricing": st.__dict__ | {"k": k}}
    return hub, replace(result, stats=stats), st


def _with_objective(result: SolveResult, objective: float) -> SolveResult:
    """Return the result with the fixed-hub LP's objective (at most the incumbent's).

    The plan then holds the fixed-hub LP's flows (loaded by ``solve_lp_fixed``).
    """
    if result.objective is None:
        return result
    # the gap stays the MILP's own (over its lane set): the LP's flows use more lanes
    return replace(result, objective=objective)
