"""Tests of site_builder.search: the index, its compact encoding, and parity with lunr.js."""

from __future__ import annotations

import dataclasses
import gzip
import json
import math
import re
import shutil
import subprocess
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO
from lunr.builder import Builder

from site_builder import latex
from site_builder.search import (
    DOCS_PATH,
    INDEX_PATH,
    SearchDoc,
    build_docs_data,
    build_index_data,
    build_lunr_builder,
    build_search_files,
    js_sort_key,
    reduce_term,
    stem,
    tokenize,
)

SOURCES = REPO / "content" / "sources"
PARITY_SCRIPT = REPO / "tests" / "search_parity.mjs"
_CHROME = {
    "new",
    "Get trending papers in your email inbox!",
    "Get trending papers in your email inbox once a day!",
    "Subscribe",
    "byAK and the research community",
}
_DATE_RE = re.compile(r"^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{1,2})$")
_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
# Stand-in taxonomy until the real tags stage exists: (id, label, title/abstract pattern).
_TAGS = (
    ("diffusion", "Diffusion models", r"\bdiffusion\b"),
    ("llm", "LLMs", r"\b(llms?|large language models?)\b"),
    ("moe", "Mixture of experts", r"\bmixture[- ]of[- ]experts?\b|\bmoe\b"),
    ("optimization", "Optimization", r"\boptimi[sz](ation|er)s?\b"),
)

HOSTILE = (
    SearchDoc(
        url="papers/hostile-script/",
        title='<script>alert(1)</script> "><img src=x onerror=alert(1)> Zebrafish 🦓 Émoji',
        title_html=latex.to_html(
            '<script>alert(1)</script> "><img src=x onerror=alert(1)> Zebrafish 🦓 Émoji'
        ),
        tags=("Hostile",),
        tag_ids=("hostile",),
        date="2025-01-01",
        abstract="Naïve café façade résumé 😀😀 𝔼𝕩𝕡𝕖𝕔𝕥𝕒𝕥𝕚𝕠𝕟 𠀀s 𠀀𠀀s ŁÓDŹ straße İstanbul ΣΟΦΟΣ ǅ ﬁnal ½",
    ),
)


def read_bundled_docs() -> list[SearchDoc]:
    """Return the papers of content/sources as SearchDocs: a quick reader, not the real one."""
    found: dict[str, SearchDoc] = {}
    for path in sorted(SOURCES.glob("*.txt")):
        date = ""
        pending: str | None = None
        for raw in path.read_text(encoding="utf-8").splitlines():
            line = raw.strip()
            if line.startswith("Subscribe") and line != "Subscribe":
                line = line.removeprefix("Subscribe").strip()
            if not line or line in _CHROME:
                continue
            if match := _DATE_RE.match(line):
                date = f"2025-{_MONTHS.index(match.group(1)) + 1:02d}-{int(match.group(2)):02d}"
                continue
            if pending is None:
                pending = line
                continue
            title, abstract = (
                latex.normalise_text(pending),
                latex.to_plain_text(latex.normalise_text(line)),
            )
            pending = None
            plain_title = latex.to_plain_text(title)
            key = latex.fold(plain_title)
            tags = [
                (tag_id, label)
                for tag_id, label, pattern in _TAGS
                if re.search(pattern, f"{plain_title} {abstract}", re.IGNORECASE)
            ]
            previous = found.get(key)
            if previous is not None and previous.date >= date:
                continue
            found[key] = SearchDoc(
                url=f"papers/{re.sub(r'[^a-z0-9]+', '-', key[:60]) or 'paper'}-{len(found)}/",
                title=plain_title,
                title_html=latex.to_html(title),
                tags=tuple(label for _, label in tags),
                tag_ids=tuple(tag_id for tag_id, _ in tags),
                date=date,
                abstract=abstract,
            )
    return sorted(found.values(), key=lambda doc: (doc.date, doc.title), reverse=True)


def site_payload(docs: list[SearchDoc], queries: list[Any] | None = None) -> dict[str, Any]:
    """Return the parity script's input: the search files built from docs, and the queries."""
    files = build_search_files(docs)
    payload = {"index": load_script_json(files[INDEX_PATH]), "docs": load_script_json(files[DOCS_PATH])}
    return payload if queries is None else {**payload, "queries": queries}


def run_parity(tmp_path: Path, payload: dict[str, Any]) -> dict[str, Any]:
    """Run tests/search_parity.mjs (real lunr.js in Node) on payload; return its output."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the lunr.js parity tests need it")
    if not (REPO / "node_modules" / "lunr" / "lunr.js").exists():
        pytest.skip("node_modules/lunr is missing: run `npm ci`")
    source = tmp_path / "parity-input.json"
    source.write_text(json.dumps(payload), encoding="utf-8")
    done = subprocess.run(
        [node, str(PARITY_SCRIPT), str(source)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def decode_index(data: dict[str, Any]) -> dict[str, dict[str, dict[int, int]]]:
    """Return term -> field -> doc -> term frequency from the compact index."""
    terms = data["terms"].split(" ") if data["terms"] else []
    decoded: dict[str, dict[str, dict[int, int]]] = {term: {} for term in terms}
    for field, encoded in zip(data["fields"], data["postings"], strict=True):
        for term, postings in zip(terms, encoded.split(";") if terms else [], strict=True):
            doc = -1
            decoded[term][field] = {}
            for entry in postings.split(",") if postings else []:
                gap, _, tf = entry.partition(".")
                doc += int(gap, 36)
                decoded[term][field][doc] = int(tf, 36) if tf else 1
    return decoded


def load_script_json(data: bytes) -> dict[str, Any]:
    """Return the JSON object a search data script assigns."""
    text = data.decode("utf-8")
    result: dict[str, Any] = json.loads(
        text[text.index("=", text.index(")")) + 1 : text.rindex(";")]
    )
    return result


# --- tokenizer and terms ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Light Schrödinger Bridge", ["light", "schrodinger", "bridge"]),
        ("CFG++: Manifold-constrained", ["cfg", "manifold", "constrained"]),
        ("SE(n) Equivariant", ["se", "n", "equivariant"]),
        ("f-divergence Mixture-of-Experts", ["f", "divergence", "mixture", "of", "experts"]),
        ("Llama3.2 N:M 80-95\\%", ["llama3", "2", "n", "m", "80", "95"]),
        ("Poincaré 🦓 ﬁnal 𝔼x", ["poincare", "final", "ex"]),
        ("", []),
    ],
)
def test_tokenize_folds_and_splits(text: str, expected: list[str]) -> None:
    assert tokenize(text) == expected


def test_reduce_term_drops_stop_words_and_stems_like_lunr_js() -> None:
    assert reduce_term("the") is None
    assert reduce_term("of") is None
    assert reduce_term("surveys") == "survey"  # lunr.py's own stemmer says "survei"
    assert reduce_term("diffusion") == "diffus"
    assert stem("𠀀s") == "𠀀"  # JS sees two code units plus "s", so step 1a applies


def test_js_sort_key_orders_by_utf16_code_units() -> None:
    words = ["\uff61", "\U0001f600", "z", "é"]
    assert sorted(words, key=js_sort_key) == ["z", "é", "\U0001f600", "\uff61"]


# --- index ------------------------------------------------------------------------------------


def test_compact_index_round_trips_lunr_py_index() -> None:
    docs = read_bundled_docs() + list(HOSTILE)
    builder = build_lunr_builder(docs)
    index = builder.build()
    data = build_index_data(docs)
    decoded = decode_index(data)
    assert set(decoded) == set(index.inverted_index)
    assert data["terms"].split(" ") == sorted(index.inverted_index, key=js_sort_key)
    for term, posting in index.inverted_index.items():
        for field in data["fields"]:
            expected = {
                int(ref): builder.field_term_frequencies[f"{field}/{ref}"][term]
                for ref in posting[field]
            }
            assert decoded[term][field] == expected, (term, field)


def test_fast_builder_matches_stock_lunr_py_builder() -> None:
    docs = read_bundled_docs()[:120] + list(HOSTILE)
    fast = build_lunr_builder(docs).build().serialize()
    stock = build_lunr_builder(docs, stock=True).build().serialize()
    assert json.dumps(fast, sort_keys=True) == json.dumps(stock, sort_keys=True)


def test_field_vectors_rebuild_from_compact_postings() -> None:
    """Recompute lunr's BM25 field vectors from the compact data, as the browser does."""
    docs = read_bundled_docs()[:80]
    builder = build_lunr_builder(docs)
    index = builder.build()
    data = build_index_data(docs)
    decoded = decode_index(data)
    n = data["documentCount"]
    lengths: dict[str, list[int]] = {field: [0] * n for field in data["fields"]}
    for fields in decoded.values():
        for field, postings in fields.items():
            for doc, tf in postings.items():
                lengths[field][doc] += tf
    terms_by_index = {posting["_index"]: term for term, posting in index.inverted_index.items()}
    for field, boost in zip(data["fields"], data["boosts"], strict=True):
        average = sum(lengths[field]) / n
        for doc in range(n):
            vector = index.field_vectors[f"{field}/{doc}"].serialize()
            expected = {terms_by_index[vector[i]]: vector[i + 1] for i in range(0, len(vector), 2)}
            rebuilt = {}
            for term, fields in decoded.items():
                tf = fields[field].get(doc)
                if tf is None:
                    continue
                with_term = sum(len(postings) for postings in fields.values())
                idf = math.log(1 + abs((n - with_term + 0.5) / (with_term + 0.5)))
                norm = data["k1"] * (1 - data["b"] + data["b"] * lengths[field][doc] / average)
                rebuilt[term] = round(idf * (data["k1"] + 1) * tf / (norm + tf) * boost, 3)
            assert rebuilt == pytest.approx(expected, abs=0.0011), (field, doc)


def test_build_search_files_is_deterministic_and_small() -> None:
    docs = read_bundled_docs()
    first = build_search_files(docs)
    assert set(first) == {INDEX_PATH, DOCS_PATH}
    assert build_search_files(list(docs)) == first
    assert 300 <= len(docs) <= 400
    index = load_script_json(first[INDEX_PATH])
    assert index["documentCount"] == len(docs)
    default = Builder()
    default.ref("id")
    default.field("title")
    default.field("abstract")
    for position, doc in enumerate(docs):
        default.add({"id": position, "title": doc.title, "abstract": doc.abstract})
    default_size = len(gzip.compress(json.dumps(default.build().serialize()).encode()))
    ours = sum(len(gzip.compress(data)) for data in first.values())
    assert ours < 0.5 * default_size


def test_docs_data_rows() -> None:
    docs = [
        SearchDoc(
            "papers/a/",
            "Plain <b>",
            "Plain &lt;b&gt;",
            ("LLMs",),
            ("llm",),
            "2025-03-01",
            "x " * 300,
        ),
        SearchDoc(
            "papers/b/",
            "The f-Divergence",
            latex.to_html("The $f$-Divergence"),
            (),
            (),
            "",
            "Short.",
        ),
    ]
    data = build_docs_data(docs)
    assert data["tags"] == [["llm", "LLMs"]]
    first, second = data["docs"]
    assert first[:5] == ["papers/a/", "Plain <b>", 0, "2025-03-01", [0]]
    assert first[5].endswith("\u2026") and len(first[5]) <= 181
    assert second[2].startswith('The <span class="math-word"><math') and second[5] == "Short."


def test_empty_site_has_search_files() -> None:
    files = build_search_files([])
    assert load_script_json(files[INDEX_PATH])["terms"] == ""
    assert load_script_json(files[DOCS_PATH])["docs"] == []


# --- parity with lunr.js (Node) ---------------------------------------------------------------


def test_every_term_reduces_identically_in_lunr_js(tmp_path: Path) -> None:
    docs = read_bundled_docs() + list(HOSTILE)
    texts = [text for doc in docs for text in (doc.title, doc.abstract, " ".join(doc.tags))]
    words = sorted({word for text in texts for word in tokenize(text)})
    extra = ["surveys", "y", "yy", "yelling", "sky", "skies", "generalization", "a", "the"]
    output = run_parity(tmp_path, {"texts": texts, "words": words + extra})
    assert output["tokens"] == [tokenize(text) for text in texts]
    mismatches = [
        (word, reduce_term(word), js)
        for word, js in zip(words + extra, output["terms"], strict=True)
        if reduce_term(word) != js
    ]
    assert mismatches == []


def test_lunr_js_loads_the_same_index_lunr_py_built(tmp_path: Path) -> None:
    docs = read_bundled_docs() + list(HOSTILE)
    builder = build_lunr_builder(docs)
    expected = builder.build().serialize()
    output = run_parity(tmp_path, site_payload(docs))
    loaded = output["index"]
    assert loaded["pipeline"] == expected["pipeline"] == ["siteBuilderTerm"]
    assert loaded["fields"] == expected["fields"]

    def by_term(serialized: dict[str, Any]) -> tuple[dict[str, Any], dict[str, dict[str, float]]]:
        postings = {}
        names = {}
        for term, posting in serialized["invertedIndex"]:
            names[posting["_index"]] = term
            postings[term] = {f: sorted(posting[f]) for f in serialized["fields"]}
        vectors: dict[str, dict[str, float]] = defaultdict(dict)
        for ref, elements in serialized["fieldVectors"]:
            for i in range(0, len(elements), 2):
                vectors[ref][names[elements[i]]] = elements[i + 1]
        return postings, vectors

    js_postings, js_vectors = by_term(loaded)
    py_postings, py_vectors = by_term(expected)
    assert js_postings == py_postings
    assert [term for term, _ in loaded["invertedIndex"]] == sorted(py_postings, key=js_sort_key)
    assert set(js_vectors) == set(py_vectors)
    for ref, vector in py_vectors.items():
        assert js_vectors[ref] == pytest.approx(vector, abs=0.0011), ref


QUERIES = [
    ("Schrodinger", "Light Schrödinger Bridge"),
    ("schrödinger bridge", "Light Schrödinger Bridge"),
    ("diffus", None),
    ("difusion", None),
    ("CFG++", "CFG++: Manifold-constrained Classifier Free Guidance for Diffusion Models"),
    (
        "SE(n)",
        "Fast, Expressive SE(n) Equivariant Networks through Weight-Sharing in Position-Orientation Space",
    ),
    ("f-divergence", None),
    ("poincare", None),
]


def test_queries_in_lunr_js(tmp_path: Path) -> None:
    docs = read_bundled_docs() + list(HOSTILE)
    titles = [doc.title for doc in docs]
    queries = [[query, []] for query, _ in QUERIES] + [
        ["qwxzv blorptang", []],
        ["title: with ^2 ~1 +must -not *wild", []],
        ["the of and", []],
        ["zebrafish 🦓 ÉMOJI", []],
        ["emoji", ["hostile"]],
        ["", ["hostile"]],
        ["diffusion", ["llm"]],
    ]
    results = run_parity(tmp_path, site_payload(docs, queries))["results"]
    for (query, top), result in zip(QUERIES, results, strict=False):
        assert result["refs"], query
        if top is not None:
            assert titles[result["refs"][0]] == top, query
    nonsense, syntax, stop, hostile, tagged, tag_only, narrowed = results[len(QUERIES) :]
    assert nonsense["refs"] == [] and syntax["refs"] == [] and stop["refs"] == []
    assert hostile["refs"] == [len(docs) - 1] and tagged["refs"] == [len(docs) - 1]
    assert tag_only["refs"] == [len(docs) - 1]
    assert 0 < len(narrowed["refs"]) < narrowed["total"]


SCORING_QUERIES = [
    "diffusion models", "di", "d", "optimization co", "mixture-of-experts", "schrödiger brigde",
    "the superposition of the diffusion models", "lang", "graph neural", "f-divergence",
]  # fmt: skip


def test_scoring_matches_lunr_index_query(tmp_path: Path) -> None:
    """The core walks flat postings instead of running lunr's query: same hits, same scores."""
    docs = read_bundled_docs() + list(HOSTILE)
    output = run_parity(tmp_path, site_payload(docs, [[query, []] for query in SCORING_QUERIES]))
    for query, result in zip(SCORING_QUERIES, output["results"], strict=True):
        assert sorted(result["refs"]) == sorted(hit["ref"] for hit in result["lunr"]), query
        lunr_scores = {hit["ref"]: hit["score"] for hit in result["lunr"]}
        for ref, score in zip(result["refs"], result["scores"], strict=True):
            assert score == pytest.approx(lunr_scores[ref], rel=1e-9), (query, ref)
        assert result["scores"] == sorted(result["scores"], reverse=True), query
    assert any(len(result["refs"]) > 100 for result in output["results"])


def test_results_cap_the_list_and_carry_highlights(tmp_path: Path) -> None:
    docs = read_bundled_docs() + list(HOSTILE)
    queries = [["diffusion", []], ["schrodinger", []], ["zebrafish émoji", []]]
    output = run_parity(tmp_path, site_payload(docs, queries))
    diffusion, schrodinger, hostile = (result["shown"] for result in output["results"])
    assert diffusion["count"] > 5 and len(diffusion["urls"]) == 5
    assert all("diffusion" in marks for marks in diffusion["marks"])
    assert "schrodinger" in schrodinger["marks"][0]
    assert hostile["urls"] == [HOSTILE[0].url]
    assert {"zebrafish", "emoji"} <= set(hostile["marks"][0])


def test_term_cache_gives_the_same_search_data_after_an_edit() -> None:
    docs = [
        SearchDoc(f"papers/p{i}/", f"Paper {i} on diffusion", f"Paper {i}", ("Diffusion",), ("diffusion",), "2025-03-12", f"Abstract {i} about graphs and scores.")
        for i in range(30)
    ]
    cache: dict = {}
    assert build_search_files(docs, cache) == build_search_files(docs)
    assert len(cache) == 30
    edited = [*docs[:5], dataclasses.replace(docs[5], title="Retitled zqxv"), *docs[6:]]
    assert build_search_files(edited, cache) == build_search_files(edited)
    assert docs[5] not in cache and edited[5] in cache
    assert build_search_files(docs[:10], cache) == build_search_files(docs[:10])
    assert len(cache) == 10
