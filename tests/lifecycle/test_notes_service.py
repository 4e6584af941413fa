import pytest

from app.auth.models import Role
from app.errors import ValidationFailedError
from app.workorders.models import EventKind, NoteVisibility
from app.workorders.notes import add_attachment, add_note, list_notes, mentioned_usernames, timeline
from tests.factories import UserFactory, WorkOrderFactory


def test_mentions_are_parsed_once_and_ignore_email_addresses():
    assert mentioned_usernames("@li.na please call wang@example.com, cc @Zhang_wei and @li.na.") == \
        ["li.na", "zhang_wei"]


def test_internal_note_resolves_staff_mentions_only(session):
    order = WorkOrderFactory()
    agent = UserFactory(role=Role.AGENT, username="li.na")
    UserFactory(role=Role.CUSTOMER, username="boss")
    author = UserFactory(role=Role.DISPATCHER)
    note = add_note(session, order=order, author=author, body="@li.na @boss @nobody check the van stock",
                    visibility=NoteVisibility.INTERNAL)
    assert [m.user_id for m in note.mentions] == [agent.id]
    event = timeline(session, order=order, viewer=author)[-1]
    assert event.kind is EventKind.NOTE_ADDED and event.payload["mentions"] == [agent.id]


def test_customers_see_only_comments_meant_for_them(session):
    order = WorkOrderFactory()
    staff = UserFactory(role=Role.AGENT)
    customer = UserFactory(role=Role.CUSTOMER)
    add_note(session, order=order, author=staff, body="internal: VIP, be careful", visibility=NoteVisibility.INTERNAL)
    add_note(session, order=order, author=staff, body="We will arrive at 10:00", visibility=NoteVisibility.CUSTOMER)
    add_attachment(session, order=order, uploader=staff, filename="wiring.pdf", content_type="application/pdf",
                   size_bytes=1000, storage_key="k/1")
    assert [n.body for n in list_notes(session, order=order, viewer=customer)] == ["We will arrive at 10:00"]
    assert len(list_notes(session, order=order, viewer=staff)) == 2
    kinds = [e.kind for e in timeline(session, order=order, viewer=customer)]
    assert kinds == [EventKind.NOTE_ADDED]
    assert len(timeline(session, order=order, viewer=staff)) == 3


def test_customer_cannot_write_internal_notes(session):
    with pytest.raises(ValidationFailedError):
        add_note(session, order=WorkOrderFactory(), author=UserFactory(role=Role.CUSTOMER), body="hi",
                 visibility=NoteVisibility.INTERNAL)


def test_attachment_limits(session):
    order, staff = WorkOrderFactory(), UserFactory(role=Role.AGENT)
    with pytest.raises(ValidationFailedError):
        add_attachment(session, order=order, uploader=staff, filename="x.exe",
                       content_type="application/x-msdownload", size_bytes=10, storage_key="k")
    with pytest.raises(ValidationFailedError):
        add_attachment(session, order=order, uploader=staff, filename="big.mp4", content_type="video/mp4",
                       size_bytes=26 * 1024 * 1024, storage_key="k")
