"""Properties of the grant codec and of the plan-capped master playlist, over generated input."""

from __future__ import annotations

import string

from hypothesis import given, settings
from hypothesis import strategies as st

from apis.playback.grants import Grant, GrantError, GrantSigner, InvalidGrant, SigningKey
from apis.playback.playlists import limit_master_playlist, variant_uris_above

NOW = 1_800_000_000
SIGNER = GrantSigner([SigningKey("k1", b"s" * 32)], active_key_id="k1", max_ttl_seconds=3600)
OTHER = GrantSigner([SigningKey("k1", b"t" * 32)], active_key_id="k1", max_ttl_seconds=3600)

path_text = st.text(alphabet=string.ascii_letters + string.digits + "-_/.", min_size=1, max_size=40)
grants = st.builds(
    Grant,
    prefix=path_text.map(lambda p: "videos/" + p.strip("/") + "/"),
    expires_at=st.integers(NOW + 1, NOW + 10**9),
    user_id=st.none() | st.text(max_size=40),
    max_height=st.none() | st.integers(1, 10_000),
    denied=st.lists(path_text.filter(lambda d: ".." not in d), max_size=8).map(tuple),
)


@given(grants)
def test_every_grant_survives_signing_and_verifying(grant: Grant) -> None:
    token = SIGNER.sign(grant)
    assert SIGNER.verify(token, now=NOW) == grant
    assert all(c.isalnum() or c in "._-" for c in token)


@given(grants, st.data())
def test_changing_any_character_of_a_token_invalidates_it(
    grant: Grant, data: st.DataObject
) -> None:
    token = SIGNER.sign(grant)
    index = data.draw(st.integers(0, len(token) - 1))
    replacement = data.draw(st.sampled_from(string.ascii_letters + string.digits + "-_."))
    tampered = token[:index] + replacement + token[index + 1 :]
    if tampered == token:
        return
    try:
        verified = SIGNER.verify(tampered, now=NOW)
    except InvalidGrant:
        return
    # Base64 without padding has slack in its last character: a change that decodes to the
    # same bytes is the same token, never a different grant.
    assert verified == grant


@given(grants)
def test_a_grant_signed_with_another_secret_is_refused(grant: Grant) -> None:
    token = OTHER.sign(grant)
    try:
        SIGNER.verify(token, now=NOW)
    except InvalidGrant:
        return
    raise AssertionError("a grant signed with another secret verified")


@given(st.text(max_size=300))
@settings(max_examples=300)
def test_arbitrary_text_is_refused_with_a_grant_error_only(text: str) -> None:
    try:
        SIGNER.verify(text, now=NOW)
    except GrantError:
        return
    raise AssertionError(f"{text!r} verified as a grant")


@st.composite
def master_playlists(draw: st.DrawFn) -> tuple[str, list[tuple[int, str]]]:
    heights = draw(st.lists(st.integers(90, 4320), min_size=1, max_size=8, unique=True))
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS"]
    if draw(st.booleans()):
        lines.append('#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="en",URI="audio/index.m3u8"')
    variants = []
    for height in heights:
        uri = f"v{height}/index.m3u8"
        width = height * 16 // 9
        lines.append(f"#EXT-X-STREAM-INF:BANDWIDTH={height * 3000},RESOLUTION={width}x{height}")
        if draw(st.booleans()):
            lines.append("## a comment between the tag and its URI")
        lines.append(uri)
        variants.append((height, uri))
        if draw(st.booleans()):
            lines.append(
                f"#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=1000,RESOLUTION={width}x{height},"
                f'URI="v{height}/iframes.m3u8"'
            )
    return "\n".join(lines) + "\n", variants


@given(master_playlists(), st.integers(1, 5000))
def test_a_capped_master_keeps_exactly_the_rungs_a_plan_allows(
    playlist: tuple[str, list[tuple[int, str]]], max_height: int
) -> None:
    text, variants = playlist
    limited = limit_master_playlist(text, max_height)
    allowed = {uri for height, uri in variants if height <= max_height}
    if not allowed:  # every rung is too tall: the shortest stays so the title still plays
        allowed = {min(variants)[1]}
    kept = {line for line in limited.splitlines() if line and not line.startswith("#")}
    assert kept == allowed
    assert variant_uris_above(text, max_height) == {uri for _, uri in variants} - allowed
    for line in limited.splitlines():
        if "I-FRAME" in line:
            assert any(f'URI="{uri.split("/")[0]}/' in line for uri in allowed)
    assert ("#EXT-X-MEDIA:TYPE=AUDIO" in limited) == ("#EXT-X-MEDIA:TYPE=AUDIO" in text)
    assert limit_master_playlist(limited, max_height) == limited
