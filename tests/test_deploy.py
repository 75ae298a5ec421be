"""`deploy` against real local git repositories: the site lands on the gh-pages branch of the remote."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from helpers import dump, long_abstract, make_site_project, run_cli


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def git_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in {
        "GIT_AUTHOR_NAME": "Reader",
        "GIT_AUTHOR_EMAIL": "reader@example.org",
        "GIT_COMMITTER_NAME": "Reader",
        "GIT_COMMITTER_EMAIL": "reader@example.org",
        "GIT_CONFIG_GLOBAL": "/dev/null",
    }.items():
        monkeypatch.setenv(key, value)


@pytest.fixture
def repo(tmp_path: Path, git_env: None) -> tuple[Path, Path]:
    project = make_site_project(
        tmp_path,
        {"content/sources/2025-03-12.txt": dump([("Light Bridges", long_abstract("bridges"))])},
    )
    (project / ".gitignore").write_text("_site/\n.site-cache/\nnode_modules/\n", encoding="utf-8")
    remote = tmp_path / "remote.git"
    _git(tmp_path, "init", "--bare", "-q", str(remote))
    _git(project, "init", "-q", "-b", "main")
    _git(project, "add", "-A")
    _git(project, "commit", "-q", "-m", "reading list")
    _git(project, "remote", "add", "origin", str(remote))
    return project, remote


def test_deploy_pushes_the_site_to_gh_pages(repo: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    project, remote = repo
    code, _, err = run_cli(capsys, project, "deploy", "--base-url", "https://reader.github.io/list/")
    assert code == 0, err
    assert "published" in err and "origin/gh-pages" in err
    files = _git(remote, "ls-tree", "-r", "--name-only", "gh-pages").split()
    assert "index.html" in files and ".nojekyll" in files and "404.html" in files
    assert "papers/light-bridges/index.html" in files
    sitemap = _git(remote, "show", "gh-pages:sitemap.xml")
    assert "https://reader.github.io/list/papers/light-bridges/" in sitemap
    # The working branch is untouched.
    assert _git(project, "rev-parse", "--abbrev-ref", "HEAD").strip() == "main"
    assert "gh-pages" not in _git(project, "ls-tree", "-r", "--name-only", "main")

    # A second deploy adds a commit on top of the first.
    code, _, err = run_cli(capsys, project, "deploy")
    assert code == 0, err
    assert len(_git(remote, "rev-list", "gh-pages").split()) == 2


def test_deploy_without_remote_is_a_clear_error(repo: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    project, _ = repo
    code, _, err = run_cli(capsys, project, "deploy", "--remote", "upstream")
    assert code == 1
    assert "error: no git remote named `upstream`" in err


def test_deploy_no_push_commits_locally(repo: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    project, remote = repo
    code, _, err = run_cli(capsys, project, "deploy", "--no-push", "--branch", "site")
    assert code == 0, err
    assert "index.html" in _git(project, "ls-tree", "-r", "--name-only", "site").split()
    assert "site" not in _git(remote, "branch", "--list")


def test_deploy_outside_a_repository(tmp_path: Path, git_env: None, capsys: pytest.CaptureFixture[str]) -> None:
    project = make_site_project(tmp_path, {"content/sources/a.txt": dump([("A B", long_abstract("a"))])})
    code, _, err = run_cli(capsys, project, "deploy")
    assert code == 1
    assert "error: git rev-parse --git-dir failed" in err
