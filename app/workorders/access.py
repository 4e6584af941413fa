"""Who may see which work orders (row-level scoping by role).

- back office (admin, manager, agent, dispatcher) and warehouse: every order;
- engineer: orders scheduled to their own engineer record;
- partner_engineer: orders scheduled to any engineer of their partner company;
- customer: orders of the customer whose contact they are.
"""
from __future__ import annotations

from sqlalchemy import ColumnElement, false, select, true
from sqlalchemy.orm import Session

from app.auth.models import Role, User
from app.customers.models import Contact
from app.engineers.models import Engineer
from app.errors import NotFoundError, PermissionDeniedError
from app.workorders.models import WorkOrder

UNRESTRICTED_ROLES = frozenset({Role.ADMIN, Role.MANAGER, Role.AGENT, Role.DISPATCHER, Role.WAREHOUSE})


def visible_orders_clause(user: User) -> ColumnElement[bool]:
    """A WHERE clause on WorkOrder restricting it to what `user` may see."""
    if user.role in UNRESTRICTED_ROLES:
        return true()
    if user.role is Role.ENGINEER:
        return WorkOrder.scheduled_engineer_id.in_(select(Engineer.id).where(Engineer.user_id == user.id))
    if user.role is Role.PARTNER_ENGINEER:
        if user.partner_company_id is None:
            return false()
        return WorkOrder.scheduled_engineer_id.in_(
            select(Engineer.id).where(Engineer.partner_company_id == user.partner_company_id))
    if user.role is Role.CUSTOMER:
        return WorkOrder.customer_id.in_(select(Contact.customer_id).where(Contact.user_id == user.id))
    return false()


def customer_id_of(session: Session, user: User) -> int | None:
    """The customer a customer-role user speaks for (None for other roles)."""
    if user.role is not Role.CUSTOMER:
        return None
    return session.scalar(select(Contact.customer_id).where(Contact.user_id == user.id))


def get_visible_order(session: Session, order_id: int, user: User, *, for_update: bool = False) -> WorkOrder:
    """Load an order the user may see, optionally locking it (SELECT … FOR UPDATE).

    Raises NotFoundError both when it does not exist and when it is out of the
    user's scope, so ids of other customers' orders do not leak."""
    query = select(WorkOrder).where(WorkOrder.id == order_id, visible_orders_clause(user))
    if for_update:
        query = query.with_for_update(of=WorkOrder)
    order = session.scalar(query)
    if order is None:
        raise NotFoundError(f"Work order {order_id} not found", work_order_id=order_id)
    return order


def get_field_order(session: Session, order_id: int, user: User, *, for_update: bool = False) -> WorkOrder:
    """Load a job for the engineers' app, optionally locking it.

    Unlike `get_visible_order`, an order that exists but is someone else's answers
    403 `forbidden`, not 404: the phone asks about jobs it was once given, and
    "this job is no longer yours" (reassigned while offline) is what it must show."""
    query = select(WorkOrder).where(WorkOrder.id == order_id)
    if for_update:
        query = query.with_for_update(of=WorkOrder)
    order = session.scalar(query)
    if order is None:
        raise NotFoundError(f"Work order {order_id} not found", work_order_id=order_id)
    visible = session.scalar(select(WorkOrder.id).where(WorkOrder.id == order_id, visible_orders_clause(user)))
    if visible is None:
        raise PermissionDeniedError("This job is not assigned to you", work_order_id=order_id)
    return order
