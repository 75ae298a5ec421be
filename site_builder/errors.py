"""Errors a person can act on, each pointing at a file and line."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from site_builder.controls import escape_controls


@dataclass(frozen=True, slots=True, order=True)
class SourcePos:
    """Where something came from."""

    path: str
    """File path as shown to the user (relative to the project root when possible)."""
    line: int = 0
    """1-based line number; 0 when the problem concerns the whole file."""

    def __str__(self) -> str:
        # A file name may hold a newline or an escape sequence: never print it raw.
        path = escape_controls(self.path).replace("\n", "\\n")
        return f"{path}:{self.line}" if self.line else path


class SiteError(Exception):
    """A problem in the user's input: printed as `file:line: message`, never as a traceback."""

    def __init__(self, message: str, where: SourcePos | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where

    def __str__(self) -> str:
        message = escape_controls(self.message)
        return f"{self.where}: {message}" if self.where else message

    def __reduce__(self) -> tuple[type[SiteError], tuple[str, SourcePos | None]]:
        # Keep `where` when a worker process sends the error back.
        return (type(self), (self.message, self.where))


class SiteErrors(SiteError):
    """Several problems found in one pass, reported together sorted by file and line."""

    def __init__(self, errors: list[SiteError]) -> None:
        self.errors = sorted(errors, key=_sort_key)
        super().__init__("\n".join(str(e) for e in self.errors))

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[type[SiteErrors], tuple[list[SiteError]]]:  # type: ignore[override]
        return (type(self), (self.errors,))


class MessageFormatter(logging.Formatter):
    """Format log messages (warnings, progress) with control characters shown as escapes, so
    a title or file name cannot move the terminal's cursor or recolour it."""

    def format(self, record: logging.LogRecord) -> str:
        return escape_controls(super().format(record))


def _sort_key(error: SiteError) -> tuple[str, int, str]:
    where = error.where or SourcePos("")
    return (where.path, where.line, error.message)


def raise_all(errors: list[SiteError]) -> None:
    """Raise the collected errors at once, if there are any."""
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise SiteErrors(errors)
