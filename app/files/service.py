"""Uploads become work-order attachments: checked by their content, stored once.

An upload is read in chunks up to the size limit, hashed (SHA-256) and typed by its
magic bytes. Its key in the file store is `work-orders/{order_id}/{sha256}`, so the
same bytes are one object however often they are sent, and the same bytes uploaded
again as the same kind to the same order are the same attachment: `store_upload`
returns the existing one and writes nothing (no row, no event, no object).
"""
from __future__ import annotations

import hashlib
import io
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import Role, User
from app.db import utcnow
from app.errors import ValidationFailedError
from app.files import sniff
from app.files.configured import current
from app.files.errors import EmptyFileError, FileTooLargeError, StoredFileMissingError, UnsupportedFileTypeError, \
    UploadNotAllowedError
from app.workorders.events import bounded_device_time, record_event
from app.workorders.models import Attachment, AttachmentKind, EventKind, NoteVisibility, Status, WorkOrder

IMAGE_TYPES = frozenset({sniff.JPEG, sniff.PNG, sniff.WEBP, sniff.HEIC})
DOCUMENT_TYPES = IMAGE_TYPES | {sniff.PDF}
ACCEPTED_TYPES: dict[AttachmentKind, frozenset[str]] = {
    AttachmentKind.PHOTO: IMAGE_TYPES,
    AttachmentKind.SIGNATURE: IMAGE_TYPES,
    AttachmentKind.RECEIPT: DOCUMENT_TYPES,
    AttachmentKind.DOCUMENT: DOCUMENT_TYPES,
}
# The job statuses in which each kind may be added (None: any). The customer signs
# while the engineer is there; photos from the road to the end of the visit;
# receipts (travel, parts bought) from acceptance to resolution.
UPLOAD_STATUSES: dict[AttachmentKind, frozenset[Status] | None] = {
    AttachmentKind.SIGNATURE: frozenset({Status.ON_SITE, Status.ON_HOLD}),
    AttachmentKind.PHOTO: frozenset({Status.EN_ROUTE, Status.ON_SITE, Status.ON_HOLD, Status.RESOLVED}),
    AttachmentKind.RECEIPT: frozenset({Status.ACCEPTED, Status.EN_ROUTE, Status.ON_SITE, Status.ON_HOLD,
                                       Status.RESOLVED}),
    AttachmentKind.DOCUMENT: None,
}
MAX_FILENAME_LENGTH = 255
_CHUNK_BYTES = 64 * 1024
# Uploads up to this size stay in memory while they are checked; larger ones spill to disk.
_IN_MEMORY_BYTES = 1024 * 1024


def storage_key(order_id: int, sha256: str) -> str:
    """Where the content with this hash is kept for this order."""
    return f"work-orders/{order_id}/{sha256}"


def store_upload(session: Session, *, order: WorkOrder, uploader: User, kind: AttachmentKind | str,
                 filename: str | None, stream_or_bytes: bytes | BinaryIO, caption: str | None = None,
                 device_time: datetime | None = None, signer_name: str | None = None,
                 visibility: NoteVisibility | None = None) -> tuple[Attachment, bool]:
    """Store an uploaded file as an attachment of `order` (locked by the caller, so that
    two identical uploads racing each other make one attachment).

    Returns `(attachment, created)`: `created` is False when the same bytes were already
    uploaded as the same kind to this order — that attachment is returned and nothing
    is written. Otherwise the content goes to the file store (unless the order already
    has it under another kind), a row is added and an `attachment_added` event records
    the kind, with the phone's `device_time`.

    Raises FileTooLargeError (413) over the configured limit, EmptyFileError (422),
    UnsupportedFileTypeError (415) when the content is not a type `kind` accepts,
    ValidationFailedError (422) for a signature without `signer_name` (or a signer on
    anything else) and a bad `device_time`, UploadNotAllowedError (409) when the job's
    status does not allow this kind now. Visibility defaults to customer-visible for
    signatures and internal otherwise; a customer's uploads are always customer-visible.
    """
    kind = AttachmentKind(kind)
    signer_name = (signer_name or "").strip() or None
    if kind is AttachmentKind.SIGNATURE and signer_name is None:
        raise ValidationFailedError("A signature needs the signer's name",
                                    errors={"signer_name": ["required for a signature"]})
    if kind is not AttachmentKind.SIGNATURE and signer_name is not None:
        raise ValidationFailedError("Only a signature has a signer",
                                    errors={"signer_name": ["only for signatures"]})
    device_time = bounded_device_time(device_time, utcnow())
    settings = current()
    with _received(stream_or_bytes, max_bytes=settings.max_bytes) as upload:
        content_type = sniff.sniff_content_type(upload.head)
        if content_type not in ACCEPTED_TYPES[kind]:
            accepted = sorted(ACCEPTED_TYPES[kind])
            raise UnsupportedFileTypeError(f"A {kind.value} must be one of {', '.join(accepted)}",
                                           errors={"file": [f"content is not one of {accepted}"]},
                                           accepted_types=accepted)
        existing = session.scalar(select(Attachment).where(Attachment.work_order_id == order.id,
                                                           Attachment.kind == kind,
                                                           Attachment.sha256 == upload.sha256))
        if existing is not None:
            return existing, False
        allowed = UPLOAD_STATUSES[kind]
        if allowed is not None and order.status not in allowed:
            raise UploadNotAllowedError(
                f"A {kind.value} cannot be added while the job is {order.status.value}",
                status=order.status.value, allowed_statuses=sorted(s.value for s in allowed))
        key = storage_key(order.id, upload.sha256)
        # The same content under another kind is already there: one object serves both.
        if not settings.store.exists(key):
            settings.store.put(key, upload.file, content_type=content_type)
    if uploader.role is Role.CUSTOMER:
        visibility = NoteVisibility.CUSTOMER
    elif visibility is None:
        visibility = NoteVisibility.CUSTOMER if kind is AttachmentKind.SIGNATURE else NoteVisibility.INTERNAL
    attachment = Attachment(work_order_id=order.id, kind=kind, filename=_display_name(filename, kind, content_type),
                            content_type=content_type, size_bytes=upload.size, storage_key=key,
                            sha256=upload.sha256, visibility=visibility, caption=caption or None,
                            signer_name=signer_name, device_time=device_time, uploaded_by_id=uploader.id)
    session.add(attachment)
    session.flush()
    payload = {"attachment_id": attachment.id, "kind": kind.value, "filename": attachment.filename,
               "visibility": visibility.value}
    if signer_name is not None:
        payload["signer_name"] = signer_name
    record_event(session, order=order, kind=EventKind.ATTACHMENT_ADDED, actor=uploader,
                 device_time=device_time, payload=payload)
    return attachment, True


def open_content(attachment: Attachment) -> BinaryIO:
    """A readable stream of an uploaded attachment's bytes; the caller closes it.

    Rows recorded by metadata alone (no hash) point at files kept elsewhere under a key
    their writer chose, so they are never read from the store: StoredFileMissingError.
    """
    if attachment.sha256 is None:
        raise StoredFileMissingError("This attachment was recorded by metadata only; its file is kept elsewhere",
                                     attachment_id=attachment.id)
    return current().store.open(attachment.storage_key)


@dataclass
class _Upload:
    file: BinaryIO   # positioned at the start
    size: int
    sha256: str
    head: bytes


@contextmanager
def _received(stream_or_bytes: bytes | BinaryIO, *, max_bytes: int) -> Iterator[_Upload]:
    """Read the upload once, in chunks, into a spooled temporary file while counting
    and hashing it; stop as soon as it is over `max_bytes`."""
    if isinstance(stream_or_bytes, (bytes, bytearray, memoryview)):
        stream_or_bytes = io.BytesIO(bytes(stream_or_bytes))
    digest = hashlib.sha256()
    size = 0
    head = b""
    with tempfile.SpooledTemporaryFile(max_size=_IN_MEMORY_BYTES) as spool:
        while chunk := stream_or_bytes.read(_CHUNK_BYTES):
            size += len(chunk)
            if size > max_bytes:
                raise FileTooLargeError(f"The file is larger than {max_bytes} bytes", max_bytes=max_bytes)
            if len(head) < sniff.SNIFF_BYTES:
                head += chunk[:sniff.SNIFF_BYTES - len(head)]
            digest.update(chunk)
            spool.write(chunk)
        if size == 0:
            raise EmptyFileError("The file is empty", errors={"file": ["empty"]})
        spool.seek(0)
        yield _Upload(file=spool, size=size, sha256=digest.hexdigest(), head=head)


def _display_name(filename: str | None, kind: AttachmentKind, content_type: str) -> str:
    """The name to show and download under: the client's base name without control
    characters, or `<kind><extension>` when it gave none."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    if not name:
        name = f"{kind.value}{sniff.EXTENSIONS[content_type]}"
    if len(name) > MAX_FILENAME_LENGTH:
        stem, dot, extension = name.rpartition(".")
        suffix = f".{extension}" if dot and stem and len(extension) <= 16 else ""
        name = name[:MAX_FILENAME_LENGTH - len(suffix)] + suffix
    return name
