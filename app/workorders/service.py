"""Creating, editing and finding work orders (no Flask: routes own the transaction).

Status, engineer and schedule are not edited here: `app.workorders.lifecycle` moves
an order through its statuses.
"""
from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session, selectinload

from app.auth.models import Role, User
from app.customers.models import Asset, Customer, Site
from app.db import utcnow
from app.engineers.models import Engineer, Skill, Team
from app.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationFailedError
from app.geo import BoundingBox, within_box
from app.workorders.access import customer_id_of, get_visible_order, visible_orders_clause
from app.workorders.events import record_event
from app.workorders.models import (Channel, EventKind, Priority, Status, WorkOrder, WorkOrderSkill,
                                   WorkType)
from app.workorders.numbering import next_work_order_number
from app.workorders.templates import active_template, validate_custom_fields
from sla.summary import SlaFilter, next_deadline_column, sla_filter_clause

EDITABLE_FIELDS = frozenset({"priority", "title", "description", "work_type", "asset_id", "required_skills",
                             "estimated_duration_min", "window", "custom_fields", "team_id", "tags"})
# Labels for queues and reports (`vip-escalation`, `warranty`, `漏水`): lower case, digits, `-`, `_`, Chinese.
TAG_PATTERN = r"^[a-z0-9\u4e00-\u9fff][a-z0-9_\-\u4e00-\u9fff]{0,39}$"
MAX_TAGS = 20
CLOSED_STATUSES = frozenset({Status.CLOSED, Status.CANCELLED})
PRIORITY_RANK = {Priority.URGENT: 0, Priority.HIGH: 1, Priority.NORMAL: 2, Priority.LOW: 3}
# How a search may be ordered: `-` for descending. Ties are broken by age, then id.
SORT_KEYS = ("priority", "created_at", "-created_at", "sla_deadline", "scheduled_start", "-scheduled_start",
             "number", "-number", "status")


class SiteMismatchError(ValidationFailedError):
    code = "site_mismatch"


class AssetMismatchError(ValidationFailedError):
    code = "asset_mismatch"


class ParentMismatchError(ValidationFailedError):
    code = "parent_mismatch"


class UnknownSkillError(ValidationFailedError):
    code = "unknown_skill"


class OrderClosedError(ConflictError):
    code = "order_closed"


@dataclass(frozen=True)
class TimeWindow:
    """A period with both ends timezone-aware, end after start."""
    start: datetime
    end: datetime


# --- creating and editing ---------------------------------------------------------------------

def create_work_order(session: Session, *, actor: User, title: str, work_type: WorkType, site_id: int,
                      customer_id: int | None = None, channel: Channel | None = None,
                      priority: Priority = Priority.NORMAL, description: str = "",
                      asset_id: int | None = None, parent_id: int | None = None,
                      required_skills: Mapping[str, int] | None = None, estimated_duration_min: int = 60,
                      window: TimeWindow | None = None,
                      custom_fields: Mapping[str, Any] | None = None, team_id: int | None = None,
                      tags: Sequence[str] = ()) -> WorkOrder:
    """Open a new work order (status new) and record its `created` event.

    A customer-role actor files for its own customer only, through the web channel, and
    sets neither team nor tags.
    Raises NotFoundError (customer, site, asset, parent or team unknown or not visible),
    PermissionDeniedError (a customer filing for another customer, or setting team or tags),
    SiteMismatchError / AssetMismatchError / ParentMismatchError / UnknownSkillError
    and ValidationFailedError (window, custom fields)."""
    customer_id, channel = _intake_source(session, actor, customer_id, channel)
    if actor.role is Role.CUSTOMER and (team_id is not None or tags):
        raise PermissionDeniedError("Customers do not set the team or tags of their requests",
                                    errors={name: ["not for customers"] for name, value in
                                            (("team_id", team_id), ("tags", tags)) if value})
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFoundError(f"Customer {customer_id} not found", customer_id=customer_id)
    site = session.get(Site, site_id)
    if site is None:
        raise NotFoundError(f"Site {site_id} not found", site_id=site_id)
    if site.customer_id != customer.id:
        raise SiteMismatchError(f"Site {site_id} does not belong to customer {customer_id}",
                                errors={"site_id": ["not a site of this customer"]})
    parent = None
    if parent_id is not None:
        parent = get_visible_order(session, parent_id, actor)
        if parent.customer_id != customer.id:
            raise ParentMismatchError("A child order belongs to the customer of its parent",
                                      errors={"parent_id": ["an order of another customer"]})
    if asset_id is not None:
        _check_asset(session, asset_id=asset_id, site_id=site.id)
    _check_window(window)
    if team_id is not None:
        _check_team(session, team_id)
    template = active_template(session, work_type)
    cleaned_fields = validate_custom_fields(template.fields if template else [], custom_fields or {})

    now = utcnow()
    order = WorkOrder(number=next_work_order_number(session, at=now), channel=channel, work_type=work_type,
                      priority=priority, status=Status.NEW, title=title, description=description,
                      customer=customer, site=site, asset_id=asset_id, parent=parent,
                      template_id=template.id if template else None, custom_fields=cleaned_fields,
                      estimated_duration_min=estimated_duration_min,
                      window_start=window.start if window else None, window_end=window.end if window else None,
                      team_id=team_id, tags=_clean_tags(tags), created_by_id=actor.id)
    order.required_skills = _skill_rows(session, required_skills or {})
    session.add(order)
    session.flush()
    record_event(session, order=order, kind=EventKind.CREATED, actor=actor,
                 payload={"channel": channel.value, "priority": priority.value})
    return order


def _intake_source(session: Session, actor: User, customer_id: int | None,
                   channel: Channel | None) -> tuple[int, Channel]:
    """Whose order this is and how it came in, with a customer's own requests pinned to
    its customer and the web channel."""
    if actor.role is Role.CUSTOMER:
        own = customer_id_of(session, actor)
        if own is None:
            raise PermissionDeniedError("This account is not a contact of any customer")
        if customer_id is not None and customer_id != own:
            raise PermissionDeniedError("A customer may only file requests for itself",
                                        errors={"customer_id": ["not your customer"]})
        return own, Channel.WEB
    missing = {name: ["Missing data for required field."]
               for name, value in (("customer_id", customer_id), ("channel", channel)) if value is None}
    if missing:
        raise ValidationFailedError("customer_id and channel are required", errors=missing)
    return customer_id, channel


def update_work_order(session: Session, *, order: WorkOrder, actor: User | None,
                      changes: Mapping[str, Any], event_payload: Mapping[str, Any] | None = None) -> WorkOrder:
    """Edit the descriptive fields of a (locked) order and record an `updated` event
    listing each changed field's old and new value. Values equal to the current ones
    change nothing and record nothing.

    `changes` holds any of EDITABLE_FIELDS; `window` is a TimeWindow or None,
    `required_skills` a {skill: level} mapping, `custom_fields` replaces the whole
    object, `tags` the whole list. A new work type re-validates the custom fields
    against its template. `event_payload` is merged into the `updated` event's payload
    (automation rules mark their edits with it).
    Raises OrderClosedError (closed or cancelled, unless only tags change: they label
    orders for reports after the fact), NotFoundError (asset, team), AssetMismatchError,
    UnknownSkillError, ValidationFailedError."""
    unexpected = set(changes) - EDITABLE_FIELDS
    if unexpected:
        raise ValueError(f"not editable here: {', '.join(sorted(unexpected))}")
    if order.status in CLOSED_STATUSES and set(changes) != {"tags"}:
        raise OrderClosedError(f"Work order {order.number} is {order.status.value} and can no longer be edited",
                               current_status=order.status.value)

    before = _editable_state(order)
    for name in ("priority", "title", "description", "work_type", "estimated_duration_min"):
        if name in changes:
            setattr(order, name, changes[name])
    if changes.get("asset_id") is not None:
        _check_asset(session, asset_id=changes["asset_id"], site_id=order.site_id)
    if "asset_id" in changes:
        order.asset_id = changes["asset_id"]
    if "window" in changes:
        window = changes["window"]
        _check_window(window)
        order.window_start, order.window_end = (window.start, window.end) if window else (None, None)
    if changes.get("team_id") is not None:
        _check_team(session, changes["team_id"])
    if "team_id" in changes:
        order.team_id = changes["team_id"]
    if "tags" in changes:
        order.tags = _clean_tags(changes["tags"])
    if "required_skills" in changes and changes["required_skills"] != _skill_levels(order):
        order.required_skills = _skill_rows(session, changes["required_skills"])
    if "work_type" in changes or "custom_fields" in changes:
        template = active_template(session, order.work_type)
        values = changes["custom_fields"] if "custom_fields" in changes else order.custom_fields
        order.custom_fields = validate_custom_fields(template.fields if template else [], values)
        order.template_id = template.id if template else None

    after = _editable_state(order)
    changed = {name: {"old": before[name], "new": after[name]} for name in after if before[name] != after[name]}
    if changed:
        # Skills live in another table: touch the row itself so its version (the ETag) moves.
        order.updated_at = utcnow()
        session.flush()
        record_event(session, order=order, kind=EventKind.UPDATED, actor=actor,
                     payload={"changes": changed, **(event_payload or {})})
    return order


def _editable_state(order: WorkOrder) -> dict[str, Any]:
    """The editable fields as JSON values, for the `updated` event's diff."""
    window = None
    if order.window_start is not None:
        window = {"start": order.window_start.isoformat(), "end": order.window_end.isoformat()}
    return {
        "priority": order.priority.value,
        "title": order.title,
        "description": order.description,
        "work_type": order.work_type.value,
        "asset_id": order.asset_id,
        "required_skills": [{"skill": skill, "level": level} for skill, level in _skill_levels(order).items()],
        "estimated_duration_min": order.estimated_duration_min,
        "window": window,
        "custom_fields": dict(order.custom_fields or {}),
        "team_id": order.team_id,
        "tags": list(order.tags or []),
    }


def _skill_levels(order: WorkOrder) -> dict[str, int]:
    return {row.skill_code: row.level for row in sorted(order.required_skills, key=lambda r: r.skill_code)}


def _skill_rows(session: Session, required: Mapping[str, int]) -> list[WorkOrderSkill]:
    if required:
        known = set(session.scalars(select(Skill.code).where(Skill.code.in_(list(required)))))
        unknown = sorted(set(required) - known)
        if unknown:
            raise UnknownSkillError("Unknown skill: " + ", ".join(unknown),
                                    errors={"required_skills": {code: ["not in the skill catalogue"]
                                                                for code in unknown}})
    return [WorkOrderSkill(skill_code=code, level=level) for code, level in sorted(required.items())]


def _check_asset(session: Session, *, asset_id: int, site_id: int) -> None:
    asset = session.get(Asset, asset_id)
    if asset is None:
        raise NotFoundError(f"Asset {asset_id} not found", asset_id=asset_id)
    if asset.site_id != site_id:
        raise AssetMismatchError(f"Asset {asset_id} is not installed at site {site_id}",
                                 errors={"asset_id": ["not installed at the order's site"]})


def _check_team(session: Session, team_id: int) -> None:
    if session.get(Team, team_id) is None:
        raise NotFoundError(f"Team {team_id} not found", team_id=team_id)


def _clean_tags(tags: Sequence[str]) -> list[str]:
    """The tags as stored: each once, in the order given. Raises ValidationFailedError."""
    cleaned = list(dict.fromkeys(tags))
    bad = [tag for tag in cleaned if not isinstance(tag, str) or not re.match(TAG_PATTERN, tag)]
    if bad:
        raise ValidationFailedError("Tags are 1-40 lower-case letters, digits, '-', '_' or Chinese characters: "
                                    + ", ".join(map(repr, bad)), errors={"tags": [f"invalid tag {t!r}" for t in bad]})
    if len(cleaned) > MAX_TAGS:
        raise ValidationFailedError(f"At most {MAX_TAGS} tags", errors={"tags": [f"more than {MAX_TAGS}"]})
    return cleaned


def _check_window(window: TimeWindow | None) -> None:
    if window is None:
        return
    if window.start.tzinfo is None or window.end.tzinfo is None:
        raise ValidationFailedError("The window needs timezone-aware times", errors={"window": ["naive datetime"]})
    if window.end <= window.start:
        raise ValidationFailedError("The window must end after it starts", errors={"window": ["end not after start"]})


# --- reading ----------------------------------------------------------------------------------

def _with_details(query: Select) -> Select:
    """Load what WorkOrderSchema shows in a fixed number of queries, whatever the page size."""
    return query.options(
        selectinload(WorkOrder.customer),
        selectinload(WorkOrder.site),
        selectinload(WorkOrder.asset),
        selectinload(WorkOrder.scheduled_engineer).joinedload(Engineer.user),
        selectinload(WorkOrder.required_skills),
        selectinload(WorkOrder.children).load_only(WorkOrder.id),
        selectinload(WorkOrder.sla_clocks),
    )


def get_work_order(session: Session, *, actor: User, order_id: int) -> WorkOrder:
    """An order the actor may see. Raises NotFoundError (also when out of scope)."""
    order = session.scalar(_with_details(select(WorkOrder)).where(
        WorkOrder.id == order_id, visible_orders_clause(actor)))
    if order is None:
        raise NotFoundError(f"Work order {order_id} not found", work_order_id=order_id)
    return order


def child_orders_query(session: Session, *, actor: User, order_id: int) -> Select:
    """The children of a visible order that the actor may also see, oldest first.
    Raises NotFoundError when the parent is not visible."""
    get_visible_order(session, order_id, actor)
    return _with_details(select(WorkOrder)).where(
        WorkOrder.parent_id == order_id, visible_orders_clause(actor)).order_by(WorkOrder.created_at, WorkOrder.id)


def search_query(*, actor: User, statuses: Collection[Status] = (), priorities: Collection[Priority] = (),
                 work_types: Collection[WorkType] = (), channels: Collection[Channel] = (),
                 customer_id: int | None = None, site_id: int | None = None, asset_id: int | None = None,
                 engineer_id: int | None = None, unassigned: bool | None = None,
                 created_from: datetime | None = None, created_to: datetime | None = None,
                 scheduled_from: datetime | None = None, scheduled_to: datetime | None = None,
                 text: str | None = None, bbox: BoundingBox | None = None, team_id: int | None = None,
                 tag: str | None = None, sla: SlaFilter | None = None, sort: str = "priority",
                 now: datetime | None = None) -> Select:
    """The orders the actor may see that match every given filter, most urgent first,
    then oldest first (or in the order `sort` names, one of SORT_KEYS). Time ranges
    include their start and exclude their end; `text` matches number, title, description
    or customer name, ignoring case; `tag` keeps orders carrying that tag; `sla` keeps
    orders late on an SLA target as of `now` (default: the current time)."""
    if sort not in SORT_KEYS:
        raise ValueError(f"unknown sort key {sort!r}")
    query = _with_details(select(WorkOrder)).where(visible_orders_clause(actor))
    for column, values in ((WorkOrder.status, statuses), (WorkOrder.priority, priorities),
                           (WorkOrder.work_type, work_types), (WorkOrder.channel, channels)):
        if values:
            query = query.where(column.in_(list(values)))
    for column, value in ((WorkOrder.customer_id, customer_id), (WorkOrder.site_id, site_id),
                          (WorkOrder.asset_id, asset_id), (WorkOrder.scheduled_engineer_id, engineer_id),
                          (WorkOrder.team_id, team_id)):
        if value is not None:
            query = query.where(column == value)
    if unassigned is not None:
        query = query.where(WorkOrder.scheduled_engineer_id.is_(None) if unassigned
                            else WorkOrder.scheduled_engineer_id.is_not(None))
    for column, lower, upper in ((WorkOrder.created_at, created_from, created_to),
                                 (WorkOrder.scheduled_start, scheduled_from, scheduled_to)):
        if lower is not None:
            query = query.where(column >= lower)
        if upper is not None:
            query = query.where(column < upper)
    if text:
        pattern = "%" + _escape_like(text.strip()) + "%"
        customer_names = select(Customer.id).where(Customer.name.ilike(pattern, escape="\\"))
        query = query.where(WorkOrder.number.ilike(pattern, escape="\\")
                            | WorkOrder.title.ilike(pattern, escape="\\")
                            | WorkOrder.description.ilike(pattern, escape="\\")
                            | WorkOrder.customer_id.in_(customer_names))
    if tag is not None:
        query = query.where(WorkOrder.tags.contains([tag]))
    if bbox is not None:
        query = query.where(WorkOrder.site_id.in_(select(Site.id).where(within_box(Site.location, bbox))))
    if sla is not None:
        query = query.where(sla_filter_clause(sla, now or utcnow()))
    return query.order_by(*_sort_columns(sort), WorkOrder.created_at, WorkOrder.id)


def _sort_columns(sort: str) -> tuple:
    """The ORDER BY of a sort key (before the age and id tie-breakers)."""
    descending, name = sort.startswith("-"), sort.lstrip("-")
    if name == "priority":
        return (case(PRIORITY_RANK, value=WorkOrder.priority),)
    if name == "created_at":
        return (WorkOrder.created_at.desc(),) if descending else ()
    if name == "sla_deadline":
        return (next_deadline_column().asc().nulls_last(),)
    if name == "status":
        return (case({status: rank for rank, status in enumerate(Status)}, value=WorkOrder.status),)
    column = {"scheduled_start": WorkOrder.scheduled_start, "number": WorkOrder.number}[name]
    return (column.desc().nulls_last() if descending else column.asc().nulls_last(),)


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Start (inclusive) and end (exclusive) of a calendar day in `zone`."""
    return (datetime.combine(day, time.min, tzinfo=zone),
            datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone))


def orders_of_day(session: Session, *, actor: User, day: date, zone: ZoneInfo,
                  statuses: Collection[Status] = ()) -> list[WorkOrder]:
    """The visible orders of one day in `zone`: scheduled to start that day, or, when not
    scheduled yet, with an appointment window opening that day. Without `statuses`,
    cancelled orders are left out."""
    start, end = day_bounds(day, zone)
    on_day = case(
        (WorkOrder.scheduled_start.is_not(None),
         (WorkOrder.scheduled_start >= start) & (WorkOrder.scheduled_start < end)),
        else_=(WorkOrder.window_start >= start) & (WorkOrder.window_start < end))
    status_filter = (WorkOrder.status.in_(list(statuses)) if statuses
                     else WorkOrder.status != Status.CANCELLED)
    query = (select(WorkOrder)
             .where(visible_orders_clause(actor), on_day, status_filter)
             .options(selectinload(WorkOrder.site), selectinload(WorkOrder.customer),
                      selectinload(WorkOrder.required_skills),
                      selectinload(WorkOrder.scheduled_engineer).joinedload(Engineer.user))
             .order_by(func.coalesce(WorkOrder.scheduled_start, WorkOrder.window_start), WorkOrder.id))
    return list(session.scalars(query))
