"""Accessibility and quality gates: axe-core in light and dark, keyboard focus, Lighthouse scores."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from conftest import CHROMIUM, CHROMIUM_ARGS, REPO, SiteServer

AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
LIGHTHOUSE = REPO / "node_modules" / "lighthouse" / "cli" / "index.js"
PAGES = {
    "home": "",
    "paper": "papers/masked-autoencoders-enable-efficient-knowledge-distillers/",
    "tag": "tags/diffusion/",
    "search": "search/?q=diffusion",
}
LIGHTHOUSE_PAGES = {**PAGES, "search": "search/"}
# Known misses: reported, not hidden. The Lighthouse test xfails while only these remain.
KNOWN: dict[tuple[str, str], str] = {}
MINIMUM = {"accessibility": 100, "best-practices": 95, "seo": 95}
"""Scores that are properties of the pages; performance depends on the machine: see bench/."""

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(
    "kind", [*[k for k in PAGES if k != "search"], "search-empty", "search"]
)
def test_axe_finds_no_serious_violation(site_server: SiteServer, browser: Any, kind: str, scheme: str) -> None:
    """axe-core (WCAG 2.x A/AA and best practices) reports no serious or critical violation."""
    if not AXE.is_file():
        pytest.skip("axe-core missing: run `npm ci`")
    ctx = browser.new_context(color_scheme=scheme)
    try:
        page = ctx.new_page()
        page.goto(site_server.url(PAGES.get(kind, "search/")), wait_until="networkidle")
        if kind == "search":
            page.wait_for_selector("#search-results li", timeout=10_000)
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


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_keyboard_focus_is_visible(site_server: SiteServer, browser: Any, scheme: str) -> None:
    """Tab reaches the skip link first, then the header links; each focus draws an outline."""
    ctx = browser.new_context(color_scheme=scheme)
    try:
        page = ctx.new_page()
        page.goto(site_server.url(""))
        seen = []
        for _ in range(6):
            page.keyboard.press("Tab")
            seen.append(
                page.evaluate(
                    """() => { const e = document.activeElement, s = getComputedStyle(e);
                    const r = e.getBoundingClientRect();
                    return {text: (e.textContent || e.getAttribute('aria-label') || e.id || '').trim(),
                            outline: s.outlineStyle + ' ' + s.outlineWidth,
                            visible: r.width > 0 && r.height > 0 && r.bottom > 0 && r.top < innerHeight} }"""
                )
            )
        assert seen[0]["text"] == "Skip to content"
        for item in seen:
            assert item["visible"], seen
            assert item["outline"].startswith("solid") and not item["outline"].endswith(" 0px"), seen
        for _ in range(5):
            page.keyboard.press("Shift+Tab")
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"
    finally:
        ctx.close()


def _lighthouse(url: str, preset: str | None) -> dict[str, float]:
    flags = " ".join(CHROMIUM_ARGS)
    command = [
        "node", str(LIGHTHOUSE), url, "--output=json", "--quiet",
        f"--chrome-flags={flags}",
        "--only-categories=performance,accessibility,best-practices,seo",
    ]
    if preset:
        command.append(f"--preset={preset}")
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=150,
        env={**os.environ, "CHROME_PATH": CHROMIUM},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout)
    scores = {key: round((cat["score"] or 0) * 100) for key, cat in report["categories"].items()}
    failing = {
        key: [
            ref["id"]
            for ref in cat["auditRefs"]
            if ref["weight"] and (report["audits"][ref["id"]]["score"] or 0) < 1
        ]
        for key, cat in report["categories"].items()
    }
    return {**scores, "failing": failing}  # type: ignore[dict-item]


def test_lighthouse_scores(site_server: SiteServer) -> None:
    """Lighthouse (mobile preset): best practices and SEO >= 95, accessibility 100."""
    if not LIGHTHOUSE.is_file() or not shutil.which("node"):
        pytest.skip("lighthouse missing: run `npm ci`")
    urls = {kind: site_server.url(path) for kind, path in LIGHTHOUSE_PAGES.items()}
    # One at a time: parallel Chromiums compete for CPU and skew the performance score.
    with ThreadPoolExecutor(max_workers=1) as pool:
        results = dict(
            zip(urls, pool.map(lambda url: _lighthouse(url, None), urls.values()), strict=True)
        )
    problems, known = [], []
    for kind, scores in results.items():
        print(kind, {k: v for k, v in scores.items() if k != "failing"})
        for category, minimum in MINIMUM.items():
            if scores[category] < minimum:
                line = f"{kind}: {category} {scores[category]} < {minimum}; failing audits {scores['failing'][category]}"
                (known if (kind, category) in KNOWN else problems).append(line)
    assert not problems, "\n".join(problems)
    if known:
        pytest.xfail("; ".join(known) + " -- " + "; ".join(KNOWN.values()))
