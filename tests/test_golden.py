"""The golden site: a small sample project built and compared file by file with its committed
expected output. After a deliberate change to the output, regenerate it with
`.venv/bin/python -m tests.golden.update` and review the diff."""

from __future__ import annotations

from pathlib import Path

from golden.update import PROJECT, build_golden, read_expected

from site_builder.assets import read_static
from site_builder.config import load_config


def test_the_golden_project_builds_to_the_expected_site(tmp_path: Path) -> None:
    built = build_golden(tmp_path)
    expected = read_expected()
    assert sorted(built) == sorted(expected), "files added or missing: see tests/golden/update.py"
    differs = [path for path in built if built[path] != expected[path]]
    assert differs == [], "rebuild the expected site with `python -m tests.golden.update`"
    # The theme's assets are the static files and npm libraries as they are.
    out = tmp_path / "project" / "_site"
    assets = {
        path.relative_to(out).as_posix(): path.read_bytes()
        for path in (out / "assets").rglob("*")
        if path.is_file()
    }
    assert assets == read_static(load_config(tmp_path / "project"))


def test_the_golden_project_shows_math_tags_notes_and_feeds() -> None:
    expected = read_expected()
    assert (PROJECT / "content" / "papers").is_dir()
    paper = expected["papers/one-step-diffusion-with-f-divergence-distribution-matching/index.html"]
    assert b"<math" in paper
    notes = expected["papers/message-passing-on-molecules/index.html"].decode()
    assert "<strong>read it first</strong>" in notes
    assert "tags/llm/index.html" in expected and "tags/empty/index.html" in expected
    assert b"Message Passing on Molecules" in expected["tags/llm/index.html"]
    assert b"Large Language Models Review Papers" not in expected["tags/llm/index.html"]
    assert "tags/diffusion/feed.xml" in expected and "page/2/index.html" in expected
