"""LaTeX in listing text: accents and escapes to Unicode, math kept, comparison keys."""

from __future__ import annotations

import pytest

from site_builder.latex import fold, normalise_text, split_math, to_html, to_plain_text

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
