"""Idempotency fingerprints judge a body by its meaning: JSON key order and spacing,
and a multipart boundary, do not make another request."""
import io
import json

from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from app.idempotency.web import request_fingerprint


def fingerprint(app, *, path="/mobile/v1/jobs/1/files", **request):
    with app.test_request_context(path, method="POST", **request):
        from flask import request as current
        return request_fingerprint(current)


def test_json_is_compared_as_parsed(app):
    compact = fingerprint(app, data='{"a":1,"b":{"y":[1,2],"x":"中"}}', content_type="application/json")
    spaced = fingerprint(app, data=json.dumps({"b": {"x": "中", "y": [1, 2]}, "a": 1}, indent=2),
                         content_type="application/json; charset=utf-8")
    assert compact == spaced
    assert compact != fingerprint(app, data='{"a":2,"b":{"y":[1,2],"x":"中"}}', content_type="application/json")
    assert compact != fingerprint(app, path="/mobile/v1/jobs/2/files", data='{"a":1,"b":{"y":[1,2],"x":"中"}}',
                                  content_type="application/json")


def test_broken_json_and_other_bodies_are_compared_as_bytes(app):
    assert fingerprint(app, data="{oops", content_type="application/json") == \
        fingerprint(app, data="{oops", content_type="application/json")
    assert fingerprint(app, data="{oops", content_type="application/json") != \
        fingerprint(app, data="{oops ", content_type="application/json")
    assert fingerprint(app, data=b"a=1", content_type="text/plain") != \
        fingerprint(app, data=b"a=2", content_type="text/plain")


def multipart(boundary, content, filename="p.png", **fields):
    values = MultiDict(fields)
    values.add("file", FileStorage(io.BytesIO(content), filename=filename, content_type="image/png"))
    boundary, body = encode_multipart(values, boundary=boundary)
    return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}


def test_multipart_is_compared_by_fields_and_file_hashes(app):
    first = fingerprint(app, **multipart("aaaa", b"\x89PNG one", kind="photo", caption="x"))
    assert first == fingerprint(app, **multipart("bbbb", b"\x89PNG one", caption="x", kind="photo"))
    assert first != fingerprint(app, **multipart("cccc", b"\x89PNG two", kind="photo", caption="x"))
    assert first != fingerprint(app, **multipart("dddd", b"\x89PNG one", kind="photo", caption="y"))
    assert first != fingerprint(app, **multipart("eeee", b"\x89PNG one", filename="q.png", kind="photo", caption="x"))
