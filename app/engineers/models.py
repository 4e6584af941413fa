"""Engineers and what the dispatcher needs to know about them."""
from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import CheckConstraint, ForeignKey, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import PartnerCompany, User
from app.db import Base, TimestampMixin
from app.geo import point_column_type


class Skill(Base):
    """The skill catalogue (`hvac`, `electrical`…): codes that orders and engineers share."""
    __tablename__ = "skills"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name_en: Mapped[str] = mapped_column(String(100))
    name_zh: Mapped[str] = mapped_column(String(100))


class Team(Base, TimestampMixin):
    """A group of engineers with a queue of its own (`HVAC east 暖通东区`): orders can be
    given to a team before an engineer is chosen, and KPIs are reported per team."""
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # The dispatcher who answers for the team's queue (notified of its SLA warnings).
    lead_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Engineer(Base, TimestampMixin):
    __tablename__ = "engineers"
    __table_args__ = (CheckConstraint("max_jobs_per_day BETWEEN 1 AND 50", name="max_jobs_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    home_base = mapped_column(point_column_type(), nullable=False)
    home_district: Mapped[str | None] = mapped_column(String(100))
    max_jobs_per_day: Mapped[int] = mapped_column(default=8)
    partner_company_id: Mapped[int | None] = mapped_column(ForeignKey("partner_companies.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    last_position = mapped_column(point_column_type(), nullable=True)
    last_position_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
    partner_company: Mapped[PartnerCompany | None] = relationship()
    team: Mapped[Team | None] = relationship()
    skills: Mapped[list[EngineerSkill]] = relationship(
        back_populates="engineer", cascade="all, delete-orphan", order_by="EngineerSkill.skill_code")
    working_hours: Mapped[list[WorkingHours]] = relationship(
        back_populates="engineer", cascade="all, delete-orphan",
        order_by="(WorkingHours.weekday, WorkingHours.starts)")
    time_off: Mapped[list[TimeOff]] = relationship(
        back_populates="engineer", cascade="all, delete-orphan", order_by="TimeOff.starts_at")

    @property
    def name(self) -> str:
        return self.user.name


class EngineerSkill(Base):
    __tablename__ = "engineer_skills"
    __table_args__ = (CheckConstraint("level BETWEEN 1 AND 3", name="level_range"),)

    engineer_id: Mapped[int] = mapped_column(ForeignKey("engineers.id", ondelete="CASCADE"), primary_key=True)
    skill_code: Mapped[str] = mapped_column(ForeignKey("skills.code"), primary_key=True)
    level: Mapped[int] = mapped_column(SmallInteger)

    engineer: Mapped[Engineer] = relationship(back_populates="skills")


class WorkingHours(Base):
    """One working period on a weekday (0 = Monday), in the organisation's time zone."""
    __tablename__ = "engineer_working_hours"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("ends > starts", name="period_ordered"),
        UniqueConstraint("engineer_id", "weekday", "starts", name="uq_engineer_working_hours_period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    engineer_id: Mapped[int] = mapped_column(ForeignKey("engineers.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(SmallInteger)
    starts: Mapped[time]
    ends: Mapped[time]

    engineer: Mapped[Engineer] = relationship(back_populates="working_hours")


class TimeOff(Base):
    __tablename__ = "engineer_time_off"
    __table_args__ = (CheckConstraint("ends_at > starts_at", name="period_ordered"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    engineer_id: Mapped[int] = mapped_column(ForeignKey("engineers.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    reason: Mapped[str | None] = mapped_column(String(200))

    engineer: Mapped[Engineer] = relationship(back_populates="time_off")
