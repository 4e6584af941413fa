"""Helpers shared by the work-order tests."""
from __future__ import annotations

import pytest

from app import db
from app.workorders import templates
from app.workorders.models import WorkType

REPAIR_FIELDS = [
    {"key": "floor", "label": "Floor", "kind": "number", "required": True},
    {"key": "symptom", "label": "Symptom", "kind": "choice", "required": True,
     "choices": ["no_cooling", "noise", "leak"]},
    {"key": "noticed_on", "label": "Noticed on", "kind": "date"},
    {"key": "areas", "label": "Areas", "kind": "multi_choice", "choices": ["lobby", "office", "server_room"]},
    {"key": "under_warranty", "label": "Under warranty", "kind": "boolean"},
    {"key": "remarks", "label": "Remarks", "kind": "text"},
]


@pytest.fixture
def repair_template():
    """The active template of repair orders: returns its id."""
    template = templates.create_template(db.db_session(), work_type=WorkType.REPAIR, name="Repair v1",
                                         fields=REPAIR_FIELDS)
    return template.id


def order_body(site_id: int, customer_id: int | None, /, **overrides) -> dict:
    """A valid POST /work-orders body for a site (no template for `installation`)."""
    body = {"channel": "phone", "work_type": "installation", "title": "Install a new split unit",
            "site_id": site_id}
    if customer_id is not None:
        body["customer_id"] = customer_id
    body.update(overrides)
    return body
