"""The reader's desk in Chromium, on the built site served from a sub-path: marks that survive a
reload and a rebuild, filters that agree with papers.json, the keyboard walk, export ->
`site-builder marks` -> build, import into another browser, hostile notes kept inert, axe."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import (
    REPO,
    SUB_PATH,
    SiteServer,
    build_project,
    copy_project,
    listing_dump,
    long_abstract,
    serving,
)

from site_builder.cli import main

pytestmark = pytest.mark.browser

AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
HOSTILE = (
    'Plain **bold** <img src=x onerror="window.pwned=1"> <script>window.pwned=2</script> '
    "[click](javascript:window.pwned=3) [ok](https://example.org/)"
)
PAPERS = [
    ("Zebrafish Navigation with Sparse Rewards", long_abstract("reinforcement learning")),
    ("Diffusion Models for Protein Design", long_abstract("diffusion models")),
    ("A Survey of Graph Neural Networks", long_abstract("graph neural networks")),
]


def _papers_json(site: SiteServer) -> list[dict[str, Any]]:
    with urllib.request.urlopen(site.url("papers.json"), timeout=20) as response:
        records: list[dict[str, Any]] = json.loads(response.read())
    return records


def _slug(url: str) -> str:
    return url.split("/papers/", 1)[1].split("/", 1)[0]


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    """A fresh browser profile (its own localStorage) that fails the test on any script error."""
    ctx = browser.new_context(accept_downloads=True)
    errors: list[str] = []
    ctx.on("weberror", lambda error: errors.append(str(error.error)))
    ctx.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    yield ctx
    ctx.close()
    assert not errors, errors


@pytest.fixture
def project_site(tmp_path: Path) -> Iterator[tuple[Path, SiteServer]]:
    """A three-paper scratch project, built and served from the sub-path; rebuild with build_project."""
    project = copy_project(tmp_path / "project")
    (project / "content" / "sources" / "2025-03-12.txt").write_text(
        listing_dump(PAPERS), encoding="utf-8"
    )
    out = tmp_path / "site"
    with serving(out, lambda base_url: build_project(project, out, base_url)) as site:
        yield project, site


ZEBRA = "papers/zebrafish-navigation-with-sparse-rewards/"


def test_marks_survive_reload_and_rebuild(project_site: tuple[Path, SiteServer], context: Any) -> None:
    project, site = project_site
    page = context.new_page()
    page.goto(site.url(ZEBRA))
    page.select_option("select[name=status]", "reading")
    page.click("section.desk .desk-star")
    page.fill("textarea.desk-note", "Check the *reward* shaping.")
    page.wait_for_selector(".desk-note-view em")
    page.reload()
    assert page.input_value("select[name=status]") == "reading"
    assert page.get_attribute("section.desk .desk-star", "aria-pressed") == "true"
    assert page.input_value("textarea.desk-note") == "Check the *reward* shaping."
    assert page.inner_text(".desk-note-view em") == "reward"
    # The marks are this site's: the key holds the site's sub-path.
    keys = page.evaluate("Object.keys(localStorage)")
    assert keys == [f"site-builder:marks:{SUB_PATH}"]

    # A new listing day moves the paper down the list and changes its neighbours: same marks.
    (project / "content" / "sources" / "2025-03-20.txt").write_text(
        listing_dump([("Quantum Error Correction at Scale", long_abstract("quantum codes"))], "Mar 20"),
        encoding="utf-8",
    )
    build_project(project, site.out, site.base_url)
    page.goto(site.url(""))
    card = page.locator(".paper-card", has_text="Zebrafish Navigation")
    assert card.locator("select[name=status]").input_value() == "reading"
    assert card.locator(".desk-star").get_attribute("aria-pressed") == "true"
    other = page.locator(".paper-card", has_text="Quantum Error Correction")
    assert other.locator("select[name=status]").input_value() == "unread"
    page.goto(site.url(ZEBRA))
    assert page.input_value("select[name=status]") == "reading"


def test_a_note_typed_just_before_leaving_is_kept(site_server: SiteServer, context: Any) -> None:
    page = context.new_page()
    page.goto(site_server.url("papers/a-geometric-perspective-on-diffusion-models/"))
    page.fill("textarea.desk-note", "Typed, then gone at once.")
    page.reload()
    assert page.input_value("textarea.desk-note") == "Typed, then gone at once."


def test_without_javascript_the_pages_read_as_before(site_server: SiteServer, browser: Any) -> None:
    for scripts in (False, True):
        ctx = browser.new_context(java_script_enabled=scripts)
        try:
            page = ctx.new_page()
            page.goto(site_server.url("tags/diffusion/"))
            assert page.locator("details.desk-filters").is_visible() is scripts
            assert page.locator(".paper-card .desk-star").first.is_visible() is scripts
            page.goto(site_server.url("papers/a-geometric-perspective-on-diffusion-models/"))
            assert page.locator("section.desk").is_visible() is scripts
            assert page.locator("section.abstract").is_visible()
        finally:
            ctx.close()


def test_marks_work_from_disk(project_site: tuple[Path, SiteServer], context: Any) -> None:
    _, site = project_site
    page = context.new_page()
    page.goto((site.out / "index.html").as_uri())
    card = page.locator(".paper-card", has_text="Diffusion Models for Protein Design")
    card.locator("select[name=status]").select_option("read")
    page.reload()
    card = page.locator(".paper-card", has_text="Diffusion Models for Protein Design")
    assert card.locator("select[name=status]").input_value() == "read"
    card.locator(".paper-title a").click()
    page.wait_for_url("**/index.html")
    assert page.input_value("select[name=status]") == "read"
    # Filters load their data as a script from disk too.
    page.goto((site.out / "index.html").as_uri() + "?status=read")
    page.wait_for_selector(".desk-results .paper-card")
    titles = page.locator(".desk-results .paper-title").all_inner_texts()
    assert titles == ["Diffusion Models for Protein Design"]


def _tag_pair(records: list[dict[str, Any]]) -> tuple[str, str]:
    """Two tags that occur together on several papers of the bundled list."""
    pairs: dict[tuple[str, str], int] = {}
    for record in records:
        tags = sorted(record["tags"])
        for i, a in enumerate(tags):
            for b in tags[i + 1 :]:
                pairs[(a, b)] = pairs.get((a, b), 0) + 1
    return max(pairs, key=lambda pair: (pairs[pair], pair))


def test_filters_with_two_tags_and_a_status_match_papers_json(
    site_server: SiteServer, context: Any
) -> None:
    records = _papers_json(site_server)
    first, second = _tag_pair(records)
    page = context.new_page()
    page.goto(site_server.url(""))
    page.evaluate("window.notReloaded = true")
    page.click("details.desk-filters summary")
    page.click(f".desk-tag[data-tag='{first}']")
    page.wait_for_selector(".desk-results .paper-card")
    # Each further tag says how many papers it would leave; tags that would leave none are off.
    with_first = [r for r in records if first in r["tags"]]
    for button in page.locator(".desk-tag").all():
        tag = button.get_attribute("data-tag")
        expected = sum(1 for r in with_first if tag in r["tags"])
        assert button.locator(".desk-tag-count").inner_text() == str(expected), tag
        assert button.is_disabled() == (expected == 0), tag
    page.click(f".desk-tag[data-tag='{second}']")
    page.select_option("details.desk-filters select[name=status]", "unread")
    expected_slugs = [
        _slug(r["url"])
        for r in records
        if first in r["tags"] and second in r["tags"] and r["status"] == "unread"
    ]
    assert expected_slugs
    page.wait_for_function(
        "n => document.querySelectorAll('.desk-results .paper-card').length === n",
        arg=len(expected_slugs),
    )
    shown = [
        _slug(href)
        for href in page.locator(".desk-results .paper-title a").evaluate_all(
            "links => links.map(a => a.href)"
        )
    ]
    assert shown == expected_slugs  # newest listing first, like papers.json
    assert page.url == site_server.url(f"?status=unread&tag={first}&tag={second}")
    assert page.locator(".desk-list").is_hidden() and page.locator(".pager").is_hidden()
    assert page.inner_text(".desk-count") == f"{len(expected_slugs)} of {len(records)} papers in this list match."
    # Title order, then back: the previous state comes back without a reload.
    page.select_option("details.desk-filters select[name=order]", "title")
    by_title = page.locator(".desk-results .paper-title").all_inner_texts()
    assert by_title == sorted(by_title, key=str.casefold)
    page.go_back()
    page.wait_for_function("() => !location.search.includes('order=')")
    assert page.input_value("details.desk-filters select[name=order]") == ""
    shown_again = page.locator(".desk-results .paper-title a").evaluate_all("links => links.map(a => a.href)")
    assert [_slug(href) for href in shown_again] == expected_slugs
    page.go_back()
    page.go_back()
    page.go_back()
    page.wait_for_function("() => location.search === ''")
    assert page.locator(".desk-list").is_visible() and page.locator(".desk-results").is_hidden()
    assert page.evaluate("window.notReloaded") is True


def test_filters_reach_beyond_the_first_page(site_server: SiteServer, context: Any) -> None:
    records = _papers_json(site_server)
    coded = [_slug(r["url"]) for r in records if r["code"]]
    assert len(coded) > 50  # more than one page of the home list
    page = context.new_page()
    page.goto(site_server.url("page/2/?code=1&order=title"))
    page.wait_for_selector(".desk-results .paper-card")
    assert page.inner_text(".desk-count") == f"{len(coded)} of {len(records)} papers in this list match."
    while page.locator(".desk-more").count():
        page.click(".desk-more")
    shown = page.locator(".desk-results .paper-title a").evaluate_all("links => links.map(a => a.href)")
    assert sorted(_slug(href) for href in shown) == sorted(coded)
    # A tag page filters its own papers only; a day page its day.
    tag = "diffusion"
    page.goto(site_server.url(f"tags/{tag}/?code=1"))
    page.wait_for_selector(".desk-results .paper-card")
    expected = [_slug(r["url"]) for r in records if tag in r["tags"] and r["code"]]
    shown = page.locator(".desk-results .paper-title a").evaluate_all("links => links.map(a => a.href)")
    assert [_slug(href) for href in shown] == expected
    day = "2025-03-12"
    page.goto(site_server.url(f"dates/{day}/?from={day}&to={day}&code=1"))
    page.wait_for_selector(".desk-results .paper-card")
    expected_day = {_slug(r["url"]) for r in records if day in r["dates"] and r["code"]}
    shown = page.locator(".desk-results .paper-title a").evaluate_all("links => links.map(a => a.href)")
    assert {_slug(href) for href in shown} == expected_day


def test_starred_filter_uses_the_marks(site_server: SiteServer, context: Any) -> None:
    page = context.new_page()
    page.goto(site_server.url("tags/diffusion/"))
    cards = page.locator(".desk-list .paper-card")
    titles = [cards.nth(i).locator(".paper-title").inner_text() for i in (1, 3)]
    for i in (1, 3):
        cards.nth(i).locator(".desk-star").click()
    page.click("details.desk-filters summary")
    page.check("details.desk-filters input[name=starred]")
    page.wait_for_selector(".desk-results .paper-card")
    assert page.locator(".desk-results .paper-title").all_inner_texts() == titles
    assert page.url.endswith("tags/diffusion/?starred=1")


def test_keyboard_walk_through_a_list(site_server: SiteServer, context: Any) -> None:
    page = context.new_page()
    page.goto(site_server.url("tags/diffusion/"))
    titles = page.locator(".desk-list .paper-title").all_inner_texts()
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    assert page.evaluate("document.activeElement.textContent") == titles[1]
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
    page.wait_for_function(
        "t => document.querySelector('.desk-live').textContent.startsWith(t)",
        arg=f"Paper 2 of {len(titles)}: {titles[1]}",
    )
    current = page.locator(".paper-card.desk-current")
    assert current.locator(".paper-title").inner_text() == titles[1]
    page.keyboard.press("x")
    assert current.locator("select[name=status]").input_value() == "reading"
    page.keyboard.press("x")
    assert current.locator("select[name=status]").input_value() == "read"
    page.keyboard.press("s")
    assert current.locator(".desk-star").get_attribute("aria-pressed") == "true"
    page.wait_for_function("() => document.querySelector('.desk-live').textContent === 'Starred'")
    # Keys do nothing while typing in a field.
    page.focus("#site-search-q")
    page.keyboard.type("jx")
    assert page.input_value("#site-search-q") == "jx"
    assert current.locator("select[name=status]").input_value() == "read"
    page.fill("#site-search-q", "")
    # ? shows the keys in a dialog; Escape closes it.
    page.locator(".paper-card.desk-current .paper-title a").focus()
    page.keyboard.press("?")
    dialog = page.locator("dialog.desk-keys")
    assert dialog.is_visible()
    assert "next status" in dialog.inner_text()
    page.keyboard.press("Escape")
    assert dialog.is_hidden()
    page.locator(".paper-card.desk-current .paper-title a").focus()
    page.keyboard.press("o")
    page.wait_for_url("**/papers/**")
    assert page.inner_text("h1") == titles[1]
    assert page.input_value("select[name=status]") == "read"
    page.keyboard.press("x")
    assert page.input_value("select[name=status]") == "skipped"


def test_export_then_marks_then_build_shows_the_status_from_the_page(
    project_site: tuple[Path, SiteServer], context: Any, browser: Any, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    project, site = project_site
    page = context.new_page()
    page.goto(site.url(ZEBRA))
    page.select_option("select[name=status]", "read")
    page.click("section.desk .desk-star")
    page.fill("textarea.desk-note", "Worth a *second* read.")
    page.wait_for_selector(".desk-note-view em")
    with page.expect_download() as download_info:
        page.click("section.desk .desk-export")
    download = download_info.value
    assert download.suggested_filename == "reading-marks.json"
    marks = tmp_path / "reading-marks.json"
    download.save_as(marks)
    data = json.loads(marks.read_text(encoding="utf-8"))
    assert data["site"] == "Reading list" and data["version"] == 1
    (mark,) = data["marks"].values()
    assert (mark["status"], mark["base_status"], mark["starred"]) == ("read", "unread", True)

    assert main(["marks", "-C", str(project), str(marks)]) == 0
    page_file = project / "content" / "papers" / "zebrafish-navigation-with-sparse-rewards.md"
    text = page_file.read_text(encoding="utf-8")
    assert "\nstatus: read\n" in text and "\nstarred: true\n" in text
    assert text.endswith(f"## Notes\n\n**{mark['notes'][0]['date']}**\n\nWorth a *second* read.\n")
    assert main(["marks", "-C", str(project), str(marks)]) == 0
    assert page_file.read_text(encoding="utf-8") == text  # twice changes nothing
    build_project(project, site.out, site.base_url)

    # Another browser, with no marks: the status, star and note now come from the page.
    fresh = browser.new_context()
    try:
        other = fresh.new_page()
        other.goto(site.url(ZEBRA))
        assert other.input_value("select[name=status]") == "read"
        assert other.get_attribute("section.desk .desk-star", "aria-pressed") == "true"
        assert other.inner_text("section.notes em") == "second"
        other.goto(site.url(""))
        card = other.locator(".paper-card", has_text="Zebrafish Navigation")
        assert card.locator("select[name=status]").input_value() == "read"
        # Import the file into this browser: the note comes back into the desk.
        other.goto(site.url(ZEBRA))
        other.set_input_files("section.desk .desk-import-file", str(marks))
        other.wait_for_function(
            "() => document.querySelector('section.desk .desk-tools-status').textContent === 'Imported the marks of 1 paper.'"
        )
        assert other.input_value("textarea.desk-note") == "Worth a *second* read."
    finally:
        fresh.close()
    # The first browser goes on: the page it merged into is its new base, so no conflict.
    page.goto(site.url(ZEBRA))
    page.select_option("select[name=status]", "skipped")
    page.fill("textarea.desk-note", "Worth a *second* read.\n\nNot after all.")
    page.wait_for_function("() => document.querySelector('.desk-saved').textContent !== ''")
    with page.expect_download() as download_info:
        page.click("section.desk .desk-export")
    download_info.value.save_as(marks)
    capsys.readouterr()
    assert main(["marks", "-C", str(project), str(marks)]) == 0
    assert "conflict" not in capsys.readouterr().err.split("marks:")[0]
    again = page_file.read_text(encoding="utf-8")
    assert "\nstatus: skipped\n" in again
    assert again.startswith(text.replace("status: read", "status: skipped"))
    assert again.endswith("\n\nNot after all.\n") and again.count("Worth a *second* read.") == 1


def test_hostile_notes_stay_text(project_site: tuple[Path, SiteServer], context: Any, tmp_path: Path) -> None:
    project, site = project_site
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(site.url(ZEBRA))
    page.fill("textarea.desk-note", HOSTILE)
    page.wait_for_selector(".desk-note-view strong")
    view = page.locator(".desk-note-view")
    assert view.locator("img, script, iframe, [onerror]").count() == 0
    assert '<img src=x onerror="window.pwned=1">' in view.inner_text()
    assert view.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))") == [
        "https://example.org/"
    ]
    assert "[click](javascript:window.pwned=3)" in view.inner_text()
    page.reload()
    page.wait_for_selector(".desk-note-view strong")
    assert page.evaluate("window.pwned") is None
    # Through export, `site-builder marks` and a build the note is still text.
    with page.expect_download() as download_info:
        page.click("section.desk .desk-export")
    marks = tmp_path / "reading-marks.json"
    download_info.value.save_as(marks)
    assert main(["marks", "-C", str(project), str(marks)]) == 0
    build_project(project, site.out, site.base_url)
    page.goto(site.url(ZEBRA))
    notes = page.locator("section.notes")
    assert notes.locator("img, script").count() == 0
    assert "window.pwned=1" in notes.inner_text()
    assert page.evaluate("window.pwned") is None
    assert not dialogs


def test_search_results_filter_by_marks(site_server: SiteServer, context: Any) -> None:
    page = context.new_page()
    page.goto(site_server.url("search/?q=diffusion"))
    page.wait_for_selector("#search-results li")
    hits = page.locator("#search-results .search-result-link")
    chosen = hits.nth(2).inner_text()
    slug = _slug(hits.nth(2).get_attribute("href") or "")
    records = {_slug(r["url"]): r for r in _papers_json(site_server)}
    page.evaluate(
        """([id, base]) => self.siteDesk.setStatus(id, base, false, 'skipped')""",
        [records[slug]["id"], records[slug]["status"]],
    )
    page.goto(site_server.url("search/?q=diffusion&status=skipped"))
    page.wait_for_function("() => document.querySelector('.desk-count').textContent.startsWith('1 of ')")
    visible = [t for t in page.locator("#search-results .search-result-link").all_inner_texts() if t]
    shown = page.locator("#search-results .search-result:visible .search-result-link").all_inner_texts()
    assert shown == [chosen]
    assert len(visible) > 1


@pytest.mark.parametrize("state", ["filters", "keys", "paper"])
def test_axe_on_the_desk(site_server: SiteServer, context: Any, state: str) -> None:
    if not AXE.is_file():
        pytest.skip("axe-core missing: run `npm ci`")
    page = context.new_page()
    if state == "paper":
        page.goto(site_server.url("papers/a-geometric-perspective-on-diffusion-models/"))
        page.fill("textarea.desk-note", "A *note* with [a link](https://example.org/).")
        page.wait_for_selector(".desk-note-view em")
    else:
        page.goto(site_server.url("?status=unread&tag=diffusion"))
        page.wait_for_selector(".desk-results .paper-card")
        page.keyboard.press("j")
        if state == "keys":
            page.keyboard.press("?")
            page.wait_for_selector("dialog.desk-keys[open]")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not serious, "\n".join(serious)
