"""The back office lists files with their kind and downloads them, customers only
the files shared with them; the metadata-only POST still works."""
import pytest
from sqlalchemy import select

from app.auth.models import Role
from app.files.service import store_upload
from app.workorders.models import Attachment, Status
from tests.factories import ContactFactory, EngineerFactory, UserFactory, WorkOrderFactory
from tests.files import samples


@pytest.fixture
def visited(session, file_store):
    """An order with a customer-visible signature and an internal photo from the phone."""
    engineer = EngineerFactory()
    order = WorkOrderFactory(status=Status.ON_SITE, scheduled_engineer=engineer)
    signature, _ = store_upload(session, order=order, uploader=engineer.user, kind="signature", filename="sig.png",
                                stream_or_bytes=samples.png(), signer_name="张先生")
    photo, _ = store_upload(session, order=order, uploader=engineer.user, kind="photo", filename="unit.jpg",
                            stream_or_bytes=samples.jpeg())
    return order, signature, photo


def content_url(order_id, attachment_id):
    return f"/api/v1/work-orders/{order_id}/attachments/{attachment_id}/content"


def test_staff_list_kinds_and_download(client, as_role, visited):
    order, signature, photo = visited
    _, dispatcher = as_role(Role.DISPATCHER)
    listed = client.get(f"/api/v1/work-orders/{order.id}/attachments", headers=dispatcher).json
    assert [(a["kind"], a["signer_name"]) for a in listed] == [("signature", "张先生"), ("photo", None)]
    downloaded = client.get(content_url(order.id, photo.id), headers=dispatcher)
    assert downloaded.status_code == 200 and downloaded.data == samples.jpeg()
    assert downloaded.mimetype == "image/jpeg" and "unit.jpg" in downloaded.headers["Content-Disposition"]


def test_customers_get_only_files_shared_with_them(client, token_for, visited):
    order, signature, photo = visited
    customer = UserFactory(role=Role.CUSTOMER)
    ContactFactory(customer=order.customer, user=customer)
    headers = token_for(customer)

    assert [a["kind"] for a in client.get(f"/api/v1/work-orders/{order.id}/attachments", headers=headers).json] \
        == ["signature"]
    shared = client.get(content_url(order.id, signature.id), headers=headers)
    assert shared.status_code == 200 and shared.data == samples.png()
    internal = client.get(content_url(order.id, photo.id), headers=headers)
    assert internal.status_code == 404 and internal.json["status"] == "not_found"

    stranger = UserFactory(role=Role.CUSTOMER)
    ContactFactory(user=stranger)
    assert client.get(content_url(order.id, signature.id), headers=token_for(stranger)).status_code == 404


def test_warehouse_may_not_download(client, as_role, visited):
    order, signature, _ = visited
    _, warehouse = as_role(Role.WAREHOUSE)
    answer = client.get(content_url(order.id, signature.id), headers=warehouse)
    assert answer.status_code == 403 and answer.json["status"] == "forbidden"


def test_metadata_only_files_are_still_recorded_but_not_served(client, session, as_role, file_store):
    order = WorkOrderFactory()
    _, agent = as_role(Role.AGENT)
    created = client.post(f"/api/v1/work-orders/{order.id}/attachments", headers=agent, json={
        "filename": "manual.pdf", "content_type": "application/pdf", "size_bytes": 1200,
        "storage_key": "legacy/manuals/vrv-iv.pdf"})
    assert created.status_code == 201, created.json
    assert created.json["kind"] == "document" and created.json["sha256"] is None
    assert session.scalar(select(Attachment.kind).where(Attachment.id == created.json["id"])).value == "document"

    answer = client.get(content_url(order.id, created.json["id"]), headers=agent)
    assert answer.status_code == 404 and answer.json["status"] == "file_not_stored"
