"""Bodies and answers of the location endpoints (mobile uploads, back-office tracks)."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from app.api import SchemaBase
from app.geo_fields import GeoJSONPoint
from tracking.pings import MAX_PINGS_PER_BATCH, Ping


class PingSchema(SchemaBase):
    recorded_at = ma.fields.AwareDateTime(required=True, metadata={
        "description": "When the phone took the fix (ISO 8601 with offset, the phone's clock). At most 5 minutes "
                       "ahead of the server and at most 7 days old; one ping per engineer and time is stored"})
    position = GeoJSONPoint(required=True)
    accuracy_m = ma.fields.Float(allow_none=True, validate=validate.Range(min=0, max=100_000),
                                 metadata={"description": "Horizontal accuracy in metres (68% radius)"})
    speed_mps = ma.fields.Float(allow_none=True, validate=validate.Range(min=0, max=150),
                                metadata={"description": "Ground speed in metres per second"})
    heading_deg = ma.fields.Float(allow_none=True, validate=validate.Range(min=0, max=360, max_inclusive=False),
                                  metadata={"description": "Direction of travel, degrees clockwise from north"})

    @ma.post_load
    def _to_ping(self, data, **kwargs) -> Ping:
        lon, lat = data.pop("position")
        return Ping(lon=lon, lat=lat, **data)


class PingBatchSchema(SchemaBase):
    pings = ma.fields.List(ma.fields.Nested(PingSchema), required=True,
                           validate=validate.Length(min=1, max=MAX_PINGS_PER_BATCH),
                           metadata={"description": f"1 to {MAX_PINGS_PER_BATCH} pings, in any order"})


class PingResultSchema(ma.Schema):
    accepted = ma.fields.Integer(metadata={"description": "Pings stored by this request"})
    duplicates = ma.fields.Integer(metadata={"description": "Pings already stored (same time): a resent batch"})
    last_position = GeoJSONPoint(allow_none=True, metadata={"description": (
        "The engineer's last known position after this batch: its newest ping, unless a later "
        "position was already known")})
    last_position_at = ma.fields.DateTime(allow_none=True)


class TrackDayArgsSchema(ma.Schema):
    date = ma.fields.Date(metadata={"description": "The day (YYYY-MM-DD) in the organisation's time zone; "
                                                   "default today"})


class TrackSchema(ma.Schema):
    """Dumped from `tracking.tracks.as_feature_collection`."""
    type = ma.fields.Constant("FeatureCollection")
    engineer_id = ma.fields.Integer()
    date = ma.fields.Date()
    ping_count = ma.fields.Integer()
    distance_m = ma.fields.Float(metadata={"description": "Length of the track in metres (PostGIS, spheroid)"})
    features = ma.fields.List(ma.fields.Dict(), metadata={"description": (
        "A `LineString` feature (`properties.kind` = `track`) through the pings in time order when there "
        "are two or more, then one `Point` feature per ping (`kind` = `ping`, with `recorded_at`, "
        "`accuracy_m`, `speed_mps`, `heading_deg`)")})
