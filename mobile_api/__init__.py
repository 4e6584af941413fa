"""The engineers' mobile API: its own flask-smorest Api under /mobile/v1 with its
own OpenAPI document at /mobile/openapi.json. Only `app.factory` imports this."""
from __future__ import annotations

from flask import Flask

from app.api import Api

api = Api(config_prefix="MOBILE")


def init_app(app: Flask) -> None:
    from mobile_api.routes.checklists import blp as checklists_blp
    from mobile_api.routes.devices import blp as devices_blp
    from mobile_api.routes.expenses import blp as expenses_blp
    from mobile_api.routes.files import blp as files_blp
    from mobile_api.routes.jobs import blp as jobs_blp
    from mobile_api.routes.locations import blp as locations_blp
    from mobile_api.routes.parts import blp as parts_blp
    from mobile_api.routes.session import blp as session_blp
    from mobile_api.routes.sync import blp as sync_blp

    api.init_app(app)
    api.register_blueprint(session_blp)
    api.register_blueprint(devices_blp)
    api.register_blueprint(jobs_blp)
    api.register_blueprint(parts_blp)
    api.register_blueprint(sync_blp)
    api.register_blueprint(checklists_blp)
    api.register_blueprint(files_blp)
    api.register_blueprint(locations_blp)
    api.register_blueprint(expenses_blp)
