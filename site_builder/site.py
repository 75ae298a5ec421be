"""Papers + taxonomy -> Site: every derived value the templates show, computed once."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from site_builder.authors import Author, merge_names
from site_builder.bibtex import base_key, cite_keys
from site_builder.config import Config
from site_builder.latex import to_html, to_plain_text
from site_builder.markdown import excerpt, render_inline_markdown, render_markdown
from site_builder.models import Paper, Tag
from site_builder.related import Candidates, rank_related, similar_papers

EXCERPT_CHARS = 280


@dataclass(frozen=True, slots=True)
class PaperView:
    """A paper with everything a page needs to show it."""

    paper: Paper
    """The paper as read from its page."""
    url: str
    """Site-relative URL, `papers/<slug>/`."""
    title_text: str
    """Title as plain text (math as readable text): for <title>, feeds, JSON, search."""
    title_html: str
    """Title as safe HTML with math as MathML."""
    abstract_html: str
    """The abstract rendered from Markdown."""
    excerpt_html: str
    """The start of the abstract, rendered."""
    notes_html: str
    """The reader's notes rendered, or empty."""
    tags: tuple[Tag, ...]
    """Final tags, in taxonomy order."""
    date: str | None
    """Latest listing date (the one the paper is sorted by)."""
    sources: tuple[str, ...]
    """Distinct dump files that list the paper."""
    key: str
    """Hash of everything above: what a page showing this paper depends on (in a build no
    rebuild follows, which compares nothing, the paper's id: unique all the same)."""
    order: tuple[int, str, str, str]
    """Sort key: newest listing first, then title."""
    cite_base: str = ""
    """Citation key before it is made unique across the site (see bibtex.cite_keys)."""


@dataclass(frozen=True, slots=True)
class TagView:
    """A tag with its papers."""

    tag: Tag
    """The taxonomy entry."""
    url: str
    """Site-relative URL, `tags/<id>/`."""
    slugs: tuple[str, ...]
    """Slugs of its papers, newest first."""
    key: str
    """Hash of everything above: what a page showing this tag depends on."""


@dataclass(frozen=True, slots=True)
class DateView:
    """A listing day with its papers."""

    date: str
    """ISO date."""
    url: str
    """Site-relative URL, `dates/<date>/`."""
    slugs: tuple[str, ...]
    """Slugs of the papers listed that day, in listing order."""


@dataclass(frozen=True, slots=True)
class AuthorView:
    """An author with several papers: their page."""

    author: Author
    """The person, with every spelling of their name."""
    url: str
    """Site-relative URL, `authors/<slug>/`."""
    slugs: tuple[str, ...]
    """Slugs of their papers, newest first."""
    key: str
    """Hash of everything above: what a page showing this author depends on (or, as for
    PaperView, the author's slug)."""


@dataclass(frozen=True, slots=True)
class Site:
    """The whole reading list, ready to render."""

    config: Config
    """Site settings."""
    papers: tuple[PaperView, ...]
    """All papers, newest listing first."""
    by_slug: Mapping[str, PaperView]
    """Papers by slug."""
    tags: tuple[TagView, ...]
    """Tags in taxonomy order (tags without papers included)."""
    dates: tuple[DateView, ...]
    """Listing days, newest first."""
    related: Mapping[str, tuple[str, ...]]
    """Slugs of related papers, by slug."""
    authors: tuple[AuthorView, ...] = ()
    """Authors with two or more papers, by slug of their page."""
    people: Mapping[str, Author] = field(default_factory=dict)
    """The person behind each spelling of an author name on the papers."""
    author_urls: Mapping[str, str] = field(default_factory=dict)
    """Site-relative URL of the author page of each spelling that has one."""
    cite_keys: Mapping[str, str] = field(default_factory=dict)
    """Unique citation key of each paper, by paper id."""


@dataclass(frozen=True, slots=True)
class PaperText:
    """A paper's text rendered for pages; tags and related papers play no part in it."""

    title_text: str
    title_html: str
    abstract_html: str
    excerpt_html: str
    notes_html: str


def render_paper_text(paper: Paper) -> PaperText:
    """Return the paper's title, abstract and notes rendered (the costly part of a view)."""
    return PaperText(
        title_text=to_plain_text(paper.title),
        title_html=to_html(paper.title),
        abstract_html=render_markdown(paper.abstract),
        # The cut's ellipsis as a reference: most cards are then ASCII, which Python keeps at a
        # byte per character (a card kept for every list, 300 MB at 100,000 papers, halves).
        excerpt_html=render_inline_markdown(excerpt(paper.abstract, EXCERPT_CHARS)).replace(
            "\u2026", "&hellip;"
        ),
        notes_html=render_markdown(paper.notes),
    )


def _content_key(value: object) -> str:
    """Return a hash of a value's repr: the key of a view, from what it is made of."""
    return hashlib.sha256(repr(value).encode("utf-8")).hexdigest()


def paper_view(
    paper: Paper, tags: tuple[Tag, ...], text: PaperText, keyed: bool = True
) -> PaperView:
    """Return the view of a paper: everything derived from it that pages show (`keyed`: see
    assemble_site)."""
    dates = paper.dates
    key = _content_key((paper, [tag.fingerprint for tag in tags])) if keyed else paper.id
    return PaperView(
        key=key,
        order=newest_first_key(dates[-1] if dates else None, text.title_text, paper.slug),
        paper=paper,
        url=f"papers/{paper.slug}/",
        title_text=text.title_text,
        title_html=text.title_html,
        abstract_html=text.abstract_html,
        excerpt_html=text.excerpt_html,
        notes_html=text.notes_html,
        tags=tuple(tags),
        date=dates[-1] if dates else None,
        sources=tuple(sorted({item.source for item in paper.listings})),
        cite_base=base_key(paper, text.title_text),
    )


def newest_first_key(date: str | None, title_text: str, slug: str) -> tuple[int, str, str, str]:
    """Sort key: dated papers newest first, then undated; ties by title, then slug."""
    day = date or ""
    inverted = "".join(chr(0x10FFFF - ord(ch)) for ch in day)
    return (0 if day else 1, inverted, title_text.casefold(), slug)


def newest_first(view: PaperView) -> tuple[int, str, str, str]:
    """Sort key of a paper view: newest listing first."""
    return view.order


def paper_order(paper: Paper) -> tuple[int, str, str, str]:
    """Sort key of a paper, the same as newest_first on its view."""
    dates = paper.dates
    return newest_first_key(dates[-1] if dates else None, to_plain_text(paper.title), paper.slug)


@dataclass(frozen=True, slots=True)
class RelatedCandidates:
    """Candidates for every paper's related papers, before tags re-rank them."""

    papers: tuple[tuple[str, str], ...]
    """(id, slug) of each paper, in slug order: the indices of `best`."""
    best: Candidates
    """Per paper, its best-scoring others as (score, index), best first."""


@dataclass(frozen=True, slots=True)
class RelatedInput:
    """What related papers are computed from: every paper's plain text, in slug order."""

    papers: tuple[tuple[str, str], ...]
    """(id, slug) of each paper."""
    texts: tuple[tuple[str, str], ...]
    """(title, abstract) of each paper, as plain text."""


def related_input(papers: Sequence[Paper]) -> RelatedInput:
    """Return the papers' plain text in slug order, for related_candidates."""
    ordered = sorted(papers, key=lambda paper: paper.slug)
    return RelatedInput(
        tuple((p.id, p.slug) for p in ordered),
        tuple((to_plain_text(p.title), to_plain_text(p.abstract)) for p in ordered),
    )


def related_candidates(source: RelatedInput, count: int) -> RelatedCandidates:
    """Return the candidates for each paper's `count` related papers."""
    return RelatedCandidates(source.papers, similar_papers(source.texts, count))


def pick_related(
    candidates: RelatedCandidates, paper_tags: Mapping[str, Sequence[str]], count: int
) -> dict[str, tuple[str, ...]]:
    """Return the slugs of each paper's related papers, by slug: candidates re-ranked by tags."""
    papers = candidates.papers
    found = rank_related(
        candidates.best, [tuple(paper_tags.get(paper_id, ())) for paper_id, _ in papers], count
    )
    return {
        slug: tuple(papers[i][1] for i in indices)
        for (_, slug), indices in zip(papers, found, strict=True)
    }


def find_related_slugs(
    papers: Sequence[Paper], paper_tags: Mapping[str, Sequence[str]], count: int
) -> dict[str, tuple[str, ...]]:
    """Return the slugs of each paper's related papers, by slug."""
    return pick_related(related_candidates(related_input(papers), count), paper_tags, count)


def _same_place(old: PaperView | None, new: PaperView) -> bool:
    """Whether a new view of a paper sits where its old one did: same order, tags and listings."""
    return (
        old is not None
        and old.order == new.order
        and old.tags == new.tags
        and old.paper.listings == new.paper.listings
    )


def _tag_views(views: Sequence[PaperView], taxonomy: Sequence[Tag]) -> tuple[TagView, ...]:
    members: dict[str, list[str]] = {tag.id: [] for tag in taxonomy}
    for view in views:
        for tag in view.tags:
            members[tag.id].append(view.paper.slug)
    return tuple(
        TagView(tag, f"tags/{tag.id}/", slugs, _content_key((tag, slugs)))
        for tag in taxonomy
        for slugs in [tuple(members[tag.id])]
    )


def _date_views(views: Sequence[PaperView]) -> tuple[DateView, ...]:
    days: dict[str, list[tuple[str, int, str]]] = {}
    for view in views:
        for item in view.paper.listings:
            if item.date:
                days.setdefault(item.date, []).append((item.source, item.line, view.paper.slug))
    return tuple(
        DateView(day, f"dates/{day}/", tuple(dict.fromkeys(slug for *_, slug in sorted(days[day]))))
        for day in sorted(days, reverse=True)
    )


def with_views(site: Site, views: Iterable[PaperView]) -> Site:
    """Return the Site with these views in place of the papers' old ones, each at its place (a
    change that moves no paper: a note, a typo)."""
    by_slug = dict(site.by_slug)
    by_slug.update((view.paper.slug, view) for view in views)
    papers = tuple(by_slug[view.paper.slug] for view in site.papers)
    return dataclasses.replace(site, papers=papers, by_slug=by_slug)


def assemble_site(
    config: Config,
    taxonomy: Sequence[Tag],
    papers: Sequence[Paper],
    paper_tags: Mapping[str, Sequence[str]],
    related: Mapping[str, tuple[str, ...]] | None = None,
    previous: Site | None = None,
    texts: Mapping[str, PaperText] | None = None,
    keyed: bool = True,
) -> Site:
    """Return the Site: views of every paper, tag and date, and related papers.

    `related` and `texts` (see render_paper_text) may be passed in when they were computed ahead.
    Views of a `previous` Site are reused for equal papers (the same content) with the same tags.
    Without `keyed` (a build no rebuild follows), paper and author views are keyed by id and
    slug instead of hashed: nothing is compared with them (at 100,000 papers, seconds less).
    """
    tags_by_id = {tag.id: tag for tag in taxonomy}
    reusable = previous.by_slug if previous is not None else {}
    unsorted = []
    replaced: list[tuple[PaperView | None, PaperView]] = []
    for paper in papers:
        tags = tuple(tags_by_id[t] for t in paper_tags[paper.id] if t in tags_by_id)
        old = reusable.get(paper.slug)
        if old is not None and old.paper == paper and old.tags == tags:
            unsorted.append(old)
        else:
            text = texts[paper.id] if texts is not None else render_paper_text(paper)
            unsorted.append(paper_view(paper, tags, text, keyed))
            replaced.append((old, unsorted[-1]))
    if (
        previous is not None
        and len(unsorted) == len(previous.papers)
        and tuple(tags_by_id.values()) == tuple(view.tag for view in previous.tags)
        and all(_same_place(old, new) for old, new in replaced)
    ):
        # Only papers' texts changed (a note, a typo): the order, the tag lists and the days
        # are the previous ones; the views are swapped in place.
        swapped = with_views(previous, [new for _, new in replaced])
        views, by_slug = list(swapped.papers), dict(swapped.by_slug)
        tag_views, date_views = previous.tags, previous.dates
    else:
        views = sorted(unsorted, key=newest_first)
        by_slug = {view.paper.slug: view for view in views}
        tag_views, date_views = _tag_views(views, taxonomy), _date_views(views)
    if related is None:
        related = find_related_slugs(papers, paper_tags, config.related)
    people = _people(views, previous)
    author_views = _author_views(views, people, keyed)
    return Site(
        config,
        tuple(views),
        by_slug,
        tag_views,
        date_views,
        related,
        authors=author_views,
        people=people,
        author_urls={
            spelling: view.url for view in author_views for spelling in view.author.spellings
        },
        cite_keys=cite_keys({view.paper.id: view.cite_base for view in views}),
    )


def _people(views: Sequence[PaperView], previous: Site | None) -> Mapping[str, Author]:
    """Return the person behind each author spelling; the previous merge while no name changed."""
    names = {" ".join(name.split()) for view in views for name in view.paper.authors}
    if previous is not None and names == previous.people.keys():
        return previous.people
    return merge_names(names)


def _author_views(
    views: Sequence[PaperView], people: Mapping[str, Author], keyed: bool = True
) -> tuple[AuthorView, ...]:
    """Return the authors with two or more papers, each with their papers newest first."""
    papers: dict[str, list[str]] = {}
    found: dict[str, Author] = {}
    for view in views:
        for name in dict.fromkeys(" ".join(name.split()) for name in view.paper.authors):
            if not name:
                continue
            author = people[name]
            found[author.slug] = author
            slugs = papers.setdefault(author.slug, [])
            if not slugs or slugs[-1] != view.paper.slug:
                slugs.append(view.paper.slug)
    return tuple(
        AuthorView(
            found[slug],
            f"authors/{slug}/",
            slugs,
            _content_key((found[slug], slugs)) if keyed else slug,
        )
        for slug in sorted(papers)
        for slugs in [tuple(papers[slug])]
        if len(slugs) > 1
    )
