"""Travel between points: the format's haversine model, and road-network times from an
OSRM-compatible routing engine.

Both answer `matrix(points) -> (seconds, metres)`, square lists of whole numbers, so
the model never knows which one it got.
"""
from __future__ import annotations

import json
import math
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

EARTH_RADIUS_M = 6_371_008.8
Point = tuple[float, float]  # (lon, lat) in WGS84
Matrix = list[list[int]]


class TravelProvider(Protocol):
    def matrix(self, points: Sequence[Point]) -> tuple[Matrix, Matrix]:
        """(travel seconds, metres) between every ordered pair of points."""


class TravelError(RuntimeError):
    """The routing engine could not answer."""


def haversine_m(a: Point, b: Point) -> float:
    """Great-circle distance in metres between two (lon, lat) points."""
    lon1, lat1, lon2, lat2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True)
class HaversineTravel:
    """The format's model: `distance_m = round(haversine × road_factor)`,
    `travel_s = ceil(distance_m / (speed_kmh / 3.6))`."""
    speed_kmh: float = 30.0
    road_factor: float = 1.3

    def between(self, a: Point, b: Point) -> tuple[int, int]:
        """(distance_m, travel_s) from a to b."""
        distance_m = round(haversine_m(a, b) * self.road_factor)
        return distance_m, self._seconds(distance_m)

    def _seconds(self, distance_m: int) -> int:
        return math.ceil(distance_m / (self.speed_kmh / 3.6))

    def matrix(self, points: Sequence[Point]) -> tuple[Matrix, Matrix]:
        if not points:
            return [], []
        coordinates = np.radians(np.asarray(points, dtype=float))
        lon, lat = coordinates[:, 0], coordinates[:, 1]
        h = (np.sin((lat[None, :] - lat[:, None]) / 2) ** 2
             + np.cos(lat[:, None]) * np.cos(lat[None, :]) * np.sin((lon[None, :] - lon[:, None]) / 2) ** 2)
        scaled = 2 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, np.sqrt(h))) * self.road_factor
        metres = np.rint(scaled)
        # Vectorised trigonometry may differ from `math` in the last bit; where that
        # could flip a rounding, take the exact scalar formula.
        doubtful = np.abs(scaled - np.floor(scaled) - 0.5) < 1e-6
        for i, j in zip(*np.nonzero(doubtful)):
            metres[i, j] = round(haversine_m(points[i], points[j]) * self.road_factor)
        metres_list = metres.astype(np.int64).tolist()
        speed = self.speed_kmh / 3.6
        seconds_list = [[math.ceil(d / speed) for d in row] for row in metres_list]
        return seconds_list, metres_list


@dataclass(frozen=True)
class OsrmTravel:
    """Road-network times from an OSRM-compatible `table` service at `base_url`
    (e.g. `http://osrm:5000`), asked in blocks the server accepts."""
    base_url: str
    profile: str = "driving"
    block: int = 100
    timeout_s: float = 30.0

    def matrix(self, points: Sequence[Point]) -> tuple[Matrix, Matrix]:
        n = len(points)
        seconds = [[0] * n for _ in range(n)]
        metres = [[0] * n for _ in range(n)]
        for row_start in range(0, n, self.block):
            sources = list(range(row_start, min(n, row_start + self.block)))
            for col_start in range(0, n, self.block):
                targets = list(range(col_start, min(n, col_start + self.block)))
                durations, distances = self._table(points, sources, targets)
                for a, i in enumerate(sources):
                    for b, j in enumerate(targets):
                        if durations[a][b] is None:
                            raise TravelError(f"no road route between points {i} and {j}")
                        seconds[i][j] = math.ceil(durations[a][b])
                        metres[i][j] = round(distances[a][b])
        return seconds, metres

    def _table(self, points: Sequence[Point], sources: list[int], targets: list[int]):
        # Send only the points of this block: the server's table size limit counts them.
        used = sorted(set(sources) | set(targets))
        position = {point: k for k, point in enumerate(used)}
        coordinates = ";".join(f"{points[k][0]:.6f},{points[k][1]:.6f}" for k in used)
        query = urllib.parse.urlencode({
            "sources": ";".join(str(position[i]) for i in sources),
            "destinations": ";".join(str(position[j]) for j in targets),
            "annotations": "duration,distance"})
        url = f"{self.base_url.rstrip('/')}/table/v1/{self.profile}/{coordinates}?{query}"
        try:
            with urllib.request.urlopen(url, timeout=self.timeout_s) as answer:
                body = json.load(answer)
        except (OSError, ValueError) as error:
            raise TravelError(f"routing engine at {self.base_url} failed: {error}") from error
        if body.get("code") != "Ok":
            raise TravelError(f"routing engine answered {body.get('code')}: {body.get('message', '')}")
        return body["durations"], body["distances"]
