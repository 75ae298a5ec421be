"""`deploy` against real local git repositories: the site lands on the gh-pages branch of the remote.

The remote is a bare repository on disk. Every test checks that the user's own branch, commit,
index and working tree are as they were, whatever happened to the published branch.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import dump, long_abstract, make_site_project, run_cli, write_files

from site_builder.cli import main

PAGE = "papers/light-bridges/index.html"


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout


def _files(repo: Path, branch: str) -> list[str]:
    return _git(repo, "ls-tree", "-r", "--name-only", branch).split()


def _branches(repo: Path) -> list[str]:
    return _git(repo, "branch", "--format=%(refname:short)").split()


@dataclass(frozen=True)
class _UserState:
    """What deploy must never change in the user's clone."""

    branch: str
    head: str
    status: str
    index: str
    staged: str

    @classmethod
    def of(cls, project: Path) -> _UserState:
        return cls(
            branch=_git(project, "symbolic-ref", "--short", "HEAD").strip(),
            head=_git(project, "rev-parse", "HEAD").strip(),
            status=_git(project, "status", "--porcelain"),
            index=_git(project, "ls-files", "--stage"),
            staged=_git(project, "diff", "--cached"),
        )


@pytest.fixture
def git_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A git identity in the environment only; no global or system config is read."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for key, value in {
        "GIT_AUTHOR_NAME": "Reader",
        "GIT_AUTHOR_EMAIL": "reader@example.org",
        "GIT_COMMITTER_NAME": "Reader",
        "GIT_COMMITTER_EMAIL": "reader@example.org",
    }.items():
        monkeypatch.setenv(key, value)


@pytest.fixture
def repo(tmp_path: Path, git_env: None) -> tuple[Path, Path]:
    """A reading list committed on `main` (pages imported), a bare repository as `origin`."""
    project = make_site_project(
        tmp_path,
        {
            "content/sources/2025-03-12.txt": dump([("Light Bridges", long_abstract("bridges"))]),
            ".gitignore": "_site/\n.site-cache/\nnode_modules/\n",
        },
    )
    assert main(["import", "-q", "-C", str(project)]) == 0
    remote = tmp_path / "remote.git"
    _git(tmp_path, "init", "--bare", "-q", str(remote))
    _git(project, "init", "-q", "-b", "main")
    _git(project, "add", "-A")
    _git(project, "commit", "-q", "-m", "reading list")
    _git(project, "remote", "add", "origin", str(remote))
    return project, remote


def _site_files(project: Path) -> int:
    """Count the site's files (the build's marker file is not one of them)."""
    return sum(
        1 for path in (project / "_site").rglob("*") if path.is_file() and path.name != ".site-builder"
    )


def _edit_without_committing(project: Path) -> None:
    """Leave a staged change and an unstaged one, as a user in the middle of work would."""
    write_files(project, {"content/notes.md": "staged\n"})
    _git(project, "add", "content/notes.md")
    with (project / "site.yml").open("a", encoding="utf-8") as handle:
        handle.write("# unsaved thought\n")


def test_deploy_pushes_the_site_to_gh_pages(
    repo: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    project, remote = repo
    _edit_without_committing(project)
    before = _UserState.of(project)
    assert before.status == "A  content/notes.md\n M site.yml\n"

    code, out, err = run_cli(
        capsys,
        project,
        "deploy",
        "--base-url",
        "https://papers.example.org/",
        "--cname",
        "papers.example.org",
        "--message",
        "Publish March",
    )
    assert (code, out) == (0, ""), err
    assert err.endswith(
        f"published {_site_files(project)} files to origin/gh-pages for papers.example.org\n"
    )
    files = _files(remote, "gh-pages")
    assert {"index.html", PAGE, ".nojekyll", "CNAME", "404.html"} <= set(files)
    assert _git(remote, "show", "gh-pages:CNAME") == "papers.example.org"
    assert _git(remote, "show", "gh-pages:.nojekyll") == ""
    assert "<h1" in _git(remote, "show", f"gh-pages:{PAGE}")
    sitemap = _git(remote, "show", "gh-pages:sitemap.xml")
    assert "https://papers.example.org/papers/light-bridges/" in sitemap
    assert _git(remote, "log", "-1", "--format=%s|%cn <%ce>", "gh-pages") == (
        "Publish March|Reader <reader@example.org>\n"
    )
    # Nothing of the user's work moved: branch, commit, index, staged and unstaged edits.
    assert _UserState.of(project) == before
    assert "gh-pages" not in _git(project, "ls-tree", "-r", "--name-only", "main")
    assert _files(project, "gh-pages") == files

    # A second deploy adds a commit on top of the first.
    code, _, err = run_cli(capsys, project, "deploy", "--cname", "papers.example.org")
    assert code == 0, err
    assert len(_git(remote, "rev-list", "gh-pages").split()) == 2
    assert _UserState.of(project) == before


def test_deploy_takes_the_domain_from_site_yml(
    repo: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    project, remote = repo
    settings = (project / "site.yml").read_text(encoding="utf-8")
    (project / "site.yml").write_text(settings + "cname: list.example.org\n", encoding="utf-8")
    before = _UserState.of(project)
    code, _, err = run_cli(capsys, project, "deploy")
    assert code == 0, err
    assert _git(remote, "show", "gh-pages:CNAME") == "list.example.org"
    # site.yml's base_url (https://example.github.io/reading-list/) is on another host.
    assert (
        "warning: the site is published at list.example.org but base_url is "
        "https://example.github.io/reading-list/: feed, sitemap and canonical links point there "
        "(set base_url: https://list.example.org/)\n"
    ) in err
    assert _UserState.of(project) == before


def test_deploy_commits_where_git_has_no_identity(
    repo: tuple[Path, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """As on a CI runner: no user.name or user.email anywhere, no identity in the environment."""
    project, remote = repo
    for key in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        monkeypatch.delenv(key)
    monkeypatch.delenv("EMAIL", raising=False)
    no_setting = subprocess.run(
        ["git", "config", "user.email"], cwd=project, capture_output=True, check=False
    )
    assert no_setting.returncode == 1
    config_before = (project / ".git" / "config").read_text(encoding="utf-8")

    code, _, err = run_cli(capsys, project, "deploy")
    assert code == 0, err
    assert PAGE in _files(remote, "gh-pages")
    assert _git(remote, "log", "-1", "--format=%an <%ae>|%cn <%ce>", "gh-pages") == (
        "site-builder <site-builder@localhost>|site-builder <site-builder@localhost>\n"
    )
    # The identity was given to ghp-import only: git's settings are as they were.
    assert (project / ".git" / "config").read_text(encoding="utf-8") == config_before
    assert list((tmp_path / "home").iterdir()) == []


def test_deploy_no_push_commits_locally(
    repo: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    project, remote = repo
    before = _UserState.of(project)
    code, _, err = run_cli(capsys, project, "deploy", "--no-push", "--branch", "site")
    assert code == 0, err
    assert err.endswith(f"published {_site_files(project)} files to local branch site\n")
    assert "index.html" in _files(project, "site")
    assert _branches(remote) == []
    assert _UserState.of(project) == before


def test_deploy_without_remote_is_a_clear_error(
    repo: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    project, _ = repo
    before = _UserState.of(project)
    assert run_cli(capsys, project, "deploy", "--remote", "upstream") == (
        1,
        "",
        "error: no git remote named `upstream`: add one (git remote add upstream URL) or pass --remote\n",
    )
    assert not (project / "_site").exists()  # refused before building
    assert _branches(project) == ["main"]
    assert _UserState.of(project) == before


def test_deploy_refuses_the_branch_checked_out(
    repo: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    project, remote = repo
    before = _UserState.of(project)
    assert run_cli(capsys, project, "deploy", "--branch", "main") == (
        1,
        "",
        (
            f"error: branch `main` is checked out in {project}: deploy replaces the branch's "
            "whole content with the site, so publish to a branch nobody works on (--branch NAME)\n"
        ),
    )
    assert _UserState.of(project) == before
    assert _branches(remote) == []


def test_deploy_stops_when_the_build_fails(
    repo: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    project, remote = repo
    write_files(project, {"content/papers/broken.md": "---\ntitle: T\nstatus: [\n---\n"})
    before = _UserState.of(project)
    assert run_cli(capsys, project, "deploy", "-q") == (
        1,
        "",
        "error: content/papers/broken.md:4: YAML error: did not find expected node content\n",
    )
    assert _branches(remote) == []
    assert _branches(project) == ["main"]
    assert _UserState.of(project) == before


def _publish_elsewhere(tmp_path: Path, remote: Path) -> str:
    """Push an unrelated gh-pages commit to the remote from another clone; return its id."""
    other = tmp_path / "other"
    _git(tmp_path, "init", "-q", "-b", "gh-pages", str(other))
    write_files(other, {"index.html": "<p>published from elsewhere</p>\n"})
    _git(other, "add", "-A")
    _git(other, "commit", "-q", "-m", "elsewhere")
    _git(other, "push", "-q", str(remote), "gh-pages")
    return _git(other, "rev-parse", "HEAD").strip()


def test_deploy_reports_a_non_fast_forward_push(
    repo: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project, remote = repo
    elsewhere = _publish_elsewhere(tmp_path, remote)
    before = _UserState.of(project)
    assert run_cli(capsys, project, "deploy", "-q") == (
        1,
        "",
        (
            "error: origin refused the push: its `gh-pages` has commits this clone has not "
            "fetched (published from elsewhere?); run `git fetch origin gh-pages` and deploy again\n"
        ),
    )
    assert _git(remote, "rev-parse", "gh-pages").strip() == elsewhere
    assert _UserState.of(project) == before

    # Doing what the message says publishes on top of the other commit.
    _git(project, "fetch", "-q", "origin", "gh-pages")
    code, _, err = run_cli(capsys, project, "deploy")
    assert code == 0, err
    assert _git(remote, "rev-parse", "gh-pages^").strip() == elsewhere
    assert PAGE in _files(remote, "gh-pages")
    assert _UserState.of(project) == before


def test_deploy_reports_a_push_the_remote_rejects(
    repo: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    project, remote = repo
    hook = remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'publishing is frozen' >&2\nexit 1\n", encoding="utf-8")
    hook.chmod(0o755)
    before = _UserState.of(project)
    assert run_cli(capsys, project, "deploy", "-q") == (
        1,
        "",
        "error: origin rejected the push of `gh-pages` (pre-receive hook declined): publishing is frozen\n",
    )
    assert _branches(remote) == []
    assert _UserState.of(project) == before


def test_deploy_reports_an_unreachable_remote(
    repo: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project, _ = repo
    _git(project, "remote", "set-url", "origin", str(tmp_path / "gone.git"))
    code, out, err = run_cli(capsys, project, "deploy")
    assert (code, out) == (1, "")
    assert err.endswith(
        f"error: pushing `gh-pages` to origin failed: '{tmp_path / 'gone.git'}' does not appear "
        "to be a git repository; Could not read from remote repository.\n"
    )


def test_deploy_outside_a_repository(
    tmp_path: Path, git_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_site_project(
        tmp_path, {"content/sources/a.txt": dump([("A B", long_abstract("a"))])}
    )
    assert run_cli(capsys, project, "deploy") == (
        1,
        "",
        (
            "error: not a git repository: deploy commits the site to a branch of the project's "
            "repository (git init, then git remote add origin URL)\n"
        ),
    )


@pytest.mark.parametrize(
    ("args", "stderr"),
    [
        (
            ("--cname", "https://papers.example.org/"),
            "error: --cname must be a domain name such as papers.example.org, got 'https://papers.example.org/'\n",
        ),
        (
            ("--cname", "localhost"),
            "error: --cname must be a domain name such as papers.example.org, got 'localhost'\n",
        ),
    ],
)
def test_deploy_refuses_a_bad_domain(
    repo: tuple[Path, Path],
    capsys: pytest.CaptureFixture[str],
    args: tuple[str, ...],
    stderr: str,
) -> None:
    project, remote = repo
    assert run_cli(capsys, project, "deploy", *args) == (1, "", stderr)
    assert _branches(remote) == []


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (
            "--branch=--output=content/papers/light-bridges.md",
            "--branch `--output=content/papers/light-bridges.md`: a branch name cannot start with `-`",
        ),
        (
            "--remote=--output=content/papers/light-bridges.md",
            "--remote `--output=content/papers/light-bridges.md`: a remote cannot start with `-`",
        ),
        ("--branch=HEAD", "--branch `HEAD`: HEAD is git's name for the current commit, not a branch"),
        ("--branch=a..b", "--branch `a..b`: not a valid git branch name (see git check-ref-format)"),
        ("--branch=@{-1}", "--branch `@{-1}`: not a valid git branch name (see git check-ref-format)"),
        ("--branch=pages.lock", "--branch `pages.lock`: not a valid git branch name (see git check-ref-format)"),
        ("--remote=nowhere", "no git remote named `nowhere`: add one (git remote add nowhere URL) or pass --remote"),
    ],
)
def test_deploy_refuses_branch_and_remote_values_git_would_misread(
    repo: tuple[Path, Path], capsys: pytest.CaptureFixture[str], option: str, message: str
) -> None:
    project, remote = repo
    _git(project, "checkout", "-q", "-b", "other")  # so that @{-1} names a real branch (main)
    page = project / "content/papers/light-bridges.md"
    text = page.read_bytes()
    before = _UserState.of(project)
    refs = _git(project, "for-each-ref")
    assert run_cli(capsys, project, "deploy", "--no-push", option) == (1, "", f"error: {message}\n")
    assert page.read_bytes() == text
    assert not (project / "_site").exists()  # refused before building
    assert _git(project, "for-each-ref") == refs  # no refs/heads/HEAD, no branch at all
    assert _UserState.of(project) == before
    assert _branches(remote) == []


def test_deploy_takes_a_url_or_a_path_as_remote(
    repo: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    project, remote = repo
    code, _, err = run_cli(capsys, project, "deploy", "--remote", remote.as_uri())
    assert code == 0, err
    assert "index.html" in _files(remote, "gh-pages")
    code, _, err = run_cli(capsys, project, "deploy", "--remote", "../remote.git", "--branch", "site")
    assert code == 0, err
    assert "index.html" in _files(remote, "site")
