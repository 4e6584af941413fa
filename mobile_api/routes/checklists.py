"""The job's checklist on the phone: read it, answer items (offline-safe, idempotent)."""
from __future__ import annotations

from flask.views import MethodView
from flask_jwt_extended import current_user

from app.api import Blueprint, ErrorSchema
from app.auth.models import FIELD_ROLES
from app.db import get_session, unit_of_work
from app.idempotency.web import IDEMPOTENCY_KEY_PARAMETER, idempotent
from app.workorders import checklists
from app.workorders.access import get_field_order
from app.workorders.checklists_schemas import AnswersRecordedSchema, ChecklistAnswersSchema, OrderChecklistSchema

blp = Blueprint("mobile-checklists", __name__, url_prefix="/mobile/v1",
                description="Checklists (SOP): what to confirm, measure and photograph on a job")

FORBIDDEN_DOC = "The caller is not a field engineer, or the job is not theirs (`forbidden`)"


@blp.route("/jobs/<int:job_id>/checklist")
class JobChecklist(MethodView):
    @blp.requires_role(*FIELD_ROLES)
    @blp.alt_response(403, schema=ErrorSchema, description=FORBIDDEN_DOC)
    @blp.response(200, OrderChecklistSchema)
    @blp.alt_response(404, schema=ErrorSchema,
                      description="No such job (`not_found`), or its work type has no checklist (`no_checklist`)")
    def get(self, job_id):
        """The job's checklist: items in order with the current answers, `complete`, and the
        `missing` required keys that hold back resolving the job.

        Until the first answer the job shows its work type's active version (`pinned` false);
        send that `version` with the answers so that the job is pinned to what the phone
        showed, even if a newer version is published meanwhile."""
        session = get_session()
        order = get_field_order(session, job_id, current_user)
        return checklists.checklist_for_order(session, order=order)

    @blp.requires_role(*FIELD_ROLES)
    @blp.alt_response(403, schema=ErrorSchema, description=FORBIDDEN_DOC)
    @idempotent
    @blp.arguments(ChecklistAnswersSchema)
    @blp.response(200, AnswersRecordedSchema)
    @blp.alt_response(404, schema=ErrorSchema,
                      description="No such job (`not_found`), or its work type has no checklist (`no_checklist`)")
    @blp.alt_response(409, schema=ErrorSchema, description=(
        "The job is not on site (`job_not_on_site`, `details.current_status`), or it is pinned to "
        "another version than `version` (`checklist_version_changed`, `details.pinned_version`)"))
    @blp.alt_response(422, schema=ErrorSchema, description=(
        "Invalid body (`validation_error`); answers that do not fit their item are named under "
        "`errors.answers.<item_key>` and then none is recorded"))
    @blp.doc(parameters=[IDEMPOTENCY_KEY_PARAMETER])
    def post(self, data, job_id):
        """Answer checklist items, all or none.

        Each value is typed by its item's kind: `check` true or false, `number` within the
        item's range, `text` up to 2000 characters, `photo` the id of an image attached to
        this job; `null` clears an answer. Answers are taken while the job is on site (or on
        hold after being on site). The first answer pins the job to the checklist version.

        Phones sync late: an answer whose `device_time` is older than the stored answer's
        does not replace it (listed under `stale`); sending the stored answer again changes
        nothing. Answers that changed are one `checklist` entry in the job's timeline."""
        with unit_of_work() as session:
            order = get_field_order(session, job_id, current_user, for_update=True)
            return checklists.record_answers(session, order=order, actor=current_user, **data)
