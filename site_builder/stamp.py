"""Build stamps: a hash of every input, so a build with nothing changed can stop at once."""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from site_builder.assets import VENDOR_FILES
from site_builder.config import Config
from site_builder.output import check_output_dir, write_file_atomic
from site_builder.progress import NO_PROGRESS, Progress

if TYPE_CHECKING:
    from site_builder.build import BuildResult

log = logging.getLogger(__name__)

ENGINE_DIR = Path(__file__).parent
"""The engine's own code: a change to it (an upgrade) makes every build stale."""
STAMP_FILE = ".site-cache/last-build.json"
"""Where `build` records the inputs of its last complete build (ignored by git)."""


Inputs = dict[str, tuple[int, int]]
"""Input file path -> (size, modification time in ns)."""


def build_if_changed(
    config: Config, bars: Progress = NO_PROGRESS, force: bool = False
) -> BuildResult | None:
    """Build unless no input changed since the last build here (or `force`); return None when
    skipped.

    The inputs are looked at before the build reads them: a file saved while it runs makes the
    next build run again. The engine is loaded only when there is something to build, so the
    answer "up to date" costs a look at the files' sizes and times.
    """
    check_output_dir(config.out_dir, config.root)
    inputs = read_inputs(config)
    if not force and read_stamp(config) == input_stamp(config, inputs):
        return None
    from site_builder.build import build_site, no_cycle_collection

    # Until the stamp is written too: a collection would walk every object the build left
    # (gigabytes at 100,000 papers) for nothing.
    with no_cycle_collection():
        result = build_site(config, bars=bars)
        written = result.imported.written if result.imported else ()
        write_stamp(config, input_stamp(config, update_inputs(inputs, written)))
        # And after: the first collection once the collector is back would still walk them all
        # (half a second at 10,000 papers). They live as long as the result does; moved out of
        # the collector's sight, they are freed by reference counting alone.
        gc.freeze()
    return result


def read_inputs(config: Config) -> Inputs:
    """Return the size and modification time of every input file (settings, content, theme,
    vendored front-end files and the engine's own code)."""
    roots = [
        config.root / "content",
        config.templates_dir,
        config.static_dir,
        ENGINE_DIR,
    ]
    files = [
        str(config.root / "site.yml"),
        *(str(config.root / "node_modules" / name) for name in VENDOR_FILES),
    ]
    for root in roots:
        files.extend(_files_under(str(root)))
    inputs: Inputs = {}
    for path in sorted(files):
        try:
            info = os.stat(path)
        except OSError:
            continue
        inputs[path] = (info.st_size, info.st_mtime_ns)
    return inputs


def update_inputs(inputs: Inputs, written: Iterable[Path]) -> Inputs:
    """Return the inputs with the files a build wrote itself (imported pages) as they are now."""
    updated = dict(inputs)
    for path in written:
        try:
            info = os.stat(path)
        except OSError:
            updated.pop(str(path), None)
            continue
        updated[str(path)] = (info.st_size, info.st_mtime_ns)
    return updated


def input_stamp(config: Config, inputs: Inputs | None = None) -> str:
    """Hash the inputs (read now when not given), the settings and the output dir's identity.

    A build takes `inputs` before it reads anything, so a file saved while it runs differs from
    the stamp it records, and the next build does not call the site up to date.
    """
    inputs = read_inputs(config) if inputs is None else inputs
    digest = hashlib.sha256(repr(config).encode("utf-8"))
    for path in sorted(inputs):
        size, mtime = inputs[path]
        digest.update(f"{path}\0{size}\0{mtime}\n".encode("utf-8", "surrogateescape"))
    try:
        out = config.out_dir.stat()
        digest.update(f"out\0{out.st_ino}\0{out.st_mtime_ns}".encode())
    except OSError:
        digest.update(b"no output")
    return digest.hexdigest()


def _files_under(root: str) -> list[str]:
    """Return the paths of the files under a directory, at any depth (none if it is missing)."""
    found: list[str] = []
    try:
        entries = list(os.scandir(root))
    except OSError:
        return found
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            found.extend(_files_under(entry.path))
        else:
            # Links count too (a loop or a dangling one: the readers say what is wrong with it).
            found.append(entry.path)
    return found


def read_stamp(config: Config) -> str:
    """Return the stamp of the last complete build here ("" if none)."""
    try:
        data = json.loads((config.root / STAMP_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    return str(data.get("stamp", "")) if isinstance(data, dict) else ""


def write_stamp(config: Config, stamp: str) -> None:
    """Record the stamp of a complete build."""
    try:
        write_file_atomic(config.root / STAMP_FILE, json.dumps({"stamp": stamp}) + "\n")
    except OSError as exc:  # a read-only checkout still builds; it only loses the shortcut
        log.debug("cannot record the build stamp: %s", exc)
