"""The theme's static files and the npm libraries the site ships, under assets/."""

from __future__ import annotations

from site_builder.config import Config
from site_builder.errors import SiteError, SourcePos

ASSETS_DIR = "assets"
VENDOR_FILES = {
    "lunr/lunr.min.js": "vendor/lunr.min.js",
    "markdown-it/dist/browser/markdown-it.umd.min.js": "vendor/markdown-it.min.js",
}
"""npm files shipped in the site: node_modules path -> path under assets/."""


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
    return files
