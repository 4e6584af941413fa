"""Point columns and GeoJSON conversion shared by every domain (no Flask)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from geoalchemy2 import Geometry, WKBElement
from geoalchemy2.shape import from_shape, to_shape
from shapely.geometry import Point
from sqlalchemy import func


def point_column_type() -> Geometry:
    """WGS84 point with a GIST index; distances are taken on its geography cast."""
    return Geometry(geometry_type="POINT", srid=4326, spatial_index=True)


def make_point(lon: float, lat: float) -> WKBElement:
    return from_shape(Point(lon, lat), srid=4326)


def point_to_geojson(value: WKBElement | None) -> dict[str, Any] | None:
    if value is None:
        return None
    point = to_shape(value)
    return {"type": "Point", "coordinates": [point.x, point.y]}


def lon_lat(value: WKBElement | None) -> tuple[float, float] | None:
    if value is None:
        return None
    point = to_shape(value)
    return point.x, point.y


@dataclass(frozen=True)
class BoundingBox:
    """A WGS84 box in degrees, west < east and south < north (no antimeridian crossing)."""
    west: float
    south: float
    east: float
    north: float


def wgs84_point(lon: float, lat: float):
    """A SQL expression for the WGS84 point (lon, lat), for use in spatial predicates."""
    return func.ST_SetSRID(func.ST_MakePoint(lon, lat), 4326)


def within_box(column, bbox: BoundingBox):
    """A predicate: the point `column` lies inside the box, edges included."""
    return func.ST_Intersects(column, func.ST_MakeEnvelope(bbox.west, bbox.south, bbox.east, bbox.north, 4326))
