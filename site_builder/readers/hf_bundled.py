"""Hugging Face daily papers as the bundled dumps have them: title and abstract lines."""

from __future__ import annotations

import datetime as dt
import re

from site_builder.errors import SourcePos
from site_builder.latex import normalise_text
from site_builder.models import Entry
from site_builder.readers.base import Line, ParsedListing, content_lines, parse_month_day

CHROME_LINES = frozenset(
    line.casefold()
    for line in (
        "new",
        "Get trending papers in your email inbox!",
        "Get trending papers in your email inbox once a day!",
        "Subscribe",
        "byAK and the research community",
        "by AK and the research community",
        "Daily Papers",
        "Submit",
        "Previous",
        "Next",
    )
)
"""Page furniture copied along with a listing; never a title."""

_ISO_LINE_RE = re.compile(r"^(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})$")
# A title glued to the button: capitalised, or lowercase with a capital, digit or hyphen in its
# first word (`xLSTM`, `mPLUG`, `k-means`); not `Subscribers ...`, which is a title of its own.
_GLUED_SUBSCRIBE_RE = re.compile(r"^Subscribe(?=[A-Z0-9\"'(\[$\\]|[a-z]+[A-Z0-9-])")
# Lines that start Markdown, code or data rather than a paper title.
_NOT_TITLE_RE = re.compile(
    r"^(?:#|[-*+>|]\s|```|\d+[.)]\s|(?:import|from|def|class|return|if|for|with)\b.*[:;)]$|"
    r".*[{};]$|.*(?:,[^ ,]*){3,}$)"
)
_SENTENCE_END_RE = re.compile(r"[.!?][\"')\]]*$")
_SENTENCE_STOP_RE = re.compile(r"[.!?](?:\s|$)")


def _parse_date_line(line: str, year: int) -> str | None:
    """Return the ISO date if the line is a listing date line such as `Mar 12`."""
    match = _ISO_LINE_RE.match(line)
    if match:
        try:
            return dt.date(int(match["year"]), int(match["month"]), int(match["day"])).isoformat()
        except ValueError:
            return None
    return parse_month_day(line, year)


def _looks_like_abstract(line: str) -> bool:
    """Return whether a line reads as an abstract: long prose, not a title."""
    return len(line) >= 400 or (len(line) >= 120 and len(_SENTENCE_STOP_RE.findall(line)) >= 2)


def _stream(text: str, year: int) -> list[tuple[int, str, str | None]]:
    """Return the lines that are neither furniture nor date lines, with the date above them."""
    date: str | None = None
    stream: list[tuple[int, str, str | None]] = []
    seen_content = False
    for item in content_lines(text):
        line = item.text
        if line.casefold() in CHROME_LINES:
            continue
        if not seen_content:
            line = _GLUED_SUBSCRIBE_RE.sub("", line)
        maybe_date = _parse_date_line(line, year)
        if maybe_date:
            date = maybe_date
            continue
        seen_content = True
        stream.append((item.number, line, date))
    return stream


def _pairs(
    stream: list[tuple[int, str, str | None]], path: str
) -> tuple[list[tuple[int, str, str, str | None]], list[str]]:
    """Pair titles with abstracts: (line, title, abstract, date) and warnings."""
    pairs: list[tuple[int, str, str, str | None]] = []
    warnings: list[str] = []
    index = 0
    while index < len(stream):
        number, title, day = stream[index]
        following = stream[index + 1] if index + 1 < len(stream) else None
        after = stream[index + 2] if index + 2 < len(stream) else None
        # A stray abstract is named as such before the orphan test would call it a title.
        if _looks_like_abstract(title) and (
            following is None or not _looks_like_abstract(following[1])
        ):
            warnings.append(f"{path}:{number}: abstract without a title, skipped")
            index += 1
            continue
        orphan = following is None or (
            not _looks_like_abstract(following[1])
            and after is not None
            and _looks_like_abstract(after[1])
        )
        if orphan:
            warnings.append(f"{path}:{number}: title without an abstract, skipped: {title[:80]!r}")
            index += 1
            continue
        assert following is not None
        pairs.append((number, title, following[1], day))
        index += 2
    return pairs, warnings


def _plausible(title: str, abstract: str) -> bool:
    """Return whether a title/abstract pair reads as a paper rather than prose, code or data."""
    if len(title) > 1000 or _NOT_TITLE_RE.match(title) or _SENTENCE_END_RE.search(title):
        return False
    # Prose first: _NOT_TITLE_RE backtracks through a long abstract's commas.
    if not _looks_like_abstract(abstract) and _NOT_TITLE_RE.match(abstract):
        return False
    return bool(abstract.split()) and (
        bool(_SENTENCE_END_RE.search(abstract)) or _looks_like_abstract(abstract)
    )


def count_listing_lines(text: str, year: int) -> int:
    """Return how many lines are neither furniture nor date lines."""
    return len(_stream(text, year))


def first_unread_line(text: str, year: int) -> Line | None:
    """Return the first line that is neither furniture nor part of a plausible title/abstract pair."""
    stream = _stream(text, year)
    pairs, _ = _pairs(stream, "")
    good = {number for number, title, abstract, _ in pairs if _plausible(title, abstract)}
    for index, (number, line, _) in enumerate(stream):
        if number not in good and (index == 0 or stream[index - 1][0] not in good):
            return Line(number, line)
    return None


def parse_listing(text: str, path: str, year: int) -> ParsedListing:
    """Parse the text of one dump: page chrome and date lines, then title/abstract pairs.

    Both layouts reduce to the same stream: blank lines are ignored, so blocks separated by
    blank lines and alternating lines without any read the same way.
    """
    pairs, warnings = _pairs(_stream(text, year), path)
    entries = tuple(
        Entry(
            title=normalise_text(title),
            abstract=normalise_text(abstract, markdown=True),
            date=day,
            where=SourcePos(path, number),
        )
        for number, title, abstract, day in pairs
    )
    return ParsedListing(entries, tuple(warnings), HFBundledReader.name)


class HFBundledReader:
    """Title and abstract lines under a date line, with the old page's furniture."""

    name = "hf-daily"

    def detect(self, text: str) -> float:
        """Return the share of content lines that pair into plausible titles and abstracts."""
        stream = _stream(text, 2000)
        if not stream:
            return 0.0
        pairs, _ = _pairs(stream, "")
        good = sum(1 for _, title, abstract, _ in pairs if _plausible(title, abstract))
        return min(1.0, 2 * good / len(stream)) * 0.8

    def read(self, text: str, path: str, year: int) -> ParsedListing:
        """Parse the dump."""
        return parse_listing(text, path, year)


__all__ = ["CHROME_LINES", "HFBundledReader", "parse_listing"]
