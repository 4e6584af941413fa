"""The reliability bar of the mobile API: one scripted day in the field, sent (a) online
one request at a time, (b) as one offline batch, (c) as a batch with every request
duplicated and the whole reordered — the database ends in the same state each time,
with no duplicate events, parts movements or uploads."""
from __future__ import annotations

import random
import re
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select

from app.workorders.models import WorkOrder, WorkOrderEvent
from inventory.models import PartRequest, StockLevel, StockMovement
from tests.mobile_api.day import MOBILE, Day, engineer_day, point, site_of

JOBS = 5


def scripted_day(day: Day, start: datetime) -> list[dict[str, Any]]:
    """About 60 actions: four jobs worked through, one declined, parts used and asked
    for, a pause; each action with its key and device time."""
    actions: list[dict[str, Any]] = []
    clock = start

    def do(path: str, **body) -> None:
        nonlocal clock
        clock += timedelta(minutes=4)
        device_time = clock.isoformat()
        actions.append({"key": f"day-{len(actions):03d}", "device_time": device_time, "method": "POST",
                        "path": MOBILE + path, "body": {"device_time": device_time, **body}})

    *worked, declined = day.jobs
    for job in day.jobs:
        do(f"/jobs/{job.id}/accept")
    do(f"/jobs/{declined.id}/decline", reason="schedule_conflict", comment="Too many jobs today")
    serials = iter(f"B{day.engineer.id}-{n}" for n in (1, 2))
    for index, job in enumerate(worked):
        lon, lat = site_of(job)
        do(f"/jobs/{job.id}/start-travel", position=point(lon - 0.02, lat), accuracy_m=15)
        do(f"/jobs/{job.id}/check-in", position=point(lon + 0.0003 * index, lat), accuracy_m=8)
        do(f"/jobs/{job.id}/parts-used", part_id=day.filter_part.id, quantity=1 + index % 2)
        if index < 2:
            do(f"/jobs/{job.id}/parts-used", part_id=day.board_part.id, quantity=1, serials=[next(serials)])
        if index == 2:
            do(f"/jobs/{job.id}/part-requests", part_id=day.board_part.id, quantity=1, note="Spare for next visit")
            do(f"/jobs/{job.id}/hold", reason="customer_unavailable", comment="Back after lunch")
            do(f"/jobs/{job.id}/resume", comment="Customer back")
        do(f"/jobs/{job.id}/parts-used", part_id=day.filter_part.id, quantity=1, note="Second filter")
        do(f"/jobs/{job.id}/complete", resolution_code="replaced_part", resolution_notes=f"Job {index} done",
           time_spent_min=30 + index, position=point(lon, lat))
    return actions


# --- sending the day three ways ------------------------------------------------------------------

def send_online(client, headers, actions) -> None:
    for action in sorted(actions, key=lambda a: a["device_time"]):
        response = client.post(action["path"], json=action["body"],
                               headers={**headers, "Idempotency-Key": action["key"]})
        assert response.status_code < 300, (action, response.json)


def send_batch(client, headers, actions, *, expect_duplicates: bool = False) -> None:
    response = client.post(f"{MOBILE}/sync", json={"actions": actions}, headers=headers)
    assert response.status_code == 200, response.json
    outcomes = [r["outcome"] for r in response.json["results"]]
    assert set(outcomes) <= ({"applied", "duplicate"} if expect_duplicates else {"applied"}), response.json
    assert outcomes.count("applied") == len({a["key"] for a in actions})


def send_shuffled_duplicates(client, headers, actions) -> None:
    doubled = actions + [dict(a) for a in actions]
    random.Random(20261123).shuffle(doubled)
    send_batch(client, headers, doubled, expect_duplicates=True)


# --- the state the day left behind, without the ids that differ between runs ------------------------

def state_of(session, day: Day, start: datetime) -> dict[str, Any]:
    jobs = {job.id: f"J{k}" for k, job in enumerate(day.jobs)}
    names = {day.filter_part.id: "filter", day.board_part.id: "board"}
    serial = re.compile(rf"B{day.engineer.id}-")

    def clean(value):
        if isinstance(value, dict):
            return {k: clean(v) for k, v in sorted(value.items())
                    if not k.endswith("_id") and k not in ("sku", "position", "distance_m")}
        if isinstance(value, list):
            return [clean(v) for v in value]
        if isinstance(value, str):
            return serial.sub("B-", value)
        return value

    def offset(moment: datetime | None):
        return None if moment is None else (moment - start).total_seconds()

    ids = list(jobs)
    orders = session.scalars(select(WorkOrder).where(WorkOrder.id.in_(ids))
                             .execution_options(populate_existing=True)).all()
    events = session.scalars(select(WorkOrderEvent).where(WorkOrderEvent.work_order_id.in_(ids))
                             .order_by(WorkOrderEvent.work_order_id, WorkOrderEvent.id)).all()
    movements = session.scalars(select(StockMovement).where(StockMovement.work_order_id.in_(ids))
                                .order_by(StockMovement.id)).all()
    levels = session.scalars(select(StockLevel).where(StockLevel.location_id == day.van.id)
                             .execution_options(populate_existing=True)).all()
    requests = session.scalars(select(PartRequest).where(PartRequest.work_order_id.in_(ids))).all()
    return {
        "orders": sorted((jobs[o.id], o.status.value, o.resolution_code, o.resolution_notes,
                          o.scheduled_engineer_id == day.engineer.id) for o in orders),
        "events": [(jobs[e.work_order_id], e.kind.value, e.action, e.from_status and e.from_status.value,
                    e.to_status and e.to_status.value, offset(e.device_time), clean(e.payload)) for e in events],
        "movements": [(jobs[m.work_order_id], m.kind.value, names[m.part_id], m.quantity,
                       clean(m.serials), m.note) for m in movements],
        "van": sorted((names[lv.part_id], lv.on_hand, lv.reserved) for lv in levels),
        "part_requests": sorted((jobs[r.work_order_id], names[r.part_id], r.quantity, r.status.value)
                                for r in requests),
    }


def test_online_offline_and_duplicated_offline_leave_the_same_state(client, session, token_for):
    start = (datetime.now(timezone.utc) - timedelta(hours=5)).replace(microsecond=0)
    states = []
    for send in (send_online, send_batch, send_shuffled_duplicates):
        day = engineer_day(session, jobs=JOBS)
        actions = scripted_day(day, start)
        send(client, token_for(day.engineer.user), actions)
        states.append(state_of(session, day, start))

    online, batch, duplicated = states
    assert len(actions) >= 30
    assert online["events"] and online["movements"]
    assert batch == online
    assert duplicated == online
    # Nothing happened twice: one event per action that records one, one movement per use.
    uses = [a for a in actions if a["path"].endswith("/parts-used")]
    assert len(online["movements"]) == len(uses)
    transitions = [a for a in actions if not a["path"].endswith(("/parts-used", "/part-requests"))]
    assert len([e for e in online["events"] if e[1] == "status_changed"]) == len(transitions)
