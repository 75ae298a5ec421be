"""Progress bars: drawn under a real pseudo-terminal, absent when piped or with -q; the summary
line reads the same either way."""

from __future__ import annotations

import fcntl
import io
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest
from conftest import dump, long_abstract, make_site_project

from site_builder.progress import NO_PROGRESS, Progress

PAPERS = [(f"Paper number {n} on topic {n}", long_abstract(f"topic {n}")) for n in range(30)]
BAR = re.compile(r"(reading dumps|writing pages|rendering|writing): +\d+%\|[^|]*\| \d+/\d+ \[")
"""A tqdm bar: label, percentage, bar, count of total, then elapsed and the estimate."""


def _project(tmp_path: Path) -> Path:
    return make_site_project(
        tmp_path,
        {
            "content/sources/2025-03-12.txt": dump(PAPERS[:15]),
            "content/sources/2025-03-13.txt": dump(PAPERS[15:], day="Mar 13"),
        },
    )


def _command(project: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "site_builder", *args, "-C", str(project)]


def _under_terminal(command: list[str]) -> tuple[int, str]:
    """Run with stderr on a pseudo-terminal; return the exit code and what it drew there."""
    master, slave = pty.openpty()
    # A terminal of 24 rows and 100 columns, as a window would have (a new pty has 0 by 0).
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    process = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=slave
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    return process.wait(timeout=120), b"".join(chunks).decode("utf-8", "replace")


def _summary(text: str) -> list[str]:
    """Return the lines left after the bars are erased: what follows each carriage return."""
    lines = text.replace("\r\n", "\n").split("\n")
    return [line.rsplit("\r", 1)[-1].strip() for line in lines]


def test_build_draws_bars_with_counts_and_an_estimate_on_a_terminal(tmp_path: Path) -> None:
    project = _project(tmp_path)
    code, text = _under_terminal(_command(project, "build", "--force"))
    assert code == 0, text
    drawn = {match.group(1) for match in BAR.finditer(text)}
    assert {"writing pages", "rendering"} <= drawn  # pages are written as they are rendered
    # The count of the total, then elapsed<remaining time (`?` until a rate is known).
    assert re.search(r"rendering: +\d+%\|[^|]*\| \d+/65 \[\d\d:\d\d<(\?|\d\d:\d\d), ", text), text
    assert _summary(text)[-2].startswith("built 30 papers, ")


def test_import_draws_bars_on_a_terminal(tmp_path: Path) -> None:
    project = _project(tmp_path)
    code, text = _under_terminal(_command(project, "import"))
    assert code == 0, text
    assert re.search(r"reading dumps: +\d+%\|[^|]*\| \d+/2 \[", text), text
    assert re.search(r"writing pages: +\d+%\|[^|]*\| \d+/30 \[", text), text
    assert _summary(text)[-2] == "imported: 30 new, 0 updated, 0 unchanged, 0 warnings (hf-daily: 2025-03-12.txt, 2025-03-13.txt)"


def test_quiet_draws_nothing_on_a_terminal(tmp_path: Path) -> None:
    project = _project(tmp_path)
    code, text = _under_terminal(_command(project, "build", "--force", "-q"))
    assert (code, text) == (0, "")


def test_piped_output_has_no_bars_only_the_summary(tmp_path: Path) -> None:
    project = _project(tmp_path)
    result = subprocess.run(
        _command(project, "build", "--force"), capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert lines[0] == "imported: 30 new, 0 updated, 0 unchanged, 0 warnings (hf-daily: 2025-03-12.txt, 2025-03-13.txt)"
    assert lines[1].startswith("built 30 papers, 28 tags, 2 days: 65 pages, ")
    assert len(lines) == 2
    assert "\r" not in result.stderr and not BAR.search(result.stderr)


def test_progress_for_a_stream() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    assert Progress.for_stream(terminal).stream is terminal
    assert Progress.for_stream(terminal, quiet=True) == NO_PROGRESS
    assert Progress.for_stream(io.StringIO()) == NO_PROGRESS
    with Progress.for_stream(terminal).task("rendering", 3, "page") as advance:
        advance(3)
    drawn = terminal.getvalue()
    assert drawn.startswith("\rrendering:   0%|          | 0/3 [00:00<?, ? page/s]")
    assert drawn.endswith("\r" + " " * len(drawn.split("\r")[1]) + "\r")  # erased at the end
    with NO_PROGRESS.task("rendering", 3, "page") as advance:
        advance(3)


@pytest.mark.parametrize("total", [0, -1])
def test_no_bar_for_no_work(total: int) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    with Progress.for_stream(terminal).task("writing", total, "file") as advance:
        advance(1)
    assert terminal.getvalue() == ""
