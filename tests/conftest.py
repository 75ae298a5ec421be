"""Shared helpers and fixtures: the bundled site built once and served from a sub-path, scratch projects, Chromium.

`site_server` builds the bundled reading list into a temp dir with
`--base-url http://127.0.0.1:<port>/reading-list/` and serves it from `/reading-list/` the way
GitHub Pages serves a project site: folders answer with their index.html, a missing path answers
404.html with status 404. `browser` is a headless Chromium driven by Playwright.
"""

from __future__ import annotations

import contextlib
import http.server
import io
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

from site_builder.cli import main

REPO = Path(__file__).resolve().parent.parent

# A test run started in the background by a shell without job control (`.ci/run &`, nohup)
# inherits SIGINT ignored, and passes that on to every process it starts: the dev servers the
# tests stop with Ctrl-C's signal would ignore it and be killed after a minute each. Python
# keeps an ignored SIGINT ignored, as a background job should; the tests want Ctrl-C's.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SUB_PATH = "/reading-list/"
PROJECT_FILES = ("site.yml", "content/tags.yml", "templates", "static", "node_modules/lunr", "node_modules/markdown-it")
"""What a scratch project copies from the repository (plus `content/` for the bundled site)."""


@dataclass(frozen=True)
class SiteServer:
    """A built site served over HTTP from a sub-path."""

    out: Path
    """The built site on disk."""
    origin: str
    """`http://127.0.0.1:<port>`."""
    base_url: str
    """`<origin>/reading-list/`: what the site was built with."""

    def url(self, path: str = "") -> str:
        """Return the absolute URL of a site-relative path."""
        return self.base_url + path.lstrip("/")


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serve `directory` under SUB_PATH; anything missing gets 404.html with status 404."""

    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript",
        ".mjs": "text/javascript",
        ".json": "application/json",
        ".svg": "image/svg+xml",
        ".xml": "application/xml",
        ".txt": "text/plain; charset=utf-8",
        ".html": "text/html; charset=utf-8",
    }

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass

    def _resolve(self) -> Path | None:
        path = unquote(urlsplit(self.path).path)
        if not path.startswith(SUB_PATH):
            return None
        target = Path(self.directory) / path[len(SUB_PATH) :]
        try:
            target = target.resolve()
            target.relative_to(Path(self.directory).resolve())
        except (OSError, ValueError):
            return None
        if target.is_dir():
            target = target / "index.html"
        return target if target.is_file() else None

    def send_head(self):  # type: ignore[no-untyped-def]
        path = unquote(urlsplit(self.path).path)
        if path + "/" == SUB_PATH or (
            path.startswith(SUB_PATH)
            and not path.endswith("/")
            and (Path(self.directory) / path[len(SUB_PATH) :]).is_dir()
        ):
            self.send_response(301)
            self.send_header("Location", path + "/")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        target = self._resolve()
        if target is None:
            data = (Path(self.directory) / "404.html").read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            return io.BytesIO(data)
        data = target.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(target)))
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        return io.BytesIO(data)


@contextlib.contextmanager
def serving(out: Path, build: Callable[[str], None] | None = None) -> Iterator[SiteServer]:
    """Serve `out` from SUB_PATH on a free port; `build(base_url)` runs first, once the port is known."""
    out.mkdir(parents=True, exist_ok=True)
    handler = lambda *args, **kwargs: _Handler(*args, directory=str(out), **kwargs)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    site = SiteServer(out=out, origin=origin, base_url=origin + SUB_PATH)
    try:
        if build is not None:
            build(site.base_url)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield site
    finally:
        server.shutdown()
        server.server_close()


def build_project(project: Path, out: Path, base_url: str) -> None:
    """Run `python -m site_builder build` on a project; fail the test with its output on error."""
    result = subprocess.run(
        [sys.executable, "-m", "site_builder", "build", "-C", str(project), "--out", str(out), "--base-url", base_url, "-q"],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    if result.returncode != 0:
        pytest.fail(f"build failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")


def copy_project(dest: Path, *, content: bool = False) -> Path:
    """Copy the theme, settings and taxonomy (and with content=True the bundled papers) into dest."""
    for name in PROJECT_FILES + (("content",) if content else ()):
        source = REPO / name
        target = dest / name
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".*"))
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    (dest / "content" / "sources").mkdir(parents=True, exist_ok=True)
    (dest / "content" / "papers").mkdir(parents=True, exist_ok=True)
    return dest


def listing_dump(papers: list[tuple[str, str]], day: str = "Mar 12") -> str:
    """Return a listing dump as pasted from the listing site: header lines, date line, papers."""
    lines = ["new", "", "Subscribe", "", day, ""]
    for title, abstract in papers:
        lines += [title, "", abstract, ""]
    return "\n".join(lines)


@pytest.fixture(scope="session")
def site_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SiteServer]:
    """The bundled reading list, built once from a copy of the project and served from /reading-list/."""
    if not (REPO / "node_modules" / "lunr").is_dir():
        pytest.skip("node_modules/lunr missing: run `npm ci`")
    root = tmp_path_factory.mktemp("bundled")
    project = copy_project(root / "project", content=True)
    out = root / "site"
    with serving(out, lambda base_url: build_project(project, out, base_url)) as site:
        yield site


@pytest.fixture
def scratch_site(tmp_path: Path) -> Callable[..., contextlib.AbstractContextManager[SiteServer]]:
    """Factory: `with scratch_site({"2025-03-12.txt": dump}) as site:` builds and serves a scratch project."""

    def make(sources: dict[str, str]) -> contextlib.AbstractContextManager[SiteServer]:
        project = copy_project(tmp_path / "project")
        for name, text in sources.items():
            (project / "content" / "sources" / name).write_text(text, encoding="utf-8")
        out = tmp_path / "site"
        return serving(out, lambda base_url: build_project(project, out, base_url))

    return make


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Chromium (Playwright); skips when Chromium or Playwright is missing."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not found")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


# --- scratch projects ----------------------------------------------------------------------

SEEDS = REPO / "content" / "sources"
"""The bundled listing dumps."""


def write_files(root: Path, files: Mapping[str, str | bytes]) -> Path:
    """Write each `relative path: text` (or bytes) under root, creating folders; return root."""
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            # newline="" keeps "\r\n" and a lone "\r" as written.
            with path.open("w", encoding="utf-8", newline="") as handle:
                handle.write(data)
    return root


def make_project(tmp_path: Path, files: Mapping[str, str | bytes] | None = None) -> Path:
    """Return a project under tmp_path with the repository's site.yml and content/tags.yml only."""
    root = tmp_path / "project"
    (root / "content").mkdir(parents=True, exist_ok=True)
    shutil.copy2(REPO / "site.yml", root / "site.yml")
    shutil.copy2(REPO / "content" / "tags.yml", root / "content" / "tags.yml")
    return write_files(root, files or {})


def copy_seeds(project: Path) -> list[Path]:
    """Copy the bundled dumps into the project's content/sources/; return their new paths."""
    sources = project / "content" / "sources"
    sources.mkdir(parents=True, exist_ok=True)
    return [Path(shutil.copy2(path, sources / path.name)) for path in sorted(SEEDS.iterdir())]


def run_cli(
    capsys: pytest.CaptureFixture[str], project: Path, command: str, *args: str
) -> tuple[int, str, str]:
    """Run `site-builder COMMAND -C project ARGS`; return (exit code, stdout, stderr)."""
    capsys.readouterr()
    code = main([command, "-C", str(project), *args])
    out, err = capsys.readouterr()
    return code, out, err


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    """Return every file under root with its bytes and modification time (ns)."""
    return {
        path.relative_to(root).as_posix(): (path.read_bytes(), path.stat().st_mtime_ns)
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def dump(papers: list[tuple[str, str]], day: str | None = "Mar 12") -> str:
    """Return a layout-A listing dump: header lines, an optional date line, title/abstract blocks."""
    lines = ["new", "", "Get trending papers in your email inbox!", "", "Subscribe", ""]
    if day:
        lines += [day, ""]
    for title, abstract in papers:
        lines += [title, "", abstract, ""]
    return "\n".join(lines)


def long_abstract(topic: str) -> str:
    """Return an abstract long enough to read as prose (two sentences, over 120 characters)."""
    return (
        f"We study {topic} in depth and report what we find on several standard benchmarks. "
        f"Our analysis of {topic} explains earlier results and suggests simple improvements."
    )


def make_site_project(tmp_path: Path, files: Mapping[str, str | bytes] | None = None) -> Path:
    """Return a project that can build a site: settings, taxonomy, theme and the npm packages it ships."""
    root = make_project(tmp_path, files)
    shutil.copytree(REPO / "templates", root / "templates")
    shutil.copytree(REPO / "static", root / "static")
    for package in ("lunr", "markdown-it"):
        shutil.copytree(REPO / "node_modules" / package, root / "node_modules" / package)
    return root
