"""`serve`: build into a temp dir, serve it with live reload, rebuild when the inputs change."""

from __future__ import annotations

import dataclasses
import gc
import ipaddress
import logging
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
import webbrowser
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from site_builder.build import BuildResult, BuildState, build_site
from site_builder.config import CONFIG_FILE, Config, load_config
from site_builder.errors import SiteError
from site_builder.executor import start_fork_server
from site_builder.livereload import Broadcaster, DevServer
from site_builder.preview import preview_notes
from site_builder.watch import ChangeTracker, Watcher

log = logging.getLogger(__name__)

QUIET_SECONDS = 0.05
"""A burst of changes (rename-saves, `git checkout`) is over after this long without events."""
LONGEST_WAIT_SECONDS = 1.0
"""Rebuild at the latest this long after the first change, even while changes keep coming."""
RETRY_SECONDS = 0.2
"""A file that fails to parse just after it changed may be half written: look again after this."""


def serve(
    config: Config, host: str = "127.0.0.1", port: int = 8000, open_browser: bool = False
) -> int:
    """Build the site into a temp dir, serve it on host:port and rebuild on change until Ctrl-C.

    The user's output dir is never touched. A broken input keeps the last good site served and
    shows the error in the browser; fixing the file recovers without a restart.
    """
    if not _is_loopback(host):
        print(
            f"warning: listening on {host}: anyone who can reach this machine can read the site "
            "(use --host 127.0.0.1 to keep it local)",
            file=sys.stderr,
            flush=True,
        )
    temp = Path(tempfile.mkdtemp(prefix="site-builder-serve-"))
    broadcaster = Broadcaster()
    server: DevServer | None = None
    watcher: Watcher | None = None
    http_thread: threading.Thread | None = None
    preview_thread: threading.Thread | None = None
    loop: _BuildLoop | None = None
    with _stop_on_sigterm():
        try:
            try:
                server = DevServer((host, port), temp / "site", broadcaster)
            except OSError as exc:
                raise SiteError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
            url = _url(host, server.server_address[1])
            log.debug("building into %s", temp)
            tracker = ChangeTracker(
                config.root, ignored_dirs=(temp.resolve(), config.out_dir.resolve())
            )
            tracker.remember_inputs()
            start_fork_server()  # before the watcher's threads: builds start children from it
            watcher = Watcher(config, tracker)
            watcher.start()
            loop = _BuildLoop(config, temp / "site", url, tracker, watcher, broadcaster)
            loop.build([])
            preview_thread = threading.Thread(
                target=loop.preview_edits, name="site-builder-preview", daemon=True
            )
            preview_thread.start()
            http_thread = threading.Thread(
                target=server.serve_forever, name="site-builder-http", daemon=True
            )
            http_thread.start()
            print(f"serving {url} (Ctrl-C to stop)", flush=True)
            if open_browser:
                webbrowser.open(url)
            loop.run()
        except KeyboardInterrupt:
            pass
        finally:
            with _ignore_stop_signals():
                broadcaster.stop()
                if loop is not None:
                    loop.stop.set()
                    tracker.interrupt()
                if preview_thread is not None:
                    preview_thread.join()
                if watcher is not None:
                    watcher.stop()
                if server is not None:
                    if http_thread is not None:
                        server.shutdown()
                        http_thread.join()
                    server.server_close()
                shutil.rmtree(temp, ignore_errors=True)
    return 0


class _BuildLoop:
    """Wait for changes, rebuild once per burst, tell the browsers."""

    def __init__(
        self,
        config: Config,
        out_dir: Path,
        url: str,
        tracker: ChangeTracker,
        watcher: Watcher,
        broadcaster: Broadcaster,
    ) -> None:
        self.root = config.root
        self.out_dir = out_dir
        self.url = url
        self.config = self._serve_config(config)
        self.tracker = tracker
        self.watcher = watcher
        self.broadcaster = broadcaster
        self.state = BuildState(start_method="forkserver")
        self.ok = False
        self.stop = threading.Event()

    def _serve_config(self, config: Config) -> Config:
        # The site is served at the server's root, so feeds, canonical links and 404.html's links
        # use the server's address rather than the published one.
        return dataclasses.replace(config, out_dir=self.out_dir, base_url=self.url)

    def run(self) -> None:
        """Rebuild after each burst of changes until stopped."""
        while not self.stop.is_set():
            paths = self.tracker.wait_for_burst(QUIET_SECONDS, LONGEST_WAIT_SECONDS, self.stop)
            if not paths:
                continue
            self.watcher.watch_folders()
            changed = self.tracker.real_changes(paths)
            if changed:
                self.build(changed)

    def preview_edits(self) -> None:
        """Until stopped, write the page of each paper whose notes were just edited, from the last
        good build, while the rebuild that follows is still to come or under way (preview.py)."""
        while not self.stop.is_set():
            paths = self.tracker.wait_for_previews(QUIET_SECONDS, self.stop)
            state = self.state
            site, environment = state.site, state.environment
            if not paths or not self.ok or site is None or environment is None:
                continue
            started = time.perf_counter()
            written = preview_notes(
                self.config,
                site,
                environment[1],
                dict(state.cards),  # a copy: the build thread adds to its cards as it renders
                (tag.id for tag in state.tags_taxonomy),
                sorted(path.resolve() for path in paths),
                state.previewed,
            )
            if written:
                self.broadcaster.built(css_only=False)
                log.debug(
                    "previewed %s in %.0f ms", ", ".join(written), (time.perf_counter() - started) * 1e3
                )

    def build(self, changed: list[Path]) -> None:
        """Build once; report the outcome on the terminal and to the browsers."""
        started = time.perf_counter()
        try:
            result = self._build_retrying(changed)
        except SiteError as exc:
            self.ok = False
            for line in str(exc).splitlines():
                print(f"error: {line}", file=sys.stderr, flush=True)
            self.broadcaster.failed(str(exc))
            return
        except Exception as exc:  # noqa: BLE001 -- our bug, not the user's: show it, keep serving
            self.ok = False
            traceback.print_exc()
            self.broadcaster.failed(f"internal error (please report it): {exc!r}")
            return
        recovered = not self.ok
        self.ok = True
        if result.unsettled:
            self.tracker.rebuild(result.unsettled)  # a preview raced this build: build them again
        if result.imported:
            # What the import wrote is not a change to react to: remember it as the build left it.
            written = result.imported.written
            self.tracker.remember([self.config.papers_dir.parent, self.config.papers_dir, *written])
        if not changed:
            # The first build's objects live as long as the server: keep the cycle collector
            # from walking them again and again (at 10,000 papers each walk costs 0.1 s or more).
            gc.collect()
            gc.freeze()
            log.info("%s", result.summary())
            self.broadcaster.built(css_only=False)
            return
        if result.changed or recovered:
            self.broadcaster.built(css_only=all(_is_css(path, self.root) for path in changed))
        log.info("rebuilt in %.2f s (%s)", time.perf_counter() - started, self._describe(changed))

    def _build_retrying(self, changed: list[Path]) -> BuildResult:
        if any(path == self.root / CONFIG_FILE for path in changed):
            self.config = self._serve_config(load_config(self.root))
        # Import only when a dump or the settings changed (or the last build failed): it reads
        # every dump and page, and would recreate a page the user just deleted.
        sources = self.config.sources_dir
        run_import = not self.ok or any(
            path.is_relative_to(sources) or path == self.root / CONFIG_FILE for path in changed
        )
        hint = self._changed_files(changed)
        try:
            return build_site(self.config, self.state, run_import=run_import, changed=hint)
        except SiteError as exc:
            culprits = _error_paths(exc, self.root) & set(changed)
            if not culprits or self.stop.wait(RETRY_SECONDS):
                raise
            if not self.tracker.real_changes(culprits):
                raise  # the file is as the build read it: a retry would fail the same way
        return build_site(self.config, self.state, run_import=run_import, changed=hint)

    def _changed_files(self, changed: list[Path]) -> set[Path] | None:
        """Return the changed files for the build to trust, or None to make it look at all.

        Only a burst of plain file events after a good build is precise enough: a folder event
        (a checkout, a moved folder) or a failed build means every file is looked at again.
        """
        if not self.ok or not changed or any(path.is_dir() for path in changed):
            return None
        return {path.resolve() for path in changed}

    def _describe(self, changed: list[Path]) -> str:
        shown = [path.relative_to(self.root).as_posix() for path in changed[:3]]
        more = f" and {len(changed) - 3} more" if len(changed) > 3 else ""
        return ", ".join(shown) + more


def _error_paths(exc: SiteError, root: Path) -> set[Path]:
    errors = getattr(exc, "errors", [exc])
    return {root / error.where.path for error in errors if error.where and error.where.path}


def _is_css(path: Path, root: Path) -> bool:
    return path.suffix == ".css" and path.is_relative_to(root / "static")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _url(host: str, port: int) -> str:
    """Return the URL to open: unspecified addresses (0.0.0.0, ::) are reached through loopback."""
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/"


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@contextmanager
def _stop_on_sigterm() -> Iterator[None]:
    """Let SIGTERM stop the server the way Ctrl-C does (only the main thread may set handlers)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def _ignore_stop_signals() -> Iterator[None]:
    """Let the cleanup finish even when Ctrl-C is pressed again."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {
        number: signal.signal(number, signal.SIG_IGN) for number in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
