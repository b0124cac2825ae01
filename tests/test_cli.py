"""The command line, run for real: files written, exit codes, no tracebacks."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from conftest import REPO, TINY, write_package
from helpers import hubopt_cli, random_cflp, scenario_file


def test_solve_writes_tables_summary_and_manifest(tmp_path):
    out = tmp_path / "res"
    r = hubopt_cli("solve", str(scenario_file(tmp_path, TINY)), "--out", str(out), "--gap", "0")
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    for f in (
        "summary.json",
        "manifest.json",
        "hubs.csv",
        "flows.csv",
        "candidates.csv",
        "purchases.csv",
        "production.csv",
        "demand.csv",
        "solver.log",
        "scenario.toml",
    ):
        assert (out / f).is_file(), f
    s = json.loads((out / "summary.json").read_text())
    for key in (
        "status",
        "objective",
        "best_bound",
        "mip_gap",
        "build_seconds",
        "solve_seconds",
        "total_cost",
        "fixed_cost",
        "production_cost",
        "supply_cost",
        "transport_cost",
        "unmet_penalty_cost",
        "carbon_cost",
        "emissions_t",
        "hubs_open",
    ):
        assert key in s, key
    assert s["status"] == "optimal"
    assert s["objective"] == pytest.approx(s["total_cost"])
    hubs = pd.read_csv(out / "hubs.csv")
    assert len(hubs) == s["hubs_open"]
    assert {"site_id", "technology", "size", "capacity", "production", "utilisation"} <= set(
        hubs.columns
    )
    flows = pd.read_csv(out / "flows.csv")
    assert {
        "origin",
        "destination",
        "mode",
        "product",
        "quantity",
        "tonnes",
        "cost",
        "co2_t",
    } <= set(flows.columns)
    assert (flows["quantity"] > 0).all()
    assert flows["cost"].sum() == pytest.approx(s["transport_cost"])
    m = json.loads((out / "manifest.json").read_text())
    assert set(m["input_sha256"]) >= {"sites.csv", "demand.csv"}
    assert m["versions"]["highs"] and m["solver_options"]["mip_rel_gap"] == 0.0


def test_existing_results_are_never_overwritten(tmp_path):
    sc = scenario_file(tmp_path, TINY)
    out = tmp_path / "res"
    out.mkdir()
    (out / "precious.txt").write_text("keep me")
    r = hubopt_cli("solve", str(sc), "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert (out / "precious.txt").read_text() == "keep me"
    assert (tmp_path / "res-2" / "summary.json").is_file()
    r = hubopt_cli("solve", str(sc), "--out", str(out), "--force")
    assert r.returncode == 2, "--force must not replace a folder hubopt did not write"
    assert (out / "precious.txt").read_text() == "keep me"
    r = hubopt_cli("solve", str(sc), "--out", str(tmp_path / "res-2"), "--force")
    assert r.returncode == 0
    assert (tmp_path / "res-2" / "summary.json").is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".res")]


def test_infeasible_exit_code_and_message(tmp_path):
    sc = scenario_file(tmp_path, TINY, "[constraints]\nmax_hubs = 0\n")
    r = hubopt_cli("solve", str(sc), "--out", str(tmp_path / "res"))
    assert r.returncode == 4
    s = json.loads((tmp_path / "res" / "summary.json").read_text())
    assert s["status"] == "infeasible" and s["objective"] is None
    assert not (tmp_path / "res" / "hubs.csv").exists()


def test_time_limit_exit_code(tmp_path):
    # 100 x 400: 50 x 200 single-sourced proves optimal in ~12 s since issue 17
    pkg = write_package(tmp_path / "pkg", random_cflp(100, 400, seed=3))
    sc = scenario_file(tmp_path, pkg, "[constraints]\nsingle_sourcing = true\n")
    r = hubopt_cli(
        "solve", str(sc), "--out", str(tmp_path / "res"), "--time-limit", "6", "--gap", "0"
    )
    assert r.returncode == 3, r.stderr
    s = json.loads((tmp_path / "res" / "summary.json").read_text())
    assert s["status"] == "time_limit" and s["solution_status"] == "feasible"
    assert s["mip_gap"] > 0 and (tmp_path / "res" / "hubs.csv").is_file()


def test_bad_input_exit_2_without_traceback(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    for f in TINY.iterdir():
        (pkg / f.name).write_bytes(f.read_bytes())
    (pkg / "demand.csv").write_text("site_id,product,quantity\nC1,cells,lots\nC9,cells,5\n")
    r = hubopt_cli("solve", str(scenario_file(tmp_path, pkg)), "--out", str(tmp_path / "res"))
    assert r.returncode == 2
    assert "Traceback" not in r.stderr + r.stdout
    assert "demand.csv" in r.stderr and "'lots' is not a number" in r.stderr
    assert "'C9' is not in sites.csv" in r.stderr
    assert not (tmp_path / "res").exists()


def test_validate_command(tmp_path):
    r = hubopt_cli("validate", str(TINY))
    assert r.returncode == 0 and "OK" in r.stdout
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    for f in TINY.iterdir():
        (pkg / f.name).write_bytes(f.read_bytes())
    (pkg / "sites.csv").write_text("site_id,name,lat,lon\nM1,Mine,91,-100\n")
    report = tmp_path / "problems.csv"
    r = hubopt_cli("validate", str(pkg), "--csv", str(report))
    assert r.returncode == 2
    df = pd.read_csv(report)
    assert {"severity", "file", "line", "column", "check", "message"} <= set(df.columns)
    assert ((df["file"] == "sites.csv") & (df["column"] == "lat") & (df["line"] == 2)).any()
    assert (df["check"] == "check_unknown_sites").any()


def test_unknown_option_is_a_usage_error():
    r = hubopt_cli("solve", "--no-such-flag")
    assert r.returncode == 2 and "Traceback" not in r.stderr


def test_default_model_runs_from_repo_root(tmp_path):
    """The README's main command: `hubopt solve` with no arguments uses models/baseline.toml."""
    if not (REPO / "models" / "baseline.toml").is_file():
        pytest.fail("models/baseline.toml is missing: the README's main command cannot run")
    r = hubopt_cli("validate", str(REPO / "models" / "baseline.toml"))
    assert r.returncode == 0, r.stderr + r.stdout
