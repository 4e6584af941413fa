"""Parts on site: the van's stock, parts used on a job, parts asked for."""
from __future__ import annotations

from flask_jwt_extended import current_user

from app.api import Blueprint, ErrorSchema
from app.auth.models import FIELD_ROLES
from app.db import get_session, unit_of_work
from app.idempotency.web import IDEMPOTENCY_KEY_PARAMETER, idempotent
from mobile_api import field_work
from mobile_api.routes.jobs import NOT_YOURS
from mobile_api.schemas import (JobPartRequestAnswerSchema, JobPartRequestSchema, JobPartsSchema,
                                PartUsedAnswerSchema, PartUsedSchema, VanSchema)

blp = Blueprint("mobile-parts", __name__, url_prefix="/mobile/v1", description="Parts on site")


@blp.route("/van", methods=["GET"])
@blp.requires_role(*FIELD_ROLES)
@blp.response(200, VanSchema)
def van_view():
    """What is in my van: per part on hand, reserved for orders, available, and the
    serials of serial-tracked units."""
    return field_work.van_stock(get_session(), user=current_user)


@blp.route("/jobs/<int:job_id>/parts", methods=["GET"])
@blp.requires_role(*FIELD_ROLES)
@blp.response(200, JobPartsSchema)
@blp.alt_response(403, schema=ErrorSchema, description=NOT_YOURS)
@blp.alt_response(404, schema=ErrorSchema, description="No such job (`not_found`)")
def job_parts_view(job_id):
    """Parts of a job: used (issued, returned, cost), still reserved, and requested."""
    return field_work.parts_of_job(get_session(), user=current_user, job_id=job_id)


@blp.route("/jobs/<int:job_id>/parts-used", methods=["POST"])
@blp.requires_role(*FIELD_ROLES)
@idempotent
@blp.arguments(PartUsedSchema)
@blp.response(201, PartUsedAnswerSchema)
@blp.alt_response(403, schema=ErrorSchema, description=NOT_YOURS + "; or the caller has no van")
@blp.alt_response(404, schema=ErrorSchema, description="No such job or part (`not_found`)")
@blp.alt_response(409, schema=ErrorSchema, description=(
    "`insufficient_stock` in the van, `serial_conflict` (a serial not in the van), or "
    "`job_not_on_site` (parts are recorded after check-in)"))
@blp.doc(parameters=[IDEMPOTENCY_KEY_PARAMETER])
def parts_used_view(data, job_id):
    """Record parts used on the job, taken from my van.

    Stock never goes below zero; what was reserved for the job in the van is used first;
    serial-tracked parts name one serial per unit and become installed in the job's
    asset. The job's timeline records it with the device time."""
    with unit_of_work() as session:
        return field_work.use_part(session, user=current_user, job_id=job_id, **data)


@blp.route("/jobs/<int:job_id>/part-requests", methods=["POST"])
@blp.requires_role(*FIELD_ROLES)
@idempotent
@blp.arguments(JobPartRequestSchema)
@blp.response(201, JobPartRequestAnswerSchema)
@blp.alt_response(403, schema=ErrorSchema, description=NOT_YOURS + "; or the caller has no van")
@blp.alt_response(404, schema=ErrorSchema, description="No such job or part (`not_found`)")
@blp.alt_response(409, schema=ErrorSchema, description="The job is no longer open (`conflict`)")
@blp.doc(parameters=[IDEMPOTENCY_KEY_PARAMETER])
def part_request_view(data, job_id):
    """Ask the warehouse for parts for the job, delivered to my van.

    The warehouse's queue shows it; when it is sent, my phones get a `parts_ready` push."""
    with unit_of_work() as session:
        return field_work.request_part(session, user=current_user, job_id=job_id, **data)
