"""GPS pings from the engineer's phone, and the engineer's own track of a day."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import marshmallow as ma
from flask import current_app
from flask.views import MethodView
from flask_jwt_extended import current_user

from app.api import Blueprint, ErrorSchema
from app.auth.models import FIELD_ROLES
from app.db import get_session, unit_of_work
from app.engineers.service import engineer_of_user
from app.idempotency.web import IDEMPOTENCY_KEY_PARAMETER, idempotent
from tracking.pings import record_pings
from tracking.schemas import PingBatchSchema, PingResultSchema, TrackDayArgsSchema, TrackSchema
from tracking.tracks import as_feature_collection, day_track

blp = Blueprint("mobile-locations", __name__, url_prefix="/mobile/v1",
                description="Locations: GPS pings and the day's track")


@blp.route("/locations")
class Locations(MethodView):
    @blp.requires_role(*FIELD_ROLES)
    @blp.arguments(TrackDayArgsSchema, location="query", unknown=ma.RAISE)
    @blp.response(200, TrackSchema)
    @blp.alt_response(422, schema=ErrorSchema, description="A bad `date` (`validation_error`)")
    def get(self, args):
        """My track of a day, for the app's map: a GeoJSON FeatureCollection with the line
        through my pings in time order and each ping as a point, with the distance in metres."""
        session = get_session()
        engineer = engineer_of_user(session, current_user)
        zone = ZoneInfo(current_app.config["ORG_TIMEZONE"])
        day = args.get("date") or datetime.now(zone).date()
        return as_feature_collection(day_track(session, engineer_id=engineer.id, day=day, zone=zone))

    @blp.requires_role(*FIELD_ROLES)
    @idempotent
    @blp.arguments(PingBatchSchema)
    @blp.response(200, PingResultSchema)
    @blp.alt_response(422, schema=ErrorSchema, description=(
        "A bad ping (`validation_error`; `errors.json.pings.<index>` for its shape, `errors.pings.<index>` "
        "for a `recorded_at` too far in the future or too old): nothing of the batch is stored"))
    @blp.doc(parameters=[IDEMPOTENCY_KEY_PARAMETER])
    def post(self, data):
        """Upload a batch of GPS pings (1 to 500, as queued on the phone).

        Each ping carries the phone's time of the fix (`recorded_at`), which is what the
        ping is known by: a ping already stored for that time is counted in `duplicates`,
        so resending a batch never stores anything twice. The newest ping becomes my last
        known position (the dispatcher's map and plans use it) unless a later position is
        already known — an old offline batch never moves me back in time."""
        with unit_of_work() as session:
            engineer = engineer_of_user(session, current_user)
            result = record_pings(session, engineer=engineer, pings=data["pings"])
        return result
