"""Where the consoles' templates and their own JS/CSS live (`/console/static/…`)."""
from __future__ import annotations

from flask import Blueprint

assets_blp = Blueprint("console_assets", __name__, template_folder="templates",
                       static_folder="static", static_url_path="/console/static")
