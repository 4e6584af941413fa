"""LocalFileStore: bytes under a key, as files under one directory."""
import io

import pytest

from app.files.errors import StoredFileMissingError
from app.files.local import LocalFileStore
from app.files.store import InvalidKeyError
from tests.files import samples


def test_round_trip_of_bytes_and_streams(tmp_path):
    store = LocalFileStore(tmp_path / "uploads")
    store.put("work-orders/1/abc", samples.png(), content_type="image/png")
    store.put("work-orders/1/def", io.BytesIO(samples.pdf()), content_type="application/pdf")

    assert store.exists("work-orders/1/abc") and store.read("work-orders/1/abc") == samples.png()
    with store.open("work-orders/1/def") as stream:
        assert stream.read() == samples.pdf()
    assert (tmp_path / "uploads" / "work-orders" / "1" / "abc").read_bytes() == samples.png()
    # Nothing half-written is left beside the files.
    assert sorted(p.name for p in (tmp_path / "uploads" / "work-orders" / "1").iterdir()) == ["abc", "def"]


def test_put_replaces_and_delete_forgets(tmp_path):
    store = LocalFileStore(tmp_path)
    store.put("k", b"first", content_type="text/plain")
    store.put("k", b"second", content_type="text/plain")
    assert store.read("k") == b"second"
    store.delete("k")
    store.delete("k")   # deleting what is not there is no error
    assert not store.exists("k")
    with pytest.raises(StoredFileMissingError):
        store.open("k")


@pytest.mark.parametrize("key", ["../outside", "a/../../b", "/etc/passwd", "a//b", ".hidden", "a/.x", "",
                                 "a\\b", "x" * 501])
def test_keys_cannot_leave_the_directory(tmp_path, key):
    store = LocalFileStore(tmp_path / "root")
    with pytest.raises(InvalidKeyError):
        store.put(key, b"x", content_type="text/plain")
    with pytest.raises(InvalidKeyError):
        store.exists(key)
    assert not (tmp_path / "outside").exists()
