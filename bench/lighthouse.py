"""Lighthouse scores of the built bundled list: performance, accessibility, best practices, SEO.

The tests check accessibility, best practices and SEO (tests/test_a11y.py); the performance
score drifts with the machine's load, so it is measured here and printed, never asserted.

    .venv/bin/python bench/lighthouse.py [--runs N]

Builds the bundled list into bench/work/lighthouse-site/, serves it on 127.0.0.1 and runs
Lighthouse (npm `lighthouse`, Debian's chromium) on the home, a paper, a tag and the search
page, one page at a time, N runs each (default 3); prints each page's median scores.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import statistics
import subprocess
import sys
import threading
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
OUT = BENCH / "work" / "lighthouse-site"
LIGHTHOUSE = REPO / "node_modules" / "lighthouse" / "cli" / "index.js"
CHROMIUM = "/usr/bin/chromium"
FLAGS = "--headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --disable-sync"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")


def build_site() -> dict[str, str]:
    """Build the bundled list; return the site-relative URL of each page kind measured."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "site_builder",
            "-C",
            str(REPO),
            "build",
            "--force",
            "-q",
            "--out",
            str(OUT),
        ],
        check=True,
    )
    paper = sorted(path.parent.name for path in (OUT / "papers").glob("*/index.html"))[0]
    tag = sorted(path.parent.name for path in (OUT / "tags").glob("*/index.html"))[0]
    return {
        "home": "",
        "paper": f"papers/{paper}/",
        "tag": f"tags/{tag}/",
        "search": "search/?q=diffusion",
    }


def lighthouse(url: str) -> dict[str, int]:
    """Return one Lighthouse run's category scores (0-100) for a URL."""
    result = subprocess.run(
        [
            "node",
            str(LIGHTHOUSE),
            url,
            "--output=json",
            "--quiet",
            f"--chrome-flags={FLAGS}",
            f"--only-categories={','.join(CATEGORIES)}",
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
        env={**os.environ, "CHROME_PATH": CHROMIUM},
    )
    report = json.loads(result.stdout)
    return {key: round((report["categories"][key]["score"] or 0) * 100) for key in CATEGORIES}


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serve files without a log line per request."""

    def log_message(self, format: str, *args: object) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per page (default 3)")
    args = parser.parse_args()
    pages = build_site()
    handler = functools.partial(_QuietHandler, directory=str(OUT))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    print(f"{'page':8} " + " ".join(f"{c:>15}" for c in CATEGORIES) + "   (median of runs)")
    try:
        for kind, path in pages.items():
            runs = [lighthouse(base + path) for _ in range(args.runs)]
            medians = {c: statistics.median(run[c] for run in runs) for c in CATEGORIES}
            spread = "/".join(str(run["performance"]) for run in runs)
            print(
                f"{kind:8} "
                + " ".join(f"{medians[c]:>15.0f}" for c in CATEGORIES)
                + f"   performance runs {spread}"
            )
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
