"""Author names -> people: name keys, and the merging of spellings of one name.

Two spellings are taken for one person when they differ only in accents ("Jurgen" and
"Jürgen"), in initials ("J. Schmidhuber", "J Schmidhuber", "Jürgen H. Schmidhuber") or in the
order a comma marks ("Schmidhuber, Jürgen"). Merging is conservative: a spelling joins a group
only when it fits every spelling already there and no other group, so "J. Smith" stays apart
when the list has both a "John Smith" and a "Jane Smith", and "John A. Smith" and
"John B. Smith" stay two people. Names in other orders without a comma ("Zhang Wei" for
"Wei Zhang") are not merged: nothing tells them apart from two different people.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from anyascii import anyascii

from site_builder.textfold import ascii_key

_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})
_PARTICLES = frozenset(
    "van von der den de del della di da du la le dos das ter ten bin ibn al el".split()
)
_GIVEN_SPLIT_RE = re.compile(r"[\s.\-‐‑]+")
_SLUG_RE = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True, slots=True, order=True)
class NameKey:
    """What a spelling of a name is compared by: accents folded, case ignored."""

    family: str
    """Family name folded to ASCII letters and digits (`Le Cun` and `LeCun` -> `lecun`)."""
    given: tuple[str, ...]
    """Given names folded, in order; an initial is its one letter."""


@dataclass(frozen=True, slots=True)
class Author:
    """One person: the spellings of their name found on papers, merged."""

    key: NameKey
    """Key of the most complete spelling."""
    name: str
    """The spelling shown: the most complete one."""
    slug: str
    """URL segment of the author's page, unique across the site."""
    spellings: tuple[str, ...]
    """Every spelling merged into this person, sorted."""


def _is_suffix(token: str) -> bool:
    return ascii_key(token) in _SUFFIXES


def _family_start(tokens: list[str]) -> int:
    """Return where the family name starts: the last word with the particles before it."""
    start = len(tokens) - 1
    while start > 1 and tokens[start - 1].casefold() in _PARTICLES:
        start -= 1
    if start == 1 and tokens[0].casefold() in _PARTICLES and tokens[0].islower():
        start = 0
    return start


def parse_name(name: str) -> tuple[str, str]:
    """Return (given names, family name) of a spelling: "Last, First" or "First Last"."""
    text = " ".join(name.split())
    parts = [part.strip() for part in text.split(",")]
    if len(parts) > 1 and all(_is_suffix(part) for part in parts[1:]):
        text, parts = parts[0], [parts[0]]
    if len(parts) > 1:
        rest = [part for part in parts[1:] if not _is_suffix(part)]
        return " ".join(rest), parts[0]
    tokens = text.split(" ")
    while len(tokens) > 1 and _is_suffix(tokens[-1]):
        tokens.pop()
    if len(tokens) == 1:
        return "", tokens[0]
    start = _family_start(tokens)
    return " ".join(tokens[:start]), " ".join(tokens[start:])


def display_name(name: str) -> str:
    """Return a spelling in "First Last" order, for lists joined by commas ("Last, First" -> ...)."""
    text = " ".join(name.split())
    parts = [part.strip() for part in text.split(",")]
    if len(parts) < 2 or all(_is_suffix(part) for part in parts[1:]):
        return text
    suffixes = [part for part in parts[1:] if _is_suffix(part)]
    given = [part for part in parts[1:] if not _is_suffix(part)]
    return " ".join([*given, parts[0], *suffixes])


def name_key(name: str) -> NameKey:
    """Return the key of a spelling: folded family name and given names (initials as letters)."""
    given_text, family = parse_name(name)
    given = []
    for token in _GIVEN_SPLIT_RE.split(given_text):
        folded = ascii_key(token)
        if folded:
            given.append(folded)
    return NameKey(ascii_key(family) or ascii_key(name), tuple(given))


def _slug(name: str) -> str:
    """Return the URL segment of a name: ASCII letters and digits joined by hyphens."""
    return _SLUG_RE.sub("-", anyascii(name).lower()).strip("-") or "author"


def _fits(a: NameKey, b: NameKey) -> bool:
    """Whether two keys may name one person: each given name equal or an initial of the other."""
    if a.family != b.family or bool(a.given) != bool(b.given):
        return False
    for x, y in zip(a.given, b.given, strict=False):
        if x != y and not ((len(x) == 1 or len(y) == 1) and x[0] == y[0]):
            return False
    return True


def _fullness(key: NameKey) -> tuple[int, int]:
    """How much a key says: given names spelt out, then given names at all."""
    return (sum(1 for part in key.given if len(part) > 1), len(key.given))


def _shown_rank(spelling: str, key: NameKey) -> tuple[int, int, int, int, str]:
    """Sort key of the spelling to show: fullest, "First Last" order, accents kept."""
    full, count = _fullness(key)
    accents = sum(1 for ch in spelling if not ch.isascii())
    return (-full, -count, int("," in spelling), -accents, spelling)


def merge_names(names: Iterable[str]) -> dict[str, Author]:
    """Return the person behind each spelling; spellings of one name share one Author."""
    spellings = sorted({" ".join(name.split()) for name in names} - {""})
    keys = {spelling: name_key(spelling) for spelling in spellings}
    # Fullest keys first, so a spelling with initials meets the full names it may join.
    ranked = sorted(
        {(*(-n for n in _fullness(key)), key.family, key.given): key for key in keys.values()}.items()
    )
    buckets: dict[tuple[str, str], list[NameKey]] = {}
    for _, key in ranked:
        buckets.setdefault((key.family, key.given[0][0] if key.given else ""), []).append(key)
    group_of: dict[NameKey, int] = {}
    groups: list[list[NameKey]] = []
    for bucket in buckets.values():
        start = len(groups)
        for key in bucket:
            fitting = [
                index
                for index in range(start, len(groups))
                if all(_fits(key, member) for member in groups[index])
            ]
            if len(fitting) == 1:
                groups[fitting[0]].append(key)
                group_of[key] = fitting[0]
            else:
                group_of[key] = len(groups)
                groups.append([key])
    members: list[list[str]] = [[] for _ in groups]
    for spelling in spellings:
        members[group_of[keys[spelling]]].append(spelling)
    people = []
    for index, group in enumerate(members):
        shown = group[0] if len(group) == 1 else min(group, key=lambda s: _shown_rank(s, keys[s]))
        first = groups[index][0]
        people.append((_slug(shown), first.family, first.given, shown, tuple(group)))
    people.sort()
    taken: dict[str, int] = {}
    result: dict[str, Author] = {}
    for base, family, given, shown, names_of in people:
        taken[base] = taken.get(base, 0) + 1
        slug = base if taken[base] == 1 else f"{base}-{taken[base]}"
        author = Author(NameKey(family, given), shown, slug, names_of)
        for spelling in names_of:
            result[spelling] = author
    return result


def short_authors(authors: tuple[str, ...], shown: int = 3) -> tuple[tuple[str, ...], int]:
    """Return the first names to show of an author list and how many more there are."""
    if len(authors) <= shown + 1:
        return authors, 0
    return authors[:shown], len(authors) - shown
