"""Every validation error, by check name, file, line, column and message."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import TINY

import hubopt
from hubopt import HubDataError

FILES = ["sites", "products", "supply", "demand", "technologies", "recipes", "candidates", "modes"]


def copy_tiny(dst: Path) -> Path:
    dst.mkdir()
    for f in FILES:
        (dst / f"{f}.csv").write_bytes((TINY / f"{f}.csv").read_bytes())
    return dst


def edit(pkg: Path, name: str, old: str, new: str) -> None:
    p = pkg / f"{name}.csv"
    text = p.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {name}.csv"
    p.write_text(text.replace(old, new, 1), encoding="utf-8")


BROKEN = Path(__file__).parent / "data" / "broken"
DATA_CASES = sorted(
    p.name for p in BROKEN.iterdir() if p.is_dir() and not (p / "scenario.toml").exists()
)


@pytest.mark.parametrize("case", DATA_CASES)
def test_validation_error(case):
    """Every broken data package of the corpus raises the right issue from the Python API."""
    exp = json.loads((BROKEN / case / "expected.json").read_text(encoding="utf-8"))
    pkg = BROKEN / case if case != "folder_missing" else BROKEN / case / "nope"
    if exp["exit_code"] == 0:  # a warning: the package loads and carries it
        data = hubopt.load_data(pkg)
        hits = [i for i in data.warnings if i.check == exp["check"]]
        issue = next((i for i in hits if exp["message"] in i.message), None)
        assert issue is not None, [str(i) for i in data.warnings]
        assert (issue.file, issue.row, issue.column) == (exp["file"], exp["line"], exp["column"])
        return
    with pytest.raises(HubDataError) as exc:
        hubopt.load_data(pkg)
    hits = [i for i in exc.value.issues if i.check == exp["check"]]
    assert hits, f"{exp['check']} not raised; got {[str(i) for i in exc.value.issues]}"
    issue = next((i for i in hits if exp["message"] in i.message), None)
    assert issue is not None, f"no message with {exp['message']!r}: {[i.message for i in hits]}"
    assert (issue.file, issue.row, issue.column) == (exp["file"], exp["line"], exp["column"])
    assert exp["message"] in str(exc.value)


def test_missing_package_folder(tmp_path):
    with pytest.raises(HubDataError, match="does not exist") as exc:
        hubopt.load_data(tmp_path / "nope")
    assert exc.value.issues[0].check == "check_package_folder"


def test_all_problems_reported_at_once(tmp_path):
    pkg = copy_tiny(tmp_path / "pkg")
    edit(pkg, "sites", "H1,Hub one,40.0", "H1,Hub one,95.0")
    edit(pkg, "demand", "C2,cells", "C9,cells")
    edit(pkg, "supply", "M1,ore,1000", "M1,ore,ten")
    with pytest.raises(HubDataError) as exc:
        hubopt.load_data(pkg)
    checks = {i.check for i in exc.value.issues}
    assert {"check_range", "check_unknown_sites", "check_number"} <= checks
    assert str(exc.value).startswith("3 problems in the input:")


def test_ids_keep_leading_zeros(tmp_path):
    pkg = copy_tiny(tmp_path / "pkg")
    for f in ("sites", "demand"):
        edit(pkg, f, "C1,", "01001,")
    data = hubopt.load_data(pkg)
    assert "01001" in set(data.sites["site_id"])
    assert "01001" in set(data.demand["site_id"])


def test_unused_output_is_a_warning_not_an_error(tmp_path):
    pkg = copy_tiny(tmp_path / "pkg")
    edit(pkg, "products", "cells,GWh,0.5", "cells,GWh,0.5\nslag,t,1")
    edit(pkg, "technologies", "cellmaking,cells,1,10", "cellmaking,cells,1,10\nsmelting,slag,1,0")
    data = hubopt.load_data(pkg)
    assert [w.check for w in data.warnings] == ["check_unused_outputs"]


def test_extra_columns_are_carried_through(tmp_path, solve):
    pkg = copy_tiny(tmp_path / "pkg")
    edit(pkg, "candidates", "jobs\n", "jobs,source\n")
    text = (pkg / "candidates.csv").read_text().splitlines()
    text = [text[0]] + [line + ",announcement" for line in text[1:]]
    (pkg / "candidates.csv").write_text("\n".join(text) + "\n")
    tables = {f: pd.read_csv(pkg / f"{f}.csv", dtype=str, keep_default_na=False) for f in FILES}
    out = solve(tables)
    assert (out.plan.hubs["source"] == "announcement").all()
