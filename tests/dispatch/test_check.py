"""The checker itself, on plans written by hand: it accepts what the format allows and
names what it does not."""
from __future__ import annotations

from dispatch.solver import parse_problem
from dispatch.solver.check import check_plan

CENTRE = [121.4737, 31.2304]


def t(clock: str) -> str:
    return f"2026-11-23T{clock}:00+08:00"


def problem(breaks: list[dict]) -> dict:
    """One engineer from 08:00 to 18:00 and one hour-long job at their door."""
    return {"travel": {"model": "haversine", "speed_kmh": 30, "road_factor": 1.3},
            "engineers": [{"id": "E1", "start": CENTRE, "end": CENTRE, "shift": [t("08:00"), t("18:00")],
                           "skills": {}, "breaks": breaks}],
            "jobs": [{"id": "J1", "location": CENTRE, "duration_s": 3600, "skills": {}, "priority": 3}]}


def plan(job_start: str, job_end: str, breaks: list[tuple[str, str]]) -> dict:
    return {"routes": [{"engineer": "E1",
                        "stops": [{"job": "J1", "arrival": t(job_start), "start": t(job_start), "end": t(job_end)}],
                        "breaks": [{"start": t(start), "end": t(end)} for start, end in breaks],
                        "return": t(job_end), "travel_s": 0, "distance_m": 0}],
            "unassigned": [],
            "summary": {"assigned": 1, "unassigned": 0, "priority_served": 10, "travel_s": 0, "distance_m": 0}}


def rule(earliest: str, latest: str, seconds: int) -> dict:
    return {"window": [t(earliest), t(latest)], "duration_s": seconds}


def test_a_valid_plan_has_no_faults():
    data = problem([rule("12:00", "13:00", 1800)])
    assert check_plan(parse_problem(data), plan("09:00", "10:00", [("12:00", "12:30")])) == []


def test_a_break_may_begin_before_the_shift_when_the_engineer_leaves_after_it():
    # A break whose window closes before the shift opens is taken there; it runs into
    # the shift, and the engineer sets off once it is over. No work is done in it.
    data = problem([rule("07:30", "07:30", 3600)])
    assert check_plan(parse_problem(data), plan("09:00", "10:00", [("07:30", "08:30")])) == []


def test_a_job_during_that_break_is_a_fault():
    data = problem([rule("07:30", "07:30", 3600)])
    faults = check_plan(parse_problem(data), plan("08:15", "09:15", [("07:30", "08:30")]))
    assert any("not enough time" in fault or "overlaps work" in fault for fault in faults)


def test_a_break_overlapping_a_job_is_a_fault():
    data = problem([rule("09:00", "12:00", 1800)])
    assert "J1: a break overlaps work" in check_plan(parse_problem(data), plan("10:00", "11:00",
                                                                                [("09:45", "10:15")]))


def test_breaks_whose_windows_overlap_may_be_taken_in_either_order():
    # The ten-minute break must start at noon; the half hour may start any time from
    # eleven to two, and is taken after the short one.
    data = problem([rule("11:00", "14:00", 1800), rule("12:00", "12:00", 600)])
    assert check_plan(parse_problem(data), plan("09:00", "10:00", [("12:00", "12:10"), ("13:00", "13:30")])) == []


def test_breaks_taken_at_the_same_time_are_a_fault():
    data = problem([rule("12:00", "13:00", 1800), rule("12:00", "13:00", 1800)])
    faults = check_plan(parse_problem(data), plan("09:00", "10:00", [("12:00", "12:30"), ("12:00", "12:30")]))
    assert "E1: breaks overlap" in faults


def test_a_break_of_the_wrong_length_is_a_fault():
    data = problem([rule("12:00", "13:00", 1800)])
    assert check_plan(parse_problem(data), plan("09:00", "10:00", [("12:00", "12:20")])) == [
        "E1: a break lasts 1200s, not 1800s"]
