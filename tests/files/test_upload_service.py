"""store_upload: checked by content, stored once, deduplicated per order, kind and bytes."""
import io
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.errors import ValidationFailedError
from app.files import configured
from app.files.errors import EmptyFileError, FileTooLargeError, UnsupportedFileTypeError, UploadNotAllowedError
from app.files.service import open_content, storage_key, store_upload
from app.workorders.models import Attachment, AttachmentKind, EventKind, NoteVisibility, Status, WorkOrderEvent
from tests.factories import EngineerFactory, UserFactory, WorkOrderFactory
from tests.files import samples


@pytest.fixture
def job():
    engineer = EngineerFactory()
    return WorkOrderFactory(status=Status.ON_SITE, scheduled_engineer=engineer), engineer.user


def count(session, model, *where):
    return session.scalar(select(func.count()).select_from(model).where(*where))


def attachment_events(session, order):
    return session.scalars(select(WorkOrderEvent).where(WorkOrderEvent.work_order_id == order.id,
                                                        WorkOrderEvent.kind == EventKind.ATTACHMENT_ADDED)).all()


def test_a_photo_is_stored_under_its_hash_with_an_event(session, file_store, job):
    order, engineer = job
    taken = datetime.now(timezone.utc) - timedelta(minutes=3)
    attachment, created = store_upload(session, order=order, uploader=engineer, kind="photo",
                                       filename="C:\\DCIM\\IMG_0001.png", stream_or_bytes=io.BytesIO(samples.png()),
                                       caption="Compressor before", device_time=taken)

    assert created and attachment.kind is AttachmentKind.PHOTO
    assert attachment.content_type == "image/png" and attachment.size_bytes == len(samples.png())
    assert attachment.filename == "IMG_0001.png" and attachment.caption == "Compressor before"
    assert attachment.storage_key == storage_key(order.id, attachment.sha256) == f"work-orders/{order.id}/{attachment.sha256}"
    assert attachment.visibility is NoteVisibility.INTERNAL and attachment.device_time == taken
    assert file_store.read(attachment.storage_key) == samples.png()
    with open_content(attachment) as stream:
        assert stream.read() == samples.png()
    [event] = attachment_events(session, order)
    assert event.device_time == taken and event.actor_id == engineer.id
    assert event.payload == {"attachment_id": attachment.id, "kind": "photo", "filename": "IMG_0001.png",
                             "visibility": "internal"}


def test_the_same_bytes_again_are_the_same_attachment_and_nothing_is_written(session, file_store, job, monkeypatch):
    order, engineer = job
    first, _ = store_upload(session, order=order, uploader=engineer, kind="photo", filename="a.png",
                            stream_or_bytes=samples.png())
    writes = []
    monkeypatch.setattr(file_store, "put", lambda *args, **kwargs: writes.append(args))

    again, created = store_upload(session, order=order, uploader=engineer, kind="photo", filename="renamed.png",
                                  stream_or_bytes=samples.png(), caption="resent")

    assert not created and again.id == first.id and again.caption is None
    assert writes == []
    assert count(session, Attachment, Attachment.work_order_id == order.id) == 1
    assert len(attachment_events(session, order)) == 1


def test_other_bytes_or_another_kind_are_new_files_sharing_one_object(session, file_store, job):
    order, engineer = job
    photo, _ = store_upload(session, order=order, uploader=engineer, kind="photo", filename="a.png",
                            stream_or_bytes=samples.png())
    receipt, created = store_upload(session, order=order, uploader=engineer, kind="receipt", filename="a.png",
                                    stream_or_bytes=samples.png())
    other, _ = store_upload(session, order=order, uploader=engineer, kind="photo", filename="b.png",
                            stream_or_bytes=samples.png((0, 0, 0)))

    assert created and receipt.id != photo.id and receipt.storage_key == photo.storage_key
    assert other.sha256 != photo.sha256
    assert len(list((file_store.root / "work-orders" / str(order.id)).iterdir())) == 2


def test_size_limit_is_enforced_while_reading(session, file_store, job):
    order, engineer = job
    configured.configure(store=file_store, max_bytes=len(samples.png()))
    exact, _ = store_upload(session, order=order, uploader=engineer, kind="photo", filename="ok.png",
                            stream_or_bytes=samples.png())
    assert exact.size_bytes == len(samples.png())

    read = []

    class EndlessCamera(io.RawIOBase):
        def readable(self):
            return True

        def readinto(self, buffer):
            read.append(len(buffer))
            buffer[:8] = b"\x89PNG\r\n\x1a\n"
            return len(buffer)

    with pytest.raises(FileTooLargeError) as refused:
        store_upload(session, order=order, uploader=engineer, kind="photo", filename="huge.png",
                     stream_or_bytes=io.BufferedReader(EndlessCamera()))
    assert refused.value.http_status == 413 and refused.value.code == "payload_too_large"
    assert sum(read) < len(samples.png()) + 2 * 64 * 1024   # stopped early, not read to the end
    assert count(session, Attachment, Attachment.work_order_id == order.id) == 1


def test_types_are_judged_by_content_per_kind(session, file_store, job):
    order, engineer = job
    with pytest.raises(UnsupportedFileTypeError) as refused:
        store_upload(session, order=order, uploader=engineer, kind="photo", filename="photo.jpg",
                     stream_or_bytes=b"<html><script>alert(1)</script></html>")
    assert refused.value.http_status == 415 and refused.value.code == "unsupported_file_type"
    with pytest.raises(UnsupportedFileTypeError):
        store_upload(session, order=order, uploader=engineer, kind="photo", filename="scan.pdf",
                     stream_or_bytes=samples.pdf())
    receipt, _ = store_upload(session, order=order, uploader=engineer, kind="receipt", filename=None,
                              stream_or_bytes=samples.pdf())
    jpeg, _ = store_upload(session, order=order, uploader=engineer, kind="photo", filename="",
                           stream_or_bytes=samples.jpeg())
    assert (receipt.content_type, receipt.filename) == ("application/pdf", "receipt.pdf")
    assert (jpeg.content_type, jpeg.filename) == ("image/jpeg", "photo.jpg")
    with pytest.raises(EmptyFileError) as empty:
        store_upload(session, order=order, uploader=engineer, kind="photo", filename="x.png", stream_or_bytes=b"")
    assert empty.value.http_status == 422 and empty.value.code == "empty_file"
    assert file_store.exists(receipt.storage_key) and len(list(file_store.root.rglob("*"))) == 4  # 2 dirs, 2 files


def test_a_signature_needs_its_signer_and_the_engineer_on_site(session, file_store):
    engineer = EngineerFactory()
    order = WorkOrderFactory(status=Status.EN_ROUTE, scheduled_engineer=engineer)
    with pytest.raises(ValidationFailedError) as unsigned:
        store_upload(session, order=order, uploader=engineer.user, kind="signature", filename="s.png",
                     stream_or_bytes=samples.png())
    assert "signer_name" in unsigned.value.errors
    with pytest.raises(UploadNotAllowedError) as early:
        store_upload(session, order=order, uploader=engineer.user, kind="signature", filename="s.png",
                     stream_or_bytes=samples.png(), signer_name="王女士")
    assert early.value.http_status == 409 and early.value.details["allowed_statuses"] == ["on_hold", "on_site"]
    with pytest.raises(ValidationFailedError):
        store_upload(session, order=order, uploader=engineer.user, kind="photo", filename="p.png",
                     stream_or_bytes=samples.png(), signer_name="王女士")

    order.status = Status.ON_SITE
    signature, created = store_upload(session, order=order, uploader=engineer.user, kind="signature",
                                      filename="s.png", stream_or_bytes=samples.png(), signer_name=" 王女士 ")
    assert created and signature.signer_name == "王女士" and signature.visibility is NoteVisibility.CUSTOMER
    assert attachment_events(session, order)[-1].payload["signer_name"] == "王女士"

    # A resend after the job moved on is still the same signature, not a refusal.
    order.status = Status.RESOLVED
    again, created = store_upload(session, order=order, uploader=engineer.user, kind="signature",
                                  filename="s.png", stream_or_bytes=samples.png(), signer_name="王女士")
    assert not created and again.id == signature.id


@pytest.mark.parametrize(("kind", "status", "allowed"), [
    ("photo", Status.ASSIGNED, False), ("photo", Status.EN_ROUTE, True), ("photo", Status.RESOLVED, True),
    ("photo", Status.CLOSED, False), ("receipt", Status.ACCEPTED, True), ("receipt", Status.CANCELLED, False),
    ("document", Status.CLOSED, True),
])
def test_which_kinds_each_status_allows(session, file_store, kind, status, allowed):
    engineer = EngineerFactory()
    order = WorkOrderFactory(status=status, scheduled_engineer=engineer)
    if allowed:
        assert store_upload(session, order=order, uploader=engineer.user, kind=kind, filename="f.png",
                            stream_or_bytes=samples.png())[1]
    else:
        with pytest.raises(UploadNotAllowedError):
            store_upload(session, order=order, uploader=engineer.user, kind=kind, filename="f.png",
                         stream_or_bytes=samples.png())
        assert not list(file_store.root.rglob("*"))


def test_device_time_must_have_an_offset_and_not_be_in_the_future(session, file_store, job):
    order, engineer = job
    for bad in (datetime(2026, 1, 1, 9, 0), datetime.now(timezone.utc) + timedelta(hours=1)):
        with pytest.raises(ValidationFailedError):
            store_upload(session, order=order, uploader=engineer, kind="photo", filename="p.png",
                         stream_or_bytes=samples.png(), device_time=bad)
    assert count(session, Attachment, Attachment.work_order_id == order.id) == 0


def test_customers_uploads_are_customer_visible(session, file_store, job):
    order, _ = job
    customer = UserFactory(role=Role.CUSTOMER)
    attachment, _ = store_upload(session, order=order, uploader=customer, kind="document", filename="quote.pdf",
                                 stream_or_bytes=samples.pdf(), visibility=NoteVisibility.INTERNAL)
    assert attachment.visibility is NoteVisibility.CUSTOMER
