"""The demo has a visit waiting for the customer's rating and one with the engineer on the
way, and `flask demo links` prints their links."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.demo import load_demo
from app.workorders.models import Status, WorkOrder
from customer_links import service
from customer_links.demo import load_links_demo
from customer_links.models import LinkKind
from customer_links.tracking import tracking_view


def test_the_demo_has_a_rating_link_and_a_tracking_link_that_work(app, session):
    load_demo(session, seed=7, today=date(2026, 11, 23))
    assert load_links_demo(session) == {"customer links": 2}
    session.commit()

    waiting = session.scalars(select(WorkOrder).where(WorkOrder.status == Status.AWAITING_FEEDBACK)).all()
    on_the_way = session.scalars(select(WorkOrder).where(WorkOrder.status == Status.EN_ROUTE)).all()
    assert len(waiting) == 1 and len(on_the_way) == 1
    [rating] = service.links_of(session, waiting[0].id)
    [tracking] = service.links_of(session, on_the_way[0].id)
    assert (rating.kind, service.link_status(rating)) == (LinkKind.RATING, "pending")
    assert waiting[0].customer.contacts[0].user is not None   # the demo customer's own visits
    view = tracking_view(session, link=tracking)
    assert view.state == "on_the_way" and view.engineer_position is not None and view.eta is not None
    assert service.visit_summary(session, waiting[0]).work_done.startswith("更换压缩机")

    output = app.test_cli_runner().invoke(args=["demo", "links"]).output
    assert f"rating    {waiting[0].number}" in output and "/r/" in output
    assert f"tracking  {on_the_way[0].number}" in output and "/t/" in output
