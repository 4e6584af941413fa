"""The engineers' mobile API: its own flask-smorest Api under /mobile/v1 with its
own OpenAPI document at /mobile/openapi.json. Only `app.factory` imports this."""
from __future__ import annotations

from flask import Flask

from app.api import Api

api = Api(config_prefix="MOBILE")


def init_app(app: Flask) -> None:
    from mobile_api.routes.devices import blp as devices_blp
    from mobile_api.routes.expenses import blp as expenses_blp
    from mobile_api.routes.locations import blp as locations_blp
    from mobile_api.routes.session import blp as session_blp

    api.init_app(app)
    api.register_blueprint(session_blp)
    api.register_blueprint(devices_blp)
    api.register_blueprint(locations_blp)
    api.register_blueprint(expenses_blp)
