"""Helpers shared by test modules (test modules never import each other)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]


def hubopt_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "1000"}
    return subprocess.run(
        [sys.executable, "-m", "hubopt", *args],
        capture_output=True,
        text=True,
        cwd=cwd or REPO,
        env=env,
        timeout=300,
    )


def scenario_file(tmp_path: Path, data: Path, extra: str = "", name: str = "tiny") -> Path:
    p = tmp_path / f"{name}.toml"
    p.write_text(f'name = "{name}"\ndata = "{data}"\n{extra}', encoding="utf-8")
    return p


def random_cflp(n_fac: int = 30, n_cust: int = 120, seed: int = 7) -> dict[str, pd.DataFrame]:
    """A random capacitated facility-location instance (seeded), hard enough not to solve at once."""
    rng = np.random.default_rng(seed)
    fx, fy = rng.uniform(0, 1, n_fac), rng.uniform(0, 1, n_fac)
    cx, cy = rng.uniform(0, 1, n_cust), rng.uniform(0, 1, n_cust)
    demand = rng.integers(5, 35, n_cust).astype(float)
    cap = rng.integers(100, 400, n_fac).astype(float)
    cost = np.hypot(fx[:, None] - cx[None, :], fy[:, None] - cy[None, :]) * 100
    fac = [f"F{i}" for i in range(n_fac)]
    cus = [f"C{j}" for j in range(n_cust)]
    sites = pd.DataFrame(
        {
            "site_id": fac + cus,
            "name": fac + cus,
            "lat": np.r_[fy, cy] * 10 + 30,
            "lon": np.r_[fx, cx] * 10 - 100,
        }
    )
    oi, dj = np.meshgrid(np.arange(n_fac), np.arange(n_cust), indexing="ij")
    return {
        "sites": sites,
        "products": pd.DataFrame({"product": ["good"], "unit": ["t"], "tonnes_per_unit": [1.0]}),
        "supply": pd.DataFrame(columns=["site_id", "product", "capacity", "unit_cost"]),
        "demand": pd.DataFrame({"site_id": cus, "product": "good", "quantity": demand}),
        "technologies": pd.DataFrame(
            {"technology": ["plant"], "output": ["good"], "unit_cost": [0.0]}
        ),
        "recipes": pd.DataFrame(columns=["technology", "input", "quantity"]),
        "candidates": pd.DataFrame(
            {
                "site_id": fac,
                "technology": "plant",
                "size": "s",
                "capacity": cap,
                "fixed_cost": rng.uniform(500, 1500, n_fac).round(1),
            }
        ),
        "modes": pd.DataFrame(
            {"mode": ["road"], "cost_per_tonne_km": [0.0], "kg_co2_per_tonne_km": [0.0]}
        ),
        "lanes": pd.DataFrame(
            {
                "origin": np.array(fac)[oi.ravel()],
                "destination": np.array(cus)[dj.ravel()],
                "mode": "road",
                "product": "good",
                "cost_per_unit": cost.ravel().round(3),
            }
        ),
    }


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def chromium(tmp_path: Path, *args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    """Run headless Chromium offline with ``args`` (fails in CI, skips elsewhere, if absent)."""
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is required in CI (.ci/run installs it)")
        pytest.skip("chromium not installed (apt-get install chromium)")
    cmd = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--host-resolver-rules=MAP * ~NOTFOUND",  # no network at all
        f"--user-data-dir={tmp_path / 'profile'}", *args,
    ]  # fmt: skip
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)


def chromium_dom(page: Path, tmp_path: Path) -> str:
    """Open ``page`` in headless Chromium (offline) and return the DOM after scripts ran."""
    r = chromium(tmp_path, "--virtual-time-budget=2000", "--dump-dom", page.as_uri())
    assert r.returncode == 0 and "<html" in r.stdout, r.stderr[-2000:]
    return r.stdout


def network_tables() -> dict[str, pd.DataFrame]:
    """``base_tables`` with every issue #11 input: a sold by-product, must-take supply,
    minimum utilisation and a lane capacity (for the hand-off and diagnose tests)."""
    from conftest import base_tables

    t = base_tables()
    t["products"] = pd.DataFrame(
        {"product": ["good", "salt"], "unit": ["t", "t"], "tonnes_per_unit": [1.0, 1.0],
         "disposal_cost": [None, -1.0]}
    )  # fmt: skip
    t["byproducts"] = pd.DataFrame(
        {"technology": ["plant"], "product": ["salt"], "quantity": [0.5]}
    )
    t["supply"] = pd.DataFrame(
        {"site_id": ["C1"], "product": ["good"], "capacity": [10.0], "unit_cost": [5.0],
         "min_quantity": [1.0]}
    )  # fmt: skip
    t["candidates"]["min_utilisation"] = [0.2, 0.2]
    t["lanes"]["capacity"] = [None, 4.0, None, None]
    return t


def wait_for_line(proc, text: str, timeout: float = 120.0) -> str:
    """Read ``proc.stderr`` line by line until a line holds ``text``; return what was read.

    For tests that signal a running ``hubopt`` at a known stage (e.g. "solving with
    HiGHS") rather than after a guessed number of seconds. Fails if the process ends or
    ``timeout`` seconds pass first.
    """
    seen, t_end = [], time.monotonic() + timeout
    while time.monotonic() < t_end:
        line = proc.stderr.readline()
        if not line:
            raise AssertionError(f"process ended before {text!r}: {''.join(seen)}")
        seen.append(line)
        if text in line:
            return "".join(seen)
    raise AssertionError(f"{text!r} not seen within {timeout} s: {''.join(seen)}")
