"""Search in real headless Chromium, against the real built site served from a sub-path.

The bundled reading list is built once and served from /reading-list/ (`site_server`); the
hostile-title check builds a scratch project (`scratch_site`). The tests look at what a reader
sees: result titles and links, the status line, the URL, where the focus is.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from conftest import REPO, SiteServer, build_project, copy_project, listing_dump, serving

pytestmark = pytest.mark.browser

HOSTILE_TITLE = '<script>alert(1)</script> "><img src=x onerror=alert(1)> Zebrafish 🦓 Émoji'
RESULTS = "#search-results .search-result"


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh page; fails the test on any script error or dialog (an alert means injection)."""
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


def result_titles(page: Any) -> list[str]:
    titles: list[str] = page.locator("#search-results .search-result-link").all_text_contents()
    return titles


def wait_for_status(page: Any) -> None:
    page.wait_for_function(
        "document.querySelector('#search-status').textContent.match(/match|No papers|\\d+ papers?\\b/)"
    )


def search_page(page: Any, site: SiteServer, query: str, tags: tuple[str, ...] = ()) -> list[str]:
    page.goto(site.url("search/?" + urlencode([("q", query), *(("tag", tag) for tag in tags)])))
    wait_for_status(page)
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
    ("diffus", re.compile(r"(?i)\bdiffus")),
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
    ("difusion", re.compile(r"(?i)\bdiffusion\b")),
    ("difusion superposition", SUPERPOSITION),
    (
        "grasmann class",
        "Get the Best of Both Worlds: Improving Accuracy and Transferability by Grassmann Class Representation",
    ),
    ("schrödiger brigde", SCHRODINGER),
    # a typo whose stem is short ("oline" -> "olin"), and one inside an ending the stemmer cuts
    ("oline adversarial", "Online Adversarial Attacks"),
    ("uifying framework", "Stochastic Interpolants: A Unifying Framework for Flows and Diffusions"),
    ("inverse renderng", "A Theory of Topological Derivatives for Inverse Rendering of Geometry"),
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
    page: Any, site_server: SiteServer, query: str, expected: str | set[str] | re.Pattern[str]
) -> None:
    titles = search_page(page, site_server, query)
    assert titles, f"no results for {query!r}"
    if isinstance(expected, str):
        assert titles[0] == expected
    elif isinstance(expected, re.Pattern):
        assert expected.search(titles[0]), titles[0]
    else:
        assert titles[0] in expected


def test_prefix_while_typing_finds_diffusion_papers(page: Any, site_server: SiteServer) -> None:
    titles = search_page(page, site_server, "diffus")
    assert len(titles) > 30 and sum("iffus" in title for title in titles) > 30


def test_long_result_lists_are_capped_and_say_so(page: Any, site_server: SiteServer) -> None:
    titles = search_page(page, site_server, "learn")
    assert len(titles) == 50  # the page lists 50 ...
    status = page.locator("#search-status").text_content()
    total = int(status.split()[0])
    assert total > 50 and f"showing 50 of {total}" in status  # ... and says how many matched


@pytest.mark.parametrize("query", ["qzxv wplkj", "xyzzyplugh", "the of and", "🦓🦓"])
def test_nonsense_finds_nothing(page: Any, site_server: SiteServer, query: str) -> None:
    assert search_page(page, site_server, query) == []
    assert "No papers" in page.locator("#search-status").text_content()


def test_hostile_title_shows_as_text(
    page: Any, scratch_site: Callable[[dict[str, str]], AbstractContextManager[SiteServer]]
) -> None:
    abstract = (
        "We study zebrafish embryos with naive cafe emoji and report what we find on several "
        "standard benchmarks, then explain earlier results."
    )
    other = (
        "A Plain Paper About Kernels",
        "We study kernels in depth and report what we find on benchmarks. " * 2,
    )
    with scratch_site({"2025-03-12.txt": listing_dump([(HOSTILE_TITLE, abstract), other])}) as site:
        titles = search_page(page, site, "zebrafish émoji")
        assert titles == [HOSTILE_TITLE]
        results = page.locator("#search-results")
        assert results.locator("img, script").count() == 0
        # And in the dropdown on the home page.
        page.goto(site.url())
        page.locator("#site-search-q").fill("zebrafish")
        panel = page.locator("#site-search-panel")
        panel.locator(".search-result").first.wait_for()
        assert panel.locator(".search-result-link").all_text_contents() == [HOSTILE_TITLE]
        assert panel.locator("img, script").count() == 0


def test_math_title_renders_mathml_and_snippet_marks(page: Any, site_server: SiteServer) -> None:
    search_page(page, site_server, "USCD contrastive")
    first = page.locator(RESULTS).first
    assert first.locator(".search-result-link").text_content().startswith("USCD")
    assert "Contrastive" in first.locator(".search-result-link mark").all_text_contents()


def test_tag_narrowing(page: Any, site_server: SiteServer) -> None:
    everything = search_page(page, site_server, "diffusion")
    total = int(page.locator("#search-status").text_content().split()[0])
    narrowed = search_page(page, site_server, "diffusion", ("llm",))
    count = int(page.locator("#search-status").text_content().split()[0])
    assert 0 < count < total and len(narrowed) == min(count, 50)
    metas = page.locator("#search-results .search-result-meta").all_text_contents()
    assert all("Language models" in meta for meta in metas)
    assert set(narrowed) != set(everything)
    # A tag alone lists its papers.
    only = search_page(page, site_server, "", ("moe",))
    metas = page.locator("#search-results .search-result-meta").all_text_contents()
    assert only and all("Mixture of experts" in meta for meta in metas)


def test_dropdown_as_you_type_and_keyboard(page: Any, site_server: SiteServer) -> None:
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(site_server.url())
    page.wait_for_load_state("load")
    assert not any("/search/" in url and url.endswith(".js") for url in requests), "search data must load lazily"
    # "/" typed into another field is just a character.
    page.evaluate(
        "() => { const i = document.createElement('input'); i.id = 'other-input';"
        " i.setAttribute('aria-label', 'Other'); document.querySelector('main').prepend(i) }"
    )
    page.locator("#other-input").focus()
    page.keyboard.type("/")
    assert page.evaluate("document.activeElement.id") == "other-input"
    page.locator("main h1, main h2").first.click()
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "site-search-q"
    page.keyboard.type("schrod", delay=30)
    panel = page.locator("#site-search-panel")
    panel.locator(".search-result").first.wait_for()
    assert panel.locator(".search-result-link").first.text_content() == SCHRODINGER
    assert page.url == site_server.url()  # no page load
    assert "paper" in page.locator("form.site-search [role=status]").text_content()
    # Down focuses the first result link, Up goes back to the box, Escape closes.
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.textContent") == SCHRODINGER
    page.keyboard.press("ArrowUp")
    assert page.evaluate("document.activeElement.id") == "site-search-q"
    page.keyboard.press("Escape")
    assert panel.is_hidden()
    page.keyboard.type("i")
    panel.locator(".search-result").first.wait_for()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url("**/papers/**")
    assert page.locator("h1").text_content().strip() == SCHRODINGER


def test_enter_goes_to_search_page_and_links_work_from_a_paper_page(
    page: Any, site_server: SiteServer
) -> None:
    page.goto(site_server.url("search/?q=schrodinger"))
    page.locator("#search-results .search-result-link").first.click()
    page.wait_for_url("**/papers/**")
    box = page.locator("#site-search-q")
    box.fill("superposition diffusion")
    box.press("Enter")
    page.wait_for_url("**/search/?q=*")
    assert parse_qs(urlsplit(page.url).query)["q"] == ["superposition diffusion"]
    page.locator(RESULTS).first.wait_for()
    assert result_titles(page)[0] == SUPERPOSITION


def test_search_page_loads_the_index_only_when_asked(page: Any, site_server: SiteServer) -> None:
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(site_server.url("search/"), wait_until="networkidle")
    assert not any("/search/" in url and url.endswith(".js") for url in requests)
    page.locator("#site-search-q").focus()
    page.wait_for_function(
        "document.querySelector('form.site-search').dataset.searchState === 'ready'"
    )
    assert [url.rsplit("/search/", 1)[1] for url in requests if "/search/" in url and url.endswith(".js")] == ["meta.js"]
    assert len(page.workers) == 1  # the data is loaded and queried off the main thread
    assert (
        page.evaluate("typeof self.lunr + ' ' + typeof self.siteSearchData")
        == "undefined undefined"
    )


def test_search_page_url_round_trip_tags_and_back(page: Any, site_server: SiteServer) -> None:
    page.goto(site_server.url("search/"))
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
    page.wait_for_function(
        f"document.querySelectorAll('#search-results .search-result').length === {min(chip_count, 50)}"
    )
    page.go_back()
    page.wait_for_function("location.search === '?q=diffusion'")
    page.wait_for_function(
        f"document.querySelectorAll('#search-results .search-result').length === {min(all_count, 50)}"
    )
    page.go_forward()
    page.wait_for_function(
        f"document.querySelectorAll('#search-results .search-result').length === {min(chip_count, 50)}"
    )
    # A shared URL restores the same state in a fresh page.
    shared = page.url
    page.goto("about:blank")
    page.goto(shared)
    page.wait_for_function(
        f"document.querySelectorAll('#search-results .search-result').length === {min(chip_count, 50)}"
    )
    assert box.input_value() == "diffusion"
    assert (
        page.locator('#search-tags button[data-tag="llm"]').get_attribute("aria-pressed") == "true"
    )
    # Keyboard: down twice, Enter opens the second result.
    page.goto(site_server.url("search/?q=diffusion"))
    page.locator(RESULTS).nth(1).wait_for()
    second = result_titles(page)[1]
    box.focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url("**/papers/**")
    assert page.locator("h1").text_content().strip() == second


def test_results_follow_each_keypress(page: Any, site_server: SiteServer) -> None:
    page.goto(site_server.url("search/"))
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
    # How fast is the machine's business (bench/): printed, not asserted.
    print(f"first results after a keypress: median {median:.1f} ms, max {max(latencies):.1f} ms")


def search_requests(page: Any) -> list[str]:
    """Record the search data files the page (or its worker) requests, as `w/d.js` etc."""
    found: list[str] = []

    def record(request: Any) -> None:
        if "/search/" in request.url and request.url.endswith(".js"):
            found.append(request.url.rsplit("/search/", 1)[1])

    page.context.on("request", record)
    return found


def test_a_query_fetches_only_its_shards(page: Any, site_server: SiteServer) -> None:
    requested = search_requests(page)
    all_files = {
        path.relative_to(site_server.out / "search").as_posix()
        for path in (site_server.out / "search").rglob("*.js")
    }
    page.goto(site_server.url())
    page.locator("#site-search-q").fill("schrodinger")  # one query (typing runs one per key)
    panel = page.locator("#site-search-panel")
    panel.locator(".search-result").first.wait_for()
    assert panel.locator(".search-result-link").first.text_content() == SCHRODINGER
    first = list(requested)
    # The meta file, the word list of "sc", the postings of the terms matched, the result blocks.
    assert first[0] == "meta.js" and "x/sc.js" in first
    assert {name.split("/")[0] for name in first} == {"meta.js", "x", "p", "d"}, first
    assert sum(name.startswith("x/") for name in first) == 1
    assert 1 <= sum(name.startswith("p/") for name in first) <= 3
    assert sum(name.startswith("d/") for name in first) <= 8
    assert len(first) == len(set(first)) and len(first) < len(all_files) / 10
    # A typo: the word lists of its first two letters, both ways, then the postings it matched.
    page.locator("#site-search-q").fill("grasmann")
    panel.get_by_text("Grassmann", exact=False).first.wait_for()
    typo = requested[len(first) :]
    assert {"w/g.js", "w/r.js", "s/g.js", "s/r.js"} <= set(typo), typo
    assert "meta.js" not in typo and "w/s.js" not in typo  # cached; other letters untouched
    assert "x/gr.js" in typo  # exact and prefix matches were looked for first
    assert all(name in all_files for name in requested)


def test_an_author_query_in_any_order_and_accents(page: Any, tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project", content=True)
    paper = project / "content" / "papers" / "light-schrodinger-bridge.md"
    text = paper.read_text(encoding="utf-8")
    paper.write_text(
        text.replace("\ncode:", "\nauthors:\n- Nikita Gushchin\n- Jürgen Schmidhuber\ncode:", 1),
        encoding="utf-8",
    )
    out = tmp_path / "site"
    with serving(out, lambda base_url: build_project(project, out, base_url)) as site:
        for query in ("schmidhuber jurgen", "Jürgen Schmidhuber", "gushchin", "SCHMIDHUBER"):
            assert search_page(page, site, query) == [SCHRODINGER], query


def test_works_from_file_url(page: Any, site_server: SiteServer) -> None:
    page.goto((site_server.out / "index.html").as_uri())
    box = page.locator("#site-search-q")
    box.click()
    page.keyboard.type("poincare resnet", delay=20)
    panel = page.locator("#site-search-panel")
    panel.locator(".search-result").first.wait_for()
    assert panel.locator(".search-result-link").first.text_content() == "Poincaré ResNet"
    box.press("Enter")
    page.wait_for_url("**/search/index.html?q=poincare+resnet")
    page.locator(RESULTS).first.wait_for()
    page.locator("#search-results .search-result-link").first.click()
    page.wait_for_url("**/papers/**/index.html")
    assert "Poincaré" in page.locator("h1").text_content()


def test_falls_back_to_the_page_when_the_worker_cannot_start(
    page: Any, site_server: SiteServer
) -> None:
    page.route("**/search-worker.js", lambda route: route.abort())
    titles = search_page(page, site_server, "schrodinger")
    assert titles[0] == SCHRODINGER
    # lunr loaded in the page: it searched there.
    assert page.evaluate("typeof self.lunr") == "function"


AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"


def serious_violations(page: Any) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes'][:3]]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_axe_open_dropdown_and_focused_result(page: Any, site_server: SiteServer) -> None:
    if not AXE.is_file():
        pytest.skip("axe-core missing: run `npm ci`")
    page.goto(site_server.url())
    page.locator("#site-search-q").fill("diffusion")
    page.locator("#site-search-panel .search-result").first.wait_for()
    page.keyboard.press("ArrowDown")
    assert serious_violations(page) == []
    search_page(page, site_server, "diffusion")
    page.locator("#site-search-q").focus()
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.className") == "search-result-link"
    assert serious_violations(page) == []
