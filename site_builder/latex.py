"""LaTeX in listing text: accents to Unicode, math kept, then rendered to MathML or plain text."""

from __future__ import annotations

import html
import logging
import re
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from latex2mathml.converter import convert as _latex_to_mathml
from pylatexenc.latex2text import LatexNodes2Text

from site_builder.textfold import title_key

log = logging.getLogger(__name__)

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
# Macros whose argument is a URL or verbatim text: handled before anything else touches the text.
_URL_MACRO_RE = re.compile(
    r"\\url\s*\{([^{}\s]*)\}"
    r"|\\href\s*\{([^{}\s]*)\}\s*\{((?:[^{}]|\{[^{}]*\})*)\}"
    r"|\\verb\*?([^\sa-zA-Z*])(.*?)\4"
)
# Deeper brace nesting than this is kept as written: the LaTeX parsers recurse per level.
_MAX_DEPTH = 40
_MAX_MACROS = 200
# Style and size macros that lost their backslash in a copy and stick to the next word
# (`textbfLarge Results`, `itshapeText`, `mathcalO`); none of these names starts an English
# word, except `emph` (emphasis) and the sizes (largest, LargeVis), which are only taken in a
# chain after another such name or, for `emph`, when not followed by `a`/`as`.
_STUCK_NAMES = (
    "textbf|textit|texttt|textsc|textrm|textsf|textup|textmd|textnormal|textsl|"
    "mathcal|mathbb|mathrm|mathbf|mathit|mathsf|mathtt|mathfrak|mathscr|boldsymbol|"
    "itshape|bfseries|scshape|mdseries|upshape|slshape|rmfamily|sffamily|ttfamily|"
    "footnotesize|scriptsize|normalsize|emph(?!a)"
)
_SIZE_NAMES = "Huge|huge|LARGE|Large|large|small|tiny"
_STUCK_RE = re.compile(
    rf"(?<![\\\w])(?:(?:{_STUCK_NAMES})(?:{_SIZE_NAMES}|{_STUCK_NAMES})*)(?=[^\W\d_]|\s|$)"
)
_STUCK_HINTS = ("text", "math", "bold", "shape", "series", "family", "size", "emph")
"""Every name in _STUCK_NAMES holds one of these: text without any has nothing for _STUCK_RE."""
_TRAILING_WORD_RE = re.compile(r"[^\s]+$")
_LEADING_WORD_RE = re.compile(r"^[^\s]+")


class _Converter(LatexNodes2Text):  # type: ignore[misc]  # pylatexenc is untyped
    """pylatexenc's converter, keeping a macro as written when its arguments are missing.

    pylatexenc fills `%s` templates (`\\frac` -> `%s/%s`) and, when the arguments are not
    there, logs its own warning and returns the bare template (`<%s>`).
    """

    def apply_simplify_repl(self, node: Any, simplify_repl: Any, what: str) -> Any:
        if isinstance(simplify_repl, str) and "%" in simplify_repl and len(simplify_repl) > 1:
            args = node.nodeargd.argnlist if node.nodeargd and node.nodeargd.argnlist else []
            values = tuple("x" for _ in args)
            try:
                simplify_repl % (
                    values
                    if "%s" in simplify_repl
                    else dict((str(1 + index), "x") for index in range(len(args))) | {"body": "x"}
                )
            except (TypeError, ValueError, KeyError):
                return node.latex_verbatim()
        return super().apply_simplify_repl(node, simplify_repl, what)

    def _input_node_simplify_repl(self, node: Any) -> str:
        """Keep `\\input{...}` and `\\include{...}` as written: text never names files to read."""
        verbatim: str = node.latex_verbatim()
        return verbatim


@lru_cache(maxsize=1)
def _text_converter() -> LatexNodes2Text:
    return _Converter(math_mode="text", strict_latex_spaces=True)


def _brace_depth(text: str) -> int:
    """Return the deepest brace nesting in text."""
    depth = deepest = 0
    for char in text:
        if char == "{":
            depth += 1
            deepest = max(deepest, depth)
        elif char == "}":
            depth = max(depth - 1, 0)
    return deepest


def _latex_to_text(latex: str) -> str:
    """Return pylatexenc's text for latex, or latex as written when it cannot read it."""
    if _brace_depth(latex) > _MAX_DEPTH or latex.count("\\") > _MAX_MACROS:
        log.debug("LaTeX kept as written (nested too deeply): %.60s", latex)
        return latex
    try:
        text: str = _text_converter().latex_to_text(latex)
    except Exception as exc:  # noqa: BLE001 -- pylatexenc raises many types on odd input.
        log.debug("LaTeX kept as written (%s: %s): %.60s", type(exc).__name__, exc, latex)
        return latex
    return text


@lru_cache(maxsize=4096)
def _convert_fragment(fragment: str) -> str:
    """Turn one small LaTeX fragment (`\\"o`, `{\\L}`, `\\%`) into text; keep unknown macros' names."""
    text = _latex_to_text(fragment)
    if not text.strip() and fragment.startswith("\\") and fragment[1:2].isalpha():
        return re.sub(r"[\\{}]", "", fragment)
    return text


def _url_macro_text(match: re.Match[str]) -> str:
    """Return `\\url{u}` as u, `\\href{u}{text}` as `text (u)`, `\\verb|x|` as x."""
    if match.group(1) is not None:
        return match.group(1)
    if match.group(2) is not None:
        url, label = match.group(2), match.group(3).strip()
        return url if not label or label == url else f"{label} ({url})"
    return match.group(5)


def _convert_text(text: str, markdown: bool) -> str:
    """Convert LaTeX markup in text that holds no math and no URL."""
    if any(hint in text for hint in _STUCK_HINTS):  # most text has none: skip the slow search
        text = _STUCK_RE.sub("", text)
    if "\\" not in text:
        return text
    if markdown:
        text = _EMPHASIS_RE.sub(lambda m: f"*{(m.group(1) or m.group(2)).strip()}*", text)
        text = _BOLD_RE.sub(lambda m: f"**{(m.group(1) or m.group(2)).strip()}**", text)
    text = _GROUP_RE.sub(lambda m: _convert_fragment(m.group(0)), text)
    return _MACRO_RE.sub(lambda m: _convert_fragment(m.group(0)), text)


def split_math(text: str) -> tuple[tuple[bool, str], ...]:
    """Split text into (is_math, piece) runs; math pieces keep their `$` delimiters."""
    if "$" not in text:  # most text: at once (MATH_RE's lookbehind makes it try every place)
        return ((False, text),) if text else ()
    return _math_runs(text)


MATH_CACHE = 1 << 12
"""Texts with math whose conversions are kept: text without math is converted in one pass and
kept by nobody, so these caches never hold a large list's abstracts."""


@lru_cache(maxsize=MATH_CACHE)
def _math_runs(text: str) -> tuple[tuple[bool, str], ...]:
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


def squash_spaces(text: str) -> str:
    """Return text with each run of spaces as one space and none at the ends (str.split() takes
    the characters re's \\s does: Py_UNICODE_ISSPACE)."""
    return " ".join(text.split())


def normalise_text(text: str, *, markdown: bool = False) -> str:
    """Return listing text with LaTeX accents and escapes as Unicode, math and URLs untouched.

    With `markdown`, `{\\em x}` and `\\textbf{x}` become Markdown emphasis.
    """
    out: list[str] = []
    for is_math, piece in split_math(text):
        if is_math:
            out.append(piece)
            continue
        if "\\" in piece:  # every URL macro starts with one
            piece = _URL_MACRO_RE.sub(_url_macro_text, piece)
        last = 0
        for url in _URL_RE.finditer(piece):
            out.append(_convert_text(piece[last : url.start()], markdown))
            out.append(url.group(0))
            last = url.end()
        out.append(_convert_text(piece[last:], markdown))
    return unicodedata.normalize("NFC", squash_spaces("".join(out)))


@lru_cache(maxsize=4096)
def math_to_text(latex: str) -> str:
    """Return readable plain text for one math expression (without its `$`)."""
    latex = _FONT_RE.sub(r"\1", latex)
    return squash_spaces(_latex_to_text(latex))


def to_plain_text(text: str) -> str:
    """Return text with `$...$` math replaced by readable text: for titles, feeds, JSON, search."""
    if "$" not in text:
        return squash_spaces(text)
    return _plain_with_math(text)


@lru_cache(maxsize=MATH_CACHE)
def _plain_with_math(text: str) -> str:
    parts = [
        math_to_text(piece.strip("$")) if is_math else piece for is_math, piece in split_math(text)
    ]
    return squash_spaces("".join(parts))


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
def math_to_mathml(latex: str, display: bool = False) -> str:
    """Return MathML for one expression (inline, or block with `display`), or escaped source in
    <code> if it does not parse.

    latex2mathml copies `\\text{...}` verbatim, so its output is parsed and kept only when it is
    pure MathML; serialising the parsed tree escapes every text node.
    """
    fallback = f'<code class="math-source">{html.escape(latex)}</code>'
    if _brace_depth(latex) > _MAX_DEPTH:
        return fallback
    try:
        root = ET.fromstring(_latex_to_mathml(latex, display="block" if display else "inline"))
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
    return title_key(to_plain_text(normalise_text(text)))


# A line ending in a word and a hyphen (`state-of-`, `multi-`), not a dash (`--`, ` - `).
_LINE_END_HYPHEN_RE = re.compile(r"(?<![-\s])(?<=\w)-$")
_LAST_WORD_RE = re.compile(r"[\w-]+-$")
_FIRST_WORD_RE = re.compile(r"^[\w-]+")
# Word endings that never stand alone: a line starting with one continues a word split in two.
_WORD_ENDINGS = frozenset(
    "tion tions sion sions ing ings ment ments ness ity ities ly ally ed es ble bility bilities "
    "ance ances ence ences ive ous ize ized izes izing ization izations ist ists ism isms er ers "
    "est al ally ful less ship ships ture tures".split()
)


def _keeps_hyphen(head: str, tail: str, text: str) -> bool:
    """Decide whether `head-` at a line end and `tail` on the next line keep their hyphen.

    arXiv and listing pages wrap at spaces and after real hyphens (Python's textwrap does the
    same), never inside a word, so a hyphen is kept unless the text says otherwise: the joined
    word appears elsewhere without the hyphen and never with it, or the next line starts with
    a bare word ending (`generaliza-` + `tion`).
    """
    stem = head.rstrip("-").rsplit("-", 1)[-1]
    first = tail.split("-", 1)[0]
    hyphenated = re.compile(rf"(?<!\w){re.escape(stem)}-{re.escape(first)}(?!\w)", re.IGNORECASE)
    joined = re.compile(rf"(?<!\w){re.escape(stem + first)}(?!\w)", re.IGNORECASE)
    if hyphenated.search(text):
        return True
    if joined.search(text):
        return False
    lower = stem.isalpha() and stem.islower() and first.isalpha() and first.islower()
    return not (lower and first in _WORD_ENDINGS)


def join_wrapped_lines(lines: Sequence[str]) -> str:
    """Join the hard-wrapped lines of one title or abstract into one line of text.

    Lines are stripped and joined with a space; blank lines are dropped. A line ending in
    `word-` joins the next line without a space, keeping the hyphen when it is a real one
    (`state-of-` + `the-art` -> `state-of-the-art`, `vision-` + `language`) and dropping it
    when the next line finishes a split word (`generaliza-` + `tion`) or when the text spells
    the joined word elsewhere (`multi-` + `modal` -> `multimodal` if `multimodal` occurs).
    The result still holds its LaTeX: pass it to normalise_text.
    """
    parts = [" ".join(line.split()) for line in lines]
    parts = [part for part in parts if part]
    if not parts:
        return ""
    whole = " ".join(parts)
    out = parts[0]
    for part in parts[1:]:
        head = _LAST_WORD_RE.search(out) if _LINE_END_HYPHEN_RE.search(out) else None
        tail = _FIRST_WORD_RE.match(part)
        if head is None or tail is None:
            out = f"{out} {part}"
        elif _keeps_hyphen(head.group(0), tail.group(0), whole):
            out = out + part
        else:
            out = out[:-1] + part
    return out
