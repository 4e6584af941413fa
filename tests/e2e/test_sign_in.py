"""Signing in to the consoles in a real browser, in Chinese and English."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import screenshot, sign_in


def test_sign_in_in_chinese_switch_to_english_and_back(page: Page, demo_site, console_errors, blocked_requests):
    page.goto(demo_site.url + "/console/")
    expect(page).to_have_url(re.compile(r"/console/sign-in\?next=/console/"))
    expect(page.locator("h1")).to_have_text("登录工单控制台")
    screenshot(page, "sign-in-zh")

    page.fill("input[name=email]", demo_site.email("dispatcher"))
    page.fill("input[name=password]", "wrong password")
    page.click("button[type=submit]")
    expect(page.get_by_role("alert")).to_have_text("邮箱或密码错误。")

    sign_in(page, demo_site, "dispatcher")
    expect(page.locator(".topbar .who")).to_have_attribute("data-role", "dispatcher")
    expect(page.get_by_role("button", name="退出")).to_be_visible()

    page.click(".language-switch a[data-lang=en]")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    screenshot(page, "console-home-en")
    page.click(".language-switch a[data-lang=zh]")
    expect(page.get_by_role("button", name="退出")).to_be_visible()

    page.get_by_role("button", name="退出").click()
    expect(page).to_have_url(re.compile(r"/console/sign-in"))
    page.goto(demo_site.url + "/console/")
    expect(page).to_have_url(re.compile(r"/console/sign-in"))
    # The one failed load is the wrong password's answer (401, on purpose).
    assert [e for e in console_errors if "status of 401" not in e] == []
    assert all("127.0.0.1" not in url for url in blocked_requests)


def test_an_engineer_is_sent_to_the_phone_app(phone: Page, demo_site):
    phone.goto(demo_site.url + "/console/sign-in")
    phone.fill("input[name=email]", demo_site.email("engineer"))
    phone.fill("input[name=password]", demo_site.password)
    phone.click("button[type=submit]")
    expect(phone.get_by_role("alert")).to_contain_text("手机应用")
    screenshot(phone, "sign-in-engineer-phone")
