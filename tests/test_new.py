"""`site-builder new`: a ready project of one's own that checks, builds and shows an empty state,
refusing a folder that holds anything."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import REPO, dump, long_abstract, snapshot

from site_builder.cli import main
from site_builder.errors import SiteError
from site_builder.new import (
    REQUIREMENT_PLACEHOLDER,
    THEME,
    WORKFLOW,
    engine_requirement,
    project_files,
)

NO_ORIGIN = (
    "warning: my-list/requirements.txt: name the engine's repository there for the Pages "
    "workflow to install it (this engine has no GitHub origin)\n"
)


def _new(
    capsys: pytest.CaptureFixture[str], cwd: Path, *args: str, monkeypatch: pytest.MonkeyPatch
) -> tuple[int, str, str]:
    monkeypatch.chdir(cwd)
    monkeypatch.setattr("site_builder.new.engine_requirement", lambda root: None)
    capsys.readouterr()
    code = main(["new", *args])
    out, err = capsys.readouterr()
    return code, out, err


def _run(capsys: pytest.CaptureFixture[str], project: Path, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main([*args, "-C", str(project)])
    out, err = capsys.readouterr()
    return code, out, err


def test_new_then_check_then_build_shows_the_empty_state(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _new(capsys, tmp_path, "my-list", monkeypatch=monkeypatch) == (
        0,
        "",
        NO_ORIGIN + "created my-list: paste a listing page into my-list/content/sources/, then run "
        "`site-builder -C my-list serve`\n",
    )
    project = tmp_path / "my-list"
    assert sorted(path.name for path in (project / "content").iterdir()) == [
        "papers",
        "sources",
        "tags.yml",
    ]
    assert _run(capsys, project, "check") == (0, "", "check: 0 problem(s), 0 warning(s)\n")
    code, out, err = _run(capsys, project, "build")
    assert (code, out) == (0, "")
    assert err.startswith("built 0 papers, 4 tags, 0 days: ")
    home = (project / "_site" / "index.html").read_text(encoding="utf-8")
    assert '<h2 id="empty-heading">No papers yet</h2>' in home
    assert "Paste a listing page into <code>content/sources/</code>" in home
    assert 'class="paper-list"' not in home
    search = (project / "_site" / "search" / "index.html").read_text(encoding="utf-8")
    assert (
        "No papers to search yet: paste a listing page into content/sources/ and build." in search
    )
    assert (project / "_site" / "assets" / "vendor" / "lunr.min.js").is_file()


def test_a_pasted_listing_then_fills_the_new_list(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _new(capsys, tmp_path, "my-list", monkeypatch=monkeypatch)[0] == 0
    project = tmp_path / "my-list"
    papers = [("Diffusion Models for Text", long_abstract("diffusion models"))]
    (project / "content" / "sources" / "2025-03-12.txt").write_text(dump(papers), encoding="utf-8")
    code, _, err = _run(capsys, project, "build")
    assert code == 0
    assert err.splitlines() == [
        "imported: 1 new, 0 updated, 0 unchanged, 0 warnings (hf-daily: 2025-03-12.txt)",
        err.splitlines()[1],
    ]
    assert err.splitlines()[1].startswith("built 1 papers, 4 tags, 1 days: ")
    assert (project / "content" / "papers" / "diffusion-models-for-text.md").is_file()
    home = (project / "_site" / "index.html").read_text(encoding="utf-8")
    assert "No papers yet" not in home and "Diffusion Models for Text" in home
    assert _run(capsys, project, "check") == (0, "", "check: 0 problem(s), 0 warning(s)\n")


def test_new_refuses_a_folder_that_is_not_empty(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "my-list").mkdir()
    (tmp_path / "my-list" / "notes.txt").write_text("mine\n", encoding="utf-8")
    before = snapshot(tmp_path)
    assert _new(capsys, tmp_path, "my-list", monkeypatch=monkeypatch) == (
        1,
        "",
        "error: my-list: folder is not empty: site-builder new only fills a new or empty folder\n",
    )
    assert snapshot(tmp_path) == before


def test_new_refuses_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "my-list").write_text("", encoding="utf-8")
    assert _new(capsys, tmp_path, "my-list", monkeypatch=monkeypatch) == (
        1,
        "",
        "error: my-list: not a folder: site-builder new creates a project folder\n",
    )


def test_new_fills_an_empty_folder_and_creates_missing_parents(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "empty").mkdir()
    assert _new(capsys, tmp_path / "empty", ".", monkeypatch=monkeypatch)[0] == 0
    assert (tmp_path / "empty" / "site.yml").is_file()
    assert _new(capsys, tmp_path, "a/b/c", "-q", monkeypatch=monkeypatch) == (0, "", "")
    assert (tmp_path / "a" / "b" / "c" / "site.yml").is_file()


def test_new_resolves_the_folder_against_dash_c(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "base").mkdir()
    code = _new(capsys, tmp_path, "-C", str(tmp_path / "base"), "my-list", monkeypatch=monkeypatch)
    assert code[0] == 0
    assert (tmp_path / "base" / "my-list" / "site.yml").is_file()
    assert main(["-C", "base", "new", "other"]) == 0
    assert capsys.readouterr().err == NO_ORIGIN.replace("my-list", "base/other") + (
        "created base/other: paste a listing page into base/other/content/sources/, then run "
        "`site-builder -C base/other serve`\n"
    )
    assert (tmp_path / "base" / "other" / "site.yml").is_file()


def test_the_project_carries_the_theme_and_the_engine_workflow_byte_for_byte() -> None:
    files = project_files(REPO, REQUIREMENT_PLACEHOLDER)
    assert files[WORKFLOW] == (REPO / WORKFLOW).read_bytes()
    for folder in THEME:
        theme = {
            path.relative_to(REPO).as_posix(): path.read_bytes()
            for path in (REPO / folder).rglob("*")
            if path.is_file()
        }
        assert theme and all(files[name] == data for name, data in theme.items())
    assert files["content/papers/.gitkeep"] == b""
    assert files[".npmrc"] == (REPO / ".npmrc").read_bytes()
    assert files == project_files(REPO, REQUIREMENT_PLACEHOLDER)  # deterministic


def test_the_settings_are_explained_and_valid() -> None:
    files = project_files(REPO, REQUIREMENT_PLACEHOLDER)
    text = files["site.yml"].decode("utf-8")
    settings = yaml.safe_load(text)
    assert settings["title"] == "Reading list"
    # Every known setting is there, set or commented out, each after a comment that explains it.
    for key in ("title", "description", "author", "base_url", "cname", "language", "year"):
        line = next(line for line in text.splitlines() if line.lstrip("# ").startswith(f"{key}:"))
        above = text.splitlines()[text.splitlines().index(line) - 1]
        assert above.startswith("#"), key
    tags = yaml.safe_load(files["content/tags.yml"])
    assert list(tags) == ["llm", "vision", "diffusion", "reinforcement-learning"]


def test_the_npm_files_name_only_what_the_site_ships() -> None:
    files = project_files(REPO, REQUIREMENT_PLACEHOLDER)
    package = json.loads(files["package.json"])
    lock = json.loads(files["package-lock.json"])
    engine = json.loads((REPO / "package.json").read_text(encoding="utf-8"))
    engine_lock = json.loads((REPO / "package-lock.json").read_text(encoding="utf-8"))
    assert package["dependencies"] == engine["dependencies"]
    assert {"lunr", "markdown-it"} <= set(package["dependencies"])
    assert "devDependencies" not in package
    shipped = sorted(p for p, e in engine_lock["packages"].items() if p and not e.get("dev"))
    assert sorted(lock["packages"]) == ["", *shipped]
    assert "node_modules/lighthouse" not in lock["packages"]  # no test tool
    assert lock["packages"]["node_modules/lunr"]["version"] == "2.3.9"
    assert not any("resolved" in entry for entry in lock["packages"].values())  # no registry host


@pytest.mark.skipif(shutil.which("npm") is None, reason="npm is not installed")
def test_npm_ci_accepts_the_new_lockfile(tmp_path: Path) -> None:
    """The Pages workflow runs `npm ci --omit=dev` in the project: the lockfile must satisfy it."""
    files = project_files(REPO, REQUIREMENT_PLACEHOLDER)
    for name in ("package.json", "package-lock.json"):
        (tmp_path / name).write_bytes(files[name])
    (tmp_path / ".npmrc").write_bytes(files[".npmrc"])
    result = subprocess.run(
        ["npm", "ci", "--omit=dev", "--no-audit", "--no-fund", "--offline"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0 and "ENOTCACHED" in result.stderr:
        pytest.skip("lunr is not in the local npm cache")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "node_modules" / "lunr" / "lunr.min.js").is_file()


def test_requirements_name_the_engine_repository_at_its_commit(tmp_path: Path) -> None:
    engine = tmp_path / "engine"
    engine.mkdir()
    git = ["git", "-C", str(engine), "-c", "user.name=T", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "start"], check=True)
    commit = subprocess.run(
        [*git, "rev-parse", "HEAD"], check=True, capture_output=True, text=True
    ).stdout.strip()
    assert engine_requirement(engine) is None  # no origin
    subprocess.run(
        [*git, "remote", "add", "origin", "git@github.com:someone/site-builder.git"], check=True
    )
    assert engine_requirement(engine) == (
        f"site-builder @ git+https://github.com/someone/site-builder@{commit}"
    )
    subprocess.run(
        [*git, "remote", "set-url", "origin", "https://example.org/someone/site-builder"],
        check=True,
    )
    assert engine_requirement(engine) is None  # not GitHub
    assert engine_requirement(tmp_path / "nowhere") is None


def test_a_missing_theme_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SiteError) as caught:
        project_files(tmp_path, REQUIREMENT_PLACEHOLDER)
    assert str(caught.value) == (
        f"{tmp_path}: the theme and workflow of site-builder are not here (templates, static, "
        ".github/workflows/pages.yml missing): run `new` from the engine's source checkout "
        "(`pip install -e .` installs it so)"
    )
