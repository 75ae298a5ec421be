"""desk-data.js and the desk's parts of the pages, from end-to-end builds of scratch projects."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import dump, long_abstract, make_site_project, run_cli

from site_builder import feeds

HOSTILE = '<script>alert(1)</script> "><img src=x onerror=alert(1)>'


def _desk_data(project: Path) -> dict[str, object]:
    text = (project / "_site" / "desk-data.js").read_text(encoding="utf-8")
    prefix, suffix = "self.siteDeskData = ", ";\n"
    assert text.startswith(prefix) and text.endswith(suffix)
    assert "<" not in text and ">" not in text  # inert even if inlined in HTML
    data: dict[str, object] = json.loads(text[len(prefix) : -len(suffix)])
    return data


def test_desk_data_has_what_filters_need(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    papers = [
        ("Diffusion Models for Graphs", long_abstract("diffusion models on graphs")),
        ("One-step Diffusion with $f$-Divergence", long_abstract("diffusion") + " Code: https://github.com/a/b."),
        (HOSTILE, long_abstract("attacks")),
    ]
    project = make_site_project(
        tmp_path,
        {
            "content/sources/2025-03-12.txt": dump(papers, "Mar 12"),
            "content/sources/2025-03-13.txt": dump(papers[1:2], "Mar 13"),
        },
    )
    assert run_cli(capsys, project, "import")[0] == 0
    page = project / "content" / "papers" / "diffusion-models-for-graphs.md"
    text = page.read_text(encoding="utf-8")
    page.write_text(
        text.replace("status: unread", "status: read\nstarred: true\npublished: 2024-12-01"),
        encoding="utf-8",
    )
    code, _, err = run_cli(capsys, project, "build")
    assert code == 0, err
    data = _desk_data(project)
    assert data["site"] == "Reading list"
    assert ["diffusion", "Diffusion models"] in data["tags"]  # type: ignore[operator]
    by_slug = {paper["u"]: paper for paper in data["papers"]}  # type: ignore[attr-defined]
    graphs = by_slug["diffusion-models-for-graphs"]
    assert {key: graphs[key] for key in ("d", "s", "f", "p")} == {
        "d": ["2025-03-12"], "s": "read", "f": 1, "p": "2024-12-01"
    }
    assert "diffusion" in graphs["g"] and "c" not in graphs and "h" not in graphs
    step = by_slug["one-step-diffusion-with-f-divergence"]
    assert step["d"] == ["2025-03-12", "2025-03-13"] and step["c"] == "https://github.com/a/b"
    assert "<math" in step["h"] and "s" not in step and "f" not in step
    hostile = next(p for p in data["papers"] if p["t"].startswith("<script>"))  # type: ignore[attr-defined]
    assert hostile["t"] == HOSTILE
    # Newest listing first, the order of papers.json.
    records = json.loads((project / "_site" / "papers.json").read_text(encoding="utf-8"))
    assert [p["i"] for p in data["papers"]] == [r["id"] for r in records]  # type: ignore[attr-defined]
    graphs_record = next(r for r in records if r["slug"] == "diffusion-models-for-graphs")
    assert (graphs_record["status"], graphs_record["starred"], graphs_record["published"]) == (
        "read", True, "2024-12-01"
    )
    # The pages carry the ids and front-matter marks the desk starts from, and its scripts.
    home = (project / "_site" / "index.html").read_text(encoding="utf-8")
    assert f'<div class="desk-card" data-id="{graphs["i"]}" data-status="read" data-starred="">' in home
    assert '<option selected>read</option>' in home
    assert '<button type="button" class="desk-star" aria-pressed="true">Starred</button>' in home
    assert '<details class="desk-filters" data-scope="all" data-data="desk-data.js">' in home
    tag = (project / "_site" / "tags" / "diffusion" / "index.html").read_text(encoding="utf-8")
    assert 'data-scope="tag:diffusion" data-data="../../desk-data.js"' in tag
    day = (project / "_site" / "dates" / "2025-03-13" / "index.html").read_text(encoding="utf-8")
    assert 'data-scope="date:2025-03-13"' in day
    paper = (project / "_site" / "papers" / "diffusion-models-for-graphs" / "index.html").read_text(encoding="utf-8")
    assert '<option value="read" selected>read</option>' in paper
    assert '<script src="../../assets/js/desk.js" defer></script>' in paper
    assert (project / "_site" / "assets" / "vendor" / "markdown-it.min.js").is_file()


def test_papers_json_and_desk_data_written_in_pieces_are_the_same_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    papers = [(f"Paper Number {word} on Graphs", long_abstract(word)) for word in "abcdefg"]
    project = make_site_project(tmp_path, {"content/sources/2025-03-12.txt": dump(papers)})
    assert run_cli(capsys, project, "build")[0] == 0
    whole = {name: (project / "_site" / name).read_bytes() for name in ("papers.json", "desk-data.js")}
    assert len(json.loads(whole["papers.json"])) == 7
    pieces: list[bytes] = []
    joined = feeds._joined_pieces
    monkeypatch.setattr(feeds, "RECORDS_PER_PIECE", 2)  # a piece every two records
    monkeypatch.setattr(
        feeds, "_joined_pieces", lambda *args: (pieces.append(p) or p for p in joined(*args))
    )
    assert run_cli(capsys, project, "build", "--force")[0] == 0
    assert len(pieces) == 2 * 4  # 7 records and the ends: 4 pieces per file
    assert {name: (project / "_site" / name).read_bytes() for name in whole} == whole
