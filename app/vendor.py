"""Browser libraries installed from the npm registry (`node_modules/`, by the Makefile),
served under `/vendor/<package>/…` so the docs and consoles work without a CDN."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, send_from_directory

# Only these packages are reachable; everything else in node_modules stays private.
SERVED_PACKAGES = frozenset({"swagger-ui-dist", "leaflet", "leaflet.markercluster", "chart.js"})

vendor_blp = Blueprint("vendor", __name__, url_prefix="/vendor")


@vendor_blp.get("/<package>/<path:filename>")
def vendor_file(package: str, filename: str):
    if package not in SERVED_PACKAGES:
        abort(404)
    directory = Path(current_app.config["VENDOR_DIR"]) / package
    # send_from_directory refuses paths that escape the directory.
    return send_from_directory(directory, filename, max_age=86400)
