"""The engineers' mobile API walkthrough, from outside over HTTP, against a running
server with the demo data: a day in the field online, a second engineer's day replayed
offline with every action duplicated and shuffled, and the pushes reaching a fake FCM.
Prints each step and exits non-zero at the first thing that is not right.

    .venv/bin/python -m bench.fake_fcm --port 5058 --credentials-out var/fake-fcm/service-account.json &
    FCM_CREDENTIALS_FILE=var/fake-fcm/service-account.json \\
    FCM_SEND_URL='http://127.0.0.1:5058/v1/projects/{project_id}/messages:send' PORT=5057 make run &
    .venv/bin/python -m bench.mobile_walkthrough --url http://127.0.0.1:5057 --fcm http://127.0.0.1:5058

When nothing answers at `--fcm`, the walkthrough starts the fake there itself and writes
its credentials to `--fcm-credentials` (the file the server was started with: the
server reads it at its first push). Signs in as the demo dispatcher, the demo engineer
and the demo partner engineer; works on unassigned demo orders, which it assigns on a
day 60 days ahead so that the demo's today stays as it was. Each run takes new orders
and new phones, so it can be run again.
"""
from __future__ import annotations

import argparse
import json
import math
import random
import struct
import sys
import time
import urllib.error
import urllib.request
import uuid
import zlib
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from bench.inventory_throughput import PASSWORD, Client
from bench.inventory_walkthrough import check, signed_in

ZONE = ZoneInfo("Asia/Shanghai")
MOBILE = "/mobile/v1"
DAY_AHEAD = 60
# The worker sends pushes one job at a time; after `make run` loads the demo it first
# works off the demo's own assignments (about a minute on 2 busy cores).
PUSH_WAIT_S = 180
APP_VERSION = "walkthrough-1.0"
# Steps of the phones' clocks the two days take (a little more than they use).
ONLINE_TICKS, OFFLINE_TICKS = 60, 50


# --- helpers -------------------------------------------------------------------------------------

def png(rgb: tuple[int, int, int], nonce: str) -> bytes:
    """A small valid PNG of one colour; `nonce` (in a text chunk) makes each run's files new."""
    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
    rows = b"".join(b"\x00" + bytes(rgb) * 16 for _ in range(16))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 16, 16, 8, 2, 0, 0, 0))
            + chunk(b"tEXt", b"Comment\x00" + nonce.encode()) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))


def point(lon: float, lat: float) -> dict:
    return {"type": "Point", "coordinates": [lon, lat]}


def metres_east(lon: float, lat: float, metres: float) -> tuple[float, float]:
    """The point `metres` due east of (lon, lat)."""
    return lon + metres / (111_320 * math.cos(math.radians(lat))), lat


def haversine_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance on a sphere of the mean Earth radius: PostGIS measures on the
    spheroid, which differs by well under 1 %."""
    (lon1, lat1), (lon2, lat2) = (map(math.radians, a), map(math.radians, b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))


class Clock:
    """The phone's clock for the actions of a day: from `start`, `step` a tick."""

    def __init__(self, start: datetime, step: timedelta = timedelta(minutes=2)):
        self.now, self.step = start, step

    def tick(self, ticks: int = 1) -> str:
        self.now += ticks * self.step
        return self.now.isoformat()


def clock_for(phone: "Phone", ticks: int) -> Clock:
    """A clock for `ticks` steps that ends before now and starts after the engineer's
    newest GPS ping: a run's track must not interleave with an earlier run's, or the
    travel measured along it zig-zags between their sites."""
    now = datetime.now(timezone.utc).replace(microsecond=0)
    start = now - timedelta(hours=3)
    for day in sorted({start.astimezone(ZONE).date(), now.astimezone(ZONE).date()}):
        status, track = phone.get(f"/locations?date={day.isoformat()}")
        check(f"{phone.role}'s track of {day}", status == 200, "" if status == 200 else track)
        for feature in track["features"]:
            if feature["properties"].get("kind") == "ping":
                start = max(start, datetime.fromisoformat(feature["properties"]["recorded_at"]))
    step = (now - timedelta(seconds=30) - start) / ticks
    check(f"{phone.role}'s phone clock: {ticks} steps of {step.total_seconds():.0f} s from {start:%H:%M:%S}Z",
          step >= timedelta(seconds=1), "earlier runs' pings reach up to now: wait a minute" if
          step < timedelta(seconds=1) else "")
    return Clock(start, step)


class Phone:
    """An engineer's phone: signed in through the mobile API, registered for pushes,
    every mutation sent with an Idempotency-Key."""

    def __init__(self, url: str, role: str, run: str):
        self.role, self.run = role, run
        self.client = Client(url)
        status, body = self.client.call("POST", f"{MOBILE}/auth/login",
                                        {"email": f"{role}@demo.gongdan.dev", "password": PASSWORD})
        check(f"{role} signs in on the phone", status == 200, "" if status == 200 else body)
        self.client.headers["Authorization"] = f"Bearer {body['access_token']}"
        self.token = f"walk-{role}-fcm-registration-token-{run}"
        self.device_id: int | None = None
        self._keys = 0

    def key(self) -> str:
        self._keys += 1
        return f"walk-{self.run}-{self.role}-{self._keys:03d}"

    def get(self, path: str) -> tuple[int, Any]:
        return self.client.call("GET", MOBILE + path)

    def post(self, path: str, body: dict, key: str | None = None) -> tuple[int, Any]:
        headers = dict(self.client.headers)
        headers["Idempotency-Key"] = key or self.key()
        return _send(self.client.url + MOBILE + path, "POST", json.dumps(body).encode(), headers)

    def upload(self, job_id: int, kind: str, content: bytes, key: str, **fields: str) -> tuple[int, Any]:
        """multipart/form-data, as the phone sends files (a new boundary each time)."""
        boundary = uuid.uuid4().hex
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
                 for name, value in {"kind": kind, **fields}.items()]
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{kind}.png"\r\n'
                     f"Content-Type: image/png\r\n\r\n".encode() + content + b"\r\n")
        headers = {"Authorization": self.client.headers["Authorization"], "Idempotency-Key": key,
                   "Content-Type": f"multipart/form-data; boundary={boundary}"}
        return _send(f"{self.client.url}{MOBILE}/jobs/{job_id}/files", "POST",
                     b"".join(parts) + f"--{boundary}--\r\n".encode(), headers)


def _send(url: str, method: str, data: bytes | None, headers: dict) -> tuple[int, Any]:
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def status_of(answer: Any) -> Any:
    """An error answer's machine-readable status, or the answer itself."""
    return answer.get("status") if isinstance(answer, dict) else answer


def site_lon_lat(job: dict) -> tuple[float, float]:
    lon, lat = job["site"]["location"]["coordinates"]
    return lon, lat


def checklist_answers(checklist: dict, photo_id: Any, text: str) -> list[dict]:
    """An answer for every item, as an engineer fills it: checks true, numbers in range,
    text, the photo taken on site."""
    answers = []
    for item in checklist["items"]:
        kind = item["kind"]
        if kind == "check":
            value: Any = True
        elif kind == "number":
            low, high = item["min_value"] or 0, item["max_value"] if item["max_value"] is not None else 100
            value = round(low + (high - low) / 3, 1)
        elif kind == "text":
            value = f"{text} ({item['key']})"
        else:
            value = photo_id
        answers.append({"item_key": item["key"], "value": value})
    return answers


def stock_vans(url: str, engineer_ids: list[int], run: str) -> None:
    """The warehouse loads this run's parts into the engineers' vans: filters, and
    serial-tracked boards (the demo's van stock runs out over repeated runs)."""
    print("the warehouse loads the vans")
    keeper = signed_in(url, "warehouse")
    _, locations = keeper.call("GET", "/api/v1/inventory/locations?page_size=100")
    parts = {}
    for sku, name, tracked in ((f"WALK-{run}-FLT", "Air filter (walkthrough)", False),
                               (f"WALK-{run}-PCB", "Control board (walkthrough)", True)):
        status, parts[sku] = keeper.call("POST", "/api/v1/inventory/parts", {
            "sku": sku, "name": name, "unit_cost_cents": 2500 if not tracked else 52000, "serial_tracked": tracked})
        check(f"add part {sku}{' (serial-tracked)' if tracked else ''}", status == 201,
              "" if status == 201 else parts[sku])
    for engineer_id in engineer_ids:
        van = next(loc for loc in locations if loc["engineer_id"] == engineer_id)
        for sku, part in parts.items():
            serials = [f"{sku}-{engineer_id}-{k}" for k in (1, 2)] if part["serial_tracked"] else None
            status, body = keeper.call("POST", "/api/v1/inventory/receipts", {
                "part_id": part["id"], "location_id": van["id"], "quantity": 2 if serials else 6,
                "unit_cost_cents": part["unit_cost_cents"], **({"serials": serials} if serials else {})})
            check(f"receive {sku} into {van['name']}", status == 201, "" if status == 201 else body)


def van_parts(phone: Phone) -> tuple[dict, dict]:
    """This run's filter and board in the phone's van."""
    status, van = phone.get("/van")
    ours = {p["sku"]: p for p in van.get("parts", []) if p["sku"].startswith(f"WALK-{phone.run}-")}
    plain, tracked = ours.get(f"WALK-{phone.run}-FLT"), ours.get(f"WALK-{phone.run}-PCB")
    check(f"{phone.role}'s van holds them", status == 200 and plain and plain["available"] == 6
          and tracked and len(tracked["serials"]) == 2,
          f"{van['name']}: {plain['sku']} ×{plain['available']}, {tracked['sku']} {tracked['serials']}"
          if plain and tracked else van)
    return plain, tracked


def timeline(dispatcher: Client, job_id: int) -> list[dict]:
    status, events = dispatcher.call("GET", f"/api/v1/work-orders/{job_id}/timeline")
    assert status == 200, events
    return events


def this_runs(events: list[dict]) -> list[dict]:
    """The events from the last assignment on: a demo order declined by an earlier run
    went back to the queue and may be this run's, with that history before."""
    assigns = [k for k, e in enumerate(events) if e["kind"] == "status_changed" and e["action"] == "assign"]
    return events[assigns[-1]:] if assigns else events


# --- the setup -----------------------------------------------------------------------------------

def assign_day(dispatcher: Client, engineer_id: int, orders: list[dict], day: date, first_hour: int) -> None:
    for k, order in enumerate(orders):
        start = datetime.combine(day, datetime.min.time(), tzinfo=ZONE) + timedelta(hours=first_hour,
                                                                                    minutes=50 * k)
        status, body = dispatcher.call("POST", f"/api/v1/work-orders/{order['id']}/assign", {
            "engineer_id": engineer_id, "scheduled_start": start.isoformat(), "override": True})
        check(f"dispatcher assigns {order['number']} at {start:%H:%M}", status == 200, "" if status == 200 else body)


def register(phone: Phone) -> int:
    _, listed = phone.get("/devices")
    for stale in [d for d in listed if d["app_version"] == APP_VERSION]:   # an earlier run killed midway
        phone.client.call("DELETE", f"{MOBILE}/devices/{stale['id']}")
    status, device = phone.post("/devices", {"platform": "android", "app_version": APP_VERSION,
                                             "fcm_token": phone.token})
    again, _ = phone.post("/devices", {"platform": "android", "app_version": APP_VERSION, "fcm_token": phone.token})
    _, listed = phone.get("/devices")
    mine = [d for d in listed if d["token_end"] == phone.token[-8:]]
    check(f"{phone.role} registers the phone for pushes (twice: one device)",
          status == 200 and again == 200 and len(mine) == 1,
          f"device {device.get('id')}, token …{device.get('token_end')}")
    phone.device_id = mine[0]["id"]
    return phone.device_id


# --- the first engineer: a day online --------------------------------------------------------------

def online_day(phone: Phone, dispatcher: Client, jobs: dict[str, dict], day: date, nonce: str) -> dict:
    """Fetch the day, accept, decline, travel with pings, check in near and far, hold and
    resume, the checklist, parts, a signature, complete, expenses. Answers what it did
    for the later checks."""
    clock = clock_for(phone, ONLINE_TICKS)
    near, far, declined, later = jobs["near"], jobs["far"], jobs["declined"], jobs["later"]
    print("the demo engineer's day, online")
    status, my_day = phone.get(f"/my-day?date={day.isoformat()}")
    listed = {j["id"]: j for j in my_day["jobs"]} if status == 200 else {}
    ours = [j for j in my_day.get("jobs", []) if j["id"] in {job["id"] for job in jobs.values()}]
    check("my day lists the four jobs, in route order",
          status == 200 and len(ours) == 4 and [j["id"] for j in ours] == [jobs[k]["id"] for k in
                                                                           ("near", "far", "declined", "later")]
          and [j["sequence"] for j in my_day["jobs"]] == list(range(1, len(my_day["jobs"]) + 1)),
          [(j["number"], j["sequence"], j["status"]) for j in ours])
    check("each with site (GeoJSON, geofence), customer, checklist and the actions allowed now",
          all(j["site"]["location"]["type"] == "Point" and j["site"]["geofence_radius_m"] > 0 and j["customer"]
              and j["checklist"] and {"accept", "decline"} <= set(j["allowed_actions"]) for j in ours),
          [(j["number"], j["site"]["geofence_radius_m"], j["allowed_actions"]) for j in ours])
    for name in jobs:
        jobs[name] = listed[jobs[name]["id"]]
    plain, tracked = van_parts(phone)

    accept_key = phone.key()
    first = phone.post(f"/jobs/{near['id']}/accept", {"device_time": clock.tick()}, key=accept_key)
    retry = phone.post(f"/jobs/{near['id']}/accept", {"device_time": clock.now.isoformat()}, key=accept_key)
    check("accept; the retry with the same key answers the same", first[0] == 200 and retry == first,
          first[1]["status"] if first[0] == 200 else first)
    for job in (far, later):
        status, body = phone.post(f"/jobs/{job['id']}/accept", {"device_time": clock.tick()})
        check(f"accept {job['number']}", status == 200 and body["status"] == "accepted", status_of(body))
    status, body = phone.post(f"/jobs/{declined['id']}/decline", {
        "device_time": clock.tick(), "reason": "schedule_conflict", "comment": "Two jobs at once"})
    check("decline one with a reason: back to the dispatcher's queue",
          status == 200 and body["status"] == "new" and not body["assigned_to_you"], status_of(body))

    done: dict[str, Any] = {"parts_used": defaultdict(int)}
    for name, job in (("near", near), ("far", far)):
        lon, lat = site_lon_lat(job)
        radius = job["site"]["geofence_radius_m"]
        start = metres_east(lon, lat, -2500)
        status, body = phone.post(f"/jobs/{job['id']}/start-travel",
                                  {"device_time": clock.tick(), "position": point(*start), "accuracy_m": 12})
        check(f"{job['number']}: start travel, 2.5 km out", status == 200 and body["status"] == "en_route",
              status_of(body))
        pings = [{"recorded_at": clock.tick(3), "position": point(*metres_east(lon, lat, -2500 + 600 * k)),
                  "accuracy_m": 8, "speed_mps": 5.5} for k in range(1, 4)]
        status, body = phone.post("/locations", {"pings": pings})
        check("GPS pings on the way", status == 200 and body["accepted"] == 3,
              f"{body['accepted']} accepted" if status == 200 else body)
        offset = radius * 0.3 if name == "near" else 3000.0
        where = metres_east(lon, lat, offset)
        status, body = phone.post(f"/jobs/{job['id']}/check-in",
                                  {"device_time": clock.tick(), "position": point(*where), "accuracy_m": 6})
        payload = body["event"]["payload"] if status == 200 else {}
        expected = haversine_m(where, (lon, lat))
        measured = payload.get("distance_m", -1)
        inside = name == "near"
        check(f"{job['number']}: check in {'NEAR' if inside else 'FAR from'} the site: "
              f"{'within' if inside else 'outside'} the {radius} m geofence",
              status == 200 and payload.get("within_geofence") is inside
              and abs(measured - expected) <= max(1.0, 0.01 * expected),
              f"PostGIS {measured} m (sphere {expected:.1f} m)")
        if name == "far":
            status, body = phone.post(f"/jobs/{job['id']}/hold", {
                "device_time": clock.tick(), "reason": "customer_unavailable", "comment": "Back after lunch"})
            check("hold with a reason", status == 200 and body["status"] == "on_hold", status_of(body))
            status, body = phone.post(f"/jobs/{job['id']}/resume",
                                      {"device_time": clock.tick(), "comment": "Customer back"})
            check("resume: on site again", status == 200 and body["status"] == "on_site", status_of(body))

        status, body = phone.post(f"/jobs/{job['id']}/complete", {
            "device_time": clock.tick(), "resolution_code": "replaced_part", "time_spent_min": 40})
        check("complete before the checklist is done: 409 checklist_incomplete",
              status == 409 and status_of(body) == "checklist_incomplete", status_of(body))
        status, photo = phone.upload(job["id"], "photo", png((30, 160, 90 + len(name)), nonce + job["number"]),
                                     phone.key(), caption="After repair", device_time=clock.tick())
        check("upload a photo", status == 201 and photo["content_type"] == "image/png",
              f"file {photo['id']}, {photo['size_bytes']} bytes" if status == 201 else photo)
        _, checklist = phone.get(f"/jobs/{job['id']}/checklist")
        answers = checklist_answers(checklist, photo["id"], f"Walkthrough {job['number']}")
        half = len(answers) // 2
        status, body = phone.post(f"/jobs/{job['id']}/checklist", {
            "device_time": clock.tick(), "version": checklist["version"], "answers": answers[:half]})
        check(f"fill half the checklist ({checklist['name']})", status == 200 and not body["complete"],
              f"missing {body.get('missing')}" if status == 200 else body)
        status, body = phone.post(f"/jobs/{job['id']}/checklist", {
            "device_time": clock.tick(), "version": checklist["version"], "answers": answers[half:]})
        photo_items = [i for i in checklist["items"] if i["kind"] == "photo"]
        check(f"the rest, photo item{'s' if len(photo_items) > 1 else ''} "
              f"{[i['key'] for i in photo_items]} with the photo: complete",
              status == 200 and body["complete"] and body["missing"] == [], body.get("missing", body))

        status, body = phone.post(f"/jobs/{job['id']}/parts-used", {
            "device_time": clock.tick(), "part_id": plain["part_id"], "quantity": 1})
        check(f"use {plain['sku']} from the van", status == 201,
              f"movement {body['movement_id']}" if status == 201 else body)
        done["parts_used"][job["id"]] += 1
        if name == "near":
            serial = tracked["serials"][0]
            status, body = phone.post(f"/jobs/{job['id']}/parts-used", {
                "device_time": clock.tick(), "part_id": tracked["part_id"], "quantity": 1, "serials": [serial]})
            check(f"use {tracked['sku']} serial {serial}", status == 201 and body["serials"] == [serial],
                  f"movement {body['movement_id']}" if status == 201 else body)
            done["parts_used"][job["id"]] += 1
            status, body = phone.post(f"/jobs/{job['id']}/part-requests", {
                "device_time": clock.tick(), "part_id": plain["part_id"], "quantity": 2, "note": "Spare for the van"})
            check("request a part for the van", status == 201 and body["status"] == "open",
                  f"request {body['id']}, {body['status']}" if status == 201 else body)
            done["part_request"] = body["id"]
            status, signature = phone.upload(job["id"], "signature", png((0, 0, 0), nonce + "sig"), phone.key(),
                                             signer_name="王女士", device_time=clock.tick())
            check("upload the customer's signature", status == 201 and signature["signer_name"] == "王女士",
                  f"file {signature['id']}, signed by {signature['signer_name']}" if status == 201 else signature)
        status, body = phone.post(f"/jobs/{job['id']}/complete", {
            "device_time": clock.tick(), "resolution_code": "replaced_part", "resolution_notes": "Done",
            "time_spent_min": 40, "position": point(lon, lat)})
        check(f"complete {job['number']}", status == 200 and body["status"] == "resolved", status_of(body))
        status, travel = phone.post(f"/jobs/{job['id']}/expenses", {"device_time": clock.tick(), "kind": "travel"})
        check("file the travel expense, measured on the GPS track (3 pings 600 m apart)",
              status == 201 and travel["distance_source"] == "gps" and abs(travel["distance_m"] - 1200) <= 12
              and travel["amount_cents"] > 0,
              f"{travel.get('distance_m')} m, {travel.get('amount_cents')} fen" if status == 201 else travel)
        if name == "near":
            status, body = phone.post(f"/jobs/{job['id']}/expenses", {
                "device_time": clock.tick(), "kind": "parking", "amount_cents": 1500, "note": "Basement car park"})
            check("file a parking expense", status == 201, f"{body['amount_cents']} fen" if status == 201 else body)

    events = this_runs(timeline(dispatcher, near["id"]))
    actions = Counter(e["action"] for e in events if e["kind"] == "status_changed")
    check(f"{near['number']}'s timeline: each action once, with device time",
          actions == Counter(["assign", "accept", "start_travel", "check_in", "resolve"])
          and all(e["device_time"] for e in events if e["kind"] == "status_changed" and e["action"] != "assign")
          and Counter(e["kind"] for e in events)["attachment_added"] == 2, dict(actions))
    status, parts = dispatcher.call("GET", f"/api/v1/inventory/movements?work_order_id={near['id']}&kind=issue")
    check("its parts movements", status == 200 and len(parts) == done["parts_used"][near["id"]], len(parts))
    return done


def dispatcher_moves(dispatcher: Client, job: dict, day: date) -> None:
    """Reschedule a job of the first engineer, then cancel it: both must be pushed."""
    print("the dispatcher changes the day")
    start = datetime.combine(day, datetime.min.time(), tzinfo=ZONE) + timedelta(hours=16)
    status, body = dispatcher.call("POST", f"/api/v1/work-orders/{job['id']}/assign", {
        "engineer_id": job["engineer_id"], "scheduled_start": start.isoformat(), "override": True})
    check(f"reschedule {job['number']} to 16:00", status == 200, "" if status == 200 else body)
    status, body = dispatcher.call("POST", f"/api/v1/work-orders/{job['id']}/cancel",
                                   {"reason": "customer_request", "comment": "Walkthrough"})
    check(f"cancel {job['number']}", status == 200 and body["status"] == "cancelled", status_of(body))


# --- the second engineer: a day queued offline, replayed twice over ------------------------------------

def offline_steps(jobs: list[dict], plain: dict, tracked: dict, clock: Clock, nonce: str) -> list[dict]:
    """What the phone queued: JSON actions (`key`, `device_time`, `path`, `body`) and
    files between them; later actions refer to a file by name (`{"$file": name}`)."""
    steps: list[dict] = []
    serial_units = iter(tracked["serials"])

    def do(path: str, stamped: bool = True, **body) -> None:
        device_time = clock.tick()
        steps.append({"key": f"walk-{nonce}-offline-{len(steps):03d}", "device_time": device_time,
                      "method": "POST", "path": MOBILE + path,
                      "body": {"device_time": device_time, **body} if stamped else body})

    def upload(job: dict, name: str, kind: str, **fields) -> None:
        steps.append({"key": f"walk-{nonce}-offline-{len(steps):03d}", "file": name, "job_id": job["id"],
                      "kind": kind, "fields": {"device_time": clock.tick(), **fields},
                      "content": png((len(steps) * 7 % 256, 90, 200), nonce + name)})

    for job in jobs:
        do(f"/jobs/{job['id']}/accept")
    worked, reassigned = jobs[:-1], jobs[-1]
    for index, job in enumerate(worked):
        lon, lat = site_lon_lat(job)
        do(f"/jobs/{job['id']}/start-travel", position=point(*metres_east(lon, lat, -1800)), accuracy_m=15)
        do("/locations", stamped=False, pings=[
            {"recorded_at": clock.tick(), "position": point(*metres_east(lon, lat, -1800 + 500 * k)),
             "accuracy_m": 10} for k in range(1, 4)])
        do(f"/jobs/{job['id']}/check-in", position=point(*metres_east(lon, lat, 15)), accuracy_m=8)
        upload(job, f"photo-{index}", "photo", caption="After repair")
        do(f"/jobs/{job['id']}/checklist", answers=checklist_answers(job["checklist"], {"$file": f"photo-{index}"},
                                                                      f"Offline {job['number']}"))
        do(f"/jobs/{job['id']}/parts-used", part_id=plain["part_id"], quantity=1)
        if index == 0:
            do(f"/jobs/{job['id']}/parts-used", part_id=tracked["part_id"], quantity=1, serials=[next(serial_units)])
        if index == 1:
            do(f"/jobs/{job['id']}/hold", reason="waiting_parts", comment="Fetching a filter from the van")
            do(f"/jobs/{job['id']}/resume")
        upload(job, f"signature-{index}", "signature", signer_name=f"客户 {index}")
        do(f"/jobs/{job['id']}/complete", resolution_code="replaced_part", resolution_notes="Done offline",
           time_spent_min=35, position=point(lon, lat))
        do(f"/jobs/{job['id']}/expenses", kind="travel")
    # The job the dispatcher took away while the phone was offline.
    do(f"/jobs/{reassigned['id']}/start-travel")
    return steps


def resolved(body: Any, files: dict[str, int]) -> Any:
    if isinstance(body, dict):
        if set(body) == {"$file"}:
            return files[body["$file"]]
        return {k: resolved(v, files) for k, v in body.items()}
    if isinstance(body, list):
        return [resolved(v, files) for v in body]
    return body


def replay_offline(phone: Phone, steps: list[dict], others_job: dict) -> tuple[dict, list]:
    """Send the queue as the phone does when it is back: runs of JSON actions as sync
    batches, every action twice and the batch shuffled, each file three times (a retry
    with its key, then the same bytes under another key). Answers the file ids and every
    sync result."""
    files: dict[str, int] = {}
    results: list[dict] = []
    shuffle = random.Random(5).shuffle
    batch: list[dict] = []
    extra = {"key": f"walk-{phone.run}-offline-others-job", "method": "POST",
             "path": f"{MOBILE}/jobs/{others_job['id']}/check-in", "device_time": steps[0]["device_time"],
             "body": {"device_time": steps[0]["device_time"]}}
    batch.append(extra)

    def flush() -> None:
        if not batch:
            return
        actions = [{k: v for k, v in a.items()} | {"body": resolved(a["body"], files)} for a in batch]
        doubled = actions + [dict(a) for a in actions]
        shuffle(doubled)
        status, body = phone.client.call("POST", f"{MOBILE}/sync", {"actions": doubled})
        check(f"sync {len(doubled)} actions ({len(actions)} queued, each twice, shuffled)", status == 200,
              "" if status == 200 else body)
        results.extend(body["results"])
        batch.clear()

    for step in steps:
        if "file" not in step:
            batch.append(step)
            continue
        flush()
        answers = [phone.upload(step["job_id"], step["kind"], step["content"], key, **step["fields"])
                   for key in (step["key"], step["key"], step["key"] + "-again")]
        ids = {body.get("id") for _, body in answers}
        check(f"upload {step['file']}, retry it (the first answer again), send the same bytes under another "
              f"key (200: that file): one file",
              [s for s, _ in answers] == [201, 201, 200] and len(ids) == 1 and None not in ids,
              [(s, b.get("id", status_of(b))) for s, b in answers])
        files[step["file"]] = ids.pop()
    flush()
    return files, results


def offline_day(phone: Phone, dispatcher: Client, first_engineer_id: int, jobs: list[dict], others_job: dict,
                day: date, nonce: str) -> None:
    print("the partner engineer's day, queued offline and replayed with duplicates")
    status, my_day = phone.get(f"/my-day?date={day.isoformat()}")
    listed = {j["id"]: j for j in my_day["jobs"]} if status == 200 else {}
    check("my day, fetched before going offline", status == 200 and all(j["id"] in listed for j in jobs),
          [listed[j["id"]]["number"] for j in jobs if j["id"] in listed])
    jobs = [listed[j["id"]] for j in jobs]
    plain, tracked = van_parts(phone)
    status, body = phone.post(f"/jobs/{others_job['id']}/accept", {"device_time": datetime.now(ZONE).isoformat()})
    check("another engineer's job, online: 403 forbidden", status == 403 and status_of(body) == "forbidden",
          status_of(body))

    reassigned = jobs[-1]
    start = datetime.combine(day, datetime.min.time(), tzinfo=ZONE) + timedelta(hours=15)
    status, body = dispatcher.call("POST", f"/api/v1/work-orders/{reassigned['id']}/assign", {
        "engineer_id": first_engineer_id, "scheduled_start": start.isoformat(), "override": True})
    check(f"meanwhile the dispatcher gives {reassigned['number']} to the demo engineer", status == 200,
          "" if status == 200 else body)

    clock = clock_for(phone, OFFLINE_TICKS)
    steps = offline_steps(jobs, plain, tracked, clock, phone.run)
    check("the phone queued the day", clock.now <= datetime.now(timezone.utc),
          f"{sum('file' not in s for s in steps)} actions, {sum('file' in s for s in steps)} files")
    files, results = replay_offline(phone, steps, others_job)

    by_key: dict[str, list[dict]] = defaultdict(list)
    for result in results:
        by_key[result["key"]].append(result)
    conflicting = {k for k, rs in by_key.items() if any(f"/jobs/{reassigned['id']}/" in r["path"]
                                                         or f"/jobs/{others_job['id']}/" in r["path"] for r in rs)}
    applied_once = all(sorted(r["outcome"] for r in rs) == ["applied", "duplicate"]
                       for k, rs in by_key.items() if k not in conflicting)
    same_answers = all(rs[0]["http_status"] == rs[1]["http_status"] and rs[0]["response"] == rs[1]["response"]
                       for k, rs in by_key.items() if k not in conflicting)
    check("every action answered once applied, once duplicate (with the first answer)",
          applied_once and same_answers, dict(Counter(r["outcome"] for r in results)))
    reassigned_results = [r for k in conflicting for r in by_key[k] if f"/jobs/{reassigned['id']}/" in r["path"]]
    check(f"the actions on {reassigned['number']}, reassigned meanwhile: conflict, with the job as it is now",
          reassigned_results and all(r["outcome"] == "conflict" and r["job"]["assigned_to_you"] is False
                                     for r in reassigned_results),
          [(r["path"].rsplit("/", 1)[1], r["outcome"], r["http_status"]) for r in reassigned_results])
    others = [r for r in by_key[f"walk-{phone.run}-offline-others-job"]]
    check("an action on another engineer's job: conflict (403 forbidden)",
          len(others) == 2 and all(r["outcome"] == "conflict" and r["http_status"] == 403
                                   and status_of(r["response"]) == "forbidden" for r in others),
          [(r["outcome"], r["http_status"]) for r in others])

    again_status, again = phone.client.call("POST", f"{MOBILE}/sync", {"actions": [
        {k: v for k, v in s.items()} | {"body": resolved(s["body"], files)} for s in steps if "file" not in s]})
    outcomes = Counter(r["outcome"] for r in again["results"]) if again_status == 200 else again
    check("the whole queue sent again: nothing applied twice",
          again_status == 200 and set(outcomes) <= {"duplicate", "conflict"}, dict(outcomes))

    worked = jobs[:-1]
    for job in worked:
        path = f"{MOBILE}/jobs/{job['id']}/"
        sent = Counter(s["path"][len(path):] for s in steps if "file" not in s and s["path"].startswith(path))
        events = this_runs(timeline(dispatcher, job["id"]))
        transitions = Counter(e["action"] for e in events if e["kind"] == "status_changed")
        expected = Counter({"assign": 1, "accept": 1, "start_travel": 1, "check_in": 1, "resolve": 1,
                            "hold": sent["hold"], "resume": sent["resume"]})
        expected = +expected
        kinds = Counter(e["kind"] for e in events)
        _, movements = dispatcher.call("GET", f"/api/v1/inventory/movements?work_order_id={job['id']}&kind=issue")
        _, job_files = phone.get(f"/jobs/{job['id']}/files")
        _, expenses = phone.get(f"/jobs/{job['id']}/expenses")
        _, now = phone.get(f"/jobs/{job['id']}")
        check(f"{job['number']}: resolved; one event per action, one movement per part used, one file per "
              f"upload, one expense",
              now["status"] == "resolved" and transitions == expected and kinds["checklist"] == 1
              and kinds["attachment_added"] == 2 and len(movements) == sent["parts-used"]
              and sorted(f["kind"] for f in job_files) == ["photo", "signature"]
              and len(expenses["expenses"]) == 1 and expenses["expenses"][0]["distance_source"] == "gps",
              f"{dict(transitions)}, {kinds['checklist']} checklist, {len(movements)} movements, "
              f"{len(job_files)} files, {len(expenses['expenses'])} expense")


# --- the pushes ----------------------------------------------------------------------------------

def fcm_messages(fcm: str, tokens: list[str]) -> list[dict]:
    query = "&".join(f"token={t}" for t in tokens)
    with urllib.request.urlopen(f"{fcm}/messages?{query}", timeout=10) as answer:
        return json.loads(answer.read())["messages"]


def ensure_fake_fcm(fcm: str, credentials_out: str):
    """The fake FCM at `fcm`: the one answering there, or one started here."""
    try:
        fcm_messages(fcm, ["nobody"])
        print(f"fake FCM answering at {fcm}")
        return None
    except OSError:
        from urllib.parse import urlsplit

        from bench.fake_fcm import FakeFcm
        where = urlsplit(fcm)
        fake = FakeFcm(where.hostname or "127.0.0.1", where.port or 80)
        fake.write_service_account(credentials_out)
        print(f"fake FCM started at {fake.url}; credentials written to {credentials_out}")
        return fake


def pushes(fcm: str, phones: list[Phone], expected: dict[str, Counter], numbers: dict[int, str]) -> None:
    print("the pushes, as the fake FCM received them")
    started = time.monotonic()
    deadline = started + PUSH_WAIT_S
    while True:
        messages = fcm_messages(fcm, [p.token for p in phones])
        # Only this run's orders: a worker still working off earlier assignments (the demo's,
        # an earlier run's) sends them to whatever phones the engineer has by then.
        messages = [m for m in messages if int(m["data"]["order_id"]) in numbers]
        got = {p.token: Counter((int(m["data"]["order_id"]), m["data"]["change"]) for m in messages
                                if m["token"] == p.token) for p in phones}
        if got == expected or time.monotonic() > deadline:
            break
        time.sleep(1)
    print(f"  (waited {time.monotonic() - started:.0f} s for the worker)")
    for phone in phones:
        mine = got[phone.token]
        check(f"{phone.role}'s phone got {sum(expected[phone.token].values())} pushes: "
              + ", ".join(f"{numbers[o]} {c}" for o, c in sorted(expected[phone.token])),
              mine == expected[phone.token], {f"{numbers.get(o, o)} {c}": n for (o, c), n in mine.items()})
    check("each push a high-priority data message with the order's number",
          all(m["android"] == {"priority": "high"} and m["data"]["number"] == numbers[int(m["data"]["order_id"])]
              for m in messages), len(messages))


# --- main ------------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:5000")
    parser.add_argument("--fcm", default="http://127.0.0.1:5058", help="the fake FCM (started here if not running)")
    parser.add_argument("--fcm-credentials", default="var/fake-fcm/service-account.json",
                        help="where a fake started here writes its service account (the server's "
                             "FCM_CREDENTIALS_FILE)")
    args = parser.parse_args()
    try:
        status, spec = Client(args.url).call("GET", "/mobile/openapi.json")
    except OSError as error:
        status, spec = None, error
    check(f"the server answers at {args.url}", status == 200,
          f"mobile API {spec['info']['version']}" if status == 200 else spec)
    fake = ensure_fake_fcm(args.fcm, args.fcm_credentials)
    run = uuid.uuid4().hex[:6]
    day = datetime.now(ZONE).date() + timedelta(days=DAY_AHEAD)
    print(f"run {run}, on {day}")

    dispatcher = signed_in(args.url, "dispatcher")
    engineer, partner = Phone(args.url, "engineer", run), Phone(args.url, "partner_engineer", run)
    try:
        for phone in (engineer, partner):
            register(phone)
        walkthrough(args, dispatcher, engineer, partner, day)
    finally:
        # Signed out even after a FAIL: a phone left registered would get the next runs' pushes.
        for phone in (engineer, partner):
            if phone.device_id is not None:
                status = phone.client.call("DELETE", f"{MOBILE}/devices/{phone.device_id}")[0]
                check(f"{phone.role} signs the phone out: no more pushes", status == 204, status)
        if fake is not None:
            fake.close()
    print("all good")


def walkthrough(args: argparse.Namespace, dispatcher: Client, engineer: Phone, partner: Phone, day: date) -> None:
    ids = {phone.role: phone.get("/me")[1]["engineer_id"] for phone in (engineer, partner)}
    status, orders = dispatcher.call("GET", "/api/v1/work-orders?status=new&unassigned=true&page_size=50")
    # A parent order waits for its children: not one to complete in a walkthrough.
    orders = [o for o in orders if not o["children"]][:7] if status == 200 else orders
    check("seven unassigned demo orders to work on", status == 200 and len(orders) == 7,
          [o["number"] for o in orders] if status == 200 else orders)
    numbers = {o["id"]: o["number"] for o in orders}
    stock_vans(args.url, [ids["engineer"], ids["partner_engineer"]], engineer.run)
    mine = dict(zip(("near", "far", "declined", "later"), orders[:4]))
    theirs = orders[4:]
    assign_day(dispatcher, ids["engineer"], list(mine.values()), day, 8)
    assign_day(dispatcher, ids["partner_engineer"], theirs, day, 9)

    online_day(engineer, dispatcher, mine, day, engineer.run)
    dispatcher_moves(dispatcher, {**mine["later"], "engineer_id": ids["engineer"]}, day)
    offline_day(partner, dispatcher, ids["engineer"], theirs, mine["near"], day, partner.run)

    near, far, declined, later = (mine[k]["id"] for k in ("near", "far", "declined", "later"))
    k1, k2, k3 = (o["id"] for o in theirs)
    expected = {
        engineer.token: Counter([(near, "assigned"), (far, "assigned"), (declined, "assigned"), (later, "assigned"),
                                 (later, "rescheduled"), (later, "cancelled"), (k3, "assigned")]),
        partner.token: Counter([(k1, "assigned"), (k2, "assigned"), (k3, "assigned"), (k3, "unassigned")]),
    }
    pushes(args.fcm, [engineer, partner], expected, numbers)


if __name__ == "__main__":
    main()
