"""A Pyomo-free row builder: the model as sparse blocks, one per constraint family.

Columns are laid out by variable family (``open``, ``make``, ``buy``, ``ship``,
``unmet``, ``assign``, then any family a constraint family adds, e.g. elastic slacks).
Each constraint family contributes one block of rows ``lower <= A x <= upper`` given as
sparse triplets (row, column, coefficient); a family may also add terms to another
family's rows and change column bounds. The objective is a cost vector assembled from
named terms; a model may hold several objectives (``cost``, ``co2``, ``elastic``) of which
one is selected. :meth:`RowBuilder.assemble` turns it all into :class:`Assembled`, the
arrays that are the source of truth: the Pyomo model is made from them
(:mod:`hubopt.model.pyomo_bridge`) and HiGHS is handed them (:mod:`hubopt.solve`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

__all__ = ["Assembled", "Block", "ColumnFamily", "RowBuilder"]


@dataclass
class ColumnFamily:
    """One variable family: columns ``offset .. offset + size - 1``.

    Attributes
    ----------
    name : str
        Pyomo component name (``m.<name>[i]``).
    offset, size : int
        Position of the family's first column and number of columns.
    binary : bool
        Binary (domain {0, 1}) or non-negative real.
    lower, upper : ndarray or None
        Bounds given on top of the domain (``None`` or non-finite entries: none).
    source : dict
        Input columns behind the bounds and costs, for messages (``{"upper": ...}``).
    """

    name: str
    offset: int
    size: int
    binary: bool
    lower: np.ndarray | None = None
    upper: np.ndarray | None = None
    source: dict = field(default_factory=dict)


@dataclass
class Block:
    """One constraint family's rows, as triplets until assembled.

    Attributes
    ----------
    name : str
        Pyomo component name (``m.<name>[i]``).
    lower, upper : ndarray
        Row bounds (``-inf`` / ``inf`` where absent).
    row, col, coef : list of ndarray
        Sparse triplets; duplicates are summed and zeros dropped when assembled.
    source : str
        Input columns behind the coefficients, for messages.
    rhs_source : str
        Input columns behind the row bounds.
    """

    name: str
    lower: np.ndarray
    upper: np.ndarray
    row: list = field(default_factory=list)
    col: list = field(default_factory=list)
    coef: list = field(default_factory=list)
    source: str = ""
    rhs_source: str = ""
    a: sp.csr_array | None = None


@dataclass
class Assembled:
    """The whole model as arrays, before and after HiGHS's standard form.

    Attributes
    ----------
    columns : list of ColumnFamily
        Column layout, in column order.
    blocks : list of Block
        Constraint families in build order, each with its assembled ``a``
        (rows × all columns).
    cost : ndarray
        Objective coefficients of the selected objective, one per column.
    objective : str
        Name of the selected objective.
    cost_terms : dict
        ``name -> (columns, values)`` of the selected objective, for messages.
    """

    columns: list[ColumnFamily]
    blocks: list[Block]
    cost: np.ndarray
    objective: str
    cost_terms: dict

    @property
    def n(self) -> int:
        """Number of columns."""
        return sum(f.size for f in self.columns)

    def column_bounds(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return lower, upper (domain included) and integrality per column."""
        n = self.n
        lo, hi = np.zeros(n), np.full(n, np.inf)
        integ = np.zeros(n, dtype=np.int8)
        for f in self.columns:
            s = slice(f.offset, f.offset + f.size)
            if f.binary:
                hi[s], integ[s] = 1.0, 1
            for arr, got, pick in ((lo, f.lower, np.maximum), (hi, f.upper, np.minimum)):
                if got is not None and np.isfinite(got).any():
                    fin = np.flatnonzero(np.isfinite(got))
                    arr[f.offset + fin] = pick(arr[f.offset + fin], got[fin])
        return lo, hi, integ

    def standard_form(self) -> dict:
        """Return the arrays HiGHS takes, in the order Pyomo's compiler makes them.

        Empty rows are dropped; a ranged row (finite lower < finite upper) becomes two
        rows, ``<= upper`` then ``>= lower``; columns in no row and not in the objective
        are dropped. Besides the arrays (``a``, ``row_lower``, ``row_upper``,
        ``col_lower``, ``col_upper``, ``integrality``, ``cost``) the dict holds
        ``row_block`` and ``row_index`` (the block and row of every standard-form row)
        ``used`` (the columns kept) and ``rep`` (for each standard-form row, the
        non-empty row it comes from; ``None`` when no row is ranged).
        """
        n = self.n
        if self.blocks:
            a = sp.vstack([b.a for b in self.blocks], format="csr")
            lower = np.concatenate([b.lower for b in self.blocks])
            upper = np.concatenate([b.upper for b in self.blocks])
            block = np.repeat(np.arange(len(self.blocks)), [len(b.lower) for b in self.blocks])
            index = np.concatenate([np.arange(len(b.lower)) for b in self.blocks])
        else:
            a = sp.csr_array((0, n))
            lower = upper = np.zeros(0)
            block = index = np.zeros(0, dtype=np.int64)
        keep = np.diff(a.indptr) > 0
        if not keep.all():
            a, lower, upper, block, index = (
                a[keep],
                lower[keep],
                upper[keep],
                block[keep],
                index[keep],
            )
        ranged = np.isfinite(lower) & np.isfinite(upper) & (lower != upper)
        rep = None
        if ranged.any():
            rep = np.repeat(np.arange(len(lower)), np.where(ranged, 2, 1))
            first = np.r_[True, rep[1:] != rep[:-1]]
            a, block, index = a[rep], block[rep], index[rep]
            lower, upper = lower[rep], upper[rep]
            split = ranged[rep]
            lower = np.where(split & first, -np.inf, lower)
            upper = np.where(split & ~first, np.inf, upper)
        col_lower, col_upper, integ = self.column_bounds()
        used = (np.bincount(a.indices, minlength=n) > 0) | (self.cost != 0)
        if not used.all():
            a = a[:, np.flatnonzero(used)]
        return {
            "a": sp.csr_array(a),
            "row_lower": lower,
            "row_upper": upper,
            "col_lower": col_lower[used],
            "col_upper": col_upper[used],
            "integrality": integ[used],
            "cost": self.cost[used],
            "row_block": block,
            "row_index": index,
            "used": used,
            "rep": rep,
        }


class RowBuilder:
    """Collects column families, constraint blocks and objective terms (no Pyomo)."""

    def __init__(self) -> None:
        self.columns: dict[str, ColumnFamily] = {}
        self.blocks: dict[str, Block] = {}
        self.objectives: dict[str, dict[str, tuple[np.ndarray, np.ndarray]]] = {"cost": {}}
        self.objective = "cost"
        self.n = 0

    def add_columns(
        self,
        name: str,
        size: int,
        *,
        binary: bool = False,
        lower=None,
        upper=None,
        source: dict | None = None,
    ) -> ColumnFamily:
        """Add a variable family of ``size`` columns after the existing ones."""
        if name in self.columns:
            raise ValueError(f"variable family {name!r} exists already")
        lo = None if lower is None else np.asarray(lower, dtype=float)
        up = None if upper is None else np.asarray(upper, dtype=float)
        fam = ColumnFamily(name, self.n, int(size), binary, lo, up, dict(source or {}))
        self.columns[name] = fam
        self.n += fam.size
        return fam

    def col(self, family: str, idx) -> np.ndarray:
        """Global column numbers of ``family[idx]`` (``KeyError`` for an unknown family)."""
        fam = self.columns[family]
        idx = np.asarray(idx, dtype=np.int64)
        if len(idx) and (idx.min() < 0 or idx.max() >= fam.size):
            raise IndexError(f"index out of range for variable family {family!r}")
        return idx + fam.offset

    def size(self, family: str) -> int:
        """Return the number of columns of a variable family (0 if it does not exist)."""
        fam = self.columns.get(family)
        return 0 if fam is None else fam.size

    def add_rows(
        self,
        name: str,
        row,
        col,
        coef,
        lower,
        upper,
        *,
        source: str = "",
        rhs_source: str = "",
    ) -> int:
        """Add a block ``lower[i] <= sum coef * x[col] <= upper[i]``; return its rows."""
        if name in self.blocks:
            raise ValueError(f"constraint family {name!r} exists already")
        lower = np.asarray(lower, dtype=float)
        upper = np.asarray(upper, dtype=float)
        if len(lower) == 0:
            return 0
        self.blocks[name] = Block(name, lower, upper, source=source, rhs_source=rhs_source)
        self.add_terms(name, row, col, coef)
        return len(lower)

    def add_terms(self, name: str, row, col, coef) -> None:
        """Add terms ``coef * x[col]`` to rows ``row`` of block ``name``."""
        b = self.blocks[name]
        b.row.append(np.asarray(row, dtype=np.int64))
        b.col.append(np.asarray(col, dtype=np.int64))
        b.coef.append(np.broadcast_to(np.asarray(coef, dtype=float), np.shape(row)))

    def row_has_terms(self, name: str) -> np.ndarray:
        """Whether each row of block ``name`` holds a non-zero term (so far)."""
        b = self.blocks.get(name)
        if b is None:
            return np.zeros(0, dtype=bool)
        return np.diff(self._csr(b).indptr) > 0

    def add_cost(self, term: str, family: str, idx, values, *, objective: str = "cost") -> None:
        """Add a named objective term ``sum values * family[idx]`` to ``objective``."""
        terms = self.objectives.setdefault(objective, {})
        if term in terms:
            raise ValueError(f"objective term {term!r} exists already in {objective!r}")
        terms[term] = (self.col(family, idx), np.asarray(values, dtype=float))

    def select_objective(self, objective: str) -> None:
        """Make ``objective`` the one minimised (``cost`` unless a family says otherwise)."""
        self.objectives.setdefault(objective, {})
        self.objective = objective

    def _csr(self, b: Block) -> sp.csr_array:
        n = len(b.lower)
        if b.row:
            row, col, coef = (np.concatenate(x) for x in (b.row, b.col, b.coef))
        else:
            row = col = np.zeros(0, dtype=np.int64)
            coef = np.zeros(0)
        a = sp.csr_array((coef, (row, col)), shape=(n, self.n))
        a.sum_duplicates()
        a.eliminate_zeros()
        return a

    def assemble(self) -> Assembled:
        """Assemble every block (duplicates summed, zeros dropped) and the objective."""
        blocks = list(self.blocks.values())
        for b in blocks:
            b.a = self._csr(b)
        cost = np.zeros(self.n)
        terms = self.objectives[self.objective]
        for cols, vals in terms.values():
            np.add.at(cost, cols, vals)
        return Assembled(list(self.columns.values()), blocks, cost, self.objective, dict(terms))
