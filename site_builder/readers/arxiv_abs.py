"""A single arXiv abstract page: `[Submitted on ...]`, title, authors, abstract, fields."""

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
    find_arxiv_id,
    find_date,
    join_wrapped_lines,
    normalise_name,
    split_names,
)

_SUBMITTED_RE = re.compile(r"^\[Submitted on (?P<rest>.+)\]$", re.IGNORECASE)
_SUBMITTED_LINE_RE = re.compile(r"^[ \t]*\[Submitted on .+\][ \t]*$", re.MULTILINE | re.IGNORECASE)
_FIELDS_LINE_RE = re.compile(r"^[ \t]*(?:Subjects|Cite as)[ \t]*:", re.MULTILINE | re.IGNORECASE)
_FIELD_RE = re.compile(
    r"^(?P<label>Comments|Subjects|Journal reference|Journal-ref|Related DOI|DOI|Cite as|"
    r"MSC classes|ACM classes|Report number)\s*:\s*(?P<value>.*)$",
    re.IGNORECASE,
)
_FURNITURE_RE = re.compile(
    r"^(?:View PDF.*|HTML \(experimental\)|Download PDF|TeX Source|Other Formats|"
    r"View a PDF of the paper titled .*|Access Paper:?)$",
    re.IGNORECASE,
)
_END_RE = re.compile(
    r"^(?:Submission history|Bibliographic Tools|Full-text links:?|Current browse context:?)$",
    re.IGNORECASE,
)


def parse_arxiv_abs(text: str, path: str, year: int) -> ParsedListing:
    """Parse an abstract page copied as text."""
    lines = list(content_lines(text))
    start = next((i for i, line in enumerate(lines) if _SUBMITTED_RE.match(line.text)), None)
    if start is None:
        return ParsedListing((), (), ArxivAbsReader.name)
    submitted = _SUBMITTED_RE.match(lines[start].text)
    assert submitted is not None
    published = find_date(submitted["rest"], year)
    arxiv = None
    for line in lines[:start]:  # the page heading, `arXiv:1706.03762 (cs)`
        if line.text.lower().startswith("arxiv:"):
            arxiv = find_arxiv_id(line.text)
    body: list[Line] = []
    fields: dict[str, list[str]] = {}
    current: str | None = None
    for line in lines[start + 1 :]:
        if _END_RE.match(line.text):
            break
        match = _FIELD_RE.match(line.text)
        if match:
            current = match["label"].lower()
            fields[current] = [match["value"]] if match["value"] else []
        elif current is not None:
            fields[current].append(line.text)
        elif not _FURNITURE_RE.match(line.text):
            body.append(line)
    warnings: list[str] = []
    if len(body) < 2:
        warnings.append(f"{path}:{lines[start].number}: no title and authors after this line")
        return ParsedListing((), tuple(warnings), ArxivAbsReader.name)
    title_line = body[0]
    title = title_line.text.removeprefix("Title:").strip()
    rest = body[1:]
    if rest[0].text.startswith("Authors:"):
        authors = split_names(rest[0].text.removeprefix("Authors:"))
    else:
        authors = split_names(rest[0].text)
    abstract = [line.text for line in rest[1:]]
    if abstract:
        abstract[0] = abstract[0].removeprefix("Abstract:").strip()
    cite = " ".join(fields.get("cite as", []))
    arxiv = find_arxiv_id(cite) or arxiv
    doi_field = " ".join(fields.get("related doi", []) + fields.get("doi", []))
    doi = re.search(r"10\.\d{4,9}/\S+", doi_field)
    venue = join_wrapped_lines(fields.get("journal reference", []) + fields.get("journal-ref", []))
    code, _ = find_urls(" ".join(fields.get("comments", [])))
    entry = Entry(
        title=normalise_text(title),
        abstract=normalise_text(join_wrapped_lines(abstract), markdown=True),
        date=None,
        where=SourcePos(path, title_line.number),
        authors=tuple(normalise_name(name) for name in authors),
        arxiv=arxiv,
        doi=doi.group(0).rstrip(".") if doi else None,
        venue=normalise_text(venue) or None,
        published=published,
        code=code,
    )
    return ParsedListing((entry,), tuple(warnings), ArxivAbsReader.name)


class ArxivAbsReader:
    """One paper's abstract page on arXiv."""

    name = "arxiv-abs"

    def detect(self, text: str) -> float:
        """Return 0.97 for a `[Submitted on ...]` line with a `Subjects:` or `Cite as:` field."""
        submitted = _SUBMITTED_LINE_RE.search(text)
        if submitted is None:
            return 0.0
        return 0.97 if _FIELDS_LINE_RE.search(text, submitted.end()) else 0.0

    def read(self, text: str, path: str, year: int) -> ParsedListing:
        """Parse the page."""
        return parse_arxiv_abs(text, path, year)
