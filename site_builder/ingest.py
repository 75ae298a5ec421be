"""`import`: listing dumps -> new paper pages, and new listings merged into existing pages."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from site_builder.config import Config
from site_builder.content import page_paths, read_papers, read_text
from site_builder.errors import SiteError, raise_all
from site_builder.filecache import FileCache
from site_builder.latex import to_plain_text
from site_builder.listings import ParsedListing, read_listing, year_in_file_name
from site_builder.models import Entry, Paper
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
    writes: Mapping[Path, str]
    """Page files to write (new and updated) -> their text."""
    created: Mapping[Path, Paper]
    """New page files -> their Paper."""
    known: frozenset[str] | None
    """Tag ids the papers were checked against."""
    papers: tuple[Paper, ...]
    """Every paper page after the import, in file name order (as read_papers returns them)."""


def source_paths(config: Config) -> list[Path]:
    """Return the listing dumps in content/sources/ (text files, hidden files skipped), sorted."""
    if not config.sources_dir.is_dir():
        return []
    return sorted(
        path
        for path in config.sources_dir.iterdir()
        if path.is_file()
        and not path.name.startswith(".")
        and path.suffix.lower() in SOURCE_SUFFIXES
    )


def read_entries(
    config: Config, paths: Iterable[Path], cache: FileCache[ParsedListing] | None = None
) -> tuple[list[Entry], list[str]]:
    """Read every dump, collecting all errors before failing; return entries and warnings."""
    entries: list[Entry] = []
    warnings: list[str] = []
    errors: list[SiteError] = []
    fallback_year = dt.date.today().year
    cache = cache if cache is not None else FileCache()
    for path in paths:
        try:
            parsed = cache.get(
                path,
                (config.year, fallback_year),
                partial(read_listing, path, config.shown(path), config.year, fallback_year),
            )
        except SiteError as exc:
            errors.append(exc)
            continue
        entries.extend(parsed.entries)
        warnings.extend(parsed.warnings)
    raise_all(errors)
    return entries, warnings


def plan_import(
    config: Config,
    paths: Iterable[Path] | None = None,
    *,
    tag_ids: Iterable[str] | None = None,
    pages: FileCache[Paper] | None = None,
    listings: FileCache[ParsedListing] | None = None,
    changed: Collection[Path] | None = None,
) -> ImportPlan:
    """Read the dumps and the pages, and return what importing them writes, without writing.

    Every dump and page is read and every write planned first, so an error in any of them
    leaves content/papers/ untouched. `changed` is a file watcher's hint for reading the pages
    (see read_papers).
    """
    paths = source_paths(config) if paths is None else list(paths)
    entries, warnings = read_entries(config, paths, listings)
    imported = merge_entries(entries)
    known = None if tag_ids is None else frozenset(tag_ids)
    existing_papers = read_papers(config, known, cache=pages, changed=changed)
    existing = {paper.id: paper for paper in existing_papers}
    final = {paper.where.path: paper for paper in existing_papers}
    page_files = {path.stem: path for path in page_paths(config)}
    new_papers = [paper for paper in imported if paper.id not in existing]
    slugs = assign_slugs(
        sorted(
            ((p.id, slug_for(to_plain_text(p.title), p.id)) for p in new_papers),
            key=lambda x: (x[1], x[0]),
        ),
        taken=page_files,
    )
    writes: dict[Path, str] = {}
    created: dict[Path, Paper] = {}
    updated: list[str] = []
    unchanged = 0
    for paper in imported:
        current = existing.get(paper.id)
        if current is None:
            path = config.papers_dir / f"{slugs[paper.id]}.md"
            writes[path] = render_new_page(paper)
            created[path] = final[config.shown(path)] = new_page_paper(
                paper, slugs[paper.id], config.shown(path)
            )
            continue
        if not missing_listings(current, paper):
            unchanged += 1
            continue
        path = page_files[current.slug]
        shown = config.shown(path)
        merged = merge_page(read_text(path, shown), current, paper)
        if merged is not None:
            writes[path] = merged
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
        written=tuple(sorted(writes)),
    )
    papers = tuple(final[shown] for shown in sorted(final, key=lambda shown: Path(shown).name))
    return ImportPlan(report, writes, created, known, papers)


def write_pages(plan: ImportPlan) -> None:
    """Write the planned pages, each atomically."""
    for path in sorted(plan.writes):
        write_file_atomic(path, plan.writes[path])


def remember_pages(plan: ImportPlan, pages: FileCache[Paper]) -> None:
    """Put the new pages, once written, in the page cache: they need not be parsed again."""
    for path, paper in plan.created.items():
        pages.put(path, plan.known, paper)


def apply_import(plan: ImportPlan, pages: FileCache[Paper] | None = None) -> None:
    """Write the planned pages and remember the new ones in the page cache."""
    write_pages(plan)
    if pages is not None:
        remember_pages(plan, pages)


def import_sources(
    config: Config,
    paths: Iterable[Path] | None = None,
    *,
    tag_ids: Iterable[str] | None = None,
    pages: FileCache[Paper] | None = None,
    listings: FileCache[ParsedListing] | None = None,
) -> ImportReport:
    """Create pages for new papers and merge new listings into existing pages."""
    plan = plan_import(config, paths, tag_ids=tag_ids, pages=pages, listings=listings)
    apply_import(plan, pages)
    return plan.report
