"""Built sites: links to each paper, authors and author pages, Cite, BibTeX files, meta tags."""

from __future__ import annotations

import html.parser
import json
import os
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import bibtexparser
import jsonschema
import pytest
from conftest import REPO, make_site_project, run_cli, snapshot

from site_builder.build import BuildState, build_site
from site_builder.config import load_config

ATOM = "{http://www.w3.org/2005/Atom}"
HOSTILE = 'Breaking </script><script>alert(1)</script> & "quotes" {braces'
SIX = ["Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra", "Barbara Liskov", "Donald Knuth"]


def page(title: str, day: str, tags: list[str] | None = None, **fields: object) -> str:
    """Return a paper page with these front-matter fields."""
    front: dict[str, object] = {
        "title": title,
        "listings": [{"date": day, "source": "a.txt", "line": 1}],
        "tags": tags or [],
        **fields,
    }
    return "---\n" + json.dumps(front, ensure_ascii=False) + "\n---\n\nWe study things and report results on benchmarks.\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    papers = {
        "arxiv-paper": page(
            "Scaling Laws for Everything", "2025-03-12", ["llm"], authors=SIX, arxiv="2503.01234",
            published="2025-03-02",
        ),
        "doi-paper": page(
            "A Journal Paper", "2025-03-11", ["llm"], authors=["J. Schmidhuber", "Alan Turing"],
            doi="10.1000/xyz.1", venue="NeurIPS 2024",
        ),
        "unknown-paper": page("Papers Without Ids: a Study", "2025-03-10"),
        "hostile-paper": page(HOSTILE, "2025-03-09", authors=["Schmidhuber, Jürgen"], arxiv="2501.00001"),
        "accent-paper": page("Deep Learning in Neural Networks", "2025-03-08", authors=["Jürgen Schmidhuber"], id="aaaa000001"),
        "same-key-1": page("Deep Learning in Neural Networks", "2025-03-07", authors=["Jürgen Schmidhuber"], id="ffff000001"),
    }
    files = {f"content/papers/{slug}.md": text for slug, text in papers.items()}
    root = make_site_project(tmp_path, files)
    (root / "content" / "sources").mkdir(parents=True, exist_ok=True)
    return root


def built(project: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    code, _, err = run_cli(capsys, project, "build")
    assert code == 0, err
    return {path: data.decode("utf-8") for path, (data, _) in snapshot(project / "_site").items() if not path.startswith("assets/vendor")}


class _Head(html.parser.HTMLParser):
    """Collect meta tags, JSON-LD scripts and every URL a page loads by itself."""

    def __init__(self) -> None:
        super().__init__()
        self.meta: list[tuple[str, str]] = []
        self.json_ld: list[str] = []
        self.loads: list[str] = []
        self._in_json = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "meta" and "name" in values:
            self.meta.append((values["name"], values.get("content", "")))
        if tag == "script" and values.get("type") == "application/ld+json":
            self._in_json = True
            self.json_ld.append("")
        if tag in ("script", "img", "iframe") and "src" in values:
            self.loads.append(values["src"])
        if tag == "link" and values.get("rel") in ("stylesheet", "icon", "preload", "modulepreload"):
            self.loads.append(values["href"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_json = False

    def handle_data(self, data: str) -> None:
        if self._in_json:
            self.json_ld[-1] += data


def head_of(text: str) -> _Head:
    parser = _Head()
    parser.feed(text)
    return parser


def hrefs(text: str) -> list[str]:
    return [html.unescape(url) for url in re.findall(r'href="([^"]*)"', text)]


def test_links_to_the_paper_by_what_is_known(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = built(project, capsys)
    arxiv = hrefs(files["papers/arxiv-paper/index.html"])
    assert "https://arxiv.org/abs/2503.01234" in arxiv
    assert "https://arxiv.org/pdf/2503.01234" in arxiv
    assert "https://huggingface.co/papers/2503.01234" in arxiv
    assert not any("doi.org" in url or "search" in url and "scholar" in url for url in arxiv)
    doi = hrefs(files["papers/doi-paper/index.html"])
    assert "https://doi.org/10.1000/xyz.1" in doi
    assert not any("arxiv.org" in url or "semanticscholar" in url for url in doi)
    unknown = files["papers/unknown-paper/index.html"]
    phrase = "%22Papers+Without+Ids%3A+a+Study%22"
    assert f"https://arxiv.org/search/?query={phrase}&searchtype=title" in hrefs(unknown)
    assert f"https://www.semanticscholar.org/search?q={phrase}" in hrefs(unknown)
    assert f"https://scholar.google.com/scholar?q={phrase}" in hrefs(unknown)
    assert not any("arxiv.org/abs" in url or "doi.org" in url for url in hrefs(unknown))
    # Plain links only: nothing a page loads comes from another origin.
    for path, text in files.items():
        if path.endswith(".html"):
            assert all("://" not in url and not url.startswith("//") for url in head_of(text).loads), path


def test_authors_on_pages_cards_feeds_and_json(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = built(project, capsys)
    paper = files["papers/arxiv-paper/index.html"]
    shown, _, rest = paper.partition('<details class="more-authors">')
    assert all(name in shown for name in SIX[:3]) and not any(name in shown.split("<main")[1] for name in SIX[3:])
    assert '<summary><span class="when-closed">et al. (3 more)</span>' in rest
    assert all(name in rest.split("</details>")[0] for name in SIX)
    home = files["index.html"]
    assert 'Ada Lovelace, Alan Turing, Grace Hopper, <a href="papers/arxiv-paper/#authors">et al.<span class="visually-hidden"> (3 more authors)</span></a>' in home
    assert "J. Schmidhuber, Alan Turing</p>" in home
    # "Last, First" is shown in "First Last" order, so a list joined by commas stays readable.
    assert home.count('<p class="card-authors">Jürgen Schmidhuber</p>') == 3  # one was "Schmidhuber, Jürgen"
    assert "Schmidhuber, Jürgen" not in home
    feed = ET.fromstring(files["feed.xml"])
    entries = {e.findtext(f"{ATOM}title"): e for e in feed.iter(f"{ATOM}entry")}
    assert [a.findtext(f"{ATOM}name") for a in entries["Scaling Laws for Everything"].iter(f"{ATOM}author")] == SIX
    assert list(entries["Papers Without Ids: a Study"].iter(f"{ATOM}author")) == []
    tag_feed = ET.fromstring(files["tags/llm/feed.xml"])
    assert any(a.findtext(f"{ATOM}name") == "J. Schmidhuber" for a in tag_feed.iter(f"{ATOM}author"))
    records = {record["slug"]: record for record in json.loads(files["papers.json"])}
    assert records["arxiv-paper"]["authors"] == SIX
    assert (records["arxiv-paper"]["arxiv"], records["arxiv-paper"]["published"]) == ("2503.01234", "2025-03-02")
    assert (records["doi-paper"]["doi"], records["doi-paper"]["venue"]) == ("10.1000/xyz.1", "NeurIPS 2024")
    assert records["unknown-paper"]["authors"] == [] and records["unknown-paper"]["arxiv"] is None


def test_author_pages_merge_spellings(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = built(project, capsys)
    authors = sorted(path for path in files if path.startswith("authors/"))
    # Jürgen Schmidhuber (4 spellings, 4 papers) and Alan Turing (2 papers); one-paper authors get none.
    assert authors == ["authors/alan-turing/index.html", "authors/jurgen-schmidhuber/index.html"]
    page_text = files["authors/jurgen-schmidhuber/index.html"]
    assert "<h1>Jürgen Schmidhuber <span class=\"count\">4 papers</span></h1>" in page_text
    assert "Also written J. Schmidhuber; Schmidhuber, Jürgen." in page_text
    for slug in ("doi-paper", "hostile-paper", "accent-paper", "same-key-1"):
        assert f'href="../../papers/{slug}/"' in page_text
    assert 'href="../../authors/jurgen-schmidhuber/">J. Schmidhuber</a>' in files["papers/doi-paper/index.html"]
    assert 'href="../../authors/alan-turing/">Alan Turing</a>' in files["papers/arxiv-paper/index.html"]
    assert "<li>Ada Lovelace, </li>" in files["papers/arxiv-paper/index.html"]
    assert "authors/jurgen-schmidhuber/" in files["sitemap.xml"]


def test_bibtex_files_and_cite_control(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = built(project, capsys)
    library = bibtexparser.parse_string(files["papers.bib"])
    assert library.failed_blocks == []
    keys = [entry.key for entry in library.entries]
    assert keys == [
        "lovelace2025scaling", "schmidhuber2025journal", "papers2025", "schmidhuber2025breaking",
        "schmidhuber2025deep-a", "schmidhuber2025deep-b",
    ]
    types = {entry.key: entry.entry_type for entry in library.entries}
    assert (types["lovelace2025scaling"], types["schmidhuber2025journal"], types["papers2025"]) == ("article", "inproceedings", "misc")
    unknown = next(entry for entry in library.entries if entry.key == "papers2025")
    assert unknown.fields_dict["url"].value == "https://example.github.io/reading-list/papers/unknown-paper/"
    tag_bib = bibtexparser.parse_string(files["tags/llm/papers.bib"])
    assert [entry.key for entry in tag_bib.entries] == ["lovelace2025scaling", "schmidhuber2025journal"]
    assert files["tags/diffusion/papers.bib"] == ""
    assert 'href="../../tags/llm/papers.bib"' in files["tags/llm/index.html"]
    # The entry on each page is the one in papers.bib, under its unique key.
    for slug, key in (("accent-paper", "schmidhuber2025deep-a"), ("same-key-1", "schmidhuber2025deep-b")):
        text = files[f"papers/{slug}/index.html"]
        entry = html.unescape(re.search(r'<textarea class="cite-bibtex"[^>]*>(.*?)</textarea>', text, re.S).group(1))  # type: ignore[union-attr]
        assert entry.startswith(f"@misc{{{key},\n") and entry in files["papers.bib"]
        assert '<button type="button" class="cite-button" hidden>Cite' in text


JSON_LD_SCHEMA = {
    "type": "object",
    "required": ["@context", "@type", "name", "headline"],
    "properties": {
        "@context": {"const": "https://schema.org"},
        "@type": {"const": "ScholarlyArticle"},
        "name": {"type": "string", "minLength": 1},
        "headline": {"type": "string", "minLength": 1},
        "datePublished": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
        "url": {"type": "string", "pattern": "^https?://"},
        "author": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["@type", "name"],
                "properties": {"@type": {"const": "Person"}, "name": {"type": "string", "minLength": 1}},
                "additionalProperties": False,
            },
        },
        "identifier": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["@type", "propertyID", "value"],
                "properties": {"@type": {"const": "PropertyValue"}, "propertyID": {"enum": ["arXiv", "DOI"]}},
            },
        },
        "sameAs": {"type": "array", "items": {"type": "string", "pattern": "^https://"}},
        "isPartOf": {"type": "object", "required": ["@type", "name"]},
    },
    "additionalProperties": False,
}


def test_highwire_meta_and_json_ld(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "site.yml").write_text(
        (project / "site.yml").read_text(encoding="utf-8").replace(
            "base_url: https://example.github.io/reading-list/", "base_url: https://example.org/list/"
        ),
        encoding="utf-8",
    )
    files = built(project, capsys)
    head = head_of(files["papers/arxiv-paper/index.html"])
    assert [meta for meta in head.meta if meta[0].startswith("citation_")] == [
        ("citation_title", "Scaling Laws for Everything"),
        *(("citation_author", name) for name in SIX),
        ("citation_publication_date", "2025/03/02"),
        ("citation_date", "2025/03/02"),
        ("citation_arxiv_id", "2503.01234"),
        ("citation_pdf_url", "https://arxiv.org/pdf/2503.01234"),
    ]
    article = json.loads(head.json_ld[0])
    jsonschema.validate(article, JSON_LD_SCHEMA)
    assert article["author"] == [{"@type": "Person", "name": name} for name in SIX]
    assert article["identifier"] == [{"@type": "PropertyValue", "propertyID": "arXiv", "value": "2503.01234"}]
    assert article["sameAs"] == ["https://arxiv.org/abs/2503.01234"]
    assert article["url"] == "https://example.org/list/papers/arxiv-paper/"
    doi_head = head_of(files["papers/doi-paper/index.html"])
    assert ("citation_doi", "10.1000/xyz.1") in doi_head.meta
    assert ("citation_journal_title", "NeurIPS 2024") in doi_head.meta
    assert json.loads(doi_head.json_ld[0])["sameAs"] == ["https://doi.org/10.1000/xyz.1"]
    # A hostile title stays inside its script element and its meta attribute.
    hostile = files["papers/hostile-paper/index.html"]
    assert "<script>alert(1)" not in hostile
    hostile_head = head_of(hostile)
    assert len(hostile_head.json_ld) == 1
    data = json.loads(hostile_head.json_ld[0])
    jsonschema.validate(data, JSON_LD_SCHEMA)
    assert data["name"] == HOSTILE
    assert ("citation_title", HOSTILE) in hostile_head.meta
    for path, text in files.items():
        if path.startswith("papers/") and path.endswith("index.html"):
            for block in head_of(text).json_ld:
                jsonschema.validate(json.loads(block), JSON_LD_SCHEMA)


def test_rebuild_updates_author_links_and_keys(project: Path, tmp_path: Path) -> None:
    """A new paper by an author changes other papers' pages (author link, key suffix): a rebuild
    in a long-lived state writes exactly what a fresh build writes."""
    state = BuildState(start_method=None)
    build_site(load_config(project), state)
    assert 'href="../../authors/ada-lovelace/"' not in (project / "_site/papers/arxiv-paper/index.html").read_text("utf-8")
    new = project / "content/papers/lovelace-again.md"
    new.write_text(page("Scaling Laws for Everything", "2025-03-13", authors=["Lovelace, Ada"], id="ffff000002", published="2025-01-01"), encoding="utf-8")
    build_site(load_config(project), state, changed=[new])
    incremental = {path: data for path, (data, _) in snapshot(project / "_site").items()}
    fresh_out = tmp_path / "fresh"
    build_site(load_config(project, out_dir=fresh_out), BuildState(start_method=None))
    fresh = {path: data for path, (data, _) in snapshot(fresh_out).items()}
    assert incremental == fresh
    arxiv_page = incremental["papers/arxiv-paper/index.html"].decode()
    assert 'href="../../authors/ada-lovelace/">Ada Lovelace</a>' in arxiv_page
    assert "lovelace2025scaling-a" in arxiv_page


GOLDEN = REPO / "tests" / "golden" / "citations"
_NEW_BLOCKS = [
    re.compile(r'<meta name="citation_[a-z_]+" content="[^"]*">\n'),
    re.compile(r'<script type="application/ld\+json">.*?</script>\n'),
    re.compile(r'<div class="paper-access">\n.*?<script src="[./]*assets/js/cite\.js" defer></script>\n</div>\n', re.S),
    re.compile(r' *<li><a href="[./]*papers\.bib">All papers as BibTeX</a></li>\n'),
]


def without_new_blocks(text: str) -> str:
    """Return a page without the blocks this feature adds (meta tags, links and Cite, footer link)."""
    for pattern in _NEW_BLOCKS:
        text = pattern.sub("", text)
    return text


def test_bundled_papers_render_as_before(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Papers without authors or ids: the page is the one from before, plus only the new blocks.

    After a deliberate change to the paper page, regenerate with
    `UPDATE_GOLDEN=1 ./dev test tests/test_citations.py -k bundled`.
    """
    project = make_site_project(tmp_path)
    shutil.copytree(REPO / "content", project / "content", dirs_exist_ok=True)
    code, _, err = run_cli(capsys, project, "build")
    assert code == 0, err
    for golden in sorted(GOLDEN.glob("*.html")):
        built_page = (project / "_site" / "papers" / golden.stem / "index.html").read_text("utf-8")
        assert '<div class="paper-access">' in built_page and "citation_title" in built_page
        if os.environ.get("UPDATE_GOLDEN"):
            golden.write_text(without_new_blocks(built_page), encoding="utf-8")
        assert without_new_blocks(built_page) == golden.read_text("utf-8"), golden.name
