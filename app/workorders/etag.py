"""What a work order's ETag is computed from: its id and row version."""
from __future__ import annotations

from app.workorders.models import WorkOrder


def order_etag_data(order: WorkOrder) -> dict[str, int]:
    """Pass to flask-smorest's `set_etag` / `check_etag`. The version column bumps on
    every write, so any change (field edit, transition, assignment) changes the ETag."""
    return {"id": order.id, "version": order.version}
