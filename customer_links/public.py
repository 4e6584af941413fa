"""The customer's side that needs no account: the small JSON the tracking page polls
(`GET /t/<token>/status`). The token is the only credential; answers are never cached.
The pages themselves are rendered by the consoles package."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from app.db import get_session
from app.errors import DomainError
from customer_links import service
from customer_links.models import LinkKind
from customer_links.tracking import TrackingView, tracking_view

public_blp = Blueprint("customer_links_public", __name__)


def _point(lon_lat: tuple[float, float] | None) -> dict | None:
    return {"type": "Point", "coordinates": list(lon_lat)} if lon_lat is not None else None


def tracking_json(view: TrackingView) -> dict:
    """The tracking view as the page's JSON (ISO times, GeoJSON points)."""
    def iso(moment):
        return moment.isoformat() if moment is not None else None
    return {"state": view.state, "number": view.number, "title": view.title, "engineer_name": view.engineer_name,
            "eta": iso(view.eta), "window_start": iso(view.window_start), "window_end": iso(view.window_end),
            "site": _point(view.site_position), "engineer_position": _point(view.engineer_position),
            "position_at": iso(view.position_at), "position_cell_m": view.position_cell_m,
            "expires_at": iso(view.expires_at), "refresh_s": view.refresh_s}


@public_blp.get("/t/<token>/status")
def tracking_status(token: str):
    """Where the customer's engineer is: state, ETA and (on the way, fresh) a coarse position."""
    session = get_session()
    try:
        link = service.open_link(session, secret_key=current_app.config["SECRET_KEY"], kind=LinkKind.TRACKING,
                                 token=token)
    except DomainError as error:
        response = jsonify({"code": error.http_status, "status": error.code, "message": error.message})
        response.status_code = error.http_status
    else:
        response = jsonify(tracking_json(tracking_view(session, link=link)))
    response.headers["Cache-Control"] = "no-store"
    return response
