"""Command-line values: one parser per kind of value, shared by ``solve``, ``pareto``, ``sweep``.

Each raises :class:`typer.BadParameter`, which the command line reports as
``Invalid value for '--gap': …`` with exit code 2, before anything is loaded or solved.

>>> parse_gap("0.5%")
0.005
>>> parse_gap("0.005")
0.005
>>> parse_gap("0")
0.0
"""

from __future__ import annotations

import math

import typer

__all__ = ["GAP_BARE_LIMIT", "check_threads", "check_time_limit", "parse_gap"]

GAP_BARE_LIMIT = 0.1
"""A bare ``--gap`` at or above this is refused as a likely percent (``0.5`` = 50 %)."""


def parse_gap(text: str | float | None) -> float | None:
    """Read a relative MIP gap: ``0.5%`` and ``0.005`` alike.

    Parameters
    ----------
    text : str
        A fraction (``0.005``) or a percent (``0.5%``).

    Returns
    -------
    float or None
        The gap as a fraction in [0, 1).

    Raises
    ------
    typer.BadParameter
        For text that is not a number, NaN, a negative gap, a gap of 100 % or more, or a
        bare number ≥ 0.1 (the message shows the percent form to write instead).

    Examples
    --------
    >>> parse_gap("1%")
    0.01
    >>> try:
    ...     parse_gap("0.5")
    ... except typer.BadParameter as exc:
    ...     print(exc.message)
    0.5 would be a gap of 50%; for 0.5% write --gap 0.5%, for 50% write --gap 50%
    """
    if text is None or isinstance(text, float):
        return text
    t = str(text).strip()
    percent = t.endswith("%")
    try:
        value = float(t.removesuffix("%").strip())
    except ValueError:
        raise typer.BadParameter(
            f"'{text}' is not a gap: write a fraction such as 0.005 or a percent such as 0.5%"
        ) from None
    if math.isnan(value):
        raise typer.BadParameter("the gap is NaN: write a fraction such as 0.005 or 0.5%")
    gap = value / 100.0 if percent else value
    if gap < 0:
        raise typer.BadParameter(f"the gap {t} is negative: it must be 0 or more")
    if not percent and gap >= GAP_BARE_LIMIT:
        hint = f"for {gap:g}% write --gap {gap:g}%"
        if gap < 1:
            hint += f", for {gap:.0%} write --gap {gap * 100:g}%"
        raise typer.BadParameter(f"{t} would be a gap of {gap:.0%}; {hint}")
    if gap >= 1:
        raise typer.BadParameter(f"the gap {t} is 100% or more: it must be below 100%")
    return gap


def check_time_limit(value: float | None) -> float | None:
    """Refuse a negative, NaN or infinite time limit (seconds).

    >>> check_time_limit(60.0)
    60.0
    """
    if value is not None and not (math.isfinite(value) and value >= 0):
        raise typer.BadParameter(
            f"{value} is not a time limit: give seconds as a finite number ≥ 0"
        )
    return value


def check_threads(value: int | None) -> int | None:
    """Refuse fewer than one HiGHS thread.

    >>> check_threads(2)
    2
    """
    if value is not None and value < 1:
        raise typer.BadParameter(f"{value} threads: give 1 or more")
    return value
