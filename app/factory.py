"""create_app(): the composition root."""
from __future__ import annotations

from flask import Flask

from app import db
from app.api import api, authorise_before_parsing
from app.auth.jwt import jwt
from app.auth.limits import limiter
from app.auth.passwords import use_fast_hashing
from app.cli import register_cli
from app.error_handlers import register_error_handlers
from config import BaseConfig, load_config


def create_app(config: BaseConfig | None = None) -> Flask:
    """Build the Flask app from `config` (default: from the environment)."""
    config = config or load_config()
    app = Flask(__name__)
    app.config.from_object(config)
    # Compact JSON even in development: indenting makes json.dumps fall back from its C
    # encoder to pure Python (13 ms instead of 0.5 ms for a phone's day of 12 jobs).
    app.json.compact = True
    app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"]
    app.config.setdefault("RATELIMIT_KEY_PREFIX", config.RATELIMIT_KEY_PREFIX)
    use_fast_hashing(bool(getattr(config, "PASSWORD_HASH_FAST", False)))

    engine = db.make_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    app.extensions["sqlalchemy_engine"] = engine
    db.configure(engine)
    app.teardown_appcontext(lambda _exc: db.db_session.remove())

    jwt.init_app(app)
    limiter.init_app(app)
    _register_apis(app)
    authorise_before_parsing(app)
    register_error_handlers(app)
    register_cli(app)
    from inventory.cli import inventory_cli
    from kpis.cli import kpis_cli
    from sla.cli import sla_cli
    app.cli.add_command(inventory_cli)
    app.cli.add_command(kpis_cli)
    app.cli.add_command(sla_cli)
    from app.workorders.hooks import on_transition
    from inventory.part_requests import cancel_when_order_cancelled
    from inventory.service import release_when_cancelled
    on_transition(release_when_cancelled)
    on_transition(cancel_when_order_cancelled)
    from app.workorders.events import after_event
    from app.customers.service import on_tier_change
    from sla.service import refresh_after_event, refresh_customer_orders
    after_event(refresh_after_event)
    on_tier_change(refresh_customer_orders)
    # After the SLA hook: rules see fresh clocks, and their own edits refresh them again.
    from automation import engine as automation_engine
    automation_engine.configure(timezone=app.config["ORG_TIMEZONE"])
    after_event(automation_engine.run_after_event)
    _install_push(app)
    _install_customer_links(app)
    _install_file_store(app)
    return app


def _install_customer_links(app: Flask) -> None:
    """Rating and tracking links follow the event log (registered after every other
    `after_event` hook, so they see a resolve before the order moves on to awaiting
    feedback); their messages leave after commit, through the worker's queue."""
    from app.queue import get_queue
    from app.workorders.events import after_event
    from customer_links import outbox, service
    from customer_links.jobs import RETRY, send_link_message
    config = app.config
    service.configure(service.LinkSettings(
        auto_close_days=config["FEEDBACK_AUTO_CLOSE_DAYS"], tracking_hours=config["TRACKING_LINK_HOURS"],
        position_fresh_minutes=config["TRACKING_POSITION_FRESH_MINUTES"],
        position_cell_m=config["TRACKING_POSITION_CELL_M"], speed_kmh=config["DISPATCH_SPEED_KMH"],
        road_factor=config["DISPATCH_ROAD_FACTOR"]))
    redis_url = config["REDIS_URL"]
    outbox.install(lambda link_id: get_queue(redis_url).enqueue(send_link_message, link_id, retry=RETRY))
    after_event(service.links_after_event)


def _install_file_store(app: Flask) -> None:
    """Uploads go to the store FILE_STORE names (a directory or an S3-compatible bucket)."""
    from app.files.configured import configure, store_from_settings
    configure(store=store_from_settings(app.config), max_bytes=app.config["UPLOAD_MAX_BYTES"])


def _install_push(app: Flask) -> None:
    """Pushes to engineers' phones follow the event log and leave after commit, through
    the worker's queue."""
    from app.queue import get_queue
    from app.workorders.events import after_event
    from push import outbox
    from push.jobs import push_to_users
    from push.triggers import push_after_event
    redis_url = app.config["REDIS_URL"]
    outbox.install(lambda user_ids, data: get_queue(redis_url).enqueue(push_to_users, user_ids, data))
    after_event(push_after_event)


def _register_apis(app: Flask) -> None:
    from app.auth.routes import auth_blp, users_blp
    from app.customers.routes import assets_blp, customers_blp, sites_blp
    from app.engineers.routes import engineers_blp, skills_blp
    from app.engineers.teams_routes import blp as teams_blp
    from app.health import health_blp
    from app.workorders.checklists_routes import blp as checklists_blp
    from app.workorders.lifecycle_routes import blp as lifecycle_blp
    from app.workorders.notes_routes import blp as notes_blp
    from app.workorders.ratings_routes import blp as ratings_blp
    from app.workorders.routes import BLUEPRINTS as workorder_blueprints
    from automation.routes import blp as automation_blp
    from customer_links.routes import blp as customer_links_blp
    from dispatch.assist_routes import blp as dispatch_assist_blp
    from dispatch.routes import blp as dispatch_runs_blp
    from expenses.routes import blp as expenses_blp
    from inventory.part_request_routes import blp as part_requests_blp
    from inventory.routes import blp as inventory_blp
    from kpis.routes import blp as kpis_blp
    from notifications.routes import blp as notifications_blp
    from sla.routes import blp as sla_blp
    from tracking.routes import blp as tracks_blp

    api.init_app(app)
    for blueprint in (health_blp, auth_blp, users_blp, customers_blp, sites_blp, assets_blp, skills_blp,
                      engineers_blp, *workorder_blueprints, lifecycle_blp, notes_blp, ratings_blp,
                      dispatch_runs_blp, dispatch_assist_blp, inventory_blp, part_requests_blp, sla_blp,
                      notifications_blp, kpis_blp, teams_blp, automation_blp, checklists_blp, tracks_blp,
                      expenses_blp, customer_links_blp):
        api.register_blueprint(blueprint)

    import mobile_api
    mobile_api.init_app(app)

    from app.vendor import vendor_blp
    app.register_blueprint(vendor_blp)
    from customer_links.public import public_blp as customer_links_public_blp
    app.register_blueprint(customer_links_public_blp)

    import consoles
    consoles.init_app(app)
