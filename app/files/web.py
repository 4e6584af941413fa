"""Serving a stored attachment's bytes over HTTP (shared by the back-office and
mobile APIs)."""
from __future__ import annotations

from flask import Response, send_file

from app.files.service import open_content
from app.workorders.models import Attachment


def send_content(attachment: Attachment) -> Response:
    """The attachment's bytes, shown inline under its file name with the type read
    from its content. `ETag` is the content's SHA-256; ranges are not offered, since
    an S3 object arrives as a stream that cannot seek."""
    response = send_file(open_content(attachment), mimetype=attachment.content_type,
                         download_name=attachment.filename, conditional=False, max_age=0)
    response.content_length = attachment.size_bytes
    response.set_etag(attachment.sha256)
    # Browsers must not guess another type (an "image" that is really HTML).
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
