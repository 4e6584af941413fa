"""The KPI API under /api/v1/kpis: the catalogue with its definitions, and each KPI per
bucket and group as JSON rows or a CSV file."""
from __future__ import annotations

import csv
import io
from functools import wraps

import marshmallow as ma
from flask import Response, current_app, request
from flask.views import MethodView
from flask_jwt_extended import current_user

from app.api import Blueprint, ErrorSchema
from app.auth.models import Role
from app.db import get_session
from app.errors import NotFoundError, PermissionDeniedError, ValidationFailedError
from kpis import queries
from kpis.catalogue import COMMON_COLUMNS, KPIS, OPERATIONS, Kpi, describe_all
from kpis.schemas import MAX_DAYS, KpiQueryArgsSchema, KpiRowSchema, KpiSchema

blp = Blueprint("kpis", __name__, url_prefix="/api/v1/kpis",
                description="KPIs per day, week or month and per team, engineer, customer or work type")

CSV_TYPE = "text/csv"
# A leading BOM makes Excel read the file as UTF-8 (Chinese names intact); other CSV
# readers skip it (Python: encoding="utf-8-sig").
BOM = "\ufeff"
# Cells a spreadsheet would run as a formula; text cells starting so get a quote.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

_MANAGERS_ONLY = ", ".join(f"`{kpi.name}`" for kpi in KPIS.values() if Role.DISPATCHER not in kpi.roles)
KPI_DESCRIPTION = f"""One KPI for a range of local dates, per bucket and optionally per group.

Answers JSON rows `{{bucket, group_id, group_name, …values}}` (the value fields of each KPI are
listed by `GET /api/v1/kpis`), or with `Accept: text/csv` or `format=csv` the same rows as a CSV
file (UTF-8 with a byte-order mark so that Excel keeps Chinese names, a header row, the columns
in the catalogue's order, empty cells for nulls; text starting with `=`, `+`, `-` or `@` gets a
leading `'` so a spreadsheet does not run it).

Managers and admins read every KPI; dispatchers all but {_MANAGERS_ONLY} (403 `forbidden`).
An unknown KPI is 404; bad or unknown query fields, `from` after `to`, more than
{MAX_DAYS['day']} days by day ({MAX_DAYS['week']} by week, {MAX_DAYS['month']} by month) or a
grouping the KPI does not have are 422 `validation_error`.

Everything is aggregated in PostgreSQL over the event log and the other tables.

{queries.RULES}

The KPIs:

{describe_all()}
"""


def _dump_kpi(kpi: Kpi) -> dict:
    return {"name": kpi.name, "title": kpi.title, "definition": kpi.definition,
            "columns": [{"name": n, "description": d} for n, d in COMMON_COLUMNS + kpi.columns],
            "groupings": [g for g in kpi.groupings if g is not None],
            "roles": [role.value for role in kpi.roles]}


@blp.route("")
class KpiCatalogue(MethodView):
    @blp.requires_role(*OPERATIONS)
    @blp.response(200, KpiSchema(many=True))
    def get(self):
        """The KPIs on offer: definitions, row fields, groupings and who may read each."""
        return [_dump_kpi(kpi) for kpi in KPIS.values()]


def _readable_kpi(view):
    """404 for an unknown KPI and 403 for a role it is not open to, before the query
    string is parsed (so that neither learns about the arguments first)."""
    @wraps(view)
    def wrapper(*args, name: str, **kwargs):
        kpi = KPIS.get(name)
        if kpi is None:
            raise NotFoundError(f"No KPI named {name!r}", known=sorted(KPIS))
        if current_user.role not in kpi.roles:
            raise PermissionDeniedError(f"Role {current_user.role.value!r} may not read {name}",
                                        allowed_roles=[role.value for role in kpi.roles])
        return view(*args, kpi=kpi, **kwargs)
    return wrapper


@blp.route("/<string:name>")
class KpiValues(MethodView):
    @blp.requires_role(*OPERATIONS)
    @_readable_kpi
    # webargs would drop unknown query fields; a misspelt `peroid` must not pass silently.
    @blp.arguments(KpiQueryArgsSchema, location="query", unknown=ma.RAISE)
    @blp.response(200, KpiRowSchema(many=True))
    @blp.alt_response(200, schema={"type": "string"}, content_type=CSV_TYPE, success=True,
                      description="The same rows as a CSV attachment (UTF-8 with BOM, header row)")
    @blp.alt_response(404, schema=ErrorSchema, description="No such KPI (`not_found`)")
    @blp.doc(description=KPI_DESCRIPTION)
    def get(self, args, kpi: Kpi):
        """One KPI per bucket and group, as JSON rows or a CSV file."""
        by = args.get("by")
        if by not in kpi.groupings:
            raise ValidationFailedError(f"{kpi.name} cannot be grouped by {by}",
                                        errors={"by": [f"one of {[g for g in kpi.groupings if g]}"]})
        window = queries.Window(args["date_from"], args["date_to"], args["period"], by,
                                current_app.config["ORG_TIMEZONE"])
        rows = kpi.compute(get_session(), window)
        if _wants_csv(args.get("format")):
            return _csv_response(kpi, window, rows)
        return rows


def _wants_csv(requested: str | None) -> bool:
    if requested is not None:
        return requested == "csv"
    return request.accept_mimetypes.best_match(["application/json", CSV_TYPE]) == CSV_TYPE


def _csv_response(kpi: Kpi, window: queries.Window, rows: list[dict]) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    columns = kpi.all_columns
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in columns])
    grouped = f"_by-{window.by}" if window.by else ""
    filename = f"{kpi.name}_{window.date_from}_{window.date_to}_{window.period}{grouped}.csv"
    return Response((BOM + buffer.getvalue()).encode("utf-8"), mimetype=CSV_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    return str(value)
