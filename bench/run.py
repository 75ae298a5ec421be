"""Benchmark site-builder against Hugo + Pagefind and MkDocs on the same papers.

Usage: .venv/bin/python bench/run.py [--sizes 369,2000,10000] [--seed S] [--no-peers]
       [--no-serve] [--edits 5] [--timeout SECONDS] [--json PATH]

For each size N, a fresh scratch project under bench/work/nN/project (N=369: the bundled
dumps themselves; otherwise bench/generate_corpus.py's corpus) is built cold and warm with
``python -m site_builder build``, served with ``python -m site_builder serve --port P`` for the
edit timings, and the peers are built from the same papers. One table is printed; see
bench/README.md for what each column means. A command that fails shows ``failed`` in its cell
and its stderr tail under the table.
"""

from __future__ import annotations

import argparse
import compileall
import dataclasses
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate_corpus
import peers
import query_bytes
from measure import dir_bytes, empty_trash, file_sizes, files_under, run_timed

BENCH = Path(__file__).resolve().parent
WORK = BENCH / "work"
OUT_DIR = "_site"
FAILED = "failed"


@dataclasses.dataclass(slots=True)
class Row:
    """One line of the table: a system at a size; None = not measured, FAILED = failed."""

    n: int
    system: str
    cold_s: float | str | None = None
    warm_s: float | str | None = None
    edit_page_ms: float | str | None = None
    edit_search_ms: float | str | None = None
    rss_mb: float | str | None = None
    out_mb: float | str | None = None
    search_raw_kb: float | str | None = None
    search_gz_kb: float | str | None = None
    query_kb: float | str | None = None
    query_ms: float | str | None = None


COLUMNS = [
    ("cold s", "cold_s", "{:.2f}"),
    ("warm s", "warm_s", "{:.2f}"),
    ("edit→page ms", "edit_page_ms", "{:.0f}"),
    ("title→search ms", "edit_search_ms", "{:.0f}"),
    ("peak mem MB", "rss_mb", "{:.0f}"),
    ("out MB", "out_mb", "{:.1f}"),
    ("search KB", "search_raw_kb", "{:.0f}"),
    ("search gz KB", "search_gz_kb", "{:.0f}"),
    ("1st query KB", "query_kb", "{:.1f}"),
    ("key→results ms", "query_ms", "{:.1f}"),
]
RATIO_FIELDS = ["cold_s", "rss_mb", "out_mb", "search_raw_kb", "search_gz_kb", "query_kb"]


# --------------------------------------------------------------------------- our build


def write_project(n: int, dest: Path, seed: int) -> list[generate_corpus.Paper]:
    """Write the scratch project for size N (369: the bundled dumps); return its papers."""
    if n == len(generate_corpus.read_bundled()):
        return generate_corpus.write_bundled(dest)
    return generate_corpus.write_corpus(n, dest, seed)


def build_ours(n: int, project: Path, notes: list[str], args: argparse.Namespace) -> Row:
    row = Row(n, "site-builder")
    cmd = [sys.executable, "-m", args.module, "build"]
    cold = run_timed(cmd, project, args.timeout)
    if not cold.ok:
        row.cold_s = row.warm_s = FAILED
        notes.append(f"N={n} site-builder build (cold) failed:\n{_indent(cold.tail)}")
        return row
    row.cold_s = cold.seconds
    row.rss_mb = cold.rss_kb / 1024 if cold.rss_kb else None
    notes.append(
        f"N={n} site-builder cold build memory: largest process {_mb(cold.max_single_kb)}, "
        f"whole tree (sampled PSS) {_mb(cold.tree_kb)}"
    )
    out = project / OUT_DIR
    row.out_mb = dir_bytes(out) / 1e6
    raw, gz = file_sizes(search_files(out))  # measured now: serve may rewrite them later
    row.search_raw_kb, row.search_gz_kb = raw / 1e3, gz / 1e3
    shipped = search_files(out)
    folders = sorted({p.relative_to(out).parent.as_posix() for p in shipped})
    notes.append(
        f"N={n} site-builder search files: {len(shipped)} in {', '.join(folders) or 'none found'}"
    )
    warm = run_timed(cmd, project, args.timeout)
    row.warm_s = warm.seconds if warm.ok else FAILED
    if not warm.ok:
        notes.append(f"N={n} site-builder build (warm) failed:\n{_indent(warm.tail)}")
    if warm.ok and warm.rss_kb and row.rss_mb is not None:
        row.rss_mb = max(row.rss_mb, warm.rss_kb / 1024)
    return row


def search_files(out: Path) -> list[Path]:
    """What the browser downloads for search, besides pages: the search data under search/
    (not its HTML page), the Lunr library and our search scripts."""
    files = [p for p in files_under(out / "search") if p.suffix != ".html"]
    for pattern in ("assets/vendor/lunr*", "assets/js/lunr*", "assets/js/search*"):
        for path in sorted(out.glob(pattern)):
            files += [path] if path.is_file() else files_under(path)
    return files


def measure_queries(
    n: int, papers: list[generate_corpus.Paper], ours: Row, peer_rows: list[Row],
    notes: list[str], args: argparse.Namespace,
) -> None:
    """Bytes from typing a query on a cold page to its first results, ours and Pagefind's,
    in Chromium (bench/query_bytes.py), for the same 20 queries; our cached keypress time."""
    site = WORK / f"n{n}" / "project" / OUT_DIR
    hugo = WORK / f"n{n}" / "peers" / "hugo" / "public"
    pagefind = next((row for row in peer_rows if row.system == "hugo+pagefind"), None)
    hugo_ok = pagefind is not None and isinstance(pagefind.cold_s, float) and hugo.is_dir()
    try:
        result = query_bytes.measure(
            site, hugo if hugo_ok else None, query_bytes.pick_queries(papers, args.seed)
        )
    except Exception as error:  # noqa: BLE001 - the browser is optional: say why, keep the rest
        notes.append(f"N={n} query bytes not measured: {error}")
        return
    ours.query_kb = statistics.median(r.bytes for r in result["ours"]) / 1e3
    if result.get("latency_ms"):
        ours.query_ms = statistics.median(result["latency_ms"])
    if hugo_ok and pagefind is not None and result.get("pagefind"):
        pagefind.query_kb = statistics.median(r.bytes for r in result["pagefind"]) / 1e3
    notes.append(f"N={n} first query, cold page (bench/query_bytes.py):\n{_indent(query_bytes.report(result), 8)}")


# --------------------------------------------------------------------------- dev server


def measure_serve(project: Path, row: Row, notes: list[str], args: argparse.Namespace) -> None:
    """Median edit→served-page and title-edit→served-search times over args.edits edits."""
    port = _free_port()
    log = project.parent / "serve.log"
    with log.open("w", encoding="utf-8") as log_file:
        proc = subprocess.Popen(
            [sys.executable, "-m", args.module, "serve", "--port", str(port)],
            cwd=project,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        start = time.perf_counter()
        while _get(base + "/") is None:
            if proc.poll() is not None or time.perf_counter() - start > args.timeout:
                raise _ServeError(
                    "server did not come up"
                    if proc.poll() is None
                    else f"server exited with {proc.returncode}"
                )
            time.sleep(0.1)
        notes.append(
            f"N={row.n} site-builder serve: answered after {time.perf_counter() - start:.2f} s"
        )
        pages = sorted((project / "content" / "papers").glob("*.md"))
        if not pages:
            raise _ServeError("no content/papers/*.md to edit")
        rng = random.Random(row.n)
        picks = [pages[(k * len(pages)) // args.edits] for k in range(args.edits)]
        page_ms, search_ms = [], []
        for path in picks:
            marker = _marker(rng)
            url = f"{base}/papers/{path.stem}/"
            t0 = time.perf_counter()
            with path.open("a", encoding="utf-8") as f:
                f.write(f"\n{marker}\n")
            page_ms.append(
                _poll(lambda m=marker, u=url: m in (_get(u) or ""), t0, args.edit_timeout)
            )
            time.sleep(args.settle)
        for path in picks:
            marker = _marker(rng)
            t0 = time.perf_counter()
            if not _edit_title(path, marker):
                raise _ServeError(f"no 'title:' line in {path}")
            search_ms.append(
                _poll(
                    lambda m=marker: _search_has(base, project / OUT_DIR, m), t0, args.edit_timeout
                )
            )
            time.sleep(args.settle)
        row.edit_page_ms = _median_ms(page_ms, "edit→page", row.n, notes)
        row.edit_search_ms = _median_ms(search_ms, "title→search", row.n, notes)
    except _ServeError as exc:
        row.edit_page_ms = row.edit_search_ms = FAILED
        notes.append(f"N={row.n} site-builder serve failed: {exc}\n{_indent(_log_tail(log))}")
    finally:
        _stop(proc)


class _ServeError(Exception):
    pass


def _marker(rng: random.Random) -> str:
    # No vowels and no trailing 's': a Lunr stemmer leaves it as it is.
    return "zq" + "".join(rng.choice("bcdfghjkmnpqvwxz") for _ in range(10))


def _edit_title(path: Path, marker: str) -> bool:
    lines = path.read_text(encoding="utf-8").split("\n")
    for i, line in enumerate(lines):
        m = re.match(r"^(title:\s*)(.*?)(\s*)$", line)
        if m:
            value = m.group(2)
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
                value = f"{value[:-1]} {marker}{value[-1]}"
            else:
                value = f"{value} {marker}"
            lines[i] = m.group(1) + value
            path.write_text("\n".join(lines), encoding="utf-8")
            return True
    return False


def _search_has(base: str, out: Path, marker: str) -> bool:
    """Whether the served search data knows the marker: its word list (search/w/z.js, the
    terms starting with z), else, for another layout, any file under search/."""
    body = _get(f"{base}/search/w/{marker[0]}.js")
    if body is not None:
        return marker in body.lower()
    for path in files_under(out / "search"):  # re-listed: names may carry a content hash
        body = _get(f"{base}/search/{path.relative_to(out / 'search').as_posix()}")
        if body is not None and marker in body.lower():
            return True
    return False


def _poll(done, t0: float, timeout: float) -> float | None:
    while time.perf_counter() - t0 < timeout:
        if done():
            return (time.perf_counter() - t0) * 1000
        time.sleep(0.05)
    return None


def _median_ms(values: list[float | None], what: str, n: int, notes: list[str]) -> float | str:
    seen = [v for v in values if v is not None]
    shown = ", ".join("timeout" if v is None else f"{v:.0f}" for v in values)
    notes.append(f"N={n} site-builder {what} ms per edit: {shown}")
    return statistics.median(seen) if len(seen) == len(values) else FAILED


def _get(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.read().decode("utf-8", errors="replace") if resp.status == 200 else None
    except (urllib.error.URLError, OSError, ValueError):
        return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop the server we started, and its children (its own process group)."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def _log_tail(log: Path) -> str:
    lines = [x for x in log.read_text(encoding="utf-8", errors="replace").splitlines() if x]
    return "\n".join(lines[-6:])


def alternate_cold_builds(
    n: int,
    papers: list[generate_corpus.Paper],
    ours: Row,
    hugo: Row | None,
    notes: list[str],
    args: argparse.Namespace,
) -> None:
    """Build cold again, ours then Hugo + Pagefind, `--cold-runs` times each; put each one's
    median in its row, and every timing in the notes.

    On a shared machine one build's wall time drifts by a fifth from minute to minute; taking
    the two by turns and comparing medians keeps that drift out of the ratio. These runs are
    timed alone: the first build of each, whose project and site the other columns measure,
    also sampled its whole process tree's memory, which takes CPU from the build it measures
    (see measure.run_timed).
    """
    if args.cold_runs < 1 or not isinstance(ours.cold_s, float):
        return
    times: dict[str, list[float]] = {"site-builder": []}
    if hugo is not None and isinstance(hugo.cold_s, float):
        times["hugo+pagefind"] = []
    for _ in range(args.cold_runs):
        project = WORK / f"n{n}" / "cold"
        write_project(n, project, args.seed)
        command = [sys.executable, "-m", args.module, "build"]
        run = run_timed(command, project, args.timeout, sample_tree=False)
        if run.ok:
            times["site-builder"].append(run.seconds)
        if "hugo+pagefind" in times:
            hugo_dir = WORK / f"n{n}" / "peers" / "hugo-cold"
            again = peers.build_hugo_pagefind(papers, hugo_dir, args.timeout, sample_tree=False)
            if again.ok and again.seconds is not None:
                times["hugo+pagefind"].append(again.seconds)
    rows = {"site-builder": ours, "hugo+pagefind": hugo}
    for system, seconds in times.items():
        row = rows[system]
        if not seconds or row is None:
            continue
        row.cold_s = statistics.median(seconds)
        listed = ", ".join(f"{s:.2f}" for s in seconds)
        notes.append(
            f"N={n} {system} cold builds, by turns, timed alone: {listed} s "
            f"(median {row.cold_s:.2f} s)"
        )


# --------------------------------------------------------------------------- table


def peer_row(n: int, result: peers.PeerResult, notes: list[str]) -> Row:
    row = Row(n, result.name)
    if not result.ok:
        row.cold_s = FAILED
        notes.append(f"N={n} {result.name}: {result.detail}")
        return row
    row.cold_s = result.seconds
    row.rss_mb = result.rss_kb / 1024 if result.rss_kb else None
    row.out_mb = (result.out_bytes or 0) / 1e6
    row.search_raw_kb = (result.search_raw or 0) / 1e3
    row.search_gz_kb = (result.search_gz or 0) / 1e3
    notes.append(f"N={n} {result.name}: {result.detail}")
    return row


def ratio_row(ours: Row, peer: Row) -> Row:
    row = Row(ours.n, f"  ours / {peer.system}")
    for field in RATIO_FIELDS:
        a, b = getattr(ours, field), getattr(peer, field)
        if isinstance(a, float) and isinstance(b, float) and b > 0:
            setattr(row, field, a / b)
    return row


def render_table(rows: list[Row], headers: list[str]) -> str:
    cells = [["N", "system", *(c[0] for c in COLUMNS)]]
    for row in rows:
        ratio = row.system.lstrip().startswith("ours /")
        line = [f"{row.n:,}", row.system]
        for _, field, fmt in COLUMNS:
            value = getattr(row, field)
            if value is None:
                line.append("" if ratio else "n/a")
            elif isinstance(value, str):
                line.append(value)
            else:
                line.append(f"{value:.2f}×" if ratio else fmt.format(value))
        cells.append(line)
    widths = [max(len(r[i]) for r in cells) for i in range(len(cells[0]))]

    def fmt_line(r: list[str]) -> str:
        return "  ".join(
            c.ljust(w) if i < 2 else c.rjust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        )

    rule = "  ".join("-" * w for w in widths)
    body = [fmt_line(cells[0]), rule]
    for prev, r in zip([None, *cells[1:-1]], cells[1:], strict=True):
        if prev is not None and prev[0] != r[0]:
            body.append(rule)
        body.append(fmt_line(r))
    return "\n".join([*headers, "", *body])


def _mb(kb: int | None) -> str:
    return "n/a" if kb is None else f"{kb / 1024:.0f} MB"


def _indent(text: str, width: int = 4) -> str:
    return (
        "\n".join(" " * width + line for line in text.splitlines()) or " " * width + "(no output)"
    )


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark site-builder and its peers.")
    parser.add_argument(
        "--sizes",
        nargs="+",
        default=["369,2000,10000"],
        help="paper counts, space- or comma-separated; 369 = the bundled dumps",
    )
    parser.add_argument("--no-browser", action="store_true", help="skip the query bytes")
    parser.add_argument(
        "--mkdocs-max", type=int, default=10_000, help="largest size MkDocs is built at"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-peers", action="store_true", help="skip Hugo+Pagefind and MkDocs")
    parser.add_argument("--no-serve", action="store_true", help="skip the dev-server edits")
    parser.add_argument("--edits", type=int, default=5, help="edits per timing (median)")
    parser.add_argument(
        "--cold-runs",
        type=int,
        default=3,
        help="cold builds of ours and of Hugo + Pagefind per size after the first, taken by turns "
        "and timed alone (median)",
    )
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per build")
    parser.add_argument("--edit-timeout", type=float, default=120, help="seconds per edit")
    parser.add_argument("--settle", type=float, default=1.0, help="pause between edits, s")
    parser.add_argument("--json", type=Path, default=WORK / "results.json")
    parser.add_argument(
        "--module",
        default="site_builder",
        help="module run as 'python -m MODULE build|serve' (to test the harness)",
    )
    args = parser.parse_args(argv)
    sizes = [int(s.replace("_", "")) for arg in args.sizes for s in arg.split(",") if s.strip()]

    # Byte-compile the engine once, as installing a package does: where PYTHONDONTWRITEBYTECODE
    # is set, every timed run would otherwise compile it from source (the peers are binaries).
    compileall.compile_dir(BENCH.parent / "site_builder", quiet=1)
    rows: list[Row] = []
    notes: list[str] = []
    headers = [f"site-builder benchmark, {os.cpu_count()} CPUs, python {sys.version.split()[0]}"]
    if not args.no_peers:
        peers.ensure_peers_venv()
        headers.append("peers: " + peers.tool_versions())
    for n in sizes:
        print(f"[N={n:,}] writing corpus…", file=sys.stderr, flush=True)
        project = WORK / f"n{n}" / "project"
        papers = write_project(n, project, args.seed)
        dumps = sorted((project / "content" / "sources").glob("*.txt"))
        vocab = generate_corpus.word_types([p.title + " " + p.abstract for p in papers])
        headers.append(
            f"N={n:,}: {len(papers):,} distinct papers in {len(dumps)} dumps, {vocab:,} word types"
        )
        print(f"[N={n:,}] site-builder build…", file=sys.stderr, flush=True)
        ours = build_ours(n, project, notes, args)
        if not args.no_serve and isinstance(ours.cold_s, float):
            print(f"[N={n:,}] site-builder serve edits…", file=sys.stderr, flush=True)
            measure_serve(project, ours, notes, args)
        rows.append(ours)
        if not args.no_peers:
            print(f"[N={n:,}] peers…", file=sys.stderr, flush=True)
            peer_rows = [
                peer_row(n, r, notes)
                for r in peers.build_peers(
                    papers, WORK / f"n{n}" / "peers", args.timeout, mkdocs=n <= args.mkdocs_max
                )
            ]
        else:
            peer_rows = []
        if not args.no_browser:
            print(f"[N={n:,}] first queries in Chromium…", file=sys.stderr, flush=True)
            measure_queries(n, papers, ours, peer_rows, notes, args)
        hugo = next((row for row in peer_rows if row.system == "hugo+pagefind"), None)
        alternate_cold_builds(n, papers, ours, hugo, notes, args)
        rows += peer_rows
        rows += [ratio_row(ours, p) for p in peer_rows]
    empty_trash()
    print(render_table(rows, headers))
    if notes:
        print("\nnotes:")
        for note in notes:
            print("- " + note)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(
            {"headers": headers, "rows": [dataclasses.asdict(r) for r in rows], "notes": notes},
            indent=2,
        ),
        encoding="utf-8",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
