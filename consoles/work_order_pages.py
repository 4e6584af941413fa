"""`/console/work-orders`: the agents' work-order pages — the list with its filters, a
new order with its template's custom fields, and one order in full (timeline, notes,
parts, checklist answers, photos and signature, expenses, rating).

The pages are shells: their JS modules read and change everything through the API
with the signed-in user's own permissions. What the views hand over is the page's
texts and the enumerations (with their translated labels) the forms offer.
"""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l
from flask_jwt_extended import current_user

from app.auth.models import Role
from app.workorders.lifecycle import CANCEL_REASONS, DECLINE_REASONS, HOLD_REASONS
from consoles.session import console_page
from expenses.routes import EXPENSE_ROLES

work_order_pages_blp = Blueprint("work_order_pages", __name__, url_prefix="/console/work-orders")

PAGE_ROLES = (Role.AGENT, Role.DISPATCHER, Role.MANAGER, Role.ADMIN)

STATUS_LABELS = {"new": _l("New"), "assigned": _l("Assigned"), "accepted": _l("Accepted"),
                 "en_route": _l("En route"), "on_site": _l("On site"), "on_hold": _l("On hold"),
                 "resolved": _l("Resolved"), "awaiting_feedback": _l("Awaiting feedback"),
                 "closed": _l("Closed"), "cancelled": _l("Cancelled")}
PRIORITY_LABELS = {"urgent": _l("Urgent"), "high": _l("High"), "normal": _l("Normal"), "low": _l("Low")}
CHANNEL_LABELS = {"phone": _l("Phone"), "email": _l("E-mail"), "web": _l("Web"), "wechat": _l("WeChat"),
                  "api": _l("API"), "import": _l("Import")}
WORK_TYPE_LABELS = {"repair": _l("Repair"), "installation": _l("Installation"),
                    "maintenance": _l("Maintenance"), "inspection": _l("Inspection")}
SLA_LABELS = {"none": _l("No SLA"), "running": _l("On track"), "paused": _l("Paused"), "overdue": _l("Overdue"),
              "breached": _l("Breached"), "met": _l("Met")}
SLA_TARGET_LABELS = {"first_response": _l("First response"), "arrival": _l("Arrival"),
                     "resolution": _l("Resolution")}
CLOCK_STATE_LABELS = {"running": _l("Running"), "paused": _l("Paused"), "met": _l("Met"),
                      "breached": _l("Breached"), "cancelled": _l("Cancelled")}
ACTION_LABELS = {"assign": _l("Assign"), "accept": _l("Accept"), "decline": _l("Decline"),
                 "start_travel": _l("Start travel"), "check_in": _l("Check in"), "hold": _l("Put on hold"),
                 "resume": _l("Resume"), "resolve": _l("Resolve"), "request_feedback": _l("Request feedback"),
                 "close": _l("Close"), "cancel": _l("Cancel order")}
REASON_LABELS = {
    "waiting_parts": _l("Waiting for parts"), "customer_unavailable": _l("Customer unavailable"),
    "awaiting_approval": _l("Awaiting approval"), "access_denied": _l("No access to the site"),
    "other": _l("Other"), "customer_request": _l("Customer's request"), "duplicate": _l("Duplicate"),
    "resolved_remotely": _l("Resolved remotely"), "out_of_contract": _l("Out of contract"),
    "too_far": _l("Too far"), "missing_skill": _l("Missing skill"), "schedule_conflict": _l("Schedule conflict"),
    "vehicle_issue": _l("Vehicle issue"), "sick": _l("Sick")}
EVENT_LABELS = {"created": _l("Order created"), "status_changed": _l("Status changed"), "updated": _l("Edited"),
                "note_added": _l("Note"), "attachment_added": _l("File added"), "parts": _l("Parts"),
                "sla": _l("SLA"), "rule": _l("Automation rule"), "rated": _l("Rating"),
                "checklist": _l("Checklist"), "expense": _l("Expense")}
PART_REQUEST_LABELS = {"open": _l("Requested"), "picking": _l("Being picked"), "unavailable": _l("Unavailable"),
                       "fulfilled": _l("Sent"), "cancelled": _l("Cancelled")}
EXPENSE_LABELS = {"travel": _l("Travel"), "toll": _l("Toll"), "parking": _l("Parking"), "other": _l("Other")}


def _labels(mapping: dict) -> dict[str, str]:
    return {key: str(label) for key, label in mapping.items()}


def _enumerations() -> dict:
    """Everything the page's forms and badges name, with its label in the page's language."""
    return {"statuses": _labels(STATUS_LABELS), "priorities": _labels(PRIORITY_LABELS),
            "channels": _labels(CHANNEL_LABELS), "work_types": _labels(WORK_TYPE_LABELS),
            "sla_states": _labels(SLA_LABELS), "sla_targets": _labels(SLA_TARGET_LABELS),
            "clock_states": _labels(CLOCK_STATE_LABELS), "actions": _labels(ACTION_LABELS),
            "reasons": _labels(REASON_LABELS), "events": _labels(EVENT_LABELS),
            "part_requests": _labels(PART_REQUEST_LABELS), "expense_kinds": _labels(EXPENSE_LABELS),
            "hold_reasons": list(HOLD_REASONS), "cancel_reasons": list(CANCEL_REASONS),
            "decline_reasons": list(DECLINE_REASONS)}


# Texts the JS modules show, by key (read with `t(key)`).
JS_MESSAGES = {
    "loading": _l("Loading…"), "load_failed": _l("Could not load this. Reload the page to try again."),
    "no_orders": _l("No work orders match these filters."),
    "page_of": _l("Page {page} of {pages} · {total} orders"), "previous": _l("Previous"), "next": _l("Next"),
    "unassigned": _l("Unassigned"), "any": _l("Any"), "due": _l("due {time}"), "none": _l("None"),
    "required": _l("Required"), "not_a_number": _l("Enter a number"),
    "at_least": _l("At least {value}"), "at_most": _l("At most {value}"),
    "pick_one": _l("Choose one"), "end_after_start": _l("The end must be after the start"),
    "fix_fields": _l("Some fields need attention."),
    "yes": _l("Yes"), "no": _l("No"), "no_template": _l("This work type has no custom fields."),
    "no_results": _l("No match"), "choose_customer_first": _l("Choose a customer first"),
    "no_asset": _l("No asset"), "action_failed": _l("The action was refused: {message}"),
    "no_actions": _l("No action is open to you on this order now."),
    "confirm": _l("Confirm"), "cancel": _l("Cancel"), "reason": _l("Reason"), "comment": _l("Comment"),
    "engineer": _l("Engineer"), "start": _l("Start"), "resolution_code": _l("Resolution code"),
    "resolution_notes": _l("Resolution notes"), "device_time": _l("device {time}"),
    "by": _l("by {name}"), "system": _l("the system"),
    "status_change": _l("{from} → {to}"), "note_internal": _l("internal"), "note_customer": _l("customer sees it"),
    "no_notes": _l("No notes yet."),
    "no_parts": _l("No parts used or reserved."), "no_part_requests": _l("No part requests."),
    "parts_total": _l("Parts cost"), "no_checklist": _l("This order has no checklist."),
    "checklist_version": _l("{name}, version {version}"), "not_answered": _l("Not answered"),
    "checklist_missing": _l("Still missing: {items}"), "checklist_complete": _l("Every required item is done."),
    "no_photos": _l("No photos."), "no_signature": _l("Not signed yet."), "signed_by": _l("Signed by {name}"),
    "expenses_hidden": _l("Expenses are shown to managers."), "no_expenses": _l("No expenses."),
    "not_rated": _l("Not rated yet."),
    "csat": _l("Satisfaction (1–5)"), "nps": _l("Likely to recommend (0–10)"),
    "rating_by_link": _l("given by the customer"), "rating_by_agent": _l("taken by phone"),
    "map_unavailable": _l("No location"), "clock_deadline": _l("deadline {time}"),
    "window": _l("{start} – {end}"), "changed_fields": _l("changed: {fields}"),
    "file_added": _l("{kind}: {name}"), "kind_photo": _l("photo"), "kind_signature": _l("signature"),
    "kind_receipt": _l("receipt"), "kind_document": _l("document"),
    "checklist_answered": _l("answered: {items}"), "sla_event": _l("{target} at {threshold}%"),
    "rated_event": _l("satisfaction {csat}"), "expense_event": _l("{kind} {amount}"),
    "rule_event": _l("rule {name}"),
    "h_part": _l("Part"), "h_used": _l("Used"), "h_returned": _l("Returned"), "h_reserved": _l("Reserved"),
    "h_cost": _l("Cost"), "h_quantity": _l("Quantity"), "h_status": _l("Status"), "h_kind": _l("Kind"),
    "h_engineer": _l("Engineer"), "h_amount": _l("Amount"),
    "rating_form_title": _l("Record a rating taken by phone"),
}


def _page(template: str, *, order_id: int | None = None):
    role = current_user.role
    return render_template(template, js_messages={key: str(text) for key, text in JS_MESSAGES.items()},
                           enumerations=_enumerations(), role=role.value, order_id=order_id,
                           may_read_expenses=role in EXPENSE_ROLES or role is Role.ADMIN)


@work_order_pages_blp.get("")
@console_page(*PAGE_ROLES)
def index():
    """The list: filters in the address (so a filtered list can be bookmarked), pages of 25."""
    return _page("console/work_orders/index.html")


@work_order_pages_blp.get("/new")
@console_page(Role.AGENT, Role.DISPATCHER, Role.MANAGER, Role.ADMIN)
def new():
    """A new order: customer → site → asset, the work type's custom fields, and the rest."""
    return _page("console/work_orders/new.html")


@work_order_pages_blp.get("/<int:order_id>")
@console_page(*PAGE_ROLES)
def detail(order_id: int):
    """One order in full; the JS reads it (a 404 from the API shows as such)."""
    return _page("console/work_orders/detail.html", order_id=order_id)
