"""Parse results kept per file, reused while the file's size and modification time are unchanged."""

from __future__ import annotations

import os
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

T = TypeVar("T")


def stat_key(path: Path) -> tuple[int, int, int]:
    """Return what identifies a file's version: modification time (ns), size and inode."""
    info = os.stat(path)
    return (info.st_mtime_ns, info.st_size, info.st_ino)


@dataclass(slots=True)
class FileCache(Generic[T]):
    """Values computed from files; a value is recomputed when its file or extra key changes."""

    entries: dict[Path, tuple[Hashable, T]] = field(default_factory=dict)
    """Path -> (file version and extra key, value)."""

    def get(
        self, path: Path, extra: Hashable, compute: Callable[[], T], *, check: bool = True
    ) -> T:
        """Return the cached value for path, computing it when the file or `extra` changed.

        With `check=False` a cached value is trusted without looking at the file (the caller
        knows from a file watcher that it did not change).
        """
        if not check:
            cached = self.entries.get(path)
            if cached is not None and cached[0][1] == extra:  # type: ignore[index]
                return cached[1]
        try:
            key: Hashable = (stat_key(path), extra)
        except OSError:
            return compute()
        cached = self.entries.get(path)
        if cached is not None and cached[0] == key:
            return cached[1]
        value = compute()
        self.entries[path] = (key, value)
        return value

    def peek(self, path: Path, extra: Hashable) -> T | None:
        """Return the cached value for path if the file and `extra` are unchanged, else None."""
        cached = self.entries.get(path)
        try:
            return (
                cached[1] if cached is not None and cached[0] == (stat_key(path), extra) else None
            )
        except OSError:
            return None

    def put(self, path: Path, extra: Hashable, value: T) -> None:
        """Remember a value for the file as it is now (e.g. a page this process just wrote)."""
        self.entries[path] = ((stat_key(path), extra), value)

    def keep_only(self, paths: set[Path]) -> None:
        """Forget files that are gone."""
        for path in [p for p in self.entries if p not in paths]:
            del self.entries[path]
