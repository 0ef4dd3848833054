"""End-to-end tests drive the real ``codeflix`` command as a user would."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

CODEFLIX = str(Path(sys.executable).parent / "codeflix")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Platform:
    """A running ``codeflix up`` in a working directory of its own."""

    def __init__(self, workdir: Path, port: int) -> None:
        self.workdir, self.port = workdir, port
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen[str] | None = None

    def start(self, timeout: float = 120) -> None:
        # The demo title (Ray + an encode) only where a test asks for it: it costs CPU.
        env = {"CODEFLIX_DEMO_TITLE": "false", **os.environ, "CODEFLIX_LOG_JSON": "true"}
        self.process = subprocess.Popen(
            [CODEFLIX, "up", "--port", str(self.port)],
            cwd=self.workdir,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"codeflix up exited early:\n{self.process.stdout.read()}")  # type: ignore[union-attr]
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.3)
        raise AssertionError("codeflix up did not answer /healthz in time")

    def stop(self) -> tuple[int, str]:
        assert self.process is not None
        self.process.send_signal(signal.SIGINT)
        out, _ = self.process.communicate(timeout=120)
        return self.process.returncode, out


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[Platform]:
    p = Platform(tmp_path, free_port())
    yield p
    if p.process is not None:
        if p.process.poll() is None:
            p.process.kill()
            p.process.wait()
        # A test that failed before reading the output to the end leaves the pipe open.
        if p.process.stdout is not None:
            p.process.stdout.close()
