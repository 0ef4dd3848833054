"""The deployed shape on one machine, with processes the chaos tests may kill.

Everything here is private to the test (``tests/support/processes.py``): its own PostgreSQL
cluster (``initdb`` + ``postgres`` in a temporary directory) and its own RabbitMQ node, both on
free ports, so killing them never touches the brokers and databases other tests share. The
catalog, subscription and playback services run as ``uvicorn --factory`` processes, the
encoder as ``codeflix worker encoder`` on a local Ray, and the identity service in this
process under a real uvicorn (its tokens are what every service checks).
"""

from __future__ import annotations

import asyncio
import json
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.processes import (
    EncoderWorker,
    IdentityServer,
    PrivatePostgres,
    PrivateRabbitMQ,
    ServiceProcess,
    Supervised,
    wait_until,
)

SECRET = "reliability-test-secret-0123456789"


# -- the deployment ---------------------------------------------------------------------------
@dataclass
class Deployment:
    """Every process of the deployed shape, started, with what a test needs to reach them."""

    root: Path
    postgres: PrivatePostgres
    rabbitmq: PrivateRabbitMQ
    identity: IdentityServer
    catalog: ServiceProcess
    subscription: ServiceProcess
    playback: ServiceProcess
    encoder: EncoderWorker
    databases: dict[str, str] = field(default_factory=dict)  # service -> asyncpg DSN

    @property
    def services(self) -> list[ServiceProcess]:
        return [self.catalog, self.subscription, self.playback]


def common_env(root: Path, rabbitmq: PrivateRabbitMQ, identity: IdentityServer) -> dict[str, str]:
    return {
        "CODEFLIX_ENVIRONMENT": "test",
        "CODEFLIX_SECRET_KEY": SECRET,
        "CODEFLIX_TYPESENSE_API_KEY": SECRET,
        "CODEFLIX_PAYMENT_WEBHOOK_SECRET": SECRET,
        "CODEFLIX_DATA_DIR": str(root / "var"),
        "CODEFLIX_STORAGE_URL": f"file://{root / 'media'}",
        "CODEFLIX_AMQP_URL": rabbitmq.url,
        "CODEFLIX_OIDC_ISSUER": identity.issuer,
        "CODEFLIX_PUBLIC_URL": "http://codeflix.test",
        "CODEFLIX_LOG_LEVEL": "WARNING",
        "CODEFLIX_GRANT_SIGNING_KEYS": json.dumps([{"id": "k1", "secret": SECRET}]),
    }


@pytest.fixture
def ray_address() -> Iterator[str]:
    """A local Ray (two CPUs) the encoder worker joins; stopped only if this fixture began it."""
    import ray

    from actors import cluster

    began = not cluster.is_connected()
    for attempt in range(3):
        try:
            cluster.connect(num_cpus=2)
            break
        except Exception as e:
            # Ray gives its raylet a fixed 30 s to come up; a busy machine can need longer.
            if "timed out during startup" not in str(e) or attempt == 2:
                raise
            cluster.shutdown()
    yield str(ray.get_runtime_context().gcs_address)
    if began:
        cluster.shutdown()


@pytest.fixture
def scratch() -> Iterator[Path]:
    """A temporary directory PostgreSQL's own account can enter (``tmp_path`` may not be)."""
    root = Path(tempfile.mkdtemp(prefix="codeflix-chaos-"))
    root.chmod(0o755)
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
async def deployment(scratch: Path, ray_address: str) -> AsyncIterator[Deployment]:
    """The deployed shape, started: databases, broker, identity, three services, the encoder."""
    postgres, rabbitmq = PrivatePostgres(scratch), PrivateRabbitMQ(scratch)
    identity = IdentityServer(scratch)
    started: list[Supervised] = []
    try:
        for backbone in (postgres, rabbitmq):
            backbone.start(wait=False)
            started.append(backbone)
        await asyncio.to_thread(wait_until, postgres.ready, "PostgreSQL")
        await asyncio.to_thread(wait_until, rabbitmq.ready, "RabbitMQ")
        identity.start()
        env = common_env(scratch, rabbitmq, identity)
        databases = {}
        for name in ("catalog", "subscription", "playback"):
            url = await postgres.create_database(name)
            env[f"CODEFLIX_{name.upper()}_DATABASE_URL"] = url
            databases[name] = postgres.dsn(name)
        services = {
            name: ServiceProcess(name, scratch, {**env, **extra})
            for name, extra in {
                "catalog": {},
                "subscription": {
                    "CODEFLIX_SEED_PLANS": "true",
                    "CODEFLIX_SCHEDULER_INTERVAL_SECONDS": "1",
                    "CODEFLIX_SCHEDULER_LEASE_SECONDS": "10",
                },
                "playback": {},
            }.items()
        }
        encoder = EncoderWorker(
            scratch,
            {**env, "CODEFLIX_RAY_ADDRESS": ray_address, "CODEFLIX_ENCODER_MAX_WORKERS": "1",
             "CODEFLIX_ENCODER_PROGRESS_INTERVAL": "0"},
        )  # fmt: skip
        for process in (*services.values(), encoder):
            process.start(wait=False)
            started.append(process)
        for process in services.values():
            await asyncio.to_thread(wait_until, process.ready, process.name)
        yield Deployment(
            root=scratch, postgres=postgres, rabbitmq=rabbitmq, identity=identity,
            databases=databases, encoder=encoder, **services,
        )  # fmt: skip
    finally:
        for process in reversed(started):
            process.stop()
        identity.stop()
