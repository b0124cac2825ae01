"""Result folders: --force never destroys data, claims are atomic, kills lose nothing."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from conftest import TINY, write_package
from helpers import REPO, hubopt_cli, random_cflp, scenario_file, wait_for_line

from hubopt.errors import HubDataError
from hubopt.outputs.folder import atomic_folder, check_target, clean_leftovers, is_hubopt_folder


def _copy_tiny(dst: Path) -> Path:
    shutil.copytree(TINY, dst)
    return dst


def _tree(path: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()
    }


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_force_refuses_a_regular_file(tmp_path):
    target = tmp_path / "notes.txt"
    target.write_text("my notes")
    r = hubopt_cli("solve", str(scenario_file(tmp_path, TINY)), "--out", str(target), "--force")
    assert r.returncode == 2, r.stderr
    assert "is not a folder" in r.stderr and "Traceback" not in r.stderr
    assert target.read_text() == "my notes"


def test_force_refuses_a_folder_hubopt_did_not_write(tmp_path):
    target = tmp_path / "mine"
    target.mkdir()
    (target / "precious.txt").write_text("keep me")
    r = hubopt_cli("solve", str(scenario_file(tmp_path, TINY)), "--out", str(target), "--force")
    assert r.returncode == 2, r.stderr
    assert "replaces only a folder hubopt wrote" in r.stderr
    assert (target / "precious.txt").read_text() == "keep me"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".mine")]


@pytest.mark.parametrize("where", ["package", "parent"])
def test_force_never_touches_the_input_data(tmp_path, where):
    pkg = _copy_tiny(tmp_path / "proj" / "pkg")
    before = _tree(pkg)
    out = pkg if where == "package" else pkg.parent
    sc = scenario_file(tmp_path, pkg)
    r = hubopt_cli("solve", str(sc), "--out", str(out), "--force")
    assert r.returncode == 2, r.stderr
    assert "is or holds an input of this run" in r.stderr
    assert _tree(pkg) == before


def test_force_replaces_a_hubopt_folder(tmp_path):
    sc = scenario_file(tmp_path, TINY)
    out = tmp_path / "res"
    assert hubopt_cli("solve", str(sc), "--out", str(out)).returncode == 0
    assert is_hubopt_folder(out)
    first = json.loads((out / "manifest.json").read_text())["created_utc"]
    (out / "stale.txt").write_text("from an earlier run")
    time.sleep(1.1)
    r = hubopt_cli("solve", str(sc), "--out", str(out), "--force")
    assert r.returncode == 0, r.stderr
    man = json.loads((out / "manifest.json").read_text())
    assert man["written_by"] == "hubopt" and man["kind"] == "solve"
    assert man["created_utc"] != first and not (out / "stale.txt").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".res")]


def test_earlier_result_with_the_same_name_is_never_touched(tmp_path):
    sc = scenario_file(tmp_path, TINY)
    out = tmp_path / "res"
    assert hubopt_cli("solve", str(sc), "--out", str(out)).returncode == 0
    before = _tree(out)
    r = hubopt_cli("solve", str(sc), "--out", str(out))
    assert r.returncode == 0
    assert _tree(out) == before
    assert "res-2" in r.stdout and (tmp_path / "res-2" / "summary.json").is_file()


def test_two_runs_at_once_each_get_their_own_folder(tmp_path):
    sc = scenario_file(tmp_path, TINY)
    out = tmp_path / "res"
    cmd = [sys.executable, "-m", "hubopt", "solve", str(sc), "--out", str(out)]
    env = {**os.environ, "COLUMNS": "1000"}
    procs = [
        subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    outs = [p.communicate(timeout=300)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0]
    said = sorted(
        line.split("results written to ")[1].strip()
        for o in outs
        for line in o.splitlines()
        if "results written to" in line
    )
    assert said == sorted({str(out), str(out) + "-2", str(out) + "-3"})
    for folder in said:
        assert (Path(folder) / "summary.json").is_file()


def test_replacement_keeps_one_copy_at_every_instant(tmp_path):
    """A run killed halfway through the fallback swap: the next run restores the old result."""
    target = tmp_path / "res"
    atomic_folder(target, lambda d: (d / "a.txt").write_text("old"), force=False)
    old = tmp_path / f".res.old-{_dead_pid()}-abcd"
    old.mkdir()
    os.rename(target, old / "res")  # the state between the two renames of the fallback
    assert not target.exists()
    clean_leftovers(tmp_path, "res")
    assert (target / "a.txt").read_text() == "old" and not old.exists()


def test_force_swap_replaces_content(tmp_path):
    target = tmp_path / "res"
    atomic_folder(target, lambda d: (d / "a.txt").write_text("old"), force=False)
    atomic_folder(target, lambda d: (d / "b.txt").write_text("new"), force=True)
    assert (target / "b.txt").read_text() == "new" and not (target / "a.txt").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["res"]


def test_kill_9_leaves_no_complete_looking_folder_and_is_cleaned_up(tmp_path):
    target = tmp_path / "res"
    code = textwrap.dedent(
        f"""
        import time
        from pathlib import Path
        from hubopt.outputs.folder import atomic_folder

        def writer(d):
            (d / "summary.json").write_text("{{}}")
            Path({str(tmp_path / "started")!r}).write_text("1")
            time.sleep(60)

        atomic_folder(Path({str(target)!r}), writer, force=False)
        """
    )
    p = subprocess.Popen([sys.executable, "-c", code], cwd=REPO)
    deadline = time.monotonic() + 60
    while not (tmp_path / "started").exists():
        assert time.monotonic() < deadline and p.poll() is None
        time.sleep(0.05)
    p.send_signal(signal.SIGKILL)
    p.wait()
    assert not target.exists()
    leftovers = [q for q in tmp_path.iterdir() if q.name.startswith(".res.tmp-")]
    assert leftovers, "the killed run's temporary folder should be there until the next run"
    atomic_folder(target, lambda d: (d / "x.txt").write_text("x"), force=False)
    assert (target / "x.txt").is_file()
    assert not [q for q in tmp_path.iterdir() if q.name.startswith(".res.")]


def test_sigterm_is_handled_like_ctrl_c(tmp_path):
    pkg = write_package(tmp_path / "pkg", random_cflp(60, 300, seed=5))
    sc = scenario_file(tmp_path, pkg, "[constraints]\nsingle_sourcing = true\n")
    out = tmp_path / "res"
    p = subprocess.Popen(
        [sys.executable, "-m", "hubopt", "solve", str(sc), "--out", str(out), "--gap", "0"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    head = wait_for_line(p, "solving with HiGHS")  # the signal comes during the solve
    time.sleep(1.0)
    p.send_signal(signal.SIGTERM)
    _, stderr = p.communicate(timeout=120)
    stderr = head + stderr
    assert p.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert not out.exists()
    assert not [q for q in tmp_path.iterdir() if q.name.startswith(".res")]


def test_output_under_a_file_is_refused_before_solving(tmp_path):
    (tmp_path / "afile").write_text("x")
    t0 = time.monotonic()
    r = hubopt_cli(
        "solve", str(scenario_file(tmp_path, TINY)), "--out", str(tmp_path / "afile" / "r")
    )
    assert r.returncode == 2 and "is a file" in r.stderr
    assert time.monotonic() - t0 < 60


def test_check_target_messages(tmp_path):
    with pytest.raises(HubDataError, match="check_output_not_file|is not a folder"):
        (tmp_path / "f").write_text("")
        check_target(tmp_path / "f", force=False)
    with pytest.raises(HubDataError, match="is or holds an input"):
        check_target(tmp_path, force=True, protect=[tmp_path / "pkg" / "sites.csv"])
    check_target(tmp_path / "new", force=True)  # fine: nothing there yet


def _mount_tmpfs(path: Path, opts: str) -> bool:
    path.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    r = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(path)], capture_output=True
    )
    return r.returncode == 0


@pytest.mark.parametrize(("opts", "why"), [("size=32k", "full"), ("ro,size=1m", "read-only")])
def test_unusable_output_location_is_found_before_the_solve(tmp_path, opts, why):
    mnt = tmp_path / "mnt"
    if not _mount_tmpfs(mnt, opts):
        pytest.skip("needs root and tmpfs mounts to make a full or read-only location")
    try:
        if why == "full":
            (mnt / "filler").write_bytes(b"\0" * 24 * 1024)
        r = hubopt_cli("solve", str(scenario_file(tmp_path, TINY)), "--out", str(mnt / "res"))
        assert r.returncode == 2, r.stderr
        assert "cannot write results beside" in r.stderr and "Traceback" not in r.stderr
    finally:
        subprocess.run(["umount", str(mnt)], check=False)


def test_manifest_ignores_fifos_and_foreign_files(tmp_path):
    pkg = _copy_tiny(tmp_path / "pkg")
    os.mkfifo(pkg / "endless.csv")
    (pkg / "notes.csv").write_text("not part of the contract\n")
    out = tmp_path / "res"
    r = hubopt_cli("solve", str(scenario_file(tmp_path, pkg)), "--out", str(out))
    assert r.returncode == 0, r.stderr
    hashed = json.loads((out / "manifest.json").read_text())["input_sha256"]
    assert "endless.csv" not in hashed and "notes.csv" not in hashed and "sites.csv" in hashed
