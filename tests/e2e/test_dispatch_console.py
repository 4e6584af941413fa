"""The dispatcher's map console in a real browser against the demo site.

Every test plans its own orders, created through the API on a weekday weeks after the
demo's days, so the demo's own orders (and other consoles' tests) are never touched:
the optimiser is run on exactly the orders the page shows for that day.
"""
from __future__ import annotations

import json
import re
import urllib.request
import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect

from app.demo import SYMPTOMS
from tests.e2e.conftest import screenshot, sign_in

SHANGHAI = ZoneInfo("Asia/Shanghai")
# The page asks for the day again this often (consoles/dispatch_console.py POLL_SECONDS).
POLL_S = 8
# Generous for a busy two-core machine: the run waits for the worker, then solves.
RUN_TIMEOUT_MS = 240_000


def weekday_after(days: int) -> date:
    """The first Monday–Friday at least `days` after today in Shanghai."""
    day = datetime.now(SHANGHAI).date() + timedelta(days=days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def at(day: date, hour: int, minute: int = 0) -> str:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI).isoformat()


class ConsoleApi:
    """The API, called with the signed-in page's own session (cookies + CSRF header)."""

    def __init__(self, page: Page, site):
        self.page, self.site = page, site

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, object]:
        csrf = next((c["value"] for c in self.page.context.cookies() if c["name"] == "csrf_access_token"), "")
        answer = self.page.request.fetch(self.site.url + path, method=method,
                                         headers={"X-CSRF-TOKEN": csrf, "Content-Type": "application/json"},
                                         data=json.dumps(body) if body is not None else None)
        text = answer.text()
        return answer.status, (json.loads(text) if text else None)

    def ok(self, method: str, path: str, body: dict | None = None):
        status, answer = self.call(method, path, body)
        assert status < 300, (method, path, status, answer)
        return answer

    def create_orders(self, day: date, priorities: list[str], *, first_site: int = 0) -> list[dict]:
        """Repair orders at distinct demo sites, window 09:00–17:00 on `day`."""
        sites = self.ok("GET", f"/api/v1/sites?page_size=50&page={1 + first_site // 50}")
        orders = []
        for n, priority in enumerate(priorities):
            site = sites[(first_site + n * 7) % len(sites)]
            orders.append(self.ok("POST", "/api/v1/work-orders", {
                "channel": "phone", "customer_id": site["customer_id"], "site_id": site["id"],
                "work_type": "repair", "priority": priority, "title": f"E2E dispatch {uuid.uuid4().hex[:6]}",
                "required_skills": [{"skill": "hvac", "level": 1}], "estimated_duration_min": 60,
                "window": {"start": at(day, 9), "end": at(day, 17)},
                "custom_fields": {"symptom": SYMPTOMS[0], "equipment_down": False}}))
        return orders

    def engineer_id(self, email: str) -> int:
        for page in range(1, 5):
            for engineer in self.ok("GET", f"/api/v1/engineers?page_size=100&page={page}"):
                if engineer["email"] == email:
                    return engineer["id"]
        raise AssertionError(f"no engineer {email}")


def mobile(site, token: str, path: str, body: dict) -> dict:
    request = urllib.request.Request(
        site.url + path, data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}",
                 "Idempotency-Key": uuid.uuid4().hex})
    with urllib.request.urlopen(request, timeout=15) as answer:
        return json.loads(answer.read())


def mobile_login(site, role: str) -> str:
    request = urllib.request.Request(
        site.url + "/mobile/v1/auth/login", method="POST", headers={"Content-Type": "application/json"},
        data=json.dumps({"email": site.email(role), "password": site.password}).encode())
    with urllib.request.urlopen(request, timeout=15) as answer:
        return json.loads(answer.read())["access_token"]


def open_day(page: Page, site, day: date) -> None:
    page.goto(f"{site.url}/console/dispatch?date={day.isoformat()}")
    expect(page.locator("#dispatch")).to_have_attribute("data-loaded-day", day.isoformat())


def test_map_lists_optimise_preview_and_apply(page: Page, demo_site, console_errors):
    day = weekday_after(22)
    sign_in(page, demo_site, "dispatcher", next_page="/console/dispatch")
    api = ConsoleApi(page, demo_site)
    orders = api.create_orders(day, ["urgent", "high", "normal", "normal", "low"])
    open_day(page, demo_site, day)

    # Markers on the map (clustered or not) and every order in the unassigned list.
    expect(page.locator("#dispatch-map .order-marker, #dispatch-map .marker-cluster").first).to_be_visible()
    for order in orders:
        expect(page.locator(f"#unassigned-list li[data-order-id='{order['id']}']")).to_be_visible()
    expect(page.locator("#legend-status li")).to_have_count(10)
    expect(page.locator("#legend-priority li[data-priority=urgent]")).to_contain_text("紧急")
    page.select_option("#filter-priority", "urgent")
    expect(page.locator(f"#unassigned-list li[data-order-id='{orders[0]['id']}']")).to_be_visible()
    expect(page.locator(f"#unassigned-list li[data-order-id='{orders[1]['id']}']")).to_have_count(0)
    page.select_option("#filter-priority", "")
    page.select_option("#filter-district", index=1)
    assert page.locator("#unassigned-list li.order-item").count() >= 1
    page.select_option("#filter-district", "")
    screenshot(page, "dispatch-desktop-zh-before")

    # Optimise with a short search; the progress bar runs to the end, then the preview.
    page.select_option("#time-limit", "5")
    page.click("#optimise")
    expect(page.locator("#optimise-panel")).to_be_visible()
    expect(page.locator("#optimise-panel")).to_have_attribute("data-run-status", "running", timeout=RUN_TIMEOUT_MS)
    expect(page.locator("#optimise-status")).to_contain_text("%")
    expect(page.locator("#optimise-panel")).to_have_attribute("data-run-status", "succeeded", timeout=60_000)
    assert page.locator("#optimise-progress").evaluate("bar => bar.value") == 100
    expect(page.locator("#optimise-status")).to_contain_text("当前最优")
    for order in orders:
        expect(page.locator(f"#optimise-preview tr[data-order-id='{order['id']}']")).to_have_attribute(
            "data-kind", "assign")
    expect(page.locator("#dispatch-map path.preview-line").first).to_be_attached()
    screenshot(page, "dispatch-desktop-zh-preview")
    page.click("#apply-run")
    expect(page.locator("#notice")).to_contain_text("排程已应用")
    expect(page.locator("#optimise-panel")).to_be_hidden()

    # Applied: the orders leave the unassigned list, routes and the timeline show them.
    for order in orders:
        expect(page.locator(f"#unassigned-list li[data-order-id='{order['id']}']")).to_have_count(0)
        expect(page.locator(f".tl-job[data-order-id='{order['id']}']")).to_have_attribute("data-status", "assigned")
    expect(page.locator("#dispatch-map path.route-line").first).to_be_attached()
    expect(page.locator(".tl-travel").first).to_be_attached()
    expect(page.locator(".tl-break[data-break-kind=lunch]").first).to_be_attached()
    for order in orders:
        assert api.ok("GET", f"/api/v1/work-orders/{order['id']}")["status"] == "assigned"
    screenshot(page, "dispatch-desktop-zh")
    assert console_errors == []


def test_manual_assignment_drag_to_reschedule_and_live_updates(page: Page, demo_site, console_errors):
    day = weekday_after(23)
    sign_in(page, demo_site, "dispatcher", next_page="/console/dispatch")
    page.click(".language-switch a[data-lang=en]")
    api = ConsoleApi(page, demo_site)
    manual, live = api.create_orders(day, ["high", "normal"], first_site=3)
    open_day(page, demo_site, day)

    # Manual assignment: the ranked candidates, with ETA and warnings; assign the best.
    page.click(f"#unassigned-list li[data-order-id='{manual['id']}'] .candidates-button")
    panel = page.locator("#candidates-panel")
    expect(panel.locator("h2")).to_contain_text(manual["number"])
    expect(panel.locator("li.candidate").first).to_contain_text("ETA")
    expect(panel.locator("li.candidate.infeasible .warning").first).to_be_attached()
    best = panel.locator("li.candidate.feasible").first
    engineer_id = int(best.get_attribute("data-engineer-id"))
    best.locator("button.assign").click()
    expect(page.locator("#notice")).to_contain_text(f"{manual['number']} assigned to")
    bar = page.locator(f".tl-job[data-order-id='{manual['id']}']")
    expect(bar).to_be_visible()
    assigned = api.ok("GET", f"/api/v1/work-orders/{manual['id']}")
    assert assigned["scheduled_engineer"]["id"] == engineer_id
    start = datetime.fromisoformat(assigned["scheduled"]["start"])

    # Reschedule: drag the job one hour later along its row (a real pointer drag).
    ticks = page.locator(".tl-scale .tl-tick")
    hour_px = ticks.nth(1).bounding_box()["x"] - ticks.nth(0).bounding_box()["x"]
    box = bar.bounding_box()
    x, y = box["x"] + min(box["width"] / 2, 8), box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(x + hour_px * step / 10, y)
    expect(bar).to_have_attribute("data-preview", re.compile(r"\d\d:\d\d"))
    page.mouse.up()
    confirm = page.locator("#move-anyway")
    expect(page.locator("#notice")).to_contain_text(re.compile(f"Moved {manual['number']}|has warnings"))
    if confirm.is_visible():   # soft or blocking warnings: the dispatcher decides
        confirm.click()
    expect(page.locator("#notice")).to_contain_text(f"Moved {manual['number']}")
    moved = api.ok("GET", f"/api/v1/work-orders/{manual['id']}")
    assert datetime.fromisoformat(moved["scheduled"]["start"]) - start == timedelta(hours=1)
    screenshot(page, "dispatch-desktop-en")

    # Live: the demo engineer accepts and checks in on the phone; the page follows without reload.
    engineer = api.engineer_id(demo_site.email("engineer"))
    api.ok("POST", f"/api/v1/work-orders/{live['id']}/assign",
           {"engineer_id": engineer, "scheduled_start": at(day, 14), "override": True})
    live_bar = page.locator(f".tl-job[data-order-id='{live['id']}']")
    expect(live_bar).to_have_attribute("data-status", "assigned", timeout=(POLL_S + 4) * 1000)
    token = mobile_login(demo_site, "engineer")
    now = datetime.now(SHANGHAI).isoformat()
    mobile(demo_site, token, f"/mobile/v1/jobs/{live['id']}/accept", {"device_time": now})
    site_point = api.ok("GET", f"/api/v1/work-orders/{live['id']}")["site"]["location"]
    mobile(demo_site, token, f"/mobile/v1/jobs/{live['id']}/check-in",
           {"device_time": datetime.now(SHANGHAI).isoformat(), "position": site_point})
    expect(live_bar).to_have_attribute("data-status", "on_site", timeout=(POLL_S + 4) * 1000)
    live_bar.click()
    expect(page.locator(f".order-marker [data-order-id='{live['id']}']")).to_have_attribute("data-status", "on_site")
    expect(page.locator("#live-status")).to_contain_text("Live")
    assert console_errors == []


def test_agents_look_read_only_and_the_phone_layout_stacks(page: Page, phone: Page, demo_site, console_errors):
    day = weekday_after(24)
    sign_in(phone, demo_site, "dispatcher", next_page="/console/dispatch")
    api = ConsoleApi(phone, demo_site)
    orders = api.create_orders(day, ["urgent", "normal", "low"], first_site=5)
    api.ok("POST", f"/api/v1/work-orders/{orders[1]['id']}/assign",
           {"engineer_id": api.engineer_id(demo_site.email("engineer")), "scheduled_start": at(day, 10),
            "override": True})
    open_day(phone, demo_site, day)
    expect(phone.locator(f"#unassigned-list li[data-order-id='{orders[0]['id']}']")).to_be_visible()
    map_box = phone.locator("#dispatch-map").bounding_box()
    list_box = phone.locator("#unassigned-list").bounding_box()
    timeline_box = phone.locator("#timeline").bounding_box()
    assert map_box["width"] > 330 and map_box["y"] < list_box["y"] < timeline_box["y"]
    screenshot(phone, "dispatch-phone-zh")

    sign_in(page, demo_site, "agent", next_page="/console/dispatch")
    open_day(page, demo_site, day)
    expect(page.locator("#read-only")).to_be_visible()
    expect(page.locator("#optimise-form")).to_have_count(0)
    bar = page.locator(f".tl-job[data-order-id='{orders[1]['id']}']")
    expect(bar).to_be_visible()
    assert "movable" not in bar.get_attribute("class")
    page.click(f"#unassigned-list li[data-order-id='{orders[0]['id']}'] .candidates-button")
    expect(page.locator("#candidates-panel li.candidate").first).to_be_visible()
    expect(page.locator("#candidates-panel button.assign")).to_have_count(0)
    assert console_errors == []
