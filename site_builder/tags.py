"""The tag taxonomy (content/tags.yml) and automatic tagging of papers."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import yaml

from site_builder.errors import SiteError, SourcePos, raise_all
from site_builder.latex import to_plain_text
from site_builder.models import Paper, Tag
from site_builder.textfold import ASCII_WORD_CHARS, ascii_fold, ascii_splitter
from site_builder.yamlfile import yaml_loader

TAG_FIELDS = ("label", "description", "match")
_TAG_ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_NOT_WORD = ascii_splitter(ASCII_WORD_CHARS + "+")

TITLE_WEIGHT = 3
"""A match in the title counts this many abstract matches."""
THRESHOLD = 2
"""A tag applies when its weighted matches reach this."""


def _words(text: str) -> list[str]:
    """Return the words of text for matching: runs of ASCII letters, digits and `+`, folded."""
    return ascii_fold(text).translate(_NOT_WORD).split()


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

    leading: tuple[str, ...]
    """The words before the last, matched exactly."""
    last: str
    """The last word, which may carry a plural ending (or any ending, for a prefix)."""
    prefix: bool
    """Written with a trailing `*`: the last word is a word start."""

    def matches_at(self, words: tuple[str, ...], position: int) -> bool:
        """Return whether the term occurs in `words` starting at `position`."""
        end = position + len(self.leading)
        if end >= len(words) or words[position:end] != self.leading:
            return False
        found = words[end]
        if self.prefix:
            return found.startswith(self.last)
        return found == self.last or found in (f"{self.last}s", f"{self.last}es")


Starting = tuple[tuple[int, tuple[Term, ...]], ...]
"""The tags (index into `Tagger.terms`) with their terms, in the order written, that may
start at one place of a text."""
Key = tuple[str, str]
"""A word and the word after it, or "" for any."""


@dataclass(frozen=True, slots=True)
class Tagger:
    """A taxonomy's match terms, indexed by the one or two words they can start with."""

    terms: tuple[tuple[str, tuple[Term, ...]], ...]
    """(tag id, its terms in the order written) in taxonomy order."""
    places: dict[Key, tuple[tuple[int, int], ...]]
    """(first word, "") or (first word, exact second word) -> (tag index, term index) of the
    terms that start so; a term whose second word is a prefix is under its first word only."""
    prefixes: tuple[tuple[str, int, int], ...]
    """(word start, tag index, term index) of the one-word prefix terms."""
    starts: tuple[str, ...]
    """The word starts of `prefixes`, for `str.startswith`."""
    prefixed: re.Pattern[str]
    """Finds the words that start with one of `starts` in words joined by spaces."""
    first_words: frozenset[str]
    """The first words of `places`."""
    known: dict[Key, Starting]
    """`starting` of each key of `places` whose word no prefix term starts."""

    def starting(self, word: str, following: str) -> Starting:
        """Return the tags with the terms that may start at word when following comes next."""
        return _starting(self.terms, self.places, self.prefixes, word, following)


def _starting(
    terms: Sequence[tuple[str, Sequence[Term]]],
    places: Mapping[Key, Sequence[tuple[int, int]]],
    prefixes: Iterable[tuple[str, int, int]],
    word: str,
    following: str,
) -> Starting:
    """Return the tags with the terms that may start at word when following comes next."""
    found = sorted(
        {
            *places.get((word, ""), ()),
            *places.get((word, following), ()),
            *((tag, term) for start, tag, term in prefixes if word.startswith(start)),
        }
    )
    grouped: dict[int, list[Term]] = {}
    for tag, term in found:
        grouped.setdefault(tag, []).append(terms[tag][1][term])
    return tuple((tag, tuple(tag_terms)) for tag, tag_terms in grouped.items())


def _term_keys(term: Term) -> set[Key]:
    """Return the keys a term is indexed by in `Tagger.places`."""
    if not term.leading:
        if term.prefix:
            return set()  # in `Tagger.prefixes`
        return {(form, "") for form in (term.last, f"{term.last}s", f"{term.last}es")}
    first = term.leading[0]
    if len(term.leading) > 1:
        return {(first, term.leading[1])}
    if term.prefix:
        return {(first, "")}
    return {(first, form) for form in (term.last, f"{term.last}s", f"{term.last}es")}


def build_tagger(tags: Sequence[Tag]) -> Tagger:
    """Fold each tag's terms: whole words, plural tolerated, a trailing `*` for a prefix."""
    terms = []
    places: dict[Key, list[tuple[int, int]]] = {}
    prefixes = []
    for tag_index, tag in enumerate(tags):
        folded: list[Term] = []
        for text in tag.match:
            *leading, last = _words(text.rstrip("*")) or [""]
            if not last:
                continue
            term = Term(tuple(leading), last, text.endswith("*"))
            place = (tag_index, len(folded))
            folded.append(term)
            if not leading and term.prefix:
                prefixes.append((last, *place))
            for key in _term_keys(term):
                places.setdefault(key, []).append(place)
        terms.append((tag.id, tuple(folded)))
    starts = tuple(start for start, _, _ in prefixes)
    return Tagger(
        tuple(terms),
        {key: tuple(found) for key, found in places.items()},
        tuple(prefixes),
        starts,
        re.compile(rf"(?<![^ ])(?:{'|'.join(map(re.escape, starts))})[^ ]*" if starts else "(?!)"),
        frozenset(word for word, _ in places),
        {
            key: _starting(terms, places, prefixes, *key)
            for key in places
            if not key[0].startswith(starts)
        },
    )


def count_matches(tagger: Tagger, text: str) -> dict[int, int]:
    """Return, per tag index, how many times its terms occur in the text.

    Occurrences of one tag do not overlap; at each word its terms are tried in the order
    written and the first that fits is counted (as a regex alternation of them would). Only
    the words some term starts with are looked at (a set intersection finds them), and there
    only the terms whose second word comes next.
    """
    words = tuple(_words(text))
    distinct = set(words)
    starters = distinct & tagger.first_words
    prefixed = set(tagger.prefixed.findall(" ".join(distinct)))
    counts: dict[int, int] = {}
    if not starters and not prefixed:
        return counts
    starters |= prefixed
    free_from: dict[int, int] = {}
    known = tagger.known
    last_position = len(words) - 1
    for position in [position for position, word in enumerate(words) if word in starters]:
        word = words[position]
        following = words[position + 1] if position < last_position else ""
        if word in prefixed:
            starting = tagger.starting(word, following)
        else:
            starting = known.get((word, following)) or known.get((word, ""), ())
        for index, terms in starting:
            if position < free_from.get(index, 0):
                continue
            for term in terms:
                # A one-word term without `*` was matched when the word was looked up.
                if not term.leading and not term.prefix or term.matches_at(words, position):
                    counts[index] = counts.get(index, 0) + 1
                    free_from[index] = position + len(term.leading) + 1
                    break
    return counts


def match_tags(tagger: Tagger, title: str, abstract: str) -> tuple[str, ...]:
    """Return the ids of tags whose terms occur enough in the title and abstract."""
    in_title = count_matches(tagger, title)
    in_abstract = count_matches(tagger, abstract)
    return tuple(
        tagger.terms[index][0]
        for index in sorted(in_title.keys() | in_abstract.keys())  # the tags found, in order
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
    tagger = build_tagger(taxonomy)
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
