"""`flask kpis check`: the KPIs against a direct count, on the database at hand."""
from __future__ import annotations

from datetime import date, timedelta

import click
from flask import current_app
from flask.cli import AppGroup

from app.db import get_session, utcnow
from kpis.check import compare
from kpis.queries import PERIODS, Window

kpis_cli = AppGroup("kpis", help="KPIs: check them against a direct count.")


@kpis_cli.command("check")
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), help="First local date (default: 450 days ago)")
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), help="Last local date (default: today)")
@click.option("--period", type=click.Choice(PERIODS), default="month", show_default=True)
@click.option("--verbose", is_flag=True, help="Print every figure, not only the disagreements")
def check_command(date_from, date_to, period, verbose):
    """Compute every KPI with its SQL and again by counting the raw rows in Python (for
    a small database such as the demo); print disagreements and exit 1 if there are any."""
    today = utcnow().date()
    last: date = date_to.date() if date_to else today
    first: date = date_from.date() if date_from else last - timedelta(days=450)
    window = Window(first, last, period, None, current_app.config["ORG_TIMEZONE"])
    figures = compare(get_session(), window, now=utcnow())
    wrong = [f for f in figures if not f.agrees]
    for figure in figures if verbose else wrong:
        mark = "ok " if figure.agrees else "BAD"
        click.echo(f"{mark} {figure.kpi:<22} {figure.bucket} {figure.what:<28} kpi={figure.kpi_value} "
                   f"direct={figure.direct_value}")
    kpis = sorted({f.kpi for f in figures})
    click.echo(f"{len(figures)} figures of {len(kpis)} KPIs, {first} to {last} by {period}: "
               f"{len(figures) - len(wrong)} agree, {len(wrong)} disagree")
    if wrong:
        raise SystemExit(1)
