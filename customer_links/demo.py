"""Customer links for the Shanghai demo: two visits of the demo customer served by the
demo engineer today, one resolved this morning and waiting for the customer's rating,
one with the engineer on the way — so `flask demo links` has a rating link and a
tracking link for a person to open.

Runs after the core demo (`app.demo`). Their past is written directly, stamped with the
times it happened (as the core demo writes history); the step that makes each link goes
through the lifecycle, so the links, messages and events are the real ones."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import Role, User
from app.customers.models import Contact, Site
from app.db import utcnow
from app.demo import DEMO_ACCOUNTS, SHANGHAI
from app.engineers.models import Engineer
from app.geo import lon_lat
from app.workorders.lifecycle import Action, transition
from app.workorders.models import Channel, EventKind, Priority, Status, WorkOrder, WorkOrderEvent, WorkType
from app.workorders.numbering import next_work_order_number
from customer_links import service
from customer_links.models import CustomerLink

# Where the engineer is when the demo loads: about 2.5 km south-west of the site.
EN_ROUTE_OFFSET = (-0.02, -0.012)


def load_links_demo(session: Session) -> dict[str, int]:
    """Create the two visits and their links; answers how many links were made."""
    accounts = dict(DEMO_ACCOUNTS)
    users = {role: session.scalar(select(User).where(User.email == accounts[role.value]))
             for role in (Role.AGENT, Role.DISPATCHER, Role.ENGINEER, Role.CUSTOMER)}
    engineer = session.scalar(select(Engineer).where(Engineer.user_id == users[Role.ENGINEER].id))
    contact = session.scalar(select(Contact).where(Contact.user_id == users[Role.CUSTOMER].id))
    site = session.scalar(select(Site).where(Site.customer_id == contact.customer_id).order_by(Site.id))
    now = utcnow()

    resolved = _visit(session, site, engineer, users, title="空调不制冷 / Air conditioner not cooling",
                      start=now - timedelta(hours=3),
                      through=Status.RESOLVED, notes="更换压缩机启动电容，试运行正常 / Compressor start capacitor "
                                                     "replaced; test run passed")
    service.request_feedback(session, order=resolved)

    on_the_way = _visit(session, site, engineer, users, title="冷柜温度偏高 / Display fridge running warm",
                        start=now + timedelta(minutes=25), through=Status.ACCEPTED)
    site_lon, site_lat = lon_lat(site.location)
    transition(session, order=on_the_way, action=Action.START_TRAVEL, actor=engineer.user,
               position=(site_lon + EN_ROUTE_OFFSET[0], site_lat + EN_ROUTE_OFFSET[1]))
    session.flush()
    made = session.scalars(select(CustomerLink).where(CustomerLink.work_order_id.in_([resolved.id, on_the_way.id]))).all()
    return {"customer links": len(made)}


def _visit(session: Session, site: Site, engineer: Engineer, users: dict[Role, User], *, title: str,
           start: datetime, through: Status, notes: str | None = None) -> WorkOrder:
    """A repair visit at `site` by `engineer` starting at `start`, its log written up to `through`."""
    duration = timedelta(minutes=60)
    window_start = start - timedelta(minutes=start.minute % 30, seconds=start.second, microseconds=start.microsecond)
    created = window_start - timedelta(hours=20)
    order = WorkOrder(number=next_work_order_number(session, at=created.astimezone(SHANGHAI)), channel=Channel.PHONE,
                      work_type=WorkType.REPAIR, priority=Priority.HIGH, status=through, title=title,
                      description=title, customer_id=site.customer_id, site_id=site.id, estimated_duration_min=60,
                      window_start=window_start, window_end=window_start + timedelta(hours=2),
                      scheduled_engineer=engineer, scheduled_start=start, scheduled_end=start + duration,
                      planned_arrival=start - timedelta(minutes=5), created_by_id=users[Role.AGENT].id,
                      created_at=created)
    if through is Status.RESOLVED:
        order.resolution_code, order.resolution_notes = "replaced_part", notes
    session.add(order)
    session.flush()
    agent, dispatcher, field_user = users[Role.AGENT], users[Role.DISPATCHER], engineer.user
    steps = [
        (EventKind.CREATED, None, None, Status.NEW, agent, created, {"channel": "phone"}),
        (EventKind.STATUS_CHANGED, "assign", Status.NEW, Status.ASSIGNED, dispatcher, created + timedelta(hours=1),
         {"engineer_id": engineer.id, "previous_engineer_id": None, "scheduled_start": start.isoformat(),
          "scheduled_end": (start + duration).isoformat(), "warnings": []}),
        (EventKind.STATUS_CHANGED, "accept", Status.ASSIGNED, Status.ACCEPTED, field_user,
         created + timedelta(hours=2), {"engineer_id": engineer.id}),
    ]
    if through is Status.RESOLVED:
        steps += [
            (EventKind.STATUS_CHANGED, "start_travel", Status.ACCEPTED, Status.EN_ROUTE, field_user,
             start - timedelta(minutes=30), {}),
            (EventKind.STATUS_CHANGED, "check_in", Status.EN_ROUTE, Status.ON_SITE, field_user, start, {}),
            (EventKind.STATUS_CHANGED, "resolve", Status.ON_SITE, Status.RESOLVED, field_user, start + duration,
             {"resolution_code": "replaced_part", "time_spent_min": 60}),
        ]
    session.add_all(WorkOrderEvent(work_order_id=order.id, kind=kind, action=action, from_status=source,
                                   to_status=target, actor_id=actor.id, server_time=at, payload=payload)
                    for kind, action, source, target, actor, at, payload in steps)
    session.flush()
    return order
