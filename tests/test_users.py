"""For the people who use it (issue 16 items 1–3, issue 14 CLI values): run for real.

Every money figure carries the data's money unit; new and existing hubs are told apart;
flags behave the same in every command; the command line says where it wrote and why.
"""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from conftest import TINY, base_tables, write_package
from helpers import hubopt_cli, scenario_file

import hubopt
from hubopt.errors import HubDataError
from hubopt.outputs.tables import write_outputs
from hubopt.studies.compare import compare


def existing_f1() -> dict[str, pd.DataFrame]:
    """``base_tables`` with F1 an existing plant: F1 is forced open, F2 is chosen (new)."""
    t = base_tables()
    t["candidates"]["status"] = ["existing", "candidate"]
    t["candidates"].loc[1, "fixed_cost"] = 1.0  # F2 pays for itself: 1 + 5·1 < 5·3
    return t


@pytest.fixture(scope="module")
def existing_result(tmp_path_factory):
    root = tmp_path_factory.mktemp("existing")
    pkg = write_package(root / "pkg", existing_f1())
    sc = hubopt.Scenario(name="ex", data_dir=pkg, solver=hubopt.SolveOptions(mip_rel_gap=0.0))
    outcome = hubopt.run(sc)
    return outcome, write_outputs(root / "ex", outcome)


def test_summary_counts_new_hubs_apart_from_existing_ones(existing_result):
    outcome, folder = existing_result
    s = json.loads((folder / "summary.json").read_text())
    assert s["hubs_open"] == 2 and s["hubs_new"] == 1
    assert s["hubs_new_in_energy_communities"] == 1  # F2 is in an energy community
    assert s["capex_new"] == pytest.approx(200.0) and s["capex"] == pytest.approx(300.0)
    assert s["jobs_new"] == pytest.approx(20.0)
    assert s["capex_new_in_energy_communities"] == pytest.approx(200.0)
    assert s["jobs_new_in_energy_communities"] == pytest.approx(20.0)
    hubs = pd.read_csv(folder / "hubs.csv").set_index("site_id")
    assert hubs.loc["F1", "status"] == "existing" and hubs.loc["F1", "built"] == "existing"
    assert hubs.loc["F2", "status"] == "candidate" and hubs.loc["F2", "built"] == "new"
    cand = pd.read_csv(folder / "candidates.csv")
    assert set(cand["built"].dropna()) == {"new", "existing"}


def test_robustness_does_not_rank_forced_existing_plants_first(existing_result):
    _outcome, folder = existing_result
    comp = compare([folder, folder])
    r = comp.robustness
    assert list(r["built"]) == ["new", "existing"]
    assert r.iloc[0]["site_id"] == "F2"
    assert "hubs_new" in comp.table.columns and comp.table["hubs_new"].iloc[0] == 1
    assert "capex_new_in_energy_communities" in comp.table.columns


def test_summary_json_has_a_units_block_in_the_data_money_unit(existing_result):
    _outcome, folder = existing_result
    units = json.loads((folder / "summary.json").read_text())["units"]
    assert units["total_cost"] == "k$/yr" and units["objective"] == "k$/yr"
    assert units["carbon_price"] == "k$/t CO2" and units["capex_new"] == "k$"
    assert units["emissions_t"] == "t CO2/yr" and units["jobs_new"] == "jobs"


def test_solve_console_shows_units_and_new_hubs(tmp_path):
    r = hubopt_cli("solve", str(scenario_file(tmp_path, TINY)), "--out", str(tmp_path / "a"))
    assert r.returncode == 0, r.stderr
    assert re.search(r"objective\s*│?\s*[\d,]+\.\d\d k\$/yr", r.stdout), r.stdout
    assert "t CO2/yr" in r.stdout and "new hubs" in r.stdout and "capex of new hubs" in r.stdout
    # the field dictionary gives real units, not "money"
    d = pd.read_csv(tmp_path / "a" / "shapefiles" / "field_dictionary.csv", dtype=str)
    assert "k$/yr" in set(d["unit"]) and not d["unit"].fillna("").str.contains("money").any()


def test_rerun_into_an_existing_name_says_where_and_why(tmp_path):
    sc = scenario_file(tmp_path, TINY)
    out = tmp_path / "base"
    first = hubopt_cli("solve", str(sc), "--out", str(out), "--formats", "csv")
    assert first.returncode == 0, first.stderr
    again = hubopt_cli("solve", str(sc), "--out", str(out), "--formats", "csv")
    assert again.returncode == 0, again.stderr
    text = " ".join(again.stdout.split())
    assert f"{out} exists; wrote {out}-2" in text and "use --force" in text


def test_help_shows_flags_without_values_and_units_in_vary():
    for cmd in ("solve", "compare", "pareto", "sweep"):
        r = hubopt_cli(cmd, "--help")
        assert r.returncode == 0
        assert "<bool>" not in r.stdout and "BOOLEAN" not in r.stdout, cmd
        assert re.search(r"--force\s+Replace", r.stdout), (cmd, r.stdout)
    sweep = " ".join(hubopt_cli("sweep", "--help").stdout.split())
    assert "--time-limit" in sweep and "--gap" in sweep
    assert "k$ for the default data" in sweep and "money per t CO2" in sweep
    assert "0.5%" in " ".join(hubopt_cli("solve", "--help").stdout.split())


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--gap", "0.5", "--gap 0.5%"),
        ("--gap", "5", "--gap 5%"),
        ("--gap", "-0.01", "negative"),
        ("--gap", "nan", "NaN"),
        ("--gap", "150%", "100% or more"),
        ("--time-limit", "-1", "finite number ≥ 0"),
        ("--time-limit", "nan", "finite number ≥ 0"),
        ("--threads", "0", "1 or more"),
        ("--threads", "-2", "1 or more"),
    ],
)
@pytest.mark.parametrize("command", ["solve", "pareto"])
def test_bad_solver_values_exit_2_with_a_clear_message(tmp_path, command, flag, value, message):
    out = tmp_path / "never"
    r = hubopt_cli(command, str(scenario_file(tmp_path, TINY)), flag, value, "--out", str(out))
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert message in " ".join(r.stderr.split()) and "Traceback" not in r.stderr
    assert not out.exists()


def test_gap_accepts_percent_and_fraction_alike(tmp_path):
    sc = scenario_file(tmp_path, TINY)
    for i, gap in enumerate(("0.5%", "0.005")):
        r = hubopt_cli("solve", str(sc), "--gap", gap, "--out", str(tmp_path / f"g{i}"))
        assert r.returncode == 0, r.stderr
        m = json.loads((tmp_path / f"g{i}" / "manifest.json").read_text())
        assert m["solver_options"]["mip_rel_gap"] == pytest.approx(0.005)


def test_sweep_time_limit_and_gap_stay_out_of_folder_names(tmp_path):
    pkg = write_package(tmp_path / "pkg", base_tables())
    toml = scenario_file(tmp_path, pkg, name="m")
    out = tmp_path / "sw"
    r = hubopt_cli(
        "sweep", str(toml), "--vary", "carbon_price=0,1", "--workers", "1",
        "--time-limit", "30", "--gap", "0", "--out", str(out),
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    names = sorted(p.name for p in out.iterdir() if p.is_dir())
    assert names == ["compare", "m__carbon_price=0", "m__carbon_price=1"]
    m = json.loads((out / "m__carbon_price=1" / "manifest.json").read_text())
    assert m["solver_options"]["time_limit_s"] == 30 and m["solver_options"]["mip_rel_gap"] == 0


def test_compare_refuses_plans_of_different_packages_unless_allowed(tmp_path, existing_result):
    _outcome, ex = existing_result
    r = hubopt_cli("solve", str(scenario_file(tmp_path, TINY)), "--out", str(tmp_path / "tiny"))
    assert r.returncode == 0, r.stderr
    refused = hubopt_cli("compare", str(ex), str(tmp_path / "tiny"), "--out", str(tmp_path / "c"))
    assert refused.returncode == 2
    text = " ".join(refused.stderr.split())
    assert "different data packages" in text and str(TINY) in text and "--allow-mixed" in text
    assert not (tmp_path / "c").exists()
    with pytest.raises(HubDataError, match="different data packages"):
        compare([ex, tmp_path / "tiny"])
    ok = hubopt_cli(
        "compare", str(ex), str(tmp_path / "tiny"), "--allow-mixed", "--out", str(tmp_path / "c")
    )
    assert ok.returncode == 0, ok.stderr


def test_validate_says_what_it_checked():
    r = hubopt_cli("validate", str(TINY))
    assert r.returncode == 0, r.stderr
    text = " ".join(r.stdout.split())
    assert re.search(r"\d+ files in .*tiny, [\d,]+ rows, \d+ sites, \d+ options", text), text
    assert "candidates.csv (" in text


def test_pareto_caps_are_formatted_with_units(tmp_path):
    t = base_tables()
    t["lanes"]["kg_co2_per_unit"] = [0.0, 2_000_000.0, 2_000_000.0, 0.0]  # large CO2
    t["candidates"].loc[0, "fixed_cost"] = 1.0
    pkg = write_package(tmp_path / "pkg", t)
    r = hubopt_cli(
        "pareto", str(scenario_file(tmp_path, pkg, name="p")), "--points", "3", "--gap", "0",
        "--out", str(tmp_path / "front"),
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "t CO2/yr" in r.stdout and "k$/yr" in r.stdout
    assert not re.search(r"\de[+-]\d", r.stdout + r.stderr), r.stdout


def test_report_shows_new_hubs_and_does_not_rank_existing_plants(existing_result, tmp_path):
    from hubopt.outputs.studies import write_comparison

    _outcome, folder = existing_result
    html = (write_comparison(compare([folder]), tmp_path / "c") / "report.html").read_text()
    assert "new hubs (in energy communities)" in html and "investment in new hubs" in html
    assert "1 existing or required plant(s) are open in every plan by rule" in html
    assert "jobs at new hubs" in html


def test_sweep_of_an_invalid_package_exits_2_and_claims_no_folder(tmp_path):
    bad = write_package(
        tmp_path / "bad", {**base_tables(), "demand": "site_id,product,quantity\nC1,good,lots\n"}
    )
    out = tmp_path / "sw"
    r = hubopt_cli(
        "sweep", str(scenario_file(tmp_path, bad, name="b")), "--vary", "carbon_price=0,1",
        "--out", str(out),
    )  # fmt: skip
    assert r.returncode == 2 and "lots" in r.stderr and "Traceback" not in r.stderr
    assert not out.exists()
