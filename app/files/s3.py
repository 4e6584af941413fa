"""S3FileStore: file contents as objects in a bucket of any S3-compatible service
(AWS S3, MinIO, Ceph, Alibaba OSS, Tencent COS…), through boto3."""
from __future__ import annotations

import io
from typing import Any, BinaryIO

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from app.files.errors import StoredFileMissingError
from app.files.store import FileStore, check_key

_MISSING_CODES = frozenset({"NoSuchKey", "404", "NotFound"})


class S3FileStore(FileStore):
    """Objects in `bucket`, keyed by the store key. The bucket must exist. Credentials
    given here are used; when None, boto3 finds them itself (AWS_* variables, its
    config files, an instance role)."""

    def __init__(self, bucket: str, *, endpoint_url: str | None = None, region: str | None = None,
                 access_key_id: str | None = None, secret_access_key: str | None = None,
                 addressing_style: str = "auto", client: Any = None):
        self.bucket = bucket
        self._client = client or boto3.client(
            "s3", endpoint_url=endpoint_url, region_name=region,
            aws_access_key_id=access_key_id, aws_secret_access_key=secret_access_key,
            config=Config(s3={"addressing_style": addressing_style}, retries={"mode": "standard"}))

    def __repr__(self) -> str:
        return f"S3FileStore({self.bucket!r}, endpoint_url={self._client.meta.endpoint_url!r})"

    def put(self, key: str, content: bytes | BinaryIO, *, content_type: str) -> None:
        """Upload `content` (in parts when large) with its content type."""
        source = io.BytesIO(content) if isinstance(content, (bytes, bytearray, memoryview)) else content
        self._client.upload_fileobj(source, self.bucket, check_key(key), ExtraArgs={"ContentType": content_type})

    def open(self, key: str) -> BinaryIO:
        try:
            return self._client.get_object(Bucket=self.bucket, Key=check_key(key))["Body"]
        except ClientError as error:
            if _error_code(error) in _MISSING_CODES:
                raise StoredFileMissingError(f"No stored file under {key!r}", key=key) from None
            raise

    def exists(self, key: str) -> bool:
        try:
            self._client.head_object(Bucket=self.bucket, Key=check_key(key))
        except ClientError as error:
            if _error_code(error) in _MISSING_CODES:
                return False
            raise
        return True

    def delete(self, key: str) -> None:
        self._client.delete_object(Bucket=self.bucket, Key=check_key(key))


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))
