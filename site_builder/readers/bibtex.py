"""BibTeX as Zotero (Better BibTeX), Google Scholar and arXiv export it, read with bibtexparser."""

from __future__ import annotations

import logging
import re

from bibtexparser.entrypoint import parse_string
from bibtexparser.library import Library
from bibtexparser.model import ImplicitComment

from site_builder.errors import SourcePos
from site_builder.latex import normalise_text
from site_builder.models import Entry
from site_builder.papers import CODE_HOSTS, find_urls
from site_builder.readers.base import ParsedListing, find_arxiv_id, normalise_name

_ENTRY_START_RE = re.compile(r"^\s*@\s*[A-Za-z]+\s*[{(]", re.MULTILINE)
_DOI_RE = re.compile(r"10\.\d{4,9}/\S+")
_ISO_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
_PROTECTED_RE = re.compile(r"(?<![\\\w])\{([^{}\\]*)\}")
_SKIPPED_TYPES = frozenset(("string", "preamble", "comment"))
_NOT_VENUES_RE = re.compile(r"^(?:arxiv\b.*|corr|preprint)$", re.IGNORECASE)


def _split_authors(value: str) -> tuple[str, ...]:
    """Split a BibTeX author list at ` and ` outside braces; `Last, First` -> `First Last`."""
    names: list[str] = []
    depth = start = 0
    lowered = value.lower()
    index = 0
    while index < len(value):
        ch = value[index]
        depth += ch == "{"
        depth -= ch == "}"
        if depth == 0 and lowered.startswith(" and ", index):
            names.append(value[start:index])
            index += 5
            start = index
            continue
        index += 1
    names.append(value[start:])
    out: list[str] = []
    for name in names:
        name = " ".join(name.split())
        if not name or name.lower() == "others":
            continue
        if "," in name:
            last, _, first = name.partition(",")
            name = f"{first.strip()} {last.strip()}".strip()
        out.append(normalise_name(name))
    return tuple(out)


def _unbrace(value: str) -> str:
    """Remove the braces that only protect capitals (`{{BERT}}`), keeping LaTeX arguments."""
    while True:
        bare = _PROTECTED_RE.sub(r"\1", value)
        if bare == value:
            return bare
        value = bare


def parse_bibtex(text: str, path: str, year: int) -> ParsedListing:
    """Parse the entries of a BibTeX file; a block that does not parse is a warning."""
    del year
    library = _parse(text)
    warnings = [
        f"{path}:{(block.start_line or 0) + 1}: BibTeX block not understood, skipped: "
        f"{((block.raw or '').strip().splitlines() or [''])[0][:60]!r}"
        for block in library.failed_blocks
    ]
    entries: list[Entry] = []
    for item in library.entries:
        if item.entry_type.lower() in _SKIPPED_TYPES:
            continue
        fields = {key.lower(): str(value) for key, value in item.items() if isinstance(value, str)}
        where = SourcePos(path, (item.start_line or 0) + 1)
        title = normalise_text(_unbrace(fields.get("title", "")))
        if not title:
            warnings.append(f"{where}: BibTeX entry {item.key!r} without a title, skipped")
            continue
        arxiv = None
        if (
            fields.get("archiveprefix", "").lower() == "arxiv"
            or "arxiv" in fields.get("eprinttype", "").lower()
        ):
            arxiv = find_arxiv_id(fields.get("eprint", ""))
        for key in ("journal", "url", "eprint", "note"):
            if arxiv is None and ("arxiv" in fields.get(key, "").lower()):
                arxiv = find_arxiv_id(fields[key].lower().replace("arxiv.org/abs/", "arxiv:"))
        doi = _DOI_RE.search(fields.get("doi", ""))
        venue_raw = (
            fields.get("journal") or fields.get("booktitle") or fields.get("journaltitle") or ""
        )
        venue = normalise_text(_unbrace(venue_raw))
        published = None
        if match := _ISO_DATE_RE.match(fields.get("date", "")):
            published = "-".join(match.groups())
        code = tuple(
            url
            for url in find_urls(
                " ".join(fields.get(k, "") for k in ("url", "howpublished", "code"))
            )[0]
            if (url.split("/")[2].removeprefix("www.") in CODE_HOSTS)
        )
        entries.append(
            Entry(
                title=title,
                abstract=normalise_text(_unbrace(fields.get("abstract", "")), markdown=True),
                date=None,
                where=where,
                authors=_split_authors(fields.get("author", "")),
                arxiv=arxiv,
                doi=doi.group(0).rstrip(".}") if doi else None,
                venue=None if not venue or _NOT_VENUES_RE.match(venue) else venue,
                published=published,
                code=code,
            )
        )
    return ParsedListing(tuple(entries), tuple(warnings), BibtexReader.name)


def _parse(text: str) -> Library:
    """Parse with bibtexparser; the blocks it cannot parse are reported by us, as warnings."""
    logging.getLogger("bibtexparser").setLevel(logging.ERROR)
    return parse_string(text)


class BibtexReader:
    """A BibTeX file."""

    name = "bibtex"

    def detect(self, text: str) -> float:
        """Return 0.98 when entries (`@article{`) start lines and little else is there but comments.

        A README that quotes a citation block is prose with one entry in it, not a BibTeX file.
        """
        if "@" not in text or not _ENTRY_START_RE.search(text):
            return 0.0
        library = _parse(text)
        if not library.entries:
            return 0.0
        prose = sum(
            len(block.comment)
            for block in library.comments
            if isinstance(block, ImplicitComment) and not block.comment.lstrip().startswith("%")
        )
        return 0.98 if prose <= 0.2 * len(text.strip()) else 0.0

    def read(self, text: str, path: str, year: int) -> ParsedListing:
        """Parse the file."""
        return parse_bibtex(text, path, year)
