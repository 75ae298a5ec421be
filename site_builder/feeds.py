"""Machine-readable outputs: Atom feeds, sitemap.xml, robots.txt, papers.json and BibTeX files."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from feedgen.feed import FeedGenerator

from site_builder.bibtex import render_bib
from site_builder.scholar import bibtex_entry
from site_builder.site import PaperView, Site

_EPOCH = "1970-01-01"


def absolute(site: Site, url: str) -> str:
    """Return a site-relative URL made absolute with base_url (unchanged when there is none)."""
    return f"{site.config.base_url}{url}" if site.config.base_url else url


def _timestamp(day: str | None) -> dt.datetime:
    return dt.datetime.fromisoformat(day or _EPOCH).replace(tzinfo=dt.UTC)


def render_feed(
    site: Site, papers: Sequence[PaperView], url: str, title: str, page_url: str
) -> bytes:
    """Return an Atom feed of the newest papers; plain-text titles, abstracts as escaped HTML."""
    config = site.config
    feed = FeedGenerator()
    feed.id(absolute(site, url) if config.base_url else f"tag:site-builder,2025:{url}")
    feed.title(title)
    feed.subtitle(config.description or title)
    feed.author({"name": config.author})
    feed.link(href=absolute(site, url), rel="self")
    feed.link(href=absolute(site, page_url), rel="alternate")
    feed.language(config.language)
    feed.generator("site-builder")
    entries = list(papers[: config.feed_size])
    feed.updated(_timestamp(max((p.date or _EPOCH for p in entries), default=_EPOCH)))
    for view in reversed(entries):
        entry = feed.add_entry()
        entry.id(
            absolute(site, view.url) if config.base_url else f"tag:site-builder,2025:{view.url}"
        )
        entry.title(view.title_text)
        entry.link(href=absolute(site, view.url))
        entry.updated(_timestamp(view.date))
        entry.published(_timestamp(view.paper.dates[0] if view.paper.dates else None))
        entry.summary(view.abstract_html, type="html")
        for name in view.paper.authors:
            entry.author({"name": name})
        for tag in view.tags:
            entry.category(term=tag.id, label=tag.label)
    data: bytes = feed.atom_str(pretty=True)
    return data


def render_sitemap(site: Site, urls: Sequence[str]) -> bytes:
    """Return sitemap.xml for the given site-relative page URLs."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ]
    for url in urls:
        lines.append(f"  <url><loc>{escape(absolute(site, url))}</loc></url>")
    lines.append("</urlset>\n")
    return "\n".join(lines).encode("utf-8")


def render_robots(site: Site) -> bytes:
    """Return robots.txt allowing everything and naming the sitemap."""
    text = "User-agent: *\nAllow: /\n"
    if site.config.base_url:
        text += f"Sitemap: {absolute(site, 'sitemap.xml')}\n"
    return text.encode("utf-8")


def inert_json(value: object) -> str:
    """Return compact JSON with `<`, `>` and `&` as \\u escapes: the same data, inert inside HTML."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _paper_record(view: PaperView, base_url: str) -> str:
    """Return one paper's papers.json line."""
    url = f"{base_url}{view.url}" if base_url else view.url
    return inert_json(
        {
            "slug": view.paper.slug,
            "id": view.paper.id,
            "url": url,
            "title": view.title_text,
            "title_latex": view.paper.title,
            "dates": list(view.paper.dates),
            "sources": list(view.sources),
            "tags": [tag.id for tag in view.tags],
            "code": list(view.paper.code),
            "links": list(view.paper.links),
            "status": view.paper.status,
            "starred": view.paper.starred,
            "published": view.paper.published,
            "abstract": view.paper.abstract,
            "authors": list(view.paper.authors),
            "arxiv": view.paper.arxiv,
            "doi": view.paper.doi,
            "venue": view.paper.venue,
        }
    )


RECORDS_PER_PIECE = 2000
"""Records of papers.json and desk-data.js joined into each piece written (the files are 175 and
32 MB at 100,000 papers: never held whole)."""


def _joined_pieces(head: str, records: Iterable[str], separator: str, tail: str) -> Iterator[bytes]:
    """Yield head + separator.join(records) + tail, UTF-8 encoded, a few thousand records at a
    time."""
    pieces = [head]
    for number, record in enumerate(records):
        if number:
            pieces.append(separator)
        pieces.append(record)
        if len(pieces) >= 2 * RECORDS_PER_PIECE:
            yield "".join(pieces).encode("utf-8")
            pieces = []
    pieces.append(tail)
    yield "".join(pieces).encode("utf-8")


def _cached_records(
    site: Site,
    key_of: Callable[[PaperView], str],
    record_of: Callable[[PaperView], str],
    records: dict[str, str] | None,
) -> Iterator[str]:
    """Yield each paper's record: from `records` (by its key) when there, else made. `records`
    (when given) is left holding this site's papers' records only, so a rebuild re-encodes only
    the papers that changed."""
    fresh: dict[str, str] = {}
    for view in site.papers:
        key = key_of(view)
        line = records.get(key) if records is not None else None
        if line is None:
            line = record_of(view)
        if records is not None:
            fresh[key] = line
        yield line
    if records is not None:
        records.clear()
        records.update(fresh)


def render_papers_json(site: Site, records: dict[str, str] | None = None) -> Iterator[bytes]:
    """Yield papers.json, in pieces: every paper with slug, URL, title, dates, tags, code links
    and abstract. One record per line: readable and diff-friendly. `records`: see
    _cached_records (keyed by view key and base URL)."""
    base_url = site.config.base_url
    lines = _cached_records(
        site,
        lambda view: f"{view.key}:{base_url}",
        lambda view: _paper_record(view, base_url),
        records,
    )
    return _joined_pieces("[\n", lines, ",\n", "\n]\n")


def render_bib_files(site: Site, entries: dict[str, str] | None = None) -> dict[str, bytes]:
    """Return papers.bib with every paper, and `tags/<id>/papers.bib` with each tag's papers.

    `entries` keeps each paper's entry by its view key, citation key and base URL, so a
    rebuild renders only the entries that changed.
    """
    cache = entries if entries is not None else {}
    base_url = site.config.base_url
    by_slug: dict[str, str] = {}
    fresh: dict[str, str] = {}
    for view in site.papers:
        cite_key = site.cite_keys.get(view.paper.id, view.cite_base)
        key = f"{view.key}:{cite_key}:{base_url}"
        entry = cache.get(key)
        if entry is None:
            page_url = f"{base_url}{view.url}" if base_url else None
            entry = bibtex_entry(view.paper, view.title_text, page_url, cite_key)
        fresh[key] = by_slug[view.paper.slug] = entry
    cache.clear()
    cache.update(fresh)
    files = {"papers.bib": render_bib(by_slug[view.paper.slug] for view in site.papers)}
    for tag in site.tags:
        files[f"{tag.url}papers.bib"] = render_bib(by_slug[slug] for slug in tag.slugs)
    return files


DESK_DATA = "desk-data.js"
"""The reader's desk data: what list filters need of every paper, as a script (works on file://)."""


def _desk_record(view: PaperView) -> dict[str, object]:
    """Return one paper as the desk's filters need it: short keys, empty fields left out."""
    record: dict[str, object] = {"i": view.paper.id, "u": view.paper.slug, "t": view.title_text}
    title = view.title_html
    if "<" in title or "&" in title:
        record["h"] = title  # markup (MathML) or escapes: the card shows the safe HTML
    optional = {
        "d": list(view.paper.dates),
        "g": [tag.id for tag in view.tags],
        "c": view.paper.code[0] if view.paper.code else "",
        "p": view.paper.published or "",
        "a": list(view.paper.authors),
        "s": view.paper.status if view.paper.status != "unread" else "",
        "f": 1 if view.paper.starred else 0,
    }
    record.update((key, value) for key, value in optional.items() if value)
    return record


def render_desk_data(site: Site, records: dict[str, str] | None = None) -> Iterator[bytes]:
    """Yield desk-data.js, in pieces: `self.siteDeskData = {...}` with the site's title, its
    tags and every paper (newest listing first), for filtering lists over all papers, not one
    page of them. `records`: see _cached_records (keyed by view key)."""
    head = inert_json(
        {"site": site.config.title, "tags": [[t.tag.id, t.tag.label] for t in site.tags if t.slugs]}
    )
    lines = _cached_records(
        site, lambda view: view.key, lambda view: inert_json(_desk_record(view)), records
    )
    return _joined_pieces(f'self.siteDeskData = {head[:-1]}, "papers": [', lines, ", ", "]};\n")


@dataclass(slots=True)
class DataCache:
    """What the data files of the last build were made from, so a rebuild redoes only what
    changed (each entry is reused only for an equal key)."""

    feeds: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    """Atom feeds by URL: (key of what they show, bytes)."""
    records: dict[str, str] = field(default_factory=dict)
    """papers.json lines by paper view key and base URL."""
    entries: dict[str, str] = field(default_factory=dict)
    """BibTeX entries by paper view key, citation key and base URL."""
    desk: dict[str, str] = field(default_factory=dict)
    """desk-data.js records by paper view key."""


def render_data_files(
    site: Site, page_urls: Sequence[str], cache: DataCache | None = None
) -> Iterator[tuple[str, bytes | Iterator[bytes]]]:
    """Yield the site's feeds, sitemap, robots.txt, papers.json, BibTeX files, desk-data.js and
    .nojekyll as (path, bytes), one at a time (a caller writing each as it comes holds one; the
    largest come as pieces of bytes, to be written as they come); `cache` (left holding this
    site's entries) saves redoing unchanged ones, None keeps nothing."""
    config = site.config
    known = cache.feeds if cache is not None else {}
    fresh: dict[str, tuple[str, bytes]] = {}
    lists = [("feed.xml", site.papers, config.title, "")]
    for tag in site.tags:
        papers = tuple(site.by_slug[slug] for slug in tag.slugs)
        lists.append((f"{tag.url}feed.xml", papers, f"{config.title}: {tag.tag.label}", tag.url))
    for url, papers, title, page_url in lists:
        shown = papers[: config.feed_size]
        key = repr((config, url, title, page_url, [view.key for view in shown]))
        cached = known.get(url)
        data = (
            cached[1]
            if cached and cached[0] == key
            else render_feed(site, shown, url, title, page_url)
        )
        fresh[url] = (key, data)
        yield url, data
    if cache is not None:
        cache.feeds = fresh
    yield "sitemap.xml", render_sitemap(site, sorted(page_urls))
    yield "robots.txt", render_robots(site)
    yield "papers.json", render_papers_json(site, cache.records if cache is not None else None)
    yield from render_bib_files(site, cache.entries if cache is not None else None).items()
    yield DESK_DATA, render_desk_data(site, cache.desk if cache is not None else None)
    yield ".nojekyll", b""
