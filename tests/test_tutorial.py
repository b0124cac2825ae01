"""docs/tutorial.md stays true: its ``bash`` blocks run, in order, in a copy of the repo."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
TUTORIAL = REPO / "docs" / "tutorial.md"


def bash_blocks(text: str) -> list[str]:
    """Return the commands of every fenced ``bash`` block (``sh`` blocks are not run)."""
    blocks = re.findall(r"^```bash\n(.*?)^```", text, flags=re.S | re.M)
    return [line for b in blocks for line in b.splitlines() if line.strip()]


def test_the_tutorial_has_commands_for_rank_compare_and_report():
    cmds = bash_blocks(TUTORIAL.read_text(encoding="utf-8"))
    text = " ".join(cmds)
    assert "hubopt rank" in text and "hubopt compare" in text and "--plans" in text


def test_every_tutorial_command_runs(tmp_path):
    work = tmp_path / "hubopt"
    shutil.copytree(REPO / "models", work / "models")
    shutil.copytree(REPO / "tests" / "data" / "tiny", work / "tests" / "data" / "tiny")
    # `hubopt` is this interpreter's hubopt, whatever is on PATH
    shim = tmp_path / "bin"
    shim.mkdir()
    (shim / "hubopt").write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m hubopt "$@"\n')
    (shim / "hubopt").chmod(0o755)
    env = {**os.environ, "PATH": f"{shim}{os.pathsep}{os.environ['PATH']}", "COLUMNS": "200"}
    for cmd in bash_blocks(TUTORIAL.read_text(encoding="utf-8")):
        r = subprocess.run(["bash", "-ec", cmd], cwd=work, env=env, capture_output=True,
                           text=True, timeout=300)  # fmt: skip
        assert r.returncode == 0, f"{cmd}\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    ranking = pd.read_csv(work / "results" / "ranking" / "ranking.csv")
    assert ranking["premium"].is_monotonic_increasing
    assert (work / "results" / "my-county" / "plans" / "H2" / "summary.json").is_file()
    report = work / "results" / "my-county-vs-baseline" / "report.html"
    assert "H2" in report.read_text(encoding="utf-8")
