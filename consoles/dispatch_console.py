"""`/console/dispatch`: the dispatcher's map console.

The day's work orders on a map (coloured by status, shaped by priority, clustered),
the engineers' last positions and booked routes, the unassigned orders with filters,
a timeline of each engineer's day, the optimiser with a preview to apply or discard,
ranked candidates for manual assignment and rescheduling by dragging on the timeline.
Everything on the page comes from the API through `js/dispatch/*.js`; this module only
renders the shell, the translated texts and the enumerations the scripts need.
"""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _
from flask_jwt_extended import current_user

from app.auth.models import Role
from app.workorders.models import Priority, Status
from consoles.session import console_page

dispatch_console_blp = Blueprint("dispatch_console", __name__)

# Who may plan from the page (the run, assign and reschedule APIs allow the same roles);
# agents and admins see the plan read-only.
PLANNERS = frozenset({Role.DISPATCHER, Role.MANAGER})
VIEWERS = (Role.DISPATCHER, Role.MANAGER, Role.AGENT, Role.ADMIN)
# How often the page asks for the day again (live updates), in seconds.
POLL_SECONDS = 8
# Search times offered for the optimiser (the run API accepts 1–600 s).
TIME_LIMITS_S = (5, 15, 30, 60, 120)
DEFAULT_TIME_LIMIT_S = 15

# Colours for statuses and shapes for priorities; the legend and the markers use these.
STATUS_COLOURS = {
    Status.NEW: "#d32f2f", Status.ASSIGNED: "#f59e0b", Status.ACCEPTED: "#1e88e5", Status.EN_ROUTE: "#8e24aa",
    Status.ON_SITE: "#2e7d32", Status.ON_HOLD: "#795548", Status.RESOLVED: "#78909c",
    Status.AWAITING_FEEDBACK: "#90a4ae", Status.CLOSED: "#b0bec5", Status.CANCELLED: "#424242",
}
PRIORITY_SHAPES = {Priority.URGENT: "triangle", Priority.HIGH: "diamond", Priority.NORMAL: "circle",
                   Priority.LOW: "square"}


def _status_labels() -> dict[str, str]:
    return {
        "new": _("New"), "assigned": _("Assigned"), "accepted": _("Accepted"), "en_route": _("En route"),
        "on_site": _("On site"), "on_hold": _("On hold"), "resolved": _("Resolved"),
        "awaiting_feedback": _("Awaiting feedback"), "closed": _("Closed"), "cancelled": _("Cancelled"),
    }


def _priority_labels() -> dict[str, str]:
    return {"urgent": _("Urgent"), "high": _("High"), "normal": _("Normal"), "low": _("Low")}


def _messages() -> dict[str, str]:
    """Every text the page's scripts show, in the request's language."""
    messages = {f"status.{value}": label for value, label in _status_labels().items()}
    messages.update({f"priority.{value}": label for value, label in _priority_labels().items()})
    messages.update({
        # warnings of candidates and assignment checks
        "warning.skill_mismatch": _("Lacks a required skill"),
        "warning.no_shift": _("Not on shift that day"),
        "warning.max_jobs": _("Day's job limit reached"),
        "warning.no_room": _("No gap long enough"),
        "warning.window_unreachable": _("Cannot reach the appointment window"),
        "warning.time_off": _("Time off"),
        "warning.overlap": _("Overlaps another booking"),
        "warning.outside_shift": _("Outside the shift"),
        "warning.outside_appointment_window": _("Outside the appointment window"),
        # changes of a plan
        "change.assign": _("Assign"), "change.reassign": _("Reassign"), "change.reschedule": _("Reschedule"),
        "change.unchanged": _("Unchanged"), "change.unplanned": _("Left as it is"),
        "change.unassigned": _("Not assigned"),
        "reason.skill_unavailable": _("Nobody has the skills"),
        "reason.pinned_engineer_unavailable": _("Its engineer is not available"),
        "reason.window_unreachable": _("Window cannot be reached"),
        "reason.capacity": _("No room left"),
        # timeline
        "break.lunch": _("Lunch"), "break.time_off": _("Time off"), "break.off_shift": _("Off shift"),
        "travel": _("Travel"), "travel_tight": _("Travel (not enough time)"),
        "timeline.empty": _("No engineer has work booked on this day."),
        "timeline.drag_hint": _("Drag a job along its row to move it in time, or onto another engineer's row."),
        "moved": _("Moved {number} to {engineer} at {time}."),
        "move_failed": _("Could not move {number}: {message}"),
        "move_anyway": _("Move anyway"),
        "confirm_warnings": _("{number} has warnings:"),
        "cancel": _("Cancel"),
        # lists
        "unassigned_count": _("{count} unassigned"),
        "unassigned_none": _("No unassigned order matches."),
        "all": _("All"),
        "no_district": _("(no district)"),
        "window": _("Window {start}–{end}"),
        "duration_min": _("{minutes} min"),
        "candidates": _("Candidates"),
        # map
        "engineer_seen": _("Position reported {time}"),
        "route_of": _("Route of {name}: {count} jobs"),
        "home_base": _("Home base of {name}"),
        "scheduled": _("Scheduled {start}–{end}"),
        "engineer": _("Engineer: {name}"),
        "unassigned_order": _("Not assigned yet"),
        "planned_route": _("Planned route of {name}"),
        # optimiser
        "optimise.nothing": _("Nothing to plan on this day."),
        "optimise.starting": _("Starting the optimiser…"),
        "optimise.queued": _("Waiting for the worker…"),
        "optimise.running": _("Optimising… {pct}%"),
        "optimise.best": _("Best so far: {assigned} jobs assigned, {travel} min of travel"),
        "optimise.failed": _("The optimisation failed: {error}"),
        "optimise.preview": _("Preview: {changes} changes, {unassigned} orders left unassigned"),
        "optimise.applied": _("Plan applied: {count} orders changed."),
        "optimise.discarded": _("Plan discarded; nothing changed."),
        "optimise.stale": _("Orders changed since the run started ({numbers}). Optimise again."),
        "optimise.error": _("The optimiser could not start: {message}"),
        "apply": _("Apply"), "discard": _("Discard"),
        "order": _("Order"), "change": _("Change"), "start": _("Start"), "engineer_column": _("Engineer"),
        # candidates
        "candidates.title": _("Candidates for {number}"),
        "candidates.loading": _("Ranking engineers…"),
        "candidates.none": _("No active engineer."),
        "candidates.eta": _("ETA {time}"),
        "candidates.added_travel": _("+{minutes} min travel"),
        "candidates.distance": _("{km} km away"),
        "candidates.load": _("{jobs} jobs, {minutes} min booked"),
        "candidates.feasible": _("Fits"),
        "candidates.infeasible": _("Does not fit"),
        "candidates.checking": _("Checking…"),
        "assign": _("Assign"), "assign_anyway": _("Assign anyway"),
        "assigned": _("{number} assigned to {name} at {time}."),
        "assign_failed": _("Could not assign {number}: {message}"),
        # live
        "live.updated": _("Live · updated {time}"),
        "live.failed": _("Live updates paused: the server did not answer"),
        "load_failed": _("Could not load the day: {message}"),
        "close": _("Close"),
    })
    return messages


@dispatch_console_blp.get("/console/dispatch", endpoint="map")
@console_page(*VIEWERS)
def dispatch_map():
    """The map console of one day (`?date=YYYY-MM-DD`, default today)."""
    can_plan = current_user.role in PLANNERS
    settings = {
        "canPlan": can_plan,
        "date": request.args.get("date"),
        "tileUrl": current_app.config["MAP_TILE_URL"],
        "pollSeconds": POLL_SECONDS,
        "statuses": [{"value": s.value, "colour": c} for s, c in STATUS_COLOURS.items()],
        "priorities": [{"value": p.value, "shape": shape} for p, shape in PRIORITY_SHAPES.items()],
    }
    return render_template("console/dispatch.html", settings=settings, can_plan=can_plan,
                           time_limits=TIME_LIMITS_S, default_time_limit=DEFAULT_TIME_LIMIT_S,
                           js_messages=_messages())
