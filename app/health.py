"""`GET /api/health` for load balancers: the database and Redis both answer."""
from __future__ import annotations

import marshmallow as ma
from flask import current_app
from flask.views import MethodView
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.api import Blueprint
from app.db import get_session

health_blp = Blueprint("health", __name__, url_prefix="/api", description="Liveness for load balancers")


class HealthSchema(ma.Schema):
    status = ma.fields.String(metadata={"description": "`ok` or `degraded`"})
    database = ma.fields.String()
    redis = ma.fields.String()


def _check_database() -> str:
    try:
        get_session().execute(text("SELECT postgis_lib_version()"))
        return "ok"
    except SQLAlchemyError as exc:
        current_app.logger.warning("health: database check failed: %s", exc)
        return "unavailable"


def _check_redis() -> str:
    try:
        client = Redis.from_url(current_app.config["REDIS_URL"], socket_timeout=2, socket_connect_timeout=2)
        client.ping()
        return "ok"
    except RedisError as exc:
        current_app.logger.warning("health: redis check failed: %s", exc)
        return "unavailable"


@health_blp.route("/health")
class Health(MethodView):
    @health_blp.response(200, HealthSchema)
    @health_blp.alt_response(503, schema=HealthSchema, description="A dependency is down")
    def get(self):
        """Check PostgreSQL/PostGIS and Redis. 200 when both answer, 503 otherwise. No auth."""
        checks = {"database": _check_database(), "redis": _check_redis()}
        healthy = all(v == "ok" for v in checks.values())
        return {"status": "ok" if healthy else "degraded", **checks}, (200 if healthy else 503)
