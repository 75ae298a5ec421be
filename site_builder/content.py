"""Read the user's content: the taxonomy and the paper pages."""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Iterable
from functools import partial
from pathlib import Path

from site_builder.config import Config
from site_builder.controls import strip_controls
from site_builder.errors import SiteError, SourcePos, raise_all
from site_builder.executor import Executor
from site_builder.filecache import FileCache
from site_builder.models import Paper, Tag
from site_builder.pages import parse_page
from site_builder.readfile import FileStamp, open_folder, read_file_stamped
from site_builder.tags import parse_taxonomy


def read_text(path: Path, shown: str, root: Path | None = None) -> str:
    """Read a UTF-8 text file; a missing, unreadable or non-UTF-8 file is a SiteError.

    With `root`, a symbolic link out of that folder is refused (see readfile.read_file).
    """
    return read_text_stamped(path, shown, root)[0]


def read_text_stamped(
    path: Path, shown: str, root: Path | None = None, folder: int | None = None
) -> tuple[str, FileStamp]:
    """Read a UTF-8 text file as read_text does; also return the stamp of the version read
    (`folder`: see readfile.read_file_stamped)."""
    data, stamp = read_file_stamped(path, shown, root, folder)
    try:
        return data.decode("utf-8-sig"), stamp
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SiteError(
            f"not UTF-8 text (bad byte at offset {exc.start})", SourcePos(shown, line)
        ) from None


def read_taxonomy(config: Config) -> tuple[Tag, ...]:
    """Read content/tags.yml; no file means no tags."""
    if not config.tags_file.exists() and not config.tags_file.is_symlink():
        return ()  # a dangling link or a loop is refused by read_text, not taken for no file
    shown = config.shown(config.tags_file)
    return parse_taxonomy(strip_controls(read_text(config.tags_file, shown, config.root)), shown)


def page_paths(config: Config) -> list[Path]:
    """Return the paper pages, sorted by file name."""
    folder = config.papers_dir
    if not folder.is_dir():
        return []
    with os.scandir(folder) as entries:
        names = sorted(
            e.name for e in entries if e.name.endswith(".md") and not e.name.startswith(".")
        )
    return [folder / name for name in names]


_PAGE_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
"""A page's file name without `.md` is its URL segment: only characters a URL keeps as they are."""


def read_paper(
    config: Config, path: Path, tag_ids: Iterable[str] | None, folder: int | None = None
) -> Paper:
    """Read and parse one paper page; a file name that cannot be a URL segment is refused.

    `folder`: the papers folder opened with readfile.open_folder, when path is in it.
    """
    shown = config.shown(path)
    if not _PAGE_NAME_RE.fullmatch(path.stem):
        raise SiteError(
            "the file name is the page's URL: use only letters a-z, digits, `-`, `_` and `.` "
            "(no spaces, `#`, `?`, `%` or other characters)",
            SourcePos(shown),
        )
    text = read_text_stamped(path, shown, config.root, folder)[0]
    return parse_page(text, shown, path.stem, tag_ids)


def read_paper_run(
    config: Config, tag_ids: frozenset[str] | None, paths: Iterable[Path]
) -> list[Paper | SiteError]:
    """Read a run of paper pages; each gives its Paper or what is wrong with it."""
    folder = open_folder(config.papers_dir, config.root)
    folder_name = str(config.papers_dir)
    read: list[Paper | SiteError] = []
    try:
        for path in paths:
            try:
                in_folder = folder if os.path.dirname(path) == folder_name else None
                read.append(read_paper(config, path, tag_ids, in_folder))
            except SiteError as exc:
                read.append(exc)
    finally:
        if folder is not None:
            os.close(folder)
    return read


PARALLEL_PAGES = 2000
"""Pages from which reading them in child processes pays (see bench/import_stage.py)."""


def read_papers(
    config: Config,
    tag_ids: Iterable[str] | None,
    paths: Iterable[Path] | None = None,
    cache: FileCache[Paper] | None = None,
    changed: Collection[Path] | None = None,
    executor: Executor | None = None,
) -> list[Paper]:
    """Read every paper page, collecting all problems (including duplicate papers) before failing.

    With a cache, pages whose file did not change since the last read are not parsed again;
    `changed` (from a file watcher) lists the only files that may have changed. With an
    executor, many pages are read in child processes.
    """
    known = None if tag_ids is None else frozenset(tag_ids)
    cache = cache if cache is not None else FileCache()
    paths = page_paths(config) if paths is None else list(paths)
    run = partial(read_paper_run, config, known)
    read = cache.get_many(
        paths,
        known,
        run if executor is None else partial(executor.map, run, threshold=PARALLEL_PAGES),
        changed,
    )
    cache.keep_only(set(paths))
    papers: list[Paper] = []
    errors: list[SiteError] = []
    for item in read:
        if isinstance(item, SiteError):
            errors.extend(getattr(item, "errors", [item]))
        else:
            papers.append(item)
    errors.extend(find_duplicates(papers))
    raise_all(errors)
    return papers


def find_duplicates(papers: Iterable[Paper]) -> list[SiteError]:
    """Return an error for each page that repeats another's paper id or URL slug."""
    errors = []
    by_id: dict[str, Paper] = {}
    by_slug: dict[str, Paper] = {}
    for paper in papers:
        first = by_id.setdefault(paper.id, paper)
        if first is not paper:
            errors.append(
                SiteError(
                    f"duplicate paper: same id `{paper.id}` as {first.where.path}", paper.where
                )
            )
        other = by_slug.setdefault(paper.slug.casefold(), paper)
        if other is not paper:
            errors.append(
                SiteError(f"duplicate slug: {other.where.path} has the same URL", paper.where)
            )
    return errors
