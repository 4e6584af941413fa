"""The manager's dashboard in a real browser against the demo: every chart is drawn with
the demo's numbers, the charts hold what the KPI API answers, and another period reloads
them. Reads only: the demo stays as it was for the other tests."""
from __future__ import annotations

import re
from datetime import date, timedelta

from playwright.sync_api import Page, expect

from tests.e2e.conftest import screenshot, sign_in

CHARTS = ("channel", "status", "durations", "on_time", "satisfaction", "utilisation")
# The machine running the suite is shared and slow at times: give answers time.
expect.set_options(timeout=20_000)


def ready(page: Page) -> str:
    expect(page.locator("body")).to_have_attribute("data-state", "ready")
    return page.locator("body").get_attribute("data-range")


def chart_data(page: Page, key: str) -> dict:
    return page.evaluate("""key => {
        const chart = globalThis.dashboardCharts[key];
        return {labels: chart.data.labels,
                datasets: chart.data.datasets.map(d => ({label: d.label, key: d.key ?? null, data: d.data}))};
    }""", key)


def canvas_is_drawn(page: Page, key: str) -> bool:
    """Some pixel of the chart's canvas is painted."""
    return page.evaluate("""key => {
        const canvas = document.querySelector(`[data-chart="${key}"] canvas`);
        const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) return true;
        return false;
    }""", key)


def kpi(page: Page, site, name: str, query: str) -> list[dict]:
    """The KPI API with the page's own session (the same permissions as the page)."""
    answer = page.request.get(f"{site.url}/api/v1/kpis/{name}?{query}")
    assert answer.ok, answer.text()
    return answer.json()


def test_every_chart_shows_the_apis_numbers_and_a_new_period_reloads(page: Page, phone: Page, demo_site,
                                                                    console_errors):
    sign_in(page, demo_site, "manager", next_page="/console/dashboard")
    expect(page).to_have_url(re.compile(r"/console/dashboard"))
    first, last, period = ready(page).split("/")
    assert period == "day"
    for key in CHARTS:
        expect(page.locator(f'[data-chart="{key}"]')).to_have_attribute("data-state", "drawn")
        assert canvas_is_drawn(page, key), key
    query = f"from={first}&to={last}&period=day"

    # Orders by channel: each channel's bars are the API's counts, day by day.
    by_channel = chart_data(page, "channel")
    rows = kpi(page, demo_site, "volume-by-channel", query)
    assert len(by_channel["labels"]) == 30
    days = [(date.fromisoformat(first) + timedelta(days=n)).isoformat() for n in range(30)]
    assert {d["key"] for d in by_channel["datasets"]} == {r["channel"] for r in rows}
    for dataset in by_channel["datasets"]:
        expected = [sum(r["orders"] for r in rows if r["bucket"] == day and r["channel"] == dataset["key"])
                    for day in days]
        assert dataset["data"] == expected and sum(expected) > 0, dataset["key"]
    # Status now: the same orders, counted by status.
    status_total = sum(sum(d["data"]) for d in chart_data(page, "status")["datasets"])
    assert status_total == sum(r["orders"] for r in rows)
    # Response and resolution medians, and the on-time arrival rate, as the API has them.
    responses = kpi(page, demo_site, "first-response-time", query)
    medians = [v for v in chart_data(page, "durations")["datasets"][0]["data"] if v is not None]
    assert medians == [r["median_minutes"] for r in responses] and medians
    on_time = [r["compliance_pct"] for r in kpi(page, demo_site, "sla-compliance", query) if r["target"] == "arrival"]
    assert [v for v in chart_data(page, "on_time")["datasets"][0]["data"] if v is not None] == on_time
    csat = kpi(page, demo_site, "csat", f"from={first}&to={last}&period=week")
    assert [v for v in chart_data(page, "satisfaction")["datasets"][0]["data"] if v is not None] == [
        r["csat_mean"] for r in csat]
    utilisation = chart_data(page, "utilisation")
    assert utilisation["labels"] and all(isinstance(v, (int, float)) for v in utilisation["datasets"][0]["data"])
    expect(page.locator('[data-tile="orders"] strong')).to_have_text(f"{sum(r['orders'] for r in rows):,}")
    screenshot(page, "dashboard-desktop-zh")

    # Another period: the last 7 days.
    page.select_option("#period select[name=days]", "7")
    expect(page.locator("body")).not_to_have_attribute("data-range", f"{first}/{last}/day")
    week_first, week_last, _ = ready(page).split("/")
    assert week_last == last and week_first > first
    assert len(chart_data(page, "channel")["labels"]) == 7
    week_rows = kpi(page, demo_site, "volume-by-channel", f"from={week_first}&to={week_last}&period=day")
    assert sum(sum(d["data"]) for d in chart_data(page, "channel")["datasets"]) == sum(r["orders"] for r in week_rows)

    # 90 days go by week; English.
    page.select_option("#period select[name=days]", "90")
    assert ready(page).endswith("/week")
    page.click(".language-switch a[data-lang=en]")
    ready(page)
    expect(page.get_by_text("Orders by channel")).to_be_visible()
    for key in CHARTS:
        expect(page.locator(f'[data-chart="{key}"]')).to_have_attribute("data-state", "drawn")
    screenshot(page, "dashboard-desktop-en")

    # A period long before the demo: "no data" rather than empty charts.
    page.select_option("#period select[name=days]", "custom")
    page.fill("#period input[name=from]", "2020-01-01")
    page.fill("#period input[name=to]", "2020-01-07")
    page.locator("#period input[name=to]").dispatch_event("change")
    expect(page.locator('[data-chart="channel"]')).to_have_attribute("data-state", "empty")
    expect(page.locator('[data-chart="channel"] .empty')).to_have_text("No data for this period")
    page.click(".language-switch a[data-lang=zh]")

    sign_in(phone, demo_site, "manager", next_page="/console/dashboard")
    ready(phone)
    expect(phone.locator('[data-chart="channel"]')).to_have_attribute("data-state", "drawn")
    screenshot(phone, "dashboard-phone")
    assert console_errors == []
