"""Search documents -> the site's search data: a lunr.py index shipped as compact postings.

The index is built with lunr.py. What ships is not lunr's serialized index (its field
vectors dominate its size) but, per term and field, the delta-encoded document ids and
term frequencies; `static/js/lunr-pipeline.js` rebuilds from them exactly the structure
`lunr.Index.load` expects, computing the field vectors with lunr's own BM25 formula.

Terms are reduced the same way on both sides: `tokenize` folds case and accents and splits
on anything that is not a Unicode letter or digit, then the registered pipeline function
`siteBuilderTerm` drops lunr's stop words and applies `stem`, a line-for-line port of
lunr.js's Porter stemmer (lunr.py's stemmer differs from it, e.g. on "surveys").
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
from lunr.builder import Builder
from lunr.pipeline import Pipeline

from site_builder.latex import to_html, to_plain_text
from site_builder.models import Paper, Tag
from site_builder.site import paper_order

INDEX_PATH = "search/index.js"
DOCS_PATH = "search/docs.js"
PIPELINE_FUNCTION = "siteBuilderTerm"
FIELDS: tuple[tuple[str, int], ...] = (("title", 10), ("tags", 5), ("abstract", 1))
EXCERPT_CHARS = 180
FORMAT_VERSION = 1

# lunr.js 2.3.9's stop word list, in its order (lunr.stopWordFilter).
_STOP_WORDS_TEXT = (
    "a able about across after all almost also am among an and any are as at be because been "
    "but by can cannot could dear did do does either else ever every for from get got had has "
    "have he her hers him his how however i if in into is it its just least let like likely may "
    "me might most must my neither no nor not of off often on only or other our own rather said "
    "say says she should since so some than that the their them then there these they this tis "
    "to too twas us wants was we were what when where which while who whom why will with would "
    "yet you your"
)
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())


@dataclass(frozen=True, slots=True)
class SearchDoc:
    """One paper as the search sees it."""

    url: str
    """Site-relative URL of the paper page, e.g. `papers/some-slug/` (no leading slash)."""
    title: str
    """Plain-text title, math already turned into readable text."""
    title_html: str
    """Title as safe HTML: escaped text and MathML `<math>` elements."""
    tags: tuple[str, ...]
    """Tag labels, e.g. `("Diffusion models", "LLMs")`."""
    tag_ids: tuple[str, ...]
    """Tag ids, parallel to `tags`, e.g. `("diffusion", "llm")`."""
    date: str
    """ISO date of the latest listing, or `""`."""
    abstract: str
    """Plain-text abstract."""


# --- term reduction (mirrored in static/js/lunr-pipeline.js) ------------------------------

_ASCII_WORD_RE = re.compile(r"[a-z0-9]+")


def _fold(text: str) -> str:
    """Return text lowercased, compatibility-decomposed, without combining marks (\\p{M}).

    Lowercase again at the end: NFKD turns e.g. U+1D53C (double-struck E) into a capital.
    """
    decomposed = unicodedata.normalize("NFKD", text.lower())
    if decomposed.isascii():
        return decomposed.lower()
    return "".join(ch for ch in decomposed if unicodedata.category(ch)[0] != "M").lower()


def tokenize(text: str) -> list[str]:
    """Split text into folded words: runs of Unicode letters and digits (JS `[\\p{L}\\p{N}]+`)."""
    folded = _fold(text)
    if folded.isascii():
        return _ASCII_WORD_RE.findall(folded)
    words: list[str] = []
    current: list[str] = []
    for ch in folded:
        if unicodedata.category(ch)[0] in "LN":
            current.append(ch)
        elif current:
            words.append("".join(current))
            current = []
    if current:
        words.append("".join(current))
    return words


_C = "[^aeiou]"
_V = "[aeiouy]"
_CS = _C + "[^aeiouy]*"
_VS = _V + "[aeiou]*"
_MGR0 = re.compile("^(" + _CS + ")?" + _VS + _CS)
_MEQ1 = re.compile("^(" + _CS + ")?" + _VS + _CS + "(" + _VS + ")?$")
_MGR1 = re.compile("^(" + _CS + ")?" + _VS + _CS + _VS + _CS)
_S_V = re.compile("^(" + _CS + ")?" + _V)
_RE_1A = re.compile(r"^(.+?)(ss|i)es$")
_RE2_1A = re.compile(r"^(.+?)([^s])s$")
_RE_1B = re.compile(r"^(.+?)eed$")
_RE2_1B = re.compile(r"^(.+?)(ed|ing)$")
_RE2_1B_2 = re.compile(r"(at|bl|iz)$")
_RE3_1B_2 = re.compile(r"([^aeiouylsz])\1$")
_RE4_1B_2 = re.compile("^" + _CS + _V + "[^aeiouwxy]$")
_RE_1C = re.compile(r"^(.+?[^aeiou])y$")
_STEP2 = {
    "ational": "ate", "tional": "tion", "enci": "ence", "anci": "ance", "izer": "ize",
    "bli": "ble", "alli": "al", "entli": "ent", "eli": "e", "ousli": "ous", "ization": "ize",
    "ation": "ate", "ator": "ate", "alism": "al", "iveness": "ive", "fulness": "ful",
    "ousness": "ous", "aliti": "al", "iviti": "ive", "biliti": "ble", "logi": "log",
}  # fmt: skip
_RE_2 = re.compile(
    r"^(.+?)(ational|tional|enci|anci|izer|bli|alli|entli|eli|ousli|ization|ation|ator|alism"
    r"|iveness|fulness|ousness|aliti|iviti|biliti|logi)$"
)
_STEP3 = {
    "icate": "ic",
    "ative": "",
    "alize": "al",
    "iciti": "ic",
    "ical": "ic",
    "ful": "",
    "ness": "",
}
_RE_3 = re.compile(r"^(.+?)(icate|ative|alize|iciti|ical|ful|ness)$")
_RE_4 = re.compile(
    r"^(.+?)(al|ance|ence|er|ic|able|ible|ant|ement|ment|ent|ou|ism|ate|iti|ous|ive|ize)$"
)
_RE2_4 = re.compile(r"^(.+?)(s|t)(ion)$")
_RE_5 = re.compile(r"^(.+?)e$")
_RE_5_1 = re.compile(r"ll$")
_RE3_5 = re.compile("^" + _CS + _V + "[^aeiouwxy]$")


def _porter_stem(w: str) -> str:
    """Stem one word as lunr.js 2.3.9's `porterStemmer` does, over UTF-16 code units."""
    # JS `$` never matches before a trailing newline; tokens hold no newlines, so `$` is safe.
    if len(w) < 3:
        return w
    firstch = w[0]
    if firstch == "y":
        w = "Y" + w[1:]
    if (m := _RE_1A.match(w)) or (m := _RE2_1A.match(w)):
        w = m.group(1) + m.group(2)
    if m := _RE_1B.match(w):
        if _MGR0.search(m.group(1)):
            w = w[:-1]
    elif m := _RE2_1B.match(w):
        stem = m.group(1)
        if _S_V.search(stem):
            w = stem
            if _RE2_1B_2.search(w):
                w += "e"
            elif _RE3_1B_2.search(w):
                w = w[:-1]
            elif _RE4_1B_2.search(w):
                w += "e"
    if m := _RE_1C.match(w):
        w = m.group(1) + "i"
    if (m := _RE_2.match(w)) and _MGR0.search(m.group(1)):
        w = m.group(1) + _STEP2[m.group(2)]
    if (m := _RE_3.match(w)) and _MGR0.search(m.group(1)):
        w = m.group(1) + _STEP3[m.group(2)]
    if m := _RE_4.match(w):
        if _MGR1.search(m.group(1)):
            w = m.group(1)
    elif m := _RE2_4.match(w):
        stem = m.group(1) + m.group(2)
        if _MGR1.search(stem):
            w = stem
    if m := _RE_5.match(w):
        stem = m.group(1)
        if _MGR1.search(stem) or (_MEQ1.search(stem) and not _RE3_5.search(stem)):
            w = stem
    if _RE_5_1.search(w) and _MGR1.search(w):
        w = w[:-1]
    if firstch == "y":
        w = "y" + w[1:]
    return w


def _to_code_units(word: str) -> str:
    """Return word with each non-BMP character as its two UTF-16 surrogates, as JS sees it."""
    data = word.encode("utf-16-be", "surrogatepass")
    return "".join(chr(int.from_bytes(data[i : i + 2], "big")) for i in range(0, len(data), 2))


def _from_code_units(units: str) -> str:
    """Rejoin surrogate pairs; a lone surrogate (JS could leave one) stays as it is."""
    try:
        return units.encode("utf-16-be", "surrogatepass").decode("utf-16-be")
    except UnicodeDecodeError:
        return units


def stem(word: str) -> str:
    """Return the lunr.js stem of a folded word."""
    if word.isascii() or all(ord(ch) < 0x10000 for ch in word):
        return _porter_stem(word)
    return _from_code_units(_porter_stem(_to_code_units(word)))


@cache
def reduce_term(word: str) -> str | None:
    """Return the index term for a folded word, or None for a stop word."""
    if word in STOP_WORDS:
        return None
    return stem(word) or None


def _pipeline_term(token: Any, i: int, tokens: list[Any]) -> Any:
    term = reduce_term(token.string)
    if term is None:
        return None
    token.string = term
    return token


Pipeline.register_function(_pipeline_term, PIPELINE_FUNCTION)


def js_sort_key(term: str) -> bytes:
    """Order strings as JavaScript does (UTF-16 code units), not by code point."""
    return term.encode("utf-16-be", "surrogatepass")


# --- index ---------------------------------------------------------------------------------


FieldCounts = dict[str, Counter[str]]
"""A document's index terms per field, with their counts in first-seen order."""
TermCache = dict[SearchDoc, tuple[tuple[tuple[str, ...], tuple[int, ...]], ...]]
"""Index terms of documents seen before, compactly: per field (terms, counts). A rebuild after
one edit reduces the words of one document only."""


class _Builder(Builder):  # type: ignore[misc]
    """lunr.py's Builder, with `add` doing what the stock one does for pre-tokenized fields.

    The stock `add` deep-copies token metadata and runs the pipeline per token, which takes
    ~10 s for 10,000 papers; with no metadata whitelisted and the pipeline function memoized
    per distinct word, the same postings, frequencies and lengths come out in a fraction of
    that. tests/test_search.py checks the serialized index equals the stock Builder's.
    """

    def add(self, doc: dict[str, Any], attributes: dict[str, Any] | None = None) -> None:
        counts = {
            name: Counter(term for term in map(reduce_term, doc[name]) if term is not None)
            for name in self._fields
        }
        self.add_counts(str(doc[self._ref]), counts, attributes)

    def add_counts(
        self, doc_ref: str, counts: FieldCounts, attributes: dict[str, Any] | None = None
    ) -> None:
        """Add a document given its index terms per field (what `add` reduces its tokens to).

        Only the vocabulary is kept in `inverted_index` here (in first-seen order, as lunr
        numbers its terms); which documents each term is in is filled in by `build`.
        """
        self._documents[doc_ref] = attributes or {}
        self.document_count += 1
        inverted = self.inverted_index
        for field_name in self._fields:
            field_counts = counts[field_name]
            field_ref = f"{field_name}/{doc_ref}"
            self.field_term_frequencies[field_ref] = field_counts
            self.field_lengths[field_ref] = sum(field_counts.values())
            new = set(field_counts).difference(inverted)
            if new:
                for term in [term for term in field_counts if term in new]:
                    inverted[term] = {name: {} for name in self._fields}
                    inverted[term]["_index"] = self.term_index
                    self.term_index += 1

    def build(self) -> Any:
        """Fill in each term's documents, then build the lunr index as the stock Builder does."""
        for field_ref, field_counts in self.field_term_frequencies.items():
            field_name, doc_ref = field_ref.split("/", 1)
            for term in field_counts:
                self.inverted_index[term][field_name][doc_ref] = {}
        return super().build()


def _fields_of(doc: SearchDoc) -> dict[str, list[str]]:
    return {
        "title": tokenize(doc.title),
        "tags": tokenize(" ".join(doc.tags + doc.tag_ids)),
        "abstract": tokenize(doc.abstract),
    }


def _field_counts(doc: SearchDoc) -> FieldCounts:
    return {
        name: Counter(term for term in map(reduce_term, tokens) if term is not None)
        for name, tokens in _fields_of(doc).items()
    }


def build_lunr_builder(
    docs: Sequence[SearchDoc], *, stock: bool = False, cache: TermCache | None = None
) -> Builder:
    """Return a lunr.py Builder with every doc added (ref = position), ready to build().

    With `stock`, use lunr.py's own (slow) `Builder.add`, for tests. A `cache` keeps each
    document's index terms for the next call: only new or edited documents are reduced again.
    """
    builder = Builder() if stock else _Builder()
    builder.pipeline.add(_pipeline_term)
    builder.search_pipeline.add(_pipeline_term)
    builder.ref("id")
    for name, boost in FIELDS:
        builder.field(name, boost=boost)
    if stock:
        for position, doc in enumerate(docs):
            builder.add({"id": str(position), **_fields_of(doc)})
        return builder
    known = cache if cache is not None else {}
    fresh: TermCache = {}
    names = [name for name, _ in FIELDS]
    for position, doc in enumerate(docs):
        kept = known.get(doc)
        if kept is None:
            counts = _field_counts(doc)
            kept = tuple((tuple(counts[name]), tuple(counts[name].values())) for name in names)
        else:
            counts = {
                name: Counter(dict(zip(terms, numbers, strict=True)))
                for name, (terms, numbers) in zip(names, kept, strict=True)
            }
        fresh[doc] = kept
        builder.add_counts(str(position), counts)
    if cache is not None:
        cache.clear()
        cache.update(fresh)
    return builder


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if number == 0:
            return out


_BASE36 = tuple(_base36(number) for number in range(36 * 36))


def _encode_field(
    frequencies: dict[str, dict[str, int]], name: str, count: int, terms: list[str]
) -> str:
    """Encode one field's postings: per term, base-36 doc gaps (`gap.tf` when tf > 1), comma-joined;
    terms `;`-joined in `terms` order."""
    number_of = {term: number for number, term in enumerate(terms)}
    term_numbers: list[int] = []
    tfs: list[int] = []
    lengths: list[int] = []
    for position in range(count):
        counts = frequencies[f"{name}/{position}"]
        term_numbers.extend(map(number_of.__getitem__, counts))
        tfs.extend(counts.values())
        lengths.append(len(counts))
    if not term_numbers:
        return ";" * (len(terms) - 1)
    # Postings grouped by term, docs ascending within a term; each doc as the gap to the last.
    by_term = np.argsort(np.asarray(term_numbers, dtype=np.int64), kind="stable")
    term = np.asarray(term_numbers, dtype=np.int64)[by_term]
    doc = np.repeat(np.arange(count, dtype=np.int64), lengths)[by_term]
    first = np.ones(len(term), dtype=bool)
    first[1:] = term[1:] != term[:-1]
    gap = doc - np.where(first, -1, np.roll(doc, 1))
    texts = [
        (_base36_short(g) if f == 1 else f"{_base36_short(g)}.{_base36_short(f)}")
        for g, f in zip(gap.tolist(), np.asarray(tfs)[by_term].tolist(), strict=True)
    ]
    bounds = np.searchsorted(term, np.arange(len(terms) + 1)).tolist()
    return ";".join(
        ",".join(texts[bounds[number] : bounds[number + 1]]) for number in range(len(terms))
    )


def _base36_short(number: int) -> str:
    return _BASE36[number] if number < 1296 else _base36(number)


def build_index_data(docs: Sequence[SearchDoc], cache: TermCache | None = None) -> dict[str, Any]:
    """Return the compact index: terms in JS order, per field a `;`-joined posting list per term."""
    # The postings are lunr.py's; its field vectors are not shipped (the browser recomputes
    # them), so the builder's build() step is skipped. Tests check both against lunr.py/js.
    builder = build_lunr_builder(docs, cache=cache)
    terms = sorted(builder.inverted_index, key=js_sort_key)
    field_names = [name for name, _ in FIELDS]
    frequencies = builder.field_term_frequencies
    encoded = [_encode_field(frequencies, name, len(docs), terms) for name in field_names]
    return {
        "version": FORMAT_VERSION,
        "documentCount": len(docs),
        "fields": field_names,
        "boosts": [boost for _, boost in FIELDS],
        "b": builder._b,
        "k1": builder._k1,
        "pipeline": [PIPELINE_FUNCTION],
        "terms": " ".join(terms),
        "postings": encoded,
    }


def _excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """Return the start of text, cut at a word boundary near `limit` characters."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit].rstrip(" ,;:") + "\u2026"


def build_docs_data(docs: Sequence[SearchDoc]) -> dict[str, Any]:
    """Return what results show: tag table, then per doc url, title, title HTML, date, tags, excerpt.

    The title HTML is left out (0) when it is just the escaped title.
    """
    tag_labels: dict[str, str] = {}
    for doc in docs:
        for tag_id, label in zip(doc.tag_ids, doc.tags, strict=True):
            tag_labels.setdefault(tag_id, label)
    tag_ids = sorted(tag_labels)
    tag_number = {tag_id: number for number, tag_id in enumerate(tag_ids)}
    rows = []
    for doc in docs:
        plain = doc.title_html == html.escape(doc.title, quote=False)
        rows.append(
            [
                doc.url,
                doc.title,
                0 if plain else doc.title_html,
                doc.date,
                [tag_number[tag_id] for tag_id in doc.tag_ids],
                _excerpt(doc.abstract),
            ]
        )
    return {
        "version": FORMAT_VERSION,
        "tags": [[tag_id, tag_labels[tag_id]] for tag_id in tag_ids],
        "docs": rows,
    }


def _script(name: str, data: dict[str, Any]) -> bytes:
    """Wrap JSON as a classic script (loads from file:// too, where fetch cannot)."""
    prefix = "(self.siteSearchData=self.siteSearchData||{})." + name + "="
    payload = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    try:
        payload.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (from the JS stemmer's view of a word)
        payload = json.dumps(data, sort_keys=True, separators=(",", ":"))
    # `<`, `>` and `&` as escapes: the same strings, but no `</script>` or markup in the file.
    payload = payload.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return (prefix + payload + ";\n").encode("utf-8")


def build_search_files(
    docs: Sequence[SearchDoc], cache: TermCache | None = None
) -> dict[str, bytes]:
    """Return site-relative paths -> bytes of the search data. Same docs, same bytes.

    `cache` (see build_lunr_builder) spares reducing the words of documents seen before.
    """
    return {
        INDEX_PATH: _script("index", build_index_data(docs, cache)),
        DOCS_PATH: _script("docs", build_docs_data(docs)),
    }


def search_docs(
    papers: Sequence[Paper], paper_tags: Mapping[str, Sequence[str]], taxonomy: Sequence[Tag]
) -> list[SearchDoc]:
    """Return the search documents of the papers, in the site's order (newest listing first)."""
    labels = {tag.id: tag.label for tag in taxonomy}
    docs = []
    for paper in sorted(papers, key=paper_order):
        tag_ids = tuple(tag for tag in paper_tags[paper.id] if tag in labels)
        dates = paper.dates
        docs.append(
            SearchDoc(
                url=f"papers/{paper.slug}/",
                title=to_plain_text(paper.title),
                title_html=to_html(paper.title),
                tags=tuple(labels[tag] for tag in tag_ids),
                tag_ids=tag_ids,
                date=dates[-1] if dates else "",
                abstract=to_plain_text(paper.abstract),
            )
        )
    return docs
