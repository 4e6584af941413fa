"""Other parts of the system react to work-order transitions without the lifecycle
knowing them: they register a function here at start-up, and it runs inside the
transition's transaction (a failure aborts the transition)."""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from app.auth.models import User
from app.workorders.models import Status, WorkOrder

# (session, order, actor, from_status) -> None, called after the order has its new status.
TransitionHook = Callable[[Session, WorkOrder, User, Status], None]
_hooks: list[TransitionHook] = []


def on_transition(hook: TransitionHook) -> TransitionHook:
    """Register `hook` (once) for every transition; usable as a decorator."""
    if hook not in _hooks:
        _hooks.append(hook)
    return hook


def run_transition_hooks(session: Session, order: WorkOrder, actor: User, from_status: Status) -> None:
    for hook in _hooks:
        hook(session, order, actor, from_status)
