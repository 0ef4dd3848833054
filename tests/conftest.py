"""Shared test helpers: paths and unique names."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from hypothesis import settings

# Shared CI machines are noisy: a property fails on its input, never on how long an example took.
settings.register_profile("codeflix", deadline=None)
settings.load_profile("codeflix")

# Fixtures that run the real identity service and hand out real tokens, for every service.
pytest_plugins = ["tests.support.identity", "tests.support.mail"]

ROOT = Path(__file__).resolve().parent.parent


def unique_name(prefix: str = "t") -> str:
    """A name no other test uses (queues, buckets, databases)."""
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


@pytest.fixture
def unique() -> str:
    return unique_name("codeflix")
