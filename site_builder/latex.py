"""LaTeX in listing text: accents to Unicode, math kept, then rendered to MathML or plain text."""

from __future__ import annotations

import html
import re
import unicodedata
import xml.etree.ElementTree as ET
from functools import lru_cache

from latex2mathml.converter import convert as _latex_to_mathml
from pylatexenc.latex2text import LatexNodes2Text

# `$...$` (not `\$`), or `$$...$$`; math never spans an empty pair.
MATH_RE = re.compile(r"(?<!\\)(\$\$?)(?=\S)(.+?)(?<![\\\s])\1")
_URL_RE = re.compile(r"https?://[^\s<>\"'{}|\\^`]+", re.IGNORECASE)
# A brace group that starts with a macro, `{\em text}` or `{\L}`, or a bare macro with its argument.
_GROUP_RE = re.compile(r"\{\\[^{}]*\}")
_MACRO_RE = re.compile(
    r"\\(?:[a-zA-Z]+\*?(?:\s*\{[^{}]*\})?|[\"'`^~=.uvHckbdtr](?:\{[^{}]*\}|\s*[a-zA-Z])?|[%&#_$ ])"
)
_EMPHASIS_RE = re.compile(r"\{\\(?:em|it|itshape|emph)\s+([^{}]*)\}|\\(?:emph|textit)\{([^{}]*)\}")
_BOLD_RE = re.compile(r"\{\\bf\s+([^{}]*)\}|\\textbf\{([^{}]*)\}")
_FONT_RE = re.compile(
    r"\\(?:mathbb|mathcal|mathfrak|mathrm|mathbf|mathit|mathsf|mathtt|boldsymbol|text|textrm|"
    r"operatorname|mbox)\s*\{([^{}]*)\}"
)
_SPACE_RE = re.compile(r"\s+")
_TRAILING_WORD_RE = re.compile(r"[^\s]+$")
_LEADING_WORD_RE = re.compile(r"^[^\s]+")


@lru_cache(maxsize=1)
def _text_converter() -> LatexNodes2Text:
    return LatexNodes2Text(math_mode="text", strict_latex_spaces=True)


def _convert_fragment(fragment: str) -> str:
    """Turn one small LaTeX fragment (`\\"o`, `{\\L}`, `\\%`) into text; keep unknown macros' names."""
    text: str = _text_converter().latex_to_text(fragment)
    if not text.strip() and fragment.startswith("\\") and fragment[1:2].isalpha():
        return re.sub(r"[\\{}]", "", fragment)
    return text


def _convert_text(text: str, markdown: bool) -> str:
    """Convert LaTeX markup in text that holds no math and no URL."""
    if "\\" not in text:
        return text
    if markdown:
        text = _EMPHASIS_RE.sub(lambda m: f"*{(m.group(1) or m.group(2)).strip()}*", text)
        text = _BOLD_RE.sub(lambda m: f"**{(m.group(1) or m.group(2)).strip()}**", text)
    text = _GROUP_RE.sub(lambda m: _convert_fragment(m.group(0)), text)
    return _MACRO_RE.sub(lambda m: _convert_fragment(m.group(0)), text)


@lru_cache(maxsize=1 << 16)
def split_math(text: str) -> tuple[tuple[bool, str], ...]:
    """Split text into (is_math, piece) runs; math pieces keep their `$` delimiters."""
    pieces: list[tuple[bool, str]] = []
    last = 0
    for match in MATH_RE.finditer(text):
        if match.start() > last:
            pieces.append((False, text[last : match.start()]))
        pieces.append((True, match.group(0)))
        last = match.end()
    if last < len(text):
        pieces.append((False, text[last:]))
    return tuple(pieces)


def normalise_text(text: str, *, markdown: bool = False) -> str:
    """Return listing text with LaTeX accents and escapes as Unicode, math and URLs untouched.

    With `markdown`, `{\\em x}` and `\\textbf{x}` become Markdown emphasis.
    """
    out: list[str] = []
    for is_math, piece in split_math(text):
        if is_math:
            out.append(piece)
            continue
        last = 0
        for url in _URL_RE.finditer(piece):
            out.append(_convert_text(piece[last : url.start()], markdown))
            out.append(url.group(0))
            last = url.end()
        out.append(_convert_text(piece[last:], markdown))
    return unicodedata.normalize("NFC", _SPACE_RE.sub(" ", "".join(out)).strip())


@lru_cache(maxsize=4096)
def math_to_text(latex: str) -> str:
    """Return readable plain text for one math expression (without its `$`)."""
    latex = _FONT_RE.sub(r"\1", latex)
    text: str = _text_converter().latex_to_text(latex)
    return _SPACE_RE.sub(" ", text).strip()


@lru_cache(maxsize=1 << 16)
def to_plain_text(text: str) -> str:
    """Return text with `$...$` math replaced by readable text: for titles, feeds, JSON, search."""
    parts = [
        math_to_text(piece.strip("$")) if is_math else piece for is_math, piece in split_math(text)
    ]
    return _SPACE_RE.sub(" ", "".join(parts)).strip()


@lru_cache(maxsize=1 << 15)
def ascii_fold(text: str) -> str:
    """Return plain text lowercased and without accents or other non-ASCII characters, for
    matching words (tags, related papers): `Schrödinger` -> `schrodinger`."""
    return unicodedata.normalize("NFKD", text.casefold()).encode("ascii", "ignore").decode("ascii")


_MATHML_NS = "http://www.w3.org/1998/Math/MathML"
MATHML_ELEMENTS = frozenset(  # also shipped to the browser (assets.py: js/mathml.js)
    "math mrow mi mn mo ms mtext mspace msub msup msubsup mfrac msqrt mroot mstyle merror mpadded "
    "mphantom mfenced menclose munder mover munderover mtable mtr mtd mlabeledtr semantics "
    "annotation mmultiscripts mprescripts none".split()
)
MATHML_ATTRIBUTES = frozenset(
    "display mathvariant stretchy fence separator lspace rspace minsize maxsize movablelimits "
    "accent accentunder linethickness columnalign rowalign columnspacing rowspacing width height "
    "depth open close separators notation form largeop symmetric scriptlevel displaystyle "
    "columnlines rowlines frame framespacing align equalrows equalcolumns encoding".split()
)
ET.register_namespace("", _MATHML_NS)


def _is_safe_mathml(root: ET.Element) -> bool:
    """Return whether every element and attribute is plain MathML presentation markup."""
    for element in root.iter():
        name = element.tag.removeprefix("{" + _MATHML_NS + "}")
        if name not in MATHML_ELEMENTS or any(
            attr not in MATHML_ATTRIBUTES for attr in element.attrib
        ):
            return False
    return True


@lru_cache(maxsize=4096)
def math_to_mathml(latex: str) -> str:
    """Return inline MathML for one expression, or escaped source in <code> if it does not parse.

    latex2mathml copies `\\text{...}` verbatim, so its output is parsed and kept only when it is
    pure MathML; serialising the parsed tree escapes every text node.
    """
    fallback = f'<code class="math-source">{html.escape(latex)}</code>'
    try:
        root = ET.fromstring(_latex_to_mathml(latex, display="inline"))
    except Exception:  # noqa: BLE001 -- latex2mathml raises many types on bad input; show the source.
        return fallback
    if not _is_safe_mathml(root):
        return fallback
    return ET.tostring(root, encoding="unicode", short_empty_elements=False)


def to_html(text: str) -> str:
    """Return text as escaped HTML with `$...$` rendered as MathML (for titles).

    Math and the letters glued to it (`$f$-Divergence`) form one word: a line never breaks
    between them, as browsers otherwise may around a `<math>` element.
    """
    out: list[str] = []
    glued = False  # the last thing written is a math word still open for glued text
    for is_math, piece in split_math(text):
        if is_math:
            word = math_to_mathml(piece.strip("$"))
            head = _TRAILING_WORD_RE.search(out[-1]) if out and not glued else None
            if glued:
                out[-1] = out[-1].removesuffix("</span>") + word + "</span>"
            elif head and head.group(0):
                out[-1] = (
                    out[-1][: head.start()]
                    + f'<span class="math-word">{head.group(0)}{word}</span>'
                )
            else:
                out.append(f'<span class="math-word">{word}</span>')
            glued = True
            continue
        escaped = html.escape(piece, quote=False)
        tail = _LEADING_WORD_RE.match(escaped) if glued else None
        if tail and tail.group(0):
            out[-1] = out[-1].removesuffix("</span>") + tail.group(0) + "</span>"
            escaped = escaped[tail.end() :]
        glued = glued and not escaped
        if escaped:
            out.append(escaped)
    return "".join(out)


@lru_cache(maxsize=1 << 16)
def fold(text: str) -> str:
    """Return a comparison key: no LaTeX, math, accents, case, punctuation or spacing."""
    plain = to_plain_text(normalise_text(text))
    decomposed = unicodedata.normalize("NFKD", plain)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    key = "".join(ch for ch in stripped.casefold() if ch.isalnum())
    # A title of only symbols or emoji still names a paper: key it on its non-space characters.
    return key or "".join(stripped.casefold().split())
