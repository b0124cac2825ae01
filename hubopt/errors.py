"""Problems found in user input, and the exception that carries them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Issue:
    """One problem found in the input.

    Parameters
    ----------
    check : str
        Name of the check that found it (e.g. ``"check_unknown_sites"``).
    message : str
        What is wrong and what to change, in plain words.
    file : str
        File the problem is in (``sites.csv``, ``baseline.toml``, ...), or ``""``.
    row : int, optional
        Line number as a spreadsheet shows it (the header is line 1).
    column : str, optional
        Column (or TOML key) concerned.
    severity : {"error", "warning"}
        Errors stop the run; warnings are reported and the run goes on.
    row_word : str
        How the row is named: ``line`` for files (a spreadsheet's line number), ``row``
        for in-memory tables (the DataFrame's index label).
    """

    check: str
    message: str
    file: str = ""
    row: int | str | None = None
    column: str | None = None
    severity: Severity = "error"
    row_word: str = "line"

    def location(self) -> str:
        """Return ``file, line N, column 'c'`` for messages."""
        parts = [self.file] if self.file else []
        if self.row is not None:
            parts.append(f"{self.row_word} {self.row}")
        if self.column:
            parts.append(f"column '{self.column}'")
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.location()
        return f"{where}: {self.message}" if where else self.message


class HubDataError(ValueError):
    """Raised when input data or a scenario file cannot be used.

    The ``issues`` attribute lists every problem found (not just the first), so a user
    can fix them all in one pass.
    """

    def __init__(self, issues: list[Issue]):
        self.issues = [i for i in issues if i.severity == "error"] or list(issues)
        self.warnings = [i for i in issues if i.severity == "warning"]
        n = len(self.issues)
        head = f"{n} problem{'s' if n != 1 else ''} in the input:"
        body = "\n".join(f"  - {i}" for i in self.issues[:50])
        more = f"\n  ... and {n - 50} more" if n > 50 else ""
        super().__init__(f"{head}\n{body}{more}")


def raise_if_errors(issues: list[Issue]) -> None:
    """Raise :class:`HubDataError` if any issue is an error."""
    if any(i.severity == "error" for i in issues):
        raise HubDataError(issues)
