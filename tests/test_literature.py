"""Fast checks of the literature benchmark (benchmarks/literature.py).

The instances live in ``../shared/benchmarks`` beside the repository and are never copied
into it; every test that needs them is skipped (with the reason) when that folder is absent.
The full benchmark is ``python benchmarks/literature.py --set small``.
"""

from __future__ import annotations

import csv
import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load_literature():
    name = "hubopt_benchmarks_literature"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / "literature.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while being created
    spec.loader.exec_module(module)
    return module


lit = _load_literature()
BENCH = lit.DEFAULT_INSTANCES
needs_instances = pytest.mark.skipif(
    not (BENCH / "orlib" / "cap41.txt").is_file() or not (BENCH / "holmberg" / "p1").is_file(),
    reason=f"literature instances not found in {BENCH} (../shared/benchmarks beside the repo)",
)


def _optimum(family: str, name: str) -> float:
    with (BENCH / family / "optima.csv").open(newline="") as fh:
        for row in csv.DictReader(fh):
            if row["file"] == name and row.get("problem", "") in ("cflp", "sscflp"):
                if not row.get("capacity_override"):
                    return float(row["optimum"])
    raise KeyError(name)


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@needs_instances
def test_parse_cap41_dimensions():
    inst = lit.parse_orlib(BENCH / "orlib" / "cap41.txt")
    assert (inst.m, inst.n) == (16, 50)
    assert not inst.single_source and not inst.notes
    assert inst.capacities == [5000.0] * 16
    assert inst.fixed_costs[0] == 7500.0 and inst.fixed_costs[10] == 0.0
    assert inst.demands[:2] == [146.0, 87.0]
    # customer 1's first cost: the cost of serving all of its 146 units from facility 1
    assert inst.costs[0][0] == pytest.approx(6739.725)
    assert len(inst.costs) == 16 and all(len(r) == 50 for r in inst.costs)


@needs_instances
def test_parse_capa_needs_capacity_override():
    with pytest.raises(ValueError, match="capacity_override"):
        lit.parse_orlib(BENCH / "orlib" / "capa.txt")
    inst = lit.parse_orlib(BENCH / "orlib" / "capa.txt", capacity_override=8000)
    assert (inst.m, inst.n) == (100, 1000)
    assert set(inst.capacities) == {8000.0}


@needs_instances
def test_parse_p1_dimensions():
    inst = lit.parse_holmberg(BENCH / "holmberg" / "p1")
    assert (inst.m, inst.n) == (10, 50)
    assert inst.single_source and not inst.notes
    assert (inst.capacities[0], inst.fixed_costs[0]) == (258.0, 366.0)
    assert inst.demands[:3] == [49.0, 29.0, 23.0]
    assert inst.costs[0][:2] == [260.0, 239.0]  # facility-major rows


@needs_instances
def test_p47_trailing_tokens_are_reported():
    inst = lit.parse_holmberg(BENCH / "holmberg" / "p47")
    assert (inst.m, inst.n) == (10, 90)
    assert any("17 trailing token" in note for note in inst.notes)


def test_write_package_contract(tmp_path):
    inst = lit.Instance(
        name="tiny",
        capacities=[10.0, 20.0],
        fixed_costs=[5.0, 7.0],
        demands=[4.0, 0.0, 3.0],
        costs=[[8.0, 1.0, 3.0], [4.0, 1.0, 9.0]],
    )
    pkg = lit.write_package(inst, tmp_path / "pkg")
    assert {p.name for p in pkg.iterdir()} >= {
        "sites.csv",
        "products.csv",
        "supply.csv",
        "demand.csv",
        "technologies.csv",
        "recipes.csv",
        "candidates.csv",
        "modes.csv",
        "lanes.csv",
    }
    demand = _read(pkg / "demand.csv")
    assert [r["site_id"] for r in demand] == ["C1", "C3"]  # zero-demand C2 left out
    assert any("zero demand" in n for n in inst.notes)
    lanes = {
        (r["origin"], r["destination"]): float(r["cost_per_unit"]) for r in _read(pkg / "lanes.csv")
    }
    assert lanes == {("F1", "C1"): 2.0, ("F1", "C3"): 1.0, ("F2", "C1"): 1.0, ("F2", "C3"): 3.0}
    assert [r["capacity"] for r in _read(pkg / "candidates.csv")] == ["10.0", "20.0"]
    assert _read(pkg / "supply.csv") == [] and _read(pkg / "recipes.csv") == []
    unc = lit.write_package(inst, tmp_path / "unc", uncapacitated=True)
    assert [r["capacity"] for r in _read(unc / "candidates.csv")] == ["7.0", "7.0"]


def test_evaluate_rules():
    case = lit.Case("p9", "holmberg", "sscflp", Path("p9"), 100.0)
    judge = lit.evaluate
    assert judge(lit.Outcome(case, "optimal", objective=100.004)).status == "ok"
    assert judge(lit.Outcome(case, "optimal", objective=101.0)).failed
    timed_out = lit.Outcome(case, "time_limit", objective=105.0, best_bound=99.0)
    assert not judge(timed_out).failed
    assert judge(lit.Outcome(case, "time_limit", objective=105.0), strict_holmberg=True).failed
    assert judge(lit.Outcome(case, "time_limit", objective=99.0)).failed  # beats the optimum
    assert judge(lit.Outcome(case, "time_limit", objective=105.0, best_bound=100.5)).failed
    orlib = lit.Case("cap41", "orlib", "cflp", Path("cap41.txt"), 100.0)
    assert judge(lit.Outcome(orlib, "time_limit", objective=100.0, best_bound=99.0)).failed


@needs_instances
@pytest.mark.parametrize(("family", "name"), [("orlib", "cap41"), ("holmberg", "p1")])
def test_hubopt_matches_known_optimum(family, name):
    case = next(c for c in lit.list_cases(BENCH, "small", only=[name]) if c.name == name)
    assert case.optimum == _optimum(family, case.path.name)
    outcome = lit.solve_case(case, time_limit=60.0)
    assert outcome.termination == "optimal", outcome.message
    assert outcome.objective == pytest.approx(case.optimum, abs=lit.TOLERANCE)
    assert outcome.status == "ok"
