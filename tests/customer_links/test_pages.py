"""The customer's pages through the Flask client: rating once, clear pages for every
kind of bad link, never a server error, in both languages."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.db import utcnow
from app.workorders.lifecycle import Action, transition
from app.workorders.models import Rating, Status, WorkOrder
from customer_links import service
from customer_links.models import CustomerLink
from tests.customer_links.conftest import make_order, resolve


@pytest.fixture
def rating_link(session, visit):
    resolve(session, visit)
    [link] = service.links_of(session, visit.id)
    return link


def test_the_rating_page_shows_the_visit_in_the_browsers_language(client, rating_link, token, visit):
    zh = client.get(f"/r/{token(rating_link)}", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert zh.status_code == 200
    page = zh.get_data(as_text=True)
    assert "本次服务怎么样？" in page and visit.number in page and visit.scheduled_engineer.user.name in page
    assert "compressor relay replaced" in page and 'name="csat"' in page and 'name="nps"' in page
    en = client.get(f"/r/{token(rating_link)}", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert "How was our visit?" in en.get_data(as_text=True)


def test_rating_once_closes_the_order_and_a_second_submit_is_told_so(client, session, rating_link, token):
    url, order_id = f"/r/{token(rating_link)}", rating_link.work_order_id
    answer = client.post(url, data={"csat": "4", "nps": "9", "comment": "很好"})
    assert answer.status_code == 303 and answer.headers["Location"].endswith(url)
    thanks = client.get(url, headers={"Accept-Language": "en"})
    assert thanks.status_code == 200 and "Thank you for your rating!" in thanks.get_data(as_text=True)

    again = client.post(url, data={"csat": "1"}, headers={"Accept-Language": "en"})
    assert again.status_code == 409 and "rated already" in again.get_data(as_text=True)
    session.expire_all()
    ratings = session.scalars(select(Rating).where(Rating.work_order_id == order_id)).all()
    assert [(r.csat, r.nps, r.comment, r.source) for r in ratings] == [(4, 9, "很好", "link")]
    assert session.get(WorkOrder, order_id).status is Status.CLOSED


@pytest.mark.parametrize("form, field", [({}, "csat"), ({"csat": "0"}, "csat"), ({"csat": "six"}, "csat"),
                                         ({"csat": "3", "nps": "11"}, "nps"), ({"csat": "3", "comment": "x" * 2001},
                                                                                "comment"),
                                         ({"csat": "3", "stars": "5"}, "form")])
def test_a_bad_form_is_shown_again_with_the_problem(client, session, rating_link, token, form, field):
    url, link_id = f"/r/{token(rating_link)}", rating_link.id
    answer = client.post(url, data=form, headers={"Accept-Language": "en"})
    assert answer.status_code == 422
    assert 'role="alert"' in answer.get_data(as_text=True)
    session.expire_all()
    assert session.get(CustomerLink, link_id).used_at is None


def test_tampered_expired_and_replaced_links_get_a_clear_page(client, session, customer, engineer, token):
    expired_order, replaced_order = (resolve(session, make_order(customer, engineer)) for _ in range(2))
    [expired] = service.links_of(session, expired_order.id)
    expired.expires_at = utcnow() - timedelta(minutes=1)
    [replaced] = service.links_of(session, replaced_order.id)
    service.resend_rating_link(session, order=replaced_order, actor=engineer.user)
    good = token(expired)
    cases = {"/r/nonsense": (404, "link_not_found"), f"/r/{good[:-2]}zz": (404, "link_not_found"),
             f"/r/{good}": (410, "link_expired"), f"/r/{token(replaced)}": (410, "link_revoked"),
             f"/t/{good}": (404, "link_not_found")}
    for url, (status, code) in cases.items():
        for method in ("GET", "POST") if url.startswith("/r/") else ("GET",):
            answer = client.open(url, method=method, data={"csat": "5"} if method == "POST" else None)
            assert answer.status_code == status, (method, url, answer.status_code)
            assert f'data-problem="{code}"' in answer.get_data(as_text=True), (method, url)


def test_a_link_to_an_order_closed_meanwhile_says_so(client, session, rating_link, token):
    transition(session, order=rating_link.work_order, action=Action.CLOSE, actor=None, via="test")
    answer = client.get(f"/r/{token(rating_link)}")
    assert answer.status_code == 409 and 'data-problem="not_awaiting_feedback"' in answer.get_data(as_text=True)


def test_the_tracking_page_and_its_end(client, session, customer, engineer, token):
    order = make_order(customer, engineer, status=Status.ACCEPTED)
    transition(session, order=order, action=Action.START_TRAVEL, actor=engineer.user, position=(121.44, 31.22))
    [link] = service.links_of(session, order.id)
    url = f"/t/{token(link)}"

    page = client.get(url, headers={"Accept-Language": "zh-CN"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "工程师正在路上" in text and "预计到达" in text
    assert 'data-status-url="' + url + '/status"' in text and "121.44," not in text

    order = session.get(WorkOrder, order.id)
    transition(session, order=order, action=Action.CHECK_IN, actor=engineer.user, position=(121.4737, 31.2304))
    assert "Your engineer has arrived" in client.get(url, headers={"Accept-Language": "en"}).get_data(as_text=True)
    resolve(session, session.get(WorkOrder, order.id))
    ended = client.get(url, headers={"Accept-Language": "en"})
    assert ended.status_code == 410 and "The visit has ended" in ended.get_data(as_text=True)


def test_the_language_switch_is_on_the_page_and_remembered(client, rating_link, token):
    url = f"/r/{token(rating_link)}"
    assert "/lang/en" in client.get(url, headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    client.get(f"/lang/en?next={url}")
    assert "How was our visit?" in client.get(url, headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
