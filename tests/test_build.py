"""End-to-end builds of scratch projects: outputs, determinism, safety on failure, escaping."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import copy_seeds, dump, long_abstract, make_site_project, run_cli, snapshot

from site_builder import build, ingest
from site_builder.build import BuildState, build_site
from site_builder.config import load_config
from site_builder.errors import SiteErrors

HOSTILE = '<script>alert(1)</script> and "><img src=x onerror=alert(1)>'


def _site_files(root: Path) -> dict[str, bytes]:
    return {path: data for path, (data, _) in snapshot(root / "_site").items()}


@pytest.fixture
def small_project(tmp_path: Path) -> Path:
    papers = [
        ("Diffusion Models for Graphs", long_abstract("diffusion models on graphs")),
        ("One-step Diffusion with $f$-Divergence", long_abstract("f-divergence distillation of diffusion")),
        (HOSTILE, long_abstract("attacks") + " " + HOSTILE + " with $x^2$ math."),
        ("Light Schr\\\"odinger Bridge", long_abstract("Schrödinger bridges") + " Code: https://github.com/a/b."),
    ]
    return make_site_project(
        tmp_path,
        {
            "content/sources/2025-03-12.txt": dump(papers[:3], "Mar 12"),
            "content/sources/2025-03-13.txt": dump(papers[1:], "Mar 13"),
        },
    )


def test_build_writes_every_page_kind(small_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, small_project, "build")
    assert code == 0, err
    assert err.strip().splitlines()[-1].startswith("built 4 papers, 28 tags, 2 days:")
    files = _site_files(small_project)
    slugs = sorted(path.split("/")[1] for path in files if path.startswith("papers/"))
    assert "light-schrodinger-bridge" in slugs
    for path in [
        "index.html", "404.html", "feed.xml", "sitemap.xml", "robots.txt", ".nojekyll", "papers.json",
        "tags/index.html", "tags/diffusion/index.html", "tags/diffusion/feed.xml", "dates/index.html",
        "dates/2025-03-12/index.html", "dates/2025-03-13/index.html", "search/index.html",
        "papers/light-schrodinger-bridge/index.html", "assets/css/site.css", "assets/vendor/lunr.min.js",
    ]:
        assert path in files, path
    paper = files["papers/light-schrodinger-bridge/index.html"].decode()
    assert "Light Schrödinger Bridge" in paper
    assert 'href="https://github.com/a/b"' in paper
    assert 'data-root="../../"' in paper
    # A paper listed on two days is one paper linked from both day pages.
    shared = "papers/one-step-diffusion-with-f-divergence/"
    assert shared[len("papers/"):] in files["dates/2025-03-12/index.html"].decode()
    assert shared[len("papers/"):] in files["dates/2025-03-13/index.html"].decode()


def test_math_renders_as_mathml_and_plain_text_elsewhere(small_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(capsys, small_project, "build")[0] == 0
    files = _site_files(small_project)
    page = files["papers/one-step-diffusion-with-f-divergence/index.html"].decode()
    assert "<math" in page and "<mi>f</mi>" in page
    assert "<title>One-step Diffusion with f-Divergence" in page
    home = files["index.html"].decode()
    assert "<mi>f</mi>" in home
    records = json.loads(files["papers.json"])
    titles = {record["title"] for record in records}
    assert "One-step Diffusion with f-Divergence" in titles
    feed = files["feed.xml"].decode()
    assert "$f$" not in feed.split("<entry>", 1)[1].split("<summary")[0]


def test_hostile_text_is_escaped_everywhere(small_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(capsys, small_project, "build")[0] == 0
    files = _site_files(small_project)
    for path, data in files.items():
        text = data.decode("utf-8", "replace")
        # BibTeX files are LaTeX source, never HTML: they hold the title as written (checked below).
        if path.startswith("assets/") or path.endswith(".bib"):
            continue
        assert "<script>alert(1)" not in text, path
        assert "<img src=x" not in text, path
    # JSON keeps the text itself, with <, > and & escaped so it is inert even if embedded in HTML.
    records = json.loads(files["papers.json"])
    assert any(record["title"] == HOSTILE for record in records)
    feed = ET.fromstring(files["feed.xml"])
    titles = [element.text for element in feed.iter("{http://www.w3.org/2005/Atom}title")]
    assert HOSTILE in titles
    ET.fromstring(files["sitemap.xml"])
    assert "<script>alert(1)</script> and \"><img src=x onerror=alert(1)>" in files["papers.bib"].decode()


def test_two_builds_are_byte_identical(small_project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(capsys, small_project, "build")[0] == 0
    first = _site_files(small_project)
    assert run_cli(capsys, small_project, "build", "--force", "--out", str(tmp_path / "again"))[0] == 0
    second = {path: data for path, (data, _) in snapshot(tmp_path / "again").items()}
    assert first == second


def test_unchanged_inputs_skip_the_build(small_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(capsys, small_project, "build")[0] == 0
    code, _, err = run_cli(capsys, small_project, "build")
    assert code == 0 and "up to date" in err
    page = next((small_project / "content" / "papers").glob("light-*.md"))
    page.write_text(page.read_text(encoding="utf-8") + "A note.\n", encoding="utf-8")
    code, _, err = run_cli(capsys, small_project, "build")
    assert code == 0 and err.strip().splitlines()[-1].startswith("built 4 papers")
    assert "A note." in (small_project / "_site/papers/light-schrodinger-bridge/index.html").read_text()


def test_failed_build_keeps_previous_site(small_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(capsys, small_project, "build")[0] == 0
    before = snapshot(small_project / "_site")
    page = next((small_project / "content" / "papers").glob("light-*.md"))
    page.write_text(page.read_text(encoding="utf-8").replace("status: unread", "status: reading: now"), encoding="utf-8")
    code, _, err = run_cli(capsys, small_project, "build")
    assert code == 1
    line = next(n for n, text in enumerate(page.read_text().splitlines(), 1) if text.startswith("status:"))
    assert f"error: content/papers/{page.name}:{line}: YAML error: mapping values are not allowed" in err
    assert snapshot(small_project / "_site") == before
    leftovers = [p.name for p in small_project.iterdir() if p.name.startswith("._site")]
    assert leftovers == []


def test_template_error_names_template_and_line(small_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(capsys, small_project, "build")[0] == 0
    tags = small_project / "templates" / "tags.html"
    lines = tags.read_text(encoding="utf-8").splitlines()
    lines.insert(2, "{% for x in %}")
    tags.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, _, err = run_cli(capsys, small_project, "build")
    assert code == 1
    assert "error: templates/tags.html:3: template error:" in err
    assert (small_project / "_site" / "tags" / "index.html").exists()


def test_base_url_makes_feed_sitemap_and_canonical_absolute(small_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = "https://someone.github.io/reading-list/"
    assert run_cli(capsys, small_project, "build", "--base-url", base)[0] == 0
    files = _site_files(small_project)
    sitemap = files["sitemap.xml"].decode()
    assert f"<loc>{base}papers/light-schrodinger-bridge/</loc>" in sitemap
    assert f'<link rel="canonical" href="{base}tags/">' in files["tags/index.html"].decode()
    assert f"Sitemap: {base}sitemap.xml" in files["robots.txt"].decode()
    not_found = files["404.html"].decode()
    assert 'href="/reading-list/assets/css/site.css"' in not_found
    assert 'data-root="/reading-list/"' in not_found


def test_bad_setting_is_reported(small_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = small_project / "site.yml"
    lines = settings.read_text(encoding="utf-8").splitlines(keepends=True)
    line = next(i for i, text in enumerate(lines, 1) if text.startswith("page_size:"))
    lines[line - 1] = "page_size: lots\n"  # replaced: a second `page_size:` is a duplicate key
    settings.write_text("".join(lines), encoding="utf-8")
    code, _, err = run_cli(capsys, small_project, "build")
    assert code == 1
    assert f"error: site.yml:{line}: `page_size` must be a number, got 'lots'" in err


def test_pagination_and_neighbours(small_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = small_project / "site.yml"
    settings.write_text(settings.read_text().replace("page_size: 50", "page_size: 3"), encoding="utf-8")
    assert run_cli(capsys, small_project, "build")[0] == 0
    files = _site_files(small_project)
    assert "page/2/index.html" in files
    home = files["index.html"].decode()
    assert 'href="page/2/"' in home
    second = files["page/2/index.html"].decode()
    assert 'href="../../"' in second


def test_bundled_list_builds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = make_site_project(tmp_path)
    copy_seeds(project)
    code, _, err = run_cli(capsys, project, "build")
    assert code == 0, err
    assert "built 369 papers" in err
    records = json.loads((project / "_site" / "papers.json").read_text(encoding="utf-8"))
    assert len(records) == 369
    assert all(len(record["slug"]) <= 80 for record in records)
    page = (project / "_site" / "papers" / "poincare-resnet" / "index.html").read_text(encoding="utf-8")
    assert page.count('class="related-list"') == 1


# --- worker processes ---------------------------------------------------------------------
# Large builds run related papers, tagging and search in forked workers (and pages in a render
# pool); with PARALLEL_PAGES lowered, the bundled seeds take those paths. Whatever runs where,
# the site must come out byte for byte the same as a build in one process.


def _build_with(project: Path, out: str, start_method: str | None, state: BuildState | None = None) -> BuildState:
    config = load_config(project, out_dir=project / out)
    state = state if state is not None else BuildState(start_method=start_method)
    build_site(config, state)
    return state


@pytest.mark.parametrize("start_method", ["fork", "forkserver"])
def test_worker_builds_equal_a_build_in_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, start_method: str
) -> None:
    project = make_site_project(tmp_path)
    copy_seeds(project)
    monkeypatch.setattr(build, "PARALLEL", 20)
    monkeypatch.setattr(ingest, "PARALLEL_PAPERS", 20)
    _build_with(project, "serial", None)
    _build_with(project, "parallel", start_method)
    serial, parallel = snapshot(project / "serial"), snapshot(project / "parallel")
    assert serial.keys() == parallel.keys()
    assert [path for path in serial if serial[path][0] != parallel[path][0]] == []


def test_worker_rebuild_after_a_title_edit_equals_a_fresh_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_site_project(tmp_path)
    copy_seeds(project)
    monkeypatch.setattr(build, "PARALLEL", 20)
    state = _build_with(project, "_site", "fork")
    state.start_method = "forkserver"  # as the dev server does after its first build
    page = sorted((project / "content" / "papers").glob("*.md"))[7]
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("\ntitle: ", "\ntitle: Diffusion Retitled ", 1), encoding="utf-8")
    config = load_config(project)
    result = build_site(config, state, changed=[page])
    assert result.changed > 0
    _build_with(project, "fresh", None, BuildState(start_method=None, rebuilds=False))
    rebuilt, fresh = snapshot(project / "_site"), snapshot(project / "fresh")
    assert rebuilt.keys() == fresh.keys()
    assert [path for path in rebuilt if rebuilt[path][0] != fresh[path][0]] == []
    assert any(b"Diffusion Retitled" in rebuilt[path][0] for path in rebuilt if path.startswith("search/d/"))


def test_dumps_parsed_in_a_worker_report_errors_in_file_order(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {
        f"content/sources/2025-03-{day:02d}.txt": dump(
            [(f"Paper {day} on Topic", long_abstract(f"topic {day}"))], f"Mar {day}"
        )
        for day in range(10, 20)
    }
    files["content/sources/2025-03-11.txt"] = b"\xff\xfe not text"  # handed to the worker
    files["content/sources/2025-03-14.txt"] = b"\xff not text either"  # parsed here
    project = make_site_project(tmp_path, files)
    with pytest.raises(SiteErrors) as caught:
        build_site(load_config(project), BuildState(start_method="fork"))
    assert [str(error).split(":")[0] for error in caught.value.errors] == [
        "content/sources/2025-03-11.txt",
        "content/sources/2025-03-14.txt",
    ]
    assert not (project / "content" / "papers").exists()
    # Fixed, the same build parses half of the dumps in the worker and gets every paper.
    files = {path: data for path, data in files.items() if path.endswith(("11.txt", "14.txt"))}
    for path in files:
        (project / path).write_text(dump([("Fixed Paper " + path[-6:-4], long_abstract("fixed"))], "Mar 2"))
    result = build_site(load_config(project), BuildState(start_method="fork"))
    assert len(result.site.papers) == 10
