"""Large days as territories: split, solve, merge, repair across the borders."""
from __future__ import annotations

import sys

import pytest

from dispatch.solver import parse_problem, solve
from dispatch.solver.check import check_plan
from dispatch.solver.split import merge_plans, split_problem

DAY = "2026-11-23"
solve_module = sys.modules["dispatch.solver.solve"]


def t(clock: str) -> str:
    return f"{DAY}T{clock}:00+08:00"


def city(engineers: int = 6, jobs: int = 36) -> dict:
    """Two districts far apart, half the engineers and jobs in each."""
    west, east = (121.30, 31.20), (121.65, 31.25)
    data = {"travel": {"model": "haversine", "speed_kmh": 30, "road_factor": 1.3}, "engineers": [], "jobs": []}
    for k in range(engineers):
        base = west if k % 2 == 0 else east
        data["engineers"].append({"id": f"E{k}", "start": [base[0] + 0.005 * k, base[1]],
                                  "end": [base[0] + 0.005 * k, base[1]], "shift": [t("08:00"), t("18:00")],
                                  "skills": {"hvac": 2}, "max_jobs": 5,
                                  "breaks": [{"window": [t("11:30"), t("13:30")], "duration_s": 1800}]})
    for k in range(jobs):
        base = west if k % 2 == 0 else east
        data["jobs"].append({"id": f"J{k}", "location": [base[0] + 0.004 * (k % 7), base[1] + 0.003 * (k % 5)],
                             "duration_s": 3600, "skills": {"hvac": 1}, "priority": 1 + k % 4, "pinned_to": None})
    return data


@pytest.fixture
def small_parts(monkeypatch):
    monkeypatch.setattr(solve_module, "MAX_PART_JOBS", 12)


def test_split_keeps_every_job_and_engineer_once_and_pinned_jobs_with_their_engineer():
    data = city()
    data["jobs"][0]["pinned_to"] = "E1"  # a western job pinned to an eastern engineer
    parts = split_problem(data, 2)
    assert sorted(j["id"] for p in parts for j in p["jobs"]) == sorted(j["id"] for j in data["jobs"])
    assert sorted(e["id"] for p in parts for e in p["engineers"]) == sorted(e["id"] for e in data["engineers"])
    home = next(p for p in parts if any(e["id"] == "E1" for e in p["engineers"]))
    assert any(j["id"] == "J0" for j in home["jobs"])
    assert all(p["engineers"] and p["jobs"] for p in parts)


def test_a_day_solved_in_parts_is_a_valid_plan_close_to_the_whole(small_parts, monkeypatch):
    data = city()
    plan = solve(data, time_limit_s=6)
    assert check_plan(parse_problem(data), plan) == []
    assert {entry["reason"] for entry in plan["unassigned"]} == {"capacity"}
    monkeypatch.setattr(solve_module, "MAX_PART_JOBS", 1000)
    whole = solve(data, time_limit_s=6)
    assert plan["summary"]["priority_served"] >= 0.95 * whole["summary"]["priority_served"]


def test_work_one_territory_cannot_do_crosses_the_border(small_parts):
    data = city()
    # Only an eastern engineer can do plumbing; the plumbing job sits in the west.
    data["engineers"][1]["skills"]["plumbing"] = 1
    data["jobs"][0]["skills"] = {"plumbing": 1}
    data["jobs"][0]["priority"] = 1
    plan = solve(data, time_limit_s=6)
    assert check_plan(parse_problem(data), plan) == []
    placed = {stop["job"]: route["engineer"] for route in plan["routes"] for stop in route["stops"]}
    assert placed.get("J0") == "E1"


def test_jobs_nobody_can_do_keep_their_reason(small_parts):
    data = city()
    data["jobs"][3]["skills"] = {"welding": 3}
    plan = solve(data, time_limit_s=6)
    reasons = {entry["job"]: entry["reason"] for entry in plan["unassigned"]}
    assert reasons["J3"] == "skill_unavailable"


def test_merge_adds_up_the_parts():
    a = {"routes": [{"engineer": "E0", "stops": []}], "unassigned": [{"job": "J1"}],
         "summary": {"assigned": 3, "unassigned": 1, "priority_served": 40, "travel_s": 100, "distance_m": 900,
                     "solve_s": 1.0}}
    b = {"routes": [{"engineer": "E1", "stops": []}], "unassigned": [],
         "summary": {"assigned": 2, "unassigned": 0, "priority_served": 20, "travel_s": 50, "distance_m": 400,
                     "solve_s": 2.0}}
    merged = merge_plans([a, b])
    assert [r["engineer"] for r in merged["routes"]] == ["E0", "E1"]
    assert merged["summary"] == {"assigned": 5, "unassigned": 1, "priority_served": 60, "travel_s": 150,
                                 "distance_m": 1300, "solve_s": 3.0}
