"""Grant tokens: what they allow, and every way a forged or stale one is refused."""

from __future__ import annotations

import base64
import json

import pytest

from apis.playback.grants import (
    ExpiredGrant,
    Grant,
    GrantSigner,
    InvalidGrant,
    SigningKey,
    derive_secret,
)

NOW = 1_800_000_000
PREFIX = "videos/7b0d7d5e-0000-4000-8000-000000000001/hls/"


def signer(*keys: SigningKey, active: str = "k2", ttl: int = 3600) -> GrantSigner:
    keys = keys or (SigningKey("k2", b"s" * 32),)
    return GrantSigner(list(keys), active_key_id=active, max_ttl_seconds=ttl)


def test_a_signed_grant_verifies_to_the_same_policy() -> None:
    grant = Grant(PREFIX, NOW + 60, user_id="user-1", max_height=720)
    token = signer().sign(grant)
    assert signer().verify(token, now=NOW) == grant
    assert token.startswith("k2.")
    assert all(c.isalnum() or c in "._-" for c in token)  # one URL path component


def test_the_grant_covers_its_tree_and_nothing_else() -> None:
    grant = Grant(PREFIX, NOW + 60)
    assert grant.covers(PREFIX + "master.m3u8")
    assert grant.covers(PREFIX + "v720/seg_00001.m4s")
    assert not grant.covers(PREFIX)
    assert not grant.covers("videos/7b0d7d5e-0000-4000-8000-000000000002/hls/master.m3u8")
    assert not grant.covers(PREFIX.rstrip("/") + "-other/master.m3u8")


def test_closed_paths_stay_closed_under_the_prefix() -> None:
    grant = Grant(PREFIX, NOW + 60, max_height=720, denied=("v1080/", "iframes.m3u8"))
    token = signer().sign(grant)
    assert signer().verify(token, now=NOW).denied == ("v1080/", "iframes.m3u8")
    assert grant.covers(PREFIX + "v720/seg_00001.m4s")
    assert grant.covers(PREFIX + "v1080x/seg_00001.m4s")
    assert not grant.covers(PREFIX + "v1080/seg_00001.m4s")
    assert not grant.covers(PREFIX + "v1080/index.m3u8")
    assert not grant.covers(PREFIX + "iframes.m3u8")


def test_a_tampered_signature_or_policy_is_invalid() -> None:
    token = signer().sign(Grant(PREFIX, NOW + 60))
    key_id, policy, signature = token.split(".")
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    with pytest.raises(InvalidGrant):
        signer().verify(f"{key_id}.{policy}.{flipped}", now=NOW)
    other = base64.urlsafe_b64encode(json.dumps({"p": "videos/", "e": NOW + 60}).encode()).rstrip(
        b"="
    )
    with pytest.raises(InvalidGrant):
        signer().verify(f"{key_id}.{other.decode()}.{signature}", now=NOW)


@pytest.mark.parametrize(
    "token",
    ["", "a.b", "a.b.c.d", "k2.%%%.abc", "nokey.e30.abc", "k2." + "A" * 3000 + ".x", "k2..", "..."],
)
def test_malformed_tokens_are_invalid(token: str) -> None:
    with pytest.raises(InvalidGrant):
        signer().verify(token, now=NOW)


def test_a_key_from_elsewhere_signs_nothing_we_accept() -> None:
    foreign = signer(SigningKey("k2", b"x" * 32)).sign(Grant(PREFIX, NOW + 60))
    with pytest.raises(InvalidGrant):
        signer().verify(foreign, now=NOW)


def test_an_expired_grant_is_expired_not_invalid() -> None:
    token = signer().sign(Grant(PREFIX, NOW + 60))
    assert signer().verify(token, now=NOW + 59).expires_at == NOW + 60
    with pytest.raises(ExpiredGrant):
        signer().verify(token, now=NOW + 60)


def test_rotation_keeps_old_grants_playing_until_they_expire() -> None:
    old, new = SigningKey("k1", b"1" * 32), SigningKey("k2", b"2" * 32)
    before = signer(old, active="k1").sign(Grant(PREFIX, NOW + 3600))
    rotated = signer(SigningKey("k1", b"1" * 32, retired_at=NOW), new, active="k2")
    assert rotated.verify(before, now=NOW + 10).prefix == PREFIX
    assert rotated.sign(Grant(PREFIX, NOW + 60)).startswith("k2.")
    # A grant claiming to be signed by the retired key long after its retirement is refused.
    late = signer(old, active="k1").sign(Grant(PREFIX, NOW + 7200))
    with pytest.raises(InvalidGrant):
        rotated.verify(late, now=NOW + 10)


def test_keys_are_checked_when_configured() -> None:
    with pytest.raises(ValueError):
        SigningKey("bad id!", b"s" * 32)
    with pytest.raises(ValueError):
        SigningKey("k1", b"short")
    with pytest.raises(ValueError):
        signer(SigningKey("k1", b"1" * 32, retired_at=NOW), active="k1")
    with pytest.raises(ValueError):
        signer(SigningKey("k1", b"1" * 32), SigningKey("k1", b"2" * 32), active="k1")
    assert derive_secret("a", "k1") != derive_secret("a", "k2") != derive_secret("b", "k1")


@pytest.mark.parametrize(
    "policy",
    [
        [],
        {"e": NOW + 60},
        {"p": "/", "e": NOW + 60},
        {"p": "videos/a", "e": NOW + 60},
        {"p": PREFIX, "e": "soon"},
        {"p": PREFIX, "e": True},
        {"p": PREFIX, "e": NOW + 60, "u": 5},
        {"p": PREFIX, "e": NOW + 60, "h": 0},
        {"p": PREFIX, "e": NOW + 60, "h": "720"},
        {"p": PREFIX, "e": NOW + 60, "x": "v1080/"},
        {"p": PREFIX, "e": NOW + 60, "x": [""]},
        {"p": PREFIX, "e": NOW + 60, "x": ["../"]},
        {"p": PREFIX, "e": NOW + 60, "x": [f"v{i}/" for i in range(33)]},
    ],
)
def test_a_genuine_signature_over_a_nonsense_policy_is_invalid(policy: object) -> None:
    key = SigningKey("k2", b"s" * 32)
    part = base64.urlsafe_b64encode(json.dumps(policy).encode()).rstrip(b"=").decode()
    token = f"k2.{part}.{GrantSigner._mac(key, f'k2.{part}')}"
    with pytest.raises(InvalidGrant):
        signer(key).verify(token, now=NOW)
