"""Tests of site_builder.search: the index, its compact encoding, and parity with lunr.js."""

from __future__ import annotations

import gzip
import json
import math
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO
from lunr.builder import Builder

from site_builder import latex
from site_builder.search import (
    BLOCK_DOCS,
    FIELDS,
    META_PATH,
    TAGS_PATH,
    SearchDoc,
    build_lunr_builder,
    build_search_files,
    js_sort_key,
    pair_key,
    reduce_term,
    shard_key,
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


def site_payload(
    docs: list[SearchDoc], queries: list[Any] | None = None, *, lunr_index: bool = False
) -> dict[str, Any]:
    """Return the parity script's input: the search files built from docs (by name, as the
    core asks for them), the queries, and with `lunr_index` lunr.py's own index of the docs."""
    files = {
        path.removeprefix("search/").removesuffix(".js"): load_script_json(data)
        for path, data in build_search_files(docs).items()
    }
    payload: dict[str, Any] = {"files": files, "queries": queries or []}
    if lunr_index:
        payload["serialized"] = build_lunr_builder(docs).build().serialize()
    return payload


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


def decode_postings(files: dict[str, bytes]) -> dict[str, dict[str, dict[int, tuple[int, int]]]]:
    """Return term -> field -> doc -> (term frequency, field length) from the postings shards."""
    meta = load_script_json(files[META_PATH])
    decoded: dict[str, dict[str, dict[int, tuple[int, int]]]] = {}
    for number in range(len(meta["shards"].split(" ")) if meta["shards"] else 0):
        shard = load_script_json(files[f"search/p/{number}.js"])
        terms = shard["terms"].split(" ")
        assert terms[0] == meta["shards"].split(" ")[number]
        for field, encoded in zip(meta["fields"], shard["postings"], strict=True):
            for term, postings in zip(terms, encoded.split(";"), strict=True):
                doc = -1
                found = decoded.setdefault(term, {}).setdefault(field, {})
                for entry in postings.split(",") if postings else []:
                    gap, length, *tf = entry.split(".")
                    doc += int(gap, 36)
                    found[doc] = (int(tf[0], 36) if tf else 1, int(length, 36))
    return decoded


def load_script_json(data: bytes) -> dict[str, Any]:
    """Return the JSON object a search data script assigns."""
    text = data.decode("utf-8")
    result: dict[str, Any] = json.loads(
        text[text.index("=", text.index("]")) + 1 : text.rindex(";")]
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


def test_tokenize_splits_on_what_is_not_a_unicode_letter_or_digit() -> None:
    """The pattern tokenize uses is JS `[\\p{L}\\p{N}]`, checked at every code point."""
    wrong = [
        cp
        for cp in range(sys.maxunicode + 1)
        if (unicodedata.category(chr(cp))[0] in "LN") != (tokenize(f"a{chr(cp)}b") == [f"a{chr(cp)}b"])
        and unicodedata.normalize("NFKD", chr(cp)) == chr(cp).lower()  # folding keeps it
    ]
    assert wrong == []


def test_js_sort_key_orders_by_utf16_code_units() -> None:
    words = ["\uff61", "\U0001f600", "z", "é"]
    assert sorted(words, key=js_sort_key) == ["z", "é", "\U0001f600", "\uff61"]


# --- index ------------------------------------------------------------------------------------


def test_postings_shards_hold_lunr_py_postings() -> None:
    docs = read_bundled_docs() + list(HOSTILE)
    builder = build_lunr_builder(docs)
    index = builder.build()
    decoded = decode_postings(build_search_files(docs))
    assert list(decoded) == sorted(index.inverted_index, key=js_sort_key)
    for term, posting in index.inverted_index.items():
        for field, _ in FIELDS:
            expected = {
                int(ref): (
                    builder.field_term_frequencies[f"{field}/{ref}"][term],
                    builder.field_lengths[f"{field}/{ref}"],
                )
                for ref in posting[field]
            }
            assert decoded[term][field] == expected, (term, field)


def test_field_vectors_follow_from_the_shipped_postings() -> None:
    """lunr's BM25 field vectors, recomputed from what ships, as the browser does."""
    docs = read_bundled_docs()[:80]
    builder = build_lunr_builder(docs)
    index = builder.build()
    files = build_search_files(docs)
    meta = load_script_json(files[META_PATH])
    decoded = decode_postings(files)
    n = meta["documentCount"]
    terms_by_index = {posting["_index"]: term for term, posting in index.inverted_index.items()}
    for f, (field, boost) in enumerate(zip(meta["fields"], meta["boosts"], strict=True)):
        average = meta["fieldLengths"][f] / n
        for doc in range(n):
            vector = index.field_vectors[f"{field}/{doc}"].serialize()
            expected = {terms_by_index[vector[i]]: vector[i + 1] for i in range(0, len(vector), 2)}
            rebuilt = {}
            for term, fields in decoded.items():
                if doc not in fields[field]:
                    continue
                tf, length = fields[field][doc]
                with_term = sum(len(postings) for postings in fields.values())
                idf = math.log(1 + abs((n - with_term + 0.5) / (with_term + 0.5)))
                norm = meta["k1"] * (1 - meta["b"] + meta["b"] * length / average)
                rebuilt[term] = round(idf * (meta["k1"] + 1) * tf / (norm + tf) * boost, 3)
            assert rebuilt == pytest.approx(expected, abs=0.0011), (field, doc)


def test_build_search_files_is_deterministic_and_small_per_query() -> None:
    docs = read_bundled_docs()
    first = build_search_files(docs)
    assert build_search_files(list(docs)) == first
    assert 300 <= len(docs) <= 400
    meta = load_script_json(first[META_PATH])
    assert meta["documentCount"] == len(docs)
    assert {META_PATH, TAGS_PATH} <= set(first)
    assert sum(path.startswith("search/d/") for path in first) == -(-len(docs) // BLOCK_DOCS)
    assert sum(path.startswith("search/p/") for path in first) == len(meta["shards"].split(" ")) > 1
    default = Builder()
    default.ref("id")
    default.field("title")
    default.field("abstract")
    for position, doc in enumerate(docs):
        default.add({"id": position, "title": doc.title, "abstract": doc.abstract})
    default_size = len(gzip.compress(json.dumps(default.build().serialize()).encode()))
    # All of it (which no visitor downloads) is still smaller than lunr.py's default index...
    ours = sum(len(gzip.compress(data)) for data in first.values())
    assert ours < 0.8 * default_size
    # Every file a query may need is a small part of the whole.
    for path, data in first.items():
        if path != TAGS_PATH:
            assert len(gzip.compress(data)) < 0.1 * ours, path


def test_word_lists_by_first_and_second_character() -> None:
    docs = read_bundled_docs() + list(HOSTILE)
    files = build_search_files(docs)
    terms = sorted(build_lunr_builder(docs).inverted_index, key=js_sort_key)
    meta = load_script_json(files[META_PATH])
    firsts: dict[str, list[str]] = {}
    for key in meta["firsts"]:
        firsts[key] = load_script_json(files[f"search/w/{key}.js"])["terms"].split(" ")
    assert [term for key in sorted(firsts, key=lambda k: (k == "_", k)) for term in firsts[key]] == terms
    pairs: dict[str, list[str]] = {}
    for key in meta["pairs"]:
        data = load_script_json(files[f"search/x/{key}.js"])
        pairs[key] = data["terms"].split(" ")
        assert len(data["df"]) == 2 * len(pairs[key])
        assert all(pair_key(term) == key for term in pairs[key])
    assert sorted(term for found in pairs.values() for term in found) == sorted(terms)
    assert all(shard_key(term[0]) == key for key, found in firsts.items() for term in found)
    seconds = {
        key: load_script_json(files[f"search/s/{key}.js"])["terms"].split(" ")
        for key in meta["seconds"]
    }
    assert sorted(term for found in seconds.values() for term in found) == sorted(
        term for term in terms if len(term.encode("utf-16-le")) > 2  # JS length > 1
    )
    assert "_" in firsts and shard_key("é") == "_" and shard_key("7") == "7"


def test_docs_blocks_rows_and_tag_table() -> None:
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
    files = build_search_files(docs)
    assert load_script_json(files[META_PATH])["tags"] == [["llm", "LLMs"]]
    assert load_script_json(files[TAGS_PATH])["docs"] == ["1"]  # gap from -1
    first, second = load_script_json(files["search/d/0.js"])["docs"]
    assert first[:5] == ["papers/a/", "Plain <b>", 0, "2025-03-01", [0]]
    assert first[5].endswith("\u2026") and len(first[5]) <= 181
    assert second[2].startswith('The <span class="math-word"><math') and second[5] == "Short."
    assert files["search/d/0.js"].startswith(b'(self.siteSearchData=self.siteSearchData||{})["d/0"]=')


def test_empty_site_has_search_files() -> None:
    files = build_search_files([])
    assert set(files) == {META_PATH, TAGS_PATH}
    meta = load_script_json(files[META_PATH])
    assert meta["shards"] == "" and meta["documentCount"] == 0


def test_authors_are_a_search_field() -> None:
    doc = SearchDoc(
        "papers/lstm/", "Long short-term memory", "Long short-term memory", (), (), "", "Recurrent.",
        ("Sepp Hochreiter", "Jürgen Schmidhuber"),
    )  # fmt: skip
    decoded = decode_postings(build_search_files([doc]))
    assert decoded["schmidhub"]["authors"] == {0: (1, 4)}
    assert decoded["jurgen"]["authors"] == {0: (1, 4)}
    assert decoded["schmidhub"]["title"] == {}


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
    assert results[3]["fuzzy"] == [["diffus"]]
    # ... and a query, with its word lists, postings, 5 results and the tag file, fetches a
    # small part of it (lunr.py's default index is ~370 KB gzip here).
    files = build_search_files(docs)
    for (query, _), result in zip(queries, results, strict=True):
        fetched = sum(len(gzip.compress(files[f"search/{name}.js"])) for name in result["requested"])
        assert fetched < 40_000, (query, fetched, result["requested"])
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
    """The core scores shards' postings instead of running lunr's query over lunr.py's whole
    index: same hits, same scores."""
    docs = read_bundled_docs() + list(HOSTILE)
    queries = [[query, []] for query in SCORING_QUERIES]
    output = run_parity(tmp_path, site_payload(docs, queries, lunr_index=True))
    for query, result in zip(SCORING_QUERIES, output["results"], strict=True):
        assert sorted(result["refs"]) == sorted(hit["ref"] for hit in result["lunr"]), query
        lunr_scores = {hit["ref"]: hit["score"] for hit in result["lunr"]}
        for ref, score in zip(result["refs"], result["scores"], strict=True):
            assert score == pytest.approx(lunr_scores[ref], rel=1e-9), (query, ref)
        assert result["scores"] == sorted(result["scores"], reverse=True), query
    assert any(len(result["refs"]) > 100 for result in output["results"])


def test_a_capped_list_is_the_head_of_the_whole_ranking(tmp_path: Path) -> None:
    """A results list of `limit` hits picks the best in one pass instead of sorting every match:
    it must be the whole ranking's head, ties (equal scores, as a tag-only list's) by document
    order, with the count of all matches."""
    docs = read_bundled_docs() + list(HOSTILE)
    queries = [
        ["d", []], ["di", []], ["lang", []], ["diffusion models", []], ["diffusion", ["llm"]],
        ["", ["llm"]], ["", ["diffusion"]], ["optimization co", []], ["qwxzv", []],
    ]  # fmt: skip
    output = run_parity(tmp_path, site_payload(docs, queries))
    for (query, tags), result in zip(queries, output["results"], strict=True):
        shown = result["shown"]
        assert shown["urls"] == [docs[ref].url for ref in result["refs"][:5]], (query, tags)
        assert shown["count"] == len(result["refs"]), (query, tags)
    assert sum(len(result["refs"]) > 5 for result in output["results"]) >= 6


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
