"""Marshmallow fields for places: GeoJSON points in bodies, `lon,lat` and boxes in
query strings. Every API that takes or shows a position uses these, so coordinates
are checked the same way everywhere."""
from __future__ import annotations

import math
from collections.abc import Mapping
from numbers import Real

import marshmallow as ma

from app.geo import BoundingBox, point_to_geojson


def _is_number(value) -> bool:
    # JSON true/false arrive as bool, which Python counts as a number.
    return isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value)


def _range_errors(lon: float, lat: float) -> list[str]:
    errors = []
    if not -180 <= lon <= 180:
        errors.append("Longitude must lie between -180 and 180")
    if not -90 <= lat <= 90:
        errors.append("Latitude must lie between -90 and 90")
    return errors


class GeoJSONPoint(ma.fields.Field):
    """A WGS84 GeoJSON Point, ``{"type": "Point", "coordinates": [lon, lat]}``.

    Loads into a ``(lon, lat)`` tuple once the shape and ranges are checked; dumps a
    stored PostGIS point back to GeoJSON.
    """

    default_error_messages = {
        # Doubled braces: marshmallow formats error messages with str.format.
        "invalid": 'Expected a GeoJSON Point: {{"type": "Point", "coordinates": [lon, lat]}}',
    }

    def __init__(self, **kwargs):
        metadata = {
            "type": "object",
            "description": "GeoJSON Point in WGS84, coordinates as [longitude, latitude]",
            "example": {"type": "Point", "coordinates": [121.4737, 31.2304]},
            **kwargs.pop("metadata", {}),
        }
        super().__init__(metadata=metadata, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return point_to_geojson(value)

    def _deserialize(self, value, attr, data, **kwargs) -> tuple[float, float]:
        if not isinstance(value, Mapping) or set(value) != {"type", "coordinates"} or value["type"] != "Point":
            raise self.make_error("invalid")
        coordinates = value["coordinates"]
        if not isinstance(coordinates, list) or len(coordinates) != 2 or not all(map(_is_number, coordinates)):
            raise self.make_error("invalid")
        lon, lat = float(coordinates[0]), float(coordinates[1])
        if errors := _range_errors(lon, lat):
            raise ma.ValidationError(errors)
        return lon, lat


class _NumberList(ma.fields.String):
    """A query argument holding `count` comma-separated numbers."""

    count = 0
    shape = ""

    def _deserialize(self, value, attr, data, **kwargs) -> tuple[float, ...]:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            numbers = tuple(float(part) for part in text.split(","))
        except ValueError:
            numbers = ()
        if len(numbers) != self.count or not all(map(math.isfinite, numbers)):
            raise ma.ValidationError(f"Expected {self.count} comma-separated numbers: {self.shape}")
        return numbers


class LonLat(_NumberList):
    """`lon,lat` in a query string, loaded as a ``(lon, lat)`` tuple."""

    count = 2
    shape = "lon,lat"

    def _deserialize(self, value, attr, data, **kwargs) -> tuple[float, float]:
        lon, lat = super()._deserialize(value, attr, data, **kwargs)
        if errors := _range_errors(lon, lat):
            raise ma.ValidationError(errors)
        return lon, lat


class BoundingBoxField(_NumberList):
    """`west,south,east,north` in degrees, loaded as a `BoundingBox`.

    Boxes crossing the antimeridian (west > east) are refused rather than guessed at.
    """

    count = 4
    shape = "west,south,east,north"

    def __init__(self, **kwargs):
        metadata = {"description": "`west,south,east,north` in degrees (WGS84)",
                    "example": "121.40,31.15,121.55,31.30", **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> BoundingBox:
        west, south, east, north = super()._deserialize(value, attr, data, **kwargs)
        errors = _range_errors(west, south) + _range_errors(east, north)
        if west >= east:
            errors.append("West must be less than east")
        if south >= north:
            errors.append("South must be less than north")
        if errors:
            raise ma.ValidationError(errors)
        return BoundingBox(west=west, south=south, east=east, north=north)
