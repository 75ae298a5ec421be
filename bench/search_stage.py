"""CPU time and peak memory of the search stage alone, cold and after one-paper edits.

    .venv/bin/python bench/search_stage.py PROJECT [--repeat 3] [--edits 3]

PROJECT is a project already imported (`bench/generate_corpus.py N DIR`, then
`python -m site_builder import -q` in DIR). Its papers are read with `content.read_papers` and
tagged as a build does; then the search data is built from scratch `--repeat` times, and
after each of `--edits` title edits (one paper in the middle of the list) in a long-lived
state, each rebuild checked byte for byte against a fresh build. Garbage collection is off,
as in a build. Prints CPU seconds (process time) and the process's peak resident memory.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import resource
import statistics
import time
from pathlib import Path

from site_builder.config import load_config
from site_builder.content import read_papers, read_taxonomy
from site_builder.search import build_search, search_docs
from site_builder.tags import tag_papers


def _peak_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("project", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--edits", type=int, default=3)
    args = parser.parse_args()
    gc.disable()
    config = load_config(args.project)
    taxonomy = read_taxonomy(config)
    papers = read_papers(config, [tag.id for tag in taxonomy])
    docs = search_docs(papers, tag_papers(papers, taxonomy), taxonomy)
    print(f"{len(docs)} documents read; peak so far {_peak_mb()} MB")
    cold = []
    index = None
    for _ in range(args.repeat):
        index = None  # the previous run's data is dropped first, as in a fresh process
        started = time.process_time()
        index = build_search(docs)
        cold.append(time.process_time() - started)
    assert index is not None
    print(
        f"cold: {statistics.median(cold):.2f} s CPU (median of {args.repeat}: "
        f"{', '.join(f'{s:.2f}' for s in cold)}); {len(index.files)} files, "
        f"{sum(map(len, index.files.values())) / 1e6:.1f} MB; peak {_peak_mb()} MB"
    )
    for edit in range(args.edits):
        docs = list(docs)
        middle = len(docs) // 2
        docs[middle] = dataclasses.replace(docs[middle], title=f"{docs[middle].title} edit{edit}")
        started = time.process_time()
        edited = build_search(docs, index)
        seconds = time.process_time() - started
        changed = sum(edited.files[path] is not index.files.get(path) for path in edited.files)
        assert edited.files == build_search(docs).files, (
            "an edit's rebuild differs from a fresh build"
        )
        print(f"title edit {edit + 1}: {seconds:.3f} s CPU, {changed} files encoded again")
        index = edited
    print(f"peak {_peak_mb()} MB")


if __name__ == "__main__":
    main()
