"""Markdown (abstracts, notes) -> safe HTML: raw HTML off, links made clickable, math as MathML."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token
from mdit_py_plugins.dollarmath import dollarmath_plugin

from site_builder.latex import math_to_mathml

# A bare URL not already inside Markdown link syntax; sentence punctuation after it stays outside.
_BARE_URL_RE = re.compile(
    r"(?<![<\[`\w/])(?<!\]\()https?://[^\s<>\"'`]+[^\s<>\"'`.,;:!?)\]*_]", re.IGNORECASE
)


# What keeps one line of text from being a plain paragraph to markdown-it, apart from bare URLs
# (made links) and `_`, `<` checked in _plain_paragraph: a block start (heading, quote, list,
# rule, code, a link definition), control characters, escapes, code, emphasis with `*`, math,
# strikethrough, images, inline links, entities. A single `~` and `|`, `[`, `]`, `>`, `&`, `!`
# otherwise are text (a table needs two lines; a reference link a definition, which starts a
# paragraph).
_BLOCK_START_RE = re.compile(r"[\s#>\-+=0-9\[]")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
_INLINE_MARKUP_RE = re.compile(r"[\\`*$]|~~|!\[|\]\(|&#?[A-Za-z0-9]+;")
_INLINE_MARKUP_CHARS = ("\\", "`", "*", "$", "~", "!", "]", "&")
"""The characters _INLINE_MARKUP_RE starts with: most text has none, found sooner by `in`."""
_LOOSE_UNDERSCORE_RE = re.compile(r"(?<![^\W_])_|_(?![^\W_])")
"""A `_` not between two letters or digits: only such a one may open or close emphasis."""


def _render_math(content: str, options: Any) -> str:
    return math_to_mathml(content)


def _render_inline_math(self: Any, tokens: list[Token], index: int, options: Any, env: Any) -> str:
    """Render `$...$` and `$$...$$` inside a paragraph as inline math: a `<span>`, never a `<div>`
    (a `<div>` inside `<p>` is invalid HTML and splits the paragraph)."""
    return f'<span class="math inline">{math_to_mathml(tokens[index].content)}</span>'


def _render_display_math(self: Any, tokens: list[Token], index: int, options: Any, env: Any) -> str:
    """Render `$$...$$` that stands as its own paragraph as display math."""
    mathml = math_to_mathml(tokens[index].content, display=True)
    return f'<div class="math block">\n{mathml}\n</div>\n'


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.use(
        dollarmath_plugin,
        allow_space=False,
        allow_digits=False,
        double_inline=True,
        renderer=_render_math,
    )
    md.add_render_rule("math_inline_double", _render_inline_math)
    md.add_render_rule("math_block", _render_display_math)
    md.validateLink = _safe_link  # type: ignore[method-assign]  # markdown-it's documented hook
    return md


def _safe_link(url: str) -> bool:
    """Allow web, mail and relative links only (no javascript:, data:, vbscript:)."""
    scheme = url.strip().split(":", 1)[0].lower() if ":" in url.split("/", 1)[0] else ""
    return scheme in ("", "http", "https", "mailto")


def _autolink(text: str) -> str:
    """Wrap bare URLs as `<url>` autolinks (linkify-it costs ten times the rest of the render)."""
    return _BARE_URL_RE.sub(lambda match: f"<{match.group(0)}>", text) if "://" in text else text


def render_markdown(text: str) -> str:
    """Return Markdown as HTML; raw HTML in the text shows as text; bare URLs become links.

    Plain one-line text (most abstracts) gets the paragraph markdown-it would give it without
    running the parser: tests/test_markdown.py checks the two agree.
    """
    if not text.strip():
        return ""
    html = _plain_paragraph(text)
    if html is None:
        html = _markdown().render(_autolink(text))
    return html


def _plain_paragraph(text: str) -> str | None:
    """Return the paragraph markdown-it makes of one line of plain text with bare URLs (their
    links made as its autolinks are), or None for any other text."""
    if (
        _BLOCK_START_RE.match(text)
        or (not text.isprintable() and _CONTROL_RE.search(text))
        or (any(char in text for char in _INLINE_MARKUP_CHARS) and _INLINE_MARKUP_RE.search(text))
        or ("_" in text and _LOOSE_UNDERSCORE_RE.search(text))
        or ("<" in text and ">" in text.partition("<")[2])  # maybe an autolink
    ):
        return None
    line = text.strip()
    if "://" not in line:
        return f"<p>{escapeHtml(line)}</p>\n"
    md = _markdown()
    parts = []
    done = 0
    for match in _BARE_URL_RE.finditer(line):
        url = match.group(0)
        href = md.normalizeLink(url)
        if not md.validateLink(href):
            return None
        label = md.normalizeLinkText(url)
        parts += [escapeHtml(line[done : match.start()]), f'<a href="{escapeHtml(href)}">']
        parts += [escapeHtml(label), "</a>"]
        done = match.end()
    parts.append(escapeHtml(line[done:]))
    return f"<p>{''.join(parts)}</p>\n"


def excerpt(text: str, limit: int = 300) -> str:
    """Return the start of a Markdown text, cut at a word boundary, as Markdown."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit]
    # Never cut inside `$...$`: drop an unclosed math run at the end.
    if cut.count("$") % 2:
        cut = cut[: cut.rfind("$")]
    return cut[: cut.rfind(" ")].rstrip(" ,;:") + "…"


def render_inline_markdown(text: str) -> str:
    """Return Markdown rendered without the wrapping paragraph (for excerpts)."""
    html = render_markdown(text).strip()
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        return html[3:-4]
    return html
