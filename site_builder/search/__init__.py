"""Papers -> the site's search data: lunr.py postings, shipped as shards fetched per query.

`terms` reduces text to index terms (mirrored in static/js/lunr-pipeline.js), `index` turns
papers into search documents, `postings` gives lunr's postings of their terms (edited after a
change rather than made again), `shards` encodes them into the files.
"""

from __future__ import annotations

from site_builder.search.index import FIELDS, SearchDoc, build_lunr_builder, search_docs
from site_builder.search.postings import Postings, build_postings, update_postings
from site_builder.search.shards import (
    BLOCK_DOCS,
    META_PATH,
    TAGS_PATH,
    SearchIndex,
    build_search,
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
    "Postings",
    "SearchDoc",
    "SearchIndex",
    "build_lunr_builder",
    "build_postings",
    "build_search",
    "build_search_files",
    "js_sort_key",
    "reduce_term",
    "pair_key",
    "search_docs",
    "shard_key",
    "stem",
    "tokenize",
    "update_postings",
]
