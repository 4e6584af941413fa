"""The consoles people look at in a browser: server-rendered pages (Jinja) with small
vanilla JS modules that call the same API, with the same permissions, as any client.

Wiring, for whoever adds a console:
- a page module (e.g. `consoles/dispatch_console.py`) defines a Flask `Blueprint` and
  is listed in `PAGE_BLUEPRINTS` below;
- staff pages are decorated with `consoles.session.console_page(*roles)`; customer
  pages need no sign-in and extend `public/base.html`;
- templates live in `consoles/templates/`, JS/CSS in `consoles/static/` (served under
  `/console/static/`), browser libraries from npm under `/vendor/<package>/`;
- every visible text goes through gettext (`{{ _("English") }}` in templates,
  `flask_babel.gettext` in Python); the Chinese catalogue is
  `consoles/translations/zh/LC_MESSAGES/messages.po` (compiled by the Makefile:
  `.venv/bin/pybabel compile -d consoles/translations`). Strings a JS module shows are
  handed to the page as `js_messages` and read with `t()` from `js/api.js`.
"""
from __future__ import annotations

from flask import Flask

from consoles import i18n
from consoles.assets import assets_blp
from consoles.customer_pages import customer_pages_blp
from consoles.dashboard_console import dashboard_blp
from consoles.dispatch_console import dispatch_console_blp
from consoles.home import home_blp
from consoles.session import page_context, session_blp
from consoles.warehouse_console import warehouse_blp
from consoles.work_order_pages import work_order_pages_blp

# Every console page blueprint; each console adds its own here.
PAGE_BLUEPRINTS = (session_blp, home_blp, dispatch_console_blp, work_order_pages_blp, warehouse_blp, dashboard_blp,
                   customer_pages_blp)


def init_app(app: Flask) -> None:
    """Install translations, the sign-in session and every console's pages."""
    i18n.init_app(app)
    app.register_blueprint(i18n.language_blp)
    app.register_blueprint(assets_blp)
    for blueprint in PAGE_BLUEPRINTS:
        app.register_blueprint(blueprint)
    app.context_processor(page_context)

    @app.context_processor
    def console_settings() -> dict:
        return {"org_timezone": app.config["ORG_TIMEZONE"], "map_tile_url": app.config["MAP_TILE_URL"]}
