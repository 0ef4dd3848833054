"""`codeflix up` killed with SIGKILL leaves no process of its local Ray behind.

The Ray processes are found the way an operator would: the platform's descendants while it
runs, then every process that names the Ray session's folder on its command line or holds a
file in it open (Ray's agents retitle themselves but keep their logs open). They are stopped
(SIGSTOP) before the platform is killed, so none of them can end on its own: only the
platform's guards can make them go.
"""

from __future__ import annotations

import os
import re
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import Platform

PROC = Path("/proc")
SESSION = re.compile(r"(/\S*?/session_[0-9_-]+)")


def _stat(pid: int) -> tuple[int, str] | None:
    """(parent pid, state) of a process, or None once it is gone."""
    try:
        raw = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    fields = raw.rsplit(")", 1)[1].split()
    return int(fields[1]), fields[0]


def _cmdline(pid: int) -> str:
    try:
        return (PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _pids() -> list[int]:
    return [int(n) for n in os.listdir(PROC) if n.isdigit()]


def descendants(root: int) -> list[int]:
    parents = {pid: found[0] for pid in _pids() if (found := _stat(pid))}
    below, frontier = [], {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier}
        below += sorted(frontier)
    return below


def session_of(root: int) -> str | None:
    """The Ray session folder of the local Ray a process started, once it has one."""
    for pid in descendants(root):
        if "raylet" in _cmdline(pid) and (found := SESSION.search(_cmdline(pid))):
            return found.group(1)
    return None


def session_processes(session: str) -> list[int]:
    """Living processes (not zombies) that name ``session`` or hold a file in it open."""
    found = []
    for pid in _pids():
        stat = _stat(pid)
        if stat is None or stat[1] == "Z":
            continue
        try:
            holds = any(
                os.readlink(PROC / str(pid) / "fd" / fd).startswith(session + "/")
                for fd in os.listdir(PROC / str(pid) / "fd")
            )
        except OSError:
            holds = False
        if holds or session in _cmdline(pid):
            found.append(pid)
    return found


class Printed:
    """What the platform prints (its own reader keeps the pipe from filling up)."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.reader = platform.reader  # of this start, not of a later one

    def tail(self) -> str:
        return self.platform.output()[-3000:]

    def close(self) -> None:
        """Once every process that shared the pipe is gone: the rest of the output is read."""
        if self.reader is not None:
            self.reader.join(30)


def wait_for_ray(
    platform: Platform, printed: Printed, timeout: float = 240
) -> tuple[str, list[int]]:
    """The session folder and processes of the platform's Ray, once its agents run."""
    assert platform.process is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert platform.process.poll() is None, printed.tail()
        session = session_of(platform.process.pid)
        if session:
            titles = [_cmdline(p) for p in session_processes(session)]
            if any(t.startswith("ray::DashboardAgent") for t in titles) and any(
                t.startswith("ray::RuntimeEnvAgent") for t in titles
            ):
                return session, session_processes(session)
        time.sleep(0.5)
    raise AssertionError("the demo title never started Ray:\n" + printed.tail())


def freeze(pids: list[int]) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGSTOP)
        except ProcessLookupError:
            pass


def gone_within(session: str, seconds: float) -> list[int]:
    """The session's processes still alive after waiting up to ``seconds`` for them to go."""
    deadline = time.monotonic() + seconds
    while (left := session_processes(session)) and time.monotonic() < deadline:
        time.sleep(0.25)
    return left


@pytest.fixture
def sessions() -> Iterator[list[str]]:
    """Ray sessions a test looks at; whatever of them is left is killed at the end."""
    seen: list[str] = []
    yield seen
    for session in seen:
        kill(session_processes(session))


@pytest.fixture
def frozen() -> Iterator[list[int]]:
    """Processes a test stops; whatever of them is left is killed at the end."""
    stopped: list[int] = []
    yield stopped
    kill(stopped)


def kill(pids: list[int]) -> None:
    for pid in pids:
        for number in (signal.SIGKILL, signal.SIGCONT):
            try:
                os.kill(pid, number)
            except ProcessLookupError:
                pass


@pytest.fixture
def demo_on_ray(monkeypatch: pytest.MonkeyPatch) -> None:
    # The demo title's encode is what starts the local Ray; one CPU keeps the machine usable.
    monkeypatch.setenv("CODEFLIX_DEMO_TITLE", "true")
    monkeypatch.setenv("CODEFLIX_ENCODER_LOCAL_CPUS", "1")


@pytest.mark.usefixtures("demo_on_ray")
def test_a_killed_platform_leaves_no_ray_process_behind(
    platform: Platform, sessions: list[str], frozen: list[int]
) -> None:
    platform.start()
    printed = Printed(platform)
    session, processes = wait_for_ray(platform, printed)
    sessions.append(session)
    assert platform.process is not None
    frozen += processes
    freeze(processes)
    platform.process.kill()
    platform.process.wait(30)
    assert gone_within(session, 20) == []
    printed.close()


@pytest.mark.usefixtures("demo_on_ray")
def test_a_new_start_kills_what_a_crash_left_behind(
    platform: Platform, sessions: list[str], frozen: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    platform.start()
    printed = Printed(platform)
    session, _ = wait_for_ray(platform, printed)
    sessions.append(session)
    assert platform.process is not None
    # Everything of the platform stopped, then killed at once: nothing of it can sweep up.
    everything = descendants(platform.process.pid)
    frozen += everything
    freeze(everything)
    platform.process.kill()
    platform.process.wait(30)
    time.sleep(2)
    # Ray's GCS and raylet die with their parent; its agents (stopped here) do not.
    left = session_processes(session)
    assert left and set(left) <= set(everything), "the test needs leftovers to begin with"

    monkeypatch.setenv("CODEFLIX_DEMO_TITLE", "false")
    platform.start()
    assert gone_within(session, 15) == []
    assert [pid for pid in everything if (_stat(pid) or (0, "Z"))[1] != "Z"] == []
    printed.close()
    code, out = platform.stop()
    assert code == 0 and "Traceback" not in out, out[-3000:]
