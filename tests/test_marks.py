"""Reading marks from the browser folded into the pages: the three-way merge on text (no files),
then `site-builder marks FILE` on scratch projects."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import make_project, run_cli, snapshot

from site_builder.marks import Mark, Note, merge_mark, parse_marks
from site_builder.pages import parse_page

PAGE = """---
id: abc123
title: A Paper
listings:
- date: 2025-03-12
  source: 2025-03-12.txt
  line: 7
code: []
links: []
tags: []
remove_tags: []
status: unread            # unread | reading | read | skipped
---

The abstract.

## Notes

Earlier thoughts.
"""


def _paper(text: str = PAGE) -> Any:
    return parse_page(text, "content/papers/a-paper.md", "a-paper")


def _mark(**fields: Any) -> Mark:
    values: dict[str, Any] = {
        "paper_id": "abc123",
        "status": None,
        "base_status": "unread",
        "starred": None,
        "base_starred": False,
        "notes": (),
    }
    values.update(fields)
    return Mark(**values)


def test_status_replaces_only_the_value_and_keeps_the_comment() -> None:
    merge = merge_mark(PAGE, _paper(), _mark(status="read"))
    assert merge.conflict is None and merge.changes == ("status read",)
    assert merge.text == PAGE.replace(
        "status: unread            # unread", "status: read            # unread"
    )


def test_star_is_added_at_the_end_of_the_front_matter() -> None:
    merge = merge_mark(PAGE, _paper(), _mark(starred=True))
    assert merge.changes == ("starred",)
    assert merge.text == PAGE.replace("# unread | reading | read | skipped\n---", "# unread | reading | read | skipped\nstarred: true\n---")
    assert _paper(merge.text or "").starred is True


def test_unstar_rewrites_an_existing_star() -> None:
    page = PAGE.replace("status: unread", "starred: true\nstatus: unread")
    merge = merge_mark(page, _paper(page), _mark(starred=False, base_starred=True))
    assert merge.text == page.replace("starred: true", "starred: false")


def test_notes_are_appended_with_their_dates_once() -> None:
    notes = (Note("2026-11-30", "Read **section 3**."), Note("2026-12-01", "Second thought."))
    merge = merge_mark(PAGE, _paper(), _mark(notes=notes))
    assert merge.changes == ("2 notes",)
    assert merge.text == PAGE + (
        "\n**2026-11-30**\n\nRead **section 3**.\n\n**2026-12-01**\n\nSecond thought.\n"
    )
    again = merge_mark(merge.text or "", _paper(merge.text or ""), _mark(notes=notes))
    assert (again.text, again.changes, again.conflict) == (None, (), None)


def test_a_note_written_on_after_a_merge_adds_only_its_new_paragraphs() -> None:
    first = merge_mark(PAGE, _paper(), _mark(notes=(Note("2026-11-30", "Part one."),)))
    merged = first.text or ""
    later = Note("2026-12-02", "Part one.\n\nPart two, *later*.")
    again = merge_mark(merged, _paper(merged), _mark(notes=(later,)))
    assert again.text == merged + "\n**2026-12-02**\n\nPart two, *later*.\n"


def test_notes_heading_is_added_when_the_page_has_none() -> None:
    page = PAGE.split("## Notes")[0].rstrip("\n") + "\n"
    merge = merge_mark(page, _paper(page), _mark(notes=(Note("2026-12-01", "Short."),)))
    assert merge.text == page + "\n## Notes\n\n**2026-12-01**\n\nShort.\n"
    assert _paper(merge.text or "").notes == "**2026-12-01**\n\nShort."


def test_crlf_pages_stay_crlf() -> None:
    page = PAGE.replace("\n", "\r\n")
    merge = merge_mark(page, _paper(page), _mark(status="reading", notes=(Note("2026-12-01", "x"),)))
    assert merge.text == page.replace("status: unread ", "status: reading ") + (
        "\r\n**2026-12-01**\r\n\r\nx\r\n"
    )


def test_status_edited_in_the_page_since_the_export_is_a_conflict() -> None:
    page = PAGE.replace("status: unread", "status: skipped")
    merge = merge_mark(page, _paper(page), _mark(status="read", notes=(Note("2026-12-01", "x"),)))
    assert merge.text is None
    assert merge.conflict == (
        "status is `skipped` in the page but was `unread` when marked `read` in the browser"
    )


def test_page_already_at_the_marked_status_is_no_conflict() -> None:
    page = PAGE.replace("status: unread", "status: read")
    merge = merge_mark(page, _paper(page), _mark(status="read"))
    assert (merge.text, merge.conflict) == (None, None)


def test_star_changed_in_the_page_since_the_export_is_a_conflict() -> None:
    page = PAGE.replace("status: unread", "starred: true\nstatus: unread")
    merge = merge_mark(page, _paper(page), _mark(starred=False, base_starred=False))
    assert merge.conflict == "the page is starred now, unlike when it was marked"


def _marks_file(marks: dict[str, Any], **top: Any) -> str:
    data = {
        "format": "site-builder reading marks",
        "version": 1,
        "site": "Reading list",
        "exported": "2026-12-01T08:00:00.000Z",
        "marks": marks,
    }
    data.update(top)
    return json.dumps(data, indent=2)


BAD_FILES = {
    "not JSON": ("{\n  \"format\": ", "marks.json:2: not JSON: Expecting value"),
    "other JSON": ("[1, 2]", 'marks.json: not a reading-marks file: expected "format": "site-builder reading marks"'),
    "future version": (_marks_file({}, version=2), "marks.json: unsupported version 2 (this site-builder reads 1)"),
    "bad status": (
        _marks_file({"abc123": {"status": "done"}}),
        "marks.json: mark of abc123: `status` must be one of unread, reading, read, skipped, got 'done'",
    ),
    "bad star": (
        _marks_file({"abc123": {"starred": "yes"}}),
        "marks.json: mark of abc123: `starred` must be true or false, got 'yes'",
    ),
    "bad note date": (
        _marks_file({"abc123": {"notes": [{"date": "soon", "text": "x"}]}}),
        "marks.json: mark of abc123: `notes`: `date` must be a date YYYY-MM-DD, got 'soon'",
    ),
    "unknown field": (
        _marks_file({"abc123": {"rating": 5}}),
        "marks.json: mark of abc123: unknown field `rating`",
    ),
    "marks not an object": (_marks_file([]), "marks.json: `marks` must be an object of marks by paper id"),  # type: ignore[arg-type]
}


@pytest.mark.parametrize("name", BAD_FILES)
def test_bad_marks_files(name: str) -> None:
    text, message = BAD_FILES[name]
    with pytest.raises(Exception) as caught:
        parse_marks(text, "marks.json")
    assert str(caught.value) == message


def test_parse_marks_reads_every_field() -> None:
    parsed = parse_marks(
        _marks_file(
            {
                "abc123": {
                    "status": "read",
                    "base_status": "unread",
                    "starred": True,
                    "base_starred": False,
                    "notes": [{"date": "2026-12-01T07:59:00.000Z", "text": " Nice.\r\nReally. "}],
                }
            }
        ),
        "marks.json",
    )
    assert parsed.site == "Reading list"
    assert parsed.marks == (
        Mark("abc123", "read", "unread", True, False, (Note("2026-12-01", "Nice.\nReally."),)),
    )


# --- the command -------------------------------------------------------------------------------

OTHER = PAGE.replace("abc123", "def456").replace("A Paper", "Another Paper").replace("status: unread            # unread | reading | read | skipped", "status: skipped")


def _project(tmp_path: Path) -> Path:
    return make_project(
        tmp_path,
        {
            "content/papers/a-paper.md": PAGE,
            "content/papers/another-paper.md": OTHER,
        },
    )


def test_marks_command_merges_lists_and_is_idempotent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _project(tmp_path)
    (tmp_path / "reading-marks.json").write_text(
        _marks_file(
            {
                "abc123": {
                    "status": "read",
                    "base_status": "unread",
                    "starred": True,
                    "base_starred": False,
                    "notes": [{"date": "2026-12-01", "text": "Worth it."}],
                },
                "def456": {"status": "reading", "base_status": "unread"},
                "0000000000": {"status": "read", "base_status": "unread"},
            }
        ),
        encoding="utf-8",
    )
    marks = str(tmp_path / "reading-marks.json")
    code, out, err = run_cli(capsys, project, "marks", marks)
    assert (code, out) == (0, "")
    assert err == (
        "content/papers/a-paper.md: status read, starred, 1 note\n"
        "warning: content/papers/another-paper.md: left alone: status is `skipped` in the page "
        "but was `unread` when marked `reading` in the browser\n"
        f"warning: {marks}: no paper with id `0000000000`: left alone\n"
        "marks: 1 page(s) updated, 0 already up to date, 1 conflict(s), 1 paper(s) not found\n"
    )
    pages = project / "content" / "papers"
    assert (pages / "a-paper.md").read_text(encoding="utf-8") == (
        PAGE.replace("status: unread ", "status: read ").replace(
            "skipped\n---", "skipped\nstarred: true\n---"
        )
        + "\n**2026-12-01**\n\nWorth it.\n"
    )
    assert (pages / "another-paper.md").read_text(encoding="utf-8") == OTHER
    before = snapshot(pages)
    code, _, err = run_cli(capsys, project, "marks", marks)
    assert code == 0
    assert err.splitlines()[-1] == (
        "marks: 0 page(s) updated, 1 already up to date, 1 conflict(s), 1 paper(s) not found"
    )
    assert snapshot(pages) == before


def test_marks_command_bad_file_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _project(tmp_path)
    before = snapshot(project)
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "site-builder reading marks", "version": 1, "marks": {"abc123": {"status": 3}}}', encoding="utf-8")
    code, out, err = run_cli(capsys, project, "marks", str(bad))
    assert (code, out) == (1, "")
    assert err == (
        f"error: {bad}: mark of abc123: `status` must be one of unread, reading, read, skipped, got 3\n"
    )
    code, _, err = run_cli(capsys, project, "marks", str(tmp_path / "missing.json"))
    assert code == 1
    assert err == f"error: {tmp_path / 'missing.json'}: cannot read: No such file or directory\n"
    assert snapshot(project) == before


def test_marks_command_bad_page_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _project(tmp_path)
    broken = PAGE.replace("status: unread", "status: [")
    (project / "content" / "papers" / "b-broken.md").write_text(broken.replace("abc123", "x9"), encoding="utf-8")
    before = snapshot(project)
    marks = tmp_path / "reading-marks.json"
    marks.write_text(_marks_file({"abc123": {"status": "read", "base_status": "unread"}}), encoding="utf-8")
    code, _, err = run_cli(capsys, project, "marks", str(marks))
    assert code == 1
    assert err.startswith("error: content/papers/b-broken.md:13: YAML error")
    assert snapshot(project) == before
