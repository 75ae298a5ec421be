"""The command line: exit codes, `error: file:line: message` for every user mistake, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import dump, long_abstract, make_project, run_cli, snapshot

from site_builder.cli import main

PAPER = ("A Title", long_abstract("a topic"))


def test_no_project_here(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, tmp_path, "check")
    assert (code, out) == (1, "")
    assert err == (
        f"error: {tmp_path.resolve() / 'site.yml'}: no site.yml here: run site-builder from a "
        "reading-list project (the folder with site.yml)\n"
    )


# (site.yml text, expected stderr), side by side.
SETTINGS_ERRORS = {
    "year as text": (
        "title: T\nyear: twenty\n",
        "error: site.yml:2: `year` must be a number, got 'twenty'\n",
    ),
    "year out of range": (
        "year: 25\n",
        "error: site.yml:1: `year` must be a four-digit year, got 25\n",
    ),
    "unknown setting": (
        "title: T\ntheme: dark\n",
        (
            "error: site.yml:2: unknown setting `theme` (known: title, description, author, base_url, cname, "
            "language, year, page_size, feed_size, related, out_dir)\n"
        ),
    ),
    "cname with a scheme": (
        "title: T\ncname: https://papers.example.org/\n",
        "error: site.yml:2: `cname` must be a domain name such as papers.example.org, got 'https://papers.example.org/'\n",
    ),
    "cname not text": (
        "cname: 42\n",
        "error: site.yml:1: `cname` must be text, got 42\n",
    ),
    "YAML syntax": (
        "title: [T\n",
        "error: site.yml:2: YAML error: did not find expected ',' or ']'\n",
    ),
    "not a mapping": (
        "just text\n",
        "error: site.yml:1: expected a mapping of `key: value` lines, got str\n",
    ),
    "several at once": (
        "page_size: 0\nbase_url: not a url\n",
        (
            "error: site.yml:1: `page_size` must be at least 1, got 0\n"
            "error: site.yml:2: `base_url` must be an absolute http(s) URL, got 'not a url'\n"
        ),
    ),
}


@pytest.mark.parametrize(
    ("settings", "stderr"), SETTINGS_ERRORS.values(), ids=SETTINGS_ERRORS.keys()
)
def test_bad_settings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], settings: str, stderr: str
) -> None:
    project = make_project(tmp_path, {"site.yml": settings})
    assert run_cli(capsys, project, "import") == (1, "", stderr)


def test_python_tag_in_settings_is_refused_and_not_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    marker = tmp_path / "pwned"
    project = make_project(
        tmp_path, {"site.yml": f"title: !!python/object/apply:os.system ['touch {marker}']\n"}
    )
    assert run_cli(capsys, project, "check") == (
        1,
        "",
        (
            "error: site.yml:1: YAML error: could not determine a constructor for the tag "
            "'tag:yaml.org,2002:python/object/apply:os.system' (only plain YAML values are allowed)\n"
        ),
    )
    assert not marker.exists()


# (dump file contents, expected stderr of `import`), side by side.
BAD_DUMPS = {
    "garbage bytes": (
        bytes(range(256)),
        "error: content/sources/d.txt:2: not UTF-8 text (byte 0x80 at offset 128); save the listing as UTF-8\n",
    ),
    "empty file": (
        b"",
        "error: content/sources/d.txt: no papers found: expected title and abstract lines after the page header\n",
    ),
    "header only": (
        b"new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\nbyAK and the research community\n\nMar 12\n",
        "error: content/sources/d.txt: no papers found: expected title and abstract lines after the page header\n",
    ),
    "UTF-16": (
        "Mar 12\nA Title\nAn abstract.\n".encode("utf-16"),
        "error: content/sources/d.txt:1: not UTF-8 text (byte 0xff at offset 0); save the listing as UTF-8\n",
    ),
}


@pytest.mark.parametrize(("data", "stderr"), BAD_DUMPS.values(), ids=BAD_DUMPS.keys())
def test_bad_dumps(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], data: bytes, stderr: str
) -> None:
    project = make_project(tmp_path, {"content/sources/d.txt": data})
    assert run_cli(capsys, project, "import") == (1, "", stderr)
    assert not (project / "content" / "papers").exists()


def test_truncated_entry_is_a_warning_not_a_crash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project(tmp_path, {"content/sources/d.txt": dump([PAPER]) + "\nTruncated Tit"})
    assert run_cli(capsys, project, "import") == (
        0,
        "",
        (
            "warning: content/sources/d.txt:13: title without an abstract, skipped: 'Truncated Tit'\n"
            "imported: 1 new, 0 updated, 0 unchanged, 1 warnings (hf-daily: d.txt)\n"
        ),
    )


def test_strict_turns_warnings_into_failure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project(tmp_path, {"content/sources/d.txt": dump([PAPER]) + "\nTruncated Tit"})
    code, _, err = run_cli(capsys, project, "import", "--strict")
    assert code == 1
    assert err.splitlines()[-1] == "error: 1 warning(s) with --strict"


def test_quiet_prints_nothing_on_success(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project(tmp_path, {"content/sources/d.txt": dump([PAPER])})
    assert run_cli(capsys, project, "import", "-q") == (0, "", "")


def test_import_of_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = make_project(tmp_path)
    (project / "content" / "sources").mkdir()
    assert run_cli(
        capsys, project, "import", str(project / "content" / "sources" / "nope.txt")
    ) == (1, "", "error: content/sources/nope.txt: no such listing file\n")
    assert run_cli(capsys, project, "import", str(project / "content" / "sources")) == (
        1,
        "",
        "error: content/sources: no such listing file\n",
    )


def test_broken_page_fails_stats_and_import_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project(
        tmp_path,
        {
            "content/sources/d.txt": dump([PAPER]),
            "content/papers/p.md": "---\ntitle: T\nstatus: [\n---\n",
        },
    )
    before = snapshot(project)
    message = "error: content/papers/p.md:4: YAML error: did not find expected node content\n"
    assert run_cli(capsys, project, "stats") == (1, "", message)
    assert run_cli(capsys, project, "import") == (1, "", message)
    assert snapshot(project) == before


def test_html_in_titles_is_kept_as_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    title = "<script>alert(1)</script> Attention <img src=x onerror=alert(2)>"
    project = make_project(
        tmp_path, {"content/sources/d.txt": dump([(title, long_abstract("xss"))])}
    )
    assert run_cli(capsys, project, "import")[0] == 0
    [page] = (project / "content" / "papers").glob("*.md")
    assert page.name == "script-alert-1-script-attention-img-src-x-onerror-alert-2.md"
    assert f"title: {title}\n" in page.read_text(encoding="utf-8")
    assert run_cli(capsys, project, "check")[0] == 0


def test_main_without_a_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main([])
    assert caught.value.code == 2
    assert "usage: site-builder" in capsys.readouterr().err


SHARED = {
    "before the command": ["-C", "{project}", "-q", "import", "--strict"],
    "after the command": ["import", "-C", "{project}", "-q", "--strict"],
    "on both sides": ["-q", "import", "--strict", "-C", "{project}"],
    "long forms": ["--project", "{project}", "import", "--quiet", "--strict"],
}


@pytest.mark.parametrize("argv", SHARED.values(), ids=SHARED.keys())
def test_shared_options_before_or_after_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    project = make_project(tmp_path, {"content/sources/d.txt": dump([PAPER]) + "\nTruncated Tit"})
    capsys.readouterr()
    code = main([arg.format(project=project) for arg in argv])
    # -q hides the warning, --strict still counts it: both were taken, and -C found the project.
    assert (code, *capsys.readouterr()) == (1, "", "error: 1 warning(s) with --strict\n")
    assert [path.name for path in (project / "content" / "papers").iterdir()] == ["a-title.md"]


def test_dash_c_after_the_command_wins_over_the_one_before(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project(tmp_path, {"content/sources/d.txt": dump([PAPER])})
    capsys.readouterr()
    assert main(["-C", str(tmp_path / "nowhere"), "stats", "-C", str(project)]) == 0
    assert capsys.readouterr().out.startswith("papers: 0\n")


def test_verbose_before_the_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = make_project(tmp_path, {"content/sources/d.txt": dump([PAPER])})
    capsys.readouterr()
    assert main(["-v", "-C", str(project), "import"]) == 0
    assert capsys.readouterr().err == "imported: 1 new, 0 updated, 0 unchanged, 0 warnings (hf-daily: d.txt)\n"


COMMANDS = ["import", "build", "serve", "deploy", "check", "stats", "marks", "new"]


@pytest.mark.parametrize("argv", [[], *([name] for name in COMMANDS)], ids=["main", *COMMANDS])
def test_help_ends_with_examples(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main([*argv, "--help"])
    assert caught.value.code == 0
    text = capsys.readouterr().out
    usage, _, examples = text.rpartition("\nexamples:\n")
    assert usage.startswith(f"usage: site-builder {' '.join(argv)}".rstrip())
    lines = examples.splitlines()
    assert 2 <= len(lines) <= 3
    assert all(line.startswith("  site-builder ") or line.startswith("  cd ") for line in lines)
    assert "-C PROJECT" in usage and "--strict" in usage


def test_main_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    text = capsys.readouterr().out
    assert all(f"    {name} " in text for name in COMMANDS)
