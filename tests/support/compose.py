"""The composed platform (``deploy/compose.yaml``): its ingress and a driver for the tests.

:func:`ingress_config` writes the nginx configuration of the compose ingress from the Istio
VirtualServices of ``manifests/base``, so the containers answer the public paths exactly as
the cluster routes them; ``deploy/compose/ingress.conf`` is its output (a unit test keeps them
equal). :class:`ComposedPlatform` runs ``docker-compose`` with a project name of its own, so
two runs on one machine never share a container, a network or a volume.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import ROOT

DEPLOY = ROOT / "deploy"
COMPOSE_FILE = DEPLOY / "compose.yaml"
INGRESS_CONF = DEPLOY / "compose" / "ingress.conf"
DOCKER_COMPOSE = "docker-compose"

INGRESS_HEADER = """\
# The ingress of deploy/compose.yaml: the public paths routed to the service containers as the
# VirtualServices of manifests/base route them (written by tests/support/compose.py, checked
# by tests/unit/test_compose.py: change the VirtualServices, then run
#   .venv/bin/python -m tests.support.compose > deploy/compose/ingress.conf).
# Docker's DNS is asked again every few seconds, so a container that restarts with another
# address is found; a route's timeout is its VirtualService's (0s: none, for uploads and
# event streams, which are neither buffered nor cut).
pid /tmp/nginx.pid;
error_log stderr warn;
worker_processes 1;

events {
    worker_connections 1024;
}

http {
    access_log off;
    server_tokens off;
    client_body_temp_path /tmp/nginx-client-body;
    proxy_temp_path /tmp/nginx-proxy;
    fastcgi_temp_path /tmp/nginx-fastcgi;
    uwsgi_temp_path /tmp/nginx-uwsgi;
    scgi_temp_path /tmp/nginx-scgi;
    resolver 127.0.0.11 valid=5s ipv6=off;
    client_max_body_size 0;  # each service enforces its own limits
    proxy_http_version 1.1;
    proxy_set_header Host $http_host;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto $scheme;
    proxy_set_header Connection "";

    server {
        listen 8080;

        location = /healthz {
            return 200 "ok\\n";
        }
"""


def _virtual_services() -> list[dict[str, Any]]:
    found = []
    for path in sorted((ROOT / "manifests" / "base").glob("*/istio.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc and doc.get("kind") == "VirtualService":
                found.append(doc)
    return found


def _seconds(timeout: str | None) -> int:
    return int(float((timeout or "15s").removesuffix("s")))


def ingress_config() -> str:
    """nginx's configuration for the routes of every VirtualService, in their order."""
    blocks = []
    for service in _virtual_services():
        for route in service["spec"].get("http", []):
            destination = route["route"][0]["destination"]
            upstream = f"{destination['host']}:{destination['port']['number']}"
            seconds = _seconds(route.get("timeout"))
            settings = [f"set $upstream {upstream};"]
            if seconds == 0:
                settings += [
                    "proxy_read_timeout 1h;",
                    "proxy_send_timeout 1h;",
                    "proxy_request_buffering off;",
                    "proxy_buffering off;",
                ]
            else:
                settings.append(f"proxy_read_timeout {seconds}s;")
            settings.append("proxy_pass http://$upstream;")
            for match in route.get("match", []):
                (kind, value), *_ = match["uri"].items()
                where = {"exact": f"= {value}", "prefix": value, "regex": f'~ "{value}"'}[kind]
                body = "\n".join(f"            {line}" for line in settings)
                blocks.append(
                    f"        # {service['metadata']['name']}: {route.get('name', '')}\n"
                    f"        location {where} {{\n{body}\n        }}\n"
                )
    return INGRESS_HEADER + "\n".join(blocks) + "    }\n}\n"


class ComposedPlatform:
    """``deploy/compose.yaml`` under a project name of its own, reached on ``port``."""

    def __init__(self, project: str, port: int, mail: Path) -> None:
        self.project, self.port, self.mail = project, port, mail
        self.url = f"http://127.0.0.1:{port}"

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "CODEFLIX_COMPOSE_PORT": str(self.port),
            "CODEFLIX_COMPOSE_MAIL": str(self.mail),
        }

    def compose(
        self, *args: str, timeout: float = 600, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        command = [DOCKER_COMPOSE, "-f", str(COMPOSE_FILE), "-p", self.project, *args]
        done = subprocess.run(
            command, env=self.env, capture_output=True, text=True, timeout=timeout, check=False
        )
        if check and done.returncode != 0:
            raise AssertionError(
                f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
            )
        return done

    def up(self, *services: str, timeout: float = 600) -> None:
        """Start the platform (or ``services``) and wait until each container is healthy."""
        self.mail.mkdir(parents=True, exist_ok=True)
        self.mail.chmod(0o777)  # the identity container writes here as its own user
        self.compose("up", "-d", "--no-build", *services, timeout=timeout)
        self.wait_healthy(*services, timeout=timeout)

    def containers(self) -> dict[str, dict[str, Any]]:
        """Each container's state (``docker inspect``), by compose service name."""
        ids = self.compose("ps", "-q").stdout.split()
        if not ids:
            return {}
        inspected = subprocess.run(
            ["docker", "inspect", *ids], capture_output=True, text=True, check=True
        )
        return {
            c["Config"]["Labels"]["com.docker.compose.service"]: c["State"]
            for c in json.loads(inspected.stdout)
        }

    def wait_healthy(self, *services: str, timeout: float = 600) -> None:
        """Until every container (or those of ``services``) runs healthy; a migration may
        have exited, successfully."""
        deadline = time.monotonic() + timeout
        waiting: list[str] = []
        while time.monotonic() < deadline:
            states = {
                name: state
                for name, state in self.containers().items()
                if not services or name in services
            }
            failed = [
                name
                for name, state in states.items()
                if state["Status"] == "exited"
                and (state["ExitCode"] != 0 or not name.endswith("-migrate"))
            ]
            if failed:
                raise AssertionError(f"{', '.join(failed)} stopped:\n{self.logs(*failed)}")
            waiting = [
                name
                for name, state in states.items()
                if state["Status"] != "exited"
                and state.get("Health", {}).get("Status", "healthy") != "healthy"
            ]
            if states and not waiting:
                return
            time.sleep(2)
        raise AssertionError(f"not healthy in time: {', '.join(waiting)}\n{self.logs(*waiting)}")

    def kill(self, service: str) -> None:
        self.compose("kill", service)

    def start(self, service: str) -> None:
        """Start a stopped container again and wait until it is healthy."""
        self.compose("start", service)
        self.wait_healthy(service)

    def exec(self, service: str, *command: str) -> str:
        return self.compose("exec", "-T", service, *command).stdout

    def logs(self, *services: str, tail: int = 80) -> str:
        return self.compose("logs", "--no-color", f"--tail={tail}", *services, check=False).stdout

    def down(self) -> None:
        self.compose("down", "--volumes", "--remove-orphans", "--timeout", "20", check=False)


if __name__ == "__main__":
    print(ingress_config(), end="")
