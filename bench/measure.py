"""Timing, memory and size measurements shared by bench/run.py and bench/peers.py."""

from __future__ import annotations

import dataclasses
import gzip
import os
import re
import resource
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

GNU_TIME = shutil.which("time", path="/usr/bin:/bin")
TRASH = Path(__file__).resolve().parent / "work" / ".trash"


def fresh_dir(dest: Path) -> None:
    """Make dest an empty directory. An old one is moved to work/.trash/ rather than deleted:
    ext4 skips inodes freed in the last minutes when it allocates new ones, so deleting tens of
    thousands of files just before a build slows that build's file creation several-fold, which
    a user building a fresh clone never sees. empty_trash() deletes them once measuring is over."""
    if dest.exists():
        TRASH.mkdir(parents=True, exist_ok=True)
        dest.rename(Path(tempfile.mkdtemp(prefix=f"{dest.name}-", dir=TRASH)) / dest.name)
    dest.mkdir(parents=True)


def empty_trash() -> None:
    """Delete what fresh_dir() set aside."""
    shutil.rmtree(TRASH, ignore_errors=True)


@dataclasses.dataclass(frozen=True, slots=True)
class Run:
    """The outcome of one timed command."""

    ok: bool
    """Exit status 0 within the time limit."""
    seconds: float
    """Wall-clock time."""
    rss_kb: int | None
    """Peak memory in KiB: the larger of the largest single process' peak RSS (wait4, via
    /usr/bin/time -v) and the peak of the whole process tree's summed PSS, sampled every 0.2 s
    (so worker processes count)."""
    tail: str
    """Last lines of stderr (and stdout), for a failure note."""
    max_single_kb: int | None = None
    """Largest single process' peak RSS alone."""
    tree_kb: int | None = None
    """Sampled peak of the tree's summed PSS alone."""


SAMPLE_EVERY = 0.2


def run_timed(
    cmd: list[str],
    cwd: Path,
    timeout: float,
    env: dict[str, str] | None = None,
    *,
    sample_tree: bool = True,
) -> Run:
    """Run CMD in CWD, measuring wall time and peak memory; never raises for a failing command.

    With `sample_tree`, the whole process tree's PSS is sampled as it runs. That costs: reading
    a process's smaps_rollup walks its page tables, and at 100,000 papers the sampling took a
    quarter of a core in system time from a build that uses both. Runs timed for the cold-build
    ratio pass False and keep only the largest process's peak (wait4, free).

    The command runs in its own process group; on timeout that group (ours) is killed. What
    earlier commands wrote is flushed to disk first, so no command is timed while the kernel
    writes out the files of the one before (hundreds of megabytes after a site build).
    """
    full_env = {**os.environ, **(env or {})}
    os.sync()
    with tempfile.TemporaryDirectory(prefix="bench-run-") as tmp:
        time_file = Path(tmp) / "time.txt"
        wrapped = [GNU_TIME, "-v", "-o", str(time_file), *cmd] if GNU_TIME else cmd
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        with (Path(tmp) / "out").open("w+b") as out, (Path(tmp) / "err").open("w+b") as err:
            start = time.perf_counter()
            try:
                proc = subprocess.Popen(
                    wrapped, cwd=cwd, env=full_env, stdout=out, stderr=err, start_new_session=True
                )
            except OSError as exc:
                return Run(False, time.perf_counter() - start, None, str(exc))
            tree_peak = 0
            timed_out = False
            while proc.poll() is None:
                if sample_tree:
                    tree_peak = max(tree_peak, tree_pss_kb(proc.pid))
                if time.perf_counter() - start > timeout:
                    timed_out = True
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
                    break
                time.sleep(SAMPLE_EVERY)
            seconds = time.perf_counter() - start
            out.seek(0)
            err.seek(0)
            stdout = out.read().decode(errors="replace")
            stderr = err.read().decode(errors="replace")
        if timed_out:
            return Run(False, seconds, None, f"timed out after {timeout:.0f} s\n" + _tail(stderr))
        single = None
        if GNU_TIME and time_file.exists():
            m = re.search(
                r"Maximum resident set size \(kbytes\): (\d+)",
                time_file.read_text(errors="replace"),
            )
            single = int(m.group(1)) if m else None
        elif not GNU_TIME:
            after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            single = after if after > before else None  # a high-water mark: only a new peak
    peak = max(single or 0, tree_peak) or None
    tail = _tail(stderr) or _tail(stdout)
    return Run(proc.returncode == 0, seconds, peak, tail, single, tree_peak or None)


def tree_pss_kb(root: int) -> int:
    """Summed PSS (RSS where PSS is unreadable) of ROOT and all its descendants, in KiB."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        total += _pss_kb(pid)
    return total


def _pss_kb(pid: int) -> int:
    for name, key in (("smaps_rollup", "Pss:"), ("status", "VmRSS:")):
        try:
            for line in Path(f"/proc/{pid}/{name}").read_text().splitlines():
                if line.startswith(key):
                    return int(line.split()[1])
        except (OSError, ValueError):
            continue
    return 0


def _tail(text: str, lines: int = 6) -> str:
    kept = [line for line in text.strip().splitlines() if line.strip()]
    return "\n".join(kept[-lines:])


def dir_bytes(root: Path) -> int:
    """Total size of the files under ROOT (0 if it does not exist)."""
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file()) if root.exists() else 0


def file_sizes(paths: list[Path]) -> tuple[int, int]:
    """(raw bytes, gzip -6 bytes), each file compressed on its own as a server would."""
    raw = gz = 0
    for path in paths:
        data = path.read_bytes()
        raw += len(data)
        gz += len(gzip.compress(data, compresslevel=6, mtime=0))
    return raw, gz


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []
