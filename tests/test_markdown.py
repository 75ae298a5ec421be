"""Markdown rendering: the plain-paragraph shortcut gives exactly what markdown-it gives."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import copy_seeds, make_project

from site_builder.config import load_config
from site_builder.ingest import read_entries, source_paths
from site_builder.markdown import _autolink, _markdown, excerpt, render_markdown

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


def test_every_bundled_abstract_and_excerpt_renders_as_markdown_it_does(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    copy_seeds(project)
    config = load_config(project)
    entries, _ = read_entries(config, source_paths(config))
    assert len(entries) > 300
    for entry in entries:
        for text in (entry.abstract, excerpt(entry.abstract, 280), entry.title):
            assert render_markdown(text) == _reference(text), text
