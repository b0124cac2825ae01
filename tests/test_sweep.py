"""Scenario sweeps on a real local Dask cluster (two worker processes, loopback only).

The network is ``conftest.base_tables`` with F1's fixed cost raised to 12 and CO2 on the
two long lanes (2 t per unit on F1→C2 and F2→C1), so that the plan depends on the swept
keys: at carbon price 0 F1 alone is cheapest (12 + 10 + 5·1 + 5·3 = 42); at carbon price
2 opening both hubs (52, no CO2) beats F1 alone (42 + 2·10 = 62); with demand scaled by
1.5 (7.5 per customer) one hub of capacity 10 is not enough and both open
(32 + 15 + 15 = 62).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import base_tables, write_package

import hubopt
from hubopt.errors import HubDataError
from hubopt.outputs.studies import write_sweep
from hubopt.outputs.tables import read_result
from hubopt.studies.sweep import parse_vary, scale_demand, sweep, sweep_points


def network() -> dict[str, pd.DataFrame]:
    t = base_tables()
    t["candidates"].loc[0, "fixed_cost"] = 12.0
    t["lanes"]["kg_co2_per_unit"] = [0.0, 2000.0, 2000.0, 0.0]
    return t


@pytest.fixture(scope="module")
def pkg(tmp_path_factory) -> Path:
    return write_package(tmp_path_factory.mktemp("sweep") / "pkg", network())


@pytest.fixture(scope="module")
def base(pkg) -> hubopt.Scenario:
    return hubopt.Scenario(
        name="net", data_dir=pkg, solver=hubopt.SolveOptions(mip_rel_gap=0.0, time_limit_s=60)
    )


@pytest.fixture(scope="module")
def client():
    from distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    )
    c = Client(cluster)
    yield c
    c.close()
    cluster.close()


def hubs(tables: dict) -> set[tuple[str, str]]:
    h = tables.get("hubs")
    return set() if h is None else set(zip(h["site_id"], h["size"], strict=True))


def test_sweep_equals_solving_one_by_one(base, client, tmp_path):
    vary = {"carbon_price": [0, 2], "demand_scale": [1, 1.5]}
    seen = []
    res = sweep(base, vary, client=client, on_result=lambda row, out: seen.append(row["scenario"]))
    assert sorted(seen) == sorted(p["name"] for p in sweep_points(base, vary))
    assert not (tmp_path / "sw").exists()  # the study writes nothing
    folder = write_sweep(res, tmp_path / "sw")
    assert list(res.table["status"]) == ["optimal"] * 4
    expected = {(0, 1): 42.0, (2, 1): 52.0, (0, 1.5): 62.0, (2, 1.5): 62.0}
    for point in sweep_points(base, vary):
        values = point["values"]
        data = scale_demand(hubopt.load_data(base.data_dir), values["demand_scale"])
        alone = hubopt.run(point["scenario"], data=data)
        summary, tables = read_result(folder / point["name"])
        assert summary["objective"] == pytest.approx(alone.result.objective, rel=1e-9)
        assert summary["objective"] == pytest.approx(
            expected[(values["carbon_price"], values["demand_scale"])]
        )
        assert hubs(tables) == set(
            zip(alone.plan.hubs["site_id"], alone.plan.hubs["size"], strict=True)
        )
    one = read_result(folder / "net__carbon_price=0__demand_scale=1")[1]
    assert hubs(one) == {("F1", "one")}
    table = pd.read_csv(folder / "sweep.csv")
    assert list(table["scenario"]) == [p["name"] for p in sweep_points(base, vary)]
    assert set(table.columns) >= {"carbon_price", "demand_scale", "status", "objective", "error"}
    assert res.comparison is not None and (folder / "compare" / "robustness.csv").is_file()
    assert (folder / "net__carbon_price=2__demand_scale=1.5" / "sweep.json").is_file()


def test_failed_scenario_is_reported_and_the_others_complete(pkg, base, client, tmp_path):
    """Runs on the module's cluster through its scheduler address (``--scheduler``)."""
    bad = write_package(
        tmp_path / "bad", {**network(), "demand": "site_id,product,quantity\nC1,good,lots\n"}
    )
    res = sweep(
        base,
        {"data": [str(pkg), str(bad)], "carbon_price": [0, 2]},
        scheduler=client.scheduler.address,  # an existing scheduler, as with --scheduler
    )
    folder = write_sweep(res, tmp_path / "sw")
    t = pd.read_csv(folder / "sweep.csv", dtype={"folder": str}).set_index("scenario")
    assert list(t["status"]) == ["optimal", "optimal", "error", "error"]
    assert t["error"].iloc[2].startswith("invalid data:") and "lots" in t["error"].iloc[2]
    done = t[t["status"] == "optimal"]
    assert all((folder / f).is_dir() for f in done["folder"])
    assert len(res.failed) == 2
    assert (t.loc[res.failed["scenario"], "folder"].fillna("") == "").all()
    csv = pd.read_csv(folder / "sweep.csv")
    assert csv["error"].notna().sum() == 2


def test_same_names_get_numbered(base, tmp_path):
    a, b = tmp_path / "x" / "pkg", tmp_path / "y" / "pkg"
    a.mkdir(parents=True)
    b.mkdir(parents=True)
    names = [p["name"] for p in sweep_points(base, {"data": [str(a), str(b)]})]
    assert names == ["net__data=pkg", "net__data=pkg-2"]


def test_parse_vary_types_values_as_toml(base):
    got = parse_vary(["carbon_price=0,50.5", "max_hubs=none,3", "single_sourcing=true,false"], base)
    assert got == {
        "carbon_price": [0, 50.5],
        "max_hubs": [None, 3],
        "single_sourcing": [True, False],
    }
    names = [p["name"] for p in sweep_points(base, {"max_hubs": [None, 3]})]
    assert names == ["net__max_hubs=none", "net__max_hubs=3"]
    assert sweep_points(base, {"max_hubs": [None]})[0]["scenario"].max_hubs is None


def hubopt_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "hubopt", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "COLUMNS": "400"},
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("vary", "message"),
    [
        (["carbon_price"], "is not KEY=V1,V2"),
        (["colour=red"], "'colour' cannot be varied"),
        (["threads=1,2"], "threads are set once per worker"),
        (["max_hubs=two"], "max_hubs='two'"),
        (["max_hubs=-1"], "max_hubs=-1"),
        (["mip_rel_gap=2"], "between 0 and 1"),
        (["demand_scale=0"], "expected a number > 0"),
        (["carbon_price=none"], "always has a value"),
        (["carbon_price=1", "carbon_price=2"], "given twice"),
        (["data=/no/such/folder"], "is not a folder"),
        ([], "at least one --vary"),
    ],
)
def test_vary_errors(base, vary, message):
    with pytest.raises(HubDataError) as info:
        parse_vary(vary, base)
    assert message in " ".join(i.message for i in info.value.issues)


def test_cli_vary_errors_exit_2_before_any_cluster(pkg, tmp_path):
    toml = tmp_path / "m.toml"
    toml.write_text(f'name = "m"\ndata = "{pkg.as_posix()}"\n')
    r = hubopt_cli(
        "sweep", str(toml), "--out", str(tmp_path / "out"), "--vary", "max_hubs=two",
        "--vary", "colour=red", "--vary", "carbon_price", cwd=tmp_path,
    )  # fmt: skip
    assert r.returncode == 2, r.stderr
    text = " ".join(r.stderr.split())
    assert "3 problems" in text and "max_hubs='two'" in text and "'colour' cannot" in text
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "out").exists()


def test_cli_sweep_on_its_own_local_cluster(pkg, tmp_path):
    toml = tmp_path / "m.toml"
    toml.write_text(f'name = "m"\ndata = "{pkg.as_posix()}"\n[solver]\nmip_rel_gap = 0.0\n')
    out = tmp_path / "out"
    r = hubopt_cli(
        "sweep", str(toml), "--vary", "carbon_price=0,2", "--workers", "2", "--out", str(out),
        cwd=tmp_path,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    table = pd.read_csv(out / "sweep.csv")
    assert list(table["objective"].round(6)) == [42.0, 52.0]
    assert (out / "m__carbon_price=0" / "hubs.csv").is_file()
    assert (out / "compare" / "comparison.csv").is_file()
    manifest = (out / "m__carbon_price=2" / "manifest.json").read_text()
    assert '"threads": 1' in manifest
