"""normalise_text's shortcuts take the same result as the slow paths they skip."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from site_builder import latex
from site_builder.latex import normalise_text


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=0x3100), max_size=30))
def test_spaces_are_collapsed_as_re_s_would(text: str) -> None:
    # normalise_text collapses spaces with str.split(): the same characters as re's \s.
    assert " ".join(text.split()) == re.sub(r"\s+", " ", text).strip()


def test_every_stuck_macro_name_holds_a_hint_that_lets_the_search_run() -> None:
    # A match of _STUCK_RE starts with one of _STUCK_NAMES (sizes only follow one).
    names = latex._STUCK_NAMES.replace("(?!a)", "").split("|")
    assert all(any(hint in name for hint in latex._STUCK_HINTS) for name in names)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["textbfLarge", "emph", "mathcalO", " ", "x", "\\url{a}", "\\", "$x$", "\u00a0", "\n"]
        ),
        max_size=8,
    ).map("".join)
)
def test_stuck_names_are_removed_with_or_without_the_hint_check(text: str) -> None:
    expected = latex._STUCK_RE.sub("", text)
    if "\\" not in expected and "$" not in text and "url" not in text:
        assert normalise_text(text) == " ".join(expected.split())
