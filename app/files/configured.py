"""The file store and upload limit the settings choose, installed once at start-up
(`create_app`) and read by the upload service; tests install a store of their own."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.files.store import FileStore


@dataclass(frozen=True)
class UploadSettings:
    store: FileStore
    max_bytes: int


_current: UploadSettings | None = None


def store_from_settings(settings: Mapping[str, Any]) -> FileStore:
    """The store named by FILE_STORE: `local` (UPLOAD_DIR) or `s3` (S3_* settings)."""
    if settings["FILE_STORE"] == "s3":
        from app.files.s3 import S3FileStore
        return S3FileStore(settings["S3_BUCKET"], endpoint_url=settings.get("S3_ENDPOINT_URL"),
                           region=settings.get("S3_REGION"), access_key_id=settings.get("S3_ACCESS_KEY_ID"),
                           secret_access_key=settings.get("S3_SECRET_ACCESS_KEY"),
                           addressing_style=settings.get("S3_ADDRESSING_STYLE") or "auto")
    from app.files.local import LocalFileStore
    return LocalFileStore(settings["UPLOAD_DIR"])


def configure(*, store: FileStore, max_bytes: int) -> UploadSettings | None:
    """Install `store` and the size limit; returns what was installed before."""
    global _current
    previous, _current = _current, UploadSettings(store=store, max_bytes=max_bytes)
    return previous


def restore(previous: UploadSettings | None) -> None:
    """Put back what `configure` returned (tests)."""
    global _current
    _current = previous


def current() -> UploadSettings:
    """The installed store and limit; the app factory installs them."""
    if _current is None:
        raise RuntimeError("No file store configured: create_app() installs one")
    return _current
