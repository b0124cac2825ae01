"""The corpus of broken inputs in tests/data/broken, run through `hubopt validate`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from hubopt.cli import app

BROKEN = Path(__file__).parent / "data" / "broken"
CASES = sorted(p.name for p in BROKEN.iterdir() if p.is_dir())


def test_corpus_is_large_and_up_to_date(tmp_path):
    assert len(CASES) >= 25
    sys.path.insert(0, str(BROKEN))
    try:
        import make_corpus
    finally:
        sys.path.remove(str(BROKEN))
    assert sorted(make_corpus.build(tmp_path)) == CASES
    for case in CASES:
        fresh = sorted(p.name for p in (tmp_path / case).iterdir())
        assert fresh == sorted(p.name for p in (BROKEN / case).iterdir()), case
        for name in fresh:
            assert (tmp_path / case / name).read_bytes() == (BROKEN / case / name).read_bytes(), (
                f"{case}/{name} differs from make_corpus.py: rerun it"
            )


@pytest.mark.parametrize("case", CASES)
def test_validate_reports_case(case, tmp_path):
    folder = BROKEN / case
    exp = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    target = folder / "scenario.toml" if (folder / "scenario.toml").exists() else folder
    report = tmp_path / "problems.csv"
    result = CliRunner().invoke(app, ["validate", str(target), "--csv", str(report)])
    assert result.exit_code == exp["exit_code"], result.output
    assert "Traceback" not in result.output
    df = pd.read_csv(report, dtype={"line": "Int64"}, keep_default_na=False, na_values=[""])
    hit = df[
        (df["check"] == exp["check"]) & df["message"].str.contains(exp["message"], regex=False)
    ]
    assert len(hit) >= 1, df.to_string()
    row = hit.iloc[0]
    assert row["file"] == exp["file"]
    assert (None if pd.isna(row["line"]) else int(row["line"])) == exp["line"]
    assert (None if pd.isna(row["column"]) else row["column"]) == exp["column"]
