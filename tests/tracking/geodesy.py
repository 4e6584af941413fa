"""An independent yardstick for distances PostGIS measures: the WGS84 meridian arc."""
from __future__ import annotations

import math

WGS84_A = 6_378_137.0
WGS84_F = 1 / 298.257223563


def meridian_arc_m(lat1: float, lat2: float, steps: int = 1000) -> float:
    """Length in metres along a meridian between two latitudes (degrees), integrating
    the meridional radius of curvature M(φ) = a(1−e²)/(1−e² sin²φ)^{3/2} numerically."""
    e2 = WGS84_F * (2 - WGS84_F)
    step = math.radians(lat2 - lat1) / steps
    total = 0.0
    for i in range(steps):
        phi = math.radians(lat1) + (i + 0.5) * step
        total += WGS84_A * (1 - e2) / (1 - e2 * math.sin(phi) ** 2) ** 1.5
    return abs(total * step)
