"""Processes a test or a benchmark owns and may kill: private databases, brokers, services.

Each runs in a session of its own, so :meth:`Supervised.kill` is ``kill -9`` of exactly that
process group (a PostgreSQL postmaster and its backends; RabbitMQ's shell, ``beam.smp`` and
its helpers; a uvicorn master and its workers) and nothing else on the machine. The database
and the broker are private instances on free ports, never the ones other tests share.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
import uvicorn

from apis.identity.app import create_app as create_identity
from codeflix.clock import SystemClock
from tests.support.identity import IdentityHarness, identity_settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


PYTHON = sys.executable
CODEFLIX = str(Path(sys.executable).parent / "codeflix")


def postgres_bin(name: str) -> str:
    """A PostgreSQL server program (``initdb``, ``postgres``, ``pg_isready``), newest first."""
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (folder / name).exists():
            return str(folder / name)
    found = shutil.which(name)
    assert found, f"{name} is not installed (Debian: apt-get install postgresql)"
    return found


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def wait_until(ready: Callable[[], bool], what: str, within: float = 90) -> None:
    deadline = time.monotonic() + within
    while not ready():
        assert time.monotonic() < deadline, f"{what} did not come up within {within:.0f} s"
        time.sleep(0.2)


class Supervised(ABC):
    """A process this test owns: started in its own session, killed with SIGKILL as a group."""

    name = "process"

    def __init__(self, log: Path) -> None:
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @abstractmethod
    def command(self) -> list[str]:
        """The command line that starts this process."""

    def environment(self) -> dict[str, str]:
        return dict(os.environ)

    def ready(self) -> bool:
        return True

    def start(self, *, wait: bool = True) -> None:
        with open(self.log, "ab") as out:
            out.write(f"\n--- start {self.starts + 1} at {datetime.now(UTC)} ---\n".encode())
            out.flush()
            self.process = subprocess.Popen(
                self.command(),
                env=self.environment(),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.starts += 1
        if wait:
            wait_until(self.ready, self.name)

    def kill(self) -> None:
        """``kill -9`` the process and everything it started (its own process group)."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(30)
        self.process = None

    def restart(self, *, wait: bool = True) -> None:
        self.kill()
        self.start(wait=wait)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                pass
        self.kill()

    def tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""


# -- PostgreSQL -------------------------------------------------------------------------------
class PrivatePostgres(Supervised):
    """A PostgreSQL cluster of this test alone: ``initdb`` in a temporary directory.

    ``initdb`` refuses to run as root, so as root the cluster belongs to the ``postgres``
    account and its programs run through ``runuser``. ``fsync`` is off: the faults are killed
    processes, not a lost machine, so what the kernel holds survives them.
    """

    name = "PostgreSQL"

    def __init__(self, root: Path) -> None:
        super().__init__(root / "postgres.log")
        self.root = root / "pg"
        self.root.mkdir()
        self.port = free_port()
        self.as_owner: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
            self.as_owner = ["runuser", "-u", "postgres", "--"]
        subprocess.run(
            [*self.as_owner, postgres_bin("initdb"), "-D", str(self.root / "data"),
             "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"],
            check=True, capture_output=True,
        )  # fmt: skip

    def command(self) -> list[str]:
        return [
            *self.as_owner, postgres_bin("postgres"), "-D", str(self.root / "data"),
            "-p", str(self.port), "-k", str(self.root), "-c", "listen_addresses=127.0.0.1",
            "-c", "fsync=off", "-c", "max_connections=300", "-c", "shared_buffers=32MB",
        ]  # fmt: skip

    def ready(self) -> bool:
        check = [postgres_bin("pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.port)]
        return subprocess.run(check).returncode == 0

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    def dsn(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    async def create_database(self, name: str) -> str:
        import asyncpg

        admin = await asyncpg.connect(self.dsn())
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
        return self.url(name)


# -- RabbitMQ ---------------------------------------------------------------------------------
class PrivateRabbitMQ(Supervised):
    """A RabbitMQ node of this test alone: its own node name, ports, data and config.

    The Debian scripts honour ``RABBITMQ_NODENAME``, ``RABBITMQ_NODE_PORT``,
    ``RABBITMQ_DIST_PORT``, ``RABBITMQ_MNESIA_BASE``, ``RABBITMQ_LOG_BASE``,
    ``RABBITMQ_CONFIG_FILE`` and ``RABBITMQ_ENABLED_PLUGINS_FILE``; pointing
    ``RABBITMQ_CONF_ENV_FILE`` at an empty file keeps the machine's ``rabbitmq-env.conf`` (which
    names the shared node) out of it. No plugins: the management listener would need a port too.
    Restarting keeps the node's data directory, so durable queues and persistent messages stay.
    """

    name = "RabbitMQ"

    def __init__(self, root: Path) -> None:
        super().__init__(root / "rabbitmq.log")
        self.root = root / "rabbitmq"
        self.root.mkdir()
        self.port, self.dist_port = free_port(), free_port()
        self.node = f"codeflix-{uuid.uuid4().hex[:8]}@localhost"
        (self.root / "enabled_plugins").write_text("[].\n")
        (self.root / "rabbitmq-env.conf").write_text("")
        (self.root / "rabbitmq.conf").write_text(
            f"listeners.tcp.1 = 127.0.0.1:{self.port}\nloopback_users = none\n"
        )

    @staticmethod
    def program(name: str) -> str:
        # The scripts themselves, not Debian's wrappers in /usr/sbin that switch to the
        # rabbitmq account: this node runs as the caller, with the caller's Erlang cookie.
        found = shutil.which(name, path="/usr/lib/rabbitmq/bin") or shutil.which(name)
        assert found, f"{name} is not installed (Debian: apt-get install rabbitmq-server)"
        return found

    def command(self) -> list[str]:
        return [self.program("rabbitmq-server")]

    def environment(self) -> dict[str, str]:
        return {
            **os.environ,
            "RABBITMQ_CONF_ENV_FILE": str(self.root / "rabbitmq-env.conf"),
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": str(self.root / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.root / "log"),
            "RABBITMQ_CONFIG_FILE": str(self.root / "rabbitmq.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.root / "enabled_plugins"),
            "RABBITMQ_PID_FILE": str(self.root / "rabbitmq.pid"),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
        }

    def ready(self) -> bool:
        return port_open(self.port)

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    def queue_depths(self) -> dict[str, int]:
        """Messages waiting in each queue (``rabbitmqctl list_queues`` on this node)."""
        out = subprocess.run(
            [self.program("rabbitmqctl"), "-q", "-n", self.node, "list_queues", "name",
             "messages"],
            env=self.environment(), capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        depths = {}
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[1].isdigit():
                depths[parts[0]] = int(parts[1])
        return depths


# -- Codeflix processes -----------------------------------------------------------------------
class ServiceProcess(Supervised):
    """One Codeflix service as deployed: ``uvicorn --factory apis.<name>.app:create_app``."""

    def __init__(self, name: str, root: Path, env: dict[str, str], *, workers: int = 1) -> None:
        super().__init__(root / f"{name}.log")
        self.name, self.env, self.port, self.workers = name, env, free_port(), workers

    def command(self) -> list[str]:
        return [
            PYTHON, "-m", "uvicorn", "--factory", f"apis.{self.name}.app:create_app",
            "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(self.workers),
            "--log-level", "warning", "--no-access-log",
        ]  # fmt: skip

    def environment(self) -> dict[str, str]:
        return {**os.environ, **self.env}

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def ready(self) -> bool:
        assert self.process is None or self.process.poll() is None, self.tail()
        try:
            return httpx.get(f"{self.base_url}/readyz", timeout=2).status_code == 200
        except httpx.TransportError:
            return False


class EncoderWorker(Supervised):
    """``codeflix worker encoder``: consumes ``video.uploaded``, drives Ray."""

    name = "encoder worker"

    def __init__(self, root: Path, env: dict[str, str]) -> None:
        super().__init__(root / "encoder.log")
        self.env = env

    def command(self) -> list[str]:
        return [CODEFLIX, "worker", "encoder"]

    def environment(self) -> dict[str, str]:
        return {**os.environ, **self.env}

    def ready(self) -> bool:
        assert self.process is not None and self.process.poll() is None, self.tail()
        return True


# -- identity ---------------------------------------------------------------------------------
class IdentityServer:
    """The real identity service under uvicorn on a loopback port, in a thread of this process.

    Its event loop is the thread's own; tokens are signed with the key ring read there, so a
    test mints tokens for any roles without a sign-in round trip.
    """

    def __init__(self, root: Path) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        settings = identity_settings(root / "identity", public_url=self.base_url)
        # Real time: tokens must stay valid across the run.
        clock = SystemClock()
        app = create_identity(settings, clock=clock)
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_config=None, lifespan="on")
        )
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(
            target=self.loop.run_until_complete, args=(self.server.serve(),), daemon=True
        )
        self.harness = IdentityHarness(
            app=app,
            settings=settings,
            clock=clock,  # type: ignore[arg-type]
            verifier=None,  # type: ignore[arg-type]
        )

    @property
    def issuer(self) -> str:
        return self.harness.issuer

    def start(self) -> None:
        self.thread.start()
        wait_until(lambda: self.server.started, "the identity service", within=30)
        asyncio.run_coroutine_threadsafe(self.harness.reload_keys(), self.loop).result(30)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.loop.close()

    def headers(self, **options: object) -> dict[str, str]:
        """A bearer token signed by the identity service, valid for an hour."""
        return self.harness.headers(lifetime_seconds=3600, **options)
