"""One real Typesense server (the binary `codeflix up` runs) for the search tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from codeflix.typesense_server import TypesenseServer

API_KEY = "search-tests-key"


@pytest.fixture(scope="session")
def typesense_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TypesenseServer]:
    """Started once from the main thread (the parent-death signal follows the forking
    thread); tests isolate themselves with collections of their own."""
    server = TypesenseServer(Path(tmp_path_factory.mktemp("typesense")), api_key=API_KEY)
    server.start()
    server.wait_healthy()
    yield server
    server.stop()
