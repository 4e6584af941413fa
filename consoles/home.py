"""`/console/`: sends each signed-in user to the console of their role."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_jwt_extended import current_user

from consoles.navigation import home_of
from consoles.session import console_page

home_blp = Blueprint("console_home", __name__)


@home_blp.get("/")
def site_root():
    """The site's front door is the consoles' sign-in."""
    return redirect(url_for("console_home.home"))


@home_blp.get("/console/")
@console_page()
def home():
    """The role's own console; a page listing none when no console of the role is installed."""
    target = home_of(current_user)
    if target is not None:
        return redirect(target)
    return render_template("console/home.html")
