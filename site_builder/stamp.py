"""Build stamps: a hash of every input, so a build with nothing changed can stop at once."""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path

from site_builder.assets import VENDOR_FILES
from site_builder.config import Config
from site_builder.output import write_file_atomic

log = logging.getLogger(__name__)

ENGINE_DIR = Path(__file__).parent
"""The engine's own code: a change to it (an upgrade) makes every build stale."""
STAMP_FILE = ".site-cache/last-build.json"
"""Where `build` records the inputs of its last complete build (ignored by git)."""


def input_stamp(config: Config) -> str:
    """Hash the name, size and modification time of every input file, the settings and the engine."""
    digest = hashlib.sha256(repr(config).encode("utf-8"))
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
    for path in sorted(files):
        try:
            info = os.stat(path)
        except OSError:
            continue
        digest.update(
            f"{path}\0{info.st_size}\0{info.st_mtime_ns}\n".encode("utf-8", "surrogateescape")
        )
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
    try:
        data = json.loads((config.root / STAMP_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    return str(data.get("stamp", "")) if isinstance(data, dict) else ""


def write_stamp(config: Config, stamp: str) -> None:
    try:
        write_file_atomic(config.root / STAMP_FILE, json.dumps({"stamp": stamp}) + "\n")
    except OSError as exc:  # a read-only checkout still builds; it only loses the shortcut
        log.debug("cannot record the build stamp: %s", exc)
