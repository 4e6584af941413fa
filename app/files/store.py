"""The file store: bytes kept under a key, whatever keeps them.

Keys are relative paths — segments of letters, digits, '.', '_' and '-' that do not
start with a dot, joined by '/' — so that no key can climb out of a directory or
mean different things to different stores.
"""
from __future__ import annotations

import re
from abc import ABC, abstractmethod
from typing import BinaryIO

MAX_KEY_LENGTH = 500
_KEY = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*")


class InvalidKeyError(ValueError):
    """A key that breaks the key rules (a programming error, not user input)."""


def check_key(key: str) -> str:
    """`key` when it follows the key rules; InvalidKeyError otherwise."""
    if len(key) > MAX_KEY_LENGTH or not _KEY.fullmatch(key):
        raise InvalidKeyError(f"Not a valid file-store key: {key!r}")
    return key


class FileStore(ABC):
    """Where file contents live. Writing a key that exists replaces its content."""

    @abstractmethod
    def put(self, key: str, content: bytes | BinaryIO, *, content_type: str) -> None:
        """Store `content` (bytes, or a binary file read from its current position to
        its end) under `key`."""

    @abstractmethod
    def open(self, key: str) -> BinaryIO:
        """A readable binary stream of the content under `key`; the caller closes it.
        Raises StoredFileMissingError when there is none."""

    @abstractmethod
    def exists(self, key: str) -> bool:
        """Whether content is stored under `key`."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the content under `key`; nothing happens when there is none."""

    def read(self, key: str) -> bytes:
        """The whole content under `key` (StoredFileMissingError when there is none)."""
        stream = self.open(key)
        try:
            return stream.read()
        finally:
            stream.close()
