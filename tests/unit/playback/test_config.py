"""Grant keys from the environment: the same JSON the media edge reads."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from apis.playback.config import get_settings
from apis.playback.grants import Grant, InvalidGrant

NOW = 1_800_000_000


def test_without_keys_one_is_derived_from_the_platform_secret() -> None:
    signer = get_settings(secret_key="a" * 40).grant_signer()
    other = get_settings(secret_key="b" * 40).grant_signer()
    token = signer.sign(Grant("videos/x/hls/", NOW + 60))
    assert token.startswith("k1.")
    assert signer.verify(token, now=NOW).prefix == "videos/x/hls/"
    with pytest.raises(InvalidGrant):
        other.verify(token, now=NOW)


def test_keys_rotate_through_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    keys = [
        {"id": "2026-12", "secret": "new-secret-0123456789abcdef"},
        {"id": "2026-11", "secret": "old-secret-0123456789abcdef",
         "retired_at": "2027-01-15T08:00:00Z"},
    ]  # fmt: skip
    monkeypatch.setenv("CODEFLIX_GRANT_SIGNING_KEYS", json.dumps(keys))
    monkeypatch.setenv("CODEFLIX_GRANT_TTL_SECONDS", "3600")
    settings = get_settings()
    signer = settings.grant_signer()
    assert signer.active.key_id == "2026-12"
    assert signer.keys["2026-11"].retired_at == NOW
    monkeypatch.setenv("CODEFLIX_GRANT_ACTIVE_KEY", "2026-11")
    with pytest.raises(ValueError, match="retired"):
        get_settings().grant_signer()


@pytest.mark.parametrize(
    "keys",
    [
        [{"id": "k", "secret": "short"}],
        [{"id": "bad id", "secret": "long-enough-secret-0123456789"}],
        [{"id": "k", "secret": "long-enough-secret-0123456789", "retired_at": "yesterday"}],
    ],
)
def test_unusable_keys_are_refused_at_start(keys: list[dict[str, str]]) -> None:
    with pytest.raises((ValidationError, ValueError)):
        get_settings(grant_signing_keys=keys).grant_signer()


def test_grant_lifetime_is_bounded() -> None:
    with pytest.raises(ValidationError):
        get_settings(grant_ttl_seconds=10)
    with pytest.raises(ValidationError):
        get_settings(grant_ttl_seconds=30 * 24 * 3600)
