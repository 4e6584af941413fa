"""Notes, customer-visible comments with @mentions, attachment metadata, and the
timeline as each viewer may see it."""
from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.auth.models import Role, User
from app.errors import NotFoundError, ValidationFailedError
from app.workorders.events import record_event
from app.workorders.models import (Attachment, EventKind, NoteMention, NoteVisibility, WorkOrder,
                                   WorkOrderEvent, WorkOrderNote)

MENTION_RE = re.compile(r"(?<![\w@])@([a-z0-9_.-]{2,64})", re.IGNORECASE)
MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024
ALLOWED_CONTENT_TYPES = frozenset({
    "image/jpeg", "image/png", "image/webp", "image/heic", "application/pdf", "text/plain",
    "video/mp4", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
})


def mentioned_usernames(body: str) -> list[str]:
    """`@handles` in a note body, lower-cased, in order of first appearance. Pure."""
    seen: dict[str, None] = {}
    for match in MENTION_RE.finditer(body):
        seen.setdefault(match.group(1).lower().rstrip("."), None)
    return list(seen)


def add_note(session: Session, *, order: WorkOrder, author: User, body: str,
             visibility: NoteVisibility) -> WorkOrderNote:
    """Add a note. Customers only write customer-visible comments. Mentions resolve to
    active users; an internal note never mentions (and so never notifies) a customer."""
    if author.role is Role.CUSTOMER and visibility is not NoteVisibility.CUSTOMER:
        raise ValidationFailedError("Customers can only add customer-visible comments",
                                    errors={"visibility": ["must be customer"]})
    handles = mentioned_usernames(body)
    mentioned = []
    if handles:
        query = select(User).where(User.username.in_(handles), User.is_active)
        if visibility is NoteVisibility.INTERNAL:
            query = query.where(User.role != Role.CUSTOMER)
        mentioned = session.scalars(query.order_by(User.id)).all()
    note = WorkOrderNote(work_order_id=order.id, author=author, visibility=visibility, body=body,
                         mentions=[NoteMention(user_id=u.id) for u in mentioned])
    session.add(note)
    session.flush()
    record_event(session, order=order, kind=EventKind.NOTE_ADDED, actor=author,
                 payload={"note_id": note.id, "visibility": visibility.value,
                          "mentions": [u.id for u in mentioned]})
    return note


def list_notes(session: Session, *, order: WorkOrder, viewer: User) -> list[WorkOrderNote]:
    query = (select(WorkOrderNote).where(WorkOrderNote.work_order_id == order.id)
             .options(selectinload(WorkOrderNote.author),
                      selectinload(WorkOrderNote.mentions).selectinload(NoteMention.user))
             .order_by(WorkOrderNote.created_at, WorkOrderNote.id))
    if viewer.role is Role.CUSTOMER:
        query = query.where(WorkOrderNote.visibility == NoteVisibility.CUSTOMER)
    return list(session.scalars(query))


def add_attachment(session: Session, *, order: WorkOrder, uploader: User, filename: str,
                   content_type: str, size_bytes: int, storage_key: str,
                   visibility: NoteVisibility = NoteVisibility.INTERNAL) -> Attachment:
    """Record a stored file's metadata. Refuses unknown content types and files over 25 MiB."""
    if content_type not in ALLOWED_CONTENT_TYPES:
        raise ValidationFailedError(f"Content type {content_type!r} is not accepted",
                                    errors={"content_type": ["not allowed"]})
    if size_bytes > MAX_ATTACHMENT_BYTES:
        raise ValidationFailedError("File too large", errors={"size_bytes": [f"max {MAX_ATTACHMENT_BYTES}"]})
    if uploader.role is Role.CUSTOMER:
        visibility = NoteVisibility.CUSTOMER
    attachment = Attachment(work_order_id=order.id, filename=filename, content_type=content_type,
                            size_bytes=size_bytes, storage_key=storage_key, visibility=visibility,
                            uploaded_by_id=uploader.id)
    session.add(attachment)
    session.flush()
    record_event(session, order=order, kind=EventKind.ATTACHMENT_ADDED, actor=uploader,
                 payload={"attachment_id": attachment.id, "filename": filename, "visibility": visibility.value})
    return attachment


def list_attachments(session: Session, *, order: WorkOrder, viewer: User) -> list[Attachment]:
    """The order's files, oldest first; customers only see files shared with them."""
    return list(session.scalars(_visible_attachments(order, viewer).order_by(Attachment.id)))


def get_attachment(session: Session, *, order: WorkOrder, attachment_id: int, viewer: User) -> Attachment:
    """One file of the order as `viewer` may see it (the rules of `list_attachments`);
    NotFoundError otherwise, so a customer cannot tell an internal file exists."""
    attachment = session.scalar(_visible_attachments(order, viewer).where(Attachment.id == attachment_id))
    if attachment is None:
        raise NotFoundError(f"Attachment {attachment_id} not found", attachment_id=attachment_id)
    return attachment


def _visible_attachments(order: WorkOrder, viewer: User):
    query = select(Attachment).where(Attachment.work_order_id == order.id)
    if viewer.role is Role.CUSTOMER:
        query = query.where(Attachment.visibility == NoteVisibility.CUSTOMER)
    return query


def timeline(session: Session, *, order: WorkOrder, viewer: User) -> list[WorkOrderEvent]:
    """The order's events oldest first; customers do not see internal notes and files, nor
    the audit entries of automation rules (their names and logic are internal), nor the
    engineer's checklist answers (the company's working record) and expenses."""
    events = session.scalars(select(WorkOrderEvent).where(WorkOrderEvent.work_order_id == order.id)
                             .options(selectinload(WorkOrderEvent.actor))
                             .order_by(WorkOrderEvent.server_time, WorkOrderEvent.id)).all()
    if viewer.role is not Role.CUSTOMER:
        return list(events)
    return [e for e in events if e.kind not in (EventKind.RULE, EventKind.CHECKLIST, EventKind.EXPENSE) and (
            e.kind not in (EventKind.NOTE_ADDED, EventKind.ATTACHMENT_ADDED)
            or e.payload.get("visibility") == NoteVisibility.CUSTOMER.value)]
