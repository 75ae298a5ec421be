"""`./dev`: running commands install the runtime only, `./dev test` adds the test tools, and each
level is installed once (again only when pyproject.toml or package-lock.json changes).

The script runs for real in a scratch copy; `python3` and `npm` are recording stand-ins on PATH,
so what it would install is seen without installing anything.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest
from conftest import REPO

RECORDER = """\
#!/usr/bin/env bash
# Record the call; act out what the real tool leaves behind.
echo "$(basename "$0") $*" >> "{log}"
case "$(basename "$0") $1 $2" in
    "python3 -m venv")
        mkdir -p "$3/bin"
        for tool in python site-builder; do
            cp "$0" "$3/bin/$tool"
        done
        ;;
    "npm ci "*)
        rm -rf node_modules && mkdir node_modules
        ;;
esac
"""


@pytest.fixture
def scratch(tmp_path: Path) -> tuple[Path, Path, dict[str, str]]:
    """Return a checkout with the real `dev`, the call log and an environment of recorders."""
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    (checkout / "dev").write_bytes((REPO / "dev").read_bytes())
    (checkout / "dev").chmod(0o755)
    for name in ("pyproject.toml", "package-lock.json"):
        (checkout / name).write_text("{}\n", encoding="utf-8")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls.log"
    for tool in ("python3", "npm"):
        (bin_dir / tool).write_text(RECORDER.format(log=log), encoding="utf-8")
        (bin_dir / tool).chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    return checkout, log, env


def _dev(scratch: tuple[Path, Path, dict[str, str]], *args: str) -> list[str]:
    """Run ./dev ARGS; return the calls it made, then forget them."""
    checkout, log, env = scratch
    result = subprocess.run(
        [str(checkout / "dev"), *args], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    calls = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    log.unlink(missing_ok=True)
    return calls


PIP = "python -m pip install --quiet"


@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="./dev test installs chromium")
def test_serve_installs_the_runtime_then_test_adds_the_test_tools(
    scratch: tuple[Path, Path, dict[str, str]],
) -> None:
    assert _dev(scratch, "serve", "--port", "0") == [
        "python3 -m venv .venv",
        f"{PIP} --upgrade pip",
        f"{PIP} -e .",
        "npm ci --omit=dev --no-audit --no-fund --loglevel=error",
        "site-builder serve --port 0",
    ]
    assert _dev(scratch, "build") == ["site-builder build"]  # installed once
    assert _dev(scratch, "test", "-q") == [
        f"{PIP} --upgrade pip",
        f"{PIP} -e .[test]",
        "npm ci --no-audit --no-fund --loglevel=error",
        "python -m pytest -q",
    ]
    # The test level includes the runtime: nothing more to install for either.
    assert _dev(scratch, "check") == ["site-builder check"]
    assert _dev(scratch, "test") == ["python -m pytest"]


def test_a_changed_pyproject_installs_again(scratch: tuple[Path, Path, dict[str, str]]) -> None:
    checkout = scratch[0]
    _dev(scratch, "stats")
    # Edited after the install: the stamp is older than the file.
    now = time.time()
    os.utime(checkout / "pyproject.toml", (now - 50, now - 50))
    os.utime(checkout / ".venv" / ".installed-runtime", (now - 100, now - 100))
    assert _dev(scratch, "stats") == [
        f"{PIP} --upgrade pip",
        f"{PIP} -e .",
        "site-builder stats",
    ]
    os.utime(checkout / "package-lock.json", (now - 50, now - 50))
    os.utime(checkout / "node_modules" / ".installed-runtime", (now - 100, now - 100))
    assert _dev(scratch, "stats") == [
        "npm ci --omit=dev --no-audit --no-fund --loglevel=error",
        "site-builder stats",
    ]
    assert _dev(scratch, "stats") == ["site-builder stats"]


def test_new_names_the_folder_from_where_dev_was_called(
    scratch: tuple[Path, Path, dict[str, str]], tmp_path: Path
) -> None:
    checkout, log, env = scratch
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    recorder = checkout / ".venv" / "bin" / "site-builder"
    _dev(scratch, "stats")
    # The recorder notes the directory it runs in for this test.
    recorder.write_text(
        recorder.read_text(encoding="utf-8").replace(
            'echo "$(basename "$0") $*"', 'echo "$(basename "$0") $* in $PWD"'
        ),
        encoding="utf-8",
    )
    subprocess.run([str(checkout / "dev"), "new", "my-list"], cwd=elsewhere, env=env, check=True)
    assert log.read_text(encoding="utf-8").splitlines() == [
        f"site-builder new my-list in {elsewhere}"
    ]
