"""`import`: listing dumps -> new paper pages, and new listings merged into existing pages."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TypeVar

from site_builder.config import Config
from site_builder.content import read_papers, read_text_stamped
from site_builder.errors import SiteError, SourcePos, raise_all
from site_builder.executor import Executor
from site_builder.filecache import FileCache
from site_builder.latex import fold, normalise_text, to_plain_text
from site_builder.listings import ParsedListing, read_listing, year_in_file_name
from site_builder.models import Entry, ImportedPaper, Listing, Paper
from site_builder.output import remove_stale_temp_files, write_file_if_unchanged
from site_builder.pages import (
    PageNotMerged,
    assign_slugs,
    merge_page,
    missing_listings,
    needs_merge,
    new_page_paper,
    parse_page,
    render_new_page,
    slug_for,
)
from site_builder.papers import merge_entries, merge_group
from site_builder.progress import NO_PROGRESS, Advance, Progress, ignore
from site_builder.readfile import FileStamp, outside_reason

log = logging.getLogger(__name__)
SOURCE_SUFFIXES = (".txt", ".md", ".text", ".bib", "")


@dataclass(frozen=True, slots=True)
class FileReport:
    """What an import takes from one file."""

    source: str
    """The file as shown to the user."""
    layout: str
    """The layout it was read as."""
    new: tuple[str, ...]
    """Slugs of the pages its papers create."""
    updated: tuple[str, ...]
    """Slugs of the existing pages its papers add listings to."""
    unchanged: int
    """Its papers whose pages already have everything."""

    def describe(self) -> list[str]:
        """Return the lines `import --dry-run` prints for this file."""
        lines = [
            f"{self.source}: {self.layout}, {len(self.new)} new, {len(self.updated)} updated, "
            f"{self.unchanged} unchanged"
        ]
        lines += [f"  would create {slug}.md" for slug in self.new]
        lines += [f"  would update {slug}.md" for slug in self.updated]
        return lines


def _layouts_summary(files: tuple[FileReport, ...]) -> str:
    """Return `hf-daily: a.txt, b.txt; bibtex: refs.bib` (a count past five files of a layout)."""
    names: dict[str, list[str]] = {}
    for item in files:
        names.setdefault(item.layout, []).append(item.source.rsplit("/", 1)[-1])
    return "; ".join(
        f"{layout}: {', '.join(found) if len(found) <= 5 else f'{len(found)} files'}"
        for layout, found in sorted(names.items())
    )


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
    files: tuple[FileReport, ...] = ()
    """Per file read: its layout and what it brings."""

    def summary(self) -> str:
        """Return the one-line summary printed at the end of an import, naming the layouts read."""
        layouts = f" ({_layouts_summary(self.files)})" if self.files else ""
        return (
            f"imported: {len(self.new)} new, {len(self.updated)} updated, "
            f"{self.unchanged} unchanged, {len(self.warnings)} warnings{layouts}"
        )

    def describe(self) -> list[str]:
        """Return what `import --dry-run` prints: per file its layout and pages, then warnings."""
        lines = [line for item in self.files for line in item.describe()]
        lines += [f"warning: {warning}" for warning in self.warnings]
        return [*lines, "dry run: " + self.summary().replace("imported:", "would import:", 1)]


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
    read_as: Mapping[Path, tuple[str, FileStamp]] = dataclasses.field(default_factory=dict)
    """Each page in `updates` -> how it is shown, and the version its new text was made from:
    write_pages writes it only while it is still that version."""


def source_paths(config: Config) -> list[Path]:
    """Return the listing dumps in content/sources/ (text files, hidden files skipped), sorted."""
    if not config.sources_dir.is_dir():
        return []
    found: list[Path] = []
    errors: list[SiteError] = []
    for path in sorted(config.sources_dir.iterdir()):
        if (
            path.name.startswith(".")
            or path.stem.upper() == "README"  # the how-to that `new` puts there
            or path.suffix.lower() not in SOURCE_SUFFIXES
        ):
            continue
        reason = outside_reason(path, config.root)
        if reason is None and path.is_dir():
            continue
        if reason is None and not path.is_file():
            reason = "it is not a regular file (a FIFO, a device or a socket)"
        if reason is None:
            found.append(path)
        else:
            errors.append(SiteError(f"refusing to read: {reason}", SourcePos(config.shown(path))))
    raise_all(errors)
    return found


PARALLEL_DUMPS = 16
"""Dumps from which parsing them in child processes pays (see bench/import_stage.py)."""


def _read_listing_run(
    config: Config, fallback_year: int, paths: Iterable[Path]
) -> list[ParsedListing | SiteError]:
    """Read a run of dumps; each gives its parsed listing or what is wrong with it."""
    read: list[ParsedListing | SiteError] = []
    for path in paths:
        try:
            read.append(read_listing(path, config.shown(path), config.year, fallback_year))
        except SiteError as exc:
            read.append(exc)
    return read


def read_listings(
    config: Config,
    paths: Iterable[Path],
    cache: FileCache[ParsedListing] | None = None,
    advance: Advance = ignore,
    executor: Executor | None = None,
) -> list[ParsedListing]:
    """Read every dump (in child processes with an executor, when many), collecting all errors
    before failing."""
    paths = list(paths)
    fallback_year = dt.date.today().year
    cache = cache if cache is not None else FileCache()
    run = partial(_read_listing_run, config, fallback_year)
    outcome = cache.get_many(
        paths,
        (config.year, fallback_year),
        run if executor is None else partial(executor.map, run, threshold=PARALLEL_DUMPS),
    )
    advance(len(paths))
    cache.keep_only(set(paths))
    raise_all([result for result in outcome if isinstance(result, SiteError)])
    return [result for result in outcome if not isinstance(result, SiteError)]


def read_entries(
    config: Config, paths: Iterable[Path], cache: FileCache[ParsedListing] | None = None
) -> tuple[list[Entry], list[str]]:
    """Read every dump, collecting all errors before failing; return entries and warnings."""
    parsed = read_listings(config, paths, cache)
    return (
        [entry for listing in parsed for entry in listing.entries],
        [warning for listing in parsed for warning in listing.warnings],
    )


PARALLEL_PAPERS = 2000
"""Papers from which an import merges and names them in child processes too."""
T = TypeVar("T")
R = TypeVar("R")


def _map_papers(
    executor: Executor | None, function: Callable[[Iterable[T]], list[R]], items: Sequence[T]
) -> list[R]:
    """Return function(items), shared with child processes when there are many."""
    if executor is None:
        return function(items)
    return executor.map(function, items, threshold=PARALLEL_PAPERS)


def _merge_run(groups: Iterable[list[Entry]]) -> list[ImportedPaper]:
    """Merge each group of entries into its paper (see papers.merge_group)."""
    return [merge_group(group) for group in groups]


def _slug_run(papers: Iterable[ImportedPaper]) -> list[str]:
    """Return the slug each new paper's page is named after, before duplicates are told apart."""
    return [slug_for(to_plain_text(paper.title), paper.id) for paper in papers]


@dataclass(slots=True)
class MergeCache:
    """What an import merged from the dumps, for the next import in the same process (the dev
    server): reused while every dump parses to an equal value."""

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
    advance: Advance = ignore,
    executor: Executor | None = None,
) -> ImportPlan:
    """Read the dumps and the pages, and return what importing them writes, without writing.

    Every dump and page is read and every write planned first, so an error in any of them
    leaves content/papers/ untouched. `changed` is a file watcher's hint for reading the pages
    (see read_papers); `merge_cache` keeps the merge for the next import; with `executor`,
    many dumps or pages are read in child processes.
    """
    paths = source_paths(config) if paths is None else list(paths)
    parsed = tuple(read_listings(config, paths, listings, advance, executor))
    entries = [entry for listing in parsed for entry in listing.entries]
    warnings = [warning for listing in parsed for warning in listing.warnings]
    cache = merge_cache if merge_cache is not None else MergeCache()
    if len(parsed) != len(cache.sources) or any(
        new != old for new, old in zip(parsed, cache.sources, strict=True)
    ):
        imported_now = merge_entries(entries, partial(_map_papers, executor, _merge_run))
        cache.sources, cache.papers, cache.complete = parsed, imported_now, {}
    imported = cache.papers
    known = None if tag_ids is None else frozenset(tag_ids)
    existing_papers = read_papers(
        config, known, cache=pages, changed=changed, executor=executor
    )
    existing = _match_existing(imported, existing_papers)
    final = {paper.where.path: paper for paper in existing_papers}
    page_files = {paper.slug for paper in existing_papers}  # read_papers reads every page
    new_papers = [paper for paper in imported if paper.id not in existing]
    bases = _map_papers(executor, _slug_run, new_papers)
    slugs = assign_slugs(
        sorted(
            ((p.id, base) for p, base in zip(new_papers, bases, strict=True)),
            key=lambda x: (x[1], x[0]),
        ),
        taken=page_files,
    )
    updates: dict[Path, str] = {}
    read_as: dict[Path, tuple[str, FileStamp]] = {}
    created: dict[Path, tuple[ImportedPaper, Paper]] = {}
    papers_dir = config.papers_dir
    papers_shown = config.shown(papers_dir)
    updated: list[str] = []
    unchanged = 0
    outcome: dict[str, tuple[str, str, frozenset[str]]] = {}
    for paper in imported:
        current = existing.get(paper.id)
        if current is None:
            path = papers_dir / f"{slugs[paper.id]}.md"
            shown = f"{papers_shown}/{path.name}"
            created[path] = (paper, new_page_paper(paper, slugs[paper.id], shown))
            final[shown] = created[path][1]
            outcome[paper.id] = ("new", slugs[paper.id], _sources(paper.listings))
            continue
        outcome[paper.id] = ("unchanged", current.slug, frozenset())
        known_complete = cache.complete.get(paper.id)
        if (known_complete and known_complete[0] == current and known_complete[1] == paper) or (
            not needs_merge(current, paper)
        ):
            cache.complete[paper.id] = (current, paper)
            unchanged += 1
            continue
        path = papers_dir / f"{current.slug}.md"
        shown = config.shown(path)
        text, version = read_text_stamped(path, shown, config.root)
        try:
            merged = merge_page(text, current, paper)
        except PageNotMerged as exc:
            warnings.append(str(exc))
            continue
        if merged is not None:
            updates[path] = merged
            read_as[path] = (shown, version)
            final[shown] = parse_page(merged, shown, path.stem, known)
            updated.append(current.slug)
            outcome[paper.id] = (
                "updated",
                current.slug,
                _sources(missing_listings(current, paper)),
            )
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
        written=tuple(sorted([*updates, *created], key=_path_order)),
        files=_file_reports(config, paths, parsed, imported, outcome),
    )
    papers = tuple(
        final[shown] for shown in sorted(final, key=lambda shown: shown.rsplit("/", 1)[-1])
    )
    return ImportPlan(report, updates, created, known, papers, read_as)


def _match_existing(
    imported: Iterable[ImportedPaper], pages: Iterable[Paper]
) -> dict[str, Paper]:
    """Return imported paper id -> the page of that paper: same id, else arXiv id, DOI or title.

    A paper seen through a new source may get a richer title, hence another id; its page is
    still the one with its arXiv id or DOI. A page written before the text was cleaned as it is
    now (`scriptsizeFLaws`, a macro that lost its backslash) is found by its title cleaned the
    same way, so a better cleaning never makes a second page of a paper.
    """
    pages = list(pages)
    by_id = {paper.id: paper for paper in pages}
    by_arxiv = {paper.arxiv.lower(): paper for paper in pages if paper.arxiv}
    by_doi = {paper.doi.lower(): paper for paper in pages if paper.doi}
    by_title = {fold(paper.title): paper for paper in pages}
    by_clean_title: dict[str, Paper] | None = None  # made only when an imported paper needs it
    found: dict[str, Paper] = {}
    for paper in imported:
        page = (
            by_id.get(paper.id)
            or (by_arxiv.get(paper.arxiv.lower()) if paper.arxiv else None)
            or (by_doi.get(paper.doi.lower()) if paper.doi else None)
            or by_title.get(fold(paper.title))
        )
        if page is None:
            if by_clean_title is None:
                by_clean_title = {fold(normalise_text(p.title)): p for p in pages}
            page = by_clean_title.get(fold(paper.title))
        if page is not None:
            found[paper.id] = page
    return found


def _path_order(path: Path) -> tuple[str, ...]:
    """Return the key that sorts paths as `sorted` does on POSIX, without Path's slow comparison."""
    return path.parts


def _sources(listings: Iterable[Listing]) -> frozenset[str]:
    return frozenset(item.source for item in listings)


def _file_reports(
    config: Config,
    paths: list[Path],
    parsed: tuple[ParsedListing, ...],
    imported: Iterable[ImportedPaper],
    outcome: Mapping[str, tuple[str, str, frozenset[str]]],
) -> tuple[FileReport, ...]:
    """Return per file its layout and what its papers do there (new, updated, unchanged)."""
    by_source: dict[str, list[tuple[str, str]]] = {}
    for paper in imported:
        status, slug, bringing = outcome[paper.id]
        for source in sorted(_sources(paper.listings)):
            by_source.setdefault(source, []).append(
                (status if source in bringing else "unchanged", slug)
            )
    reports = []
    for path, listing in zip(paths, parsed, strict=True):
        results = by_source.get(path.name, [])
        reports.append(
            FileReport(
                source=config.shown(path),
                layout=listing.layout,
                new=tuple(sorted(slug for status, slug in results if status == "new")),
                updated=tuple(sorted(slug for status, slug in results if status == "updated")),
                unchanged=sum(1 for status, _ in results if status == "unchanged"),
            )
        )
    return tuple(reports)


def write_pages(plan: ImportPlan, advance: Advance = ignore) -> tuple[Path, ...]:
    """Write the planned pages, each atomically (new pages are rendered here); return those
    left alone.

    A page is written only while it is the version the import read (a new one: while there is
    none), checked right before its rename: a page saved meanwhile keeps the reader's text, with
    a warning (the next import adds its new listings).
    """
    texts = dict(plan.updates)
    texts.update((path, render_new_page(imported)) for path, (imported, _) in plan.created.items())
    for folder in sorted({path.parent for path in texts}):
        for name in remove_stale_temp_files(folder):
            log.info("removed %s, left by a write that was stopped", folder / name)
    skipped = []
    for path in sorted(texts, key=_path_order):
        advance(1)
        shown, version = plan.read_as.get(path) or (plan.created[path][1].where.path, None)
        try:
            # A page that is a symlink (to the reader's own notes file) is updated where it points;
            # a new page is none (a link made meanwhile is kept: the write does not replace it).
            target = path.resolve() if version is not None and path.is_symlink() else path
            written = write_file_if_unchanged(target, texts[path], version)
        except OSError as exc:
            raise SiteError(f"cannot write: {exc.strerror or exc}", SourcePos(shown)) from None
        if not written:
            log.warning("warning: %s: changed while importing: left as it is", SourcePos(shown))
            skipped.append(path)
    return tuple(skipped)


def remember_pages(
    plan: ImportPlan, pages: FileCache[Paper], skipped: Collection[Path] = ()
) -> None:
    """Put the pages, once written, in the page cache: they need not be parsed again, and an
    updated page is not served from the cache as it read before the import. Pages left alone
    (`skipped`: changed by the reader meanwhile) are read again next time."""
    for path, (_, paper) in plan.created.items():
        if path not in skipped:
            pages.put(path, plan.known, paper)
    if not plan.updates:
        return
    by_name = {Path(paper.where.path).name: paper for paper in plan.papers}
    for path in plan.updates:
        if path not in skipped:
            pages.put(path, plan.known, by_name[path.name])


def apply_import(
    plan: ImportPlan, pages: FileCache[Paper] | None = None, progress: Progress = NO_PROGRESS
) -> None:
    """Write the planned pages and remember the new ones in the page cache."""
    with progress.task("writing pages", len(plan.report.written), "page") as advance:
        skipped = write_pages(plan, advance)
    if pages is not None:
        remember_pages(plan, pages, skipped)


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
    with progress.task("reading dumps", len(paths), "file") as advance:
        plan = plan_import(
            config, paths, tag_ids=tag_ids, pages=pages, listings=listings, advance=advance
        )
    apply_import(plan, pages, progress)
    return plan.report
