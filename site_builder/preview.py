"""Fast render for the dev server: the page of a paper whose notes were just edited, written from
the last build's Site before the rebuild (as Hugo's fast render mode shows the page in view first).

A notes edit changes nothing but that paper's own page, so its page is final at once; the
rebuild that follows renders every page as a fresh build would (this one included).
"""

from __future__ import annotations

import bisect
import dataclasses
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from site_builder.config import Config
from site_builder.content import read_paper
from site_builder.errors import SiteError
from site_builder.markdown import render_markdown
from site_builder.models import Paper
from site_builder.output import content_digest, write_file_atomic
from site_builder.render import paper_page, render_pages
from site_builder.site import PaperText, PaperView, Site, newest_first, paper_view, with_views


@dataclass(slots=True)
class Previewed:
    """Pages a preview wrote behind the build's back, shared by the preview and build threads.

    A build trusts its record of the bytes in the output dir; it takes in the digests of pages
    previewed before it started, and checks those previewed while it ran against its own (see
    build.settle_previews).
    """

    _pages: dict[str, tuple[str, Path]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, path: str, digest: str, source: Path) -> None:
        """Note a page a preview wrote (after writing it): its digest and its paper's file."""
        with self._lock:
            self._pages[path] = (digest, source)

    def take(self) -> dict[str, tuple[str, Path]]:
        """Return the pages written since the last call, and forget them."""
        with self._lock:
            pages, self._pages = self._pages, {}
        return pages


def notes_edit(site: Site, paper: Paper) -> PaperView | None:
    """Return the paper's new view when its edit changed only its notes; None otherwise (a new
    paper, or any other field changed: the rebuild works out what that moves)."""
    old = site.by_slug.get(paper.slug)
    if old is None or paper.notes == old.paper.notes:
        return None
    if dataclasses.replace(paper, notes=old.paper.notes) != old.paper:
        return None
    text = PaperText(
        old.title_text,
        old.title_html,
        old.abstract_html,
        old.excerpt_html,
        render_markdown(paper.notes),
    )
    return paper_view(paper, old.tags, text)


def preview_notes(
    config: Config,
    site: Site,
    env: jinja2.Environment,
    cards: dict[str, str],
    tag_ids: Iterable[str],
    paths: Iterable[Path],
    previewed: Previewed,
) -> list[str]:
    """Write the pages of the papers among `paths` whose notes alone changed since `site` was
    built; return their output paths. Anything else (a page that does not parse, a template
    error) is left to the rebuild, which reports it."""
    papers_dir = config.papers_dir.resolve()
    views = {}
    known = frozenset(tag_ids)
    for path in paths:
        if path.parent != papers_dir or path.suffix != ".md":
            continue
        try:
            view = notes_edit(site, read_paper(config, path, known))
        except SiteError:
            continue
        if view is not None:
            views[view.paper.slug] = (view, path)
    if not views:
        return []
    edited = with_views(site, [view for view, _ in views.values()])
    sources = [source for _, source in views.values()]
    pages = [
        paper_page(edited, bisect.bisect_left(edited.papers, view.order, key=newest_first))
        for view, _ in views.values()
    ]
    written = []
    try:
        rendered = render_pages(edited, env, cards, pages)
        for (page, data, _), source in zip(rendered, sources, strict=True):
            write_file_atomic(config.out_dir / page.path, data)
            previewed.add(page.path, content_digest(data), source)
            written.append(page.path)
    except (SiteError, OSError):
        pass  # the rebuild renders the page again and says what is wrong
    return written
