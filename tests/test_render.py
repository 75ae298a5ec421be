"""The Jinja2 environment pages are rendered with: its escaping is stock Jinja2's, byte for byte."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup, escape

from site_builder.render import escape_text, make_environment


class _Html:
    """An object that renders itself as HTML, as Markup and Jinja2's own objects do."""

    def __html__(self) -> str:
        return "<b>bold</b>"


TEMPLATES = {
    "outputs.html": (
        "{{ text }}|{{ number }}|{{ nothing }}|{{ markup }}|{{ html }}|{{ text | safe }}"
        "|{{ text ~ markup }}|{{ text | upper }}|{{ [text, number] }}|{{ 'a<b' }}"
    ),
    "blocks.html": (
        "{% set caught %}<i>{{ text }}</i>{% endset %}{{ caught }}|{{ caught | length }}"
        "{% macro item(x) %}<li>{{ x }}</li>{% endmacro %}|{{ item(text) }}|{{ item(markup) }}"
        "{% macro frame() %}<div>{{ caller() }}</div>{% endmacro %}"
        "|{% call frame() %}{{ text }}{% endcall %}"
        "|{% filter upper %}{{ text }}<br>{% endfilter %}"
        "|{% autoescape false %}{{ text }}{% endautoescape %}"
        "|{% for x in [text, markup] %}{{ loop.index }}{{ x }}{% endfor %}"
        '|{% include "outputs.html" %}'
    ),
    "base.html": "<title>{% block title %}{{ text }}{% endblock %}</title>{% block main %}{% endblock %}",
    "child.html": (
        '{% extends "base.html" %}{% set mine = text ~ "!" %}'
        "{% block main %}{{ mine }}{{ super() }}{% endblock %}"
    ),
}


def _environments(tmp_path: Path) -> tuple[jinja2.Environment, jinja2.Environment]:
    """Ours, over templates in tmp_path, and stock Jinja2 with the same options."""
    for name, text in TEMPLATES.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    ours = make_environment(tmp_path)
    stock = ours.overlay()  # the same options and filters, nothing compiled yet
    stock.template_class = jinja2.Template
    assert type(ours.get_template("outputs.html")) is not jinja2.Template  # the fast escaping is on
    return ours, stock


HOSTILE = [
    "",
    "plain",
    "a & b < c > d \"e\" 'f'",
    "&amp; already",
    "<script>alert('x')</script>",
    "Schrödinger $\\alpha<\\beta$",
]


@pytest.mark.parametrize("text", HOSTILE)
@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_pages_render_as_stock_jinja2_would(tmp_path: Path, template: str, text: str) -> None:
    ours, stock = _environments(tmp_path)
    values = {
        "text": text,
        "number": 42,
        "nothing": None,
        "markup": Markup("<em>m</em>"),
        "html": _Html(),
    }
    expected = stock.get_template(template).render(**values)
    assert ours.get_template(template).render(**values) == expected
    assert "&lt;" in expected or "<" not in text  # the outputs were escaped at all


def test_an_undefined_name_is_still_an_error(tmp_path: Path) -> None:
    ours, _ = _environments(tmp_path)
    with pytest.raises(jinja2.UndefinedError):
        ours.from_string("{{ missing }}").render()
    with pytest.raises(jinja2.UndefinedError):
        ours.from_string("{{ page.missing }}").render(page=object())


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.integers(), st.floats(allow_nan=False), st.none()))
def test_escape_text_is_markupsafe_escape_as_text(value: object) -> None:
    assert escape_text(value) == str(escape(value))
    assert escape_text(Markup(str(value))) == str(escape(Markup(str(value))))
