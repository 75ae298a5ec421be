"""Reading the user's files: only regular files inside the project, with a size limit; every
path skipped or refused is named. Full and read-only disks are one-line errors."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import (
    REPO,
    dump,
    long_abstract,
    make_project,
    make_site_project,
    run_cli,
    snapshot,
    write_files,
)

from site_builder import readfile
from site_builder.errors import SiteError

_PAGE = "---\nid: p1\ntitle: A paper\n---\n\nAbstract.\n"


def _build(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run a real build process (a FIFO read would hang it: the timeout fails the test)."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "site_builder", "build", "-C", str(project), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_site_project(
        tmp_path,
        {"content/sources/2025-03-12.txt": dump([("Light Bridges", long_abstract("bridges"))])},
    )


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "id_rsa"
    path.write_text("-----BEGIN OPENSSH PRIVATE KEY-----\n", encoding="utf-8")
    return path


def test_static_files_outside_the_project_or_not_regular_are_not_published(
    project: Path, secret: Path, tmp_path: Path
) -> None:
    static = project / "static"
    (static / "img.svg").symlink_to(secret)
    (static / "keys").symlink_to(secret.parent)
    os.mkfifo(static / "pipe.css")
    (static / "zero.js").symlink_to("/dev/zero")
    (static / "loop.png").symlink_to("loop.png")
    (static / "inside.css").symlink_to(project / "static" / "css" / "site.css")
    result = _build(project)
    assert result.returncode == 0, result.stderr
    warnings = sorted(line for line in result.stderr.splitlines() if line.startswith("warning:"))
    assert warnings == [
        f"warning: static/img.svg: not published: it is a symbolic link to {secret}, outside the project",
        f"warning: static/keys: not published: it is a symbolic link to {tmp_path}, outside the project",
        "warning: static/loop.png: not published: it is a symbolic link loop",
        "warning: static/pipe.css: not published: it is not a regular file",
        "warning: static/zero.js: not published: it is a symbolic link to /dev/zero, outside the project",
    ]
    site = project / "_site"
    assert (site / "assets/inside.css").read_bytes() == (static / "css/site.css").read_bytes()
    for name in ("img.svg", "keys", "pipe.css", "zero.js", "loop.png"):
        assert not (site / "assets" / name).exists()
    for path in site.rglob("*"):
        assert not path.is_file() or b"PRIVATE KEY" not in path.read_bytes()


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (
            lambda p, s: (p / "content/papers/zero.md").symlink_to("/dev/zero"),
            "content/papers/zero.md: refusing to read: it is a symbolic link to /dev/zero, outside the project",
        ),
        (
            lambda p, s: os.mkfifo(p / "content/papers/pipe.md"),
            "content/papers/pipe.md: refusing to read: it is a FIFO (named pipe), not a regular file",
        ),
        (
            lambda p, s: (p / "content/papers/loop.md").symlink_to("loop.md"),
            "content/papers/loop.md: refusing to read: it is a symbolic link loop",
        ),
        (
            lambda p, s: (p / "content/papers/secret.md").symlink_to(s),
            "content/papers/secret.md: refusing to read: it is a symbolic link to {secret}, outside the project",
        ),
        (
            lambda p, s: (p / "content/sources/keys.txt").symlink_to(s),
            "content/sources/keys.txt: refusing to read: it is a symbolic link to {secret}, outside the project",
        ),
        (
            lambda p, s: os.mkfifo(p / "content/sources/pipe.txt"),
            "content/sources/pipe.txt: refusing to read: it is not a regular file (a FIFO, a device or a socket)",
        ),
        (
            lambda p, s: (p / "content/sources/loop.txt").symlink_to("loop.txt"),
            "content/sources/loop.txt: refusing to read: it is a symbolic link loop",
        ),
        (
            lambda p, s: (p / "content/tags.yml").unlink() or (p / "content/tags.yml").symlink_to("tags.yml"),
            "content/tags.yml: refusing to read: it is a symbolic link loop",
        ),
    ],
)
def test_content_that_is_not_a_regular_file_inside_the_project_is_refused(
    project: Path, secret: Path, make: object, problem: str
) -> None:
    (project / "content/papers").mkdir(exist_ok=True)
    (project / "content/papers/good.md").write_text(_PAGE, encoding="utf-8")
    (project / "content/loop").symlink_to("loop")  # a folder loop is not even looked into
    make(project, secret)  # type: ignore[operator]
    before = snapshot(project / "content") if "pipe" not in problem else None
    result = _build(project)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == f"error: {problem.format(secret=secret)}\n"
    assert not (project / "_site").exists()
    if before is not None:
        assert snapshot(project / "content") == before
    check = subprocess.run(
        [sys.executable, "-m", "site_builder", "check", "-C", str(project)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert check.returncode == 1
    assert problem.format(secret=secret) in check.stderr.splitlines()


def test_files_over_the_size_limit_are_refused(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(readfile, "MAX_FILE_BYTES", 20_000)
    (project / "content/papers").mkdir()
    (project / "content/papers/big.md").write_text(_PAGE + "x" * 30_000, encoding="utf-8")
    size = (project / "content/papers/big.md").stat().st_size
    assert run_cli(capsys, project, "check") == (
        1,
        "",
        f"content/papers/big.md: refusing to read: {size} bytes, over the limit of 20000\n"
        "check: 1 problem(s), 0 warning(s)\n",
    )


_UNSHARE = shutil.which("unshare")


def _in_namespace(script: str) -> subprocess.CompletedProcess[str]:
    """Run a shell script as root of a new user and mount namespace (tmpfs and read-only
    mounts without touching the machine's)."""
    return subprocess.run(
        [_UNSHARE or "unshare", "-rm", "sh", "-euc", script],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


def _namespaces_work() -> bool:
    return _UNSHARE is not None and _in_namespace("mount -t tmpfs none /mnt").returncode == 0


needs_mounts = pytest.mark.skipif(
    not _namespaces_work(), reason="needs unshare with user namespaces to mount a tiny tmpfs"
)


@needs_mounts
def test_a_full_disk_is_a_one_line_error_and_leaves_everything(project: Path, tmp_path: Path) -> None:
    full = tmp_path / "full"
    full.mkdir()
    result = _in_namespace(
        f"mount -t tmpfs -o size=64k none '{full}'\n"
        f"{sys.executable} -m site_builder build -q -C '{project}' --out '{full}/site'\n"
    )
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        f"error: cannot write the site into {full}/site: No space left on device; "
        "the previous site is left as it was\n"
    )


@needs_mounts
def test_a_read_only_folder_is_a_one_line_error_and_leaves_everything(project: Path) -> None:
    papers = project / "content/papers"
    papers.mkdir()
    (papers / "mine.md").write_text(_PAGE, encoding="utf-8")
    before = snapshot(project / "content")
    result = _in_namespace(
        f"mount --bind '{papers}' '{papers}'\n"
        f"mount -o remount,bind,ro '{papers}'\n"
        f"{sys.executable} -m site_builder import -C '{project}'\n"
    )
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == "error: content/papers/light-bridges.md: cannot write: Read-only file system\n"
    assert snapshot(project / "content") == before
    site_parent = project / "out"
    site_parent.mkdir()
    result = _in_namespace(
        f"mount --bind '{site_parent}' '{site_parent}'\n"
        f"mount -o remount,bind,ro '{site_parent}'\n"
        f"{sys.executable} -m site_builder build -C '{project}' --out '{site_parent}/site'\n"
    )
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.splitlines()[-1] == (
        f"error: cannot write the site into {site_parent}/site: Read-only file system; "
        "the previous site is left as it was"
    )
    assert list(site_parent.iterdir()) == []


_CONTROLS = "\x1b[2J\x07\x01\x08\ufffe\uffff\x7f\x85"


def test_control_characters_in_titles_abstracts_and_notes_never_reach_the_site(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import xml.etree.ElementTree as ET

    title = f"Light{_CONTROLS} Bridges for all"
    abstract = long_abstract(f"bridges{_CONTROLS}") + " Lone\rcarriage return."
    (project / "content/sources/2025-03-12.txt").write_text(
        dump([(title, abstract)]), encoding="utf-8", newline=""
    )
    (project / "content/papers").mkdir()
    (project / "content/papers/mine.md").write_text(
        f"---\nid: p1\ntitle: Mine{_CONTROLS}\n---\n\nAbstract{_CONTROLS}.\n\n## Notes\n\nNote\x1b]0;owned\x07 here.\n",
        encoding="utf-8",
    )
    code, out, err = run_cli(capsys, project, "build")
    assert code == 0, err
    site = project / "_site"
    for path in site.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".xml", ".json"):
            text = path.read_text(encoding="utf-8")
            assert not [c for c in text if c in "\x1b\x07\x01\x08\ufffe\uffff\x7f\x85\r"], path
    ET.parse(site / "feed.xml")  # well-formed XML
    assert "Mine" in (site / "feed.xml").read_text(encoding="utf-8")


def test_messages_show_control_characters_as_escapes(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "content/papers").mkdir()
    (project / "content/papers/mine.md").write_text(
        "---\nid: p1\ntitle: Mine\nstatus: \"\\e[31mdone\\r\"\n---\n\nAbstract.\n", encoding="utf-8"
    )
    (project / "content/sources/\x1b[31mred.txt").write_bytes(b"\xff not text")
    code, out, err = run_cli(capsys, project, "check")
    assert code == 1
    assert "\x1b" not in err and "\r" not in err
    assert err.splitlines() == [
        "content/sources/\\x1b[31mred.txt:1: not UTF-8 text (byte 0xff at offset 0); save the listing as UTF-8",
        "content/papers/mine.md:4: `status` must be one of unread, reading, read, skipped, got '\\x1b[31mdone\\r'",
        "check: 2 problem(s), 0 warning(s)",
    ]


def test_strip_and_escape_controls() -> None:
    from site_builder.controls import escape_controls, strip_controls

    assert strip_controls(f"a{_CONTROLS}b\r\nc\rd\te") == "a[2Jb\r\nc\nd\te"
    assert strip_controls("only a lone\rcarriage return") == "only a lone\ncarriage return"
    assert strip_controls("CRLF\r\nline ends\r\n") == "CRLF\r\nline ends\r\n"
    assert strip_controls("\x85 \ufdd0 \uffff\n") == "  \n"
    assert escape_controls("a\x1bb\rc\nd\te\ufffe") == "a\\x1bb\\x0dc\nd\te\\ufffe"


def test_pages_read_in_child_processes_are_read_as_in_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from site_builder import content
    from site_builder.config import load_config
    from site_builder.executor import Executor

    pages = {f"content/papers/p{n}.md": _PAGE.replace("p1", f"p{n}") for n in range(7)}
    pages["content/papers/bad.md"] = "---\nid: x\ntitle: [\n---\n"
    pages["content/papers/twice.md"] = "---\nid: x\ntitle: T\ntitle: U\n---\n"
    project = make_project(tmp_path, pages)
    config = load_config(project)
    monkeypatch.setattr(content, "PARALLEL_PAGES", 1)
    outcome = []
    for method in (None, "fork"):
        with Executor(method, 3) as executor, pytest.raises(SiteError) as caught:
            content.read_papers(config, None, executor=executor)
        os.remove(project / "content/papers/bad.md")
        os.remove(project / "content/papers/twice.md")
        with Executor(method, 3) as executor:
            papers = content.read_papers(config, None, executor=executor)
        outcome.append((str(caught.value), papers))
        write_files(project, pages)
    assert outcome[0] == outcome[1]
    assert outcome[0][0].splitlines() == [
        "content/papers/bad.md:4: YAML error: did not find expected node content",
        "content/papers/twice.md:4: duplicate key `title` (first on line 3)",
    ]
    assert [paper.id for paper in outcome[0][1]] == [f"p{n}" for n in range(7)]
