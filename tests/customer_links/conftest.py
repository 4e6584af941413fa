"""A visit at a Shanghai site, its customer reachable by e-mail, its engineer on site."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from app.geo import make_point
from app.workorders.lifecycle import Action, transition
from app.workorders.models import Status
from customer_links.models import LinkKind
from customer_links.tokens import sign_link_id
from tests.factories import ContactFactory, CustomerFactory, EngineerFactory, SiteFactory, WorkOrderFactory

SITE = (121.4737, 31.2304)


@pytest.fixture
def customer():
    customer = CustomerFactory()
    ContactFactory(customer=customer, name="王芳", email="wang.fang@example.com")
    return customer


@pytest.fixture
def engineer():
    return EngineerFactory()


def make_order(customer, engineer, status: Status = Status.ON_SITE):
    site = SiteFactory(customer=customer, location=make_point(*SITE), name="静安店")
    start = datetime.now(timezone.utc) + timedelta(minutes=30)
    return WorkOrderFactory(site=site, status=status, scheduled_engineer=engineer, scheduled_start=start,
                            scheduled_end=start + timedelta(hours=1))


@pytest.fixture
def visit(customer, engineer):
    """An order whose engineer is on site."""
    return make_order(customer, engineer)


def resolve(session, order):
    transition(session, order=order, action=Action.RESOLVE, actor=order.scheduled_engineer.user,
               resolution_code="replaced_part", resolution_notes="更换压缩机继电器 / compressor relay replaced")
    return order


@pytest.fixture
def token(app):
    """token(link) -> the link's URL token."""
    return lambda link: sign_link_id(app.config["SECRET_KEY"], LinkKind(link.kind), link.id)
