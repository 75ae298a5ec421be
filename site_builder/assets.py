"""The theme's static files and the npm libraries the site ships, under assets/."""

from __future__ import annotations

import json

from site_builder.config import Config
from site_builder.errors import SiteError, SourcePos
from site_builder.latex import MATHML_ATTRIBUTES, MATHML_ELEMENTS

ASSETS_DIR = "assets"
VENDOR_FILES = {"lunr/lunr.min.js": "vendor/lunr.min.js"}
"""npm files shipped in the site: node_modules path -> path under assets/."""
MATHML_SCRIPT = "js/mathml.js"
"""Path under assets/ of the MathML elements and attributes the browser may copy (search.js)."""


def render_mathml_script() -> bytes:
    """Return the script that hands the browser the MathML allowlist of latex.py, the one list."""
    allowed = {"attributes": sorted(MATHML_ATTRIBUTES), "elements": sorted(MATHML_ELEMENTS)}
    payload = json.dumps(allowed, sort_keys=True, separators=(",", ":"))
    return f"window.SITE_MATHML = {payload};\n".encode()


def read_static(config: Config) -> dict[str, bytes]:
    """Return the theme's static files and the npm libraries the site ships, under assets/."""
    files: dict[str, bytes] = {}
    if config.static_dir.is_dir():
        for path in sorted(config.static_dir.rglob("*")):
            if path.is_file() and not any(
                part.startswith(".") for part in path.relative_to(config.static_dir).parts
            ):
                files[f"{ASSETS_DIR}/{path.relative_to(config.static_dir).as_posix()}"] = (
                    path.read_bytes()
                )
    modules = config.root / "node_modules"
    for source, target in VENDOR_FILES.items():
        path = modules / source
        if not path.is_file():
            raise SiteError(
                f"missing {source}: install the front-end libraries with `npm ci` (./dev does it)",
                SourcePos(config.shown(config.root / "package.json")),
            )
        files[f"{ASSETS_DIR}/{target}"] = path.read_bytes()
    files[f"{ASSETS_DIR}/{MATHML_SCRIPT}"] = render_mathml_script()
    return files
