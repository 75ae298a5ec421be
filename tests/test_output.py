"""Atomic writes: a site is swapped in whole, synced in place, and a failure leaves the old one."""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from site_builder import output
from site_builder.errors import SiteError
from site_builder.output import content_digest, write_file_atomic, write_site


def _tree(root: Path) -> dict[str, bytes]:
    """Return the site's files, without the marker every build writes (tested on its own)."""
    files = {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
    files.pop(output.MARKER_FILE, None)
    return files


def test_write_site_swaps_in_the_new_site_and_counts_changes(tmp_path: Path) -> None:
    out = tmp_path / "_site"
    assert write_site(out, {"index.html": b"one", "a/index.html": b"a"})[1] == 2
    assert write_site(out, {"index.html": b"one", "b/index.html": b"b"})[1] == 1
    assert _tree(out) == {"index.html": b"one", "b/index.html": b"b"}
    assert [p.name for p in tmp_path.iterdir()] == ["_site"]


def test_a_failed_write_leaves_the_previous_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "_site"
    write_site(out, {"index.html": b"old"})

    def broken(stage: Path, out_dir: Path) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(output, "_swap", broken)
    with pytest.raises(SiteError) as caught:
        write_site(out, {"index.html": b"new"})
    assert str(caught.value) == (
        f"cannot write the site into {out}: No space left on device; the previous site is left as it was"
    )
    assert _tree(out) == {"index.html": b"old"}
    assert [p.name for p in tmp_path.iterdir()] == ["_site"]


def test_a_full_disk_while_writing_files_leaves_the_previous_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "_site"
    write_site(out, {"index.html": b"old", "a/index.html": b"a"})
    calls = []

    def full(path: Path, data: bytes) -> None:
        calls.append(path)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(output, "_write_new", full)
    with pytest.raises(SiteError):
        write_site(out, {"index.html": b"new", "a/index.html": b"b"})
    monkeypatch.setattr(output, "write_file_atomic", full)
    with pytest.raises(SiteError) as caught:
        write_site(out, {"index.html": b"new"}, {"index.html": content_digest(b"old")})
    assert str(caught.value) == f"cannot write the site into {out}: No space left on device"
    assert calls
    assert _tree(out) == {"index.html": b"old", "a/index.html": b"a"}
    assert [p.name for p in tmp_path.iterdir()] == ["_site"]


def test_a_site_written_in_place_changes_only_what_changed(tmp_path: Path) -> None:
    out = tmp_path / "_site"
    first = {"index.html": b"home", "a.html": b"a", "gone.html": b"x"}
    digests, _ = write_site(out, first)
    assert digests == {name: content_digest(data) for name, data in first.items()}
    untouched = (out / "a.html").stat().st_ino
    assert write_site(out, {"index.html": b"home2", "a.html": b"a"}, digests)[1] == 2
    assert _tree(out) == {"index.html": b"home2", "a.html": b"a"}
    assert (out / "a.html").stat().st_ino == untouched


def test_files_made_one_at_a_time_are_each_written_before_the_next_is_made(
    tmp_path: Path,
) -> None:
    out = tmp_path / "_site"
    writer = output.SiteWriter(out)
    assert writer.stage is not None
    stage = writer.stage
    made = []

    def one_at_a_time() -> Iterator[tuple[str, bytes]]:
        for name in ["b.json", "a/feed.xml", "c.bib"]:
            # what was made before is on disk already: the writer holds no more than one file
            assert [(stage / before).read_bytes() for before in made] == [
                before.encode() for before in made
            ]
            made.append(name)
            yield name, name.encode()

    digests, changed = writer.put_all(one_at_a_time())
    writer.finish(digests)
    assert changed == 3
    assert digests == {name: content_digest(name.encode()) for name in made}
    assert _tree(out) == {name: name.encode() for name in made}


def test_a_previewed_file_taken_in_is_not_written_again_in_place(tmp_path: Path) -> None:
    out = tmp_path / "_site"
    digests, _ = write_site(out, {"p/index.html": b"built"})
    (out / "p/index.html").write_bytes(b"previewed")  # the dev server's fast render
    writer = output.SiteWriter(out, digests)
    writer.take_in("p/index.html", content_digest(b"previewed"))
    assert writer.put("p/index.html", b"previewed") == (content_digest(b"previewed"), False)
    assert writer.put("p/index.html", b"built") == (content_digest(b"built"), True)
    assert digests == {"p/index.html": content_digest(b"built")}  # the caller's record is not changed
    assert _tree(out) == {"p/index.html": b"built"}


def test_a_file_in_pieces_is_on_disk_piece_by_piece_and_kept_from_the_previous_site_if_equal(
    tmp_path: Path,
) -> None:
    out = tmp_path / "_site"
    pieces = [b"[\n", b'{"a": 1},\n', b'{"b": 2}\n]\n']

    def streamed(stage: Path) -> Iterator[bytes]:
        for number, piece in enumerate(pieces):
            # the pieces before are written already: the file is never held whole
            assert (stage / "papers.json").read_bytes() == b"".join(pieces[:number])
            yield piece

    writer = output.SiteWriter(out)
    assert writer.stage is not None
    digest, changed = writer.put_chunks("papers.json", streamed(writer.stage))
    writer.finish({"papers.json": digest})
    assert (digest, changed) == (content_digest(b"".join(pieces)), True)
    assert _tree(out) == {"papers.json": b"".join(pieces)}
    first = (out / "papers.json").stat().st_ino

    writer = output.SiteWriter(out)  # a fresh build over it: equal bytes keep the old file
    assert writer.put_all([("papers.json", iter(pieces))])[1] == 0
    assert writer.put_all([("other/papers.json", iter([b"x"]))])[1] == 1
    writer.finish({"papers.json", "other/papers.json"})
    assert (out / "papers.json").stat().st_ino == first
    assert _tree(out) == {"papers.json": b"".join(pieces), "other/papers.json": b"x"}

    digests = {"papers.json": digest, "other/papers.json": content_digest(b"x")}
    writer = output.SiteWriter(out, digests)  # in place: unchanged bytes are not written
    assert writer.put_chunks("papers.json", iter(pieces)) == (digest, False)
    assert (out / "papers.json").stat().st_ino == first
    assert writer.put_chunks("papers.json", iter([b"[]", b"\n"])) == (content_digest(b"[]\n"), True)
    assert (out / "papers.json").read_bytes() == b"[]\n"
    assert sorted(os.listdir(out)) == [".site-builder", "other", "papers.json"]  # no temp file


def test_write_file_atomic_keeps_mode_and_leaves_no_temp(tmp_path: Path) -> None:
    path = tmp_path / "notes.md"
    write_file_atomic(path, "one")
    os.chmod(path, 0o600)
    write_file_atomic(path, "two")
    assert path.read_text() == "two"
    assert path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["notes.md"]


def test_site_files_are_world_readable_whatever_the_umask(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(output, "_UMASK", 0o077)
    previous = os.umask(0o077)
    try:
        write_site(tmp_path / "_site", {"index.html": b"home", "a/index.html": b"a"})
        write_file_atomic(tmp_path / "page.md", "text")
    finally:
        os.umask(previous)
    assert (tmp_path / "_site" / "a" / "index.html").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "_site" / "index.html").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "page.md").stat().st_mode & 0o777 == 0o644


def _site_project(tmp_path: Path, settings: str = "") -> Path:
    from conftest import dump, long_abstract, make_site_project

    project = make_site_project(
        tmp_path, {"content/sources/2025-03-12.txt": dump([("Light Bridges", long_abstract("bridges"))])}
    )
    if settings:
        with (project / "site.yml").open("a", encoding="utf-8") as handle:
            handle.write(settings)
    return project


def _refusal(path: Path, why: str) -> str:
    return f"error: refusing to build into {path}: {why}\n"


_FOREIGN = (
    "it holds files site-builder did not write (no .site-builder marker), and a build replaces "
    "the whole folder; move them away or choose another output folder (out_dir in site.yml, or --out)"
)


@pytest.mark.parametrize("command", ["build", "import-then-build"])
def test_a_folder_holding_the_users_files_is_never_replaced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    from conftest import run_cli, snapshot

    project = _site_project(tmp_path, "out_dir: docs\n")
    (project / "docs").mkdir()
    (project / "docs" / "my-notes.md").write_text("my notes\n", encoding="utf-8")
    if command == "import-then-build":
        assert run_cli(capsys, project, "import", "-q")[0] == 0
    before = snapshot(project)
    code, out, err = run_cli(capsys, project, "build", "--force")
    assert (code, out, err) == (1, "", _refusal(project / "docs", _FOREIGN))
    assert snapshot(project) == before  # no page imported, nothing written


def test_build_refuses_each_folder_it_must_not_replace(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from conftest import run_cli, snapshot

    project = _site_project(tmp_path)
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "thesis.tex").write_text("chapter one\n", encoding="utf-8")
    before = snapshot(tmp_path)
    cases = [
        (["--out", str(other)], _refusal(other, _FOREIGN)),
        (["--out", str(project)], _refusal(project, "it holds the project itself")),
        (["--out", str(tmp_path)], _refusal(tmp_path, "it holds the project itself")),
        (["--out", str(project / ".venv")], _refusal(project / ".venv", "it is inside the project's .venv/")),
        (["--out", str(project / "content/x")], _refusal(project / "content/x", "it is inside the project's content/")),
        (["--out", str(project / "site.yml")], _refusal(project / "site.yml", "it is a file, not a folder")),
    ]
    for args, expected in cases:
        assert run_cli(capsys, project, "build", *args) == (1, "", expected), args
    monkeypatch.chdir(other)  # `--out .` run from another folder
    assert run_cli(capsys, project, "build", "--out", ".") == (1, "", _refusal(other, _FOREIGN))
    (project / "site.yml").write_text(
        (project / "site.yml").read_text(encoding="utf-8") + "out_dir: site.yml\n", encoding="utf-8"
    )
    before = snapshot(tmp_path)
    assert run_cli(capsys, project, "build") == (1, "", _refusal(project / "site.yml", "it is a file, not a folder"))
    assert snapshot(tmp_path) == before


def test_build_replaces_only_its_own_empty_or_missing_folders(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from conftest import run_cli

    project = _site_project(tmp_path, "out_dir: docs\n")
    (project / "docs").mkdir()  # empty: may be used
    assert run_cli(capsys, project, "build", "-q")[0] == 0
    assert (project / "docs" / output.MARKER_FILE).read_bytes() == output.MARKER_TEXT
    assert (project / "docs" / "index.html").is_file()
    code, _, err = run_cli(capsys, project, "build", "-q", "--force")  # its own: replaced
    assert (code, err) == (0, "")
    assert run_cli(capsys, project, "build", "-q", "--out", str(tmp_path / "new" / "site"))[0] == 0
    assert (tmp_path / "new" / "site" / output.MARKER_FILE).is_file()


def test_a_symlinked_output_folder_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "real"
    target.mkdir()
    (tmp_path / "link").symlink_to(target)
    with pytest.raises(SiteError) as caught:
        output.check_output_dir(tmp_path / "link", tmp_path / "project")
    assert str(caught.value) == (
        f"refusing to build into {tmp_path / 'link'}: it is a symbolic link (a build replaces "
        "the folder itself; point out_dir at the real folder)"
    )


# --- Temp folders of killed builds, and a swap with no instant without a site -----------------


_HANGING_BUILD = """
import sys, time
from pathlib import Path
from site_builder import output
output.SiteWriter.put = lambda *args: time.sleep(600)  # hangs while the new site is staged
print("writing", flush=True)
output.write_site(Path(sys.argv[1]), {"index.html": b"new", "a/index.html": b"a"})
"""


def test_temp_folders_of_a_killed_build_are_removed_by_the_next(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import signal
    import subprocess
    import sys
    import time

    from conftest import run_cli

    project = _site_project(tmp_path)
    assert run_cli(capsys, project, "build", "-q")[0] == 0
    killed = subprocess.Popen(
        [sys.executable, "-c", _HANGING_BUILD, str(project / "_site")], stdout=subprocess.PIPE
    )
    assert killed.stdout is not None and killed.stdout.readline() == b"writing\n"
    for _ in range(500):
        stale = sorted(project.glob("._site.new-*"))
        if stale and (stale[0] / ".site-builder-pid").exists():
            break
        time.sleep(0.01)
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    (project / "._site.old-leftover").mkdir()  # a build killed between its two renames
    (project / "._site.old-leftover" / "index.html").write_bytes(b"old")
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    try:
        running = project / "._site.new-running"  # a concurrent build still writing: kept
        running.mkdir()
        (running / ".site-builder-pid").write_text(str(live.pid), encoding="ascii")
        assert len(list(project.glob("._site.*"))) == 3
        assert run_cli(capsys, project, "build", "-q", "--force")[0] == 0
        assert sorted(path.name for path in project.glob("._site.*")) == ["._site.new-running"]
    finally:
        live.kill()
        live.wait()


_POLLER = """
import os, sys
path = sys.argv[1]
missing = checks = 0
while not os.path.exists(sys.argv[2]):
    checks += 1
    if not os.path.exists(path):
        missing += 1
print(missing, checks)
"""


def test_the_swap_leaves_no_instant_without_a_site(tmp_path: Path) -> None:
    import subprocess
    import sys

    out = tmp_path / "_site"
    stop = tmp_path / "stop"
    write_site(out, {"index.html": b"0"})
    poller = subprocess.Popen(
        [sys.executable, "-c", _POLLER, str(out / "index.html"), str(stop)], stdout=subprocess.PIPE, text=True
    )
    try:
        for number in range(1, 300):
            write_site(out, {"index.html": str(number).encode()})
    finally:
        stop.touch()
        found, _ = poller.communicate(timeout=60)
    missing, checks = map(int, found.split())
    assert checks > 0
    assert missing == 0
    assert (out / "index.html").read_bytes() == b"299"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["_site", "stop"]


def test_exchange_paths_swaps_two_folders(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one").touch()
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "two").touch()
    assert output.exchange_paths(tmp_path / "a", tmp_path / "b")
    assert [p.name for p in (tmp_path / "a").iterdir()] == ["two"]
    assert [p.name for p in (tmp_path / "b").iterdir()] == ["one"]
