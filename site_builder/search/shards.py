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

import html
import json
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from site_builder.search.index import FIELDS, SearchDoc, TermCache, build_lunr_builder
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


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if number == 0:
            return out


_BASE36 = tuple(_base36(number) for number in range(36 * 36))


def _b36(number: int) -> str:
    return _BASE36[number] if number < 1296 else _base36(number)


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


def _encode_field(
    frequencies: dict[str, Any], lengths: dict[str, int], name: str, count: int, number_of: dict[str, int]
) -> list[str]:
    """Return one field's postings per term (in `number_of` order): `gap.length` entries
    (`gap.length.tf` when tf > 1), comma-joined, docs ascending, each as the gap to the last."""
    term_numbers: list[int] = []
    tfs: list[int] = []
    per_doc: list[int] = []
    doc_lengths: list[int] = []
    for position in range(count):
        counts = frequencies[f"{name}/{position}"]
        term_numbers.extend(map(number_of.__getitem__, counts))
        tfs.extend(counts.values())
        per_doc.append(len(counts))
        doc_lengths.append(lengths[f"{name}/{position}"])
    terms = len(number_of)
    if not term_numbers:
        return [""] * terms
    by_term = np.argsort(np.asarray(term_numbers, dtype=np.int64), kind="stable")
    term = np.asarray(term_numbers, dtype=np.int64)[by_term]
    doc = np.repeat(np.arange(count, dtype=np.int64), per_doc)[by_term]
    length = np.repeat(np.asarray(doc_lengths, dtype=np.int64), per_doc)[by_term]
    first = np.ones(len(term), dtype=bool)
    first[1:] = term[1:] != term[:-1]
    gap = doc - np.where(first, -1, np.roll(doc, 1))
    texts = [
        f"{_b36(g)}.{_b36(n)}" if f == 1 else f"{_b36(g)}.{_b36(n)}.{_b36(f)}"
        for g, n, f in zip(
            gap.tolist(), length.tolist(), np.asarray(tfs)[by_term].tolist(), strict=True
        )
    ]
    bounds = np.searchsorted(term, np.arange(terms + 1)).tolist()
    return [",".join(texts[bounds[t] : bounds[t + 1]]) for t in range(terms)]


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


def build_search_files(
    docs: Sequence[SearchDoc], cache: TermCache | None = None
) -> dict[str, bytes]:
    """Return site-relative paths -> bytes of the search data. Same docs, same bytes.

    `cache` (see build_lunr_builder) spares reducing the words of documents seen before.
    """
    builder = build_lunr_builder(docs, cache=cache)
    terms = sorted(builder.inverted_index, key=js_sort_key)
    number_of = {term: number for number, term in enumerate(terms)}
    names = [name for name, _ in FIELDS]
    count = len(docs)
    frequencies = builder.field_term_frequencies
    lengths = builder.field_lengths
    postings = [_encode_field(frequencies, lengths, name, count, number_of) for name in names]
    df = [sum(p[t].count(",") + 1 for p in postings if p[t]) for t in range(len(terms))]
    files: dict[str, bytes] = {}

    # Postings shards: runs of consecutive terms of about POSTINGS_CHARS characters.
    starts: list[str] = []
    shard: list[int] = []
    size = 0
    for t in range(len(terms) + 1):
        if shard and (t == len(terms) or size >= POSTINGS_CHARS):
            _add(
                files,
                f"search/p/{len(starts)}.js",
                {
                    "terms": " ".join(terms[i] for i in shard),
                    "postings": [";".join(p[i] for i in shard) for p in postings],
                },
            )
            starts.append(terms[shard[0]])
            shard, size = [], 0
        if t < len(terms):
            shard.append(t)
            size += len(terms[t]) + sum(len(p[t]) + 1 for p in postings)

    # Word lists: by first two characters with frequencies (exact and prefix matches), by
    # first and by second character (typos).
    pairs: dict[str, list[int]] = {}
    firsts: dict[str, list[int]] = {}
    seconds: dict[str, list[int]] = {}
    for t, term in enumerate(terms):
        pairs.setdefault(pair_key(term), []).append(t)
        units = _units(term)
        firsts.setdefault(shard_key(units[0]), []).append(t)
        if len(units) > 1:
            seconds.setdefault(shard_key(units[1]), []).append(t)
    for key, members in pairs.items():
        _add(
            files,
            f"search/x/{key}.js",
            {
                "terms": " ".join(terms[t] for t in members),
                "df": "".join(_df_class(df[t]) for t in members),
            },
        )
    for key, members in firsts.items():
        _add(files, f"search/w/{key}.js", {"terms": " ".join(terms[t] for t in members)})
    for key, members in seconds.items():
        _add(files, f"search/s/{key}.js", {"terms": " ".join(terms[t] for t in members)})

    # Result metadata in blocks of BLOCK_DOCS, tags' documents for the search page.
    tags = _tag_table(docs)
    tag_number = {tag_id: number for number, (tag_id, _) in enumerate(tags)}
    for block in range(0, count, BLOCK_DOCS):
        rows = [_doc_row(doc, tag_number) for doc in docs[block : block + BLOCK_DOCS]]
        _add(files, f"search/d/{block // BLOCK_DOCS}.js", {"docs": rows})
    tag_docs: list[list[int]] = [[] for _ in tags]
    for position, doc in enumerate(docs):
        for tag_id in doc.tag_ids:
            tag_docs[tag_number[tag_id]].append(position)
    _add(
        files,
        TAGS_PATH,
        {
            "docs": [
                ",".join(_b36(d - (lst[i - 1] if i else -1)) for i, d in enumerate(lst))
                for lst in tag_docs
            ]
        },
    )

    _add(
        files,
        META_PATH,
        {
            "version": FORMAT_VERSION,
            "documentCount": count,
            "fields": names,
            "boosts": [boost for _, boost in FIELDS],
            "fieldLengths": [sum(lengths[f"{name}/{d}"] for d in range(count)) for name in names],
            "b": builder._b,
            "k1": builder._k1,
            "pipeline": [PIPELINE_FUNCTION],
            "shards": " ".join(starts),
            "pairs": sorted(pairs),
            "firsts": sorted(firsts),
            "seconds": sorted(seconds),
            "block": BLOCK_DOCS,
            "tags": tags,
        },
    )
    return dict(sorted(files.items()))
