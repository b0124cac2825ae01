"""The one table of scenario fields drives the dataclasses, TOML, --vary and diagnose."""

from __future__ import annotations

import dataclasses
import math
import tomllib
from pathlib import Path

import pytest

import hubopt
from hubopt import HubDataError, Scenario, SolveOptions
from hubopt.inputs.fields import (
    SCENARIO_FIELDS,
    ScenarioField,
    field_named,
    manifest_blocks,
    parse_text,
    relaxable_fields,
    scenario_mapping,
    scenario_toml,
    vary_fields,
)
from hubopt.inputs.scenario import scenario_from_dict
from hubopt.studies.sweep import SWEEP_KEYS, parse_vary


def test_dataclasses_match_the_table():
    """Scenario and SolveOptions have exactly the table's attributes (plus their own)."""
    solver = {f.name for f in dataclasses.fields(SolveOptions)}
    main = {f.name for f in dataclasses.fields(Scenario)}
    rows_solver = {f.attribute for f in SCENARIO_FIELDS if f.section == "solver"}
    rows_main = {f.attribute for f in SCENARIO_FIELDS if f.section != "solver"}
    assert solver == rows_solver | {"log_to_console"}
    assert main == rows_main | {"solver", "source", "data"}
    defaults = Scenario(name="x", data_dir=Path("p"))
    for f in SCENARIO_FIELDS:
        if not f.required:
            owner = defaults.solver if f.section == "solver" else defaults
            assert getattr(owner, f.attribute) == f.default, f.name
    for f in SCENARIO_FIELDS:
        assert f.doc and f.attribute in (Scenario.__doc__ + SolveOptions.__doc__)


def test_every_number_field_has_a_finite_range():
    for f in SCENARIO_FIELDS:
        if f.type in (int, float):
            assert f.minimum is not None and f.maximum is not None, f.name
            assert math.isfinite(f.maximum) and f.maximum < 1e20, f.name


def test_units_are_documented():
    assert "money unit" in field_named("carbon_price").unit
    assert field_named("max_emissions_t").unit == "t CO2/yr"


def test_toml_round_trip_of_every_field(tmp_path):
    sc = Scenario(
        name="rt", data_dir=tmp_path, description='a "quoted" text, Zürich', carbon_price=12.5,
        max_emissions_t=1e6, max_hubs=3, min_energy_community_hubs=1, single_sourcing=True,
        solver=SolveOptions(time_limit_s=30.0, mip_rel_gap=0.01, threads=2, seed=3),
    )  # fmt: skip
    raw = tomllib.loads(scenario_toml(sc))
    assert raw == scenario_mapping(sc)
    again = scenario_from_dict(raw, tmp_path, "x.toml")
    assert again == dataclasses.replace(sc, data_dir=tmp_path.resolve())


def test_unset_optional_keys_are_left_out():
    raw = scenario_mapping(Scenario(name="x", data_dir=Path("/p")))
    assert "max_hubs" not in raw["constraints"] and "time_limit_s" not in raw["solver"]


def test_manifest_block_has_every_field():
    scen, solver = manifest_blocks(Scenario(name="x", data_dir=Path("/p"), max_hubs=2))
    assert scen["max_hubs"] == 2 and "carbon_price" in scen and "name" not in scen
    assert set(solver) == {f.name for f in SCENARIO_FIELDS if f.section == "solver"}


def test_vary_keys_come_from_the_table():
    assert set(SWEEP_KEYS) == {f.name for f in vary_fields()} | {"demand_scale"}
    assert "threads" not in SWEEP_KEYS and "carbon_price" in SWEEP_KEYS


def test_vary_none_unsets_and_values_parse_as_toml(tmp_path):
    base = Scenario(name="b", data_dir=tmp_path, max_hubs=2)
    got = parse_vary(["max_hubs=1,none", "carbon_price=0,50.5"], base)
    assert got == {"max_hubs": [1, None], "carbon_price": [0, 50.5]}
    assert parse_text(field_named("single_sourcing"), "true") is True
    with pytest.raises(HubDataError, match="carbon_price=none is not allowed"):
        parse_vary(["carbon_price=none"], base)
    with pytest.raises(HubDataError, match="expected a number ≥ 0 and at most 1e"):
        parse_vary(["carbon_price=1e300"], base)


def test_relaxation_comes_from_the_table():
    names = {f.relax.constraint for f in relaxable_fields()}
    assert {"max_emissions", "max_hubs", "min_energy_community_hubs"} <= names
    assert {"incentive_budget", "max_import_share", "max_feoc_share"} <= names  # issue 15
    assert {"min_new_hubs", "max_new_hubs"} <= names  # issue 11


def test_a_new_row_is_parsed_and_checked():
    """A row is all it takes for parsing and range checks (the family lives in the model)."""
    row = ScenarioField("max_capex", "constraints", float, None, "money", "Cap.", 0.0, 1e12)
    assert row.expected() == "a number ≥ 0 and at most 1e+12"
    assert row.key == "constraints.max_capex" and row.optional


@pytest.mark.parametrize(
    ("changes", "column", "fragment"),
    [
        ({"time_limit_s": -1.0}, "solver.time_limit_s", "a number of seconds ≥ 0"),
        ({"time_limit_s": float("nan")}, "solver.time_limit_s", "nan is not valid"),
        ({"mip_rel_gap": 1.0}, "solver.mip_rel_gap", "between 0 and 1"),
        ({"mip_rel_gap": -0.1}, "solver.mip_rel_gap", "between 0 and 1"),
        ({"threads": 0}, "solver.threads", "whole number ≥ 1"),
        ({"carbon_price": 1e300}, "objective.carbon_price", "1e+300 is not valid"),
    ],
)
def test_values_set_in_python_or_on_the_command_line_are_checked(changes, column, fragment):
    with pytest.raises(HubDataError) as exc:
        Scenario(name="x", data_dir=Path("p")).with_options(**changes)
    assert exc.value.issues[0].column == column and fragment in exc.value.issues[0].message


def test_cli_rejects_bad_solver_flags(tmp_path):
    from helpers import hubopt_cli

    out = hubopt_cli("solve", "models/tiny.toml", "--gap", "5", "--out", str(tmp_path / "r"))
    assert out.returncode == 2, out.stdout + out.stderr
    text = out.stdout + out.stderr
    assert "--gap" in text and "500%" in text and "Traceback" not in text


def test_scenario_pickles_for_dask_workers():
    import pickle

    sc = Scenario(name="x", data_dir=Path("p"), max_hubs=1)
    assert pickle.loads(pickle.dumps(sc)) == sc
    assert type(hubopt.Scenario).__name__ == "type"
