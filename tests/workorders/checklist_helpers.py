"""Checklists, jobs and photos for the checklist tests (back office and phone)."""
from __future__ import annotations

from app import db
from app.auth.models import User
from app.workorders.checklists import publish_checklist
from app.workorders.models import Attachment, Status, WorkOrder, WorkType
from tests.factories import EngineerFactory, WorkOrderFactory

REPAIR_ITEMS = [
    {"key": "power_isolated", "label_zh": "断电确认", "label_en": "Power isolated", "kind": "check",
     "required": True},
    {"key": "fault_observed", "label_zh": "故障现象", "label_en": "Fault observed", "kind": "text"},
    {"key": "outlet_temperature", "label_zh": "出风口温度", "label_en": "Outlet temperature", "kind": "number",
     "min_value": 0, "max_value": 40, "unit": "°C"},
    {"key": "photo_after", "label_zh": "维修后照片", "label_en": "Photo after repair", "kind": "photo",
     "required": True},
]
REQUIRED_KEYS = ["power_isolated", "photo_after"]


def publish(items=None, *, work_type: WorkType = WorkType.REPAIR, name: str = "报修作业检查表 Repair checklist",
            actor: User | None = None):
    """Publish the next version of a work type's checklist (the repair items by default)."""
    return publish_checklist(db.db_session(), work_type=work_type, name=name, items=items or REPAIR_ITEMS,
                             actor=actor)


def job_on_site(engineer=None, **fields) -> WorkOrder:
    """A repair job the engineer (a new one by default) is working on."""
    engineer = engineer or EngineerFactory()
    fields.setdefault("status", Status.ON_SITE)
    return WorkOrderFactory(scheduled_engineer=engineer, **fields)


def photo(order: WorkOrder, *, content_type: str = "image/jpeg") -> Attachment:
    """An attachment of `order` (an image unless told otherwise)."""
    attachment = Attachment(work_order_id=order.id, filename="after.jpg", content_type=content_type,
                            size_bytes=120_000, storage_key=f"orders/{order.id}/after.jpg",
                            uploaded_by_id=order.scheduled_engineer.user_id)
    session = db.db_session()
    session.add(attachment)
    session.flush()
    return attachment
