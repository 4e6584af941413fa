"""`/console/dashboard`: the manager's dashboard — charts of the KPI API (orders per day by
channel and by status, first response and resolution times, on-time arrival, CSAT and
NPS, engineer utilisation) for a period, with headline tiles. The numbers are the KPI
API's (computed in SQL over the event log); dashboard.js only draws them.

Texts carry the gettext context "dashboard" so that short words keep their own
translation beside other consoles'."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import pgettext

from app.auth.models import Role
from app.workorders.models import Channel, Status
from consoles.session import console_page

dashboard_blp = Blueprint("dashboard_console", __name__)

DASHBOARD_ROLES = (Role.MANAGER, Role.ADMIN, Role.DISPATCHER)


def _channel_labels() -> dict[str, str]:
    return {Channel.PHONE.value: pgettext("dashboard", "Phone"), Channel.EMAIL.value: pgettext("dashboard", "E-mail"),
            Channel.WEB.value: pgettext("dashboard", "Web"), Channel.WECHAT.value: pgettext("dashboard", "WeChat"),
            Channel.API.value: pgettext("dashboard", "API"), Channel.IMPORT.value: pgettext("dashboard", "Import")}


def _status_labels() -> dict[str, str]:
    return {Status.NEW.value: pgettext("dashboard", "New"), Status.ASSIGNED.value: pgettext("dashboard", "Assigned"),
            Status.ACCEPTED.value: pgettext("dashboard", "Accepted"),
            Status.EN_ROUTE.value: pgettext("dashboard", "En route"), Status.ON_SITE.value: pgettext("dashboard", "On site"),
            Status.ON_HOLD.value: pgettext("dashboard", "On hold"), Status.RESOLVED.value: pgettext("dashboard", "Resolved"),
            Status.AWAITING_FEEDBACK.value: pgettext("dashboard", "Awaiting feedback"),
            Status.CLOSED.value: pgettext("dashboard", "Closed"), Status.CANCELLED.value: pgettext("dashboard", "Cancelled")}


def _messages() -> dict[str, str]:
    messages = {f"channel.{key}": label for key, label in _channel_labels().items()}
    messages.update({f"status.{key}": label for key, label in _status_labels().items()})
    messages.update({
        "no_data": pgettext("dashboard", "No data for this period"),
        "not_for_role": pgettext("dashboard", "Not available to your role"),
        "load_failed": pgettext("dashboard", "Could not load: {reason}"),
        "first_response_median": pgettext("dashboard", "First response, median (min)"),
        "first_response_p90": pgettext("dashboard", "First response, 90th percentile (min)"),
        "resolution_median": pgettext("dashboard", "Resolution, median (min)"),
        "resolution_p90": pgettext("dashboard", "Resolution, 90th percentile (min)"),
        "on_time": pgettext("dashboard", "On-time arrival (%)"),
        "csat": pgettext("dashboard", "CSAT average (1–5)"),
        "nps": pgettext("dashboard", "NPS (−100…100)"),
        "utilisation": pgettext("dashboard", "Utilisation (%)"),
        "minutes": pgettext("dashboard", "{n} min"),
        "hours": pgettext("dashboard", "{n} h"),
        "orders": pgettext("dashboard", "Orders"),
        "week_of": pgettext("dashboard", "Week of {date}"),
    })
    return messages


@dashboard_blp.get("/console/dashboard")
@console_page(*DASHBOARD_ROLES)
def dashboard():
    """The dashboard's shell; dashboard.js loads the KPIs for the chosen period."""
    return render_template("dashboard/dashboard.html", js_messages=_messages())
