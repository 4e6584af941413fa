"""S3FileStore against moto's S3 served over real HTTP on 127.0.0.1: boto3 talks to
it exactly as to any S3-compatible service."""
import io

import boto3
import pytest
from moto.server import ThreadedMotoServer

from app.files.configured import store_from_settings
from app.files.errors import StoredFileMissingError
from app.files.s3 import S3FileStore
from tests.files import samples

BUCKET = "gongdan-uploads"
CREDENTIALS = {"access_key_id": "test-access-key", "secret_access_key": "test-secret-key"}


@pytest.fixture(scope="module")
def s3_url():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_store(s3_url):
    client = boto3.client("s3", endpoint_url=s3_url, region_name="us-east-1",
                          aws_access_key_id=CREDENTIALS["access_key_id"],
                          aws_secret_access_key=CREDENTIALS["secret_access_key"])
    client.create_bucket(Bucket=BUCKET)
    yield S3FileStore(BUCKET, endpoint_url=s3_url, region="us-east-1", **CREDENTIALS)
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def test_round_trip_keeps_bytes_and_content_type(s3_store, s3_url):
    s3_store.put("work-orders/7/abc", samples.jpeg(), content_type="image/jpeg")

    assert s3_store.exists("work-orders/7/abc")
    assert s3_store.read("work-orders/7/abc") == samples.jpeg()
    head = boto3.client("s3", endpoint_url=s3_url, region_name="us-east-1",
                        aws_access_key_id=CREDENTIALS["access_key_id"],
                        aws_secret_access_key=CREDENTIALS["secret_access_key"]).head_object(
        Bucket=BUCKET, Key="work-orders/7/abc")
    assert head["ContentType"] == "image/jpeg" and head["ContentLength"] == len(samples.jpeg())


def test_large_files_go_up_in_parts(s3_store):
    # Above boto3's 8 MiB multipart threshold: several parts, one object.
    big = bytes(range(256)) * (9 * 1024 * 1024 // 256)
    s3_store.put("work-orders/7/big", io.BytesIO(big), content_type="application/pdf")
    stream = s3_store.open("work-orders/7/big")
    try:
        assert stream.read() == big
    finally:
        stream.close()


def test_missing_objects_and_delete(s3_store):
    assert not s3_store.exists("work-orders/7/none")
    with pytest.raises(StoredFileMissingError):
        s3_store.open("work-orders/7/none")
    s3_store.put("work-orders/7/gone", b"%PDF-1.4", content_type="application/pdf")
    s3_store.delete("work-orders/7/gone")
    s3_store.delete("work-orders/7/gone")
    assert not s3_store.exists("work-orders/7/gone")


def test_settings_choose_the_s3_store(s3_store, s3_url):
    store = store_from_settings({"FILE_STORE": "s3", "S3_BUCKET": BUCKET, "S3_ENDPOINT_URL": s3_url,
                                 "S3_REGION": "us-east-1", "S3_ACCESS_KEY_ID": CREDENTIALS["access_key_id"],
                                 "S3_SECRET_ACCESS_KEY": CREDENTIALS["secret_access_key"],
                                 "S3_ADDRESSING_STYLE": "path"})
    assert isinstance(store, S3FileStore)
    store.put("work-orders/1/x", samples.png(), content_type="image/png")
    assert s3_store.read("work-orders/1/x") == samples.png()
