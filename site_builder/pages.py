"""Paper <-> its Markdown page in content/papers/: front matter, abstract, the reader's notes.

A page belongs to the reader once it exists. Import only ever inserts lines: listings it did not
have into its `listings:` block, bibliographic fields it lacks; every other byte stays as the
reader left it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import yaml
from slugify import slugify

from site_builder.controls import strip_controls
from site_builder.errors import SiteError, SourcePos, raise_all
from site_builder.models import STATUSES, ImportedPaper, Listing, Paper
from site_builder.papers import paper_id
from site_builder.yamlfile import dump_yaml, parse_yaml_mapping, yaml_loader

NOTES_HEADING = "## Notes"
SLUG_MAX_LENGTH = 80
FIELDS = (
    "id",
    "title",
    "authors",
    "arxiv",
    "doi",
    "venue",
    "published",
    "listings",
    "code",
    "links",
    "tags",
    "remove_tags",
    "status",
    "starred",
    "extra",
)
"""Front matter fields a paper page may have; see README's "Paper pages"."""
_NOTES_RE = re.compile(r"^## Notes[ \t]*$", re.MULTILINE)
_FlowDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_ARXIV_RE = re.compile(r"(?:\d{4}\.\d{4,5}|[a-z][a-z.-]*(?:\.[A-Z]{2})?/\d{7})")
_DOI_RE = re.compile(r"10\.\d{4,9}/\S+")
WEB_URL_RE = re.compile(r"https?://[^\s/?#\\]+(?:[/?#]\S*)?", re.IGNORECASE)
"""The only URLs a page may link to: http(s) with a host (no javascript:, data:, file:...)."""


def is_web_url(url: str) -> bool:
    """Tell whether a URL is an http(s) URL with a host, safe in an href."""
    return WEB_URL_RE.fullmatch(url) is not None


@dataclass(frozen=True, slots=True)
class _Split:
    """A page cut into front matter and body, with line numbers."""

    front: str
    front_first_line: int
    body: str
    body_first_line: int


def _split_page(text: str, path: str) -> _Split:
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise SiteError(
            "expected front matter: the page must start with a `---` line", SourcePos(path, 1)
        )
    for index in range(1, len(lines)):
        if lines[index].strip() in ("---", "..."):
            return _Split("".join(lines[1:index]), 2, "".join(lines[index + 1 :]), index + 2)
    raise SiteError("front matter is not closed: add a `---` line after it", SourcePos(path, 1))


def _string_list(
    value: Any, key: str, where: SourcePos, errors: list[SiteError]
) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        errors.append(SiteError(f"`{key}` must be a list of strings, got {value!r}", where))
        return ()
    return tuple(item.strip() for item in value if item.strip())


def _urls(value: Any, key: str, where: SourcePos, errors: list[SiteError]) -> tuple[str, ...]:
    urls = _string_list(value, key, where, errors)
    bad = [url for url in urls if not is_web_url(url)]
    for url in bad:
        errors.append(
            SiteError(
                f"`{key}` must hold http(s) URLs such as https://github.com/..., got {url!r}", where
            )
        )
    return tuple(url for url in urls if url not in bad)


def _listings(value: Any, where: SourcePos, errors: list[SiteError]) -> tuple[Listing, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        errors.append(SiteError(f"`listings` must be a list, got {type(value).__name__}", where))
        return ()
    found = []
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("source", ""), str):
            errors.append(
                SiteError(f"each listing needs `date`, `source` and `line`, got {item!r}", where)
            )
            continue
        date = item.get("date")
        if isinstance(date, str):
            try:
                date = dt.date.fromisoformat(date)
            except ValueError:
                errors.append(SiteError(f"listing date must be YYYY-MM-DD, got {date!r}", where))
                continue
        if date is not None and (isinstance(date, dt.datetime) or not isinstance(date, dt.date)):
            errors.append(SiteError(f"listing date must be YYYY-MM-DD, got {date!r}", where))
            continue
        line = item.get("line", 0)
        if not isinstance(line, int) or isinstance(line, bool):
            errors.append(SiteError(f"listing line must be a number, got {line!r}", where))
            continue
        found.append(Listing(date.isoformat() if date else None, str(item.get("source", "")), line))
    return tuple(found)


def _optional_text(
    value: Any, key: str, where: SourcePos, errors: list[SiteError], pattern: re.Pattern[str] | None
) -> str | None:
    """Return an optional one-line text field, checked against pattern when given."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float) and not isinstance(value, bool) and key == "arxiv":
        value = str(value)  # `arxiv: 2503.01234` unquoted reads as a number
    if not isinstance(value, str) or "\n" in value.strip():
        errors.append(SiteError(f"`{key}` must be one line of text, got {value!r}", where))
        return None
    text = value.strip()
    if pattern is not None and not pattern.fullmatch(text):
        errors.append(SiteError(f"`{key}` is not a valid {key} id: {text!r}", where))
        return None
    return text


def _optional_date(value: Any, key: str, where: SourcePos, errors: list[SiteError]) -> str | None:
    """Return an optional YYYY-MM-DD field as ISO text."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            value = dt.date.fromisoformat(value.strip())
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        errors.append(SiteError(f"`{key}` must be a date YYYY-MM-DD, got {value!r}", where))
        return None
    return value.isoformat()


def parse_page(text: str, path: str, slug: str, known_tags: Iterable[str] | None = None) -> Paper:
    """Parse a paper page; raise every problem found as `file:line: message`."""
    split = _split_page(strip_controls(text), path)
    front = parse_yaml_mapping(split.front, path, split.front_first_line)
    data = front.data
    errors: list[SiteError] = []
    for key in data:
        if key not in FIELDS:
            errors.append(
                SiteError(
                    f"unknown field `{key}` (known: {', '.join(FIELDS)}; put your own under `extra:`)",
                    front.pos(key),
                )
            )
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        errors.append(SiteError("`title` is required and must be text", front.pos("title")))
        title = slug
    page_id = data.get("id")
    if page_id is None:
        page_id = paper_id(title)
    elif not isinstance(page_id, str | int) or isinstance(page_id, bool):
        errors.append(SiteError(f"`id` must be text, got {page_id!r}", front.pos("id")))
        page_id = paper_id(title)
    status = data.get("status", "unread")
    if status not in STATUSES:
        errors.append(
            SiteError(
                f"`status` must be one of {', '.join(STATUSES)}, got {status!r}",
                front.pos("status"),
            )
        )
        status = "unread"
    starred = data.get("starred", False)
    if starred is None:
        starred = False
    if not isinstance(starred, bool):
        errors.append(
            SiteError(f"`starred` must be true or false, got {starred!r}", front.pos("starred"))
        )
        starred = False
    if "extra" in data and not isinstance(data["extra"], dict | None):
        errors.append(SiteError("`extra` must be a mapping of your own fields", front.pos("extra")))
    tags = _string_list(data.get("tags"), "tags", front.pos("tags"), errors)
    remove_tags = _string_list(
        data.get("remove_tags"), "remove_tags", front.pos("remove_tags"), errors
    )
    if known_tags is not None:
        known = set(known_tags)
        for key, values in (("tags", tags), ("remove_tags", remove_tags)):
            for tag in values:
                if tag not in known:
                    errors.append(
                        SiteError(
                            f"unknown tag `{tag}` in `{key}` (see content/tags.yml)", front.pos(key)
                        )
                    )
    match = _NOTES_RE.search(split.body) if NOTES_HEADING in split.body else None
    abstract = split.body[: match.start()] if match else split.body
    notes = split.body[match.end() :] if match else ""
    paper = Paper(
        id=str(page_id),
        slug=slug,
        title=title.strip(),
        abstract=abstract.strip(),
        notes=notes.strip(),
        listings=_listings(data.get("listings"), front.pos("listings"), errors),
        code=_urls(data.get("code"), "code", front.pos("code"), errors),
        links=_urls(data.get("links"), "links", front.pos("links"), errors),
        tags=tags,
        remove_tags=remove_tags,
        status=status,
        where=SourcePos(path, 1),
        authors=_string_list(data.get("authors"), "authors", front.pos("authors"), errors),
        arxiv=_optional_text(data.get("arxiv"), "arxiv", front.pos("arxiv"), errors, _ARXIV_RE),
        doi=_optional_text(data.get("doi"), "doi", front.pos("doi"), errors, _DOI_RE),
        venue=_optional_text(data.get("venue"), "venue", front.pos("venue"), errors, None),
        published=_optional_date(data.get("published"), "published", front.pos("published"), errors),
        starred=starred,
    )
    if errors:
        raise_all(errors)
    return paper


def _listing_yaml(listings: Iterable[Listing]) -> list[dict[str, Any]]:
    return [
        {
            "date": dt.date.fromisoformat(item.date) if item.date else None,
            "source": item.source,
            "line": item.line,
        }
        for item in sorted(listings, key=lambda item: (item.date or "", item.source, item.line))
    ]


def render_new_page(paper: ImportedPaper) -> str:
    """Return the Markdown page for a newly imported paper."""
    known: dict[str, Any] = {
        "authors": list(paper.authors),
        "arxiv": paper.arxiv,
        "doi": paper.doi,
        "venue": paper.venue,
        "published": dt.date.fromisoformat(paper.published) if paper.published else None,
    }
    # Fields a listing did not name are left out, so pages of the bundled layouts stay as they were.
    front = dump_yaml(
        {
            "id": paper.id,
            "title": paper.title,
            **{key: value for key, value in known.items() if value},
            "listings": _listing_yaml(paper.listings),
            "code": [url for url in paper.code if is_web_url(url)],
            "links": [url for url in paper.links if is_web_url(url)],
            "tags": [],
            "remove_tags": [],
            "status": "unread",
        }
    )
    return f"---\n{front}---\n\n{paper.abstract}\n\n{NOTES_HEADING}\n\n"


def new_page_paper(paper: ImportedPaper, slug: str, path: str) -> Paper:
    """Return the Paper that parsing render_new_page(paper) gives, without parsing it."""
    listings = sorted(paper.listings, key=lambda item: (item.date or "", item.source, item.line))
    return Paper(
        id=paper.id,
        slug=slug,
        title=paper.title.strip(),
        abstract=paper.abstract.strip(),
        notes="",
        listings=tuple(listings),
        code=tuple(url for url in paper.code if is_web_url(url)),
        links=tuple(url for url in paper.links if is_web_url(url)),
        tags=(),
        remove_tags=(),
        status="unread",
        where=SourcePos(path, 1),
        authors=paper.authors,
        arxiv=paper.arxiv,
        doi=paper.doi,
        venue=paper.venue,
        published=paper.published,
    )


def missing_listings(existing: Paper, imported: ImportedPaper) -> list[Listing]:
    """Return the imported listings the page does not have yet.

    A listing is its date and dump: lines added to a dump shift the line numbers of its papers,
    which must not add a second listing of the same day to every page.
    """
    have = {(item.date, item.source) for item in existing.listings}
    return [item for item in imported.listings if (item.date, item.source) not in have]


_FILLED_FIELDS = ("authors", "arxiv", "doi", "venue", "published")
"""Front matter fields an import adds to a page that lacks them (never changing one it has)."""


def _new_fields(existing: Paper, imported: ImportedPaper) -> dict[str, Any]:
    """Return the imported bibliographic fields the page has no value for, as YAML values."""
    found: dict[str, Any] = {}
    for key in _FILLED_FIELDS:
        value = getattr(imported, key)
        if value and not getattr(existing, key):
            if key == "published":
                value = dt.date.fromisoformat(value)
            found[key] = list(value) if isinstance(value, tuple) else value
    return found


def needs_merge(existing: Paper, imported: ImportedPaper) -> bool:
    """Return whether an import has listings or fields to add to this page."""
    return bool(missing_listings(existing, imported) or _new_fields(existing, imported))


class PageNotMerged(SiteError):
    """An import has something to add to a page but cannot add it without changing the
    reader's bytes (a shared YAML anchor, `listings: null`): the page is left alone."""


def _deep_end(node: yaml.Node) -> int:
    """Return the index just after the last character of a node's own text.

    A block collection's end mark lies after the comments and blank lines that follow it, so
    its end is the end of its last value.
    """
    if isinstance(node, yaml.MappingNode) and not node.flow_style and node.value:
        return _deep_end(node.value[-1][1])
    if isinstance(node, yaml.SequenceNode) and not node.flow_style and node.value:
        return _deep_end(node.value[-1])
    return int(node.end_mark.index)


def _after_line(text: str, index: int) -> int:
    """Return the start of the line after the one holding index (a line start stays put)."""
    if index > 0 and text[index - 1] == "\n":
        return index
    newline = text.find("\n", index)
    return len(text) if newline < 0 else newline + 1


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def _count_nodes(node: yaml.Node, counts: dict[int, int]) -> None:
    """Count how often each node object occurs in the tree (an alias repeats its anchor's node)."""
    counts[id(node)] = counts.get(id(node), 0) + 1
    if counts[id(node)] > 1:
        return
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            _count_nodes(key, counts)
            _count_nodes(value, counts)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _count_nodes(item, counts)


def _block(data: dict[str, Any], dash: int | None, indent: int, newline: str) -> str:
    """Return data as YAML lines indented by `indent`, or as one sequence item with its dash at
    column `dash` and its keys at column `indent`."""
    lines = dump_yaml(data).splitlines()
    if dash is None:
        lines = [" " * indent + line for line in lines]
    else:
        lines = [
            (" " * dash + "-" + " " * (indent - dash - 1) if i == 0 else " " * indent) + line
            for i, line in enumerate(lines)
        ]
    return "".join(line + newline for line in lines)


def _flow_item(data: dict[str, Any]) -> str:
    text: str = yaml.dump(
        data,
        Dumper=_FlowDumper,
        sort_keys=False,
        allow_unicode=True,
        width=10_000,
        default_flow_style=True,
    )
    return text.strip()


def _listing_key(item: Listing) -> tuple[str, str, int]:
    return (item.date or "", item.source, item.line)


def _listing_inserts(
    front: str,
    key: yaml.Node | None,
    value: yaml.Node | None,
    existing: Paper,
    missing: list[Listing],
    anchor_end: int,
    column: int,
    newline: str,
    shared: bool,
    where: SourcePos,
) -> list[tuple[int, str]]:
    """Return (index, text) insertions into the front matter that add the missing listings."""
    new = _listing_yaml(missing)
    if key is None or value is None:
        return [(anchor_end, _block({"listings": new}, None, column, newline))]
    if shared:
        raise PageNotMerged(
            "new listings not added: `listings` is a YAML anchor used elsewhere in the page "
            "(or an alias); add them by hand or write the list out",
            where,
        )
    if isinstance(value, yaml.SequenceNode) and value.flow_style:
        close = int(value.end_mark.index) - 1
        items = ", ".join(_flow_item(item) for item in new)
        return [(close, (", " if value.value else "") + items)]
    if (
        isinstance(value, yaml.SequenceNode)
        and value.value
        and len(value.value) == len(existing.listings)
    ):
        first_item = int(value.value[0].start_mark.index)
        first_line = _line_start(front, first_item)
        prefix = front[first_line:first_item]
        if prefix.strip() != "-":
            raise PageNotMerged(
                "new listings not added: each listing should start on its `- ` line "
                "(`- date: ...`); write it so, or add the listings by hand",
                where,
            )
        dash, indent = prefix.index("-"), len(prefix)
        inserts = []
        for listing in sorted(missing, key=_listing_key):
            item = _listing_yaml([listing])[0]
            before = [
                i
                for i, have in enumerate(existing.listings)
                if _listing_key(have) <= _listing_key(listing)
            ]
            at = _after_line(front, _deep_end(value.value[before[-1]])) if before else first_line
            inserts.append((at, _block(item, dash, indent, newline)))
        return inserts
    if isinstance(value, yaml.ScalarNode) and value.tag.endswith(":null") and not value.value:
        at = _after_line(front, int(key.end_mark.index))
        column = int(key.start_mark.column)
        return [(at, "".join(_block(item, column, column + 2, newline) for item in new))]
    raise PageNotMerged(
        "new listings not added: `listings` is not a list written out in the page; "
        "make it a list (`listings:` with `- date: ...` items) to let import add to it",
        where,
    )


def merge_page(text: str, existing: Paper, imported: ImportedPaper) -> str | None:
    """Return the page with what the import adds, or None when there is nothing to add.

    Imported listings the page lacks join its `listings:` block, in date order, written in the
    block's own indentation; `authors`, `arxiv`, `doi`, `venue` and `published` the page does not
    have are added as new lines after the field before them. Only new lines (or, in a flow list
    `[...]`, new items) are inserted: every byte the reader wrote, comments and anchors included,
    stays. Raise PageNotMerged (a warning to show) when that is not possible.
    """
    missing = missing_listings(existing, imported)
    fields = _new_fields(existing, imported)
    if not missing and not fields:
        return None
    lines = text.splitlines(keepends=True)
    end = next(i for i in range(1, len(lines)) if lines[i].strip() in ("---", "..."))
    head, front, rest = lines[0], "".join(lines[1:end]), "".join(lines[end:])
    newline = "\r\n" if head.endswith("\r\n") else "\n"
    where = existing.where
    loader = yaml_loader(front)
    try:
        root = loader.get_single_node()
    finally:
        loader.dispose()
    nodes: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    counts: dict[int, int] = {}
    column = 0  # new top-level fields line up with the page's own (usually column 0)
    if isinstance(root, yaml.MappingNode):
        column = int(root.start_mark.column) if root.value else 0
        _count_nodes(root, counts)
        nodes = {str(k.value): (k, v) for k, v in root.value if isinstance(k, yaml.ScalarNode)}

    def anchor_end(field: str) -> int:
        """Return where a new field goes: after the nearest earlier field the page has."""
        for earlier in reversed(FIELDS[: FIELDS.index(field)]):
            if earlier in nodes:
                return _after_line(front, _deep_end(nodes[earlier][1]))
        return len(front)

    inserts: list[tuple[int, str]] = []
    for key in _FILLED_FIELDS:
        if key in fields and key not in nodes:
            inserts.append((anchor_end(key), _block({key: fields[key]}, None, column, newline)))
    if missing:
        key_node, value_node = nodes.get("listings", (None, None))
        shared = value_node is not None and (
            counts.get(id(value_node), 0) > 1
            or key_node is not None
            and value_node.start_mark.index < key_node.end_mark.index
        )
        if key_node is not None:
            where = SourcePos(where.path, 2 + int(key_node.start_mark.line))
        inserts += _listing_inserts(
            front,
            key_node,
            value_node,
            existing,
            missing,
            anchor_end("listings"),
            column,
            newline,
            shared,
            where,
        )
    if not inserts:
        return None
    out, last = [], 0
    for at, piece in sorted(inserts, key=lambda insert: insert[0]):
        out += [front[last:at], piece]
        last = at
    out.append(front[last:])
    return head + "".join(out) + rest


def slug_for(title_text: str, paper_id_: str) -> str:
    """Return the readable ASCII slug for a plain-text title (never empty, never a path)."""
    slug = slugify(title_text, max_length=SLUG_MAX_LENGTH, word_boundary=True, save_order=True)
    return slug or f"paper-{paper_id_}"


def assign_slugs(wanted: Iterable[tuple[str, str]], taken: Iterable[str]) -> dict[str, str]:
    """Give each (paper id, base slug) a slug not yet taken, adding -2, -3... in the given order."""
    used = {slug.casefold() for slug in taken}
    chosen: dict[str, str] = {}
    for pid, base in wanted:
        slug, counter = base, 1
        while slug.casefold() in used:
            counter += 1
            slug = f"{base[: SLUG_MAX_LENGTH - len(str(counter)) - 1].rstrip('-')}-{counter}"
        used.add(slug.casefold())
        chosen[pid] = slug
    return chosen
