"""The embedded platform shares one in-process bus and runs an encoder on it, Ray untouched
until a job needs it."""

from __future__ import annotations

from contextlib import AsyncExitStack
from pathlib import Path

from actors.encoder_runtime import install_embedded_encoder
from codeflix.bus import InMemoryBus, bus_for
from codeflix.events import new_event
from codeflix.platform import Platform
from codeflix.settings import common_settings
from tests.contracts.bus import Recorder


async def test_platform_runs_an_encoder_on_its_shared_bus_without_starting_ray(
    tmp_path: Path,
) -> None:
    settings = common_settings(data_dir=tmp_path)
    platform = Platform.from_settings(settings)
    install_embedded_encoder(platform)
    bus = platform.bus
    assert isinstance(bus, InMemoryBus)
    assert bus_for(settings, platform) is bus  # every service gets the same one
    outcomes = Recorder()
    async with AsyncExitStack() as stack:
        for hook in platform.startup_hooks:
            await stack.enter_async_context(hook())
        await bus.subscribe("catalog.encoding", ["video.encoding.*"], outcomes)
        # The unit-test guard makes ray.init raise: the encoder has not touched Ray so far.
        await bus.publish(
            new_event(
                "video.uploaded",
                {"video_id": "v1", "source_key": "uploads/missing.mp4"},
                subject="v1",
                producer="catalog",
            )
        )
        await bus.join()
    assert [e.data["reason"] for e in outcomes.seen] == ["source_missing"]


def test_without_a_platform_or_broker_a_service_gets_a_private_in_process_bus(
    tmp_path: Path,
) -> None:
    settings = common_settings(data_dir=tmp_path)
    assert isinstance(bus_for(settings), InMemoryBus)
    assert bus_for(settings) is not bus_for(settings)
