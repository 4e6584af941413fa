"""An automation rule: when an order's event of one kind (`trigger`) is written and every
condition holds, its actions run in the same transaction.

`conditions` and `actions` are JSON lists in the vocabulary of `automation.conditions`
and `automation.engine`; the API validates them before they are stored.
"""
from __future__ import annotations

import enum
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.auth.models import enum_column
from app.db import Base, TimestampMixin

MAX_CONDITIONS = 20
MAX_ACTIONS = 10


class Trigger(str, enum.Enum):
    """The events rules follow (kinds of `WorkOrderEvent`, SLA events split by severity)."""
    CREATED = "created"
    STATUS_CHANGED = "status_changed"
    SLA_WARNING = "sla_warning"
    SLA_BREACH = "sla_breach"
    RATED = "rated"


class ActionType(str, enum.Enum):
    SET_PRIORITY = "set_priority"
    SET_WORK_TYPE = "set_work_type"
    SET_SKILLS = "set_skills"
    ASSIGN_TEAM = "assign_team"
    ASSIGN_ENGINEER = "assign_engineer"
    ADD_TAG = "add_tag"
    REMOVE_TAG = "remove_tag"
    NOTIFY = "notify"
    CREATE_FOLLOW_UP = "create_follow_up"


class AutomationRule(Base, TimestampMixin):
    __tablename__ = "automation_rules"
    __table_args__ = (
        CheckConstraint("jsonb_typeof(conditions) = 'array'", name="conditions_is_list"),
        CheckConstraint(f"jsonb_typeof(actions) = 'array' AND jsonb_array_length(actions) BETWEEN 1 AND {MAX_ACTIONS}",
                        name="actions_count"),
        # The engine's question after every event: the active rules of this trigger, in order.
        Index("ix_automation_rules_trigger_position", "trigger", "position", postgresql_where=text("is_active")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    # Rules of a trigger run by ascending position (then id).
    position: Mapped[int] = mapped_column(default=100)
    is_active: Mapped[bool] = mapped_column(default=True)
    trigger: Mapped[Trigger] = mapped_column(enum_column(Trigger, "rule_trigger"))
    # [{"field": "priority", "op": "in", "value": ["high", "urgent"]}, …]: all must hold.
    conditions: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    # [{"type": "set_priority", "priority": "urgent"}, …]: run in this order.
    actions: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    # When this rule fires, the rules after it are not considered for the same event.
    stop_processing: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
