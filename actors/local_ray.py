"""A local Ray that leaves nothing behind, however the process that started it ends.

``ray.init`` without an address starts a whole node as children of this process: the GCS,
the raylet (which starts its agents and the workers) and a few helpers. On a clean exit
``ray.shutdown`` stops them; after a ``kill -9`` some of them (the raylet's agents) outlive
it for minutes. Two guards close that gap:

- a **watchdog** process (``python -m actors.local_ray``), started just before the node. It
  reads a pipe whose writing end only this process holds, so the pipe closes however this
  process ends; the watchdog then kills every process of the node and exits. While it waits
  it notes, every second, the processes descended from this one.
- the **record** of the node (``<data_dir>/ray/local-session.json``): the watchdog keeps the
  processes it saw there, so a new start kills what an earlier one left when even the
  watchdog did not survive (a ``kill -9`` of both, a reboot of the container runtime).

A process is known by its pid *and* its start time, so a recycled pid is never killed. The
guards read ``/proc``; where there is none they do nothing.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import select
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

log = logging.getLogger("codeflix.encoder")
PROC = Path("/proc")
SNAPSHOT_SECONDS = 1.0
REAP_SECONDS = 10.0


@dataclass(frozen=True)
class Proc:
    """One process: its pid and its start time (clock ticks after boot)."""

    pid: int
    started: int

    def alive(self) -> bool:
        return _started(self.pid) == self.started

    def kill(self) -> None:
        if self.alive():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(self.pid, signal.SIGKILL)


def _stat(pid: int) -> tuple[int, int] | None:
    """(parent pid, start time) of ``pid``, or None once it is gone (or a zombie)."""
    try:
        raw = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    fields = raw.rsplit(")", 1)[1].split()
    if fields[0] == "Z":  # dead, only waiting for its parent to collect it
        return None
    return int(fields[1]), int(fields[19])


def _started(pid: int) -> int | None:
    found = _stat(pid)
    return found[1] if found else None


def this_process() -> Proc | None:
    started = _started(os.getpid())
    return Proc(os.getpid(), started) if started is not None else None


def _pids() -> list[int]:
    try:
        return [int(n) for n in os.listdir(PROC) if n.isdigit()]
    except OSError:
        return []


def descendants(roots: set[int]) -> set[Proc]:
    """Every living process below any of ``roots`` (not the roots themselves)."""
    children: dict[int, list[Proc]] = {}
    for pid in _pids():
        found = _stat(pid)
        if found:
            children.setdefault(found[0], []).append(Proc(pid, found[1]))
    seen: set[Proc] = set()
    stack = list(roots)
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in seen:
                seen.add(child)
                stack.append(child.pid)
    return seen


def session_processes(session_dir: str) -> set[Proc]:
    """Living processes that name the node's session folder on their command line or hold
    a file in it open (Ray's agents retitle themselves, but keep their logs open)."""
    folder = session_dir.rstrip("/")
    found: set[Proc] = set()
    for pid in _pids():
        if pid == os.getpid():
            continue
        try:
            cmdline = (PROC / str(pid) / "cmdline").read_bytes().decode(errors="replace")
            mentions = folder in cmdline or any(
                os.readlink(PROC / str(pid) / "fd" / fd).startswith(folder + "/")
                for fd in os.listdir(PROC / str(pid) / "fd")
            )
        except OSError:
            continue
        started = _started(pid)
        if mentions and started is not None:
            found.add(Proc(pid, started))
    return found


def reap(
    known: set[Proc],
    session_dir: str | None,
    *,
    spare: frozenset[Proc] = frozenset(),
    within: float = REAP_SECONDS,
) -> int:
    """Kill ``known``, what descends from them and the session's processes (never ``spare``
    nor this process), until none is left or ``within`` seconds passed; returns how many
    were killed."""
    killed: set[Proc] = set()
    deadline = time.monotonic() + within
    while True:
        targets = {p for p in known if p.alive()}
        targets |= descendants({p.pid for p in targets})
        if session_dir:
            targets |= session_processes(session_dir)
        targets = {p for p in targets if p.pid != os.getpid() and p not in spare}
        if not targets or time.monotonic() > deadline:
            return len(killed)
        for target in targets:
            target.kill()
        killed |= targets
        known = known | targets
        time.sleep(0.1)


# -- the record ---------------------------------------------------------------------------------


@dataclass
class Record:
    """What the watchdog knows of a node, kept where the next start finds it."""

    owner: Proc
    watchdog: Proc | None
    session_dir: str | None
    processes: set[Proc]

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "owner": [self.owner.pid, self.owner.started],
            "watchdog": [self.watchdog.pid, self.watchdog.started] if self.watchdog else None,
            "session_dir": self.session_dir,
            "processes": sorted([p.pid, p.started] for p in self.processes),
        }
        partial = path.with_suffix(".part")
        partial.write_text(json.dumps(data))
        partial.replace(path)  # a reader never sees half a record

    @classmethod
    def load(cls, path: Path) -> Record | None:
        try:
            data = json.loads(path.read_text())
            watchdog = data["watchdog"]
            return cls(
                owner=Proc(*data["owner"]),
                watchdog=Proc(*watchdog) if watchdog else None,
                session_dir=data["session_dir"],
                processes={Proc(*p) for p in data["processes"]},
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None


def reap_stale(record_path: Path) -> int:
    """Kill what a local Ray started by an earlier run (now dead) left; returns how many.

    A record whose owner still runs belongs to a platform that uses this data folder now:
    it is left alone.
    """
    record = Record.load(record_path)
    if record is None:
        return 0
    if record.owner.alive():
        return 0
    known = record.processes | ({record.watchdog} if record.watchdog else set())
    killed = reap(known, record.session_dir)
    if killed:
        log.warning(
            "killed %d processes an earlier local Ray left behind",
            killed,
            extra={"session_dir": record.session_dir},
        )
    record_path.unlink(missing_ok=True)
    return killed


# -- the guard (in the process that starts Ray) and the watchdog (a process of its own) --------


class Guard:
    """Starts the watchdog of a local Ray this process is about to start; ``close`` after
    ``ray.shutdown`` lets it sweep what is left and go."""

    def __init__(self, record_path: Path) -> None:
        self.record_path = record_path
        self._watchdog: subprocess.Popen[bytes] | None = None
        if not PROC.is_dir() or this_process() is None:
            return
        record_path.parent.mkdir(parents=True, exist_ok=True)
        self._watchdog = subprocess.Popen(
            [sys.executable, "-m", "actors.local_ray", str(os.getpid()), str(record_path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            # Its own session: a Ctrl-C at the terminal is for the platform, which then
            # closes the pipe; the watchdog must outlive it to sweep up.
            start_new_session=True,
        )

    def session(self, session_dir: str) -> None:
        """Tell the watchdog the node's session folder (to find processes that left the tree)."""
        self._send(f"session {session_dir}\n")

    def close(self, timeout: float = REAP_SECONDS + 5) -> None:
        if self._watchdog is None:
            return
        self._send("close\n")  # said first: a pipe that just closes means the owner died
        stdin: IO[bytes] | None = self._watchdog.stdin
        if stdin is not None:
            with contextlib.suppress(OSError):
                stdin.close()
        try:
            self._watchdog.wait(timeout)
        except subprocess.TimeoutExpired:
            self._watchdog.kill()
            self._watchdog.wait()
        self._watchdog = None

    def _send(self, line: str) -> None:
        if self._watchdog is not None and self._watchdog.stdin is not None:
            with contextlib.suppress(OSError):
                self._watchdog.stdin.write(line.encode())
                self._watchdog.stdin.flush()


def watch(owner_pid: int, record_path: Path, commands: IO[bytes]) -> None:
    """The watchdog: note the owner's descendants until ``commands`` ends, then reap them."""
    started = _started(owner_pid)
    me = this_process()
    if started is None:
        return
    record = Record(Proc(owner_pid, started), me, None, set())
    fd = commands.fileno()
    buffered, closing = b"", False
    while True:
        ready, _, _ = select.select([fd], [], [], SNAPSHOT_SECONDS)
        if ready:
            chunk = os.read(fd, 4096)
            if not chunk:
                break  # the owner closed the pipe or died
            buffered += chunk
            while b"\n" in buffered:
                line, buffered = buffered.split(b"\n", 1)
                command, _, argument = line.decode(errors="replace").partition(" ")
                if command == "session" and argument:
                    record.session_dir = argument
                elif command == "close":
                    closing = True
        elif not record.owner.alive():
            break  # gone, though a forked child may still hold the pipe open
        seen = {p for p in record.processes if p.alive()} | descendants({owner_pid})
        if me is not None:
            seen.discard(me)
        if seen != record.processes or not record_path.exists():
            record.processes = seen
            record.save(record_path)
    # The owner itself is never killed: Ray's driver keeps its log files in the session open,
    # and an owner that exits without saying "close" (its interpreter closing the pipe on the
    # way out) must still end its own way.
    spare = frozenset({record.owner})
    if closing and record.owner.alive():
        # A clean close after ray.shutdown: only what is left of Ray goes; the owner's other
        # children stay. (A dying owner's pipe closes while /proc still shows it: only
        # "close" tells the two apart.)
        reap(set(), record.session_dir, spare=spare)
    else:
        reap(record.processes, record.session_dir, spare=spare)
    record_path.unlink(missing_ok=True)


def main(argv: list[str]) -> None:
    # Signals meant for the platform's terminal or process group are not for the watchdog:
    # it goes when the pipe closes.
    for number in (signal.SIGINT, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(number, signal.SIG_IGN)
    watch(int(argv[1]), Path(argv[2]), sys.stdin.buffer)


if __name__ == "__main__":
    main(sys.argv)
