"""CPU cost of the import stage: plan_import, write_pages, then read_papers of the pages written.

Usage: python bench/import_stage.py PROJECT [--workers N] [--repeat R]

PROJECT is a project whose content/sources/ holds dumps and whose content/papers/ is empty
(bench/generate_corpus.py makes one); each repeat imports a fresh copy of it in bench/work/.
CPU is user + system time of this process and of the child processes it waited for, so work
handed to an Executor (--workers 2 or more) is counted too; wall time is printed beside it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from measure import fresh_dir  # noqa: E402

from site_builder.config import load_config  # noqa: E402
from site_builder.content import read_papers, read_taxonomy  # noqa: E402
from site_builder.executor import Executor  # noqa: E402
from site_builder.ingest import plan_import, write_pages  # noqa: E402

T = TypeVar("T")
WORK = Path(__file__).resolve().parent / "work" / "import-stage"


def _timed(label: str, run: Callable[[], T]) -> T:
    """Run, print its CPU (this process and its children) and wall time, return its result."""
    before, wall = os.times(), time.perf_counter()
    result = run()
    after = os.times()
    own = after.user + after.system - before.user - before.system
    children = (
        after.children_user + after.children_system - before.children_user - before.children_system
    )
    print(
        f"{label:12} cpu {own + children:6.2f} s (children {children:5.2f} s)  "
        f"wall {time.perf_counter() - wall:6.2f} s",
        flush=True,
    )
    return result


def _import_once(source: Path, workers: int) -> None:
    """Import a fresh copy of the project, timing each stage."""
    fresh_dir(WORK)
    project = WORK / "project"
    shutil.copytree(source, project, symlinks=True)
    config = load_config(project)
    tag_ids = [tag.id for tag in read_taxonomy(config)]
    with Executor("fork", workers) as executor:
        # No executor at all with one worker: the script also times versions without one.
        extra = {"executor": executor} if workers > 1 else {}
        plan = _timed("plan_import", lambda: plan_import(config, tag_ids=tag_ids, **extra))
        _timed("write_pages", lambda: write_pages(plan))
        papers = _timed("read_papers", lambda: read_papers(config, tag_ids, **extra))
    assert papers == list(plan.papers), "the pages read back differ from the plan"
    print(f"{len(papers)} papers", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", type=Path)
    parser.add_argument("--workers", type=int, default=1, help="1: one process, no executor")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    for _ in range(args.repeat):
        _import_once(args.project, args.workers)


if __name__ == "__main__":
    main()
