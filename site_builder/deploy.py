"""`deploy`: build the site, commit it as the whole content of a branch (ghp-import), push it.

ghp-import writes the commit with `git fast-import` straight into the branch's ref, as
`mkdocs gh-deploy` does: the branch checked out, the index and the working tree are never touched.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from urllib.parse import urlsplit

from site_builder.build import build_site
from site_builder.config import Config
from site_builder.errors import SiteError

log = logging.getLogger(__name__)

_IDENTITY = (
    ("GIT_COMMITTER_NAME", "user.name", "site-builder"),
    ("GIT_COMMITTER_EMAIL", "user.email", "site-builder@localhost"),
)
"""(variable ghp-import reads, git setting it falls back to, ours when git has neither)."""


def deploy(config: Config, *, remote: str, branch: str, message: str, push: bool) -> int:
    """Build the site, commit it as the whole content of `branch`, and push it to `remote`."""
    _check_repository(config)
    check_branch_name(config, branch)
    check_remote(config, remote)
    _check_branch_is_free(config, branch)
    _warn_about_base_url(config)
    result = build_site(config)
    log.info("%s", result.summary())
    _commit_site(config, remote=remote, branch=branch, message=message)
    if push:
        _push_branch(config, remote, branch)
    where = f"{remote}/{branch}" if push else f"local branch {branch}"
    domain = f" for {config.cname}" if config.cname else ""
    log.info("published %d files to %s%s", result.files, where, domain)
    return 0


def _git(config: Config, *args: str) -> subprocess.CompletedProcess[str]:
    """Run git in the project; return the finished process whatever its exit code."""
    try:
        return subprocess.run(
            ["git", *args], cwd=config.root, capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        raise SiteError("git is not installed: deploy publishes the site as a git commit") from None


def _check_repository(config: Config) -> None:
    if _git(config, "rev-parse", "--is-inside-work-tree").stdout.strip() != "true":
        raise SiteError(
            "not a git repository: deploy commits the site to a branch of the project's "
            "repository (git init, then git remote add origin URL)"
        )


def check_branch_name(config: Config, branch: str) -> None:
    """Refuse a branch name git would take for an option, or that is not a plain branch name."""
    if branch.startswith("-"):
        raise SiteError(f"--branch `{branch}`: a branch name cannot start with `-`")
    if branch == "HEAD":
        raise SiteError("--branch `HEAD`: HEAD is git's name for the current commit, not a branch")
    result = _git(config, "check-ref-format", "--branch", branch)
    # `@{-1}` and the like pass but name another branch: the name must be the one given.
    if result.returncode != 0 or result.stdout.strip() != branch:
        raise SiteError(
            f"--branch `{branch}`: not a valid git branch name (see git check-ref-format)"
        )


_SCP_LIKE = re.compile(r"^[^/:]+:")
"""`[user@]host:path`, git's short form of an ssh URL."""


def check_remote(config: Config, remote: str) -> None:
    """Refuse a remote git would take for an option; accept a configured remote, a URL or a
    path to a repository."""
    if remote.startswith("-"):
        raise SiteError(f"--remote `{remote}`: a remote cannot start with `-`")
    if remote in _git(config, "remote").stdout.split():
        return
    if "://" in remote or _SCP_LIKE.match(remote) or (config.root / remote).is_dir():
        return
    raise SiteError(
        f"no git remote named `{remote}`: add one (git remote add {remote} URL) or pass --remote"
    )


def _check_branch_is_free(config: Config, branch: str) -> None:
    """Refuse a branch checked out in any worktree: its files would silently change under it."""
    path = ""
    for line in _git(config, "worktree", "list", "--porcelain").stdout.splitlines():
        if line.startswith("worktree "):
            path = line.removeprefix("worktree ")
        elif line == f"branch refs/heads/{branch}":
            raise SiteError(
                f"branch `{branch}` is checked out in {path}: deploy replaces the branch's whole "
                "content with the site, so publish to a branch nobody works on (--branch NAME)"
            )


def _warn_about_base_url(config: Config) -> None:
    if not config.base_url:
        log.warning(
            "warning: site.yml has no base_url: feed, sitemap and canonical links stay relative "
            "(set it to https://USER.github.io/REPO/, or https://DOMAIN/ with a custom domain)"
        )
    elif config.cname and urlsplit(config.base_url).hostname != config.cname.lower():
        log.warning(
            "warning: the site is published at %s but base_url is %s: feed, sitemap and "
            "canonical links point there (set base_url: https://%s/)",
            config.cname,
            config.base_url,
            config.cname,
        )


def _commit_environment(config: Config) -> dict[str, str]:
    """Return ghp-import's environment, with a committer identity even where git has none.

    ghp-import takes the committer from these variables, else from git's user.name and
    user.email; on a fresh CI runner neither exists. Git's own settings are never written.
    """
    env = dict(os.environ)
    for variable, setting, fallback in _IDENTITY:
        env[variable] = (
            env.get(variable) or _git(config, "config", setting).stdout.strip() or fallback
        )
    return env


def _commit_site(config: Config, *, remote: str, branch: str, message: str) -> None:
    """Commit the built site as the whole content of `branch` (on top of `remote`'s copy)."""
    command = [
        sys.executable,
        "-m",
        "ghp_import",
        "--no-jekyll",  # ghp-import's name for "add a .nojekyll file"
        f"--remote={remote}",
        f"--branch={branch}",
        f"--message={message}",
    ]
    if config.cname:
        command.append(f"--cname={config.cname}")
    command += ["--", str(config.out_dir)]
    result = subprocess.run(
        command,
        cwd=config.root,
        env=_commit_environment(config),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SiteError(
            f"committing the site to `{branch}` failed: {_describe_failure(result.stderr)}"
        )


def _push_branch(config: Config, remote: str, branch: str) -> None:
    result = _git(
        config, "push", "--porcelain", "--", remote, f"refs/heads/{branch}:refs/heads/{branch}"
    )
    if result.returncode == 0:
        return
    # --porcelain: "!<TAB>from:to<TAB>[rejected] (reason)" for each refused ref.
    summary = next(
        (line.split("\t")[2] for line in result.stdout.splitlines() if line.count("\t") >= 2),
        "",
    )
    if summary.startswith("[rejected]"):
        raise SiteError(
            f"{remote} refused the push: its `{branch}` has commits this clone has not fetched "
            f"(published from elsewhere?); run `git fetch {remote} {branch}` and deploy again"
        )
    if summary.startswith("[remote rejected]"):
        reason = summary.removeprefix("[remote rejected]").strip()
        said = [
            text
            for line in result.stderr.splitlines()
            if line.startswith("remote:") and (text := line.removeprefix("remote:").strip())
        ]
        detail = f": {'; '.join(said)}" if said else ""
        raise SiteError(f"{remote} rejected the push of `{branch}` {reason}{detail}")
    raise SiteError(f"pushing `{branch}` to {remote} failed: {_describe_failure(result.stderr)}")


def _describe_failure(stderr: str) -> str:
    """Return the error lines of a git or ghp-import failure, without their `fatal:` prefixes."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    problems = [
        line.split("error:", 1)[1].strip()
        if "error:" in line
        else line.removeprefix("fatal:").strip()
        for line in lines
        if line.startswith("fatal:") or "error:" in line
    ]
    return "; ".join(problems) or (lines[-1] if lines else "no message")
