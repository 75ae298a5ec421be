"""`new`: a reading-list project of one's own: settings, empty content, the theme, publishing."""

from __future__ import annotations

import json
import logging
import re
import subprocess
from pathlib import Path

from site_builder.errors import SiteError, SourcePos
from site_builder.output import write_file_atomic

log = logging.getLogger(__name__)

ENGINE_ROOT = Path(__file__).resolve().parent.parent
"""The engine's source checkout: its templates/ and static/ are the theme a project starts with,
and its Pages workflow and lunr.js lockfile entries are the ones a project gets."""
THEME = ("templates", "static")
WORKFLOW = ".github/workflows/pages.yml"
_GITHUB_RE = re.compile(
    r"^(?:https://github\.com/|git@github\.com:)([\w.-]+/[\w.-]+?)(?:\.git)?/?$"
)

SITE_YML = """\
# Settings of this reading list. Every key is optional: delete a line to get its default.

# Shown in the header of every page, in the feeds and in search results.
title: Reading list
# One sentence about the list, for the home page, the feeds and search engines.
description: Research papers worth reading.
# Who keeps the list (feeds need an author).
author: The reading group
# Where the site is published: feed, sitemap, canonical and 404-page links are made from it.
# A project site on GitHub Pages is https://USER.github.io/REPOSITORY/ (the Pages workflow
# passes the right one by itself); a custom domain is https://papers.example.org/.
base_url: https://example.github.io/reading-list/
# The domain `site-builder deploy` writes to the gh-pages branch's CNAME file (publishing from
# a branch with a custom domain only).
# cname: papers.example.org
# Language code of the pages.
language: en
# Year for listing dates such as "Mar 12" in dumps whose file name has no YYYY-MM-DD
# (content/sources/2025-03-15.txt needs none); without it, this year is assumed, with a warning.
# year: 2025
# Papers per page on the home page, entries in each Atom feed, related papers per paper page.
page_size: 50
feed_size: 30
related: 5
# Where `site-builder build` writes the site.
# out_dir: _site
"""

SOURCES_README = """\
# content/sources/: listing pages, pasted as they are

1. Open a listing page: Hugging Face daily papers (https://huggingface.co/papers), an arXiv
   listing (https://arxiv.org/list/cs.LG/new), a Hugging Face paper page.
2. Select all (Ctrl+A), copy, and paste into a new text file here, one file per page or day,
   named by its date when you can: `content/sources/2025-03-15.txt`.
3. `site-builder serve` (it notices new files while running) or `site-builder build` creates
   one page per paper in `content/papers/`: those are yours to edit (tags, notes, status) and
   are never overwritten; a paper seen again later only gets its new listing added.

Page furniture (menus, "Subscribe", upvote counts) is skipped; what cannot be read is reported
as `file:line: message`. Files named README are not read as listings.
"""

TAGS_YML = """\
# The tag taxonomy: edit freely. Each tag is `id:` (lowercase words joined by -) with
#   label:        the name shown on the site
#   description:  a sentence or two shown on the tag's page
#   match:        terms that tag a paper automatically when they occur in its title (once)
#                 or abstract (twice); whole words, plurals included, `*` at the end for a prefix.
# A paper's own page can add tags (`tags:`) or drop automatic ones (`remove_tags:`).
# Run `site-builder stats` after a change to see how many papers each tag gets.

llm:
  label: Language models
  description: Large language models, their training, alignment, reasoning and evaluation.
  match: [language model, LLM, large language, GPT, RLHF, preference optimization, reasoning]

vision:
  label: Computer vision
  description: Images and video, from recognition and segmentation to generation.
  match: [image, video, vision, visual, segmentation, object detection, vision-language]

diffusion:
  label: Diffusion models
  description: Denoising diffusion and score-based generative models, samplers and guidance.
  match: [diffusion, diffusion model, score-based, score matching, flow matching]

reinforcement-learning:
  label: Reinforcement learning
  description: Agents that learn from reward, with policy optimization, planning and exploration.
  match: [reinforcement learning, policy gradient, reward, agent*, Q-learning, bandit]
"""

GITIGNORE = """\
_site/
.site-cache/
node_modules/
"""

REQUIREMENTS = """\
# What the Pages workflow installs to build the site: the site-builder engine (the part after @
# is the version: a commit, tag or branch of the engine's repository).
{requirement}
"""

REQUIREMENT_PLACEHOLDER = "site-builder @ git+https://github.com/OWNER/site-builder@main"


def project_files(engine_root: Path, requirement: str) -> dict[str, bytes]:
    """Return the files of a new project by relative path: settings, how-to, starter taxonomy,
    the engine's theme and Pages workflow, and what installs the engine and lunr.js."""
    missing = [name for name in (*THEME, WORKFLOW) if not (engine_root / name).exists()]
    if missing:
        raise SiteError(
            f"the theme and workflow of site-builder are not here ({', '.join(missing)} missing): "
            "run `new` from the engine's source checkout (`pip install -e .` installs it so)",
            SourcePos(str(engine_root)),
        )
    files = {
        "site.yml": SITE_YML,
        "content/sources/README.md": SOURCES_README,
        "content/papers/.gitkeep": "",
        "content/tags.yml": TAGS_YML,
        ".gitignore": GITIGNORE,
        "requirements.txt": REQUIREMENTS.format(requirement=requirement),
        **_npm_files(engine_root),
    }
    out = {name: text.encode("utf-8") for name, text in files.items()}
    out[WORKFLOW] = (engine_root / WORKFLOW).read_bytes()
    if (engine_root / ".npmrc").is_file():  # npm settings: e.g. no registry host in lockfiles
        out[".npmrc"] = (engine_root / ".npmrc").read_bytes()
    for folder in THEME:
        for path in sorted((engine_root / folder).rglob("*")):
            if path.is_file() and not any(
                part.startswith(".") for part in path.relative_to(engine_root).parts
            ):
                out[path.relative_to(engine_root).as_posix()] = path.read_bytes()
    return out


def _npm_files(engine_root: Path) -> dict[str, str]:
    """Return package.json and package-lock.json naming only what the site ships (lunr.js): the
    engine's runtime dependencies and their lockfile entries, without its test tools."""
    package = json.loads((engine_root / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((engine_root / "package-lock.json").read_text(encoding="utf-8"))
    name = "reading-list"
    dependencies = dict(sorted(package.get("dependencies", {}).items()))
    packages = {
        path: entry
        for path, entry in sorted(lock["packages"].items())
        if path and not entry.get("dev")
    }
    new_lock = {
        "name": name,
        "lockfileVersion": lock["lockfileVersion"],
        "requires": True,
        "packages": {"": {"name": name, "dependencies": dependencies}, **packages},
    }
    new_package = {
        "name": name,
        "private": True,
        "description": "Front-end libraries copied into the built site.",
        "dependencies": dependencies,
    }
    return {
        "package.json": json.dumps(new_package, indent=2) + "\n",
        "package-lock.json": json.dumps(new_lock, indent=2) + "\n",
    }


def engine_requirement(engine_root: Path) -> str | None:
    """Return the pip requirement of this engine's GitHub repository at its current commit, or
    None when the checkout has no GitHub `origin` (or is no git checkout)."""
    try:
        url = _git(engine_root, "remote", "get-url", "origin")
        commit = _git(engine_root, "rev-parse", "HEAD")
    except (OSError, subprocess.CalledProcessError):
        return None
    match = _GITHUB_RE.match(url)
    if match is None:
        return None
    return f"site-builder @ git+https://github.com/{match.group(1)}@{commit}"


def _git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, check=True
    ).stdout.strip()


def create_project(target: Path, shown: str, engine_root: Path = ENGINE_ROOT) -> None:
    """Create a ready reading-list project in `target`, which must be missing or empty."""
    if target.exists() and not target.is_dir():
        raise SiteError("not a folder: site-builder new creates a project folder", SourcePos(shown))
    if target.is_dir() and any(target.iterdir()):
        raise SiteError(
            "folder is not empty: site-builder new only fills a new or empty folder",
            SourcePos(shown),
        )
    requirement = engine_requirement(engine_root)
    files = project_files(engine_root, requirement or REQUIREMENT_PLACEHOLDER)
    target.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        write_file_atomic(target / name, data)
    if requirement is None:
        log.warning(
            "warning: %s/requirements.txt: name the engine's repository there for the Pages "
            "workflow to install it (this engine has no GitHub origin)",
            shown,
        )
