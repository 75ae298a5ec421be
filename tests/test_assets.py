"""The theme's assets: static files as they are, npm libraries, and the MathML allowlist script."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import REPO, make_site_project

from site_builder.assets import read_static
from site_builder.config import load_config
from site_builder.latex import MATHML_ATTRIBUTES, MATHML_ELEMENTS


def test_the_browser_gets_the_engines_mathml_allowlist(tmp_path: Path) -> None:
    files = read_static(load_config(make_site_project(tmp_path)))
    script = files["assets/js/mathml.js"].decode()
    prefix = "window.SITE_MATHML = "
    assert script.startswith(prefix) and script.endswith(";\n")
    allowed = json.loads(script[len(prefix) : -2])
    assert allowed == {"attributes": sorted(MATHML_ATTRIBUTES), "elements": sorted(MATHML_ELEMENTS)}
    # search.js keeps no list of its own, and every page loads the list before it.
    search = (REPO / "static" / "js" / "search.js").read_text(encoding="utf-8")
    assert "'mfrac'" not in search and "window.SITE_MATHML" in search
    base = (REPO / "templates" / "base.html").read_text(encoding="utf-8")
    assert base.index("assets/js/mathml.js") < base.index("assets/js/search.js")
