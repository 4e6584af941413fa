"""Photos, signatures and receipts uploaded from the phone (multipart/form-data), listed
and downloaded; limits by content and size; resends and retries make no second file."""
from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, update
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from app.auth.models import Role
from app.files import configured
from app.workorders.models import Attachment, EventKind, Status, WorkOrder, WorkOrderEvent
from tests.factories import EngineerFactory, PartnerCompanyFactory, UserFactory, WorkOrderFactory
from tests.files import samples

MOBILE = "/mobile/v1"
OFFICE_ROLES = [r for r in Role if r not in (Role.ENGINEER, Role.PARTNER_ENGINEER, Role.ADMIN)]


@pytest.fixture
def job(file_store, token_for):
    """A job on site for an engineer: (order, engineer headers)."""
    engineer = EngineerFactory()
    order = WorkOrderFactory(status=Status.ON_SITE, scheduled_engineer=engineer)
    return order, token_for(engineer.user)


def upload(client, headers, job_id, content=None, *, kind="photo", filename="photo.png",
           content_type="image/png", **fields):
    content = samples.png() if content is None else content
    data = {"kind": kind, "file": (io.BytesIO(content), filename, content_type), **fields}
    return client.post(f"{MOBILE}/jobs/{job_id}/files", headers=headers, data=data,
                       content_type="multipart/form-data")


def set_status(session, order_id: int, status: Status) -> None:
    # The order object a test made is detached once a request ends its session.
    session.execute(update(WorkOrder).where(WorkOrder.id == order_id).values(status=status))


def count(session, model, *where):
    return session.scalar(select(func.count()).select_from(model).where(*where))


def upload_events(session, order_id):
    return session.scalars(select(WorkOrderEvent).where(WorkOrderEvent.work_order_id == order_id,
                                                        WorkOrderEvent.kind == EventKind.ATTACHMENT_ADDED)).all()


# --- upload, list, download ------------------------------------------------------------------

def test_upload_list_and_download_a_photo(client, session, file_store, job):
    order, headers = job
    taken = (datetime.now(timezone.utc) - timedelta(minutes=2)).replace(microsecond=0)
    created = upload(client, headers, order.id, samples.jpeg(), filename="IMG_0042.jpg", content_type="image/jpeg",
                     caption="Fan motor, burnt winding", device_time=taken.isoformat())

    assert created.status_code == 201, created.json
    body = created.json
    assert body["kind"] == "photo" and body["content_type"] == "image/jpeg"
    assert body["filename"] == "IMG_0042.jpg" and body["size_bytes"] == len(samples.jpeg())
    assert body["caption"] == "Fan motor, burnt winding" and body["visibility"] == "internal"
    assert datetime.fromisoformat(body["device_time"]) == taken and len(body["sha256"]) == 64
    [event] = upload_events(session, order.id)
    assert event.device_time == taken and event.payload["kind"] == "photo"

    listed = client.get(f"{MOBILE}/jobs/{order.id}/files", headers=headers)
    assert listed.status_code == 200 and [f["id"] for f in listed.json] == [body["id"]]

    content = client.get(f"{MOBILE}/jobs/{order.id}/files/{body['id']}/content", headers=headers)
    assert content.status_code == 200 and content.data == samples.jpeg()
    assert content.mimetype == "image/jpeg" and content.headers["ETag"] == f'"{body["sha256"]}"'
    assert content.headers["X-Content-Type-Options"] == "nosniff"
    assert file_store.read(f"work-orders/{order.id}/{body['sha256']}") == samples.jpeg()


def test_the_same_photo_resent_is_the_same_file(client, session, file_store, job):
    order, headers = job
    first = upload(client, headers, order.id)
    again = upload(client, headers, order.id, filename="renamed-by-the-phone.png")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json == first.json
    assert count(session, Attachment, Attachment.work_order_id == order.id) == 1
    assert len(upload_events(session, order.id)) == 1
    assert len([p for p in file_store.root.rglob("*") if p.is_file()]) == 1


def test_a_receipt_may_be_a_pdf(client, job):
    order, headers = job
    receipt = upload(client, headers, order.id, samples.pdf(), kind="receipt", filename="taxi.pdf",
                     content_type="application/pdf")
    assert receipt.status_code == 201 and receipt.json["content_type"] == "application/pdf"


# --- idempotent retries ----------------------------------------------------------------------

def multipart(boundary: str, content: bytes, **fields) -> tuple[bytes, str]:
    values = MultiDict({"kind": "photo", **fields})
    values.add("file", FileStorage(io.BytesIO(content), filename="photo.png", content_type="image/png"))
    boundary, body = encode_multipart(values, boundary=boundary)
    return body, f"multipart/form-data; boundary={boundary}"


def test_a_retry_with_another_boundary_is_replayed(client, session, job):
    order, headers = job
    keyed = {**headers, "Idempotency-Key": "photo-0001"}
    body, content_type = multipart("first-boundary-1111", samples.png(), caption="Before")
    first = client.post(f"{MOBILE}/jobs/{order.id}/files", headers=keyed, data=body, content_type=content_type)
    body, content_type = multipart("retry-boundary-2222", samples.png(), caption="Before")
    retry = client.post(f"{MOBILE}/jobs/{order.id}/files", headers=keyed, data=body, content_type=content_type)

    assert first.status_code == 201, first.json
    assert retry.status_code == 201 and retry.json == first.json
    assert retry.headers.get("Idempotent-Replayed") == "true"
    assert count(session, Attachment, Attachment.work_order_id == order.id) == 1


def test_the_same_key_with_another_file_or_field_is_refused(client, session, job):
    order, headers = job
    keyed = {**headers, "Idempotency-Key": "photo-0002"}
    assert upload(client, keyed, order.id, samples.png()).status_code == 201

    other_bytes = upload(client, keyed, order.id, samples.png((9, 9, 9)))
    other_caption = upload(client, keyed, order.id, samples.png(), caption="Added later")
    for refused in (other_bytes, other_caption):
        assert refused.status_code == 422 and refused.json["status"] == "idempotency_key_reused"
    assert count(session, Attachment, Attachment.work_order_id == order.id) == 1


# --- limits ----------------------------------------------------------------------------------

def test_a_file_over_the_limit_is_refused_while_read(client, session, app, job):
    order, headers = job
    limit = app.config["UPLOAD_MAX_BYTES"]
    assert limit == 10 * 1024 * 1024
    too_big = samples.png() + b"\x00" * (limit + 1 - len(samples.png()))
    refused = upload(client, headers, order.id, too_big)
    assert refused.status_code == 413 and refused.json["status"] == "payload_too_large"
    assert count(session, Attachment, Attachment.work_order_id == order.id) == 0


def test_a_body_over_flasks_limit_is_413_in_the_error_shape(client, app, file_store, monkeypatch, job):
    order, headers = job
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 4096)
    configured.configure(store=file_store, max_bytes=2048)
    body = samples.png() + b"\x00" * 8192
    for extra in ({}, {"Idempotency-Key": "huge-1"}):
        refused = upload(client, {**headers, **extra}, order.id, body)
        assert refused.status_code == 413
        assert refused.json["status"] == "payload_too_large" and refused.json["code"] == 413


def test_content_decides_the_type_not_the_name_or_declared_type(client, session, file_store, job):
    order, headers = job
    lying = upload(client, headers, order.id, b"<html><script>alert('x')</script></html>",
                   filename="photo.jpg", content_type="image/jpeg")
    assert lying.status_code == 415 and lying.json["status"] == "unsupported_file_type"
    pdf_photo = upload(client, headers, order.id, samples.pdf(), filename="photo.png", content_type="image/png")
    assert pdf_photo.status_code == 415
    named_wrongly = upload(client, headers, order.id, samples.png(), filename="notes.txt", content_type="text/plain")
    assert named_wrongly.status_code == 201 and named_wrongly.json["content_type"] == "image/png"
    assert count(session, Attachment, Attachment.work_order_id == order.id) == 1
    assert len([p for p in file_store.root.rglob("*") if p.is_file()]) == 1


def test_an_empty_file_is_422(client, session, job):
    order, headers = job
    empty = upload(client, headers, order.id, b"")
    assert empty.status_code == 422 and empty.json["status"] == "empty_file"
    assert count(session, Attachment, Attachment.work_order_id == order.id) == 0


# --- signatures and job status ---------------------------------------------------------------

def test_the_customer_signs_while_the_engineer_is_on_site(client, session, file_store, token_for):
    engineer = EngineerFactory()
    order = WorkOrderFactory(status=Status.EN_ROUTE, scheduled_engineer=engineer)
    headers = token_for(engineer.user)

    early = upload(client, headers, order.id, kind="signature", signer_name="李先生")
    assert early.status_code == 409 and early.json["status"] == "upload_not_allowed"
    assert upload(client, headers, order.id, kind="photo").status_code == 201   # photos on the way are fine

    set_status(session, order.id, Status.ON_SITE)
    unsigned = upload(client, headers, order.id, samples.png((1, 2, 3)), kind="signature")
    assert unsigned.status_code == 422 and "signer_name" in unsigned.json["errors"]
    signed = upload(client, headers, order.id, samples.png((1, 2, 3)), kind="signature", signer_name="李先生")
    assert signed.status_code == 201, signed.json
    assert signed.json["signer_name"] == "李先生" and signed.json["visibility"] == "customer"
    assert upload_events(session, order.id)[-1].payload["signer_name"] == "李先生"


def test_no_photos_before_the_engineer_sets_off(client, session, job):
    order, headers = job
    set_status(session, order.id, Status.ACCEPTED)
    refused = upload(client, headers, order.id)
    assert refused.status_code == 409 and refused.json["details"]["status"] == "accepted"
    assert count(session, Attachment, Attachment.work_order_id == order.id) == 0


# --- who may ---------------------------------------------------------------------------------

def test_another_engineers_job_is_403_and_an_unknown_one_404(client, session, token_for, job):
    order, owner = job
    created = upload(client, owner, order.id).json
    stranger = token_for(EngineerFactory().user)

    for answer in (upload(client, stranger, order.id, samples.png((5, 5, 5))),
                   client.get(f"{MOBILE}/jobs/{order.id}/files", headers=stranger),
                   client.get(f"{MOBILE}/jobs/{order.id}/files/{created['id']}/content", headers=stranger)):
        assert answer.status_code == 403 and answer.json["status"] == "forbidden"
    assert upload(client, owner, 999999).status_code == 404
    assert count(session, Attachment, Attachment.work_order_id == order.id) == 1


def test_a_file_of_another_job_is_not_found_through_this_one(client, token_for, file_store):
    engineer = EngineerFactory()
    headers = token_for(engineer.user)
    first = WorkOrderFactory(status=Status.ON_SITE, scheduled_engineer=engineer)
    second = WorkOrderFactory(status=Status.ON_SITE, scheduled_engineer=engineer)
    file_id = upload(client, headers, first.id).json["id"]
    answer = client.get(f"{MOBILE}/jobs/{second.id}/files/{file_id}/content", headers=headers)
    assert answer.status_code == 404 and answer.json["status"] == "not_found"


def test_partner_engineers_work_on_their_companys_jobs_only(client, token_for, file_store):
    company = PartnerCompanyFactory()
    colleague = EngineerFactory(user=UserFactory(role=Role.PARTNER_ENGINEER, partner_company=company),
                                partner_company=company)
    partner = UserFactory(role=Role.PARTNER_ENGINEER, partner_company=company)
    ours = WorkOrderFactory(status=Status.ON_SITE, scheduled_engineer=colleague)
    theirs = WorkOrderFactory(status=Status.ON_SITE, scheduled_engineer=EngineerFactory())
    headers = token_for(partner)

    assert upload(client, headers, ours.id).status_code == 201
    assert len(client.get(f"{MOBILE}/jobs/{ours.id}/files", headers=headers).json) == 1
    refused = upload(client, headers, theirs.id)
    assert refused.status_code == 403 and refused.json["status"] == "forbidden"


@pytest.mark.parametrize("role", OFFICE_ROLES)
def test_office_roles_cannot_use_the_phone_endpoints(client, as_role, job, role):
    order, _ = job
    _, headers = as_role(role)
    for answer in (upload(client, headers, order.id), client.get(f"{MOBILE}/jobs/{order.id}/files", headers=headers)):
        assert answer.status_code == 403 and answer.json["status"] == "forbidden"


# --- bad input -------------------------------------------------------------------------------

def test_bad_forms_are_422_and_store_nothing(client, session, file_store, job):
    order, headers = job
    unknown = upload(client, headers, order.id, colour="red")
    assert unknown.status_code == 422 and unknown.json["status"] == "validation_error"
    assert "colour" in str(unknown.json["errors"])
    bad_kind = upload(client, headers, order.id, kind="document")
    assert bad_kind.status_code == 422 and "kind" in str(bad_kind.json["errors"])
    naive_time = upload(client, headers, order.id, device_time="2026-11-23T09:00:00")
    assert naive_time.status_code == 422
    no_file = client.post(f"{MOBILE}/jobs/{order.id}/files", headers=headers, data={"kind": "photo"},
                          content_type="multipart/form-data")
    assert no_file.status_code == 422 and "file" in str(no_file.json["errors"])
    as_json = client.post(f"{MOBILE}/jobs/{order.id}/files", headers=headers, json={"kind": "photo"})
    assert as_json.status_code == 415 and as_json.json["status"] == "unsupported_media_type"
    assert count(session, Attachment, Attachment.work_order_id == order.id) == 0
    assert not list(file_store.root.rglob("*"))


def test_the_openapi_document_shows_the_upload_form(client):
    spec = client.get("/mobile/openapi.json").json
    operation = spec["paths"]["/mobile/v1/jobs/{job_id}/files"]["post"]
    form = operation["requestBody"]["content"]["multipart/form-data"]["schema"]
    schema = spec["components"]["schemas"][form["$ref"].rsplit("/", 1)[-1]]
    assert schema["properties"]["file"] == {**schema["properties"]["file"], "type": "string", "format": "binary"}
    assert set(schema["properties"]) == {"file", "kind", "caption", "device_time", "signer_name"}
    assert set(schema["required"]) == {"file", "kind"}
    assert {"200", "201", "409", "413", "415"} <= set(operation["responses"])
    assert any(p["name"] == "Idempotency-Key" for p in operation["parameters"])
