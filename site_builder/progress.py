"""Progress bars for long work (import, render, write), shown only on a terminal."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TextIO

Advance = Callable[[int], None]
"""Report that this many more items of the current task are done."""


def ignore(done: int) -> None:
    """Advance nothing: the callback of work that shows no progress."""


@dataclass(frozen=True, slots=True)
class Progress:
    """Where progress bars go: a terminal stream, or nowhere."""

    stream: TextIO | None = None
    """The terminal to draw on; None shows nothing."""

    @classmethod
    def for_stream(cls, stream: TextIO, *, quiet: bool = False) -> Progress:
        """Return bars on `stream` if it is a terminal and not quiet, else no bars."""
        return cls(stream if not quiet and stream.isatty() else None)

    @contextlib.contextmanager
    def task(self, label: str, total: int, unit: str) -> Iterator[Advance]:
        """Show a bar with counts and an estimate while the block runs; yield its callback.

        The bar is erased when the block ends, so what is printed afterwards (the summary line)
        reads as it does without bars.
        """
        if self.stream is None or total <= 0:
            yield ignore
            return
        from tqdm import tqdm  # only here: importing it costs a build without bars 0.07 s

        with tqdm(
            total=total,
            desc=label,
            unit=f" {unit}",
            file=self.stream,
            leave=False,
            dynamic_ncols=True,
            mininterval=0.1,
        ) as bar:

            def advance(done: int) -> None:
                bar.update(done)

            yield advance


NO_PROGRESS = Progress()
"""Show nothing (tests, the dev server, library use)."""
