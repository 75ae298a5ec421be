"""What every reader shares: the parsed result, the reader interface, lines, dates and ids."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from site_builder.latex import normalise_text
from site_builder.models import Entry

# Only these end a line: str.splitlines() also splits on U+2028, form feeds and the like, which
# pasted web text carries inside titles and abstracts, and which editors do not count as lines.
_LINE_BREAK_RE = re.compile(r"\r\n|\r|\n")
MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
"""Three-letter month names -> month numbers."""
_MONTH_DAY_RE = re.compile(
    r"(?P<month>[A-Za-z]{3})[a-z]*\.?\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(?P<year>\d{4}))?"
)
_DAY_MONTH_RE = re.compile(r"(?P<day>\d{1,2})\s+(?P<month>[A-Za-z]{3})[a-z]*\.?\s+(?P<year>\d{4})")
_ARXIV_ID_RE = re.compile(
    r"(?<![\w./-])(?:arxiv:\s*)?(?P<id>\d{4}\.\d{4,5}|[a-z][a-z.-]*(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?(?![\w/])",
    re.IGNORECASE,
)
_SPACE_BEFORE_PUNCT_RE = re.compile(r"(?<=\w) +(?=[,.;:!?](?:\s|$))")


@dataclass(frozen=True, slots=True)
class ParsedListing:
    """The entries of one dump and the oddities met on the way."""

    entries: tuple[Entry, ...]
    """Entries in file order."""
    warnings: tuple[str, ...]
    """`file:line: message` strings for things worth a look (e.g. a title without abstract)."""
    layout: str = ""
    """Name of the layout the file was read as (e.g. `arxiv-listing`)."""


class Reader(Protocol):
    """One layout of pasted text: how sure it is that a text is in it, and how to read it."""

    @property
    def name(self) -> str:
        """Short layout name shown to the user (`hf-daily`, `arxiv-listing`, ...)."""
        ...

    def detect(self, text: str) -> float:
        """Return how sure this reader is that the text (lines ended by LF) is in its layout."""
        ...

    def read(self, text: str, path: str, year: int) -> ParsedListing:
        """Parse the text; `path` is shown in warnings, `year` completes dates without one."""
        ...


@dataclass(frozen=True, slots=True)
class Line:
    """A non-blank line of a pasted text."""

    number: int
    """1-based line number in the file."""
    text: str
    """The line, stripped of surrounding white space and a BOM."""


def split_lines(text: str) -> list[str]:
    """Return the raw lines of a text, split only at CR, LF and CRLF."""
    return _LINE_BREAK_RE.split(text) if "\r" in text else text.split("\n")


def content_lines(text: str) -> Iterator[Line]:
    """Yield the non-blank lines of a text, stripped, with their 1-based numbers."""
    for number, raw in enumerate(split_lines(text), 1):
        line = raw.strip().lstrip("\ufeff").strip()
        if line:
            yield Line(number, line)


def _make_date(year: int, month: int, day: int) -> str | None:
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def parse_month_day(text: str, year: int) -> str | None:
    """Return the ISO date of a whole `Mar 12`, `Mar 12, 2024` or `12 Mar 2024`, else None."""
    match = _MONTH_DAY_RE.fullmatch(text.strip())
    if match and match["month"].lower() in MONTHS:
        return _make_date(
            int(match["year"] or year), MONTHS[match["month"].lower()], int(match["day"])
        )
    match = _DAY_MONTH_RE.fullmatch(text.strip())
    if match and match["month"].lower() in MONTHS:
        return _make_date(int(match["year"]), MONTHS[match["month"].lower()], int(match["day"]))
    return None


def find_date(text: str, year: int) -> str | None:
    """Return the first date (`Mar 12, 2024`, `15 November 2024`) found inside a text."""
    for regex in (_DAY_MONTH_RE, _MONTH_DAY_RE):
        for match in regex.finditer(text):
            if match["month"].lower() in MONTHS:
                found = _make_date(
                    int(match["year"] or year), MONTHS[match["month"].lower()], int(match["day"])
                )
                if found:
                    return found
    return None


def find_arxiv_id(text: str) -> str | None:
    """Return the first arXiv id in a text, without its version (`2503.01234`, `math/0612849`)."""
    match = _ARXIV_ID_RE.search(text)
    return match["id"] if match else None


def join_wrapped_lines(lines: list[str]) -> str:
    """Join hard-wrapped lines into one: a space between them, none after a line-end hyphen.

    Listings wrap at spaces and never split a word, so a hyphen at the end of a line is a real
    one (`self-` + `supervised`) and is kept.
    """
    out = ""
    for line in lines:
        line = line.strip()
        if not line:
            continue
        if not out:
            out = line
        elif out.endswith("-") and len(out) > 1 and out[-2].isalnum():
            out += line
        else:
            out += " " + line
    return out


def tidy_spaces(text: str) -> str:
    """Remove the stray spaces before punctuation that highlighted keywords leave in a copy."""
    return _SPACE_BEFORE_PUNCT_RE.sub("", text)


def normalise_name(name: str) -> str:
    """Return an author name as Unicode text: LaTeX (`G{\\"o}del`) converted, spaces collapsed.

    Most names have no LaTeX at all; those skip the converter, which is slow.
    """
    if any(ch in name for ch in "\\{}$~^_"):
        return normalise_text(name)
    return unicodedata.normalize("NFC", " ".join(name.split()))


def split_names(text: str) -> tuple[str, ...]:
    """Split `A, B and C` (or `A, B, and C`) into names."""
    parts = re.split(r",\s*(?:and\s+)?|\s+and\s+", text.strip().rstrip("."))
    return tuple(part.strip() for part in parts if part.strip())
