"""The back office's view of an engineer's movements: the track of a day."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import marshmallow as ma
from flask import current_app
from flask.views import MethodView

from app.api import Blueprint, ErrorSchema
from app.auth.models import Role
from app.db import get_session
from app.engineers.service import get_engineer
from tracking.schemas import TrackDayArgsSchema, TrackSchema
from tracking.tracks import as_feature_collection, day_track

blp = Blueprint("engineer-tracks", __name__, url_prefix="/api/v1",
                description="Where engineers went: their GPS tracks")

TRACK_ROLES = (Role.DISPATCHER, Role.MANAGER)


@blp.route("/engineers/<int:engineer_id>/track")
class EngineerTrack(MethodView):
    @blp.requires_role(*TRACK_ROLES)
    @blp.arguments(TrackDayArgsSchema, location="query", unknown=ma.RAISE)
    @blp.response(200, TrackSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such engineer (`not_found`)")
    @blp.alt_response(422, schema=ErrorSchema, description="A bad `date` (`validation_error`)")
    def get(self, args, engineer_id):
        """An engineer's GPS track of a day (default today, in the organisation's time zone).

        A GeoJSON FeatureCollection: a LineString through the pings in the order the
        phone recorded them (when there are two or more), then each ping as a Point with
        its time, accuracy, speed and heading; `distance_m` is the track's length
        measured by PostGIS on the spheroid. Dispatchers, managers and admins."""
        session = get_session()
        engineer = get_engineer(session, engineer_id)
        zone = ZoneInfo(current_app.config["ORG_TIMEZONE"])
        day = args.get("date") or datetime.now(zone).date()
        return as_feature_collection(day_track(session, engineer_id=engineer.id, day=day, zone=zone))
