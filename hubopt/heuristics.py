"""A starting plan from the LP relaxation: round it up, then improve it by local search.

:func:`hubopt.solve.solve_model` runs this before the MIP when ``[solver]
start_heuristic = true``. The MIP of a large question can spend its whole time limit in
the root node (on the 2030 default data HiGHS's root cut loop alone outlasts 300 s; see
``docs/performance.md``), so the plan it ends with is whatever its root heuristics found.
This stage gives it a good plan to start from, and a bound, at the price of LP solves:

1. **LP relaxation.** Its objective is a valid lower bound on every plan (kept as the
   result's bound when the MIP's own bound is weaker).
2. **Round up** (:func:`round_up`): every (site, technology) the LP produces at gets its
   cheapest size that holds the LP's production; forced pairs keep a size. Each
   pair's LP flows still fit, so the plan is feasible unless a count or minimum
   utilisation row says no (the local search then starts from the first feasible move).
3. **Local search** (:func:`local_search`): first-improvement over moves that close a
   hub, merge it into another hub of the same technology (grown to its largest size),
   resize it, or open a pair the LP used; each move is priced by the LP with the
   ``open`` columns fixed, re-solved warm from the previous basis (about a second on
   the default data, against ~14 s cold). It stops at a local optimum or its deadline.

The module holds no solver: :mod:`hubopt.solve` (the only HiGHS module) passes an
``evaluate(values) -> objective or None`` callable. It applies only when the ``open``
columns are the model's only integer columns (single sourcing and budgeted grants add
other binaries the fixed-hub LP would relax).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["HeuristicStats", "OptionTable", "local_search", "round_up"]

IMPROVE = 1e-9
"""Relative improvement below which a move is not taken (rounding noise of the LP)."""


@dataclass(frozen=True)
class OptionTable:
    """What the heuristic needs to know of the ``open`` columns, one entry per option.

    Attributes
    ----------
    group : ndarray of int
        The (site, technology) pair of each option (at most one open per pair).
    technology : ndarray of str
        Its technology (merges stay within one).
    capacity, fixed_cost : ndarray of float
        Units/yr and money/yr (package money unit).
    lower : ndarray of float
        1 where the option must be open (a forced single option), else 0.
    forced : ndarray of bool
        Per pair: one of its sizes must be open (``required`` / ``existing``).
    """

    group: np.ndarray
    technology: np.ndarray
    capacity: np.ndarray
    fixed_cost: np.ndarray
    lower: np.ndarray
    forced: np.ndarray


@dataclass
class HeuristicStats:
    """What the start heuristic did (``summary.json`` → ``model.start_heuristic``).

    Objectives are in the package money unit per year; ``None`` where not reached.
    """

    applied: bool = False
    reason: str = ""
    lp_bound: float | None = None
    lp_seconds: float = 0.0
    rounded_objective: float | None = None
    objective: float | None = None
    evaluations: int = 0
    improvements: int = 0
    seconds: float = 0.0
    stopped: str = ""
    trajectory: list[tuple[float, float]] = field(default_factory=list)


def round_up(t: OptionTable, make: np.ndarray, tol: float = 1e-6) -> np.ndarray:
    """Return 0/1 per option: the cheapest size of each pair that holds ``make``.

    Parameters
    ----------
    t : OptionTable
        The options.
    make : ndarray
        LP production per option's pair (units/yr), i.e. ``make[group]``.
    tol : float
        Production below this is read as zero.

    Returns
    -------
    ndarray
        A plan: one size per pair with production above ``tol`` and per forced pair,
        none elsewhere. Where no size holds the production, the largest is taken.

    Examples
    --------
    >>> t = OptionTable(np.array([0, 0, 1]), np.array(["a", "a", "a"]),
    ...                 np.array([10.0, 20.0, 5.0]), np.array([3.0, 5.0, 2.0]),
    ...                 np.zeros(3), np.array([False, False]))
    >>> round_up(t, np.array([12.0, 12.0, 0.0])).tolist()
    [0.0, 1.0, 0.0]
    """
    out = np.zeros(len(t.group))
    df = pd.DataFrame({"g": t.group, "cap": t.capacity, "fc": t.fixed_cost, "m": make})
    df["k"] = np.arange(len(df))
    for g, sub in df.groupby("g", sort=False):
        fixed = sub.index[t.lower[sub["k"].to_numpy()] > 0.5]
        if len(fixed):
            out[fixed[0]] = 1.0
            continue
        m = float(sub["m"].iloc[0])
        if m <= tol and not t.forced[g]:
            continue
        fits = sub[sub["cap"] >= m - tol]
        pick = fits.sort_values("fc").index[0] if len(fits) else sub["cap"].idxmax()
        out[pick] = 1.0
    return out


def _moves(
    t: OptionTable, plan: np.ndarray, support: np.ndarray
) -> Iterator[tuple[tuple[int, int, int], np.ndarray]]:
    """Yield ``(key, plan)`` of neighbouring plans: closes, merges, resizes, then opens.

    ``key`` = (kind, option, other option) orders the moves; the search resumes after
    the key of its last improving move.
    """
    is_open = plan > 0.5
    movable = np.flatnonzero(is_open & (t.lower < 0.5))
    sizes = pd.Series(np.arange(len(t.group))).groupby(t.group).apply(np.asarray)
    # largest fixed cost first: the most money per move
    movable = movable[np.argsort(-t.fixed_cost[movable], kind="stable")]
    for k in movable:  # close a hub
        if not t.forced[t.group[k]]:
            new = plan.copy()
            new[k] = 0.0
            yield (0, int(k), -1), new
    for k in movable:  # merge k into another open hub of the technology, grown to its max
        if t.forced[t.group[k]]:
            continue
        for j in np.flatnonzero(is_open & (t.technology == t.technology[k])):
            if t.group[j] == t.group[k] or t.lower[j] > 0.5:
                continue
            alts = sizes[t.group[j]]
            big = alts[np.argmax(t.capacity[alts])]
            if t.capacity[big] <= t.capacity[j]:
                continue
            new = plan.copy()
            new[k], new[j], new[big] = 0.0, 0.0, 1.0
            yield (1, int(k), int(j)), new
    for k in movable:  # resize, smaller sizes first
        alts = [a for a in sizes[t.group[k]] if a != k]
        for a in sorted(alts, key=lambda a: t.capacity[a]):
            new = plan.copy()
            new[k], new[a] = 0.0, 1.0
            yield (2, int(k), int(a)), new
    open_groups = set(t.group[is_open].tolist())
    for g in dict.fromkeys(t.group[support].tolist()):  # open a pair the LP used
        if g in open_groups:
            continue
        for a in sorted(sizes[g], key=lambda a: t.fixed_cost[a]):
            new = plan.copy()
            new[a] = 1.0
            yield (3, int(g), int(a)), new


def local_search(
    t: OptionTable,
    start: np.ndarray,
    evaluate: Callable[[np.ndarray], float | None],
    support: np.ndarray,
    deadline: float,
    stats: HeuristicStats,
    on_improve: Callable[[float], None] | None = None,
) -> tuple[np.ndarray, float | None]:
    """Improve ``start`` by first-improvement local search until a local optimum or time.

    Parameters
    ----------
    t : OptionTable
        The options.
    start : ndarray
        0/1 per option.
    evaluate : callable
        Objective of the fixed-hub LP of a plan (money/yr), ``None`` if infeasible.
    support : ndarray of bool
        Options of pairs the LP relaxation used (candidates for opening).
    deadline : float
        ``time.perf_counter()`` value at which to stop.
    stats : HeuristicStats
        Filled in: evaluations, improvements, trajectory, why it stopped.
    on_improve : callable, optional
        Called with the objective of each better plan (e.g. to show progress).

    Returns
    -------
    tuple
        The best plan found and its objective (``None``: no feasible plan met).
    """
    t0 = time.perf_counter()
    best, best_obj = start.copy(), evaluate(start)
    stats.evaluations += 1
    stats.rounded_objective = best_obj
    if best_obj is None:  # the rounded plan breaks a count or utilisation row
        for _key, new in _moves(t, best, support):
            if time.perf_counter() > deadline:
                stats.stopped = "time"
                return best, None
            stats.evaluations += 1
            obj = evaluate(new)
            if obj is not None:
                best, best_obj = new, obj
                break
        else:
            stats.stopped = "no feasible neighbour of the rounded plan"
            return best, None
    stats.trajectory.append((time.perf_counter() - t0, best_obj))
    say = on_improve or (lambda _obj: None)
    say(best_obj)
    last: tuple = (-1, -1, -1)
    while True:
        moves = list(_moves(t, best, support))
        # resume after the last improving move, wrapping round: one full cycle without
        # an improvement is a local optimum
        first = next((i for i, (key, _p) in enumerate(moves) if key > last), 0)
        for key, new in moves[first:] + moves[:first]:
            if time.perf_counter() > deadline:
                stats.stopped = "time"
                return best, best_obj
            stats.evaluations += 1
            obj = evaluate(new)
            if obj is not None and obj < best_obj - IMPROVE * max(1.0, abs(best_obj)):
                best, best_obj, last = new, obj, key
                stats.improvements += 1
                stats.trajectory.append((time.perf_counter() - t0, obj))
                say(obj)
                break
        else:
            stats.stopped = "local optimum"
            return best, best_obj
