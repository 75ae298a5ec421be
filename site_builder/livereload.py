"""The dev server's HTTP side: safe static files, live-reload events, the injected script."""

from __future__ import annotations

import html
import http.server
import logging
import mimetypes
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from site_builder.controls import escape_controls

log = logging.getLogger(__name__)

PREFIX = "/__site_builder__/"
"""URL space of the server's own endpoints; absolute, so it works from a page at any depth."""
EVENTS_PATH = PREFIX + "events"
SCRIPT_PATH = PREFIX + "livereload.js"
HEARTBEAT_SECONDS = 15.0
OVERLAY_ID = "site-builder-error"
_CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".xml": "application/xml",
    ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".gz": "application/gzip",
}
_FEED_TYPE = "application/atom+xml"
_NAME_MAX = 255
"""Longest file name in bytes on the usual file systems."""
_SWAP_RETRIES = 20
"""A build swaps the site dir with two renames: a request landing between them retries briefly."""

_SCRIPT = """\
// site-builder serve: reload on rebuild, swap stylesheets on CSS-only changes, show build errors.
(() => {
  "use strict";
  const OVERLAY = "%(overlay)s";
  function showError(message) {
    let box = document.getElementById(OVERLAY);
    if (!box) {
      box = document.createElement("div");
      box.id = OVERLAY;
      box.setAttribute("role", "alert");
      const heading = document.createElement("strong");
      const text = document.createElement("pre");
      box.append(heading, text);
      document.body.append(box);
    }
    box.setAttribute("style", %(box_style)s);
    box.firstElementChild.textContent = "Build failed: the page shows the last good build";
    box.lastElementChild.setAttribute("style", %(pre_style)s);
    box.lastElementChild.textContent = message;
  }
  function hideError() {
    const box = document.getElementById(OVERLAY);
    if (box) box.remove();
  }
  function swapStylesheets() {
    for (const link of document.querySelectorAll('link[rel~="stylesheet"]')) {
      const url = new URL(link.href, location.href);
      if (url.origin !== location.origin) continue;
      url.searchParams.set("__site_builder", String(Date.now()));
      const fresh = link.cloneNode();
      fresh.href = url.href;
      fresh.addEventListener("load", () => link.remove(), { once: true });
      fresh.addEventListener("error", () => link.remove(), { once: true });
      link.after(fresh);
    }
  }
  function reload() {
    source.close();
    location.reload();
  }
  // The build this page came from; a page that missed a rebuild while loading reloads on connect.
  let generation = document.currentScript ? document.currentScript.dataset.generation : "";
  const source = new EventSource("%(events)s");
  source.addEventListener("hello", (event) => { if (event.data !== generation) reload(); });
  source.addEventListener("reload", reload);
  source.addEventListener("css", (event) => { generation = event.data; hideError(); swapStylesheets(); });
  // EventSource also fires a plain "error" Event (no data) when the connection drops.
  source.addEventListener("error", (event) => { if (typeof event.data === "string") showError(event.data); });
  // The build is fine: a page loaded while it was broken shows stale content, so reload it.
  source.addEventListener("ok", () => { if (document.getElementById(OVERLAY)) reload(); });
  window.addEventListener("pagehide", () => source.close());
})();
"""
_BOX_STYLE = (
    "position:fixed;inset:auto 0 0 0;z-index:2147483647;max-height:60vh;overflow:auto;margin:0;"
    "padding:1rem 1.25rem;background:#2b0b0e;color:#ffe3e3;border-top:4px solid #e5484d;"
    "font:14px/1.5 system-ui,sans-serif;box-shadow:0 -4px 24px rgba(0,0,0,.4)"
)
_PRE_STYLE = "margin:.5rem 0 0;white-space:pre-wrap;font:13px/1.5 ui-monospace,monospace;color:inherit;background:none"


def livereload_script() -> bytes:
    """Return the script injected into every HTML page the dev server sends."""
    return (
        _SCRIPT
        % {
            "overlay": OVERLAY_ID,
            "box_style": _js_string(_BOX_STYLE),
            "pre_style": _js_string(_PRE_STYLE),
            "events": EVENTS_PATH,
        }
    ).encode("utf-8")


def _js_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def inject(page: bytes, generation: int, error: str | None) -> bytes:
    """Return an HTML page with the live-reload script, and the error overlay while a build is broken."""
    snippet = f'<script src="{SCRIPT_PATH}" data-generation="{generation}"></script>\n'
    if error is not None:
        # Rendered on the server with escaping, so a page load shows the error even before the
        # script connects; the script takes the box over (and replaces its text with textContent).
        snippet = (
            f'<div id="{OVERLAY_ID}" role="alert" style="{_BOX_STYLE}">'
            "<strong>Build failed: the page shows the last good build</strong>"
            f'<pre style="{_PRE_STYLE}">{html.escape(error)}</pre></div>\n' + snippet
        )
    data = snippet.encode("utf-8")
    at = page.lower().rfind(b"</body>")
    return page + data if at < 0 else page[:at] + data + page[at:]


@dataclass(frozen=True, slots=True)
class Message:
    """One server-sent event."""

    number: int
    """Sequence number, increasing."""
    kind: str
    """`hello` (on connect), `reload`, `css`, `error` or `ok`."""
    data: str = ""
    """Payload: the error text for `error`, the site's generation for the others."""

    def encode(self) -> bytes:
        """Return the event in text/event-stream format."""
        # CR is a line end in an event stream too: a message must not end its own event.
        text = escape_controls(self.data or "")
        lines = "".join(f"data: {line}\n" for line in text.split("\n"))
        return f"id: {self.number}\nevent: {self.kind}\n{lines}\n".encode()


class Broadcaster:
    """The state browsers need (site generation, build error) and the events sent to them."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._messages: deque[Message] = deque(maxlen=64)
        self._number = 0
        self.generation = 0
        """Counts the builds that changed what pages show; a page knows the one it came from."""
        self.error: str | None = None
        """Message of the failing build, None when the last build succeeded."""
        self.stopping = False

    def _send(self, kind: str, data: str) -> None:
        self._number += 1
        self._messages.append(Message(self._number, kind, data))
        self._changed.notify_all()

    def built(self, css_only: bool) -> None:
        """Tell the browsers the site changed: swap stylesheets, or reload the page."""
        with self._changed:
            recovered = self.error is not None
            self.error = None
            self.generation += 1
            self._send("css" if css_only and not recovered else "reload", str(self.generation))

    def failed(self, error: str) -> None:
        """Tell the browsers the build failed; pages keep showing the last good build."""
        with self._changed:
            self.error = error
            self._send("error", error)

    def stop(self) -> None:
        """End every event stream."""
        with self._changed:
            self.stopping = True
            self._changed.notify_all()

    def hello(self) -> tuple[int, list[Message]]:
        """Return the newest event number and the events that tell a new browser the state."""
        with self._changed:
            state = (
                Message(self._number, "error", self.error)
                if self.error is not None
                else Message(self._number, "ok")
            )
            return self._number, [Message(self._number, "hello", str(self.generation)), state]

    def wait(self, after: int, timeout: float) -> list[Message]:
        """Return events newer than `after`, waiting up to `timeout` seconds for one."""
        with self._changed:
            self._changed.wait_for(lambda: self.stopping or self._number > after, timeout)
            return [message for message in self._messages if message.number > after]


class DevServer(http.server.ThreadingHTTPServer):
    """A threading HTTP server over one site folder, with live reload."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], site_dir: Path, broadcaster: Broadcaster) -> None:
        host = address[0]
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.site_dir = site_dir
        self.broadcaster = broadcaster
        super().__init__(address, _Handler)
        self.allowed_hosts = allowed_hosts(host, self.server_address[1])
        """Host headers answered: the loopback names and the address the server was started for
        (anything else is DNS rebinding: a web page reading the local site)."""

    def handle_error(self, request: object, client_address: object) -> None:
        """Drop a browser closing its connection silently; anything else is our bug."""
        import sys

        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


class _Handler(http.server.BaseHTTPRequestHandler):
    server: DevServer
    server_version = "site-builder"

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def do_HEAD(self) -> None:
        self._respond(head=True)

    def do_GET(self) -> None:
        self._respond(head=False)

    def _respond(self, head: bool) -> None:
        try:
            if self.headers.get("Host", "").lower() not in self.server.allowed_hosts:
                self._send(403, _FORBIDDEN, "text/plain; charset=utf-8", head)
                return
            raw = urlsplit(self.path)
            if raw.path == EVENTS_PATH and not head:
                self._stream_events()
            elif raw.path == SCRIPT_PATH:
                self._send(200, livereload_script(), _CONTENT_TYPES[".js"], head)
            else:
                self._send_file(raw.path, raw.query, head)
        except ConnectionError:
            self.close_connection = True

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str,
        head: bool,
        extra: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _send_file(self, url_path: str, query: str, head: bool) -> None:
        site = self.server.site_dir
        for _ in range(_SWAP_RETRIES):
            target = resolve_url_path(site, url_path)
            if target is not None or site.is_dir():
                break
            time.sleep(0.01)
        else:
            self._send_placeholder(head)
            return
        if target is not None and target.is_dir():
            if not url_path.endswith("/"):
                # One leading slash: `//host` would send the browser to another site.
                location = "/" + url_path.lstrip("/") + "/" + (f"?{query}" if query else "")
                self._send(301, b"", "text/plain; charset=utf-8", head, {"Location": location})
                return
            target = target / "index.html"
        data = _read(target) if target is not None else None
        if data is None:
            page = _read(site / "404.html")
            if page is None:
                self._send(404, b"not found\n", "text/plain; charset=utf-8", head)
            else:
                self._send(404, self._inject(page), _CONTENT_TYPES[".html"], head)
            return
        assert target is not None
        content_type = content_type_for(target)
        if content_type.startswith("text/html"):
            data = self._inject(data)
        self._send(200, data, content_type, head)

    def _inject(self, page: bytes) -> bytes:
        broadcaster = self.server.broadcaster
        return inject(page, broadcaster.generation, broadcaster.error)

    def _send_placeholder(self, head: bool) -> None:
        """Answer while no build has succeeded yet: a blank page with the error overlay."""
        page = b'<!doctype html><html><head><meta charset="utf-8"><title>site-builder</title></head><body></body></html>'
        self._send(
            503,
            inject(
                page,
                self.server.broadcaster.generation,
                self.server.broadcaster.error or "no successful build yet",
            ),
            _CONTENT_TYPES[".html"],
            head,
        )

    def _stream_events(self) -> None:
        broadcaster = self.server.broadcaster
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Accel-Buffering", "no")
        self.end_headers()
        seen, hello = broadcaster.hello()
        self.wfile.write(b"retry: 1000\n\n" + b"".join(message.encode() for message in hello))
        self.wfile.flush()
        while not broadcaster.stopping:
            messages = broadcaster.wait(seen, HEARTBEAT_SECONDS)
            if broadcaster.stopping:
                break
            if messages:
                self.wfile.write(b"".join(message.encode() for message in messages))
                seen = messages[-1].number
            else:
                self.wfile.write(b": heartbeat\n\n")
            self.wfile.flush()


_FORBIDDEN = b"forbidden: this server answers only to 127.0.0.1, localhost, [::1] and its --host\n"


def allowed_hosts(host: str, port: int) -> frozenset[str]:
    """Return the Host headers a dev server on host:port answers: loopback names and `host`."""
    names = {"127.0.0.1", "localhost", "[::1]"}
    if host and host not in ("0.0.0.0", "::"):
        names.add(f"[{host}]" if ":" in host else host)
    allowed = {f"{name}:{port}".lower() for name in names}
    if port == 80:
        allowed |= {name.lower() for name in names}
    return frozenset(allowed)


def resolve_url_path(site_dir: Path, url_path: str) -> Path | None:
    """Return the file or folder a URL path names inside site_dir, or None when it names nothing
    there: `..` in any encoding, backslashes, NUL bytes, and symlinks leading outside all fail."""
    if "\\" in url_path or "\0" in url_path:
        return None
    try:
        decoded = unquote(url_path, errors="strict")
    except UnicodeDecodeError:
        return None
    if "\\" in decoded or "\0" in decoded or not decoded.startswith("/"):
        return None
    parts = [part for part in decoded.split("/") if part]
    if any(part in (".", "..") for part in parts):
        return None
    if any(len(part.encode("utf-8", "surrogateescape")) > _NAME_MAX for part in parts):
        return None  # no file has such a name (the OS would refuse to look it up)
    root = site_dir.resolve()
    try:
        target = root.joinpath(*parts).resolve()
        if not target.is_relative_to(root) or not target.exists():
            return None
    except (OSError, RuntimeError, ValueError):  # symlink loops, names the OS refuses
        return None
    return target


def content_type_for(path: Path) -> str:
    """Return the Content-Type of a site file."""
    if path.name == "feed.xml":
        return _FEED_TYPE
    suffix = path.suffix.lower()
    if suffix in _CONTENT_TYPES:
        return _CONTENT_TYPES[suffix]
    guessed, _ = mimetypes.guess_type(path.name)
    return guessed or "application/octet-stream"


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes() if path.is_file() else None
    except OSError:
        return None
