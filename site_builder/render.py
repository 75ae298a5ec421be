"""Site -> HTML pages through the Jinja2 templates, with a cache keyed by what each page shows."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
from markupsafe import Markup

from site_builder.authors import display_name
from site_builder.errors import SiteError, SourcePos
from site_builder.scholar import PaperCitation, cite_paper
from site_builder.site import AuthorView, PaperView, Site, TagView


@dataclass(frozen=True, slots=True)
class Link:
    """A link to another page: site-relative URL and its label."""

    url: str
    label: str


@dataclass(frozen=True, slots=True)
class Page:
    """One HTML page: which template renders it and everything it shows beyond the Site."""

    path: str
    """Output path, e.g. `papers/<slug>/index.html`."""
    template: str
    """Template file name in templates/."""
    url: str
    """Site-relative URL of the page ("" for home)."""
    title: str
    """Plain-text page title."""
    root: str
    """Prefix from this page to the site root: `../../` for a paper, the base path for 404.html."""
    papers: tuple[PaperView, ...] = ()
    """Papers listed on the page."""
    paper: PaperView | None = None
    """The paper of a paper page."""
    related: tuple[PaperView, ...] = ()
    """Related papers of a paper page."""
    tag: TagView | None = None
    """The tag of a tag page."""
    date: str | None = None
    """The day of a date page."""
    previous: Link | None = None
    """Previous page in sequence (newer paper, previous day, previous page of results)."""
    next: Link | None = None
    """Next page in sequence."""
    number: int = 1
    """Page number for paginated lists."""
    pages: int = 1
    """Number of pages of a paginated list."""
    feed: str | None = None
    """Site-relative URL of the page's own Atom feed."""
    author: AuthorView | None = None
    """The author of an author page."""
    authors: tuple[Link, ...] = ()
    """A paper page's authors: their author page (url "" when they have none) and name."""
    cite_key: str = ""
    """A paper page's citation key, unique across the site."""


@dataclass(slots=True)
class RenderCache:
    """Rendered pages from earlier builds, keyed by a hash of their template and inputs."""

    pages: MutableMapping[str, tuple[str, bytes]] = field(default_factory=dict)
    """Output path -> (input key, bytes)."""
    pages_seen: dict[str, tuple[Page, str]] = field(default_factory=dict)
    """Output path -> (the Page last planned, its input key)."""
    shared: str = ""
    """Templates and site key the keys in pages_seen were computed with."""
    hits: int = 0
    """Pages reused in the last render."""


CARD_TEMPLATE = "partials/paper_card.html"
ROOT_MARK = "\x00root\x00"
"""Stands for `page.root` in a cached card; replaced by each page's own root."""
HEADING_MARK = "\x00heading\x00"
"""Stands for `heading` in a cached card; replaced by each list's heading element."""
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def day_text(iso: str) -> str:
    """Format an ISO date for reading: `2025-03-04` -> `4 Mar 2025` (the `day_text` filter)."""
    year, month, day = iso.split("-")
    return f"{int(day)} {MONTHS[int(month) - 1]} {year}"


def day_html(iso: str | None) -> Markup:
    """Return an ISO date as a <time> element, or "undated" (the `day` filter)."""
    if not iso:
        return Markup('<span class="undated">undated</span>')
    return Markup('<time datetime="{}">{}</time>').format(iso, day_text(iso))


@dataclass(frozen=True, slots=True)
class _CardPage:
    """What a paper card may see of the page it is shown on."""

    root: str


def make_environment(templates_dir: Path) -> jinja2.Environment:
    """Return the Jinja2 environment: autoescape on, undefined names are errors.

    `paper_card(view, root, heading)` renders the card partial once per paper and reuses it,
    with each list's root and heading element put in, on the home, tag and day lists, where the
    same paper shows up again and again. Filters `day` and `day_text` format ISO dates,
    `author_name` puts a "Last, First" name in "First Last" order; `paper_citation(view,
    base_url, key)` returns a paper's links, meta tags, JSON-LD and BibTeX (scholar.py).
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        autoescape=jinja2.select_autoescape(("html", "xml"), default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # one environment per version of the templates (see BuildState)
    )
    cards: dict[str, str] = {}

    def paper_card(view: PaperView, root: str, heading: str = "h2") -> Markup:
        card = cards.get(view.key)
        if card is None:
            template = env.get_template(CARD_TEMPLATE)
            card = cards[view.key] = template.render(
                view=view, page=_CardPage(ROOT_MARK), heading=HEADING_MARK
            )
        return Markup(card.replace(ROOT_MARK, root).replace(HEADING_MARK, heading))

    def paper_citation(view: PaperView, base_url: str, key: str) -> PaperCitation:
        page_url = f"{base_url}{view.url}" if base_url else None
        return cite_paper(view.paper, view.title_text, page_url, key)

    env.globals["paper_card"] = paper_card
    env.globals["paper_citation"] = paper_citation
    env.filters["day"] = day_html
    env.filters["day_text"] = day_text
    env.filters["author_name"] = display_name
    return env


def _root_for(path: str) -> str:
    return "../" * path.count("/")


def _paginate(
    papers: tuple[PaperView, ...], size: int, base: str, template: str, title: str, **extra: Any
) -> Iterator[Page]:
    """Yield the pages of a list of papers: `base`, then `base` + `page/2/`, ..."""
    count = max(1, -(-len(papers) // size))
    for number in range(1, count + 1):
        url = base if number == 1 else f"{base}page/{number}/"
        path = f"{url}index.html"
        yield Page(
            path=path,
            template=template,
            url=url,
            title=title if number == 1 else f"{title} (page {number})",
            root=_root_for(path),
            papers=papers[(number - 1) * size : number * size],
            previous=Link(base if number == 2 else f"{base}page/{number - 1}/", "Newer papers")
            if number > 1
            else None,
            next=Link(f"{base}page/{number + 1}/", "Older papers") if number < count else None,
            number=number,
            pages=count,
            **extra,
        )


def plan_pages(site: Site) -> Iterator[Page]:
    """Yield every HTML page of the site."""
    config = site.config
    papers = site.papers
    yield from _paginate(papers, config.page_size, "", "home.html", config.title, feed="feed.xml")
    for index, view in enumerate(papers):
        newer = papers[index - 1] if index > 0 else None
        older = papers[index + 1] if index + 1 < len(papers) else None
        path = f"{view.url}index.html"
        yield Page(
            path=path,
            template="paper.html",
            url=view.url,
            title=view.title_text,
            root=_root_for(path),
            paper=view,
            related=tuple(site.by_slug[slug] for slug in site.related.get(view.paper.slug, ())),
            previous=Link(newer.url, newer.title_text) if newer else None,
            next=Link(older.url, older.title_text) if older else None,
            authors=_author_links(site, view),
            cite_key=site.cite_keys.get(view.paper.id, ""),
        )
    yield Page(path="tags/index.html", template="tags.html", url="tags/", title="Tags", root="../")
    for tag in site.tags:
        tagged = tuple(site.by_slug[slug] for slug in tag.slugs)
        yield from _paginate(
            tagged,
            config.page_size,
            tag.url,
            "tag.html",
            tag.tag.label,
            tag=tag,
            feed=f"{tag.url}feed.xml",
        )
    yield Page(
        path="dates/index.html",
        template="dates.html",
        url="dates/",
        title="Listing days",
        root="../",
    )
    for index, day in enumerate(site.dates):
        newer_day = site.dates[index - 1] if index > 0 else None
        older_day = site.dates[index + 1] if index + 1 < len(site.dates) else None
        path = f"{day.url}index.html"
        yield Page(
            path=path,
            template="date.html",
            url=day.url,
            title=f"Papers listed on {day.date}",
            root=_root_for(path),
            papers=tuple(site.by_slug[slug] for slug in day.slugs),
            date=day.date,
            previous=Link(older_day.url, older_day.date) if older_day else None,
            next=Link(newer_day.url, newer_day.date) if newer_day else None,
        )
    for author in site.authors:
        yield from _paginate(
            tuple(site.by_slug[slug] for slug in author.slugs),
            config.page_size,
            author.url,
            "author.html",
            author.author.name,
            author=author,
        )
    yield Page(
        path="search/index.html", template="search.html", url="search/", title="Search", root="../"
    )
    base_path = urlsplit(config.base_url).path or "/"
    yield Page(
        path="404.html", template="404.html", url="404.html", title="Page not found", root=base_path
    )


def _author_links(site: Site, view: PaperView) -> tuple[Link, ...]:
    """Return a paper's authors as links to their pages (url "" for those without one)."""
    urls = site.author_urls
    return tuple(Link(urls.get(" ".join(name.split()), ""), name) for name in view.paper.authors)


def _site_key(site: Site) -> str:
    """Hash what every page may show besides its Page: the settings and the tag list with counts."""
    parts = [repr(site.config)]
    parts += [f"{t.tag!r}:{len(t.slugs)}" for t in site.tags]
    parts.append(str(len(site.papers)))
    parts += [f"{d.date}:{len(d.slugs)}" for d in site.dates]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _page_key(page: Page) -> str:
    """Return a string naming everything the page shows; papers stand in by their view key."""
    views = (page.paper, *page.papers, *page.related)
    tag = page.tag
    tag_part = f"{tag.tag!r}:{len(tag.slugs)}" if tag else ""
    author_part = f"{page.author.author!r}:{len(page.author.slugs)}" if page.author else ""
    return "|".join(
        (
            page.path,
            page.template,
            page.url,
            page.title,
            page.root,
            repr(page.date),
            repr(page.previous),
            repr(page.next),
            str(page.number),
            str(page.pages),
            repr(page.feed),
            tag_part,
            author_part,
            repr(page.authors),
            page.cite_key,
            f"{len(page.papers)}:{len(page.related)}",
            *(view.key if view else "-" for view in views),
        )
    )


def templates_key(templates_dir: Path) -> str:
    """Hash every template file, so a theme edit re-renders the pages."""
    digest = hashlib.sha256()
    for path in sorted(templates_dir.rglob("*")):
        if path.is_file():
            digest.update(
                path.relative_to(templates_dir).as_posix().encode() + b"\0" + path.read_bytes()
            )
    return digest.hexdigest()


def plan_renders(
    site: Site, templates: str, cache: RenderCache
) -> tuple[list[tuple[Page, str]], list[int]]:
    """Return every page with its input key, and the indices of those the cache cannot supply."""
    site_key = _site_key(site)
    shared = f"{templates}\n{site_key}\n"
    if shared != cache.shared:
        cache.pages_seen.clear()
    planned = []
    missing = []
    for index, page in enumerate(plan_pages(site)):
        seen = cache.pages_seen.get(page.path)
        # Equal pages mostly hold the very same view objects, so this compares by identity and
        # spares hashing what every page shows.
        if seen is not None and seen[0] == page:
            key = seen[1]
        else:
            key = hashlib.sha256(f"{shared}{_page_key(page)}".encode()).hexdigest()
        cached = cache.pages.get(page.path)
        if not (cached and cached[0] == key):
            missing.append(index)
        planned.append((page, key))
    cache.shared = shared
    cache.pages_seen = {page.path: (page, key) for page, key in planned}
    return planned, missing


def render_ahead(site: Site, env: jinja2.Environment, templates: str, cache: RenderCache) -> int:
    """Render the pages other than paper pages into the cache; return how many were rendered.

    For a build that computes related papers meanwhile: only paper pages show them, so the other
    pages can be rendered from a Site whose `related` is still empty, and the render that
    follows finds them in the cache under the same keys.
    """
    planned, missing = plan_renders(site, templates, cache)
    ahead = [planned[index] for index in missing if planned[index][0].paper is None]
    for page, key in ahead:
        cache.pages[page.path] = (key, _render(env, page, site))
    return len(ahead)


def render_indexed(site: Site, env: jinja2.Environment, indices: Sequence[int]) -> list[bytes]:
    """Render the pages at these positions of plan_pages(site) (what a worker process is given)."""
    wanted = set(indices)
    return render_pages(
        site, env, [page for index, page in enumerate(plan_pages(site)) if index in wanted]
    )


def render_pages(site: Site, env: jinja2.Environment, pages: Sequence[Page]) -> list[bytes]:
    """Render these pages of the site."""
    return [_render(env, page, site) for page in pages]


def collect_pages(
    planned: Sequence[tuple[Page, str]], rendered: Mapping[int, bytes], cache: RenderCache
) -> dict[str, bytes]:
    """Return every page's bytes, freshly rendered or from the cache, and remember them in the cache."""
    output: dict[str, bytes] = {}
    fresh: dict[str, tuple[str, bytes]] = {}
    for index, (page, key) in enumerate(planned):
        data = rendered[index] if index in rendered else cache.pages[page.path][1]
        fresh[page.path] = (key, data)
        output[page.path] = data
    cache.hits = len(planned) - len(rendered)
    cache.pages.clear()
    cache.pages.update(fresh)
    return output


def _render(env: jinja2.Environment, page: Page, site: Site) -> bytes:
    try:
        template = env.get_template(page.template)
        return template.render(site=site, page=page).encode("utf-8")
    except jinja2.TemplateSyntaxError as exc:
        raise SiteError(
            f"template error: {exc.message}",
            SourcePos(f"templates/{exc.name or page.template}", exc.lineno),
        ) from None
    except jinja2.TemplateNotFound as exc:
        raise SiteError(
            f"template not found: {exc.name}", SourcePos(f"templates/{page.template}")
        ) from None
    except jinja2.UndefinedError as exc:
        raise SiteError(
            f"template error while rendering {page.path}: {exc.message}",
            SourcePos(f"templates/{page.template}"),
        ) from None
