"""Teams under /api/v1/teams: the back office reads them, managers keep them."""
from __future__ import annotations

from flask.views import MethodView

from app.api import Blueprint, ErrorSchema
from app.auth.models import Role
from app.db import get_session, unit_of_work
from app.engineers import teams
from app.engineers.teams_schemas import TeamCreateSchema, TeamSchema, TeamUpdateSchema
from app.pagination import paginate

blp = Blueprint("teams", __name__, url_prefix="/api/v1/teams",
                description="Teams of engineers, each with a queue of orders and a lead")

READERS = (Role.MANAGER, Role.DISPATCHER, Role.AGENT)
EDITORS = (Role.MANAGER,)


@blp.route("")
class Teams(MethodView):
    @blp.requires_role(*READERS)
    @blp.response(200, TeamSchema(many=True))
    @blp.paginate(page_size=100)
    def get(self, pagination_parameters):
        """List teams by name. Their engineers: `GET /engineers?team_id=`; their queue:
        `GET /work-orders?team_id=`."""
        return paginate(get_session(), teams.team_query(), pagination_parameters)

    @blp.requires_role(*EDITORS)
    @blp.arguments(TeamCreateSchema)
    @blp.response(201, TeamSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="The lead user is unknown (`not_found`)")
    @blp.alt_response(409, schema=ErrorSchema, description="The name is taken (`conflict`)")
    @blp.alt_response(422, schema=ErrorSchema, description=(
        "Invalid body, or a lead who is not an active dispatcher, manager or admin (`validation_error`)"))
    def post(self, data):
        """Create a team. Engineers join it through `PATCH /engineers/{id}` with `team_id`."""
        with unit_of_work() as session:
            return teams.save_team(session, **data)


@blp.route("/<int:team_id>")
class TeamById(MethodView):
    @blp.requires_role(*READERS)
    @blp.response(200, TeamSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such team")
    def get(self, team_id):
        """Read one team."""
        return teams.get_team(get_session(), team_id)

    @blp.requires_role(*EDITORS)
    @blp.arguments(TeamUpdateSchema)
    @blp.response(200, TeamSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such team or lead user (`not_found`)")
    @blp.alt_response(409, schema=ErrorSchema, description="The name is taken (`conflict`)")
    @blp.alt_response(422, schema=ErrorSchema, description=(
        "Invalid body, or a lead who is not an active dispatcher, manager or admin (`validation_error`)"))
    def patch(self, data, team_id):
        """Rename a team or change its lead (`null`: no lead; its SLA warnings then go to
        every dispatcher)."""
        with unit_of_work() as session:
            return teams.save_team(session, teams.get_team(session, team_id), **data)
