"""The tag taxonomy (content/tags.yml) and automatic tagging of papers."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import yaml

from site_builder.errors import SiteError, SourcePos, raise_all
from site_builder.latex import ascii_fold, to_plain_text
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
    return f" {_NON_WORD_RE.sub(' ', ascii_fold(text)).strip()} "


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
        if not _TAG_ID_RE.fullmatch(tag_id):
            errors.append(
                SiteError(
                    f"tag id `{tag_id if tag_id.isprintable() else repr(tag_id)[1:-1]}` must be "
                    "lowercase words joined by `-`",
                    where,
                )
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


@dataclass(frozen=True, slots=True)
class Term:
    """One match term, folded into words."""

    words: tuple[str, ...]
    """The term's words; the last may carry a plural ending (or any ending, for a prefix)."""
    prefix: bool
    """Written with a trailing `*`: the last word is a word start."""

    def matches_at(self, words: Sequence[str], position: int) -> bool:
        """Return whether the term occurs in `words` starting at `position`."""
        *leading, last = self.words
        end = position + len(leading)
        if end >= len(words) or any(
            words[position + offset] != word for offset, word in enumerate(leading)
        ):
            return False
        found = words[end]
        if self.prefix:
            return found.startswith(last)
        return found in (last, f"{last}s", f"{last}es")


@dataclass(slots=True, eq=False)
class Tagger:
    """A taxonomy's match terms, indexed by the words they can start with."""

    terms: tuple[tuple[str, tuple[Term, ...]], ...]
    """(tag id, its terms in the order written) in taxonomy order."""
    by_first_word: dict[str, list[tuple[int, int]]]
    """A word -> (tag index, term index) of the terms that start with exactly that word."""
    prefixes: tuple[tuple[str, int, int], ...]
    """(word start, tag index, term index) of the one-word prefix terms."""
    starting: dict[str, tuple[tuple[int, tuple[Term, ...]], ...]] = dataclasses.field(
        default_factory=dict
    )
    """Every word met so far -> the tags (index into `terms`) with the terms that may start at
    it, often none. Filled as words are met: the vocabulary is far smaller than the text."""
    starters: set[str] = dataclasses.field(default_factory=set)
    """The words met so far at which some term may start."""

    def learn(self, words: set[str]) -> None:
        """Find the terms that may start at each word not met before."""
        for word in [word for word in words if word not in self.starting]:
            places = sorted(
                [
                    *self.by_first_word.get(word, ()),
                    *((tag, term) for start, tag, term in self.prefixes if word.startswith(start)),
                ]
            )
            grouped: dict[int, list[Term]] = {}
            for tag, term in places:
                grouped.setdefault(tag, []).append(self.terms[tag][1][term])
            self.starting[word] = tuple((tag, tuple(terms)) for tag, terms in grouped.items())
            if grouped:
                self.starters.add(word)


def build_tagger(tags: Sequence[Tag]) -> Tagger:
    """Fold each tag's terms: whole words, plural tolerated, a trailing `*` for a prefix."""
    terms = []
    by_first_word: dict[str, list[tuple[int, int]]] = {}
    prefixes = []
    for tag_index, tag in enumerate(tags):
        folded: list[Term] = []
        for term in tag.match:
            words = fold_words(term.rstrip("*")).split()
            if not words:
                continue
            place = (tag_index, len(folded))
            folded.append(Term(tuple(words), term.endswith("*")))
            first = words[0]
            if len(words) > 1:
                by_first_word.setdefault(first, []).append(place)
            elif term.endswith("*"):
                prefixes.append((first, *place))
            else:
                for form in {first, f"{first}s", f"{first}es"}:
                    by_first_word.setdefault(form, []).append(place)
        terms.append((tag.id, tuple(folded)))
    return Tagger(tuple(terms), by_first_word, tuple(prefixes))


def count_matches(tagger: Tagger, text: str) -> dict[int, int]:
    """Return, per tag index, how many times its terms occur in the text.

    Occurrences of one tag do not overlap; at each word its terms are tried in the order
    written and the first that fits is counted (as a regex alternation of them would).
    """
    words = fold_words(text).split()
    distinct = set(words)
    tagger.learn(distinct)
    starters = distinct & tagger.starters
    counts: dict[int, int] = {}
    if not starters:
        return counts
    free_from: dict[int, int] = {}
    for position, word in enumerate(words):
        if word not in starters:
            continue
        for index, terms in tagger.starting[word]:
            if position < free_from.get(index, 0):
                continue
            for term in terms:
                # A one-word term was matched against this word when the word was learnt.
                if len(term.words) == 1 or term.matches_at(words, position):
                    counts[index] = counts.get(index, 0) + 1
                    free_from[index] = position + len(term.words)
                    break
    return counts


def match_tags(tagger: Tagger, title: str, abstract: str) -> tuple[str, ...]:
    """Return the ids of tags whose terms occur enough in the title and abstract."""
    in_title = count_matches(tagger, title)
    in_abstract = count_matches(tagger, abstract)
    return tuple(
        tag_id
        for index, (tag_id, _) in enumerate(tagger.terms)
        if TITLE_WEIGHT * in_title.get(index, 0) + in_abstract.get(index, 0) >= THRESHOLD
    )


def final_tags(
    automatic: Iterable[str], added: Iterable[str], removed: Iterable[str], order: Sequence[str]
) -> tuple[str, ...]:
    """Return a paper's tags: automatic minus removed, plus added, in taxonomy order."""
    chosen = (set(automatic) - set(removed)) | set(added)
    rank = {tag_id: index for index, tag_id in enumerate(order)}
    return tuple(sorted(chosen, key=lambda tag_id: (rank.get(tag_id, len(rank)), tag_id)))


def tag_papers(papers: Iterable[Paper], taxonomy: Sequence[Tag]) -> dict[str, tuple[str, ...]]:
    """Return each paper's final tags by id: matched from its text, then the reader's changes."""
    tagger = build_tagger(taxonomy)  # learns the words of these papers only, then is dropped
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
