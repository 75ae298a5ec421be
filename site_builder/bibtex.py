"""Papers -> BibTeX: citation keys unique across the site, entries with LaTeX-safe fields.

Keys are `lastname2025firstword`: the first author's family name, the year and the first word
of the title that is not a stop word, folded to ASCII lowercase letters and digits
(`firstword2025` for a paper without authors). Papers that would share a key all get a suffix,
`-a`, `-b`, ... in the order of their paper ids, so every build of the same papers gives the
same keys. Non-ASCII letters are kept as UTF-8 (biblatex with biber reads them as they are, and
so does BibTeX with `\\usepackage[utf8]{inputenc}`); only the characters LaTeX treats as syntax
are escaped. `$...$` math in a title stays math. Words with capitals after their first letter
(`BERT`, `GPT-4`, `LoRA`) are put in braces, so styles that lowercase titles keep them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from urllib.parse import quote

from site_builder.authors import parse_name
from site_builder.latex import split_math
from site_builder.models import Paper
from site_builder.textfold import ascii_key

STOP_WORDS = frozenset(
    "a an the on of in for to and with towards toward is are do does can via from by at as "
    "how what when why we".split()
)
"""Words a key never takes as its title word."""
_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "%": r"\%",
    "&": r"\&",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "$": r"\$",
}
_UNBALANCED_ESCAPES = {**_ESCAPES, "{": r"\textbraceleft{}", "}": r"\textbraceright{}"}
_TEXT_SPECIAL_RE = re.compile(r"[\\{}%&#_~^$]")
_MATH_SPECIAL_RE = re.compile(r"(?<!\\)[%&#]")
_WORD_RE = re.compile(r"\S+")
_ESCAPED_RE = re.compile(r"\\(?:[a-zA-Z]+\{\}|.)")
# An ASCII word with a letter before a capital; escapes such as `\{` hold no letter before one.
_INNER_CAPITAL_RE = re.compile(r"(?<!\S)(?=[^\sA-Za-z]*[A-Za-z]\S*?[A-Z])\S+")
_AND_RE = re.compile(r"\band\b", re.IGNORECASE)
_PROCEEDINGS_RE = re.compile(
    r"proceedings|conference|workshop|symposium|\b(?:neurips|nips|icml|iclr|cvpr|iccv|eccv|acl|"
    r"emnlp|naacl|coling|aaai|ijcai|kdd|sigir|aistats|uai|corl|interspeech|icassp|wacv|bmvc)\b",
    re.IGNORECASE,
)
_URL_UNSAFE_RE = re.compile(r"[{}\\\s]")


def paper_year(paper: Paper) -> str:
    """Return the year of a paper: published, else first listed, else from a new-style arXiv id."""
    if paper.published:
        return paper.published[:4]
    if paper.dates:
        return paper.dates[0][:4]
    arxiv = paper.arxiv or ""
    digits = arxiv.rsplit("/", 1)[-1][:2]
    if len(digits) == 2 and digits.isdigit():
        return ("19" if int(digits) >= 91 else "20") + digits
    return ""


def base_key(paper: Paper, title_text: str) -> str:
    """Return the citation key of a paper before deduplication (`title_text`: plain title)."""
    first = ""
    for word in map(ascii_key, title_text.split()):
        if word and not first:
            first = word  # the first word, if all are stop words
        if word and word not in STOP_WORDS:
            first = word
            break
    year = paper_year(paper)
    if paper.authors:
        family = ascii_key(parse_name(paper.authors[0])[1]) or ascii_key(paper.authors[0])
        return f"{family}{year}{first}" or "paper"
    return f"{first}{year}" or "paper"


def _suffix(index: int) -> str:
    """Return `a`, `b`, ... `z`, `aa`, `ab`, ... for 0, 1, ..."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters


def cite_keys(bases: Mapping[str, str]) -> dict[str, str]:
    """Return each paper's unique key from its base key, by paper id.

    Papers sharing a base key all get `-a`, `-b`, ... in paper-id order; base keys hold only
    letters and digits, so a suffixed key never equals another paper's base key.
    """
    groups: dict[str, list[str]] = {}
    for paper_id in sorted(bases):
        groups.setdefault(bases[paper_id], []).append(paper_id)
    keys = {}
    for base, ids in groups.items():
        if len(ids) == 1:
            keys[ids[0]] = base
        else:
            for index, paper_id in enumerate(ids):
                keys[paper_id] = f"{base}-{_suffix(index)}"
    return keys


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def escape_text(text: str) -> str:
    """Return text with LaTeX's special characters escaped; braces stay balanced for BibTeX.

    BibTeX counts `\\{` as a brace too, so an unbalanced one is written `\\textbraceleft{}`.
    """
    if not _TEXT_SPECIAL_RE.search(text):
        return text
    balanced = ("{" not in text and "}" not in text) or _balanced(text)
    table = _ESCAPES if balanced else _UNBALANCED_ESCAPES
    return _TEXT_SPECIAL_RE.sub(lambda m: table[m.group(0)], text)


def _protect_case(text: str) -> str:
    """Put words with a capital after their first letter in braces (`{BERT}`); `text` is escaped."""
    if text.isascii():
        return _INNER_CAPITAL_RE.sub(r"{\g<0>}", text)

    def protect(match: re.Match[str]) -> str:
        letters = [ch for ch in _ESCAPED_RE.sub("", match.group(0)) if ch.isalpha()]
        return f"{{{match.group(0)}}}" if any(ch.isupper() for ch in letters[1:]) else match.group(0)

    return _WORD_RE.sub(protect, text)


def escape_title(title: str) -> str:
    """Return a title for a BibTeX field: text escaped and case-protected, `$...$` math kept."""
    out = []
    for is_math, piece in split_math(title):
        if is_math and _balanced(piece):
            inner = piece.strip("$")
            out.append("$" + _MATH_SPECIAL_RE.sub(lambda m: "\\" + m.group(0), inner) + "$")
        else:
            out.append(_protect_case(escape_text(piece)))
    return "".join(out)


def escape_name(name: str) -> str:
    """Return an author name for the `author` field: escaped, braced when it holds "and"."""
    text = escape_text(" ".join(name.split()))
    return f"{{{text}}}" if _AND_RE.search(name) else text


def escape_url(url: str) -> str:
    """Return a URL with braces, backslashes and spaces percent-encoded (fields are verbatim)."""
    return _URL_UNSAFE_RE.sub(lambda m: quote(m.group(0), safe=""), url)


def _is_proceedings(venue: str) -> bool:
    return bool(_PROCEEDINGS_RE.search(venue))


def render_entry(paper: Paper, key: str, fallback_url: str) -> str:
    """Return the BibTeX entry of a paper.

    arXiv papers are `@article` with `eprint` and `archivePrefix`; papers with a DOI are
    `@article` (or `@inproceedings` when the venue is a conference) with `doi`; the others are
    `@misc` with `url` = `fallback_url` (the paper's page on the site, or a search link).
    """
    fields: list[tuple[str, str]] = []
    if paper.authors:
        fields.append(("author", " and ".join(escape_name(name) for name in paper.authors)))
    fields.append(("title", escape_title(paper.title)))
    venue = paper.venue or ""
    if paper.arxiv or paper.doi:
        kind = "inproceedings" if venue and _is_proceedings(venue) else "article"
        if venue:
            fields.append(("booktitle" if kind == "inproceedings" else "journal", escape_text(venue)))
        elif paper.arxiv:
            fields.append(("journal", escape_text(f"arXiv preprint arXiv:{paper.arxiv}")))
    else:
        kind = "misc"
        if venue:
            fields.append(("howpublished", escape_text(venue)))
    year = paper_year(paper)
    if year:
        fields.append(("year", year))
    if paper.arxiv:
        fields.append(("eprint", escape_url(paper.arxiv)))
        fields.append(("archivePrefix", "arXiv"))
    if paper.doi:
        fields.append(("doi", escape_url(paper.doi)))
    if paper.arxiv:
        url = f"https://arxiv.org/abs/{paper.arxiv}"
    elif paper.doi:
        url = f"https://doi.org/{paper.doi}"
    else:
        url = fallback_url
    fields.append(("url", escape_url(url)))
    body = "".join(f"  {name} = {{{value}}},\n" for name, value in fields)
    return f"@{kind}{{{key},\n{body}}}\n"


def render_bib(entries: Iterable[str]) -> bytes:
    """Return a .bib file of these entries, a blank line between them."""
    return "\n".join(entries).encode("utf-8")
