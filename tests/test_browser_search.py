"""Search in real headless Chromium, against a small site that follows the page contract.

The fixture site holds the bundled papers (read by tests/test_search.py's quick reader) and
one hostile title; pages carry the header form, `data-root`, and load assets/js/search.js.
Swap `site` for the real built site once render/templates exist.
"""

from __future__ import annotations

import html
import re
import shutil
import statistics
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from test_search import HOSTILE, REPO, read_bundled_docs

from site_builder.search import SearchDoc, build_search_files

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HOSTILE_TITLE = HOSTILE[0].title


def _page(root: str, title: str, body: str) -> str:
    return f"""<!doctype html>
<html lang="en" data-root="{root}">
<head><meta charset="utf-8"><title>{html.escape(title)}</title>
<script src="{root}assets/js/search.js" defer></script></head>
<body>
<header><a href="{root}">Reading list</a>
<form class="site-search" role="search" action="{root}search/" method="get"><label for="site-search-q" class="visually-hidden">Search papers</label><input type="search" id="site-search-q" name="q" autocomplete="off" placeholder="Search papers"></form>
</header>
<main>{body}</main>
<p><input id="other-input" aria-label="Other input"></p>
</body></html>
"""


def write_site(target: Path, docs: list[SearchDoc]) -> None:
    """Write a minimal site following the page contract, with the real search assets."""
    for path, data in build_search_files(docs).items():
        (target / path).parent.mkdir(parents=True, exist_ok=True)
        (target / path).write_bytes(data)
    (target / "assets" / "vendor").mkdir(parents=True)
    shutil.copy(
        REPO / "node_modules" / "lunr" / "lunr.min.js", target / "assets" / "vendor" / "lunr.min.js"
    )
    shutil.copytree(REPO / "static" / "js", target / "assets" / "js")
    listing = "".join(f'<li><a href="{doc.url}">{doc.title_html}</a></li>' for doc in docs[:20])
    (target / "index.html").write_text(
        _page("", "Home", f"<h1>Papers</h1><ul>{listing}</ul>"), encoding="utf-8"
    )
    (target / "search").mkdir(exist_ok=True)
    search_body = (
        '<h1>Search</h1><p id="search-status"></p><div id="search-tags"></div>'
        '<div id="search-results" aria-live="polite"></div>'
    )
    (target / "search" / "index.html").write_text(
        _page("../", "Search", search_body), encoding="utf-8"
    )
    for doc in docs:
        page = target / doc.url / "index.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(_page("../../", doc.title, f"<h1>{doc.title_html}</h1>"), encoding="utf-8")


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not (REPO / "node_modules" / "lunr" / "lunr.min.js").exists():
        pytest.skip("node_modules/lunr is missing: run `npm ci`")
    target = tmp_path_factory.mktemp("site")
    write_site(target, read_bundled_docs() + list(HOSTILE))
    return target


@pytest.fixture(scope="module")
def base_url(site: Path) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    # Serve under a sub-path, as GitHub Pages project sites are.
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    thread.join()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.on(
        "dialog", lambda dialog: errors.append(f"dialog: {dialog.message}") or dialog.dismiss()
    )
    yield opened
    context.close()
    assert errors == []


def result_titles(page: Page) -> list[str]:
    titles: list[str] = page.locator("#search-results .search-result-link").all_text_contents()
    return titles


def search_page(page: Page, base_url: str, query: str) -> list[str]:
    from urllib.parse import urlencode

    page.goto(base_url + "search/?" + urlencode({"q": query}))
    page.wait_for_function(
        "document.querySelector('#search-status').textContent.match(/match|No papers/)"
    )
    return result_titles(page)


SCHRODINGER = "Light Schrödinger Bridge"
SUPERPOSITION = "The Superposition of Diffusion Models Using the Itô Density Estimator"
CFG = "CFG++: Manifold-constrained Classifier Free Guidance for Diffusion Models"
SEN = "Fast, Expressive SE(n) Equivariant Networks through Weight-Sharing in Position-Orientation Space"
F_DIVERGENCE = {
    "Aligning Language Models with Preferences through f-divergence Minimization",
    "One-step Diffusion Models with f-Divergence Distribution Matching",
}
MIXTURE = re.compile(r"(?i)\bmixture[- ]of[- ]experts?\b")
BLOCK = (
    "Let's Make Block Coordinate Descent Converge Faster: Faster Greedy Rules, Message-Passing, "
    "Active-Set Complexity, and Superlinear Convergence"
)

# (query, expected top result: a title, or a set of acceptable titles)
TOP_RESULTS: list[tuple[str, str | set[str] | re.Pattern[str]]] = [
    # accents folded both ways
    ("schrodinger", SCHRODINGER),
    ("Schrödinger bridge", SCHRODINGER),
    ("SCHRÖDINGER", SCHRODINGER),
    ("poincare resnet", "Poincaré ResNet"),
    (
        "frechet covariance",
        "Fréchet Cumulative Covariance Net for Deep Nonlinear Sufficient Dimension Reduction with Random Objects",
    ),
    ("itô density", SUPERPOSITION),
    # prefixes while typing
    ("superpos", SUPERPOSITION),
    (
        "grassm",
        "Get the Best of Both Worlds: Improving Accuracy and Transferability by Grassmann Class Representation",
    ),
    (
        "hypercompl",
        "PHNNs: Lightweight Neural Networks via Parameterized Hypercomplex Convolutions",
    ),
    # one typo on longer words
    ("difusion superposition", SUPERPOSITION),
    (
        "grasmann class",
        "Get the Best of Both Worlds: Improving Accuracy and Transferability by Grassmann Class Representation",
    ),
    ("schrödiger brigde", SCHRODINGER),
    # acronyms and symbols
    ("CFG++", CFG),
    ("SE(n)", SEN),
    ("M-FAC", "M-FAC: Efficient Matrix-Free Approximations of Second-Order Information"),
    ("N:M sparsity", "Progressive Gradient Flow for Robust N:M Sparsity Training in Transformers"),
    (
        "USCD",
        "USCD: Improving Code Generation of LLMs by Uncertainty-Aware Selective Contrastive Decoding",
    ),
    ("MoE", re.compile(r"(?i)\bmixture[- ]of[- ]experts?\b|MoE")),
    # hyphenated and spaced forms meet
    ("f-divergence", F_DIVERGENCE),
    ("f divergence", F_DIVERGENCE),
    ("mixture-of-experts", MIXTURE),
    ("mixture of experts", MIXTURE),
    # pasted titles and query syntax never throw
    (CFG, CFG),
    (BLOCK, BLOCK),
    ("superposition^ +diffusion~ -itô*:", SUPERPOSITION),
    # word order and stop words do not matter
    ("bridge schrodinger light", SCHRODINGER),
    ("the superposition of the diffusion models", SUPERPOSITION),
]


@pytest.mark.parametrize(
    ("query", "expected"), TOP_RESULTS, ids=[query for query, _ in TOP_RESULTS]
)
def test_top_result(
    page: Page, base_url: str, query: str, expected: str | set[str] | re.Pattern[str]
) -> None:
    titles = search_page(page, base_url, query)
    assert titles, f"no results for {query!r}"
    if isinstance(expected, str):
        assert titles[0] == expected
    elif isinstance(expected, re.Pattern):
        assert expected.search(titles[0]), titles[0]
    else:
        assert titles[0] in expected


@pytest.mark.parametrize("query", ["qzxv wplkj", "xyzzyplugh", "the of and", "🦓🦓"])
def test_nonsense_finds_nothing(page: Page, base_url: str, query: str) -> None:
    assert search_page(page, base_url, query) == []
    assert "No papers" in page.locator("#search-status").text_content()


def test_hostile_title_shows_as_text(page: Page, base_url: str) -> None:
    titles = search_page(page, base_url, "zebrafish émoji")
    assert titles == [HOSTILE_TITLE]
    results = page.locator("#search-results")
    assert results.locator("img, script").count() == 0
    assert "<script>alert(1)</script>" in results.locator(".search-result-link").text_content()


def test_math_title_renders_mathml_and_snippet_marks(page: Page, base_url: str) -> None:
    search_page(page, base_url, "USCD contrastive hallucinations")
    first = page.locator("#search-results .search-result").first
    assert first.locator("math").count() == 1
    assert first.locator(".search-result-link mark").all_text_contents() == ["Contrastive"]
    assert first.locator(".search-result-snippet mark").all_text_contents() == ["hallucinations"]


def test_dropdown_as_you_type_and_keyboard(page: Page, base_url: str) -> None:
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(base_url)
    page.wait_for_load_state("load")
    assert not any("search/index.js" in url for url in requests), "index must load lazily"
    page.locator("#other-input").focus()
    page.keyboard.type("/")
    assert page.evaluate("document.activeElement.id") == "other-input"
    page.locator("main h1").click()
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "site-search-q"
    page.keyboard.type("schrod", delay=30)
    panel = page.locator("#site-search-panel")
    panel.locator(".search-result").first.wait_for()
    assert panel.locator(".search-result-link").first.text_content() == SCHRODINGER
    assert page.url == base_url  # no page load
    page.keyboard.press("ArrowDown")
    assert (
        page.locator("#site-search-q").get_attribute("aria-activedescendant")
        == "site-search-option-0"
    )
    page.keyboard.press("Enter")
    page.wait_for_url("**/papers/**")
    assert page.locator("h1").text_content() == SCHRODINGER


def test_enter_goes_to_search_page_and_links_work_from_a_paper_page(
    page: Page, base_url: str
) -> None:
    page.goto(base_url + "search/?q=schrodinger")
    page.locator("#search-results .search-result-link").first.click()
    page.wait_for_url("**/papers/**")
    box = page.locator("#site-search-q")
    box.fill("superposition diffusion")
    box.press("Enter")
    page.wait_for_url("**/search/?q=*")
    assert parse_qs(urlsplit(page.url).query)["q"] == ["superposition diffusion"]
    page.locator("#search-results .search-result").first.wait_for()
    assert result_titles(page)[0] == SUPERPOSITION


def test_search_page_url_round_trip_tags_and_back(page: Page, base_url: str) -> None:
    page.goto(base_url + "search/")
    box = page.locator("#site-search-q")
    box.click()
    page.keyboard.type("diffusion", delay=20)
    page.wait_for_function("location.search === '?q=diffusion'")
    page.wait_for_function("document.querySelectorAll('#search-results .search-result').length > 5")
    all_count = int(page.locator("#search-status").text_content().split()[0])
    chip = page.locator('#search-tags button[data-tag="llm"]')
    chip_count = int(chip.locator(".search-tag-count").text_content())
    assert 0 < chip_count < all_count
    chip.click()
    page.wait_for_function("location.search === '?q=diffusion&tag=llm'")
    assert chip.get_attribute("aria-pressed") == "true"
    assert page.locator("#search-results .search-result").count() == chip_count
    assert all(
        "LLMs" in meta
        for meta in page.locator("#search-results .search-result-meta").all_text_contents()
    )
    page.go_back()
    page.wait_for_function("location.search === '?q=diffusion'")
    page.wait_for_function(
        f"document.querySelectorAll('#search-results .search-result').length === {min(all_count, 50)}"
    )
    page.go_forward()
    page.wait_for_function(
        f"document.querySelectorAll('#search-results .search-result').length === {chip_count}"
    )
    # A shared URL restores the same state in a fresh page.
    shared = page.url
    page.goto("about:blank")
    page.goto(shared)
    page.wait_for_function(
        f"document.querySelectorAll('#search-results .search-result').length === {chip_count}"
    )
    assert box.input_value() == "diffusion"
    # Keyboard: down twice, Enter opens the second result.
    page.goto(base_url + "search/?q=diffusion")
    page.locator("#search-results .search-result").nth(1).wait_for()
    second = result_titles(page)[1]
    box.focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url("**/papers/**")
    assert page.locator("h1").text_content() == second


def test_first_results_within_50_ms_of_a_keypress(page: Page, base_url: str) -> None:
    page.goto(base_url + "search/")
    box = page.locator("#site-search-q")
    box.focus()
    page.wait_for_function(
        "document.querySelector('form.site-search').dataset.searchState === 'ready'"
    )
    page.evaluate(
        """() => {
        window.latencies = []
        const box = document.getElementById('site-search-q')
        box.addEventListener('keydown', () => { window.pressed = performance.now() }, true)
        new MutationObserver(() => {
          if (window.pressed) { window.latencies.push(performance.now() - window.pressed); window.pressed = 0 }
        }).observe(document.getElementById('search-results'), { childList: true, subtree: true })
    }"""
    )
    for query in ["diffusion", "mixture of experts", "schrodinger"]:
        box.fill("")
        page.wait_for_timeout(120)
        for char in query:
            page.keyboard.type(char)
            page.wait_for_timeout(110)
    latencies = page.evaluate("window.latencies")
    assert len(latencies) >= 25
    median = statistics.median(latencies)
    print(f"first results after a keypress: median {median:.1f} ms, max {max(latencies):.1f} ms")
    assert median < 50, latencies


def test_works_from_file_url(page: Page, site: Path) -> None:
    page.goto((site / "index.html").as_uri())
    box = page.locator("#site-search-q")
    box.click()
    page.keyboard.type("poincare", delay=20)
    panel = page.locator("#site-search-panel")
    panel.locator(".search-result").first.wait_for()
    assert "Poincaré" in panel.locator(".search-result-link").first.text_content()
    box.press("Enter")
    page.wait_for_url("**/search/index.html?q=poincare")
    page.locator("#search-results .search-result").first.wait_for()
    page.locator("#search-results .search-result-link").first.click()
    page.wait_for_url("**/papers/**/index.html")
    assert "Poincaré" in page.locator("h1").text_content()
