"""The deployed broker topology (manifests/base/rabbitmq) declares what the consumers subscribe to.

Every consumer of the code base subscribes to a recording bus; the manifest must hold exactly
those queues, bound by exactly those event types, with the arguments RabbitMQBus declares —
otherwise RabbitMQ refuses the service's own declaration, or an event finds no queue.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import pytest

from actors.encoder_settings import EncoderSettings
from actors.encoder_worker import EncoderWorker
from apis.catalog.consumers import subscribe_all as subscribe_catalog
from apis.identity.notifications import NotificationsConsumer
from apis.playback.consumers import VideoEventsConsumer
from apis.playback.subscriptions import SubscriptionEventsConsumer
from apis.search.consumers import CatalogEventsConsumer
from codeflix.bus.port import DEAD_LETTER_EXCHANGE, EXCHANGE
from codeflix.bus.rabbitmq_topology import consumer_queue_arguments
from tests.conftest import ROOT
from tests.support.manifests import document_id, of_kind, rendered, validate

DOCUMENTS = [
    d
    for d in rendered(ROOT / "manifests" / "base" / "rabbitmq")
    if d["apiVersion"] == "rabbitmq.com/v1beta1" and d["kind"] not in {"RabbitmqCluster", "Policy"}
]


class RecordingBus:
    """Remembers what each consumer subscribes to; delivers nothing."""

    def __init__(self) -> None:
        self.queues: dict[str, set[str]] = {}
        self.single_active: set[str] = set()

    async def subscribe(
        self, queue: str, routing_keys: Sequence[str], *_: Any, **options: Any
    ) -> None:
        self.queues[queue] = set(routing_keys)
        if options.get("single_active"):
            self.single_active.add(queue)


async def subscriptions_in_code() -> dict[str, set[str]]:
    return (await recording_of_code()).queues


async def recording_of_code() -> RecordingBus:
    bus = RecordingBus()
    await subscribe_catalog(bus, sessions=None, store=None)  # type: ignore[arg-type]
    await VideoEventsConsumer(sessions=None).subscribe(bus)  # type: ignore[arg-type]
    await SubscriptionEventsConsumer(sessions=None).subscribe(bus)  # type: ignore[arg-type]
    await CatalogEventsConsumer(index=None).subscribe(bus)  # type: ignore[arg-type]
    notifications = NotificationsConsumer(None, None, clock=None, wake_mail=None)  # type: ignore[arg-type]
    await notifications.subscribe(bus)  # type: ignore[arg-type]
    queue = EncoderSettings().encoder_queue
    await EncoderWorker(bus, store=None, run_encode=None, queue=queue).start()  # type: ignore[arg-type]
    return bus


def declared_bindings(source: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for binding in of_kind(DOCUMENTS, "Binding"):
        if binding["spec"]["source"] == source:
            found[binding["spec"]["destination"]].add(binding["spec"]["routingKey"])
    return dict(found)


@pytest.mark.parametrize("doc", DOCUMENTS, ids=document_id)
def test_every_resource_matches_the_schema_of_its_kind(doc: dict[str, Any]) -> None:
    validate(doc)


def test_the_exchanges_are_the_ones_the_bus_publishes_to() -> None:
    exchanges = {e["spec"]["name"]: e["spec"]["type"] for e in of_kind(DOCUMENTS, "Exchange")}
    assert exchanges == {EXCHANGE: "topic", DEAD_LETTER_EXCHANGE: "direct"}


async def test_every_consumer_queue_is_declared_with_its_bindings() -> None:
    assert declared_bindings(EXCHANGE) == await subscriptions_in_code()


async def test_queues_carry_the_arguments_the_bus_declares() -> None:
    queues = {q["spec"]["name"]: q["spec"] for q in of_kind(DOCUMENTS, "Queue")}
    code = await recording_of_code()
    for name in code.queues:
        spec = queues[name]
        arguments = {"x-queue-type": spec["type"], **spec["arguments"]}
        single = name in code.single_active
        assert arguments == consumer_queue_arguments(
            name, DEAD_LETTER_EXCHANGE, single_active=single
        )
        assert queues[f"{name}.dlq"]["type"] == "quorum"
        assert {name} == declared_bindings(DEAD_LETTER_EXCHANGE)[f"{name}.dlq"]
