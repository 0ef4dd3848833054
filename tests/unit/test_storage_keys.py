import pytest

from codeflix.storage import InvalidKey, ObjectNotFound, ObjectStore, clean_key


@pytest.mark.parametrize("key", ["", "..", "../x", "a/../../x", "/../etc/passwd", "a\x00b"])
def test_keys_that_leave_the_root_are_refused(key):
    with pytest.raises(InvalidKey):
        clean_key(key)


def test_keys_are_normalised():
    assert clean_key("/videos//1/./hls/master.m3u8") == "videos/1/hls/master.m3u8"


def test_failed_write_leaves_nothing_behind(tmp_path):
    store = ObjectStore(f"file://{tmp_path}")
    with pytest.raises(RuntimeError), store.open_write("a/b.bin") as f:
        f.write(b"half")
        raise RuntimeError("client went away")
    assert store.list() == []
    with pytest.raises(ObjectNotFound):
        store.size("a/b.bin")
