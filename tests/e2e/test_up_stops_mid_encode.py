"""Ctrl-C while the embedded encoder is in the middle of a job: ``codeflix up`` still stops.

A job thread blocked on Ray while the encoder shut Ray down used to wait forever, and the
process with it. The job now lets go, and the next start resumes it from its stored chunks.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import Platform
from tests.e2e.web_support import make_master

pytestmark = pytest.mark.timeout(600)


def test_ctrl_c_mid_encode_stops_and_the_next_start_finishes_the_job(
    platform: Platform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    master = make_master(tmp_path / "master.mp4", seconds=24)
    monkeypatch.setenv("CODEFLIX_DEMO_TITLE", "true")
    monkeypatch.setenv("CODEFLIX_DEMO_MASTER", str(master))
    monkeypatch.setenv("CODEFLIX_ENCODER_MAX_WORKERS", "1")  # a long job: there is a middle
    monkeypatch.setenv("CODEFLIX_ENCODER_PROGRESS_INTERVAL", "0")
    platform.start()
    platform.wait_for("encoding on Ray, 20% done", timeout=300)
    # stop() gives up after two minutes (TimeoutExpired): a hang fails here.
    code, out = platform.stop()
    assert code == 0, out[-3000:]
    assert "Codeflix stopped." in out
    assert "Big Buck Bunny is ready" not in out, "the job ended before Ctrl-C: no middle to test"

    platform.start()
    platform.wait_for("Big Buck Bunny is ready", timeout=400)
    code, out = platform.stop()
    assert code == 0, out[-3000:]
