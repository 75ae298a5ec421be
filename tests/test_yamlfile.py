"""YAML: dump_yaml writes exactly what PyYAML writes; parse errors keep file:line."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from site_builder.errors import SiteError
from site_builder.yamlfile import dump_yaml, parse_yaml_mapping


def library_dump(data: Any) -> str:
    """Return data as PyYAML writes it with dump_yaml's settings (what pages have always held)."""
    text: str = yaml.dump(
        data,
        Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper),
        sort_keys=False,
        allow_unicode=True,
        width=10_000,
        default_flow_style=False,
    )
    return text


TRICKY = [
    "",
    " ",
    "a",
    "-",
    "- a",
    "-a",
    "--- a",
    "...",
    "... a",
    "?",
    "? a",
    "?a",
    ":",
    ":a",
    ": a",
    "a:",
    "a: b",
    "a:b",
    "a #b",
    "a#b",
    "#a",
    "a ",
    " a",
    "a  b",
    "'a'",
    "a'b",
    '"a"',
    'a"b',
    "a\\b",
    "a\tb",
    "a\nb",
    "a\r\nb",
    "a\u2028b",
    "a\u0085b",
    "a\u00a0b",
    "\u00a0a",
    "a\ufeffb",
    "a\U0001f600b",
    "a\x7fb",
    "a\x00b",
    "yes",
    "No",
    "ON",
    "off",
    "y",
    "n",
    "true",
    "False",
    "null",
    "Null",
    "~",
    "=",
    "<<",
    "1",
    "-1",
    "+1",
    "0x1f",
    "0o17",
    "017",
    "1_000",
    "1:30",
    "1.5",
    "1e5",
    "1.5e+5",
    ".inf",
    "-.Inf",
    ".nan",
    ".5",
    "2025-03-12",
    "2025-3-1",
    "2025-03-12 10:00:00",
    "2025-03-12T10:00:00Z",
    "2503.01234",
    "math/0612849",
    "10.1000/xyz",
    "https://github.com/a/b",
    "Schrödinger Bridges with $f$-Divergences",
    "3DGS-LM: An Adaptive Optimizer",
    "{\\em x}",
    "[a]",
    "a [b]",
    "a, b",
    "&a",
    "*a",
    "!a",
    "|a",
    ">a",
    "%a",
    "@a",
    "`a",
]
LONG = ["a" * 3999 + " b", "a" * 5000, ("word " * 2100).strip()]
"""Texts near and past the length dump_yaml writes itself (the emitter folds past its width)."""
_SPECIALS = " -?:,[]{}#&*!|>'\"%@`\\.~=+<0123456789\t\n\r\u0085\u00a0\u2028\u2029\ufeff\U0001f600\x7f\x00"
texts = st.one_of(
    st.sampled_from(TRICKY),
    st.text(alphabet=st.sampled_from(list(_SPECIALS) + ["a", "y", "n", "é"]), max_size=12),
    st.text(max_size=40),
    st.builds(
        lambda a, b, c: a + b + c,
        st.sampled_from(TRICKY),
        st.text(alphabet=st.sampled_from(list(_SPECIALS) + ["a", "Z"]), max_size=4),
        st.sampled_from(TRICKY),
    ),
)
scalars = st.one_of(
    texts,
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.dates(),
    st.datetimes(),
)
keys = st.one_of(st.sampled_from(["id", "title", "date", "line", "remove_tags"]), texts)
values = st.one_of(
    scalars,
    st.lists(scalars, max_size=3),
    st.lists(st.dictionaries(keys, scalars, max_size=3), max_size=3),
    st.dictionaries(keys, scalars, max_size=2),
)


@pytest.mark.parametrize("text", TRICKY + LONG)
def test_tricky_texts_are_dumped_as_pyyaml_dumps_them(text: str) -> None:
    for data in ({"title": text}, {"authors": [text, "B"]}, {"listings": [{"source": text}]}):
        assert dump_yaml(data) == library_dump(data)


@settings(max_examples=600, deadline=None)
@given(st.dictionaries(keys, values, max_size=5))
def test_dump_yaml_writes_what_pyyaml_writes(data: dict[str, Any]) -> None:
    assert dump_yaml(data) == library_dump(data)


@settings(max_examples=300, deadline=None)
@given(
    title=texts,
    authors=st.lists(texts, max_size=3),
    published=st.one_of(st.none(), st.dates()),
    listings=st.lists(
        st.fixed_dictionaries(
            {"date": st.one_of(st.none(), st.dates()), "source": texts, "line": st.integers(0)}
        ),
        max_size=3,
    ),
    urls=st.lists(texts, max_size=2),
)
def test_a_page_front_matter_is_written_as_pyyaml_writes_it(
    title: str,
    authors: list[str],
    published: dt.date | None,
    listings: list[dict[str, Any]],
    urls: list[str],
) -> None:
    data = {
        "id": title[:10],
        "title": title,
        "authors": authors,
        "published": published,
        "listings": listings,
        "code": urls,
        "links": [],
        "tags": [],
        "remove_tags": [],
        "status": "unread",
    }
    assert dump_yaml(data) == library_dump(data)


def test_dump_yaml_of_other_values_is_pyyaml_s() -> None:
    for data in ({}, [], "text", [1, {"a": [1]}], {1: "a"}, {"a": {"b": 1}}):
        assert dump_yaml(data) == library_dump(data)


def test_duplicate_keys_are_errors_with_their_lines() -> None:
    with pytest.raises(SiteError) as caught:
        parse_yaml_mapping("a: 1\nb:\n  c: 1\n  c: 2\na: 3\n", "p.md", 2)
    assert sorted(str(error) for error in caught.value.errors) == [
        "p.md:5: duplicate key `c` (first on line 4)",
        "p.md:6: duplicate key `a` (first on line 2)",
    ]


def test_a_value_its_type_rejects_is_an_error_at_its_line() -> None:
    with pytest.raises(SiteError, match=r"^p.md:3: YAML error: invalid value '2025-13-45'"):
        parse_yaml_mapping("a: 1\nb: 2025-13-45\n", "p.md", 2)


def library_load(text: str) -> Any:
    """Return what PyYAML's safe loader makes of a text."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


LOADED = [
    "a: 1\nb: -12\nc: 012\nd: 0x1f\ne: 1_000\nf: 1:30\ng: +3\nh: 0\ni: -0\n",
    "a: 2025-03-12\nb: 2025-3-1\nc: 2025-03-12 10:00:00\nd: !!timestamp '2025-03-12'\n",
    "a: yes\nb: No\nc: ~\nd:\ne: null\nf: !!bool 'on'\ng: 1.5\nh: .inf\n",
    "a: !!str 12\nb: '12'\nc: \"x\\ty\"\nd: |\n  text\ne: >\n  folded\n",
    "base: &b {x: 1}\nother:\n  <<: *b\n  y: 2\nlist: &l [1, 2]\nagain: *l\n",
    "a: [1, {b: 2025-03-12, c: [x, y]}]\n1: int key\nnull: n\n",
    "listings:\n- date: 2025-03-12\n  source: a.txt\n  line: 3\n- date: null\n  source: b\n  line: 0\n",
]


@pytest.mark.parametrize("text", LOADED)
def test_a_mapping_is_read_as_pyyaml_reads_it(text: str) -> None:
    expected = {str(key): value for key, value in library_load(text).items()}
    assert parse_yaml_mapping(text, "p.md").data == expected


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(keys, values, min_size=1, max_size=5))
def test_what_dump_yaml_writes_reads_back_as_pyyaml_reads_it(data: dict[str, Any]) -> None:
    text = dump_yaml(data)
    loaded = library_load(text)
    if isinstance(loaded, dict) and len(set(map(str, loaded))) == len(loaded):
        assert parse_yaml_mapping(text, "p.md").data == {str(k): v for k, v in loaded.items()}


def test_a_bad_date_is_an_error_at_its_line_in_a_list() -> None:
    with pytest.raises(SiteError, match=r"^p.md:4: YAML error: invalid value '2025-02-30'"):
        parse_yaml_mapping("a: 1\nl:\n- date: 2025-02-30\n", "p.md", 2)
