"""Checklists (SOP) per work type, the version each order is pinned to, and its answers.

A checklist is one published version for one work type: its items never change after
publishing (a change is published as the next version); it is only switched off. At
most one version per work type is active. An order is pinned to a version when its
first answer is recorded (`WorkOrderChecklist`), and its answers (`ChecklistAnswer`,
one per item key) belong to that version — the foreign keys make both hold.
"""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (CheckConstraint, Float, ForeignKey, ForeignKeyConstraint, Index, SmallInteger,
                        String, UniqueConstraint, text)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User, enum_column
from app.db import Base
from app.workorders.models import WorkType


class ChecklistItemKind(str, enum.Enum):
    CHECK = "check"     # a box to tick: the answer is true or false
    NUMBER = "number"   # a reading, optionally within [min_value, max_value], in `unit`
    TEXT = "text"       # free text, at most 2000 characters
    PHOTO = "photo"     # an image attachment of the same order


class Checklist(Base):
    """One published version of a work type's checklist. Immutable but for `is_active`."""
    __tablename__ = "checklists"
    __table_args__ = (
        UniqueConstraint("work_type", "version", name="uq_checklists_work_type_version"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("is_active OR deactivated_at IS NOT NULL", name="inactive_has_time"),
        Index("uq_checklists_active_work_type", "work_type", unique=True, postgresql_where=text("is_active")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    work_type: Mapped[WorkType] = mapped_column(enum_column(WorkType, "checklist_work_type"))
    version: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(default=True)
    published_at: Mapped[datetime]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    deactivated_at: Mapped[datetime | None]

    items: Mapped[list[ChecklistItem]] = relationship(
        cascade="all, delete-orphan", order_by="ChecklistItem.position", back_populates="checklist")
    published_by: Mapped[User | None] = relationship()


class ChecklistItem(Base):
    __tablename__ = "checklist_items"
    __table_args__ = (
        UniqueConstraint("checklist_id", "key", name="uq_checklist_items_checklist_key"),
        UniqueConstraint("checklist_id", "position", name="uq_checklist_items_checklist_position"),
        CheckConstraint("min_value IS NULL OR max_value IS NULL OR min_value <= max_value", name="range_ordered"),
        CheckConstraint("kind = 'number' OR (min_value IS NULL AND max_value IS NULL AND unit IS NULL)",
                        name="range_only_for_numbers"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    checklist_id: Mapped[int] = mapped_column(ForeignKey("checklists.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(SmallInteger)
    key: Mapped[str] = mapped_column(String(40))
    label_zh: Mapped[str] = mapped_column(String(200))
    label_en: Mapped[str] = mapped_column(String(200))
    kind: Mapped[ChecklistItemKind] = mapped_column(enum_column(ChecklistItemKind, "checklist_item_kind"))
    required: Mapped[bool] = mapped_column(default=False)
    # Readings as measured (temperatures, pressures): not money, so a double is exact enough.
    min_value: Mapped[float | None] = mapped_column(Float)
    max_value: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str | None] = mapped_column(String(20))

    checklist: Mapped[Checklist] = relationship(back_populates="items")


class WorkOrderChecklist(Base):
    """The checklist version an order is bound to, from its first answer on."""
    __tablename__ = "work_order_checklists"
    __table_args__ = (
        # The target of the answers' (order, version) foreign key.
        UniqueConstraint("work_order_id", "checklist_id", name="uq_work_order_checklists_order_checklist"),
    )

    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id", ondelete="CASCADE"), primary_key=True)
    checklist_id: Mapped[int] = mapped_column(ForeignKey("checklists.id"), index=True)
    pinned_at: Mapped[datetime]

    checklist: Mapped[Checklist] = relationship()


class ChecklistAnswer(Base):
    """The current answer to one item of an order's checklist. A cleared answer keeps its
    row (value NULL) so its device time still wins over older answers arriving later."""
    __tablename__ = "checklist_answers"
    __table_args__ = (
        UniqueConstraint("work_order_id", "item_key", name="uq_checklist_answers_order_item"),
        ForeignKeyConstraint(["work_order_id", "checklist_id"],
                             ["work_order_checklists.work_order_id", "work_order_checklists.checklist_id"],
                             name="fk_checklist_answers_pinned_checklist", ondelete="CASCADE"),
        ForeignKeyConstraint(["checklist_id", "item_key"], ["checklist_items.checklist_id", "checklist_items.key"],
                             name="fk_checklist_answers_item"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    work_order_id: Mapped[int]
    checklist_id: Mapped[int]
    item_key: Mapped[str] = mapped_column(String(40))
    value: Mapped[Any] = mapped_column(JSONB(none_as_null=True), nullable=True)
    # When the phone says it was answered (None when it did not say), and when it arrived.
    device_time: Mapped[datetime | None]
    answered_at: Mapped[datetime]
    answered_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
