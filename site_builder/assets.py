"""The theme's static files and the npm libraries the site ships, under assets/."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from site_builder.config import Config
from site_builder.errors import SiteError, SourcePos
from site_builder.latex import MATHML_ATTRIBUTES, MATHML_ELEMENTS
from site_builder.readfile import outside_reason, read_file

log = logging.getLogger(__name__)
ASSETS_DIR = "assets"
VENDOR_FILES = {
    "lunr/lunr.min.js": "vendor/lunr.min.js",
    "markdown-it/dist/browser/markdown-it.umd.min.js": "vendor/markdown-it.min.js",
}
"""npm files shipped in the site: node_modules path -> path under assets/."""
MATHML_SCRIPT = "js/mathml.js"
"""Path under assets/ of the MathML elements and attributes the browser may copy (search.js)."""


def render_mathml_script() -> bytes:
    """Return the script that hands the browser the MathML allowlist of latex.py, the one list."""
    allowed = {"attributes": sorted(MATHML_ATTRIBUTES), "elements": sorted(MATHML_ELEMENTS)}
    payload = json.dumps(allowed, sort_keys=True, separators=(",", ":"))
    return f"window.SITE_MATHML = {payload};\n".encode()


ENGINE_MODULES = Path(__file__).resolve().parent.parent / "node_modules"
"""The engine checkout's npm packages: used when the project has none of its own (`new`)."""


def read_static(config: Config) -> dict[str, bytes]:
    """Return the theme's static files and the npm libraries the site ships, under assets/.

    Only regular files inside the project are published: a symbolic link out of it, a link to
    a folder, a FIFO or a device in static/ is skipped with a warning naming it.
    """
    files: dict[str, bytes] = {}
    for path in _static_paths(config.static_dir):
        shown = config.shown(path)
        reason = outside_reason(path, config.root)
        if reason is None and path.is_symlink() and path.is_dir():
            reason = "it is a symbolic link to a folder"
        elif reason is None and not path.is_file():
            reason = "it is not a regular file"
        if reason is not None:
            log.warning("warning: %s: not published: %s", SourcePos(shown), reason)
            continue
        relative = path.relative_to(config.static_dir).as_posix()
        files[f"{ASSETS_DIR}/{relative}"] = read_file(path, shown, config.root)
    modules = config.root / "node_modules"
    for source, target in VENDOR_FILES.items():
        path = modules / source
        if not path.is_file():
            path = ENGINE_MODULES / source
        if not path.is_file():
            raise SiteError(
                f"missing {source}: install the front-end libraries with `npm ci` (./dev does it)",
                SourcePos(config.shown(config.root / "package.json")),
            )
        files[f"{ASSETS_DIR}/{target}"] = read_file(path, config.shown(path))
    files[f"{ASSETS_DIR}/{MATHML_SCRIPT}"] = render_mathml_script()
    return files


def _static_paths(static_dir: Path) -> list[Path]:
    """Return every entry under static_dir but folders, hidden ones left out, without following
    symbolic links to folders."""
    found: list[Path] = []
    for folder, folders, names in os.walk(static_dir, followlinks=False):
        folders[:] = sorted(name for name in folders if not name.startswith("."))
        base = Path(folder)
        found.extend(base / name for name in names if not name.startswith("."))
        found.extend(base / name for name in folders if (base / name).is_symlink())
    return sorted(found)
