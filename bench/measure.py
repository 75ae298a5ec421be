"""Timing, memory and size measurements shared by bench/run.py and bench/peers.py."""

from __future__ import annotations

import dataclasses
import gzip
import os
import re
import resource
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

GNU_TIME = shutil.which("time", path="/usr/bin:/bin")


@dataclasses.dataclass(frozen=True, slots=True)
class Run:
    """The outcome of one timed command."""

    ok: bool
    """Exit status 0 within the time limit."""
    seconds: float
    """Wall-clock time."""
    rss_kb: int | None
    """Peak resident set size in KiB (largest process of the tree, as wait4 reports it)."""
    tail: str
    """Last lines of stderr (and stdout), for a failure note."""


def run_timed(cmd: list[str], cwd: Path, timeout: float, env: dict[str, str] | None = None) -> Run:
    """Run CMD in CWD, measuring wall time and peak RSS; never raises for a failing command."""
    full_env = {**os.environ, **(env or {})}
    with tempfile.NamedTemporaryFile("r", suffix=".time", delete=False) as tf:
        time_file = Path(tf.name)
    wrapped = [GNU_TIME, "-v", "-o", str(time_file), *cmd] if GNU_TIME else cmd
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    try:
        proc = subprocess.run(
            wrapped,
            cwd=cwd,
            env=full_env,
            capture_output=True,
            text=True,
            timeout=timeout,
            errors="replace",
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        out = exc.stderr or b""
        text = out.decode(errors="replace") if isinstance(out, bytes) else out
        return Run(
            False,
            time.perf_counter() - start,
            None,
            f"timed out after {timeout:.0f} s\n" + _tail(text),
        )
    except OSError as exc:
        return Run(False, time.perf_counter() - start, None, str(exc))
    seconds = time.perf_counter() - start
    rss = None
    if GNU_TIME:
        m = re.search(
            r"Maximum resident set size \(kbytes\): (\d+)", time_file.read_text(errors="replace")
        )
        rss = int(m.group(1)) if m else None
    else:
        after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        rss = after if after > before else None  # a high-water mark: only a new peak is ours
    time_file.unlink(missing_ok=True)
    tail = _tail(proc.stderr) or _tail(proc.stdout)
    return Run(proc.returncode == 0, seconds, rss, tail)


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
