"""`build`: run the stages in order, from listing dumps to a finished site in _site/."""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing as mp
import os
import time
from concurrent.futures import ProcessPoolExecutor
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
from site_builder.listings import ParsedListing
from site_builder.models import Paper
from site_builder.output import sync_site, write_file_atomic, write_site
from site_builder.render import (
    RenderCache,
    collect_pages,
    make_environment,
    plan_pages,
    plan_renders,
    render_indexed,
    templates_key,
)
from site_builder.search import SearchDoc, build_search_files
from site_builder.site import Site, assemble_site
from site_builder.tags import tag_papers

log = logging.getLogger(__name__)

ASSETS_DIR = "assets"
PARALLEL_PAGES = 400
"""Pages to render at which forking workers pays for itself."""
MAX_WORKERS = 4
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
    """Key of the search documents of the last build."""
    search_files: dict[str, bytes] = field(default_factory=dict)
    """Search data of the last build."""
    written: dict[str, bytes] = field(default_factory=dict)
    """What the last build of this state left in the output dir (empty: nothing known)."""
    environment: tuple[str, jinja2.Environment] | None = None
    """Templates key and the Jinja2 environment compiled from those templates."""
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


def search_docs(site: Site) -> list[SearchDoc]:
    """Return the search documents of the site's papers."""
    from site_builder.latex import to_plain_text

    return [
        SearchDoc(
            url=view.url,
            title=view.title_text,
            title_html=view.title_html,
            tags=tuple(tag.label for tag in view.tags),
            tag_ids=tuple(tag.id for tag in view.tags),
            date=view.date or "",
            abstract=to_plain_text(view.paper.abstract),
        )
        for view in site.papers
    ]


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


def render_data_files(site: Site) -> dict[str, bytes]:
    """Return the site's feeds, sitemap, robots.txt, papers.json and .nojekyll."""
    config = site.config
    files = {"feed.xml": render_feed(site, site.papers, "feed.xml", config.title, "")}
    for tag in site.tags:
        papers = [site.by_slug[slug] for slug in tag.slugs]
        title = f"{config.title}: {tag.tag.label}"
        files[f"{tag.url}feed.xml"] = render_feed(
            site, papers, f"{tag.url}feed.xml", title, tag.url
        )
    page_urls = [page.url for page in plan_pages(site) if page.path.endswith("index.html")]
    files["sitemap.xml"] = render_sitemap(site, sorted(page_urls))
    files["robots.txt"] = render_robots(site)
    files["papers.json"] = render_papers_json(site)
    files[".nojekyll"] = b""
    return files


# Work handed to forked worker processes. A worker inherits the Site at fork time (nothing is
# pickled on the way in) and keeps it here for the tasks it is given; the parent never sets it.
_worker: dict[str, Any] = {}


def _start_worker(site: Site, templates_dir: Path) -> None:
    _worker["site"] = site
    _worker["env"] = make_environment(templates_dir)


def _worker_render(indices: list[int]) -> list[bytes]:
    return render_indexed(_worker["site"], _worker["env"], indices)


def _worker_search() -> dict[str, bytes]:
    return build_search_files(search_docs(_worker["site"]))


def _chunks(items: list[int], count: int) -> list[list[int]]:
    size = max(1, -(-len(items) // count))
    return [items[start : start + size] for start in range(0, len(items), size)]


def render_site(config: Config, site: Site, state: BuildState) -> dict[str, bytes]:
    """Return every output file of the site: pages, feeds, data, search and assets.

    Large builds render pages and the search index on every core in forked workers while this
    process writes the feeds; small ones (and dev-server rebuilds of a few pages) stay in-process.
    """
    templates = templates_key(config.templates_dir)
    if state.environment is None or state.environment[0] != templates:
        state.environment = (templates, make_environment(config.templates_dir))
    env = state.environment[1]
    planned, missing = plan_renders(site, templates, state.render)
    docs = search_docs(site)
    search_key = hashlib.sha256(repr(docs).encode("utf-8")).hexdigest()
    need_search = search_key != state.search_key
    workers = min(os.cpu_count() or 1, MAX_WORKERS)
    if (
        state.parallel
        and workers > 1
        and len(missing) >= PARALLEL_PAGES
        and "fork" in mp.get_all_start_methods()
    ):
        with ProcessPoolExecutor(
            workers,
            mp_context=mp.get_context("fork"),
            initializer=_start_worker,
            initargs=(site, config.templates_dir),
        ) as pool:
            search = pool.submit(_worker_search) if need_search else None
            chunks = _chunks(missing, workers * 4)
            futures = [pool.submit(_worker_render, chunk) for chunk in chunks]
            files = render_data_files(site)
            rendered = {
                index: data
                for chunk, future in zip(chunks, futures, strict=True)
                for index, data in zip(chunk, future.result(), strict=True)
            }
            if search is not None:
                state.search_files = search.result()
    else:
        rendered = dict(zip(missing, render_indexed(site, env, missing), strict=True))
        files = render_data_files(site)
        if need_search:
            state.search_files = build_search_files(docs)
    state.search_key = search_key
    files.update(collect_pages(planned, rendered, state.render))
    files.update(state.search_files)
    files.update(read_static(config))
    return files


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


def build_site(
    config: Config, state: BuildState | None = None, *, run_import: bool = True
) -> BuildResult:
    """Import new listings, read the content, render the site and swap it into config.out_dir."""
    started = time.perf_counter()
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
    papers = read_papers(config, tag_ids, cache=state.pages)
    site = assemble_site(config, taxonomy, papers, tag_papers(papers, taxonomy))
    files = render_site(config, site, state)
    if state.written and config.out_dir.is_dir():
        changed = sync_site(config.out_dir, files, state.written)
    else:
        changed = write_site(config.out_dir, files)
    state.written = files
    return BuildResult(
        site=site,
        files=len(files),
        pages=sum(1 for path in files if path.endswith(".html")),
        changed=changed,
        reused=state.render.hits,
        seconds=time.perf_counter() - started,
        imported=report,
    )


def output_dir_is_safe(config: Config, out_dir: Path) -> None:
    """Refuse an output dir that would swallow the project (the build replaces it whole)."""
    root = config.root.resolve()
    out = out_dir.resolve()
    protected = [root / name for name in ("content", "templates", "static", "site_builder", ".git")]
    if root.is_relative_to(out) or any(out.is_relative_to(path) for path in protected):
        raise SiteError(f"refusing to build into {out}: it holds the project's own files", None)
