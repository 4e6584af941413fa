"""Checklists (SOP): what an engineer confirms, measures and photographs on a job, per
work type, versioned; answered on the phone; required items block `resolve`.

The rules:

- Publishing a checklist for a work type makes its next version (1, 2, …) and the work
  type's active one; the version it replaces is switched off. A published version never
  changes (a change is the next version); it can only be switched off.
- An order is pinned to a version when its first answer is recorded: the version the
  phone says it showed (`version`), else the active one. Reading never pins (a GET
  writes nothing); until pinned, an order shows its work type's active version. So
  publishing never changes the checklist of an order already being worked on, and a
  phone that read version 1 before version 2 was published still fills in version 1.
  A pinned order keeps its version even when that version is switched off later.
- One answer per order and item key, typed by the item's kind: `check` true or false;
  `number` a finite number within the item's range (bounds inclusive); `text` at most
  2000 characters, not blank; `photo` the id of an image attachment (content type
  `image/…`) of the same order. `null` clears an answer. Answers are taken while the
  job is on site, or on hold after being on site.
- Phones work offline, so the latest answer by the phone's clock wins: an answer whose
  time (device time, else the time it arrived) is older than the stored one's is
  ignored, and reported as stale. Sending the answer already stored changes nothing
  and writes no event.
- A required item is done when it has an answer; a required `check` only when the
  answer is true (a required check means "done"). An order cannot be resolved while a
  required item of its checklist (pinned, else its work type's active one) is not done
  (409 `checklist_incomplete`, the keys under `details.missing`). Orders whose work
  type has no active checklist, and that pinned none, are not held back.

The pure rules come first; the functions below them read and write the database
(flush only, never commit).
"""
from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session, selectinload

from app.auth.models import FIELD_ROLES, User
from app.db import utcnow
from app.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationFailedError
from app.workorders.checklist_models import (Checklist, ChecklistAnswer, ChecklistItem, ChecklistItemKind,
                                             WorkOrderChecklist)
from app.workorders.events import bounded_device_time, record_event
from app.workorders.models import Attachment, EventKind, Status, WorkOrder, WorkOrderEvent, WorkType
from app.workorders.templates import new_key_problem

MAX_ITEMS = 100
MAX_LABEL_LENGTH = 200
MAX_UNIT_LENGTH = 20
MAX_TEXT_LENGTH = 2000


class NoChecklistError(NotFoundError):
    code = "no_checklist"


class JobNotOnSiteError(ConflictError):
    code = "job_not_on_site"


class ChecklistIncompleteError(ConflictError):
    code = "checklist_incomplete"


class ChecklistVersionChangedError(ConflictError):
    code = "checklist_version_changed"


@dataclass(frozen=True)
class ChecklistView:
    """An order's checklist as the engineer and the consoles see it: the version (pinned,
    or the active one while nothing is pinned), its items in order, the current answers
    by item key, and whether every required item is done (`missing`: the keys that are not)."""
    work_order_id: int
    checklist: Checklist
    pinned: bool
    items: tuple[ChecklistItem, ...]
    answers: Mapping[str, ChecklistAnswer]
    complete: bool
    missing: tuple[str, ...]

    @property
    def checklist_id(self) -> int:
        return self.checklist.id

    @property
    def version(self) -> int:
        return self.checklist.version


@dataclass(frozen=True)
class AnswersRecorded:
    """What `record_answers` did: the checklist afterwards, the item keys whose answer
    changed, those ignored as older than the stored answer, and the timeline event
    (None when nothing changed)."""
    view: ChecklistView
    changed: tuple[str, ...]
    stale: tuple[str, ...]
    event: WorkOrderEvent | None


# --- pure rules -------------------------------------------------------------------------------

def clean_item_definitions(items: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Check a checklist's item definitions and return them cleaned, in order.

    Each item is ``{key, label_zh, label_en, kind, required?, min_value?, max_value?,
    unit?}``. Raises ValidationFailedError with errors per list index, e.g.
    ``{"items": {2: {"key": ["duplicate key 'photo_after'"]}}}``: bad or duplicate keys,
    blank labels, unknown kinds, a range or unit on anything but a number, min > max."""
    if not items:
        raise ValidationFailedError("A checklist needs at least one item", errors={"items": ["empty"]})
    if len(items) > MAX_ITEMS:
        raise ValidationFailedError(f"A checklist has at most {MAX_ITEMS} items",
                                    errors={"items": [f"more than {MAX_ITEMS}"]})
    errors: dict[int, dict[str, list[str]]] = {}
    cleaned: list[dict[str, Any]] = []
    seen_keys: set[str] = set()
    for index, item in enumerate(items):
        problems: dict[str, list[str]] = {}
        key = item.get("key")
        if key_problem := new_key_problem(key, seen_keys):
            problems["key"] = [key_problem]
        labels = {}
        for name in ("label_zh", "label_en"):
            label = item.get(name)
            if not isinstance(label, str) or not label.strip() or len(label.strip()) > MAX_LABEL_LENGTH:
                problems[name] = [f"must be a non-empty string of at most {MAX_LABEL_LENGTH} characters"]
            else:
                labels[name] = label.strip()
        try:
            kind = ChecklistItemKind(item.get("kind"))
        except ValueError:
            kind = None
            problems["kind"] = [f"must be one of {', '.join(k.value for k in ChecklistItemKind)}"]
        required = item.get("required", False)
        if not isinstance(required, bool):
            problems["required"] = ["must be true or false"]

        bounds = {}
        for name in ("min_value", "max_value"):
            bound = item.get(name)
            if bound is None:
                continue
            if kind is not ChecklistItemKind.NUMBER:
                problems[name] = ["only number items have a range"]
            elif not _is_number(bound):
                problems[name] = ["must be a number"]
            else:
                bounds[name] = float(bound)
        if len(bounds) == 2 and bounds["min_value"] > bounds["max_value"]:
            problems["min_value"] = ["must not be greater than max_value"]
        unit = item.get("unit")
        if unit is not None:
            if kind is not ChecklistItemKind.NUMBER:
                problems["unit"] = ["only number items have a unit"]
            elif not isinstance(unit, str) or not unit.strip() or len(unit.strip()) > MAX_UNIT_LENGTH:
                problems["unit"] = [f"must be a non-empty string of at most {MAX_UNIT_LENGTH} characters"]

        if problems:
            errors[index] = problems
            continue
        cleaned.append({"key": key, **labels, "kind": kind, "required": required,
                        "min_value": bounds.get("min_value"), "max_value": bounds.get("max_value"),
                        "unit": unit.strip() if unit is not None else None})
    if errors:
        raise ValidationFailedError("The checklist's items are invalid", errors={"items": errors})
    return cleaned


def clean_answer_value(item: ChecklistItem, value: Any) -> Any:
    """One answer to `item`, checked and cleaned (text stripped); None clears the answer.

    For a photo only the shape is checked here (a positive integer id); whether it is an
    image of the order is `record_answers`' business. Raises ValueError with the reason."""
    if value is None:
        return None
    kind = item.kind
    if kind is ChecklistItemKind.CHECK:
        if not isinstance(value, bool):
            raise ValueError("must be true or false")
        return value
    if kind is ChecklistItemKind.NUMBER:
        if not _is_number(value):
            raise ValueError("must be a number")
        if item.min_value is not None and value < item.min_value:
            raise ValueError(f"must be at least {_format_bound(item.min_value)}{_unit(item)}")
        if item.max_value is not None and value > item.max_value:
            raise ValueError(f"must be at most {_format_bound(item.max_value)}{_unit(item)}")
        return value
    if kind is ChecklistItemKind.TEXT:
        if not isinstance(value, str):
            raise ValueError("must be a string")
        if len(value) > MAX_TEXT_LENGTH:
            raise ValueError(f"must be at most {MAX_TEXT_LENGTH} characters")
        if not value.strip():
            raise ValueError("must not be blank (send null to clear the answer)")
        return value.strip()
    if kind is ChecklistItemKind.PHOTO:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError("must be the id of an image attachment of this job")
        return value
    raise ValueError(f"unsupported kind {kind.value}")


def is_done(item: ChecklistItem, answer: ChecklistAnswer | None) -> bool:
    """Whether `item` counts as done: answered, and for a check item answered true."""
    if answer is None or answer.value is None:
        return False
    if item.kind is ChecklistItemKind.CHECK:
        return answer.value is True
    return True


def missing_required_keys(items: Iterable[ChecklistItem], answers: Mapping[str, ChecklistAnswer]) -> list[str]:
    """The keys of the required items not done, in checklist order."""
    return [item.key for item in items if item.required and not is_done(item, answers.get(item.key))]


def _is_number(value: Any) -> bool:
    # bool is an int subclass in Python, but `true` is not a number to the phone.
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _format_bound(bound: float) -> str:
    return f"{bound:g}"


def _unit(item: ChecklistItem) -> str:
    return f" {item.unit}" if item.unit else ""


# --- versions ---------------------------------------------------------------------------------

def checklists_query(*, work_type: WorkType | None = None, include_inactive: bool = False) -> Select:
    """Checklists by work type, newest version first; only active ones unless asked."""
    query = (select(Checklist).options(selectinload(Checklist.items))
             .order_by(Checklist.work_type, Checklist.version.desc()))
    if work_type is not None:
        query = query.where(Checklist.work_type == work_type)
    if not include_inactive:
        query = query.where(Checklist.is_active)
    return query


def get_checklist(session: Session, checklist_id: int) -> Checklist:
    """Raises NotFoundError."""
    checklist = session.get(Checklist, checklist_id)
    if checklist is None:
        raise NotFoundError(f"Checklist {checklist_id} not found", checklist_id=checklist_id)
    return checklist


def active_checklist(session: Session, work_type: WorkType) -> Checklist | None:
    return session.scalar(select(Checklist).where(Checklist.work_type == work_type, Checklist.is_active))


def publish_checklist(session: Session, *, work_type: WorkType, name: str, items: Sequence[Mapping[str, Any]],
                      actor: User | None) -> Checklist:
    """Publish the next version of `work_type`'s checklist and make it the active one (the
    previous active version is switched off; orders pinned to it keep it).

    Raises ValidationFailedError for bad items (see `clean_item_definitions`)."""
    cleaned = clean_item_definitions(items)
    name = name.strip()
    if not name:
        raise ValidationFailedError("A checklist needs a name", errors={"name": ["blank"]})
    # Lock the work type's versions so two publishers cannot take the same number; the
    # unique (work_type, version) constraint backs this up when there were none to lock.
    existing = session.scalars(select(Checklist).where(Checklist.work_type == work_type)
                               .with_for_update()).all()
    now = utcnow()
    for previous in existing:
        if previous.is_active:
            previous.is_active = False
            previous.deactivated_at = now
    # Written before the new active row: one active version per type is a unique index.
    session.flush()
    checklist = Checklist(work_type=work_type, version=max((c.version for c in existing), default=0) + 1,
                          name=name, is_active=True, published_at=now,
                          published_by_id=actor.id if actor else None,
                          items=[ChecklistItem(position=position, **item) for position, item in enumerate(cleaned)])
    session.add(checklist)
    session.flush()
    return checklist


def deactivate_checklist(session: Session, *, checklist: Checklist) -> Checklist:
    """Switch a version off: orders not pinned yet have no checklist until the next is
    published; orders pinned to it keep it. Switching off twice changes nothing."""
    if checklist.is_active:
        checklist.is_active = False
        checklist.deactivated_at = utcnow()
        session.flush()
    return checklist


# --- an order's checklist -----------------------------------------------------------------------

def checklists_for_orders(session: Session, orders: Collection[WorkOrder]) -> dict[int, ChecklistView]:
    """The checklist of each order, by order id, in four queries however many orders.

    Orders with no checklist (nothing pinned, no active version for their work type) are
    left out of the result."""
    if not orders:
        return {}
    order_ids = [order.id for order in orders]
    pins = dict(session.execute(select(WorkOrderChecklist.work_order_id, WorkOrderChecklist.checklist_id)
                                .where(WorkOrderChecklist.work_order_id.in_(order_ids))).all())
    unpinned_types = {order.work_type for order in orders if order.id not in pins}
    conditions = []
    if pins:
        conditions.append(Checklist.id.in_(set(pins.values())))
    if unpinned_types:
        conditions.append(and_(Checklist.is_active, Checklist.work_type.in_(unpinned_types)))
    checklists = session.scalars(select(Checklist).where(or_(*conditions))
                                 .options(selectinload(Checklist.items))).all()
    by_id = {c.id: c for c in checklists}
    active_by_type = {c.work_type: c for c in checklists if c.is_active}
    answers: dict[int, dict[str, ChecklistAnswer]] = {}
    if pins:
        for answer in session.scalars(select(ChecklistAnswer)
                                      .where(ChecklistAnswer.work_order_id.in_(list(pins)))):
            answers.setdefault(answer.work_order_id, {})[answer.item_key] = answer

    views = {}
    for order in orders:
        pinned_id = pins.get(order.id)
        checklist = by_id[pinned_id] if pinned_id is not None else active_by_type.get(order.work_type)
        if checklist is not None:
            views[order.id] = _view(order.id, checklist, pinned=pinned_id is not None,
                                    answers=answers.get(order.id, {}))
    return views


def checklist_for_order(session: Session, *, order: WorkOrder) -> ChecklistView:
    """The order's checklist with its answers. Raises NoChecklistError (404) when it has none."""
    view = checklists_for_orders(session, [order]).get(order.id)
    if view is None:
        raise NoChecklistError(f"Work order {order.number} has no checklist ({order.work_type.value} orders "
                               "have no active checklist)", work_order_id=order.id)
    return view


def ensure_checklist_complete(session: Session, *, order: WorkOrder) -> None:
    """Raise ChecklistIncompleteError (409) while a required item of the order's checklist
    is not done; orders without a checklist pass."""
    view = checklists_for_orders(session, [order]).get(order.id)
    if view is not None and not view.complete:
        raise ChecklistIncompleteError(
            "Required checklist items are not done: " + ", ".join(view.missing),
            missing=list(view.missing), checklist_id=view.checklist_id, version=view.version)


def record_answers(session: Session, *, order: WorkOrder, actor: User, answers: Sequence[Mapping[str, Any]],
                   device_time: datetime | None = None, version: int | None = None) -> AnswersRecorded:
    """Record answers (``[{item_key, value}]``) to the order's checklist, all or none.

    The order should be locked by the caller (SELECT … FOR UPDATE) so that answers to one
    order are recorded one request at a time. Pins the checklist on the first answer
    (`version`: the version the phone showed). One `checklist` event lists the answers
    that changed; none when nothing did.

    Raises PermissionDeniedError (403) when a field engineer is not the order's engineer,
    JobNotOnSiteError (409) when the job is not on site, NoChecklistError (404),
    ChecklistVersionChangedError (409) when `version` is not the pinned one, and
    ValidationFailedError (422) naming each bad answer under ``errors.answers[item_key]``."""
    now = utcnow()
    device_time = bounded_device_time(device_time, now)
    if actor.role in FIELD_ROLES and (order.scheduled_engineer is None or order.scheduled_engineer.user_id != actor.id):
        raise PermissionDeniedError("Only the job's engineer answers its checklist", work_order_id=order.id)
    if not _answerable(order):
        raise JobNotOnSiteError(
            f"Checklist answers are taken on site; the job is {order.status.value}",
            current_status=order.status.value)

    checklist, pinned = _checklist_to_answer(session, order=order, version=version)
    items = {item.key: item for item in checklist.items}
    cleaned, errors = _clean_answers(session, order=order, items=items, answers=answers)
    if errors:
        raise ValidationFailedError("Some answers are invalid; none was recorded", errors={"answers": errors})

    if not pinned:
        session.add(WorkOrderChecklist(work_order_id=order.id, checklist_id=checklist.id, pinned_at=now))
        session.flush()
    stored = {a.item_key: a for a in session.scalars(
        select(ChecklistAnswer).where(ChecklistAnswer.work_order_id == order.id))} if pinned else {}
    arrived_at = device_time or now
    changed, stale = [], []
    for key, value in cleaned.items():
        answer = stored.get(key)
        if answer is None:
            answer = ChecklistAnswer(work_order_id=order.id, checklist_id=checklist.id, item_key=key)
            session.add(answer)
            stored[key] = answer
        elif _same_value(answer.value, value):
            continue   # the answer already stored: nothing to change, no event
        elif arrived_at < (answer.device_time or answer.answered_at):
            stale.append(key)
            continue
        answer.value = value
        answer.device_time = device_time
        answer.answered_at = now
        answer.answered_by_id = actor.id
        changed.append(key)
    session.flush()

    event = None
    if changed:
        payload: dict[str, Any] = {"checklist_id": checklist.id, "version": checklist.version,
                                   "answers": [{"item_key": key, "value": cleaned[key]} for key in changed]}
        if stale:
            payload["stale"] = stale
        if not pinned:
            payload["pinned"] = True
        event = record_event(session, order=order, kind=EventKind.CHECKLIST, actor=actor, action="answered",
                             device_time=device_time, payload=payload)
    view = _view(order.id, checklist, pinned=True, answers=stored)
    return AnswersRecorded(view=view, changed=tuple(changed), stale=tuple(stale), event=event)


def _same_value(stored: Any, sent: Any) -> bool:
    """Whether a sent answer is the one stored (1 and 1.0 are; true and 1 are not)."""
    if stored is None or sent is None:
        return stored is None and sent is None
    return isinstance(stored, bool) == isinstance(sent, bool) and stored == sent


def _answerable(order: WorkOrder) -> bool:
    """On site, or on hold after being on site (answers queued on a phone offline arrive
    after the dispatcher held the job); never before arrival or after resolution."""
    return order.status is Status.ON_SITE or (
        order.status is Status.ON_HOLD and order.status_before_hold is Status.ON_SITE)


def _checklist_to_answer(session: Session, *, order: WorkOrder, version: int | None) -> tuple[Checklist, bool]:
    """The checklist answers go to, and whether the order is already pinned to it."""
    pin = session.get(WorkOrderChecklist, order.id)
    if pin is not None:
        checklist = pin.checklist
        if version is not None and version != checklist.version:
            raise ChecklistVersionChangedError(
                f"This job's checklist is version {checklist.version}, not {version}; reload it",
                pinned_version=checklist.version, sent_version=version)
        return checklist, True
    if version is not None:
        checklist = session.scalar(select(Checklist).where(Checklist.work_type == order.work_type,
                                                           Checklist.version == version))
        if checklist is None:
            raise ValidationFailedError(f"There is no version {version} of the {order.work_type.value} checklist",
                                        errors={"version": ["no such version for this job's work type"]})
        return checklist, False
    checklist = active_checklist(session, order.work_type)
    if checklist is None:
        raise NoChecklistError(f"{order.work_type.value} jobs have no checklist", work_order_id=order.id)
    return checklist, False


def _clean_answers(session: Session, *, order: WorkOrder, items: Mapping[str, ChecklistItem],
                   answers: Sequence[Mapping[str, Any]]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Cleaned values by item key, and the reasons answers are refused by item key."""
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for answer in answers:
        key, value = answer["item_key"], answer.get("value")
        if key in cleaned or key in errors:
            errors[key] = ["answered more than once in this request"]
            cleaned.pop(key, None)
            continue
        item = items.get(key)
        if item is None:
            errors[key] = ["no such item in this job's checklist"]
            continue
        try:
            cleaned[key] = clean_answer_value(item, value)
        except ValueError as exc:
            errors[key] = [str(exc)]

    photo_ids = {key: value for key, value in cleaned.items()
                 if items[key].kind is ChecklistItemKind.PHOTO and value is not None}
    if photo_ids:
        attachments = {row.id: row for row in session.execute(
            select(Attachment.id, Attachment.work_order_id, Attachment.content_type)
            .where(Attachment.id.in_(set(photo_ids.values()))))}
        for key, attachment_id in photo_ids.items():
            attachment = attachments.get(attachment_id)
            if attachment is None or attachment.work_order_id != order.id:
                errors[key] = [f"attachment {attachment_id} is not a file of this job"]
            elif not attachment.content_type.lower().startswith("image/"):
                errors[key] = [f"attachment {attachment_id} is not an image ({attachment.content_type})"]
    return cleaned, errors


def _view(work_order_id: int, checklist: Checklist, *, pinned: bool,
          answers: Mapping[str, ChecklistAnswer]) -> ChecklistView:
    items = tuple(checklist.items)
    missing = tuple(missing_required_keys(items, answers))
    return ChecklistView(work_order_id=work_order_id, checklist=checklist, pinned=pinned, items=items,
                         answers=dict(answers), complete=not missing, missing=missing)

