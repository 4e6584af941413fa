"""Where is my technician: a link when travel starts, an ETA, a coarse and fresh position
only while on the way, nothing once the visit is over."""
from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

import pytest

from app.auth.models import Role
from app.db import utcnow
from app.engineers.positions import update_last_position
from app.geo import make_point
from app.workorders.lifecycle import Action, transition
from app.workorders.models import Status
from customer_links import service
from customer_links.models import LinkKind
from customer_links.tracking import coarsen, estimate_arrival, tracking_view
from tests.customer_links.conftest import SITE, make_order, resolve
from tests.factories import UserFactory

# About 3 km west-south-west of the site.
ON_THE_ROAD = (121.4437, 31.2204)


def metres_between(a, b) -> float:
    dx = (a[0] - b[0]) * 111_320 * math.cos(math.radians((a[1] + b[1]) / 2))
    dy = (a[1] - b[1]) * 111_320
    return math.hypot(dx, dy)


@pytest.fixture
def on_the_way(session, customer, engineer):
    order = make_order(customer, engineer, status=Status.ACCEPTED)
    transition(session, order=order, action=Action.START_TRAVEL, actor=engineer.user, position=ON_THE_ROAD)
    return order


def tracking_link(session, order):
    return next(link for link in service.links_of(session, order.id) if link.kind is LinkKind.TRACKING)


def test_starting_travel_sends_a_tracking_link_once(session, on_the_way, engineer, queue):
    link = tracking_link(session, on_the_way)
    assert link.address == "wang.fang@example.com" and service.link_status(link) == "pending"
    assert link.expires_at - utcnow() > timedelta(hours=11)
    # Held up and back on the road: the link already sent still works, no second one.
    transition(session, order=on_the_way, action=Action.HOLD, actor=engineer.user, reason="other")
    transition(session, order=on_the_way, action=Action.RESUME, actor=engineer.user)
    assert on_the_way.status is Status.EN_ROUTE
    assert len(service.links_of(session, on_the_way.id)) == 1
    session.commit()
    assert [job.args for job in queue.get_jobs()] == [(link.id,)]


def test_on_the_way_the_page_shows_a_coarse_fresh_position_and_an_eta(session, on_the_way, engineer):
    view = tracking_view(session, link=tracking_link(session, on_the_way))

    assert view.state == "on_the_way" and view.engineer_name == engineer.user.name
    assert view.engineer_position is not None and view.engineer_position != ON_THE_ROAD
    assert metres_between(view.engineer_position, ON_THE_ROAD) < 500 * math.sqrt(2) / 2 + 1
    assert view.site_position == pytest.approx(SITE)
    # ~3.1 km straight, x1.3 road factor at 30 km/h: 8 minutes, rounded up to 5.
    assert timedelta(minutes=5) < view.eta - utcnow() <= timedelta(minutes=15)
    assert view.eta.minute % 5 == 0 and view.eta.second == 0


def test_a_stale_position_is_not_shown(session, on_the_way, engineer):
    link = tracking_link(session, on_the_way)
    later = utcnow() + timedelta(minutes=11)
    view = tracking_view(session, link=link, now=later)
    assert view.state == "on_the_way" and view.engineer_position is None and view.position_at is None
    # Without a position the ETA falls back on the plan (the scheduled start, still ahead).
    assert view.eta == on_the_way.scheduled_start


def test_arrived_and_finished_visits_show_no_position(session, on_the_way, engineer):
    link = tracking_link(session, on_the_way)
    transition(session, order=on_the_way, action=Action.CHECK_IN, actor=engineer.user, position=SITE)
    arrived = tracking_view(session, link=link)
    assert (arrived.state, arrived.engineer_position, arrived.eta) == ("arrived", None, None)

    resolve(session, on_the_way)
    session.refresh(link)
    ended = tracking_view(session, link=link)
    assert ended.state == "ended" and ended.engineer_position is None and ended.site_position is None
    assert service.link_status(link) == "expired"


def test_a_cancelled_visit_ends_the_tracking(session, on_the_way):
    link = tracking_link(session, on_the_way)
    transition(session, order=on_the_way, action=Action.HOLD, actor=UserFactory(role=Role.DISPATCHER),
               reason="customer_unavailable")
    transition(session, order=on_the_way, action=Action.CANCEL, actor=UserFactory(role=Role.AGENT),
               reason="customer_request")
    session.refresh(link)
    assert tracking_view(session, link=link).state == "ended"


def test_the_latest_position_counts_even_when_it_arrives_by_ping(session, on_the_way, engineer):
    nearer = (SITE[0] - 0.003, SITE[1])
    update_last_position(session, engineer=engineer, point=make_point(*nearer), at=utcnow())
    view = tracking_view(session, link=tracking_link(session, on_the_way))
    assert metres_between(view.engineer_position, nearer) < 400


@pytest.mark.parametrize("lon, lat", [(121.4737, 31.2304), (121.0001, 30.9999), (-73.9857, 40.7484), (0.0, 0.0)])
def test_coarsening_hides_the_point_inside_its_cell(lon, lat):
    centre = coarsen(lon, lat, 500)
    assert metres_between(centre, (lon, lat)) <= 500 * math.sqrt(2) / 2 + 1
    # Every point of the cell gives the same answer: nudging within it changes nothing.
    assert coarsen(centre[0] + 0.0005, centre[1] - 0.0005, 500) == centre
    assert coarsen(centre[0] + 0.01, centre[1], 500) != centre


def test_estimated_arrival():
    now = datetime(2026, 11, 23, 8, 2, tzinfo=timezone.utc)
    plan = now + timedelta(hours=1)
    assert estimate_arrival(now=now, status=Status.EN_ROUTE, distance_m=5000, planned_arrival=plan,
                            scheduled_start=None, speed_kmh=30, road_factor=1.0) == now.replace(minute=15)
    assert estimate_arrival(now=now, status=Status.EN_ROUTE, distance_m=None, planned_arrival=plan,
                            scheduled_start=None, speed_kmh=30, road_factor=1.0) == plan
    assert estimate_arrival(now=now, status=Status.ACCEPTED, distance_m=None, planned_arrival=None,
                            scheduled_start=now - timedelta(minutes=1), speed_kmh=30, road_factor=1.0) is None
