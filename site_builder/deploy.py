"""`deploy`: build the site and publish it to a GitHub Pages branch with ghp-import."""

from __future__ import annotations

import contextlib
import logging
import subprocess

import ghp_import

from site_builder.build import build_site
from site_builder.config import Config
from site_builder.errors import SiteError, SourcePos

log = logging.getLogger(__name__)


def _git(config: Config, *args: str) -> str:
    result = subprocess.run(
        ["git", *args], cwd=config.root, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise SiteError(
            f"git {' '.join(args)} failed: {result.stderr.strip() or result.stdout.strip()}"
        )
    return result.stdout.strip()


def deploy(config: Config, *, remote: str, branch: str, message: str, push: bool) -> int:
    """Build the site, commit it as the whole content of `branch`, and push it to `remote`."""
    _git(config, "rev-parse", "--git-dir")
    if push and remote not in _git(config, "remote").split():
        raise SiteError(
            f"no git remote named `{remote}`: add one (git remote add {remote} URL) or pass --remote"
        )
    if not config.base_url:
        log.warning(
            "warning: site.yml has no base_url: feed, sitemap and canonical links stay relative "
            "(set it to https://USER.github.io/REPO/)"
        )
    result = build_site(config)
    log.info("%s", result.summary())
    with contextlib.chdir(config.root):
        try:
            ghp_import.ghp_import(
                str(config.out_dir),
                mesg=message,
                remote=remote,
                branch=branch,
                push=push,
                nojekyll=True,
            )
        except ghp_import.GhpError as exc:
            raise SiteError(
                f"publishing failed: {exc.message}", SourcePos(config.shown(config.out_dir))
            ) from None
    where = f"{remote}/{branch}" if push else f"local branch {branch}"
    log.info("published %d files to %s", result.files, where)
    return 0
