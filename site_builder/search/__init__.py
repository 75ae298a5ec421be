"""Papers -> the site's search data: lunr.py postings, shipped as shards fetched per query.

`terms` reduces text to index terms (mirrored in static/js/lunr-pipeline.js), `index` turns
papers into search documents and lunr.py's postings, `shards` encodes them into the files.
"""

from __future__ import annotations

from site_builder.search.index import (
    FIELDS,
    SearchDoc,
    TermCache,
    build_lunr_builder,
    search_docs,
)
from site_builder.search.shards import (
    BLOCK_DOCS,
    META_PATH,
    TAGS_PATH,
    build_search_files,
    pair_key,
    shard_key,
)
from site_builder.search.terms import (
    PIPELINE_FUNCTION,
    STOP_WORDS,
    js_sort_key,
    reduce_term,
    stem,
    tokenize,
)

__all__ = [
    "BLOCK_DOCS",
    "FIELDS",
    "META_PATH",
    "PIPELINE_FUNCTION",
    "STOP_WORDS",
    "TAGS_PATH",
    "SearchDoc",
    "TermCache",
    "build_lunr_builder",
    "build_search_files",
    "js_sort_key",
    "reduce_term",
    "pair_key",
    "search_docs",
    "shard_key",
    "stem",
    "tokenize",
]
