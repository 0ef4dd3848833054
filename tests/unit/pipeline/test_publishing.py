"""Progressive publish: playlists that only grow, and a master once every rendition can start."""

from __future__ import annotations

from pathlib import Path

import pytest

from codeflix.storage import ObjectStore
from pipeline.audio import AudioOutcome
from pipeline.job import EncodePlan, EncodeRequest
from pipeline.planning import plan_job
from pipeline.playlists import read_media_playlist
from pipeline.publishing import Publisher
from pipeline.transcode import ChunkOutcome

VIDEO = ("video/180p/index.m3u8", "video/120p/index.m3u8")
AUDIO = "audio/aac_und/index.m3u8"


@pytest.fixture
def plan(clips: dict[str, Path], tmp_path: Path) -> EncodePlan:
    """Three chunks of one segment each, rungs 180p and 120p, one audio track."""
    request = EncodeRequest(
        source_uri=str(clips["plain"]),
        output_uri=f"file://{tmp_path / 'hls'}",
        heights=[180, 120],
        quality="fixed",
    )
    return plan_job(request, segments_per_chunk=1)


def chunk(index: int) -> ChunkOutcome:
    segments = {"180p": [[index, 120, 50_000]], "120p": [[index, 120, 20_000]]}
    codecs = {"180p": "avc1.64000d", "120p": "avc1.64000b"}
    return ChunkOutcome(index, index * 120, 120, segments=segments, codecs=codecs)


def audio(count: int) -> dict[str, AudioOutcome]:
    return {"aac_und": AudioOutcome("aac_und", [[i, 4.0, 64_000] for i in range(count)])}


def listed(store: ObjectStore, key: str) -> list[str]:
    return [uri for uri, _ in read_media_playlist(store.read_bytes(key).decode()).segments]


def test_playlists_grow_from_the_front_and_the_master_waits_for_every_rendition(
    plan: EncodePlan,
) -> None:
    store = ObjectStore(plan.output_uri)
    publisher = Publisher(plan, store)
    publisher.adopt()
    # Chunk 2 is done, chunk 0 is: only segment 0 follows from the start; no audio yet.
    assert publisher.publish({0: chunk(0), 2: chunk(2)}, {}) is None
    assert listed(store, VIDEO[0]) == listed(store, VIDEO[1]) == ["seg_00000.ts"]
    assert not store.exists("master.m3u8") and not store.exists(AUDIO)
    text = store.read_bytes(VIDEO[0]).decode()
    assert "#EXT-X-PLAYLIST-TYPE:EVENT" in text and "#EXT-X-ENDLIST" not in text

    stream = publisher.publish({0: chunk(0), 2: chunk(2)}, audio(1))
    assert stream is not None and stream.segments == 1
    assert stream.duration_seconds == pytest.approx(10.0)
    assert [r.name for r in stream.renditions] == ["180p", "120p"]
    # 50 kB of video and 64 kB of audio in 4 s
    assert stream.renditions[0].bandwidth == (50_000 + 64_000) * 8 // 4
    master = store.read_bytes("master.m3u8").decode()
    assert all(key in master for key in (*VIDEO, AUDIO))

    # Chunk 1 fills the gap: both rungs now list all three; the master is announced once.
    assert publisher.publish({0: chunk(0), 1: chunk(1), 2: chunk(2)}, audio(2)) is None
    assert listed(store, VIDEO[0]) == ["seg_00000.ts", "seg_00001.ts", "seg_00002.ts"]
    assert listed(store, AUDIO) == ["seg_00000.ts", "seg_00001.ts"]

    # The master turns out undecodable further on: nothing advertises the stream any more.
    publisher.withdraw()
    assert not store.exists("master.m3u8")


def test_a_resumed_job_never_publishes_less_than_is_out(plan: EncodePlan) -> None:
    store = ObjectStore(plan.output_uri)
    first = Publisher(plan, store)
    first.adopt()
    first.publish({0: chunk(0), 1: chunk(1)}, audio(2))
    before = {key: store.read_bytes(key) for key in (*VIDEO, AUDIO, "master.m3u8")}

    # The job's process died; the next run finds its chunks, but its audio task starts over.
    again = Publisher(plan, store)
    again.adopt()
    assert store.exists("master.m3u8")  # the stream stays up while the job resumes
    stream = again.publish({0: chunk(0), 1: chunk(1)}, audio(1))
    assert stream is not None  # announced again: the earlier run may have died before
    assert {key: store.read_bytes(key) for key in (*VIDEO, AUDIO)} == {
        key: before[key] for key in (*VIDEO, AUDIO)
    }
    again.publish({0: chunk(0), 1: chunk(1), 2: chunk(2)}, audio(3))
    assert listed(store, AUDIO) == ["seg_00000.ts", "seg_00001.ts", "seg_00002.ts"]


def test_the_playlists_of_another_job_are_taken_down_first(
    plan: EncodePlan, clips: dict[str, Path]
) -> None:
    store = ObjectStore(plan.output_uri)
    other = plan_job(  # another master for the same title, into the same folder
        EncodeRequest(
            source_uri=str(clips["surround"]),
            output_uri=plan.output_uri,
            heights=[180, 120],
            quality="fixed",
        ),
        segments_per_chunk=1,
    )
    assert other.job_id != plan.job_id
    earlier = Publisher(other, store)
    earlier.adopt()
    earlier.publish({0: chunk(0), 1: chunk(1)}, audio(2))
    assert store.exists("master.m3u8")

    publisher = Publisher(plan, store)
    publisher.adopt()
    assert not any(store.exists(key) for key in (*VIDEO, AUDIO, "master.m3u8"))
    publisher.publish({0: chunk(0)}, audio(1))
    assert read_media_playlist(store.read_bytes(VIDEO[0]).decode()).job_id == plan.job_id
    assert listed(store, VIDEO[0]) == ["seg_00000.ts"]
