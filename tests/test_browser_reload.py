"""Live reload as a reader sees it: real Chromium on a page served by `site-builder serve`."""
# ruff: noqa: F811 -- the `project` and `server` fixtures come from test_serve

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sync_api = pytest.importorskip("playwright.sync_api")

# The server helpers live with the server tests.
from test_serve import (  # noqa: E402
    ZEBRA,
    ZEBRA_URL,
    Server,
    project,  # noqa: F401 -- pytest fixture
    replace_in,
    server,  # noqa: F401 -- pytest fixture
)

pytestmark = pytest.mark.browser
WAIT_MS = 60_000
# `browser` is the session-wide Chromium of conftest.py: one Playwright per process.


@pytest.fixture
def page(browser: Any, server: Server) -> Iterator[sync_api.Page]:
    context = browser.new_context()
    page = context.new_page()
    page.goto(server.url + ZEBRA_URL)
    sync_api.expect(page.get_by_role("heading", level=1)).to_contain_text("Zebrafish Navigation")
    yield page
    context.close()


def test_open_page_shows_an_edit_without_being_reloaded_by_hand(
    page: sync_api.Page, project: Path
) -> None:
    note = page.get_by_text("Compare with the lateral-line paper.")
    sync_api.expect(note).to_have_count(0)
    replace_in(project / ZEBRA, "## Notes", "## Notes\n\nCompare with the lateral-line paper.")
    sync_api.expect(note).to_be_visible(timeout=WAIT_MS)


def test_broken_file_shows_an_overlay_until_it_is_fixed(page: sync_api.Page, project: Path) -> None:
    alert = page.get_by_role("alert")
    replace_in(project / ZEBRA, "status: unread", "status: [unread")
    sync_api.expect(alert).to_contain_text(f"{ZEBRA}:", timeout=WAIT_MS)
    sync_api.expect(alert).to_contain_text("YAML error")
    sync_api.expect(page.get_by_role("heading", level=1)).to_contain_text("Zebrafish Navigation")
    # A page opened while the build is broken shows the overlay too.
    other = page.context.new_page()
    other.goto(page.url)
    sync_api.expect(other.get_by_role("alert")).to_contain_text("YAML error")
    replace_in(project / ZEBRA, "status: [unread", "status: read")
    replace_in(project / ZEBRA, "## Notes", "## Notes\n\nFixed and annotated.")
    for view in (page, other):
        sync_api.expect(view.get_by_text("Fixed and annotated.")).to_be_visible(timeout=WAIT_MS)
        sync_api.expect(view.get_by_role("alert")).to_have_count(0)


def test_stylesheet_edit_applies_without_a_reload(page: sync_api.Page, project: Path) -> None:
    page.evaluate("window.keptAcrossReloads = 'yes'")
    css = project / "static" / "css" / "site.css"
    css.write_text(
        css.read_text(encoding="utf-8") + "\nbody { outline: 3px solid rgb(1, 2, 3); }\n",
        encoding="utf-8",
    )
    page.wait_for_function(
        "getComputedStyle(document.body).outlineColor === 'rgb(1, 2, 3)'", timeout=WAIT_MS
    )
    assert page.evaluate("window.keptAcrossReloads") == "yes"
