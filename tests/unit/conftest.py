"""Unit tests run without the network and without Ray: touching either fails the test loudly."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest

from codeflix.bus import InMemoryBus


class NetworkAccessInUnitTest(RuntimeError):
    pass


@pytest.fixture(autouse=True)
def _no_network_no_ray(monkeypatch: pytest.MonkeyPatch) -> None:
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def guarded(kind: Any) -> Any:
        def connect(self: socket.socket, address: Any) -> Any:
            if self.family in (socket.AF_INET, socket.AF_INET6):
                raise NetworkAccessInUnitTest(
                    f"unit test tried to connect to {address}; use a Fake at our port or "
                    "move the test to tests/integration"
                )
            return kind(self, address)

        return connect

    monkeypatch.setattr(socket.socket, "connect", guarded(real_connect))
    monkeypatch.setattr(socket.socket, "connect_ex", guarded(real_connect_ex))

    try:
        import ray
    except ImportError:  # pragma: no cover - ray is part of the dev install
        return

    def no_ray(*args: Any, **kwargs: Any) -> None:
        raise NetworkAccessInUnitTest("unit test tried to start Ray; move it to tests/integration")

    monkeypatch.setattr(ray, "init", no_ray)


@pytest.fixture
async def bus() -> AsyncIterator[InMemoryBus]:
    bus = InMemoryBus()
    await bus.start()
    yield bus
    await bus.close()
