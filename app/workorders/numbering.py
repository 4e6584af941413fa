"""Human-readable work-order numbers: ``WO-2026-000123``."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from app.workorders.models import work_order_number_seq


def format_number(year: int, serial: int) -> str:
    return f"WO-{year}-{serial:06d}"


def next_work_order_number(session: Session, *, at: datetime) -> str:
    """Draw the next serial from the database sequence (gap-tolerant, never reused)."""
    return format_number(at.year, session.execute(work_order_number_seq.next_value()).scalar_one())
