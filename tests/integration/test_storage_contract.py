"""The storage contract: the same behaviour on the local disk and on an S3 API."""

import hashlib
import io
import os
import threading

import pytest

from codeflix.storage import ObjectNotFound, ObjectStore


def test_small_objects_round_trip(any_store: ObjectStore):
    any_store.write_bytes("videos/1/meta.json", b'{"a": 1}')
    assert any_store.read_bytes("videos/1/meta.json") == b'{"a": 1}'
    assert any_store.exists("videos/1/meta.json")
    assert any_store.size("videos/1/meta.json") == 8
    any_store.write_bytes("videos/1/meta.json", b"{}")
    assert any_store.read_bytes("videos/1/meta.json") == b"{}"


def test_large_stream_round_trip_in_chunks(any_store: ObjectStore, tmp_path):
    data = os.urandom(13 * 1024 * 1024 + 17)  # more than one chunk and one multipart part
    assert any_store.put_stream("masters/big.bin", io.BytesIO(data)) == len(data)
    assert any_store.size("masters/big.bin") == len(data)
    sink = io.BytesIO()
    any_store.get_stream("masters/big.bin", sink)
    assert hashlib.sha256(sink.getvalue()).digest() == hashlib.sha256(data).digest()
    local = tmp_path / "copy.bin"
    any_store.get_file("masters/big.bin", local)
    assert local.read_bytes() == data
    assert any_store.read_range("masters/big.bin", 100, 200) == data[100:200]


def test_a_failed_write_leaves_no_object(any_store: ObjectStore):
    with pytest.raises(RuntimeError), any_store.open_write("masters/partial.bin") as f:
        f.write(b"x" * (6 * 1024 * 1024))
        raise RuntimeError("upload interrupted")
    assert not any_store.exists("masters/partial.bin")
    assert any_store.list("masters") == []


def test_list_and_delete_prefix(any_store: ObjectStore):
    for key in ("v/1/a.ts", "v/1/b/c.ts", "v/2/a.ts", "v/10/a.ts"):
        any_store.write_bytes(key, b"x")
    assert any_store.list("v/1") == ["v/1/a.ts", "v/1/b/c.ts"]
    assert any_store.delete_prefix("v/1") == 2
    assert any_store.list("v") == ["v/10/a.ts", "v/2/a.ts"]
    assert any_store.list("nothing/here") == []


def test_sizes_of_every_object_under_a_prefix(any_store: ObjectStore):
    for key, size in (("hls/v1/init.mp4", 3), ("hls/v1/seg_00000.m4s", 70), ("hls/v10/x", 5)):
        any_store.write_bytes(key, b"x" * size)
    assert any_store.sizes("hls/v1") == {"hls/v1/init.mp4": 3, "hls/v1/seg_00000.m4s": 70}
    assert sum(any_store.sizes("hls").values()) == 78
    assert any_store.sizes("nothing/here") == {}


def test_missing_objects_raise_object_not_found(any_store: ObjectStore):
    with pytest.raises(ObjectNotFound):
        any_store.read_bytes("nope")
    with pytest.raises(ObjectNotFound):
        any_store.size("nope")
    with pytest.raises(ObjectNotFound):
        any_store.get_stream("nope", io.BytesIO())


def test_readers_never_see_half_an_object(any_store: ObjectStore):
    old, new = b"o" * 300_000, b"n" * 300_000
    any_store.write_bytes("playlist.m3u8", old)
    seen: set[bytes] = set()
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            seen.add(any_store.read_bytes("playlist.m3u8"))

    t = threading.Thread(target=reader)
    t.start()
    for _ in range(5):
        any_store.write_bytes("playlist.m3u8", new)
        any_store.write_bytes("playlist.m3u8", old)
    stop.set()
    t.join()
    assert seen <= {old, new}


def test_uri_is_usable_by_another_client(any_store: ObjectStore):
    import fsspec

    any_store.write_bytes("a/b.txt", b"hello")
    uri = any_store.uri("a/b.txt")
    fs, path = fsspec.core.url_to_fs(uri, **({} if any_store.is_local else _options(any_store)))
    assert fs.cat_file(path) == b"hello"


def _options(store: ObjectStore) -> dict:
    return dict(store.fs.storage_options)


def test_an_object_in_memory_is_read_without_a_thread_only_on_the_local_disk(
    any_store: ObjectStore,
):
    any_store.write_bytes("hls/v1/seg_00000.ts", b"s" * 5000)
    any_store.read_bytes("hls/v1/seg_00000.ts")  # in the page cache now, if the disk is local
    any_store.write_bytes("hls/v1/sub/x.ts", b"x")
    found = any_store.read_if_in_memory("hls/v1/seg_00000.ts", max_bytes=10_000)
    if not any_store.is_local:
        assert found is None  # S3: always the ordinary read
        return
    assert found is not None
    info, data = found
    assert data == b"s" * 5000
    ordinary = any_store.info("hls/v1/seg_00000.ts")
    assert (info["size"], info["mtime"]) == (ordinary["size"], ordinary["mtime"])  # same ETag
    assert any_store.read_if_in_memory("hls/v1/seg_00000.ts", max_bytes=4999) is None
    assert any_store.read_if_in_memory("hls/v1/sub", max_bytes=10_000) is None  # a folder
    assert any_store.read_if_in_memory("hls/v1/missing.ts", max_bytes=10_000) is None
