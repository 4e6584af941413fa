"""Teams: groups of engineers with a queue of orders and a lead who answers for it.

Members are engineers (`Engineer.team_id`, set where engineers are edited); orders join
a team's queue through `WorkOrder.team_id` (agents, dispatchers, automation rules).
"""
from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from app.auth.models import Role, User
from app.engineers.models import Team
from app.errors import ConflictError, NotFoundError, ValidationFailedError

# A lead is told of the team's SLA warnings and rules' notices: someone in the back office.
LEAD_ROLES = frozenset({Role.DISPATCHER, Role.MANAGER, Role.ADMIN})


def team_query() -> Select:
    """Every team, by name."""
    return select(Team).order_by(Team.name, Team.id)


def get_team(session: Session, team_id: int) -> Team:
    """The team with this id. Raises NotFoundError."""
    team = session.get(Team, team_id)
    if team is None:
        raise NotFoundError(f"Team {team_id} not found", team_id=team_id)
    return team


def save_team(session: Session, team: Team | None = None, **fields) -> Team:
    """Create (team None) or change a team's `name` and `lead_user_id`.

    Raises ConflictError (name taken), NotFoundError (lead user unknown),
    ValidationFailedError (lead inactive or not a dispatcher, manager or admin)."""
    name = fields.get("name")
    if name is not None and session.scalar(select(Team.id).where(
            Team.name == name, Team.id != (team.id if team else -1))) is not None:
        raise ConflictError(f"A team named {name!r} exists", errors={"name": ["already taken"]})
    lead_id = fields.get("lead_user_id")
    if lead_id is not None:
        lead = session.get(User, lead_id)
        if lead is None:
            raise NotFoundError(f"User {lead_id} not found", user_id=lead_id)
        if not lead.is_active or lead.role not in LEAD_ROLES:
            raise ValidationFailedError("A team's lead is an active dispatcher, manager or admin",
                                        errors={"lead_user_id": [f"user {lead_id} is {lead.role.value}"
                                                                 + ("" if lead.is_active else ", inactive")]})
    if team is None:
        team = Team()
        session.add(team)
    for field, value in fields.items():
        setattr(team, field, value)
    session.flush()
    return team
