"""Work-order templates over HTTP: managers define them, the back office reads them —
including templates read back from the database, whose field kinds are JSON strings."""
from __future__ import annotations

from app.auth.models import Role

API = "/api/v1/work-order-templates"
FIELDS = [{"key": "symptom", "label": "故障现象 Symptom", "kind": "choice", "required": True,
           "choices": ["no_cooling", "noise"]},
          {"key": "equipment_down", "label": "设备停机 Equipment down", "kind": "boolean", "required": True}]


def test_a_manager_defines_a_template_and_the_back_office_reads_it_back(client, as_role, session):
    _, manager = as_role(Role.MANAGER)
    _, agent = as_role(Role.AGENT)
    created = client.post(API, headers=manager, json={"work_type": "repair", "name": "Repair v1", "fields": FIELDS})
    assert created.status_code == 201
    session.expire_all()   # what follows is read from the database, not the session's objects

    listed = client.get(f"{API}?work_type=repair", headers=agent)
    one = client.get(f"{API}/{created.json['id']}", headers=agent)

    assert listed.status_code == 200 and [t["id"] for t in listed.json] == [created.json["id"]]
    assert one.status_code == 200
    assert [(f["key"], f["kind"], f["required"]) for f in one.json["fields"]] == [
        ("symptom", "choice", True), ("equipment_down", "boolean", True)]
    renamed = client.patch(f"{API}/{created.json['id']}", headers=manager, json={"name": "Repair v1.1"})
    assert renamed.status_code == 200 and renamed.json["name"] == "Repair v1.1"


def test_templates_need_the_right_role_and_good_input(client, as_role):
    _, manager = as_role(Role.MANAGER)
    _, engineer = as_role(Role.ENGINEER)
    _, agent = as_role(Role.AGENT)
    assert client.get(API, headers=engineer).status_code == 403
    assert client.post(API, headers=agent, json={"work_type": "repair", "name": "X", "fields": FIELDS}
                       ).status_code == 403
    bad = client.post(API, headers=manager, json={"work_type": "repair", "name": "X",
                                                  "fields": [{"key": "a", "label": "A", "kind": "colour"}]})
    assert bad.status_code == 422 and bad.json["status"] == "validation_error"
    assert client.get(f"{API}/999999", headers=agent).status_code == 404
