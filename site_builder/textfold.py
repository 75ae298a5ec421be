"""Text folding for matching: one primitive, `fold`, and the keys built on it.

`fold` compatibility-decomposes text, drops the combining marks and lowercases it, so
`Schrödinger`, `SCHRÖDINGER` and `Schro\u0308dinger` all read `schrodinger`. The keys below
serve one purpose each; the one for names transliterates instead (see `ascii_key`).
"""

from __future__ import annotations

import re
import string
import unicodedata

from anyascii import anyascii

_NOT_KEY_RE = re.compile(r"[^a-z0-9]+")
_NON_ASCII_RE = re.compile(r"[^\x00-\x7f]+")


def fold(text: str) -> str:
    """Return text lowercased, compatibility-decomposed, without combining marks (\\p{M}).

    The search tokenizer's fold (search/terms.py), mirrored in the browser by
    `static/js/lunr-pipeline.js`: `toLowerCase`, `NFKD`, no `\\p{M}`, `toLowerCase`. Lowercase
    again at the end: NFKD turns e.g. U+1D53C (double-struck E) into a capital.
    """
    decomposed = unicodedata.normalize("NFKD", text.lower())
    if decomposed.isascii():
        return decomposed.lower()
    return _NON_ASCII_RE.sub(_drop_marks, decomposed).lower()


def _drop_marks(run: re.Match[str]) -> str:
    """Return a run of non-ASCII characters without its combining marks."""
    return "".join(ch for ch in run.group(0) if unicodedata.category(ch)[0] != "M")


def ascii_fold(text: str) -> str:
    """Return text folded to lowercase ASCII: `Schrödinger` -> `schrodinger`.

    For matching words in automatic tags (tags.py) and related papers (related.py), which take
    their own kind of word from it. Case is fully folded (`ß` -> `ss`); characters without an
    ASCII form (`ø`, Greek, `–`) are dropped, joining their neighbours.
    """
    return fold(text).casefold().encode("ascii", "ignore").decode("ascii")


ASCII_WORD_CHARS = string.digits + string.ascii_lowercase
"""The characters of a folded ASCII word: what tags, related papers and search split on."""


def ascii_splitter(word_chars: str) -> dict[int, str]:
    """Return a `str.translate` table that turns every ASCII character not in word_chars into a
    space: `text.translate(table).split()` is `re.findall(f"[{word_chars}]+", text)` for ASCII
    text, several times faster."""
    return str.maketrans({chr(code): " " for code in range(128) if chr(code) not in word_chars})


def title_key(text: str) -> str:
    """Return a comparison key of plain text: folded, only its letters and digits, any script.

    For titles (`latex.fold`, which first turns LaTeX into plain text): papers whose titles
    differ only in case, accents, punctuation or spacing share a key. Text without any letter
    or digit (`🚀 🚀`) is keyed on its non-space characters, so it still names something.
    """
    folded = fold(text).casefold()
    if folded.isascii():  # the common case, at once: an ASCII letter or digit is [a-z0-9] here
        return _NOT_KEY_RE.sub("", folded) or "".join(folded.split())
    return "".join(ch for ch in folded if ch.isalnum()) or "".join(folded.split())


def ascii_key(text: str) -> str:
    """Return text transliterated to ASCII, lowercased, only letters and digits.

    For author names (authors.py) and BibTeX keys (bibtex.py): `Jürgen` -> `jurgen`, `Le Cun`
    -> `lecun`, and other scripts transliterated (`Łukasz` -> `lukasz`, `张伟` -> `zhangwei`)
    where `ascii_fold` would drop what does not decompose to ASCII.
    """
    return _NOT_KEY_RE.sub("", anyascii(text).casefold())
