"""Fixtures for the real services: PostgreSQL, RabbitMQ, a local Ray, and an S3 API server.

Every test gets unique names (databases, buckets, queues) so tests never collide.
"""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator, Iterator

import pytest

from codeflix.storage import ObjectStore
from tests.conftest import unique_name

POSTGRES_ADMIN_URL = os.environ.get(
    "CODEFLIX_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
AMQP_URL = os.environ.get("CODEFLIX_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- PostgreSQL -------------------------------------------------------------------------------
@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """A fresh, empty database for this test; dropped afterwards. Returns an asyncpg URL."""
    import asyncpg

    name = unique_name("codeflix")
    admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    yield f"{base}/{name}"
    admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


# -- RabbitMQ ---------------------------------------------------------------------------------
@pytest.fixture
def amqp_url() -> str:
    return AMQP_URL


# -- Ray --------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def ray_local() -> Iterator[None]:
    """One local Ray with two CPUs for the whole session."""
    from actors import cluster

    cluster.connect(num_cpus=2)
    yield
    cluster.shutdown()


# -- S3 API server ----------------------------------------------------------------------------
@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 API server, in-process, as s3fs's own test suite uses it."""
    from moto.server import ThreadedMotoServer

    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-1")
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def s3_options(endpoint: str) -> dict[str, object]:
    return {
        "key": "testing",
        "secret": "testing",
        "client_kwargs": {"endpoint_url": endpoint, "region_name": "eu-west-1"},
        "skip_instance_cache": True,
    }


@pytest.fixture
def s3_store(s3_endpoint: str) -> ObjectStore:
    """An ObjectStore on a new, empty bucket of the S3 API server."""
    import s3fs

    bucket = unique_name("bucket").replace("_", "-")
    fs = s3fs.S3FileSystem(**s3_options(s3_endpoint))
    fs.mkdir(bucket)
    return ObjectStore(f"s3://{bucket}", **s3_options(s3_endpoint))


@pytest.fixture(params=["file", "s3"])
def any_store(request: pytest.FixtureRequest, tmp_path) -> ObjectStore:  # type: ignore[no-untyped-def]
    """Both storage adapters, for the contract tests."""
    if request.param == "file":
        return ObjectStore(f"file://{tmp_path / 'media'}")
    return request.getfixturevalue("s3_store")
