"""`build`: run the stages in order, from listing dumps to a finished site in _site/."""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import hashlib
import logging
import multiprocessing as mp
import os
import time
from collections.abc import Collection, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from site_builder import workers
from site_builder.assets import read_static
from site_builder.config import Config
from site_builder.content import read_papers, read_taxonomy
from site_builder.errors import SiteError
from site_builder.feeds import render_data_files
from site_builder.filecache import FileCache
from site_builder.ingest import (
    ImportReport,
    MergeCache,
    ParseResult,
    apply_import,
    parse_dumps,
    plan_import,
    remember_pages,
)
from site_builder.listings import ParsedListing
from site_builder.models import Paper, Tag
from site_builder.output import sync_site, write_site
from site_builder.render import (
    RenderCache,
    collect_pages,
    make_environment,
    plan_renders,
    render_ahead,
    render_pages,
    templates_key,
)
from site_builder.search import TermCache, build_search_files, search_docs
from site_builder.site import (
    RelatedCandidates,
    Site,
    assemble_site,
    paper_texts,
    pick_related,
    related_candidates,
    related_input,
)
from site_builder.stamp import input_stamp, read_stamp, write_stamp
from site_builder.tags import tag_papers

log = logging.getLogger(__name__)

PARALLEL_PAGES = 400
"""Pages to render at which forking workers pays for itself."""
MAX_WORKERS = 4
LOUD_PAPERS = 2000
"""From this many papers, a build reports each stage as it finishes."""


@dataclass(slots=True)
class BuildState:
    """What a long-lived process (the dev server) keeps between builds to redo only what changed."""

    render: RenderCache = field(default_factory=RenderCache)
    """Rendered pages by input key."""
    pages: FileCache[Paper] = field(default_factory=FileCache)
    """Parsed paper pages by file version."""
    listings: FileCache[ParsedListing] = field(default_factory=FileCache)
    """Parsed listing dumps by file version."""
    merged: MergeCache = field(default_factory=MergeCache)
    """The papers merged from the dumps by the last import."""
    taxonomy: tuple[Tag, ...] = ()
    """The taxonomy the tags in `tagged` were matched with."""
    tagged: dict[str, tuple[Paper, tuple[str, ...]]] = field(default_factory=dict)
    """Paper id -> (the Paper object, its tags)."""
    text_hashes: dict[str, tuple[Paper, bytes]] = field(default_factory=dict)
    """Paper id -> (the Paper object, a hash of what search and related papers use of it)."""
    text_key: str = ""
    """Key of the text that related papers and the search data of the last build came from."""
    related: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Related papers of the last build, by slug."""
    search_files: dict[str, bytes] = field(default_factory=dict)
    """Search data of the last build."""
    search_terms: TermCache = field(default_factory=dict)
    """Index terms of the search documents built in this process (see build_search_files)."""
    written: dict[str, bytes] = field(default_factory=dict)
    """What the last build of this state left in the output dir (empty: nothing known)."""
    environment: tuple[str, jinja2.Environment] | None = None
    """Templates key and the Jinja2 environment compiled from those templates."""
    site: Site | None = None
    """The Site of the last build: its paper views are reused for unchanged papers."""
    feeds: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    """Atom feeds by URL: (key of what they show, bytes)."""
    records: dict[str, str] = field(default_factory=dict)
    """papers.json lines by paper view key."""
    entries: dict[str, str] = field(default_factory=dict)
    """BibTeX entries by paper view key, citation key and base URL."""
    start_method: str | None = "fork"
    """How large builds start worker processes: "fork" (fastest: inputs are inherited),
    "forkserver" (safe once the process runs threads, as the dev server does: inputs are
    pickled), or None to stay in one process."""


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

    def summary(self) -> str:
        """Return the line printed at the end of every build."""
        site = self.site
        return (
            f"built {len(site.papers)} papers, {len(site.tags)} tags, {len(site.dates)} days: "
            f"{self.pages} pages, {self.files} files ({self.changed} changed) "
            f"in {self.seconds:.2f} s"
        )


def _workers(state: BuildState, amount: int) -> int:
    """Return how many worker processes to start for this much work (0: stay in-process)."""
    cores = min(os.cpu_count() or 1, MAX_WORKERS)
    method = state.start_method
    if method is None or cores < 2 or method not in mp.get_all_start_methods():
        return 0
    return cores if amount >= PARALLEL_PAGES else 0


def _environment(config: Config, state: BuildState) -> tuple[str, jinja2.Environment]:
    """Return the templates key and the Jinja2 environment, compiled again only after an edit."""
    templates = templates_key(config.templates_dir)
    if state.environment is None or state.environment[0] != templates:
        state.environment = (templates, make_environment(config.templates_dir))
    return state.environment


def render_site(
    config: Config, site: Site, state: BuildState, search: Future[dict[str, bytes]] | None
) -> dict[str, bytes]:
    """Return every output file of the site: pages, feeds, data, search and assets.

    `search` is the search data being built in a worker, or None when it is already in `state`.
    Many pages to render are split between forked workers while this process writes the feeds;
    while a worker still builds the search data, one more worker renders half of them and this
    process the other half. A few (a dev-server rebuild) are rendered in-process.
    """
    templates, env = _environment(config, state)
    planned, missing = plan_renders(site, templates, state.render)
    page_urls = [page.url for page, _ in planned if page.path.endswith("index.html")]
    helpers = _workers(state, len(missing))
    searching = search is not None and not search.done()
    if helpers:
        pooled, own = (
            (missing[: len(missing) // 2], missing[len(missing) // 2 :])
            if searching
            else (missing, [])
        )
        with workers.fork_pool(
            state.start_method or "fork",
            1 if searching else helpers,
            site=site,
            templates_dir=config.templates_dir,
        ) as pool:
            chunks = workers.chunks(pooled, 1 if searching else helpers * 4)
            futures = [pool.submit(workers.render_chunk, chunk) for chunk in chunks]
            rendered = dict(
                zip(own, render_pages(site, env, [planned[index][0] for index in own]), strict=True)
            )
            files = render_data_files(site, page_urls, state.feeds, state.records, state.entries)
            for chunk, future in zip(chunks, futures, strict=True):
                rendered.update(zip(chunk, future.result(), strict=True))
    else:
        pages = [planned[index][0] for index in missing]
        rendered = dict(zip(missing, render_pages(site, env, pages), strict=True))
        files = render_data_files(site, page_urls, state.feeds, state.records, state.entries)
    files.update(collect_pages(planned, rendered, state.render))
    if search is not None:
        state.search_files = search.result()
    files.update(state.search_files)
    files.update(read_static(config))
    return files


def _tags(
    papers: Sequence[Paper], taxonomy: tuple[Tag, ...], state: BuildState
) -> dict[str, tuple[str, ...]]:
    """Return each paper's tags, reused for the very same Paper objects as the last build (a
    file cache hands back the same object while its file is unchanged)."""
    if taxonomy != state.taxonomy:
        state.tagged = {}
        state.taxonomy = taxonomy
    fresh = [p for p in papers if (p.id not in state.tagged or state.tagged[p.id][0] is not p)]
    for paper, tags in zip(fresh, tag_papers(fresh, taxonomy).values(), strict=True):
        state.tagged[paper.id] = (paper, tags)
    _forget_gone(state.tagged, papers)
    return {paper.id: state.tagged[paper.id][1] for paper in papers}


def _remember_tags(
    papers: Sequence[Paper],
    taxonomy: tuple[Tag, ...],
    tags: dict[str, tuple[str, ...]],
    state: BuildState,
) -> dict[str, tuple[str, ...]]:
    """Keep tags found by a worker for the next build, as _tags would have; return them."""
    state.taxonomy = taxonomy
    state.tagged = {paper.id: (paper, tags[paper.id]) for paper in papers}
    return tags


def _text_key(
    papers: Sequence[Paper], taxonomy: Sequence[Tag], config: Config, state: BuildState
) -> str:
    """Return a hash of all that related papers and the search data depend on: each paper's
    text, dates and tag edits, the taxonomy's tags and terms, and the related-papers count."""
    digest = hashlib.sha256(
        repr(([(t.id, t.label, t.match) for t in taxonomy], config.related)).encode("utf-8")
    )
    hashes = state.text_hashes
    for paper in sorted(papers, key=lambda p: p.slug):
        cached = hashes.get(paper.id)
        if cached is None or cached[0] is not paper:
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
    _forget_gone(hashes, papers)
    return digest.hexdigest()


def _forget_gone(cache: dict[str, Any], papers: Sequence[Paper]) -> None:
    if len(cache) != len(papers):
        ids = {paper.id for paper in papers}
        for gone in [key for key in cache if key not in ids]:
            del cache[gone]


def build_if_changed(config: Config) -> BuildResult | None:
    """Build unless no input changed since the last build here; return None when skipped."""
    output_dir_is_safe(config, config.out_dir)
    if read_stamp(config) == input_stamp(config):
        return None
    result = build_site(config)
    write_stamp(config, input_stamp(config))
    return result


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


@contextlib.contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Pause the cyclic garbage collector: a build allocates many objects and frees them by
    reference counting; collections walking every live object would cost seconds at 10,000 papers."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@_no_cycle_collection()
def build_site(
    config: Config,
    state: BuildState | None = None,
    *,
    run_import: bool = True,
    changed: Collection[Path] | None = None,
) -> BuildResult:
    """Import new listings, read the content, render the site and swap it into config.out_dir.

    `changed`, from a file watcher, names the only input files that may have changed since the
    last build with this state: other paper pages are not even looked at again.
    """
    progress = _Progress()
    output_dir_is_safe(config, config.out_dir)
    state = state if state is not None else BuildState()
    taxonomy = read_taxonomy(config)
    tag_ids = [tag.id for tag in taxonomy]
    report = None
    with contextlib.ExitStack() as stack:
        page_writes: Future[None] | None = None
        if run_import:

            def parse_helper(dumps: list[tuple[Path, str]]) -> Future[list[ParseResult]]:
                pool = stack.enter_context(workers.fork_pool(state.start_method or "fork", 1))
                return pool.submit(parse_dumps, dumps, config.year)

            plan = plan_import(
                config,
                tag_ids=tag_ids,
                pages=state.pages,
                listings=state.listings,
                changed=changed,
                merge_cache=state.merged,
                parse_helper=parse_helper if _workers(state, PARALLEL_PAGES) else None,
            )
            report = plan.report
            for warning in report.warnings:
                log.warning("warning: %s", warning)
            if report.new or report.updated:
                log.info("%s", report.summary())
            papers = list(plan.papers)
            if _workers(state, len(plan.report.written)):
                # Many new pages (a first build) are written by a worker process while the site
                # is built from them in memory (a thread would wait on this one for the GIL).
                writer = stack.enter_context(
                    workers.fork_pool(state.start_method or "fork", 1, plan=plan)
                )
                page_writes = writer.submit(workers.write_import_pages)
            else:
                apply_import(plan, state.pages)
        else:
            papers = read_papers(config, tag_ids, cache=state.pages, changed=changed)
        progress.loud = len(papers) >= LOUD_PAPERS
        progress.stage("read", f"{len(papers)} papers")
        text_key = _text_key(papers, taxonomy, config, state)
        stale = text_key != state.text_key
        # Related papers and the search data need no rendered Markdown and change only with the
        # papers' text. With enough papers, a worker computes related papers meanwhile. On a
        # first build it also tags half of the papers (first, for this process, which tags the
        # other half) and then builds the search data with all the tags, while this process
        # renders the papers' text and the pages that show no related papers. On a rebuild (tags known) it is given only the papers' plain text, and this
        # process rebuilds the search data, reducing only the words of edited papers.
        known_tags = None
        if stale and len(papers) - len(state.tagged) < PARALLEL_PAGES:
            known_tags = _tags(papers, tuple(taxonomy), state)
        helpers = _workers(state, len(papers)) if stale else 0
        tagging: Future[dict[str, tuple[str, ...]]] | None = None
        related: Future[RelatedCandidates] | None = None
        search: Future[dict[str, bytes]] | None = None
        if helpers and known_tags is None:
            pool = stack.enter_context(
                workers.fork_pool(state.start_method or "fork", 1, papers=papers, taxonomy=taxonomy)
            )
            tagging = pool.submit(workers.tag_first, len(papers) // 2)
            related = pool.submit(workers.find_candidates, config.related)
        elif helpers:
            pool = stack.enter_context(
                workers.fork_pool(state.start_method or "fork", 1, source=related_input(papers))
            )
            related = pool.submit(workers.find_candidates, config.related)
        if known_tags is not None and stale:
            docs = search_docs(papers, known_tags, taxonomy)
            state.search_files = build_search_files(docs, state.search_terms)
            progress.stage("search", "search data rebuilt")
        texts = paper_texts(papers, state.site)
        progress.stage("texts", "titles, abstracts and notes rendered")
        if known_tags is not None:
            paper_tags = known_tags
        elif tagging is not None:
            rest = tag_papers(papers[len(papers) // 2 :], taxonomy)
            search = pool.submit(workers.build_search, rest)  # runs after related papers
            found = {**tagging.result(), **rest}
            paper_tags = _remember_tags(papers, tuple(taxonomy), found, state)
        else:
            paper_tags = _tags(papers, tuple(taxonomy), state)
        progress.stage("tags")
        site = assemble_site(
            config,
            taxonomy,
            papers,
            paper_tags,
            {} if stale else state.related,
            previous=state.site,
            texts=texts,
        )
        progress.stage("assemble", "views")
        if related is not None and not related.done():
            templates, env = _environment(config, state)
            ahead = render_ahead(site, env, templates, state.render)
            progress.stage("ahead", f"{ahead} pages without related papers")
        if stale:
            candidates = (
                related.result()
                if related is not None
                else related_candidates(related_input(papers), config.related)
            )
            state.related = pick_related(candidates, paper_tags, config.related)
            if search is None and known_tags is None:
                docs = search_docs(papers, paper_tags, taxonomy)
                state.search_files = build_search_files(docs, state.search_terms)
            site = dataclasses.replace(site, related=state.related)
            progress.stage("related")
        state.site = site
        files = render_site(config, site, state, search)
        state.text_key = text_key
        progress.stage("render", f"{len(files)} files")
        rewritten = _write_output(config, files, state)
        progress.stage("write", f"{rewritten} changed")
        if page_writes is not None:  # written meanwhile by a worker
            page_writes.result()
            remember_pages(plan, state.pages)
            progress.stage("pages", f"{len(plan.report.written)} page files written")
    return BuildResult(
        site=site,
        files=len(files),
        pages=sum(1 for path in files if path.endswith(".html")),
        changed=rewritten,
        reused=state.render.hits,
        seconds=time.perf_counter() - progress.started,
        imported=report,
    )


def _write_output(config: Config, files: dict[str, bytes], state: BuildState) -> int:
    """Write the site's files to the output dir; return how many changed."""
    if state.written and config.out_dir.is_dir():
        rewritten = sync_site(config.out_dir, files, state.written)
    elif state.start_method == "fork" and _workers(state, len(files)):
        # A forked worker has the files already: it writes half of them.
        with workers.fork_pool("fork", 1, files=files) as pool:

            def helper(stage: Path, out_dir: Path, paths: list[str]) -> Future[int]:
                return pool.submit(workers.write_site_part, stage, out_dir, paths)

            rewritten = write_site(config.out_dir, files, helper)
    else:
        rewritten = write_site(config.out_dir, files)
    state.written = files
    return rewritten


def output_dir_is_safe(config: Config, out_dir: Path) -> None:
    """Refuse an output dir that would swallow the project (the build replaces it whole)."""
    root = config.root.resolve()
    out = out_dir.resolve()
    protected = [root / name for name in ("content", "templates", "static", "site_builder", ".git")]
    if root.is_relative_to(out) or any(out.is_relative_to(path) for path in protected):
        raise SiteError(f"refusing to build into {out}: it holds the project's own files", None)
