"""arXiv listings (/new, /recent, /list): numbered entries with Title:, authors, Subjects:."""

from __future__ import annotations

import re

from site_builder.errors import SourcePos
from site_builder.latex import normalise_text
from site_builder.models import Entry
from site_builder.papers import find_urls
from site_builder.readers.base import (
    Line,
    ParsedListing,
    content_lines,
    find_date,
    join_wrapped_lines,
    normalise_name,
    split_names,
)

ENTRY_RE = re.compile(
    r"^\[\d+\]\s*arXiv:\s*(?P<id>\d{4}\.\d{4,5}|[a-z][a-z.-]*/\d{7})(?:v\d+)?"
    r"(?:\s*\((?P<note>[^)]*)\))?\s*(?:\[[^\]]*\])?$",
    re.IGNORECASE,
)
"""`[1] arXiv:2503.01234 [pdf, html, other]`, `[61] arXiv:2411.0001 (cross-list from cs.LG) [pdf]`."""
_HEADER_LINE_RE = re.compile(r"^[ \t]*\[\d+\][ \t]*arXiv:.*$", re.MULTILINE | re.IGNORECASE)
_TITLE_LINE_RE = re.compile(r"^[ \t]*Title:", re.MULTILINE | re.IGNORECASE)
_LABEL_RE = re.compile(
    r"^(?P<label>Title|Authors?|Comments|Journal-ref|Subjects|Report-no|MSC-class|ACM-class|DOI)"
    r":\s*(?P<value>.*)$",
    re.IGNORECASE,
)
_SECTION_RE = re.compile(
    r"^(?:New submissions|Cross submissions|Cross-lists|Replacement submissions|Replacements)\b",
    re.IGNORECASE,
)
_DAY_HEADER_RE = re.compile(
    r"^(?:Showing new listings for\s+(?P<new>.+)|"
    r"(?P<day>(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,\s+\d{1,2}\s+[A-Za-z]{3,9}\s+\d{4})\b.*)$"
)
_FURNITURE_RE = re.compile(
    r"^(?:Total of \d+ entries.*|Showing up to .*|Authors and titles for .*|"
    r"\[?\s*showing .* entries.*|(?:fewer|more|all)(?:\s*\|.*)?|Continue to the next page.*|"
    r"About|Help|Contact|Subscribe|Copyright|Privacy Policy|Web Accessibility Assistance|"
    r"arXiv Operational Status.*|Get status notifications via.*|Skip to main content|"
    r"We gratefully acknowledge support from.*|Donate|Login|Search|GO|quick links|"
    r"Help \| Advanced Search.*|All fields|Which authors of this paper are endorsers\?.*|"
    r"Disable MathJax.*|\(?What is MathJax\?\)?)$",
    re.IGNORECASE,
)
"""Page furniture around the entries; it never continues an abstract."""
_PARTICLES = frozenset(
    "van von de der den da di del della le la du dos das bin ibn al el y ter ten zu jr jr. sr.".split()
)


def _is_name(item: str) -> bool:
    tokens = item.split()
    return 1 <= len(tokens) <= 6 and all(
        token.lower() in _PARTICLES
        or (token[0].isupper() or not token[0].isalpha())
        and not any(ch.isdigit() for ch in token)
        for token in tokens
    )


def _is_name_list(text: str, minimum: int = 1) -> bool:
    names = split_names(text)
    return len(names) >= minimum and all(_is_name(name) for name in names)


def _balanced(text: str) -> bool:
    return text.count("(") <= text.count(")") and text.rstrip().endswith(")")


class _Entry:
    """The lines of one numbered entry, sorted into fields as they are read."""

    def __init__(self, header: Line, arxiv: str, date: str | None) -> None:
        self.header = header
        self.arxiv = arxiv
        self.date = date
        self.fields: dict[str, list[str]] = {}
        self.block: list[str] = []
        self.abstract: list[str] = []
        self.current: str | None = None
        self.in_abstract = False

    def add(self, line: str) -> None:
        if self.in_abstract:
            self.abstract.append(line)
            return
        match = _LABEL_RE.match(line)
        if match:
            label = match["label"].lower()
            self.current = "author" if label in ("author", "authors") else label
            self.fields[self.current] = [match["value"]]
            self.in_abstract = self.current == "subjects" and _balanced(match["value"])
            return
        if self.current == "title":
            self.block.append(line)
        elif self.current is not None:
            self.fields[self.current].append(line)
            self.in_abstract = self.current == "subjects" and _balanced(
                " ".join(self.fields["subjects"])
            )
        else:
            self.block.append(line)

    def title_and_authors(self, width: int) -> tuple[str, tuple[str, ...]]:
        title = list(self.fields.get("title", []))
        block = self.block
        if "author" in self.fields:
            return join_wrapped_lines(title + block), split_names(
                join_wrapped_lines(self.fields["author"])
            )
        # Without an `Authors:` label the names follow the title. A line continues the title only
        # if its first word would not have fitted on the line above (the text was wrapped at
        # `width`, its longest line with a space), it does not end like a wrapped author list
        # and lines follow it. Names alone cannot tell: `Message-Passing, Active-Set Complexity`.
        start = 0
        above = "Title: " + " ".join(title)
        while start < len(block) - 1:
            line = block[start]
            following = split_names(block[start + 1])
            if (
                len(above) + 1 + len(line.split()[0]) <= width
                or (line.endswith(",") and not block[start + 1][:1].islower())
                or (following and len(following[0].split()) == 1 and _is_name_list(line, 2))
            ):
                break  # the second test: names wrapped between a first and a last name
            above = line
            start += 1
        return join_wrapped_lines(title + block[:start]), split_names(
            join_wrapped_lines(block[start:])
        )

    def to_entry(self, path: str, width: int, warnings: list[str]) -> Entry | None:
        if "title" not in self.fields:
            warnings.append(
                f"{path}:{self.header.number}: arXiv entry {self.arxiv} without a `Title:` line, skipped"
            )
            return None
        title, authors = self.title_and_authors(width)
        comments = join_wrapped_lines(self.fields.get("comments", []))
        code, _ = find_urls(comments)
        doi = join_wrapped_lines(self.fields.get("doi", [])).split()
        return Entry(
            title=normalise_text(title),
            abstract=normalise_text(join_wrapped_lines(self.abstract), markdown=True),
            date=self.date,
            where=SourcePos(path, self.header.number),
            authors=tuple(normalise_name(name) for name in authors),
            arxiv=self.arxiv,
            doi=doi[0] if doi else None,
            venue=normalise_text(join_wrapped_lines(self.fields.get("journal-ref", []))) or None,
            code=code,
        )


def parse_arxiv_listing(text: str, path: str, year: int) -> ParsedListing:
    """Parse an arXiv listing page; each paper once, in the order first seen."""
    date: str | None = None
    entries: list[_Entry] = []
    current: _Entry | None = None
    width = 0
    for line in content_lines(text):
        match = ENTRY_RE.match(line.text)
        if match:
            current = _Entry(line, match["id"], date)
            entries.append(current)
            continue
        header = _DAY_HEADER_RE.match(line.text)
        if header:
            date = find_date(header["new"] or header["day"], year) or date
            current = None
            continue
        if _SECTION_RE.match(line.text) or _FURNITURE_RE.match(line.text):
            current = None
            continue
        if current is not None:
            current.add(line.text)
            if " " in line.text:  # a word longer than the wrap width has a line of its own
                width = max(width, len(line.text))
    warnings: list[str] = []
    seen: set[str] = set()
    out: list[Entry] = []
    for item in entries:
        if item.arxiv in seen:
            continue
        seen.add(item.arxiv)
        entry = item.to_entry(path, width, warnings)
        if entry is not None:
            out.append(entry)
    return ParsedListing(tuple(out), tuple(warnings), ArxivListingReader.name)


class ArxivListingReader:
    """An arXiv listing page copied as text."""

    name = "arxiv-listing"

    def detect(self, text: str) -> float:
        """Return 0.95 when numbered `[N] arXiv:ID` entries with `Title:` lines are found."""
        if not _TITLE_LINE_RE.search(text):
            return 0.0
        found = any(ENTRY_RE.match(line.strip()) for line in _HEADER_LINE_RE.findall(text))
        return 0.95 if found else 0.0

    def read(self, text: str, path: str, year: int) -> ParsedListing:
        """Parse the listing."""
        return parse_arxiv_listing(text, path, year)
