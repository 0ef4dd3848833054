"""`codeflix up` runs its own Typesense: ready with the platform, rebuilt by
`codeflix search reindex`, and gone with the platform however it ends."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx

from tests.e2e.conftest import CODEFLIX, Platform


def typesense_pid(platform: Platform) -> int:
    return int((platform.workdir / "var" / "typesense" / "server.pid").read_text())


def alive(pid: int) -> bool:
    try:
        return "State:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False


def gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.1)
    return False


def test_up_runs_typesense_and_reindex_finds_it(platform: Platform) -> None:
    platform.start()
    ready = httpx.get(f"{platform.url}/readyz", timeout=10).json()
    assert ready["checks"]["search.typesense"] == "ok"
    pid = typesense_pid(platform)
    assert alive(pid)
    env = {**os.environ, "CODEFLIX_PUBLIC_URL": platform.url}
    reindexed = subprocess.run(
        [CODEFLIX, "search", "reindex"], cwd=platform.workdir, env=env,
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert reindexed.returncode == 0, reindexed.stdout + reindexed.stderr
    assert "search reindexed: 0 videos" in reindexed.stdout
    code, out = platform.stop()
    assert code == 0, out
    assert not alive(pid)


def test_a_killed_up_leaves_no_typesense_behind(platform: Platform) -> None:
    platform.start()
    pid = typesense_pid(platform)
    assert platform.process is not None
    platform.process.send_signal(signal.SIGKILL)
    platform.process.wait()
    platform.close()
    assert gone_within(pid, 20)
    # The next start on the same data answers again.
    platform.start()
    assert httpx.get(f"{platform.url}/readyz", timeout=10).status_code == 200
    platform.stop()


def test_reindex_without_a_running_platform_says_what_to_do(tmp_path: Path) -> None:
    result = subprocess.run(
        [CODEFLIX, "search", "reindex"], cwd=tmp_path, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert result.returncode == 1
    assert "start `codeflix up` or set CODEFLIX_TYPESENSE_URL" in result.stderr
    assert "Traceback" not in result.stderr
