"""Watching the project's inputs: which file events matter, debounced into one rebuild per burst."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirModifiedEvent,
    DirMovedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver, ObservedWatch

from site_builder.config import CONFIG_FILE, Config
from site_builder.output import content_digest

WATCHED_DIRS = ("content", "templates", "static")
"""Folders under the project root whose files are inputs of the build."""
EVENT_TYPES = [
    FileCreatedEvent,
    FileModifiedEvent,
    FileDeletedEvent,
    FileMovedEvent,
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
]
"""Events worth a rebuild. Never open/close events: the build reads every input, and those reads
would otherwise trigger the next build, forever."""
_TEMP_SUFFIXES = ("~", ".swp", ".swx", ".swo", ".tmp", ".bak", ".crdownload", ".part")
_TEMP_NAMES = frozenset({"4913"})  # vim probes whether it may write a directory with this file


def is_ignored(path: Path, root: Path, ignored_dirs: Iterable[Path] = ()) -> bool:
    """Return whether a changed path can never affect the site.

    Editors' swap, backup, lock and temp files, hidden files and folders, anything outside the
    watched inputs, and the output folders (the server's own writes must never trigger builds).
    """
    if any(path.is_relative_to(folder) for folder in ignored_dirs):
        return True
    try:
        parts = path.relative_to(root).parts
    except ValueError:
        return True
    if not parts or (parts[0] not in WATCHED_DIRS and parts != (CONFIG_FILE,)):
        return True
    if any(part.startswith(".") for part in parts):
        return True  # hidden files, vim `.x.swp`, emacs `.#x` locks, write_file_atomic's `.x.tmp`
    name = parts[-1]
    return (
        name in _TEMP_NAMES
        or name.endswith(_TEMP_SUFFIXES)
        or (name.startswith("#") and name.endswith("#"))  # emacs auto-save
    )


def fingerprint(path: Path) -> str | None:
    """Return a hash of a file's bytes, "dir" for a folder, None when it does not exist."""
    try:
        if path.is_dir():
            return "dir"
        return content_digest(path.read_bytes())
    except OSError:
        return None


@dataclass(slots=True)
class _Burst:
    """Paths changed since a reader last took them, and when the first of them came."""

    pending: set[Path] = field(default_factory=set)
    first: float | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    wake: threading.Event = field(default_factory=threading.Event)

    def add(self, path: Path) -> None:
        with self.lock:
            self.pending.add(path)
            if self.first is None:
                self.first = time.monotonic()
        self.wake.set()

    def wait(self, quiet: float, longest: float, stop: threading.Event) -> set[Path]:
        """Block until paths come and then `quiet` seconds pass without more (at most `longest`
        seconds after the first); return them, or an empty set when stopped."""
        while not stop.is_set():
            self.wake.wait()
            self.wake.clear()
            if stop.is_set():
                break
            with self.lock:
                first = self.first
            if first is None:
                continue
            while not stop.is_set():
                remaining = first + longest - time.monotonic()
                if remaining <= 0 or not self.wake.wait(min(quiet, remaining)):
                    break
                self.wake.clear()
            with self.lock:
                paths, self.pending, self.first = self.pending, set(), None
            return paths
        return set()

    def interrupt(self) -> None:
        """Wake a reader blocked in `wait` (to see that it is asked to stop)."""
        self.wake.set()


@dataclass(slots=True)
class ChangeTracker:
    """What the watcher saw since the last build, and what each input looked like at that build.

    Watchdog threads only call `record`; each path reaches two readers: the build loop (one
    rebuild per burst) and the fast render of edited pages (preview.py), each in its own thread.
    """

    root: Path
    """Project root."""
    ignored_dirs: tuple[Path, ...] = ()
    """Folders whose events are dropped (the server's temp output, the user's _site)."""
    known: dict[Path, str | None] = field(default_factory=dict)
    """Fingerprint of each input as of the last build; an event leaving it equal is dropped."""
    _builds: _Burst = field(default_factory=_Burst)
    _previews: _Burst = field(default_factory=_Burst)

    def record(self, path: Path) -> None:
        """Note a changed path (cheap: called from the watchdog thread)."""
        if is_ignored(path, self.root, self.ignored_dirs):
            return
        self._builds.add(path)
        self._previews.add(path)

    def wait_for_burst(self, quiet: float, longest: float, stop: threading.Event) -> set[Path]:
        """Block until changes arrive and then `quiet` seconds pass without more (at most `longest`
        seconds after the first); return the changed paths, or an empty set when stopped."""
        return self._builds.wait(quiet, longest, stop)

    def wait_for_previews(self, quiet: float, stop: threading.Event) -> set[Path]:
        """Like wait_for_burst, for the fast render: every changed path, once, as it comes."""
        return self._previews.wait(quiet, quiet, stop)

    def rebuild(self, paths: Iterable[Path]) -> None:
        """Make the next burst hold these paths as changed, even if their bytes are as the last
        build saw them (called from the build loop's thread, which alone reads `known`)."""
        for path in paths:
            self.known.pop(path, None)
            self._builds.add(path)

    def interrupt(self) -> None:
        """Wake the readers blocked in wait_for_burst or wait_for_previews."""
        self._builds.interrupt()
        self._previews.interrupt()

    def remember(self, paths: Iterable[Path]) -> None:
        """Fingerprint these paths as they are now (after the build wrote them, or at startup)."""
        for path in paths:
            self.known[path] = fingerprint(path)

    def remember_inputs(self) -> None:
        """Fingerprint every input file of the project."""
        for name in WATCHED_DIRS:
            folder = self.root / name
            if folder.is_dir():
                self.remember(
                    path
                    for path in folder.rglob("*")
                    if not is_ignored(path, self.root, self.ignored_dirs)
                )
        self.remember([self.root / CONFIG_FILE])

    def real_changes(self, paths: Iterable[Path]) -> list[Path]:
        """Return the paths whose content differs from the last build's, and remember them.

        This drops what the build wrote itself (import's new pages, once remembered), a save that
        changed nothing, and temp files that came and went.
        """
        changed = []
        for path in sorted(paths):
            now = fingerprint(path)
            if now != self.known.get(path):
                changed.append(path)
            if now is None:
                self.known.pop(path, None)
            else:
                self.known[path] = now
        return changed


class _Handler(FileSystemEventHandler):
    """Forward each relevant path of an event to the tracker; nothing else happens here."""

    def __init__(self, tracker: ChangeTracker) -> None:
        self.tracker = tracker

    def on_any_event(self, event: FileSystemEvent) -> None:
        if isinstance(event, DirModifiedEvent):
            return  # a folder's mtime moves with every child; the child's own event is enough
        for raw in (event.src_path, getattr(event, "dest_path", "")):
            if raw:
                self.tracker.record(Path(_text(raw)))


def _text(path: str | bytes) -> str:
    return path.decode("utf-8", "surrogateescape") if isinstance(path, bytes) else path


class Watcher:
    """A watchdog observer on the inputs of a project: content/, templates/, static/, site.yml."""

    def __init__(self, config: Config, tracker: ChangeTracker) -> None:
        self.root = config.root
        self._handler = _Handler(tracker)
        self._observer: BaseObserver = Observer()
        self._folders: dict[Path, tuple[ObservedWatch, int]] = {}

    def start(self) -> None:
        """Start watching."""
        # The root itself only for site.yml and input folders created later; never recursively,
        # since it holds node_modules, .git and _site.
        self._observer.schedule(
            self._handler, str(self.root), recursive=False, event_filter=EVENT_TYPES
        )
        self._observer.start()
        self.watch_folders()

    def watch_folders(self) -> None:
        """Watch each input folder that exists, again if it was deleted and created anew."""
        for name in WATCHED_DIRS:
            folder = self.root / name
            try:
                inode = folder.stat().st_ino if folder.is_dir() else None
            except OSError:
                inode = None
            current = self._folders.get(folder)
            if current and current[1] == inode:
                continue
            if current:
                self._observer.unschedule(current[0])
                del self._folders[folder]
            if inode is not None:
                watch = self._observer.schedule(
                    self._handler, str(folder), recursive=True, event_filter=EVENT_TYPES
                )
                self._folders[folder] = (watch, inode)

    def stop(self) -> None:
        """Stop the observer and wait for its threads to end."""
        self._observer.stop()
        if self._observer.is_alive():
            self._observer.join()
