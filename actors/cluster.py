"""Connecting to Ray: a local Ray in the embedded mode and tests, a cluster when deployed."""

from __future__ import annotations

import os
from typing import Any

import ray


def connect(address: str | None = None, *, num_cpus: int | None = None, **kwargs: Any) -> None:
    """Join the Ray cluster at ``address``, or start a local one (``num_cpus`` CPUs).

    Idempotent: a process that is already connected keeps its connection.
    """
    if ray.is_initialized():
        return
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
    else:
        ray.init(num_cpus=num_cpus, **options)


def shutdown() -> None:
    if ray.is_initialized():
        ray.shutdown()


def is_connected() -> bool:
    return bool(ray.is_initialized())
