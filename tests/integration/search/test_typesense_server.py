"""The embedded Typesense server: starts, answers, stops, and never outlives Codeflix."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from codeflix.typesense_server import TypesenseServer, TypesenseServerError


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "State:\tZ" not in status


def _wait_gone(pid: int, timeout: float = 20) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.1)
    return False


def test_server_answers_with_its_key_and_refuses_without(
    typesense_server: TypesenseServer,
) -> None:
    key = {"X-TYPESENSE-API-KEY": typesense_server.api_key}
    assert httpx.get(f"{typesense_server.url}/health").json() == {"ok": True}
    assert httpx.get(f"{typesense_server.url}/collections", headers=key).status_code == 200
    assert httpx.get(f"{typesense_server.url}/collections").status_code == 401
    assert typesense_server.data_path.is_relative_to(typesense_server.root)
    assert (typesense_server.data_path / "db").is_dir()


def test_stop_ends_the_process_and_removes_the_pid_file(tmp_path: Path) -> None:
    server = TypesenseServer(tmp_path / "typesense", api_key="k")
    server.start()
    server.wait_healthy()
    pid = int(server.pid_file.read_text())
    server.stop()
    assert not _alive(pid)
    assert not server.pid_file.exists()
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{server.url}/health", timeout=1)


_PARENT = """
import sys, time
from pathlib import Path
from codeflix.typesense_server import TypesenseServer
server = TypesenseServer(Path(sys.argv[1]), api_key="k")
server.start()
server.wait_healthy()
print(server.process.pid, flush=True)
time.sleep(600)
"""


def test_a_killed_parent_leaves_no_orphan(tmp_path: Path) -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", _PARENT, str(tmp_path / "typesense")],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        child = int(parent.stdout.readline())  # type: ignore[union-attr]
        assert _alive(child)
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        assert _wait_gone(child), "the Typesense server outlived the process that started it"
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        parent.stdout.close()  # type: ignore[union-attr]


def test_start_ends_a_server_left_behind_on_the_same_data(tmp_path: Path) -> None:
    # A server whose parent-death signal could not fire (e.g. its parent was a thread that
    # is still alive elsewhere): simulated by starting one and forgetting it.
    first = TypesenseServer(tmp_path / "typesense", api_key="k")
    first.start()
    first.wait_healthy()
    stale = first.process
    assert stale is not None
    second = TypesenseServer(tmp_path / "typesense", api_key="k")
    try:
        second.start()
        second.wait_healthy()
        assert stale.wait(timeout=20) is not None
        assert int(second.pid_file.read_text()) == second.process.pid  # type: ignore[union-attr]
    finally:
        second.stop()
        if stale.poll() is None:
            stale.kill()
            stale.wait()


def test_a_server_that_cannot_start_is_a_clear_error(tmp_path: Path) -> None:
    server = TypesenseServer(tmp_path / "typesense", api_key="")  # Typesense needs a key
    with pytest.raises(TypesenseServerError, match="exited"):
        server.start()
        server.wait_healthy(timeout=20)
    server.stop()
    assert os.path.isdir(server.log_dir)
