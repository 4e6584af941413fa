"""The transition table applied by `lifecycle.transition`, at the service level."""
from datetime import datetime, timedelta, timezone

import pytest

from app.auth.models import Role
from app.engineers.models import TimeOff
from app.errors import InvalidTransitionError, OpenChildrenError, PermissionDeniedError, ValidationFailedError
from app.geo import make_point
from app.workorders.lifecycle import TRANSITIONS, Action, EngineerUnavailableError, SkillMismatchError, transition
from app.workorders.models import EventKind, Status, WorkOrderEvent
from tests.factories import EngineerFactory, SiteFactory, UserFactory, WorkOrderFactory

TOMORROW_10 = (datetime.now(timezone.utc) + timedelta(days=1)).replace(hour=2, minute=0, second=0, microsecond=0)


@pytest.fixture
def dispatcher():
    return UserFactory(role=Role.DISPATCHER)


@pytest.fixture
def engineer():
    return EngineerFactory(skills={"hvac": 2})


def assign(session, order, dispatcher, engineer, start=TOMORROW_10, **extra):
    return transition(session, order=order, action=Action.ASSIGN, actor=dispatcher,
                      engineer_id=engineer.id, scheduled_start=start, **extra)


def events_of(session, order):
    return session.query(WorkOrderEvent).filter_by(work_order_id=order.id).order_by(WorkOrderEvent.id).all()


def test_a_whole_visit_from_new_to_closed(session, dispatcher, engineer):
    site = SiteFactory(location=make_point(121.4737, 31.2304), geofence_radius_m=150)
    order = WorkOrderFactory(site=site, skills={"hvac": 1})
    me = engineer.user
    phone_time = datetime.now(timezone.utc) - timedelta(hours=2)

    assign(session, order, dispatcher, engineer)
    assert (order.status, order.scheduled_engineer_id) == (Status.ASSIGNED, engineer.id)
    assert order.scheduled_end == TOMORROW_10 + timedelta(minutes=order.estimated_duration_min)
    transition(session, order=order, action=Action.ACCEPT, actor=me, device_time=phone_time)
    transition(session, order=order, action=Action.START_TRAVEL, actor=me, position=(121.40, 31.20))
    # ~55 m north of the site: inside its 150 m geofence.
    transition(session, order=order, action=Action.CHECK_IN, actor=me, position=(121.4737, 31.2309))
    transition(session, order=order, action=Action.HOLD, actor=me, reason="waiting_parts")
    assert (order.status, order.status_before_hold) == (Status.ON_HOLD, Status.ON_SITE)
    transition(session, order=order, action=Action.RESUME, actor=me)
    assert order.status is Status.ON_SITE and order.hold_reason is None
    transition(session, order=order, action=Action.RESOLVE, actor=me, resolution_code="replaced_part",
               resolution_notes="Compressor relay replaced")
    transition(session, order=order, action=Action.REQUEST_FEEDBACK, actor=UserFactory(role=Role.AGENT))
    transition(session, order=order, action=Action.CLOSE, actor=UserFactory(role=Role.MANAGER))
    assert order.status is Status.CLOSED and order.resolution_code == "replaced_part"

    everything = events_of(session, order)
    # The customer has no contact to send a rating link to: the resolve (and the agent's
    # request) leave a `customer_link` entry saying so instead of moving on by themselves.
    assert [(e.action, e.payload["reason"]) for e in everything if e.kind is EventKind.CUSTOMER_LINK] == [
        ("feedback_not_requested", "no_reachable_contact")] * 2
    events = [e for e in everything if e.kind is not EventKind.CUSTOMER_LINK]
    assert [(e.from_status, e.to_status) for e in events] == [
        (Status.NEW, Status.ASSIGNED), (Status.ASSIGNED, Status.ACCEPTED), (Status.ACCEPTED, Status.EN_ROUTE),
        (Status.EN_ROUTE, Status.ON_SITE), (Status.ON_SITE, Status.ON_HOLD), (Status.ON_HOLD, Status.ON_SITE),
        (Status.ON_SITE, Status.RESOLVED), (Status.RESOLVED, Status.AWAITING_FEEDBACK),
        (Status.AWAITING_FEEDBACK, Status.CLOSED)]
    assert all(e.kind is EventKind.STATUS_CHANGED for e in events)
    assert events[1].device_time == phone_time and events[1].actor_id == me.id
    check_in = events[3].payload
    assert 50 < check_in["distance_m"] < 60 and check_in["within_geofence"] is True
    assert events[0].payload["engineer_id"] == engineer.id
    session.refresh(engineer)
    assert engineer.last_position is not None and engineer.last_position_at is not None


def test_check_in_far_from_site_is_flagged(session, dispatcher, engineer):
    order = WorkOrderFactory(site=SiteFactory(location=make_point(121.4737, 31.2304), geofence_radius_m=200))
    assign(session, order, dispatcher, engineer)
    transition(session, order=order, action=Action.ACCEPT, actor=engineer.user)
    transition(session, order=order, action=Action.CHECK_IN, actor=engineer.user, position=(121.50, 31.2304))
    payload = events_of(session, order)[-1].payload
    assert payload["within_geofence"] is False
    assert 2400 < payload["distance_m"] < 2600   # ~2.5 km east


def _order_in(status, engineer, session, dispatcher):
    """An order brought to `status` through the table itself."""
    order = WorkOrderFactory()
    me = engineer.user
    path = {
        Status.NEW: [],
        Status.ASSIGNED: [Action.ASSIGN],
        Status.ACCEPTED: [Action.ASSIGN, Action.ACCEPT],
        Status.EN_ROUTE: [Action.ASSIGN, Action.ACCEPT, Action.START_TRAVEL],
        Status.ON_SITE: [Action.ASSIGN, Action.ACCEPT, Action.CHECK_IN],
        Status.ON_HOLD: [Action.HOLD],
        Status.RESOLVED: [Action.ASSIGN, Action.ACCEPT, Action.CHECK_IN, Action.RESOLVE],
        Status.AWAITING_FEEDBACK: [Action.ASSIGN, Action.ACCEPT, Action.CHECK_IN, Action.RESOLVE,
                                   Action.REQUEST_FEEDBACK],
        Status.CLOSED: [Action.ASSIGN, Action.ACCEPT, Action.CHECK_IN, Action.RESOLVE, Action.CLOSE],
        Status.CANCELLED: [Action.CANCEL],
    }[status]
    for step in path:
        actor = me if TRANSITIONS[step].field and step is not Action.HOLD else UserFactory(role=Role.ADMIN)
        params = {"engineer_id": engineer.id, "scheduled_start": TOMORROW_10 + timedelta(days=order.id % 30)} \
            if step is Action.ASSIGN else {}
        params |= {"reason": "other"} if step in (Action.HOLD, Action.CANCEL) else {}
        params |= {"resolution_code": "fixed"} if step is Action.RESOLVE else {}
        transition(session, order=order, action=step, actor=actor, **params)
    assert order.status is status
    return order


@pytest.mark.parametrize("status", list(Status))
def test_every_action_outside_the_table_is_invalid_transition(session, dispatcher, engineer, status):
    order = _order_in(status, engineer, session, dispatcher)
    admin = UserFactory(role=Role.ADMIN)
    refused = [a for a, rule in TRANSITIONS.items() if status not in rule.sources]
    for action in refused:
        with pytest.raises(InvalidTransitionError) as error:
            transition(session, order=order, action=action, actor=admin)
        assert error.value.details["current_status"] == status.value
        assert order.status is status


def test_field_actions_only_by_the_assigned_engineer(session, dispatcher, engineer):
    order = WorkOrderFactory()
    assign(session, order, dispatcher, engineer)
    other = EngineerFactory(skills={"hvac": 3})
    with pytest.raises(PermissionDeniedError):
        transition(session, order=order, action=Action.ACCEPT, actor=other.user)
    with pytest.raises(PermissionDeniedError):
        transition(session, order=order, action=Action.ACCEPT, actor=dispatcher)
    with pytest.raises(PermissionDeniedError):
        assign(session, order, engineer.user, engineer)
    assert order.status is Status.ASSIGNED


def test_assign_refuses_missing_skills(session, dispatcher):
    order = WorkOrderFactory(skills={"hvac": 3, "electrical": 1})
    novice = EngineerFactory(skills={"hvac": 2})
    with pytest.raises(SkillMismatchError) as error:
        assign(session, order, dispatcher, novice)
    assert error.value.details["missing"] == [{"skill": "electrical", "level": 1}, {"skill": "hvac", "level": 3}]
    assert order.status is Status.NEW and order.scheduled_engineer_id is None


def test_assign_refuses_time_off_overlap_and_full_days(session, dispatcher, engineer):
    session.add(TimeOff(engineer_id=engineer.id, starts_at=TOMORROW_10 + timedelta(days=5),
                        ends_at=TOMORROW_10 + timedelta(days=6)))
    with pytest.raises(EngineerUnavailableError, match="time off"):
        assign(session, WorkOrderFactory(), dispatcher, engineer, start=TOMORROW_10 + timedelta(days=5, hours=1))

    assign(session, WorkOrderFactory(), dispatcher, engineer)
    with pytest.raises(EngineerUnavailableError, match="booked"):
        assign(session, WorkOrderFactory(), dispatcher, engineer, start=TOMORROW_10 + timedelta(minutes=30))

    engineer.max_jobs_per_day = 2
    assign(session, WorkOrderFactory(), dispatcher, engineer, start=TOMORROW_10 + timedelta(hours=2))
    with pytest.raises(EngineerUnavailableError, match="max 2"):
        assign(session, WorkOrderFactory(), dispatcher, engineer, start=TOMORROW_10 + timedelta(hours=4))


def test_assign_outside_appointment_window_is_a_recorded_warning(session, dispatcher, engineer):
    order = WorkOrderFactory()
    assign(session, order, dispatcher, engineer, start=order.window_end + timedelta(hours=3))
    assert "outside_appointment_window" in events_of(session, order)[-1].payload["warnings"]


def test_a_dispatcher_may_override_blocking_warnings_and_they_are_recorded(session, dispatcher, engineer):
    assign(session, WorkOrderFactory(), dispatcher, engineer)
    order = WorkOrderFactory()
    transition(session, order=order, action=Action.ASSIGN, actor=dispatcher, engineer_id=engineer.id,
               scheduled_start=TOMORROW_10 + timedelta(minutes=30), override=True)
    assert order.status is Status.ASSIGNED
    payload = events_of(session, order)[-1].payload
    assert "overlap" in payload["warnings"] and payload["override"] is True


def test_the_refusal_lists_every_warning(session, dispatcher, engineer):
    assign(session, WorkOrderFactory(), dispatcher, engineer)
    with pytest.raises(EngineerUnavailableError) as refused:
        assign(session, WorkOrderFactory(), dispatcher, engineer, start=TOMORROW_10 + timedelta(minutes=30))
    codes = {warning["code"]: warning["blocking"] for warning in refused.value.details["warnings"]}
    assert codes["overlap"] is True


def test_decline_returns_the_order_to_the_queue(session, dispatcher, engineer):
    order = WorkOrderFactory()
    assign(session, order, dispatcher, engineer)
    transition(session, order=order, action=Action.DECLINE, actor=engineer.user, reason="too_far")
    assert order.status is Status.NEW
    assert (order.scheduled_engineer_id, order.scheduled_start, order.scheduled_end) == (None, None, None)
    assert events_of(session, order)[-1].payload == {"reason": "too_far", "comment": None,
                                                     "engineer_id": engineer.id}


def test_resume_without_engineer_goes_back_to_new(session, dispatcher, engineer):
    order = WorkOrderFactory()
    assign(session, order, dispatcher, engineer)
    transition(session, order=order, action=Action.HOLD, actor=dispatcher, reason="customer_unavailable")
    order.scheduled_engineer_id = None
    order.scheduled_engineer = None
    transition(session, order=order, action=Action.RESUME, actor=dispatcher)
    assert order.status is Status.NEW


def test_parent_cannot_be_resolved_while_a_child_is_open(session, dispatcher, engineer):
    parent = WorkOrderFactory()
    child = WorkOrderFactory(parent=parent, site=parent.site, customer=parent.customer)
    me = engineer.user
    assign(session, parent, dispatcher, engineer)
    transition(session, order=parent, action=Action.ACCEPT, actor=me)
    transition(session, order=parent, action=Action.CHECK_IN, actor=me)
    with pytest.raises(OpenChildrenError) as error:
        transition(session, order=parent, action=Action.RESOLVE, actor=me, resolution_code="fixed")
    assert error.value.details["open_children"] == [child.number]
    assert parent.status is Status.ON_SITE
    transition(session, order=child, action=Action.CANCEL, actor=dispatcher, reason="duplicate")
    transition(session, order=parent, action=Action.RESOLVE, actor=me, resolution_code="fixed")
    assert parent.status is Status.RESOLVED


def test_customer_cancels_only_while_new(session, dispatcher, engineer):
    customer = UserFactory(role=Role.CUSTOMER)
    fresh = WorkOrderFactory()
    transition(session, order=fresh, action=Action.CANCEL, actor=customer, reason="customer_request")
    assert fresh.status is Status.CANCELLED and fresh.cancel_reason == "customer_request"
    planned = WorkOrderFactory()
    assign(session, planned, dispatcher, engineer)
    with pytest.raises(PermissionDeniedError):
        transition(session, order=planned, action=Action.CANCEL, actor=customer, reason="customer_request")


def test_device_time_in_the_future_or_naive_is_refused(session, dispatcher, engineer):
    order = WorkOrderFactory()
    assign(session, order, dispatcher, engineer)
    with pytest.raises(ValidationFailedError):
        transition(session, order=order, action=Action.ACCEPT, actor=engineer.user,
                   device_time=datetime.now(timezone.utc) + timedelta(hours=1))
    with pytest.raises(ValidationFailedError):
        transition(session, order=order, action=Action.ACCEPT, actor=engineer.user,
                   device_time=datetime.now())
    assert order.status is Status.ASSIGNED
