"""Travel between two points, as the dispatch format defines it.

`HaversineTravel` is the format's model: great-circle distance times a road factor,
driven at a constant speed. Road-network providers answer the same question from a
routing engine.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

EARTH_RADIUS_M = 6_371_008.8
Point = tuple[float, float]  # (lon, lat) in WGS84


def haversine_m(a: Point, b: Point) -> float:
    """Great-circle distance in metres between two (lon, lat) points."""
    lon1, lat1, lon2, lat2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True)
class HaversineTravel:
    speed_kmh: float = 30.0
    road_factor: float = 1.3

    def between(self, a: Point, b: Point) -> tuple[int, int]:
        """(distance_m, travel_s): `round(haversine × road_factor)` metres, and the
        seconds to drive them, rounded up."""
        distance_m = round(haversine_m(a, b) * self.road_factor)
        return distance_m, math.ceil(distance_m / (self.speed_kmh / 3.6))
