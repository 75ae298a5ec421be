"""Entries from every dump -> distinct papers: dedupe, richest title, code URLs."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from urllib.parse import urlsplit

from site_builder.latex import fold, split_math
from site_builder.models import Entry, ImportedPaper, Listing

_URL_RE = re.compile(r"https?://[^\s<>\"'`{}|\\^]+", re.IGNORECASE)
_TRAILING = ".,;:!?'\"*_"
_CLOSERS = {")": "(", "]": "["}
CODE_HOSTS = frozenset(
    (
        "github.com",
        "gitlab.com",
        "gitee.com",
        "bitbucket.org",
        "codeberg.org",
        "huggingface.co",
        "sourceforge.net",
        "anonymous.4open.science",
    )
)
"""Hosts whose URLs are code repositories; any other URL in an abstract is a project link."""


def paper_id(title: str) -> str:
    """Return the stable identity of a paper: a hash of its folded title."""
    return hashlib.sha1(fold(title).encode("utf-8")).hexdigest()[:10]


def _clean_url(url: str) -> str:
    """Strip punctuation that ends the sentence rather than the URL, and unbalanced brackets."""
    while url:
        if (
            url[-1] in _TRAILING
            or url[-1] in _CLOSERS
            and url.count(url[-1]) > url.count(_CLOSERS[url[-1]])
        ):
            url = url[:-1]
        else:
            break
    return url


def find_urls(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Return (code URLs, other links) named in text, in order, without duplicates."""
    code: list[str] = []
    links: list[str] = []
    for match in _URL_RE.finditer(text):
        url = _clean_url(match.group(0))
        host = (urlsplit(url).hostname or "").removeprefix("www.")
        if not host or "." not in host:
            continue
        bucket = code if host in CODE_HOSTS else links
        if url not in code and url not in links:
            bucket.append(url)
    return tuple(code), tuple(links)


def _richness(title: str) -> tuple[int, int, int]:
    """Rank titles: more math and non-ASCII letters first, then longer."""
    math = sum(1 for is_math, _ in split_math(title) if is_math)
    accents = len(title) - len(title.encode("ascii", "ignore"))  # characters past U+007F
    return (math, accents, len(title))


def group_entries(entries: Iterable[Entry]) -> list[list[Entry]]:
    """Group the entries of one paper: same arXiv id, same DOI or same folded title."""
    parent: dict[str, str] = {}

    def root(key: str) -> str:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    keyed: list[tuple[str, Entry]] = []
    for entry in entries:
        title = fold(entry.title)
        if not title:
            continue
        keys = [f"t:{title}"]
        if entry.arxiv:
            keys.append(f"a:{entry.arxiv.lower()}")
        if entry.doi:
            keys.append(f"d:{entry.doi.lower()}")
        for key in keys:
            parent.setdefault(key, key)
        first = root(keys[0])
        for key in keys[1:]:
            other = root(key)
            if other != first:
                parent[other] = first
        keyed.append((keys[0], entry))
    groups: dict[str, list[Entry]] = {}
    for key, entry in keyed:
        groups.setdefault(root(key), []).append(entry)
    return list(groups.values())


def merge_group(group: Sequence[Entry]) -> ImportedPaper:
    """Merge the entries of one paper (a group of group_entries) into it."""
    group = sorted(group, key=lambda e: (e.where.path, e.where.line))
    title = max(group, key=lambda e: _richness(e.title)).title
    abstract = max(group, key=lambda e: len(e.abstract)).abstract
    listings = sorted(
        {Listing(e.date, e.where.path.rsplit("/", 1)[-1], e.where.line) for e in group},
        key=lambda item: (item.date or "", item.source, item.line),
    )
    code, links = find_urls(abstract)
    card_code = tuple(url for entry in group for url in entry.code if url not in code)
    return ImportedPaper(
        id=paper_id(title),
        title=title,
        abstract=abstract,
        listings=tuple(listings),
        code=tuple(dict.fromkeys((*code, *card_code))),
        links=links,
        authors=max(group, key=lambda e: len(e.authors)).authors,
        arxiv=next((e.arxiv for e in group if e.arxiv), None),
        doi=next((e.doi for e in group if e.doi), None),
        venue=next((e.venue for e in group if e.venue), None),
        published=next((e.published for e in group if e.published), None),
    )


def merge_entries(
    entries: Iterable[Entry],
    merge_groups: Callable[[list[list[Entry]]], list[ImportedPaper]] | None = None,
) -> list[ImportedPaper]:
    """Group entries of the same paper (same arXiv id, DOI or folded title); return papers sorted
    by id. `merge_groups` maps the groups to their papers (merge_group each, by default)."""
    groups = group_entries(entries)
    merged = merge_groups(groups) if merge_groups is not None else list(map(merge_group, groups))
    return sorted(merged, key=lambda p: p.id)
