"""Work handed to forked worker processes during a build, and the pools that run it.

A worker gets its inputs when it starts (inherited at fork time, nothing pickled on the way in;
pickled with a fork server) and keeps them in `_inputs` for the tasks it is given; the building
process never sets it. Each task function returns what the build needs back.
"""

from __future__ import annotations

import contextlib
import functools
import multiprocessing as mp
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from site_builder.ingest import write_pages
from site_builder.output import write_staged
from site_builder.render import make_environment, render_indexed
from site_builder.search import build_search_files, search_docs
from site_builder.site import RelatedCandidates, related_candidates, related_input
from site_builder.tags import tag_papers

_inputs: dict[str, Any] = {}


def _start(**inputs: Any) -> None:
    _inputs.update(inputs)
    if "templates_dir" in inputs:
        _inputs["env"] = make_environment(inputs["templates_dir"])


def render_chunk(indices: list[int]) -> list[bytes]:
    """Render the pages at these positions of the site's plan."""
    return render_indexed(_inputs["site"], _inputs["env"], indices)


def write_site_part(stage: Path, out_dir: Path, paths: list[str]) -> int:
    """Write these files of the site into the stage dir (see output.write_site)."""
    return write_staged(stage, out_dir, _inputs["files"], paths)


def write_import_pages() -> tuple[Path, ...]:
    """Write the pages an import planned; at a low priority: they are due at the end only.
    Return the pages left alone because they changed meanwhile (see ingest.write_pages)."""
    with contextlib.suppress(OSError):
        os.nice(10)
    return write_pages(_inputs["plan"])


def tag_first(count: int) -> dict[str, tuple[str, ...]]:
    """Tag the first `count` papers (the calling process tags the others)."""
    tags = _inputs["tags"] = tag_papers(_inputs["papers"][:count], _inputs["taxonomy"])
    return tags


def build_search(rest: dict[str, tuple[str, ...]]) -> dict[str, bytes]:
    """Build the search data from the tags tag_first found here and the `rest` found by the
    building process."""
    papers, taxonomy = _inputs["papers"], _inputs["taxonomy"]
    tags = {**_inputs.get("tags", {}), **rest}
    if len(tags) < len(papers):  # not all there: tag them all here
        tags = tag_papers(papers, taxonomy)
    return build_search_files(search_docs(papers, tags, taxonomy))


def find_candidates(count: int) -> RelatedCandidates:
    """Find the candidates for each paper's related papers."""
    source = _inputs.get("source") or related_input(_inputs["papers"])
    return related_candidates(source, count)


def fork_pool(method: str, workers: int, **inputs: Any) -> ProcessPoolExecutor:
    """Return a pool of workers that start with `inputs` (inherited when forked, else pickled)."""
    context = mp.get_context(method)
    if method == "forkserver":
        context.set_forkserver_preload([__name__])  # import the engine once, not per worker
    return ProcessPoolExecutor(
        workers, mp_context=context, initializer=functools.partial(_start, **inputs)
    )


def chunks(items: list[int], count: int) -> list[list[int]]:
    """Split items into at most `count` runs of about the same length."""
    size = max(1, -(-len(items) // count))
    return [items[start : start + size] for start in range(0, len(items), size)]
