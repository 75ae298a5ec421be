"""Raw listing dumps (text pasted from daily-papers pages) -> entries."""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from site_builder.controls import strip_controls
from site_builder.errors import SiteError, SourcePos
from site_builder.latex import normalise_text
from site_builder.models import Entry
from site_builder.readfile import read_file

log = logging.getLogger(__name__)

CHROME_LINES = frozenset(
    line.casefold()
    for line in (
        "new",
        "Get trending papers in your email inbox!",
        "Get trending papers in your email inbox once a day!",
        "Subscribe",
        "byAK and the research community",
        "Daily Papers",
        "Submit",
        "Previous",
        "Next",
    )
)
"""Page furniture copied along with a listing; never a title."""

_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
_DATE_LINE_RE = re.compile(
    r"^(?P<month>[A-Za-z]{3})[a-z]*\.?\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(?P<year>\d{4}))?$"
)
_ISO_LINE_RE = re.compile(r"^(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})$")
_FILE_DATE_RE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
# A title glued to the button: capitalised, or lowercase with a capital, digit or hyphen in its
# first word (`xLSTM`, `mPLUG`, `k-means`); not `Subscribers ...`, which is a title of its own.
_GLUED_SUBSCRIBE_RE = re.compile(r"^Subscribe(?=[A-Z0-9\"'(\[$\\]|[a-z]+[A-Z0-9-])")
# Only these end a line: str.splitlines() also splits on U+2028, form feeds and the like, which
# pasted web text carries inside titles and abstracts, and which editors do not count as lines.
_LINE_BREAK_RE = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True, slots=True)
class ParsedListing:
    """The entries of one dump and the oddities met on the way."""

    entries: tuple[Entry, ...]
    """Entries in file order."""
    warnings: tuple[str, ...]
    """`file:line: message` strings for things worth a look (e.g. a title without abstract)."""


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


def _parse_date_line(line: str, year: int) -> str | None:
    """Return the ISO date if the line is a listing date line such as `Mar 12`."""
    match = _ISO_LINE_RE.match(line)
    if match:
        try:
            return dt.date(int(match["year"]), int(match["month"]), int(match["day"])).isoformat()
        except ValueError:
            return None
    match = _DATE_LINE_RE.match(line)
    if not match or match["month"].lower() not in _MONTHS:
        return None
    try:
        day = dt.date(
            int(match["year"] or year), _MONTHS[match["month"].lower()], int(match["day"])
        )
    except ValueError:
        return None
    return day.isoformat()


def _looks_like_abstract(line: str) -> bool:
    """Return whether a line reads as an abstract: long prose, not a title."""
    sentences = len(re.findall(r"[.!?](?:\s|$)", line))
    return len(line) >= 400 or (len(line) >= 120 and sentences >= 2)


def parse_listing(text: str, path: str, year: int) -> ParsedListing:
    """Parse the text of one dump: page chrome and date lines, then title/abstract pairs.

    Both layouts reduce to the same stream: blank lines are ignored, so blocks separated by
    blank lines and alternating lines without any read the same way.
    """
    date: str | None = None
    stream: list[tuple[int, str, str | None]] = []
    seen_content = False
    for number, raw in enumerate(_LINE_BREAK_RE.split(text), 1):
        line = raw.strip().lstrip("\ufeff").strip()
        if not line:
            continue
        if line.casefold() in CHROME_LINES:
            continue
        if not seen_content:
            line = _GLUED_SUBSCRIBE_RE.sub("", line)
        maybe_date = _parse_date_line(line, year)
        if maybe_date:
            date = maybe_date
            continue
        seen_content = True
        stream.append((number, line, date))
    entries: list[Entry] = []
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
        entries.append(
            Entry(
                title=normalise_text(title),
                abstract=normalise_text(following[1], markdown=True),
                date=day,
                where=SourcePos(path, number),
            )
        )
        index += 2
    return ParsedListing(tuple(entries), tuple(warnings))


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
    parsed = parse_listing(text, shown_as, year)
    if not parsed.entries:
        raise SiteError(
            "no papers found: expected title and abstract lines after the page header",
            SourcePos(shown_as),
        )
    return parsed
