"""The consoles a signed-in user can open, in the order their role uses them most."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l

from app.auth.models import Role, User

M, A, D, W, ADMIN = Role.MANAGER, Role.AGENT, Role.DISPATCHER, Role.WAREHOUSE, Role.ADMIN


@dataclass(frozen=True)
class Console:
    endpoint: str
    label: object          # a lazy translation, rendered in the request's language
    roles: frozenset[Role]


# A console appears in the menu once its page module is registered (see consoles/__init__).
CONSOLES = (
    Console("dispatch_console.map", _l("Dispatch"), frozenset({D, M, A, ADMIN})),
    Console("work_order_pages.index", _l("Work orders"), frozenset({A, D, M, ADMIN})),
    Console("warehouse_console.desk", _l("Warehouse"), frozenset({W, M, ADMIN})),
    Console("dashboard_console.dashboard", _l("Dashboard"), frozenset({M, ADMIN, D})),
)
# How a role is named on the pages.
ROLE_LABELS = {Role.ADMIN: _l("admin"), Role.MANAGER: _l("manager"), Role.AGENT: _l("agent"),
               Role.DISPATCHER: _l("dispatcher"), Role.WAREHOUSE: _l("warehouse"), Role.ENGINEER: _l("engineer"),
               Role.PARTNER_ENGINEER: _l("partner_engineer"), Role.CUSTOMER: _l("customer")}
# Where each role lands after signing in.
HOME_FIRST = {D: "dispatch_console.map", A: "work_order_pages.index", W: "warehouse_console.desk",
              M: "dashboard_console.dashboard", ADMIN: "dashboard_console.dashboard"}


def consoles_for(user: User) -> list[dict]:
    """The menu: label and URL of each console this user may open."""
    views = current_app.view_functions
    return [{"label": str(console.label), "url": url_for(console.endpoint), "endpoint": console.endpoint}
            for console in CONSOLES if user.role in console.roles and console.endpoint in views]


def home_of(user: User) -> str | None:
    """The URL of the console this user starts in, None when none is installed."""
    menu = consoles_for(user)
    first = HOME_FIRST.get(user.role)
    for item in menu:
        if item["endpoint"] == first:
            return item["url"]
    return menu[0]["url"] if menu else None
