"""Bytes a first search query transfers, ours against Pagefind (Hugo's output), in Chromium.

    .venv/bin/python bench/query_bytes.py OURS_SITE HUGO_PUBLIC --corpus N [--seed S]

For each of 20 queries drawn from the corpus (5 title words, 5 abstract words, 5 prefixes of
title words, 5 title words with one typo), a fresh browser context (cold cache) opens the home
page, waits until it has loaded, then puts the whole query in the search box at once and waits
for its first results (ours: the header dropdown; Hugo: the default Pagefind UI, which shows 5
results). Every request made from the moment the query is entered until the page is idle
counts, at its gzip size (Pagefind's own files are already gzipped: they count as they are,
whichever is smaller). What the page loads before any search (our search.js, Pagefind's UI
script and CSS) is not counted for either. Hugo's site is opened at its tags page, which has
the same search box, since its home page lists every paper.

Then, for ours, keypress to results once the data is cached: with the same page, each query
typed again one key at a time, the time from the keydown to the dropdown changing.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import http.server
import random
import re
import statistics
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from generate_corpus import Paper, corpus  # noqa: E402 - after the sys.path line

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]  # fmt: skip
_WORD = re.compile(r"[A-Za-z]{6,}")
_COMMON = {"models", "learning", "neural", "network", "networks", "language", "towards", "through"}


@dataclass
class QueryResult:
    query: str
    kind: str
    bytes: int
    requests: int
    found: bool


def pick_queries(papers: list[Paper], seed: int = 0) -> list[tuple[str, str]]:
    """Return 20 (kind, query): title words, abstract words, prefixes and one-typo words."""
    rng = random.Random(seed)
    chosen: list[tuple[str, str]] = []

    def words(text: str) -> list[str]:
        return [w.lower() for w in _WORD.findall(text) if w.lower() not in _COMMON]

    seen: set[str] = set()
    while len(chosen) < 20:
        paper = papers[rng.randrange(len(papers))]
        kind = ("title", "abstract", "prefix", "typo")[len(chosen) // 5]
        found = words(paper.abstract if kind == "abstract" else paper.title)
        if not found:
            continue
        word = rng.choice(found)
        if word in seen:
            continue
        seen.add(word)
        if kind == "prefix":
            word = word[: max(4, len(word) // 2)]
        elif kind == "typo":
            at = rng.randrange(1, len(word) - 1)
            word = word[:at] + word[at + 1 :]  # one letter left out
        chosen.append((kind, word))
    return chosen


@cache
def _gzip_size(path: Path) -> int:
    data = path.read_bytes()
    return min(len(data), len(gzip.compress(data, 6)))


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def serve(root: Path) -> Iterator[str]:
    """Serve a directory at / on a free port; yield its origin."""
    handler = lambda *a, **k: _Quiet(*a, directory=str(root), **k)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _file_of(root: Path, url: str) -> Path | None:
    path = unquote(urlsplit(url).path).lstrip("/")
    target = root / path
    if target.is_dir():
        target = target / "index.html"
    return target if target.is_file() else None


def _one_query(browser: Any, root: Path, origin: str, kind: str, query: str, ours: bool) -> QueryResult:
    context = browser.new_context()
    page = context.new_page()
    # Hugo's home page lists every paper (MBs at 100,000): its tags page has the same search UI.
    page.goto(origin + ("/" if ours else "/tags/"), wait_until="networkidle")
    fetched: list[str] = []
    context.on("request", lambda request: fetched.append(request.url))
    if ours:
        page.locator("#site-search-q").fill(query)
        page.wait_for_function(
            "document.querySelector('form.site-search [role=status]').textContent.length > 0"
        )
        found = page.locator("#site-search-panel .search-result").count() > 0
    else:
        page.locator(".pagefind-ui__search-input").fill(query)
        page.wait_for_function(
            "(document.querySelector('.pagefind-ui__message') || {}).textContent"
            " && /result/.test(document.querySelector('.pagefind-ui__message').textContent)"
        )
        page.wait_for_load_state("networkidle")
        found = not page.locator(".pagefind-ui__message").text_content().startswith("No results")
    page.wait_for_load_state("networkidle")
    files = {f for url in fetched if (f := _file_of(root, url)) is not None}
    context.close()
    return QueryResult(query, kind, sum(map(_gzip_size, files)), len(files), found)


def _latency(browser: Any, origin: str, queries: list[str]) -> list[float]:
    """Keydown to dropdown change, per key, with the search data already cached."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(origin + "/", wait_until="networkidle")
    box = page.locator("#site-search-q")
    # Warm the cache: every query once, whole and typed.
    for query in queries:
        for i in range(1, len(query) + 1):
            box.fill(query[:i])
            page.wait_for_timeout(100)
    page.evaluate(
        """() => {
        window.latencies = []
        document.getElementById('site-search-q').addEventListener('keydown', () => { window.pressed = performance.now() }, true)
        new MutationObserver(() => {
          if (window.pressed) { window.latencies.push(performance.now() - window.pressed); window.pressed = 0 }
        }).observe(document.getElementById('site-search-panel'), { childList: true, subtree: true })
    }"""
    )
    for query in queries:
        box.fill("")
        page.wait_for_timeout(150)
        for char in query:
            page.keyboard.type(char)
            page.wait_for_timeout(150)
    latencies: list[float] = page.evaluate("window.latencies")
    context.close()
    return latencies


def measure(ours: Path, hugo: Path | None, queries: list[tuple[str, str]]) -> dict[str, Any]:
    """Return per-query bytes for both sites and our cached keypress latencies."""
    from playwright.sync_api import sync_playwright

    out: dict[str, Any] = {"queries": queries}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            with serve(ours) as origin:
                out["ours"] = [_one_query(browser, ours, origin, k, q, True) for k, q in queries]
                out["latency_ms"] = _latency(browser, origin, [q for _, q in queries])
            if hugo is not None:
                with serve(hugo) as origin:
                    out["pagefind"] = [
                        _one_query(browser, hugo, origin, k, q, False) for k, q in queries
                    ]
        finally:
            browser.close()
    return out


def report(result: dict[str, Any]) -> str:
    """Return the figures as text: per query, then medians."""
    lines = [f"{'kind':9} {'query':18} {'ours KB':>8} {'req':>4} {'found':>5}   {'Pagefind KB':>11} {'req':>4} {'found':>5}"]
    peers = result.get("pagefind") or [None] * len(result["ours"])
    for mine, theirs in zip(result["ours"], peers, strict=True):
        line = f"{mine.kind:9} {mine.query:18} {mine.bytes / 1e3:8.1f} {mine.requests:4d} {str(mine.found):>5}"
        if theirs is not None:
            line += f"   {theirs.bytes / 1e3:11.1f} {theirs.requests:4d} {str(theirs.found):>5}"
        lines.append(line)
    ours_median = statistics.median(r.bytes for r in result["ours"]) / 1e3
    summary = f"median first-query transfer: ours {ours_median:.1f} KB"
    if result.get("pagefind"):
        theirs_median = statistics.median(r.bytes for r in result["pagefind"]) / 1e3
        summary += f", Pagefind {theirs_median:.1f} KB ({ours_median / theirs_median:.2f}x)"
        summary += f"; found: ours {sum(r.found for r in result['ours'])}/20, Pagefind {sum(r.found for r in result['pagefind'])}/20"
    lines.append(summary)
    latencies = result.get("latency_ms") or []
    if latencies:
        lines.append(
            f"keypress to results, data cached: median {statistics.median(latencies):.1f} ms, "
            f"max {max(latencies):.1f} ms over {len(latencies)} keys"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ours", type=Path, help="our built site (_site)")
    parser.add_argument("hugo", type=Path, nargs="?", help="Hugo's public/ with pagefind/")
    parser.add_argument("--corpus", type=int, required=True, help="corpus size the sites hold")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    queries = pick_queries(corpus(args.corpus, args.seed), args.seed)
    print(report(measure(args.ours, args.hugo, queries)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
