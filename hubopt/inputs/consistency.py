"""Cross-file checks on what the model would make of the data: ids, recipe loops, sizes.

Like :mod:`hubopt.inputs.validate`, each ``check_*`` takes the typed tables and returns
a list of :class:`~hubopt.errors.Issue`; :data:`hubopt.inputs.validate.CHECKS` runs them.
"""

from __future__ import annotations

import math
import unicodedata

import numpy as np
import pandas as pd

from hubopt.errors import Issue

__all__ = [
    "check_forced_sizes",
    "check_recipe_loops",
    "check_similar_ids",
    "invisible_note",
]

Tables = dict[str, pd.DataFrame | None]

_ID_COLUMNS = [
    ("sites", "site_id", "site"),
    ("products", "product", "product"),
    ("technologies", "technology", "technology"),
    ("modes", "mode", "mode"),
]


def _invisible(ch: str) -> bool:
    return unicodedata.category(ch) in ("Cf", "Cc", "Zs", "Zl", "Zp") and ch != " "


def invisible_note(text: str) -> str:
    """Return `` (it contains an invisible character U+200B)`` or ``""``."""
    codes = sorted({f"U+{ord(c):04X}" for c in text if _invisible(c)})
    if not codes:
        return ""
    return f" (it contains the invisible character{'s' if len(codes) > 1 else ''} " + (
        ", ".join(codes) + ")"
    )


def _normal(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return "".join(c for c in text if not _invisible(c)).casefold().strip()


def check_similar_ids(tables: Tables) -> list[Issue]:
    """Warn about ids that differ only by case or by invisible characters.

    ``H1`` and ``h1``, or ``H1`` and ``H1`` followed by a zero-width space, are different
    ids to hubopt (and to every file that refers to them), which is almost never meant.
    """
    out = []
    for name, col, what in _ID_COLUMNS:
        t = tables.get(name)
        if t is None or t.empty:
            continue
        ids = t[col].astype(str)
        first: dict[str, tuple[int, str]] = {}
        for line, v in ids.items():
            key = _normal(v)
            if key in first and first[key][1] != v:
                seen_line, seen = first[key]
                how = "only by case" if seen.casefold() == v.casefold() else "only by"
                if how == "only by":
                    how += " invisible characters or character forms" + invisible_note(v + seen)
                out.append(
                    Issue(
                        "check_similar_ids",
                        f"{what} {v!r} differs from {seen!r} (first seen on line "
                        f"{seen_line}) {how}; "
                        "hubopt treats them as different, so rename one or merge the rows",
                        f"{name}.csv",
                        int(line),  # type: ignore[arg-type]
                        col,
                        severity="warning",
                    )
                )
            first.setdefault(key, (int(line), v))  # type: ignore[arg-type]
    return out


def check_recipe_loops(tables: Tables) -> list[Issue]:
    """Warn about recipe loops that create material.

    A technology making ``o`` from ``q`` units of ``i`` is an edge ``o → i`` of weight
    ``q``. Around a loop (cells need 2 ore, ore needs 0.1 cells), one unit of the first
    product needs the product of the weights of itself (2 × 0.1 = 0.2): below 1, the loop
    makes material from nothing. Each recipe row on such a loop is named, with the lightest
    simple loop through it (a depth-first search over products; recipe graphs are small).
    """
    rec, tech, cand = (tables.get(k) for k in ("recipes", "technologies", "candidates"))
    if rec is None or tech is None or rec.empty or tech.empty:
        return []
    used = None if cand is None else set(cand.loc[cand["status"] != "forbidden", "technology"])
    out_of = tech.drop_duplicates("technology").set_index("technology")["output"]
    r = rec[rec["technology"].isin(out_of.index)]
    if used is not None:
        r = r[r["technology"].isin(used)]
    r = r[r["quantity"] > 0]
    if r.empty:
        return []
    src = out_of.reindex(r["technology"]).to_numpy(str)
    dst = r["input"].to_numpy(str)
    w = np.log(r["quantity"].to_numpy(float))
    adj: dict[str, dict[str, float]] = {}
    for a, b, x in zip(src, dst, w, strict=True):
        adj.setdefault(a, {})
        adj[a][b] = min(adj[a].get(b, np.inf), float(x))
    out = []
    for line, a, b, x in zip(r.index, src, dst, w, strict=True):
        loop = x + _lightest_simple_path(adj, b, a)
        if loop < -1e-9:
            factor = math.exp(loop) if loop > -700 else 0.0
            out.append(
                Issue(
                    "check_recipe_loops",
                    f"technology '{r.at[line, 'technology']}' makes '{a}' from '{b}', and "
                    f"'{b}' is made (directly or not) from '{a}': one unit of '{a}' needs only "
                    f"{factor:.3g} units of itself around the loop, so the loop creates "
                    "material; check the recipe quantities",
                    "recipes.csv",
                    int(line),
                    "quantity",
                    severity="warning",
                )
            )
    return out


def _lightest_simple_path(
    adj: dict[str, dict[str, float]], start: str, goal: str, budget: int = 100_000
) -> float:
    """Smallest weight sum of a simple path ``start ⇝ goal`` (``inf`` if none).

    Depth-first over simple paths (recipe graphs are small); after ``budget`` steps the
    best found so far is returned.
    """
    if start == goal:
        return 0.0
    best = np.inf
    stack: list[tuple[str, float, frozenset[str]]] = [(start, 0.0, frozenset({start}))]
    steps = 0
    while stack and steps < budget:
        node, cost, seen = stack.pop()
        steps += 1
        for nxt, x in adj.get(node, {}).items():
            if nxt == goal:
                best = min(best, cost + x)
            elif nxt not in seen:
                stack.append((nxt, cost + x, seen | {nxt}))
    return float(best)


def check_forced_sizes(tables: Tables) -> list[Issue]:
    """At most one size of a (site, technology) may be ``required`` or ``existing``.

    Only one size of a (site, technology) can be open, so two forced sizes make the
    scenario infeasible whatever else is in it.
    """
    cand = tables.get("candidates")
    if cand is None or cand.empty:
        return []
    forced = cand[cand["status"].isin(["required", "existing"])]
    out = []
    for (site, tech), g in forced.groupby(["site_id", "technology"], sort=False):
        if len(g) < 2:
            continue
        first = g.index[0]
        for line in g.index[1:]:
            out.append(
                Issue(
                    "check_forced_sizes",
                    f"site '{site}' technology '{tech}' has size '{g.at[line, 'size']}' "
                    f"{g.at[line, 'status']} and size '{g.at[first, 'size']}' "
                    f"{g.at[first, 'status']} (first seen on line {first}), but only one size "
                    "of a site and technology can be open; keep one of them required or "
                    "existing",
                    "candidates.csv",
                    int(line),
                    "status",
                )
            )
    return out
