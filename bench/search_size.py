"""Measure the search data: bytes (raw, gzip) against a default lunr.py index, build time, query latency.

    .venv/bin/python bench/search_size.py            # bundled papers and a synthetic 10,000
    .venv/bin/python bench/search_size.py --docs 370 2000 --seed 3

The baseline is lunr.py's default index over title + abstract with numeric refs, serialized
as JSON, which is what a lunr.py site would ship. The synthetic corpus recombines the bundled
titles and abstract sentences and sprinkles invented acronyms and names, so the vocabulary
grows with the corpus as it would with real papers. Query latency runs the shipped core with
the real lunr.js in Node (load once, then a typed-out query per keystroke), timing what the
search worker does per keystroke: match, score, and shape the first 50 results with highlights.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import lunr  # noqa: E402 - after the sys.path line

from site_builder.search import SearchDoc, build_search_files  # noqa: E402

_CHROME = re.compile(
    r"^(new|Subscribe|byAK and the research community|Get trending papers in your email inbox( once a day)?!"
    r"|(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{1,2})$"
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_QUERIES = [
    "diffusion models", "schrodinger", "difusion", "mixture-of-experts", "CFG++", "SE(n)",
    "f-divergence", "sparse attention transformer", "optimization convergence", "graph neural",
]  # fmt: skip

_NODE_LATENCY = r"""
globalThis.self = globalThis
const lunr = require(process.argv[1] + '/node_modules/lunr/lunr.js')
const core = require(process.argv[1] + '/static/js/lunr-pipeline.js')(lunr)
const fs = require('fs')
for (const name of ['index', 'docs']) eval(fs.readFileSync(process.argv[2] + '/' + name + '.js', 'utf8'))
const queries = JSON.parse(process.argv[3])
let t = performance.now()
const searcher = core.createSearcher(self.siteSearchData.index, self.siteSearchData.docs)
const load = performance.now() - t
const times = []
for (const query of queries) {
  for (let i = 1; i <= query.length; i++) {
    t = performance.now(); searcher.results(query.slice(0, i), [], 50); times.push(performance.now() - t)
  }
}
times.sort((a, b) => a - b)
const q = p => times[Math.min(times.length - 1, Math.floor(p * times.length))]
console.log(JSON.stringify({ load, median: q(0.5), p90: q(0.9), max: times[times.length - 1], n: times.length }))
"""


def read_bundled() -> list[tuple[str, str]]:
    """Return (title, abstract) pairs from content/sources: a quick reader, duplicates dropped."""
    pairs: dict[str, str] = {}
    for path in sorted((REPO / "content" / "sources").glob("*.txt")):
        lines = []
        for raw in path.read_text(encoding="utf-8").splitlines():
            line = raw.strip().removeprefix("Subscribe") if raw.strip() != "Subscribe" else ""
            if line and not _CHROME.match(line):
                lines.append(line)
        for title, abstract in zip(lines[::2], lines[1::2], strict=False):
            pairs.setdefault(title, abstract)
    return list(pairs.items())


def sample_docs(count: int, seed: int) -> list[SearchDoc]:
    """Return `count` docs: bundled ones first, then recombined ones with invented names."""
    bundled = read_bundled()
    rng = random.Random(seed)
    sentences = [s for _, abstract in bundled for s in _SENTENCE.split(abstract) if s]
    title_words = [title.split() for title, _ in bundled]
    tags = [("Diffusion models", "diffusion"), ("LLMs", "llm"), ("Optimization", "optimization"),
            ("Vision", "vision"), ("Theory", "theory")]  # fmt: skip
    docs = []
    for i in range(count):
        if i < len(bundled):
            title, abstract = bundled[i]
        else:
            a, b = rng.sample(title_words, 2)
            name = "".join(rng.choice("ABCDEFGHIKLMNOPRSTVX") for _ in range(rng.randint(2, 5)))
            name += rng.choice(["", "-" + str(rng.randint(1, 99)), "Net", "former", "++"])
            title = f"{name}: " + " ".join(a[: len(a) // 2] + b[len(b) // 2 :])
            picked = rng.sample(sentences, rng.randint(5, 9))
            picked.insert(rng.randint(0, len(picked)), f"We call our method {name}.")
            abstract = " ".join(picked)
        chosen = rng.sample(tags, rng.randint(0, 2))
        docs.append(
            SearchDoc(
                url=f"papers/{re.sub(r'[^a-z0-9]+', '-', title.lower())[:60].strip('-')}/",
                title=title,
                title_html=title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"),
                tags=tuple(label for label, _ in chosen),
                tag_ids=tuple(tag_id for _, tag_id in chosen),
                date=f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                abstract=abstract,
            )
        )
    return docs


def measure(count: int, seed: int) -> None:
    docs = sample_docs(count, seed)
    t = time.perf_counter()
    files = build_search_files(docs)
    ours_seconds = time.perf_counter() - t
    t = time.perf_counter()
    default = lunr.lunr(
        ref="id",
        fields=("title", "abstract"),
        documents=[{"id": i, "title": d.title, "abstract": d.abstract} for i, d in enumerate(docs)],
    )
    default_bytes = json.dumps(default.serialize()).encode()
    default_seconds = time.perf_counter() - t
    default_gzip = len(gzip.compress(default_bytes))
    print(f"\n{len(docs)} papers")
    print(f"  {'file':<22}{'raw bytes':>12}{'gzip bytes':>12}")
    raw_total = gzip_total = 0
    for path, data in sorted(files.items()):
        size = len(gzip.compress(data))
        raw_total, gzip_total = raw_total + len(data), gzip_total + size
        print(f"  {path:<22}{len(data):>12,}{size:>12,}")
    print(f"  {'ours, total':<22}{raw_total:>12,}{gzip_total:>12,}   built in {ours_seconds:.2f} s")
    print(f"  {'default lunr.py index':<22}{len(default_bytes):>12,}{default_gzip:>12,}"
          f"   built in {default_seconds:.2f} s")  # fmt: skip
    print(
        f"  ours / default (gzip): {gzip_total / default_gzip:.1%}   (raw: {raw_total / len(default_bytes):.1%})"
    )
    node = shutil.which("node")
    if node is None:
        print("  query latency: skipped (node not installed)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        for path, data in files.items():
            (Path(tmp) / Path(path).name).write_bytes(data)
        done = subprocess.run(
            [node, "-e", _NODE_LATENCY, str(REPO), tmp, json.dumps(_QUERIES)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
    if done.returncode != 0:
        print("  query latency: node failed:\n" + done.stderr)
        return
    figures = json.loads(done.stdout)
    print(f"  lunr.js (Node): index rebuilt in {figures['load']:.0f} ms (in the worker); per keystroke over "
          f"{figures['n']} typed prefixes: median {figures['median']:.2f} ms, "
          f"p90 {figures['p90']:.2f} ms, max {figures['max']:.1f} ms")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--docs", type=int, nargs="+", default=[len(read_bundled()), 10_000])
    parser.add_argument("--seed", type=int, default=1)
    arguments = parser.parse_args()
    for count in arguments.docs:
        measure(count, arguments.seed)


if __name__ == "__main__":
    main()
