"""Scenario TOML files: every key parsed, unknown keys and wrong types rejected."""

from __future__ import annotations

from pathlib import Path

import pytest

from hubopt import HubDataError, load_scenario

FULL = """
name = "full"
data = "pkg"
description = "every key"
[objective]
carbon_price = 50
[constraints]
max_emissions_t = 1000.5
max_hubs = 3
min_energy_community_hubs = 1
single_sourcing = true
[solver]
time_limit_s = 30
mip_rel_gap = 0.01
threads = 2
seed = 7
"""


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "s.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_every_key_is_read(tmp_path):
    sc = load_scenario(write(tmp_path, FULL))
    assert sc.name == "full" and sc.description == "every key"
    assert sc.data_dir == (tmp_path / "pkg").resolve()
    assert sc.carbon_price == 50.0
    assert sc.max_emissions_t == 1000.5 and sc.max_hubs == 3
    assert sc.min_energy_community_hubs == 1 and sc.single_sourcing is True
    assert sc.solver.time_limit_s == 30.0 and sc.solver.mip_rel_gap == 0.01
    assert sc.solver.threads == 2 and sc.solver.seed == 7
    assert sc.source == (tmp_path / "s.toml").resolve()


def test_defaults(tmp_path):
    sc = load_scenario(write(tmp_path, 'name = "x"\ndata = "/abs/pkg"\n'))
    assert sc.data_dir == Path("/abs/pkg")
    assert sc.carbon_price == 0 and sc.max_hubs is None and not sc.single_sourcing
    assert sc.solver.mip_rel_gap == 1e-4 and sc.solver.time_limit_s is None


@pytest.mark.parametrize(
    ("text", "column", "fragment"),
    [
        (
            'name="x"\ndata="p"\n[constraints]\nmax_hub = 3\n',
            "constraints.max_hub",
            "unknown key 'max_hub' in [constraints]",
        ),
        (
            'name="x"\ndata="p"\ncarbon_price = 3\n',
            "carbon_price",
            "belongs in the [objective] section",
        ),
        ('name="x"\ndata="p"\n[solvr]\nthreads = 1\n', "solvr", "unknown section [solvr]"),
        (
            'name="x"\ndata="p"\n[constraints]\nmax_hubs = "three"\n',
            "constraints.max_hubs",
            "expected a whole number",
        ),
        (
            'name="x"\ndata="p"\n[constraints]\nmax_hubs = 2.5\n',
            "constraints.max_hubs",
            "expected a whole number",
        ),
        (
            'name="x"\ndata="p"\n[constraints]\nsingle_sourcing = 1\n',
            "constraints.single_sourcing",
            "expected true or false",
        ),
        (
            'name="x"\ndata="p"\n[objective]\ncarbon_price = -5\n',
            "objective.carbon_price",
            "expected a number ≥ 0",
        ),
        (
            'name="x"\ndata="p"\n[solver]\nmip_rel_gap = 2\n',
            "solver.mip_rel_gap",
            "between 0 and 1",
        ),
        ('name="x"\ndata="p"\n[solver]\nthreads = 0\n', "solver.threads", "whole number ≥ 1"),
        ('data="p"\n', "name", "required key 'name' is missing"),
        (
            'name="x"\ndata="p"\n[objective]\ncarbon_price = nan\n',
            "objective.carbon_price",
            "expected a number",
        ),
    ],
)
def test_bad_scenario(tmp_path, text, column, fragment):
    with pytest.raises(HubDataError) as exc:
        load_scenario(write(tmp_path, text))
    issue = exc.value.issues[0]
    assert issue.file == "s.toml" and issue.column == column
    assert fragment in issue.message


def test_bad_toml_syntax(tmp_path):
    with pytest.raises(HubDataError, match="not valid TOML"):
        load_scenario(write(tmp_path, 'name = "x\n'))


def test_missing_scenario_file(tmp_path):
    with pytest.raises(HubDataError, match="does not exist"):
        load_scenario(tmp_path / "nope.toml")


def test_with_options_routes_solver_fields(tmp_path):
    sc = load_scenario(write(tmp_path, FULL)).with_options(threads=1, carbon_price=0.0)
    assert sc.solver.threads == 1 and sc.carbon_price == 0.0 and sc.solver.seed == 7


@pytest.mark.parametrize("name", ["../escape", "a/b", "..", "", ".hidden", "x" * 101])
def test_names_that_would_escape_results_are_refused(tmp_path, name):
    with pytest.raises(HubDataError) as exc:
        load_scenario(write(tmp_path, f'name = "{name}"\ndata = "p"\n'))
    assert exc.value.issues[0].column == "name"
