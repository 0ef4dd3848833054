"""Connecting to Ray: a local Ray in the embedded mode and tests, a cluster when deployed."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ray

from actors.local_ray import Guard

_guard: Guard | None = None
# Jobs waiting on Ray in other threads, and whether the process is shutting Ray down: a
# thread blocked in ray.wait while Ray shuts down never returns, and the process never exits.
_stopping = threading.Event()
_jobs = 0
_jobs_changed = threading.Condition()
# How long shutdown() waits for running jobs to notice and let go of Ray.
JOBS_STOP_SECONDS = 15.0


def connect(
    address: str | None = None,
    *,
    num_cpus: int | None = None,
    record: Path | None = None,
    **kwargs: Any,
) -> None:
    """Join the Ray cluster at ``address``, or start a local one (``num_cpus`` CPUs).

    A local Ray started with a ``record`` path is watched by :mod:`actors.local_ray`: none
    of its processes outlives this one, however it ends. Idempotent: a process that is
    already connected keeps its connection.
    """
    global _guard
    if ray.is_initialized():
        return
    _stopping.clear()  # a process may connect again after an earlier shutdown (tests do)
    # Codeflix code is imported by workers from the installed package, not shipped per job.
    os.environ.setdefault("RAY_ENABLE_UV_RUN_RUNTIME_ENV", "0")
    options: dict[str, Any] = {
        "include_dashboard": False,
        "log_to_driver": False,
        "configure_logging": False,
        **kwargs,
    }
    if address:
        ray.init(address=address, **options)
        return
    guard = Guard(record) if record is not None else None
    try:
        # "local": always a node of our own. Without an address Ray joins whatever local node
        # it finds (another program's, or one a crashed run left behind).
        context = ray.init(address="local", num_cpus=num_cpus, **options)
    except BaseException:
        if guard is not None:
            guard.close()
        raise
    if guard is not None:
        address_info: dict[str, Any] = getattr(context, "address_info", {})
        if address_info.get("session_dir"):
            guard.session(str(address_info["session_dir"]))
        _guard = guard


@contextmanager
def job() -> Iterator[None]:
    """Mark a job that waits on Ray in this thread, so shutdown() lets it finish first."""
    global _jobs
    with _jobs_changed:
        _jobs += 1
    try:
        yield
    finally:
        with _jobs_changed:
            _jobs -= 1
            _jobs_changed.notify_all()


def stopping() -> bool:
    """True once shutdown() began: a job stops waiting on its tasks and gives up."""
    return _stopping.is_set()


def shutdown() -> None:
    global _guard
    _stopping.set()
    with _jobs_changed:
        _jobs_changed.wait_for(lambda: _jobs == 0, timeout=JOBS_STOP_SECONDS)
    if ray.is_initialized():
        ray.shutdown()
    if _guard is not None:
        _guard.close()  # after Ray's own shutdown: the watchdog only sweeps what is left
        _guard = None


def is_connected() -> bool:
    return bool(ray.is_initialized())


@dataclass(frozen=True)
class ClusterLoad:
    nodes: int
    cpus_total: float
    cpus_busy: float


def load() -> ClusterLoad | None:
    """The nodes and CPUs of the Ray cluster this process is connected to (None: it is not).

    Asks the cluster's control store (a round trip, no task): call it off the event loop.
    """
    if not ray.is_initialized():
        return None
    nodes = [n for n in ray.nodes() if n.get("Alive") and n.get("Resources", {}).get("CPU")]
    total = float(ray.cluster_resources().get("CPU", 0.0))
    available = float(ray.available_resources().get("CPU", 0.0))
    return ClusterLoad(len(nodes), total, max(total - available, 0.0))
