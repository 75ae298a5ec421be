"""`import`: listing dumps -> new paper pages, and new listings merged into existing pages."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable, Collection, Iterable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from site_builder.config import Config
from site_builder.content import read_papers, read_text
from site_builder.errors import SiteError, raise_all
from site_builder.filecache import FileCache
from site_builder.latex import to_plain_text
from site_builder.listings import ParsedListing, read_listing, year_in_file_name
from site_builder.models import Entry, ImportedPaper, Paper
from site_builder.output import write_file_atomic
from site_builder.pages import (
    assign_slugs,
    merge_page,
    missing_listings,
    new_page_paper,
    parse_page,
    render_new_page,
    slug_for,
)
from site_builder.papers import merge_entries
from site_builder.progress import NO_PROGRESS, Advance, Progress, ignore

log = logging.getLogger(__name__)
SOURCE_SUFFIXES = (".txt", ".md", ".text", "")


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did."""

    new: tuple[str, ...]
    """Slugs of pages created."""
    updated: tuple[str, ...]
    """Slugs of pages that got new listings."""
    unchanged: int
    """Pages that already had everything."""
    warnings: tuple[str, ...]
    """`file:line: message` for entries skipped or guessed."""
    written: tuple[Path, ...] = ()
    """Every page file the import wrote (new and updated)."""

    def summary(self) -> str:
        """Return the one-line summary printed at the end of an import."""
        return (
            f"imported: {len(self.new)} new, {len(self.updated)} updated, "
            f"{self.unchanged} unchanged, {len(self.warnings)} warnings"
        )


@dataclass(frozen=True, slots=True)
class ImportPlan:
    """What an import writes, and the papers as they will read once it is written."""

    report: ImportReport
    """What the import does."""
    updates: Mapping[Path, str]
    """Existing page files that get new listings -> their new text."""
    created: Mapping[Path, tuple[ImportedPaper, Paper]]
    """New page files -> the paper imported, and the Paper its page will read as."""
    known: frozenset[str] | None
    """Tag ids the papers were checked against."""
    papers: tuple[Paper, ...]
    """Every paper page after the import, in file name order (as read_papers returns them)."""


def source_paths(config: Config) -> list[Path]:
    """Return the listing dumps in content/sources/ (text files, hidden files and a README
    skipped), sorted."""
    if not config.sources_dir.is_dir():
        return []
    return sorted(
        path
        for path in config.sources_dir.iterdir()
        if path.is_file()
        and not path.name.startswith(".")
        and path.stem.upper() != "README"
        and path.suffix.lower() in SOURCE_SUFFIXES
    )


ParseResult = ParsedListing | SiteError
"""A dump parsed, or what was wrong with it."""
HelpParsing = Callable[[list[tuple[Path, str]]], "Future[list[ParseResult]]"]
"""Hands dumps (path, shown as) to another process to parse with parse_dumps."""
HELP_FROM = 8
"""Dumps to parse at which handing half of them to a helper pays."""


def parse_dumps(dumps: list[tuple[Path, str]], year: int | None) -> list[ParseResult]:
    """Parse these dumps (path, shown as); what a helper process runs."""
    fallback_year = dt.date.today().year
    results: list[ParseResult] = []
    for path, shown in dumps:
        try:
            results.append(read_listing(path, shown, year, fallback_year))
        except SiteError as exc:
            results.append(exc)
    return results


def read_listings(
    config: Config,
    paths: Iterable[Path],
    cache: FileCache[ParsedListing] | None = None,
    helper: HelpParsing | None = None,
    advance: Advance = ignore,
) -> list[ParsedListing]:
    """Read every dump, collecting all errors before failing.

    With a `helper` (another process), every other dump not in the cache is parsed there
    meanwhile, when there are enough of them.
    """
    paths = list(paths)
    fallback_year = dt.date.today().year
    extra = (config.year, fallback_year)
    cache = cache if cache is not None else FileCache()
    handed: list[Path] = []
    if helper is not None:
        unparsed = [path for path in paths if cache.peek(path, extra) is None]
        if len(unparsed) >= HELP_FROM:
            handed = unparsed[1::2]
    helped = helper([(path, config.shown(path)) for path in handed]) if helper and handed else None
    outcome: dict[Path, ParseResult] = {}
    skip = set(handed)
    for path in paths:
        if path in skip:
            continue
        try:
            outcome[path] = cache.get(
                path,
                extra,
                partial(read_listing, path, config.shown(path), config.year, fallback_year),
            )
        except SiteError as exc:
            outcome[path] = exc
        advance(1)
    if helped is not None:
        for path, result in zip(handed, helped.result(), strict=True):
            outcome[path] = result
            if not isinstance(result, SiteError):
                cache.put(path, extra, result)
        advance(len(handed))
    raise_all([error for path in paths if isinstance(error := outcome[path], SiteError)])
    return [result for path in paths if not isinstance(result := outcome[path], SiteError)]


def read_entries(
    config: Config, paths: Iterable[Path], cache: FileCache[ParsedListing] | None = None
) -> tuple[list[Entry], list[str]]:
    """Read every dump, collecting all errors before failing; return entries and warnings."""
    parsed = read_listings(config, paths, cache)
    return (
        [entry for listing in parsed for entry in listing.entries],
        [warning for listing in parsed for warning in listing.warnings],
    )


@dataclass(slots=True)
class MergeCache:
    """What an import merged from the dumps, for the next import in the same process (the dev
    server): reused while every dump parses to the very same object (see FileCache)."""

    sources: tuple[ParsedListing, ...] = ()
    """The parsed dumps `papers` were merged from."""
    papers: list[ImportedPaper] = dataclasses.field(default_factory=list)
    """The papers merged from them."""
    complete: dict[str, tuple[Paper, ImportedPaper]] = dataclasses.field(default_factory=dict)
    """Paper id -> a page's Paper and the merged paper it was found to list every listing of."""


def plan_import(
    config: Config,
    paths: Iterable[Path] | None = None,
    *,
    tag_ids: Iterable[str] | None = None,
    pages: FileCache[Paper] | None = None,
    listings: FileCache[ParsedListing] | None = None,
    changed: Collection[Path] | None = None,
    merge_cache: MergeCache | None = None,
    parse_helper: HelpParsing | None = None,
    advance: Advance = ignore,
) -> ImportPlan:
    """Read the dumps and the pages, and return what importing them writes, without writing.

    Every dump and page is read and every write planned first, so an error in any of them
    leaves content/papers/ untouched. `changed` is a file watcher's hint for reading the pages
    (see read_papers); `merge_cache` keeps the merge for the next import; `parse_helper`
    parses half of the dumps (see read_listings); `advance` counts the dumps read.
    """
    paths = source_paths(config) if paths is None else list(paths)
    parsed = tuple(read_listings(config, paths, listings, parse_helper, advance))
    entries = [entry for listing in parsed for entry in listing.entries]
    warnings = [warning for listing in parsed for warning in listing.warnings]
    cache = merge_cache if merge_cache is not None else MergeCache()
    if len(parsed) != len(cache.sources) or any(
        new is not old for new, old in zip(parsed, cache.sources, strict=True)
    ):
        cache.sources, cache.papers, cache.complete = parsed, merge_entries(entries), {}
    imported = cache.papers
    known = None if tag_ids is None else frozenset(tag_ids)
    existing_papers = read_papers(config, known, cache=pages, changed=changed)
    existing = {paper.id: paper for paper in existing_papers}
    final = {paper.where.path: paper for paper in existing_papers}
    page_files = {paper.slug for paper in existing_papers}  # read_papers reads every page
    new_papers = [paper for paper in imported if paper.id not in existing]
    slugs = assign_slugs(
        sorted(
            ((p.id, slug_for(to_plain_text(p.title), p.id)) for p in new_papers),
            key=lambda x: (x[1], x[0]),
        ),
        taken=page_files,
    )
    updates: dict[Path, str] = {}
    created: dict[Path, tuple[ImportedPaper, Paper]] = {}
    papers_shown = config.shown(config.papers_dir)
    updated: list[str] = []
    unchanged = 0
    for paper in imported:
        current = existing.get(paper.id)
        if current is None:
            path = config.papers_dir / f"{slugs[paper.id]}.md"
            shown = f"{papers_shown}/{path.name}"
            created[path] = (paper, new_page_paper(paper, slugs[paper.id], shown))
            final[shown] = created[path][1]
            continue
        known_complete = cache.complete.get(paper.id)
        if (known_complete and known_complete[0] is current and known_complete[1] is paper) or (
            not missing_listings(current, paper)
        ):
            cache.complete[paper.id] = (current, paper)
            unchanged += 1
            continue
        path = config.papers_dir / f"{current.slug}.md"
        shown = config.shown(path)
        merged = merge_page(read_text(path, shown), current, paper)
        if merged is not None:
            updates[path] = merged
            final[shown] = parse_page(merged, shown, path.stem, known)
            updated.append(current.slug)
    if config.year is None and any(
        entry.date and year_in_file_name(Path(entry.where.path).name) is None for entry in entries
    ):
        warnings.append(
            f"{config.shown(config.root / 'site.yml')}: listing dates without a year were given "
            f"{dt.date.today().year}; set `year:` to choose"
        )
    report = ImportReport(
        new=tuple(sorted(slugs[p.id] for p in new_papers)),
        updated=tuple(sorted(updated)),
        unchanged=unchanged,
        warnings=tuple(warnings),
        written=tuple(sorted([*updates, *created])),
    )
    papers = tuple(
        final[shown] for shown in sorted(final, key=lambda shown: shown.rsplit("/", 1)[-1])
    )
    return ImportPlan(report, updates, created, known, papers)


def write_pages(plan: ImportPlan, advance: Advance = ignore) -> None:
    """Write the planned pages, each atomically (new pages are rendered here)."""
    texts = dict(plan.updates)
    texts.update((path, render_new_page(imported)) for path, (imported, _) in plan.created.items())
    for path in sorted(texts):
        write_file_atomic(path, texts[path])
        advance(1)


def remember_pages(plan: ImportPlan, pages: FileCache[Paper]) -> None:
    """Put the new pages, once written, in the page cache: they need not be parsed again."""
    for path, (_, paper) in plan.created.items():
        pages.put(path, plan.known, paper)


def apply_import(
    plan: ImportPlan, pages: FileCache[Paper] | None = None, progress: Progress = NO_PROGRESS
) -> None:
    """Write the planned pages and remember the new ones in the page cache."""
    with progress.task("writing pages", len(plan.report.written), "page") as advance:
        write_pages(plan, advance)
    if pages is not None:
        remember_pages(plan, pages)


def import_sources(
    config: Config,
    paths: Iterable[Path] | None = None,
    *,
    tag_ids: Iterable[str] | None = None,
    pages: FileCache[Paper] | None = None,
    listings: FileCache[ParsedListing] | None = None,
    progress: Progress = NO_PROGRESS,
) -> ImportReport:
    """Create pages for new papers and merge new listings into existing pages."""
    paths = source_paths(config) if paths is None else list(paths)
    with progress.task("reading dumps", len(paths), "dump") as advance:
        plan = plan_import(
            config, paths, tag_ids=tag_ids, pages=pages, listings=listings, advance=advance
        )
    apply_import(plan, pages, progress)
    return plan.report
