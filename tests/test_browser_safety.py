"""What a browser loads from a site built with a careless base_url: nothing from another host."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import SUB_PATH, build_project, copy_project, listing_dump, long_abstract, serving


@pytest.mark.browser
def test_404_page_with_a_doubled_slash_in_base_url_loads_nothing_from_another_host(
    tmp_path: Path, browser: Any
) -> None:
    project = copy_project(tmp_path / "project")
    (project / "content/sources/2025-03-12.txt").write_text(
        listing_dump([("Light Bridges", long_abstract("bridges"))]), encoding="utf-8"
    )
    out = tmp_path / "site"

    def build(base_url: str) -> None:
        doubled = base_url.replace(SUB_PATH, "/" + SUB_PATH)  # https://host//reading-list/
        assert "//reading-list/" in doubled
        build_project(project, out, doubled)

    with serving(out, build) as site:
        html = (out / "404.html").read_text(encoding="utf-8")
        assert '"//' not in html
        context = browser.new_context()
        page = context.new_page()
        requested: list[str] = []
        page.on("request", lambda request: requested.append(request.url))
        response = page.goto(site.url("no/such/page/"), wait_until="load")
        assert response is not None and response.status == 404
        page.wait_for_load_state("networkidle")
        context.close()
    assert requested
    assert [url for url in requested if not url.startswith(site.origin + SUB_PATH)] == []
    assert any(url.endswith(".js") for url in requested)
