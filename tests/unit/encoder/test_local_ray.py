"""The local Ray's watchdog and record, on plain processes standing in for a Ray node.

An "owner" process starts the guard the way ``actors.cluster.connect`` does, then a process
that names the session folder (like the GCS and the raylet), one that only holds a file in
it open (like Ray's retitled agents) and one that has nothing to do with Ray. The owner holds
a file in the session open too, as Ray's driver does.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from actors.local_ray import reap_stale

OWNER = """
import subprocess, sys, time
from pathlib import Path
from actors.local_ray import Guard

record, session = Path(sys.argv[1]), sys.argv[2]
guard = Guard(record)
sleeper = "import time; time.sleep(300)"
named = subprocess.Popen([sys.executable, "-c", sleeper, session])
holder = subprocess.Popen(
    [sys.executable, "-c", f"f = open({session + '/logs/agent.log'!r}, 'w'); {sleeper}"]
)
other = subprocess.Popen([sys.executable, "-c", sleeper])
driver_log = open(session + "/logs/driver.log", "w")
guard.session(session)
print(named.pid, holder.pid, other.pid, flush=True)
for line in sys.stdin:
    if line.strip() == "close":
        guard.close()
        print("closed", flush=True)
time.sleep(300)
"""


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def eventually_gone(pids: list[int], within: float = 20) -> list[int]:
    deadline = time.monotonic() + within
    while (left := [p for p in pids if alive(p)]) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


class Owner:
    def __init__(self, tmp_path: Path) -> None:
        self.record = tmp_path / "var" / "ray" / "local-session.json"
        self.session = tmp_path / "ray" / "session_2026-12-01_10-00-00_000000_1"
        (self.session / "logs").mkdir(parents=True)
        self.process = subprocess.Popen(
            [sys.executable, "-c", OWNER, str(self.record), str(self.session)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.named, self.holder, self.other = map(int, self.process.stdout.readline().split())
        self.children = [self.named, self.holder, self.other]

    def recorded(self) -> dict:
        """The record once the watchdog noted the session and every child."""
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                data = json.loads(self.record.read_text())
            except (OSError, ValueError):
                data = {}
            pids = {pid for pid, _ in data.get("processes", [])}
            if data.get("session_dir") and set(self.children) <= pids:
                return data
            time.sleep(0.1)
        raise AssertionError("the watchdog never recorded the node")

    def kill(self) -> None:
        for pid in [self.process.pid, *self.children]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait(10)
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()


@pytest.fixture
def owner(tmp_path: Path) -> Iterator[Owner]:
    started = Owner(tmp_path)
    yield started
    started.kill()


def test_a_killed_owner_takes_every_process_it_started_along(owner: Owner) -> None:
    watchdog = owner.recorded()["watchdog"][0]
    owner.process.kill()
    owner.process.wait(10)
    assert eventually_gone([*owner.children, watchdog]) == []
    assert not owner.record.exists()


def test_a_clean_close_sweeps_only_what_is_left_of_the_node(owner: Owner) -> None:
    owner.recorded()
    assert owner.process.stdin is not None and owner.process.stdout is not None
    owner.process.stdin.write("close\n")
    owner.process.stdin.flush()
    assert owner.process.stdout.readline().strip() == "closed"
    assert eventually_gone([owner.named, owner.holder]) == []
    # The owner holds a session file open like Ray's driver: it and its other child stay.
    assert alive(owner.process.pid) and alive(owner.other)
    assert not owner.record.exists()


def test_a_new_start_kills_what_a_crash_and_a_lost_watchdog_left(owner: Owner) -> None:
    watchdog = owner.recorded()["watchdog"][0]
    os.kill(watchdog, signal.SIGSTOP)  # as if it had died with the owner
    owner.process.kill()
    owner.process.wait(10)
    time.sleep(0.5)
    assert all(alive(p) for p in owner.children)
    assert reap_stale(owner.record) >= len(owner.children) + 1
    assert eventually_gone([*owner.children, watchdog], within=5) == []
    assert not owner.record.exists()


def test_a_record_whose_owner_still_runs_is_left_alone(owner: Owner) -> None:
    owner.recorded()
    assert reap_stale(owner.record) == 0
    assert all(alive(p) for p in owner.children) and owner.record.exists()
