"""A large day split into territories solved by RQ workers (real Redis)."""
from __future__ import annotations

import pytest
from redis import Redis
from rq import Queue, SimpleWorker

from dispatch import territories
from dispatch.solver import parse_problem
from dispatch.solver.check import check_plan
from tests.dispatch.test_split import city


@pytest.fixture
def queue(app):
    queue = Queue("gongdan-test-territories", connection=Redis.from_url(app.config["REDIS_URL"]))
    queue.empty()
    yield queue
    queue.empty()


def test_parts_are_solved_by_workers_then_combined(queue, monkeypatch):
    monkeypatch.setattr(territories, "MAX_PART_JOBS", 12)
    data = city(engineers=6, jobs=36)
    data["engineers"][1]["skills"]["plumbing"] = 1
    data["jobs"][0].update(skills={"plumbing": 1}, priority=1)   # only E1 (another territory) can
    data["jobs"][5]["skills"] = {"welding": 3}                   # nobody can

    jobs = territories.enqueue_parts(queue, data, part_time_s=1)
    assert len(jobs) == 3 and territories.finished_plans(jobs) is None
    SimpleWorker([queue], connection=queue.connection).work(burst=True)
    plans = territories.finished_plans(jobs)
    assert plans is not None and len(plans) == 3

    plan = territories.combine(data, plans, repair_s=5)
    assert check_plan(parse_problem(data), plan) == []
    placed = {stop["job"]: route["engineer"] for route in plan["routes"] for stop in route["stops"]}
    assert placed.get("J0") == "E1"
    reasons = {entry["job"]: entry["reason"] for entry in plan["unassigned"]}
    assert reasons["J5"] == "skill_unavailable"
    assert set(reasons.values()) <= {"capacity", "skill_unavailable"}


def test_a_malformed_problem_is_refused_before_any_part_is_queued(queue):
    data = city()
    data["jobs"][0]["pinned_to"] = "E99"
    with pytest.raises(ValueError, match="pinned_to"):
        territories.enqueue_parts(queue, data, part_time_s=1)
    assert len(queue) == 0
