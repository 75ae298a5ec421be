"""`build`: run the stages in order, from listing dumps to a finished site in _site/."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from site_builder.config import Config
from site_builder.content import read_papers, read_taxonomy
from site_builder.errors import SiteError, SourcePos
from site_builder.feeds import render_feed, render_papers_json, render_robots, render_sitemap
from site_builder.ingest import ImportReport, import_sources
from site_builder.output import write_site
from site_builder.render import RenderCache, make_environment, render_pages, templates_key
from site_builder.search import SearchDoc, build_search_files
from site_builder.site import Site, assemble_site
from site_builder.tags import tag_papers

log = logging.getLogger(__name__)

ASSETS_DIR = "assets"
VENDOR_FILES = {"lunr/lunr.min.js": "vendor/lunr.min.js"}
"""npm files shipped in the site: node_modules path -> path under assets/."""


@dataclass(slots=True)
class BuildState:
    """What a long-lived process (the dev server) keeps between builds to redo only what changed."""

    render: RenderCache = field(default_factory=RenderCache)
    """Rendered pages by input key."""
    search_key: str = ""
    """Key of the search documents of the last build."""
    search_files: dict[str, bytes] = field(default_factory=dict)
    """Search data of the last build."""


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
            if path.is_file() and not any(part.startswith(".") for part in path.relative_to(config.static_dir).parts):
                files[f"{ASSETS_DIR}/{path.relative_to(config.static_dir).as_posix()}"] = path.read_bytes()
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


def render_site(config: Config, site: Site, state: BuildState) -> dict[str, bytes]:
    """Return every output file of the site: pages, feeds, data, search and assets."""
    env = make_environment(config.templates_dir)
    files = render_pages(site, env, templates_key(config.templates_dir), state.render)
    files["feed.xml"] = render_feed(site, site.papers, "feed.xml", config.title, "")
    for tag in site.tags:
        papers = [site.by_slug[slug] for slug in tag.slugs]
        files[f"{tag.url}feed.xml"] = render_feed(site, papers, f"{tag.url}feed.xml", f"{config.title}: {tag.tag.label}", tag.url)
    page_urls = [path.removesuffix("index.html") for path in files if path.endswith("index.html")]
    files["sitemap.xml"] = render_sitemap(site, sorted(page_urls))
    files["robots.txt"] = render_robots(site)
    files["papers.json"] = render_papers_json(site)
    files[".nojekyll"] = b""
    docs = search_docs(site)
    key = repr(docs)
    if key != state.search_key:
        state.search_files = build_search_files(docs)
        state.search_key = key
    files.update(state.search_files)
    files.update(read_static(config))
    return files


def build_site(config: Config, state: BuildState | None = None, *, run_import: bool = True) -> BuildResult:
    """Import new listings, read the content, render the site and swap it into config.out_dir."""
    started = time.perf_counter()
    output_dir_is_safe(config, config.out_dir)
    state = state if state is not None else BuildState()
    report = import_sources(config) if run_import else None
    if report:
        for warning in report.warnings:
            log.warning("warning: %s", warning)
        if report.new or report.updated:
            log.info("%s", report.summary())
    taxonomy = read_taxonomy(config)
    papers = read_papers(config, [tag.id for tag in taxonomy])
    site = assemble_site(config, taxonomy, papers, tag_papers(papers, taxonomy))
    files = render_site(config, site, state)
    changed = write_site(config.out_dir, files)
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
