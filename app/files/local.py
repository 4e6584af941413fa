"""LocalFileStore: file contents as files under one directory."""
from __future__ import annotations

import io
import os
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO

from app.files.errors import StoredFileMissingError
from app.files.store import FileStore, check_key


class LocalFileStore(FileStore):
    """Keys map to paths under `root` (created when first written to). Writes go to a
    temporary file beside the target and are renamed into place, so a reader never
    sees half a file and a crash leaves no torn content."""

    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"LocalFileStore({str(self.root)!r})"

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*check_key(key).split("/"))

    def put(self, key: str, content: bytes | BinaryIO, *, content_type: str) -> None:
        """Write `content` under `key` (the content type is kept by the caller's records)."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        source = io.BytesIO(content) if isinstance(content, (bytes, bytearray, memoryview)) else content
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
        try:
            with os.fdopen(handle, "wb") as target:
                shutil.copyfileobj(source, target)
                target.flush()
                os.fsync(target.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def open(self, key: str) -> BinaryIO:
        try:
            return self._path(key).open("rb")
        except FileNotFoundError:
            raise StoredFileMissingError(f"No stored file under {key!r}", key=key) from None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)
