"""LaTeX in listing text: accents and escapes to Unicode, math kept, comparison keys."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from conftest import dump, long_abstract, make_project, run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from site_builder.latex import (
    fold,
    join_wrapped_lines,
    math_to_mathml,
    normalise_text,
    split_math,
    to_html,
    to_plain_text,
)
from site_builder.markdown import render_markdown
from site_builder.papers import find_urls

# (LaTeX as pasted, title text, abstract Markdown), side by side.
NORMALISE_CASES = {
    "umlaut": (r"Schr\"odinger Bridges", "Schrödinger Bridges", "Schrödinger Bridges"),
    "acute": (r"Poincar\'e Embeddings", "Poincaré Embeddings", "Poincaré Embeddings"),
    "braced umlaut": (r"\"{a}hnlich", "ähnlich", "ähnlich"),
    "accent inside a group": (r"G{\"o}del", "Gödel", "Gödel"),
    "L with stroke, empty braces": (r"\L{}ukasz", "Łukasz", "Łukasz"),
    "L with stroke in a group": (r"{\L}ukasz", "Łukasz", "Łukasz"),
    "Hungarian umlaut": (r"Erd\H{o}s", "Erdős", "Erdős"),
    "cedilla and caron": (r"Fran\c{c}ois \v{C}ech", "François Čech", "François Čech"),
    "sharp s, o slash, a ring": (r"Stra\ss{}e \o{} \aa", "Straße ø å", "Straße ø å"),
    "percent": (r"up to 95\% faster", "up to 95% faster", "up to 95% faster"),
    "ampersand and underscore": (r"R\&D on x\_1", "R&D on x_1", "R&D on x_1"),
    "escaped dollar is not math": (r"costs \$5 per run", "costs $5 per run", "costs $5 per run"),
    "em group": (r"a {\em very} good idea", "a very good idea", "a *very* good idea"),
    "emph and textbf": (
        r"\emph{fast} and \textbf{exact}",
        "fast and exact",
        "*fast* and **exact**",
    ),
    "inline math kept verbatim": (
        r"an $\mathcal{O}(n \log n)$ bound for $\ell_p$ norms",
        r"an $\mathcal{O}(n \log n)$ bound for $\ell_p$ norms",
        r"an $\mathcal{O}(n \log n)$ bound for $\ell_p$ norms",
    ),
    "display math kept verbatim": (
        r"where $$\sum_i x_i$$ holds",
        r"where $$\sum_i x_i$$ holds",
        r"where $$\sum_i x_i$$ holds",
    ),
    "accent next to math": (r"Schr\"odinger $\psi$", r"Schrödinger $\psi$", r"Schrödinger $\psi$"),
    "whitespace runs, tabs, newlines": ("  a \t b\n\n c  ", "a b c", "a b c"),
    "no LaTeX at all": ("Plain Title: A Study", "Plain Title: A Study", "Plain Title: A Study"),
    "URL untouched": (
        r"code at https://github.com/a/b_c~d. {\em Done}",
        "code at https://github.com/a/b_c~d. Done",
        "code at https://github.com/a/b_c~d. *Done*",
    ),
    "composed to NFC": ("Poincare\u0301", "Poincaré", "Poincaré"),
}


@pytest.mark.parametrize(
    ("latex", "title", "markdown"), NORMALISE_CASES.values(), ids=NORMALISE_CASES.keys()
)
def test_normalise_text(latex: str, title: str, markdown: str) -> None:
    assert normalise_text(latex) == title
    assert normalise_text(latex, markdown=True) == markdown


@pytest.mark.parametrize(
    ("text", "pieces"),
    [
        ("no math", [(False, "no math")]),
        ("", []),
        (r"no \(dollar\) sign", [(False, r"no \(dollar\) sign")]),
        ("$f$-Divergence", [(True, "$f$"), (False, "-Divergence")]),
        (
            "a $x$ and $$y$$ b",
            [(False, "a "), (True, "$x$"), (False, " and "), (True, "$$y$$"), (False, " b")],
        ),
        (r"costs \$5 and \$6", [(False, r"costs \$5 and \$6")]),
        ("between $5 and $6", [(False, "between $5 and $6")]),
    ],
)
def test_split_math(text: str, pieces: list[tuple[bool, str]]) -> None:
    assert list(split_math(text)) == pieces


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("$f$-Divergence Matching", "f-Divergence Matching"),
        (r"Sharper Bounds for $\ell_p$ Sampling", "Sharper Bounds for ℓ_p Sampling"),
        (r"$\mathcal{O}(n)$ Time", "O(n) Time"),
    ],
)
def test_to_plain_text(text: str, plain: str) -> None:
    assert to_plain_text(text) == plain


@pytest.mark.parametrize(
    ("one", "other"),
    [
        (
            "One-step Diffusion Models with $f$-Divergence Distribution Matching",
            "One-step Diffusion Models with f-Divergence Distribution Matching",
        ),
        (r"Schr\"odinger Bridges", "Schrödinger Bridges"),
        ("Schrödinger Bridges", "SCHRODINGER bridges"),
        (r"{\em Deep} Learning", "Deep Learning"),
        ("Attention: Is All You Need!", "Attention Is All You Need"),
        ("Low-Rank  Adapters", "Low Rank Adapters"),
        ("Poincare\u0301 Maps", "Poincaré Maps"),
    ],
)
def test_fold_equates_the_same_title(one: str, other: str) -> None:
    assert fold(one) == fold(other)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Deep Learning", "Deep Learning II"),
        ("$f$-Divergence", "$g$-Divergence"),
        ("🚀", "🔥"),
    ],
)
def test_fold_tells_different_titles_apart(one: str, other: str) -> None:
    assert fold(one) != fold(other)


def test_fold_of_a_title_without_letters_is_not_empty() -> None:
    assert fold("🚀 🚀") == "🚀🚀"


def test_math_and_glued_letters_wrap_as_one_word() -> None:
    html = to_html("Models with $f$-Divergence Matching")
    assert html.startswith('Models with <span class="math-word"><math')
    assert html.endswith("</math>-Divergence</span> Matching")
    assert to_html("a $x$ b").count('class="math-word"') == 1
    assert to_html("<b>$x$</b>").startswith('<span class="math-word">&lt;b&gt;<math')


# LaTeX that real arXiv abstracts hold: (as pasted, title text, abstract Markdown).
ARXIV_LATEX_CASES = {
    "url": (
        r"Code: \url{https://github.com/a/b}.",
        "Code: https://github.com/a/b.",
        "Code: https://github.com/a/b.",
    ),
    "href": (
        r"See \href{https://github.com/a/b}{here} now",
        "See here (https://github.com/a/b) now",
        "See here (https://github.com/a/b) now",
    ),
    "href with markup in its text": (
        r"\href{https://x.org/p}{\textbf{project}}",
        "project (https://x.org/p)",
        "**project** (https://x.org/p)",
    ),
    "href whose text is the URL": (
        r"\href{https://x.org/p}{https://x.org/p}",
        "https://x.org/p",
        "https://x.org/p",
    ),
    "verb": (r"set \verb|lr=1e-3| first", "set lr=1e-3 first", "set lr=1e-3 first"),
    "verb with another delimiter": (r"\verb+a_b+ x", "a_b x", "a_b x"),
    "unknown macro with an argument": (r"\foo{bar} baz", "bar baz", "bar baz"),
    "unknown bare macro": (
        r"the \methodname{} works",
        "the methodname works",
        "the methodname works",
    ),
    "frac outside math": (r"\frac a", r"\frac a", r"\frac a"),
    "textit and mathrm outside math": (r"\textit{a} \mathrm{d}x", "a dx", "*a* dx"),
    "style macro lost its backslash, glued to a size": (
        "textbfLarge Results matter",
        "Results matter",
        "Results matter",
    ),
    "style macro lost its backslash, glued to a word": (
        "an emphword and itshapeText and mathcalO",
        "an word and Text and O",
        "an word and Text and O",
    ),
    "English words that start like macros stay": (
        "emphasis on LargeVis, textbook, largest, mathematics",
        "emphasis on LargeVis, textbook, largest, mathematics",
        "emphasis on LargeVis, textbook, largest, mathematics",
    ),
    "math keeps its macros": ("$\\mathcalO$ textbf", "$\\mathcalO$", "$\\mathcalO$"),
}


@pytest.mark.parametrize(
    ("latex", "title", "markdown"), ARXIV_LATEX_CASES.values(), ids=ARXIV_LATEX_CASES.keys()
)
def test_arxiv_latex_gives_readable_text(latex: str, title: str, markdown: str) -> None:
    assert normalise_text(latex) == title
    assert normalise_text(latex, markdown=True) == markdown


@pytest.mark.parametrize(
    "abstract",
    [
        r"Code is at \url{https://github.com/a/b}.",
        r"Code is \href{https://github.com/a/b}{here}.",
        r"Code: \href{https://github.com/a/b}{https://github.com/a/b}",
    ],
)
def test_urls_in_url_and_href_are_found_like_bare_ones(abstract: str) -> None:
    assert find_urls(normalise_text(abstract, markdown=True)) == (("https://github.com/a/b",), ())


@pytest.mark.parametrize(
    ("latex", "plain"),
    [
        (r"$\sqrt$ roots", r"\sqrt roots"),
        (r"$\begin{array}$ tables", r"\begin{array} tables"),
        (r"$\frac$ halves", r"\frac halves"),
        ("$" + "{" * 300 + "x" + "}" * 300 + "$ deep", "{" * 300 + "x" + "}" * 300 + " deep"),
        ("$" + r"\frac{1}" * 300 + "$ fractions", r"\frac{1}" * 300 + " fractions"),
    ],
)
def test_math_that_cannot_be_read_is_kept_as_written(latex: str, plain: str) -> None:
    assert to_plain_text(latex) == plain
    assert fold(latex)
    assert render_markdown(latex).startswith("<p>")
    assert math_to_mathml("{" * 300 + "x" + "}" * 300).startswith('<code class="math-source">')


def test_deep_nesting_outside_math_is_kept_as_written() -> None:
    text = "{" * 400 + r"\frac" * 400 + "}" * 400
    assert normalise_text(text) == text
    assert fold(text)


def test_odd_latex_prints_nothing(
    caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.INFO)
    for latex in (
        r"\url{https://a.org/x}",
        r"\frac",
        r"\frac" * 50,
        r"\href{a}",
        r"$\sqrt$",
        r"\input",
        r"\input{x}",
    ):
        normalise_text(latex, markdown=True)
        to_plain_text(normalise_text(latex))
    assert [record for record in caplog.records if record.levelno >= logging.WARNING] == []
    assert capsys.readouterr() == ("", "")


def test_import_of_arxiv_latex_is_quiet_and_finds_the_urls(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    abstract = (
        long_abstract("sparse attention")
        + r" Code: \url{https://github.com/a/b}; see \href{https://a.org/p}{our page}, \verb|x|,"
        + r" $\sqrt$, $\begin{array}$, \frac and \newthing{y}."
    )
    project = make_project(
        tmp_path, {"content/sources/2025-03-12.txt": dump([("Sparse Attention", abstract)])}
    )
    assert run_cli(capsys, project, "import", "-q") == (0, "", "")
    page = (project / "content" / "papers" / "sparse-attention.md").read_text(encoding="utf-8")
    assert "code:\n- https://github.com/a/b\nlinks:\n- https://a.org/p\n" in page
    assert "Code: https://github.com/a/b; see our page (https://a.org/p), x," in page
    assert run_cli(capsys, project, "check", "-q") == (0, "", "")


# Random LaTeX-ish text: macros, braces, math delimiters, URLs, escapes, in any order.
_LATEXISH = st.lists(
    st.sampled_from(
        [
            "\\",
            "{",
            "}",
            "$",
            "$$",
            "\\url{",
            "\\href{",
            "\\verb|",
            "|",
            "\\frac",
            "\\sqrt",
            "\\begin{array}",
            "\\end{array}",
            "\\emph",
            "\\textbf",
            "\\'",
            '\\"',
            "\\L",
            "\\%",
            "\\\\",
            "_",
            "^",
            "&",
            "#",
            "%",
            "~",
            "https://github.com/a/b",
            "textbf",
            "Large",
            "emph",
            "mathcal",
            "x",
            "O",
            " ",
            "-",
            "\n",
            "\\mathrm{d}",
            "\\left(",
            "\\right)",
            "\\cite{a}",
            "\\newcommand",
            "\\input",
            "[",
            "]",
            "\\c",
            "\\v",
            "\\ ",
            "é",
            "\x00",
        ]
    )
    | st.text(max_size=3),
    max_size=40,
).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_LATEXISH)
def test_any_latexish_text_never_raises(text: str) -> None:
    for markdown in (False, True):
        normalised = normalise_text(text, markdown=markdown)
        assert isinstance(normalised, str)
        to_plain_text(normalised)
        to_html(normalised)
        render_markdown(normalised)
    fold(text)
    join_wrapped_lines(text.split("\n"))


WRAPPED_CASES = {
    "plain words": (["Scaling laws for", "  sparse models "], "Scaling laws for sparse models"),
    "blank and empty lines dropped": (["a", "", "   ", "b"], "a b"),
    "compound chain": (["state-of-", "the-art results"], "state-of-the-art results"),
    "hyphen after a compound word": (["vision-", "language models"], "vision-language models"),
    "prefix": (["multi-", "modal inputs"], "multi-modal inputs"),
    "joined form elsewhere drops it": (
        ["multi-", "modal inputs; multimodal models"],
        "multimodal inputs; multimodal models",
    ),
    "hyphenated form elsewhere keeps it": (
        ["multi-modal inputs and multi-", "modal models, multimodal"],
        "multi-modal inputs and multi-modal models, multimodal",
    ),
    "a word ending finishes a split word": (
        ["generaliza-", "tion bounds"],
        "generalization bounds",
    ),
    "a word ending in capitals is not one": (["GPT-", "4 and BERT-", "ED"], "GPT-4 and BERT-ED"),
    "dash is not a hyphen": (["results --", "and more", "x -", "y"], "results -- and more x - y"),
    "inside math too": (["a $x-", "y$ b"], "a $x-y$ b"),
    "CRLF leftovers": (["one\r", "two\r"], "one two"),
    "nothing": ([], ""),
}


@pytest.mark.parametrize(("lines", "joined"), WRAPPED_CASES.values(), ids=WRAPPED_CASES.keys())
def test_join_wrapped_lines(lines: list[str], joined: str) -> None:
    assert join_wrapped_lines(lines) == joined
