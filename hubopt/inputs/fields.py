"""The one table of scenario fields: every key of a scenario file, in one place.

:data:`SCENARIO_FIELDS` drives everything that knows about scenario keys:

* the :class:`~hubopt.inputs.scenario.Scenario` and
  :class:`~hubopt.inputs.scenario.SolveOptions` dataclasses (generated from it);
* reading a TOML file: sections, unknown-key messages, type and range checks
  (:func:`check_value`);
* writing a scenario back as TOML (pareto and sweep points, :func:`scenario_toml`) and as
  a TOML-shaped mapping (:func:`scenario_mapping`);
* the manifest's scenario and solver blocks (:func:`manifest_blocks`);
* ``hubopt sweep --vary`` keys and their value parsing (:func:`vary_fields`,
  :func:`parse_text`; ``none`` unsets an optional key);
* which scenario constraints :mod:`hubopt.diagnose` may relax (:func:`relaxable_fields`).

Adding a scenario key is one :class:`ScenarioField` row below (plus the constraint family
that uses it). For example a cap on total capex would be::

    ScenarioField("max_capex", "constraints", float, None, "money (package money unit)",
                  "Cap on total one-off capex.", maximum=MAGNITUDE,
                  relax=Relax("max_capex", -1, "the capex cap max_capex", "money")),

Examples
--------
>>> field_named("carbon_price").section
'objective'
>>> parse_text(field_named("max_hubs"), "none") is None
True
"""

from __future__ import annotations

import json
import math
import os
import re
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from hubopt.errors import Issue

__all__ = [
    "MAGNITUDE",
    "NONE_WORDS",
    "SCENARIO_FIELDS",
    "SECTIONS",
    "Relax",
    "ScenarioField",
    "check_count_pairs",
    "check_value",
    "count_for",
    "field_named",
    "manifest_blocks",
    "parse_text",
    "relaxable_fields",
    "scenario_mapping",
    "scenario_toml",
    "vary_fields",
]

MAGNITUDE = 1e12
"""Largest magnitude accepted for a money or quantity value (HiGHS treats ≥ 1e20 as ∞).

1e12 leaves eight orders of magnitude below HiGHS's infinity for products of coefficients
(quantity × cost) and for the solver's own tolerances; no real package needs more (the US
package's largest money value is below 1e7 k$)."""

NONE_WORDS = frozenset({"none", "null", ""})
"""Words that unset an optional key in ``--vary`` values."""

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


@dataclass(frozen=True)
class Relax:
    """How :mod:`hubopt.diagnose` relaxes the constraint a field sets.

    Parameters
    ----------
    constraint : str
        Name of the model component (a one-row constraint) the field creates.
    sign : {-1, 1}
        ``-1`` for an upper limit (the slack loosens ``<=``), ``1`` for a lower limit.
    label : str
        How findings name the limit.
    unit : str
        Unit of the limit in findings.
    """

    constraint: str
    sign: int
    label: str
    unit: str


@dataclass(frozen=True)
class ScenarioField:
    """One key of a scenario file.

    Parameters
    ----------
    name : str
        Key in the TOML file (and ``--vary`` key).
    section : str
        TOML section: ``""`` (top level), ``objective``, ``constraints`` or ``solver``.
        ``solver`` fields live on :class:`~hubopt.inputs.scenario.SolveOptions`.
    type : type
        ``float``, ``int``, ``bool``, ``str``, ``Path``, or ``dict`` for "a number, or a
        table ``{label = number}``" (its numbers are of type ``item``).
    default : object
        Value when the key is absent; ``None`` makes the key optional (unset = no limit).
        ``...`` marks a required key.
    unit : str
        Unit of the value, in words.
    doc : str
        One-sentence meaning, used in the generated dataclass docstrings.
    minimum, maximum : float, optional
        Allowed range (inclusive, unless ``below_maximum``) for numbers.
    below_maximum : bool
        The value must be strictly below ``maximum``.
    expect : str
        What messages say is expected; derived from type and range when empty.
    vary : bool
        Whether ``hubopt sweep --vary`` may vary it.
    relax : Relax, optional
        How diagnose relaxes the constraint the field sets.
    attr : str
        Attribute name on the dataclass when it differs from ``name``.
    item : type
        For ``type=dict``: the type of each number (``float`` shares, ``int`` counts),
        checked against ``minimum`` / ``maximum``.
    """

    name: str
    section: str
    type: type
    default: Any
    unit: str
    doc: str
    minimum: float | None = None
    maximum: float | None = None
    below_maximum: bool = False
    expect: str = ""
    vary: bool = True
    relax: Relax | None = None
    attr: str = ""
    item: type = float

    @property
    def key(self) -> str:
        """Dotted key as messages name it (``constraints.max_hubs``)."""
        return f"{self.section}.{self.name}" if self.section else self.name

    @property
    def attribute(self) -> str:
        """Attribute on :class:`Scenario` or :class:`SolveOptions`."""
        return self.attr or self.name

    @property
    def optional(self) -> bool:
        """Whether the key may be unset (``None``)."""
        return self.default is None

    @property
    def required(self) -> bool:
        """Whether the key must be given."""
        return self.default is ...

    def expected(self) -> str:
        """Describe the accepted values, for messages."""
        if self.expect:
            return self.expect
        base = {float: "a number", int: "a whole number", bool: "true or false"}.get(
            self.type, "a path" if self.type is Path else "text"
        )
        if self.type is float and self.unit == "s":
            base = "a number of seconds"
        if self.minimum is not None:
            base += f" ≥ {self.minimum:g}"
        if self.maximum is not None:
            base += f" and {'below' if self.below_maximum else 'at most'} {self.maximum:g}"
        return base


_CO2 = "t CO2/yr"
_SHARE = "a share between 0 and 1, or a table {product = share} of such shares"
_COUNTS = "a whole number ≥ 0, or a table {technology = whole number ≥ 0}"
SCENARIO_FIELDS: tuple[ScenarioField, ...] = (
    ScenarioField("name", "", str, ..., "", "Scenario name; results go to results/<name>/.",
                  vary=False),
    ScenarioField("data", "", Path, ..., "", "Data package folder (relative to the file).",
                  attr="data_dir"),
    ScenarioField("description", "", str, "", "", "Plain-language description for reports.",
                  vary=False),
    ScenarioField("carbon_price", "objective", float, 0.0,
                  "money per tonne CO2, in the package's money unit",
                  "Price on CO2 added to the objective.", minimum=0.0, maximum=MAGNITUDE),
    ScenarioField("max_emissions_t", "constraints", float, None, _CO2,
                  "Cap on total CO2.", minimum=0.0, maximum=MAGNITUDE,
                  relax=Relax("max_emissions", -1, "the CO2 cap max_emissions_t", _CO2)),
    ScenarioField("max_hubs", "constraints", int, None, "options",
                  "At most this many options open (existing and required count).",
                  minimum=0, maximum=1e9, relax=Relax("max_hubs", -1, "max_hubs", "hubs")),
    ScenarioField("min_energy_community_hubs", "constraints", int, None, "options",
                  "At least this many options open at energy-community sites.",
                  minimum=0, maximum=1e9,
                  relax=Relax("min_energy_community_hubs", 1, "min_energy_community_hubs",
                              "hubs")),
    # issue #11: new-hub counts, a number (all technologies) or a table {technology = n}
    ScenarioField("min_new_hubs", "constraints", dict, None, "options",
                  "At least this many new options open (status candidate; existing and "
                  "required do not count): a number, or a table {technology = n}.",
                  minimum=0, maximum=1e9, expect=_COUNTS, item=int,
                  relax=Relax("min_new_hubs", 1, "min_new_hubs", "new hubs")),
    ScenarioField("max_new_hubs", "constraints", dict, None, "options",
                  "At most this many new options open (status candidate; existing and "
                  "required do not count): a number, or a table {technology = n}.",
                  minimum=0, maximum=1e9, expect=_COUNTS, item=int,
                  relax=Relax("max_new_hubs", -1, "max_new_hubs", "new hubs")),
    ScenarioField("single_sourcing", "constraints", bool, False, "",
                  "Each demand row is served through a single inbound lane."),
    ScenarioField("time_limit_s", "solver", float, None, "s",
                  "Wall-clock limit for the solve; unset = no limit.", minimum=0.0,
                  maximum=1e9),
    ScenarioField("mip_rel_gap", "solver", float, 1e-4, "fraction",
                  "Relative MIP gap at which HiGHS stops (0 = prove optimality).",
                  minimum=0.0, maximum=1.0, below_maximum=True,
                  expect="a number between 0 and 1 (0 included, 1 excluded)"),
    ScenarioField("threads", "solver", int, 1, "threads",
                  "HiGHS threads (1 = serial).", minimum=1, maximum=1024, vary=False),
    ScenarioField("seed", "solver", int, 0, "", "HiGHS random seed, for reproducible runs.",
                  minimum=0, maximum=2147483647),
    # issue 15, site economics and policy
    ScenarioField("energy_community_bonus", "policy", float, 0.0, "share 0-1 of fixed_cost",
                  "Share of an option's fixed_cost refunded at energy-community sites.",
                  minimum=0.0, maximum=1.0),
    ScenarioField("incentive_budget", "policy", float, None,
                  "money per year (package money unit)",
                  "Cap on incentives + bonuses granted; unset = every open option is granted.",
                  minimum=0.0, maximum=MAGNITUDE,
                  relax=Relax("incentive_budget", -1, "the incentive budget incentive_budget",
                              "money per year")),
    ScenarioField("max_import_share", "constraints", dict, None, "share 0-1",
                  "Cap on imported buy / (buy + make), per product (a number or a table).",
                  minimum=0.0, maximum=1.0, expect=_SHARE,
                  relax=Relax("max_import_share", -1,
                              "imports above the share cap max_import_share",
                              "units/yr of imported supply beyond share × (buy + make)")),
    ScenarioField("max_feoc_share", "constraints", dict, None, "share 0-1",
                  "Cap on FEOC buy / (buy + make), per product (a number or a table).",
                  minimum=0.0, maximum=1.0, expect=_SHARE,
                  relax=Relax("max_feoc_share", -1,
                              "FEOC supply above the share cap max_feoc_share",
                              "units/yr of FEOC supply beyond share × (buy + make)")),
    ScenarioField("exclude_new_where", "constraints", str, None, "",
                  "A true/false column of sites.csv (e.g. still_burns_coal): no new option "
                  "opens at a site where it is true; existing and required plants stay.",
                  vary=False,
                  relax=Relax("exclude_new_where", -1,
                              "the number of new options at sites flagged by exclude_new_where",
                              "new options")),
    ScenarioField("lane_pricing", "solver", bool, False, "",
                  "Solve on a reduced lane set and add back, by pricing with LP duals, "
                  "every lane that could improve the plan (hubopt.pricing).", vary=False),
    ScenarioField("start_heuristic", "solver", bool, False, "",
                  "Before the MIP, solve the LP relaxation (its bound is kept), round it up to "
                  "a plan and improve that by local search with warm LPs, within half the "
                  "time limit; HiGHS starts from the result (hubopt.heuristics).", vary=False),
)  # fmt: skip
"""Every scenario key, in file order."""

SECTIONS: tuple[str, ...] = tuple(dict.fromkeys(f.section for f in SCENARIO_FIELDS))
"""TOML sections in file order (``""`` = top level)."""


def field_named(name: str) -> ScenarioField:
    """Return the field called ``name`` (raises ``KeyError``)."""
    for f in SCENARIO_FIELDS:
        if f.name == name:
            return f
    raise KeyError(name)


def vary_fields() -> tuple[ScenarioField, ...]:
    """Fields ``hubopt sweep --vary`` accepts."""
    return tuple(f for f in SCENARIO_FIELDS if f.vary)


def relaxable_fields() -> tuple[ScenarioField, ...]:
    """Fields whose constraint :mod:`hubopt.diagnose` may relax."""
    return tuple(f for f in SCENARIO_FIELDS if f.relax is not None)


def _type_ok(f: ScenarioField, value: Any) -> bool:
    if f.type is dict:  # a number, or a table {label = number} (shares, counts)
        items = list(value.values()) if isinstance(value, dict) else [value]
        if any(isinstance(v, bool) for v in items):
            return False
        if f.item is int:
            return all(isinstance(v, int) for v in items)
        nums = all(isinstance(v, int | float) for v in items)
        low, high = f.minimum or 0.0, f.maximum or 1.0
        return nums and all(math.isfinite(v) and low <= v <= high for v in items)
    if isinstance(value, bool) or f.type is bool:
        return isinstance(value, bool) and f.type is bool
    if f.type is float:
        return isinstance(value, int | float) and math.isfinite(value)
    if f.type is int:
        return isinstance(value, int)
    return isinstance(value, str)


def check_value(f: ScenarioField, value: Any, fname: str) -> list[Issue]:
    """Check one TOML value against its field: type, range, non-blank names.

    Parameters
    ----------
    f : ScenarioField
        The field.
    value : object
        The parsed TOML value.
    fname : str
        File name used in messages.

    Returns
    -------
    list of Issue
        Empty when the value is acceptable.
    """
    ok = _type_ok(f, value)
    if ok and f.type is dict:
        vals = list(value.values()) if isinstance(value, dict) else [value]
        ok = all(check_value(replace(f, type=f.item), v, fname) == [] for v in vals)
    if ok and f.type in (int, float):
        low = f.minimum is not None and value < f.minimum
        high = f.maximum is not None and (
            value >= f.maximum if f.below_maximum else value > f.maximum
        )
        ok = not (low or high)
    if ok and f.type in (str, Path) and f.required and not str(value).strip():
        ok = False
    if ok and f.type in (str, Path) and "\x00" in value:  # no file name holds a NUL
        ok = False
    if ok and f.name == "name" and not _NAME.fullmatch(value):
        msg = (
            f"name {value!r} must be a plain folder name (letters, digits, '.', '_', '-'; "
            "no '/' or '..'), because results are written to results/<name>/"
        )
        return [Issue("check_toml_name", msg, fname, None, f.key)]
    if ok:
        return []
    shown = f"{value:g}" if isinstance(value, float) else repr(value)
    msg = f"{shown} is not valid: expected {f.expected()}"
    return [Issue("check_toml_type", msg, fname, None, f.key)]


def convert(f: ScenarioField, value: Any, base_dir: Path) -> Any:
    """Turn a checked TOML value into the dataclass attribute's value."""
    if value is None:
        return None
    if f.type is dict:
        if isinstance(value, dict):
            return {str(k): f.item(v) for k, v in value.items()}
        return f.item(value)
    if f.type is Path:
        p = Path(value)
        return p if p.is_absolute() else _resolved(base_dir / p)
    if f.type is float:
        return float(value)
    if isinstance(value, dict):
        return dict(value)
    return value


def count_for(value: int | dict | None) -> dict[str | None, int]:
    """Return a hub-count key's rows: ``{None: n}`` for a number, the table otherwise."""
    if value is None:
        return {}
    return dict(value) if isinstance(value, dict) else {None: int(value)}


def check_count_pairs(values: dict[str, Any], fname: str) -> list[Issue]:
    """``min_new_hubs`` may not exceed ``max_new_hubs`` (in total or per technology)."""
    lo, hi = count_for(values.get("min_new_hubs")), count_for(values.get("max_new_hubs"))
    out = []
    for key, n in lo.items():
        cap = hi.get(key, hi.get(None))  # a technology's minimum is also under the total cap
        if cap is not None and n > cap:
            what = "" if key is None else f" for {key}"
            msg = (
                f"min_new_hubs{what} = {n} exceeds max_new_hubs = {cap}: no plan can open "
                "at least the minimum and at most the maximum; lower min_new_hubs or raise "
                "max_new_hubs"
            )
            out.append(Issue("check_toml_hub_counts", msg, fname, None, "constraints.min_new_hubs"))
    return out


def _resolved(p: Path) -> Path:
    """Return ``p.resolve()``, or the absolute path when ``p`` is a symlink loop.

    Python 3.11 raises on a loop; the loop is then reported when the package is read.
    """
    try:
        return p.resolve()
    except (RuntimeError, OSError):
        return Path(os.path.abspath(p))


def parse_text(f: ScenarioField, text: str) -> Any:
    """Read one command-line value as TOML does (``none`` unsets: returns ``None``).

    Text that is not a TOML value is returned as is, to be rejected by :func:`check_value`.
    """
    t = text.strip()
    if t.lower() in NONE_WORDS:
        return None
    if f.type in (str, Path):
        return t
    try:
        return tomllib.loads(f"v = {t}")["v"]
    except tomllib.TOMLDecodeError:
        return t


def _value(sc: Any, f: ScenarioField) -> Any:
    owner = sc.solver if f.section == "solver" else sc
    return getattr(owner, f.attribute)


def scenario_mapping(sc: Any) -> dict[str, Any]:
    """Return ``sc`` as a parsed-TOML mapping (unset optional keys left out).

    The data path is written absolute; sections appear in file order.
    """
    out: dict[str, Any] = {}
    for f in SCENARIO_FIELDS:
        v = _value(sc, f)
        if v is None or (f.name == "description" and not v):
            continue
        if f.type is Path:
            v = str(_resolved(Path(v)))
        target = out if not f.section else out.setdefault(f.section, {})
        target[f.name] = v
    return out


def _toml(v: Any) -> str:
    if isinstance(v, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {_toml(x)}" for k, x in v.items()) + "}"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, float):
        return repr(v)
    return str(v)


def scenario_toml(sc: Any) -> str:
    """Return a scenario TOML file that reproduces ``sc`` (data path absolute)."""
    raw = scenario_mapping(sc)
    out = [f"{k} = {_toml(v)}" for k, v in raw.items() if not isinstance(v, dict)]
    for section in SECTIONS[1:]:
        out += ["", f"[{section}]"]
        out += [f"{k} = {_toml(v)}" for k, v in raw.get(section, {}).items()]
    return "\n".join(out) + "\n"


def manifest_blocks(sc: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return the manifest's ``scenario`` fields and ``solver_options`` from the table."""
    scen: dict[str, Any] = {}
    solver: dict[str, Any] = {}
    for f in SCENARIO_FIELDS:
        if f.name in ("name", "description", "data"):
            continue
        (solver if f.section == "solver" else scen)[f.attribute] = _value(sc, f)
    return scen, solver
