"""Writing files atomically: single files, and whole sites swapped in at once."""

from __future__ import annotations

import contextlib
import ctypes
import errno
import functools
import hashlib
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from pathlib import Path

from site_builder.errors import SiteError
from site_builder.readfile import FileStamp, stamp_of


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _current_umask()
"""Read once at import, while the process has one thread (os.umask can only be read by setting it)."""
SITE_FILE_MODE = 0o644
"""Mode of every file in the built site, whatever the umask."""
MARKER_FILE = ".site-builder"
"""Written into every output folder a build makes: only such a folder (or an empty or missing
one) is ever replaced by a build."""
MARKER_TEXT = b"This folder is built by site-builder: every build replaces all of it.\n"
PROTECTED_DIRS = ("content", "templates", "static", "site_builder", ".git", ".venv", "node_modules")
"""Folders of the project a build never writes into."""
_RENAME_NOREPLACE = 1
"""renameat2 flag: rename, failing if the target exists (Linux 3.15+)."""
_RENAME_EXCHANGE = 2
"""renameat2 flag: swap two paths atomically (Linux 3.15+)."""
_AT_FDCWD = -100


def check_output_dir(out_dir: Path, root: Path) -> None:
    """Refuse an output folder a build must not replace; a SiteError says which path and why.

    A build replaces the output folder whole, so it may be only a folder a build made (it holds
    the marker file), an empty folder or a missing one, and never the project or part of it.
    """
    out = Path(os.path.abspath(out_dir))
    shown = str(out)
    try:
        resolved = out.resolve(strict=False)
        project = root.resolve()
    except (OSError, RuntimeError) as exc:
        raise SiteError(
            f"refusing to build into {shown}: the path cannot be resolved ({exc})"
        ) from None
    if project.is_relative_to(resolved):
        raise SiteError(f"refusing to build into {shown}: it holds the project itself")
    for name in PROTECTED_DIRS:
        if resolved.is_relative_to(project / name):
            raise SiteError(f"refusing to build into {shown}: it is inside the project's {name}/")
    if out.is_symlink():
        raise SiteError(
            f"refusing to build into {shown}: it is a symbolic link (a build replaces the folder "
            "itself; point out_dir at the real folder)"
        )
    if not out.exists():
        return
    if not out.is_dir():
        raise SiteError(f"refusing to build into {shown}: it is a file, not a folder")
    try:
        with os.scandir(out) as entries:
            names = [entry.name for entry in entries]
    except OSError as exc:
        raise SiteError(
            f"refusing to build into {shown}: cannot list it ({exc.strerror})"
        ) from None
    if names and MARKER_FILE not in names:
        raise SiteError(
            f"refusing to build into {shown}: it holds files site-builder did not write (no "
            f"{MARKER_FILE} marker), and a build replaces the whole folder; move them away or "
            "choose another output folder (out_dir in site.yml, or --out)"
        )


def remove_stale_temp_dirs(out_dir: Path) -> list[Path]:
    """Remove the temp folders that killed builds of out_dir left beside it; return them."""
    parent = out_dir.absolute().parent
    prefixes = (f".{out_dir.name}.new-", f".{out_dir.name}.old-")
    removed = []
    try:
        with os.scandir(parent) as entries:
            stale = sorted(
                Path(entry.path)
                for entry in entries
                if entry.name.startswith(prefixes) and entry.is_dir(follow_symlinks=False)
            )
    except OSError:
        return []
    for path in stale:
        if _owner_is_gone(path):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def _owner_is_gone(path: Path) -> bool:
    """Tell whether the build that made a temp folder is over (its pid file names a dead process)."""
    try:
        pid = int((path / _PID_FILE).read_text(encoding="ascii"))
    except (OSError, ValueError):
        return True
    return _process_is_gone(pid)


def _process_is_gone(pid: int) -> bool:
    """Tell whether no process has this id (one of another user's counts as alive)."""
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OverflowError):
        return False
    return False


_PID_FILE = ".site-builder-pid"
"""In a temp folder while a build writes it: the building process, so a concurrent build does
not take it for a killed build's leftover."""


_TEMP_FILE_RE = re.compile(r"\..+\.(\d+)\.\d+\.tmp")
"""The temp files of write_file_atomic and write_file_if_unchanged: `.<name>.<pid>.<thread>.tmp`."""


def _temp_path(path: Path) -> Path:
    """Return the temp file a write of `path` by this thread goes through (see _TEMP_FILE_RE)."""
    return path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")


def remove_stale_temp_files(folder: Path) -> list[str]:
    """Remove the temp files that killed writers left in a folder; return their names."""
    try:
        with os.scandir(folder) as entries:
            temps = sorted(
                (entry.name, int(match[1]))
                for entry in entries
                if (match := _TEMP_FILE_RE.fullmatch(entry.name))
            )
    except OSError:
        return []
    removed = []
    for name, pid in temps:
        if _process_is_gone(pid):
            with contextlib.suppress(OSError):
                os.unlink(folder / name)
                removed.append(name)
    return removed


def write_file_atomic(path: Path, data: bytes | str) -> None:
    """Write a file so readers see the old bytes or the new ones, never half of them."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    temp = _temp_path(path)
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


def write_file_if_unchanged(path: Path, data: bytes | str, expected: FileStamp | None) -> bool:
    """Write a file atomically only if it is still the version `expected` (None: still missing).

    A compare-and-swap for files a person edits: the new bytes are written to a temp file, the
    file is checked right before the rename (size, modification time, inode and content hash
    against the version read), and a file changed meanwhile (a rename-save by an editor) is left
    as it is. A missing file is created by a rename that never replaces a file (a link where the
    OS has none), so one made meanwhile is kept (the temp file a killed process leaves is removed
    by remove_stale_temp_files). Return whether the file was written.
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    temp = _temp_path(path)
    mode = SITE_FILE_MODE if expected is None else _mode_of(path)
    if mode is None:
        return False  # gone meanwhile: the reader deleted it
    try:
        handle = _create_temp(temp, mode, make_folder=expected is None)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            if _UMASK & mode:
                os.fchmod(handle, mode)
        if expected is None:
            try:
                # One rename where the OS has it (a link and an unlink elsewhere): 100,000 new
                # pages take seconds less.
                if not _rename_new(temp, path):
                    os.link(temp, path)
            except FileExistsError:
                return False
            return True
        if _current_stamp(path) != expected:
            return False
        os.replace(temp, path)
        return True
    finally:
        temp.unlink(missing_ok=True)


def _create_temp(temp: Path, mode: int, make_folder: bool) -> int:
    """Create a temp file for writing; its folder too, if missing and `make_folder` (tried only
    after the create fails, so a folder that exists costs no `mkdir`)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_EXCL
    try:
        return os.open(temp, flags, mode)
    except FileNotFoundError:
        if not make_folder:
            raise
    temp.parent.mkdir(parents=True, exist_ok=True)
    return os.open(temp, flags, mode)


def _write_all(handle: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(handle, view) :]


def _mode_of(path: Path) -> int | None:
    try:
        return path.stat().st_mode & 0o777
    except FileNotFoundError:
        return None


def _current_stamp(path: Path) -> FileStamp | None:
    """Return the stamp of the file as it is now (None when it cannot be read)."""
    try:
        with open(path, "rb") as stream:
            info = os.fstat(stream.fileno())
            return stamp_of(info, stream.read())
    except OSError:
        return None


def content_digest(data: bytes) -> str:
    """Return what identifies a file's bytes between builds (BLAKE2b, 128 bits)."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


class SiteWriter:
    """Where a build puts the site's files as they are made, so no process holds the whole site.

    Staged (a fresh build): files go into a temp folder beside out_dir, those unchanged hard-linked
    from the previous site, and `finish` swaps it in whole; a failure leaves the previous site as
    it was. In place (a long-lived process that wrote out_dir itself, the dev server): only files
    whose digest differs from `previous` are replaced, each atomically. Child processes rendering
    pages write through the writer they inherit; each keeps its own record of folders made.
    """

    def __init__(
        self, out_dir: Path, previous: Mapping[str, str] | None = None, digests: bool = True
    ) -> None:
        self.out_dir = out_dir.absolute()
        self.previous: dict[str, str] = dict(previous or {})
        """Digest of each file out_dir holds (in place only)."""
        self.digests = digests or bool(self.previous)
        """Whether `put` returns each file's digest (else ""): a build that no other follows
        (the command line's, staged whole) does not compare its files with anything later."""
        self.stage: Path | None = None
        """The temp folder of a staged build."""
        self._had_site = False
        self._made: set[str] = set()
        try:
            if previous and self.out_dir.is_dir():
                return
            self.out_dir.parent.mkdir(parents=True, exist_ok=True)
            remove_stale_temp_dirs(self.out_dir)
            self._had_site = self.out_dir.is_dir()
            self.stage = Path(
                tempfile.mkdtemp(prefix=f".{self.out_dir.name}.new-", dir=self.out_dir.parent)
            )
            (self.stage / _PID_FILE).write_text(str(os.getpid()), encoding="ascii")
            _write_new(self.stage / MARKER_FILE, MARKER_TEXT)
        except OSError as exc:
            self.abort()
            raise _write_error(self.out_dir, exc) from None

    @property
    def staged(self) -> bool:
        """Whether the site is written whole into a temp folder (else changed in place)."""
        return self.stage is not None

    def put(self, relative: str, data: bytes) -> tuple[str, bool]:
        """Write one file of the site; return its digest ("" unless `digests`) and whether its
        bytes changed."""
        digest = content_digest(data) if self.digests else ""
        try:
            if self.stage is None:
                if self.previous.get(relative) == digest:
                    return digest, False
                write_file_atomic(self.out_dir / relative, data)
                return digest, True
            target = self._staged_path(relative)
            if self._had_site and _same_bytes(old := f"{self.out_dir}/{relative}", data):
                with contextlib.suppress(OSError):
                    os.link(old, target)
                    return digest, False
                _write_new(target, data)
                return digest, False
            _write_new(target, data)
            return digest, True
        except OSError as exc:
            raise _write_error(self.out_dir, exc, self.staged) from None

    def put_chunks(self, relative: str, chunks: Iterable[bytes]) -> tuple[str, bool]:
        """Write one file of the site from its bytes in pieces: staged, each written as it comes
        (a file of hundreds of megabytes is never held whole); in place, joined first, so that
        unchanged bytes are not written at all. Return as `put` does."""
        if self.stage is None:
            return self.put(relative, b"".join(chunks))
        hasher = hashlib.blake2b(digest_size=16)
        try:
            target = self._staged_path(relative)
            _write_new(target, chunks, hasher.update if self.digests else id)
            digest = hasher.hexdigest() if self.digests else ""
            if self._had_site and _same_files(old := f"{self.out_dir}/{relative}", target):
                with contextlib.suppress(OSError):
                    os.link(old, f"{target}.old")
                    os.replace(f"{target}.old", target)  # the previous site's file, as `put`
                return digest, False
            return digest, True
        except OSError as exc:
            raise _write_error(self.out_dir, exc, self.staged) from None

    def _staged_path(self, relative: str) -> str:
        """Return where a file of the site goes in the stage, its folder made. Plain strings,
        not Paths: this runs once per file of the site."""
        target = f"{self.stage}/{relative}"
        folder = target.rpartition("/")[0]
        if folder not in self._made:
            _make_folder(folder)
            self._made.add(folder)
        return target

    def take_in(self, relative: str, digest: str) -> None:
        """Record that out_dir holds a file with this digest, written there by another writer
        (the dev server's fast render): in place, a later `put` of the same bytes skips it."""
        if self.stage is None:
            self.previous[relative] = digest

    def put_all(
        self, files: Mapping[str, bytes] | Iterable[tuple[str, bytes | Iterator[bytes]]]
    ) -> tuple[dict[str, str], int]:
        """Write these files (a mapping, or (path, bytes) pairs written as they come, so that
        only one is held at a time; bytes may come in pieces, see put_chunks); return their
        digests and how many changed."""
        pairs = sorted(files.items()) if isinstance(files, Mapping) else files
        digests = {}
        changed = 0
        for relative, data in pairs:
            digests[relative], was_changed = (
                self.put(relative, data)
                if isinstance(data, bytes)
                else self.put_chunks(relative, data)
            )
            changed += was_changed
        return digests, changed

    def finish(self, site: Collection[str]) -> int:
        """Make out_dir hold the site, whose files are `site`: swap the stage in, or remove the
        files a previous build left that are not in it; return how many were removed."""
        try:
            if self.stage is not None:
                _swap(self.stage, self.out_dir)
                self.stage = None
                return 0
            gone = sorted(set(self.previous) - set(site))
            for relative in gone:
                (self.out_dir / relative).unlink(missing_ok=True)
            return len(gone)
        except OSError as exc:
            raise _write_error(self.out_dir, exc, self.staged) from None

    def abort(self) -> None:
        """Remove what a staged build wrote (the previous site stays as it was)."""
        if self.stage is not None:
            shutil.rmtree(self.stage, ignore_errors=True)
            self.stage = None


def write_site(
    out_dir: Path, files: Mapping[str, bytes], previous: Mapping[str, str] | None = None
) -> tuple[dict[str, str], int]:
    """Write a whole site (see SiteWriter: staged, or in place over `previous`); return the
    files' digests and how many files were written or removed."""
    writer = SiteWriter(out_dir, previous)
    try:
        digests, changed = writer.put_all(files)
        changed += writer.finish(files)
    except BaseException:
        writer.abort()
        raise
    return digests, changed


def _write_error(out_dir: Path, exc: OSError, staged: bool = True) -> SiteError:
    """Return the one-line error for a site that could not be written (full disk, read-only);
    a staged site leaves the previous one as it was."""
    kept = "; the previous site is left as it was" if staged else ""
    return SiteError(f"cannot write the site into {out_dir}: {exc.strerror or exc}{kept}")


def _make_folder(folder: str) -> None:
    """Make a folder of the staged site, and its parents if need be (one call when only the
    folder itself is new, as for most pages)."""
    try:
        os.mkdir(folder)
    except FileExistsError:
        pass
    except FileNotFoundError:
        os.makedirs(folder, exist_ok=True)


def _write_new(
    path: str | Path, data: bytes | Iterable[bytes], seen: Callable[[bytes], object] = id
) -> None:
    """Create a file of the site with its bytes (or pieces of them, each also handed to `seen`)
    and mode (chmod only if the umask takes bits away)."""
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, SITE_FILE_MODE)
    try:
        if isinstance(data, bytes):
            _write_all(handle, data)
        else:
            for piece in data:
                seen(piece)
                _write_all(handle, piece)
        if _UMASK & SITE_FILE_MODE:
            os.fchmod(handle, SITE_FILE_MODE)
    finally:
        os.close(handle)


def _same_bytes(path: str, data: bytes) -> bool:
    try:
        if os.stat(path).st_size != len(data):
            return False
        with open(path, "rb") as stream:
            return stream.read() == data
    except OSError:
        return False


def _same_files(first: str, second: str) -> bool:
    """Whether two files hold the same bytes (read a megabyte at a time)."""
    try:
        if os.stat(first).st_size != os.stat(second).st_size:
            return False
        with open(first, "rb") as one, open(second, "rb") as other:
            while block := one.read(1 << 20):
                if block != other.read(len(block)):
                    return False
        return True
    except OSError:
        return False


def _swap(stage: Path, out_dir: Path) -> None:
    """Put the staged dir in place of out_dir, then remove the old one.

    Where the OS has renameat2(RENAME_EXCHANGE) the two folders trade places in one step, so
    out_dir always holds a complete site; elsewhere it takes two renames.
    """
    os.chmod(stage, 0o755)
    (stage / _PID_FILE).unlink()
    if not out_dir.exists():
        os.replace(stage, out_dir)
        return
    if exchange_paths(stage, out_dir):
        shutil.rmtree(stage, ignore_errors=True)  # now the old site
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


def exchange_paths(first: Path, second: Path) -> bool:
    """Swap two paths atomically with renameat2(RENAME_EXCHANGE); False where the OS cannot."""
    return _rename_with(first, second, _RENAME_EXCHANGE)


def _rename_new(source: Path, target: Path) -> bool:
    """Rename source to target, which must not exist (FileExistsError if it does: it is left as
    it is), with renameat2(RENAME_NOREPLACE); False where the OS cannot."""
    return _rename_with(source, target, _RENAME_NOREPLACE)


def _rename_with(source: Path, target: Path, flag: int) -> bool:
    """Call renameat2 with one flag; return False where the OS or file system lacks it."""
    renameat2 = _renameat2()
    if renameat2 is None:
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(source), _AT_FDCWD, os.fsencode(target), flag)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):  # old kernel, or the file system
        return False
    raise OSError(code, os.strerror(code), str(target))


@functools.cache
def _renameat2() -> Callable[[int, bytes, int, bytes, int], int] | None:
    """Return libc's renameat2, or None where there is none (not Linux, or glibc before 2.28)."""
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    function.restype = ctypes.c_int
    return function
