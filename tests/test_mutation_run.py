"""Inputs found by a mutation run over tests/data/tiny: each was an internal error (exit 1)
or a value accepted silently; each must now be an input error (exit 2) naming where."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from helpers import hubopt_cli, scenario_file

import hubopt
from hubopt.errors import HubDataError
from hubopt.inputs.load import load_data
from hubopt.inputs.schema import COMPUTED_COLUMNS, FILES
from hubopt.studies.cluster import _connect
from hubopt.studies.compare import compare

TINY = Path(__file__).parent / "data" / "tiny"


def _package(tmp_path: Path) -> Path:
    pkg = tmp_path / "pkg"
    shutil.copytree(TINY, pkg)
    return pkg


def _checks(exc: pytest.ExceptionInfo) -> set[str]:
    return {i.check for i in exc.value.issues}


@pytest.mark.parametrize("name", sorted(n for n in FILES if (TINY / f"{n}.csv").exists()))
def test_every_computed_name_as_extra_column_is_an_input_error(tmp_path, name):
    pkg = _package(tmp_path)
    path = pkg / f"{name}.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    known = {c.name for c in FILES[name].columns}
    for col in sorted(COMPUTED_COLUMNS - known - set(lines[0].split(","))):
        path.write_text(
            "\n".join([f"{lines[0]},{col}", *(f"{x},1" for x in lines[1:])]) + "\n",
            encoding="utf-8",
        )
        with pytest.raises(HubDataError) as exc:  # not KeyError / ValueError (exit 1)
            load_data(pkg)
        assert "check_computed_column" in _checks(exc), col


@pytest.mark.parametrize(
    "extra",
    [
        "[constraints]\nmax_new_hubs = {Cellmaking = 1}\n",
        "[constraints]\nmin_new_hubs = {cellmaker = 1}\n",
        "[constraints]\nmax_import_share = {oar = 0.5}\n",
        "[constraints]\nmax_feoc_share = {cellmaking = 0.5}\n",
    ],
)
def test_unknown_label_in_a_scenario_table_is_refused(tmp_path, extra):
    sc = hubopt.load_scenario(scenario_file(tmp_path, TINY, extra))
    with pytest.raises(HubDataError) as exc:
        hubopt.run(sc)
    assert _checks(exc) == {"check_scenario_labels"}
    issue = exc.value.issues[0]
    assert issue.file == "tiny.toml" and issue.column.startswith("constraints.")
    res = hubopt_cli("validate", str(scenario_file(tmp_path, TINY, extra)))
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "check_scenario_labels" not in res.stderr and "is not in" in res.stdout + res.stderr


def test_known_labels_in_a_scenario_table_still_solve(tmp_path):
    extra = "[constraints]\nmax_new_hubs = {cellmaking = 1}\nmax_import_share = {cells = 0.5}\n"
    out = hubopt.run(hubopt.load_scenario(scenario_file(tmp_path, TINY, extra)))
    assert out.result.solution_status.value == "optimal"


@pytest.mark.parametrize(
    "value", ["nan", "inf", "-inf", "[1]", "{cellmaking = nan}", "{cellmaking = [1]}"]
)
def test_hub_count_of_the_wrong_type_is_an_input_error(tmp_path, value):
    extra = f"[constraints]\nmin_new_hubs = {value}\nmax_new_hubs = 2\n"
    with pytest.raises(HubDataError) as exc:  # was ValueError / TypeError in the min ≤ max check
        hubopt.load_scenario(scenario_file(tmp_path, TINY, extra))
    assert _checks(exc) == {"check_toml_type"}


def test_data_path_with_a_nul_is_an_input_error(tmp_path):
    p = tmp_path / "s.toml"
    p.write_text('name = "s"\ndata = "pkg\\u0000"\n', encoding="utf-8")
    with pytest.raises(HubDataError) as exc:
        hubopt.load_scenario(p)
    assert _checks(exc) == {"check_toml_type"}


def test_misspelt_contract_file_is_an_input_error(tmp_path):
    pkg = _package(tmp_path)
    (pkg / "byproduct.csv").write_text("technology,product,quantity\ncellmaking,ore,0.1\n")
    (pkg / "notes.csv").write_text("a,b\n1,2\n")  # clearly another file: still allowed
    with pytest.raises(HubDataError) as exc:
        load_data(pkg)
    assert [(i.check, i.file) for i in exc.value.issues] == [("check_file_names", "byproduct.csv")]


def test_values_under_an_unnamed_column_are_an_input_error(tmp_path):
    pkg = _package(tmp_path)
    (pkg / "demand.csv").write_text("site_id,product,quantity,\nC1,cells,100,5\nC2,cells,150,\n")
    with pytest.raises(HubDataError) as exc:
        load_data(pkg)
    (issue,) = exc.value.issues
    assert (issue.check, issue.file, issue.row) == ("check_unnamed_column", "demand.csv", 2)
    (pkg / "demand.csv").write_text("site_id,product,quantity,\nC1,cells,100,\nC2,cells,150,\n")
    load_data(pkg)  # a trailing comma on every line (spreadsheet export) is fine


def test_package_date_that_is_a_time_of_day_is_refused(tmp_path):
    pkg = _package(tmp_path)
    (pkg / "package.toml").write_text("data_date = 10:00:00\n")
    with pytest.raises(HubDataError) as exc:
        load_data(pkg)
    assert _checks(exc) == {"check_package_toml"}


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    root = tmp_path_factory.mktemp("results")
    res = hubopt_cli(
        "solve", str(scenario_file(root, TINY)), "--out", str(root / "a"), "--formats", "csv"
    )
    assert res.returncode == 0, res.stderr
    return root / "a"


@pytest.mark.parametrize(
    "file, text, column",
    [
        ("summary.json", "{", None),
        ("summary.json", "[1, 2]", None),
        ("manifest.json", "not json", None),
        ("hubs.csv", "garbage\n", "site_id"),
        ("flows.csv", None, "tonne_km"),
    ],
)
def test_damaged_result_folder_is_an_input_error(tmp_path, result, file, text, column):
    broken = tmp_path / "broken"
    shutil.copytree(result, broken)
    p = broken / file
    if text is None:  # text in a number column
        t = pd.read_csv(p, dtype=str)
        t.loc[0, column] = "lots"
        t.to_csv(p, index=False)
    else:
        p.write_text(text)
    with pytest.raises(HubDataError) as exc:
        compare([result, broken])
    issue = exc.value.issues[0]
    assert issue.check == "check_result_file" and issue.file.endswith(file)
    assert issue.column == column
    res = hubopt_cli("compare", str(result), str(broken), "--out", str(tmp_path / "c"))
    assert res.returncode == 2 and "internal error" not in res.stderr
    assert not (tmp_path / "c").exists()


@pytest.mark.parametrize("km", ["nan", "-1", "inf"])
def test_within_km_must_be_a_distance(tmp_path, result, km):
    res = hubopt_cli("compare", str(result), "--within-km", km, "--out", str(tmp_path / "c"))
    assert res.returncode == 2 and "--within-km" in res.stderr + res.stdout
    assert not (tmp_path / "c").exists()


class _Refusing:
    def __init__(self, address, timeout=None):
        raise OSError(f"Timed out trying to connect to {address}")


@pytest.mark.parametrize("cls, address", [(_Refusing, "tcp://127.0.0.1:1"), (None, "foo")])
def test_unreachable_scheduler_is_an_input_error(cls, address):
    if cls is None:
        from distributed import Client as cls
    with pytest.raises(HubDataError) as exc:
        _connect(cls, address)
    assert _checks(exc) == {"check_scheduler"}
    assert exc.value.issues[0].column == "--scheduler"
