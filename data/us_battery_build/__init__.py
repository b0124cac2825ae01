"""Build the default US battery-hub data package ``data/us_battery/`` (v2, target 2030).

The package is regenerated, byte for byte and offline, from the sourced research
tables in ``data/sources_2030/`` (this repository) and ``../shared/research/``.

Modules
-------
common
    Provenance record, geometry and deterministic CSV output.
params
    Every number not read from a source table, with unit, tag and source.
sites
    EV plants, cell campuses, material plants, ports, coal sites, parks, load centres.
demand
    2030 EV and ESS cell demand by chemistry.
technologies
    Products, technologies, recipes, by-products and technology factors.
candidates
    Real plants by status and generic tiers at every suitable site.
supply
    Domestic lithium, must-take black mass and priced imports.
factors
    Site factors (electricity, grid CO2, labour).
writer
    Checks, CSV files, ``package.toml``, ``README.md`` and ``SOURCES.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd


@dataclass
class BuildState:
    """Tables collected while the build reads its sources.

    Parameters
    ----------
    research : Path
        The shared research folder (``README.md``, ``FACTS.md``, ``raw/``).
    sources : Path
        ``data/sources_2030``.
    """

    research: Path
    sources: Path
    notes: list[str] = field(default_factory=list)
    sites: list[dict] = field(default_factory=list)
    demand: list[dict] = field(default_factory=list)
    supply: list[dict] = field(default_factory=list)
    cands: list[dict] = field(default_factory=list)
    stats: dict[str, object] = field(default_factory=dict)
    port_ids: list[str] = field(default_factory=list)
    need: dict[str, float] = field(default_factory=dict)
    nis_per_bm: float = 0.0
    facilities: pd.DataFrame | None = None
    curated_coal: pd.DataFrame | None = None
    products: pd.DataFrame | None = None
    technologies: pd.DataFrame | None = None
    recipes: pd.DataFrame | None = None
    byproducts: pd.DataFrame | None = None
    technology_factors: pd.DataFrame | None = None
    site_factors: pd.DataFrame | None = None


def build(research: Path, sources: Path, out: Path) -> dict[str, object]:
    """Build every file of the package into ``out``.

    Parameters
    ----------
    research : Path
        Shared research folder.
    sources : Path
        ``data/sources_2030`` folder.
    out : Path
        Output folder (created if needed).

    Returns
    -------
    dict
        Summary figures (rows per file, demand totals, lanes).
    """
    from us_battery_build import candidates, demand, factors, sites, supply, technologies, writer

    st = BuildState(research=research, sources=sources)
    writer.check_params(st)
    technologies.build_chemistry(st)
    sites.build_sites(st)
    demand.build_demand(st)
    candidates.build_candidates(st)
    supply.build_supply(st)
    factors.build_factors(st)
    return writer.write_package(st, out)
