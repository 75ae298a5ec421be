"""Where the build's parallel work runs: in this process, or in child processes that die with it.

The stages stay pure: they hand a function and its inputs to `Executor.submit` or `Executor.map`
and get the results back. A child process is started per task and given its inputs as arguments
(inherited without copying when forked, pickled with a fork server); it sends back the result and
exits, so no worker keeps state between tasks. Children ask the kernel to kill them when their
parent dies (Linux `PR_SET_PDEATHSIG`), so a killed build leaves no worker behind holding its
stdout open.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import multiprocessing as mp
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from multiprocessing import forkserver
from multiprocessing.connection import Connection
from types import TracebackType
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

MAX_WORKERS = 4
"""Most child processes a map runs at once."""
PR_SET_PDEATHSIG = 1
"""prctl option: the signal this process gets when its parent dies (linux/prctl.h)."""


def _die_with_parent(parent: int | None) -> None:
    """Have the kernel kill this process when its parent dies (Linux); exit if it is gone already.

    `parent` is the building process when forked from it; a fork server's children (None here)
    die with the fork server, which exits when the building process is gone.
    """
    parent = os.getppid() if parent is None else parent
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the request above
        os._exit(1)


def _exit_when_closed(watch: Connection) -> None:
    """Exit this process at once when the other end of `watch` closes (its parent is gone)."""
    with contextlib.suppress(EOFError, OSError):
        watch.recv()
    os._exit(1)


def _run_child(
    send: Connection,
    parent: int | None,
    watch: Connection | None,
    function: Callable[..., Any],
    args: Any,
) -> None:
    """Run one task in a child process and send back ("ok", result) or ("error", exception).

    A fork server's child cannot count on dying with the fork server: the fork server lives
    while any of its children holds the descriptor that tells it the building process is
    alive. It watches a pipe from the building process instead (`watch`).
    """
    _die_with_parent(parent)
    if watch is not None:
        threading.Thread(target=_exit_when_closed, args=(watch,), daemon=True).start()
    try:
        outcome: tuple[str, Any] = ("ok", function(*args))
    except BaseException as exc:  # noqa: BLE001 -- handed to the parent, which raises it
        outcome = ("error", exc)
    send.send(outcome)
    send.close()


def start_fork_server() -> None:
    """Start the fork server now, while this process runs a single thread (call it before any
    thread starts): the children it forks later are safe even once this process runs threads,
    which a fork of this process would not be."""
    if "forkserver" in mp.get_all_start_methods():
        mp.set_forkserver_preload(["site_builder.build"])  # import the engine once, not per child
        forkserver.ensure_running()


class _Child:
    """A child process computing a task's result, and the pipes to it."""

    def __init__(self, process: Any, receive: Connection, alive: Connection | None) -> None:
        self.process = process
        self.receive: Connection | None = receive
        self.alive = alive
        """Held open while the child may run; closing it tells a fork server's child to exit."""

    def outcome(self) -> tuple[str, Any]:
        """Wait for the child and return what it sent: ("ok", result) or ("error", exception)."""
        assert self.receive is not None, "a child's outcome is taken once"
        try:
            outcome: tuple[str, Any] = self.receive.recv()
        except EOFError:
            raise RuntimeError("a build worker died without an answer") from None
        finally:
            self._close(kill=False)
        return outcome

    def cancel(self) -> None:
        """Stop the child process if it still runs."""
        if self.receive is not None:
            self._close(kill=True)

    def _close(self, kill: bool) -> None:
        if kill:
            self.process.kill()
        if self.receive is not None:
            self.receive.close()
            self.receive = None
        self.process.join()
        if self.alive is not None:
            self.alive.close()


class Pending(Generic[R]):
    """A task's result: computed already, or being computed by a child process (the executor
    holds only the child, not the result, so a result dropped by its caller is freed)."""

    def __init__(self, value: R | None = None, child: _Child | None = None) -> None:
        self._value = value
        self._child = child

    def result(self) -> R:
        """Return the result, waiting for the child process; raise what the task raised."""
        if self._child is not None:
            child, self._child = self._child, None
            kind, value = child.outcome()
            if kind == "error":
                raise value
            self._value = value
        return self._value  # type: ignore[return-value]

    def cancel(self) -> None:
        """Stop the child process if it still runs."""
        if self._child is not None:
            self._child.cancel()


class Executor:
    """Runs tasks in child processes (`fork` or `forkserver`), or in this process (None).

    Use it as a context manager: leaving the block stops children whose result was not taken.
    """

    def __init__(self, method: str | None, workers: int = MAX_WORKERS) -> None:
        if method is not None and method not in mp.get_all_start_methods():
            method = None
        self.method = method
        self.workers = max(1, min(workers, os.cpu_count() or 1))
        self._started: list[_Child] = []

    @property
    def parallel(self) -> bool:
        """Whether tasks run in child processes."""
        return self.method is not None and self.workers > 1

    @property
    def inherits(self) -> bool:
        """Whether children get their inputs as they are, not pickled (forked, or no children)."""
        return self.method == "fork" or not self.parallel

    def __enter__(self) -> Executor:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        for child in self._started:
            child.cancel()
        self._started.clear()

    def submit(self, function: Callable[..., R], *args: Any, inline: bool = False) -> Pending[R]:
        """Start `function(*args)` in a child process (in this one when `inline` or not parallel)."""
        if inline or not self.parallel:
            return Pending(function(*args))
        context = mp.get_context(self.method)
        receive, send = context.Pipe(duplex=False)
        forked = self.method == "fork"
        watch, alive = (None, None) if forked else context.Pipe(duplex=False)
        process = context.Process(  # type: ignore[attr-defined]
            target=_run_child,
            args=(send, os.getpid() if forked else None, watch, function, args),
            daemon=True,
        )
        process.start()
        send.close()
        if watch is not None:
            watch.close()
        child = _Child(process, receive, alive)
        self._started.append(child)
        return Pending(child=child)

    def map(
        self,
        function: Callable[[Iterable[T]], list[R]],
        items: Sequence[T],
        *,
        threshold: int,
    ) -> list[R]:
        """Return function(items), shared between child processes and this one when there are
        `threshold` items or more; `function` maps the items it is given, consumed in order, to a
        list of results, one per item.

        The items are dealt in small runs, as each process is ready for more: the children
        take runs from the front, this process from the back, so no process waits on another's
        share (this one, which also has other tasks' children beside it, does less) and the
        items at the back stay with this process unless the children catch up with it.
        """
        if not self.parallel or len(items) < threshold:
            return function(items)
        runs = _Runs(mp.get_context(self.method), len(items), self.workers)
        pending = [
            self.submit(_take_runs, function, items, runs, False) for _ in range(self.workers - 1)
        ]
        done = dict(_take_runs(function, items, runs, True))
        for task in pending:
            done.update(task.result())
        return [result for start in sorted(done) for result in done[start]]


class _Runs:
    """Runs of a map's items still to be taken, shared by the processes mapping them: a start
    index into the runs from the front, an end index from the back."""

    RUNS_PER_WORKER = 48
    """Runs each process takes on average: few enough that taking one costs nothing, many
    enough that the last run taken leaves the other processes little to wait for."""

    def __init__(self, context: Any, count: int, workers: int) -> None:
        self.size = max(1, -(-count // (workers * self.RUNS_PER_WORKER)))
        self.count = count
        self.ends = context.Array("q", [0, -(-count // self.size)])

    def take(self, from_back: bool) -> range | None:
        """Return the indices of the next run from the front (or back), None once none is left."""
        with self.ends.get_lock():
            front, back = self.ends[0], self.ends[1]
            if front >= back:
                return None
            if from_back:
                run = self.ends[1] = back - 1
            else:
                run = front
                self.ends[0] = front + 1
        start = run * self.size
        return range(start, min(start + self.size, self.count))


def _take_runs(
    function: Callable[[Iterable[T]], list[R]], items: Sequence[T], runs: _Runs, from_back: bool
) -> list[tuple[int, list[R]]]:
    """Map the runs this process takes (see Executor.map); return each run's first index with its
    results."""
    taken: list[range] = []

    def dealt() -> Iterator[T]:
        while (run := runs.take(from_back)) is not None:
            taken.append(run)
            yield from (items[index] for index in run)

    results = function(dealt())
    out = []
    offset = 0
    for run in taken:
        out.append((run.start, results[offset : offset + len(run)]))
        offset += len(run)
    return out
