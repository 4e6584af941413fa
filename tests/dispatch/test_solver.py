"""The solver against the format's rules: every plan is checked by the independent
checker, and each test asserts a rule or a quality property, never an exact route."""
from __future__ import annotations

import copy

import pytest

from dispatch.solver import ProblemError, parse_problem, solve
from dispatch.solver.check import check_plan
from dispatch.solver.travel import HaversineTravel

DAY = "2026-11-23"
CENTRE = [121.4737, 31.2304]


def t(clock: str, offset: str = "+08:00") -> str:
    return f"{DAY}T{clock}:00{offset}"


def engineer(id_, *, start=CENTRE, end="same", shift=("08:00", "18:00"), skills=None, **extra) -> dict:
    return {"id": id_, "start": start, "end": start if end == "same" else end, "shift": [t(shift[0]), t(shift[1])],
            "skills": skills if skills is not None else {"hvac": 2}, **extra}


def job(id_, location, *, window=None, duration=3600, skills=None, priority=3, pinned_to=None) -> dict:
    data = {"id": id_, "location": location, "duration_s": duration,
            "skills": skills if skills is not None else {"hvac": 1}, "priority": priority, "pinned_to": pinned_to}
    if window:
        data["window"] = [t(window[0]), t(window[1])]
    return data


def problem(engineers, jobs) -> dict:
    return {"travel": {"model": "haversine", "speed_kmh": 30, "road_factor": 1.3},
            "engineers": engineers, "jobs": jobs}


def solved(data: dict, seconds: float = 1.0) -> dict:
    plan = solve(data, time_limit_s=seconds)
    assert check_plan(parse_problem(data), plan) == []
    return plan


def unassigned(plan) -> dict[str, dict]:
    return {entry["job"]: entry for entry in plan["unassigned"]}


def placed(plan) -> dict[str, str]:
    return {stop["job"]: route["engineer"] for route in plan["routes"] for stop in route["stops"]}


# --- travel arithmetic --------------------------------------------------------------------------

def test_travel_follows_the_format_formula():
    model = HaversineTravel(speed_kmh=30, road_factor=1.3)
    distance_m, travel_s = model.between((121.4737, 31.2304), (121.5012, 31.2011))
    assert distance_m == 5431  # round(4177.76… m great-circle × 1.3)
    assert travel_s == 652      # ceil(5431 m / (30 km/h / 3.6))
    seconds, metres = model.matrix([(121.4737, 31.2304), (121.5012, 31.2011)])
    assert metres[0][1] == distance_m and seconds[0][1] == travel_s and seconds[1][1] == 0


# --- malformed problems -------------------------------------------------------------------------

@pytest.mark.parametrize("mutate, path", [
    (lambda p: p["jobs"][0].update(pinned_to="E9"), "jobs[0].pinned_to"),
    (lambda p: p["jobs"][0].update(window=[t("11:00"), t("09:00")]), "jobs[0].window"),
    (lambda p: p["jobs"][0].update(duration_s=-5), "jobs[0].duration_s"),
    (lambda p: p["jobs"][0].update(location=[200, 31]), "jobs[0].location"),
    (lambda p: p["engineers"][0].update(start=[121, 95]), "engineers[0].start"),
    (lambda p: p["engineers"][0].update(shift=[t("18:00"), t("08:00")]), "engineers[0].shift"),
    (lambda p: p["engineers"][0].update(shift=["2026-11-23T08:00:00", t("18:00")]), "engineers[0].shift[0]"),
    (lambda p: p["jobs"].append(copy.deepcopy(p["jobs"][0])), "jobs[1].id"),
    (lambda p: p["jobs"][0].update(priority=7), "jobs[0].priority"),
    (lambda p: p["jobs"][0].update(skills={"hvac": "high"}), "jobs[0].skills.hvac"),
    (lambda p: p.update(engineers={}), "engineers"),
])
def test_a_malformed_problem_names_the_field(mutate, path):
    data = problem([engineer("E1")], [job("J1", CENTRE, window=("09:00", "11:00"))])
    mutate(data)
    with pytest.raises(ProblemError) as error:
        solve(data, time_limit_s=1)
    assert error.value.path == path


# --- rules ---------------------------------------------------------------------------------------

def test_windows_skills_and_return_are_respected():
    data = problem([engineer("E1", skills={"hvac": 2}), engineer("E2", start=[121.40, 31.20], skills={"plumbing": 2})],
                   [job("J1", [121.50, 31.20], window=("09:00", "10:00")),
                    job("J2", [121.41, 31.21], skills={"plumbing": 1}, window=("13:00", "15:00")),
                    job("J3", [121.45, 31.25], skills={"hvac": 2})])
    plan = solved(data)
    assert placed(plan) == {"J1": "E1", "J2": "E2", "J3": "E1"}
    start = {stop["job"]: stop["start"] for route in plan["routes"] for stop in route["stops"]}
    assert t("09:00") <= start["J1"] <= t("10:00")
    assert plan["summary"]["assigned"] == 3 and plan["summary"]["priority_served"] == 30


def test_each_unassigned_job_says_why():
    data = problem([engineer("E1", skills={"hvac": 2}, shift=("08:00", "12:00"))], [
        job("skills", CENTRE, skills={"plumbing": 3}),
        job("pinned", CENTRE, skills={"electrical": 1}, pinned_to="E1"),
        job("early", CENTRE, window=("05:00", "06:00")),
        job("fits", CENTRE, duration=3 * 3600),
        job("no_room", [121.48, 31.23], duration=3 * 3600),
    ])
    plan = solved(data)
    reasons = {job_id: entry["reason"] for job_id, entry in unassigned(plan).items()}
    assert reasons == {"skills": "skill_unavailable", "pinned": "pinned_engineer_unavailable",
                       "early": "window_unreachable", "no_room": "capacity"} or \
        reasons == {"skills": "skill_unavailable", "pinned": "pinned_engineer_unavailable",
                    "early": "window_unreachable", "fits": "capacity"}
    assert unassigned(plan)["skills"]["detail"] == "no engineer has plumbing ≥ 3"
    assert "E1 lacks electrical ≥ 1" in unassigned(plan)["pinned"]["detail"]


def test_priority_comes_before_the_number_of_jobs():
    # Room for three hours of work: one urgent three-hour job beats two low one-hour jobs.
    data = problem([engineer("E1", shift=("09:00", "12:10"))], [
        job("urgent", CENTRE, duration=3 * 3600, priority=1),
        job("low1", CENTRE, duration=3600, priority=4),
        job("low2", CENTRE, duration=3600, priority=4),
    ])
    plan = solved(data)
    assert placed(plan) == {"urgent": "E1"}
    assert {entry["reason"] for entry in plan["unassigned"]} == {"capacity"}


def test_more_jobs_before_less_travel():
    far = [121.60, 31.30]
    data = problem([engineer("E1", shift=("09:00", "14:00"))], [
        job("near1", CENTRE, duration=3600), job("near2", CENTRE, duration=3600),
        job("far", far, duration=3600)])
    plan = solved(data)
    assert plan["summary"]["assigned"] == 3


def test_breaks_happen_inside_their_window_and_never_during_work():
    lunch = {"window": [t("11:30"), t("13:00")], "duration_s": 3600}
    jobs = [job(f"J{k}", [121.47 + k * 0.01, 31.23], duration=5400) for k in range(4)]
    plan = solved(problem([engineer("E1", breaks=[lunch])], jobs))
    [route] = plan["routes"]
    [taken] = route["breaks"]
    assert t("11:30") <= taken["start"] <= t("13:00")
    for stop in route["stops"]:
        assert stop["end"] <= taken["start"] or stop["start"] >= taken["end"]


def test_breaks_are_never_taken_at_the_same_time():
    # Three breaks after an open route's only job, with windows that overlap. OR-Tools
    # keeps breaks off the visits but left those outside the route free to fall
    # together, each at its earliest: 10:00 and 10:20, half an hour each.
    rest = [{"window": [t("10:00"), t("12:00")], "duration_s": 1800},
            {"window": [t("10:20"), t("12:00")], "duration_s": 1800},
            {"window": [t("11:00"), t("11:00")], "duration_s": 3600}]
    plan = solved(problem([engineer("E1", end=None, breaks=rest)], [job("J1", CENTRE, window=("09:00", "09:00"))]))
    [route] = plan["routes"]
    taken = sorted((taken["start"], taken["end"]) for taken in route["breaks"])
    assert all(earlier[1] <= later[0] for earlier, later in zip(taken, taken[1:]))
    assert len(route["stops"]) == 1


def test_max_jobs_caps_a_route():
    jobs = [job(f"J{k}", CENTRE, duration=600) for k in range(5)]
    plan = solved(problem([engineer("E1", max_jobs=2), engineer("E2", max_jobs=2)], jobs))
    assert all(len(route["stops"]) <= 2 for route in plan["routes"])
    assert plan["summary"]["assigned"] == 4


def test_pinned_jobs_go_to_their_engineer():
    data = problem([engineer("E1"), engineer("E2", start=[121.50, 31.25])],
                   [job("J1", [121.50, 31.25], pinned_to="E1"), job("J2", [121.50, 31.25])])
    assert placed(solved(data))["J1"] == "E1"


def test_an_open_route_ends_at_its_last_job():
    plan = solved(problem([engineer("E1", end=None)], [job("J1", [121.55, 31.25])]))
    [route] = plan["routes"]
    assert route["return"] is None
    assert route["travel_s"] == HaversineTravel().between(tuple(CENTRE), (121.55, 31.25))[1]


def test_times_keep_the_offset_of_the_input():
    data = problem([engineer("E1")], [job("J1", CENTRE, window=("09:00", "10:00"))])
    stop = solved(data)["routes"][0]["stops"][0]
    assert stop["start"].endswith("+08:00") and stop["arrival"].endswith("+08:00")


def test_every_job_appears_once_in_a_crowded_day():
    engineers = [engineer(f"E{k}", start=[121.40 + 0.03 * k, 31.20], skills={"hvac": 1 + k % 2},
                          breaks=[{"window": [t("11:30"), t("13:30")], "duration_s": 1800}], max_jobs=5)
                 for k in range(4)]
    jobs = [job(f"J{k}", [121.40 + 0.011 * (k % 12), 31.18 + 0.01 * (k // 12)], duration=2700,
                skills={"hvac": 1 + k % 2}, priority=1 + k % 4,
                window=None if k % 3 else ("09:00", "15:00")) for k in range(40)]
    plan = solved(problem(engineers, jobs), seconds=2)
    assert plan["summary"]["assigned"] + plan["summary"]["unassigned"] == 40
    assert plan["summary"]["assigned"] <= 20


def test_progress_is_reported_with_the_objective():
    seen = []
    solve(problem([engineer("E1")], [job("J1", CENTRE)]), time_limit_s=1,
          on_progress=lambda percent, objective: seen.append((percent, objective)))
    assert seen and 0 <= seen[-1][0] <= 100
    assert seen[-1][1] == {"priority_served": 10, "assigned": 1, "travel_s": 0}


def test_no_engineers_leaves_everything_unassigned():
    plan = solved(problem([], [job("J1", CENTRE)]))
    assert plan["unassigned"][0]["reason"] == "skill_unavailable"


# --- soft deadlines (Gongdan's `due`: the SLA's arrival deadline) --------------------------------

WEST_2KM, EAST_6KM = [121.4737 - 0.021, 31.2304], [121.4737 + 0.063, 31.2304]


def order_of_visits(plan) -> list[str]:
    return [stop["job"] for route in plan["routes"] for stop in route["stops"]]


def test_a_due_visit_goes_first_though_it_means_more_driving():
    engineers = [engineer("E1", end=None)]
    near, far = job("NEAR", WEST_2KM), job("FAR", EAST_6KM)
    # Without deadlines the short way is west then east.
    assert order_of_visits(solved(problem(engineers, [near, far]))) == ["NEAR", "FAR"]

    plan = solved(problem(engineers, [near, {**far, "due": t("08:40")}]))

    assert order_of_visits(plan) == ["FAR", "NEAR"]
    assert plan["routes"][0]["stops"][0]["start"] <= t("08:40")


def test_a_deadline_that_cannot_be_met_is_soft_the_visit_still_happens():
    plan = solved(problem([engineer("E1")], [{**job("J1", EAST_6KM), "due": t("07:00")}]))
    assert placed(plan) == {"J1": "E1"} and plan["unassigned"] == []


def test_lateness_never_outweighs_a_job():
    # Two jobs, room for both only if one of them is late: both are placed.
    engineers = [engineer("E1", shift=("08:00", "11:00"))]
    jobs = [{**job("A", WEST_2KM), "due": t("08:30")}, {**job("B", EAST_6KM), "due": t("08:30")}]
    plan = solved(problem(engineers, jobs))
    assert plan["summary"]["assigned"] == 2


def test_a_malformed_due_is_named():
    with pytest.raises(ProblemError, match=r"jobs\[0\]\.due"):
        parse_problem(problem([engineer("E1")], [{**job("J1", EAST_6KM), "due": "tomorrow"}]))
