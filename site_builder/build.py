"""`build`: run the stages in order, from listing dumps to a finished site in _site/."""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import logging
import multiprocessing as mp
import os
import time
from collections.abc import Collection, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from site_builder.assets import read_static
from site_builder.config import Config
from site_builder.content import read_papers, read_taxonomy
from site_builder.errors import SiteError
from site_builder.feeds import render_data_files
from site_builder.filecache import FileCache
from site_builder.ingest import ImportReport, import_sources
from site_builder.listings import ParsedListing
from site_builder.models import Paper, Tag
from site_builder.output import sync_site, write_site
from site_builder.render import (
    RenderCache,
    collect_pages,
    make_environment,
    plan_renders,
    render_indexed,
    templates_key,
)
from site_builder.search import build_search_files, search_docs
from site_builder.site import Site, assemble_site, find_related_slugs
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
    taxonomy: tuple[Tag, ...] = ()
    """The taxonomy the tags in `tagged` were matched with."""
    tagged: dict[str, tuple[Paper, tuple[str, ...], bytes]] = field(default_factory=dict)
    """Paper id -> (the Paper object, its tags, a hash of its text and tags)."""
    text_key: str = ""
    """Key of the text that related papers and the search data of the last build came from."""
    related: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Related papers of the last build, by slug."""
    search_files: dict[str, bytes] = field(default_factory=dict)
    """Search data of the last build."""
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


# Work handed to forked worker processes. A worker inherits its inputs at fork time (nothing is
# pickled on the way in) and keeps them here for the tasks it is given; the parent never sets it.
_worker: dict[str, Any] = {}


def _start_worker(**inputs: Any) -> None:
    _worker.update(inputs)
    if "templates_dir" in inputs:
        _worker["env"] = make_environment(inputs["templates_dir"])


def _worker_render(indices: list[int]) -> list[bytes]:
    return render_indexed(_worker["site"], _worker["env"], indices)


def _worker_search() -> dict[str, bytes]:
    return build_search_files(search_docs(_worker["papers"], _worker["tags"], _worker["taxonomy"]))


def _worker_related(count: int) -> dict[str, tuple[str, ...]]:
    return find_related_slugs(_worker["papers"], _worker["tags"], count)


def _fork_pool(method: str, workers: int, **inputs: Any) -> ProcessPoolExecutor:
    """Return a pool of workers that start with `inputs` (inherited when forked, else pickled)."""
    context = mp.get_context(method)
    if method == "forkserver":
        context.set_forkserver_preload([__name__])  # import the engine once, not per worker
    return ProcessPoolExecutor(
        workers, mp_context=context, initializer=functools.partial(_start_worker, **inputs)
    )


def _chunks(items: list[int], count: int) -> list[list[int]]:
    size = max(1, -(-len(items) // count))
    return [items[start : start + size] for start in range(0, len(items), size)]


def _workers(state: BuildState, amount: int) -> int:
    """Return how many worker processes to start for this much work (0: stay in-process)."""
    cores = min(os.cpu_count() or 1, MAX_WORKERS)
    method = state.start_method
    if method is None or cores < 2 or method not in mp.get_all_start_methods():
        return 0
    return cores if amount >= PARALLEL_PAGES else 0


def render_site(
    config: Config, site: Site, state: BuildState, search: Future[dict[str, bytes]] | None
) -> dict[str, bytes]:
    """Return every output file of the site: pages, feeds, data, search and assets.

    `search` is the search data being built in a worker, or None to build it here if the
    documents changed. Many pages to render are split between forked workers while this
    process writes the feeds; a few (a dev-server rebuild) are rendered in-process.
    """
    templates = templates_key(config.templates_dir)
    if state.environment is None or state.environment[0] != templates:
        state.environment = (templates, make_environment(config.templates_dir))
    env = state.environment[1]
    planned, missing = plan_renders(site, templates, state.render)
    page_urls = [page.url for page, _ in planned if page.path.endswith("index.html")]
    workers = _workers(state, len(missing))
    if workers:
        with _fork_pool(
            state.start_method or "fork", workers, site=site, templates_dir=config.templates_dir
        ) as pool:
            chunks = _chunks(missing, workers * 4)
            futures = [pool.submit(_worker_render, chunk) for chunk in chunks]
            files = render_data_files(site, page_urls, state.feeds, state.records)
            rendered = {
                index: data
                for chunk, future in zip(chunks, futures, strict=True)
                for index, data in zip(chunk, future.result(), strict=True)
            }
    else:
        rendered = dict(zip(missing, render_indexed(site, env, missing), strict=True))
        files = render_data_files(site, page_urls, state.feeds, state.records)
    files.update(collect_pages(planned, rendered, state.render))
    if search is not None:
        state.search_files = search.result()
    files.update(state.search_files)
    files.update(read_static(config))
    return files


def _tag_and_key(
    papers: Sequence[Paper], taxonomy: tuple[Tag, ...], state: BuildState
) -> tuple[dict[str, tuple[str, ...]], str]:
    """Return each paper's tags, and a hash of what related papers and search depend on.

    Both are reused for the very same Paper objects as the last build (a file cache hands back
    the same object while its file is unchanged), so a rebuild after one edit redoes one paper.
    """
    if taxonomy != state.taxonomy:
        state.tagged = {}
        state.taxonomy = taxonomy
    fresh = [p for p in papers if (p.id not in state.tagged or state.tagged[p.id][0] is not p)]
    for paper, tags in zip(fresh, tag_papers(fresh, taxonomy).values(), strict=True):
        text = repr((paper.slug, paper.title, paper.abstract, paper.dates, tags))
        state.tagged[paper.id] = (paper, tags, hashlib.sha256(text.encode("utf-8")).digest())
    ids = {paper.id for paper in papers}
    for gone in [key for key in state.tagged if key not in ids]:
        del state.tagged[gone]
    paper_tags = {paper.id: state.tagged[paper.id][1] for paper in papers}
    digest = hashlib.sha256(repr([(t.id, t.label) for t in taxonomy]).encode("utf-8"))
    for paper in sorted(papers, key=lambda p: p.slug):
        digest.update(state.tagged[paper.id][2])
    return paper_tags, digest.hexdigest()


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
    if run_import:
        report = import_sources(config, tag_ids=tag_ids, pages=state.pages, listings=state.listings)
        for warning in report.warnings:
            log.warning("warning: %s", warning)
        if report.new or report.updated:
            log.info("%s", report.summary())
        progress.stage("import")
    if report is not None and changed is not None:
        changed = {*changed, *report.written}
    papers = read_papers(config, tag_ids, cache=state.pages, changed=changed)
    progress.loud = len(papers) >= LOUD_PAPERS
    progress.stage("read", f"{len(papers)} papers")
    paper_tags, text_key = _tag_and_key(papers, tuple(taxonomy), state)
    progress.stage("tags")
    text_key = f"{text_key}:{config.related}"
    stale = text_key != state.text_key
    with contextlib.ExitStack() as stack:
        # Related papers and the search index need no rendered Markdown and change only with the
        # papers' text: with enough papers they are computed in workers while this process
        # renders every paper's view.
        search: Future[dict[str, bytes]] | None = None
        related: Future[dict[str, tuple[str, ...]]] | None = None
        workers = _workers(state, len(papers)) if stale else 0
        if workers:
            pool = stack.enter_context(
                _fork_pool(
                    state.start_method or "fork",
                    2,
                    papers=papers,
                    tags=paper_tags,
                    taxonomy=taxonomy,
                )
            )
            related = pool.submit(_worker_related, config.related)
            search = pool.submit(_worker_search)
        elif stale:
            state.related = find_related_slugs(papers, paper_tags, config.related)
            state.search_files = build_search_files(search_docs(papers, paper_tags, taxonomy))
        if related is not None:
            state.related = related.result()
        site = assemble_site(
            config, taxonomy, papers, paper_tags, state.related, previous=state.site
        )
        state.site = site
        progress.stage("assemble", "views and related papers")
        files = render_site(config, site, state, search)
        state.text_key = text_key
        progress.stage("render", f"{len(files)} files")
    if state.written and config.out_dir.is_dir():
        rewritten = sync_site(config.out_dir, files, state.written)
    else:
        rewritten = write_site(config.out_dir, files)
    state.written = files
    progress.stage("write", f"{rewritten} changed")
    return BuildResult(
        site=site,
        files=len(files),
        pages=sum(1 for path in files if path.endswith(".html")),
        changed=rewritten,
        reused=state.render.hits,
        seconds=time.perf_counter() - progress.started,
        imported=report,
    )


def output_dir_is_safe(config: Config, out_dir: Path) -> None:
    """Refuse an output dir that would swallow the project (the build replaces it whole)."""
    root = config.root.resolve()
    out = out_dir.resolve()
    protected = [root / name for name in ("content", "templates", "static", "site_builder", ".git")]
    if root.is_relative_to(out) or any(out.is_relative_to(path) for path in protected):
        raise SiteError(f"refusing to build into {out}: it holds the project's own files", None)
