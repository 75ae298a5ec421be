"""The tag taxonomy (content/tags.yml) and automatic tagging of papers."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import yaml

from site_builder.errors import SiteError, SourcePos, raise_all
from site_builder.latex import to_plain_text
from site_builder.models import Paper, Tag
from site_builder.yamlfile import yaml_loader

TAG_FIELDS = ("label", "description", "match")
_TAG_ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_NON_WORD_RE = re.compile(r"[^0-9a-z+]+")

TITLE_WEIGHT = 3
"""A match in the title counts this many abstract matches."""
THRESHOLD = 2
"""A tag applies when its weighted matches reach this."""


def fold_words(text: str) -> str:
    """Return text lowercased, accent-free, with single spaces between words, padded by spaces."""
    plain = unicodedata.normalize("NFKD", text.casefold()).encode("ascii", "ignore").decode("ascii")
    return f" {_NON_WORD_RE.sub(' ', plain).strip()} "


def parse_taxonomy(text: str, path: str) -> tuple[Tag, ...]:
    """Parse the taxonomy: a mapping of tag id -> {label, description, match: [terms]}."""
    loader = yaml_loader(text)
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        raise SiteError(
            f"YAML error: {exc.problem}", SourcePos(path, (mark.line + 1) if mark else 0)
        ) from None
    if root is None:
        raise SiteError("the taxonomy is empty: define at least one tag", SourcePos(path, 1))
    if not isinstance(root, yaml.MappingNode):
        raise SiteError(
            "expected a mapping of tag ids to tags", SourcePos(path, root.start_mark.line + 1)
        )
    errors: list[SiteError] = []
    tags: list[Tag] = []
    seen: set[str] = set()
    for key_node, value_node in root.value:
        where = SourcePos(path, key_node.start_mark.line + 1)
        tag_id = str(key_node.value)
        if not _TAG_ID_RE.match(tag_id):
            errors.append(
                SiteError(f"tag id `{tag_id}` must be lowercase words joined by `-`", where)
            )
            continue
        if tag_id in seen:
            errors.append(SiteError(f"tag `{tag_id}` is defined twice", where))
            continue
        seen.add(tag_id)
        try:
            value = loader.construct_object(value_node, deep=True)
        except yaml.MarkedYAMLError as exc:
            line = exc.problem_mark.line + 1 if exc.problem_mark else where.line
            errors.append(SiteError(f"YAML error: {exc.problem}", SourcePos(path, line)))
            continue
        if not isinstance(value, dict):
            errors.append(
                SiteError(f"tag `{tag_id}` needs `label`, `description` and `match`", where)
            )
            continue
        for field in value:
            if field not in TAG_FIELDS:
                errors.append(
                    SiteError(
                        f"unknown field `{field}` in tag `{tag_id}` (known: {', '.join(TAG_FIELDS)})",
                        where,
                    )
                )
        label = value.get("label", tag_id)
        description = value.get("description", "")
        match = value.get("match", [])
        if isinstance(match, str):
            match = [match]
        if not isinstance(label, str) or not isinstance(description, str):
            errors.append(
                SiteError(f"`label` and `description` of tag `{tag_id}` must be text", where)
            )
            continue
        if not isinstance(match, list) or not all(
            isinstance(term, str) and term.strip() for term in match
        ):
            errors.append(SiteError(f"`match` of tag `{tag_id}` must be a list of terms", where))
            continue
        tags.append(
            Tag(tag_id, label.strip(), description.strip(), tuple(t.strip() for t in match), where)
        )
    raise_all(errors)
    return tuple(tags)


@dataclass(frozen=True, slots=True, eq=False)
class Tagger:
    """Compiled match terms of a taxonomy."""

    patterns: tuple[tuple[str, re.Pattern[str]], ...]
    """(tag id, one regex of all its terms) in taxonomy order."""


def build_tagger(tags: Sequence[Tag]) -> Tagger:
    """Compile each tag's terms: whole words, plural tolerated, a trailing `*` for a prefix."""
    patterns = []
    for tag in tags:
        alternatives = []
        for term in tag.match:
            prefix = term.endswith("*")
            words = fold_words(term.rstrip("*")).strip()
            if not words:
                continue
            body = re.escape(words).replace(r"\ ", " ")
            alternatives.append(f"{body}[0-9a-z+]*" if prefix else f"{body}(?:s|es)?")
        if alternatives:
            patterns.append((tag.id, re.compile(f" (?:{'|'.join(alternatives)})(?= )")))
    return Tagger(tuple(patterns))


def match_tags(tagger: Tagger, title: str, abstract: str) -> tuple[str, ...]:
    """Return the ids of tags whose terms occur enough in the title and abstract."""
    folded_title, folded_abstract = fold_words(title), fold_words(abstract)
    found = []
    for tag_id, pattern in tagger.patterns:
        score = TITLE_WEIGHT * len(pattern.findall(folded_title))
        if score < THRESHOLD:
            score += len(pattern.findall(folded_abstract))
        if score >= THRESHOLD:
            found.append(tag_id)
    return tuple(found)


def final_tags(
    automatic: Iterable[str], added: Iterable[str], removed: Iterable[str], order: Sequence[str]
) -> tuple[str, ...]:
    """Return a paper's tags: automatic minus removed, plus added, in taxonomy order."""
    chosen = (set(automatic) - set(removed)) | set(added)
    rank = {tag_id: index for index, tag_id in enumerate(order)}
    return tuple(sorted(chosen, key=lambda tag_id: (rank.get(tag_id, len(rank)), tag_id)))


@lru_cache(maxsize=4)
def _tagger(taxonomy: tuple[Tag, ...]) -> Tagger:
    return build_tagger(taxonomy)


def tag_papers(papers: Iterable[Paper], taxonomy: Sequence[Tag]) -> dict[str, tuple[str, ...]]:
    """Return each paper's final tags by id: matched from its text, then the reader's changes."""
    tagger = _tagger(tuple(taxonomy))
    order = [tag.id for tag in taxonomy]
    return {
        paper.id: final_tags(
            match_tags(tagger, to_plain_text(paper.title), to_plain_text(paper.abstract)),
            paper.tags,
            paper.remove_tags,
            order,
        )
        for paper in papers
    }
