"""Command line: `site-builder import|build|serve|deploy|check|stats|marks|new`."""

from __future__ import annotations

import argparse
import atexit
import contextlib
import logging
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from site_builder import __version__
from site_builder.config import Config, load_config
from site_builder.errors import MessageFormatter, SiteError, SourcePos
from site_builder.progress import Progress

log = logging.getLogger("site_builder")


EXAMPLES = """\
examples:
  site-builder serve                  build this list, serve it, rebuild on change
  site-builder -C ~/papers import -q  import new dumps of another project, errors only
  site-builder new my-list            start a reading list of your own in my-list/
"""
"""Ending of `site-builder --help`."""


def _shared_options(parser: argparse.ArgumentParser, *, defaults: bool) -> None:
    """Add the options every command takes. The main parser holds the defaults; a command's own
    copy leaves a value unset unless given, so `-C DIR build` and `build -C DIR` both work."""

    def default(value: object) -> object:
        return value if defaults else argparse.SUPPRESS

    parser.add_argument(
        "-C",
        "--project",
        type=Path,
        default=default(Path(".")),
        help="project root (default: .)",
    )
    parser.add_argument(
        "-q", "--quiet", action="store_true", default=default(False), help="print errors only"
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", default=default(False), help="explain each step"
    )
    parser.add_argument(
        "--strict", action="store_true", default=default(False), help="treat warnings as errors"
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="site-builder",
        description="Turn pasted research-paper listings into a searchable static reading-list site.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"site-builder {__version__}")
    _shared_options(parser, defaults=True)
    common = argparse.ArgumentParser(add_help=False)
    _shared_options(common, defaults=False)
    site = argparse.ArgumentParser(add_help=False)
    site.add_argument(
        "--base-url", help="absolute URL the site is published at (overrides site.yml)"
    )
    site.add_argument("--out", type=Path, help="output directory (default: _site)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(
        name: str, help: str, examples: str, parents: list[argparse.ArgumentParser]
    ) -> argparse.ArgumentParser:
        return commands.add_parser(
            name,
            parents=parents,
            help=help,
            description=help[0].upper() + help[1:] + ".",
            epilog="examples:\n" + examples,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )

    imp = command(
        "import",
        "turn listing dumps into paper pages",
        "  site-builder import                              every dump in content/sources/\n"
        "  site-builder import content/sources/2025-03-15.txt  one dump\n"
        "  site-builder -C ~/papers import --strict         fail on any warning\n",
        [common],
    )
    imp.add_argument(
        "files", nargs="*", type=Path, help="dumps to import (default: content/sources/*)"
    )
    imp.add_argument(
        "--dry-run",
        action="store_true",
        help="print each file's layout and the pages it would create or update; write nothing",
    )
    build = command(
        "build",
        "import, then render the site into _site/",
        "  site-builder build                                   when an input changed\n"
        "  site-builder build --force --out public              always, into public/\n"
        "  site-builder build --base-url https://user.github.io/list/  for that address\n",
        [common, site],
    )
    build.add_argument("--force", action="store_true", help="rebuild even if no input changed")
    serve = command(
        "serve",
        "build, serve and rebuild on change",
        "  site-builder serve                  http://127.0.0.1:8000/\n"
        "  site-builder serve --port 0 --open  a free port, opened in the browser\n",
        [common, site],
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)"
    )
    serve.add_argument(
        "--port", type=int, default=8000, help="port (default: 8000; 0 picks a free one)"
    )
    serve.add_argument("--open", action="store_true", help="open the site in a browser")
    deploy = command(
        "deploy",
        "build, commit _site/ to the gh-pages branch and push it (GitHub Pages)",
        "  site-builder deploy                          publish to origin's gh-pages\n"
        "  site-builder deploy --no-push                commit only, to look first\n"
        "  site-builder deploy --cname papers.example.org  with a custom domain\n",
        [common, site],
    )
    deploy.add_argument("--remote", default="origin", help="git remote (default: origin)")
    deploy.add_argument(
        "--branch", default="gh-pages", help="branch to publish (default: gh-pages)"
    )
    deploy.add_argument("--message", default="Publish reading list", help="commit message")
    deploy.add_argument(
        "--cname", metavar="DOMAIN", help="custom domain for the CNAME file (overrides site.yml)"
    )
    deploy.add_argument(
        "--no-push", action="store_true", help="commit to the branch but do not push"
    )
    command(
        "check",
        "validate sources, pages and the taxonomy",
        "  site-builder check           every problem as file:line: message\n"
        "  site-builder check --strict  warnings fail too (for CI)\n",
        [common],
    )
    command(
        "stats",
        "print paper and tag figures",
        "  site-builder stats\n  site-builder -C ~/papers stats\n",
        [common],
    )
    new = command(
        "new",
        "start a reading list of your own: settings, empty content, theme, Pages workflow",
        "  site-builder new my-list                 create my-list/ and fill it\n"
        "  site-builder new .                       fill this empty folder\n"
        "  cd my-list && site-builder serve         see it\n",
        [common],
    )
    new.add_argument("directory", type=Path, help="folder to create (must be missing or empty)")
    marks = command(
        "marks",
        "merge reading marks exported from the site (reading-marks.json) into the pages",
        "  site-builder marks ~/Downloads/reading-marks.json   fold them into content/papers/\n"
        "  site-builder marks marks.json --strict              fail if any was left alone\n",
        [common],
    )
    marks.add_argument("file", type=Path, help="the exported reading-marks.json")
    return parser


def _run_marks(config: Config, file: Path) -> int:
    """Merge a marks file into content/papers/; list what was left alone."""
    from site_builder.marks import apply_marks

    report = apply_marks(config, file.resolve(), str(file))
    for page, changes in report.updated:
        log.info("%s: %s", page, ", ".join(changes))
    for page, reason in report.conflicts:
        log.warning("warning: %s: left alone: %s", page, reason)
    for paper_id in report.missing:
        log.warning("warning: %s: no paper with id `%s`: left alone", file, paper_id)
    log.info("%s", report.summary())
    return 0


class _StrictHandler(logging.Handler):
    """Count warnings so --strict can fail on them."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


def run() -> NoReturn:
    """The `site-builder` command: run `main`, then end the process once the exit handlers ran
    (the fork server stopped, its temp dir removed, logs flushed). A large build leaves hundreds
    of megabytes of objects that the interpreter would otherwise free one by one on the way out
    (half a second at 10,000 papers); everything is written by then. So `main` hands back what
    it built, and nothing frees it before the process ends."""
    built: list[object] = []  # what the command made, freed by the process's end, not by us
    code = main(keep=built)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing more to say
            stream.flush()
    os._exit(code)


def main(argv: Sequence[str] | None = None, keep: list[object] | None = None) -> int:
    """Run the command line; return the exit code. A build's result is put in `keep` (when
    given), so that freeing it is left to the process's end (see `run`)."""
    args = _parser().parse_args(argv)
    level = logging.ERROR if args.quiet else logging.DEBUG if args.verbose else logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(MessageFormatter("%(message)s"))
    handler.setLevel(level)
    strict = _StrictHandler()
    log.handlers[:] = [handler, strict]
    # Warnings reach the --strict count even when -q keeps them off the screen.
    log.setLevel(min(level, logging.WARNING))
    log.propagate = False
    try:
        code = _run(args, keep if keep is not None else [])
    except SiteError as exc:
        for line in str(exc).splitlines():
            print(f"error: {line}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    if args.strict and strict.count:
        print(f"error: {strict.count} warning(s) with --strict", file=sys.stderr)
        return 1
    return code


def _config(args: argparse.Namespace) -> Config:
    return load_config(
        args.project.resolve(),
        base_url=getattr(args, "base_url", None),
        out_dir=args.out.resolve() if getattr(args, "out", None) else None,
        cname=getattr(args, "cname", None),
    )


def _run(args: argparse.Namespace, keep: list[object]) -> int:
    if args.command == "new":
        from site_builder.new import create_project

        target = args.project / args.directory  # named from -C, as every other path is
        create_project(target, shown=str(target))
        log.info(
            "created %s: paste a listing page into %s/content/sources/, then run "
            "`site-builder -C %s serve`",
            target,
            target,
            target,
        )
        return 0
    config = _config(args)
    progress = Progress.for_stream(sys.stderr, quiet=args.quiet)
    if args.command == "import":
        from site_builder.ingest import import_sources

        files = [path.resolve() for path in args.files] or None
        for path in files or []:
            if not path.is_file():
                raise SiteError("no such listing file", _where(config, path))
        if args.dry_run:
            from site_builder.ingest import plan_import

            for line in plan_import(config, files).report.describe():
                print(line)
            return 0
        report = import_sources(config, files, progress=progress)
        for warning in report.warnings:
            log.warning("warning: %s", warning)
        log.info("%s", report.summary())
        return 0
    if args.command == "build":
        from site_builder.stamp import build_if_changed

        started = time.perf_counter()
        result = build_if_changed(config, bars=progress, force=args.force)
        keep.append(result)
        if result is None:
            log.info(
                "up to date: no input changed since the last build (%.2f s; --force rebuilds)",
                time.perf_counter() - started,
            )
        else:
            log.info("%s", result.summary())
        return 0
    if args.command == "serve":
        from site_builder.serve import serve

        return serve(config, host=args.host, port=args.port, open_browser=args.open)
    if args.command == "deploy":
        from site_builder.deploy import deploy

        return deploy(
            config,
            remote=args.remote,
            branch=args.branch,
            message=args.message,
            push=not args.no_push,
        )
    if args.command == "check":
        from site_builder.check import check_project

        problems, warnings = check_project(config)
        for warning in warnings:
            log.warning("warning: %s", warning)
        for problem in problems:
            print(problem, file=sys.stderr)
        log.info("check: %d problem(s), %d warning(s)", len(problems), len(warnings))
        return 1 if problems else 0
    if args.command == "marks":
        return _run_marks(config, args.file)
    if args.command == "stats":
        from site_builder.check import project_stats

        print(project_stats(config))
        return 0
    raise AssertionError(args.command)


def _where(config: Config, path: Path) -> SourcePos:
    return SourcePos(config.shown(path))
