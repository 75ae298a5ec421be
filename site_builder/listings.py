"""Pasted listing files -> entries: the layout of each file found by its content, then read."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from site_builder.controls import strip_controls
from site_builder.errors import SiteError, SourcePos
from site_builder.readers import READERS, ParsedListing, Reader
from site_builder.readers.base import content_lines
from site_builder.readers.hf_bundled import (
    CHROME_LINES,
    count_listing_lines,
    first_unread_line,
    parse_listing,
)
from site_builder.readfile import read_file

log = logging.getLogger(__name__)

CONFIDENT = 0.5
"""The least confidence at which a reader is trusted with a file."""
SURE = 0.9
"""A confidence no reader later in READERS reaches, so detection stops there."""
_FILE_DATE_RE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")

__all__ = [
    "CHROME_LINES",
    "ParsedListing",
    "detect_layout",
    "parse_listing",
    "parse_text",
    "read_listing",
    "year_for_file",
    "year_in_file_name",
]


def year_in_file_name(name: str) -> int | None:
    """Return the year of a YYYY-MM-DD in a dump's file name, if there is one."""
    match = _FILE_DATE_RE.search(name)
    return int(match.group(1)) if match else None


def year_for_file(name: str, configured_year: int | None, fallback_year: int) -> int:
    """Return the year for dates without one: a YYYY-MM-DD in the file name, else the setting, else the fallback."""
    from_name = year_in_file_name(name)
    if from_name is not None:
        return from_name
    return configured_year if configured_year is not None else fallback_year


def detect_layout(text: str) -> Reader | None:
    """Return the reader most confident that the text is in its layout, if one is confident."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    best: Reader | None = None
    best_score = CONFIDENT
    for reader in READERS:
        score = reader.detect(text)
        if score > best_score or (best is None and score >= best_score):
            best, best_score = reader, score
        if best_score >= SURE:
            break  # READERS are ordered by the most a reader can score: none after it beats this
    return best


def parse_text(text: str, path: str, year: int) -> ParsedListing:
    """Read a pasted text with the reader of its layout; text that fits none is an error."""
    reader = detect_layout(text)
    if reader is None:
        lines = list(content_lines(text))
        if count_listing_lines(text, year) < 2:
            raise SiteError(
                "no papers found: expected title and abstract lines after the page header",
                SourcePos(path),
            )
        first = first_unread_line(text, year) or lines[0]
        raise SiteError(
            f"not a listing in any known layout: cannot read {first.text[:60]!r} as a paper "
            f"(known layouts: {', '.join(reader.name for reader in READERS)})",
            SourcePos(path, first.number),
        )
    return reader.read(text, path, year)


def read_listing(
    path: Path, shown_as: str, configured_year: int | None, fallback_year: int
) -> ParsedListing:
    """Read and parse one dump file; a file that is not UTF-8 text or has no entries is an error."""
    data = read_file(path, shown_as)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SiteError(
            f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "save the listing as UTF-8",
            SourcePos(shown_as, line),
        ) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise SiteError("not a text file (contains NUL bytes)", SourcePos(shown_as, line))
    text = strip_controls(text)
    year = year_for_file(path.name, configured_year, fallback_year)
    parsed = parse_text(text, shown_as, year)
    if not parsed.entries:
        raise SiteError(
            f"no papers found in this {parsed.layout} text",
            SourcePos(shown_as),
        )
    return parsed
