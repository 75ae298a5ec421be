"""Time the import of the same N papers pasted as arXiv listings and as bundled HF dumps.

Usage: .venv/bin/python bench/import_layouts.py [N] [--seed S]

Both scratch projects hold the papers of bench/generate_corpus.py (same titles, abstracts,
listing days and repeats): one as Layout A dumps like the bundled ones, one as arXiv `/new`
listing pages (numbered entries, `Title:`, unlabelled authors, `Comments:`, `Subjects:`,
titles and abstracts hard-wrapped at 80 columns, cross-lists and version suffixes). For each,
it prints the time to parse and plan the import (every file read, detected and merged) and the
time of the whole `import` (the pages written too).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate_corpus  # noqa: E402

from site_builder.config import load_config  # noqa: E402
from site_builder.ingest import apply_import, plan_import  # noqa: E402

_FIRST = ("Ada", "Alan", "Grace", "Emmy", "Henri", "Marie", "Kurt", "Sofia", "Yann", "Li", "Wei")
_LAST = ("Lovelace", "Turing", "Hopper", "Noether", "Poincaré", "Curie", "Gödel", "Kovalevskaya")


def _wrap(label: str, text: str) -> list[str]:
    return textwrap.wrap(label + text, 80, break_long_words=False, break_on_hyphens=False)


def arxiv_listing(day: dt.date, entries: list[tuple[str, generate_corpus.Paper]], seed: int) -> str:
    """Return one arXiv /new page for a day: a header, new submissions, then cross-lists."""
    rng = random.Random(f"{seed}-{day}")
    cross = len(entries) // 10
    lines = [
        "Machine Learning",
        f"Showing new listings for {day:%A}, {day.day} {day:%B %Y}",
        f"Total of {len(entries)} entries",
        f"New submissions (showing {len(entries) - cross} of {len(entries) - cross} entries)",
    ]
    for number, (arxiv, paper) in enumerate(entries, 1):
        if number == len(entries) - cross + 1:
            lines.append(f"Cross submissions (showing {cross} of {cross} entries)")
        note = " (cross-list from stat.ML)" if number > len(entries) - cross else ""
        version = f"v{rng.randint(1, 3)}" if rng.random() < 0.3 else ""
        lines.append(f"[{number}] arXiv:{arxiv}{version}{note} [pdf, html, other]")
        lines += _wrap("Title: ", paper.title)
        names = [f"{rng.choice(_FIRST)} {rng.choice(_LAST)}" for _ in range(rng.randint(1, 9))]
        lines += textwrap.wrap(", ".join(names), 80)
        lines.append(f"Comments: {rng.randint(6, 40)} pages")
        lines += _wrap("Subjects: ", "Machine Learning (cs.LG); Artificial Intelligence (cs.AI)")
        lines += textwrap.wrap(paper.abstract, 80, break_long_words=False, break_on_hyphens=False)
    return "\n".join(lines) + "\n"


def write_projects(n: int, seed: int, root: Path) -> tuple[Path, Path]:
    """Write the two scratch projects under root; return (bundled layout, arXiv layout)."""
    papers = generate_corpus.generate(n, seed)
    days = generate_corpus.schedule(papers, seed)
    ids = {
        generate_corpus.fold(p.title): f"25{i // 90000 + 1:02d}.{i % 90000 + 1:05d}"
        for i, p in enumerate(papers)
    }
    bundled, arxiv = root / "bundled", root / "arxiv"
    for project in (bundled, arxiv):
        generate_corpus.copy_project(project)
    for day, entries in days.items():
        generate_corpus.write_dump(bundled / "content" / "sources" / f"{day}.txt", day, entries)
        text = arxiv_listing(day, [(ids[generate_corpus.fold(p.title)], p) for p in entries], seed)
        (arxiv / "content" / "sources" / f"{day}.txt").write_text(text, encoding="utf-8")
    return bundled, arxiv


def time_import(project: Path) -> tuple[float, float, int]:
    """Return (seconds to plan, seconds for the whole import, pages created)."""
    config = load_config(project)
    start = time.perf_counter()
    plan = plan_import(config)
    planned = time.perf_counter() - start
    apply_import(plan)
    return planned, time.perf_counter() - start, len(plan.report.new)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        bundled, arxiv = write_projects(args.n, args.seed, Path(tmp))
        for name, project in (("bundled HF layout", bundled), ("arXiv listings", arxiv)):
            size = sum(p.stat().st_size for p in (project / "content" / "sources").iterdir())
            planned, total, created = time_import(project)
            print(
                f"{name:18} {created:6} papers from {size / 1e6:5.1f} MB: "
                f"parse + plan {planned:6.2f} s, whole import {total:6.2f} s"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
