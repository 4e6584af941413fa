"""The skill catalogue, engineers, their schedules and their positions on the map."""
from __future__ import annotations

from flask.views import MethodView
from flask_jwt_extended import current_user

from app.api import Blueprint, ErrorSchema
from app.auth.models import Role
from app.db import get_session, unit_of_work
from app.engineers import service
from app.engineers.schemas import (EngineerCreateSchema, EngineerFeatureCollectionSchema,
                                   EngineerMapQueryArgsSchema, EngineerQueryArgsSchema, EngineerSchema,
                                   EngineerSkillsReplaceSchema, EngineerUpdateSchema, SkillCreateSchema,
                                   SkillSchema, TimeOffSchema, WorkingHoursReplaceSchema)
from app.pagination import paginate

skills_blp = Blueprint("skills", __name__, url_prefix="/api/v1",
                       description="The skill catalogue shared by work orders and engineers")
engineers_blp = Blueprint("engineers", __name__, url_prefix="/api/v1",
                          description="Engineers: skills, working hours, time off and positions")

SKILL_READ_ROLES = tuple(role for role in Role if role is not Role.CUSTOMER)
# Engineers and partner engineers see only themselves / their company (service scoping).
ENGINEER_READ_ROLES = (Role.MANAGER, Role.DISPATCHER, Role.AGENT, Role.PARTNER_ENGINEER, Role.ENGINEER)
SCHEDULE_ROLES = (Role.MANAGER, Role.DISPATCHER)
MAP_ROLES = (Role.MANAGER, Role.DISPATCHER, Role.AGENT, Role.PARTNER_ENGINEER)


@skills_blp.route("/skills")
class Skills(MethodView):
    @skills_blp.response(200, SkillSchema(many=True))
    @skills_blp.paginate(page_size=100)
    @skills_blp.requires_role(*SKILL_READ_ROLES)
    def get(self, pagination_parameters):
        """The skill catalogue, by code."""
        return paginate(get_session(), service.skill_query(), pagination_parameters)

    @skills_blp.arguments(SkillCreateSchema)
    @skills_blp.response(201, SkillSchema)
    @skills_blp.alt_response(409, schema=ErrorSchema, description="The code is in the catalogue")
    @skills_blp.requires_role(Role.MANAGER)
    def post(self, data):
        """Add a skill to the catalogue.

        The code is permanent: work orders and engineers refer to it."""
        with unit_of_work() as session:
            return service.create_skill(session, **data)


@engineers_blp.route("/engineers")
class Engineers(MethodView):
    @engineers_blp.arguments(EngineerQueryArgsSchema, location="query")
    @engineers_blp.response(200, EngineerSchema(many=True))
    @engineers_blp.paginate()
    @engineers_blp.requires_role(*ENGINEER_READ_ROLES)
    def get(self, args, pagination_parameters):
        """List engineers, by id.

        Filters: `skill` (with `min_level`, default 1), home `district`,
        `partner_company_id`, `team_id`, `active`. A partner engineer sees only its company's
        engineers, an engineer only itself."""
        query = service.engineer_query(viewer=current_user, **args)
        return paginate(get_session(), query, pagination_parameters)

    @engineers_blp.arguments(EngineerCreateSchema)
    @engineers_blp.response(201, EngineerSchema)
    @engineers_blp.alt_response(404, schema=ErrorSchema, description="No such user or team")
    @engineers_blp.alt_response(409, schema=ErrorSchema, description="The user already has an engineer record")
    @engineers_blp.alt_response(422, schema=ErrorSchema, description=(
        "Invalid input; the user's role is not engineer or partner_engineer; the partner company is "
        "not the user's own; or a skill is not in the catalogue"))
    @engineers_blp.requires_role(Role.MANAGER)
    def post(self, data):
        """Make an existing user an engineer the dispatcher can plan.

        The user must have role `engineer` or `partner_engineer`. A partner engineer
        belongs to its own partner company (the default when `partner_company_id` is
        left out). Skills must come from the catalogue (`GET /skills`)."""
        with unit_of_work() as session:
            return service.create_engineer(session, **data)


@engineers_blp.route("/engineers/<int:engineer_id>")
class EngineerById(MethodView):
    @engineers_blp.response(200, EngineerSchema)
    @engineers_blp.alt_response(404, schema=ErrorSchema, description="No such engineer, or outside the caller's scope")
    @engineers_blp.requires_role(*ENGINEER_READ_ROLES)
    def get(self, engineer_id):
        """An engineer, with skills and working hours."""
        return service.get_visible_engineer(get_session(), engineer_id, viewer=current_user)

    @engineers_blp.arguments(EngineerUpdateSchema)
    @engineers_blp.response(200, EngineerSchema)
    @engineers_blp.alt_response(404, schema=ErrorSchema, description="No such engineer or team")
    @engineers_blp.requires_role(*SCHEDULE_ROLES)
    def patch(self, data, engineer_id):
        """Change an engineer's home base, home district, daily job limit, activity or team."""
        with unit_of_work() as session:
            return service.update_engineer(session, engineer_id=engineer_id, **data)


@engineers_blp.route("/engineers/<int:engineer_id>/skills")
class EngineerSkills(MethodView):
    @engineers_blp.arguments(EngineerSkillsReplaceSchema)
    @engineers_blp.response(200, EngineerSchema)
    @engineers_blp.alt_response(404, schema=ErrorSchema, description="No such engineer")
    @engineers_blp.alt_response(422, schema=ErrorSchema,
                                description="Invalid input, a skill outside the catalogue, or a skill listed twice")
    @engineers_blp.requires_role(Role.MANAGER)
    def put(self, data, engineer_id):
        """Replace the engineer's skills with the list sent (an empty list removes all)."""
        with unit_of_work() as session:
            return service.replace_skills(session, engineer_id=engineer_id, skills=data["skills"])


@engineers_blp.route("/engineers/<int:engineer_id>/working-hours")
class EngineerWorkingHours(MethodView):
    @engineers_blp.arguments(WorkingHoursReplaceSchema)
    @engineers_blp.response(200, EngineerSchema)
    @engineers_blp.alt_response(404, schema=ErrorSchema, description="No such engineer")
    @engineers_blp.alt_response(422, schema=ErrorSchema, description=(
        "Invalid input, a period that ends before it starts, or overlapping periods"))
    @engineers_blp.requires_role(*SCHEDULE_ROLES)
    def put(self, data, engineer_id):
        """Replace the engineer's weekly working hours.

        Each period is a weekday (0 = Monday) with `starts` and `ends` as `HH:MM` in
        the organisation's time zone. A day may hold several periods (a lunch break
        splits one) but they may not overlap."""
        with unit_of_work() as session:
            return service.replace_working_hours(session, engineer_id=engineer_id, periods=data["working_hours"])


@engineers_blp.route("/engineers/<int:engineer_id>/time-off")
class EngineerTimeOff(MethodView):
    @engineers_blp.response(200, TimeOffSchema(many=True))
    @engineers_blp.alt_response(404, schema=ErrorSchema, description="No such engineer")
    @engineers_blp.paginate()
    @engineers_blp.requires_role(*SCHEDULE_ROLES)
    def get(self, engineer_id, pagination_parameters):
        """The engineer's time off, earliest first."""
        session = get_session()
        service.get_engineer(session, engineer_id)
        return paginate(session, service.time_off_query(engineer_id=engineer_id), pagination_parameters)

    @engineers_blp.arguments(TimeOffSchema)
    @engineers_blp.response(201, TimeOffSchema)
    @engineers_blp.alt_response(404, schema=ErrorSchema, description="No such engineer")
    @engineers_blp.requires_role(*SCHEDULE_ROLES)
    def post(self, data, engineer_id):
        """Record a period when the engineer cannot be planned (leave, training…).

        Timestamps are ISO 8601 with a UTC offset; `ends_at` must be after `starts_at`."""
        with unit_of_work() as session:
            return service.add_time_off(session, engineer_id=engineer_id, **data)


@engineers_blp.route("/engineers/<int:engineer_id>/time-off/<int:time_off_id>")
class EngineerTimeOffById(MethodView):
    @engineers_blp.response(204)
    @engineers_blp.alt_response(404, schema=ErrorSchema, description="No such engineer or time off")
    @engineers_blp.requires_role(*SCHEDULE_ROLES)
    def delete(self, engineer_id, time_off_id):
        """Cancel a period of time off."""
        with unit_of_work() as session:
            service.delete_time_off(session, engineer_id=engineer_id, time_off_id=time_off_id)


@engineers_blp.route("/map/engineers")
class EngineerMap(MethodView):
    @engineers_blp.arguments(EngineerMapQueryArgsSchema, location="query")
    @engineers_blp.response(200, EngineerFeatureCollectionSchema)
    @engineers_blp.requires_role(*MAP_ROLES)
    def get(self, args):
        """Map layer: active engineers at their last reported position.

        A GeoJSON FeatureCollection of Points; each feature's properties hold the
        engineer's id, name, skills, partner company and when the position was
        reported. Engineers whose position is unknown are left out; `bbox` keeps
        those inside the map's view. A partner engineer sees only its company's."""
        engineers = get_session().scalars(service.map_engineers_query(viewer=current_user, **args)).all()
        return {"features": [{"geometry": engineer.last_position, "properties": engineer}
                             for engineer in engineers]}
