"""The dispatch problem (format version 1) as dataclasses, read from its JSON form.

Every time becomes whole seconds since the problem's earliest instant, so the model
works in integers; the offset of the input is kept to write times back the same way.
A malformed problem raises `ProblemError` naming the field (`jobs[3].window`).
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import Any

PRIORITY_WEIGHTS = {1: 100, 2: 30, 3: 10, 4: 3}
Point = tuple[float, float]


class ProblemError(ValueError):
    """The problem does not follow the format; `path` names the offending field."""

    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


@dataclass(frozen=True)
class TravelSpec:
    model: str = "haversine"
    speed_kmh: float = 30.0
    road_factor: float = 1.3


@dataclass(frozen=True)
class Break:
    earliest_start: int   # seconds since the problem's origin
    latest_start: int
    duration: int


@dataclass(frozen=True)
class Engineer:
    id: str
    start: Point
    end: Point | None
    shift_start: int
    shift_end: int
    skills: Mapping[str, int]
    max_jobs: int | None
    breaks: tuple[Break, ...]
    zone: tzinfo          # the offset its times are written in


@dataclass(frozen=True)
class Job:
    id: str
    location: Point
    window: tuple[int, int] | None
    duration: int
    skills: Mapping[str, int]
    priority: int
    pinned_to: str | None
    zone: tzinfo | None
    # Gongdan's extension of format 1: a soft deadline for the visit's start (the SLA's
    # arrival deadline). Starting later is allowed but costs; None: no deadline.
    due: int | None = None

    @property
    def weight(self) -> int:
        return PRIORITY_WEIGHTS[self.priority]


@dataclass
class Problem:
    travel: TravelSpec
    engineers: list[Engineer]
    jobs: list[Job]
    origin: datetime      # instant 0 of every time above
    engineer_index: dict[str, int] = field(default_factory=dict)

    def time(self, seconds: int, zone: tzinfo) -> str:
        """An instant of the model written as ISO 8601 in `zone`."""
        return (self.origin + timedelta(seconds=seconds)).astimezone(zone).isoformat()


def parse_problem(data: Any) -> Problem:
    """Read and check a problem dict. Raises ProblemError naming the field."""
    _expect(isinstance(data, Mapping), "problem", "must be a JSON object")
    travel = _travel(data.get("travel", {}))
    engineers_data = data.get("engineers")
    jobs_data = data.get("jobs")
    _expect(isinstance(engineers_data, list), "engineers", "must be a list")
    _expect(isinstance(jobs_data, list), "jobs", "must be a list")

    instants = []
    for i, engineer in enumerate(engineers_data):
        _expect(isinstance(engineer, Mapping), f"engineers[{i}]", "must be an object")
        instants += _pair(engineer.get("shift"), f"engineers[{i}].shift", required=True)
    for i, job in enumerate(jobs_data):
        _expect(isinstance(job, Mapping), f"jobs[{i}]", "must be an object")
        instants += _pair(job.get("window"), f"jobs[{i}].window", required=False)
    origin = min(instants) if instants else datetime.fromtimestamp(0).astimezone()

    def seconds(moment: datetime) -> int:
        return int((moment - origin).total_seconds())

    engineers, engineer_index = [], {}
    for i, raw in enumerate(engineers_data):
        path = f"engineers[{i}]"
        engineer_id = _identifier(raw.get("id"), f"{path}.id")
        _expect(engineer_id not in engineer_index, f"{path}.id", f"duplicate engineer id {engineer_id!r}")
        shift_start, shift_end = _pair(raw["shift"], f"{path}.shift", required=True)
        breaks = []
        raw_breaks = raw.get("breaks") or []
        _expect(isinstance(raw_breaks, list), f"{path}.breaks", "must be a list")
        for b, brk in enumerate(raw_breaks):
            bpath = f"{path}.breaks[{b}]"
            _expect(isinstance(brk, Mapping), bpath, "must be an object")
            earliest, latest = _pair(brk.get("window"), f"{bpath}.window", required=True)
            duration = _whole(brk.get("duration_s"), f"{bpath}.duration_s", minimum=0)
            breaks.append(Break(seconds(earliest), seconds(latest), duration))
        max_jobs = raw.get("max_jobs")
        if max_jobs is not None:
            max_jobs = _whole(max_jobs, f"{path}.max_jobs", minimum=0)
        end = raw.get("end")
        engineers.append(Engineer(
            id=engineer_id, start=_point(raw.get("start"), f"{path}.start"),
            end=None if end is None else _point(end, f"{path}.end"),
            shift_start=seconds(shift_start), shift_end=seconds(shift_end),
            skills=_skills(raw.get("skills", {}), f"{path}.skills"), max_jobs=max_jobs,
            breaks=tuple(sorted(breaks, key=lambda x: x.earliest_start)), zone=shift_start.tzinfo))
        engineer_index[engineer_id] = i

    jobs, job_ids = [], set()
    for i, raw in enumerate(jobs_data):
        path = f"jobs[{i}]"
        job_id = _identifier(raw.get("id"), f"{path}.id")
        _expect(job_id not in job_ids, f"{path}.id", f"duplicate job id {job_id!r}")
        job_ids.add(job_id)
        window = raw.get("window")
        if window is not None:
            start, end = _pair(window, f"{path}.window", required=True)
            window, zone = (seconds(start), seconds(end)), start.tzinfo
        else:
            zone = None
        priority = raw.get("priority", 3)
        _expect(priority in PRIORITY_WEIGHTS and not isinstance(priority, bool), f"{path}.priority",
                "must be 1 (urgent), 2 (high), 3 (normal) or 4 (low)")
        pinned = raw.get("pinned_to")
        if pinned is not None:
            _expect(isinstance(pinned, str) and pinned in engineer_index, f"{path}.pinned_to",
                    f"unknown engineer {pinned!r}")
        due = raw.get("due")
        if due is not None:
            due = seconds(_instant(due, f"{path}.due"))
        jobs.append(Job(id=job_id, location=_point(raw.get("location"), f"{path}.location"), window=window,
                        duration=_whole(raw.get("duration_s"), f"{path}.duration_s", minimum=0),
                        skills=_skills(raw.get("skills", {}), f"{path}.skills"), priority=priority,
                        pinned_to=pinned, zone=zone, due=due))
    return Problem(travel=travel, engineers=engineers, jobs=jobs, origin=origin, engineer_index=engineer_index)


def _expect(condition: bool, path: str, message: str) -> None:
    if not condition:
        raise ProblemError(path, message)


def _travel(raw: Any) -> TravelSpec:
    _expect(isinstance(raw, Mapping), "travel", "must be an object")
    model = raw.get("model", "haversine")
    _expect(model == "haversine", "travel.model", "only 'haversine' is defined in format version 1")
    speed = raw.get("speed_kmh", 30)
    factor = raw.get("road_factor", 1.3)
    _expect(_is_number(speed) and speed > 0, "travel.speed_kmh", "must be a positive number")
    _expect(_is_number(factor) and factor >= 1, "travel.road_factor", "must be a number ≥ 1")
    return TravelSpec(model=model, speed_kmh=float(speed), road_factor=float(factor))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _identifier(value: Any, path: str) -> str:
    _expect(isinstance(value, str) and value != "", path, "must be a non-empty string")
    return value


def _whole(value: Any, path: str, *, minimum: int) -> int:
    _expect(_is_number(value) and float(value).is_integer(), path, "must be a whole number")
    _expect(value >= minimum, path, f"must be ≥ {minimum}")
    return int(value)


def _point(value: Any, path: str) -> Point:
    _expect(isinstance(value, list) and len(value) == 2 and all(map(_is_number, value)), path,
            "must be [longitude, latitude]")
    lon, lat = float(value[0]), float(value[1])
    _expect(-180 <= lon <= 180, path, f"longitude {lon} out of range -180..180")
    _expect(-90 <= lat <= 90, path, f"latitude {lat} out of range -90..90")
    return lon, lat


def _instant(value: Any, path: str) -> datetime:
    _expect(isinstance(value, str), path, "must be an ISO 8601 time with offset")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ProblemError(path, f"not an ISO 8601 time: {value!r}") from None
    _expect(moment.tzinfo is not None, path, "needs a UTC offset")
    return moment


def _pair(value: Any, path: str, *, required: bool) -> list[datetime]:
    if value is None and not required:
        return []
    _expect(isinstance(value, list) and len(value) == 2, path, "must be [start, end]")
    start, end = _instant(value[0], f"{path}[0]"), _instant(value[1], f"{path}[1]")
    _expect(end >= start, path, "end before start")
    return [start, end]


def _skills(value: Any, path: str) -> dict[str, int]:
    _expect(isinstance(value, Mapping), path, "must be an object of skill: level")
    for name, level in value.items():
        _expect(isinstance(level, int) and not isinstance(level, bool) and level >= 0, f"{path}.{name}",
                "must be a whole level ≥ 0")
    return dict(value)
