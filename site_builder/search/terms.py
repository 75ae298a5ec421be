"""Term reduction shared with `static/js/lunr-pipeline.js`: one tokenizer, one stemmer.

`tokenize` folds case and accents and splits on anything that is not a Unicode letter or
digit; the registered lunr pipeline function `siteBuilderTerm` drops lunr's stop words and
applies `stem`, a line-for-line port of lunr.js's Porter stemmer (lunr.py's stemmer differs
from it, e.g. on "surveys"). Terms are ordered as JavaScript orders strings.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from lunr.pipeline import Pipeline

from site_builder.textfold import ASCII_WORD_CHARS, ascii_splitter
from site_builder.textfold import fold as _fold

PIPELINE_FUNCTION = "siteBuilderTerm"

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


# --- term reduction (mirrored in static/js/lunr-pipeline.js) ------------------------------

_NOT_ASCII_WORD = ascii_splitter(ASCII_WORD_CHARS)
_WORD_RE = re.compile(r"[^\W_]+")
"""Runs of Unicode letters and digits: `str.isalnum`, which is categories L and N exactly
(tests/test_search.py checks every code point)."""


def tokenize(text: str) -> list[str]:
    """Split text into folded words: runs of Unicode letters and digits (JS `[\\p{L}\\p{N}]+`)."""
    folded = _fold(text)
    if folded.isascii():  # `fold` lowercased it: the words are runs of [a-z0-9]
        return folded.translate(_NOT_ASCII_WORD).split()
    return _WORD_RE.findall(folded)


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


def to_code_units(word: str) -> str:
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
    return _from_code_units(_porter_stem(to_code_units(word)))


@lru_cache(maxsize=1 << 18)  # bounded; 100,000 papers have about 200,000 distinct words
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


def register_pipeline_function() -> Any:
    """Return the lunr.py pipeline function `siteBuilderTerm` (registered on import)."""
    return _pipeline_term


def js_sort_key(term: str) -> bytes:
    """Order strings as JavaScript does (UTF-16 code units), not by code point."""
    return term.encode("utf-16-be", "surrogatepass")
