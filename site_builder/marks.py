"""Reading marks exported from the browser (reading-marks.json) -> the paper pages.

The browser keeps a reader's marks (status, star, a note) per paper id and exports them with,
for each paper, the status and star its page had when the reader first marked it: the base of
a three-way merge. `site-builder marks FILE` folds them into content/papers/*.md, changing only
the `status:` and `starred:` values of the front matter and appending notes under `## Notes`;
every other byte of a page stays as it was. A page whose status (or star) was edited since to
something else than the browser's base and than the mark is a conflict: it is listed and left
alone, as are marks for papers that no longer exist. Running it twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from site_builder.config import Config
from site_builder.content import page_paths, read_text
from site_builder.errors import SiteError, SourcePos
from site_builder.models import STATUSES, Paper
from site_builder.output import write_file_atomic
from site_builder.pages import NOTES_HEADING, parse_page

MARKS_FORMAT = "site-builder reading marks"
MARKS_VERSION = 1
_NOTES_RE = re.compile(r"^## Notes[ \t]*\r?$", re.MULTILINE)
_VALUE = r"(?P<value>\"[^\"\n]*\"|'[^'\n]*'|[^\s#]*)"


@dataclass(frozen=True, slots=True)
class Note:
    """A note the reader wrote in the browser."""

    date: str
    """ISO date of its last edit."""
    text: str
    """The note as Markdown."""


@dataclass(frozen=True, slots=True)
class Mark:
    """What one reader marked on one paper, and what its page said when they started."""

    paper_id: str
    """The paper's `id` (front matter)."""
    status: str | None
    """Status set in the browser, or None when the reader did not set one."""
    base_status: str | None
    """The page's status when the browser first marked the paper (None: unknown)."""
    starred: bool | None
    """Star set in the browser, or None when untouched."""
    base_starred: bool | None
    """The page's star when the browser first marked the paper (None: unknown)."""
    notes: tuple[Note, ...]
    """Notes to append, oldest first."""


@dataclass(frozen=True, slots=True)
class MarksFile:
    """A parsed reading-marks.json."""

    site: str
    """Title of the site the marks were made on."""
    exported: str
    """When the file was exported (ISO date-time, as written by the browser)."""
    marks: tuple[Mark, ...]
    """Marks, in paper-id order."""


@dataclass(frozen=True, slots=True)
class Merge:
    """The outcome of merging one mark into one page's text."""

    text: str | None
    """The new page text, or None when the page stays as it is."""
    changes: tuple[str, ...]
    """What changed, in words (`status read`, `starred`, `1 note`)."""
    conflict: str | None
    """Why the page was left alone, when it was."""


@dataclass(frozen=True, slots=True)
class MarksReport:
    """What `site-builder marks` did."""

    updated: tuple[tuple[str, tuple[str, ...]], ...]
    """(page, changes) of each page written."""
    unchanged: int
    """Marks already in their pages."""
    missing: tuple[str, ...]
    """Paper ids with no page."""
    conflicts: tuple[tuple[str, str], ...]
    """(page, reason) of each page left alone."""

    def summary(self) -> str:
        """Return the one-line summary."""
        return (
            f"marks: {len(self.updated)} page(s) updated, {self.unchanged} already up to date, "
            f"{len(self.conflicts)} conflict(s), {len(self.missing)} paper(s) not found"
        )


def _fail(message: str, path: str, line: int = 0) -> SiteError:
    return SiteError(message, SourcePos(path, line))


def _optional_bool(value: Any, what: str, path: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise _fail(f"{what} must be true or false, got {value!r}", path)


def _optional_status(value: Any, what: str, path: str) -> str | None:
    if value is None or value in STATUSES:
        return str(value) if value is not None else None
    raise _fail(f"{what} must be one of {', '.join(STATUSES)}, got {value!r}", path)


def _notes(value: Any, what: str, path: str) -> tuple[Note, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise _fail(f"{what} must be a list of {{date, text}}, got {value!r}", path)
    notes = []
    for item in value:
        if not isinstance(item, dict) or set(item) - {"date", "text"}:
            raise _fail(f"{what} must be a list of {{date, text}}, got {item!r}", path)
        date, text = item.get("date"), item.get("text")
        if not isinstance(text, str):
            raise _fail(f"{what}: `text` must be text, got {text!r}", path)
        try:
            day = dt.date.fromisoformat(str(date)[:10]).isoformat()
        except ValueError:
            raise _fail(f"{what}: `date` must be a date YYYY-MM-DD, got {date!r}", path) from None
        if text.strip():
            notes.append(Note(day, text.strip().replace("\r\n", "\n")))
    return tuple(sorted(notes, key=lambda note: note.date))


def parse_marks(text: str, path: str) -> MarksFile:
    """Parse reading-marks.json; any problem is a SiteError naming the file."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _fail(f"not JSON: {exc.msg}", path, exc.lineno) from None
    if not isinstance(data, dict) or data.get("format") != MARKS_FORMAT:
        raise _fail(f"not a reading-marks file: expected \"format\": \"{MARKS_FORMAT}\"", path)
    if data.get("version") != MARKS_VERSION:
        raise _fail(
            f"unsupported version {data.get('version')!r} (this site-builder reads {MARKS_VERSION})",
            path,
        )
    marks = data.get("marks")
    if not isinstance(marks, dict):
        raise _fail("`marks` must be an object of marks by paper id", path)
    found = []
    for paper_id in sorted(marks):
        item = marks[paper_id]
        what = f"mark of {paper_id}"
        if not isinstance(item, dict):
            raise _fail(f"{what} must be an object, got {item!r}", path)
        unknown = set(item) - {"status", "base_status", "starred", "base_starred", "notes"}
        if unknown:
            raise _fail(f"{what}: unknown field `{sorted(unknown)[0]}`", path)
        found.append(
            Mark(
                paper_id=paper_id,
                status=_optional_status(item.get("status"), f"{what}: `status`", path),
                base_status=_optional_status(item.get("base_status"), f"{what}: `base_status`", path),
                starred=_optional_bool(item.get("starred"), f"{what}: `starred`", path),
                base_starred=_optional_bool(item.get("base_starred"), f"{what}: `base_starred`", path),
                notes=_notes(item.get("notes"), f"{what}: `notes`", path),
            )
        )
    return MarksFile(str(data.get("site", "")), str(data.get("exported", "")), tuple(found))


def _front_end(lines: list[str]) -> int:
    return next(i for i in range(1, len(lines)) if lines[i].strip() in ("---", "..."))


def _set_field(lines: list[str], key: str, value: str, newline: str) -> list[str]:
    """Return the lines with top-level `key:`'s value replaced (comments kept), or the field added
    at the end of the front matter."""
    end = _front_end(lines)
    pattern = re.compile(rf"^{key}:(?P<space>[ \t]*){_VALUE}")
    for index in range(1, end):
        match = pattern.match(lines[index])
        if match:
            line = lines[index]
            new = line[: match.start("value")] + value + line[match.end("value") :]
            if not match.group("space"):
                new = f"{key}: {value}" + line[match.end("value") :]
            return [*lines[:index], new, *lines[index + 1 :]]
    return [*lines[:end], f"{key}: {value}{newline}", *lines[end:]]


def note_block(note: Note) -> str:
    """Return the Markdown a note becomes under `## Notes`."""
    return f"**{note.date}**\n\n{note.text}\n"


def _unseen(note: Note, section: str) -> Note | None:
    """Return the note cut to its paragraphs that are not in the notes section yet, or None.

    The browser keeps one note per paper that the reader goes on writing: exported again after
    a merge, only what was added since is appended.
    """
    paragraphs = [part.strip() for part in re.split(r"\n[ \t]*\n", note.text) if part.strip()]
    fresh = [part for part in paragraphs if part not in section]
    return Note(note.date, "\n\n".join(fresh)) if fresh else None


def _append_notes(text: str, notes: Iterable[Note], newline: str) -> tuple[str, int]:
    """Return the text with the notes not yet under `## Notes` appended, and how many were."""
    match = _NOTES_RE.search(text)
    section = text[match.end() :] if match else ""
    plain = section.replace("\r\n", "\n")
    fresh = [cut for note in notes if (cut := _unseen(note, plain)) is not None]
    if not fresh:
        return text, 0
    if not match:
        text = text.rstrip("\r\n") + newline * 2 + NOTES_HEADING + newline
    body = text.rstrip("\r\n") + newline
    for note in fresh:
        body += newline + note_block(note).replace("\n", newline)
    return body, len(fresh)


def merge_mark(text: str, paper: Paper, mark: Mark) -> Merge:
    """Merge one mark into a page's text: status and star three-way against the page's base,
    new notes appended. Pure: the text in, the new text (or a conflict) out."""
    newline = "\r\n" if "\r\n" in text else "\n"
    changes: list[str] = []
    status = paper.status
    if mark.status is not None and mark.status != paper.status:
        if mark.base_status is not None and mark.base_status != paper.status:
            return Merge(
                None,
                (),
                f"status is `{paper.status}` in the page but was `{mark.base_status}` when "
                f"marked `{mark.status}` in the browser",
            )
        status = mark.status
    starred = paper.starred
    if mark.starred is not None and mark.starred != paper.starred:
        if mark.base_starred is not None and mark.base_starred != paper.starred:
            now = "starred" if paper.starred else "not starred"
            return Merge(None, (), f"the page is {now} now, unlike when it was marked")
        starred = mark.starred
    lines = text.splitlines(keepends=True)
    if status != paper.status:
        lines = _set_field(lines, "status", status, newline)
        changes.append(f"status {status}")
    if starred != paper.starred:
        lines = _set_field(lines, "starred", "true" if starred else "false", newline)
        changes.append("starred" if starred else "unstarred")
    merged, added = _append_notes("".join(lines), mark.notes, newline)
    if added:
        changes.append(f"{added} note" + ("s" if added > 1 else ""))
    return Merge(merged if changes else None, tuple(changes), None)


def merge_marks_into_pages(
    marks: MarksFile, pages: Mapping[str, tuple[str, Paper]]
) -> tuple[dict[str, str], MarksReport]:
    """Merge every mark into the pages (shown path -> (text, parsed paper)); return the new
    texts by path and the report. Pure."""
    by_id = {paper.id: (path, text, paper) for path, (text, paper) in pages.items()}
    written: dict[str, str] = {}
    updated: list[tuple[str, tuple[str, ...]]] = []
    conflicts: list[tuple[str, str]] = []
    missing: list[str] = []
    unchanged = 0
    for mark in marks.marks:
        found = by_id.get(mark.paper_id)
        if found is None:
            missing.append(mark.paper_id)
            continue
        path, text, paper = found
        merge = merge_mark(text, paper, mark)
        if merge.conflict:
            conflicts.append((path, merge.conflict))
        elif merge.text is None:
            unchanged += 1
        else:
            check = parse_page(merge.text, path, paper.slug)
            assert check.status == (mark.status or paper.status), path
            written[path] = merge.text
            updated.append((path, merge.changes))
    report = MarksReport(tuple(updated), unchanged, tuple(missing), tuple(conflicts))
    return written, report


def _decode_page(data: bytes) -> tuple[str, bytes]:
    bom = b"\xef\xbb\xbf" if data.startswith(b"\xef\xbb\xbf") else b""
    return data[len(bom) :].decode("utf-8"), bom


def apply_marks(config: Config, marks_path: Path, shown: str) -> MarksReport:
    """Read a marks file and fold it into content/papers/*.md; write changed pages atomically.

    A bad marks file or an unreadable page stops before anything is written.
    """
    marks = parse_marks(read_text(marks_path, shown), shown)
    pages: dict[str, tuple[str, Paper]] = {}
    boms: dict[str, tuple[Path, bytes]] = {}
    for path in page_paths(config):
        page = config.shown(path)
        read_text(path, page)  # a page that is not UTF-8 fails here, with its line
        text, bom = _decode_page(path.read_bytes())
        pages[page] = (text, parse_page(text, page, path.stem))
        boms[page] = (path, bom)
    written, report = merge_marks_into_pages(marks, pages)
    for page, text in sorted(written.items()):
        path, bom = boms[page]
        write_file_atomic(path, bom + text.encode("utf-8"))
    return report
