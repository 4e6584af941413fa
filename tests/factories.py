"""factory_boy factories: they flush into the test's session, never commit."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import factory
from factory.alchemy import SQLAlchemyModelFactory

from app import db
from app.auth.models import PartnerCompany, Role, User
from app.auth.passwords import hash_password
from app.customers.models import Asset, Contact, Customer, CustomerTier, Site
from app.engineers.models import Engineer, EngineerSkill, Skill, Team, WorkingHours
from app.geo import make_point
from app.workorders.models import Channel, Priority, Rating, Status, WorkOrder, WorkOrderSkill, WorkType

TEST_PASSWORD = "correct-horse-battery"
_PASSWORD_HASH = None


def _password_hash() -> str:
    global _PASSWORD_HASH
    if _PASSWORD_HASH is None:
        _PASSWORD_HASH = hash_password(TEST_PASSWORD)
    return _PASSWORD_HASH


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.db_session()  # noqa: E731
        sqlalchemy_session_persistence = "flush"


class PartnerCompanyFactory(BaseFactory):
    class Meta:
        model = PartnerCompany

    name = factory.Sequence(lambda n: f"Partner Co {n}")


class UserFactory(BaseFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.test")
    name = factory.Sequence(lambda n: f"User {n}")
    role = Role.AGENT
    password_hash = factory.LazyFunction(_password_hash)
    is_active = True
    locale = "en"


class CustomerFactory(BaseFactory):
    class Meta:
        model = Customer

    name = factory.Sequence(lambda n: f"Customer {n}")
    tier = CustomerTier.STANDARD


class ContactFactory(BaseFactory):
    class Meta:
        model = Contact

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Sequence(lambda n: f"Contact {n}")
    phone = "+86 21 5555 0000"


class SiteFactory(BaseFactory):
    class Meta:
        model = Site

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Sequence(lambda n: f"Site {n}")
    address = "200 Century Avenue, Pudong, Shanghai"
    district = "Pudong"
    # People's Square by default; tests pass `location=make_point(lon, lat)`.
    location = factory.LazyFunction(lambda: make_point(121.4737, 31.2304))
    geofence_radius_m = 200


class AssetFactory(BaseFactory):
    class Meta:
        model = Asset

    site = factory.SubFactory(SiteFactory)
    model = "Daikin VRV IV"
    serial_number = factory.Sequence(lambda n: f"SN{n:06d}")
    installed_on = date(2024, 5, 1)
    warranty_until = date(2027, 5, 1)


class SkillFactory(BaseFactory):
    class Meta:
        model = Skill
        sqlalchemy_get_or_create = ("code",)

    code = "hvac"
    name_en = factory.LazyAttribute(lambda o: o.code.upper())
    name_zh = factory.LazyAttribute(lambda o: o.code)


class TeamFactory(BaseFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")


class EngineerFactory(BaseFactory):
    class Meta:
        model = Engineer

    user = factory.SubFactory(UserFactory, role=Role.ENGINEER)
    home_base = factory.LazyFunction(lambda: make_point(121.45, 31.22))
    home_district = "Jing'an"
    max_jobs_per_day = 8

    @factory.post_generation
    def skills(obj, create, extracted, **kwargs):
        """EngineerFactory(skills={"hvac": 2}) gives the engineer those skills."""
        for code, level in (extracted or {}).items():
            SkillFactory(code=code)
            obj.skills.append(EngineerSkill(skill_code=code, level=level))
        if extracted:
            db.db_session().flush()

    @factory.post_generation
    def weekdays(obj, create, extracted, **kwargs):
        """Monday–Friday 08:30–17:30 unless `weekdays=False`."""
        if extracted is False:
            return
        for weekday in range(5):
            obj.working_hours.append(WorkingHours(weekday=weekday, starts=time(8, 30), ends=time(17, 30)))
        db.db_session().flush()


def _tomorrow_at(hour: int) -> datetime:
    day = (datetime.now(timezone.utc) + timedelta(days=1)).date()
    return datetime.combine(day, time(hour), tzinfo=timezone.utc)


class WorkOrderFactory(BaseFactory):
    class Meta:
        model = WorkOrder

    number = factory.Sequence(lambda n: f"WO-2026-9{n:05d}")
    channel = Channel.PHONE
    work_type = WorkType.REPAIR
    priority = Priority.NORMAL
    status = Status.NEW
    title = factory.Sequence(lambda n: f"Air conditioner fault {n}")
    description = "Unit blows warm air."
    site = factory.SubFactory(SiteFactory)
    customer = factory.SelfAttribute("site.customer")
    estimated_duration_min = 60
    window_start = factory.LazyFunction(lambda: _tomorrow_at(1))
    window_end = factory.LazyFunction(lambda: _tomorrow_at(5))

    @factory.post_generation
    def skills(obj, create, extracted, **kwargs):
        """WorkOrderFactory(skills={"hvac": 1})."""
        for code, level in (extracted or {}).items():
            SkillFactory(code=code)
            obj.required_skills.append(WorkOrderSkill(skill_code=code, level=level))
        if extracted:
            db.db_session().flush()


class RatingFactory(BaseFactory):
    class Meta:
        model = Rating

    # RatingFactory(work_order_id=order.id, csat=3); a closed order of its own otherwise.
    work_order_id = factory.LazyFunction(lambda: WorkOrderFactory(status=Status.CLOSED).id)
    csat = 5
    nps = 9
    comment = "Quick and tidy."
    source = "link"
    rated_at = factory.LazyFunction(lambda: datetime.now(timezone.utc))
