"""`check` and `stats`: validate the whole project and report figures."""

from __future__ import annotations

from site_builder.config import Config
from site_builder.content import read_papers, read_taxonomy
from site_builder.errors import SiteError
from site_builder.ingest import read_entries, source_paths
from site_builder.stats import compute_tag_stats, format_tag_stats
from site_builder.tags import tag_papers


def _messages(exc: SiteError) -> list[str]:
    return [str(error) for error in getattr(exc, "errors", [exc])]


def check_project(config: Config) -> tuple[list[str], list[str]]:
    """Return (problems, warnings) for sources, taxonomy and pages, each as `file:line: message`."""
    problems: list[str] = []
    warnings: list[str] = []
    try:
        _, warnings = read_entries(config, source_paths(config))
    except SiteError as exc:
        problems += _messages(exc)
    tag_ids = None
    try:
        tag_ids = [tag.id for tag in read_taxonomy(config)]
    except SiteError as exc:
        problems += _messages(exc)
    try:
        read_papers(config, tag_ids)
    except SiteError as exc:
        problems += _messages(exc)
    return problems, warnings


def project_stats(config: Config) -> str:
    """Return the paper and tag figures of the project as text."""
    taxonomy = read_taxonomy(config)
    papers = read_papers(config, [tag.id for tag in taxonomy])
    return format_tag_stats(compute_tag_stats(papers, taxonomy, tag_papers(papers, taxonomy)))
