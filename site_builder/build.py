"""`build`: run the stages in order, from listing dumps to a finished site in _site/."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import multiprocessing as mp
import os
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from site_builder.config import Config
from site_builder.content import read_papers, read_taxonomy
from site_builder.errors import SiteError, SourcePos
from site_builder.feeds import render_feed, render_papers_json, render_robots, render_sitemap
from site_builder.filecache import FileCache
from site_builder.ingest import ImportReport, import_sources
from site_builder.latex import to_html, to_plain_text
from site_builder.listings import ParsedListing
from site_builder.models import Paper, Tag
from site_builder.output import sync_site, write_file_atomic, write_site
from site_builder.render import (
    RenderCache,
    collect_pages,
    make_environment,
    plan_renders,
    render_indexed,
    templates_key,
)
from site_builder.search import SearchDoc, build_search_files
from site_builder.site import Site, assemble_site, find_related_slugs, paper_order
from site_builder.tags import tag_papers

log = logging.getLogger(__name__)

ASSETS_DIR = "assets"
PARALLEL_PAGES = 400
"""Pages to render at which forking workers pays for itself."""
MAX_WORKERS = 4
LOUD_PAPERS = 2000
"""From this many papers, a build reports each stage as it finishes."""
VENDOR_FILES = {"lunr/lunr.min.js": "vendor/lunr.min.js"}
"""npm files shipped in the site: node_modules path -> path under assets/."""


@dataclass(slots=True)
class BuildState:
    """What a long-lived process (the dev server) keeps between builds to redo only what changed."""

    render: RenderCache = field(default_factory=RenderCache)
    """Rendered pages by input key."""
    pages: FileCache[Paper] = field(default_factory=FileCache)
    """Parsed paper pages by file version."""
    listings: FileCache[ParsedListing] = field(default_factory=FileCache)
    """Parsed listing dumps by file version."""
    search_key: str = ""
    """Key of what the search data of the last build was made from."""
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
    parallel: bool = True
    """Whether large renders may fork worker processes (the dev server turns it off once its
    threads run: forking a threaded process is only safe before the threads start)."""


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


def search_docs(
    papers: Sequence[Paper], paper_tags: Mapping[str, Sequence[str]], taxonomy: Sequence[Tag]
) -> list[SearchDoc]:
    """Return the search documents of the papers, in the site's order (newest listing first)."""
    labels = {tag.id: tag.label for tag in taxonomy}
    docs = []
    for paper in sorted(papers, key=paper_order):
        tag_ids = tuple(tag for tag in paper_tags[paper.id] if tag in labels)
        dates = paper.dates
        docs.append(
            SearchDoc(
                url=f"papers/{paper.slug}/",
                title=to_plain_text(paper.title),
                title_html=to_html(paper.title),
                tags=tuple(labels[tag] for tag in tag_ids),
                tag_ids=tag_ids,
                date=dates[-1] if dates else "",
                abstract=to_plain_text(paper.abstract),
            )
        )
    return docs


def read_static(config: Config) -> dict[str, bytes]:
    """Return the theme's static files and the npm libraries the site ships, under assets/."""
    files: dict[str, bytes] = {}
    if config.static_dir.is_dir():
        for path in sorted(config.static_dir.rglob("*")):
            if path.is_file() and not any(
                part.startswith(".") for part in path.relative_to(config.static_dir).parts
            ):
                files[f"{ASSETS_DIR}/{path.relative_to(config.static_dir).as_posix()}"] = (
                    path.read_bytes()
                )
    modules = config.root / "node_modules"
    for source, target in VENDOR_FILES.items():
        path = modules / source
        if not path.is_file():
            raise SiteError(
                f"missing {source}: install the front-end libraries with `npm ci` (./dev does it)",
                SourcePos(config.shown(config.root / "package.json")),
            )
        files[f"{ASSETS_DIR}/{target}"] = path.read_bytes()
    return files


def render_data_files(
    site: Site, page_urls: Sequence[str], feeds: dict[str, tuple[str, bytes]] | None = None
) -> dict[str, bytes]:
    """Return the site's feeds, sitemap, robots.txt, papers.json and .nojekyll.

    `feeds` caches each feed by what it shows, so a rebuild redoes only the feeds that changed.
    """
    config = site.config
    cache = feeds if feeds is not None else {}
    fresh: dict[str, tuple[str, bytes]] = {}
    lists = [("feed.xml", site.papers, config.title, "")]
    for tag in site.tags:
        papers = tuple(site.by_slug[slug] for slug in tag.slugs)
        lists.append((f"{tag.url}feed.xml", papers, f"{config.title}: {tag.tag.label}", tag.url))
    files: dict[str, bytes] = {}
    for url, papers, title, page_url in lists:
        shown = papers[: config.feed_size]
        key = repr((config, url, title, page_url, [view.key for view in shown]))
        cached = cache.get(url)
        data = (
            cached[1]
            if cached and cached[0] == key
            else render_feed(site, shown, url, title, page_url)
        )
        fresh[url] = (key, data)
        files[url] = data
    cache.clear()
    cache.update(fresh)
    files["sitemap.xml"] = render_sitemap(site, sorted(page_urls))
    files["robots.txt"] = render_robots(site)
    files["papers.json"] = render_papers_json(site)
    files[".nojekyll"] = b""
    return files


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


def _fork_pool(workers: int, **inputs: Any) -> ProcessPoolExecutor:
    """Return a pool of forked workers that start with `inputs` (inherited, not pickled)."""
    return ProcessPoolExecutor(
        workers,
        mp_context=mp.get_context("fork"),
        initializer=functools.partial(_start_worker, **inputs),
    )


def _chunks(items: list[int], count: int) -> list[list[int]]:
    size = max(1, -(-len(items) // count))
    return [items[start : start + size] for start in range(0, len(items), size)]


def _workers(state: BuildState, amount: int) -> int:
    """Return how many worker processes to fork for this much work (0: stay in-process)."""
    cores = min(os.cpu_count() or 1, MAX_WORKERS)
    if not state.parallel or cores < 2 or "fork" not in mp.get_all_start_methods():
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
        with _fork_pool(workers, site=site, templates_dir=config.templates_dir) as pool:
            chunks = _chunks(missing, workers * 4)
            futures = [pool.submit(_worker_render, chunk) for chunk in chunks]
            files = render_data_files(site, page_urls, state.feeds)
            rendered = {
                index: data
                for chunk, future in zip(chunks, futures, strict=True)
                for index, data in zip(chunk, future.result(), strict=True)
            }
    else:
        rendered = dict(zip(missing, render_indexed(site, env, missing), strict=True))
        files = render_data_files(site, page_urls, state.feeds)
    files.update(collect_pages(planned, rendered, state.render))
    if search is not None:
        state.search_files = search.result()
    files.update(state.search_files)
    files.update(read_static(config))
    return files


def _search_key(
    papers: Sequence[Paper], paper_tags: Mapping[str, Sequence[str]], taxonomy: Sequence[Tag]
) -> str:
    """Hash what the search data depends on: titles, abstracts, slugs, dates and tags."""
    digest = hashlib.sha256(repr([(t.id, t.label) for t in taxonomy]).encode("utf-8"))
    for paper in sorted(papers, key=lambda p: p.slug):
        digest.update(
            repr(
                (paper.slug, paper.title, paper.abstract, paper.dates, paper_tags[paper.id])
            ).encode("utf-8")
        )
    return digest.hexdigest()


STAMP_FILE = ".site-cache/last-build.json"
"""Where `build` records the inputs of its last complete build (ignored by git)."""


def input_stamp(config: Config) -> str:
    """Hash the name, size and modification time of every input file, the settings and the engine."""
    digest = hashlib.sha256(repr(config).encode("utf-8"))
    roots = [
        config.root / "content",
        config.templates_dir,
        config.static_dir,
        Path(__file__).parent,
    ]
    files = [
        config.root / "site.yml",
        *(config.root / "node_modules" / name for name in VENDOR_FILES),
    ]
    for root in roots:
        if root.is_dir():
            files.extend(path for path in root.rglob("*") if path.is_file())
    for path in sorted(files):
        try:
            info = path.stat()
        except OSError:
            continue
        digest.update(
            f"{path}\0{info.st_size}\0{info.st_mtime_ns}\n".encode("utf-8", "surrogateescape")
        )
    try:
        out = config.out_dir.stat()
        digest.update(f"out\0{out.st_ino}\0{out.st_mtime_ns}".encode())
    except OSError:
        digest.update(b"no output")
    return digest.hexdigest()


def _read_stamp(config: Config) -> str:
    try:
        data = json.loads((config.root / STAMP_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    return str(data.get("stamp", "")) if isinstance(data, dict) else ""


def _write_stamp(config: Config, stamp: str) -> None:
    try:
        write_file_atomic(config.root / STAMP_FILE, json.dumps({"stamp": stamp}) + "\n")
    except OSError as exc:  # a read-only checkout still builds; it only loses the shortcut
        log.debug("cannot record the build stamp: %s", exc)


def build_if_changed(config: Config) -> BuildResult | None:
    """Build unless no input changed since the last build here; return None when skipped."""
    output_dir_is_safe(config, config.out_dir)
    if _read_stamp(config) == input_stamp(config):
        return None
    result = build_site(config)
    _write_stamp(config, input_stamp(config))
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


def build_site(
    config: Config, state: BuildState | None = None, *, run_import: bool = True
) -> BuildResult:
    """Import new listings, read the content, render the site and swap it into config.out_dir."""
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
    papers = read_papers(config, tag_ids, cache=state.pages)
    progress.loud = len(papers) >= LOUD_PAPERS
    progress.stage("read", f"{len(papers)} papers")
    paper_tags = tag_papers(papers, taxonomy)
    progress.stage("tags")
    search_key = _search_key(papers, paper_tags, taxonomy)
    need_search = search_key != state.search_key
    with contextlib.ExitStack() as stack:
        # Related papers and the search index need no rendered Markdown: with enough papers they
        # are computed in workers while this process renders every paper's view.
        search: Future[dict[str, bytes]] | None = None
        related: Future[dict[str, tuple[str, ...]]] | None = None
        workers = _workers(state, len(papers))
        if workers:
            pool = stack.enter_context(
                _fork_pool(2, papers=papers, tags=paper_tags, taxonomy=taxonomy)
            )
            related = pool.submit(_worker_related, config.related)
            if need_search:
                search = pool.submit(_worker_search)
        elif need_search:
            state.search_files = build_search_files(search_docs(papers, paper_tags, taxonomy))
        site = assemble_site(
            config,
            taxonomy,
            papers,
            paper_tags,
            related.result() if related else None,
            previous=state.site,
        )
        state.site = site
        progress.stage("assemble", "views and related papers")
        files = render_site(config, site, state, search)
        state.search_key = search_key
        progress.stage("render", f"{len(files)} files")
    if state.written and config.out_dir.is_dir():
        changed = sync_site(config.out_dir, files, state.written)
    else:
        changed = write_site(config.out_dir, files)
    state.written = files
    progress.stage("write", f"{changed} changed")
    return BuildResult(
        site=site,
        files=len(files),
        pages=sum(1 for path in files if path.endswith(".html")),
        changed=changed,
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
