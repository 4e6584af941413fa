"""The customer's pages in a real browser on a phone-sized screen: rating a visit of the
demo (once), bad links, following the engineer, and the language switch."""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.workorders.models import Rating, Status, WorkOrder
from customer_links.models import CustomerLink, LinkKind, MessageChannel
from customer_links.tokens import sign_link_id
from tests.e2e.conftest import screenshot


@pytest.fixture
def token(app):
    return lambda link: sign_link_id(app.config["SECRET_KEY"], LinkKind(link.kind), link.id)


def live_link(engine, status: Status, kind: LinkKind) -> CustomerLink:
    """The demo's link of `kind` on its order in `status` (committed data, read afresh)."""
    with Session(engine, expire_on_commit=False) as own:
        return own.scalars(select(CustomerLink).join(WorkOrder, WorkOrder.id == CustomerLink.work_order_id)
                           .where(WorkOrder.status == status, CustomerLink.kind == kind)).one()


def watch_errors(page: Page) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" and "ERR_FAILED" not in message.text else None)
    return errors


def test_a_customer_rates_a_visit_on_a_phone_sized_viewport(phone: Page, demo_site, engine, token):
    link = live_link(engine, Status.AWAITING_FEEDBACK, LinkKind.RATING)
    errors = watch_errors(phone)
    phone.goto(f"{demo_site.url}/r/{token(link)}")

    expect(phone.locator("h1")).to_have_text("本次服务怎么样？")
    expect(phone.locator(".work-done")).to_contain_text("更换压缩机启动电容")
    expect(phone.locator(".engineer")).not_to_be_empty()
    # One column on a phone: the submit button spans the card, nothing scrolls sideways.
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(phone, "customer-rating-phone-zh")

    phone.get_by_role("button", name="提交评价").click()   # no score chosen yet
    expect(phone.get_by_role("alert")).to_have_text("请选择 1 到 5 星。")
    phone.locator(".stars .choice", has_text="4★").click()
    phone.locator(".nps .choice", has_text="9").first.click()
    phone.fill("textarea[name=comment]", "师傅很专业，准时到达")
    phone.get_by_role("button", name="提交评价").click()

    expect(phone.locator("h1")).to_have_text("感谢您的评价！")
    screenshot(phone, "customer-rating-thanks-phone")
    with Session(engine) as own:
        rating = own.scalars(select(Rating).where(Rating.work_order_id == link.work_order_id)).one()
        assert (rating.csat, rating.nps, rating.comment, rating.source) == (4, 9, "师傅很专业，准时到达", "link")
        assert own.get(WorkOrder, link.work_order_id).status is Status.CLOSED

    # The form submitted again (back, and send once more): told it was used, no second rating.
    phone.go_back()
    phone.goto(f"{demo_site.url}/r/{token(link)}")
    expect(phone.locator("h1")).to_have_text("感谢您的评价！")
    answer = phone.request.post(f"{demo_site.url}/r/{token(link)}", form={"csat": "1"})
    assert answer.status == 409 and "本次服务已评价过" in answer.text()
    # The answers that loaded with an error status were the refusals above, on purpose.
    assert [e for e in errors if "status of 422" not in e and "status of 409" not in e] == []


def test_tampered_and_expired_links_get_a_clear_page_in_either_language(phone: Page, demo_site, engine, token):
    with Session(engine) as own:
        closed = own.scalars(select(WorkOrder).where(WorkOrder.status == Status.CLOSED).order_by(WorkOrder.id)).first()
        expired = CustomerLink(kind=LinkKind.RATING, work_order_id=closed.id, channel=MessageChannel.EMAIL,
                               address="someone@example.com", expires_at=utcnow() - timedelta(days=1))
        own.add(expired)
        own.commit()
        expired_token = token(expired)

    phone.goto(f"{demo_site.url}/r/{expired_token}")
    expect(phone.locator("h1")).to_have_text("链接已过期")
    screenshot(phone, "customer-link-expired-zh")
    phone.click(".language-switch a[data-lang=en]")
    expect(phone.locator("h1")).to_have_text("This link has expired")
    expect(phone.locator("html")).to_have_attribute("lang", "en")

    answer = phone.goto(f"{demo_site.url}/r/{expired_token[:-3]}abc")
    assert answer.status == 404
    expect(phone.locator("h1")).to_have_text("This link is not valid")
    screenshot(phone, "customer-link-tampered-en")
    phone.click(".language-switch a[data-lang=zh]")
    expect(phone.locator("h1")).to_have_text("链接无效")


def test_the_customer_follows_the_engineer_on_the_way(phone: Page, demo_site, engine, token):
    link = live_link(engine, Status.EN_ROUTE, LinkKind.TRACKING)
    errors = watch_errors(phone)
    phone.goto(f"{demo_site.url}/t/{token(link)}")

    expect(phone.locator(".tracking-state")).to_have_text("工程师正在路上")
    expect(phone.locator(".eta")).to_contain_text("预计")
    expect(phone.locator("#tracking-map")).to_be_visible()
    # The page asks the server again by itself (at most every 15 s).
    with phone.expect_response(lambda r: r.url.endswith(f"/t/{token(link)}/status"), timeout=20_000) as polled:
        pass
    assert polled.value.status == 200
    expect(phone.locator(".updated")).to_contain_text("页面刷新于")
    screenshot(phone, "customer-tracking-phone-zh")
    phone.click(".language-switch a[data-lang=en]")
    expect(phone.locator(".tracking-state")).to_have_text("Your engineer is on the way")
    assert errors == []
