"""Tests of `site-builder serve`: a real server in a subprocess, real file edits, real HTTP.

Polling waits have generous timeouts; no test asserts on how long anything took.
"""

from __future__ import annotations

import http.client
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import copy_project, write_files

from site_builder.livereload import EVENTS_PATH, SCRIPT_PATH, Message, inject, resolve_url_path
from site_builder.watch import ChangeTracker, is_ignored

WAIT = 60.0
"""Upper bound for anything the server should do by itself (a rebuild on a loaded machine)."""

DUMP = """\
new

Get trending papers in your email inbox!

Mar 12

Zebrafish Navigation with Sparse Rewards

We train agents that steer a simulated zebrafish towards food using only sparse rewards. The agents learn to follow odour gradients within a few thousand episodes, and transfer to unseen tanks.

Quantum Walks on Small Graphs

We study continuous-time quantum walks on graphs with at most twelve vertices. Exhaustive search finds every graph with perfect state transfer, and we prove two new families exist.
"""
NEW_DUMP = """\
Mar 13

Otters Use Tools Differently in Captivity

We film sea otters cracking shells in three aquariums and in the wild. Captive otters pick smaller stones, and strike more often, which we explain with a simple energy model.
"""
ZEBRA = "content/papers/zebrafish-navigation-with-sparse-rewards.md"
ZEBRA_URL = "papers/zebrafish-navigation-with-sparse-rewards/"


def make_project(root: Path) -> Path:
    """Copy the real theme and settings into root and add a two-paper listing dump."""
    return write_files(copy_project(root), {"content/sources/listing.txt": DUMP})


def replace_in(path: Path, old: str, new: str) -> None:
    """Replace text in a file the way an editor saves: write a temp file, then rename over."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    temp = path.with_name(f".{path.name}.swp")
    temp.write_text(text.replace(old, new, 1), encoding="utf-8")
    os.replace(temp, path)


def poll(check: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
    """Wait until check() is true."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


@dataclass
class Server:
    """`site-builder serve --port 0` in a subprocess, its output collected line by line."""

    process: subprocess.Popen[str]
    temp: Path
    """The server's TMPDIR: holds its temp site while it runs."""
    url: str = ""
    stdout: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)

    @classmethod
    def start(cls, project: Path, temp: Path, *args: str) -> Server:
        temp.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, TMPDIR=str(temp), PYTHONUNBUFFERED="1")
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "site_builder",
                "serve",
                "--port",
                "0",
                "-C",
                str(project),
                *args,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            env=env,
            cwd=temp,
        )
        server = cls(process, temp)
        for stream, lines in ((process.stdout, server.stdout), (process.stderr, server.stderr)):
            threading.Thread(target=_collect, args=(stream, lines), daemon=True).start()
        try:
            poll(
                lambda: (
                    any("serving http" in line for line in server.stdout)
                    or process.poll() is not None
                ),
                "the URL",
            )
        except AssertionError:
            server.stop()
            raise
        found = [
            m
            for line in server.stdout
            if (m := re.match(r"serving (http://\S+/) \(Ctrl-C to stop\)$", line))
        ]
        assert found, (server.stdout, server.stderr)
        server.url = found[0].group(1)
        return server

    def stop(self, sig: int = signal.SIGINT) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(WAIT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def get(self, path: str) -> Response:
        """GET a path (sent as is, not normalised) without following redirects."""
        host, port = self.url.removeprefix("http://").rstrip("/").rsplit(":", 1)
        connection = http.client.HTTPConnection(host, int(port), timeout=WAIT)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return Response(
                response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
            )
        finally:
            connection.close()

    def rebuilds(self) -> list[str]:
        return [line for line in list(self.stderr) if line.startswith("rebuilt in ")]

    def wait_for_stderr(self, pattern: str, start: int = 0) -> re.Match[str]:
        found: list[re.Match[str]] = []

        def check() -> bool:
            found[:] = [m for line in list(self.stderr)[start:] if (m := re.search(pattern, line))]
            return bool(found)

        poll(check, f"stderr matching {pattern!r} (got {self.stderr[start:]!r})")
        return found[0]

    def site_dirs(self) -> list[Path]:
        return sorted(self.temp.glob("site-builder-serve-*/site"))


def _collect(stream: object, lines: list[str]) -> None:
    for line in stream:  # type: ignore[attr-defined]
        lines.append(line.rstrip("\n"))


class EventStream:
    """A live-reload client: reads server-sent events into a queue."""

    def __init__(self, server: Server) -> None:
        host, port = server.url.removeprefix("http://").rstrip("/").rsplit(":", 1)
        self.connection = http.client.HTTPConnection(host, int(port), timeout=WAIT)
        self.connection.request("GET", EVENTS_PATH)
        self.response = self.connection.getresponse()
        assert self.response.status == 200
        assert self.response.getheader("Content-Type") == "text/event-stream"
        self.events: queue.Queue[tuple[str, str]] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        kind, data = "message", []
        try:
            for raw in self.response:
                line = raw.decode("utf-8").rstrip("\n")
                if line.startswith("event: "):
                    kind = line[7:]
                elif line.startswith("data: "):
                    data.append(line[6:])
                elif not line:
                    if data:
                        self.events.put((kind, "\n".join(data)))
                    kind, data = "message", []
        except (OSError, ValueError):
            pass  # closed by the test or by the server stopping

    def next(self, *kinds: str) -> tuple[str, str]:
        """Return the next event of one of these kinds, skipping others."""
        deadline = time.monotonic() + WAIT
        while True:
            kind, data = self.events.get(timeout=max(0.01, deadline - time.monotonic()))
            if kind in kinds:
                return kind, data

    def close(self) -> None:
        self.connection.close()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "project")


@pytest.fixture
def server(project: Path, tmp_path: Path) -> Iterator[Server]:
    running = Server.start(project, tmp_path / "tmp")
    yield running
    running.stop()


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server for the read-only tests."""
    root = tmp_path_factory.mktemp("shared")
    running = Server.start(make_project(root / "project"), root / "tmp")
    yield running
    running.stop()


def test_serves_the_site_from_a_temp_dir_with_the_reload_script(
    server: Server, project: Path
) -> None:
    home = server.get("/")
    assert home.status == 200
    assert "Zebrafish Navigation with Sparse Rewards" in home.text
    assert f'<script src="{SCRIPT_PATH}" data-generation="1"></script>\n</body>' in home.text
    page = server.get("/" + ZEBRA_URL)
    assert page.status == 200 and "<h1" in page.text
    script = server.get(SCRIPT_PATH)
    assert script.headers["content-type"] == "text/javascript; charset=utf-8"
    assert b"EventSource" in script.body
    # The served site is the server's own: the user's _site is never written, and the files on
    # disk never carry the injected script.
    assert not (project / "_site").exists()
    [site] = server.site_dirs()
    assert SCRIPT_PATH not in (site / "index.html").read_text(encoding="utf-8")
    assert "http://127.0.0.1:" in (site / "feed.xml").read_text(encoding="utf-8")


def test_edit_is_rebuilt_and_announced(server: Server, project: Path) -> None:
    events = EventStream(server)
    assert events.next("hello") == ("hello", "1")
    replace_in(project / ZEBRA, "## Notes", "## Notes\n\nRead with the 2019 tank study.")
    poll(
        lambda: "Read with the 2019 tank study." in server.get("/" + ZEBRA_URL).text,
        "the edited notes",
    )
    assert events.next("reload", "css", "error") == ("reload", "2")
    line = server.wait_for_stderr(r"^rebuilt in \d+\.\d\d s \((.*)\)$")
    assert line.group(1) == ZEBRA
    events.close()


def test_a_notes_edit_is_previewed_before_the_rebuild(project: Path, tmp_path: Path) -> None:
    server = Server.start(project, tmp_path / "tmp", "-v")
    try:
        start = len(server.stderr)
        replace_in(project / ZEBRA, "## Notes", "## Notes\n\nShown at once.")
        poll(lambda: "Shown at once." in server.get("/" + ZEBRA_URL).text, "the previewed notes")
        previewed = server.wait_for_stderr(r"^previewed (\S+) in \d+ ms$", start)
        assert previewed.group(1) == f"{ZEBRA_URL}index.html"
        rebuilt = server.wait_for_stderr(r"^rebuilt in \d+\.\d\d s \((.*)\)$", start)
        assert rebuilt.group(1) == ZEBRA
        lines = server.stderr
        assert lines.index(previewed.group(0)) < lines.index(rebuilt.group(0))
        # A title edit moves the paper on other pages: only the rebuild writes it.
        start = len(server.stderr)
        replace_in(project / ZEBRA, "title: ", "title: Revised ")
        server.wait_for_stderr(r"^rebuilt in ", start)
        assert not any(line.startswith("previewed") for line in server.stderr[start:])
        assert "Revised" in server.get("/" + ZEBRA_URL).text
    finally:
        server.stop()


def test_broken_page_keeps_the_last_good_site_and_recovers(server: Server, project: Path) -> None:
    events = EventStream(server)
    page = project / ZEBRA
    lines = page.read_text(encoding="utf-8").splitlines()
    status_line = lines.index("status: unread") + 1
    replace_in(page, "status: unread", "status: [unread")
    message = server.wait_for_stderr(r"^error: (content/papers/[^:]+):(\d+): (YAML error: .*)$")
    assert message.group(1) == ZEBRA
    assert int(message.group(2)) >= status_line
    kind, data = events.next("error", "reload")
    assert kind == "error" and data.startswith(f"{ZEBRA}:{message.group(2)}: YAML error")
    old = server.get("/" + ZEBRA_URL)
    assert old.status == 200 and "Zebrafish Navigation with Sparse Rewards" in old.text
    assert 'id="site-builder-error"' in old.text and "YAML error" in old.text
    replace_in(page, "status: [unread", "status: read")
    poll(
        lambda: 'id="site-builder-error"' not in server.get("/" + ZEBRA_URL).text,
        "the overlay to go",
    )
    assert events.next("error", "reload")[0] == "reload"
    assert not server.get("/").text.count("site-builder-error")


def test_template_error_is_reported_and_fixed(server: Server, project: Path) -> None:
    template = project / "templates" / "paper.html"
    original = template.read_text(encoding="utf-8")
    line = original.splitlines().index("{% block main %}") + 2
    replace_in(template, "{% block main %}\n", "{% block main %}\n{% if %}\n")
    server.wait_for_stderr(rf"^error: templates/paper\.html:{line}: template error: ")
    assert server.get("/" + ZEBRA_URL).status == 200
    replace_in(template, "{% if %}\n", "<p>Template marker 7731</p>\n")
    poll(lambda: "Template marker 7731" in server.get("/" + ZEBRA_URL).text, "the fixed template")


def test_new_listing_dump_is_imported_once(server: Server, project: Path) -> None:
    write_files(project, {"content/sources/more.txt": NEW_DUMP})
    url = "/papers/otters-use-tools-differently-in-captivity/"
    poll(lambda: server.get(url).status == 200, "the imported paper's page")
    server.wait_for_stderr(r"^rebuilt in .* \(content/sources/more\.txt\)$")
    assert (
        project / "content" / "papers" / "otters-use-tools-differently-in-captivity.md"
    ).is_file()
    assert "Otters Use Tools" in server.get("/").text
    # The pages the import wrote must not trigger rebuilds of their own: make one more edit and
    # check that its rebuild is the only one after the import's.
    imported = len(server.rebuilds())
    replace_in(project / ZEBRA, "## Notes", "## Notes\n\nSentinel edit.")
    poll(lambda: "Sentinel edit." in server.get("/" + ZEBRA_URL).text, "the sentinel edit")
    server.wait_for_stderr(rf"^rebuilt in .* \({re.escape(ZEBRA)}\)$", start=0)
    rebuilds = server.rebuilds()
    assert len(rebuilds) == imported + 1, rebuilds
    assert rebuilds[-1].endswith(f"({ZEBRA})")
    assert all("otters" not in line for line in rebuilds), rebuilds


def test_dump_that_is_not_utf8_is_reported_and_removing_it_recovers(
    server: Server, project: Path
) -> None:
    events = EventStream(server)
    bad = project / "content" / "sources" / "bad.txt"
    bad.write_bytes(b"Mar 14\n\nCaf\xe9 Society\n")
    server.wait_for_stderr(
        r"^error: content/sources/bad\.txt:3: not UTF-8 text \(byte 0xe9 at offset 11\); save the listing as UTF-8$"
    )
    assert events.next("error", "reload")[0] == "error"
    assert server.get("/").status == 200
    bad.unlink()
    assert events.next("error", "reload")[0] == "reload"


def test_css_only_change_swaps_stylesheets(server: Server, project: Path) -> None:
    events = EventStream(server)
    css = project / "static" / "css" / "site.css"
    css.write_text(
        css.read_text(encoding="utf-8") + "\n.css-marker-1234 { color: red; }\n", encoding="utf-8"
    )
    assert events.next("reload", "css", "error")[0] == "css"
    poll(
        lambda: b"css-marker-1234" in server.get("/assets/css/site.css").body, "the new stylesheet"
    )


def test_burst_of_changes_ends_with_the_last_version_served(server: Server, project: Path) -> None:
    papers = sorted((project / "content" / "papers").glob("*.md"))
    for round_ in range(10):  # like `git checkout` rewriting many files
        for path in papers:
            path.write_text(
                path.read_text(encoding="utf-8") + f"\nround {round_}\n", encoding="utf-8"
            )
    poll(lambda: "round 9" in server.get("/" + ZEBRA_URL).text, "the last round")
    page = server.get("/" + ZEBRA_URL).text
    assert "round 8" in page and "round 9" in page  # every round is in, none lost in between


def test_a_burst_recorded_while_waiting_is_one_set_of_paths(tmp_path: Path) -> None:
    tracker = ChangeTracker(tmp_path)
    paths = [tmp_path / "content" / "papers" / f"{n}.md" for n in range(50)]
    for path in paths + paths[:10]:
        tracker.record(path)
    tracker.record(tmp_path / "_site" / "index.html")  # outside the inputs: dropped
    stop = threading.Event()
    assert tracker.wait_for_burst(quiet=0, longest=0, stop=stop) == set(paths)
    stop.set()
    assert tracker.wait_for_burst(quiet=0, longest=0, stop=stop) == set()


def test_first_build_failing_still_serves_and_recovers(project: Path, tmp_path: Path) -> None:
    template = project / "templates" / "base.html"
    template.write_text(
        template.read_text(encoding="utf-8").replace("</main>", "{% broken %}</main>"),
        encoding="utf-8",
    )
    server = Server.start(project, tmp_path / "tmp")
    try:
        assert any(line.startswith("error: templates/") for line in server.stderr), server.stderr
        waiting = server.get("/")
        assert waiting.status == 503 and 'id="site-builder-error"' in waiting.text
        template.write_text(
            template.read_text(encoding="utf-8").replace("{% broken %}", ""), encoding="utf-8"
        )
        poll(lambda: server.get("/").status == 200, "the site after the fix")
    finally:
        assert server.stop() == 0


def test_error_overlay_text_is_escaped() -> None:
    page = b"<html><body><p>x</p></body></html>"
    out = inject(page, 3, "a.md:1: <img src=x onerror=alert(1)> & more")
    assert b"<img" not in out
    assert b"a.md:1: &lt;img src=x onerror=alert(1)&gt; &amp; more" in out
    assert out.endswith(b'data-generation="3"></script>\n</body></html>')
    assert inject(b"no body", 1, None).startswith(b"no body<script")


def test_event_text_keeps_every_line() -> None:
    encoded = Message(4, "error", "a.md:1: one\nb.md:2: two").encode()
    assert encoded == b"id: 4\nevent: error\ndata: a.md:1: one\ndata: b.md:2: two\n\n"


@pytest.mark.parametrize(
    ("relative", "ignored"),
    [
        ("content/papers/a.md", False),
        ("templates/partials/card.html", False),
        ("static/css/site.css", False),
        ("site.yml", False),
        ("content/papers/.a.md.swp", True),
        ("content/papers/.a.md.x1y2.tmp", True),
        ("content/papers/a.md~", True),
        ("content/papers/.#a.md", True),
        ("content/papers/#a.md#", True),
        ("content/papers/4913", True),
        ("content/papers/a.tmp", True),
        ("content/.hidden/a.md", True),
        ("_site/index.html", True),
        ("node_modules/lunr/lunr.js", True),
        ("README.md", True),
        ("out/index.html", True),
    ],
)
def test_which_changes_are_ignored(tmp_path: Path, relative: str, ignored: bool) -> None:
    assert is_ignored(tmp_path / relative, tmp_path, [tmp_path / "out"]) is ignored


def test_changes_that_leave_a_file_as_the_build_saw_it_are_dropped(tmp_path: Path) -> None:
    write_files(tmp_path, {"content/papers/a.md": "one", "content/papers/b.md": "two"})
    tracker = ChangeTracker(tmp_path)
    tracker.remember_inputs()
    a, b, c = (tmp_path / "content" / "papers" / name for name in ("a.md", "b.md", "c.md"))
    a.write_text("one", encoding="utf-8")  # saved without a change
    b.write_text("changed", encoding="utf-8")
    c.write_text("written by the build", encoding="utf-8")
    tracker.remember([c])
    assert tracker.real_changes([a, b, c]) == [b]
    assert tracker.real_changes([b]) == []


def test_url_paths_resolve_inside_the_site_only(tmp_path: Path) -> None:
    site = tmp_path / "site"
    write_files(tmp_path, {"site/index.html": "home", "site/a/b.html": "b", "secret.txt": "secret"})
    (site / "leak").symlink_to(tmp_path / "secret.txt")
    (site / "a" / "up").symlink_to(tmp_path)
    (site / "inside").symlink_to(site / "a")
    assert resolve_url_path(site, "/a/b.html") == (site / "a" / "b.html").resolve()
    assert resolve_url_path(site, "/inside/b.html") == (site / "a" / "b.html").resolve()
    assert resolve_url_path(site, "/a%2Fb.html") == (site / "a" / "b.html").resolve()
    for bad in (
        "/leak",
        "/a/up/secret.txt",
        "/../secret.txt",
        "/a/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/..%5csecret.txt",
        "/..\\secret.txt",
        "/index.html%00",
        "/%ff",
        "a/b.html",
    ):
        assert resolve_url_path(site, bad) is None, bad


TRAVERSALS = [
    "/../secret.txt",
    "/../../secret.txt",
    "/../../../secret.txt",
    "/%2e%2e/%2e%2e/secret.txt",
    "/%2E%2E/%2E%2E/%2E%2E/secret.txt",
    "/..%2f..%2f..%2fsecret.txt",
    "/%2e%2e%2f%2e%2e%2f%2e%2e%2fsecret.txt",
    "/%252e%252e/%252e%252e/%252e%252e/secret.txt",
    "/..%255c..%255c..%255csecret.txt",
    "/..\\..\\..\\secret.txt",
    "/%5c..%5c..%5c..%5csecret.txt",
    "/assets/../../../../secret.txt",
    "/index.html%00",
    "/%00../../secret.txt",
    "//../../secret.txt",
    "/./../secret.txt",
    "/leak.txt",
    "/leak-dir/secret.txt",
    "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_requests_cannot_escape_the_site(shared_server: Server, path: str) -> None:
    [site] = shared_server.site_dirs()
    # A secret in every folder above the site, and symlinks inside the site pointing at them.
    for folder in (site.parent, site.parent.parent, site.parent.parent.parent):
        (folder / "secret.txt").write_text("TOP SECRET", encoding="utf-8")
    for name, target in (("leak.txt", site.parent / "secret.txt"), ("leak-dir", site.parent)):
        if not (site / name).is_symlink():
            (site / name).symlink_to(target)
    response = shared_server.get(path)
    assert response.status in (400, 404)
    assert b"TOP SECRET" not in response.body and b"root:" not in response.body
    if response.status == 404:
        assert "Page not found" in response.text


def test_unknown_path_gets_the_sites_404_page(shared_server: Server) -> None:
    response = shared_server.get("/no/such/page/")
    assert response.status == 404
    assert "Page not found" in response.text and SCRIPT_PATH in response.text
    assert response.headers["content-type"] == "text/html; charset=utf-8"


def test_folders_redirect_to_the_slash_form_and_serve_their_index(shared_server: Server) -> None:
    response = shared_server.get("/tags?sort=name")
    assert response.status == 301
    assert response.headers["location"] == "/tags/?sort=name"
    assert shared_server.get("//tags").headers["location"] == "/tags/"
    index = shared_server.get("/tags/")
    assert index.status == 200 and "<title>Tags" in index.text


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/", "text/html; charset=utf-8"),
        ("/feed.xml", "application/atom+xml"),
        ("/sitemap.xml", "application/xml"),
        ("/papers.json", "application/json"),
        ("/assets/js/site.js", "text/javascript; charset=utf-8"),
        ("/assets/css/site.css", "text/css; charset=utf-8"),
        ("/assets/favicon.svg", "image/svg+xml"),
        ("/robots.txt", "text/plain; charset=utf-8"),
    ],
)
def test_content_types_and_no_caching(shared_server: Server, path: str, content_type: str) -> None:
    response = shared_server.get(path)
    assert response.status == 200
    assert response.headers["content-type"] == content_type
    assert response.headers["cache-control"] == "no-store"
    assert int(response.headers["content-length"]) == len(response.body)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_signal_stops_cleanly(server: Server, sig: int) -> None:
    events = EventStream(server)  # an open live-reload stream must not hold the server up
    assert events.next("hello")[0] == "hello"
    [site] = server.site_dirs()
    assert server.stop(sig) == 0
    assert not site.parent.exists()
    assert list(server.temp.iterdir()) == []
    assert not any("Traceback" in line for line in server.stderr), server.stderr
    events.close()


def test_other_hosts_are_served_only_with_a_warning(project: Path, tmp_path: Path) -> None:
    server = Server.start(project, tmp_path / "tmp", "--host", "0.0.0.0")
    try:
        assert any(line.startswith("warning: listening on 0.0.0.0") for line in server.stderr)
        assert server.url.startswith("http://127.0.0.1:")
        assert server.get("/").status == 200
    finally:
        assert server.stop() == 0


def test_urllib_client_sees_redirects_and_pages(shared_server: Server) -> None:
    with urllib.request.urlopen(shared_server.url + "dates", timeout=WAIT) as response:
        assert response.url.endswith("/dates/")
        assert response.status == 200
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(shared_server.url + "missing.html", timeout=WAIT)
    assert info.value.code == 404


def _get_with_host(server: Server, path: str, host: str | None) -> tuple[int, bytes]:
    address, port = server.url.removeprefix("http://").rstrip("/").rsplit(":", 1)
    connection = http.client.HTTPConnection(address, int(port), timeout=WAIT)
    try:
        connection.putrequest("GET", path, skip_host=True)
        if host is not None:
            connection.putheader("Host", host)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_only_the_servers_own_host_names_are_answered(shared_server: Server) -> None:
    port = shared_server.url.rstrip("/").rsplit(":", 1)[1]
    forbidden = b"forbidden: this server answers only to 127.0.0.1, localhost, [::1] and its --host\n"
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"LOCALHOST:{port}"):
        assert _get_with_host(shared_server, "/", host)[0] == 200, host
    for host in (f"evil.example:{port}", "evil.example", f"127.0.0.1:{int(port) + 1}", "127.0.0.1", f"localhost.evil.example:{port}", None):
        for path in ("/", EVENTS_PATH, SCRIPT_PATH, "/papers.json"):
            assert _get_with_host(shared_server, path, host) == (403, forbidden), (host, path)


def test_the_host_given_with_host_is_answered(project: Path, tmp_path: Path) -> None:
    from site_builder.livereload import allowed_hosts

    assert allowed_hosts("::1", 8000) == {"127.0.0.1:8000", "localhost:8000", "[::1]:8000"}
    assert "192.168.1.5:8000" in allowed_hosts("192.168.1.5", 8000)
    assert "0.0.0.0:8000" not in allowed_hosts("0.0.0.0", 8000)


def test_a_url_segment_over_255_bytes_is_a_404(shared_server: Server) -> None:
    for path in ("/" + "a" * 300, "/papers/" + "%C3%A9" * 200 + "/", "/" + "%C3%A9" * 100 + "/x"):
        response = shared_server.get(path)
        assert response.status == 404, path
        assert "<html" in response.text.lower()


def test_a_carriage_return_in_an_error_cannot_end_its_event() -> None:
    message = Message(3, "error", "content/papers/a.md:2: bad\revent: reload\r\rdata: x\u2028\x1b[2J")
    encoded = message.encode().decode()
    lines = encoded.replace("\r\n", "\n").split("\n")
    assert "\r" not in encoded
    assert [line for line in lines if line.startswith("event:")] == ["event: error"]
    assert encoded == (
        "id: 3\nevent: error\n"
        "data: content/papers/a.md:2: bad\\x0devent: reload\\x0d\\x0ddata: x\u2028\\x1b[2J\n\n"
    )
