"""The executor: tasks in child processes give what they give in-process, errors come back as
raised, and a killed build leaves no child behind (real processes, real signals)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

import pytest
from conftest import REPO, copy_seeds, make_site_project

from site_builder.errors import SiteError, SourcePos
from site_builder.executor import Executor


def _squares(numbers: Sequence[int]) -> list[int]:
    return [number * number for number in numbers]


def _fail(numbers: Sequence[int]) -> list[int]:
    raise SiteError("bad input", SourcePos("content/papers/x.md", 3))


@pytest.mark.parametrize("method", [None, "fork", "forkserver"])
def test_map_and_submit_give_the_same_results_wherever_they_run(method: str | None) -> None:
    with Executor(method, 3) as executor:
        assert executor.map(_squares, list(range(20)), threshold=1) == [n * n for n in range(20)]
        assert executor.submit(_squares, [4, 5]).result() == [16, 25]
        assert executor.map(_squares, [], threshold=1) == []


def _with_process(numbers: Iterable[int]) -> list[tuple[int, int]]:
    return [(number, os.getpid()) for number in numbers]


@pytest.mark.parametrize("method", ["fork", "forkserver"])
@pytest.mark.parametrize("count", [1, 2, 97, 500, 1001])
def test_map_deals_runs_children_from_the_front_this_process_from_the_back(
    method: str, count: int
) -> None:
    with Executor(method, 3) as executor:
        done = executor.map(_with_process, range(count), threshold=1)
    assert [number for number, _ in done] == list(range(count))
    mine = [number for number, pid in done if pid == os.getpid()]
    # This process's items are the last ones, in one stretch: the children's come before them.
    assert mine == list(range(count - len(mine), count))


@pytest.mark.parametrize("method", ["fork", "forkserver"])
def test_an_error_in_a_child_is_raised_in_the_parent(method: str) -> None:
    with Executor(method, 2) as executor, pytest.raises(SiteError) as caught:
        executor.submit(_fail, [1]).result()
    assert str(caught.value) == "content/papers/x.md:3: bad input"


def _children(pid: int) -> set[int]:
    """Return the live (not zombie) descendants of a process, from /proc."""
    found: set[int] = set()
    parents = {pid}
    for _ in range(4):  # children, and a fork server's children
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) in parents and fields[0] != "Z":
                found.add(int(entry))
        parents |= found
    return found


def _alive(pid: int) -> bool:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return fields[0] != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_a_killed_build_leaves_no_worker_and_no_hanging_output(tmp_path: Path, sig: int) -> None:
    project = make_site_project(tmp_path)
    copy_seeds(project)
    # A real build of the bundled papers with child processes for every stage, its output read
    # through a pipe as a CI step would.
    script = (
        "import sys; import site_builder.build as b; b.PARALLEL = 2; "
        "from site_builder.cli import main; sys.exit(main(['build', '-C', sys.argv[1]]))"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script, str(project)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 120
        children: set[int] = set()
        while not children and process.poll() is None and time.monotonic() < deadline:
            children = _children(process.pid)
            time.sleep(0.005)
        assert children, "the build started no child process"
        process.send_signal(sig)
        process.communicate(timeout=20)  # EOF on the pipe: nobody holds the build's stdout open
        deadline = time.monotonic() + 10
        while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [pid for pid in children if _alive(pid)] == []
    finally:
        process.kill()
        process.wait()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("method", ["fork", "forkserver"])
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_a_busy_child_dies_with_its_parent(method: str, sig: int) -> None:
    # The child would sleep for a minute: it must go as soon as its parent is killed.
    script = (
        "import sys, time; from site_builder.executor import Executor\n"
        f"with Executor({method!r}, 2) as executor:\n"
        "    task = executor.submit(time.sleep, 60)\n"
        "    print('started', flush=True)\n"
        "    task.result()\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline() == b"started\n"
        deadline = time.monotonic() + 20
        children: set[int] = set()
        while not children and time.monotonic() < deadline:
            children = _children(process.pid)
            time.sleep(0.01)
        assert children
        process.send_signal(sig)
        process.communicate(timeout=20)
        deadline = time.monotonic() + 10
        while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [pid for pid in children if _alive(pid)] == []
    finally:
        process.kill()
        process.wait()
