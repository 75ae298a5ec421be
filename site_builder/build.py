"""`build`: run the stages in order, from listing dumps to a finished site in the output dir.

`build_site` reads top to bottom as the pipeline:

1. read      the taxonomy; the import (new listings merged into the pages) or the pages alone
             (dumps and pages parsed by workers, when many)
2. related   candidates for related papers, from the papers' plain text (a worker, when large)
3. tags      each paper's tags
4. search    the search data, from the papers, their tags and the taxonomy, written by the task
             that makes it (a worker, when large), as the data files are
5. texts     titles, abstracts and notes rendered to HTML
6. assemble  the Site: views of every paper, tag and day, related papers picked
7. render    HTML pages, each written as it is rendered (shared with workers, when many: they
             take the pages that list no papers, this process the lists, so only it renders
             the paper cards, each once); feeds and data files meanwhile (a worker, when large)
8. write     static assets; the new site swapped into the output dir (or, in the dev server,
             changed files replaced in place, the edited papers' pages before other pages)

Parallelism lives in one place: the `Executor` handed to the stages that map over dumps or
pages, or that run beside the others (the page writes of an import, related papers, search, data
files); each task writes what it makes through the `SiteWriter`, so no file's bytes travel
between processes. The short per-paper stages (tags, texts) stay in this process: while those
side tasks keep the second core busy, splitting them costs more than it saves. What a
long-lived process (the dev server) keeps between builds is in `BuildState`, and every kept
result is reused only for equal inputs (the same content, compared or hashed), so a rebuild
writes exactly what a fresh build writes. The pages the dev server's fast render wrote from the
last Site (preview.py) are taken in before the pages are written and checked after the write.
A build run once (the command line's) keeps nothing only a rebuild would use.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import logging
import time
from collections.abc import Collection, Iterable, Iterator, MutableMapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import jinja2

from site_builder.assets import read_static
from site_builder.config import Config
from site_builder.content import read_papers, read_taxonomy
from site_builder.executor import Executor, Pending
from site_builder.feeds import DataCache, render_data_files
from site_builder.filecache import FileCache
from site_builder.ingest import ImportReport, MergeCache, plan_import, remember_pages, write_pages
from site_builder.listings import ParsedListing
from site_builder.models import Paper, Tag
from site_builder.output import SiteWriter, check_output_dir
from site_builder.preview import Previewed
from site_builder.progress import NO_PROGRESS, Advance, Progress, ignore
from site_builder.render import (
    Page,
    RenderCache,
    collect_pages,
    make_environment,
    paper_page,
    plan_pages,
    plan_renders,
    render_pages,
    site_keys,
    templates_key,
)
from site_builder.search import SearchIndex, build_search, search_docs
from site_builder.site import (
    PaperText,
    RelatedCandidates,
    Site,
    assemble_site,
    pick_related,
    related_candidates,
    related_input,
    render_paper_text,
)
from site_builder.tags import tag_papers

log = logging.getLogger(__name__)

Written = tuple[dict[str, str], int]
"""What a task wrote through the SiteWriter: each file's digest, and how many changed."""

PARALLEL = 400
"""Papers or pages from which handing work to child processes pays for itself."""
LOUD_PAPERS = 2000
"""From this many papers, a build reports each stage as it finishes."""


@dataclass(slots=True)
class BuildState:
    """What a long-lived process (the dev server) keeps between builds to redo only what changed.

    Every entry is reused only when what it was made from is equal to this build's input.
    """

    pages: FileCache[Paper] = field(default_factory=FileCache)
    """Parsed paper pages by file version."""
    listings: FileCache[ParsedListing] = field(default_factory=FileCache)
    """Parsed listing dumps by file version."""
    merged: MergeCache = field(default_factory=MergeCache)
    """The papers merged from the dumps by the last import."""
    tags_taxonomy: tuple[Tag, ...] = ()
    """The taxonomy the papers in `tags` were tagged with."""
    tags: dict[str, tuple[Paper, tuple[str, ...]]] = field(default_factory=dict)
    """Paper id -> (the paper, its tags)."""
    texts: dict[str, tuple[Paper, PaperText]] = field(default_factory=dict)
    """Paper id -> (the paper, its rendered text)."""
    text_hashes: dict[str, tuple[Paper, bytes]] = field(default_factory=dict)
    """Paper id -> (the paper, a hash of what search and related papers use of it)."""
    text_key: str = ""
    """Key of all that related papers and the search data of the last build came from."""
    related: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Related papers of the last build, by slug."""
    search: SearchIndex | None = None
    """The last build's search data with what it was made from: its files, postings and file
    keys."""
    environment: tuple[str, jinja2.Environment] | None = None
    """Templates key and the Jinja2 environment compiled from those templates."""
    cards: dict[str, str] = field(default_factory=dict)
    """Paper cards rendered with the templates of `environment`, by paper view key."""
    site: Site | None = None
    """The Site of the last build: its views are reused for equal papers with equal tags."""
    render: RenderCache = field(default_factory=RenderCache)
    """Pages of the last build with what they read."""
    data: DataCache = field(default_factory=DataCache)
    """What the feeds, papers.json, BibTeX files and desk-data.js of the last build came from."""
    written: dict[str, str] = field(default_factory=dict)
    """Digest of each file the last build of this state left in the output dir (empty: nothing
    known)."""
    previewed: Previewed = field(default_factory=Previewed)
    """Pages the dev server's fast render wrote between or during builds (preview.py)."""
    start_method: str | None = "fork"
    """How large builds start child processes: "fork" (inputs inherited, not copied: only while
    the process runs no other thread), "forkserver" (safe once it does, as the dev server's),
    or None to stay in one process."""
    rebuilds: bool = True
    """Whether builds will follow with this state (the dev server's). A build run once (the
    command line's) keeps none of what only a rebuild uses: the parsed dumps, merged papers and
    import plan are dropped once used, the search postings and the data files' entries stay in
    the child processes that made them."""


@dataclass(frozen=True, slots=True)
class BuildResult:
    """What a build produced."""

    site: Site
    """The site that was rendered."""
    files: int
    """Files in the output."""
    pages: int
    """HTML pages in the output."""
    changed: int
    """Files whose bytes differ from the previous output."""
    reused: int
    """Pages reused from the previous build without rendering."""
    seconds: float
    """Wall time of the build."""
    imported: ImportReport | None
    """What the import stage did (None when skipped)."""
    unsettled: tuple[Path, ...] = ()
    """Paper files whose page a preview wrote while this build ran, differing from the build's
    own: to be built again (see settle_previews)."""

    def summary(self) -> str:
        """Return the line printed at the end of every build."""
        site = self.site
        return (
            f"built {len(site.papers)} papers, {len(site.tags)} tags, {len(site.dates)} days: "
            f"{self.pages} pages, {self.files} files ({self.changed} changed) "
            f"in {self.seconds:.2f} s"
        )


@contextlib.contextmanager
def no_cycle_collection() -> Iterator[None]:
    """Pause the cyclic garbage collector: a build allocates many objects and frees them by
    reference counting; collections walking every live object would cost seconds at 10,000 papers."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _Progress:
    """Stage timings for -v, and progress lines when a build is long enough to wait for."""

    def __init__(self) -> None:
        self.started = self.last = time.perf_counter()
        self.loud = False

    def stage(self, name: str, detail: str = "") -> None:
        now = time.perf_counter()
        log.debug("  %-8s %6.2f s %s", name, now - self.last, detail)
        if self.loud:
            log.info(
                "%s done (%.1f s)%s", name, now - self.started, f": {detail}" if detail else ""
            )
        self.last = now


@no_cycle_collection()
def build_site(
    config: Config,
    state: BuildState | None = None,
    *,
    run_import: bool = True,
    changed: Collection[Path] | None = None,
    bars: Progress = NO_PROGRESS,
) -> BuildResult:
    """Import new listings, read the content, render the site and swap it into config.out_dir.

    `changed`, from a file watcher, names the only input files that may have changed since the
    last build with this state: other paper pages are not even looked at again.
    """
    progress = _Progress()
    check_output_dir(config.out_dir, config.root)
    state = state if state is not None else BuildState(rebuilds=False)
    with Executor(state.start_method) as executor:
        taxonomy = read_taxonomy(config)
        if run_import:
            # A build run once keeps no parsed dump or merged paper: freed, their memory is
            # what the later stages allocate (at 100,000 papers, hundreds of megabytes).
            plan = plan_import(
                config,
                tag_ids=[tag.id for tag in taxonomy],
                pages=state.pages,
                listings=state.listings if state.rebuilds else None,
                changed=changed,
                merge_cache=state.merged if state.rebuilds else None,
                executor=executor,
            )
            report: ImportReport | None = plan.report
            _log_import(plan.report)
            papers = list(plan.papers)
            # The new pages are written meanwhile (the site is built from them in memory).
            if len(plan.report.written) < PARALLEL:
                with bars.task("writing pages", len(plan.report.written), "page") as advance:
                    page_writes = Pending(write_pages(plan, advance))
            else:
                page_writes = executor.submit(write_pages, plan)
            kept_plan = plan if state.rebuilds else None  # what the next build remembers
            del plan
        else:
            report = kept_plan = None
            papers = read_papers(
                config,
                [tag.id for tag in taxonomy],
                cache=state.pages,
                changed=changed,
                executor=executor,
            )
        progress.loud = len(papers) >= LOUD_PAPERS
        progress.stage("read", f"{len(papers)} papers")
        try:
            # A first build has nothing to compare the key with: it is made for the next one.
            text_key = _text_key(papers, taxonomy, config, state) if state.rebuilds else ""
            stale = not text_key or text_key != state.text_key
            candidates = _start_related(config, papers, executor) if stale else None
            paper_tags = find_tags(papers, taxonomy, state)
            progress.stage("tags")

            writer = SiteWriter(config.out_dir, state.written, digests=state.rebuilds)
            try:
                search = (
                    _start_search(papers, paper_tags, taxonomy, state, writer, executor)
                    if stale
                    else None
                )
                texts = render_texts(papers, state)
                progress.stage("texts", "titles, abstracts and notes rendered")

                if candidates is not None:
                    state.related = pick_related(candidates.result(), paper_tags, config.related)
                    del candidates  # freed for the views and pages to come
                site = assemble_site(
                    config,
                    taxonomy,
                    papers,
                    paper_tags,
                    state.related,
                    previous=state.site,
                    texts=texts,
                    keyed=state.rebuilds,
                )
                state.site = site
                progress.stage("assemble", "views and related papers")

                take_previews(state, writer)
                if changed is not None and not writer.staged:
                    _write_edited_first(config, site, state, writer, changed)
                files, rewritten = render_site(config, site, state, executor, writer, bars)
                rewritten += search_written(state, search, writer, files)
                state.text_key = text_key
                progress.stage("render", f"{len(files)} files")

                files, rewritten = write_output(config, state, writer, files, rewritten)
            except BaseException:
                writer.abort()
                state.written = {}  # what the output dir holds is no longer known
                raise
            unsettled = settle_previews(state)
            progress.stage("write", f"{rewritten} changed")
        finally:
            if run_import:
                # An import is written whole, whatever failed after it.
                skipped = page_writes.result()
        if kept_plan is not None:  # the pages need not be read again by the next build
            remember_pages(kept_plan, state.pages, skipped)
    return BuildResult(
        site=site,
        files=len(files),
        pages=sum(1 for path in files if path.endswith(".html")),
        changed=rewritten,
        reused=state.render.hits,
        seconds=time.perf_counter() - progress.started,
        imported=report,
        unsettled=unsettled,
    )


def take_previews(state: BuildState, writer: SiteWriter) -> None:
    """Take in the pages previewed since the last build: the output dir holds their bytes, and
    they are rendered again (the cache's copy is no longer what the dir holds)."""
    for path, (digest, _) in state.previewed.take().items():
        writer.take_in(path, digest)
        state.render.pages.pop(path, None)


def settle_previews(state: BuildState) -> tuple[Path, ...]:
    """Check the pages previewed while this build ran against the build's own: where they differ,
    which one the output dir holds is unknown, so it is forgotten; return their papers' files."""
    unsettled = set()
    for path, (digest, source) in state.previewed.take().items():
        if state.written.get(path) != digest:
            state.written.pop(path, None)
            state.render.pages.pop(path, None)
            unsettled.add(source)
    return tuple(sorted(unsettled))


def _log_import(report: ImportReport) -> None:
    for warning in report.warnings:
        log.warning("warning: %s", warning)
    if report.new or report.updated:
        log.info("%s", report.summary())


def _text_key(
    papers: Sequence[Paper], taxonomy: Sequence[Tag], config: Config, state: BuildState
) -> str:
    """Return a hash of all that related papers and the search data depend on: each paper's
    text, dates and tag edits, the taxonomy, and the related-papers count."""
    digest = hashlib.sha256(repr((taxonomy, config.related)).encode("utf-8"))
    hashes = state.text_hashes
    for paper in sorted(papers, key=lambda p: p.slug):
        cached = hashes.get(paper.id)
        if cached is None or cached[0] != paper:
            text = repr(
                (
                    paper.slug,
                    paper.title,
                    paper.abstract,
                    paper.dates,
                    paper.tags,
                    paper.remove_tags,
                )
            )
            cached = hashes[paper.id] = (paper, hashlib.sha256(text.encode("utf-8")).digest())
        digest.update(cached[1])
    _keep_only(hashes, [paper.id for paper in papers])
    return digest.hexdigest()


def _keep_only(cache: MutableMapping[str, Any], keys: Collection[str]) -> None:
    """Forget the entries whose key is not among `keys` (of papers that are gone)."""
    if len(cache) != len(keys):
        kept = set(keys)
        for gone in [key for key in cache if key not in kept]:
            del cache[gone]


def _start_related(
    config: Config, papers: Sequence[Paper], executor: Executor
) -> Pending[RelatedCandidates]:
    """Start finding the candidates for related papers (from the papers' text only)."""
    inline = len(papers) < PARALLEL
    if executor.inherits or inline:  # a forked child is handed the papers as they are
        return executor.submit(_related_run, papers, config.related, inline=inline)
    # A fork server's child is sent its inputs pickled: the plain texts, not the papers (at
    # 100,000 papers, seconds of this process's time less).
    return executor.submit(related_candidates, related_input(papers), config.related)


def _related_run(papers: Sequence[Paper], count: int) -> RelatedCandidates:
    """Find the candidates for related papers (in a child process: the papers' plain text too)."""
    return related_candidates(related_input(papers), count)


def find_tags(
    papers: Sequence[Paper], taxonomy: Sequence[Tag], state: BuildState
) -> dict[str, tuple[str, ...]]:
    """Return each paper's tags by id; tagged again only for papers or a taxonomy that changed."""
    taxonomy = tuple(taxonomy)
    if taxonomy != state.tags_taxonomy:
        state.tags.clear()
        state.tags_taxonomy = taxonomy
    kept = state.tags
    fresh = [p for p in papers if not (p.id in kept and kept[p.id][0] == p)]
    found = tag_papers(fresh, taxonomy)
    for paper in fresh:
        kept[paper.id] = (paper, found[paper.id])
    _keep_only(kept, [paper.id for paper in papers])
    return {paper.id: kept[paper.id][1] for paper in papers}


def render_texts(papers: Sequence[Paper], state: BuildState) -> dict[str, PaperText]:
    """Return each paper's rendered title, abstract and notes by id, rendered again only for
    papers that changed."""
    kept = state.texts
    for paper in papers:
        if not (paper.id in kept and kept[paper.id][0] == paper):
            kept[paper.id] = (paper, render_paper_text(paper))
    _keep_only(kept, [paper.id for paper in papers])
    return {paper.id: kept[paper.id][1] for paper in papers}


def _search_run(
    papers: Sequence[Paper],
    paper_tags: dict[str, tuple[str, ...]],
    taxonomy: Sequence[Tag],
    previous: SearchIndex | None,
    writer: SiteWriter,
    rebuilds: bool,
) -> tuple[Written, SearchIndex | None]:
    """Build the search data and write it (in a child process too: its megabytes are not sent
    back); return what was written, and the data with what it was made from, for the next build
    (if one follows)."""
    index = build_search(search_docs(papers, paper_tags, taxonomy), previous)
    return writer.put_all(index.files), index if rebuilds else None


def _start_search(
    papers: Sequence[Paper],
    paper_tags: dict[str, tuple[str, ...]],
    taxonomy: Sequence[Tag],
    state: BuildState,
    writer: SiteWriter,
    executor: Executor,
) -> Pending[tuple[Written, SearchIndex | None]]:
    """Start building and writing the search data: in a child process on a first large build;
    in this one when the last build's is there to edit."""
    inline = len(papers) < PARALLEL or state.search is not None
    return executor.submit(
        _search_run,
        papers,
        paper_tags,
        taxonomy,
        state.search,
        writer,
        state.rebuilds,
        inline=inline,
    )


def _environment(config: Config, state: BuildState) -> tuple[str, jinja2.Environment]:
    """Return the templates key and the Jinja2 environment, compiled again (and the cards
    forgotten) only after an edit."""
    templates = templates_key(config.templates_dir)
    if state.environment is None or state.environment[0] != templates:
        state.environment = (templates, make_environment(config.templates_dir))
        state.cards.clear()
    return state.environment


def _page_run(
    site: Site,
    templates: Path | jinja2.Environment,
    cards: dict[str, str],
    writer: SiteWriter,
    record: bool,
    pages: Iterable[Page],
) -> list[tuple[str, bool, tuple[str, ...]]]:
    """Render pages and write them (in a child process: with the Jinja2 environment it
    inherits, or its own compiled from the templates dir); return each page's digest, whether
    it changed, and the Site fields it read (when `record`)."""
    env = templates if isinstance(templates, jinja2.Environment) else make_environment(templates)
    return _render_and_put(site, env, cards, writer, pages, record)


def _render_and_put(
    site: Site,
    env: jinja2.Environment,
    cards: dict[str, str],
    writer: SiteWriter,
    pages: Iterable[Page],
    record: bool,
    advance: Advance = ignore,
) -> list[tuple[str, bool, tuple[str, ...]]]:
    done = []
    for page, data, reads in render_pages(site, env, cards, pages, record=record):
        digest, changed = writer.put(page.path, data)
        done.append((digest, changed, reads))
        advance(1)
    return done


def _data_run(
    site: Site, page_urls: list[str], cache: DataCache, writer: SiteWriter, rebuilds: bool
) -> tuple[Written, DataCache]:
    """Render the data files and write them (in a child process too: its megabytes are not sent
    back); return what was written, and the cache they leave for a rebuild (empty when none
    follows)."""
    written = writer.put_all(render_data_files(site, page_urls, cache if rebuilds else None))
    return written, cache if rebuilds else DataCache()


EDITED_FIRST = 8
"""Most edited papers whose pages a rebuild in place writes before the rest of the site."""


def _write_edited_first(
    config: Config, site: Site, state: BuildState, writer: SiteWriter, changed: Collection[Path]
) -> None:
    """Write the pages of the papers just edited before the rest of the site (a rebuild in
    place): the reader looking at the paper they edit sees it at once. The pages are final (the
    Site is assembled); the full render writes the same bytes again."""
    papers_dir = config.papers_dir.resolve()
    slugs = {path.stem for path in changed if path.parent == papers_dir}
    if not slugs or len(slugs) > EDITED_FIRST:
        return
    _, env = _environment(config, state)
    pages = [paper_page(site, i) for i, view in enumerate(site.papers) if view.paper.slug in slugs]
    for page, data, _ in render_pages(site, env, state.cards, pages):
        writer.put(page.path, data)


def render_site(
    config: Config,
    site: Site,
    state: BuildState,
    executor: Executor,
    writer: SiteWriter,
    bars: Progress = NO_PROGRESS,
) -> tuple[dict[str, str], int]:
    """Render the site's pages and data files and write them through `writer`; return every
    file's digest and how many changed. Pages whose inputs are unchanged are reused (only where
    the output dir holds them: in place), and each paper's card is rendered once."""
    templates, env = _environment(config, state)
    cards = state.cards  # rendered as pages first show them (render_pages), kept for rebuilds
    _keep_only(cards, [view.key for view in site.papers])

    if writer.staged:
        state.render = RenderCache()  # a staged site is written whole: every page is rendered
    if state.rebuilds:
        fields = site_keys(site)
        planned, missing = plan_renders(site, templates, fields, state.render)
    else:  # no build follows to reuse a page: no keys to make
        fields = {}
        planned = [(page, "") for page in plan_pages(site)]
        missing = list(range(len(planned)))
    page_urls = [page.url for page, _ in planned if page.path.endswith("index.html")]
    # The data files are made meanwhile: in a child process on a first large build.
    data_files = executor.submit(
        _data_run,
        site,
        page_urls,
        state.data,
        writer,
        state.rebuilds,
        inline=len(site.papers) < PARALLEL or bool(state.data.records),
    )
    # Pages that list no papers first: the children take runs from the front, so they have no
    # card to render; this process takes the lists from the back, rendering each card once.
    missing.sort(key=lambda index: bool(planned[index][0].papers))
    pages = [planned[index][0] for index in missing]
    with bars.task("rendering", len(pages), "page") as advance:
        if executor.parallel and len(pages) >= PARALLEL:
            # Forked children use the compiled templates as they are; a fork server's compile
            # their own (an environment cannot be pickled).
            templates_or_env = env if executor.inherits else config.templates_dir
            done = executor.map(
                partial(_page_run, site, templates_or_env, cards, writer, state.rebuilds),
                pages,
                threshold=PARALLEL,
            )
            advance(len(pages))
        else:
            done = _render_and_put(site, env, cards, writer, pages, state.rebuilds, advance)
    if state.rebuilds:
        fresh = {
            index: (digest, reads) for index, (digest, _, reads) in zip(missing, done, strict=True)
        }
        files = collect_pages(planned, fresh, fields, state.render)
    else:
        files = {
            planned[index][0].path: digest
            for index, (digest, _, _) in zip(missing, done, strict=True)
        }
    (digests, changed), state.data = data_files.result()
    files.update(digests)
    return files, changed + sum(1 for _, was_changed, _ in done if was_changed)


def search_written(
    state: BuildState,
    search: Pending[tuple[Written, SearchIndex | None]] | None,
    writer: SiteWriter,
    files: dict[str, str],
) -> int:
    """Take in the search data this build wrote (or, when no text changed, write the last
    build's again: a no-op in place); add the files' digests to `files`, return how many
    changed."""
    if search is not None:
        (digests, changed), state.search = search.result()
    else:
        digests, changed = writer.put_all(state.search.files if state.search else {})
    files.update(digests)
    return changed


def write_output(
    config: Config,
    state: BuildState,
    writer: SiteWriter,
    files: dict[str, str],
    changed: int,
) -> tuple[dict[str, str], int]:
    """Write the static assets, then make the output dir hold the site; return every file's
    digest and how many files changed."""
    digests, static_changed = writer.put_all(read_static(config))
    files.update(digests)
    changed += static_changed + writer.finish(files)
    state.written = files
    return files, changed
