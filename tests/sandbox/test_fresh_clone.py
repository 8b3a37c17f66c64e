"""A fresh clone with no .env: `make run` installs everything and serves the sandbox page."""

from __future__ import annotations

import os
import shutil
import subprocess
import warnings
from pathlib import Path

import pytest

from tests.sandbox.process import clean_env, free_port, running, wait_for_page

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
#: The promise: a newcomer sees the sandbox within a minute of typing `make run`.
PROMISED_SECONDS = 60
#: How long the test waits at all, so a busy machine still shows whether it works.
PATIENCE_SECONDS = 240
#: Above this load per core a timing says more about the neighbours than about us.
BUSY_LOAD_PER_CORE = 1.5


def clone_of_this_tree(target: Path) -> None:
    """The files a clone would have: tracked ones, and new ones not ignored (nothing in var/)."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_run_in_a_fresh_clone_serves_the_sandbox_within_a_minute(tmp_path: Path) -> None:
    clone = tmp_path / "valueboard"
    clone_of_this_tree(clone)
    assert not (clone / ".env").exists() and not (clone / ".venv").exists()
    port = free_port()

    with running(["make", "run"], cwd=clone, env=clean_env(PORT=str(port))) as process:
        took = wait_for_page(f"http://127.0.0.1:{port}/", process, within=PATIENCE_SECONDS)
        load = os.getloadavg()[0] / (os.cpu_count() or 1)
    out, err = process.communicate()

    if load < BUSY_LOAD_PER_CORE:
        assert took < PROMISED_SECONDS, f"the sandbox took {took:.0f}s to appear"
    else:
        warnings.warn(
            f"fresh clone took {took:.0f}s on a busy machine (load {load:.1f} per core); "
            f"the {PROMISED_SECONDS}s promise was not checked",
            stacklevel=1,
        )
    assert f"Valueboard sandbox is ready: http://127.0.0.1:{port}/" in out
    assert "Installing Valueboard" in out  # the first run says what it is doing
    assert "no Slack credentials" in err
    assert (clone / "var" / "sandbox" / "valueboard.db").is_file()
    assert not (clone / "var" / "valueboard.db").exists()
