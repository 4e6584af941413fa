"""Point columns and GeoJSON conversion shared by every domain (no Flask)."""
from __future__ import annotations

from typing import Any

from geoalchemy2 import Geometry, WKBElement
from geoalchemy2.shape import from_shape, to_shape
from shapely.geometry import Point


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
