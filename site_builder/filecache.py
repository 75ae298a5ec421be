"""Parse results kept per file, reused while the file's size and modification time are unchanged."""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Hashable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

T = TypeVar("T")
E = TypeVar("E", bound=BaseException)


def stat_key(path: Path) -> tuple[int, int, int]:
    """Return what identifies a file's version: modification time (ns), size and inode."""
    info = os.stat(path)
    return (info.st_mtime_ns, info.st_size, info.st_ino)


@dataclass(slots=True)
class FileCache(Generic[T]):
    """Values computed from files; a value is recomputed when its file or extra key changes."""

    entries: dict[Path, tuple[Hashable, T]] = field(default_factory=dict)
    """Path -> (file version and extra key, value)."""

    def get_many(
        self,
        paths: Sequence[Path],
        extra: Hashable,
        compute: Callable[[list[Path]], list[T | E]],
        changed: Collection[Path] | None = None,
    ) -> list[T | E]:
        """Return the value for each path, computing those whose file or `extra` changed in one
        call (which may hand them to child processes); an exception computed is returned, not
        kept. `changed` (from a file watcher) lists the only files that may have changed: the
        others' values are trusted without looking at the files."""
        found: dict[Path, T | E] = {}
        todo: list[Path] = []
        keys: list[Hashable | None] = []
        for path in paths:
            cached = self.entries.get(path)
            trusted = changed is not None and path not in changed
            if trusted and cached is not None and cached[0][1] == extra:  # type: ignore[index]
                found[path] = cached[1]
                continue
            try:
                key: Hashable | None = (stat_key(path), extra)
            except OSError:
                key = None
            if cached is not None and key is not None and cached[0] == key:
                found[path] = cached[1]
                continue
            todo.append(path)
            keys.append(key)
        for path, key, value in zip(todo, keys, compute(todo), strict=True):
            found[path] = value
            if key is not None and not isinstance(value, BaseException):
                self.entries[path] = (key, value)
        return [found[path] for path in paths]

    def put(self, path: Path, extra: Hashable, value: T) -> None:
        """Remember a value for the file as it is now (e.g. a page this process just wrote)."""
        self.entries[path] = ((stat_key(path), extra), value)

    def keep_only(self, paths: set[Path]) -> None:
        """Forget files that are gone."""
        for path in [p for p in self.entries if p not in paths]:
            del self.entries[path]
