"""Dispatch runs over HTTP, solved by the real background job on the real Redis queue."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from rq import SimpleWorker

from app.auth.models import Role
from app.geo import make_point
from app.workorders.models import Priority
from tests.factories import EngineerFactory, SiteFactory, WorkOrderFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
RUNS = "/api/v1/dispatch/runs"


def next_monday() -> date:
    day = datetime.now(SHANGHAI).date() + timedelta(days=7)
    return day - timedelta(days=day.weekday())


DAY = next_monday()


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(DAY.year, DAY.month, DAY.day, hour, minute, tzinfo=SHANGHAI)


def work_off(app, queue) -> None:
    """Run every queued job here and now, as the worker started by `make run` would."""
    with app.app_context():
        SimpleWorker([queue], connection=queue.connection).work(burst=True)


@pytest.fixture
def day_of_work(session):
    """Two engineers and five orders for the day; one order nobody can do."""
    engineers = [EngineerFactory(skills={"hvac": 2}, home_base=make_point(121.45 + 0.05 * k, 31.22))
                 for k in range(2)]
    orders = [WorkOrderFactory(skills={"hvac": 1}, estimated_duration_min=60, priority=Priority.HIGH,
                               window_start=at(9), window_end=at(16),
                               site=SiteFactory(location=make_point(121.44 + 0.02 * k, 31.21 + 0.01 * k)))
              for k in range(4)]
    orders.append(WorkOrderFactory(skills={"welding": 3}, window_start=at(9), window_end=at(12)))
    return engineers, orders


def test_a_run_is_queued_solved_previewed_and_applied(client, as_role, app, queue, day_of_work):
    engineers, orders = day_of_work
    _, headers = as_role(Role.DISPATCHER)
    created = client.post(RUNS, headers=headers, json={"date": DAY.isoformat(), "time_limit_s": 1})
    assert created.status_code == 202, created.json
    assert created.json["status"] == "queued" and created.headers["Location"].endswith(f"/{created.json['id']}")
    assert len(queue) == 1

    work_off(app, queue)
    run = client.get(f"{RUNS}/{created.json['id']}", headers=headers).json
    assert run["status"] == "succeeded" and run["progress_pct"] == 100
    assert run["best_objective"] == {"priority_served": 120, "assigned": 4, "travel_s": run["plan"]["summary"]["travel_s"]}
    kinds = {change["number"]: change["kind"] for change in run["changes"]}
    assert kinds == {**{o.number: "assign" for o in orders[:4]}, orders[4].number: "unassigned"}
    hopeless = next(c for c in run["changes"] if c["number"] == orders[4].number)
    assert hopeless["reason"] == "skill_unavailable"

    problem = client.get(f"{RUNS}/{run['id']}/problem", headers=headers).json
    assert {job["id"] for job in problem["jobs"]} == {o.number for o in orders}

    applied = client.post(f"{RUNS}/{run['id']}/apply", headers=headers)
    assert applied.status_code == 200, applied.json
    assert applied.json["status"] == "applied" and applied.json["applied_counts"] == {"assign": 4}
    for order in orders[:4]:
        read = client.get(f"/api/v1/work-orders/{order.id}", headers=headers).json
        assert read["status"] == "assigned"
        assert read["scheduled_engineer"]["id"] in {e.id for e in engineers}
    timeline = client.get(f"/api/v1/work-orders/{orders[0].id}/timeline", headers=headers).json
    assert timeline[-1]["payload"]["dispatch_run_id"] == run["id"]


def test_applying_after_an_order_changed_is_refused(client, as_role, app, queue, day_of_work, session):
    _, orders = day_of_work
    _, headers = as_role(Role.DISPATCHER)
    run_id = client.post(RUNS, headers=headers, json={"date": DAY.isoformat(), "time_limit_s": 1}).json["id"]
    work_off(app, queue)
    etag = client.get(f"/api/v1/work-orders/{orders[0].id}", headers=headers).headers["ETag"]
    _, agent = as_role(Role.AGENT)
    edited = client.patch(f"/api/v1/work-orders/{orders[0].id}", headers={**agent, "If-Match": etag},
                          json={"priority": "urgent"})
    assert edited.status_code == 200
    refused = client.post(f"{RUNS}/{run_id}/apply", headers=headers)
    assert refused.status_code == 409 and refused.json["status"] == "plan_stale"
    assert refused.json["details"]["changed"] == [orders[0].number]
    assert client.get(f"/api/v1/work-orders/{orders[1].id}", headers=headers).json["status"] == "new"


def test_a_discarded_run_is_never_applied(client, as_role, app, queue, day_of_work):
    _, headers = as_role(Role.MANAGER)
    run_id = client.post(RUNS, headers=headers, json={"date": DAY.isoformat(), "time_limit_s": 1}).json["id"]
    discarded = client.post(f"{RUNS}/{run_id}/discard", headers=headers)
    assert discarded.status_code == 200 and discarded.json["status"] == "discarded"
    work_off(app, queue)  # the job finds the run discarded and does nothing
    assert client.get(f"{RUNS}/{run_id}", headers=headers).json["status"] == "discarded"
    refused = client.post(f"{RUNS}/{run_id}/apply", headers=headers)
    assert refused.status_code == 409 and refused.json["status"] == "run_not_ready"


def test_runs_are_listed_by_day(client, as_role, app, queue, day_of_work):
    _, headers = as_role(Role.DISPATCHER)
    client.post(RUNS, headers=headers, json={"date": DAY.isoformat(), "time_limit_s": 1})
    _, agent = as_role(Role.AGENT)
    listed = client.get(f"{RUNS}?date={DAY.isoformat()}", headers=agent)
    assert listed.status_code == 200 and len(listed.json) == 1
    assert "plan" not in listed.json[0]
    assert client.get(f"{RUNS}?date={(DAY + timedelta(days=1)).isoformat()}", headers=agent).json == []


@pytest.mark.parametrize("role", [Role.AGENT, Role.ENGINEER, Role.PARTNER_ENGINEER, Role.WAREHOUSE, Role.CUSTOMER])
def test_only_planners_start_runs(client, as_role, queue, role):
    _, headers = as_role(role)
    answer = client.post(RUNS, headers=headers, json={"date": DAY.isoformat()})
    assert answer.status_code == 403 and answer.json["status"] == "forbidden"
    assert len(queue) == 0


@pytest.mark.parametrize("role", [Role.ENGINEER, Role.WAREHOUSE, Role.CUSTOMER])
def test_field_and_customer_roles_cannot_read_runs(client, as_role, role):
    _, headers = as_role(role)
    assert client.get(RUNS, headers=headers).status_code == 403


@pytest.mark.parametrize("body", [{}, {"date": "tomorrow"}, {"date": DAY.isoformat(), "time_limit_s": 0},
                                  {"date": DAY.isoformat(), "time_limit_s": 601},
                                  {"date": DAY.isoformat(), "order_ids": ["x"]},
                                  {"date": DAY.isoformat(), "surprise": True}])
def test_bad_run_requests_are_422(client, as_role, queue, body):
    _, headers = as_role(Role.DISPATCHER)
    answer = client.post(RUNS, headers=headers, json=body)
    assert answer.status_code == 422 and answer.json["status"] == "validation_error"
    assert len(queue) == 0


def test_unknown_runs_are_404(client, as_role):
    _, headers = as_role(Role.DISPATCHER)
    for path in (f"{RUNS}/999999", f"{RUNS}/999999/problem"):
        answer = client.get(path, headers=headers)
        assert answer.status_code == 404 and answer.json["status"] == "not_found"
    assert client.post(f"{RUNS}/999999/apply", headers=headers).status_code == 404


def test_a_very_large_run_is_shared_out_as_territories(client, as_role, app, queue, day_of_work, monkeypatch):
    from dispatch import jobs, territories

    monkeypatch.setattr(jobs, "TERRITORY_RUN_JOBS", 3)
    monkeypatch.setattr(territories, "MAX_PART_JOBS", 2)
    _, orders = day_of_work
    _, headers = as_role(Role.DISPATCHER)
    run_id = client.post(RUNS, headers=headers, json={"date": DAY.isoformat(), "time_limit_s": 2}).json["id"]
    work_off(app, queue)  # the run job queues three territories and the job that combines them
    run = client.get(f"{RUNS}/{run_id}", headers=headers).json
    assert run["status"] == "succeeded", run["error"]
    kinds = {change["number"]: change["kind"] for change in run["changes"]}
    assert kinds == {**{o.number: "assign" for o in orders[:4]}, orders[4].number: "unassigned"}
    assert next(c for c in run["changes"] if c["number"] == orders[4].number)["reason"] == "skill_unavailable"
    assert client.post(f"{RUNS}/{run_id}/apply", headers=headers).json["applied_counts"] == {"assign": 4}
