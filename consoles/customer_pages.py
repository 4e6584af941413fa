"""The customer's pages, opened from a message without signing in (mobile-first):

- `/r/<token>`: the visit (engineer, times, work done) and the rating form — CSAT 1–5,
  NPS 0–10, a comment; submitting rates the visit once and closes the order;
- `/t/<token>`: where is my technician — the ETA, and while they are on the way a coarse
  position on a map; the page polls `/t/<token>/status` (customer_links.public).

A tampered, unknown, expired, replaced or used link gets a page that says so (404, 410
or 409), never a server error."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.db import get_session, unit_of_work
from app.errors import DomainError
from app.workorders.models import Status
from customer_links import service
from customer_links.models import CustomerLink, LinkKind
from customer_links.public import tracking_json
from customer_links.tracking import tracking_view

customer_pages_blp = Blueprint("customer_pages", __name__)
COMMENT_MAX = 2000


def _local(moment: datetime | None) -> str:
    """A time as the customer reads it: in the organisation's zone, to the minute."""
    if moment is None:
        return ""
    return moment.astimezone(ZoneInfo(current_app.config["ORG_TIMEZONE"])).strftime("%Y-%m-%d %H:%M")


def _problem_texts() -> dict[str, tuple[str, str]]:
    return {
        "link_not_found": (_("This link is not valid"),
                           _("Please check that you opened the whole link from the message we sent you.")),
        "link_expired": (_("This link has expired"),
                         _("Please contact our service desk if you would still like to tell us about the visit.")),
        "link_revoked": (_("This link has been replaced"),
                         _("We have sent you a newer link; please use that one.")),
        "link_used": (_("Thank you, this visit has been rated already"),
                      _("Each visit is rated once. Your rating has been recorded.")),
        "not_awaiting_feedback": (_("This visit is closed"),
                                  _("It can no longer be rated through this link.")),
        "already_rated": (_("Thank you, this visit has been rated already"),
                          _("Each visit is rated once. Your rating has been recorded.")),
        "tracking_ended": (_("The visit has ended"),
                           _("This link no longer shows where the engineer is.")),
    }


def _problem(code: str, http_status: int):
    title, text = _problem_texts().get(code, _problem_texts()["link_not_found"])
    return render_template("public/link_problem.html", code=code, problem_title=title, problem_text=text), \
        http_status


def _open(kind: LinkKind, token: str) -> CustomerLink:
    return service.open_link(get_session(), secret_key=current_app.config["SECRET_KEY"], kind=kind, token=token)


def _rating_page(link: CustomerLink, *, errors: dict[str, str] | None = None, values: dict | None = None,
                 http_status: int = 200):
    visit = service.visit_summary(get_session(), link.work_order)
    return render_template("public/rate.html", visit=visit, arrived_at=_local(visit.arrived_at),
                           resolved_at=_local(visit.resolved_at), expires_at=_local(link.expires_at),
                           errors=errors or {}, values=values or {}, comment_max=COMMENT_MAX), http_status


@customer_pages_blp.get("/r/<token>")
def rate(token: str):
    """The rating page; after the rating, a thank-you."""
    try:
        link = _open(LinkKind.RATING, token)
    except DomainError as error:
        return _problem(error.code, error.http_status)
    if link.used_at is not None:
        return render_template("public/rated.html", number=link.work_order.number)
    try:
        service.check_usable(link)
    except DomainError as error:
        return _problem(error.code, error.http_status)
    if link.work_order.status is not Status.AWAITING_FEEDBACK:
        return _problem("not_awaiting_feedback", 409)
    return _rating_page(link)


def _read_form() -> tuple[dict, dict[str, str]]:
    """The form's scores and comment, checked; (values, errors by field)."""
    values, errors = {}, {}
    form = request.form
    unknown = set(form) - {"csat", "nps", "comment"}
    if unknown:
        errors["form"] = _("The form was not understood.")
    try:
        values["csat"] = int(form.get("csat", ""))
        if not 1 <= values["csat"] <= 5:
            raise ValueError
    except ValueError:
        errors["csat"] = _("Please choose from 1 to 5 stars.")
    nps = form.get("nps", "")
    if nps == "":
        values["nps"] = None
    else:
        try:
            values["nps"] = int(nps)
            if not 0 <= values["nps"] <= 10:
                raise ValueError
        except ValueError:
            errors["nps"] = _("Please choose a number from 0 to 10.")
    values["comment"] = form.get("comment", "").strip()
    if len(values["comment"]) > COMMENT_MAX:
        errors["comment"] = _("Please keep the comment under %(count)d characters.", count=COMMENT_MAX)
    return values, errors


@customer_pages_blp.post("/r/<token>")
def submit_rating(token: str):
    """Rate the visit once; a second submit, or an expired, replaced or made-up link, is told so."""
    try:
        link = _open(LinkKind.RATING, token)
    except DomainError as error:
        return _problem(error.code, error.http_status)
    values, errors = _read_form()
    if errors:
        try:
            service.check_usable(link)
        except DomainError as error:
            return _problem(error.code, error.http_status)
        return _rating_page(link, errors=errors, values=values, http_status=422)
    link_id = link.id
    try:
        with unit_of_work() as session:
            service.submit_rating(session, link_id=link_id, csat=values["csat"], nps=values["nps"],
                                  comment=values["comment"] or None)
    except DomainError as error:
        return _problem(error.code, error.http_status)
    return redirect(url_for("customer_pages.rate", token=token), code=303)


@customer_pages_blp.get("/t/<token>")
def track(token: str):
    """Where is my technician: the ETA, the engineer's approximate position on the way."""
    session = get_session()
    try:
        link = _open(LinkKind.TRACKING, token)
    except DomainError as error:
        return _problem(error.code, error.http_status)
    view = tracking_view(session, link=link)
    if view.state == "ended":
        return _problem("tracking_ended", 410)
    return render_template("public/track.html", view=view, initial=tracking_json(view), token=token,
                           eta=_local(view.eta), window_start=_local(view.window_start),
                           window_end=_local(view.window_end),
                           js_messages={
                               "on_the_way": _("Your engineer is on the way"),
                               "arrived": _("Your engineer has arrived"),
                               "scheduled": _("Your visit is scheduled"),
                               "ended": _("The visit has ended"),
                               "eta": _("Expected arrival: {time}"),
                               "eta_unknown": _("Expected arrival: shortly"),
                               "position_note": _("Approximate position (within about {metres} m) at {time}"),
                               "no_position": _("The engineer's position is not available right now."),
                               "updated": _("Page refreshed {time}"),
                               "offline": _("Could not refresh; trying again…"),
                           })
