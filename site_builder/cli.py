"""Command line: `site-builder import|build|serve|deploy|check|stats|marks`."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from site_builder import __version__
from site_builder.config import Config, load_config
from site_builder.errors import SiteError, SourcePos

log = logging.getLogger("site_builder")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="site-builder",
        description="Turn pasted research-paper listings into a searchable static reading-list site.",
    )
    parser.add_argument("--version", action="version", version=f"site-builder {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "-C", "--project", type=Path, default=Path("."), help="project root (default: .)"
    )
    common.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    common.add_argument("-v", "--verbose", action="store_true", help="explain each step")
    common.add_argument("--strict", action="store_true", help="treat warnings as errors")
    site = argparse.ArgumentParser(add_help=False)
    site.add_argument(
        "--base-url", help="absolute URL the site is published at (overrides site.yml)"
    )
    site.add_argument("--out", type=Path, help="output directory (default: _site)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    imp = commands.add_parser(
        "import", parents=[common], help="turn listing dumps into paper pages"
    )
    imp.add_argument(
        "files", nargs="*", type=Path, help="dumps to import (default: content/sources/*)"
    )
    build = commands.add_parser(
        "build", parents=[common, site], help="import, then render the site into _site/"
    )
    build.add_argument("--force", action="store_true", help="rebuild even if no input changed")
    serve = commands.add_parser(
        "serve", parents=[common, site], help="build, serve and rebuild on change"
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)"
    )
    serve.add_argument(
        "--port", type=int, default=8000, help="port (default: 8000; 0 picks a free one)"
    )
    serve.add_argument("--open", action="store_true", help="open the site in a browser")
    deploy = commands.add_parser(
        "deploy",
        parents=[common, site],
        help="build, commit _site/ to the gh-pages branch and push it (GitHub Pages)",
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
    commands.add_parser("check", parents=[common], help="validate sources, pages and the taxonomy")
    commands.add_parser("stats", parents=[common], help="print paper and tag figures")
    _add_marks_parser(commands, common)
    return parser


def _add_marks_parser(commands: Any, common: argparse.ArgumentParser) -> None:
    """The `marks` subcommand: fold a reading-marks.json export into the paper pages."""
    marks = commands.add_parser(
        "marks",
        parents=[common],
        help="merge reading marks exported from the site (reading-marks.json) into the pages",
    )
    marks.add_argument("file", type=Path, help="the exported reading-marks.json")


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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = _parser().parse_args(argv)
    level = logging.ERROR if args.quiet else logging.DEBUG if args.verbose else logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    strict = _StrictHandler()
    log.handlers[:] = [handler, strict]
    log.setLevel(level)
    log.propagate = False
    try:
        code = _run(args)
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


def _run(args: argparse.Namespace) -> int:
    config = _config(args)
    if args.command == "import":
        from site_builder.ingest import import_sources

        files = [path.resolve() for path in args.files] or None
        for path in files or []:
            if not path.is_file():
                raise SiteError("no such listing file", _where(config, path))
        report = import_sources(config, files)
        for warning in report.warnings:
            log.warning("warning: %s", warning)
        log.info("%s", report.summary())
        return 0
    if args.command == "build":
        from site_builder.build import build_if_changed, build_site

        started = time.perf_counter()
        result = build_site(config) if args.force else build_if_changed(config)
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
