"""Site -> HTML pages through the Jinja2 templates, with a cache keyed by what each page shows."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
from collections.abc import (
    Callable,
    Hashable,
    Iterable,
    Iterator,
    Mapping,
    MutableMapping,
    Sequence,
)
from dataclasses import dataclass, field
from pathlib import Path
from types import CodeType
from typing import Any, TypeVar
from urllib.parse import urlsplit

import jinja2
from markupsafe import Markup, escape

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


@dataclass(frozen=True, slots=True)
class Rendered:
    """A rendered page and what it was made from."""

    key: str
    """Hash of the templates and of the Page (papers by their view key)."""
    reads: tuple[tuple[str, str], ...]
    """The Site fields the templates read while rendering it, each with the key of its value."""
    digest: str
    """Digest of the page's bytes (output.content_digest): the page itself is in the output dir."""


@dataclass(slots=True)
class RenderCache:
    """Pages of the last build, reused while their Page, templates and what they read of the
    Site are unchanged (the Site fields a page reads are recorded as it renders)."""

    pages: dict[str, Rendered] = field(default_factory=dict)
    """Output path -> the page rendered by the last build."""
    hits: int = 0
    """Pages reused in the last render."""


CARD_TEMPLATE = "partials/paper_card.html"
ROOT_MARK = "\x00root\x00"
"""Stands for `page.root` in a cached card; replaced by each page's own root."""
HEADING_MARK = "\x00heading\x00"
"""Stands for `heading` in a cached card; replaced by each list's heading element."""
D = TypeVar("D", bound=Hashable | None)
T = TypeVar("T")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def day_text(iso: str) -> str:
    """Format an ISO date for reading: `2025-03-04` -> `4 Mar 2025` (the `day_text` filter)."""
    year, month, day = iso.split("-")
    return f"{int(day)} {MONTHS[int(month) - 1]} {year}"


def day_html(iso: str | None) -> Markup:
    """Return an ISO date as a <time> element, or "undated" (the `day` filter)."""
    if not iso:
        return Markup('<span class="undated">undated</span>')
    return Markup(f'<time datetime="{escape(iso)}">{escape(day_text(iso))}</time>')


def _remembered(format_day: Callable[[D], T]) -> Callable[[D], T]:
    """Return `format_day` answering again from what it answered before (days are few)."""
    answers: dict[D, T] = {}

    def remembered(iso: D) -> T:
        answer = answers.get(iso)
        if answer is None:
            answer = answers[iso] = format_day(iso)
        return answer

    return remembered


def escape_text(value: object) -> str:
    """Return `markupsafe.escape(value)` as a plain str: the same text, without the Markup
    object markupsafe makes around it (which costs five times the escaping itself)."""
    if type(value) is not str:
        html = getattr(value, "__html__", None)
        if html is not None:
            return str(html())
        value = str(value)
    if "&" in value or "<" in value or ">" in value or "'" in value or '"' in value:
        return (
            value.replace("&", "&amp;")
            .replace(">", "&gt;")
            .replace("<", "&lt;")
            .replace("'", "&#39;")
            .replace('"', "&#34;")
        )
    return value  # most outputs (paths, ids, labels): looked through, not copied five times


class _Template(jinja2.Template):
    """A template whose `{{ ... }}` outputs are escaped by escape_text.

    With autoescape on, Jinja2 passes each output through `escape`, a name of the compiled
    template's module. An output is only joined to the others (a block caught in a variable or
    a macro's output is made Markup whole), so the Markup object of each is not needed: a
    paper page has about 130 outputs, and making them plain text renders it about a sixth
    faster, byte for byte the same (tests/test_render.py compares it with stock Jinja2).
    """

    @classmethod
    def from_code(
        cls,
        environment: jinja2.Environment,
        code: CodeType,
        globals: MutableMapping[str, Any],  # noqa: A002 -- Jinja2's name
        uptodate: Callable[[], bool] | None = None,
    ) -> jinja2.Template:
        template = super().from_code(environment, code, globals, uptodate)
        template.root_render_func.__globals__["escape"] = escape_text
        return template


@dataclass(frozen=True, slots=True)
class _CardPage:
    """What a paper card may see of the page it is shown on."""

    root: str


def make_environment(templates_dir: Path) -> jinja2.Environment:
    """Return the Jinja2 environment: autoescape on, undefined names are errors.

    Filters `day` and `day_text` format ISO dates, `author_name` puts a "Last, First" name in
    "First Last" order; `paper_citation(view, base_url, key)` returns a paper's links, meta
    tags, JSON-LD and BibTeX (scholar.py). Pages also get `paper_card(view, root, heading)`,
    the paper's card (see render_card) with the list's root and heading element put in.
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        autoescape=jinja2.select_autoescape(("html", "xml"), default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # one environment per version of the templates (see BuildState)
        cache_size=-1,  # a plain dict of every template: pages look one up for each include
    )
    env.template_class = _Template
    # Thousands of pages show the same few hundred days: each is formatted once per environment.
    env.filters["day"] = _remembered(day_html)
    env.filters["day_text"] = _remembered(day_text)

    def paper_citation(view: PaperView, base_url: str, key: str) -> PaperCitation:
        page_url = f"{base_url}{view.url}" if base_url else None
        return cite_paper(view.paper, view.title_text, page_url, key)

    env.globals["paper_citation"] = paper_citation
    env.filters["author_name"] = display_name
    return env


def render_card(env: jinja2.Environment, view: PaperView) -> str:
    """Render a paper's card (partials/paper_card.html) once, for every list that shows it: its
    root and heading element are placeholders that `paper_card` fills in per list."""
    with _template_errors(CARD_TEMPLATE, CARD_TEMPLATE):
        template = env.get_template(CARD_TEMPLATE)
        return template.render(view=view, page=_CardPage(ROOT_MARK), heading=HEADING_MARK)


def _card_filler(env: jinja2.Environment, cards: MutableMapping[str, str]) -> Any:
    """Return the `paper_card(view, root, heading)` function of templates, over rendered cards
    by paper view key: a card not among them is rendered when a page first shows it, and kept."""

    def paper_card(view: PaperView, root: str, heading: str = "h2") -> Markup:
        card = cards.get(view.key)
        if card is None:
            card = cards[view.key] = render_card(env, view)
        return Markup(card.replace(ROOT_MARK, root).replace(HEADING_MARK, heading))

    return paper_card


def _author_links(site: Site, view: PaperView) -> tuple[Link, ...]:
    """Return a paper's authors as links to their pages (url "" for those without one)."""
    urls = site.author_urls
    return tuple(Link(urls.get(" ".join(name.split()), ""), name) for name in view.paper.authors)


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


def paper_page(site: Site, index: int) -> Page:
    """Return the page of the paper at `index` in site.papers."""
    papers = site.papers
    view = papers[index]
    newer = papers[index - 1] if index > 0 else None
    older = papers[index + 1] if index + 1 < len(papers) else None
    path = f"{view.url}index.html"
    return Page(
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


def plan_pages(site: Site) -> Iterator[Page]:
    """Yield every HTML page of the site."""
    config = site.config
    papers = site.papers
    yield from _paginate(papers, config.page_size, "", "home.html", config.title, feed="feed.xml")
    for index in range(len(papers)):
        yield paper_page(site, index)
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


def _value_key(value: object) -> str:
    """Return a string naming a value; paper, tag and author views stand in by their key (a hash
    of what they are made from), so a list of thousands of papers is named cheaply."""
    kind = type(value)
    if kind is PaperView or kind is TagView or kind is AuthorView:
        return f"<{value.key}>"  # type: ignore[attr-defined]
    if kind is str or kind is int or value is None:
        return repr(value)
    if kind is tuple:
        if not value or type(value[0]) is str:  # type: ignore[index]
            return repr(value)  # slugs: named at once (any other item is named by repr too)
        return "(" + ",".join([_value_key(item) for item in value]) + ")"  # type: ignore[attr-defined]
    if isinstance(value, Mapping):
        return "{" + ",".join([f"{k!r}:{_value_key(v)}" for k, v in value.items()]) + "}"
    fields = getattr(kind, "__slots__", None)
    if fields is not None and dataclasses.is_dataclass(kind):  # views and links: field by field
        return kind.__name__ + _value_key(tuple([getattr(value, name) for name in fields]))
    return repr(value)


def site_keys(site: Site) -> dict[str, str]:
    """Return a hash of each field of the Site, and the length of each sequence field as
    `name#len`: what a page that read that field (or only its length) depends on."""
    keys = {}
    for item in dataclasses.fields(site):
        value = getattr(site, item.name)
        keys[item.name] = hashlib.sha256(_value_key(value).encode()).hexdigest()
        if isinstance(value, tuple):
            keys[f"{item.name}#len"] = str(len(value))
    return keys


_PAGE_FIELDS = tuple(item.name for item in dataclasses.fields(Page))


def page_key(page: Page, templates: str) -> str:
    """Return a hash of the templates and of everything the Page holds."""
    parts = [templates]
    parts += [_value_key(getattr(page, name)) for name in _PAGE_FIELDS]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


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
    site: Site, templates: str, fields: Mapping[str, str], cache: RenderCache
) -> tuple[list[tuple[Page, str]], list[int]]:
    """Return every page with its key, and the indices of those the cache cannot supply: new,
    changed, or having read a Site field whose value changed since (`fields`: site_keys)."""
    planned = []
    missing = []
    for index, page in enumerate(plan_pages(site)):
        key = page_key(page, templates)
        cached = cache.pages.get(page.path)
        if not (
            cached is not None
            and cached.key == key
            and all(fields.get(name) == value for name, value in cached.reads)
        ):
            missing.append(index)
        planned.append((page, key))
    return planned, missing


def render_pages(
    site: Site,
    env: jinja2.Environment,
    cards: MutableMapping[str, str],
    pages: Iterable[Page],
    *,
    record: bool = True,
) -> Iterator[tuple[Page, bytes, tuple[str, ...]]]:
    """Render these pages of the site one by one, with the papers' cards by view key (those
    not among `cards` are rendered as pages show them, and added: see render_card); yield each
    page with its bytes and the Site fields it read (when `record`: what a later rebuild
    compares; else none)."""
    paper_card = _card_filler(env, cards)
    for page in pages:
        read: set[str] = set()
        with _template_errors(page.template, page.path):
            template = env.get_template(page.template)
            seen = _SiteReader(site, read) if record else site
            text = template.render(site=seen, page=page, paper_card=paper_card)
        yield page, text.encode("utf-8"), tuple(sorted(read))


def collect_pages(
    planned: Sequence[tuple[Page, str]],
    rendered: Mapping[int, tuple[str, tuple[str, ...]]],
    fields: Mapping[str, str],
    cache: RenderCache,
) -> dict[str, str]:
    """Return every page's digest, freshly rendered (`rendered`: digest and Site fields read, by
    index in `planned`) or from the cache, and keep them in the cache."""
    output: dict[str, str] = {}
    fresh: dict[str, Rendered] = {}
    for index, (page, key) in enumerate(planned):
        if index in rendered:
            digest, reads = rendered[index]
            fresh[page.path] = Rendered(key, tuple((name, fields[name]) for name in reads), digest)
        else:
            fresh[page.path] = cache.pages[page.path]
        output[page.path] = fresh[page.path].digest
    cache.hits = len(planned) - len(rendered)
    cache.pages = fresh
    return output


class _SiteReader:
    """The Site as templates see it: records which of its fields they read."""

    __slots__ = ("_site", "_read")

    def __init__(self, site: Site, read: set[str]) -> None:
        self._site = site
        self._read = read

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._site, name)
        if isinstance(value, tuple):
            return _SequenceReader(value, name, self._read)
        self._read.add(name)
        return value


class _SequenceReader(Sequence[Any]):
    """A tuple field of the Site: records its length when only that is asked (`| length`, `if`),
    and the whole field when an item is."""

    __slots__ = ("_items", "_name", "_read")

    def __init__(self, items: tuple[Any, ...], name: str, read: set[str]) -> None:
        self._items = items
        self._name = name
        self._read = read

    def __len__(self) -> int:
        self._read.add(f"{self._name}#len")
        return len(self._items)

    def __bool__(self) -> bool:
        return len(self) > 0

    def __getitem__(self, index: Any) -> Any:
        self._read.add(self._name)
        return self._items[index]

    def __iter__(self) -> Iterator[Any]:
        self._read.add(self._name)
        return iter(self._items)

    def __contains__(self, item: object) -> bool:
        self._read.add(self._name)
        return item in self._items

    def __reversed__(self) -> Iterator[Any]:
        self._read.add(self._name)
        return iter(self._items[::-1])


@contextlib.contextmanager
def _template_errors(template: str, path: str) -> Iterator[None]:
    """Turn Jinja2's errors while rendering `template` for output `path` into SiteErrors."""
    try:
        yield
    except jinja2.TemplateSyntaxError as exc:
        raise SiteError(
            f"template error: {exc.message}",
            SourcePos(f"templates/{exc.name or template}", exc.lineno),
        ) from None
    except jinja2.TemplateNotFound as exc:
        raise SiteError(
            f"template not found: {exc.name}", SourcePos(f"templates/{template}")
        ) from None
    except jinja2.UndefinedError as exc:
        raise SiteError(
            f"template error while rendering {path}: {exc.message}",
            SourcePos(f"templates/{template}"),
        ) from None
