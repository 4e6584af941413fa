"""`/console/warehouse`: the warehouse desk — the part-request queue (pick and send to the
engineer's van), returns from vans and jobs, stock by location with low stock
highlighted, and stock counts. The page's JS does everything through the inventory API.

Texts carry the gettext context "warehouse" so that short words ("Open", "Part") keep
their own translation beside other consoles'."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import pgettext

from app.auth.models import Role
from consoles.session import console_page

warehouse_blp = Blueprint("warehouse_console", __name__)

DESK_ROLES = (Role.WAREHOUSE, Role.MANAGER, Role.ADMIN)


def _messages() -> dict[str, str]:
    """What the desk's JS shows, in the request's language."""
    return {
        "status.open": pgettext("warehouse", "Open"),
        "status.picking": pgettext("warehouse", "Picking"),
        "status.unavailable": pgettext("warehouse", "Unavailable"),
        "status.fulfilled": pgettext("warehouse", "Sent"),
        "status.cancelled": pgettext("warehouse", "Cancelled"),
        "priority.low": pgettext("warehouse", "Low"),
        "priority.normal": pgettext("warehouse", "Normal"),
        "priority.high": pgettext("warehouse", "High"),
        "priority.urgent": pgettext("warehouse", "Urgent"),
        "kind.warehouse": pgettext("warehouse", "Warehouse"),
        "kind.van": pgettext("warehouse", "Van"),
        "kind.returns": pgettext("warehouse", "Returns"),
        "issue": pgettext("warehouse", "Pick and send"),
        "send": pgettext("warehouse", "Send to the van"),
        "close": pgettext("warehouse", "Close"),
        "available_at": pgettext("warehouse", "Available there: {n}"),
        "choose_serials": pgettext("warehouse", "Choose {n} serial number(s)"),
        "no_serials": pgettext("warehouse", "No serial numbers in stock there"),
        "queue_empty": pgettext("warehouse", "No part requests match."),
        "stock_empty": pgettext("warehouse", "No stock matches."),
        "not_scheduled": pgettext("warehouse", "not scheduled"),
        "sent": pgettext("warehouse", "Sent {qty} × {sku} to {van}."),
        "returned": pgettext("warehouse", "Booked {qty} × {sku} into {place}."),
        "counted": pgettext("warehouse", "Count recorded: {n} adjustment(s)."),
        "no_differences": pgettext("warehouse", "The count matches the books: nothing to adjust."),
        "order_not_found": pgettext("warehouse", "No work order with that number."),
        "no_parts_on_order": pgettext("warehouse", "No parts were issued to this order."),
        "choose_part": pgettext("warehouse", "Choose a part"),
        "reason_needed": pgettext("warehouse", "Give the reason for the count."),
        "serials_hint": pgettext("warehouse", "One serial number per line"),
        "error.insufficient_stock": pgettext("warehouse", "Not enough free stock there."),
        "error.serial_conflict": pgettext("warehouse", "A serial number is not where the books say."),
        "error.conflict": pgettext("warehouse", "Not possible in the request's or order's current state."),
        "error.validation_error": pgettext("warehouse", "Check the form."),
        "error.forbidden": pgettext("warehouse", "Your role may not do this."),
        "error.not_found": pgettext("warehouse", "Not found."),
        "error.other": pgettext("warehouse", "Something went wrong."),
        "low": pgettext("warehouse", "Below reorder point"),
        "difference": pgettext("warehouse", "Difference"),
        "in_stock_here": pgettext("warehouse", "Serials on the books here"),
    }


@warehouse_blp.get("/console/warehouse")
@console_page(*DESK_ROLES)
def desk():
    """The desk's shell; the queue, stock and forms are loaded by warehouse.js."""
    return render_template("warehouse/desk.html", js_messages=_messages())
