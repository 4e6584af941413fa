"""The reliability bar of the mobile API: one scripted day in the field, sent (a) online
one request at a time, (b) as one offline batch, (c) as a batch with every request
duplicated and the whole reordered — the database ends in the same state each time,
with no duplicate events, parts movements or uploads."""
from __future__ import annotations

import io
import random
import re
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select

from app.engineers.models import Engineer
from app.workorders.checklist_models import ChecklistAnswer
from app.workorders.models import Attachment, WorkOrder, WorkOrderEvent
from expenses.models import Expense
from inventory.models import PartRequest, StockLevel, StockMovement
from tests.files import samples
from tests.mobile_api.day import MOBILE, Day, engineer_day, point, site_of
from tests.workorders.checklist_helpers import publish
from tracking.models import LocationPing

JOBS = 6


def scripted_day(day: Day, start: datetime) -> list[dict[str, Any]]:
    """About 70 steps: four jobs worked through (travel with GPS pings, check-in, the
    checklist with a photo, parts, a signature, expenses, completion), one declined,
    parts asked for, a pause. Each step has its key and device time; a file step is
    uploaded on its own (files never travel inside a JSON batch) and later steps refer
    to it by name (`{"$file": name}`)."""
    steps: list[dict[str, Any]] = []
    clock = start

    def tick() -> str:
        nonlocal clock
        clock += timedelta(minutes=4)
        return clock.isoformat()

    def do(path: str, *, stamped: bool = True, **body) -> None:
        device_time = tick()
        if stamped:
            body = {"device_time": device_time, **body}
        steps.append({"key": f"day-{len(steps):03d}", "device_time": device_time, "method": "POST",
                      "path": MOBILE + path, "body": body})

    def upload(job, name: str, kind: str, content: bytes, **fields) -> None:
        steps.append({"key": f"day-{len(steps):03d}", "device_time": tick(), "file": name, "job_id": job.id,
                      "form": {"kind": kind, **fields}, "content": content})

    *worked, declined = day.jobs
    for job in day.jobs:
        do(f"/jobs/{job.id}/accept")
    do(f"/jobs/{declined.id}/decline", reason="schedule_conflict", comment="Too many jobs today")
    serials = iter(f"B{day.engineer.id}-{n}" for n in (1, 2))
    for index, job in enumerate(worked):
        lon, lat = site_of(job)
        do(f"/jobs/{job.id}/start-travel", position=point(lon - 0.02, lat), accuracy_m=15)
        pings = [{"recorded_at": (clock + timedelta(minutes=m)).isoformat(),
                  "position": point(lon - 0.02 + 0.005 * m, lat), "accuracy_m": 10} for m in (1, 2, 3)]
        do("/locations", stamped=False, pings=pings)
        do(f"/jobs/{job.id}/check-in", position=point(lon + 0.0003 * index, lat), accuracy_m=8)
        upload(job, f"after-{index}", "photo", samples.png((index * 40, 200, 90)), caption="After repair")
        do(f"/jobs/{job.id}/checklist", answers=[
            {"item_key": "power_isolated", "value": True},
            {"item_key": "fault_observed", "value": f"Compressor relay {index} stuck"},
            {"item_key": "outlet_temperature", "value": 12 + index},
            {"item_key": "photo_after", "value": {"$file": f"after-{index}"}}])
        do(f"/jobs/{job.id}/parts-used", part_id=day.filter_part.id, quantity=1)
        if index < 2:
            do(f"/jobs/{job.id}/parts-used", part_id=day.board_part.id, quantity=1, serials=[next(serials)])
        if index == 2:
            do(f"/jobs/{job.id}/part-requests", part_id=day.board_part.id, quantity=1, note="Spare for next visit")
            do(f"/jobs/{job.id}/hold", reason="customer_unavailable", comment="Back after lunch")
            do(f"/jobs/{job.id}/resume", comment="Customer back")
        do(f"/jobs/{job.id}/parts-used", part_id=day.filter_part.id, quantity=1, note="Second filter")
        upload(job, f"signature-{index}", "signature", samples.png((0, 0, index * 50)), signer_name=f"客户 {index}")
        do(f"/jobs/{job.id}/expenses", kind="travel")
        if index % 2 == 0:
            do(f"/jobs/{job.id}/expenses", kind="parking", amount_cents=1500, note="Basement car park")
        do(f"/jobs/{job.id}/complete", resolution_code="replaced_part", resolution_notes=f"Job {index} done",
           time_spent_min=30 + index, position=point(lon, lat))
    return steps


# --- sending the day three ways ------------------------------------------------------------------

def resolved(body: Any, files: dict[str, int]) -> Any:
    """The body with `{"$file": name}` replaced by the uploaded file's id."""
    if isinstance(body, dict):
        if set(body) == {"$file"}:
            return files[body["$file"]]
        return {k: resolved(v, files) for k, v in body.items()}
    if isinstance(body, list):
        return [resolved(v, files) for v in body]
    return body


def upload(client, headers, step, files: dict[str, int], *, key: str | None = None) -> None:
    data = {**step["form"], "device_time": step["device_time"],
            "file": (io.BytesIO(step["content"]), f"{step['file']}.png", "image/png")}
    response = client.post(f"{MOBILE}/jobs/{step['job_id']}/files", data=data, content_type="multipart/form-data",
                           headers={**headers, "Idempotency-Key": key or step["key"]})
    assert response.status_code in (200, 201), response.json
    assert files.setdefault(step["file"], response.json["id"]) == response.json["id"]


def segments(steps):
    """The steps as the phone replays its queue: runs of JSON requests, each run one
    batch, and the files between them."""
    run: list[dict] = []
    for step in steps:
        if "file" in step:
            if run:
                yield "batch", run
                run = []
            yield "file", step
        else:
            run.append(step)
    if run:
        yield "batch", run


def send_online(client, headers, steps) -> None:
    files: dict[str, int] = {}
    for step in steps:
        if "file" in step:
            upload(client, headers, step, files)
            continue
        response = client.post(step["path"], json=resolved(step["body"], files),
                               headers={**headers, "Idempotency-Key": step["key"]})
        assert response.status_code < 300, (step, response.json)


def _sync(client, headers, actions, *, expect_duplicates: bool) -> None:
    response = client.post(f"{MOBILE}/sync", json={"actions": actions}, headers=headers)
    assert response.status_code == 200, response.json
    outcomes = [r["outcome"] for r in response.json["results"]]
    assert set(outcomes) <= ({"applied", "duplicate"} if expect_duplicates else {"applied"}), response.json
    assert outcomes.count("applied") == len({a["key"] for a in actions})


def send_batches(client, headers, steps) -> None:
    files: dict[str, int] = {}
    for what, part in segments(steps):
        if what == "file":
            upload(client, headers, part, files)
        else:
            _sync(client, headers, [{**a, "body": resolved(a["body"], files)} for a in part],
                  expect_duplicates=False)


def send_shuffled_duplicates(client, headers, steps) -> None:
    files: dict[str, int] = {}
    shuffle = random.Random(20261123).shuffle
    for what, part in segments(steps):
        if what == "file":
            upload(client, headers, part, files)
            upload(client, headers, part, files)                       # the retry: same key, new boundary
            upload(client, headers, part, files, key=part["key"] + "-again")   # the same bytes, another key
        else:
            actions = [{**a, "body": resolved(a["body"], files)} for a in part]
            doubled = actions + [dict(a) for a in actions]
            shuffle(doubled)
            _sync(client, headers, doubled, expect_duplicates=True)


# --- the state the day left behind, without the ids that differ between runs ------------------------

def state_of(session, day: Day, start: datetime) -> dict[str, Any]:
    jobs = {job.id: f"J{k}" for k, job in enumerate(day.jobs)}
    names = {day.filter_part.id: "filter", day.board_part.id: "board"}
    serial = re.compile(rf"B{day.engineer.id}-")

    def clean(value):
        if isinstance(value, dict):
            if value.get("item_key") == "photo_after":   # its value is a file id
                return {"item_key": "photo_after", "value": "file"}
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
    files = session.scalars(select(Attachment).where(Attachment.work_order_id.in_(ids))
                            .order_by(Attachment.work_order_id, Attachment.kind, Attachment.sha256)).all()
    answers = session.scalars(select(ChecklistAnswer).where(ChecklistAnswer.work_order_id.in_(ids))
                              .order_by(ChecklistAnswer.work_order_id, ChecklistAnswer.item_key)).all()
    expenses = session.scalars(select(Expense).where(Expense.work_order_id.in_(ids))
                               .order_by(Expense.work_order_id, Expense.kind, Expense.id)).all()
    pings = session.scalars(select(LocationPing.recorded_at).where(LocationPing.engineer_id == day.engineer.id)
                            .order_by(LocationPing.recorded_at)).all()
    engineer = session.get(Engineer, day.engineer.id, populate_existing=True)
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
        "files": [(jobs[f.work_order_id], f.kind.value, f.sha256, f.size_bytes, f.caption, f.signer_name,
                   offset(f.device_time)) for f in files],
        "checklists": [(jobs[a.work_order_id], a.item_key, "file" if a.item_key == "photo_after" else a.value,
                        offset(a.device_time)) for a in answers],
        "expenses": [(jobs[x.work_order_id], x.kind.value, x.amount_cents, x.distance_m,
                      x.distance_source and x.distance_source.value, x.note, offset(x.device_time))
                     for x in expenses],
        "pings": [offset(p) for p in pings],
        "last_position_at": offset(engineer.last_position_at),
    }


def test_online_offline_and_duplicated_offline_leave_the_same_state(client, session, token_for, file_store):
    start = (datetime.now(timezone.utc) - timedelta(hours=6)).replace(microsecond=0)
    publish()   # the repair checklist: a check, a text, a reading and a photo
    states = []
    for send in (send_online, send_batches, send_shuffled_duplicates):
        day = engineer_day(session, jobs=JOBS)
        actions = scripted_day(day, start)
        send(client, token_for(day.engineer.user), actions)
        states.append(state_of(session, day, start))

    online, batch, duplicated = states
    assert len(actions) >= 60
    assert batch == online
    assert duplicated == online
    # The day happened, each thing once: one event per action, one movement per part used,
    # one file per upload, every ping, checklists complete, each job's travel measured by GPS.
    def count(suffix):
        return len([a for a in actions if a.get("path", "").endswith(suffix)])
    assert len(online["movements"]) == count("/parts-used")
    transitions = ("/accept", "/decline", "/start-travel", "/check-in", "/hold", "/resume", "/complete")
    assert len([e for e in online["events"] if e[1] == "status_changed"]) == sum(map(count, transitions))
    assert len([e for e in online["events"] if e[1] == "attachment_added"]) == len(online["files"]) == 2 * (JOBS - 1)
    assert len(online["pings"]) == 3 * (JOBS - 1)
    assert len(online["checklists"]) == 4 * (JOBS - 1)
    assert len(online["expenses"]) == count("/expenses")
    assert {x[4] for x in online["expenses"] if x[1] == "travel"} == {"gps"}
    assert [o[1] for o in online["orders"]] == ["resolved"] * (JOBS - 1) + ["new"]
