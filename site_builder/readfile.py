"""Reading the user's files safely: regular files only, inside the project, with a size limit."""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from site_builder.errors import SiteError, SourcePos

MAX_FILE_BYTES = 64 * 1024 * 1024
"""Largest input file read (a dump, a page, a static file): anything bigger is refused."""


@dataclass(frozen=True, slots=True)
class FileStamp:
    """One version of a file: what a compare-and-swap write checks is still there."""

    size: int
    """Size in bytes."""
    mtime_ns: int
    """Modification time in nanoseconds."""
    inode: int
    """Inode number (a rename-save makes a new one)."""
    digest: str
    """SHA-256 of the bytes."""


def stamp_of(info: os.stat_result, data: bytes) -> FileStamp:
    """Return the stamp of a file version from its stat and bytes."""
    return FileStamp(info.st_size, info.st_mtime_ns, info.st_ino, hashlib.sha256(data).hexdigest())


def outside_reason(path: Path, root: Path) -> str | None:
    """Return why a path must not be read as part of the project, or None when it may be.

    A symbolic link (at any level) that leads out of the project, a symlink loop, and anything
    that is not a regular file (a FIFO, a device, a socket) are refused.
    """
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError) as exc:
        if isinstance(exc, RuntimeError) or getattr(exc, "errno", None) == errno.ELOOP:
            return "it is a symbolic link loop"
        if path.is_symlink():
            return "it is a symbolic link to nothing"
        return None  # missing: the reader says so
    if not real.is_relative_to(root.resolve()):
        return f"it is a symbolic link to {real}, outside the project"
    return None


_READ_FLAGS = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC
"""How files are opened: never blocking (a FIFO is refused, not waited on)."""


def open_folder(folder: Path, root: Path) -> int | None:
    """Return a descriptor of a project folder, for reading its files by name (see
    read_file_stamped); None when it is missing or reached through a link out of the project
    (its files are then read, and refused, by path). The caller closes it."""
    if outside_reason(folder, root) is not None:
        return None
    try:
        return os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return None


def read_file(path: Path, shown: str, root: Path | None = None) -> bytes:
    """Return a regular file's bytes; see read_file_stamped."""
    return read_file_stamped(path, shown, root)[0]


def _open_in(folder: int, name: str, where: SourcePos) -> int | None:
    """Open a file of a checked folder by name; None when it is a symbolic link."""
    try:
        return os.open(name, _READ_FLAGS | os.O_NOFOLLOW, dir_fd=folder)
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # O_NOFOLLOW met a link: checked by its path
            return None
        raise SiteError(f"cannot read: {exc.strerror}", where) from None


def read_file_stamped(
    path: Path, shown: str, root: Path | None = None, folder: int | None = None
) -> tuple[bytes, FileStamp]:
    """Return a regular file's bytes and the stamp of the version read.

    With `root`, a file reached through a symbolic link out of that folder is refused. FIFOs,
    devices, symlink loops and files over MAX_FILE_BYTES are refused as a SiteError naming the
    file; a FIFO is never opened for a blocking read. `folder` (from open_folder) is path's
    folder, known to be in the project: a file there that is not a link is opened in it by
    name, without resolving its path.
    """
    where = SourcePos(shown)
    handle = _open_in(folder, path.name, where) if folder is not None else None
    if handle is None:
        handle = _open_checked(path, root, where)
    try:
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode):
            raise SiteError(
                f"refusing to read: it is {_kind(info.st_mode)}, not a regular file", where
            )
        if info.st_size > MAX_FILE_BYTES:
            raise SiteError(
                f"refusing to read: {info.st_size} bytes, over the limit of {MAX_FILE_BYTES}", where
            )
        chunks = []
        left = MAX_FILE_BYTES + 1
        while left > 0:
            chunk = os.read(handle, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        if left <= 0:
            raise SiteError(f"refusing to read: over the limit of {MAX_FILE_BYTES} bytes", where)
    except OSError as exc:
        raise SiteError(f"cannot read: {exc.strerror}", where) from None
    finally:
        os.close(handle)
    data = b"".join(chunks)
    return data, stamp_of(info, data)


def _open_checked(path: Path, root: Path | None, where: SourcePos) -> int:
    """Open a file by path, refusing one reached through a link out of `root`."""
    reason = outside_reason(path, root) if root is not None else None
    if reason is not None:
        raise SiteError(f"refusing to read: {reason}", where)
    try:
        return os.open(path, _READ_FLAGS)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise SiteError("refusing to read: it is a symbolic link loop", where) from None
        raise SiteError(f"cannot read: {exc.strerror}", where) from None


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "a special file"
