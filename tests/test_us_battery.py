"""The embedded default dataset, data/us_battery: valid, in the US, coverable, reproducible."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest
from conftest import REPO

import hubopt
from hubopt.testing import assert_plan_feasible

PKG = REPO / "data" / "us_battery"
RESEARCH = REPO.parent / "shared" / "research"

# (lat_min, lat_max, lon_min, lon_max): contiguous US, Alaska, Hawaii
US_BOXES = [(24.4, 49.5, -125.0, -66.9), (51.0, 71.5, -180.0, -129.9), (18.9, 22.3, -160.3, -154.8)]


@pytest.fixture(scope="module")
def data() -> hubopt.HubData:
    return hubopt.load_data(PKG)


def test_package_validates_without_warnings(data):
    assert data.warnings == ()
    assert len(data.sites) >= 200 and len(data.candidates) >= 300


def test_every_site_is_inside_the_us(data):
    s = data.sites
    inside = pd.Series(False, index=s.index)
    for lat0, lat1, lon0, lon1 in US_BOXES:
        inside |= s["lat"].between(lat0, lat1) & s["lon"].between(lon0, lon1)
    assert inside.all(), s.loc[~inside, ["site_id", "name", "lat", "lon"]].to_string()


def test_many_coal_closure_energy_communities(data):
    ec = data.sites[data.sites["energy_community"]]
    assert len(ec) >= 100
    cand_sites = set(data.candidates["site_id"])
    assert len(set(ec["site_id"]) & cand_sites) >= 100
    # a real choice: candidate sites outside energy communities exist too
    assert len(cand_sites - set(ec["site_id"])) >= 20


def test_every_recipe_input_is_supplied_or_made(data):
    sources = set(data.supply["product"]) | set(data.technologies["output"])
    assert set(data.recipes["input"]) <= sources


def test_supply_and_capacity_can_cover_demand(data):
    """Explode demand through the recipes; every product's need must be coverable.

    For each product, need = final demand + what the technologies consuming it need
    when they make (at most their capacity of) their output's need; availability = supply
    capacity + the largest size of every (site, technology) making it. Raw materials
    only need to cover what cannot be bought ready-made further down the chain.
    """
    cand = data.candidates[data.candidates["status"] != "forbidden"]
    best = cand.groupby(["site_id", "technology"])["capacity"].max().groupby("technology").sum()
    tech = data.technologies.set_index("technology")
    make_cap = best.groupby(tech["output"].reindex(best.index).to_numpy()).sum()
    supply_cap = data.supply.groupby("product")["capacity"].sum()
    final = data.demand.groupby("product")["quantity"].sum()
    used: dict[tuple[str, str], float] = {}  # (input, technology) -> quantity consumed

    def total(p: str) -> float:
        return final.get(p, 0.0) + sum(q for (i, _t), q in used.items() if i == p)

    # propagate needs down the chain until nothing changes (the BOM is acyclic)
    for _ in range(len(data.products) + 1):
        for t, row in tech.iterrows():
            bought = supply_cap.get(row["output"], 0.0)
            made = min(max(total(row["output"]) - bought, 0.0), best.get(t, 0.0))
            for r in data.recipes[data.recipes["technology"] == t].itertuples():
                used[(r.input, t)] = made * r.quantity
    assert total("cells") > 0 and any(q > 0 for q in used.values())
    for p in data.products["product"]:
        have = supply_cap.get(p, 0.0) + make_cap.get(p, 0.0)
        assert have >= total(p) * (1 - 1e-9), f"{p}: need {total(p):g}, have {have:g}"


def test_baseline_solves_to_half_a_percent_within_five_minutes():
    sc = hubopt.load_scenario(REPO / "models" / "baseline.toml")
    assert sc.solver.mip_rel_gap <= 0.005 and sc.solver.time_limit_s <= 300
    out = hubopt.run(sc)
    r = out.result
    assert r.termination is hubopt.Termination.OPTIMAL, r.message
    assert r.mip_gap <= 0.005
    assert_plan_feasible(out.data, out.plan, out.scenario)
    s = out.plan.summary
    assert s["demand_unmet"] == 0 and s["hubs_open"] >= 1
    rng = r.stats["matrix_range"]
    assert 1e-4 <= rng[0] and rng[1] <= 1e7, f"badly scaled matrix: {rng}"


@pytest.mark.parametrize("name", ["baseline", "coal_communities", "low_carbon"])
def test_scenarios_validate(name):
    sc = hubopt.load_scenario(REPO / "models" / f"{name}.toml")
    assert sc.data_dir == PKG.resolve() and sc.description


def test_build_script_reproduces_the_committed_package(tmp_path):
    if not RESEARCH.is_dir():
        pytest.skip(f"research tables not found at {RESEARCH}: reproduction not checked")
    out = tmp_path / "us_battery"
    subprocess.run(
        [sys.executable, str(REPO / "data" / "build_us_battery.py"), "--research", str(RESEARCH),
         "--out", str(out)],
        check=True, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    committed = sorted(p.name for p in PKG.iterdir())
    assert sorted(p.name for p in out.iterdir()) == committed
    for name in committed:
        assert (out / name).read_bytes() == (PKG / name).read_bytes(), f"{name} differs"
