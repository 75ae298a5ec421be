"""Text folding: the primitive and the keys built on it, input and expected side by side."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from site_builder.textfold import ascii_fold, ascii_key, ascii_splitter, fold, title_key

FOLD_CASES = {
    "accents and case": ("Schrödinger ÉCOLE", "schrodinger ecole"),
    "decomposed accent": ("Schro\u0308dinger", "schrodinger"),
    "compatibility forms": ("Ａｔｔｅｎｔｉｏｎ ﬁne x²", "attention fine x2"),
    "capital from decomposition": ("𝔼[X] ℝ", "e[x] r"),
    "other scripts kept": ("Ελληνικά ø", "ελληνικα ø"),
    "ascii untouched but lowercased": ("GPT-4 & C++", "gpt-4 & c++"),
}


@pytest.mark.parametrize(("text", "expected"), FOLD_CASES.values(), ids=FOLD_CASES.keys())
def test_fold(text: str, expected: str) -> None:
    assert fold(text) == expected


ASCII_FOLD_CASES = {
    "ASCII punctuation kept": ("C++ and 3D-GAN, GPT-4", "c++ and 3d-gan, gpt-4"),
    "accents folded, sharp s expanded": ("Schrödinger Straße", "schrodinger strasse"),
    "math letters read as letters": ("𝐀ttention on ℝ^n", "attention on r^n"),
    "no ASCII form: dropped, neighbours joined": ("Kullback–Leibler Bjørn", "kullbackleibler bjrn"),
    "nothing but spaces left": ("Ελληνικά — ·", "  "),
}


@pytest.mark.parametrize(
    ("text", "expected"), ASCII_FOLD_CASES.values(), ids=ASCII_FOLD_CASES.keys()
)
def test_ascii_fold(text: str, expected: str) -> None:
    assert ascii_fold(text) == expected


TITLE_KEY_CASES = {
    "case, accents, punctuation, spacing": ("Schrödinger's  CAT: a Study", "schrodingerscatastudy"),
    "other scripts kept": ("Ελληνικά 2", "ελληνικα2"),
    "symbols only: kept without spaces": ("🚀 🚀", "🚀🚀"),
    "emoji presentation selector dropped": ("❤\ufe0f", "❤"),
}


@pytest.mark.parametrize(("text", "expected"), TITLE_KEY_CASES.values(), ids=TITLE_KEY_CASES.keys())
def test_title_key(text: str, expected: str) -> None:
    assert title_key(text) == expected


ASCII_KEY_CASES = {
    "accents": ("Jürgen", "jurgen"),
    "spacing and punctuation": ("Le Cun, O'Brien", "lecunobrien"),
    "letters without a decomposition": ("Łukasz Bjørn", "lukaszbjorn"),
    "other scripts transliterated": ("张伟", "zhangwei"),
}


@pytest.mark.parametrize(("text", "expected"), ASCII_KEY_CASES.values(), ids=ASCII_KEY_CASES.keys())
def test_ascii_key(text: str, expected: str) -> None:
    assert ascii_key(text) == expected


@given(
    st.text(alphabet=st.characters(codec="utf-8"))
    | st.text(alphabet=st.characters(max_codepoint=127))
)
def test_title_key_keeps_exactly_the_letters_and_digits(text: str) -> None:
    folded = fold(text).casefold()  # the definition, character by character, in any script
    kept = "".join(ch for ch in folded if ch.isalnum())
    assert title_key(text) == (kept or "".join(folded.split()))


WORD_CHARS = {
    "tags' words": "0123456789abcdefghijklmnopqrstuvwxyz+",
    "search's ASCII words": "0123456789abcdefghijklmnopqrstuvwxyz",
}


@pytest.mark.parametrize("word_chars", WORD_CHARS.values(), ids=WORD_CHARS.keys())
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=80))
def test_ascii_splitter_splits_as_the_pattern_finds(word_chars: str, text: str) -> None:
    table = ascii_splitter(word_chars)
    assert text.translate(table).split() == re.findall(f"[{re.escape(word_chars)}]+", text)
