"""The values that flow through the pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field

from site_builder.errors import SourcePos

STATUSES = ("unread", "reading", "read", "skipped")
"""Reading status values a paper page may carry."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One paper as it appears in one listing dump, after normalisation."""

    title: str
    """Title: Unicode text, `$...$` math kept."""
    abstract: str
    """Abstract as Markdown: Unicode text, `$...$` math kept, code URLs still in place."""
    date: str | None
    """ISO listing date, or None when the dump has no date line."""
    where: SourcePos
    """The dump file and the line of the title."""
    authors: tuple[str, ...] = ()
    """Author names in the listing's order (may be empty)."""
    arxiv: str | None = None
    """arXiv id without version (`2503.01234`, `math/0612849`), when the listing names one."""
    doi: str | None = None
    """DOI (`10.1000/xyz`), when the listing names one."""
    venue: str | None = None
    """Journal reference or venue, when the listing names one."""
    published: str | None = None
    """ISO date the paper itself was published (distinct from the listing date)."""
    code: tuple[str, ...] = ()
    """Code repository URLs the listing names outside the abstract (e.g. a card's GitHub link)."""


@dataclass(frozen=True, slots=True, order=True)
class Listing:
    """One appearance of a paper in a listing dump."""

    date: str | None
    """ISO listing date, or None when the dump has no date line."""
    source: str
    """File name of the dump in content/sources/."""
    line: int
    """1-based line of the title in the dump."""


@dataclass(frozen=True, slots=True)
class ImportedPaper:
    """A distinct paper merged from every listing that names it."""

    id: str
    """Stable identity: a short hash of the folded title."""
    title: str
    """The richest title among the listings."""
    abstract: str
    """The abstract as Markdown (from the richest listing)."""
    listings: tuple[Listing, ...]
    """Every listing of this paper, sorted."""
    code: tuple[str, ...]
    """Code repository URLs named in the abstract."""
    links: tuple[str, ...]
    """Other URLs named in the abstract (project pages)."""
    authors: tuple[str, ...] = ()
    """Author names (from the richest listing that names them)."""
    arxiv: str | None = None
    """arXiv id without version."""
    doi: str | None = None
    """DOI."""
    venue: str | None = None
    """Journal reference or venue."""
    published: str | None = None
    """ISO date the paper itself was published."""


@dataclass(frozen=True, slots=True)
class Paper:
    """A paper as read from its Markdown page: what every later stage uses."""

    id: str
    """Stable identity (front matter `id`, else a hash of the folded title)."""
    slug: str
    """The page's file name without `.md`; also its URL segment."""
    title: str
    """Title with `$...$` math."""
    abstract: str
    """Abstract as Markdown."""
    notes: str
    """The reader's notes as Markdown (may be empty)."""
    listings: tuple[Listing, ...]
    """Every listing of this paper."""
    code: tuple[str, ...]
    """Code repository URLs."""
    links: tuple[str, ...]
    """Other links (project pages, PDFs)."""
    tags: tuple[str, ...]
    """Tags the reader added."""
    remove_tags: tuple[str, ...]
    """Automatic tags the reader removed."""
    status: str
    """One of STATUSES."""
    where: SourcePos
    """The Markdown page."""
    authors: tuple[str, ...] = ()
    """Author names, in order (front matter `authors`)."""
    arxiv: str | None = None
    """arXiv id without version (front matter `arxiv`)."""
    doi: str | None = None
    """DOI (front matter `doi`)."""
    venue: str | None = None
    """Journal reference or venue (front matter `venue`)."""
    published: str | None = None
    """ISO date the paper itself was published (front matter `published`)."""
    starred: bool = False
    """The reader starred this paper (front matter `starred`)."""
    dates: tuple[str, ...] = field(init=False, repr=False, compare=False)
    """Distinct listing dates, oldest first (from `listings`; every page and list asks)."""

    def __post_init__(self) -> None:
        dates = tuple(sorted({item.date for item in self.listings if item.date}))
        object.__setattr__(self, "dates", dates)


@dataclass(frozen=True, slots=True)
class Tag:
    """A topic from the taxonomy."""

    id: str
    """URL-safe identifier, e.g. `diffusion`."""
    label: str
    """Human label, e.g. `Diffusion models`."""
    description: str
    """One or two sentences shown on the tag page."""
    match: tuple[str, ...]
    """Terms that apply the tag automatically (whole words; `*` ends a prefix)."""
    where: SourcePos
    """The taxonomy entry."""
    fingerprint: str = field(init=False, repr=False, compare=False)
    """The tag's repr, made once: what the key of every paper view showing the tag hashes."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "fingerprint", repr(self))
