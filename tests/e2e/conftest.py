"""End-to-end tests drive the real ``codeflix`` command as a user would."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

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
        # Everything the platform prints, read as it comes: a pipe nobody reads fills up and
        # then blocks the platform's next log line.
        self.lines: list[str] = []
        self._reader: threading.Thread | None = None

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
        self.lines = []
        self._reader = threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True)
        self._reader.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.close()
                raise AssertionError(f"codeflix up exited early:\n{self.output()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.3)
        raise AssertionError("codeflix up did not answer /healthz in time")

    def _read(self, stdout: IO[str]) -> None:
        # The reader owns the pipe: it closes it at the end of the output, which comes only
        # when every process holding the other end (the platform's children too) is gone.
        # Closing it from another thread while this one reads would block both.
        try:
            for line in stdout:
                self.lines.append(line)
        finally:
            stdout.close()

    def output(self) -> str:
        return "".join(self.lines)

    def wait_for(self, needle: str, timeout: float) -> str:
        """What the platform printed until a line containing ``needle``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(needle in line for line in list(self.lines)):
                return self.output()
            time.sleep(0.3)
        raise AssertionError(f"{needle!r} never printed:\n{self.output()[-3000:]}")

    @property
    def reader(self) -> threading.Thread | None:
        """The thread reading the output of the latest start."""
        return self._reader

    def close(self) -> None:
        """Once the platform is gone: wait for the rest of its output (and the pipe's close)."""
        if self._reader is not None:
            self._reader.join(30)

    def stop(self) -> tuple[int, str]:
        assert self.process is not None
        self.process.send_signal(signal.SIGINT)
        code = self.process.wait(120)
        self.close()
        return code, self.output()


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[Platform]:
    p = Platform(tmp_path, free_port())
    yield p
    if p.process is not None:
        if p.process.poll() is None:
            p.process.kill()
            p.process.wait()
        p.close()  # a test that failed midway leaves the pipe open otherwise
