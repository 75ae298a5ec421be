"""`site-builder check`: every problem as `file:line: message`, exit 1; clean content, exit 0."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import copy_seeds, dump, long_abstract, make_project, run_cli

from site_builder.papers import paper_id

GOOD_PAGE = "---\nid: good\ntitle: A Good Paper\ntags: [llm]\nstatus: reading\n---\n\nAbstract.\n\n## Notes\n\nFine.\n"
SUMMARY_OK = "check: 0 problem(s), 0 warning(s)\n"


def test_clean_bundled_project_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = make_project(tmp_path)
    copy_seeds(project)
    assert run_cli(capsys, project, "import")[0] == 0
    assert run_cli(capsys, project, "check") == (0, "", SUMMARY_OK)


def test_empty_project_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(capsys, make_project(tmp_path), "check") == (0, "", SUMMARY_OK)


def test_warnings_do_not_fail_check_unless_strict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = dump([("A Title", long_abstract("a topic"))]) + "\nA Lonely Title\n"
    project = make_project(tmp_path, {"content/sources/2025-03-12.txt": text})
    warning = "warning: content/sources/2025-03-12.txt:13: title without an abstract, skipped: 'A Lonely Title'\n"
    assert run_cli(capsys, project, "check") == (
        0,
        "",
        warning + "check: 0 problem(s), 1 warning(s)\n",
    )
    assert run_cli(capsys, project, "check", "--strict") == (
        1,
        "",
        warning + "check: 0 problem(s), 1 warning(s)\nerror: 1 warning(s) with --strict\n",
    )


# (files of the project, expected stderr lines before the summary), side by side.
PROBLEMS = {
    "YAML error in a page": (
        {"content/papers/p.md": "---\ntitle: T\ntags: [llm\n---\n"},
        ["content/papers/p.md:4: YAML error: did not find expected ',' or ']'"],
    ),
    "YAML tab indentation": (
        {"content/papers/p.md": "---\ntitle: T\ntags:\n\t- llm\n---\n"},
        ["content/papers/p.md:4: YAML error: found character that cannot start any token"],
    ),
    "unknown field": (
        {"content/papers/p.md": "---\ntitle: T\n\nrating: 5\n---\n"},
        [
            (
                "content/papers/p.md:4: unknown field `rating` (known: id, title, authors, arxiv, doi, venue, published, listings, code, links, tags, remove_tags, status, starred, extra; put your own under `extra:`)"
            )
        ],
    ),
    "wrong types": (
        {
            "content/papers/p.md": "---\ntitle: 12\nstatus: [read]\ncode: {a: b}\nlistings: {date: 2025-03-12}\n---\n"
        },
        [
            "content/papers/p.md:2: `title` is required and must be text",
            "content/papers/p.md:3: `status` must be one of unread, reading, read, skipped, got ['read']",
            "content/papers/p.md:4: `code` must be a list of strings, got {'a': 'b'}",
            "content/papers/p.md:5: `listings` must be a list, got dict",
        ],
    ),
    "unknown tags": (
        {"content/papers/p.md": "---\ntitle: T\ntags: [llm, LLM, quantum]\n---\n"},
        [
            "content/papers/p.md:3: unknown tag `LLM` in `tags` (see content/tags.yml)",
            "content/papers/p.md:3: unknown tag `quantum` in `tags` (see content/tags.yml)",
        ],
    ),
    "duplicate paper": (
        {"content/papers/a.md": GOOD_PAGE, "content/papers/b.md": GOOD_PAGE},
        ["content/papers/b.md:1: duplicate paper: same id `good` as content/papers/a.md"],
    ),
    "same paper without ids": (
        {
            "content/papers/a.md": "---\ntitle: Schrödinger Bridges\n---\n",
            "content/papers/b.md": '---\ntitle: Schr\\"odinger  bridges!\n---\n',
        },
        [
            f"content/papers/b.md:1: duplicate paper: same id `{paper_id('Schrödinger Bridges')}` as content/papers/a.md"
        ],
    ),
    "duplicate slug": (
        {
            "content/papers/Good.md": GOOD_PAGE.replace("id: good", "id: one"),
            "content/papers/good.md": GOOD_PAGE,
        },
        ["content/papers/good.md:1: duplicate slug: content/papers/Good.md has the same URL"],
    ),
    "python object in a page": (
        {
            "content/papers/p.md": "---\ntitle: !!python/object/apply:os.system ['echo pwned']\n---\n"
        },
        [
            (
                "content/papers/p.md:2: YAML error: could not determine a constructor for the tag "
                "'tag:yaml.org,2002:python/object/apply:os.system' (only plain YAML values are allowed)"
            )
        ],
    ),
    "bad taxonomy": (
        {"content/tags.yml": "llm:\n  match: [x]\nBad:\n  match: [y]\nllm:\n  match: [z]\n"},
        [
            "content/tags.yml:3: tag id `Bad` must be lowercase words joined by `-`",
            "content/tags.yml:5: tag `llm` is defined twice",
        ],
    ),
    "bad source": (
        {"content/sources/a.txt": b"\xff", "content/sources/b.txt": "Subscribe\n"},
        [
            "content/sources/a.txt:1: not UTF-8 text (byte 0xff at offset 0); save the listing as UTF-8",
            "content/sources/b.txt: no papers found: expected title and abstract lines after the page header",
        ],
    ),
    "not UTF-8 page": (
        {"content/papers/p.md": b"---\ntitle: Caf\xe9\n---\n"},
        ["content/papers/p.md:2: not UTF-8 text (bad byte at offset 14)"],
    ),
}


@pytest.mark.parametrize(("files", "messages"), PROBLEMS.values(), ids=PROBLEMS.keys())
def test_check_reports_each_problem(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    files: dict[str, str | bytes],
    messages: list[str],
) -> None:
    project = make_project(
        tmp_path, {"content/papers/ok.md": GOOD_PAGE.replace("id: good", "id: ok"), **files}
    )
    code, out, err = run_cli(capsys, project, "check")
    assert (code, out) == (1, "")
    assert err.splitlines() == [*messages, f"check: {len(messages)} problem(s), 0 warning(s)"]


def test_check_reports_everything_in_one_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project(
        tmp_path,
        {
            "content/sources/s.txt": "",
            "content/papers/b.md": "---\ntitle: B\nstatus: nope\n---\n",
            "content/papers/a.md": "---\ntitle: A\ntags: [zzz]\n---\n",
            "content/papers/c.md": "no front matter\n",
        },
    )
    code, _, err = run_cli(capsys, project, "check")
    assert code == 1
    assert err.splitlines() == [
        "content/sources/s.txt: no papers found: expected title and abstract lines after the page header",
        "content/papers/a.md:3: unknown tag `zzz` in `tags` (see content/tags.yml)",
        "content/papers/b.md:3: `status` must be one of unread, reading, read, skipped, got 'nope'",
        "content/papers/c.md:1: expected front matter: the page must start with a `---` line",
        "check: 4 problem(s), 0 warning(s)",
    ]


# --- What a person or a dump sets: URLs, dates, tag ids, file names ---------------------------


def _page(extra: str) -> str:
    return f"---\nid: p1\ntitle: A paper\n{extra}---\n\nAbstract.\n"


@pytest.mark.parametrize(
    ("name", "text", "problem"),
    [
        (
            "p.md",
            _page('links: ["javascript:alert(1)"]\n'),
            "content/papers/p.md:4: `links` must hold http(s) URLs such as https://github.com/..., got 'javascript:alert(1)'",
        ),
        (
            "p.md",
            _page('links: ["javascript://%0aalert(1)"]\n'),
            "content/papers/p.md:4: `links` must hold http(s) URLs such as https://github.com/..., got 'javascript://%0aalert(1)'",
        ),
        (
            "p.md",
            _page("code:\n- https://github.com/a/b\n- data:text/html,<script>alert(1)</script>\n"),
            "content/papers/p.md:4: `code` must hold http(s) URLs such as https://github.com/..., got 'data:text/html,<script>alert(1)</script>'",
        ),
        (
            "p.md",
            _page("code: [' JavaScript:alert(1)']\n"),
            "content/papers/p.md:4: `code` must hold http(s) URLs such as https://github.com/..., got 'JavaScript:alert(1)'",
        ),
        (
            "p.md",
            _page("code: ['https:github.com/a/b']\n"),
            "content/papers/p.md:4: `code` must hold http(s) URLs such as https://github.com/..., got 'https:github.com/a/b'",
        ),
        (
            "p.md",
            _page("listings:\n- date: 2025-03-12 10:00:00\n  source: a.txt\n  line: 3\n"),
            "content/papers/p.md:4: listing date must be YYYY-MM-DD, got datetime.datetime(2025, 3, 12, 10, 0)",
        ),
        (
            "p.md",
            _page("published: 2025-03-12T10:00:00Z\n"),
            "content/papers/p.md:4: `published` must be a date YYYY-MM-DD, got datetime.datetime(2025, 3, 12, 10, 0, tzinfo=datetime.timezone.utc)",
        ),
        *[
            (
                name,
                _page(""),
                f"content/papers/{shown}: the file name is the page's URL: use only letters a-z, "
                "digits, `-`, `_` and `.` (no spaces, `#`, `?`, `%` or other characters)",
            )
            for name, shown in [
                ("my page.md", "my page.md"),
                ("a#b.md", "a#b.md"),
                ("what?.md", "what?.md"),
                ("100%.md", "100%.md"),
                ("new\nline.md", "new\\nline.md"),
                ("-flag.md", "-flag.md"),
            ]
        ],
    ],
)
def test_page_values_that_would_publish_the_wrong_thing_are_errors_in_check_and_build(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, text: str, problem: str
) -> None:
    from conftest import make_site_project, snapshot

    project = make_site_project(tmp_path, {f"content/papers/{name}": text})
    assert run_cli(capsys, project, "check") == (1, "", f"{problem}\ncheck: 1 problem(s), 0 warning(s)\n")
    before = snapshot(project)
    assert run_cli(capsys, project, "build") == (1, "", f"error: {problem}\n")
    assert snapshot(project) == before
    assert not (project / "_site").exists()


def test_a_tag_id_ending_in_a_newline_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    taxonomy = 'ok:\n  label: OK\n  description: Fine.\n  match: [fine]\n"evil\\n":\n  label: Evil\n  description: Bad.\n  match: [bad]\n'
    project = make_project(tmp_path, {"content/tags.yml": taxonomy})
    problem = "content/tags.yml:5: tag id `evil\\n` must be lowercase words joined by `-`"
    assert run_cli(capsys, project, "check") == (1, "", f"{problem}\ncheck: 1 problem(s), 0 warning(s)\n")


def test_javascript_urls_never_reach_an_href(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import re

    from conftest import make_site_project

    abstract = (
        "We study bridges (javascript:alert(1)) and code at https://github.com/a/bridges "
        "with a demo at JAVASCRIPT://%0aalert(2) and data:text/html,<b>x</b> for everyone to try."
    )
    project = make_site_project(tmp_path, {"content/sources/2025-03-12.txt": dump([("Light Bridges", abstract)])})
    code, _, err = run_cli(capsys, project, "build")
    assert code == 0, err
    hrefs = set()
    for path in (project / "_site").rglob("*"):
        if path.suffix in (".html", ".xml", ".json") and path.is_file():
            text = path.read_text(encoding="utf-8")
            hrefs.update(re.findall(r'(?:href|src)="([^"]*)"', text))
    assert "https://github.com/a/bridges" in hrefs
    assert not [href for href in hrefs if re.match(r"\s*(javascript|data|vbscript):", href, re.I)]
