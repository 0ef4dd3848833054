"""HTTP clients for calls to other systems (the issuer's keys and tokens), sharing one TLS set-up.

httpx builds TLS settings (reading the CA bundle: about 20 ms of CPU, 60 ms the first time) for
every client it creates. On an event loop that is a stall for every request in flight, once
per new client: every refresh of the issuer's keys, every service token. Clients made here
share one :class:`ssl.SSLContext`, built at the first call.
"""

from __future__ import annotations

import functools
import ssl
from typing import Any

import httpx


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The process's TLS settings for outgoing calls (httpx's defaults, the CA bundle included)."""
    return httpx.create_ssl_context()


def http_client(**options: Any) -> httpx.AsyncClient:
    """A new client for outgoing calls; ``options`` as for :class:`httpx.AsyncClient`."""
    return httpx.AsyncClient(verify=tls_context(), **options)
