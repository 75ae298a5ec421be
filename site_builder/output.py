"""Writing files atomically: single files, and whole sites swapped in at once."""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from pathlib import Path

from site_builder.progress import Advance, ignore


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _current_umask()
"""Read once at import, while the process has one thread (os.umask can only be read by setting it)."""
SITE_FILE_MODE = 0o644
"""Mode of every file in the built site, whatever the umask."""


def write_file_atomic(path: Path, data: bytes | str) -> None:
    """Write a file so readers see the old bytes or the new ones, never half of them."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    temp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        mode = path.stat().st_mode & 0o777
    except FileNotFoundError:
        mode = 0o644
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        handle = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_EXCL, mode)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            if _UMASK & mode:  # the umask took bits of the mode away
                os.fchmod(handle, mode)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


HelpWriting = Callable[[Path, Path, list[str]], "Future[int]"]
"""Hands some files to another process: (stage dir, output dir, relative paths) -> the count
of changed files it wrote, as write_staged returns it."""


def write_site(
    out_dir: Path,
    files: Mapping[str, bytes],
    helper: HelpWriting | None = None,
    advance: Advance = ignore,
) -> int:
    """Write the whole site into a sibling temp dir, then swap it in; return files whose bytes changed.

    Unchanged files are hard-linked from the previous site instead of rewritten, so a rebuild of a
    large site costs little more than its changed pages. With a `helper` (a worker process that
    has `files` too), it writes every other directory's files meanwhile. A failure leaves the
    previous site intact.
    """
    out_dir = out_dir.absolute()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.new-", dir=out_dir.parent))
    try:
        mine, theirs = _split_by_directory(sorted(files)) if helper else (sorted(files), [])
        helped = helper(stage, out_dir, theirs) if helper is not None and theirs else None
        changed = write_staged(stage, out_dir, files, mine, advance)
        if helped is not None:
            changed += helped.result()
            advance(len(theirs))
        _swap(stage, out_dir)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    return changed


def _split_by_directory(paths: list[str]) -> tuple[list[str], list[str]]:
    """Split paths into two lists, every other directory's files in the second."""
    directory = {path: path.rpartition("/")[0] for path in paths}
    second = set(sorted(set(directory.values()))[1::2])
    return (
        [path for path in paths if directory[path] not in second],
        [path for path in paths if directory[path] in second],
    )


def write_staged(
    stage: Path,
    out_dir: Path,
    files: Mapping[str, bytes],
    paths: list[str],
    advance: Advance = ignore,
) -> int:
    """Write these files of the site into the stage dir, linking those unchanged from out_dir;
    return how many changed."""
    had_site = out_dir.is_dir()
    made = {stage}
    changed = 0
    for relative in paths:
        advance(1)
        data = files[relative]
        target = stage / relative
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        if had_site and _same_bytes(out_dir / relative, data):
            try:
                os.link(out_dir / relative, target)
                continue
            except OSError:
                pass
        else:
            changed += 1
        _write_new(target, data)
    return changed


def _write_new(path: Path, data: bytes) -> None:
    """Create a file of the site with its bytes and mode (chmod only if the umask takes bits away)."""
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, SITE_FILE_MODE)
    with os.fdopen(handle, "wb") as stream:
        stream.write(data)
        if _UMASK & SITE_FILE_MODE:
            os.fchmod(handle, SITE_FILE_MODE)


def _same_bytes(path: Path, data: bytes) -> bool:
    try:
        if path.stat().st_size != len(data):
            return False
        return path.read_bytes() == data
    except OSError:
        return False


def _swap(stage: Path, out_dir: Path) -> None:
    """Put the staged dir in place of out_dir (two renames; the old one is then removed)."""
    os.chmod(stage, 0o755)
    if not out_dir.exists():
        os.replace(stage, out_dir)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
    old.rmdir()
    os.replace(out_dir, old)
    try:
        os.replace(stage, out_dir)
    except BaseException:
        os.replace(old, out_dir)
        raise
    shutil.rmtree(old, ignore_errors=True)


def sync_site(out_dir: Path, files: Mapping[str, bytes], previous: Mapping[str, bytes]) -> int:
    """Bring out_dir from `previous` (what it holds) to `files`, touching only what differs.

    For a long-lived process that wrote `previous` itself (the dev server): each changed file is
    replaced atomically and vanished ones are removed, so a one-paper edit writes a few files
    instead of restaging thousands. Return the number of files written or removed.
    """
    changed = 0
    for relative in sorted(files):
        data = files[relative]
        old = previous.get(relative)
        if old is data or old == data:
            continue
        write_file_atomic(out_dir / relative, data)
        changed += 1
    for relative in sorted(set(previous) - set(files)):
        (out_dir / relative).unlink(missing_ok=True)
        changed += 1
    return changed
