"""The skill catalogue and engineers: who they are, what they can do, when they work.

List functions return SELECT statements for the caller to paginate; the others load,
create or change rows, flush, and raise DomainErrors for input that breaks a rule.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, time, timezone
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, false, select, true
from sqlalchemy.orm import Session, selectinload

from app.auth.models import Role, User
from app.engineers.models import Engineer, EngineerSkill, Skill, Team, TimeOff, WorkingHours
from app.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationFailedError
from app.geo import BoundingBox, make_point, within_box

SKILL_CODE_PATTERN = r"^[a-z][a-z0-9_]{1,39}$"
ENGINEER_FIELDS = frozenset({"home_base", "home_district", "max_jobs_per_day", "is_active", "team_id"})
ENGINEER_ROLES = frozenset({Role.ENGINEER, Role.PARTNER_ENGINEER})

# Everything an engineer's JSON shows, loaded in one query per relationship for a whole page.
_ENGINEER_LOAD_OPTIONS = (
    selectinload(Engineer.user),
    selectinload(Engineer.partner_company),
    selectinload(Engineer.skills),
    selectinload(Engineer.working_hours),
)


# --- skill catalogue ---------------------------------------------------------------------

def skill_query() -> Select:
    """The skill catalogue by code."""
    return select(Skill).order_by(Skill.code)


def create_skill(session: Session, *, code: str, name_en: str, name_zh: str) -> Skill:
    """Add a skill to the catalogue. Raises ConflictError when the code exists."""
    if session.get(Skill, code) is not None:
        raise ConflictError(f"Skill {code!r} exists", errors={"code": ["already in the catalogue"]})
    skill = Skill(code=code, name_en=name_en, name_zh=name_zh)
    session.add(skill)
    session.flush()
    return skill


def _check_skills(session: Session, skills: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """`skills` as ``{skill_code: level}``, each code once and in the catalogue.
    Raises ValidationFailedError."""
    levels: dict[str, int] = {}
    repeated = set()
    for item in skills:
        if item["skill_code"] in levels:
            repeated.add(item["skill_code"])
        levels[item["skill_code"]] = item["level"]
    if repeated:
        raise ValidationFailedError("Each skill may appear once", errors={"skills": [
            f"{code!r} is listed more than once" for code in sorted(repeated)]})
    known = set(session.scalars(select(Skill.code).where(Skill.code.in_(levels))))
    unknown = sorted(set(levels) - known)
    if unknown:
        raise ValidationFailedError("Unknown skills: " + ", ".join(unknown), errors={"skills": [
            f"{code!r} is not in the skill catalogue" for code in unknown]})
    return levels


# --- who sees which engineers ------------------------------------------------------------

def visible_engineers_clause(viewer: User) -> ColumnElement[bool]:
    """A WHERE clause on Engineer restricting it to what `viewer` may see: partner
    engineers see their company's engineers, engineers only themselves."""
    if viewer.role is Role.PARTNER_ENGINEER:
        if viewer.partner_company_id is None:
            return false()
        return Engineer.partner_company_id == viewer.partner_company_id
    if viewer.role is Role.ENGINEER:
        return Engineer.user_id == viewer.id
    return true()


def engineer_query(*, viewer: User, skill: str | None = None, min_level: int = 1, district: str | None = None,
                   partner_company_id: int | None = None, active: bool | None = None,
                   team_id: int | None = None) -> Select:
    """Engineers `viewer` may see that match every filter given, by id."""
    query = (select(Engineer).where(visible_engineers_clause(viewer))
             .options(*_ENGINEER_LOAD_OPTIONS).order_by(Engineer.id))
    if skill:
        query = query.where(Engineer.skills.any((EngineerSkill.skill_code == skill)
                                                & (EngineerSkill.level >= min_level)))
    if district:
        query = query.where(Engineer.home_district == district)
    if partner_company_id is not None:
        query = query.where(Engineer.partner_company_id == partner_company_id)
    if active is not None:
        query = query.where(Engineer.is_active.is_(active))
    if team_id is not None:
        query = query.where(Engineer.team_id == team_id)
    return query


def get_engineer(session: Session, engineer_id: int) -> Engineer:
    """The engineer with this id. Raises NotFoundError."""
    engineer = session.get(Engineer, engineer_id)
    if engineer is None:
        raise NotFoundError(f"Engineer {engineer_id} not found", engineer_id=engineer_id)
    return engineer


def get_visible_engineer(session: Session, engineer_id: int, *, viewer: User) -> Engineer:
    """The engineer with this id if `viewer` may see it; NotFoundError otherwise, so
    ids outside the viewer's scope look like unknown ids."""
    engineer = session.scalar(select(Engineer).where(Engineer.id == engineer_id, visible_engineers_clause(viewer))
                              .options(*_ENGINEER_LOAD_OPTIONS))
    if engineer is None:
        raise NotFoundError(f"Engineer {engineer_id} not found", engineer_id=engineer_id)
    return engineer


def engineer_of_user(session: Session, user: User) -> Engineer:
    """The engineer record of a field user (the phone's caller). Raises
    PermissionDeniedError when the account has none: it cannot report positions or
    expenses."""
    engineer = session.scalar(select(Engineer).where(Engineer.user_id == user.id))
    if engineer is None:
        raise PermissionDeniedError("This account has no engineer record", user_id=user.id)
    return engineer


def map_engineers_query(*, viewer: User, bbox: BoundingBox | None = None) -> Select:
    """Active engineers `viewer` may see whose position is known, optionally inside a box."""
    query = (select(Engineer)
             .where(visible_engineers_clause(viewer), Engineer.is_active.is_(True),
                    Engineer.last_position.is_not(None))
             .options(selectinload(Engineer.user), selectinload(Engineer.partner_company),
                      selectinload(Engineer.skills))
             .order_by(Engineer.id))
    if bbox is not None:
        query = query.where(within_box(Engineer.last_position, bbox))
    return query


# --- creating and changing engineers -----------------------------------------------------

def create_engineer(session: Session, *, user_id: int, home_base: tuple[float, float],
                    home_district: str | None = None, max_jobs_per_day: int = 8,
                    partner_company_id: int | None = None, skills: Sequence[Mapping[str, Any]] = (),
                    is_active: bool = True, team_id: int | None = None) -> Engineer:
    """Make an existing user of role engineer or partner_engineer plannable.

    `home_base` is (lon, lat); `skills` items are ``{"skill_code", "level"}``. A partner
    engineer belongs to its user's partner company (taken from the user when not given);
    an in-house engineer to none.

    Raises NotFoundError (user, team), ValidationFailedError (role, partner company, skills),
    ConflictError (the user already has an engineer record)."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError(f"User {user_id} not found", user_id=user_id)
    if user.role not in ENGINEER_ROLES:
        raise ValidationFailedError("Only a user of role engineer or partner_engineer can be an engineer",
                                    errors={"user_id": [f"user has role {user.role.value!r}"]})
    if partner_company_id is None:
        partner_company_id = user.partner_company_id
    if partner_company_id != user.partner_company_id:
        expected = "the user's own partner company" if user.role is Role.PARTNER_ENGINEER else "none"
        raise ValidationFailedError("The partner company must be the user's own",
                                    errors={"partner_company_id": [f"expected {expected}"]})
    if session.scalar(select(exists().where(Engineer.user_id == user_id))):
        raise ConflictError("This user already has an engineer record", errors={"user_id": ["already an engineer"]})
    levels = _check_skills(session, skills)
    if team_id is not None:
        _check_team(session, team_id)
    # Sorted by code, as the relationship loads them, so the answer reads like a GET.
    engineer = Engineer(user_id=user_id, home_base=make_point(*home_base), home_district=home_district,
                        max_jobs_per_day=max_jobs_per_day, partner_company_id=partner_company_id,
                        is_active=is_active, team_id=team_id,
                        skills=[EngineerSkill(skill_code=code, level=level) for code, level in sorted(levels.items())])
    session.add(engineer)
    session.flush()
    return engineer


def update_engineer(session: Session, *, engineer_id: int, **changes: Any) -> Engineer:
    """Change an engineer's home base (lon, lat), district, daily job limit, activity or
    team (None: no team). Raises NotFoundError (engineer, team)."""
    engineer = get_engineer(session, engineer_id)
    unexpected = set(changes) - ENGINEER_FIELDS
    if unexpected:
        raise TypeError(f"Engineer fields not editable here: {sorted(unexpected)}")
    if "home_base" in changes:
        changes = {**changes, "home_base": make_point(*changes["home_base"])}
    if changes.get("team_id") is not None:
        _check_team(session, changes["team_id"])
    for field, value in changes.items():
        setattr(engineer, field, value)
    session.flush()
    return engineer


def _check_team(session: Session, team_id: int) -> None:
    if session.get(Team, team_id) is None:
        raise NotFoundError(f"Team {team_id} not found", team_id=team_id)


def replace_skills(session: Session, *, engineer_id: int, skills: Sequence[Mapping[str, Any]]) -> Engineer:
    """Make `skills` (items ``{"skill_code", "level"}``) the engineer's whole skill set.
    Raises NotFoundError, ValidationFailedError (unknown or repeated skills)."""
    engineer = get_engineer(session, engineer_id)
    levels = _check_skills(session, skills)
    # Change rows in place: deleting and re-inserting the same (engineer, skill) key in
    # one flush would collide on the primary key.
    for held in list(engineer.skills):
        if held.skill_code in levels:
            held.level = levels.pop(held.skill_code)
        else:
            engineer.skills.remove(held)
    engineer.skills.extend(EngineerSkill(skill_code=code, level=level) for code, level in levels.items())
    session.flush()
    session.refresh(engineer, ["skills"])
    return engineer


def overlapping_periods(periods: Iterable[Mapping[str, Any]]) -> list[tuple[int, time, time]]:
    """Pure: the periods (weekday, starts, ends) that start before an earlier-starting
    period of the same day has ended. Touching periods (one ends when the next
    starts) do not overlap."""
    overlaps = []
    latest_end: dict[int, time] = {}
    for weekday, starts, ends in sorted((p["weekday"], p["starts"], p["ends"]) for p in periods):
        if weekday in latest_end and starts < latest_end[weekday]:
            overlaps.append((weekday, starts, ends))
        latest_end[weekday] = max(ends, latest_end.get(weekday, ends))
    return overlaps


def replace_working_hours(session: Session, *, engineer_id: int,
                          periods: Sequence[Mapping[str, Any]]) -> Engineer:
    """Make `periods` (items ``{"weekday", "starts", "ends"}``) the engineer's whole
    weekly schedule. Raises NotFoundError, ValidationFailedError (overlapping periods)."""
    engineer = get_engineer(session, engineer_id)
    overlaps = overlapping_periods(periods)
    if overlaps:
        raise ValidationFailedError("Working periods on the same day overlap", errors={"working_hours": [
            f"weekday {weekday}: {starts:%H:%M}–{ends:%H:%M} overlaps an earlier period"
            for weekday, starts, ends in overlaps]})
    engineer.working_hours.clear()
    # The old rows must be gone before new ones reuse their (engineer, weekday, starts).
    session.flush()
    engineer.working_hours.extend(WorkingHours(weekday=p["weekday"], starts=p["starts"], ends=p["ends"])
                                  for p in periods)
    session.flush()
    session.refresh(engineer, ["working_hours"])
    return engineer


# --- time off ----------------------------------------------------------------------------

def time_off_query(*, engineer_id: int) -> Select:
    """An engineer's time off, earliest first."""
    return select(TimeOff).where(TimeOff.engineer_id == engineer_id).order_by(TimeOff.starts_at, TimeOff.id)


def add_time_off(session: Session, *, engineer_id: int, starts_at: datetime, ends_at: datetime,
                 reason: str | None = None) -> TimeOff:
    """Record a period when the engineer is not available.
    Raises NotFoundError, ValidationFailedError (naive or unordered timestamps)."""
    get_engineer(session, engineer_id)
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise ValidationFailedError("Time off needs timestamps with a UTC offset")
    if ends_at <= starts_at:
        raise ValidationFailedError("Time off must end after it starts", errors={"ends_at": ["before starts_at"]})
    # In UTC, as the database hands it back, so this answer reads like a later GET.
    time_off = TimeOff(engineer_id=engineer_id, starts_at=starts_at.astimezone(timezone.utc),
                       ends_at=ends_at.astimezone(timezone.utc), reason=reason)
    session.add(time_off)
    session.flush()
    return time_off


def delete_time_off(session: Session, *, engineer_id: int, time_off_id: int) -> None:
    """Remove one period of the engineer's time off. Raises NotFoundError."""
    time_off = session.get(TimeOff, time_off_id)
    if time_off is None or time_off.engineer_id != engineer_id:
        raise NotFoundError(f"Time off {time_off_id} of engineer {engineer_id} not found",
                            engineer_id=engineer_id, time_off_id=time_off_id)
    session.delete(time_off)
    session.flush()
