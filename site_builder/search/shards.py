"""Postings and documents -> the search files: a small meta file and shards fetched on demand.

Every query loads `search/meta.js` (fields, boosts, BM25 constants, where each shard starts,
the tag table) and the word list of its words' first two characters, `search/x/<cd>.js` (the
terms starting with `cd` and their document frequencies, for exact and prefix matches). A word
with a typo loads instead the lists of the terms starting with its first or second character
(`search/w/<c>.js`) and of those whose *second* character is its first or second
(`search/s/<c>.js`): together these hold every term within one edit of it, whatever the edit,
so a typo in the first letter is forgiven too. Then it loads the postings
shards of the terms it matched (`search/p/<n>.js`, contiguous runs of terms in JS order, each
posting a doc gap, the doc's field length and the term frequency, from which the browser
computes lunr's BM25 scores exactly as lunr.Builder does) and, for the results it shows, the
blocks of result metadata (`search/d/<n>.js`). `search/tags.js` (each tag's documents) loads
on the search page only, for its tag counts and filters.

Every file is a classic script that registers its data in `self.siteSearchData` under its
own name, so it loads from `file://` (no fetch there), with importScripts in a Web Worker,
and is cached by the browser like any script.
"""

from __future__ import annotations

import hashlib
import html
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lunr.builder import Builder

from site_builder.search.index import FIELDS, SearchDoc
from site_builder.search.postings import Postings, base36, build_postings, update_postings
from site_builder.search.terms import PIPELINE_FUNCTION, js_sort_key, to_code_units

FORMAT_VERSION = 2
META_PATH = "search/meta.js"
TAGS_PATH = "search/tags.js"
POSTINGS_CHARS = 12_000
"""A postings shard closes once it holds this many characters (one term may exceed it)."""
BLOCK_DOCS = 8
"""Documents per block of result metadata: a result list of 8 fetches at most 8 blocks of ~1 KB."""
EXCERPT_CHARS = 180
_DF_EXACT = 1200
_DF_STEP = math.log(1.06)


_BASE36 = tuple(base36(number) for number in range(36 * 36))


def _b36(number: int) -> str:
    return _BASE36[number] if number < 1296 else base36(number)


def shard_key(char: str) -> str:
    """Return the file key of a term's character: itself for [0-9a-z], `_` for the rest."""
    return char if ("0" <= char <= "9" or "a" <= char <= "z") else "_"


def pair_key(word: str) -> str:
    """Return the file key of a term's exact/prefix word list: its first two characters'
    keys (one for a one-character term), characters as JavaScript sees them (UTF-16 units)."""
    return "".join(map(shard_key, _units(word)[:2]))


def _units(word: str) -> str:
    return word if word.isascii() else to_code_units(word)


def _df_class(df: int) -> str:
    """Two base-36 digits ordering terms by document frequency: exact below 1200, then
    6% steps (prefix matches keep the most frequent terms; the order is all that counts)."""
    if df < _DF_EXACT:
        value = df
    else:
        value = min(1295, _DF_EXACT + int(math.log(df / _DF_EXACT) / _DF_STEP))
    return _BASE36[value].rjust(2, "0")


def _excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """Return the start of text, cut at a word boundary near `limit` characters."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit].rstrip(" ,;:") + "\u2026"


def _tag_table(docs: Sequence[SearchDoc]) -> list[tuple[str, str]]:
    labels: dict[str, str] = {}
    for doc in docs:
        for tag_id, label in zip(doc.tag_ids, doc.tags, strict=True):
            labels.setdefault(tag_id, label)
    return [(tag_id, labels[tag_id]) for tag_id in sorted(labels)]


def _doc_row(doc: SearchDoc, tag_number: dict[str, int]) -> list[Any]:
    """Return what a result shows: url, title, title HTML (0 when it is the escaped title),
    date, tag numbers, excerpt."""
    plain = doc.title_html == html.escape(doc.title, quote=False)
    return [
        doc.url,
        doc.title,
        0 if plain else doc.title_html,
        doc.date,
        [tag_number[tag_id] for tag_id in doc.tag_ids],
        _excerpt(doc.abstract),
    ]


def _script(name: str, data: Any) -> bytes:
    """Wrap JSON as a classic script registering it under `name` (loads from file:// too)."""
    prefix = "(self.siteSearchData=self.siteSearchData||{})[" + json.dumps(name) + "]="
    payload = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    try:
        payload.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (from the JS stemmer's view of a word)
        payload = json.dumps(data, sort_keys=True, separators=(",", ":"))
    # `<`, `>` and `&` as escapes: the same strings, but no `</script>` or markup in the file.
    payload = payload.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return (prefix + payload + ";\n").encode("utf-8")


def _add(files: dict[str, bytes], path: str, data: Any) -> None:
    files[path] = _script(path.removeprefix("search/").removesuffix(".js"), data)


@dataclass(frozen=True, slots=True)
class WordLists:
    """The terms of each word list, by key, in JavaScript order."""

    terms: tuple[str, ...]
    """All the terms, in JavaScript order."""
    pairs: dict[str, tuple[str, ...]]
    """By first two characters (`x/`)."""
    firsts: dict[str, tuple[str, ...]]
    """By first character (`w/`)."""
    seconds: dict[str, tuple[str, ...]]
    """By second character (`s/`)."""


def _list_keys(term: str) -> tuple[str, str, str | None]:
    """Return the keys of the lists a term is in: pair, first character, second character."""
    units = _units(term)
    return pair_key(term), shard_key(units[0]), shard_key(units[1]) if len(units) > 1 else None


def _word_lists(terms: tuple[str, ...], previous: WordLists | None) -> WordLists:
    """Return the word lists of the terms: those of `previous` with the terms it lacks added
    and those gone removed."""
    if previous is not None and previous.terms == terms:
        return previous
    edits: tuple[dict[str, list[str]], ...] = ({}, {}, {})
    if previous is None:
        for term in terms:  # in order
            for keys, key in zip(edits, _list_keys(term), strict=True):
                if key is not None:
                    keys.setdefault(key, []).append(term)
        return WordLists(
            terms, *({key: tuple(members) for key, members in keys.items()} for keys in edits)
        )
    lists = (dict(previous.pairs), dict(previous.firsts), dict(previous.seconds))
    for term in set(previous.terms).symmetric_difference(terms):
        for keys, key in zip(edits, _list_keys(term), strict=True):
            if key is not None:
                keys.setdefault(key, []).append(term)
    for by_key, edited in zip(lists, edits, strict=True):
        for key, members in edited.items():
            merged = set(by_key.get(key, ())).symmetric_difference(members)
            if merged:
                by_key[key] = tuple(sorted(merged, key=js_sort_key))
            else:
                del by_key[key]
    return WordLists(terms, *lists)


@dataclass(frozen=True, slots=True)
class SearchIndex:
    """A build's search files with what they were made from, for the next build to reuse."""

    files: dict[str, bytes]
    """Site-relative path -> bytes."""
    keys: dict[str, object]
    """Path -> what its file was made from (a digest, or the values themselves): a rebuild
    encodes a file again only if this differs."""
    postings: Postings
    """The postings of the documents."""
    word_lists: WordLists
    """The word lists of the postings' terms."""


def _digest(*parts: str) -> bytes:
    digest = hashlib.blake2b(digest_size=16)
    for part in parts:
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")  # never in a term or a posting
    return digest.digest()


def build_search(docs: Sequence[SearchDoc], previous: SearchIndex | None = None) -> SearchIndex:
    """Return the search data of the docs: the same bytes whatever `previous` is, with the
    files whose inputs are unchanged since `previous` (the last build's) taken from it."""
    if previous is None:
        postings = build_postings(docs)
    else:
        postings = update_postings(previous.postings, docs)
    files: dict[str, bytes] = {}
    keys: dict[str, object] = {}

    def reused(path: str, key: object) -> bool:
        """Take the file from `previous` if made from the same inputs; remember its key."""
        keys[path] = key
        if previous is None or path not in previous.keys or previous.keys[path] != key:
            return False
        files[path] = previous.files[path]
        return True

    # Postings shards: runs of consecutive terms of about POSTINGS_CHARS characters.
    terms = postings.terms
    entries = postings.postings
    shards: list[list[str]] = []
    size = POSTINGS_CHARS
    for term in terms:
        if size >= POSTINGS_CHARS:
            shards.append([])
            size = 0
        shards[-1].append(term)
        size += entries[term].size
    for number, members in enumerate(shards):
        text = " ".join(members)
        fields = [
            ";".join(field)
            for field in zip(*[entries[term].fields for term in members], strict=True)
        ]
        path = f"search/p/{number}.js"
        if not reused(path, _digest(text, *fields)):
            _add(files, path, {"terms": text, "postings": fields})

    # Word lists: by first two characters with frequencies (exact and prefix matches), by
    # first and by second character (typos).
    lists = _word_lists(terms, previous.word_lists if previous is not None else None)
    for key, listed in lists.pairs.items():
        text = " ".join(listed)
        df = "".join([_df_class(entries[term].df) for term in listed])
        if not reused(path := f"search/x/{key}.js", _digest(text, df)):
            _add(files, path, {"terms": text, "df": df})
    for folder, by_key in (("w", lists.firsts), ("s", lists.seconds)):
        for key, listed in by_key.items():
            text = " ".join(listed)
            if not reused(path := f"search/{folder}/{key}.js", _digest(text)):
                _add(files, path, {"terms": text})

    # Result metadata in blocks of BLOCK_DOCS, tags' documents for the search page.
    tags = tuple(_tag_table(docs))
    tag_number = {tag_id: number for number, (tag_id, _) in enumerate(tags)}
    for block in range(0, len(docs), BLOCK_DOCS):
        shown = tuple(docs[block : block + BLOCK_DOCS])
        if not reused(path := f"search/d/{block // BLOCK_DOCS}.js", (tags, shown)):
            _add(files, path, {"docs": [_doc_row(doc, tag_number) for doc in shown]})
    tag_ids = tuple(doc.tag_ids for doc in docs)
    if not reused(TAGS_PATH, (tags, tag_ids)):
        _add(files, TAGS_PATH, {"docs": _tag_docs(tag_ids, tag_number)})

    # Made again every time: small, and the only file with corpus-wide figures.
    bm25 = Builder()  # lunr's BM25 constants
    _add(
        files,
        META_PATH,
        {
            "version": FORMAT_VERSION,
            "documentCount": len(docs),
            "fields": [name for name, _ in FIELDS],
            "boosts": [boost for _, boost in FIELDS],
            "fieldLengths": list(postings.field_lengths),
            "b": bm25._b,
            "k1": bm25._k1,
            "pipeline": [PIPELINE_FUNCTION],
            "shards": " ".join(members[0] for members in shards),
            "pairs": sorted(lists.pairs),
            "firsts": sorted(lists.firsts),
            "seconds": sorted(lists.seconds),
            "block": BLOCK_DOCS,
            "tags": [list(tag) for tag in tags],
        },
    )
    return SearchIndex(dict(sorted(files.items())), keys, postings, lists)


def _tag_docs(tag_ids: Sequence[tuple[str, ...]], tag_number: dict[str, int]) -> list[str]:
    """Return each tag's documents, as base-36 gaps."""
    tag_docs: list[list[int]] = [[] for _ in tag_number]
    for position, ids in enumerate(tag_ids):
        for tag_id in ids:
            tag_docs[tag_number[tag_id]].append(position)
    return [
        ",".join(_b36(d - (lst[i - 1] if i else -1)) for i, d in enumerate(lst)) for lst in tag_docs
    ]


def build_search_files(docs: Sequence[SearchDoc]) -> dict[str, bytes]:
    """Return site-relative paths -> bytes of the search data. Same docs, same bytes."""
    return build_search(docs).files
